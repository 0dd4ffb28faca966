/**
 * Runs a NetworkGraph forward, node by node, as tfjs ops: yields to the
 * browser between layers, reports progress, stops on an AbortSignal, times
 * each node, and reads back the outputs asked for as channels-first arrays
 * (always with `await data()`: `dataSync()` blocks the page and, on software
 * WebGPU, returned zeros and crashed the GPU process).
 */
import * as tf from '@tensorflow/tfjs';
import { attributesOf, type GraphNode, type NetworkGraph, elementCount } from '../../../src/core';
import { fromChannelsFirstData } from './layout';
import { planFusion, type FusedChain, type FusionPlan } from './fusion';
import { fusedConv2dFilter, fusedConv2dPlan, fusedConvolution, splittable, type FoldedBatchnorm } from './ops/conv';
import type { ConvWorkerPool } from './parallel/pool';
import { channelShares, SPLIT_MIN_MACS } from './parallel/shares';
import { shareFiltersAhead, splitConvolution } from './parallel/split';
import { executors } from './ops/registry';
import type { Executor, OpInput } from './ops/types';
import { yieldToBrowser } from './schedule';
import { checkWeights, type WeightSet } from './weights';
import { KeptOutputs, readBack, type NodeOutput } from './retained';

export type { NodeOutput } from './retained';
import { RunCancelledError, UnsupportedOpError, type UnsupportedNode } from './errors';
export { RunCancelledError, UnsupportedOpError, type UnsupportedNode } from './errors';

/** How long one node took, in milliseconds (`performance.now()`), including waiting for the device when timed. */
export interface NodeTiming {
  node: number;
  op: string;
  ms: number;
  /** Set when the node ran inside this convolution node (batch norm and ReLU folded into it; see fusion.ts); its `ms` is then 0. */
  fusedInto?: number;
  /** Set when the convolution was shared by this many threads (the convolution workers and the panel's). */
  threads?: number;
}

/** Options of one forward pass. */
export interface RunOptions {
  /** Node ids whose outputs to read back; the network's output is always read. `'all'` reads every node (tests). */
  keep?: number[] | 'all';
  /** Called after each node with the count done and the total. */
  onProgress?: (done: number, total: number, node: GraphNode) => void;
  signal?: AbortSignal;
  /**
   * Wait for the device after each node so timings are per node (default
   * true). Without it, GPU backends queue work and the times are dispatch times.
   */
  timeEachNode?: boolean;
  /**
   * Fuse convolution + batch norm + ReLU chains whose intermediate outputs are
   * not kept (default true; see fusion.ts). Their absorbed nodes then report 0 ms.
   */
  fuse?: boolean;
  /**
   * Convolution workers to share large 2-D convolutions with, on the WASM
   * backend (see parallel/split.ts). Without them everything runs on this thread.
   */
  workers?: ConvWorkerPool;
  /**
   * Keep the layers' outputs as tensors after the run, up to this many
   * values in all, and return them as `RunResult.kept`, so any layer can be
   * shown later by reading back that layer alone. Outputs past the budget are
   * freed as usual. Absent or 0: nothing is kept.
   */
  keepValues?: number;
}

/** What a forward pass produced. */
export interface RunResult {
  /** The backend that ran it (`webgl`, `wasm`, ...). */
  backend: string;
  /** The network's output node, read back. */
  output: NodeOutput;
  /** The outputs of the nodes asked for in `keep`, by node id. */
  outputs: Map<number, NodeOutput>;
  timings: NodeTiming[];
  totalMs: number;
  /** How many threads computed the convolutions: 1, or the most that shared one convolution (workers and this thread). */
  threads: number;
  /** Why the convolution workers were given up during this run, when they were (the run then finished on this thread). */
  workersFailed?: string;
  /** The layer outputs kept on the backend when `keepValues` asked for them; the caller disposes them. */
  kept?: KeptOutputs;
}

/** Why a node cannot run at all, before any tensor is made. */
function unsupportedReason(node: GraphNode): string | undefined {
  if (node.op === 'input') return undefined;
  const executor = executors[node.op];
  if (!executor) return `the preview's engine has no implementation of '${node.written}'`;
  return executor.unsupported?.(node);
}

/**
 * One network ready to run: its graph, its weights, and the tfjs tensors
 * derived from the weights (kept between runs, rebuilt when the backend
 * changes). Call `dispose()` when the graph or weights change.
 */
export class ForwardEngine {
  private static engines = 0;
  private cache = new Map<string, tf.Tensor>();
  private cacheBackend = '';
  /** Names this engine's filter shares in the convolution workers, which outlive engines. */
  private readonly token = `engine${++ForwardEngine.engines}`;
  private pools = new Set<ConvWorkerPool>();
  private workersFailed: string | undefined;
  /** Set by the panel after a first pass (a preparation's warm-up or a run) has filled the caches. */
  warm = false;

  constructor(
    readonly graph: NetworkGraph,
    readonly weights: WeightSet,
    private readonly source?: string,
  ) {}

  /** Every node the engine cannot run, so the panel can name them before running. */
  unsupported(): UnsupportedNode[] {
    return this.graph.nodes.flatMap((node) => {
      const reason = unsupportedReason(node);
      return reason ? [{ node: node.id, op: node.written, line: node.range.start.line + 1, reason }] : [];
    });
  }

  /**
   * Runs the network on `input` (channels first, the input node's shape).
   * Throws UnsupportedOpError, RunCancelledError, or an Error with a clear
   * message for an incomplete graph, wrong input size or missing weights.
   */
  async run(input: Float32Array, options: RunOptions = {}): Promise<RunResult> {
    const { graph } = this;
    if (!graph.complete || graph.output === null) throw new Error(`network ${graph.name} has errors, so the forward pass cannot run; fix the errors shown in the editor first.`);
    const unsupported = this.unsupported();
    if (unsupported.length) throw new UnsupportedOpError(unsupported);
    const inputShape = graph.nodes[0].outShape;
    const expectedSize = elementCount(inputShape);
    if (input.length !== expectedSize) throw new Error(`the input has ${input.length} values but ${graph.name} takes ${inputShape.join('x')} = ${expectedSize}.`);
    const problem = checkWeights(graph, this.weights, this.source);
    if (problem) throw new Error(`the weights do not fit: ${problem}`);
    this.dropCachesOfAnotherBackend();

    const wanted = new Set<number>(options.keep === 'all' ? graph.nodes.map((n) => n.id) : [...(options.keep ?? []), graph.output]);
    const timeEach = options.timeEachNode !== false;
    const fusion: FusionPlan = options.fuse === false ? { byConv: new Map(), absorbed: new Map() } : planFusion(graph, wanted);
    // Each tensor is freed once the last node reading it has run.
    const readersLeft = new Map<number, number>();
    for (const node of graph.nodes) for (const id of node.inputs) readersLeft.set(id, (readersLeft.get(id) ?? 0) + 1);
    const live = new Map<number, tf.Tensor>();
    // Outputs no layer reads any more, kept for the panel while they fit the budget.
    const kept = new Map<number, tf.Tensor>();
    const keepBudget = options.keepValues ?? 0;
    let keptValues = 0;
    let dropped = 0;
    const keepOrFree = (id: number, tensor: tf.Tensor) => {
      if (keptValues + tensor.size <= keepBudget) {
        kept.set(id, tensor);
        keptValues += tensor.size;
      } else {
        if (keepBudget) dropped++;
        tensor.dispose();
      }
    };
    const outputs = new Map<number, NodeOutput>();
    const timings: NodeTiming[] = [];
    const pool = this.workersFailed === undefined ? options.workers : undefined;
    if (pool) this.pools.add(pool);
    // The most threads any convolution was shared by (a layer with few channels has fewer shares than threads).
    let threads = 1;
    const started = performance.now();
    try {
      for (const node of graph.nodes) {
        if (options.signal?.aborted) throw new RunCancelledError();
        const begin = performance.now();
        const chain = fusion.byConv.get(node.id);
        const fusedInto = fusion.absorbed.get(node.id);
        if (fusedInto !== undefined) {
          // Computed with its convolution, whose timing includes it.
          timings.push({ node: node.id, op: node.op, ms: 0, fusedInto });
        } else {
          const shared = pool && this.workersFailed === undefined ? await this.runSplit(node, chain, live, pool) : undefined;
          if (shared) threads = Math.max(threads, shared.threads);
          const tensor = shared ? shared.tensor : node.op === 'input' ? fromChannelsFirstData(input, inputShape) : chain ? this.runFused(chain, live) : this.runNode(node, live);
          live.set(chain ? chain.tail.id : node.id, tensor);
          if (timeEach) await syncOn(tensor);
          timings.push({ node: node.id, op: node.op, ms: performance.now() - begin, ...(shared ? { threads: shared.threads } : {}) });
        }
        if (wanted.has(node.id)) outputs.set(node.id, await readBack(node, live.get(node.id)!));
        for (const id of node.inputs) {
          const left = (readersLeft.get(id) ?? 1) - 1;
          readersLeft.set(id, left);
          if (left === 0 && id !== graph.output) {
            const tensor = live.get(id);
            live.delete(id);
            if (tensor) keepOrFree(id, tensor);
          }
        }
        options.onProgress?.(timings.length, graph.nodes.length, node);
        await yieldToBrowser();
      }
      // The output and whatever else is still live join the kept outputs (or are freed) once every node ran.
      for (const [id, tensor] of live) keepOrFree(id, tensor);
      live.clear();
    } catch (error) {
      // A cancelled or failed run keeps nothing.
      for (const tensor of [...live.values(), ...kept.values()]) tensor.dispose();
      throw error;
    }
    // The workers were used only if they had not failed before this run, so a failure now is this run's.
    const failedNow = pool ? this.workersFailed : undefined;
    return {
      backend: tf.getBackend(),
      output: outputs.get(graph.output)!,
      outputs,
      timings,
      totalMs: performance.now() - started,
      threads,
      ...(failedNow ? { workersFailed: failedNow } : {}),
      ...(keepBudget ? { kept: new KeptOutputs(graph, kept, (node, tensors) => this.recomputeFused(node, tensors, fusion), keptValues, dropped) } : {}),
    };
  }

  /**
   * A node that ran inside a fused chain (so has no tensor of its own),
   * computed again unfused from the chain's kept input: the convolution
   * alone, then its batch norm, up to the node. Undefined for any other node,
   * or when the chain's input was not kept.
   */
  private recomputeFused(node: GraphNode, tensors: ReadonlyMap<number, tf.Tensor>, fusion: FusionPlan): tf.Tensor | undefined {
    const chain = fusion.byConv.get(node.id) ?? fusion.byConv.get(fusion.absorbed.get(node.id) ?? -1);
    if (!chain) return undefined;
    const local = new Map(tensors);
    const made: tf.Tensor[] = [];
    try {
      for (const step of [chain.conv, chain.batchnorm, chain.relu]) {
        if (!step) continue;
        if (step.inputs.some((id) => !local.has(id))) return undefined;
        const tensor = this.runNode(step, local);
        if (step.id === node.id) return tensor;
        made.push(tensor);
        local.set(step.id, tensor);
      }
      return undefined;
    } finally {
      for (const tensor of made) tensor.dispose();
    }
  }

  /**
   * Runs a large plain 2-D convolution (with the batch norm and ReLU fused
   * into it, if any) across the workers and this thread. Undefined when the
   * node is not such a convolution, the backend is not WASM, or the workers
   * fail; a failure is remembered, and the caller runs the node whole.
   * Otherwise the output and how many threads shared it.
   */
  private async runSplit(node: GraphNode, chain: FusedChain | undefined, live: Map<number, tf.Tensor>, pool: ConvWorkerPool): Promise<{ tensor: tf.Tensor; threads: number } | undefined> {
    const threads = this.splitThreads(node, pool);
    if (!threads) return undefined;
    const batchnorm = this.batchnormOf(chain);
    const { op } = this.opInput(node, live);
    try {
      const plan = fusedConv2dPlan(op, batchnorm, chain?.relu !== undefined);
      return { tensor: await splitConvolution(pool, plan, this.splitKey(node, batchnorm), op.cached), threads };
    } catch (error) {
      this.workersFailed = (error as Error).message ?? String(error);
      return undefined;
    }
  }

  /** How many threads would share `node` with `pool` (`runSplit`), or 0 when it runs whole. */
  private splitThreads(node: GraphNode, pool: ConvWorkerPool): number {
    if (tf.getBackend() !== 'wasm' || !splittable(node)) return 0;
    const weight = this.weights.get(node.id)?.weight;
    if (!weight || elementCount(node.outShape) * elementCount(weight.shape.slice(1)) < SPLIT_MIN_MACS) return 0;
    const threads = channelShares(weight.shape[0], pool.size + 1).length;
    return threads < 2 ? 0 : threads;
  }

  /** The name of a split convolution's filter shares, here and in the workers. */
  private splitKey(node: GraphNode, batchnorm: FoldedBatchnorm | undefined): string {
    return `${this.token}:${node.id}:${batchnorm ? 'folded' : 'plain'}`;
  }

  /**
   * Does the one-time work of a first pass that keeps only the output, one
   * convolution at a time, yielding to the browser between them: lays out
   * each fused 2-D convolution's filter with its batch norm folded in, and
   * sends the workers their shares of it. A pass afterwards finds them all
   * made, with the same values it would have made. Stops with
   * RunCancelledError when `signal` is aborted; `onProgress` hears how many
   * convolutions are done, of how many.
   */
  async prepareFilters(options: { workers?: ConvWorkerPool; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<void> {
    const { graph } = this;
    if (!graph.complete || graph.output === null || this.unsupported().length || checkWeights(graph, this.weights, this.source)) return;
    this.dropCachesOfAnotherBackend();
    const pool = this.workersFailed === undefined ? options.workers : undefined;
    if (pool) this.pools.add(pool);
    // The convolutions a pass reading back only the output runs through `fusedConv2dPlan`: fused chains and split convolutions.
    const fusion = planFusion(graph, new Set([graph.output]));
    const convolutions = graph.nodes.flatMap((node) => {
      const threads = pool ? this.splitThreads(node, pool) : 0;
      const chain = fusion.byConv.get(node.id);
      return threads || (chain && node.op === 'conv') ? [{ node, chain, threads }] : [];
    });
    for (const [done, { node, chain, threads }] of convolutions.entries()) {
      if (options.signal?.aborted) throw new RunCancelledError();
      const batchnorm = this.batchnormOf(chain);
      const { op } = this.opInput(node, new Map());
      const made = fusedConv2dFilter(op, batchnorm);
      if (pool && threads) {
        try {
          shareFiltersAhead(pool, made, this.splitKey(node, batchnorm), op.cached);
        } catch (error) {
          this.workersFailed = (error as Error).message ?? String(error);
        }
      }
      options.onProgress?.(done + 1, convolutions.length);
      await yieldToBrowser();
    }
  }

  /** Frees the weight-derived tensors made on another backend than the one now in use (the user switched backends). */
  private dropCachesOfAnotherBackend(): void {
    if (this.cacheBackend === tf.getBackend()) return;
    this.dispose();
    this.cacheBackend = tf.getBackend();
  }

  private batchnormOf(chain: FusedChain | undefined): FoldedBatchnorm | undefined {
    const bn = chain?.batchnorm;
    return bn ? { weights: this.weights.get(bn.id) ?? {}, eps: Number(attributesOf(bn, 'batchnorm').eps ?? 1e-5) } : undefined;
  }

  private runNode(node: GraphNode, live: Map<number, tf.Tensor>): tf.Tensor {
    return this.execute(node, live, executors[node.op].run);
  }

  /** A convolution with the batch norm and ReLU fusion.ts folded into it; the result is the chain's last node's output. */
  private runFused(chain: FusedChain, live: Map<number, tf.Tensor>): tf.Tensor {
    const batchnorm = this.batchnormOf(chain);
    return this.execute(chain.conv, live, (op) => fusedConvolution(op, batchnorm, chain.relu !== undefined));
  }

  /** What an executor gets for `node`, and the tensors it was handed (its inputs, and cached tensors as it asks for them). */
  private opInput(node: GraphNode, live: Map<number, tf.Tensor>): { op: OpInput; handedOut: Set<tf.Tensor> } {
    const inputs = node.inputs.map((id) => live.get(id)!);
    const handedOut = new Set<tf.Tensor>(inputs);
    const cached = (key: string, build: () => tf.Tensor) => {
      const name = `${node.id}:${key}`;
      let tensor = this.cache.get(name);
      if (!tensor) {
        tensor = tf.keep(build());
        this.cache.set(name, tensor);
      }
      handedOut.add(tensor);
      return tensor;
    };
    return { op: { node, inputs, weights: this.weights.get(node.id) ?? {}, cached }, handedOut };
  }

  private execute(node: GraphNode, live: Map<number, tf.Tensor>, run: Executor): tf.Tensor {
    const { op, handedOut } = this.opInput(node, live);
    try {
      const result = tf.tidy(() => run(op));
      // An executor may return a tensor it was given (adaptive pooling to the size the input already
      // has) or a cached one. Each node's output is freed when its readers are done, so it must be
      // a tensor of its own, or freeing it would free the input or the cache with it.
      return handedOut.has(result) ? tf.clone(result) : result;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      // A kernel the active backend lacks is a limit of the backend, not a wrong answer: name it.
      if (/not registered|not supported|not yet implemented|unsupported/i.test(message)) {
        throw new UnsupportedOpError([{ node: node.id, op: node.written, line: node.range.start.line + 1, reason: `the ${tf.getBackend()} backend cannot run it (${message})` }]);
      }
      throw new Error(`${node.written} on line ${node.range.start.line + 1} failed on the ${tf.getBackend()} backend: ${message}`, { cause: error });
    }
  }

  /**
   * The tensor derived from node `id`'s weights under `key`, built once and
   * kept with the engine's own until `dispose()`: the effective field
   * (unitGradient.ts) shares the filters a run built and keeps its backward
   * ones for the next unit (building VGG-16's took longer than its convolutions).
   */
  cachedFor(id: number, key: string, build: () => tf.Tensor): tf.Tensor {
    this.dropCachesOfAnotherBackend();
    const name = `${id}:${key}`;
    let tensor = this.cache.get(name);
    if (!tensor) {
      tensor = tf.keep(build());
      this.cache.set(name, tensor);
    }
    return tensor;
  }

  /** Frees the tensors derived from the weights, here and in the convolution workers. */
  dispose(): void {
    for (const tensor of this.cache.values()) tensor.dispose();
    this.cache.clear();
    for (const pool of this.pools) pool.forget(`${this.token}:`);
    this.pools.clear();
  }
}

/** Waits until the device has computed `tensor`, by reading one value. */
async function syncOn(tensor: tf.Tensor): Promise<void> {
  const one = tf.tidy(() => tf.slice(tf.reshape(tensor, [-1]), [0], [1]));
  await one.data();
  one.dispose();
}
