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
import { attributesOf, type WindowedOpName } from '../ops/attributes';
import { samePadding, unevenPadding } from '../ops/window';

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

/**
 * The refusal every target gives for a language v1.1 form it does not
 * translate yet, naming the first such statement; undefined when there is none.
 */
export function notYetExportedFailure(source: ExportSource): ExportFailure | undefined {
  const node = source.graph.nodes.find((n) => notYetExported(n) !== undefined);
  if (!node) return undefined;
  return { failure: `${describeStatement(source.text, node.range)}: export does not handle ${notYetExported(node)} yet (language v1.1), so it refuses rather than write a different network`, range: node.range };
}

/**
 * The language v1.1 forms the export targets do not translate yet, named for
 * the message; undefined for everything else. They are refused here, once for
 * every target, so that no target drops or approximates them in silence.
 */
function notYetExported(node: ExportSource['graph']['nodes'][number]): string | undefined {
  if (['slice', 'channel_shuffle', 'pixel_shuffle', 'layer_scale'].includes(node.op)) return `the op '${node.written}'`;
  if (node.op === 'upsample' && attributesOf(node, 'upsample').size !== undefined) return 'upsample to a size (size= or like=)';
  if (unevenPaddingOtherThanSame(node)) return 'padding that is neither even nor Keras\'s "same" (padding="causal")';
  return undefined;
}

/**
 * True for a window whose zeros differ before and after and are not what
 * Keras's "same" rule gives (the targets write uneven padding only as "same").
 */
function unevenPaddingOtherThanSame(node: ExportSource['graph']['nodes'][number]): boolean {
  if (!unevenPadding(node)) return false;
  const { padLeft, padRight, kernel, stride, dilation } = attributesOf<WindowedOpName>(node);
  const inShape = node.inShapes[0];
  if (!inShape || !kernel || !stride || !dilation) return true;
  const same = samePadding(inShape.slice(1), kernel, stride, dilation);
  return padLeft.join() !== same.left.join() || padRight.join() !== same.right.join();
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
