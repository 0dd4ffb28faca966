/**
 * The projection shortcut for a residual inside a block. A merge mismatch in
 * a block is reported at the call in the network (its numbers depend on the
 * arguments), so the core's own fix, written with this call's numbers, is not
 * attached there: the edit goes into the block, which every call shares. This
 * proposes `shortcut { conv(C, 1, stride=S, bias=false); batchnorm }` inside
 * the block, with C and S written over the block's parameters where the body
 * says how (`conv(c * 4, 1, stride=stride, ...)`), else as the numbers every
 * call agrees on. Whether a proposal holds for every call is for the caller
 * to check by re-analysis (fixCheck.ts); the proposals come best first.
 */
import type { Diagnostic, Fix, Range } from '../diagnostics';
import { findOp } from '../ops/registry';
import type { Argument, BlockDecl, CallNode, Expr, Statement } from '../syntax/ast';
import type { Analysis, StatementResult } from './results';

/** What a residual's body computes from its input, in numbers and, where the body says it, in source text. */
interface Projection {
  channels: number[];
  strides: number[];
}

/**
 * The shortcut fixes to try, best first, for a `merge-mismatch` reported at a
 * block call about a residual without a shortcut (its related location is the
 * residual's keyword inside the block). None for other diagnostics, or when
 * the shapes cannot be joined by a 1x1 convolution with one stride.
 */
export function blockProjectionFixes(analysis: Analysis, diagnostic: Diagnostic, sourceText: string): Fix[] {
  if (diagnostic.code !== 'merge-mismatch' || diagnostic.fixes?.length) return [];
  const inside = diagnostic.related?.[0]?.range;
  if (!inside) return [];
  const found = residualAt(analysis, inside);
  if (!found || found.statement.body.kind !== 'residual' || found.statement.body.shortcut) return [];
  const projection = projectionOf(analysis.instances.get(found.statement) ?? []);
  if (!projection) return [];
  const lines = sourceText.split(/\r\n|\n|\r/);
  const textOf = (range: Range) => (range.start.line === range.end.line ? (lines[range.start.line] ?? '').slice(range.start.character, range.end.character) : undefined);
  const blocks = new Map(analysis.file.blocks.map((b) => [b.name, b]));
  const body = found.statement.body.body;
  const same = (values: number[]) => values.every((v) => v === values[0]);
  const channelTexts = unique([writtenChannels(body, blocks, textOf), same(projection.channels) ? String(projection.channels[0]) : undefined]);
  const unitStride = projection.strides.every((s) => s === 1);
  const strideTexts = unitStride ? [''] : unique([writtenStride(body, blocks, textOf), same(projection.strides) ? String(projection.strides[0]) : undefined]);
  const fixes: Fix[] = [];
  const end = found.statement.body.range.end;
  // The expression form first (it holds for calls with other numbers too), then the numbers.
  for (let i = 0; i < Math.max(channelTexts.length, strideTexts.length); i++) {
    const channels = channelTexts[Math.min(i, channelTexts.length - 1)];
    const stride = strideTexts[Math.min(i, strideTexts.length - 1)];
    if (channels === undefined || stride === undefined) continue;
    const shortcut = `conv(${channels}, 1${stride ? `, stride=${stride}` : ''}, bias=false); batchnorm`;
    fixes.push({
      title: `Add shortcut { ${shortcut} } to block ${found.block.name}`,
      edits: [{ range: { start: end, end }, newText: ` shortcut { ${shortcut} }` }],
      preferred: true,
    });
  }
  return fixes;
}

function unique(texts: (string | undefined)[]): string[] {
  return [...new Set(texts.filter((t): t is string => t !== undefined))];
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** The residual statement (inside a block) whose keyword is at `range`, and its block. */
function residualAt(analysis: Analysis, range: Range): { statement: Statement; block: BlockDecl } | undefined {
  for (const block of analysis.file.blocks) {
    const pending = [...block.body];
    while (pending.length) {
      const statement = pending.pop()!;
      const body = statement.body;
      if (body.kind === 'residual' && sameRange(body.keywordRange, range)) return { statement, block };
      if (body.kind === 'repeat') pending.push(...body.body);
      else if (body.kind === 'residual') pending.push(...body.body, ...(body.shortcut ?? []));
      else if (body.kind === 'concatBlock') for (const branch of body.branches) pending.push(...branch.body);
    }
  }
  return undefined;
}

/**
 * Per evaluation with a known input, the channels of the residual's body and
 * the stride from its input to them; undefined unless every such evaluation
 * has the same rank on both sides, spatial axes, and one whole stride on every axis.
 */
function projectionOf(results: StatementResult[]): Projection | undefined {
  const channels: number[] = [];
  const strides: number[] = [];
  for (const result of results) {
    const input = result.inShape;
    // A call after a failed one has no known input: it says nothing here (the re-analysis of the fix checks it).
    if (!input) continue;
    const main = lastShape(result.parts?.[0]?.results ?? []) ?? input;
    if (!main || input.length !== main.length || input.length < 2) return undefined;
    const ratios = input.slice(1).map((n, i) => n / main[i + 1]);
    if (!ratios.every((r) => r === ratios[0] && Number.isInteger(r) && r >= 1)) return undefined;
    channels.push(main[0]);
    strides.push(ratios[0]);
  }
  return channels.length ? { channels, strides } : undefined;
}

function lastShape(results: StatementResult[]): number[] | null {
  return results.length ? results[results.length - 1].outShape : null;
}

/** An argument by name or position. */
function argumentFor(call: CallNode | { args: Argument[] }, name: string, position: number): Argument | undefined {
  return call.args.find((a) => a.key === name) ?? (position >= 0 ? call.args.filter((a) => a.key === undefined)[position] : undefined);
}

/**
 * The text of the output channels of a body, from its last statement that sets
 * them: an op's `out` argument, or, through a block call, the called block's
 * own, with its parameter replaced by the argument given at the call.
 */
function writtenChannels(body: Statement[], blocks: Map<string, BlockDecl>, textOf: (range: Range) => string | undefined, depth = 0): string | undefined {
  for (let i = body.length - 1; i >= 0; i--) {
    const node = body[i].body;
    if (node.kind !== 'call') return undefined;
    const op = findOp(node.name);
    if (op) {
      const outIndex = op.signature.positional.findIndex((a) => a.name === 'out');
      if (outIndex < 0) continue;
      const argument = argumentFor(node, 'out', outIndex);
      return argument ? textOf(argument.value.range) : undefined;
    }
    const block = blocks.get(node.name);
    if (!block || depth > 8) return undefined;
    return throughCall(writtenChannels(block.body, blocks, textOf, depth + 1), block, node, textOf);
  }
  return undefined;
}

/** The text of the one stride in a body (`stride=s` of its one strided layer), through block calls as `writtenChannels`. */
function writtenStride(body: Statement[], blocks: Map<string, BlockDecl>, textOf: (range: Range) => string | undefined, depth = 0): string | undefined {
  const found: string[] = [];
  for (const statement of body) {
    const node = statement.body;
    if (node.kind !== 'call') return undefined;
    const op = findOp(node.name);
    if (op) {
      const strideIndex = op.signature.positional.findIndex((a) => a.name === 'stride');
      const argument = argumentFor(node, 'stride', strideIndex);
      const text = argument && textOf(argument.value.range);
      if (argument && text === undefined) return undefined;
      if (text !== undefined && text !== '1') found.push(text);
      continue;
    }
    const block = blocks.get(node.name);
    if (!block || depth > 8) return undefined;
    const inner = throughCall(writtenStride(block.body, blocks, textOf, depth + 1), block, node, textOf);
    if (inner !== undefined) found.push(inner);
  }
  return found.length === 1 ? found[0] : undefined;
}

/**
 * A called block's text as the caller writes it: a lone parameter name becomes
 * the argument at the call (or the parameter's default when none is given);
 * text without the block's parameters stays; anything else is unknown.
 */
function throughCall(text: string | undefined, block: BlockDecl, call: CallNode, textOf: (range: Range) => string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const index = block.params.findIndex((p) => p.name === text);
  if (index >= 0) {
    const given = argumentFor(call, text, index);
    const value: Expr | undefined = given?.value ?? block.params[index].defaultValue;
    return value ? textOf(value.range) : undefined;
  }
  const mentions = block.params.some((p) => new RegExp(`\\b${p.name}\\b`).test(text));
  return mentions ? undefined : text;
}
