/**
 * Queries answered while their analysis is still running: the status bar's
 * training memory for the cursor's network (`networkSummary` with
 * `activeOnly`) and the hover's memory line of a statement inside a network.
 * Each reads one network, and a network's results depend only on the file and
 * the networks before it, so it is answered as soon as that network is
 * analysed, from an analysis of that network alone: the answer the whole
 * analysis gives, without waiting for it. In a file of 20,000 networks the
 * status bar waits for the cursor's network, not for the last one.
 */
import { declaredNetworkAt, type Analysis, type AnalysisProgress, type Ast } from '../core';
import type { AnalysisQuery, QueryResults } from './analysisProtocol';
import { answerQuery } from './analysisTasks';
import { activeNetwork } from './summaryAnswer';
import { statementAt } from './syntax';

/** The index of the one network a query reads, or undefined when it needs the whole analysis. */
export function networkNeeded(query: AnalysisQuery, file: Ast.SourceFile): number | undefined {
  if (query.kind === 'networkSummary' && query.activeOnly) {
    // The network the summary shows; a file without networks has nothing to wait for, and is answered at the end.
    return activeNetwork(file.networks.length, query.position ? declaredNetworkAt(file, query.position) : -1) ?? undefined;
  }
  if (query.kind === 'memoryLine') {
    // A statement in a block is evaluated by every network that calls the block: its line needs them all.
    const statement = statementAt(file, query.position);
    const at = statement ? declaredNetworkAt(file, statement.range.start) : -1;
    return at >= 0 ? at : undefined;
  }
  return undefined;
}

/**
 * Answers `query` from network `index` of an analysis in progress, which has
 * analysed it (`networkNeeded` said that network is all the query reads).
 */
export function answerFromNetwork<K extends AnalysisQuery['kind']>(query: Extract<AnalysisQuery, { kind: K }>, progress: AnalysisProgress, index: number, text: string): QueryResults[K] {
  const graph = progress.graphs?.[index];
  const analysis: Analysis = {
    file: progress.file,
    // The diagnostics so far hold every one inside this network (the summary counts its errors).
    diagnostics: progress.diagnostics(),
    networks: [progress.networks[index]],
    instances: progress.instances,
  };
  if (progress.graphs) analysis.graphs = graph ? [graph] : [];
  return answerQuery(query, analysis, text);
}
