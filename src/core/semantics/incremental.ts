/**
 * Incremental analysis: one document's analyses, version after version, each
 * equal to what `analyze` gives for the same text, but reusing what an edit
 * did not touch. The file is cut into its declarations (syntax/chunks.ts);
 * a declaration whose text and first line are unchanged keeps its parse (the
 * same AST objects), and a network whose declaration and every block it
 * looked up are the same objects is not evaluated again: what its evaluation
 * did (diagnostics, kept instances, work spent) is replayed instead.
 *
 * Everything is keyed by content (a chunk's text and line), never by a
 * version number, and only the latest version's parts are kept, so memory
 * stays that of one analysis. When any declaration has a syntax error, the
 * whole file is parsed and evaluated afresh: error recovery may read across
 * a cut, and a fresh analysis is what the result must equal.
 */
import { parse, type ParseResult } from '../syntax/parse';
import { splitChunks } from '../syntax/chunks';
import type { NetworkDecl, SourceFile } from '../syntax/ast';
import { analyze, evaluateParsed, failedAnalysis, type AnalyzeOptions } from './analyze';
import type { Evaluation, NetworkTrace } from './evaluation';
import type { NetworkGraph } from './graph';
import { analyzeNetwork } from './network';
import type { Analysis, NetworkAnalysis } from './results';

/** A network evaluated in the previous version: its result and what evaluating it did. */
interface EvaluatedNetwork {
  analysis: NetworkAnalysis;
  trace: NetworkTrace;
  /** The file's work budget then (it grows with the file's length). */
  budget: number;
  graph?: NetworkGraph;
}

/** How much the last analysis reused, for benchmarks and tests. */
export interface ReuseCounts {
  /** Declarations parsed again, and kept. */
  parsed: number;
  keptParses: number;
  /** Networks evaluated again, and replayed. */
  evaluated: number;
  replayed: number;
  /** Whether the whole file was analysed afresh (a syntax error). */
  fresh: boolean;
}

/** The analyses of one document's successive texts; see the file comment. */
export class IncrementalAnalysis {
  private chunks = new Map<string, ParseResult>();
  private networks = new Map<NetworkDecl, EvaluatedNetwork>();
  /** What the last `analyze` reused. */
  reuse: ReuseCounts = { parsed: 0, keptParses: 0, evaluated: 0, replayed: 0, fresh: true };

  constructor(private readonly options: AnalyzeOptions = {}) {}

  /** The analysis of `text`, equal to `analyze(text, options)`. Never throws. */
  analyze(text: string): Analysis {
    const withGraphs = this.options.graph === true;
    this.reuse = { parsed: 0, keptParses: 0, evaluated: 0, replayed: 0, fresh: false };
    try {
      const parsed = typeof text === 'string' ? this.parse(text) : undefined;
      if (!parsed) return this.fresh(text);
      const evaluated = new Map<NetworkDecl, EvaluatedNetwork>();
      const analysis = evaluateParsed(text, parsed, withGraphs, (evaluation, network, graphs) => {
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
        try {
          result = analyzeNetwork(evaluation, network, graphs);
        } finally {
          evaluation.endTrace(trace);
        }
        const graph = graphs && graphs.length > graphCount ? graphs[graphs.length - 1] : undefined;
        evaluated.set(network, { analysis: result, trace, budget: evaluation.budget, graph });
        this.reuse.evaluated++;
        return result;
      });
      this.networks = evaluated;
      return analysis;
    } catch (error) {
      this.forget();
      return failedAnalysis(error, withGraphs);
    }
  }

  /** Drops everything kept (the next analysis starts afresh). */
  forget(): void {
    this.chunks = new Map();
    this.networks = new Map();
  }

  private fresh(text: string): Analysis {
    this.forget();
    this.reuse.fresh = true;
    return analyze(text, this.options);
  }

  /** The file parsed declaration by declaration, reusing unchanged ones; undefined when any has a syntax error. */
  private parse(text: string): ParseResult | undefined {
    const kept = new Map<string, ParseResult>();
    const file: SourceFile = { networks: [], blocks: [], comments: [] };
    for (const chunk of splitChunks(text)) {
      const key = `${chunk.firstLine}:${chunk.text}`;
      let parsed = this.chunks.get(key);
      if (parsed) this.reuse.keptParses++;
      else {
        parsed = parse(chunk.text, chunk.firstLine);
        this.reuse.parsed++;
      }
      if (parsed.diagnostics.length > 0) return undefined;
      kept.set(key, parsed);
      // One at a time: a chunk of comments may hold tens of thousands, too many to spread as arguments.
      for (const network of parsed.file.networks) file.networks.push(network);
      for (const block of parsed.file.blocks) file.blocks.push(block);
      for (const comment of parsed.file.comments) file.comments.push(comment);
    }
    this.chunks = kept;
    return { file, diagnostics: [] };
  }
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
