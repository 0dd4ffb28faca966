/**
 * Import: a model file's bytes become a readable `.cnn` file and the model's
 * weights in the order the preview's loader matches them. Pure: the caller
 * reads and writes files. The result is checked by analysing the text it
 * produced: it must have no errors, and its parameter counts and output shape
 * must equal the model's, so nothing is silently dropped.
 */
import { analyze } from '../semantics/analyze';
import { bytesSource, decodeOnnxModelLazily, type ByteSource } from '../onnx/lazyDecode';
import type { OnnxModel } from '../onnx/schema';
import { recoverBlocks } from './blocks';
import { sizeOf, type GraphResult, type ImportedTensor, type LayerGraph } from './layers';
import { onnxToLayers } from './onnxGraph';
import { layersOf, printProgram, type Program } from './print';
import { recoverStructure } from './structure';

/** What the caller knows about the file. */
export interface ImportOptions {
  /** The file's name (for the header comment and the default network name). */
  fileName: string;
  /** The network's name; from the file name when absent. */
  networkName?: string;
  /**
   * Reads a file the model names beside itself (a tfjs model.json's weight
   * shards), or gives undefined when it is missing. Given only when the
   * weights are wanted: without it a model.json brings its structure alone.
   */
  readShard?: (path: string) => Uint8Array | undefined;
}

/** A learned tensor with the unique name it gets in a weights file (`layer1.0.conv1.weight` for torch exports). */
export interface ModelTensor {
  key: string;
  tensor: ImportedTensor;
}

/** A successful import. */
export interface ImportedModel {
  text: string;
  networkName: string;
  /** Every learned tensor in the order the `.cnn` file's layers take them. */
  tensors: ModelTensor[];
  params: { trainable: number; nonTrainable: number };
  outputShape: number[];
  macs: number;
  /** False when the file holds only the structure (Keras JSON): the tensors then have shapes but no values. */
  weightsAvailable: boolean;
}

/**
 * A failed import. `unreadable`: the bytes are not a model (a truncated file,
 * another format): the CLI's I/O exit code. `inexpressible`: a model that
 * uses something `.cnn` cannot state; `line` is where the partial output
 * stops, `partialText` that output.
 */
export type ImportFailure = { kind: 'unreadable'; message: string } | { kind: 'inexpressible'; message: string; node: string; op: string; line: number; partialText: string };

export type ImportResult = { ok: true; model: ImportedModel } | ({ ok: false } & ImportFailure);

/** A name `.cnn` accepts, from a file name: `resnet50.onnx` → `Resnet50`. */
export function networkNameFor(fileName: string): string {
  const base = (fileName.split(/[\\/]/).pop() ?? 'Model').replace(/\.[^.]*$/, '');
  let name = base.replace(/[^A-Za-z0-9_]+(.)?/g, (_, next: string | undefined) => (next ? next.toUpperCase() : ''));
  if (!/^[A-Za-z_]/.test(name)) name = `Model${name}`;
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/**
 * Imports an ONNX model from its bytes, or from a source the caller reads from
 * disk: the weights are then read only when a tensor's `read()` asks for them.
 */
export function importOnnx(file: Uint8Array | ByteSource, options: ImportOptions): ImportResult {
  let model: OnnxModel;
  try {
    model = decodeOnnxModelLazily(file instanceof Uint8Array ? bytesSource(file) : file);
  } catch (error) {
    return { ok: false, kind: 'unreadable', message: `${options.fileName} is not a readable ONNX model (${(error as Error).message}); the file may be truncated or of another format.` };
  }
  if (!model.graph?.node?.length) return { ok: false, kind: 'unreadable', message: `${options.fileName} is not an ONNX model: it decodes to no graph nodes.` };
  const opset = model.opset_import?.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  const producer = [model.producer_name, model.producer_version].filter(Boolean).join(' ');
  const origin = `ONNX${opset ? ` opset ${opset}` : ''}${producer ? `, written by ${producer}` : ''}`;
  return finish(onnxToLayers(model), origin, options);
}

/** Turns a converted graph into text and weights, or into the failure with its partial output. */
export function finish(converted: GraphResult, origin: string, options: ImportOptions): ImportResult {
  const networkName = options.networkName ?? networkNameFor(options.fileName);
  const header = [`Imported by CNN Lens from ${options.fileName.split(/[\\/]/).pop()} (${origin}).`];
  if (!converted.ok) {
    const { problem } = converted;
    return inexpressible(problem.partial, header, networkName, problem.node, problem.op, problem.message);
  }
  const graph = converted.graph;
  const structure = recoverStructure(graph);
  if (!structure.ok) {
    const partial: LayerGraph = { layers: graph.layers.slice(0, structure.layer.id), output: structure.layer.id - 1, notes: graph.notes };
    return inexpressible(partial, header, networkName, structure.layer.source, structure.layer.sourceOp, structure.message);
  }
  const { blocks, items } = recoverBlocks(structure.items);
  const program: Program = { header: [...header, ...graph.notes], blocks, networkName, inputShape: graph.layers[0].outShape, items };
  const text = printProgram(program);
  const tensors: ModelTensor[] = [];
  const keys = new Set<string>();
  for (const layer of items.flatMap(layersOf)) {
    for (const tensor of layer.tensors) {
      let key = `${layer.source}.${tensor.name}`;
      for (let n = 2; keys.has(key); n++) key = `${layer.source}_${n}.${tensor.name}`;
      keys.add(key);
      tensors.push({ key, tensor });
    }
  }
  const counted = { trainable: 0, nonTrainable: 0 };
  for (const { tensor } of tensors) counted[tensor.trainable ? 'trainable' : 'nonTrainable'] += sizeOf(tensor.shape);
  const outputShape = graph.layers[graph.output].outShape;
  // The printed file must mean what the model computes: analyse it and compare.
  const analysis = analyze(text);
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  const network = analysis.networks[0];
  const problems: string[] = errors.map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  if (network && !errors.length) {
    if (network.params.trainable !== counted.trainable || network.params.nonTrainable !== counted.nonTrainable) {
      problems.push(
        `the written network has ${network.params.trainable} trainable and ${network.params.nonTrainable} non-trainable parameters but the model's tensors hold ${counted.trainable} and ${counted.nonTrainable}`,
      );
    }
    if (network.output?.join('x') !== outputShape.join('x')) problems.push(`the written network's output is ${network.output?.join('x')} but the model's is ${outputShape.join('x')}`);
  }
  if (problems.length || !network) {
    const line = errors[0] ? errors[0].range.start.line + 1 : text.split('\n').length;
    return {
      ok: false,
      kind: 'inexpressible',
      node: '(whole model)',
      op: '(check)',
      line,
      partialText: text,
      message: `the written .cnn file does not reproduce the model: ${problems.join('; ') || 'no network was read back'}.`,
    };
  }
  return { ok: true, model: { text, networkName, tensors, params: counted, outputShape, macs: network.macs, weightsAvailable: true } };
}

function inexpressible(partial: LayerGraph | undefined, header: string[], networkName: string, node: string, op: string, message: string): ImportResult {
  let partialText = '';
  if (partial && partial.layers.length > 1) {
    const structure = recoverStructure({ ...partial, layers: partial.layers.map((l) => ({ ...l, inputs: [...l.inputs] })) });
    if (structure.ok) partialText = printProgram({ header, blocks: [], networkName, inputShape: partial.layers[0].outShape, items: structure.items });
  }
  if (!partialText) partialText = printProgram({ header, blocks: [], networkName, inputShape: partial?.layers[0]?.outShape ?? [], items: [] });
  const lines = partialText.replace(/\n+$/, '').split('\n');
  // The stopping point is written into the partial output itself, just before the network's closing brace.
  lines.splice(lines.length - 1, 0, `  # stops here: node '${node}' (${op}) ${message}`);
  return { ok: false, kind: 'inexpressible', node, op, line: lines.length - 1, partialText: `${lines.join('\n')}\n`, message: `node '${node}' (op ${op}) cannot be written in .cnn: ${message}` };
}
