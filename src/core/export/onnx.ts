/**
 * ONNX export: the network's graph as an opset-13 ONNX model with its
 * weights as initializers. The input is `input` [N, ...] with a symbolic
 * batch axis `N`; the output is `output`. Initializers are named by the
 * PyTorch module's `state_dict()` keys when there is one, so the ONNX file
 * and the `.py` file name each tensor alike; every node carries its `.cnn`
 * line in its doc string.
 */
import { OnnxDataType, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/schema';
import { describeStatement, statementText, type ExportFailure, type ExportSource, type ExportWeights } from './network';
import { onnxLayer, type OnnxOpContext } from './onnxOps';

/** The opset the export writes: the oldest that has every operator it needs with today's semantics (Softmax per axis, Clip with inputs). */
export const onnxOpset = 13;

/**
 * Writes the ONNX model of an analysed network. `modulePaths` (from the
 * PyTorch export) names initializers as `state_dict()` keys; without it a
 * layer's tensors are named after its graph node.
 */
export function writeOnnx(source: ExportSource, weights: ExportWeights, modulePaths?: ReadonlyMap<number, string>): OnnxModel | ExportFailure {
  const { graph, network, text } = source;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const names = new Set<string>();
  let fresh = 0;
  let nodeCount = 0;
  const value = (id: number) => (id === 0 ? 'input' : id === graph.output ? 'output' : `${graph.nodes[id].op}_${id}`);
  for (const node of graph.nodes) {
    if (node.op === 'input') continue;
    const layerName = modulePaths?.get(node.id)?.replace(/\.$/, '') ?? `${node.op}_${node.id}`;
    const doc = `line ${node.range.start.line + 1}: ${statementText(text, node.range)}`;
    let part = 0;
    const tensors = weights.get(node.id) ?? {};
    const addInitializer = (name: string, tensor: OnnxTensor): string => {
      let unique = name;
      for (let i = 2; names.has(unique); i++) unique = `${name}_${i}`;
      names.add(unique);
      initializers.push({ ...tensor, name: unique });
      return unique;
    };
    const context: OnnxOpContext = {
      node,
      rank: node.inShapes[0].length - 1,
      inputs: node.inputs.map(value),
      output: value(node.id),
      has: (name) => name in tensors,
      tensor: (name) => tensors[name],
      weight: (name, reshape) => {
        const tensor = tensors[name];
        if (!tensor) throw new Error(`${layerName} has no weight '${name}'`);
        return addInitializer(`${layerName}.${name}`, floatTensor(tensor.data, reshape ?? tensor.shape));
      },
      constant: (kind, values, dims) => {
        const tensor = kind === 'float' ? floatTensor(Float32Array.from(values), dims) : { dims, data_type: OnnxDataType.INT64, int64_data: values };
        return addInitializer(`${layerName}.const${++fresh}`, tensor);
      },
      add: (opType, inputs, attributes: OnnxAttribute[] = [], output?: string) => {
        const out = output || `${layerName}.${opType.toLowerCase()}${++part}`;
        nodes.push({ name: `${layerName}/${opType}_${++nodeCount}`, op_type: opType, input: inputs, output: [out], ...(attributes.length ? { attribute: attributes } : {}), doc_string: doc });
        return out;
      },
    };
    const outcome = onnxLayer(context);
    if (outcome) return { failure: `${describeStatement(text, node.range)}: ONNX export cannot express ${outcome.unsupported}`, range: node.range };
  }
  if (graph.output === 0) nodes.push({ name: 'output', op_type: 'Identity', input: ['input'], output: ['output'] });
  const tensorType = (shape: number[]) => ({
    tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_param: 'N' }, ...shape.map((d) => ({ dim_value: d }))] } },
  });
  return {
    ir_version: 7,
    opset_import: [{ domain: '', version: onnxOpset }],
    producer_name: 'CNN Lens',
    producer_version: '0.1.0',
    doc_string: `${network.name}, exported by CNN Lens from its .cnn description.`,
    graph: {
      name: network.name,
      node: nodes,
      initializer: initializers,
      input: [{ name: 'input', type: tensorType(network.input ?? []) }],
      output: [{ name: 'output', type: tensorType(network.output ?? []) }],
    },
  };
}

function floatTensor(data: Float32Array, dims: number[]): OnnxTensor {
  return { dims, data_type: OnnxDataType.FLOAT, raw_data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
