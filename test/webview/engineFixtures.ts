/**
 * Node-side helpers for the engine tests: graphs from the analysis core,
 * seeded weights in PyTorch layout, the PyTorch oracle (torch_graph.py), a
 * tolerance check that names the first value out of bounds, and calls into
 * the engine test page (pages/engine.page.ts). Shared by the engine tests and
 * the forward-pass benchmark.
 */
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { analyze } from '../../src/core/index';
import type { NetworkGraph } from '../../src/core/semantics/graph';
import { paramLayers } from '../../webview/src/engine/params';
import { mulberry32 } from '../../webview/src/engine/random';
import type { BackendName } from '../../webview/src/engine/backendPolicy';
import type { EnginePage, PlainWeights } from './pages/engine.api';
import { launchChromium, openTestPage, pageCaller, startStaticServer, type PageArguments, type PageResult } from './browser';
import { PYTHON } from '../python';

/** The first network of `source`, which must analyse without errors. */
export function graphOf(source: string): NetworkGraph {
  const analysis = analyze(source, { graph: true });
  const graph = analysis.graphs?.[0];
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
  if (!graph || !graph.complete || errors.length) throw new Error(`test network does not analyse: ${errors.join('; ')}`);
  return graph;
}

/** `count` numbers uniform in [low, high), from a fixed seed, rounded to float32 as the engine stores them. */
export function uniform(seed: number, count: number, low = -1, high = 1): number[] {
  const next = mulberry32(seed);
  return Array.from({ length: count }, () => Math.fround(low + (high - low) * next()));
}

/**
 * Seeded weights for every learned tensor of `graph`, shaped as PyTorch
 * shapes them. Values are deliberately not the defaults: biases and shifts
 * are non-zero, scales are not one, running variances differ from one and
 * running means from zero, so an executor that ignores a tensor is caught.
 */
export function seededWeights(graph: NetworkGraph, seed: number): PlainWeights {
  const weights: PlainWeights = {};
  let stream = seed;
  for (const layer of paramLayers(graph)) {
    const tensors: PlainWeights[string] = {};
    for (const spec of layer.specs) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const scale = 1 / Math.sqrt(Math.max(1, spec.fanIn ?? 1));
      const [low, high] = spec.name === 'running_var' ? [0.5, 2] : spec.init === 'ones' ? [0.5, 1.5] : spec.init === 'prelu' ? [0.05, 0.5] : spec.init === 'he' ? [-scale, scale] : [-0.5, 0.5];
      tensors[spec.name] = { shape: spec.shape, data: uniform(++stream * 7919, count, low, high) };
    }
    weights[layer.node.id] = tensors;
  }
  return weights;
}

/** Every node's output as PyTorch computes it (float64), by node id; throws with Python's message on failure. */
export function torchOutputs(graph: NetworkGraph, weights: PlainWeights, input: number[]): Record<string, number[]> {
  return torchOutputsOfMany([{ graph, weights, input }])[0];
}

/**
 * `torchOutputs` of several networks, in order, from one Python process:
 * starting Python and importing torch costs seconds, more than most of
 * these networks' computations.
 */
export function torchOutputsOfMany(requests: { graph: NetworkGraph; weights: PlainWeights; input: number[] }[]): Record<string, number[]>[] {
  const body = requests.map(({ graph, weights, input }) => ({
    nodes: graph.nodes.map((n) => ({ id: n.id, op: n.op, inputs: n.inputs, outShape: n.outShape, attributes: n.attributes })),
    weights,
    input,
  }));
  const run = spawnSync(PYTHON, ['test/webview/torch_graph.py'], { input: JSON.stringify(body), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.status !== 0) throw new Error(`torch_graph.py failed (exit ${run.status}): ${run.error?.message ?? ''}${run.stderr}`);
  const outputs = JSON.parse(run.stdout) as Record<string, number[]>[];
  if (outputs.length !== requests.length) throw new Error(`torch_graph.py answered ${outputs.length} of ${requests.length} networks`);
  return outputs;
}

/**
 * The first index where `actual` differs from `expected` by more than
 * atol + rtol·|expected|, described for an assertion message; undefined when
 * all values are within tolerance.
 */
export function firstDifference(actual: number[], expected: number[], atol = 1e-4, rtol = 1e-4): string | undefined {
  if (actual.length !== expected.length) return `${actual.length} values, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]))) return `value ${i} is ${actual[i]}, PyTorch gives ${expected[i]}`;
  }
  return undefined;
}

/** Calls the page's `engine.NAME(...args)`; arguments and results cross as JSON. */
export function callPage<K extends keyof EnginePage & string>(page: Page, name: K, ...args: PageArguments<EnginePage[K]>): Promise<PageResult<EnginePage[K]>> {
  return pageCaller<EnginePage>('engine', () => page)(name, ...args);
}

/** Opens the engine page with `backend` active; the reason when that backend does not initialise. */
export async function enginePage(browser: Browser, serverUrl: string, backend: BackendName): Promise<{ page: Page; errors: string[]; unavailable?: string }> {
  const { page, errors } = await openTestPage(browser, serverUrl, 'engine');
  await callPage(page, 'init', `${serverUrl}/dist/webview/`);
  const reply = await callPage(page, 'use', backend);
  return { page, errors, unavailable: reply.ok ? undefined : reply.error };
}

/** What `useWasmEnginePage`'s hooks set up; read it inside tests, after the suite's `before` hooks have run. */
export interface EngineSuite {
  /** The engine test page, on the WASM backend. */
  page: Page;
  /** The static server's address; it serves the repository, so build output is under `${serverUrl}/out/`. */
  serverUrl: string;
}

/**
 * Registers the mocha hooks of a suite that runs networks in the engine page
 * on WASM (the backend every machine has): the static server, Chromium and the
 * page for the whole suite, closed after it. Call it after the suite's own
 * `before` hook that checks for Python, so that a skipped suite starts no browser.
 */
export function useWasmEnginePage(): EngineSuite {
  const suite = {} as EngineSuite;
  let server: Awaited<ReturnType<typeof startStaticServer>> | undefined;
  let browser: Browser | undefined;
  before(async () => {
    server = await startStaticServer();
    suite.serverUrl = server.url;
    browser = await launchChromium();
    ({ page: suite.page } = await enginePage(browser, server.url, 'wasm'));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return suite;
}
