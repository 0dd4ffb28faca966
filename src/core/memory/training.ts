/**
 * Training and inference memory of a network at a batch size, for an
 * optimizer and a precision, from its expanded graph and the per-op table in
 * rules.ts. Every figure is in bytes.
 *
 * - Saved activations: the tensors autograd keeps for backward, each storage
 *   once (a tensor saved by two layers, or a view of it, is one allocation).
 *   Each storage is attributed to the first layer that saves it.
 * - Parameters: trainable values plus running statistics. Gradients: one per
 *   trainable value.
 * - Optimizer state: SGD none; SGD with momentum one buffer per parameter;
 *   Adam/AdamW two (exp_avg, exp_avg_sq) plus a float32 step counter per
 *   parameter tensor (torch.optim keeps `step` as a tensor). In mixed precision
 *   the model is half precision (2-byte weights, gradients and activations) and
 *   the optimizer also keeps a float32 master copy of the weights, as apex O2
 *   and DeepSpeed do; its moments are float32.
 * - Training peak (the documented rule): parameters + optimizer state + the
 *   larger of (saved activations + the largest backward workspace) and
 *   (gradients + optimizer temporaries). The backward workspace of a layer is
 *   the gradient of its output and the gradients of its inputs, alive together
 *   while its backward runs; it is at its largest with every saved tensor
 *   still held. Gradients are freed between steps (zero_grad(set_to_none=True),
 *   PyTorch 2's default). Adam's temporary is one float32 value per parameter
 *   (the foreach implementation computes sqrt(v) + eps for all tensors at
 *   once); SGD and momentum update in place.
 * - Inference peak: run the layers in order, allocate each output (views
 *   allocate nothing), free every tensor after its last reader; the peak is
 *   the largest sum of live tensors. A skip connection keeps its tensor alive
 *   until the merge that reads it.
 */
import type { GraphNode, NetworkGraph } from '../semantics/graph';
import type { Analysis } from '../semantics/results';
import { elementCount } from '../shape';
import { memoryRule, type SavedType } from './rules';

/** The optimizers the estimate knows. */
export type OptimizerKind = 'sgd' | 'momentum' | 'adam';
/** fp32 everywhere, or half-precision model and activations with an fp32 master copy. */
export type PrecisionKind = 'fp32' | 'mixed';

/** What the estimate is for. */
export interface TrainingSetup {
  batch: number;
  optimizer: OptimizerKind;
  precision: PrecisionKind;
}

/** The defaults: one sample, plain SGD, float32. */
export const defaultTrainingSetup: TrainingSetup = { batch: 1, optimizer: 'sgd', precision: 'fp32' };

export const optimizerKinds: readonly OptimizerKind[] = ['sgd', 'momentum', 'adam'];
export const precisionKinds: readonly PrecisionKind[] = ['fp32', 'mixed'];

/** The memory of one network for one setup, in bytes. */
export interface NetworkMemory {
  setup: TrainingSetup;
  savedActivations: number;
  parameters: number;
  gradients: number;
  optimizerState: number;
  trainingPeak: number;
  inferencePeak: number;
  /** Saved bytes attributed to each graph node (by node id): each storage once, at the first layer that keeps it. */
  savedByNode: number[];
  /** What each layer's backward keeps, shared or not (by node id): its own needs, whoever else keeps the same tensors. */
  keptByNode: number[];
  /** Saved bytes attributed to each top-level statement of the network (by statement index; `input` is 0). */
  savedByStatement: number[];
  /** The largest backward workspace (gradients of one layer's output and inputs). */
  backwardWorkspace: number;
  /** The optimizer's temporaries during its step. */
  optimizerTemporaries: number;
}

/** Bytes of one element of a saved type in a precision. */
export function bytesPerElement(type: SavedType, precision: PrecisionKind): number {
  if (type === 'int64' || type === 'float64') return 8;
  if (type === 'float32') return 4;
  return precision === 'mixed' ? 2 : 4;
}

/**
 * The memory of a network for a setup, or null when its graph is incomplete
 * (a statement failed): a partial figure would understate what training needs.
 */
export function networkMemory(graph: NetworkGraph, setup: TrainingSetup): NetworkMemory | null {
  if (!graph.complete || graph.nodes.length === 0) return null;
  const fixed = fixedMemory(graph, setup);
  const perSample = sampleMemory(graph, setup.precision);
  const batch = setup.batch;
  const savedActivations = perSample.saved * batch + perSample.savedFixed;
  return {
    setup: { ...setup },
    savedActivations,
    parameters: fixed.parameters,
    gradients: fixed.gradients,
    optimizerState: fixed.optimizerState,
    trainingPeak: trainingPeakAt(fixed, perSample, batch),
    inferencePeak: fixed.parameters + perSample.inferencePeak * batch,
    savedByNode: perSample.savedByNode.map((s, i) => s * batch + perSample.savedFixedByNode[i]),
    keptByNode: perSample.keptByNode.map((s, i) => s * batch + perSample.keptFixedByNode[i]),
    savedByStatement: perSample.savedByStatement.map((s, i) => s * batch + perSample.savedFixedByStatement[i]),
    backwardWorkspace: perSample.workspace * batch,
    optimizerTemporaries: fixed.optimizerTemporaries,
  };
}

/** The documented rule: parameters + optimizer state + the larger of (saved + workspace) and (gradients + temporaries). */
function trainingPeakAt(fixed: FixedMemory, perSample: SampleMemory, batch: number): number {
  const saved = perSample.saved * batch + perSample.savedFixed;
  return fixed.parameters + fixed.optimizerState + Math.max(saved + perSample.workspace * batch, fixed.gradients + fixed.optimizerTemporaries);
}

/** The largest batch whose training peak fits `budgetBytes` (0 when not even one sample fits; null for an incomplete graph). */
export function largestBatch(graph: NetworkGraph, setup: Omit<TrainingSetup, 'batch'>, budgetBytes: number): number | null {
  if (!graph.complete || graph.nodes.length === 0) return null;
  // Everything but the batch is computed once; the peak is then arithmetic in the batch.
  const fixed = fixedMemory(graph, { ...setup, batch: 1 });
  const perSample = sampleMemory(graph, setup.precision);
  const fits = (batch: number) => trainingPeakAt(fixed, perSample, batch) <= budgetBytes;
  if (!fits(1)) return 0;
  // The peak grows with the batch; double until it no longer fits, then bisect.
  let low = 1;
  let high = 2;
  while (fits(high)) {
    low = high;
    high *= 2;
    if (high > 2 ** 40) return low;
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle;
  }
  return low;
}

interface FixedMemory {
  parameters: number;
  gradients: number;
  optimizerState: number;
  optimizerTemporaries: number;
}

/** Bytes that do not depend on the batch: weights, gradients, optimizer state and temporaries. */
function fixedMemory(graph: NetworkGraph, setup: TrainingSetup): FixedMemory {
  let trainable = 0;
  let nonTrainable = 0;
  let tensors = 0;
  for (const node of graph.nodes) {
    trainable += node.params.trainable;
    nonTrainable += node.params.nonTrainable;
    if (node.params.trainable > 0) tensors += memoryRule(node.op).parameterTensors?.(node) ?? 0;
  }
  const weightBytes = setup.precision === 'mixed' ? 2 : 4;
  const master = setup.precision === 'mixed' ? 4 * trainable : 0;
  const moments = setup.optimizer === 'momentum' ? 4 * trainable : setup.optimizer === 'adam' ? 8 * trainable + 4 * tensors : 0;
  return {
    // Running statistics stay float32 in mixed precision (batch norm runs in float32).
    parameters: trainable * weightBytes + nonTrainable * 4,
    gradients: trainable * weightBytes,
    optimizerState: master + moments,
    optimizerTemporaries: setup.optimizer === 'adam' ? 4 * trainable : 0,
  };
}

interface SampleMemory {
  /** Saved bytes per sample, and those that do not grow with the batch. */
  saved: number;
  savedFixed: number;
  savedByNode: number[];
  savedFixedByNode: number[];
  keptByNode: number[];
  keptFixedByNode: number[];
  savedByStatement: number[];
  savedFixedByStatement: number[];
  /** The largest backward workspace per sample. */
  workspace: number;
  /** The inference peak of activations per sample. */
  inferencePeak: number;
}

/** Per-sample and fixed activation bytes, from one walk over the graph. */
function sampleMemory(graph: NetworkGraph, precision: PrecisionKind): SampleMemory {
  const nodes = graph.nodes;
  const activation = bytesPerElement('activation', precision);
  // The storage each node's output lives in: its own id, or (for a view) its input's storage.
  const storage: number[] = [];
  const isView: boolean[] = [];
  for (const node of nodes) {
    const view = node.inputs.length > 0 && (memoryRule(node.op).view?.(node) ?? false);
    isView.push(view);
    storage.push(view ? storage[node.inputs[0]] : node.id);
  }
  const outputBytes = (node: GraphNode) => elementCount(node.outShape) * activation;

  // A loop, not Math.max(...spread): a graph may hold 200,000 nodes, past the engine's argument limit.
  const statements = nodes.reduce((most, n) => Math.max(most, n.statement), 0) + 1;
  const result: SampleMemory = {
    saved: 0,
    savedFixed: 0,
    savedByNode: nodes.map(() => 0),
    savedFixedByNode: nodes.map(() => 0),
    keptByNode: nodes.map(() => 0),
    keptFixedByNode: nodes.map(() => 0),
    savedByStatement: new Array<number>(statements).fill(0),
    savedFixedByStatement: new Array<number>(statements).fill(0),
    workspace: 0,
    inferencePeak: 0,
  };
  const savedStorages = new Set<number>();
  for (const node of nodes) {
    const rule = memoryRule(node.op);
    for (const saved of rule.saves(node)) {
      let bytes: number;
      let perSample = true;
      if (saved.of === 'buffer') {
        bytes = saved.elements * bytesPerElement(saved.type, precision);
        perSample = saved.perSample;
        if (perSample) result.keptByNode[node.id] += bytes;
        else result.keptFixedByNode[node.id] += bytes;
      } else {
        const source = saved.of === 'output' ? node.id : node.inputs[saved.index ?? 0];
        if (source === undefined) continue;
        const key = storage[source];
        bytes = outputBytes(nodes[key]);
        result.keptByNode[node.id] += bytes;
        if (savedStorages.has(key)) continue;
        savedStorages.add(key);
      }
      if (perSample) {
        result.saved += bytes;
        result.savedByNode[node.id] += bytes;
        result.savedByStatement[node.statement] += bytes;
      } else {
        result.savedFixed += bytes;
        result.savedFixedByNode[node.id] += bytes;
        result.savedFixedByStatement[node.statement] += bytes;
      }
    }
    if (!isView[node.id] && node.inputs.length > 0) {
      const gradients = outputBytes(node) + node.inputs.reduce((sum, id) => sum + outputBytes(nodes[id]), 0);
      result.workspace = Math.max(result.workspace, gradients);
    }
  }
  result.inferencePeak = inferencePeakPerSample(graph, storage, isView, activation);
  return result;
}

/** The largest set of live tensors when each is freed after its last reader, per sample. */
function inferencePeakPerSample(graph: NetworkGraph, storage: number[], isView: boolean[], activation: number): number {
  const nodes = graph.nodes;
  const lastUse = nodes.map((n) => n.id);
  for (const node of nodes) for (const id of node.inputs) lastUse[storage[id]] = Math.max(lastUse[storage[id]], node.id);
  // A view's readers keep its source alive.
  for (const node of nodes) if (isView[node.id]) lastUse[storage[node.id]] = Math.max(lastUse[storage[node.id]], lastUse[node.id]);
  if (graph.output !== null) lastUse[storage[graph.output]] = nodes.length;
  // The bytes each node's reading frees (a tensor is freed after its last reader; the output's index is past the last
  // node, never reached): one number per node, where a list of freed tensors per node cost a megabyte file's graph
  // tens of thousands of arrays.
  const freedAfter = new Float64Array(nodes.length + 1);
  for (const node of nodes) if (!isView[node.id]) freedAfter[lastUse[node.id]] += elementCount(node.outShape) * activation;
  let live = 0;
  let peak = 0;
  for (const node of nodes) {
    if (!isView[node.id]) live += elementCount(node.outShape) * activation;
    let transient = 0;
    for (const saved of memoryRule(node.op).saves(node)) {
      // An intermediate step (separable convolution's depthwise output) is live while the layer runs.
      if (saved.of === 'buffer' && saved.intermediate) transient += saved.elements * activation;
    }
    peak = Math.max(peak, live + transient);
    live -= freedAfter[node.id];
  }
  return peak;
}

/** Each network's memory, in the order of `analysis.networks`; needs the graphs (`analyze(text, { graph: true })`), null where one is missing or incomplete. */
export function analysisMemory(analysis: Analysis, setup: TrainingSetup): (NetworkMemory | null)[] {
  return analysis.networks.map((_, index) => {
    const graph = analysis.graphs?.[index];
    return graph ? networkMemory(graph, setup) : null;
  });
}
