/**
 * The engine test page: analyses a `.cnn` source in the browser, runs its
 * first network with the preview's ForwardEngine on a chosen tfjs backend, and
 * hands results back as plain arrays (see engine.api.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../../src/core/index';
import type { NetworkGraph } from '../../../src/core/semantics/graph';
import {
  ForwardEngine,
  heInitialization,
  initBackend,
  probeBackends,
  wasmBinaryUrl,
  weightsFromSafetensors,
  weightsFromTfjsLayers,
  RunCancelledError,
  UnsupportedOpError,
  WeightLoadError,
  type BackendName,
  type WeightSet,
} from '../../../webview/src/engine/index';
import { toChannelsFirst } from '../../../webview/src/engine/layout';
import { ConvWorkerPool, workersFor } from '../../../webview/src/engine/parallel/pool';
import { executors } from '../../../webview/src/engine/ops/registry';
import { opDefinitions } from '../../../src/core/ops/registry';
import type { EnginePage, ErrorClass, LoadReply, PlainWeights, RunReply, RunRequest, TimingReply } from './engine.api';

declare global {
  interface Window {
    engine: EnginePage;
  }
}

let wasmBaseUrl = '';
let pool: ConvWorkerPool | undefined;

function graphOf(source: string): NetworkGraph {
  const graph = analyze(source, { graph: true }).graphs?.[0];
  if (!graph) throw new Error('the source has no network');
  return graph;
}

function toWeightSet(plain: PlainWeights): WeightSet {
  const weights: WeightSet = new Map();
  for (const [id, tensors] of Object.entries(plain)) {
    weights.set(Number(id), Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }])));
  }
  return weights;
}

function toPlain(weights: WeightSet): PlainWeights {
  const plain: PlainWeights = {};
  for (const [id, tensors] of weights) plain[id] = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: t.shape, data: Array.from(t.data) }]));
  return plain;
}

function failure(error: unknown): { errorClass: ErrorClass; error: string } {
  const errorClass: ErrorClass =
    error instanceof RunCancelledError ? 'RunCancelledError' : error instanceof UnsupportedOpError ? 'UnsupportedOpError' : error instanceof WeightLoadError ? 'WeightLoadError' : 'Error';
  return { errorClass, error: (error as Error)?.message ?? String(error) };
}

async function run(request: RunRequest, preloaded?: WeightSet): Promise<RunReply> {
  let nodesRun = 0;
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  try {
    const graph = graphOf(request.source);
    if (request.pretendUnknownOp) graph.nodes[request.pretendUnknownOp.node] = { ...graph.nodes[request.pretendUnknownOp.node], op: request.pretendUnknownOp.op, written: request.pretendUnknownOp.op };
    const weights = preloaded ?? (request.weights ? toWeightSet(request.weights) : heInitialization(graph, request.seed ?? 1));
    const tensorsBefore = tf.memory().numTensors;
    const engine = new ForwardEngine(graph, weights, request.source);
    const controller = new AbortController();
    try {
      if (request.prepareFilters) await engine.prepareFilters({ workers: request.workers ? pool : undefined });
      const tensorsBeforeRun = tf.memory().numTensors;
      const result = await engine.run(Float32Array.from(request.input), {
        keep: request.keep ?? 'all',
        keepValues: request.keepValues,
        signal: controller.signal,
        workers: request.workers ? pool : undefined,
        onProgress: (done) => {
          nodesRun = done;
          if (request.abortAfterNodes !== undefined && done >= request.abortAfterNodes) controller.abort();
        },
      });
      const outputs: Record<string, { shape: number[]; data: number[] }> = {};
      for (const [id, out] of result.outputs) outputs[id] = { shape: out.shape, data: Array.from(out.data) };
      let kept: { outputs: Record<string, { shape: number[]; data: number[] }>; values: number; dropped: number } | undefined;
      if (result.kept) {
        kept = { outputs: {}, values: result.kept.values, dropped: result.kept.dropped };
        // In the order a user might click through them: last layer first.
        for (const node of [...graph.nodes].reverse()) {
          const out = await result.kept.read(node.id);
          if (out) kept.outputs[node.id] = { shape: out.shape, data: Array.from(out.data) };
        }
        result.kept.dispose();
      }
      const tensorsMadeByRun = tf.memory().numTensors - tensorsBeforeRun;
      engine.dispose();
      return {
        leakedTensors: tf.memory().numTensors - tensorsBefore,
        ...(request.prepareFilters ? { tensorsMadeByRun } : {}),
        ok: true,
        backend: result.backend,
        outputNode: result.output.node,
        outputs,
        nodesRun,
        ticks,
        timings: result.timings,
        threads: result.threads,
        ...(result.workersFailed ? { workersFailed: result.workersFailed } : {}),
        ...(kept ? { kept } : {}),
      };
    } finally {
      engine.dispose();
    }
  } catch (error) {
    return { ok: false, ...failure(error), nodesRun, ticks };
  } finally {
    clearInterval(timer);
  }
}

function load(read: () => { weights: WeightSet; notes: string[] }): LoadReply {
  try {
    const { weights, notes } = read();
    return { ok: true, weights: toPlain(weights), notes };
  } catch (error) {
    return { ok: false, ...failure(error) };
  }
}

/** The node with the most output values: the feature map whose readback costs the most. */
function largestNode(graph: NetworkGraph) {
  return graph.nodes.slice(1).reduce((best, node) => (node.outShape.reduce((a, b) => a * b, 1) > best.outShape.reduce((a, b) => a * b, 1) ? node : best));
}

async function time(source: string, runs: number, useWorkers = false): Promise<TimingReply> {
  const workers = useWorkers ? pool : undefined;
  const graph = graphOf(source);
  const engine = new ForwardEngine(graph, heInitialization(graph, 1), source);
  const size = graph.nodes[0].outShape.reduce((a, b) => a * b, 1);
  const input = Float32Array.from({ length: size }, (_, i) => Math.sin(i));
  // The first pass compiles shaders and uploads the weights; it is not counted.
  const warmUp = await engine.run(input, { timeEachNode: false, workers });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const begin = performance.now();
    await engine.run(input, { timeEachNode: false, workers });
    times.push(performance.now() - begin);
  }
  // One more pass waiting for the device after each node, for the time per op.
  const byOp: Record<string, number> = {};
  for (const t of (await engine.run(input, { timeEachNode: true, workers })).timings) byOp[t.op] = (byOp[t.op] ?? 0) + t.ms;
  engine.dispose();
  // Readback as the runner does it (channels-first transpose, then `await data()`) of a
  // tensor of the largest feature map's size already computed on the device.
  const node = largestNode(graph);
  const [c, ...spatial] = node.outShape;
  const readMs: number[] = [];
  for (let i = 0; i < Math.max(3, runs); i++) {
    const made = tf.tidy(() => tf.relu(tf.randomNormal([1, ...spatial, c])));
    const one = tf.tidy(() => tf.slice(tf.reshape(made, [-1]), [0], [1]));
    await one.data();
    one.dispose();
    const begin = performance.now();
    const cf = tf.tidy(() => toChannelsFirst(made).clone());
    await cf.data();
    readMs.push(performance.now() - begin);
    cf.dispose();
    made.dispose();
  }
  return { backend: tf.getBackend(), threads: warmUp.threads, runs: times, byOp, readback: { node: node.id, shape: node.outShape, ms: readMs } };
}

window.engine = {
  async init(url) {
    wasmBaseUrl = url;
    const auto = await initBackend({ wasmBaseUrl });
    return { probes: await probeBackends(), auto };
  },
  async use(backend: BackendName) {
    try {
      const choice = await initBackend({ wasmBaseUrl, preferred: backend });
      if (choice.chosen !== backend) {
        const status = choice.backends.find((b) => b.name === backend);
        return { ok: false, error: `${backend} did not initialise (${status?.status ?? 'not probed'}); ${choice.chosen} is active instead` };
      }
      return { ok: true, backend: tf.getBackend(), choice };
    } catch (error) {
      return { ok: false, error: failure(error).error };
    }
  },
  run,
  loadSafetensors: (source, bytes) => load(() => weightsFromSafetensors(graphOf(source), Uint8Array.from(bytes).buffer, { source })),
  async runWithWeightFile(source, url, input) {
    try {
      const bytes = await (await fetch(url)).arrayBuffer();
      const { weights } = weightsFromSafetensors(graphOf(source), bytes, { source });
      return await run({ source, input, keep: [] }, weights);
    } catch (error) {
      return { ok: false, ...failure(error), nodesRun: 0, ticks: 0 };
    }
  },
  loadTfjs: (source, modelJson, shards) =>
    load(() =>
      weightsFromTfjsLayers(
        graphOf(source),
        modelJson,
        shards.map((s) => Uint8Array.from(s).buffer),
        { source },
      ),
    ),
  time,
  async startWorkers(count, scriptUrl = `${wasmBaseUrl}convWorker.js`, wasmUrl?: string, replyTimeoutMs?: number) {
    pool?.terminate();
    pool = undefined;
    const begin = performance.now();
    try {
      pool = await ConvWorkerPool.start({ scriptUrl, wasmUrl: wasmUrl ?? (await wasmBinaryUrl(wasmBaseUrl)), workers: count, replyTimeoutMs });
      return { ok: true, size: pool.size, ms: performance.now() - begin };
    } catch (error) {
      return { ok: false, error: failure(error).error, ms: performance.now() - begin };
    }
  },
  stopWorkers: () => pool?.terminate(),
  workersForThisMachine: () => ({ hardwareConcurrency: navigator.hardwareConcurrency, workers: workersFor(navigator.hardwareConcurrency) }),
  opsWithoutExecutor: () => opDefinitions.map((d) => d.names[0]).filter((op) => !executors[op]),
};
export {};
