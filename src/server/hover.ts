/**
 * Hover: what a statement computes comes first, in a compact table (output
 * shape, the output-size formula with the numbers filled in, parameters, MACs,
 * receptive field size, jump and start) followed by a sentence about the
 * field; on an op name, its reference documentation follows after a rule. On
 * a block call, the block's totals, and every call's output when the block is
 * called more than once.
 */
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from 'vscode-languageserver';
import { allArgs, findOp, signatureText, type Analysis, type Ast, type OpDefinition, type StatementResult } from '../core';
import { contains, toLspRange } from './convert';
import { humanCount, receptiveFieldFacts, receptiveFieldSentence, shapeText, withCommas } from './describe';
import type { DocumentStore } from './documents';
import type { TrainingMemory } from './memory';
import { forEachStatement, statementAt } from './syntax';

/** At most this many calls of a block are listed one by one in its hover. */
const listedCalls = 12;

export async function hover(store: DocumentStore, params: HoverParams, training?: TrainingMemory, token?: CancellationToken): Promise<Hover | null> {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const { analysis } = analyzed;
  const statement = statementAt(analysis.file, params.position);
  if (!statement) return null;
  const sections: string[] = [];
  const body = statement.body;
  const onName = body.kind === 'call' && contains(body.nameRange, params.position);
  const results = analysis.instances.get(statement) ?? [];
  if (results.length) {
    let facts = describeResults(results, analysis);
    if (results[0].kind === 'block') facts += blockCalls(results[0].op, analysis);
    const saved = await training?.hoverLine(params.textDocument.uri, params.position, token);
    if (saved) facts += `\n\n${saved}`;
    sections.push(facts);
  }
  // The reference comes after the numbers: a user hovering a layer wants what it computes first.
  if (body.kind === 'call' && onName) {
    const op = findOp(body.name);
    if (op) sections.push(opDocumentation(body.name, op));
  }
  if (!sections.length) return null;
  return {
    contents: { kind: MarkupKind.Markdown, value: sections.join('\n\n---\n\n') },
    range: toLspRange(onName && body.kind === 'call' ? body.nameRange : statement.range),
  };
}

/** The documentation of an op: signature, summary, and each argument. */
export function opDocumentation(name: string, op: OpDefinition): string {
  const lines = ['```cnn', signatureText(name, op), '```', '', op.summary];
  const args = allArgs(op);
  if (args.length) {
    lines.push('');
    for (const a of args) lines.push(`- \`${a.name}\`${a.defaultText !== undefined ? ` (default \`${a.defaultText}\`)` : ''}: ${a.doc}`);
  }
  if (op.signature.labels) lines.push('', 'Takes the labels of earlier statements: `add(skip)`, `concat(a, b)`.');
  return lines.join('\n');
}

/** A table cell: pipes would end the cell, line breaks the row. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** The facts of a statement's first evaluation as a two-column table, then the receptive field in words. */
function describeResults(results: StatementResult[], analysis: Analysis): string {
  const first = results[0];
  const lines: string[] = [];
  const title = first.kind === 'block' ? `**block ${first.op}** (totals of its body)` : `**${first.op}**`;
  lines.push(`${title}: \`${shapeText(first.inShape)}\` → \`${shapeText(first.outShape)}\``);
  const distinct = new Set(results.map((r) => `${shapeText(r.inShape)} → ${shapeText(r.outShape)}`));
  if (distinct.size > 1 && first.kind !== 'block') {
    lines.push(
      '',
      `Evaluated ${results.length === 32 ? '32 or more' : results.length} times with different inputs: ${[...distinct]
        .slice(0, 4)
        .map((d) => `\`${d}\``)
        .join(', ')}${distinct.size > 4 ? ', …' : ''}. The numbers below are for the first.`,
    );
  }
  // The output row is the table's header, so the table costs no empty header line.
  const rows: [string, string][] = [];
  if (first.formula?.length) {
    const axes = axisNames(first.formula.length);
    first.formula.forEach((formula, i) => rows.push([`${axes[i]} size`, `\`${formula}\``]));
  }
  rows.push(['Parameters', `${withCommas(first.params.trainable)} trainable, ${withCommas(first.params.nonTrainable)} non-trainable`]);
  if (first.macs > 0 || first.kind !== 'op') rows.push(['MACs', `${withCommas(first.macs)} (${humanCount(first.macs)})`]);
  if (first.kind === 'repeat' && first.passes !== undefined) rows.push(['Passes', String(first.passes)]);
  if (first.receptiveField) {
    const field = first.receptiveField;
    rows.push(['Receptive field', `${field.gate !== undefined ? 'the whole input (through a gate); locally ' : ''}size ${receptiveFieldFacts(field)}`]);
  }
  lines.push('', `| Output | \`${shapeText(first.outShape)}\` |`, '|:--|:--|', ...rows.map(([name, value]) => `| ${cell(name)} | ${cell(value)} |`));
  if (first.formula?.length) lines.push('', '_Output size per axis: `floor((in + 2p - d(k-1) - 1)/s + 1)`._');
  if (first.receptiveField) lines.push('', receptiveFieldSentence(first.receptiveField));
  if (first.failed) {
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error' && contains(first.range, d.range.start)).length;
    if (errors) lines.push('', `_This statement has ${errors === 1 ? 'an error' : `${errors} errors`}: see Problems._`);
  }
  return lines.join('\n');
}

/**
 * Every evaluation of every call of a block, in source order, when there is
 * more than one: "line 31, evaluation 2: `64x56x56` → `64x56x56`". Empty
 * otherwise. (A repeat whose passes keep the shape is evaluated once, so its
 * call is listed once.)
 */
function blockCalls(blockName: string, analysis: Analysis): string {
  const calls: { statement: Ast.Statement; results: StatementResult[] }[] = [];
  forEachStatement(analysis.file, (statement) => {
    if (statement.body.kind === 'call' && statement.body.name === blockName) calls.push({ statement, results: analysis.instances.get(statement) ?? [] });
  });
  calls.sort((a, b) => a.statement.range.start.line - b.statement.range.start.line || a.statement.range.start.character - b.statement.range.start.character);
  const instances = calls.flatMap(({ statement, results }) => results.map((result, index) => ({ line: statement.range.start.line + 1, pass: results.length > 1 ? index + 1 : undefined, result })));
  if (instances.length < 2) return '';
  const shown = instances
    .slice(0, listedCalls)
    .map(({ line, pass, result }) => `- line ${line}${pass !== undefined ? `, evaluation ${pass}` : ''}: \`${shapeText(result.inShape)}\` → \`${shapeText(result.outShape)}\``);
  const more = instances.length > listedCalls ? [`- … and ${instances.length - listedCalls} more`] : [];
  return `\n\nEvery call of ${blockName} in this file:\n\n${[...shown, ...more].join('\n')}`;
}

function axisNames(count: number): string[] {
  return count === 1 ? ['L'] : count === 2 ? ['H', 'W'] : count === 3 ? ['D', 'H', 'W'] : Array.from({ length: count }, (_, i) => `axis ${i + 1}`);
}
