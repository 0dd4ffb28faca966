/**
 * Shape inference and counting: evaluates every network statement by
 * statement, expanding block calls, repeats, residuals and concats, and
 * collects diagnostics. Never throws on user input; errors do not cascade
 * (a statement whose input is unknown is skipped quietly).
 */
import { compareRanges, diagnostic, diagnosticSeverity, type Diagnostic, type DiagnosticCode, type Fix, type Range, type RelatedLocation } from '../diagnostics';
import { findOp, allArgs } from '../ops/registry';
import type { OpContext, OpDefinition, OpOutcome, Tensor } from '../ops/types';
import type { BlockDecl, CallNode, Expr, NetworkDecl, SourceFile, Statement } from '../syntax/ast';
import { splitLines } from '../syntax/lineIndex';
import { parse } from '../syntax/parse';
import type { Attributes, GraphFieldRule, ParamCounts, ReceptiveField, Value } from '../types';
import { inputReceptiveField, mergeReceptiveFields, stepReceptiveField } from './receptiveField';
import type { GraphGroup, GraphNode, NetworkGraph } from './graph';
import type { Analysis, NetworkAnalysis, StatementResult } from './results';
import { axesName, elementCount, formatShape, matchesAssertion, sameShape } from '../shape';
import { checkStatically } from './staticChecks';
import { describeValue, evaluate, formatValue, isError, maxExact } from './values';

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

/** Labels visible in a body: its own, then its enclosing bodies' (but never a caller's). */
interface LabelScope {
  labels: Map<string, Tensor | null>;
  parent?: LabelScope;
}

/** A block call on the way from the network down to the statement being evaluated. */
interface CallSite {
  blockName: string;
  range: Range;
}

interface Frame {
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

/** Options for `analyze`. */
export interface AnalyzeOptions {
  /**
   * Also build each network's expanded dataflow graph (`Analysis.graphs`).
   * Repeats are then evaluated pass by pass instead of fast-forwarded, so
   * this costs more; the preview asks for it, the editor features do not.
   */
  graph?: boolean;
}

class BudgetExceeded extends Error {}
class NestingExceeded extends Error {}

/**
 * Analyses source text: parse, check, infer shapes and count. Never throws:
 * a fault of CNN Lens itself becomes an `internal-error` diagnostic, so one
 * file can never take an editor's other files down with it.
 */
export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  try {
    if (typeof text !== 'string') throw new TypeError(`analyze() needs text, not ${text === null ? 'null' : typeof text}`);
    const parsed = parse(text);
    return new Analyzer(text, parsed.file, parsed.diagnostics, options.graph === true).run();
  } catch (error) {
    return failedAnalysis(error, options.graph === true);
  }
}

/** The analysis of a file CNN Lens failed on: no networks, and one diagnostic that says what broke. */
function failedAnalysis(error: unknown, withGraphs: boolean): Analysis {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const start = { line: 0, character: 0 };
  const analysis: Analysis = {
    file: { networks: [], blocks: [], comments: [] },
    diagnostics: [diagnostic('internal-error', `CNN Lens failed while analysing this file (${reason}). This is a bug in CNN Lens, not in the file; please report it with the file.`, { start, end: start })],
    networks: [],
    instances: new Map(),
  };
  if (withGraphs) analysis.graphs = [];
  return analysis;
}

class Analyzer {
  private readonly lines: string[];
  private readonly found = new Map<string, Diagnostic>();
  private readonly blocks = new Map<string, BlockDecl>();
  private readonly instances = new Map<Statement, StatementResult[]>();
  /** Work units spent so far, against `budget`. */
  private spent = 0;
  private readonly budget: number;
  /** How deep block calls and nested bodies are at the statement being evaluated. */
  private depth = 0;
  private readonly statementCosts = new WeakMap<Statement, number>();
  /** The graph of the network being analysed, when recording graphs. */
  private graph: NetworkGraph | null = null;
  /** The top-level statement being evaluated, for `GraphNode.statement`. */
  private statementIndex = 0;
  private readonly graphs: NetworkGraph[] = [];

  constructor(
    text: string,
    private readonly file: SourceFile,
    syntaxDiagnostics: Diagnostic[],
    private readonly recordGraphs = false,
  ) {
    this.lines = splitLines(text);
    this.budget = baseBudget + text.length;
    for (const d of syntaxDiagnostics) this.add(d);
    for (const block of file.blocks) if (!this.blocks.has(block.name)) this.blocks.set(block.name, block);
  }

  run(): Analysis {
    for (const d of checkStatically(this.file, this.blocks)) this.add(d);
    const networks = this.file.networks.map((network) => this.analyzeNetwork(network));
    const diagnostics = [...this.found.values()].sort((a, b) => compareRanges(a.range, b.range));
    const analysis: Analysis = { file: this.file, diagnostics, networks, instances: this.instances };
    if (this.recordGraphs) analysis.graphs = this.graphs;
    return analysis;
  }

  private add(d: Diagnostic): void {
    const key = `${d.code}|${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}|${d.message}`;
    if (!this.found.has(key)) this.found.set(key, d);
  }

  /** The source text of a range (single or multi-line). */
  private textOf = (range: Range): string => {
    if (range.start.line === range.end.line) return (this.lines[range.start.line] ?? '').slice(range.start.character, range.end.character);
    const parts = [(this.lines[range.start.line] ?? '').slice(range.start.character)];
    for (let line = range.start.line + 1; line < range.end.line; line++) parts.push(this.lines[line] ?? '');
    parts.push((this.lines[range.end.line] ?? '').slice(0, range.end.character));
    return parts.join('\n');
  };

  /**
   * Reports where the contract says: inside a block call, at the outermost
   * call in the network, with the line inside the block as related information.
   */
  private report(frame: Frame, code: DiagnosticCode, message: string, range: Range, fixes?: Fix[]): void {
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

  private analyzeNetwork(network: NetworkDecl): NetworkAnalysis {
    const frame: Frame = { env: new Map(), scope: { labels: new Map() }, calls: [], expanding: new Set() };
    const statements: StatementResult[] = [];
    this.statementIndex = 0;
    this.graph = this.recordGraphs ? { name: network.name, nodes: [], groups: [], output: null, complete: true } : null;
    const [first, ...rest] = network.body;
    let input: number[] | null = null;
    let current: Tensor | null = null;
    let body = network.body;
    if (first && first.body.kind === 'call' && first.body.name === 'input') {
      input = this.inputShape(first.body, frame);
      current = input ? { shape: input, receptiveField: inputReceptiveField(input.length - 1) } : null;
      if (current && this.graph) current.node = this.addNode({ op: 'input', written: 'input', inputs: [], outShape: input!, range: first.range, label: first.label?.name }, frame);
      const result = this.result(first, 'input', 'input', null, current, { trainable: 0, nonTrainable: 0 }, 0, 0, !input);
      this.checkAssertion(first, result, frame, undefined);
      if (first.label) frame.scope.labels.set(first.label.name, current);
      statements.push(result);
      this.remember(first, result);
      body = rest;
    } else {
      this.add(
        diagnostic('missing-arg', `Network ${network.name} needs input(SHAPE) as its first statement, e.g. input(3x224x224) (channels x height x width, no batch).`, network.nameRange),
      );
    }
    let lastField: ReceptiveField | null = current?.receptiveField ?? null;
    let stopped = false;
    for (const statement of body) {
      this.statementIndex++;
      let evaluated: { output: Tensor | null; result: StatementResult };
      try {
        evaluated = this.evaluateStatement(statement, current, frame);
      } catch (error) {
        if (!(error instanceof BudgetExceeded || error instanceof NestingExceeded)) throw error;
        const why =
          error instanceof BudgetExceeded
            ? `Analysing this costs more than ${this.budget.toLocaleString('en-US')} steps (layer evaluations and their arguments, through nested repeats or block calls)`
            : `Block calls and nested bodies here go deeper than ${maxEvaluationDepth} levels`;
        this.add(diagnostic('too-large', `${why}; CNN Lens stops analysing ${network.name} here, so its output and totals are unknown.`, statement.range));
        if (this.graph) this.graph.complete = false;
        stopped = true;
        break;
      }
      statements.push(evaluated.result);
      current = evaluated.output;
      if (current?.receptiveField) lastField = current.receptiveField;
    }
    if (this.graph) {
      this.graph.output = current?.node ?? null;
      if (current?.node === undefined) this.graph.complete = false;
      this.graphs.push(this.graph);
      this.graph = null;
    }
    if (stopped) {
      // What was counted so far is not the network's: past the statement that stopped, nothing is known.
      return {
        name: network.name,
        declaration: network,
        input,
        output: null,
        params: zeroParams(),
        macs: 0,
        activations: 0,
        receptiveField: null,
        statements,
        stopped: true,
      };
    }
    const totals = sumResults(statements);
    for (const count of [totals.params.trainable + totals.params.nonTrainable, totals.macs, totals.activations]) {
      if (count > maxExact) {
        this.add(diagnostic('too-large', `Network ${network.name} counts past 2^53 (${count.toExponential(3)}), beyond exact arithmetic; totals are approximate.`, network.nameRange));
        break;
      }
    }
    return {
      name: network.name,
      declaration: network,
      input,
      output: current?.shape ?? null,
      params: totals.params,
      macs: totals.macs,
      activations: totals.activations,
      receptiveField: lastField,
      statements,
    };
  }

  /** Reads `input(3x224x224)` or `input(3, 224, 224)`. */
  private inputShape(call: CallNode, frame: Frame): number[] | null {
    const values: Value[] = [];
    for (const argument of call.args) {
      const value = evaluate(argument.value, frame.env, this.textOf);
      if (isError(value)) {
        this.report(frame, value.tooLarge ? 'too-large' : 'bad-value', value.message, value.range);
        return null;
      }
      values.push(value);
    }
    let dims: (number | null)[] | undefined;
    if (values.length === 1 && values[0].kind === 'shape') dims = values[0].dims;
    else if (values.length >= 1 && values.every((v) => v.kind === 'number')) dims = values.map((v) => (v.kind === 'number' ? v.value : null));
    else if (values.length === 1 && values[0].kind === 'tuple') dims = values[0].items.map((v) => (v.kind === 'number' ? v.value : null));
    if (!dims || dims.length < 1 || dims.length > 4 || dims.some((d) => d === null || !Number.isInteger(d) || d < 1)) {
      this.report(
        frame,
        call.args.length === 0 ? 'missing-arg' : 'bad-value',
        'input needs a shape of 1 to 4 positive whole numbers, channels first and without the batch: input(3x224x224), input(1x16000), input(3x16x112x112).',
        call.range,
      );
      return null;
    }
    return dims as number[];
  }

  private result(
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
    if (this.graph && (failed || (!output && kind !== 'input'))) this.graph.complete = false;
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

  private remember(statement: Statement, result: StatementResult): void {
    const list = this.instances.get(statement);
    if (!list) this.instances.set(statement, [result]);
    else if (list.length < instancesKept) list.push(result);
  }

  /** Records a graph node (when recording) and returns its id. */
  private addNode(
    node: {
      op: string;
      written: string;
      inputs: Tensor[];
      outShape: number[];
      range: Range;
      label?: string;
      attributes?: Attributes;
      params?: ParamCounts;
      macs?: number;
      failed?: boolean;
      field?: GraphFieldRule;
    },
    frame: Frame,
  ): number | undefined {
    const graph = this.graph;
    if (!graph) return undefined;
    if (node.inputs.some((t) => t.node === undefined)) {
      // An input came from a failed statement's asserted shape: there is nothing to run it on.
      graph.complete = false;
      return undefined;
    }
    const recorded: GraphNode = {
      id: graph.nodes.length,
      op: node.op,
      written: node.written,
      inputs: node.inputs.map((t) => t.node as number),
      inShapes: node.inputs.map((t) => t.shape),
      outShape: node.outShape,
      attributes: node.attributes ?? {},
      params: node.params ?? zeroParams(),
      macs: node.macs ?? 0,
      range: node.range,
      statement: this.statementIndex,
    };
    if (frame.group !== undefined) recorded.group = frame.group;
    if (node.label !== undefined) recorded.label = node.label;
    if (node.field !== undefined) recorded.field = node.field;
    if (node.failed) {
      recorded.failed = true;
      graph.complete = false;
    }
    graph.nodes.push(recorded);
    return recorded.id;
  }

  /** Opens a graph group inside the frame's current one (when recording); returns the frame to evaluate its body in. */
  private openGroup(frame: Frame, kind: GraphGroup['kind'], label: string, range: Range): Frame {
    const graph = this.graph;
    if (!graph) return frame;
    const group: GraphGroup = { id: graph.groups.length, kind, label, range };
    if (frame.group !== undefined) group.parent = frame.group;
    graph.groups.push(group);
    return { ...frame, group: group.id };
  }

  private evaluateBody(statements: Statement[], input: Tensor | null, frame: Frame): { output: Tensor | null; results: StatementResult[] } {
    if (++this.depth > maxEvaluationDepth) {
      this.depth--;
      throw new NestingExceeded();
    }
    try {
      let current = input;
      const results: StatementResult[] = [];
      for (const statement of statements) {
        const evaluated = this.evaluateStatement(statement, current, frame);
        results.push(evaluated.result);
        current = evaluated.output;
      }
      return { output: current, results };
    } finally {
      this.depth--;
    }
  }

  /** Spends the cost of evaluating a statement once; past the budget, the network's analysis stops. */
  private charge(statement: Statement): void {
    let cost = this.statementCosts.get(statement);
    if (cost === undefined) {
      cost = 1;
      if (statement.body.kind === 'call') for (const argument of statement.body.args) cost += expressionSize(argument.value);
      this.statementCosts.set(statement, cost);
    }
    this.spend(cost);
  }

  private spend(cost: number): void {
    this.spent += cost;
    if (this.spent > this.budget) throw new BudgetExceeded();
  }

  private evaluateStatement(statement: Statement, input: Tensor | null, frame: Frame): { output: Tensor | null; result: StatementResult } {
    this.charge(statement);
    const evaluated = this.evaluateBodyOf(statement, input, frame);
    let output = evaluated.output;
    const result = evaluated.result;
    if (statement.assertion) output = this.checkAssertion(statement, result, frame, evaluated.outcome) ?? output;
    if (statement.label) {
      frame.scope.labels.set(statement.label.name, output);
      if (this.graph && output?.node !== undefined) this.graph.nodes[output.node].label ??= statement.label.name;
    }
    this.remember(statement, result);
    return { output, result };
  }

  /**
   * Checks `-> SHAPE`. When the statement failed but the assertion names a
   * whole shape, returns that shape so later statements are still analysed.
   */
  private checkAssertion(statement: Statement, result: StatementResult, frame: Frame, outcome: OpOutcome | undefined): Tensor | undefined {
    const assertion = statement.assertion;
    if (!assertion) return undefined;
    if (!result.outShape) {
      if (result.failed && assertion.dims.every((d) => d !== null)) return { shape: assertion.dims as number[], receptiveField: null };
      return undefined;
    }
    if (matchesAssertion(result.outShape, assertion.dims)) return undefined;
    const computed = formatShape(result.outShape);
    let message = `Expected ${formatShape(assertion.dims)} but ${result.op} gives ${computed}`;
    if (result.formula?.length && assertion.dims.length === result.outShape.length) {
      const wrongAxes = result.formula.filter((_, i) => assertion.dims[i + 1] !== null && assertion.dims[i + 1] !== result.outShape![i + 1]);
      const unique = [...new Set(wrongAxes)];
      if (unique.length) message += `: ${unique.join('; ')}`;
    }
    message += '.';
    const fixes: Fix[] = [{ title: `Change the assertion to -> ${computed}`, edits: [{ range: assertion.range, newText: computed }], preferred: true }];
    // Padding and stride change only the spatial sizes: with the channels wrong too, no such change can fix the assertion.
    const channelsAgree = assertion.dims.length === result.outShape.length && (assertion.dims[0] === null || assertion.dims[0] === result.outShape[0]);
    const suggestion = channelsAgree ? outcome?.suggest?.(assertion.dims) : undefined;
    if (suggestion && statement.body.kind === 'call') {
      message += ` ${suggestion.name}=${suggestion.value} gives ${formatShape([result.outShape[0], ...suggestion.gives])}.`;
      fixes.push({
        title: `Set ${suggestion.name}=${suggestion.value} (gives ${formatShape([result.outShape[0], ...suggestion.gives])})`,
        edits: [argumentEdit(statement.body, suggestion.name, suggestion.value, this.textOf)],
      });
    }
    this.report(frame, 'shape-mismatch', message, assertion.range, fixes);
    return undefined;
  }

  private evaluateBodyOf(
    statement: Statement,
    input: Tensor | null,
    frame: Frame,
  ): { output: Tensor | null; result: StatementResult; outcome?: OpOutcome } {
    const body = statement.body;
    switch (body.kind) {
      case 'call': {
        if (body.name === 'input') {
          // Reported statically: input belongs only at the top of a network.
          return { output: input, result: this.result(statement, 'input', 'input', input, input, zeroParams(), 0, 0, true) };
        }
        const op = findOp(body.name);
        if (op) return this.evaluateOp(statement, body, op, input, frame);
        const block = this.blocks.get(body.name);
        if (block) return this.evaluateBlockCall(statement, body, block, input, frame);
        return { output: null, result: this.result(statement, body.name, 'op', input, null, zeroParams(), 0, 0, true) };
      }
      case 'repeat':
        return this.evaluateRepeat(statement, input, frame);
      case 'residual': {
        const bodyScope = { labels: new Map(), parent: frame.scope };
        frame = this.openGroup(frame, 'residual', 'residual', statement.range);
        const main = this.evaluateBody(body.body, input, { ...frame, scope: bodyScope });
        const parts = [{ name: 'body', results: main.results }];
        let shortcutOutput = input;
        if (body.shortcut) {
          const shortcut = this.evaluateBody(body.shortcut, input, { ...frame, scope: { labels: new Map(), parent: frame.scope } });
          shortcutOutput = shortcut.output;
          parts.push({ name: 'shortcut', results: shortcut.results });
        }
        const totals = sumResults(parts.flatMap((p) => p.results));
        let output: Tensor | null = null;
        let failed = false;
        if (main.output && shortcutOutput) {
          if (!sameShape(main.output.shape, shortcutOutput.shape)) {
            failed = true;
            this.reportResidualMismatch(statement, body.shortcut !== undefined, input, main.output, shortcutOutput, frame);
          } else {
            const merged = this.merge([main.output.receptiveField, shortcutOutput.receptiveField], statement, frame, 'residual');
            output = { shape: main.output.shape, receptiveField: merged };
            output.node = this.addNode({ op: 'add', written: 'residual', inputs: [main.output, shortcutOutput], outShape: output.shape, range: body.keywordRange, field: { kind: 'merge' } }, frame);
          }
        }
        const result = this.result(statement, 'residual', 'residual', input, output, totals.params, totals.macs, totals.activations, failed);
        result.parts = parts;
        return { output, result };
      }
      case 'concatBlock': {
        frame = this.openGroup(frame, 'concat', 'concat', statement.range);
        const parts = body.branches.map((branch, i) => ({
          name: `branch ${i + 1}`,
          results: [] as StatementResult[],
          output: null as Tensor | null,
          branch,
        }));
        for (const part of parts) {
          const evaluated = this.evaluateBody(part.branch.body, input, { ...frame, scope: { labels: new Map(), parent: frame.scope } });
          part.results = evaluated.results;
          part.output = part.branch.body.length ? evaluated.output : input;
        }
        const totals = sumResults(parts.flatMap((p) => p.results));
        let output: Tensor | null = null;
        let failed = false;
        if (parts.length === 0) {
          failed = true;
          this.report(frame, 'missing-arg', 'concat { } needs at least one branch { ... } inside.', body.keywordRange);
        } else if (parts.every((p) => p.output)) {
          const shapes = parts.map((p) => p.output!.shape);
          const sameRest = shapes.every((s) => sameShape(s.slice(1), shapes[0].slice(1)));
          if (!sameRest) {
            failed = true;
            this.report(
              frame,
              'merge-mismatch',
              `concat joins branches on the channel axis, so every other axis must match, but ${parts.map((p, i) => `branch ${i + 1} gives ${formatShape(p.output!.shape)}`).join(', ')}. Adjust the branches' stride or padding.`,
              body.keywordRange,
            );
          } else {
            const merged = this.merge(parts.map((p) => p.output!.receptiveField), statement, frame, 'concat');
            output = { shape: [shapes.reduce((sum, s) => sum + s[0], 0), ...shapes[0].slice(1)], receptiveField: merged };
            output.node = this.addNode({ op: 'concat', written: 'concat', inputs: parts.map((p) => p.output!), outShape: output.shape, range: body.keywordRange, field: { kind: 'merge' } }, frame);
          }
        }
        const result = this.result(statement, 'concat', 'concat', input, output, totals.params, totals.macs, totals.activations, failed);
        result.parts = parts.map((p) => ({ name: p.name, results: p.results }));
        return { output, result };
      }
    }
  }

  private reportResidualMismatch(statement: Statement, hasShortcut: boolean, input: Tensor | null, main: Tensor, shortcut: Tensor, frame: Frame): void {
    const body = statement.body;
    if (body.kind !== 'residual') return;
    let message = `residual adds its body (${formatShape(main.shape)}) to its ${hasShortcut ? 'shortcut' : 'input'} (${formatShape(shortcut.shape)}), so both must have the same shape.`;
    const fixes: Fix[] = [];
    if (!hasShortcut && input && main.shape.length === input.shape.length && main.shape.length >= 2) {
      const strides = input.shape.slice(1).map((n, i) => n / main.shape[i + 1]);
      const stride = strides[0];
      if (strides.every((s) => s === stride && Number.isInteger(s) && s >= 1)) {
        const projection = `conv(${main.shape[0]}, 1${stride !== 1 ? `, stride=${stride}` : ''}, bias=false); batchnorm`;
        message += ` Add a projection: shortcut { ${projection} }.`;
        fixes.push({
          title: `Add shortcut { ${projection} }`,
          edits: [{ range: { start: body.range.end, end: body.range.end }, newText: ` shortcut { ${projection} }` }],
          preferred: true,
        });
      }
    }
    this.report(frame, 'merge-mismatch', message, body.keywordRange, fixes);
  }

  private merge(fields: (ReceptiveField | null)[], statement: Statement, frame: Frame, what: string): ReceptiveField | null {
    const merged = mergeReceptiveFields(fields);
    if (merged.misaligned) {
      const described = fields
        .map((f) => (f ? `jump ${f.jump.join('x')}, centre ${f.start.map((s) => +s.toFixed(3)).join(',')}` : 'unknown'))
        .join(' vs ');
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

  private evaluateRepeat(statement: Statement, input: Tensor | null, frame: Frame): { output: Tensor | null; result: StatementResult } {
    const body = statement.body;
    if (body.kind !== 'repeat') throw new Error('unreachable');
    const fail = () => ({ output: null, result: this.result(statement, 'repeat', 'repeat', input, null, zeroParams(), 0, 0, true) });
    if (!body.count) return fail();
    const countValue = evaluate(body.count, frame.env, this.textOf);
    if (isError(countValue)) {
      this.report(frame, countValue.tooLarge ? 'too-large' : 'bad-value', countValue.message, countValue.range);
      return fail();
    }
    if (countValue.kind !== 'number' || !Number.isInteger(countValue.value)) {
      this.report(frame, 'bad-value', `repeat needs a whole number of passes, not ${describeValue(countValue)}.`, body.count.range);
      return fail();
    }
    const count = countValue.value;
    if (count < 1 || count > 10000) {
      this.report(frame, 'bad-value', `repeat(${count}): the count must be between 1 and 10000.`, body.count.range);
      return fail();
    }
    let current = input;
    const totals = { params: zeroParams(), macs: 0, activations: 0 };
    let firstPass: StatementResult[] = [];
    let passes = 0;
    const repeatFrame = this.openGroup(frame, 'repeat', `repeat ×${count}`, statement.range);
    while (passes < count) {
      const before = current;
      const passFrame = this.openGroup(repeatFrame, 'repeat', `pass ${passes + 1} of ${count}`, statement.range);
      const pass = this.evaluateBody(body.body, current, { ...passFrame, scope: { labels: new Map(), parent: frame.scope } });
      passes++;
      if (passes === 1) firstPass = pass.results;
      const passTotals = sumResults(pass.results);
      addInto(totals, passTotals, 1);
      current = pass.output;
      // Past a pass that failed, every later pass has an unknown input and adds nothing: stop instead of running them.
      if (!current) break;
      // A pass that keeps the shape and the jump will repeat itself exactly, except
      // that the receptive field grows by the same amount each time: fast-forward.
      const remaining = count - passes;
      if (!this.graph && remaining > 0 && before && current && sameShape(before.shape, current.shape) && sameJumps(before.receptiveField, current.receptiveField)) {
        addInto(totals, passTotals, remaining);
        current = { shape: current.shape, receptiveField: extrapolate(before.receptiveField, current.receptiveField, remaining) };
        passes = count;
      }
    }
    const result = this.result(statement, 'repeat', 'repeat', input, current, totals.params, totals.macs, totals.activations, false);
    result.parts = [{ name: 'pass 1', results: firstPass }];
    result.passes = count;
    return { output: current, result };
  }

  private evaluateBlockCall(
    statement: Statement,
    call: CallNode,
    block: BlockDecl,
    input: Tensor | null,
    frame: Frame,
  ): { output: Tensor | null; result: StatementResult } {
    const fail = (failed: boolean) => ({ output: null, result: this.result(statement, block.name, 'block', input, null, zeroParams(), 0, 0, failed) });
    if (frame.expanding.has(block.name)) return fail(true);
    // Binding reads every parameter of the block, so a call costs their number too.
    this.spend(block.params.length);
    const env = new Map<string, Value>();
    const positional = call.args.filter((a) => a.key === undefined);
    const keyed = new Map<string, CallNode['args'][number]>();
    for (const argument of call.args) if (argument.key !== undefined && !keyed.has(argument.key)) keyed.set(argument.key, argument);
    for (const [index, param] of block.params.entries()) {
      const given = keyed.get(param.name) ?? positional[index];
      // Arguments are evaluated in the caller's scope; defaults in the block's, after the parameters before them.
      const source = given ? { expr: given.value, env: frame.env } : param.defaultValue ? { expr: param.defaultValue, env } : undefined;
      if (!source) return fail(false); // missing-arg is reported statically.
      const value = evaluate(source.expr, source.env, this.textOf);
      if (isError(value)) {
        this.report(frame, value.tooLarge ? 'too-large' : 'bad-value', value.message, value.range);
        return fail(true);
      }
      env.set(param.name, value);
    }
    const calls = frame.calls;
    // The group shows the call with its arguments' values (`Bottleneck(128, 2)`, not `Bottleneck(width, s)`), as a user reads one instance.
    let shown: string[] = [];
    if (this.graph) {
      let position = 0;
      shown = call.args.map((a) => {
        const value = env.get(a.key ?? block.params[position++]?.name ?? '');
        const text = value ? formatValue(value) : this.textOf(a.value.range);
        return a.key === undefined ? text : `${a.key}=${text}`;
      });
    }
    const grouped = this.openGroup(frame, 'block', `${block.name}(${shown.join(', ')})`, statement.range);
    const inner: Frame = { env, scope: { labels: new Map() }, calls, expanding: frame.expanding, group: grouped.group };
    calls.push({ blockName: block.name, range: call.range });
    frame.expanding.add(block.name);
    let evaluated: { output: Tensor | null; results: StatementResult[] };
    try {
      evaluated = this.evaluateBody(block.body, input, inner);
    } finally {
      calls.pop();
      frame.expanding.delete(block.name);
    }
    const totals = sumResults(evaluated.results);
    const failed = input !== null && evaluated.output === null;
    const result = this.result(statement, block.name, 'block', input, evaluated.output, totals.params, totals.macs, totals.activations, failed);
    result.parts = [{ name: block.name, results: evaluated.results }];
    const field = evaluated.output?.receptiveField;
    if (field !== undefined) result.receptiveField = field;
    return { output: evaluated.output, result };
  }

  private evaluateOp(
    statement: Statement,
    call: CallNode,
    op: OpDefinition,
    input: Tensor | null,
    frame: Frame,
  ): { output: Tensor | null; result: StatementResult; outcome?: OpOutcome } {
    const failResult = (failed: boolean) => {
      // The layer that failed is recorded too, so a diagram can show where the network breaks.
      if (failed && input) this.addNode({ op: op.names[0], written: call.name, inputs: [input], outShape: [], range: statement.range, failed: true }, frame);
      return { output: null, result: this.result(statement, call.name, 'op', input, null, zeroParams(), 0, 0, failed) };
    };
    if (!input) return failResult(false);
    const spatialRank = input.shape.length - 1;
    const fixed = op.fixedRank?.[call.name];
    if ((fixed !== undefined && spatialRank !== fixed) || (op.spatialRanks && !op.spatialRanks.includes(spatialRank))) {
      const wanted = fixed !== undefined ? `a ${axesName(fixed + 1)} input (${fixed} spatial ${fixed === 1 ? 'axis' : 'axes'})` : 'an input with spatial axes';
      const general = op.names[0];
      const hint = fixed !== undefined && op.spatialRanks?.includes(spatialRank) ? ` Use ${general}, which follows the input's rank.` : spatialRank === 0 ? ' It cannot follow flatten or global pooling.' : '';
      this.report(frame, 'rank', `${call.name} needs ${wanted} but receives ${formatShape(input.shape)} (${axesName(input.shape.length)}).${hint}`, call.nameRange);
      return failResult(true);
    }
    const context = new CallContext(this, call, op, input, frame);
    let outcome: OpOutcome | null;
    try {
      outcome = op.apply(context);
    } catch (error) {
      // An op bug must not take the editor down: report it on the statement and carry on.
      this.report(frame, 'bad-value', `CNN Lens could not analyse ${call.name}: ${(error as Error).message}`, call.range);
      return failResult(true);
    }
    if (!outcome) return failResult(true);
    const limitHit = outcome.shape.some((d) => d > maxExact) || elementCount(outcome.shape) > maxExact || (outcome.macs ?? 0) > maxExact || (outcome.trainable ?? 0) > maxExact;
    if (limitHit) {
      this.report(frame, 'too-large', `${call.name} produces sizes past 2^53 (${formatShape(outcome.shape)}), beyond exact counting. Check the sizes involved.`, call.range);
      return failResult(true);
    }
    let field: ReceptiveField | null;
    if (outcome.receptiveField.kind === 'merge') {
      field = this.merge(outcome.receptiveField.fields, statement, frame, call.name);
      // A broadcast gate (squeeze-excitation) makes every unit depend on the whole input; the summary keeps the local field and names the gate.
      if (field && outcome.receptiveField.gated) field = { ...field, gate: `${this.textOf(call.range)} at line ${call.range.start.line + 1}` };
    } else field = stepReceptiveField(input.receptiveField, outcome.receptiveField);
    const output: Tensor = { shape: outcome.shape, receptiveField: field };
    if (this.graph) {
      if (context.failed) this.graph.complete = false;
      else {
        const labelled = op.signature.labels ? context.labels().map((l) => l.tensor as Tensor) : [];
        output.node = this.addNode(
          {
            op: op.names[0],
            written: call.name,
            inputs: [input, ...labelled],
            outShape: outcome.shape,
            range: statement.range,
            attributes: outcome.attributes,
            params: { trainable: outcome.trainable ?? 0, nonTrainable: outcome.nonTrainable ?? 0 },
            macs: outcome.macs ?? 0,
            field: outcome.receptiveField.kind === 'merge' ? { kind: 'merge' } : outcome.receptiveField,
          },
          frame,
        );
      }
    }
    const result = this.result(
      statement,
      call.name,
      'op',
      input,
      output,
      { trainable: outcome.trainable ?? 0, nonTrainable: outcome.nonTrainable ?? 0 },
      outcome.macs ?? 0,
      elementCount(outcome.shape),
      context.failed,
    );
    if (outcome.formula) result.formula = outcome.formula;
    return { output, result, outcome };
  }

  /** Exposed to CallContext. */
  reportFrom(frame: Frame, code: DiagnosticCode, message: string, range: Range, fixes?: Fix[]): void {
    this.report(frame, code, message, range, fixes);
  }

  sourceOf(range: Range): string {
    return this.textOf(range);
  }

  lookupLabel(frame: Frame, name: string): { found: boolean; tensor: Tensor | null } {
    for (let scope: LabelScope | undefined = frame.scope; scope; scope = scope.parent) {
      if (scope.labels.has(name)) return { found: true, tensor: scope.labels.get(name) ?? null };
    }
    return { found: false, tensor: null };
  }
}

/** The argument readers an op uses; every problem becomes a diagnostic on the argument. */
class CallContext implements OpContext {
  failed = false;
  readonly name: string;
  readonly spatialRank: number;
  readonly callRange: Range;
  private readonly bound = new Map<string, { value: Value | null; range: Range }>();

  constructor(
    private readonly analyzer: Analyzer,
    private readonly call: CallNode,
    private readonly op: OpDefinition,
    readonly input: Tensor,
    private readonly frame: Frame,
  ) {
    this.name = call.name;
    this.spatialRank = input.shape.length - 1;
    this.callRange = call.range;
    if (op.signature.labels) return;
    const positional = call.args.filter((a) => a.key === undefined);
    positional.forEach((argument, index) => {
      const spec = op.signature.positional[index];
      if (spec) this.bind(spec.name, argument.value, argument.range);
    });
    for (const argument of call.args) if (argument.key !== undefined) this.bind(argument.key, argument.value, argument.range);
  }

  private bind(name: string, expr: CallNode['args'][number]['value'], range: Range): void {
    const value = evaluate(expr, this.frame.env, (r) => this.analyzer.sourceOf(r));
    if (isError(value)) {
      this.report(value.tooLarge ? 'too-large' : 'bad-value', value.message, value.range);
      this.bound.set(name, { value: null, range });
      return;
    }
    this.bound.set(name, { value, range });
  }

  has(name: string): boolean {
    return this.bound.has(name);
  }

  value(name: string): Value | undefined {
    const given = this.bound.get(name);
    if (given) return given.value ?? undefined;
    return allArgs(this.op).find((a) => a.name === name)?.defaultValue;
  }

  argRange(name: string): Range | undefined {
    return this.bound.get(name)?.range;
  }

  report(code: DiagnosticCode, message: string, at?: string | Range, fixes?: Fix[]): void {
    const range = typeof at === 'string' ? this.argRange(at) ?? this.call.nameRange : at ?? this.call.nameRange;
    if (diagnosticSeverity[code] === 'error') this.failed = true;
    this.analyzer.reportFrom(this.frame, code, message, range, fixes);
  }

  setArgumentFix(name: string, valueText: string, title: string): Fix {
    return { title, edits: [argumentEdit(this.call, name, valueText, (r) => this.analyzer.sourceOf(r))] };
  }

  /** Gets a value for a typed reader; undefined means absent with no default, null means already failed. */
  private take(name: string): Value | undefined | null {
    const given = this.bound.get(name);
    if (given && given.value === null) {
      this.failed = true;
      return null;
    }
    const value = this.value(name);
    if (value?.kind === 'name') {
      // Undefined names are reported statically, at their own line.
      this.failed = true;
      return null;
    }
    return value;
  }

  private wrongKind(name: string, wanted: string, value: Value): undefined {
    this.report('bad-value', `${name} must be ${wanted}, not ${describeValue(value)}.`, name);
    return undefined;
  }

  int(name: string, options: { min?: number } = {}): number | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    const number = value.kind === 'number' ? value.value : value.kind === 'shape' && value.dims.length === 1 ? value.dims[0] : undefined;
    if (number === undefined || number === null) return this.wrongKind(name, 'a whole number', value);
    return this.checkWhole(name, number, options.min ?? 0);
  }

  private checkWhole(name: string, number: number, min: number): number | undefined {
    if (!Number.isInteger(number)) {
      this.report('bad-value', `${name} must be a whole number, but it is ${+number.toFixed(6)}; use // to divide and round down.`, name);
      return undefined;
    }
    if (number < min) {
      this.report('bad-value', `${name} must be at least ${min}, not ${number}.`, name);
      return undefined;
    }
    return number;
  }

  number(name: string, options: { min?: number; max?: number } = {}): number | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    if (value.kind !== 'number') return this.wrongKind(name, 'a number', value);
    if ((options.min !== undefined && value.value < options.min) || (options.max !== undefined && value.value > options.max)) {
      const range = options.max !== undefined ? `between ${options.min ?? '-∞'} and ${options.max}` : `at least ${options.min}`;
      this.report('bad-value', `${name} must be ${range}, not ${value.value}.`, name);
      return undefined;
    }
    return value.value;
  }

  bool(name: string): boolean | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    if (value.kind !== 'bool') return this.wrongKind(name, 'true or false', value);
    return value.value;
  }

  string(name: string): string | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    const choices = allArgs(this.op).find((a) => a.name === name)?.choices ?? [];
    if (value.kind !== 'string') return this.wrongKind(name, `one of ${choices.map((c) => `"${c}"`).join(', ')}`, value);
    if (choices.length && !choices.includes(value.value)) {
      this.report('bad-value', `${name} "${value.value}" is not one of ${choices.map((c) => `"${c}"`).join(', ')}.`, name);
      return undefined;
    }
    return value.value;
  }

  spatial(name: string, options: { min?: number } = {}): number[] | undefined {
    const value = this.take(name);
    if (!value) return undefined;
    const min = options.min ?? 1;
    let items: (number | null)[];
    if (value.kind === 'number') items = [value.value];
    else if (value.kind === 'shape') items = value.dims;
    else if (value.kind === 'tuple' && value.items.every((i) => i.kind === 'number')) items = value.items.map((i) => (i.kind === 'number' ? i.value : null));
    else return this.wrongKind(name, 'a whole number or a tuple of them', value);
    if (items.some((i) => i === null)) {
      this.report('bad-value', `${name} cannot contain '?': give every size.`, name);
      return undefined;
    }
    const rank = this.spatialRank;
    if (items.length !== 1 && items.length !== rank) {
      this.report(
        'bad-value',
        `${name} ${formatValue(value)} has ${items.length} entries, but the input ${formatShape(this.input.shape)} has ${rank} spatial ${rank === 1 ? 'axis' : 'axes'}; give one number or ${rank}.`,
        name,
      );
      return undefined;
    }
    const checked: number[] = [];
    for (const item of items) {
      const whole = this.checkWhole(name, item as number, min);
      if (whole === undefined) return undefined;
      checked.push(whole);
    }
    return checked.length === 1 ? new Array(rank).fill(checked[0]) : checked;
  }

  labelled(name: string): Tensor | null | undefined {
    const given = this.bound.get(name);
    if (!given?.value || given.value.kind !== 'name') return undefined;
    return this.analyzer.lookupLabel(this.frame, given.value.name).tensor;
  }

  labels(): { name: string; tensor: Tensor | null; range: Range }[] {
    return this.call.args.flatMap((argument) => {
      if (argument.value.kind !== 'name') return [];
      const found = this.analyzer.lookupLabel(this.frame, argument.value.name);
      return [{ name: argument.value.name, tensor: found.tensor, range: argument.range }];
    });
  }
}

/** An edit that sets a call's argument: replaces its value, or inserts `name=value` before the `)`. */
export function argumentEdit(call: CallNode, name: string, valueText: string, textOf: (range: Range) => string): { range: Range; newText: string } {
  const existing = call.args.find((a) => a.key === name);
  if (existing) return { range: existing.value.range, newText: valueText };
  if (!call.argsRange) return { range: { start: call.nameRange.end, end: call.nameRange.end }, newText: `(${name}=${valueText})` };
  const close = { line: call.argsRange.end.line, character: call.argsRange.end.character - 1 };
  const inside = textOf({ start: call.argsRange.start, end: close });
  const separator = inside.replace(/[()\s]/g, '').length ? ', ' : '';
  return { range: { start: close, end: close }, newText: `${separator}${name}=${valueText}` };
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

function zeroParams(): ParamCounts {
  return { trainable: 0, nonTrainable: 0 };
}

function sumResults(results: StatementResult[]): { params: ParamCounts; macs: number; activations: number } {
  const totals = { params: zeroParams(), macs: 0, activations: 0 };
  for (const result of results) addInto(totals, result, 1);
  return totals;
}

function addInto(
  totals: { params: ParamCounts; macs: number; activations: number },
  part: { params: ParamCounts; macs: number; activations: number },
  times: number,
): void {
  totals.params.trainable += part.params.trainable * times;
  totals.params.nonTrainable += part.params.nonTrainable * times;
  totals.macs += part.macs * times;
  totals.activations += part.activations * times;
}

function sameJumps(a: ReceptiveField | null, b: ReceptiveField | null): boolean {
  if (!a || !b) return a === b;
  return a.jump.length === b.jump.length && a.jump.every((j, i) => j === b.jump[i]);
}

/** Continues the per-pass growth of a receptive field for `times` more passes. */
function extrapolate(before: ReceptiveField | null, after: ReceptiveField | null, times: number): ReceptiveField | null {
  if (!before || !after) return after;
  return {
    size: after.size.map((s, i) => s + (s - before.size[i]) * times),
    jump: after.jump,
    start: after.start.map((s, i) => s + (s - before.start[i]) * times),
  };
}
