/**
 * An analysis worker (bundled as dist/analysisWorker.js): analyses the texts
 * the language server sends, off the server's thread, so a costly file never
 * delays another document's requests. Each document's analyses are
 * incremental (core/semantics/incremental.ts): an edit re-evaluates only the
 * declarations it touched. The server terminates a worker whose job went
 * stale (the document changed or closed), which also drops what it kept.
 * A large analysis stays here until the document's next one replaces it, so
 * that queries (semantic tokens, inlay hints, the summary, training memory)
 * are answered from it here.
 */
import { parentPort } from 'node:worker_threads';
import { IncrementalAnalysis, type Analysis } from '../core';
import { largeAnalysisResults, resultCount, type AnalysisReply, type WorkerMessage } from './analysisProtocol';
import { answerQuery, runTask } from './analysisTasks';

const port = parentPort;
if (!port) throw new Error('analysisWorker.js runs as a worker thread of the CNN Lens language server.');

interface DocumentState {
  incremental: IncrementalAnalysis;
  /** The last analysis (and its text) when it is large, until the document's next one. */
  kept?: { id: number; analysis: Analysis; text: string };
}

const documents = new Map<string, DocumentState>();

port.on('message', (message: WorkerMessage) => {
  if (message.kind === 'forget') {
    documents.delete(message.document);
    return;
  }
  const state = documents.get(message.document);
  if (message.kind === 'send') {
    const kept = state?.kept;
    if (!kept || kept.id !== message.id) return port.postMessage({ id: message.id, kind: 'gone' } satisfies AnalysisReply);
    port.postMessage({ id: message.id, kind: 'analysis', analysis: kept.analysis } satisfies AnalysisReply);
    return;
  }
  if (message.kind === 'query') {
    const kept = state?.kept;
    if (!kept || kept.id !== message.of) return port.postMessage({ id: message.id, kind: 'gone' } satisfies AnalysisReply);
    try {
      port.postMessage({ id: message.id, kind: 'queryDone', value: answerQuery(message.query, kept.analysis, kept.text) } satisfies AnalysisReply);
    } catch (error) {
      port.postMessage({ id: message.id, kind: 'queryFailed', message: (error as Error).message } satisfies AnalysisReply);
    }
    return;
  }
  if (message.kind === 'task') {
    const current = state ?? { incremental: new IncrementalAnalysis() };
    documents.set(message.document, current);
    try {
      port.postMessage({ id: message.id, kind: 'taskDone', value: runTask(message.task, current.incremental) } satisfies AnalysisReply);
    } catch (error) {
      port.postMessage({ id: message.id, kind: 'taskFailed', message: (error as Error).message } satisfies AnalysisReply);
    }
    return;
  }
  const current = state ?? { incremental: new IncrementalAnalysis({ graph: message.graph }) };
  documents.set(message.document, current);
  current.kept = undefined;
  const analysis = current.incremental.analyze(message.text);
  const keep = !message.send && resultCount(analysis) > largeAnalysisResults;
  port.postMessage({ id: message.id, kind: 'diagnostics', diagnostics: analysis.diagnostics, kept: keep } satisfies AnalysisReply);
  if (keep) current.kept = { id: message.id, analysis, text: message.text };
  else port.postMessage({ id: message.id, kind: 'analysis', analysis } satisfies AnalysisReply);
});
