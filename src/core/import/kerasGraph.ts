/**
 * A Keras model's configuration (a tfjs-layers or Keras `model.json`, or the
 * `config.json` inside a `.keras` archive) as `.cnn` layers. Keras is
 * channels-last; `.cnn` is channels-first, so shapes are turned around and
 * a concatenation on the last axis is one on channels. Only the structure is
 * read here: the weights of a tfjs model.json load in the preview as they
 * are, and those of a `.keras` archive are joined by `kerasWeights.ts`.
 */
import { sizeOf, windowSize, type GraphResult, type ImportedLayer, type LayerArg } from './layers';

/** A Keras layer as its JSON configuration describes it. */
interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown>;
  inbound_nodes?: unknown[];
}

class Unsupported extends Error {
  constructor(
    readonly layer: string,
    readonly op: string,
    message: string,
  ) {
    super(message);
  }
}

const pair = (value: unknown, rank: number): number[] => (Array.isArray(value) ? value.map(Number) : Array(rank).fill(Number(value ?? 1)));
const spatialArg = (values: number[]): number | number[] => (values.every((v) => v === values[0]) ? values[0] : values);

/** Activations by their Keras name; `linear` is none. */
const activations: Record<string, string | null> = {
  linear: null,
  relu: 'relu',
  relu6: 'relu6',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  elu: 'elu',
  gelu: 'gelu',
  swish: 'silu',
  silu: 'silu',
  mish: 'mish',
  hard_swish: 'hardswish',
};

/** The model's configuration inside whatever wraps it: tfjs's `modelTopology`, Keras's `model_config`. */
function modelConfig(json: unknown): { class_name: string; config: unknown } | undefined {
  let node = json as Record<string, unknown> | undefined;
  for (let depth = 0; node && depth < 3; depth++) {
    if (typeof node.class_name === 'string' && node.config !== undefined) return node as { class_name: string; config: unknown };
    node = (node.modelTopology ?? node.model_config) as Record<string, unknown> | undefined;
  }
  return undefined;
}

/** The names of the layers a layer reads, from Keras 2 (`[[name, node, tensor, {}]]`) or Keras 3 (`keras_history`) inbound nodes. */
function inboundNames(layer: KerasLayer): string[] {
  const names: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      if (typeof value[0] === 'string' && typeof value[1] === 'number') {
        names.push(value[0]);
        return;
      }
      value.forEach(visit);
    } else if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      const history = (record.config as Record<string, unknown> | undefined)?.keras_history;
      if (Array.isArray(history)) names.push(String(history[0]));
      else if (record.args) visit(record.args);
    }
  };
  visit(layer.inbound_nodes?.[0]);
  return names;
}

/** The `[H, W, C]` (or `[L, C]`) shape of an input layer's config. */
function inputShapeOf(config: Record<string, unknown>): number[] | undefined {
  const shape = (config.batch_input_shape ?? config.batch_shape ?? config.batchInputShape) as (number | null)[] | undefined;
  if (Array.isArray(shape)) return shape.slice(1).map((d) => (d === null ? NaN : Number(d)));
  const without = (config.input_shape ?? config.inputShape) as (number | null)[] | undefined;
  return Array.isArray(without) ? without.map((d) => (d === null ? NaN : Number(d))) : undefined;
}

/** A layer's name as the configuration gives it (Keras 3 and tfjs put it beside the config too). */
function layerName(layer: KerasLayer, index: number): string {
  return String(layer.name ?? layer.config?.name ?? `layer${index}`);
}

/** Keras's snake case of a class name (`to_snake_case` in keras/src/utils/naming.py): `DepthwiseConv2D` is `depthwise_conv2d`. */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/[^\p{L}\p{N}_]+/gu, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Where a `.keras` archive's weights file keeps each layer's variables, by
 * layer name. Keras 3 (keras/src/saving/saving_lib.py) saves a model's layers
 * under `layers/`, each named by its class, not its own name: `conv2d`,
 * `conv2d_1`, ... numbered per class in the order of `model.layers`, which is
 * the configuration's order (a Sequential model leaves out its InputLayer).
 */
export function kerasWeightPaths(json: unknown): Map<string, string> {
  const paths = new Map<string, string>();
  const model = modelConfig(json);
  if (!model) return paths;
  const config = model.config as Record<string, unknown> | KerasLayer[];
  const list = (Array.isArray(config) ? config : (config.layers as KerasLayer[] | undefined)) ?? [];
  const used = new Map<string, number>();
  list.forEach((layer, index) => {
    if (model.class_name === 'Sequential' && index === 0 && layer.class_name === 'InputLayer') return;
    const base = kerasSnakeCase(String(layer.class_name));
    const seen = used.get(base);
    used.set(base, seen === undefined ? 0 : seen + 1);
    paths.set(layerName(layer, index), `layers/${seen === undefined ? base : `${base}_${seen + 1}`}`);
  });
  return paths;
}

/** Converts a Keras model's JSON into a layer graph, or names the first layer `.cnn` cannot express. */
export function kerasToLayers(json: unknown): GraphResult {
  const model = modelConfig(json);
  if (!model) return { ok: false, problem: { node: '(file)', op: '(none)', message: 'the JSON holds no Keras model configuration (no class_name and config, nor a modelTopology holding them).' } };
  const config = model.config as Record<string, unknown> | KerasLayer[];
  const list = (Array.isArray(config) ? config : (config.layers as KerasLayer[] | undefined)) ?? [];
  const sequential = model.class_name === 'Sequential';
  const layers: ImportedLayer[] = [];
  const byName = new Map<string, number>();
  let current = -1;
  try {
    for (let index = 0; index < list.length; index++) {
      const layer = list[index];
      const name = layerName(layer, index);
      if (layers.length === 0) {
        const shape = inputShapeOf(layer.config ?? {});
        if (!shape) throw new Unsupported(name, layer.class_name, 'the model states no input shape; build it with an Input or input_shape.');
        if (shape.some((d) => !Number.isFinite(d)))
          throw new Unsupported(name, 'input', `the input shape ${shape.map((d) => (Number.isFinite(d) ? d : 'None')).join('x')} has a dynamic size; a .cnn network has fixed sizes.`);
        const channelsFirst = shape.length > 1 ? [shape[shape.length - 1], ...shape.slice(0, -1)] : shape;
        layers.push({ id: 0, op: 'input', args: [], inputs: [], outShape: channelsFirst, source: layer.class_name === 'InputLayer' ? name : 'input', sourceOp: 'InputLayer', tensors: [] });
        current = 0;
        if (layer.class_name === 'InputLayer') {
          byName.set(name, 0);
          continue;
        }
      }
      const inputs = sequential
        ? [current]
        : inboundNames(layer).map((n) => {
            const id = byName.get(n);
            if (id === undefined) throw new Unsupported(name, layer.class_name, `it reads '${n}', which is not defined before it.`);
            return id;
          });
      if (!inputs.length) throw new Unsupported(name, layer.class_name, 'it has no inbound layer.');
      current = convert(layer, name, inputs);
      byName.set(name, current);
    }
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    return { ok: false, problem: { node: error.layer, op: error.op, message: error.message, partial: { layers: [...layers], output: layers.length - 1, notes: [] } } };
  }
  let output = current;
  if (!sequential && !Array.isArray(config)) {
    const outputs = config.output_layers as unknown[] | undefined;
    const names: string[] = [];
    const visit = (v: unknown) => (Array.isArray(v) && typeof v[0] === 'string' ? names.push(v[0]) : Array.isArray(v) && v.forEach(visit));
    visit(outputs);
    if (names.length) output = byName.get(names[0]) ?? current;
  }
  if (layers.length < 2) return { ok: false, problem: { node: '(model)', op: '(none)', message: 'the model has no layers after its input.' } };
  return { ok: true, graph: { layers, output, notes: ['Keras is channels-last; shapes here are channels-first (C x H x W), as .cnn writes them.'] } };

  function add(name: string, sourceOp: string, op: string, args: LayerArg[], inputs: number[], outShape: number[], tensors: ImportedLayer['tensors'] = []): number {
    layers.push({ id: layers.length, op, args, inputs, outShape, source: name, sourceOp, tensors });
    return layers.length - 1;
  }

  /** Keras stores the weights outside the configuration; counts need only their shapes, and their values come from the weight file. */
  function shapes(...list: [string, number[], boolean?][]): ImportedLayer['tensors'] {
    return list.map(([n, shape, nonTrainable]) => ({ name: n, shape, trainable: !nonTrainable, read: () => new Float32Array(sizeOf(shape)) }));
  }

  function withActivation(id: number, name: string, cls: string, activation: unknown): number {
    const key =
      typeof activation === 'string'
        ? activation
        : activation && typeof activation === 'object'
          ? String((activation as { config?: { name?: string }; class_name?: string }).class_name ?? '')
          : 'linear';
    if (!(key in activations)) throw new Unsupported(name, cls, `its activation '${key}' has no .cnn equivalent.`);
    const op = activations[key];
    if (!op) return id;
    return add(`${name}.activation`, cls, op, [], [id], layers[id].outShape);
  }

  function window(
    cfg: Record<string, unknown>,
    name: string,
    cls: string,
    inShape: number[],
    kernelKey: string,
    defaultStride?: number[],
  ): { kernel: number[]; strides: number[]; dilation: number[]; same: boolean; out: number[] } {
    const rank = inShape.length - 1;
    const kernel = pair(cfg[kernelKey], rank);
    const strides = cfg.strides === null || cfg.strides === undefined ? (defaultStride ?? kernel) : pair(cfg.strides, rank);
    const dilation = pair(cfg.dilation_rate ?? 1, rank);
    const padding = String(cfg.padding ?? 'valid');
    if (padding !== 'valid' && padding !== 'same') throw new Unsupported(name, cls, `its padding '${padding}' has no .cnn equivalent.`);
    if (cfg.data_format === 'channels_first') throw new Unsupported(name, cls, 'it is channels_first; only channels_last Keras models are read.');
    const same = padding === 'same';
    const out = inShape.slice(1).map((s, i) => (same ? Math.ceil(s / strides[i]) : windowSize(s, kernel[i], strides[i], 0, 0, dilation[i], false)));
    return { kernel, strides, dilation, same, out };
  }

  function convert(layer: KerasLayer, name: string, inputs: number[]): number {
    const cfg = layer.config ?? {};
    const cls = layer.class_name;
    const source = layers[inputs[0]];
    const inShape = source.outShape;
    const channels = inShape[0];
    const bias = cfg.use_bias !== false;
    switch (cls) {
      case 'Conv1D':
      case 'Conv2D':
      case 'Conv3D': {
        const w = window(cfg, name, cls, inShape, 'kernel_size', pair(1, inShape.length - 1));
        const filters = Number(cfg.filters);
        const groups = Number(cfg.groups ?? 1);
        const args: LayerArg[] = [{ value: filters }, { value: spatialArg(w.kernel) }];
        if (w.strides.some((s) => s !== 1)) args.push({ key: 'stride', value: spatialArg(w.strides) });
        if (w.same) args.push({ key: 'padding', value: 'same' });
        if (w.dilation.some((d) => d !== 1)) args.push({ key: 'dilation', value: spatialArg(w.dilation) });
        if (groups !== 1) args.push({ key: 'groups', value: groups });
        if (!bias) args.push({ key: 'bias', value: false });
        const id = add(
          name,
          cls,
          'conv',
          args,
          inputs,
          [filters, ...w.out],
          shapes(['weight', [filters, channels / groups, ...w.kernel]], ...(bias ? [['bias', [filters]] as [string, number[]]] : [])),
        );
        return withActivation(id, name, cls, cfg.activation);
      }
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        const w = window(cfg, name, cls, inShape, 'kernel_size', [1, 1]);
        const multiplier = Number(cfg.depth_multiplier ?? 1);
        const separable = cls === 'SeparableConv2D';
        const out = separable ? Number(cfg.filters) : channels * multiplier;
        const args: LayerArg[] = separable ? [{ value: out }, { value: spatialArg(w.kernel) }] : [{ value: spatialArg(w.kernel) }];
        if (multiplier !== 1) args.push({ key: 'multiplier', value: multiplier });
        if (w.strides.some((s) => s !== 1)) args.push({ key: 'stride', value: spatialArg(w.strides) });
        if (w.same) args.push({ key: 'padding', value: 'same' });
        if (w.dilation.some((d) => d !== 1)) args.push({ key: 'dilation', value: spatialArg(w.dilation) });
        if (!bias) args.push({ key: 'bias', value: false });
        const tensors = separable
          ? shapes(
              ['depthwise.weight', [channels * multiplier, 1, ...w.kernel]],
              ['pointwise.weight', [out, channels * multiplier, ...w.kernel.map(() => 1)]],
              ...(bias ? [['pointwise.bias', [out]] as [string, number[]]] : []),
            )
          : shapes(['weight', [out, 1, ...w.kernel]], ...(bias ? [['bias', [out]] as [string, number[]]] : []));
        const id = add(name, cls, separable ? 'separable_conv' : 'depthwise_conv', args, inputs, [out, ...w.out], tensors);
        return withActivation(id, name, cls, cfg.activation);
      }
      case 'Dense': {
        if (inShape.length !== 1)
          throw new Unsupported(name, cls, `it is applied to a ${inShape.length}-axis tensor; Keras then acts on channels, .cnn's dense on the last axis. Flatten or pool first.`);
        const units = Number(cfg.units);
        const id = add(
          name,
          cls,
          'dense',
          bias ? [{ value: units }] : [{ value: units }, { key: 'bias', value: false }],
          inputs,
          [units],
          shapes(['weight', [units, channels]], ...(bias ? [['bias', [units]] as [string, number[]]] : [])),
        );
        return withActivation(id, name, cls, cfg.activation);
      }
      case 'BatchNormalization': {
        const axis = cfg.axis === undefined ? -1 : Array.isArray(cfg.axis) ? Number(cfg.axis[0]) : Number(cfg.axis);
        if (axis !== -1 && axis !== inShape.length) throw new Unsupported(name, cls, `it normalises axis ${axis}, not the channels.`);
        if (cfg.center === false || cfg.scale === false) throw new Unsupported(name, cls, "it has center or scale turned off; .cnn's batchnorm has both or neither (affine=false).");
        const eps = Number(cfg.epsilon ?? 1e-3);
        return add(
          name,
          cls,
          'batchnorm',
          Math.abs(eps - 1e-5) > 1e-12 ? [{ key: 'eps', value: eps }] : [],
          inputs,
          inShape,
          shapes(['weight', [channels]], ['bias', [channels]], ['running_mean', [channels], true], ['running_var', [channels], true]),
        );
      }
      case 'MaxPooling1D':
      case 'MaxPooling2D':
      case 'AveragePooling1D':
      case 'AveragePooling2D': {
        const w = window(cfg, name, cls, inShape, 'pool_size');
        const args: LayerArg[] = [{ value: spatialArg(w.kernel) }];
        if (w.strides.some((s, i) => s !== w.kernel[i])) args.push({ key: 'stride', value: spatialArg(w.strides) });
        if (w.same) args.push({ key: 'padding', value: 'same' });
        return add(name, cls, cls.startsWith('Max') ? 'maxpool' : 'avgpool', args, inputs, [channels, ...w.out]);
      }
      case 'GlobalAveragePooling1D':
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling1D':
      case 'GlobalMaxPooling2D': {
        const kind = cls.includes('Average') ? 'avg' : 'max';
        if (cfg.keepdims === true) return add(name, cls, `adaptive_${kind}pool`, [{ value: 1 }], inputs, [channels, ...inShape.slice(1).map(() => 1)]);
        return add(name, cls, `global_${kind}pool`, [], inputs, [channels]);
      }
      case 'Flatten':
        // Keras flattens H, W, C in that order and .cnn C, H, W: the count is the same, the order is the weight loader's concern.
        return add(name, cls, 'flatten', [], inputs, [sizeOf(inShape)]);
      case 'Dropout':
      case 'SpatialDropout2D':
        return add(name, cls, cls === 'Dropout' ? 'dropout' : 'dropout2d', [{ value: Number(cfg.rate ?? 0.5) }], inputs, inShape);
      case 'Activation':
        return withActivation(inputs[0], name, cls, cfg.activation);
      case 'ReLU': {
        const max = cfg.max_value === null || cfg.max_value === undefined ? undefined : Number(cfg.max_value);
        if (max !== undefined && max !== 6) throw new Unsupported(name, cls, `it caps at ${max}; .cnn has relu and relu6.`);
        return add(name, cls, max === 6 ? 'relu6' : 'relu', [], inputs, inShape);
      }
      case 'LeakyReLU':
        return add(name, cls, 'leaky_relu', [{ key: 'slope', value: Number(cfg.alpha ?? cfg.negative_slope ?? 0.3) }], inputs, inShape);
      case 'Softmax':
        return add(name, cls, 'softmax', [], inputs, inShape);
      case 'ZeroPadding2D': {
        const padding = cfg.padding;
        const flat = Array.isArray(padding)
          ? padding.map((p) => (Array.isArray(p) ? p.map(Number) : [Number(p), Number(p)]))
          : [
              [Number(padding), Number(padding)],
              [Number(padding), Number(padding)],
            ];
        if (flat.some(([a, b]) => a !== b)) throw new Unsupported(name, cls, 'it pads unevenly; .cnn pads both sides equally.');
        const amounts = flat.map(([a]) => a);
        return add(name, cls, 'pad', [{ value: spatialArg(amounts) }], inputs, [channels, ...inShape.slice(1).map((s, i) => s + 2 * amounts[i])]);
      }
      case 'Add':
      case 'Multiply': {
        if (inputs.length !== 2) throw new Unsupported(name, cls, `it merges ${inputs.length} tensors; .cnn merges two at a time.`);
        const [a, b] = inputs.map((i) => layers[i].outShape);
        if (cls === 'Add' && a.join('x') !== b.join('x')) throw new Unsupported(name, cls, `it adds shapes ${a.join('x')} and ${b.join('x')}.`);
        return add(
          name,
          cls,
          cls === 'Add' ? 'add' : 'multiply',
          [],
          inputs,
          a.map((s, i) => Math.max(s, b[i])),
        );
      }
      case 'Concatenate': {
        const axis = Number(cfg.axis ?? -1);
        if (axis !== -1 && axis !== inShape.length) throw new Unsupported(name, cls, `it concatenates on axis ${axis}; .cnn concatenates channels (Keras's last axis).`);
        const shapesIn = inputs.map((i) => layers[i].outShape);
        return add(name, cls, 'concat', [], inputs, [shapesIn.reduce((sum, s) => sum + s[0], 0), ...inShape.slice(1)]);
      }
      default:
        throw new Unsupported(name, cls, `.cnn has no op for Keras's ${cls}.`);
    }
  }
}
