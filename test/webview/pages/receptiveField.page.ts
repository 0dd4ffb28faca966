/**
 * The receptive-field test page: the panel's effective-field computation
 * (engine/unitGradient.ts) on explicit weights and input, for comparison with
 * PyTorch's input gradient, and a count of the tensors it leaves behind.
 */
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../../src/core/index';
import { ForwardEngine, heInitialization, initBackend, type WeightSet } from '../../../webview/src/engine/index';
import { unitGradient } from '../../../webview/src/engine/unitGradient';
import type { PlainWeights } from './engine.api';
import type { ReceptiveFieldPage } from './receptiveField.api';

declare global {
  interface Window {
    field: ReceptiveFieldPage;
  }
}

function toWeightSet(plain: PlainWeights): WeightSet {
  const weights: WeightSet = new Map();
  for (const [id, tensors] of Object.entries(plain)) {
    weights.set(Number(id), Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }])));
  }
  return weights;
}

window.field = {
  async use(wasmBaseUrl, backend) {
    const choice = await initBackend({ wasmBaseUrl, preferred: backend });
    return choice.chosen;
  },
  async gradient(request) {
    const before = tf.memory().numTensors;
    try {
      const graph = analyze(request.source, { graph: true }).graphs?.[0];
      if (!graph) throw new Error('the source has no network');
      const started = performance.now();
      const result = await unitGradient(graph, request.weights ? toWeightSet(request.weights) : heInitialization(graph, request.seed ?? 1), Float32Array.from(request.input), request.unit);
      const ms = performance.now() - started;
      return { ok: true, backend: tf.getBackend(), value: result.value, gradient: Array.from(result.gradient), shape: result.shape, ms, leakedTensors: tf.memory().numTensors - before };
    } catch (error) {
      return { ok: false, error: (error as Error).message ?? String(error), leakedTensors: tf.memory().numTensors - before };
    }
  },
  async cancelAfter(request, steps) {
    const before = tf.memory().numTensors;
    const graph = analyze(request.source, { graph: true }).graphs![0];
    const controller = new AbortController();
    const reports: [number, number][] = [];
    let outcome = 'finished';
    try {
      await unitGradient(graph, heInitialization(graph, request.seed ?? 1), Float32Array.from(request.input), request.unit, {
        signal: controller.signal,
        onProgress: (done, total) => {
          reports.push([done, total]);
          if (reports.length === steps) controller.abort();
        },
      });
    } catch (error) {
      outcome = `${(error as Error).name}: ${(error as Error).message}`;
    }
    return { reports, outcome, leakedTensors: tf.memory().numTensors - before };
  },
  async time(source, unit, runs) {
    const graph = analyze(source, { graph: true }).graphs?.[0];
    if (!graph) throw new Error('the source has no network');
    const weights = heInitialization(graph, 1);
    const size = graph.nodes[0].outShape.reduce((a, b) => a * b, 1);
    const input = Float32Array.from({ length: size }, (_, i) => Math.sin(i));
    const engine = new ForwardEngine(graph, weights, source);
    const forwardMs: number[] = [];
    const gradientMs: number[] = [];
    let value = 0;
    let firstMs = 0;
    try {
      // The first of each uploads the weights and warms the kernels; it is not counted.
      for (let i = 0; i <= runs; i++) {
        const begin = performance.now();
        await engine.run(input, { timeEachNode: false });
        if (i > 0) forwardMs.push(performance.now() - begin);
      }
      // As the panel does, with the engine's cache: the first click builds the filters, later ones reuse them.
      for (let i = 0; i <= runs; i++) {
        const begin = performance.now();
        value = (await unitGradient(graph, weights, input, unit, { cached: (node, key, build) => engine.cachedFor(node, key, build) })).value;
        if (i === 0) firstMs = performance.now() - begin;
        else gradientMs.push(performance.now() - begin);
      }
    } finally {
      engine.dispose();
    }
    return { forwardMs, firstMs, gradientMs, value };
  },
};
