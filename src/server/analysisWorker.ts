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
 *
 * Queries come on their own port (`WorkerStart.queries`), which the worker
 * reads between networks while it analyses (receiveMessageOnPort): a query of
 * another document's kept analysis is answered without waiting for the
 * analysis, and a query that reads one network of the running analysis is
 * answered as soon as that network is analysed (earlyAnswer.ts).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { IncrementalAnalysis, type Analysis, type AnalysisProgress, type IncrementalParser } from '../core';
import { largeAnalysisResults, resultCount, type AnalysisQuery, type AnalysisReply, type QueryJob, type QueryResults, type WorkerMessage, type WorkerStart } from './analysisProtocol';
import { answerQuery, runTask } from './analysisTasks';
import { answerFromNetwork, networkNeeded } from './earlyAnswer';

const port = parentPort;
if (!port) throw new Error('analysisWorker.js runs as a worker thread of the CNN Lens language server.');
const queries = (workerData as WorkerStart | undefined)?.queries;

interface DocumentState {
  /** The URI of the document analysed (tasks have none): the analyses of one URI share their parser. */
  uri: string | undefined;
  incremental: IncrementalAnalysis;
  /** The last analysis (and its text) when it is large, until the document's next one. */
  kept?: { id: number; analysis: Analysis; text: string };
}

/** A query of the running analysis, and the one network it reads (null: it waits for the whole analysis; undefined: not known until the file is parsed). */
interface WaitingQuery {
  message: QueryJob;
  network?: number | null;
}

/** The analysis this worker is running, and the queries that wait for it. */
interface RunningAnalysis {
  id: number;
  text: string;
  waiting: WaitingQuery[];
  /** The networks analysed so far, once the first is. */
  progress?: AnalysisProgress;
}

const documents = new Map<string, DocumentState>();
let running: RunningAnalysis | undefined;
/** The id of the last analysis job started here: a query of a later job came ahead of its job (they come on two ports). */
let latestJob = 0;
/** Queries that came ahead of their job. */
const ahead: QueryJob[] = [];

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
  if (message.kind === 'task') {
    const current = state ?? { uri: undefined, incremental: new IncrementalAnalysis() };
    documents.set(message.document, current);
    try {
      port.postMessage({ id: message.id, kind: 'taskDone', value: runTask(message.task, current.incremental) } satisfies AnalysisReply);
    } catch (error) {
      port.postMessage({ id: message.id, kind: 'taskFailed', message: (error as Error).message } satisfies AnalysisReply);
    }
    return;
  }
  const current = state ?? { uri: message.uri, incremental: new IncrementalAnalysis({ graph: message.graph, parser: parserOf(message.uri) }) };
  documents.set(message.document, current);
  current.kept = undefined;
  latestJob = message.id;
  const job: RunningAnalysis = { id: message.id, text: message.text, waiting: [] };
  running = job;
  for (const query of ahead.splice(0)) receiveQuery(query);
  let analysis: Analysis;
  try {
    analysis = current.incremental.analyze(message.text, (index, _network, _graph, progress) => {
      job.progress = progress;
      receiveQueries();
      answerWaiting(job, index);
    });
  } finally {
    running = undefined;
  }
  // What still waits reads the whole analysis, as do queries that came after the last network.
  receiveQueries(job);
  for (const { message: query } of job.waiting) answer(query, () => answerQuery(query.query, analysis, message.text));
  const keep = !message.send && resultCount(analysis) > largeAnalysisResults;
  port.postMessage({ id: message.id, kind: 'diagnostics', diagnostics: analysis.diagnostics, kept: keep } satisfies AnalysisReply);
  if (keep) current.kept = { id: message.id, analysis, text: message.text };
  else port.postMessage({ id: message.id, kind: 'analysis', analysis } satisfies AnalysisReply);
});

/**
 * The parser of the other analysis of the same document here, if any: the plain analysis and the one with graphs read
 * the same text, and the second takes the first's parse (a megabyte file's is a third of its analysis).
 */
function parserOf(uri: string): IncrementalParser | undefined {
  for (const state of documents.values()) if (state.uri === uri) return state.incremental.parser;
  return undefined;
}

// Between analyses, queries come as events; during one, `receiveQueries` reads them.
queries?.on('message', (message: QueryJob) => receiveQuery(message));

/** Reads the queries waiting on the query port; those of `finished` (its analysis just ended) join its waiting list. */
function receiveQueries(finished?: RunningAnalysis): void {
  if (!queries) return;
  for (let received = receiveMessageOnPort(queries); received; received = receiveMessageOnPort(queries)) {
    const query = received.message as QueryJob;
    if (finished && query.of === finished.id) finished.waiting.push({ message: query, network: null });
    else receiveQuery(query);
  }
}

/** Answers a query from the analysis it asks, now or as soon as that analysis has what it reads. */
function receiveQuery(query: QueryJob): void {
  if (running && query.of === running.id) {
    const progress = running.progress;
    running.waiting.push({ message: query });
    if (progress) answerWaiting(running, progress.networks.length - 1);
    return;
  }
  if (query.of > latestJob) {
    ahead.push(query);
    return;
  }
  const kept = documents.get(query.document)?.kept;
  if (!kept || kept.id !== query.of) return void port!.postMessage({ id: query.id, kind: 'gone' } satisfies AnalysisReply);
  answer(query, () => answerQuery(query.query, kept.analysis, kept.text));
}

/** Answers the queries of the running analysis that read one network analysed by now (`last` is the latest). */
function answerWaiting(job: RunningAnalysis, last: number): void {
  const progress = job.progress;
  if (!progress || job.waiting.length === 0) return;
  job.waiting = job.waiting.filter((waiting) => {
    // Which network a query reads is found once, when the file is parsed.
    if (waiting.network === undefined) waiting.network = networkNeeded(waiting.message.query, progress.file) ?? null;
    if (waiting.network === null || waiting.network > last) return true;
    const index = waiting.network;
    answer(waiting.message, () => answerFromNetwork(waiting.message.query, progress, index, job.text));
    return false;
  });
}

/** Sends a query's answer, or why it failed. */
function answer(query: QueryJob, value: () => unknown): void {
  try {
    port!.postMessage({ id: query.id, kind: 'queryDone', value: value() as QueryResults[AnalysisQuery['kind']] } satisfies AnalysisReply);
  } catch (error) {
    port!.postMessage({ id: query.id, kind: 'queryFailed', message: (error as Error).message } satisfies AnalysisReply);
  }
}
