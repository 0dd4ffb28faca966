/**
 * The network summary answered from an analysis with graphs, where that
 * analysis is (see memory.ts): every network's totals, training memory and
 * summary table, and the one at the cursor; and a network's totals alone,
 * which the code lenses show. The summaries are kept per analysis, setup,
 * budget and table, as a cursor move asks again.
 */
import { errorsPerNetwork, largestBatch, networkIndexAt, renderNetworkSummaryWithLines, type Analysis, type NetworkAnalysis, type NetworkMemory, type TrainingSetup } from '../core';
import type { NetworkSummary, NetworkSummaryMemory } from '../protocol/messages';
import type { SummaryAnswer, SummaryRequest } from './analysisProtocol';
import { toLspRange } from './convert';
import { shapeText } from './describe';
import { networkMemoryOf } from './memoryFigures';

/** Bytes per activation value: float32. */
export const bytesPerValue = 4;

/**
 * Each analysis's summaries by setup, budget and table (the table of a megabyte file takes seconds to write), filled per
 * network as asked: the status bar asks for the cursor's network alone (`activeOnly`), and in a file of 20,000 networks
 * summarising every other network cost it 200 ms. Undefined marks a network not summarised yet.
 */
const summaries = new WeakMap<Analysis, Map<string, (NetworkSummary | undefined)[]>>();

/** The network the summary shows as active: the one holding the cursor (`holding`, -1 for none), else the first; null without networks. */
export function activeNetwork(count: number, holding: number): number | null {
  if (holding >= 0) return holding;
  return count > 0 ? 0 : null;
}

/** The summary of an analysis with graphs of `text`. */
export function summaryAnswer(analysis: Analysis, text: string, { setup, budget, position, table, activeOnly }: SummaryRequest): SummaryAnswer {
  let byKey = summaries.get(analysis);
  if (!byKey) summaries.set(analysis, (byKey = new Map()));
  const key = JSON.stringify([setup, budget, table]);
  const done = byKey.get(key) ?? [];
  byKey.set(key, done);
  // The text is split into lines only for a table not summarised yet: a cursor move asks again, and a megabyte file's
  // split is no free lookup.
  let lines: string[] | undefined;
  const summaryOf = (index: number): NetworkSummary => (done[index] ??= networkSummaryOf(analysis, index, table ? (lines ??= text.split('\n')) : [], setup, budget, table));
  const active = activeNetwork(analysis.networks.length, position ? networkIndexAt(analysis, position) : -1);
  if (activeOnly) return active === null ? { networks: [], active } : { networks: [summaryOf(active)], active: 0 };
  return { networks: analysis.networks.map((_, index) => summaryOf(index)), active };
}

function networkSummaryOf(analysis: Analysis, index: number, lines: string[], setup: TrainingSetup, budget: number | null, table: boolean): NetworkSummary {
  const n = analysis.networks[index];
  const memory = networkMemoryOf(analysis, setup, index) ?? undefined;
  const graph = analysis.graphs?.[index];
  const figures = memory && graph ? memoryFigures(memory, budget, budget === null ? null : largestBatch(graph, memory.setup, budget)) : null;
  const fits = figures?.budget != null && figures.largestBatch !== null ? { budgetBytes: figures.budget, batch: figures.largestBatch } : undefined;
  const rendered = table ? renderNetworkSummaryWithLines(n, lines, 1, memory, fits) : { text: '', sourceLines: [] };
  return summarize(n, analysis, { memory: figures, table: rendered.text, tableLines: rendered.sourceLines });
}

/** The memory figures the summary sends for one network. */
function memoryFigures(memory: NetworkMemory, budget: number | null, batchThatFits: number | null): NetworkSummaryMemory {
  const { batch, optimizer, precision } = memory.setup;
  return {
    batch,
    optimizer,
    precision,
    savedActivations: memory.savedActivations,
    parameters: memory.parameters,
    gradients: memory.gradients,
    optimizerState: memory.optimizerState,
    trainingPeak: memory.trainingPeak,
    inferencePeak: memory.inferencePeak,
    budget,
    largestBatch: batchThatFits,
  };
}

/** Each analysis's error count per network, as both the lenses and the summary count them. */
const errorCounts = new WeakMap<Analysis, Map<NetworkAnalysis, number>>();

function errorsIn(network: NetworkAnalysis, analysis: Analysis): number {
  let counts = errorCounts.get(analysis);
  if (!counts) {
    const perNetwork = errorsPerNetwork(analysis);
    counts = new Map(analysis.networks.map((analysed, index) => [analysed, perNetwork[index]]));
    errorCounts.set(analysis, counts);
  }
  return counts.get(network) ?? 0;
}

/** A network's totals; `extras` adds its training memory and summary table (the code lenses need neither). */
export function summarize(network: NetworkAnalysis, analysis: Analysis, extras?: { memory: NetworkSummaryMemory | null; table: string; tableLines: (number | null)[] }): NetworkSummary {
  const range = network.declaration.range;
  // Past a too-large stop the sums cover only the statements before it.
  const known = !network.stopped;
  return {
    name: network.name,
    range: toLspRange(range),
    input: network.input ? shapeText(network.input) : null,
    output: network.output ? shapeText(network.output) : null,
    trainableParams: known ? network.params.trainable : null,
    nonTrainableParams: known ? network.params.nonTrainable : null,
    macs: known ? network.macs : null,
    activations: known ? network.activations : null,
    activationBytes: known ? network.activations * bytesPerValue : null,
    receptiveField: known && network.receptiveField ? { size: network.receptiveField.size, jump: network.receptiveField.jump } : null,
    errors: errorsIn(network, analysis),
    memory: extras?.memory ?? null,
    table: extras?.table ?? '',
    tableLines: extras?.tableLines ?? [],
  };
}
