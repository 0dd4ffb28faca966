/**
 * Which layer outputs a run reads back. Reading every layer lets the user
 * click through feature maps without running again, but a big network's
 * activations would not fit in the webview's memory, so past a budget only
 * the selected layer (and the network's output) come back.
 */
import { type NetworkGraph, elementCount } from '../../../src/core';

/** 32 million values: 128 MB of float32 read back at most. */
export const keepAllBudget = 32 * 1024 * 1024;

/** Every node when their outputs fit the budget, otherwise the selected one (the runner adds the output itself). */
export function keepPlan(graph: NetworkGraph, selected: number | null, budget = keepAllBudget): number[] | 'all' {
  let values = 0;
  for (const node of graph.nodes) values += elementCount(node.outShape);
  if (values <= budget) return 'all';
  return selected === null ? [] : [selected];
}
