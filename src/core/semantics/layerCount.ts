/**
 * How many layers a network's graph would record, every repeat pass and block
 * call expanded, counted from the plain analysis, which fast-forwards repeats
 * and replays memoised calls instead. An analysis with graphs stops recording
 * at `maxGraphLayers`; the server and the command line ask this first, and
 * skip an analysis with graphs that could only stop there (the 1 MB file of
 * nested repeats spent 1.5 s recording 250,000 layers, for a training memory
 * that a stopped graph cannot give); the summary table says why such a
 * network has no memory footer.
 */
import { replayedLayerCount, type BlockMemo } from './blockMemo';
import { maxGraphLayers } from './graphRecorder';
import type { NetworkAnalysis, StatementResult } from './results';

/**
 * The layers the network's graph records: each layer evaluated (the input,
 * an op, a failed op on a known input, the add of a residual, the join of a
 * concat), with a repeat's first pass counted for each of its passes. For a
 * network without errors it is the recorded graph's node count.
 */
export function expandedLayerCount(network: NetworkAnalysis): number {
  let count = counted.get(network);
  if (count === undefined) counted.set(network, (count = layersOf(network.statements, new Map())));
  return count;
}

/** Each network's count, once: the server asks at every hover (a megabyte network has 68,000 results to walk). */
const counted = new WeakMap<NetworkAnalysis, number>();

/**
 * Whether an analysis with graphs can give the network's training memory: the
 * plain analysis finished it, and its graph fits in `maxGraphLayers`. When no
 * network of a file can, its analysis with graphs is not worth running.
 */
export function graphFits(network: NetworkAnalysis): boolean {
  return network.stopped !== true && expandedLayerCount(network) <= maxGraphLayers;
}

function layersOf(results: StatementResult[], memoCounts: Map<BlockMemo, number>): number {
  let count = 0;
  // Results nest as deep as the evaluation did, which maxEvaluationDepth bounds: recursion is safe here.
  for (const result of results) count += layersOfResult(result, memoCounts);
  return count;
}

function layersOfResult(result: StatementResult, memoCounts: Map<BlockMemo, number>): number {
  const partsLayers = () => (result.parts ?? []).reduce((sum, part) => sum + layersOf(part.results, memoCounts), 0);
  switch (result.kind) {
    case 'input':
      return result.outShape ? 1 : 0;
    case 'op':
      return result.inShape ? 1 : 0;
    case 'block':
      // A replayed call's parts would be built on reading; its memo knows the count.
      return replayedLayerCount(result, memoCounts) ?? partsLayers();
    case 'repeat':
      // Every pass runs the same body with the same bindings, so each records what the first did.
      return (result.passes ?? 1) * partsLayers();
    case 'residual':
    case 'concat':
      return partsLayers() + (result.outShape ? 1 : 0);
  }
}
