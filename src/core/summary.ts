/**
 * The torchinfo-like summary table of a file's networks: one row per
 * statement, then the totals. The command line prints it and the language
 * server sends it to editors (VS Code's "Show Network Summary"), so both show
 * the same text.
 */
import { bytesText, humanCount, megabytes, withCommas } from './format';
import type { NetworkMemory } from './memory/training';
import { partsForOneReading, replayedFrom } from './semantics/blockMemo';
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

const bytesPerValue = 4; // float32, as PyTorch and Keras report memory.

/**
 * The cells of a row but its receptive field. Rows that show the same
 * statement with the same figures share one: a megabyte of block calls has
 * 450,000 rows for the few statements of a block's body.
 */
interface RowCells {
  layer: string;
  line: string;
  shape: string;
  params: string;
  macs: string;
  saved: string;
  /** The row's line up to its receptive field, padded to the columns' widths: made once, when they are known. */
  padded?: string;
}

/** The columns before the receptive field, which are padded to their widest cell. */
const paddedColumns = ['layer', 'line', 'shape', 'params', 'macs', 'saved'] as const;
type Widths = Record<(typeof paddedColumns)[number], number>;

/** A statement's cells as last shown, with the figures they were made from (a block's statement shows other figures in another call). */
interface ShownCells {
  cells: RowCells;
  outShape: StatementResult['outShape'];
  params: StatementResult['params'];
  macs: number;
  passes: number | undefined;
}

/**
 * Rows' cells, kept by the statement they show, and counts and line numbers
 * as text, so that equal cells are one string; and each column's widest cell
 * among those made.
 */
class CellTexts {
  readonly widths: Widths = { layer: 0, line: 0, shape: 0, params: 0, macs: 0, saved: 0 };
  private readonly shown = new Map<StatementResult['statement'], ShownCells[]>();
  private readonly counts = new Map<number, string>();
  private readonly lineNumbers: string[] = [];

  constructor(private readonly lines: string[]) {}

  /** The cells of `result`'s row at `indent`; `saved` is its saved-activations cell where the table has one. */
  cellsOf(result: StatementResult, indent: number, saved: string | undefined): RowCells {
    // Each top-level statement is shown once: keeping its cells from the widths' visit to the lines' would keep
    // 225,000 objects of a megabyte of calls alive long enough for the garbage collector to copy each, which costs
    // more than making them twice.
    if (indent === 0) return this.made(this.make(result, indent, saved ?? ''));
    let byIndent = this.shown.get(result.statement);
    if (!byIndent) this.shown.set(result.statement, (byIndent = []));
    const last = byIndent[indent];
    const passes = result.kind === 'repeat' ? result.passes : undefined;
    if (last && last.outShape === result.outShape && last.params === result.params && last.macs === result.macs && last.passes === passes) return last.cells;
    const cells = this.made(this.make(result, indent, ''));
    byIndent[indent] = { cells, outShape: result.outShape, params: result.params, macs: result.macs, passes };
    return cells;
  }

  /** A part's title row: its name under the statement, the other cells blank. */
  titleOf(name: string, indent: number): RowCells {
    return this.made({ layer: `${'  '.repeat(indent)}[${name}]`, line: '', shape: '', params: '', macs: '', saved: '' });
  }

  private made(cells: RowCells): RowCells {
    for (const column of paddedColumns) if (cells[column].length > this.widths[column]) this.widths[column] = cells[column].length;
    return cells;
  }

  private make(result: StatementResult, indent: number, saved: string): RowCells {
    const input = result.kind === 'input';
    return {
      layer: `${'  '.repeat(indent)}${statementText(result, this.lines)}`,
      line: (this.lineNumbers[result.range.start.line] ??= String(result.range.start.line + 1)),
      shape: result.outShape ? formatShape(result.outShape) : '—',
      params: input ? '' : this.count(result.params.trainable + result.params.nonTrainable),
      macs: input ? '' : result.macs ? this.count(result.macs) : '0',
      saved,
    };
  }

  private count(value: number): string {
    let text = this.counts.get(value);
    if (text === undefined) this.counts.set(value, (text = withCommas(value)));
    return text;
  }
}

/** Called for each row: its source line (null for a part title), its cells, and its statement's result (none for a title). */
type RowVisitor = (source: number | null, cells: RowCells, result: StatementResult | null) => void;

/**
 * Visits the rows of `results` and their parts down to `depth`; `saved`
 * gives a top-level statement's saved activations (by its index). With
 * `seenBodies`, the body of a call replayed from a memo already visited at
 * the same indent and depth is skipped: its cells are those visited.
 */
function visitRows(results: StatementResult[], texts: CellTexts, depth: number, indent: number, visit: RowVisitor, saved?: (index: number) => string, seenBodies?: Map<object, Set<number>>): void {
  for (let index = 0; index < results.length; index++) {
    const result = results[index];
    visit(result.range.start.line, texts.cellsOf(result, indent, saved?.(index)), result);
    if (depth === 0) continue;
    if (seenBodies && result.kind === 'block') {
      const memo = replayedFrom(result);
      if (memo) {
        let seen = seenBodies.get(memo);
        if (!seen) seenBodies.set(memo, (seen = new Set()));
        const at = indent * maxDepthShown + depth;
        if (seen.has(at)) continue;
        seen.add(at);
      }
    }
    const parts = partsForOneReading(result);
    if (!parts) continue;
    for (const part of parts) {
      if (parts.length > 1) visit(null, texts.titleOf(part.name, indent + 1), null);
      visitRows(part.results, texts, depth - 1, indent + (parts.length > 1 ? 2 : 1), visit, undefined, seenBodies);
    }
  }
}

/** More levels than any table expands (a depth past the nesting the language allows shows the same rows); for `seenBodies`'s keys. */
const maxDepthShown = 1 << 16;

/** Lines joined into one string this many at a time, as they are made. */
const linesPerChunk = 4096;

/**
 * The table: the header's line, then a line per row, each column padded to
 * its widest cell (the receptive field, last, not at all) with two spaces
 * between columns; and the table's width and each line's source line.
 *
 * The rows are visited twice: once for the columns' widths, then to write
 * the lines, a few thousand at a time. Keeping every row's figures from the
 * first visit to the second, or every line until the end, made hundreds of
 * thousands of young objects survive, which the garbage collector copies: a
 * megabyte of block calls spent most of a second of its summary there.
 */
function table(network: NetworkAnalysis, lines: string[], depth: number, header: RowCells & { field: string }, memory: NetworkMemory | undefined) {
  const texts = new CellTexts(lines);
  const saved = memory ? (index: number) => (network.statements[index]?.kind === 'input' ? '' : bytesText(memory.savedByStatement[index] ?? 0)) : undefined;
  const levels = Math.min(depth, maxDepthShown - 1);
  // The widths: a body replayed from one memo has the same cells in every call, so one visit of it is enough.
  visitRows(network.statements, texts, levels, 0, () => undefined, saved, new Map());
  const widths = { ...texts.widths };
  for (const column of paddedColumns) widths[column] = Math.max(widths[column], header[column].length);
  const padded = (cells: RowCells): string =>
    (cells.padded ??=
      `${cells.layer.padEnd(widths.layer)}  ${cells.line.padStart(widths.line)}  ${cells.shape.padEnd(widths.shape)}  ` +
      `${cells.params.padStart(widths.params)}  ${cells.macs.padStart(widths.macs)}  ${memory ? `${cells.saved.padStart(widths.saved)}  ` : ''}`);
  const headerLine = `${padded({ ...header })}${header.field}`;
  let widest = headerLine.length;
  const chunks: string[] = [];
  let chunk: string[] = [];
  const sources: (number | null)[] = [];
  visitRows(
    network.statements,
    texts,
    levels,
    0,
    (source, cells, result) => {
      // A part title (a name and blank cells) would end in spaces; other lines end with a receptive field.
      const line = result ? padded(cells) + (result.receptiveField ? formatReceptiveSize(result.receptiveField) : '—') : padded(cells).trimEnd();
      if (line.length > widest) widest = line.length;
      chunk.push(line);
      sources.push(source);
      if (chunk.length === linesPerChunk) {
        chunks.push(chunk.join('\n'));
        chunk = [];
      }
    },
    saved,
  );
  if (chunk.length > 0) chunks.push(chunk.join('\n'));
  return { headerLine, rowsText: chunks.join('\n'), widest, sources };
}

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
  const header = {
    layer: 'Layer (statement)',
    line: 'Line',
    shape: 'Output shape',
    params: 'Param #',
    macs: 'MACs',
    saved: memory ? `Saved (batch ${memory.setup.batch})` : '',
    field: 'Receptive field',
  };
  const { headerLine, rowsText, widest, sources } = table(network, lines, depth, header, memory);
  const rule = '='.repeat(Math.max(widest, 60));
  const thin = '-'.repeat(rule.length);
  const inputSize = megabytes((network.input ? elementCount(network.input) : 0) * bytesPerValue);
  const above = [`Network ${network.name}: input ${network.input ? formatShape(network.input) : '?'} → output ${network.output ? formatShape(network.output) : '?'}`, rule, headerLine, thin];
  const below = [rule, ...(network.stopped ? unknownTotals(inputSize, thin) : knownTotals(network, inputSize, thin))];
  if (memory) below.push(thin, ...memoryFooter(memory, fits));
  // Without this line a network too long to plan would lose its memory footer silently, as if it had an error.
  else if (!network.stopped && !graphFits(network))
    below.push(thin, `Training memory: unknown (its graph would pass ${maxGraphLayers.toLocaleString('en-US')} layers, every repeat pass and block call expanded)`);
  below.push(rule);
  const text = [above.join('\n'), ...(sources.length > 0 ? [rowsText] : []), below.join('\n')].join('\n');
  const sourceLines = above
    .map((): number | null => null)
    .concat(
      sources,
      below.map(() => null),
    );
  return { text, sourceLines };
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
