/**
 * Class probabilities of a network that ends in softmax: whether it does,
 * turning log-softmax outputs back into probabilities, and the top classes.
 * Pure, so the Node tests check it without a browser.
 */
import { topK } from './stats';

/** How the last node's output relates to probabilities, or undefined when it does not. */
export type ProbabilityOutput = 'softmax' | 'log_softmax';

/** Whether the graph's last node (the last of `ops`, in graph order) makes probabilities, and how. */
export function probabilityOutput(ops: readonly string[]): ProbabilityOutput | undefined {
  const last = ops[ops.length - 1];
  return last === 'softmax' || last === 'log_softmax' ? last : undefined;
}

/** True when the network ends in softmax or log-softmax, so its output can be read as class probabilities. */
export function endsInSoftmax(ops: readonly string[]): boolean {
  return probabilityOutput(ops) !== undefined;
}

/** The output as probabilities: softmax output as is, log-softmax exponentiated. */
export function toProbabilities(output: Float32Array, kind: ProbabilityOutput): Float32Array {
  return kind === 'softmax' ? output : output.map(Math.exp);
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
