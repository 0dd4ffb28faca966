/**
 * What `cnn check --batch` and `cnn summary` report: the plain analysis (the
 * diagnostics, totals and tables that `cnn check` and the editor give), with
 * each network's training memory from an analysis with graphs. That analysis
 * expands every repeat pass and block call, so it may stop (too-large) where
 * the plain one, which fast-forwards repeats and replays calls, finishes:
 * asking for memory must not then turn the network's totals into "unknown"
 * and add an error that `cnn check` does not give. Its figures are used only
 * when some network can have training memory (`graphFits`).
 *
 * The two analyses are independent, so for a large file the one with graphs
 * runs in a worker thread (memoryWorker.ts) while this thread runs the plain
 * one, and sends each network's figures as it goes: a megabyte file's summary
 * waits for about the longer of the two, not their sum (issue 16: every file
 * up to 1 MB in under 2 s). When no network can have memory, the worker is
 * stopped without waiting for it: a megabyte of block calls would spend 2 s
 * recording a graph that stops.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { analyze, graphFits, largestBatch, networkMemory, type Analysis, type NetworkGraph, type TrainingSetup } from '../core';
import type { MemoryJob, MemoryReply, NetworkFigures } from './memoryProtocol';

/**
 * Below this many characters both analyses run on this thread, one after the
 * other. Starting a worker thread and compiling its bundle costs about as
 * much as it saves at 256 KB (measured on a 2-core machine: 90 ms slower at
 * 128 KB, even at 256 KB, 40 ms faster at 512 KB, 0.5 s at 1 MB).
 */
export const memoryWorkerThreshold = 256 * 1024;

/** The worker's bundle, beside the command line's (dist/memoryWorker.js). */
const defaultWorkerScript = join(__dirname, 'memoryWorker.js');

/** One network's memory for `setup` from its graph (none: no memory), and with `budgetBytes` the largest batch that fits it. */
function networkFigures(graph: NetworkGraph | undefined, setup: TrainingSetup, budgetBytes: number | undefined): NetworkFigures {
  const memory = graph ? networkMemory(graph, setup) : null;
  if (!graph || budgetBytes === undefined) return { memory, fit: null };
  const batch = largestBatch(graph, setup, budgetBytes);
  return { memory, fit: batch === null ? null : { budgetBytes, batch } };
}

/** Analyses `text` with graphs, handing each network's figures to `take` as soon as that network is analysed (the worker sends them on). */
export function eachNetworkFigures(job: Pick<MemoryJob, 'text' | 'setup' | 'budgetBytes'>, take: (figures: NetworkFigures) => void): void {
  analyze(job.text, { graph: true, onNetwork: (_index, _network, graph) => take(networkFigures(graph, job.setup, job.budgetBytes)) });
}

/** Every network's figures from an analysis with graphs of `text`, on this thread. */
function figuresHere(job: Pick<MemoryJob, 'text' | 'setup' | 'budgetBytes'>): NetworkFigures[] {
  const figures: NetworkFigures[] = [];
  eachNetworkFigures(job, (one) => figures.push(one));
  return figures;
}

/** A worker computing the figures: its replies' port, and the count of replies it has posted (`signal[0]`). */
interface MemoryWorker {
  worker: Worker;
  port: MessagePort;
  signal: Int32Array;
}

function startMemoryWorker(script: string, text: string, setup: TrainingSetup, budgetBytes: number | undefined): MemoryWorker | undefined {
  if (!existsSync(script)) return undefined;
  try {
    const { port1, port2 } = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const job: MemoryJob = { text, setup, budgetBytes, port: port2, signal };
    const worker = new Worker(script, { workerData: job, transferList: [port2] });
    // The command exits when its output is written, whether or not a worker it no longer needs has stopped.
    worker.unref();
    // A worker that fails to start reports on the event loop, which this synchronous command does not reach; the deadline covers it.
    worker.on('error', () => undefined);
    return { worker, port: port1, signal };
  } catch {
    return undefined;
  }
}

/**
 * Each network's training memory, as a worker sends it or, without one (a
 * small file, a missing bundle, a worker that failed), computed on this
 * thread when first asked. Asking for a network the worker has not reached
 * blocks until it has: the command line is synchronous.
 */
export class TrainingMemoryFigures {
  private readonly received: NetworkFigures[] = [];
  private repliesRead = 0;
  private here?: NetworkFigures[];

  /**
   * `available` is false when no network can have memory (nothing is then
   * computed); a worker still running after `giveUpAt` (a time from Date.now)
   * is taken for dead (out of memory, say), and the figures are computed here.
   */
  constructor(
    private readonly job: Pick<MemoryJob, 'text' | 'setup' | 'budgetBytes'>,
    private readonly available: boolean,
    private running: MemoryWorker | undefined,
    private readonly giveUpAt: number,
  ) {
    if (!available) this.stopWorker();
  }

  /** Network `index`'s figures (in the order of the analysis's networks). */
  at(index: number): NetworkFigures {
    if (!this.available) return { memory: null, fit: null };
    while (this.running && index >= this.received.length) if (!this.receive()) this.stopWorker();
    if (index < this.received.length) return this.received[index];
    this.here ??= figuresHere(this.job);
    return this.here[index] ?? { memory: null, fit: null };
  }

  /** Reads the worker's next reply, waiting for it; false when the worker has nothing more to give (done, failed, or past the deadline). */
  private receive(): boolean {
    const running = this.running!;
    for (;;) {
      const received = receiveMessageOnPort(running.port);
      if (received) {
        this.repliesRead++;
        const reply = received.message as MemoryReply;
        if (reply.kind !== 'networks') return false;
        for (const figures of reply.figures) this.received.push(figures);
        return true;
      }
      const left = this.giveUpAt - Date.now();
      if (left <= 0) return false;
      // Returns at once when the worker has posted more replies than were read.
      Atomics.wait(running.signal, 0, this.repliesRead, left);
    }
  }

  private stopWorker(): void {
    if (this.running) void this.running.worker.terminate();
    this.running = undefined;
  }
}

/**
 * The plain analysis of `text`, and each network's training memory for
 * `setup` (and fit to `budgetBytes`) to ask for as the networks are printed.
 * `workerScript` is for tests: the default is the bundle beside this one.
 */
export function startAnalysisWithMemory(text: string, setup: TrainingSetup, budgetBytes?: number, workerScript = defaultWorkerScript): { analysis: Analysis; figures: TrainingMemoryFigures } {
  const running = text.length >= memoryWorkerThreshold ? startMemoryWorker(workerScript, text, setup, budgetBytes) : undefined;
  const started = Date.now();
  const analysis = analyze(text);
  // The analysis with graphs is bounded by the same work budget as the plain one and takes at most a few times as long
  // (three times for a megabyte of block calls); a worker that has not answered by ten times is taken for dead.
  const giveUpAt = Date.now() + Math.max(10_000, 10 * (Date.now() - started));
  return { analysis, figures: new TrainingMemoryFigures({ text, setup, budgetBytes }, analysis.networks.some(graphFits), running, giveUpAt) };
}
