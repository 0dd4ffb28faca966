/**
 * The contract of the engine test page (engine.page.ts), free of DOM types so
 * that Node-side tests can import it. Typed arrays do not cross
 * `page.evaluate`, so every tensor travels as a plain array.
 */
import type { BackendChoice, BackendName, BackendProbe } from '../../../webview/src/engine/backendPolicy';

/** A tensor as plain numbers: PyTorch layout for weights, channels first for outputs. */
export interface PlainTensor {
  shape: number[];
  data: number[];
}

/** Weights by graph node id (as a string key), then by PyTorch name within the layer. */
export type PlainWeights = Record<string, Record<string, PlainTensor>>;

export interface RunRequest {
  /** A `.cnn` file; its first network runs. */
  source: string;
  /** Explicit weights; without them, `heInitialization(graph, seed)`. */
  weights?: PlainWeights;
  seed?: number;
  /** The input, channels first, as many values as the input shape holds. */
  input: number[];
  keep?: number[] | 'all';
  /** Aborts the run from its progress callback once this many nodes have run. */
  abortAfterNodes?: number;
  /** Renames this node's op to one no executor knows, to see how an unsupported op is reported. */
  pretendUnknownOp?: { node: number; op: string };
  /** Shares large convolutions with the workers `startWorkers` started. */
  workers?: boolean;
  /** Keeps the outputs on the backend up to this many values (RunOptions.keepValues), then reads every node from them into `keptOutputs`. */
  keepValues?: number;
  /** Does the one-time work (ForwardEngine.prepareFilters) before the run, and counts the tensors the run leaves in `tensorsMadeByRun`. */
  prepareFilters?: boolean;
}

/** The engine's error classes a test can tell apart (RunCancelledError is named AbortError, as DOM aborts are). */
export type ErrorClass = 'RunCancelledError' | 'UnsupportedOpError' | 'WeightLoadError' | 'Error';

/**
 * A run's outcome; errors come back by class so tests can tell UnsupportedOpError
 * from a failure. `ticks` counts zero-delay timers that fired during the run: a
 * run that never yields to the page (a blocking `dataSync()`) counts none.
 */
export type RunReply =
  | {
      ok: true;
      backend: string;
      outputNode: number;
      outputs: Record<string, PlainTensor>;
      nodesRun: number;
      ticks: number;
      timings: { node: number; op: string; ms: number; fusedInto?: number; threads?: number }[];
      threads: number;
      workersFailed?: string;
      /** tfjs tensors left after the engine was disposed that were not there before it was made (0 unless something leaks). */
      leakedTensors: number;
      /** With `prepareFilters`: the tensors the run left that were not there before it (the weight-derived ones it had to make itself). */
      tensorsMadeByRun?: number;
      /** With `keepValues`: every node read from the kept outputs after the run (a node that could not be read is absent), how many values were kept and how many outputs were dropped. */
      kept?: { outputs: Record<string, PlainTensor>; values: number; dropped: number };
    }
  | { ok: false; errorClass: ErrorClass; error: string; nodesRun: number; ticks: number };

/** The outcome of switching to one backend. */
export type UseReply = { ok: true; backend: string; choice: BackendChoice } | { ok: false; error: string };

/** What loading a weight file gave: the weights, or the loader's error. */
export type LoadReply = { ok: true; weights: PlainWeights; notes: string[] } | { ok: false; errorClass: ErrorClass; error: string };

/** Forward-pass timings for the benchmark, in milliseconds. */
export interface TimingReply {
  backend: string;
  /** Threads that computed the convolutions (see RunResult.threads). */
  threads: number;
  /** Whole forward passes (output read back), after one warm-up pass. */
  runs: number[];
  /** Milliseconds per op of one more pass that waits for the device after every node. */
  byOp: Record<string, number>;
  /** `await data()` of the largest intermediate feature map, after the run that made it. */
  readback: { node: number; shape: number[]; ms: number[] };
}

export interface EnginePage {
  /** Sets the WASM binaries' URL, probes every backend, and reports what `initBackend` chooses by itself. */
  init(wasmBaseUrl: string): Promise<{ probes: BackendProbe[]; auto: BackendChoice }>;
  /** Switches to `backend` through `initBackend` with that preference; fails when another one ends up active. */
  use(backend: BackendName): Promise<UseReply>;
  run(request: RunRequest): Promise<RunReply>;
  loadSafetensors(source: string, bytes: number[]): LoadReply;
  loadTfjs(source: string, modelJson: unknown, shards: number[][]): LoadReply;
  /** Fetches a safetensors file from `url`, loads it as the panel's Load weights… does, and runs `input`, keeping only the output (large models need not cross as plain arrays). */
  runWithWeightFile(source: string, url: string, input: number[]): Promise<RunReply>;
  /** Times `runs` forward passes of the first network of `source` with seeded He weights on the active backend, with the started workers when asked. */
  time(source: string, runs: number, workers?: boolean): Promise<TimingReply>;
  /**
   * Starts `count` convolution workers from `scriptUrl` (default: convWorker.js
   * beside the WASM binaries) with the binary at `wasmUrl` (default: the one
   * the page's backend uses), replacing any started before; the pool's size,
   * or why none started, and how long it took. `replyTimeoutMs`: how long
   * a worker may take to answer a share (the pool's default when left out).
   */
  startWorkers(count: number, scriptUrl?: string, wasmUrl?: string, replyTimeoutMs?: number): Promise<{ ok: true; size: number; ms: number } | { ok: false; error: string; ms: number }>;
  /** Stops the started workers without forgetting them, so the next run with workers meets dead ones. */
  stopWorkers(): void;
  /** The page's `navigator.hardwareConcurrency` and what `workersFor` makes of it. */
  workersForThisMachine(): { hardwareConcurrency: number; workers: number };
  /** The language's ops (canonical names) that have no executor in the engine. */
  opsWithoutExecutor(): string[];
}
