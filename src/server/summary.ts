/** The `cnnLens/networkSummary` request: every network's totals, and the one at the cursor. */
import { networkIndexAt, renderNetworkSummaryWithLines, type Analysis, type NetworkAnalysis } from '../core';
import type { NetworkSummary, NetworkSummaryMemory, NetworkSummaryParams, NetworkSummaryResult } from '../protocol/messages';
import { contains, toLspRange } from './convert';
import type { DocumentStore } from './documents';
import { shapeText } from './describe';
import type { TrainingMemory } from './memory';

/** Bytes per activation value: float32. */
export const bytesPerValue = 4;

export function networkSummary(store: DocumentStore, training: TrainingMemory, params: NetworkSummaryParams): NetworkSummaryResult | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const uri = params.textDocument.uri;
  const computed = training.of(uri);
  const lines = analyzed.document.getText().split('\n');
  const networks = analyzed.analysis.networks.map((n, index) => {
    const memory = computed?.memory[index] ?? undefined;
    const figures = training.summaryOf(uri, index);
    const fits = figures?.budget != null && figures.largestBatch !== null ? { budgetBytes: figures.budget, batch: figures.largestBatch } : undefined;
    const rendered = renderNetworkSummaryWithLines(n, lines, 1, memory, fits);
    return summarize(n, analyzed.analysis, { memory: figures, table: rendered.text, tableLines: rendered.sourceLines });
  });
  let active: number | null = networks.length ? 0 : null;
  if (params.position) {
    const at = networkIndexAt(analyzed.analysis, params.position);
    if (at >= 0) active = at;
  }
  return { uri, version: analyzed.document.version, networks, active };
}

/** A network's totals; `extras` adds its training memory and summary table (the code lenses need neither). */
export function summarize(network: NetworkAnalysis, analysis: Analysis, extras?: { memory: NetworkSummaryMemory | null; table: string; tableLines: (number | null)[] }): NetworkSummary {
  const range = network.declaration.range;
  return {
    name: network.name,
    range: toLspRange(range),
    input: network.input ? shapeText(network.input) : null,
    output: network.output ? shapeText(network.output) : null,
    trainableParams: network.params.trainable,
    nonTrainableParams: network.params.nonTrainable,
    macs: network.macs,
    activations: network.activations,
    activationBytes: network.activations * bytesPerValue,
    receptiveField: network.receptiveField ? { size: network.receptiveField.size, jump: network.receptiveField.jump } : null,
    errors: analysis.diagnostics.filter((d) => d.severity === 'error' && contains(range, d.range.start)).length,
    memory: extras?.memory ?? null,
    table: extras?.table ?? '',
    tableLines: extras?.tableLines ?? [],
  };
}
