/**
 * Shape inference and counting: evaluates every network statement by
 * statement, expanding block calls, repeats, residuals and concats, and
 * collects diagnostics. Never throws on user input; errors do not cascade
 * (a statement whose input is unknown is skipped quietly).
 *
 * The parts: evaluation.ts (shared state: diagnostics, budget, depth),
 * network.ts (a network and its totals), statements.ts (the dispatcher and
 * assertions), opCall.ts and callContext.ts (a layer and its argument
 * readers), blockCall.ts, repeat.ts, compound.ts (residual, concat),
 * graphRecorder.ts (the preview's graph), totals.ts.
 */
import { compareRanges, diagnostic, type Diagnostic } from '../diagnostics';
import type { NetworkDecl, SourceFile, Statement } from '../syntax/ast';
import { parse, type ParseResult } from '../syntax/parse';
import { Evaluation } from './evaluation';
import type { NetworkGraph } from './graph';
import { analyzeNetwork } from './network';
import type { Analysis, NetworkAnalysis, StatementResult } from './results';
import { checkStatically } from './staticChecks';

export { argumentEdit } from './callContext';
export { maxEvaluationDepth } from './evaluation';

/** Options for `analyze`. */
export interface AnalyzeOptions {
  /**
   * Also build each network's expanded dataflow graph (`Analysis.graphs`).
   * Repeats are then evaluated pass by pass instead of fast-forwarded, so
   * this costs more; the preview asks for it, the editor features do not.
   */
  graph?: boolean;
  /**
   * Called as each network is analysed, in order, with its graph when
   * `graph` is set: a caller can use a network before the rest of the file is
   * analysed (`cnn summary` prints each network's training memory while a
   * file of 20,000 networks is still being analysed; the language server
   * answers the status bar's training memory for the cursor's network).
   */
  onNetwork?: NetworkListener;
}

/** Told of each network as soon as it is analysed (see `AnalyzeOptions.onNetwork`). */
export type NetworkListener = (index: number, network: NetworkAnalysis, graph: NetworkGraph | undefined, progress: AnalysisProgress) => void;

/**
 * What a network listener can read of the analysis so far. A network's
 * results depend only on the file and the networks before it, so what is
 * read of the networks analysed so far is what the whole analysis will say.
 */
export interface AnalysisProgress {
  /** The whole file, parsed. */
  readonly file: SourceFile;
  /** The networks analysed so far, this one last, and their graphs when asked for. */
  readonly networks: readonly NetworkAnalysis[];
  readonly graphs?: readonly NetworkGraph[];
  /** Every evaluation of each statement so far. */
  readonly instances: Map<Statement, StatementResult[]>;
  /** The diagnostics found so far (the parse's, the static checks' and those of the networks analysed), sorted by position. */
  diagnostics(): Diagnostic[];
}

/**
 * Analyses source text: parse, check, infer shapes and count. Never throws:
 * a fault of CNN Lens itself becomes an `internal-error` diagnostic, so one
 * file can never take an editor's other files down with it.
 */
export function analyze(text: string, options: AnalyzeOptions = {}): Analysis {
  const withGraphs = options.graph === true;
  try {
    if (typeof text !== 'string') throw new TypeError(`analyze() needs text, not ${text === null ? 'null' : typeof text}`);
    return evaluateParsed(text, parse(text), withGraphs, analyzeNetwork, options.onNetwork);
  } catch (error) {
    return failedAnalysis(error, withGraphs);
  }
}

/** Evaluates one network against the file's shared state (incremental analysis replays one it evaluated before). */
export type NetworkEvaluator = (evaluation: Evaluation, network: NetworkDecl, graphs?: NetworkGraph[]) => NetworkAnalysis;

/**
 * The analysis of parsed text: static checks, then each network by `evaluateNetwork`, telling `onNetwork` of each.
 * May throw on a fault of CNN Lens.
 */
export function evaluateParsed(text: string, parsed: ParseResult, withGraphs: boolean, evaluateNetwork: NetworkEvaluator, onNetwork?: NetworkListener): Analysis {
  const evaluation = new Evaluation(text, parsed.file.blocks);
  for (const d of parsed.diagnostics) evaluation.add(d);
  for (const d of checkStatically(parsed.file, evaluation.blocks)) evaluation.add(d);
  const graphs: NetworkGraph[] | undefined = withGraphs ? [] : undefined;
  const networks: NetworkAnalysis[] = [];
  const progress: AnalysisProgress = {
    file: parsed.file,
    networks,
    graphs,
    instances: evaluation.instances,
    diagnostics: () => evaluation.diagnostics().sort((a, b) => compareRanges(a.range, b.range)),
  };
  for (const network of parsed.file.networks) {
    const graphCount = graphs?.length ?? 0;
    const result = evaluateNetwork(evaluation, network, graphs);
    networks.push(result);
    onNetwork?.(networks.length - 1, result, graphAdded(graphs, graphCount), progress);
  }
  const diagnostics = progress.diagnostics();
  const analysis: Analysis = { file: parsed.file, diagnostics, networks, instances: evaluation.instances };
  if (graphs) analysis.graphs = graphs;
  return analysis;
}

/** The graph a network's evaluation added to `graphs`, which held `countBefore` (none when it recorded none, or without graphs). */
export function graphAdded(graphs: readonly NetworkGraph[] | undefined, countBefore: number): NetworkGraph | undefined {
  return graphs && graphs.length > countBefore ? graphs[graphs.length - 1] : undefined;
}

/** The analysis of a file CNN Lens failed on: no networks, and one diagnostic that says what broke. */
export function failedAnalysis(error: unknown, withGraphs: boolean): Analysis {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const start = { line: 0, character: 0 };
  const analysis: Analysis = {
    file: { networks: [], blocks: [], comments: [] },
    diagnostics: [
      diagnostic('internal-error', `CNN Lens failed while analysing this file (${reason}). This is a bug in CNN Lens, not in the file; please report it with the file.`, { start, end: start }),
    ],
    networks: [],
    instances: new Map(),
  };
  if (withGraphs) analysis.graphs = [];
  return analysis;
}
