/**
 * An ONNX graph as `.cnn` layers. Nodes are read in the file's (topological)
 * order; tensors get shapes as they go, weights stay views into the file, and
 * the shape arithmetic exporters put around a classifier (`Shape`, `Gather`,
 * `Unsqueeze`, `Concat` feeding a `Reshape`) is evaluated as constants rather
 * than becoming layers.
 */
import { OnnxDataType, type OnnxModel, type OnnxNode, type OnnxTensor } from '../onnx/schema';
import { attribute, floatAttr, floatsOf, intAttr, intsAttr, numbersOf, spatialArg, stringAttr, Unsupported, type OnnxContext, type Value } from './onnxContext';
import { layerScale } from './onnxLayerScale';
import { explicitUnevenPad, type UnevenPad } from './onnxUnevenPad';
import { opConverters, patterns } from './onnxPatterns';
import { resolveShape, sliceConstant, transposeConstant } from './onnxConstants';
import { sizeOf, windowSize, type GraphResult, type ImportedLayer, type ImportedTensor, type LayerArg, type LayerGraph } from './layers';

/** Ops whose only effect is elementwise and that map one to one onto a `.cnn` activation. */
const activations: Record<string, string> = {
  Relu: 'relu',
  Sigmoid: 'sigmoid',
  Tanh: 'tanh',
  HardSwish: 'hardswish',
  Mish: 'mish',
  Gelu: 'gelu',
  Softplus: 'softplus',
};

/**
 * The module path torch gives a node: `/layer1/layer1.0/conv1/Conv` becomes
 * `layer1.0.conv1`, its state_dict prefix.
 * Other exporters' names are kept as they are.
 */
function shortName(node: OnnxNode): string {
  const name = node.name ?? '';
  const parts = name.split('/').filter(Boolean);
  if (parts.length < 2 || !name.startsWith('/')) return name || node.output?.[0] || node.op_type;
  // Each scope is named relative to the module that defines it: `conv` then `conv.0` is `conv.0`, not `conv.conv.0`.
  const path: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (path.length && part.startsWith(`${path[path.length - 1]}.`)) path.pop();
    path.push(part);
  }
  return path.join('.') || parts[parts.length - 1];
}

/** Ops evaluated on constants while converting (the exporters' shape arithmetic). */
const foldableOps = ['Unsqueeze', 'Squeeze', 'Cast', 'Identity', 'Concat', 'Gather', 'Slice', 'Mul', 'Div', 'Add', 'Sub', 'Transpose', 'Reshape', 'ConstantOfShape', 'Shape'];

/**
 * Converts a decoded ONNX model into a layer graph, or names the first node
 * that `.cnn` cannot express, with the graph of everything before it.
 */
export function onnxToLayers(model: OnnxModel): GraphResult {
  const graph = model.graph;
  if (!graph || !graph.node?.length) return { ok: false, problem: { node: '(file)', op: '(none)', message: 'the file holds no ONNX graph: it has no nodes.' } };
  const values = new Map<string, Value>();
  const uses = new Map<string, number>();
  for (const node of graph.node) if (node.op_type !== 'Shape') for (const name of node.input ?? []) uses.set(name, (uses.get(name) ?? 0) + 1);
  for (const output of graph.output ?? []) uses.set(output.name, (uses.get(output.name) ?? 0) + 1);
  const layers: ImportedLayer[] = [];
  const notes: string[] = [];
  for (const tensor of graph.initializer ?? []) if (tensor.name) values.set(tensor.name, { kind: 'weight', tensor });

  const inputs = (graph.input ?? []).filter((input) => !values.has(input.name));
  if (inputs.length !== 1) {
    return { ok: false, problem: { node: '(graph)', op: 'input', message: `the graph has ${inputs.length} data inputs (${inputs.map((i) => i.name).join(', ')}); a .cnn network has exactly one.` } };
  }
  const dims = inputs[0].type?.tensor_type?.shape?.dim ?? [];
  const dynamic = dims.slice(1).findIndex((d) => !d.dim_value);
  if (dims.length < 2 || dynamic >= 0) {
    const which = dynamic >= 0 ? `its dimension ${dynamic + 1} is '${dims[dynamic + 1].dim_param ?? '?'}'` : 'it has no shape';
    return {
      ok: false,
      problem: {
        node: inputs[0].name,
        op: 'input',
        message: `the input '${inputs[0].name}' has a dynamic size (${which}); a .cnn network has fixed channels and spatial sizes. Export with a fixed input size (torch.onnx.export without dynamic_axes on those axes).`,
      },
    };
  }
  layers.push({ id: 0, op: 'input', args: [], inputs: [], outShape: dims.slice(1).map((d) => Number(d.dim_value)), source: inputs[0].name, sourceOp: 'input', tensors: [] });
  values.set(inputs[0].name, { kind: 'layer', id: 0 });

  const addLayer = (node: OnnxNode, op: string, args: LayerArg[], inputIds: number[], outShape: number[], tensors: ImportedTensor[] = [], output = node.output?.[0] ?? ''): ImportedLayer => {
    const layer: ImportedLayer = { id: layers.length, op, args, inputs: inputIds, outShape, source: shortName(node), sourceOp: node.op_type, tensors };
    layers.push(layer);
    values.set(output, { kind: 'layer', id: layer.id });
    return layer;
  };

  const producers = new Map<string, OnnxNode>();
  const readersOf = new Map<string, OnnxNode[]>();
  for (const node of graph.node) {
    for (const name of node.output ?? []) producers.set(name, node);
    for (const name of new Set(node.input ?? [])) if (name) readersOf.set(name, [...(readersOf.get(name) ?? []), node]);
  }
  const absorbed = new Set<OnnxNode>();
  /** Uneven zero Pads read only by a convolution, by their output name: the convolution decides how they are written. */
  const unevenPads = new Map<string, UnevenPad & { sourceId: number }>();
  const context: OnnxContext = {
    model,
    layers,
    value,
    valueNamed: (name) => values.get(name) ?? constantAhead(name, 0),
    layerInput,
    constantInput,
    weightInput,
    tensorOf,
    addLayer,
    define: (name, to) => values.set(name, to),
    consumers,
    readers: (name) => readersOf.get(name) ?? [],
    producer: (name) => producers.get(name),
    absorb: (...nodes) => nodes.forEach((n) => absorbed.add(n)),
  };

  let foldedConvolutions = 0;
  try {
    for (const node of graph.node) {
      if (absorbed.has(node)) continue;
      if (patterns.some((pattern) => pattern(context, node))) continue;
      convertNode(node);
    }
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    const partial = pruned({ layers: [...layers], output: layers.length - 1, notes });
    return { ok: false, problem: { node: error.node.name || error.node.output?.[0] || '(unnamed)', op: error.node.op_type, message: error.message, partial } };
  }
  const outputName = graph.output?.[0]?.name ?? '';
  const out = values.get(outputName);
  if (out?.kind !== 'layer') {
    return { ok: false, problem: { node: outputName, op: '(output)', message: `the graph output '${outputName}' is not computed from the input.` } };
  }
  if (foldedConvolutions) {
    notes.push(
      `Batch norm was folded into ${foldedConvolutions} convolution${foldedConvolutions === 1 ? '' : 's'} by the exporter (an eval-mode export with constant folding):`,
      'they carry biases instead of batchnorm layers, so the counts are those of the folded model, with no running statistics.',
    );
  }
  if ((graph.output?.length ?? 0) > 1) notes.push(`The model has ${graph.output!.length} outputs; this network computes the first, '${outputName}'.`);
  return { ok: true, graph: pruned({ layers, output: out.id, notes }) };

  /**
   * A constant that a later node computes (torch writes the shape of a Reshape
   * or the 0.5 of a GELU after the nodes that start the pattern): its
   * constant-only producers are converted now and skipped when reached.
   */
  function constantAhead(name: string, depth: number): Value | undefined {
    const producer = producers.get(name);
    if (!producer || absorbed.has(producer) || depth > 32) return undefined;
    for (const input of producer.input ?? []) {
      if (!input) continue;
      const known = values.get(input) ?? constantAhead(input, depth + 1);
      if (!known || (known.kind === 'layer' && producer.op_type !== 'Shape')) return undefined;
    }
    if (!foldableOps.includes(producer.op_type) && producer.op_type !== 'Constant') return undefined;
    try {
      // Constant, Identity (an alias that keeps a weight lazy) and Shape have their own cases in convertNode.
      if (['Constant', 'Identity', 'Shape'].includes(producer.op_type)) convertNode(producer);
      else if (!foldConstant(producer)) return undefined;
    } catch (error) {
      if (error instanceof Unsupported) return undefined;
      throw error;
    }
    absorbed.add(producer);
    return values.get(name);
  }

  function value(node: OnnxNode, index: number): Value {
    const name = node.input?.[index] ?? '';
    const found = values.get(name);
    if (!found) throw new Unsupported(node, `its input '${name}' is not defined before it.`);
    return found;
  }

  function layerInput(node: OnnxNode, index = 0): ImportedLayer {
    const found = value(node, index);
    if (found.kind !== 'layer') throw new Unsupported(node, `its input ${index + 1} is a constant where .cnn needs a computed tensor.`);
    return layers[found.id];
  }

  function constantInput(node: OnnxNode, index: number): number[] | undefined {
    const name = node.input?.[index];
    if (!name) return undefined;
    const found = value(node, index);
    if (found.kind === 'constant') return found.values;
    if (found.kind === 'weight') return numbersOf(found.tensor);
    throw new Unsupported(node, `its input ${index + 1} ('${name}') is computed from the image, but .cnn needs a constant there.`);
  }

  function weightInput(node: OnnxNode, index: number, what: string): OnnxTensor {
    const found = value(node, index);
    if (found.kind === 'weight') return found.tensor;
    if (found.kind === 'constant') return { name: node.input?.[index], dims: found.dims, data_type: OnnxDataType.FLOAT, float_data: found.values };
    throw new Unsupported(node, `its ${what} is computed at run time, not stored in the file; .cnn layers hold their own weights.`);
  }

  function tensorOf(source: OnnxTensor, name: string, shape?: number[], trainable = true, convert?: (data: Float32Array) => Float32Array): ImportedTensor {
    const dims = (source.dims ?? []).map(Number);
    return { name, shape: shape ?? dims, trainable, read: () => (convert ? convert(floatsOf(source)) : floatsOf(source)) };
  }

  function constant(node: OnnxNode, dimsOut: number[], out: number[]): void {
    values.set(node.output?.[0] ?? '', { kind: 'constant', dims: dimsOut, values: out });
  }

  function alias(node: OnnxNode, to: Value): void {
    values.set(node.output?.[0] ?? '', to);
  }

  /** Shape arithmetic on constants: the values the exporter's Shape/Gather/Concat chains compute. */
  function foldConstant(node: OnnxNode): boolean {
    if (!foldableOps.includes(node.op_type)) return false;
    // Optional inputs left out are empty names; they keep their positions.
    const all = (node.input ?? []).map((name, i) => (name ? value(node, i) : ({ kind: 'constant', dims: [0], values: [] } as Value)));
    if (all.some((v) => v.kind === 'layer')) return false;
    // A weight reshaped to broadcast over channels (a layer scale's `weight.reshape(-1, 1, 1)`) stays a weight, read lazily.
    if (node.op_type === 'Reshape' && all[0].kind === 'weight' && (all[0].tensor.data_type ?? OnnxDataType.FLOAT) === OnnxDataType.FLOAT) {
      const dimsIn = (all[0].tensor.dims ?? []).map(Number);
      alias(node, { kind: 'weight', tensor: { ...all[0].tensor, dims: resolveShape(dimsIn, constantInput(node, 1) ?? []) } });
      return true;
    }
    const ins = (node.input ?? []).map((name, i) => (name ? (constantInput(node, i) ?? []) : []));
    const dimsOf = (i: number) => {
      const v = all[i];
      return v.kind === 'constant' ? v.dims : v.kind === 'weight' ? (v.tensor.dims ?? []).map(Number) : [];
    };
    switch (node.op_type) {
      case 'Unsqueeze':
      case 'Squeeze':
      case 'Cast':
      case 'Identity':
        constant(node, node.op_type === 'Unsqueeze' ? [ins[0].length] : dimsOf(0), ins[0]);
        return true;
      case 'Concat':
        constant(node, [ins.flat().length], ins.flat());
        return true;
      case 'Gather': {
        const indices = ins[1].map((i) => (i < 0 ? i + ins[0].length : i));
        const out = indices.map((i) => ins[0][i]);
        constant(node, dimsOf(1), out);
        return true;
      }
      case 'Slice': {
        // Opset 10 moved starts, ends and axes from attributes to inputs, and added steps.
        const fromAttributes = (node.input?.length ?? 0) < 3;
        const starts = fromAttributes ? (intsAttr(node, 'starts') ?? []) : ins[1];
        const ends = fromAttributes ? (intsAttr(node, 'ends') ?? []) : ins[2];
        const axes = fromAttributes ? intsAttr(node, 'axes') : ins[3]?.length ? ins[3] : undefined;
        const out = sliceConstant({ dims: dimsOf(0), values: ins[0] }, starts, ends, axes, ins[4]?.length ? ins[4] : undefined);
        constant(node, out.dims, out.values);
        return true;
      }
      case 'Transpose': {
        const out = transposeConstant({ dims: dimsOf(0), values: ins[0] }, intsAttr(node, 'perm'));
        constant(node, out.dims, out.values);
        return true;
      }
      case 'Reshape':
        constant(node, resolveShape(dimsOf(0), ins[1]), ins[0]);
        return true;
      case 'ConstantOfShape': {
        const fill = attribute(node, 'value')?.t;
        const filler = fill ? (numbersOf(fill)[0] ?? 0) : 0;
        constant(node, ins[0], new Array<number>(sizeOf(ins[0])).fill(filler));
        return true;
      }
      case 'Shape':
        constant(node, [dimsOf(0).length], dimsOf(0));
        return true;
      case 'Mul':
      case 'Div':
      case 'Add':
      case 'Sub': {
        const [a, b] = ins;
        const n = Math.max(a.length, b.length);
        const pick = (x: number[], i: number) => (x.length === 1 ? x[0] : x[i]);
        const f = { Mul: (x: number, y: number) => x * y, Div: (x: number, y: number) => Math.trunc(x / y), Add: (x: number, y: number) => x + y, Sub: (x: number, y: number) => x - y }[node.op_type]!;
        constant(
          node,
          a.length >= b.length ? dimsOf(0) : dimsOf(1),
          Array.from({ length: n }, (_, i) => f(pick(a, i), pick(b, i))),
        );
        return true;
      }
      default:
        return false;
    }
  }

  function convertNode(node: OnnxNode): void {
    const op = node.op_type;
    if (node.domain && node.domain !== 'ai.onnx') throw new Unsupported(node, `it is from the op set '${node.domain}', which .cnn does not read; only standard ONNX ops are imported.`);
    if (op === 'Constant') {
      const t = attribute(node, 'value')?.t;
      const f = attribute(node, 'value_float')?.f;
      const ints = attribute(node, 'value_ints')?.ints;
      if (t) {
        const dimsOut = (t.dims ?? []).map(Number);
        if (t.data_type === OnnxDataType.FLOAT && sizeOf(dimsOut) > 16) values.set(node.output?.[0] ?? '', { kind: 'weight', tensor: { ...t, name: node.output?.[0] } });
        else constant(node, dimsOut, numbersOf(t));
      } else if (f !== undefined) constant(node, [], [f]);
      else if (ints) constant(node, [ints.length], ints.map(Number));
      else throw new Unsupported(node, 'it is a Constant of a kind .cnn does not read (only tensors, floats and int lists).');
      return;
    }
    if (op === 'Identity') {
      alias(node, value(node, 0));
      return;
    }
    if (op === 'Shape' && value(node, 0).kind === 'layer') {
      const source = layerInput(node);
      const shape = [1, ...source.outShape];
      constant(node, [shape.length], shape);
      return;
    }
    if (foldConstant(node)) return;
    const handler = handlerFor(op);
    if (!handler)
      throw new Unsupported(
        node,
        `.cnn has no op for ONNX's ${op}${op === 'LSTM' || op === 'GRU' || op === 'RNN' ? ' (recurrent layers are outside the language, which describes feed-forward CNNs)' : ''}.`,
      );
    handler(node);
  }

  /** The batch-free input shape of a node's first input. */
  function shapeIn(node: OnnxNode): number[] {
    return layerInput(node).outShape;
  }

  /** Symmetric padding per spatial axis from ONNX's `[begin..., end...]`, or a reason it is not symmetric. */
  function symmetricPads(node: OnnxNode, pads: number[], rank: number): number[] {
    const begin = pads.slice(0, rank);
    const end = pads.slice(rank, 2 * rank);
    if (begin.some((p, i) => p !== end[i])) throw new Unsupported(node, `its padding is not symmetric (begin ${begin.join(', ')}, end ${end.join(', ')}); .cnn pads both sides equally.`);
    return begin;
  }

  /** Padding from `pads` or `auto_pad`, with an upstream zero `Pad` folded in. */
  function windowPads(node: OnnxNode, input: number[], kernel: number[], strides: number[], dilations: number[]): { pads: number[]; same?: boolean; causal?: boolean } {
    const rank = kernel.length;
    const autoPad = stringAttr(node, 'auto_pad') ?? 'NOTSET';
    if (autoPad === 'SAME_UPPER') return { pads: [], same: true };
    if (autoPad === 'SAME_LOWER') {
      // Equal to Keras's "same" only when the total padding is even on every axis.
      const total = input.map((size, i) => Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - size, 0));
      if (total.some((t) => t % 2)) throw new Unsupported(node, 'its auto_pad SAME_LOWER puts the odd padding pixel first; .cnn\'s "same" puts it last.');
      return { pads: total.map((t) => t / 2) };
    }
    if (autoPad === 'VALID') return { pads: kernel.map(() => 0) };
    const pads = intsAttr(node, 'pads') ?? Array(2 * rank).fill(0);
    const uneven = unevenPadding(input, kernel, strides, dilations, pads.slice(0, rank), pads.slice(rank, 2 * rank));
    if (uneven && node.op_type === 'Conv') return uneven === 'same' ? { pads: [], same: true } : { pads: [], causal: true };
    return { pads: symmetricPads(node, pads, rank) };
  }

  /**
   * The two uneven paddings `.cnn` states, recognised from explicit begin and
   * end pads: Keras's "same" (the odd pixel last, as exporters of a
   * `padding="same"` with stride write it) and "causal" (`d(k-1)` before,
   * nothing after); undefined for even padding or any other.
   */
  function unevenPadding(input: number[], kernel: number[], strides: number[], dilations: number[], begin: number[], end: number[]): 'same' | 'causal' | undefined {
    if (begin.every((b, i) => b === end[i])) return undefined;
    const total = input.map((size, i) => Math.max((Math.ceil(size / strides[i]) - 1) * strides[i] + dilations[i] * (kernel[i] - 1) + 1 - size, 0));
    if (total.every((t, i) => begin[i] === Math.floor(t / 2) && end[i] === t - Math.floor(t / 2))) return 'same';
    if (begin.every((b, i) => b === dilations[i] * (kernel[i] - 1) && end[i] === 0)) return 'causal';
    return undefined;
  }

  function conv(node: OnnxNode): void {
    const pending = unevenPads.get(node.input?.[0] ?? '');
    const source = pending ? layers[pending.sourceId] : layerInput(node);
    const weight = weightInput(node, 1, 'weight');
    const wDims = (weight.dims ?? []).map(Number);
    const kernel = intsAttr(node, 'kernel_shape') ?? wDims.slice(2);
    const strides = intsAttr(node, 'strides') ?? kernel.map(() => 1);
    const dilations = intsAttr(node, 'dilations') ?? kernel.map(() => 1);
    const groups = intAttr(node, 'group', 1);
    const out = wDims[0];
    const channels = source.outShape[0];
    if (wDims[1] * groups !== channels) throw new Unsupported(node, `its weight is ${wDims.join('x')} with ${groups} groups, which does not fit ${channels} input channels.`);
    let input = source;
    const window = windowPads(node, source.outShape.slice(1), kernel, strides, dilations);
    let same = window.same;
    let causal = window.causal;
    let pads = window.pads;
    if (pending) {
      // An uneven Pad in front, with the convolution's own padding (symmetric or none) added: "same" or "causal" when it is one.
      const own = same || causal ? undefined : pads;
      const kind =
        own &&
        unevenPadding(
          source.outShape.slice(1),
          kernel,
          strides,
          dilations,
          pending.begin.map((b, i) => b + own[i]),
          pending.end.map((e, i) => e + own[i]),
        );
      if (kind) {
        same = kind === 'same';
        causal = kind === 'causal';
        pads = [];
      } else input = explicitUnevenPad(context, pending, source.id, node.input?.[0] ?? '');
    }
    // A zero `Pad` in front of a convolution (TensorFlow exports, explicit padding in PyTorch) is the convolution's own padding.
    if (!pending && source.op === 'pad' && !same && !causal && consumers(source.id) === 1) {
      const extra = source.args[0].value;
      pads = pads.map((p, i) => p + (Array.isArray(extra) ? extra[i] : Number(extra)));
      // The Pad layer is left without readers and pruned at the end.
      input = layers[source.inputs[0]];
    }
    const sizes = input.outShape.slice(1);
    const outSizes = same
      ? sizes.map((s, i) => Math.ceil(s / strides[i]))
      : causal
        ? sizes.map((s, i) => Math.floor((s - 1) / strides[i]) + 1)
        : sizes.map((s, i) => windowSize(s, kernel[i], strides[i], pads[i], pads[i], dilations[i], false));
    const hasBias = Boolean(node.input?.[2]);
    // torch names a module's parameters after it; a weight it computed while exporting (`onnx::Conv_497`) is a convolution with its batch norm folded in.
    if (hasBias && weight.name?.startsWith('onnx::')) foldedConvolutions++;
    const tensors = [tensorOf(weight, 'weight')];
    if (hasBias) tensors.push(tensorOf(weightInput(node, 2, 'bias'), 'bias'));
    const args: LayerArg[] = [];
    const depthwise = groups === channels && groups > 1 && out % groups === 0;
    if (depthwise) {
      args.push({ value: spatialArg(kernel) });
      if (out !== channels) args.push({ key: 'multiplier', value: out / channels });
    } else args.push({ value: out }, { value: spatialArg(kernel) });
    if (strides.some((s) => s !== 1)) args.push({ key: 'stride', value: spatialArg(strides) });
    if (same) args.push({ key: 'padding', value: 'same' });
    else if (causal) args.push({ key: 'padding', value: 'causal' });
    else if (pads.some((p) => p !== 0)) args.push({ key: 'padding', value: spatialArg(pads) });
    if (dilations.some((d) => d !== 1)) args.push({ key: 'dilation', value: spatialArg(dilations) });
    if (groups !== 1 && !depthwise) args.push({ key: 'groups', value: groups });
    if (!hasBias) args.push({ key: 'bias', value: false });
    if (!depthwise && separable(node, input, args, out, outSizes, tensors)) return;
    addLayer(node, depthwise ? 'depthwise_conv' : 'conv', args, [input.id], [out, ...outSizes], tensors);
  }

  /**
   * A 1x1 convolution straight after a bias-free depthwise one that nothing
   * else reads is Keras's SeparableConv (and the project's export of
   * `separable_conv`): the two become one `separable_conv`. Models with a
   * norm or an activation between the two (MobileNet) keep both.
   */
  function separable(node: OnnxNode, input: ImportedLayer, args: LayerArg[], out: number, outSizes: number[], tensors: ImportedTensor[]): boolean {
    const pointwise = args[1]?.value === 1 && args.slice(2).every((a) => a.key === 'bias');
    if (!pointwise || input.op !== 'depthwise_conv' || input.tensors.length !== 1 || consumers(input.id) !== 1) return false;
    input.op = 'separable_conv';
    input.args = [{ value: out }, ...input.args.filter((a) => a.key !== 'bias'), ...args.slice(2)];
    input.tensors = [{ ...input.tensors[0], name: 'depthwise.weight' }, ...tensors.map((t) => ({ ...t, name: `pointwise.${t.name}` }))];
    input.outShape = [out, ...outSizes];
    input.sourceOp = 'Conv+Conv';
    alias(node, { kind: 'layer', id: input.id });
    return true;
  }

  /** How many nodes read layer `id`'s output (under any of its names); `Shape` reads only its size and does not count. */
  function consumers(id: number): number {
    let names = 0;
    let count = 0;
    for (const [name, v] of values) {
      if (v.kind !== 'layer' || v.id !== id) continue;
      names++;
      count += uses.get(name) ?? 0;
    }
    // Each further name is an alias made by one reader of an earlier name, not a reader of its own.
    return count - (names - 1);
  }

  function pool(node: OnnxNode, kind: 'max' | 'avg'): void {
    const source = layerInput(node);
    const kernel = intsAttr(node, 'kernel_shape') ?? [];
    const strides = intsAttr(node, 'strides') ?? kernel.map(() => 1);
    const dilations = intsAttr(node, 'dilations') ?? kernel.map(() => 1);
    const ceilMode = intAttr(node, 'ceil_mode', 0) === 1;
    const { pads, same } = windowPads(node, source.outShape.slice(1), kernel, strides, dilations);
    if (same) throw new Unsupported(node, 'its auto_pad SAME_UPPER pads pooling with zeros or -infinity in ways .cnn does not state; export with explicit pads.');
    const sizes = source.outShape.slice(1);
    const outSizes = sizes.map((s, i) => windowSize(s, kernel[i], strides[i], pads[i], pads[i], dilations[i], ceilMode));
    const args: LayerArg[] = [{ value: spatialArg(kernel) }];
    if (strides.some((s, i) => s !== kernel[i])) args.push({ key: 'stride', value: spatialArg(strides) });
    if (pads.some((p) => p !== 0)) args.push({ key: 'padding', value: spatialArg(pads) });
    if (ceilMode) args.push({ key: 'ceil_mode', value: true });
    if (dilations.some((d) => d !== 1)) args.push({ key: 'dilation', value: spatialArg(dilations) });
    if (kind === 'avg' && pads.some((p) => p !== 0) && intAttr(node, 'count_include_pad', 0) === 0) args.push({ key: 'count_include_pad', value: false });
    addLayer(node, `${kind}pool`, args, [source.id], [source.outShape[0], ...outSizes]);
  }

  function globalPool(node: OnnxNode, kind: 'max' | 'avg'): void {
    const source = layerInput(node);
    addLayer(node, `adaptive_${kind}pool`, [{ value: 1 }], [source.id], [source.outShape[0], ...source.outShape.slice(1).map(() => 1)]);
  }

  /** Flatten to one axis: a global pooling to 1x1 becomes `global_*pool`, which flattens itself. */
  function flattenLayer(node: OnnxNode, source: ImportedLayer): void {
    if (source.outShape.length === 1) {
      alias(node, { kind: 'layer', id: source.id });
      return;
    }
    if (source.op.startsWith('adaptive_') && source.args[0].value === 1 && consumers(source.id) === 1) {
      source.op = source.op.replace('adaptive_', 'global_');
      source.args = [];
      source.outShape = [source.outShape[0]];
      alias(node, { kind: 'layer', id: source.id });
      return;
    }
    addLayer(node, 'flatten', [], [source.id], [sizeOf(source.outShape)]);
  }

  /** Adds a trained bias to the layer `target` (a `MatMul` or bias-free convolution) that `node` adds it to. */
  function absorbBias(node: OnnxNode, target: ImportedLayer, biasIndex: number): boolean {
    if (!(target.op === 'dense' || target.op === 'conv') || target.tensors.length !== 1 || consumers(target.id) !== 1) return false;
    const bias = weightInput(node, biasIndex, 'bias');
    const channels = target.outShape[0];
    // The count from the dims: reading the values here would read every bias from the file twice.
    const count = sizeOf((bias.dims ?? []).map(Number));
    const axisLast = target.op === 'dense';
    if (count !== (axisLast ? target.outShape[target.outShape.length - 1] : channels)) return false;
    target.tensors.push(tensorOf(bias, 'bias', [count]));
    target.args = target.args.filter((a) => a.key !== 'bias');
    alias(node, { kind: 'layer', id: target.id });
    return true;
  }

  function merge(node: OnnxNode, op: 'add' | 'multiply'): void {
    const a = value(node, 0);
    const b = value(node, 1);
    if (a.kind === 'layer' && b.kind === 'layer') {
      const x = layers[a.id];
      const y = layers[b.id];
      // SiLU, as torch 1.13 writes it: x * sigmoid(x).
      if (op === 'multiply') {
        for (const [gate, other] of [
          [y, x],
          [x, y],
        ]) {
          // Hard swish likewise, x * hardsigmoid(x), as the project's export writes it.
          if ((gate.op === 'sigmoid' || gate.op === 'hardsigmoid') && gate.inputs[0] === other.id && consumers(gate.id) === 1) {
            gate.op = gate.op === 'sigmoid' ? 'silu' : 'hardswish';
            gate.sourceOp = `${gate.sourceOp}+Mul`;
            alias(node, { kind: 'layer', id: gate.id });
            return;
          }
        }
      }
      const shape = x.outShape.map((s, i) => Math.max(s, y.outShape[i] ?? s));
      if (op === 'add' && x.outShape.join('x') !== y.outShape.join('x'))
        throw new Unsupported(node, `it adds tensors of shapes ${x.outShape.join('x')} and ${y.outShape.join('x')}; .cnn adds equal shapes only.`);
      addLayer(node, op, [], [x.id, y.id], shape);
      return;
    }
    const layerIndex = a.kind === 'layer' ? 0 : 1;
    const target = layerInput(node, layerIndex);
    if (op === 'add' && absorbBias(node, target, 1 - layerIndex)) return;
    if (op === 'multiply' && layerScale(context, node, target, 1 - layerIndex)) return;
    const constantValues = constantInput(node, 1 - layerIndex) ?? [];
    if (constantValues.every((v) => v === (op === 'add' ? 0 : 1))) {
      alias(node, { kind: 'layer', id: target.id });
      return;
    }
    throw new Unsupported(node, `it ${op === 'add' ? 'adds' : 'multiplies by'} a constant tensor, which no .cnn layer states outside a layer's own bias.`);
  }

  function dense(node: OnnxNode, transposed: boolean, biasIndex?: number): void {
    const source = layerInput(node);
    const weight = weightInput(node, 1, 'weight');
    const wDims = (weight.dims ?? []).map(Number);
    if (wDims.length !== 2) throw new Unsupported(node, `its weight has ${wDims.length} axes; a dense layer's has 2.`);
    const [units, features] = transposed ? wDims : [wDims[1], wDims[0]];
    const inShape = source.outShape;
    if (inShape[inShape.length - 1] !== features) throw new Unsupported(node, `its weight expects ${features} features but its input is ${inShape.join('x')}.`);
    // PyTorch keeps [out, in]; a weight stored [in, out] (transB=0, MatMul) is transposed on reading.
    const transpose = (data: Float32Array) => {
      const out = new Float32Array(data.length);
      for (let i = 0; i < features; i++) for (let o = 0; o < units; o++) out[o * features + i] = data[i * units + o];
      return out;
    };
    const tensors = [tensorOf(weight, 'weight', [units, features], true, transposed ? undefined : transpose)];
    const hasBias = biasIndex !== undefined && Boolean(node.input?.[biasIndex]);
    if (hasBias) {
      const bias = weightInput(node, biasIndex, 'bias');
      const count = sizeOf((bias.dims ?? []).map(Number));
      if (count !== units) throw new Unsupported(node, `its bias has ${count} values for ${units} units; .cnn's dense adds one bias per unit.`);
      tensors.push(tensorOf(bias, 'bias', [units]));
    }
    addLayer(node, 'dense', hasBias ? [{ value: units }] : [{ value: units }, { key: 'bias', value: false }], [source.id], [...inShape.slice(0, -1), units], tensors);
  }

  function batchnorm(node: OnnxNode): void {
    const source = layerInput(node);
    const channels = source.outShape[0];
    const names = ['scale', 'bias', 'mean', 'variance'];
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => weightInput(node, i, names[i - 1]));
    if (sizeOf((scale.dims ?? []).map(Number)) !== channels) throw new Unsupported(node, `its scale does not have one value per channel (${channels}).`);
    const eps = floatAttr(node, 'epsilon', 1e-5);
    const args: LayerArg[] = Math.abs(eps - 1e-5) > 1e-9 ? [{ key: 'eps', value: Number(eps.toPrecision(6)) }] : [];
    // A batch norm without affine terms (affine=False) is written with a constant scale of ones and shift of zeros,
    // which are not named as a module's parameters (`bn.weight`); a freshly initialised affine one has the names.
    const parameterName = (t: OnnxTensor) => /\.(weight|bias)$/.test(t.name ?? '');
    const constantOf = (t: OnnxTensor, value: number) => !parameterName(t) && Array.from(floatsOf(t)).every((v) => v === value);
    const affine = !(constantOf(scale, 1) && constantOf(bias, 0));
    if (!affine) args.push({ key: 'affine', value: false });
    const statistics = [tensorOf(mean, 'running_mean', [channels], false), tensorOf(variance, 'running_var', [channels], false)];
    addLayer(node, 'batchnorm', args, [source.id], source.outShape, affine ? [tensorOf(scale, 'weight', [channels]), tensorOf(bias, 'bias', [channels]), ...statistics] : statistics);
  }

  function reshape(node: OnnxNode): void {
    const source = layerInput(node);
    const target = constantInput(node, 1) ?? [];
    const total = sizeOf(source.outShape);
    // 0 copies the input's size on that axis (allowzero=0); -1 takes what is left.
    const full = [1, ...source.outShape];
    let resolved = target.map((t, i) => (t === 0 ? full[i] : t));
    const known = sizeOf(resolved.filter((t) => t !== -1));
    resolved = resolved.map((t) => (t === -1 ? (total * 1) / Math.max(known, 1) : t));
    if (resolved[0] !== 1) throw new Unsupported(node, `it reshapes the batch axis (to ${resolved[0]}); .cnn keeps one sample per batch entry.`);
    const shape = resolved.slice(1);
    if (sizeOf(shape) !== total) throw new Unsupported(node, `its target shape ${target.join('x')} does not hold the input's ${total} values.`);
    if (shape.length === 1) flattenLayer(node, source);
    else if (shape.join('x') === source.outShape.join('x')) alias(node, { kind: 'layer', id: source.id });
    else addLayer(node, 'reshape', [{ value: shape.join('x') }], [source.id], shape);
  }

  function simple(node: OnnxNode, op: string, args: LayerArg[] = []): void {
    const source = layerInput(node);
    addLayer(node, op, args, [source.id], source.outShape);
  }

  function clip(node: OnnxNode): void {
    const min = node.input?.[1] ? constantInput(node, 1)?.[0] : attribute(node, 'min')?.f;
    const max = node.input?.[2] ? constantInput(node, 2)?.[0] : attribute(node, 'max')?.f;
    if (min === 0 && max === 6) simple(node, 'relu6');
    else if (min === 0 && (max === undefined || max === Infinity || max > 3e38)) simple(node, 'relu');
    else throw new Unsupported(node, `it clips to [${min}, ${max}]; .cnn has relu (from 0) and relu6 (0 to 6) only.`);
  }

  function softmax(node: OnnxNode, op: string): void {
    const rank = shapeIn(node).length + 1;
    const axis = intAttr(node, 'axis', model.opset_import?.some((o) => (o.version ?? 0) >= 13) ? -1 : 1);
    if ((axis + rank) % rank !== 1 && !(rank === 2 && (axis + rank) % rank === 1)) throw new Unsupported(node, `it normalises over axis ${axis}; .cnn's ${op} normalises over the channels.`);
    simple(node, op);
  }

  function concatLayers(node: OnnxNode): void {
    const parts = (node.input ?? []).map((_, i) => layerInput(node, i));
    const rank = parts[0].outShape.length + 1;
    const axis = (intAttr(node, 'axis', 1) + rank) % rank;
    if (axis !== 1) throw new Unsupported(node, `it concatenates on axis ${axis}; .cnn concatenates channels (axis 1).`);
    if (parts.length === 1) {
      alias(node, { kind: 'layer', id: parts[0].id });
      return;
    }
    const rest = parts[0].outShape.slice(1).join('x');
    if (parts.some((p) => p.outShape.slice(1).join('x') !== rest)) throw new Unsupported(node, 'it concatenates tensors of different spatial sizes.');
    const channels = parts.reduce((sum, p) => sum + p.outShape[0], 0);
    addLayer(
      node,
      'concat',
      [],
      parts.map((p) => p.id),
      [channels, ...parts[0].outShape.slice(1)],
    );
  }

  function pad(node: OnnxNode): void {
    const source = layerInput(node);
    const mode = stringAttr(node, 'mode') ?? 'constant';
    const pads = node.input?.[1] ? (constantInput(node, 1) ?? []) : (intsAttr(node, 'pads') ?? []);
    const fill = node.input?.[2] ? (constantInput(node, 2)?.[0] ?? 0) : floatAttr(node, 'value', 0);
    if (mode !== 'constant' || fill !== 0) throw new Unsupported(node, `it pads with ${mode === 'constant' ? `the value ${fill}` : `mode '${mode}'`}; .cnn pads with zeros.`);
    const rank = source.outShape.length + 1;
    if (pads.length !== 2 * rank) throw new Unsupported(node, `it has ${pads.length} pads for a tensor of ${rank} axes.`);
    if (pads[0] || pads[1] || pads[rank] || pads[rank + 1]) throw new Unsupported(node, 'it pads the batch or channel axis; .cnn pads spatial axes.');
    if (pads.some((p) => p < 0)) throw new Unsupported(node, `it crops (negative pads ${pads.join(', ')}); write the crop as slice in the model.`);
    const begin = pads.slice(2, rank);
    const end = pads.slice(rank + 2);
    if (begin.some((b, i) => b !== end[i])) {
      const uneven = { node, begin, end };
      // A convolution reading it alone may state it as "same" or "causal" (decided in conv); anything else gets pad + slice.
      const readers = context.readers(node.output?.[0] ?? '');
      if (readers.length === 1 && readers[0].op_type === 'Conv' && readers[0].input?.[0] === node.output?.[0]) unevenPads.set(node.output?.[0] ?? '', { ...uneven, sourceId: source.id });
      else explicitUnevenPad(context, uneven, source.id, node.output?.[0] ?? '');
      return;
    }
    const spatial = begin;
    // torch writes a Pad of zeros in front of some average poolings; it changes nothing.
    if (spatial.every((p) => p === 0)) return alias(node, { kind: 'layer', id: source.id });
    addLayer(node, 'pad', [{ value: spatialArg(spatial) }], [source.id], [source.outShape[0], ...source.outShape.slice(1).map((s, i) => s + 2 * spatial[i])]);
  }

  function reduceMean(node: OnnxNode): void {
    const source = layerInput(node);
    const axes = (intsAttr(node, 'axes') ?? (node.input?.[1] ? constantInput(node, 1) : undefined) ?? []).map((a) => (a + source.outShape.length + 1) % (source.outShape.length + 1));
    const spatial = source.outShape.slice(1).map((_, i) => i + 2);
    if (axes.length !== spatial.length || spatial.some((a) => !axes.includes(a))) throw new Unsupported(node, `it averages over axes ${axes.join(', ')}; .cnn averages over all spatial axes only.`);
    if (intAttr(node, 'keepdims', 1) === 1) globalPool(node, 'avg');
    else addLayer(node, 'global_avgpool', [], [source.id], [source.outShape[0]]);
  }

  /**
   * `Resize` (and opset 9's `Upsample`) as `upsample`: by constant scales, or
   * to constant sizes (`size=`), in the modes PyTorch writes: nearest with
   * floor indices, linear and cubic with half-pixel centres (align_corners=False).
   */
  function resize(node: OnnxNode): void {
    const source = layerInput(node);
    const spatial = source.outShape.slice(1);
    const mode = stringAttr(node, 'mode') ?? 'nearest';
    const transform = stringAttr(node, 'coordinate_transformation_mode') ?? (node.op_type === 'Upsample' ? 'asymmetric' : 'half_pixel');
    let written: string;
    if (mode === 'nearest') {
      const rounding = stringAttr(node, 'nearest_mode') ?? (node.op_type === 'Upsample' ? 'floor' : 'round_prefer_floor');
      if (transform !== 'asymmetric' || rounding !== 'floor')
        throw new Unsupported(node, `its nearest-neighbour indices (${transform}, ${rounding}) are not PyTorch's (asymmetric, floor), which .cnn's upsample uses.`);
      written = 'nearest';
    } else if (mode === 'linear' || mode === 'cubic') {
      if (transform !== 'half_pixel' && transform !== 'pytorch_half_pixel')
        throw new Unsupported(node, `it resizes with ${transform} coordinates; .cnn's upsample is PyTorch's align_corners=False (half_pixel).`);
      written = mode === 'cubic' ? 'bicubic' : (['linear', 'bilinear', 'trilinear'][spatial.length - 1] ?? 'linear');
    } else throw new Unsupported(node, `it resizes with mode '${mode}', which .cnn's upsample does not have.`);
    const scaleIndex = node.op_type === 'Upsample' || (node.input?.length ?? 0) <= 2 ? 1 : 2;
    const sizes = node.input?.[3] ? (constantInput(node, 3) ?? []) : [];
    const scales = sizes.length ? [] : node.input?.[scaleIndex] ? (constantInput(node, scaleIndex) ?? []) : (attribute(node, 'scales')?.floats ?? []);
    const args: LayerArg[] = [];
    let outSizes: number[];
    if (sizes.length) {
      if (sizes.length !== spatial.length + 2 || sizes[0] !== 1 || sizes[1] !== source.outShape[0])
        throw new Unsupported(node, `it resizes to ${sizes.join('x')}, changing the batch or the channels; .cnn's upsample resizes spatial axes.`);
      outSizes = sizes.slice(2);
      args.push({ key: 'size', value: { expr: outSizes.join('x') } });
    } else {
      if (scales.length !== spatial.length + 2 || scales[0] !== 1 || scales[1] !== 1)
        throw new Unsupported(node, `its scales (${scales.join(', ') || 'none'}) are not one per spatial axis after the batch and channels.`);
      const exact = scales.slice(2);
      const factors = exact.map((f) => Number(f.toPrecision(6)));
      // ONNX floors size · scale. A scale that is no short decimal (7/12 as float32) is a resize to a size written as a
      // scale (the project's export writes size= and like= so); it is written back as that size.
      outSizes = spatial.map((size, i) => Math.floor(size * exact[i]));
      if (factors.every((f, i) => Math.fround(f) === Math.fround(exact[i]))) args.push({ value: spatialArg(factors) });
      else args.push({ key: 'size', value: { expr: outSizes.join('x') } });
    }
    if (written !== 'nearest') args.push({ key: 'mode', value: written });
    addLayer(node, 'upsample', args, [source.id], [source.outShape[0], ...outSizes]);
  }

  /** PRelu with one slope (`prelu`) or one per channel (`prelu(shared=false)`), stored as [1], [C] or [C, 1, ...]. */
  function prelu(node: OnnxNode): void {
    const source = layerInput(node);
    const slope = weightInput(node, 1, 'slope');
    const count = sizeOf((slope.dims ?? []).map(Number));
    const channels = source.outShape[0];
    if (count !== 1 && count !== channels) throw new Unsupported(node, `its slope has ${count} values; .cnn's prelu has one, or one per channel (${channels}).`);
    addLayer(node, 'prelu', count === 1 ? [] : [{ key: 'shared', value: false }], [source.id], source.outShape, [tensorOf(slope, 'weight', [count])]);
  }

  function lrn(node: OnnxNode): void {
    simple(node, 'lrn', [
      { value: intAttr(node, 'size', 1) },
      { key: 'alpha', value: floatAttr(node, 'alpha', 1e-4) },
      { key: 'beta', value: floatAttr(node, 'beta', 0.75) },
      { key: 'k', value: floatAttr(node, 'bias', 1) },
    ]);
  }

  function dropout(node: OnnxNode): void {
    const ratio = node.input?.[1] ? (constantInput(node, 1)?.[0] ?? 0.5) : floatAttr(node, 'ratio', 0.5);
    simple(node, 'dropout', [{ value: Number(ratio.toPrecision(6)) }]);
  }

  /** The converter for an ONNX op; a function so that it is hoisted above the loop that uses it. */
  function handlerFor(op: string): ((node: OnnxNode) => void) | undefined {
    const table: Record<string, (node: OnnxNode) => void> = {
      Conv: conv,
      MaxPool: (node) => pool(node, 'max'),
      AveragePool: (node) => pool(node, 'avg'),
      GlobalAveragePool: (node) => globalPool(node, 'avg'),
      GlobalMaxPool: (node) => globalPool(node, 'max'),
      ReduceMean: reduceMean,
      BatchNormalization: batchnorm,
      Flatten: (node) => {
        if (intAttr(node, 'axis', 1) !== 1) throw new Unsupported(node, `it flattens from axis ${intAttr(node, 'axis', 1)}; .cnn flattens everything after the batch.`);
        flattenLayer(node, layerInput(node));
      },
      Reshape: reshape,
      Gemm: (node) => {
        if (intAttr(node, 'transA', 0) || floatAttr(node, 'alpha', 1) !== 1 || floatAttr(node, 'beta', 1) !== 1)
          throw new Unsupported(node, "it is a Gemm with transA, alpha or beta; .cnn's dense is x·Wᵀ + b.");
        dense(node, intAttr(node, 'transB', 0) === 1, 2);
      },
      MatMul: (node) => dense(node, false),
      Add: (node) => merge(node, 'add'),
      Mul: (node) => merge(node, 'multiply'),
      Concat: concatLayers,
      Pad: pad,
      Clip: clip,
      Softmax: (node) => softmax(node, 'softmax'),
      LogSoftmax: (node) => softmax(node, 'log_softmax'),
      LeakyRelu: (node) => simple(node, 'leaky_relu', Math.abs(floatAttr(node, 'alpha', 0.01) - 0.01) > 1e-9 ? [{ key: 'slope', value: Number(floatAttr(node, 'alpha', 0.01).toPrecision(6)) }] : []),
      HardSigmoid: (node) => {
        const alpha = floatAttr(node, 'alpha', 0.2);
        const beta = floatAttr(node, 'beta', 0.5);
        if (Math.abs(alpha - 1 / 6) > 1e-6 || Math.abs(beta - 0.5) > 1e-6)
          throw new Unsupported(node, `its slope ${alpha} and offset ${beta} differ from PyTorch's hardsigmoid (1/6, 1/2), which .cnn's is.`);
        simple(node, 'hardsigmoid');
      },
      LRN: lrn,
      Elu: (node) => simple(node, 'elu', Math.abs(floatAttr(node, 'alpha', 1) - 1) > 1e-9 ? [{ key: 'alpha', value: Number(floatAttr(node, 'alpha', 1).toPrecision(6)) }] : []),
      PRelu: prelu,
      Resize: resize,
      Upsample: resize,
      Dropout: dropout,
    };
    if (table[op]) return table[op];
    if (opConverters[op]) return (node) => opConverters[op](context, node);
    const activation = activations[op];
    return activation ? (node) => simple(node, activation) : undefined;
  }
}

/** The layers the output depends on, renumbered in order: conversions leave folded layers (a Pad, a Sigmoid) unread. */
export function pruned(graph: LayerGraph): LayerGraph {
  const needed = new Set<number>([0, graph.output]);
  for (let id = graph.output; id >= 0; id--) if (needed.has(id)) for (const input of graph.layers[id].inputs) needed.add(input);
  const renumber = new Map<number, number>();
  const layers: ImportedLayer[] = [];
  for (const layer of graph.layers) {
    if (!needed.has(layer.id)) continue;
    renumber.set(layer.id, layers.length);
    layers.push({ ...layer, id: layers.length, inputs: layer.inputs.map((i) => renumber.get(i)!) });
  }
  return { layers, output: renumber.get(graph.output)!, notes: graph.notes };
}
