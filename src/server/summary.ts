/** The `cnnLens/networkSummary` request: every network's totals, and the one at the cursor. */
import type { NetworkAnalysis, Analysis } from '../core';
import type { NetworkSummary, NetworkSummaryParams, NetworkSummaryResult } from '../protocol/messages';
import { contains, toLspRange } from './convert';
import type { DocumentStore } from './documents';
import { shapeText } from './describe';

/** Bytes per activation value: float32. */
export const bytesPerValue = 4;

export function networkSummary(store: DocumentStore, params: NetworkSummaryParams): NetworkSummaryResult | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const networks = analyzed.analysis.networks.map((n) => summarize(n, analyzed.analysis));
  let active: number | null = networks.length ? 0 : null;
  if (params.position) {
    const at = analyzed.analysis.networks.findIndex((n) => contains(n.declaration.range, params.position!));
    if (at >= 0) active = at;
  }
  return { uri: params.textDocument.uri, version: analyzed.document.version, networks, active };
}

export function summarize(network: NetworkAnalysis, analysis: Analysis): NetworkSummary {
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
  };
}
