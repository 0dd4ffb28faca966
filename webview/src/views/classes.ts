/**
 * Class probabilities of a network that ends in softmax: whether it does,
 * turning log-softmax outputs back into probabilities, and the top classes.
 * Pure, so the Node tests check it without a browser.
 */
import { topK } from './stats';

/**
 * How the last node's output relates to probabilities: already softmax,
 * log-softmax, or logits (a dense layer's raw scores) that the panel turns
 * into probabilities with a softmax of its own, saying so.
 */
export type ProbabilityOutput = 'softmax' | 'log_softmax' | 'logits';

/** Last ops whose 1-D output is read as class scores (logits): a classifier's final layer. */
const logitOps = new Set(['dense', 'linear', 'conv', 'conv1d', 'conv2d', 'conv3d', 'global_avgpool', 'global_maxpool', 'flatten', 'identity', 'dropout']);

/** Whether the graph's last node (the last of `ops`, in graph order) makes probabilities, and how. */
export function probabilityOutput(ops: readonly string[]): ProbabilityOutput | undefined {
  const last = ops[ops.length - 1];
  return last === 'softmax' || last === 'log_softmax' ? last : undefined;
}

/**
 * Like probabilityOutput, but also reads a classifier that ends in a dense
 * layer (ResNet, LeNet-5) as logits, when its output is a vector of at least
 * two classes.
 */
export function classScoresOutput(ops: readonly string[], outputShape: readonly number[]): ProbabilityOutput | undefined {
  if (outputShape.length !== 1) return undefined;
  const kind = probabilityOutput(ops);
  if (kind) return kind;
  return outputShape[0] >= 2 && logitOps.has(ops[ops.length - 1] ?? '') ? 'logits' : undefined;
}

/** A numerically stable softmax (the largest logit is subtracted first), in double precision. */
export function softmax(logits: ArrayLike<number>): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i] - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return Float32Array.from(exps, (e) => e / sum);
}

/** True when the network ends in softmax or log-softmax, so its output can be read as class probabilities. */
export function endsInSoftmax(ops: readonly string[]): boolean {
  return probabilityOutput(ops) !== undefined;
}

/** The output as probabilities: softmax output as is, log-softmax exponentiated. */
export function toProbabilities(output: Float32Array, kind: ProbabilityOutput): Float32Array {
  return kind === 'softmax' ? output : kind === 'log_softmax' ? output.map(Math.exp) : softmax(output);
}

/** One class among the most probable. */
export interface ClassScore {
  index: number;
  label: string;
  probability: number;
}

/**
 * The `k` most probable classes, most probable first. Labels come from
 * `labels` by index; a class without one is called "class N".
 */
export function topClasses(probabilities: ArrayLike<number>, k = 5, labels: readonly string[] = []): ClassScore[] {
  return topK(probabilities, k).map(({ index, value }) => ({ index, label: labels[index] ?? `class ${index}`, probability: value }));
}

/** A probability as a percentage with one decimal, "87.3%", and "<0.1%" for what would round to 0 but is not. */
export function formatPercent(probability: number): string {
  const percent = probability * 100;
  if (percent > 0 && percent < 0.05) return '<0.1%';
  return `${percent.toFixed(1)}%`;
}
