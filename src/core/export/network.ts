/**
 * The network an export works on: the file analysed with its graph, the
 * network chosen by name (or the first), and every reason it cannot be
 * exported yet (an error in the file, an unknown name) as a failure that
 * names the line. Shared by every export target.
 */
import type { Range } from '../diagnostics';
import { analyze } from '../semantics/analyze';
import type { NetworkGraph } from '../semantics/graph';
import type { Analysis, NetworkAnalysis } from '../semantics/results';

/** Why an export did not happen, for the user: the message names the line and op where there is one. */
export interface ExportFailure {
  failure: string;
  /** Where the problem is, when it is in the file. */
  range?: Range;
}

/** A network ready to export: its analysis and its complete graph. */
export interface ExportSource {
  text: string;
  analysis: Analysis;
  network: NetworkAnalysis;
  graph: NetworkGraph;
}

/** Whether a result is a failure. */
export function isExportFailure(value: unknown): value is ExportFailure {
  return typeof value === 'object' && value !== null && 'failure' in value;
}

/** One learned tensor in PyTorch layout and row-major order. */
export interface ExportTensor {
  shape: number[];
  data: Float32Array;
}

/** Learned tensors per graph node id, named as PyTorch names them within the layer (`weight`, `running_var`, `pointwise.bias`). */
export type ExportWeights = ReadonlyMap<number, Readonly<Record<string, ExportTensor>>>;

/** Analyses `text` and picks the network to export; a failure when the file has errors or no such network. */
export function exportSource(text: string, networkName?: string): ExportSource | ExportFailure {
  const analysis = analyze(text, { graph: true });
  const firstError = analysis.diagnostics.find((d) => d.severity === 'error');
  if (firstError) {
    return { failure: `line ${firstError.range.start.line + 1}: ${firstError.code}: ${firstError.message} (fix the errors before exporting)`, range: firstError.range };
  }
  if (analysis.networks.length === 0) return { failure: 'the file defines no network to export' };
  const index = networkName === undefined ? 0 : analysis.networks.findIndex((n) => n.name === networkName);
  if (index < 0) return { failure: `no network named '${networkName}'; the file defines ${analysis.networks.map((n) => n.name).join(', ')}` };
  const network = analysis.networks[index];
  const graph = analysis.graphs?.[index];
  if (!graph || !graph.complete || graph.output === null) {
    return { failure: `network ${network.name} does not analyse completely, so it cannot be exported`, range: network.declaration.nameRange };
  }
  return { text, analysis, network, graph };
}

/** `line 7: conv2d(64, 3)`: where a layer is, as failure messages name it. */
export function describeStatement(text: string, range: Range): string {
  return `line ${range.start.line + 1}: ${statementText(text, range)}`;
}

/** A statement's source text on one line, whitespace collapsed. */
export function statementText(text: string, range: Range): string {
  const lines = text.split('\n');
  const parts: string[] = [];
  for (let line = range.start.line; line <= range.end.line; line++) {
    const full = lines[line] ?? '';
    const from = line === range.start.line ? range.start.character : 0;
    const to = line === range.end.line ? range.end.character : full.length;
    parts.push(full.slice(from, to));
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}
