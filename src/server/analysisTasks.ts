/**
 * The tasks an analysis worker runs for requests (see analysisProtocol.ts),
 * shared with the pool's fallback on the server's thread: checking quick
 * fixes by the diagnostics of the text each gives, and exporting a network;
 * and the queries answered from an analysis (semantic tokens, inlay hints,
 * the outline, folding, code lenses, the network summary and training memory).
 */
import { ExportNetworkError, ExportUsageError, runExport } from '../cli/export';
import { graphFits, type Analysis, type IncrementalAnalysis } from '../core';
import type { AnalysisQuery, AnalysisTask, QueryResults, TaskResults } from './analysisProtocol';
import { codeLenses } from './codeLens';
import { outline } from './documentSymbols';
import { foldingRanges } from './folding';
import { inlayHintsOf } from './inlayHints';
import { budgetDiagnostics, memoryHoverLine } from './memoryFigures';
import { semanticTokenData } from './semanticTokens';
import { summaryAnswer } from './summaryAnswer';

/** Answers a query from an analysis of `text` (in the worker that keeps it, or on the server's thread when the analysis is there). */
export function answerQuery<K extends AnalysisQuery['kind']>(query: Extract<AnalysisQuery, { kind: K }>, analysis: Analysis, text: string): QueryResults[K];
export function answerQuery(query: AnalysisQuery, analysis: Analysis, text: string): QueryResults[AnalysisQuery['kind']] {
  switch (query.kind) {
    case 'semanticTokens':
      return semanticTokenData(analysis.file);
    case 'inlayHints':
      return inlayHintsOf(analysis, query.range, query.settings, query.limit);
    case 'documentSymbols':
      return outline(analysis, query.limit);
    case 'foldingRanges':
      return foldingRanges(analysis.file, text, query.limit);
    case 'codeLenses':
      return codeLenses(analysis, query.uri, query.limit);
    case 'networkSummary':
      return summaryAnswer(analysis, text, query);
    case 'memoryLine':
      return memoryHoverLine(analysis, query.setup, query.position);
    case 'memoryBudget':
      return budgetDiagnostics(analysis, query.setup, query.budget);
    case 'noTrainingMemory':
      return analysis.networks.length > 0 && !analysis.networks.some(graphFits);
  }
}

/** Runs a task; `incremental` is the document's incremental analysis for the texts its fixes give. */
export function runTask(task: AnalysisTask, incremental: IncrementalAnalysis): TaskResults[AnalysisTask['kind']] {
  if (task.kind === 'checkFixes') return task.texts.map((text) => incremental.analyze(text).diagnostics);
  try {
    const { written } = runExport(task.file, task.text, task.options);
    return { ok: true, files: written };
  } catch (error) {
    if (error instanceof ExportNetworkError || error instanceof ExportUsageError) return { ok: false, error: error.message };
    return { ok: false, error: `export failed: ${(error as Error).message}` };
  }
}
