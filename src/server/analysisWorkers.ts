/**
 * The pool of analysis workers. Analyses run off the server's thread, so a
 * costly file (a block fan-out that runs to the budget, a megabyte of
 * statements) never delays another document's requests. A document goes back
 * to the worker that analysed it last when that one is free, so its analyses
 * stay incremental. A large analysis stays in its worker until a request
 * needs it (see analysisProtocol.ts): publishing diagnostics never waits for
 * a structured clone, and requests that read it in a small way are answered
 * there (`AnalysisHandle.query`), even while the worker is still analysing
 * (it reads its query port between networks). A job whose text is stale is dropped: taken off the
 * queue, or its worker terminated and replaced. Where worker threads cannot
 * start (no worker script beside the server bundle), jobs run on the server's
 * thread instead, one per turn of the event loop.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { diagnostic, IncrementalAnalysis, type Analysis, type Diagnostic, type DiagnosticCode } from '../core';
import type { AnalysisJob, AnalysisQuery, AnalysisReply, AnalysisTask, QueryJob, QueryResults, TaskJob, TaskResults, WorkerMessage, WorkerStart } from './analysisProtocol';
import { answerQuery, runTask } from './analysisTasks';

/** The job was dropped because its text went stale; nobody needs its answer. */
export class StaleAnalysis extends Error {}

/** The analysis a worker kept is gone (its worker was replaced): analyse again. */
export class LostAnalysis extends Error {}

/** A job in the pool: its answers, and a way to drop it. */
export interface AnalysisHandle {
  /** The diagnostics, as soon as the worker has them; rejects with StaleAnalysis when dropped. */
  readonly diagnostics: Promise<Diagnostic[]>;
  /** The analysis, fetched from the worker when it kept it; rejects with StaleAnalysis when dropped, LostAnalysis when gone. */
  analysis(): Promise<Analysis>;
  /**
   * Answers a query from the analysis: in the worker that keeps it (only the
   * answer is copied), or here when the analysis came here; rejects like `analysis`.
   */
  query<K extends AnalysisQuery['kind']>(query: Extract<AnalysisQuery, { kind: K }>): Promise<QueryResults[K]>;
  /** Drops the job: off the queue, or its worker terminated. */
  drop(): void;
}

interface Job {
  message: AnalysisJob | TaskJob;
  /** For a task: who waits for its answer. */
  task?: { resolve(value: unknown): void; reject(error: Error): void };
  /** Dropped, failed, or its analysis delivered: nothing more will come. */
  done: boolean;
  diagnostics: Promise<Diagnostic[]>;
  resolveDiagnostics(d: Diagnostic[]): void;
  rejectDiagnostics(e: Error): void;
  /** The analysis once here, or why it never will be. */
  result?: { analysis: Analysis } | { error: Error };
  /** Who waits for the analysis. */
  waiting: { resolve(a: Analysis): void; reject(e: Error): void }[];
  /** Queries waiting until the job's analysis is kept somewhere. */
  queries: PendingQuery[];
  /** The worker running the job. */
  slot?: Slot;
  /** The worker keeping the job's analysis, and whether it was asked for it. */
  keeper?: Slot;
  requested: boolean;
  /** When a worker took the job (performance.now()). */
  startedAt?: number;
}

/** A query on its way to (or in) the worker that keeps its analysis. */
interface PendingQuery {
  query: AnalysisQuery;
  resolve(value: QueryResults[AnalysisQuery['kind']]): void;
  reject(error: Error): void;
  /** The worker asked. */
  slot?: Slot;
}

interface Slot {
  worker: Worker;
  /** Where its queries go (the worker reads them while it analyses). */
  queries: MessagePort;
  job?: Job;
  /** The documents whose incremental state this worker holds, each with its URI (none for a task's). */
  documents: Map<string, string | undefined>;
}

/** How long a stale analysis may run on before its worker is terminated: about what starting a fresh worker costs. */
const patienceMs = 150;

/** How much heap one analysis may use before it is stopped with `too-large` (the server itself stays small). */
const heapLimitMb = 1536;

export class AnalysisWorkers {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  /** Jobs a worker may still answer, by id. */
  private readonly live = new Map<number, Job>();
  /** Queries a worker was asked, by the id of the message. */
  private readonly liveQueries = new Map<number, PendingQuery>();
  private nextId = 1;
  private inThread: boolean;
  /** Incremental state per document when analyses run on the server's thread. */
  private readonly local = new Map<string, IncrementalAnalysis>();

  /**
   * `script` is the worker bundle (dist/analysisWorker.js); `size` the most
   * workers at once. `log` receives what went wrong with a worker.
   */
  constructor(
    private readonly script: string,
    private readonly size: number,
    private readonly log: (message: string) => void,
  ) {
    this.inThread = !existsSync(script);
    if (this.inThread) log(`No analysis worker at ${script}: analyses run on the server's thread.`);
  }

  /**
   * Queues an analysis of `text`, the current text of `document` (a key: the
   * URI and the kind), with graphs when `graph`; `send` when the analysis
   * itself is needed now, not only the diagnostics. The two analyses of one
   * `uri` go to the same worker when it is free, where they share their parse.
   */
  run({ document, uri, text, graph, send = false }: { document: string; uri: string; text: string; graph: boolean; send?: boolean }): AnalysisHandle {
    let resolveDiagnostics!: (d: Diagnostic[]) => void;
    let rejectDiagnostics!: (e: Error) => void;
    const diagnostics = new Promise<Diagnostic[]>((resolve, reject) => {
      resolveDiagnostics = resolve;
      rejectDiagnostics = reject;
    });
    // Nobody may wait for the diagnostics: an unobserved rejection is not an error.
    diagnostics.catch(() => undefined);
    const job: Job = {
      message: { kind: 'analyse', id: this.nextId++, document, uri, text, graph, send },
      done: false,
      diagnostics,
      resolveDiagnostics,
      rejectDiagnostics,
      waiting: [],
      queries: [],
      requested: false,
    };
    this.queue.push(job);
    this.dispatch();
    return { diagnostics, analysis: () => this.analysisOf(job), query: (query) => this.queryOf(job, query), drop: () => this.drop(job) };
  }

  /**
   * Runs a task for a request in a worker (checking quick fixes, exporting),
   * so that it cannot stall the server's thread; `document` keys the
   * incremental state the task reuses.
   */
  task<K extends AnalysisTask['kind']>(document: string, task: Extract<AnalysisTask, { kind: K }>): Promise<TaskResults[K]> {
    return new Promise<TaskResults[K]>((resolve, reject) => {
      const job: Job = {
        message: { kind: 'task', id: this.nextId++, document, task },
        task: { resolve: (value) => resolve(value as TaskResults[K]), reject },
        done: false,
        diagnostics: Promise.resolve([]),
        resolveDiagnostics: () => undefined,
        rejectDiagnostics: () => undefined,
        waiting: [],
        queries: [],
        requested: false,
      };
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Forgets what the workers keep for a document (it was closed). */
  forget(document: string): void {
    this.local.delete(document);
    for (const slot of this.slots) {
      if (slot.documents.delete(document)) slot.worker.postMessage({ kind: 'forget', document } satisfies WorkerMessage);
    }
  }

  /** Ends every worker (the server is exiting). */
  dispose(): void {
    for (const slot of this.slots.splice(0)) void slot.worker.terminate();
  }

  private analysisOf(job: Job): Promise<Analysis> {
    if (job.result) return 'analysis' in job.result ? Promise.resolve(job.result.analysis) : Promise.reject(job.result.error);
    const answer = new Promise<Analysis>((resolve, reject) => job.waiting.push({ resolve, reject }));
    if (job.keeper && !job.requested) {
      job.requested = true;
      job.keeper.worker.postMessage({ kind: 'send', id: job.message.id, document: job.message.document } satisfies WorkerMessage);
    }
    return answer;
  }

  private queryOf<K extends AnalysisQuery['kind']>(job: Job, query: Extract<AnalysisQuery, { kind: K }>): Promise<QueryResults[K]> {
    return new Promise<QueryResults[K]>((resolve, reject) => {
      const pending: PendingQuery = { query, resolve: (value) => resolve(value as QueryResults[K]), reject };
      job.queries.push(pending);
      this.sendQueries(job);
    });
  }

  /**
   * Answers a job's waiting queries from its analysis here, or asks the worker keeping it, or the worker running it (which
   * answers a query that reads one network as soon as that network is analysed); they wait while the job is queued.
   */
  private sendQueries(job: Job): void {
    if (job.result) {
      for (const pending of job.queries.splice(0)) {
        if ('error' in job.result) pending.reject(job.result.error);
        else {
          try {
            // Only analysis jobs have queries (a task has no analysis to ask).
            pending.resolve(answerQuery(pending.query, job.result.analysis, job.message.kind === 'analyse' ? job.message.text : ''));
          } catch (error) {
            pending.reject(error as Error);
          }
        }
      }
      return;
    }
    const asked = job.keeper ?? (job.slot?.job === job ? job.slot : undefined);
    if (!asked) return;
    for (const pending of job.queries.splice(0)) {
      const id = this.nextId++;
      pending.slot = asked;
      this.liveQueries.set(id, pending);
      asked.queries.postMessage({ kind: 'query', id, of: job.message.id, document: job.message.document, query: pending.query } satisfies QueryJob);
    }
  }

  /** Settles a job: its analysis, or an error for whoever waits (and for its diagnostics, if they never came). */
  private settle(job: Job, outcome: { analysis: Analysis } | { error: Error }): void {
    if (job.done) return;
    job.done = true;
    job.result = outcome;
    this.live.delete(job.message.id);
    job.keeper = undefined;
    if (job.task) {
      if ('error' in outcome) job.task.reject(outcome.error);
      else job.task.reject(new Error(outcome.analysis.diagnostics[0]?.message ?? 'the task failed'));
      return;
    }
    if ('analysis' in outcome) job.resolveDiagnostics(outcome.analysis.diagnostics);
    else job.rejectDiagnostics(outcome.error);
    this.sendQueries(job);
    for (const waiter of job.waiting.splice(0)) {
      if ('analysis' in outcome) waiter.resolve(outcome.analysis);
      else waiter.reject(outcome.error);
    }
  }

  private drop(job: Job): void {
    if (job.done) return;
    this.settle(job, { error: new StaleAnalysis('The text changed before its analysis finished.') });
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = job.slot;
    if (!slot || slot.job !== job) return;
    // A running analysis cannot be interrupted inside the worker: a long one takes its worker with it (a fresh one
    // starts when needed), a short one finishes unheard, because starting a worker costs more than it has left.
    const stop = () => {
      if (slot.job !== job || !this.slots.includes(slot)) return;
      this.retire(slot);
      this.dispatch();
    };
    const ranFor = performance.now() - (job.startedAt ?? 0);
    if (ranFor >= patienceMs) stop();
    else setTimeout(stop, patienceMs - ranFor).unref();
  }

  private dispatch(): void {
    while (this.queue.length) {
      if (this.inThread) {
        const job = this.queue.shift()!;
        // One analysis per turn of the event loop, so requests in between are answered.
        setImmediate(() => {
          if (!job.done) {
            const message = job.message;
            let incremental = this.local.get(message.document);
            if (!incremental) this.local.set(message.document, (incremental = new IncrementalAnalysis({ graph: message.kind === 'analyse' && message.graph })));
            if (message.kind === 'analyse') this.settle(job, { analysis: incremental.analyze(message.text) });
            else {
              job.done = true;
              try {
                job.task?.resolve(runTask(message.task, incremental));
              } catch (error) {
                job.task?.reject(error as Error);
              }
            }
          }
          this.dispatch();
        });
        return;
      }
      const job = this.queue[0];
      const slot = this.freeSlot(job.message.document, job.message.kind === 'analyse' ? job.message.uri : undefined);
      if (!slot) return;
      this.queue.shift();
      // One worker holds a document's incremental state: the others forget it.
      for (const other of this.slots) {
        if (other !== slot && other.documents.delete(job.message.document)) other.worker.postMessage({ kind: 'forget', document: job.message.document } satisfies WorkerMessage);
      }
      slot.documents.set(job.message.document, job.message.kind === 'analyse' ? job.message.uri : undefined);
      slot.job = job;
      job.slot = slot;
      job.startedAt = performance.now();
      this.live.set(job.message.id, job);
      slot.worker.postMessage(job.message satisfies WorkerMessage);
      this.sendQueries(job);
    }
  }

  /**
   * An idle worker: the one that holds the document's state if it is idle, else one that holds another analysis of its
   * URI; a new one while the pool is not full.
   */
  private freeSlot(document: string, uri: string | undefined): Slot | undefined {
    const idle = this.slots.filter((s) => !s.job);
    const chosen = idle.find((s) => s.documents.has(document)) ?? (uri === undefined ? undefined : idle.find((s) => [...s.documents.values()].includes(uri))) ?? idle[0];
    if (chosen || this.slots.length >= this.size) return chosen;
    try {
      const channel = new MessageChannel();
      const worker = new Worker(this.script, {
        resourceLimits: { maxOldGenerationSizeMb: heapLimitMb },
        workerData: { queries: channel.port2 } satisfies WorkerStart,
        transferList: [channel.port2],
      });
      // Workers never keep the server alive: it ends when its client goes.
      worker.unref();
      channel.port1.unref();
      const slot: Slot = { worker, queries: channel.port1, documents: new Map() };
      worker.on('message', (reply: AnalysisReply) => this.answer(slot, reply));
      worker.on('error', (error) => this.failed(slot, error));
      worker.on('exit', (code) => this.failed(slot, new Error(`the analysis worker exited with code ${code}`)));
      this.slots.push(slot);
      return slot;
    } catch (error) {
      this.log(`Analysis workers cannot start (${(error as Error).message}): analyses run on the server's thread.`);
      this.inThread = true;
      return undefined;
    }
  }

  private answer(slot: Slot, reply: AnalysisReply): void {
    const query = this.liveQueries.get(reply.id);
    if (query) {
      this.liveQueries.delete(reply.id);
      if (reply.kind === 'queryDone') query.resolve(reply.value);
      else if (reply.kind === 'queryFailed') query.reject(new Error(reply.message));
      else query.reject(new LostAnalysis('The analysis was replaced before the query reached it.'));
      return;
    }
    const job = this.live.get(reply.id);
    if (job && reply.kind === 'diagnostics') {
      job.resolveDiagnostics(reply.diagnostics);
      if (reply.kept) job.keeper = slot;
      this.sendQueries(job);
      if (reply.kept && job.waiting.length && !job.requested) {
        job.requested = true;
        slot.worker.postMessage({ kind: 'send', id: reply.id, document: job.message.document } satisfies WorkerMessage);
      }
    } else if (job && reply.kind === 'analysis') this.settle(job, { analysis: reply.analysis });
    else if (job && reply.kind === 'gone') this.settle(job, { error: new LostAnalysis('The analysis was replaced before it was sent.') });
    else if (job && (reply.kind === 'taskDone' || reply.kind === 'taskFailed')) {
      job.done = true;
      this.live.delete(reply.id);
      if (reply.kind === 'taskDone') job.task?.resolve(reply.value);
      else job.task?.reject(new Error(reply.message));
    }
    // The worker is free once it has answered its job with the diagnostics it keeps the analysis of, or with the analysis.
    if (slot.job && slot.job.message.id === reply.id && (reply.kind !== 'diagnostics' || reply.kept)) {
      slot.job.slot = undefined;
      slot.job = undefined;
      this.dispatch();
    }
  }

  /** A worker died under a job (out of memory, a crash): the job's document gets a diagnostic saying so, and the pool carries on. */
  private failed(slot: Slot, error: Error): void {
    if (!this.slots.includes(slot)) return;
    const job = slot.job;
    this.retire(slot);
    if (job?.task && !job.done) this.settle(job, { error: new Error(`the analysis worker failed (${error.message})`) });
    else if (job && !job.done) {
      const outOfMemory = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.log(`Analysis worker failed: ${error.stack ?? error.message}`);
      this.settle(job, {
        analysis: outOfMemory
          ? unanalysed('too-large', `Analysing this file needs more than ${heapLimitMb} MB of memory; CNN Lens stopped. Split it into smaller networks or blocks.`)
          : unanalysed('internal-error', `CNN Lens failed while analysing this file (${error.message}). This is a bug in CNN Lens, not in the file; please report it with the file.`),
      });
    }
    this.dispatch();
  }

  private retire(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    if (slot.job) slot.job.slot = undefined;
    slot.job = undefined;
    // Analyses it kept go with it: whoever needs one analyses again.
    for (const job of [...this.live.values()]) if (job.keeper === slot) this.settle(job, { error: new LostAnalysis('The worker that kept this analysis was replaced.') });
    for (const [id, query] of [...this.liveQueries]) {
      if (query.slot !== slot) continue;
      this.liveQueries.delete(id);
      query.reject(new LostAnalysis('The worker that kept this analysis was replaced.'));
    }
    slot.worker.removeAllListeners();
    slot.queries.close();
    // An error from a worker on its way out has no one to report to.
    slot.worker.on('error', () => undefined);
    void slot.worker.terminate();
  }
}

/** An analysis that holds one diagnostic at the top of the file and nothing else. */
function unanalysed(code: DiagnosticCode, message: string): Analysis {
  const start = { line: 0, character: 0 };
  return { file: { networks: [], blocks: [], comments: [] }, diagnostics: [diagnostic(code, message, { start, end: start })], networks: [], instances: new Map() };
}
