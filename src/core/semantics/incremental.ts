/**
 * Incremental analysis: one document's analyses, version after version, each
 * equal to what `analyze` gives for the same text, but reusing what an edit
 * did not touch. The file is cut into its declarations (syntax/chunks.ts,
 * parsed in incrementalParse.ts);
 * a declaration whose text and first line are unchanged keeps its parse (the
 * same AST objects), and a network whose declaration and every block it
 * looked up are the same objects is not evaluated again: what its evaluation
 * did (diagnostics, kept instances, work spent) is replayed instead.
 *
 * Inside one long network the reuse is finer. Its body is parsed in pieces
 * (syntax/networkPieces.ts), so an edit parses one piece again; and its
 * evaluation resumes after the longest unchanged prefix of its statements:
 * the state after statement k (the tensor passed on, the labels bound, the
 * work spent, what was reported) depends only on the statements before it
 * and the blocks they looked up, so it is taken from the last version's
 * evaluation, and only the statements from the first changed one on are
 * evaluated. (Not with graphs: the preview's graph is recorded afresh.)
 *
 * Everything is keyed by content (a chunk's text and line), never by a
 * version number, and only the latest version's parts are kept, so memory
 * stays that of one analysis.
 *
 * A syntax error confined to one declaration keeps the others' parses: the
 * declarations before it parse cleanly, so the parser reaches it as it would
 * reach the start of a file; and it is confined when the parser, reading it
 * followed by the start and end of the next declaration (that declaration's
 * body left blank), reads it as alone and then that declaration cleanly, so
 * the error's recovery stops before the next declaration. Otherwise (or with
 * errors in several declarations) the file is parsed as one from the first
 * declaration with an error on: error recovery may read across a cut, and a
 * fresh analysis is what the result must equal.
 */
import type { NetworkDecl } from '../syntax/ast';
import type { Tensor } from '../ops/types';
import type { ReceptiveField } from '../types';
import { analyze, evaluateParsed, failedAnalysis, graphAdded, type AnalyzeOptions, type NetworkListener } from './analyze';
import type { Evaluation, NetworkTrace, TraceMark } from './evaluation';
import type { NetworkGraph } from './graph';
import { IncrementalParser, type ParseCounts } from './incrementalParse';
import { analyzeNetwork, type ResumePoint } from './network';
import type { Analysis, NetworkAnalysis } from './results';

/** Options of an incremental analysis: `analyze`'s, and how many lines of a long network's body are parsed as one piece. */
export interface IncrementalOptions extends AnalyzeOptions {
  /** Lines per piece of a network's body (networks of fewer than twice this are parsed whole); 128 unless given. */
  linesPerPiece?: number;
  /**
   * The parser to share with another incremental analysis of the same
   * document (the language server's plain analysis and its analysis with
   * graphs): the second to analyse a text takes the first's parse of it.
   */
  parser?: IncrementalParser;
}

/**
 * The state after one statement of a network's body, to resume after it: how
 * far the trace had got, and the tensor and field passed on. The mark's counts
 * are kept in the step itself, one object per statement, not two: a megabyte
 * network has a hundred thousand statements.
 */
interface NetworkStep extends TraceMark {
  output: Tensor | null;
  lastField: ReceptiveField | null;
}

/** A network evaluated in the previous version: its result and what evaluating it did. */
interface EvaluatedNetwork {
  analysis: NetworkAnalysis;
  trace: NetworkTrace;
  /** The file's work budget then (it grows with the file's length). */
  budget: number;
  graph?: NetworkGraph;
  /** The state after each statement of the body that finished (without graphs). */
  steps?: NetworkStep[];
}

/** How much the last analysis reused, for benchmarks and tests. */
export interface ReuseCounts extends ParseCounts {
  /** Declarations parsed again, and kept. */
  parsed: number;
  keptParses: number;
  /** Networks evaluated again, and replayed. */
  evaluated: number;
  replayed: number;
  /** Statements whose evaluation was taken from the last version, in networks evaluated again from a changed statement on. */
  resumedStatements: number;
  /** Whether the whole file was analysed afresh (a syntax error in its first declaration, or a fault). */
  fresh: boolean;
}

/** The analyses of one document's successive texts; see the file comment. */
export class IncrementalAnalysis {
  private networks = new Map<NetworkDecl, EvaluatedNetwork>();
  /** The file's declarations parsed, shared with another analysis of the same document when the options say so. */
  readonly parser: IncrementalParser;
  /** What the last `analyze` reused. */
  reuse: ReuseCounts = { parsed: 0, keptParses: 0, evaluated: 0, replayed: 0, resumedStatements: 0, fresh: true };

  constructor(private readonly options: IncrementalOptions = {}) {
    this.parser = options.parser ?? new IncrementalParser(options.linesPerPiece ?? 128);
  }

  /**
   * The analysis of `text`, equal to `analyze(text, options)`, telling `onNetwork` (or the options' listener) of each
   * network as it is analysed or replayed. Never throws.
   */
  analyze(text: string, onNetwork = this.options.onNetwork): Analysis {
    const withGraphs = this.options.graph === true;
    this.reuse = { parsed: 0, keptParses: 0, evaluated: 0, replayed: 0, resumedStatements: 0, fresh: false };
    try {
      const parsed = typeof text === 'string' ? this.parser.parse(text, this.reuse) : undefined;
      if (!parsed) return this.fresh(text, onNetwork);
      const evaluated = new Map<NetworkDecl, EvaluatedNetwork>();
      const analysis = evaluateParsed(
        text,
        parsed,
        withGraphs,
        (evaluation, network, graphs) => {
          const before = this.networks.get(network);
          if (before && reusable(before, evaluation) && (!graphs || before.graph)) {
            evaluation.replay(before.trace);
            if (graphs && before.graph) graphs.push(before.graph);
            evaluated.set(network, before);
            this.reuse.replayed++;
            return before.analysis;
          }
          const trace = evaluation.startTrace();
          const graphCount = graphs?.length ?? 0;
          let result: NetworkAnalysis;
          let steps: NetworkStep[] | undefined;
          try {
            if (graphs) result = analyzeNetwork(evaluation, network, graphs);
            else {
              const resumed = this.resumePoint(evaluation, network);
              steps = resumed ? resumed.steps : [];
              const recorded = steps;
              if (resumed) this.reuse.resumedStatements += resumed.from.statements.length;
              result = analyzeNetwork(evaluation, network, undefined, {
                from: resumed?.from,
                step: (index, output, lastField) => {
                  const mark = evaluation.traceMark()!;
                  recorded[index] = { added: mark.added, remembered: mark.remembered, blocksRead: mark.blocksRead, spent: mark.spent, output, lastField };
                },
              });
            }
          } finally {
            evaluation.endTrace(trace);
          }
          const graph = graphAdded(graphs, graphCount);
          evaluated.set(network, { analysis: result, trace, budget: evaluation.budget, graph, steps });
          this.reuse.evaluated++;
          return result;
        },
        onNetwork,
      );
      this.networks = evaluated;
      return analysis;
    } catch (error) {
      this.forget();
      return failedAnalysis(error, withGraphs);
    }
  }

  /**
   * Where to resume a network's evaluation: after the longest prefix of its
   * statements that a network of the same name evaluated last time, when the
   * blocks that prefix looked up are unchanged and its work still fits the
   * budget. Replays that prefix into the evaluation (and its trace).
   */
  private resumePoint(evaluation: Evaluation, network: NetworkDecl): { from: ResumePoint; steps: NetworkStep[] } | undefined {
    for (const [old, before] of this.networks) {
      if (!before.steps || old.name !== network.name || !sameRange(old.nameRange, network.nameRange)) continue;
      const limit = Math.min(before.steps.length, network.body.length);
      let count = 0;
      while (count < limit && old.body[count] === network.body[count]) count++;
      if (count === 0) continue;
      const last = before.steps[count - 1];
      if (!sameBlocks(before.trace, last.blocksRead, evaluation) || evaluation.spentSoFar + last.spent > evaluation.budget) continue;
      evaluation.replayUpTo(before.trace, last);
      const labels: [string, Tensor | null][] = [];
      for (let i = 0; i < count; i++) {
        const label = network.body[i].label;
        if (label) labels.push([label.name, before.steps[i].output]);
      }
      const from: ResumePoint = { statements: before.analysis.statements.slice(0, count), input: before.analysis.input, output: last.output, lastField: last.lastField, labels };
      return { from, steps: before.steps.slice(0, count) };
    }
    return undefined;
  }

  /** Drops everything kept (the next analysis starts afresh). */
  forget(): void {
    this.parser.forget();
    this.networks = new Map();
  }

  private fresh(text: string, onNetwork: NetworkListener | undefined): Analysis {
    this.forget();
    this.reuse.fresh = true;
    return analyze(text, { ...this.options, onNetwork });
  }
}

/** Whether the first `count` blocks a trace looked up are still the declarations the evaluation finds. */
function sameBlocks(trace: NetworkTrace, count: number, evaluation: Evaluation): boolean {
  let read = 0;
  for (const [name, block] of trace.blocksRead) {
    if (read++ >= count) break;
    if (evaluation.blocks.get(name) !== block) return false;
  }
  return true;
}

function sameRange(a: NetworkDecl['range'], b: NetworkDecl['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * Whether replaying a network's evaluation gives what evaluating it again
 * would: every block it looked up is still the same declaration, and the work
 * budget runs out at the same point (never, for a network that finished).
 */
function reusable(before: EvaluatedNetwork, evaluation: Evaluation): boolean {
  for (const [name, block] of before.trace.blocksRead) if (evaluation.blocks.get(name) !== block) return false;
  const spent = evaluation.spentSoFar;
  if (before.analysis.stopped) return spent === before.trace.spentBefore && evaluation.budget === before.budget;
  return spent + before.trace.spent <= evaluation.budget;
}
