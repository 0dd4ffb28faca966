/** The torchinfo-like table printed by `cnn summary`. */
import { formatReceptiveSize, formatShape, type Analysis, type NetworkAnalysis, type StatementResult } from '../core';
import { humanCount, megabytes, withCommas } from '../core/format';

/** One row: the statement as written, then its figures. */
interface Row {
  layer: string;
  line: string;
  shape: string;
  params: string;
  macs: string;
  field: string;
}

const bytesPerValue = 4; // float32, as PyTorch and Keras report memory.

/** Renders every network of a file; `depth` says how many levels of blocks, repeats and branches to expand. */
export function renderSummary(analysis: Analysis, sourceText: string, depth: number): string {
  const lines = sourceText.split('\n');
  return analysis.networks.map((network) => renderNetwork(network, lines, depth)).join('\n\n');
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

function rowsOf(results: StatementResult[], lines: string[], depth: number, indent: number, into: Row[]): void {
  for (const result of results) {
    into.push({
      layer: `${'  '.repeat(indent)}${statementText(result, lines)}`,
      line: String(result.range.start.line + 1),
      shape: result.outShape ? formatShape(result.outShape) : '—',
      params: result.kind === 'input' ? '' : withCommas(result.params.trainable + result.params.nonTrainable),
      macs: result.kind === 'input' ? '' : result.macs ? withCommas(result.macs) : '0',
      field: result.receptiveField ? formatReceptiveSize(result.receptiveField) : '—',
    });
    if (depth > 0 && result.parts) {
      for (const part of result.parts) {
        if (result.parts.length > 1) into.push({ layer: `${'  '.repeat(indent + 1)}[${part.name}]`, line: '', shape: '', params: '', macs: '', field: '' });
        rowsOf(part.results, lines, depth - 1, indent + (result.parts.length > 1 ? 2 : 1), into);
      }
    }
  }
}

function renderNetwork(network: NetworkAnalysis, lines: string[], depth: number): string {
  const rows: Row[] = [];
  rowsOf(network.statements, lines, depth, 0, rows);
  const header: Row = { layer: 'Layer (statement)', line: 'Line', shape: 'Output shape', params: 'Param #', macs: 'MACs', field: 'Receptive field' };
  const all = [header, ...rows];
  const width = (key: keyof Row) => Math.max(...all.map((r) => r[key].length));
  const widths = { layer: width('layer'), line: width('line'), shape: width('shape'), params: width('params'), macs: width('macs'), field: width('field') };
  const format = (r: Row) =>
    `${r.layer.padEnd(widths.layer)}  ${r.line.padStart(widths.line)}  ${r.shape.padEnd(widths.shape)}  ${r.params.padStart(widths.params)}  ${r.macs.padStart(widths.macs)}  ${r.field}`.trimEnd();
  const total = network.params.trainable + network.params.nonTrainable;
  const rule = '='.repeat(Math.max(...all.map((r) => format(r).length), 60));
  const thin = '-'.repeat(rule.length);
  const inputValues = network.input ? network.input.reduce((a, b) => a * b, 1) : 0;
  const out: string[] = [
    `Network ${network.name}: input ${network.input ? formatShape(network.input) : '?'} → output ${network.output ? formatShape(network.output) : '?'}`,
    rule,
    format(header),
    thin,
    ...rows.map(format),
    rule,
    `Total params: ${withCommas(total)}`,
    `Trainable params: ${withCommas(network.params.trainable)}`,
    `Non-trainable params: ${withCommas(network.params.nonTrainable)}`,
    `Total MACs: ${withCommas(network.macs)} (${humanCount(network.macs)}MACs)`,
    `Receptive field: ${network.receptiveField ? formatReceptiveSize(network.receptiveField) : '—'}`,
    thin,
    `Input size: ${megabytes(inputValues * bytesPerValue)}`,
    `Activations (batch 1): ${withCommas(network.activations)} values, ${megabytes(network.activations * bytesPerValue)}`,
    `Params size: ${megabytes(total * bytesPerValue)}`,
    rule,
  ];
  return out.join('\n');
}
