/**
 * Block calls memoised (issue 16: a megabyte of `B(8); B(8); …`): the second
 * and later calls of a block with the same argument values on an input of the
 * same shape replay what the first call's evaluation did, instead of
 * evaluating the body again.
 *
 * A replay gives what an evaluation would, object for object: every statement
 * of the body gets its own result, with the receptive field of this call's
 * input stepped through the same layers in the same order; the budget is
 * charged, the nesting depth checked, the blocks looked up and the instances
 * kept at the same points. So only bodies whose outcome depends on nothing
 * else are memoised: op calls whose receptive field is a step of their input's
 * (no merge, which compares paths) and nested calls of memoised blocks, that
 * reported nothing. Any other body (residuals, repeats, concats, merges,
 * anything reported) is evaluated at every call, as before. Nothing is
 * memoised while a graph is recorded (each call has its own nodes), nor in a
 * file whose blocks call each other in a cycle, where a call's outcome also
 * depends on the blocks being expanded around it.
 *
 * Once the analysis keeps no more instances of a body's statements for hovers
 * (their first 32), a replayed call's per-layer results are built only when
 * something reads them (the summary's nested rows, a copy to the server's
 * thread): a megabyte of calls then keeps one result per call, not three.
 */
import type { Tensor } from '../ops/types';
import { sameShape } from '../shape';
import type { BlockDecl, Statement } from '../syntax/ast';
import type { ReceptiveField, ReceptiveFieldStep, Value } from '../types';
import { stepReceptiveField } from './receptiveField';
import type { StatementResult } from './results';
import type { Totals } from './totals';

/**
 * What keeping and replaying a memo needs from the evaluation. It is the
 * part of `Evaluation` the memo uses, named here so that this file does not
 * import `evaluation.ts`, which imports it (the import graph has no cycles).
 */
export interface MemoHost {
  readonly blocks: ReadonlyMap<string, BlockDecl>;
  statementCost(statement: Statement): number;
  block(name: string): BlockDecl | undefined;
  remember(statement: Statement, result: StatementResult): void;
  keepsNoMore(statement: Statement): boolean;
  spend(cost: number): void;
  enter(): void;
  leave(): void;
}

/** Whether block calls are memoised; tests turn it off to compare with fresh evaluation. */
export const blockMemoSettings = { enabled: true };

/** How many argument values are kept per block, and input shapes per argument values. */
const memoisedArguments = 1024;
const memoisedShapes = 8;

/** One statement of a memoised body: its result without the receptive field, and how to make that field. */
type StatementTemplate =
  | { kind: 'op'; statement: Statement; cost: number; result: StatementResult; step: ReceptiveFieldStep | null }
  | { kind: 'block'; statement: Statement; cost: number; block: BlockDecl; memo: BlockMemo };

/** What one call of a block did, for the calls after it with the same argument values and input shape. */
export interface BlockMemo {
  inShape: number[];
  body: StatementTemplate[];
  /** The body's output shape (null when it failed) and its totals. */
  outShape: number[] | null;
  totals: Totals;
  /** Whether the call failed (its input was known and its output is not). */
  failed: boolean;
  /** Every statement a replay remembers an instance of (the body's, and the bodies' of the calls in it), each once. */
  remembered: Statement[];
}

/**
 * The memo of one analysis: memos by block and argument values, and, while
 * bodies are evaluated to be memoised, each op's receptive-field step and each
 * memoised call's memo, by result.
 */
export class BlockMemos {
  private readonly byBlock = new Map<BlockDecl, Map<string, BlockMemo[]>>();
  private readonly steps = new WeakMap<StatementResult, ReceptiveFieldStep>();
  private readonly memoOf = new WeakMap<StatementResult, BlockMemo>();
  /** How many block calls are being evaluated to be memoised (ops note their steps only then). */
  recording = 0;
  /** How many calls were replayed (nested ones included), for tests. */
  replays = 0;

  constructor(readonly enabled: boolean) {}

  /** Notes the receptive-field step that made an op's result (while recording). */
  noteStep(result: StatementResult, step: ReceptiveFieldStep): void {
    this.steps.set(result, step);
  }

  /** The memo of a call of `block` with these argument values on an input of this shape, if any. */
  find(block: BlockDecl, key: string, inShape: number[]): BlockMemo | undefined {
    const memos = this.byBlock.get(block)?.get(key);
    if (!memos) return undefined;
    for (const memo of memos) if (sameShape(memo.inShape, inShape)) return memo;
    return undefined;
  }

  /** Notes that `result` is a call that this memo describes (a nested call's memo, for the body around it: only while recording). */
  describe(result: StatementResult, memo: BlockMemo): void {
    this.memoOf.set(result, memo);
  }

  /**
   * Keeps what a call's evaluation gave, when its body reported nothing and
   * can be replayed (see the file's comment); returns the memo, or undefined.
   */
  keep(evaluation: MemoHost, block: BlockDecl, key: string, input: Tensor, results: StatementResult[], output: Tensor | null, totals: Totals, failed: boolean): BlockMemo | undefined {
    const body: StatementTemplate[] = [];
    const remembered = new Set<Statement>();
    for (let i = 0; i < block.body.length; i++) {
      const statement = block.body[i];
      const result = results[i];
      if (statement.body.kind !== 'call' || !result || result.statement !== statement) return undefined;
      const cost = evaluation.statementCost(statement);
      if (result.kind === 'block') {
        const memo = this.memoOf.get(result);
        const called = evaluation.blocks.get(statement.body.name);
        if (!memo || !called) return undefined;
        body.push({ kind: 'block', statement, cost, block: called, memo });
        for (const inner of memo.remembered) remembered.add(inner);
      } else if (result.kind === 'op') {
        const step = result.outShape ? this.steps.get(result) : null;
        if (step === undefined) return undefined;
        body.push({ kind: 'op', statement, cost, result, step });
      } else return undefined;
      remembered.add(statement);
    }
    const memo: BlockMemo = { inShape: input.shape, body, outShape: output?.shape ?? null, totals, failed, remembered: [...remembered] };
    let byKey = this.byBlock.get(block);
    if (!byKey) this.byBlock.set(block, (byKey = new Map()));
    const memos = byKey.get(key);
    if (memos) {
      if (memos.length < memoisedShapes) memos.push(memo);
    } else if (byKey.size < memoisedArguments) byKey.set(key, [memo]);
    return memo;
  }

  /**
   * A call at `statement` of `block` on `input` that `memo` describes: its
   * output and result, with the same effects on the evaluation as evaluating
   * its body (see `replay`). When the analysis keeps no more instances of the
   * body's statements, as after a block's first calls, the results of the
   * statements inside are built only when read (`replayedBodyResult`): most
   * of a megabyte of calls is never looked inside.
   */
  replayCall(evaluation: MemoHost, statement: Statement, block: BlockDecl, memo: BlockMemo, input: Tensor): { output: Tensor | null; result: StatementResult } {
    if (!keepsNoneOf(evaluation, memo.remembered)) {
      const replayed = this.replay(evaluation, memo, input);
      return { output: replayed.output, result: blockResult(statement, block, memo, input, replayed.results, replayed.output) };
    }
    const outField = this.replayUnseen(evaluation, memo, input.receptiveField);
    const output = memo.outShape ? { shape: memo.outShape, receptiveField: outField } : null;
    return { output, result: replayedBodyResult(statement, block, memo, input.shape, input.receptiveField, outField) };
  }

  /**
   * Does what evaluating the body of a call at `statement` on `input` did
   * (`memo`): the same work charged and depth entered, the same blocks looked
   * up and instances kept, a result per statement with this input's receptive
   * field. Returns the body's output and its results.
   */
  replay(evaluation: MemoHost, memo: BlockMemo, input: Tensor): { output: Tensor | null; results: StatementResult[] } {
    this.replays++;
    evaluation.enter();
    try {
      let field: ReceptiveField | null = input.receptiveField;
      const results: StatementResult[] = new Array(memo.body.length);
      for (let i = 0; i < memo.body.length; i++) {
        const template = memo.body[i];
        evaluation.spend(template.cost);
        let result: StatementResult;
        if (template.kind === 'op') {
          const shown = template.result;
          field = template.step && field ? stepReceptiveField(field, template.step) : null;
          result = replayedOpResult(shown, field);
        } else {
          evaluation.block(template.block.name);
          evaluation.spend(template.block.params.length);
          const nested = template.memo;
          const nestedInput: Tensor = { shape: nested.inShape, receptiveField: field };
          const inner = this.replay(evaluation, nested, nestedInput);
          result = blockResult(template.statement, template.block, nested, nestedInput, inner.results, inner.output);
          field = inner.output?.receptiveField ?? null;
          if (this.recording > 0) this.describe(result, nested);
        }
        evaluation.remember(template.statement, result);
        results[i] = result;
      }
      return { output: memo.outShape ? { shape: memo.outShape, receptiveField: field } : null, results };
    } finally {
      evaluation.leave();
    }
  }

  /**
   * `replay` for a body whose statements' instances are all kept already:
   * the same work charged, depth entered and blocks looked up, without the
   * results. Returns the receptive field of the body's output (null when it
   * has none).
   */
  private replayUnseen(evaluation: MemoHost, memo: BlockMemo, input: ReceptiveField | null): ReceptiveField | null {
    this.replays++;
    evaluation.enter();
    try {
      let field = input;
      for (const template of memo.body) {
        evaluation.spend(template.cost);
        if (template.kind === 'op') field = template.step && field ? stepReceptiveField(field, template.step) : null;
        else {
          evaluation.block(template.block.name);
          evaluation.spend(template.block.params.length);
          field = this.replayUnseen(evaluation, template.memo, field);
        }
      }
      return memo.outShape ? field : null;
    } finally {
      evaluation.leave();
    }
  }
}

/** Whether the analysis keeps no more instances of any of these statements (a loop: no closure per replayed call). */
function keepsNoneOf(evaluation: MemoHost, statements: Statement[]): boolean {
  for (const statement of statements) if (!evaluation.keepsNoMore(statement)) return false;
  return true;
}

/**
 * What `replay` builds for a memoised body on an input with field `input`,
 * without its effects on the evaluation: the statements' results, and the
 * receptive field of the body's output (null when it has none).
 */
function bodyResults(memo: BlockMemo, input: ReceptiveField | null): { results: StatementResult[]; field: ReceptiveField | null } {
  let field = input;
  const results: StatementResult[] = new Array(memo.body.length);
  for (let i = 0; i < memo.body.length; i++) {
    const template = memo.body[i];
    if (template.kind === 'op') {
      field = template.step && field ? stepReceptiveField(field, template.step) : null;
      results[i] = replayedOpResult(template.result, field);
    } else {
      const nested = template.memo;
      const inner = bodyResults(nested, field);
      const innerOutput = nested.outShape ? { shape: nested.outShape, receptiveField: inner.field } : null;
      results[i] = blockResult(template.statement, template.block, nested, { shape: nested.inShape, receptiveField: field }, inner.results, innerOutput);
      field = inner.field;
    }
  }
  return { results, field: memo.outShape ? field : null };
}

/** Where a replayed call's result keeps what its body's results are built from, until they are read (not enumerable: not copied, sent or compared). */
const replayedBody = 'replayedBody';

/** What a replayed call's body results are built from: the memo and the receptive field of the call's input; then the built `parts`. */
interface ReplayedBody {
  memo: BlockMemo;
  input: ReceptiveField | null;
  parts?: StatementResult['parts'];
}

/** The descriptor of the place a replayed call's result keeps its `ReplayedBody` (set just before each use). */
const hiddenBody: PropertyDescriptor = { value: undefined, writable: false, enumerable: false, configurable: false };

/**
 * `parts` of a replayed call's result, as an own enumerable property that builds the body's results when first read.
 * They are kept in the hidden `ReplayedBody`, not by redefining `parts` on the result: a redefined property turns
 * the result into a slow dictionary object, and a megabyte of calls's summary table read 225,000 of them (a third of
 * its time went to the getter and the garbage it left).
 */
const replayedParts: PropertyDescriptor = {
  get(this: StatementResult & { [replayedBody]: ReplayedBody }) {
    const hidden = this[replayedBody];
    // `in`, not `??=`: parts set to undefined stay undefined, as on any other result.
    if (!('parts' in hidden)) hidden.parts = [{ name: this.op, results: bodyResults(hidden.memo, hidden.input).results }];
    return hidden.parts;
  },
  set(this: StatementResult & { [replayedBody]: ReplayedBody }, parts: StatementResult['parts']) {
    this[replayedBody].parts = parts;
  },
  enumerable: true,
  configurable: true,
};

/**
 * A replayed call's result, as `blockResult` gives it, whose `parts` (the
 * body's results) are built when first read. It is a plain object: its
 * keys, a copy of it (spread, JSON, structured clone to the server's
 * thread) and a comparison see the same as of `blockResult`'s. The getter
 * and the place it reads from are each one shared definition, so that V8
 * gives every such result one hidden class.
 */
function replayedBodyResult(statement: Statement, block: BlockDecl, memo: BlockMemo, inShape: number[], inField: ReceptiveField | null, outField: ReceptiveField | null): StatementResult {
  const result: StatementResult = {
    op: block.name,
    kind: 'block',
    statement,
    range: statement.range,
    inShape,
    outShape: memo.outShape,
    params: memo.totals.params,
    macs: memo.totals.macs,
    activations: memo.totals.activations,
    receptiveField: memo.outShape ? outField : null,
    failed: memo.failed,
  };
  // One descriptor serves every call (defineProperty reads it and keeps nothing of it): a hundred thousand calls allocate none.
  hiddenBody.value = { memo, input: inField } satisfies ReplayedBody;
  Object.defineProperty(result, replayedBody, hiddenBody);
  hiddenBody.value = undefined;
  Object.defineProperty(result, 'parts', replayedParts);
  return result;
}

/** A block call's result, as `evaluateBlockCall` builds it from its body's. */
function blockResult(statement: Statement, block: BlockDecl, memo: BlockMemo, input: Tensor, results: StatementResult[], output: Tensor | null): StatementResult {
  // `parts` is written in the literal, after `failed` as `evaluateBlockCall` adds it: a property added later would
  // cost each of a hundred thousand calls a second allocation (see `replayedOpResult`).
  return {
    op: block.name,
    kind: 'block',
    statement,
    range: statement.range,
    inShape: input.shape,
    outShape: output?.shape ?? null,
    params: memo.totals.params,
    macs: memo.totals.macs,
    activations: memo.totals.activations,
    receptiveField: output?.receptiveField ?? null,
    failed: memo.failed,
    parts: [{ name: block.name, results }],
  };
}

/**
 * An op's result in a replayed body: the first call's, with this call's
 * receptive field. It has the keys `evaluateOp` gives, in its order (`formula`
 * last, when there is one), each written in one object literal: V8 makes a
 * literal exactly as large as its keys, so a key added afterwards would need
 * a second allocation, which a megabyte of calls makes hundreds of thousands.
 */
function replayedOpResult(shown: StatementResult, field: ReceptiveField | null): StatementResult {
  if (shown.formula) {
    return {
      op: shown.op,
      kind: shown.kind,
      statement: shown.statement,
      range: shown.range,
      inShape: shown.inShape,
      outShape: shown.outShape,
      params: shown.params,
      macs: shown.macs,
      activations: shown.activations,
      receptiveField: field,
      failed: shown.failed,
      formula: shown.formula,
    };
  }
  return {
    op: shown.op,
    kind: shown.kind,
    statement: shown.statement,
    range: shown.range,
    inShape: shown.inShape,
    outShape: shown.outShape,
    params: shown.params,
    macs: shown.macs,
    activations: shown.activations,
    receptiveField: field,
    failed: shown.failed,
  };
}

/** The key of a call's argument values: different values are written differently (their kind, and -0 apart from 0). */
export function argumentsKey(env: ReadonlyMap<string, Value>): string {
  let key = '';
  for (const [name, value] of env) key += `${name}=${writtenExactly(value)},`;
  return key;
}

/** A value written so that different values are written differently, for cache keys. */
export function writtenExactly(value: Value): string {
  switch (value.kind) {
    case 'number':
      return Object.is(value.value, -0) ? 'n-0' : `n${value.value}`;
    case 'shape':
      return `s${value.dims.map((d) => (d === null ? '?' : Object.is(d, -0) ? '-0' : String(d))).join('x')}`;
    case 'string':
      return `t${JSON.stringify(value.value)}`;
    case 'bool':
      return `b${value.value}`;
    case 'name':
      return `m${value.name}`;
    case 'tuple':
      return `(${value.items.map(writtenExactly).join(',')})`;
  }
}

/** What a replayed call's result keeps in its hidden record; undefined for a result that was not replayed. */
function replayedBodyOf(result: StatementResult): ReplayedBody | undefined {
  return (result as StatementResult & { [replayedBody]?: ReplayedBody })[replayedBody];
}

/**
 * A result's `parts` for one reading: a replayed call's body results are built
 * and not kept, where reading `parts` keeps them on the result. The summary
 * table reads each call's body once, and keeping 450,000 body results of a
 * megabyte of calls made the garbage collector copy them all (young objects
 * that survive are copied), most of that table's time.
 */
export function partsForOneReading(result: StatementResult): StatementResult['parts'] {
  const hidden = replayedBodyOf(result);
  if (!hidden || 'parts' in hidden) return result.parts;
  return [{ name: result.op, results: bodyResults(hidden.memo, hidden.input).results }];
}

/**
 * The memo a replayed call's result was replayed from, or undefined for a
 * result that was not replayed. Calls replayed from one memo have the same
 * body results but for their receptive fields, so a reader that needs no
 * receptive field (the summary table's column widths) reads one such body.
 */
export function replayedFrom(result: StatementResult): object | undefined {
  return replayedBodyOf(result)?.memo;
}

/**
 * How many layers a replayed call's result stands for in a recorded graph (one per op of the memoised body, nested
 * calls expanded), read from its memo without building the body's results; undefined for a result that was not
 * replayed. `counts` keeps each memo's count, as a megabyte of calls shares a few memos.
 */
export function replayedLayerCount(result: StatementResult, counts: Map<BlockMemo, number>): number | undefined {
  const hidden = replayedBodyOf(result);
  return hidden ? memoLayerCount(hidden.memo, counts) : undefined;
}

function memoLayerCount(memo: BlockMemo, counts: Map<BlockMemo, number>): number {
  let count = counts.get(memo);
  if (count !== undefined) return count;
  count = 0;
  // A memoised body holds only ops that succeeded (no merges) and calls of memoised blocks.
  for (const template of memo.body) count += template.kind === 'op' ? 1 : memoLayerCount(template.memo, counts);
  counts.set(memo, count);
  return count;
}
