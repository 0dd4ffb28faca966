/**
 * The pool of analysis workers. Analyses run off the server's thread, so a
 * costly file (a block fan-out that runs to the budget, a megabyte of
 * statements) never delays another document's requests. A job whose text is
 * stale is dropped: taken off the queue, or its worker terminated and
 * replaced. Where worker threads cannot start (no worker script beside the
 * server bundle), jobs run on the server's thread instead, one per turn of the
 * event loop.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { analyze, diagnostic, type Analysis, type Diagnostic, type DiagnosticCode } from '../core';
import type { AnalysisJob, AnalysisReply } from './analysisProtocol';

/** The job was dropped because its text went stale; nobody needs its answer. */
export class StaleAnalysis extends Error {}

/** A job in the pool: its answer, and a way to drop it. */
export interface AnalysisHandle {
  /** The analysis; rejects with StaleAnalysis when dropped. */
  readonly analysis: Promise<Analysis>;
  /** The diagnostics, which arrive before the analysis (a large analysis takes a while to copy across). */
  readonly diagnostics: Promise<Diagnostic[]>;
  /** Drops the job: off the queue, or its worker terminated. */
  drop(): void;
}

interface Job {
  message: AnalysisJob;
  settle(reply: { diagnostics?: Diagnostic[]; analysis?: Analysis; error?: Error }): void;
  slot?: Slot;
  done: boolean;
  /** When a worker took the job (performance.now()). */
  startedAt?: number;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

/** How long a stale analysis may run on before its worker is terminated: about what starting a fresh worker costs. */
const patienceMs = 150;

/** How much heap one analysis may use before it is stopped with `too-large` (the server itself stays small). */
const heapLimitMb = 1536;

export class AnalysisWorkers {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private inThread: boolean;

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

  /** Queues an analysis of `text` (with graphs when `graph`). */
  run(text: string, graph: boolean): AnalysisHandle {
    let resolveDiagnostics!: (d: Diagnostic[]) => void;
    let resolveAnalysis!: (a: Analysis) => void;
    let rejectBoth!: (e: Error) => void;
    const diagnostics = new Promise<Diagnostic[]>((resolve, reject) => {
      resolveDiagnostics = resolve;
      rejectBoth = (e) => {
        reject(e);
        rejectAnalysis(e);
      };
    });
    let rejectAnalysis!: (e: Error) => void;
    const analysis = new Promise<Analysis>((resolve, reject) => {
      resolveAnalysis = resolve;
      rejectAnalysis = reject;
    });
    // Nobody may wait for the diagnostics (a feature request waits for the analysis only): an unobserved rejection is not an error.
    diagnostics.catch(() => undefined);
    analysis.catch(() => undefined);
    const job: Job = {
      message: { id: this.nextId++, text, graph },
      done: false,
      settle: (reply) => {
        if (job.done) return;
        if (reply.error) {
          job.done = true;
          rejectBoth(reply.error);
          return;
        }
        if (reply.diagnostics) resolveDiagnostics(reply.diagnostics);
        if (reply.analysis) {
          job.done = true;
          resolveDiagnostics(reply.analysis.diagnostics);
          resolveAnalysis(reply.analysis);
        }
      },
    };
    this.queue.push(job);
    this.dispatch();
    return { analysis, diagnostics, drop: () => this.drop(job) };
  }

  /** Ends every worker (the server is exiting). */
  dispose(): void {
    for (const slot of this.slots.splice(0)) void slot.worker.terminate();
  }

  private drop(job: Job): void {
    if (job.done) return;
    job.settle({ error: new StaleAnalysis('The text changed before its analysis finished.') });
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = job.slot;
    if (!slot) return;
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
          if (job.done) return;
          job.settle({ analysis: analyze(job.message.text, { graph: job.message.graph }) });
          this.dispatch();
        });
        return;
      }
      const slot = this.freeSlot();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      job.slot = slot;
      job.startedAt = performance.now();
      slot.worker.postMessage(job.message);
    }
  }

  private freeSlot(): Slot | undefined {
    const idle = this.slots.find((s) => !s.job);
    if (idle || this.slots.length >= this.size) return idle;
    try {
      const worker = new Worker(this.script, { resourceLimits: { maxOldGenerationSizeMb: heapLimitMb } });
      // Workers never keep the server alive: it ends when its client goes.
      worker.unref();
      const slot: Slot = { worker };
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
    const job = slot.job;
    if (!job || job.message.id !== reply.id) return;
    if (reply.kind === 'diagnostics') job.settle({ diagnostics: reply.diagnostics });
    else {
      job.settle({ analysis: reply.analysis });
      slot.job = undefined;
      job.slot = undefined;
      this.dispatch();
    }
  }

  /** A worker died under a job (out of memory, a crash): the job's document gets a diagnostic saying so, and the pool carries on. */
  private failed(slot: Slot, error: Error): void {
    if (!this.slots.includes(slot)) return;
    const job = slot.job;
    this.retire(slot);
    if (job && !job.done) {
      const outOfMemory = (error as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.log(`Analysis worker failed: ${error.stack ?? error.message}`);
      job.settle({
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
    slot.worker.removeAllListeners();
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
