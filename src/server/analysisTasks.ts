/**
 * The tasks an analysis worker runs for requests (see analysisProtocol.ts),
 * shared with the pool's fallback on the server's thread: checking quick
 * fixes by the diagnostics of the text each gives, and exporting a network.
 */
import { ExportNetworkError, ExportUsageError, runExport } from '../cli/export';
import type { IncrementalAnalysis } from '../core';
import type { AnalysisTask, TaskResults } from './analysisProtocol';

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
