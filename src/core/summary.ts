/**
 * The torchinfo-like summary table of a file's networks: one row per
 * statement, then the totals. The command line prints it and the language
 * server sends it to editors (VS Code's "Show Network Summary"), so both show
 * the same text.
 */
import { bytesText, humanCount, megabytes, withCommas } from './format';
import type { NetworkMemory } from './memory/training';
import { maxGraphLayers } from './semantics/graphRecorder';
import { graphFits } from './semantics/layerCount';
import { formatReceptiveSize } from './semantics/receptiveField';
import type { Analysis, NetworkAnalysis, StatementResult } from './semantics/results';
import { elementCount, formatShape } from './shape';

/** What to show besides shapes and counts. */
export interface SummaryOptions {
  /** Levels of blocks, repeats and branches to expand (0: top-level statements only). */
  depth: number;
  /** Each network's training memory, in the order of `analysis.networks` (null where it could not be computed); adds a memory column and footer. */
  memory?: (NetworkMemory | null)[];
  /** The largest batch fitting a memory size, per network: shown in the footer when given. */
  fits?: ({ budgetBytes: number; batch: number } | null)[];
}

/** One row: the statement as written, then its figures. */
interface Row {
  /** The statement's 0-based source line; null for the header and part titles. */
  source: number | null;
  layer: string;
  line: string;
  shape: string;
  params: string;
  macs: string;
  saved: string;
  field: string;
}

const bytesPerValue = 4; // float32, as PyTorch and Keras report memory.

/** Renders every network of a file. */
export function renderSummary(analysis: Analysis, sourceText: string, options: SummaryOptions): string {
  const lines = sourceText.split('\n');
  return analysis.networks.map((network, index) => renderNetworkSummary(network, lines, options.depth, options.memory?.[index] ?? undefined, options.fits?.[index] ?? undefined)).join('\n\n');
}

function statementText(result: StatementResult, lines: string[]): string {
  const body = result.statement.body;
  if (body.kind === 'repeat') return `repeat(${result.passes ?? '?'})`;
  if (body.kind === 'residual') return body.shortcut ? 'residual + shortcut' : 'residual';
  if (body.kind === 'concatBlock') return `concat (${body.branches.length} branches)`;
  const range = body.range;
  let text = range.start.line === range.end.line ? (lines[range.start.line] ?? '').slice(range.start.character, range.end.character) : `${body.name}(...)`;
  text = text.replace(/\s+/g, ' ');
  if (result.statement.label) text = `${result.statement.label.name}: ${text}`;
  return text.length > 44 ? `${text.slice(0, 43)}…` : text;
}

const blankRow = { source: null, line: '', shape: '', params: '', macs: '', saved: '', field: '' };

/** `saved` gives a top-level statement's saved activations (by its index); nested rows leave the column empty. */
function rowsOf(results: StatementResult[], lines: string[], depth: number, indent: number, into: Row[], saved?: (index: number) => string): void {
  for (const [index, result] of results.entries()) {
    into.push({
      source: result.range.start.line,
      layer: `${'  '.repeat(indent)}${statementText(result, lines)}`,
      line: String(result.range.start.line + 1),
      shape: result.outShape ? formatShape(result.outShape) : '—',
      params: result.kind === 'input' ? '' : withCommas(result.params.trainable + result.params.nonTrainable),
      macs: result.kind === 'input' ? '' : result.macs ? withCommas(result.macs) : '0',
      saved: saved ? saved(index) : '',
      field: result.receptiveField ? formatReceptiveSize(result.receptiveField) : '—',
    });
    if (depth > 0 && result.parts) {
      for (const part of result.parts) {
        if (result.parts.length > 1) into.push({ layer: `${'  '.repeat(indent + 1)}[${part.name}]`, ...blankRow });
        rowsOf(part.results, lines, depth - 1, indent + (result.parts.length > 1 ? 2 : 1), into);
      }
    }
  }
}

/** The optimizer as people name it. */
export function optimizerName(optimizer: NetworkMemory['setup']['optimizer']): string {
  return optimizer === 'sgd' ? 'SGD' : optimizer === 'momentum' ? 'SGD with momentum' : 'Adam';
}

/** "batch 8, Adam, fp32": the setup a memory figure is for. */
export function setupText(setup: NetworkMemory['setup']): string {
  return `batch ${setup.batch}, ${optimizerName(setup.optimizer)}, ${setup.precision === 'mixed' ? 'mixed precision' : 'fp32'}`;
}

/** The footer lines of a network's training memory. */
export function memoryFooter(memory: NetworkMemory, fits?: { budgetBytes: number; batch: number }): string[] {
  const lines = [
    `Training memory (${setupText(memory.setup)}):`,
    `  Saved activations: ${bytesText(memory.savedActivations)}`,
    `  Parameters: ${bytesText(memory.parameters)}, gradients: ${bytesText(memory.gradients)}, optimizer state: ${bytesText(memory.optimizerState)}`,
    `  Training peak: ${bytesText(memory.trainingPeak)}; inference peak: ${bytesText(memory.inferencePeak)}`,
  ];
  if (fits) lines.push(`  Fits ${bytesText(fits.budgetBytes)} up to batch ${withCommas(fits.batch)}`);
  return lines;
}

/** Renders one network; `lines` is the source split into lines. */
export function renderNetworkSummary(network: NetworkAnalysis, lines: string[], depth: number, memory?: NetworkMemory, fits?: { budgetBytes: number; batch: number }): string {
  return renderNetworkSummaryWithLines(network, lines, depth, memory, fits).text;
}

/** A rendered summary and, for each of its lines, the 0-based source line of the statement it shows (null for the others). */
export interface SummaryWithLines {
  text: string;
  sourceLines: (number | null)[];
}

/** Renders one network as `renderNetworkSummary` does, saying which source line each row shows (for click-to-line in editors). */
export function renderNetworkSummaryWithLines(network: NetworkAnalysis, lines: string[], depth: number, memory?: NetworkMemory, fits?: { budgetBytes: number; batch: number }): SummaryWithLines {
  const rows: Row[] = [];
  const saved = memory ? (index: number) => (network.statements[index]?.kind === 'input' ? '' : bytesText(memory.savedByStatement[index] ?? 0)) : undefined;
  rowsOf(network.statements, lines, depth, 0, rows, saved);
  const header: Row = {
    source: null,
    layer: 'Layer (statement)',
    line: 'Line',
    shape: 'Output shape',
    params: 'Param #',
    macs: 'MACs',
    saved: memory ? `Saved (batch ${memory.setup.batch})` : '',
    field: 'Receptive field',
  };
  // One loop over the rows, not Math.max(...spread), which a file of some 100,000 statements would overflow, nor an
  // array of lengths per column (a megabyte of calls has 450,000 rows).
  const widths = { layer: 0, line: 0, shape: 0, params: 0, macs: 0, saved: 0 };
  for (const r of [header, ...rows]) {
    widths.layer = Math.max(widths.layer, r.layer.length);
    widths.line = Math.max(widths.line, r.line.length);
    widths.shape = Math.max(widths.shape, r.shape.length);
    widths.params = Math.max(widths.params, r.params.length);
    widths.macs = Math.max(widths.macs, r.macs.length);
    widths.saved = Math.max(widths.saved, r.saved.length);
  }
  const format = (r: Row) =>
    `${r.layer.padEnd(widths.layer)}  ${r.line.padStart(widths.line)}  ${r.shape.padEnd(widths.shape)}  ${r.params.padStart(widths.params)}  ${r.macs.padStart(widths.macs)}  ${memory ? `${r.saved.padStart(widths.saved)}  ` : ''}${r.field}`.trimEnd();
  const formatted = rows.map(format);
  const headerLine = format(header);
  const rule = '='.repeat(formatted.reduce((most, line) => Math.max(most, line.length), Math.max(headerLine.length, 60)));
  const thin = '-'.repeat(rule.length);
  const inputSize = megabytes((network.input ? elementCount(network.input) : 0) * bytesPerValue);
  const out: string[] = [
    `Network ${network.name}: input ${network.input ? formatShape(network.input) : '?'} → output ${network.output ? formatShape(network.output) : '?'}`,
    rule,
    headerLine,
    thin,
    ...formatted,
    rule,
    ...(network.stopped ? unknownTotals(inputSize, thin) : knownTotals(network, inputSize, thin)),
  ];
  if (memory) out.push(thin, ...memoryFooter(memory, fits));
  // Without this line a network too long to plan would lose its memory footer silently, as if it had an error.
  else if (!network.stopped && !graphFits(network))
    out.push(thin, `Training memory: unknown (its graph would pass ${maxGraphLayers.toLocaleString('en-US')} layers, every repeat pass and block call expanded)`);
  out.push(rule);
  // The title, the rule, the header and the thin rule come before the rows.
  const sourceLines = out.map((_, index) => (index >= 4 && index < 4 + rows.length ? rows[index - 4].source : null));
  return { text: out.join('\n'), sourceLines };
}

/** The footer's totals, from the parameters to the parameters' size. */
function knownTotals(network: NetworkAnalysis, inputSize: string, thin: string): string[] {
  const total = network.params.trainable + network.params.nonTrainable;
  return [
    `Total params: ${withCommas(total)}`,
    `Trainable params: ${withCommas(network.params.trainable)}`,
    `Non-trainable params: ${withCommas(network.params.nonTrainable)}`,
    `Total MACs: ${withCommas(network.macs)} (${humanCount(network.macs)}MACs)`,
    `Receptive field: ${network.receptiveField ? formatReceptiveSize(network.receptiveField) : '—'}`,
    thin,
    `Input size: ${inputSize}`,
    `Activations (batch 1): ${withCommas(network.activations)} values, ${megabytes(network.activations * bytesPerValue)}`,
    `Params size: ${megabytes(total * bytesPerValue)}`,
  ];
}

/** The footer of a network whose analysis stopped part-way (`too-large`): its sums cover only the statements before the stop, so none is given. */
function unknownTotals(inputSize: string, thin: string): string[] {
  const unknown = 'unknown (the analysis stopped part-way: see the too-large error)';
  return [
    `Total params: ${unknown}`,
    'Trainable params: unknown',
    'Non-trainable params: unknown',
    'Total MACs: unknown',
    'Receptive field: unknown',
    thin,
    `Input size: ${inputSize}`,
    'Activations (batch 1): unknown',
    'Params size: unknown',
  ];
}
