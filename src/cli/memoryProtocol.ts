/**
 * The messages between `cnn summary` (or `cnn check --batch`) and the worker
 * thread that computes training memory (memoryWorker.ts) while the main thread
 * runs the plain analysis. The job travels as the worker's `workerData`; the
 * replies come back on `port` in order, as the file's networks are analysed.
 * After each reply the worker adds 1 to `signal[0]` and notifies it, so that
 * the command line, which is synchronous, can block on `Atomics.wait` and
 * read the replies with `receiveMessageOnPort`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { NetworkMemory, TrainingSetup } from '../core';

/** What the worker computes: each network's memory for `setup`, and with `budgetBytes` the largest batch that fits it. */
export interface MemoryJob {
  text: string;
  setup: TrainingSetup;
  budgetBytes?: number;
  /** Where the replies go (transferred to the worker). */
  port: MessagePort;
  /** One 32-bit cell on a SharedArrayBuffer: how many replies have been posted. */
  signal: Int32Array;
}

/** The largest batch whose training peak fits a memory size, for one network. */
export interface BudgetFit {
  budgetBytes: number;
  batch: number;
}

/** One network's figures: null where its graph is incomplete (a statement failed, or the graph stopped). */
export interface NetworkFigures {
  memory: NetworkMemory | null;
  /** Null also when no memory size was asked about. */
  fit: BudgetFit | null;
}

/**
 * The worker's replies: the figures of the next networks (in the order of the
 * file's networks), then `done`; or `failed` at any point, after which the
 * command line computes what is missing itself.
 */
export type MemoryReply = { kind: 'networks'; figures: NetworkFigures[] } | { kind: 'done' } | { kind: 'failed'; message: string };
