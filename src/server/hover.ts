/**
 * Hover: on an op name, its documentation and signature; on any statement,
 * what it computes (shapes, the output-size formula with the numbers filled
 * in, parameters, MACs, receptive field); on a block call, the block's totals.
 */
import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { allArgs, findOp, signatureText, type Analysis, type OpDefinition, type StatementResult } from '../core';
import { contains, toLspRange } from './convert';
import { humanCount, receptiveFieldFacts, receptiveFieldSentence, shapeText, withCommas } from './describe';
import type { DocumentStore } from './documents';
import type { TrainingMemory } from './memory';
import { statementAt } from './syntax';

export function hover(store: DocumentStore, params: HoverParams, training?: TrainingMemory): Hover | null {
  const analyzed = store.analysisOf(params.textDocument.uri);
  if (!analyzed) return null;
  const { analysis } = analyzed;
  const statement = statementAt(analysis.file, params.position);
  if (!statement) return null;
  const sections: string[] = [];
  const body = statement.body;
  const onName = body.kind === 'call' && contains(body.nameRange, params.position);
  if (body.kind === 'call' && onName) {
    const op = findOp(body.name);
    if (op) sections.push(opDocumentation(body.name, op));
  }
  const results = analysis.instances.get(statement) ?? [];
  if (results.length) sections.push(describeResults(results, analysis));
  const saved = results.length ? training?.hoverLine(params.textDocument.uri, statement) : undefined;
  if (saved) sections[sections.length - 1] += `\n\n${saved}`;
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

function describeResults(results: StatementResult[], analysis: Analysis): string {
  const first = results[0];
  const lines: string[] = [];
  const title = first.kind === 'block' ? `**block ${first.op}** (totals of its body)` : first.kind === 'op' ? `**${first.op}**` : `**${first.op}**`;
  lines.push(`${title}: \`${shapeText(first.inShape)}\` → \`${shapeText(first.outShape)}\``);
  const distinct = new Set(results.map((r) => `${shapeText(r.inShape)} → ${shapeText(r.outShape)}`));
  if (distinct.size > 1) {
    lines.push('', `Evaluated ${results.length === 32 ? '32 or more' : results.length} times with different inputs: ${[...distinct].slice(0, 4).map((d) => `\`${d}\``).join(', ')}${distinct.size > 4 ? ', …' : ''}. The numbers below are for the first.`);
  }
  if (first.formula?.length) {
    const axes = axisNames(first.formula.length);
    lines.push('', 'Output size per axis, `floor((in + 2p - d(k-1) - 1)/s + 1)`:', '```', ...first.formula.map((f, i) => `${axes[i]}: ${f}`), '```');
  }
  const facts: string[] = [];
  facts.push(`Parameters: ${withCommas(first.params.trainable)} trainable, ${withCommas(first.params.nonTrainable)} non-trainable`);
  if (first.macs > 0 || first.kind !== 'op') facts.push(`MACs: ${withCommas(first.macs)} (${humanCount(first.macs)})`);
  if (first.kind === 'repeat' && first.passes !== undefined) facts.push(`Passes: ${first.passes}`);
  if (first.receptiveField) {
    const field = first.receptiveField;
    facts.push(`Receptive field: ${field.gate !== undefined ? 'the whole input (through a gate); locally ' : ''}${receptiveFieldFacts(field)}`);
  }
  lines.push('', ...facts.map((f) => `- ${f}`));
  if (first.receptiveField) lines.push('', receptiveFieldSentence(first.receptiveField));
  if (first.failed) {
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error' && contains(first.range, d.range.start)).length;
    if (errors) lines.push('', `_This statement has ${errors === 1 ? 'an error' : `${errors} errors`}: see Problems._`);
  }
  return lines.join('\n');
}

function axisNames(count: number): string[] {
  return count === 1 ? ['L'] : count === 2 ? ['H', 'W'] : count === 3 ? ['D', 'H', 'W'] : Array.from({ length: count }, (_, i) => `axis ${i + 1}`);
}
