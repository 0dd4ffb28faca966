/**
 * The state one analysis shares across its evaluators: the diagnostics found,
 * the work budget and nesting depth, the per-statement instances kept for
 * hovers, and the graph recorder. Each kind of statement is evaluated in its
 * own file (statements.ts dispatches); they all report through here.
 */
import { sameShape } from '../shape';
import { diagnostic, type Diagnostic, type DiagnosticCode, type Fix, type Range, type RelatedLocation } from '../diagnostics';
import type { OpOutcome, Tensor } from '../ops/types';
import type { BlockDecl, CallNode, Expr, Statement } from '../syntax/ast';
import { splitLines } from '../syntax/lineIndex';
import type { GraphGroup } from './graph';
import { notRecording, type GraphRecorder } from './graphRecorder';
import type { ParamCounts, ReceptiveField, Value } from '../types';
import { mergeReceptiveFields } from './receptiveField';
import type { StatementResult } from './results';
import { BlockMemos, blockMemoSettings, writtenExactly } from './blockMemo';
import { blocksAcyclic } from './staticChecks';

/**
 * The work one file may cost before analysis stops with `too-large` (nested
 * repeats, block fan-out): this much, plus one unit per character of the file,
 * so that a long but plain file is never cut short. Each statement evaluated
 * costs one unit and one more per node of its argument expressions, so a call
 * with a thousand labels weighs a thousand times a `relu`.
 */
const baseBudget = 200_000;
/**
 * Block calls and nested bodies deeper than this stop the analysis of the
 * network with `too-large`: evaluation recurses once per level, and a chain of
 * blocks could otherwise exhaust the stack (which holds about 800 levels).
 */
export const maxEvaluationDepth = 256;
/** Hovers need a few instances of a statement inside a block, not every one of thousands of calls. */
const instancesKept = 32;
/**
 * The op cache holds the outcomes of this many different call texts (in their
 * scopes), and this many input shapes for each: a long file repeats a few
 * statements, and a file of all-different statements gains nothing from more.
 */
const cachedCallTexts = 4096;
const cachedShapesPerCall = 8;

/** An op's outcome for one call text, scope and input shape (see `Evaluation.cachedOp`). */
export interface CachedOp {
  inShape: number[];
  outcome: OpOutcome;
  /** Whether the call failed without a report (an argument naming an undefined name, reported statically). */
  failed: boolean;
}

/** Labels visible in a body: its own, then its enclosing bodies' (but never a caller's). */
export interface LabelScope {
  labels: Map<string, Tensor | null>;
  parent?: LabelScope;
}

/** A block call on the way from the network down to the statement being evaluated. */
export interface CallSite {
  blockName: string;
  range: Range;
}

/** Where a statement is evaluated: its names, labels, the block calls around it and its graph group. */
export interface Frame {
  env: Map<string, Value>;
  scope: LabelScope;
  /**
   * Outermost (in the network) first. Evaluation is depth-first, so one array
   * serves every frame of a network: a call pushes itself while its body is
   * evaluated and pops after, instead of each call copying the path.
   */
  calls: CallSite[];
  /** Blocks being expanded, to stop recursion (reported statically); shared and kept like `calls`. */
  expanding: Set<string>;
  /** The innermost graph group (block call, repeat pass, residual, concat) being evaluated, when recording a graph. */
  group?: number;
}

/** What evaluating one statement gives: the tensor it passes on and its result. */
export interface Evaluated {
  output: Tensor | null;
  result: StatementResult;
}

/** What evaluating a body (a list of statements) gives. */
export interface BodyEvaluated {
  output: Tensor | null;
  results: StatementResult[];
}

/** Evaluates a nested body; the dispatcher passes itself to compound statements and block calls. */
export type EvaluateBody = (evaluation: Evaluation, statements: Statement[], input: Tensor | null, frame: Frame) => BodyEvaluated;

/** Thrown when the work budget is spent; the network's analysis stops with `too-large`. */
export class BudgetExceeded extends Error {}
/** Thrown past `maxEvaluationDepth`; the network's analysis stops with `too-large`. */
export class NestingExceeded extends Error {}

/**
 * What evaluating one network did to the shared state, recorded so that
 * incremental analysis can replay it instead of evaluating again: the
 * diagnostics it added, the instances it kept, the blocks it looked up and the
 * work it spent.
 */
export interface NetworkTrace {
  added: Diagnostic[];
  /**
   * The instances kept, statement and result at the same index (two arrays: no
   * pair per statement): each statement's first `instancesKept` in the
   * network (or one more), since replayed after the networks before it, the
   * network could add no later one to the analysis's first instances.
   */
  rememberedStatements: Statement[];
  rememberedResults: StatementResult[];
  /**
   * How many instances of each statement remembered more than once are
   * recorded (while the trace is recorded). A statement's first instance in
   * the analysis is not counted (most statements have only that one): the
   * count is at most one short, so the trace records at most one more than it
   * needs, never fewer.
   */
  rememberedCounts?: Map<Statement, number>;
  /** Each block name looked up, and the declaration found (undefined: none). */
  blocksRead: Map<string, BlockDecl | undefined>;
  /** Work units spent before the network, and by it. */
  spentBefore: number;
  spent: number;
}

/**
 * How far a trace had got at some point of a network's evaluation (after one
 * of its statements): how many diagnostics, instances and blocks it had
 * recorded, and the work spent since it started.
 */
export interface TraceMark {
  added: number;
  remembered: number;
  blocksRead: number;
  spent: number;
}

/** The shared state of one analysis. */
export class Evaluation {
  /** The text's lines, split when a message or fix first needs a piece of the text (most analyses never do). */
  private lines?: string[];
  private readonly found = new Map<string, Diagnostic>();
  readonly blocks = new Map<string, BlockDecl>();
  readonly instances = new Map<Statement, StatementResult[]>();
  /** Work units spent so far, against `budget`. */
  private spent = 0;
  readonly budget: number;
  /** How deep block calls and nested bodies are at the statement being evaluated. */
  private depth = 0;
  /** Records the graph of the network being analysed (or nothing). */
  recorder: GraphRecorder = notRecording;
  /** Op outcomes by call text in its scope (`opCacheKey`), each for a few input shapes. */
  private readonly opCache = new Map<string, CachedOp[]>();
  /** Each scope's names and values written out, for `opCacheKey`. */
  private readonly scopeKeys = new WeakMap<ReadonlyMap<string, Value>, string>();
  /** How many diagnostics have been added (kept or not): a block call that adds none may be memoised. */
  diagnosticsAdded = 0;
  /** The memoised block calls (blockMemo.ts), made at the first block call. */
  private memos?: BlockMemos;

  constructor(
    private readonly text: string,
    blocks: BlockDecl[],
  ) {
    this.budget = baseBudget + text.length;
    for (const block of blocks) if (!this.blocks.has(block.name)) this.blocks.set(block.name, block);
  }

  /** While a network is evaluated for incremental analysis: what it does, to replay later. */
  private trace?: NetworkTrace;

  /** Starts recording what the next network's evaluation does (see `NetworkTrace`). */
  startTrace(): NetworkTrace {
    this.trace = { added: [], rememberedStatements: [], rememberedResults: [], rememberedCounts: new Map(), blocksRead: new Map(), spentBefore: this.spent, spent: 0 };
    return this.trace;
  }

  /** Stops recording; the trace holds the work spent. */
  endTrace(trace: NetworkTrace): void {
    trace.spent = this.spent - trace.spentBefore;
    trace.rememberedCounts = undefined;
    this.trace = undefined;
  }

  /** Work units spent so far. */
  get spentSoFar(): number {
    return this.spent;
  }

  /** Does again what a recorded network evaluation did to the shared state, without evaluating. */
  replay(trace: NetworkTrace): void {
    for (const d of trace.added) this.add(d);
    for (let i = 0; i < trace.rememberedStatements.length; i++) this.remember(trace.rememberedStatements[i], trace.rememberedResults[i]);
    this.spent += trace.spent;
  }

  /** How far the trace being recorded has got (see `TraceMark`); only while tracing. */
  traceMark(): TraceMark | undefined {
    const trace = this.trace;
    if (!trace) return undefined;
    return { added: trace.added.length, remembered: trace.rememberedStatements.length, blocksRead: trace.blocksRead.size, spent: this.spent - trace.spentBefore };
  }

  /**
   * Does again what the first part of a recorded network evaluation did, up
   * to `mark`, recording it in the trace now being recorded: incremental
   * analysis resumes a network's evaluation after an unchanged prefix of it.
   */
  replayUpTo(trace: NetworkTrace, mark: TraceMark): void {
    for (let i = 0; i < mark.added; i++) this.add(trace.added[i]);
    for (let i = 0; i < mark.remembered; i++) this.remember(trace.rememberedStatements[i], trace.rememberedResults[i]);
    let read = 0;
    for (const [name, block] of trace.blocksRead) {
      if (read++ >= mark.blocksRead) break;
      this.trace?.blocksRead.set(name, block);
    }
    this.spent += mark.spent;
  }

  /** The block a call names (the first declared with that name), recorded in the trace. */
  block(name: string): BlockDecl | undefined {
    const block = this.blocks.get(name);
    this.trace?.blocksRead.set(name, block);
    return block;
  }

  /**
   * The op cache's key for a call: its source text, after the names and
   * values of the scope it is evaluated in (a block's parameters). The text
   * fixes the op and its argument expressions, and the scope their values, so
   * with the same input shape an op computes the same outcome: caching it
   * changes no result.
   */
  opCacheKey(call: CallNode, env: ReadonlyMap<string, Value>): string {
    let scope = '';
    if (env.size > 0) {
      const known = this.scopeKeys.get(env);
      if (known !== undefined) scope = known;
      else {
        const parts: string[] = [];
        for (const [name, value] of env) parts.push(`${name}=${writtenExactly(value)}`);
        scope = parts.join(',');
        this.scopeKeys.set(env, scope);
      }
    }
    return `${scope}\u0000${this.textOf(call.range)}`;
  }

  /** The outcome cached for a call (by `opCacheKey`) on an input of this shape, if any. */
  cachedOp(key: string, inShape: number[]): CachedOp | undefined {
    const entries = this.opCache.get(key);
    if (!entries) return undefined;
    for (const entry of entries) if (sameShape(entry.inShape, inShape)) return entry;
    return undefined;
  }

  /** Keeps an op's outcome for later calls with the same key and input shape (up to the cache's size). */
  cacheOp(key: string, inShape: number[], entry: { outcome: OpOutcome; failed: boolean }): void {
    const entries = this.opCache.get(key);
    if (entries) {
      if (entries.length < cachedShapesPerCall) entries.push({ inShape, ...entry });
    } else if (this.opCache.size < cachedCallTexts) this.opCache.set(key, [{ inShape, ...entry }]);
  }

  /**
   * The memo of block calls, when calls may be memoised: not while a graph is
   * recorded, nor when blocks call each other in a cycle (see blockMemo.ts).
   */
  blockMemos(): BlockMemos | undefined {
    if (this.recorder.recording) return undefined;
    this.memos ??= new BlockMemos(blockMemoSettings.enabled && blocksAcyclic(this.blocks));
    return this.memos.enabled ? this.memos : undefined;
  }

  /** The memo of block calls while a call is being evaluated to be memoised (ops then note their steps), else undefined. */
  recordingBlockMemos(): BlockMemos | undefined {
    return this.memos && this.memos.recording > 0 ? this.memos : undefined;
  }

  /** Keeps a diagnostic, once. */
  add(d: Diagnostic): void {
    this.diagnosticsAdded++;
    this.trace?.added.push(d);
    const key = `${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
    if (!this.found.has(key)) this.found.set(key, d);
  }

  /** Every diagnostic kept, in the order found. */
  diagnostics(): Diagnostic[] {
    return [...this.found.values()];
  }

  /** The source text of a range (single or multi-line). */
  textOf = (range: Range): string => {
    const lines = (this.lines ??= splitLines(this.text));
    if (range.start.line === range.end.line) return (lines[range.start.line] ?? '').slice(range.start.character, range.end.character);
    const parts = [(lines[range.start.line] ?? '').slice(range.start.character)];
    for (let line = range.start.line + 1; line < range.end.line; line++) parts.push(lines[line] ?? '');
    parts.push((lines[range.end.line] ?? '').slice(0, range.end.character));
    return parts.join('\n');
  };

  /**
   * Reports where the contract says: inside a block call, at the outermost
   * call in the network, with the line inside the block as related information.
   */
  report(frame: Frame, code: DiagnosticCode, message: string, range: Range, fixes?: Fix[]): void {
    if (frame.calls.length === 0) {
      this.add(diagnostic(code, message, range, { fixes }));
      return;
    }
    const outer = frame.calls[0];
    const related: RelatedLocation[] = [{ message, range }];
    for (const call of frame.calls.slice(1).reverse()) related.push({ message: `called from block ${call.blockName} here`, range: call.range });
    const path = frame.calls.map((c) => c.blockName).join(' → ');
    this.add(diagnostic(code, `In block ${path} (line ${range.start.line + 1}): ${message}`, outer.range, { related }));
  }

  /** A statement's result; a failed or unknown one makes the graph incomplete. */
  result(
    statement: Statement,
    op: string,
    kind: StatementResult['kind'],
    input: Tensor | null,
    output: Tensor | null,
    params: ParamCounts,
    macs: number,
    activations: number,
    failed: boolean,
  ): StatementResult {
    if (failed || (!output && kind !== 'input')) this.recorder.incomplete();
    return {
      op,
      kind,
      statement,
      range: statement.range,
      inShape: input?.shape ?? null,
      outShape: output?.shape ?? null,
      params,
      macs,
      activations,
      receptiveField: output?.receptiveField ?? null,
      failed,
    };
  }

  /** Keeps an instance of a statement's result for hovers (a few per statement). */
  remember(statement: Statement, result: StatementResult): void {
    const list = this.instances.get(statement);
    if (!list) this.instances.set(statement, [result]);
    else if (list.length < instancesKept) list.push(result);
    const trace = this.trace;
    if (!trace) return;
    // A statement remembered before is counted (see `rememberedCounts`), and recorded while it has fewer than its first instances.
    const counts = trace.rememberedCounts;
    if (list && counts) {
      const recorded = counts.get(statement) ?? 0;
      if (recorded >= instancesKept) return;
      counts.set(statement, recorded + 1);
    }
    trace.rememberedStatements.push(statement);
    trace.rememberedResults.push(result);
  }

  /**
   * Whether remembering another instance of `statement` would keep nothing:
   * the analysis has its first instances, and so has the trace being
   * recorded. A replayed block call whose statements all keep nothing more
   * need not build their results before they are read (blockMemo.ts).
   */
  keepsNoMore(statement: Statement): boolean {
    const list = this.instances.get(statement);
    if (!list || list.length < instancesKept) return false;
    const counts = this.trace?.rememberedCounts;
    return !counts || (counts.get(statement) ?? 0) >= instancesKept;
  }

  /**
   * Spends the cost of evaluating a statement once; past the budget, the
   * network's analysis stops. Counting the argument nodes again at each
   * evaluation costs no more than the units it charges, so nothing is cached.
   */
  charge(statement: Statement): void {
    this.spend(this.statementCost(statement));
  }

  /** What evaluating a statement once costs (see `charge`). */
  statementCost(statement: Statement): number {
    let cost = 1;
    const body = statement.body;
    if (body.kind === 'call') {
      for (const argument of body.args) {
        const value = argument.value;
        cost += value.kind === 'binary' || value.kind === 'negate' || value.kind === 'tuple' ? expressionSize(value) : 1;
      }
    }
    return cost;
  }

  /** Spends work units; past the budget, the network's analysis stops. */
  spend(cost: number): void {
    this.spent += cost;
    if (this.spent > this.budget) throw new BudgetExceeded();
  }

  /** Goes one level deeper (a body); past `maxEvaluationDepth`, the network's analysis stops. Pair with `leave`. */
  enter(): void {
    if (++this.depth > maxEvaluationDepth) {
      this.depth--;
      throw new NestingExceeded();
    }
  }

  /** Comes back up one level. */
  leave(): void {
    this.depth--;
  }

  /** Opens a graph group inside the frame's current one (when recording); returns the frame to evaluate its body in. */
  openGroup(frame: Frame, kind: GraphGroup['kind'], label: string, range: Range): Frame {
    if (!this.recorder.recording) return frame;
    return { ...frame, group: this.recorder.openGroup(frame.group, kind, label, range) };
  }

  /** The tensor a label names, looking outwards through enclosing bodies; null when no label has that name or its statement failed. */
  labelTensor(frame: Frame, name: string): Tensor | null {
    for (let scope: LabelScope | undefined = frame.scope; scope; scope = scope.parent) {
      const tensor = scope.labels.get(name);
      if (tensor !== undefined) return tensor;
    }
    return null;
  }

  /** Merges the receptive fields of joined paths, reporting paths that are not aligned. */
  merge(fields: (ReceptiveField | null)[], statement: Statement, frame: Frame, what: string): ReceptiveField | null {
    const merged = mergeReceptiveFields(fields);
    if (merged.misaligned) {
      const described = fields.map((f) => (f ? `jump ${f.jump.join('x')}, centre ${f.start.map((s) => +s.toFixed(3)).join(',')}` : 'unknown')).join(' vs ');
      const range = statement.body.kind === 'call' ? statement.body.nameRange : 'keywordRange' in statement.body ? statement.body.keywordRange : statement.range;
      this.report(
        frame,
        'misaligned',
        `The paths merged by this ${what} see the input with different strides or centres (${described}), so their features are not spatially aligned; the receptive field is the union of theirs.`,
        range,
      );
    }
    return merged.field;
  }
}

/** How many nodes an expression has, counted without recursion. */
function expressionSize(root: Expr): number {
  let size = 0;
  const pending: Expr[] = [root];
  while (pending.length) {
    const expr = pending.pop()!;
    size++;
    if (expr.kind === 'binary') pending.push(expr.left, expr.right);
    else if (expr.kind === 'negate') pending.push(expr.operand);
    else if (expr.kind === 'tuple') pending.push(...expr.items);
  }
  return size;
}
