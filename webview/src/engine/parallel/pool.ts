/**
 * The panel's convolution workers: starts them from the bundled
 * convWorker.js, remembers which filter shares each one keeps, and turns
 * their replies into promises. A worker that fails is reported, never
 * waited on forever: the engine then runs on the panel's thread alone.
 */
import type { ConvolvedMessage, ConvolveMessage, FilterMessage, FromWorker, ToWorker } from './protocol';

/** How to start the pool. */
export interface PoolOptions {
  /** The worker script's URL (dist/webview/convWorker.js beside the panel's bundle). */
  scriptUrl: string;
  /** The WASM binary the panel's backend runs (see `wasmBinaryUrl` in backends.ts); fetched once here and handed to every worker. */
  wasmUrl: string;
  /** How many workers to start; the panel's own thread computes a share too. */
  workers: number;
  /** How long a worker may take to load its backend before it is given up (default 30 s). */
  startTimeoutMs?: number;
  /**
   * How long a worker may take to answer one share before it is given up as
   * hung (default 60 s, far beyond any one layer's share): the run then
   * finishes on the panel's thread instead of waiting forever.
   */
  replyTimeoutMs?: number;
}

/**
 * One convolution share's result: NHWC values and their shape. `output` views
 * the worker's reusable buffer: read it before asking that worker for the next share.
 */
export interface ConvolvedShare {
  output: Float32Array;
  shape: [number, number, number, number];
}

/** A convolution request: the input as values to copy (a view of the WASM heap, typically), the rest as the protocol has it. */
export type ShareRequest = Omit<ConvolveMessage, 'kind' | 'id' | 'input' | 'output'> & { input: Float32Array };

/** A buffer of at least `bytes`: `spare` when it is long enough and still ours, else a new one a quarter longer (so a slightly larger layer does not allocate again). */
function atLeast(spare: ArrayBuffer | undefined, bytes: number): ArrayBuffer {
  return spare && spare.byteLength >= bytes ? spare : new ArrayBuffer(Math.ceil((bytes * 1.25) / 4) * 4);
}

/** How many workers suit this machine: one fewer than its cores (the panel's thread works too), at most 7, at least none. */
export function workersFor(hardwareConcurrency: number | undefined): number {
  return Math.max(0, Math.min(7, (hardwareConcurrency ?? 1) - 1));
}

async function fetchOrSay(url: string, what: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${what} could not be loaded (${response.status} ${response.statusText})`);
  return response;
}

class ConvWorker {
  readonly kept = new Set<string>();
  /** The buffers that travel with each request and come back with its reply; undefined while they are away. */
  private spare: { input: ArrayBuffer; output: ArrayBuffer } | undefined;
  private readonly pending = new Map<number, { resolve: (share: ConvolvedShare) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private nextId = 1;
  private failure: Error | undefined;

  /** Set while the worker loads its backend: how to end `start`. */
  private starting: { done: () => void; failed: (error: Error) => void } | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly replyTimeoutMs: number,
  ) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.kind === 'convolved') this.settle(message);
      else if (message.ok) this.starting?.done();
      else this.starting?.failed(new Error(`a convolution worker could not load its WASM backend: ${message.error}`));
    };
    worker.onerror = (event) => {
      const error = new Error(`a convolution worker ${this.starting ? 'could not start' : 'stopped'}: ${event.message || 'unknown error'}`);
      this.starting?.failed(error);
      this.fail(error);
    };
  }

  /** Waits for the backend inside the worker to load, at most `timeoutMs`. */
  start(wasm: ArrayBuffer, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const end = (outcome: () => void) => {
        clearTimeout(timer);
        this.starting = undefined;
        outcome();
      };
      const timer = setTimeout(() => end(() => reject(new Error(`a convolution worker did not load its WASM backend within ${timeoutMs / 1000} s`))), timeoutMs);
      this.starting = { done: () => end(resolve), failed: (error) => end(() => reject(error)) };
      // Copied, not transferred: every worker gets the same bytes.
      this.post({ kind: 'init', wasm });
    });
  }

  post(message: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(message, transfer);
  }

  keep(message: FilterMessage): void {
    this.post(message);
    this.kept.add(message.key);
  }

  convolve(request: ShareRequest, outputLength: number): Promise<ConvolvedShare> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const input = atLeast(this.spare?.input, request.input.byteLength);
    const output = atLeast(this.spare?.output, outputLength * 4);
    this.spare = undefined;
    new Float32Array(input, 0, request.input.length).set(request.input);
    return new Promise((resolve, reject) => {
      // A worker that is alive but never answers (stuck, or its reply lost) would otherwise hold the run forever.
      const timer = setTimeout(() => this.fail(new Error(`a convolution worker did not answer within ${this.replyTimeoutMs / 1000} s`)), this.replyTimeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ ...request, kind: 'convolve', id, input, output }, [input, output]);
    });
  }

  private settle(reply: ConvolvedMessage): void {
    this.spare = { input: reply.input, output: reply.output };
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.pending.delete(reply.id);
    if (reply.outputShape)
      waiting.resolve({
        output: new Float32Array(
          reply.output,
          0,
          reply.outputShape.reduce((a, b) => a * b, 1),
        ),
        shape: reply.outputShape,
      });
    else waiting.reject(new Error(reply.error ?? 'a convolution worker returned nothing'));
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
  }

  terminate(): void {
    this.fail(new Error('the convolution workers were stopped'));
    this.worker.terminate();
  }
}

/**
 * Workers that each keep shares of convolution filters and compute the
 * matching output channels. Keys are chosen by the caller (engine, node,
 * share); `forget` frees them by prefix.
 */
export class ConvWorkerPool {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly workers: ConvWorker[]) {}

  /**
   * Runs `work` once every convolution started earlier through this method
   * has finished. A share's result views a buffer that the worker's next
   * request takes back, so two runs (one being cancelled, say) must not
   * interleave their convolutions.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const turn = this.queue.then(work, work);
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Starts `options.workers` workers and waits for their backends. The script
   * is fetched and started from a blob: URL, because a webview's resources
   * live on another origin than the page, and a worker must be same-origin.
   * Throws when none starts; workers that fail beside working ones are dropped.
   */
  static async start(options: PoolOptions): Promise<ConvWorkerPool> {
    if (options.workers < 1) throw new Error('no workers were asked for');
    if (typeof Worker !== 'function') throw new Error('this browser has no Web Workers');
    const [script, wasm] = await Promise.all([fetchOrSay(options.scriptUrl, 'the convolution worker script'), fetchOrSay(options.wasmUrl, 'the WASM binary')]);
    const scriptUrl = URL.createObjectURL(new Blob([await script.text()], { type: 'text/javascript' }));
    const binary = await wasm.arrayBuffer();
    try {
      const workers = Array.from({ length: options.workers }, () => new ConvWorker(new Worker(scriptUrl), options.replyTimeoutMs ?? 60_000));
      const started = await Promise.allSettled(workers.map((w) => w.start(binary, options.startTimeoutMs ?? 30_000)));
      const working = workers.filter((worker, i) => {
        if (started[i].status === 'fulfilled') return true;
        worker.terminate();
        return false;
      });
      if (!working.length) throw (started[0] as PromiseRejectedResult).reason;
      return new ConvWorkerPool(working);
    } finally {
      URL.revokeObjectURL(scriptUrl);
    }
  }

  /** How many workers are running. */
  get size(): number {
    return this.workers.length;
  }

  /** Whether worker `index` keeps filters under `key`. */
  keeps(index: number, key: string): boolean {
    return this.workers[index].kept.has(key);
  }

  /** Sends worker `index` a filter share to keep under `key` (the arrays are copied). */
  keep(index: number, key: string, filter: Float32Array, filterShape: FilterMessage['filterShape'], bias: Float32Array): void {
    this.workers[index].keep({ kind: 'filter', key, filter, filterShape, bias });
  }

  /**
   * Has worker `index` compute the share kept under `request.key`, which has
   * `outputLength` values; rejects with the worker's error. The input is
   * copied into the worker's travelling buffer before this returns.
   */
  convolve(index: number, request: ShareRequest, outputLength: number): Promise<ConvolvedShare> {
    return this.workers[index].convolve(request, outputLength);
  }

  /** Frees, in every worker, the filters whose keys start with `prefix`. */
  forget(prefix: string): void {
    for (const worker of this.workers) {
      for (const key of worker.kept) if (key.startsWith(prefix)) worker.kept.delete(key);
      worker.post({ kind: 'forget', prefix });
    }
  }

  /** Stops every worker; pending convolutions reject. */
  terminate(): void {
    for (const worker of this.workers) worker.terminate();
  }
}
