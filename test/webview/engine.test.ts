/**
 * The preview's forward-pass engine in real headless Chromium, on every tfjs
 * backend that initialises there: the seed lectures' worked examples, every
 * node of small networks covering all op families against PyTorch
 * (test/webview/torch_graph.py), cancellation, and the messages for ops the
 * engine cannot run. Weight files are in engineWeights.test.ts.
 */
import { strict as assert } from 'node:assert';
import type { Browser, Page } from 'playwright-core';
import type { BackendName } from '../../webview/src/engine/backendPolicy';
import { launchChromium, startStaticServer } from './browser';
import { callPage, enginePage, firstDifference, graphOf, seededWeights, torchOutputs, torchOutputsOfMany, uniform } from './engineFixtures';
import { pythonProblem, requirePython } from '../python';
import { PARITY_NETS, SPLIT_NET } from './engineNets';
import type { PlainWeights } from './pages/engine.api';

/** A one-layer network around `layer`, with its weights given as PyTorch shapes them. */
function oneLayer(input: string, layer: string): string {
  return `network Example {\n  input(${input})\n  ${layer}\n}\n`;
}

/**
 * The seeds' worked examples. Expected values are the lectures' own numbers
 * (seed 002's 3x3 map, seed 003's pooled 2x2) or, where a lecture works only
 * the first values out, the rest computed by hand the same way and noted.
 */
const SEED_EXAMPLES: { name: string; source: string; input: number[]; weights: PlainWeights; expected: number[] }[] = [
  {
    name: 'seed 002: the cross filter over the 5x5 patch gives [[6,1,4],[1,4,2],[3,2,3]]',
    source: oneLayer('1x5x5', 'conv(1, 3, bias=false)'),
    input: [1, 0, 2, 1, 0, 0, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 1, 0, 0, 1],
    weights: { '1': { weight: { shape: [1, 1, 3, 3], data: [1, 0, 1, 0, 1, 0, 1, 0, 1] } } },
    expected: [6, 1, 4, 1, 4, 2, 3, 2, 3],
  },
  {
    // Seed 000 pads [1..5] with one zero each side and works out 4 and 8; 12, 16 and 14 follow the same way.
    name: 'seed 000: [1, 2, 1] over [0,1,2,3,4,5,0] gives 4, 8, 12, 16, 14',
    source: oneLayer('1x5', 'conv(1, 3, padding=1, bias=false)'),
    input: [1, 2, 3, 4, 5],
    weights: { '1': { weight: { shape: [1, 1, 3], data: [1, 2, 1] } } },
    expected: [4, 8, 12, 16, 14],
  },
  {
    // Seed 000's stride: skipping every other position keeps windows 1, 3 and 5.
    name: 'seed 000 with stride 2: 4, 12, 14',
    source: oneLayer('1x5', 'conv(1, 3, stride=2, padding=1, bias=false)'),
    input: [1, 2, 3, 4, 5],
    weights: { '1': { weight: { shape: [1, 1, 3], data: [1, 2, 1] } } },
    expected: [4, 12, 14],
  },
  {
    // Seed 000's "full" padding: two zeros each side, so every window overlaps the signal.
    name: 'seed 000 with full padding: 1, 4, 8, 12, 16, 14, 5',
    source: oneLayer('1x5', 'conv(1, 3, padding="full", bias=false)'),
    input: [1, 2, 3, 4, 5],
    weights: { '1': { weight: { shape: [1, 1, 3], data: [1, 2, 1] } } },
    expected: [1, 4, 8, 12, 16, 14, 5],
  },
  {
    name: 'seed 003: 2x2 max pooling of 1..16 gives [[6,8],[14,16]]',
    source: oneLayer('1x4x4', 'maxpool(2)'),
    input: [1, 3, 2, 4, 5, 6, 7, 8, 9, 11, 10, 12, 13, 14, 15, 16],
    weights: {},
    expected: [6, 8, 14, 16],
  },
];

// Cheap backends first: a software GPU that crashes must not take the others' results with it.
const BACKENDS: BackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

/** Backends that need a GPU, real or emulated, which a headless machine may lack; wasm and cpu run everywhere and must start. */
const GPU_BACKENDS: ReadonlySet<BackendName> = new Set(['webgl', 'webgpu']);

describe('forward-pass engine in headless Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  // PyTorch's outputs of every parity network, computed once for all backends (the parity tests require PyTorch themselves).
  const oracle = new Map<string, { input: number[]; weights: ReturnType<typeof seededWeights>; expected: Record<string, number[]> }>();

  before(async function () {
    server = await startStaticServer();
    browser = await launchChromium();
    if (pythonProblem(['torch'])) return;
    const requests = Object.entries(PARITY_NETS).map(([name, source]) => {
      const graph = graphOf(source);
      const weights = seededWeights(graph, name.length * 101);
      const size = graph.nodes[0].outShape.reduce((a, b) => a * b, 1);
      return { name, graph, weights, input: uniform(name.length * 31 + 5, size, -2, 2) };
    });
    // One Python process for every network.
    const expected = torchOutputsOfMany(requests);
    requests.forEach(({ name, input, weights }, i) => oracle.set(name, { input, weights, expected: expected[i] }));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const backend of BACKENDS) {
    describe(`on the ${backend} backend`, function () {
      let page: Page;
      let errors: string[] = [];
      before(async function () {
        let unavailable: string | undefined;
        ({ page, errors, unavailable } = await enginePage(browser, server.url, backend));
        if (!unavailable) return;
        // WASM and the plain CPU backend need nothing from the machine: failing to start is a bug, not a reason to skip.
        if (!GPU_BACKENDS.has(backend)) throw new Error(`the ${backend} backend did not start: ${unavailable}`);
        console.log(`      skipping ${backend}: this browser has no GPU for it (${unavailable})`);
        this.skip();
      });
      after(async () => {
        await page?.close();
      });

      for (const example of SEED_EXAMPLES) {
        it(example.name, async () => {
          const reply = await callPage(page, 'run', { source: example.source, input: example.input, weights: example.weights, keep: 'all' });
          assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}\n${errors.join('\n')}`);
          assert.equal(reply.backend, backend);
          assert.deepEqual(reply.outputs[reply.outputNode].data, example.expected);
        });
      }

      for (const name of Object.keys(PARITY_NETS)) {
        it(`matches PyTorch at every node of the ${name} network`, async function () {
          requirePython(this, ['torch']);
          const { input, weights, expected } = oracle.get(name)!;
          const reply = await callPage(page, 'run', { source: PARITY_NETS[name], input, weights, keep: 'all' });
          assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}\n${errors.join('\n')}`);
          const graph = graphOf(PARITY_NETS[name]);
          const wrong = graph.nodes.flatMap((node) => {
            const got = reply.outputs[node.id];
            const problem = got ? firstDifference(got.data, expected[node.id]) : 'not read back';
            return problem ? [`node ${node.id} ${node.written} (line ${node.range.start.line + 1}, ${node.outShape.join('x')}): ${problem}`] : [];
          });
          assert.deepEqual(wrong, [], `on ${backend}:\n${wrong.join('\n')}`);
          assert.equal(reply.leakedTensors, 0, 'every tensor of the run is freed with the engine');
        });
      }

      for (const name of Object.keys(PARITY_NETS)) {
        it(`matches PyTorch at the output of the ${name} network when nothing else is kept (fused layers)`, async function () {
          requirePython(this, ['torch']);
          const { input, weights, expected } = oracle.get(name)!;
          const reply = await callPage(page, 'run', { source: PARITY_NETS[name], input, weights, keep: [] });
          assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}\n${errors.join('\n')}`);
          assert.deepEqual(Object.keys(reply.outputs), [String(reply.outputNode)]);
          const problem = firstDifference(reply.outputs[reply.outputNode].data, expected[reply.outputNode]);
          assert.equal(problem, undefined, `on ${backend}: ${problem}`);
          if (name === 'fusedChains') {
            // Absorbed layers report no time of their own: proof that this run took the fused path.
            const absorbed = reply.timings.filter((t) => t.op === 'batchnorm' && t.ms === 0 && t.fusedInto !== undefined).length;
            assert.equal(absorbed, 4, 'every batch norm of fusedChains is folded into its convolution');
          }
        });
      }

      for (const name of Object.keys(PARITY_NETS)) {
        it(`keeps every layer of the ${name} network on the backend after a fused run, and reads each back with PyTorch's values`, async function () {
          requirePython(this, ['torch']);
          const { input, weights, expected } = oracle.get(name)!;
          const graph = graphOf(PARITY_NETS[name]);
          const reply = await callPage(page, 'run', { source: PARITY_NETS[name], input, weights, keep: [], keepValues: 1 << 24 });
          assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}\n${errors.join('\n')}`);
          // Only the output came back during the run; every other layer is read from what the run kept.
          assert.deepEqual(Object.keys(reply.outputs), [String(reply.outputNode)]);
          const kept = reply.kept!;
          assert.equal(kept.dropped, 0);
          const wrong = graph.nodes.flatMap((node) => {
            const got = kept.outputs[node.id];
            const problem = got ? firstDifference(got.data, expected[node.id]) : 'not readable from the kept outputs';
            return problem ? [`node ${node.id} ${node.written} (line ${node.range.start.line + 1}): ${problem}`] : [];
          });
          assert.deepEqual(wrong, [], `on ${backend}:\n${wrong.join('\n')}`);
          if (name === 'fusedChains') {
            // The run took the fused path, yet the convolutions' and batch norms' own outputs above were PyTorch's: computed again on demand.
            assert.equal(reply.timings.filter((t) => t.op === 'batchnorm' && t.fusedInto !== undefined).length, 4);
          }
          assert.equal(reply.leakedTensors, 0, 'the kept outputs, and the layers computed again to be read, are all freed');
        });
      }

      it('keeps no more than its budget: the outputs past it are freed and cannot be read, and nothing leaks', async () => {
        const source = PARITY_NETS.fusedChains;
        const graph = graphOf(source);
        const size = (id: number) => graph.nodes[id].outShape.reduce((a, b) => a * b, 1);
        const inputSize = size(0);
        // Room for the input and little else.
        const reply = await callPage(page, 'run', { source, input: uniform(9, inputSize), seed: 3, keep: [], keepValues: inputSize });
        assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}`);
        const kept = reply.kept!;
        assert.ok(kept.values <= inputSize, `kept ${kept.values} values, budget ${inputSize}`);
        assert.ok(kept.dropped > 0, 'some outputs did not fit');
        const readable = Object.keys(kept.outputs).map(Number);
        assert.ok(readable.includes(0), 'the input, which fits, is kept');
        assert.ok(!readable.includes(reply.outputNode), 'the output, past the budget, is not kept (it was read during the run)');
        assert.equal(reply.leakedTensors, 0);
      });

      it('stops at the next node once its AbortSignal fires, with RunCancelledError', async () => {
        const source = PARITY_NETS.merges;
        const input = uniform(
          3,
          graphOf(source).nodes[0].outShape.reduce((a, b) => a * b, 1),
        );
        const reply = await callPage(page, 'run', { source, input, seed: 2, abortAfterNodes: 3 });
        assert.equal(reply.ok, false);
        assert.ok(!reply.ok && reply.errorClass === 'RunCancelledError', JSON.stringify(reply));
        assert.equal(reply.nodesRun, 3, 'no node runs after the abort');
      });

      it('yields to the page between layers instead of blocking it', async () => {
        const source = PARITY_NETS.convolutions2d;
        const input = uniform(
          4,
          graphOf(source).nodes[0].outShape.reduce((a, b) => a * b, 1),
        );
        const reply = await callPage(page, 'run', { source, input, seed: 3 });
        assert.ok(reply.ok, reply.ok ? '' : reply.error);
        // Thirteen nodes each end with a macrotask yield, so zero-delay timers get to run in between.
        assert.ok(reply.ticks > 0, `no timer fired during a ${reply.nodesRun}-node run`);
      });
    });
  }

  describe('sharing large convolutions with workers (wasm)', function () {
    let page: Page;
    let errors: string[] = [];
    let oracle: { input: number[]; weights: PlainWeights; expected: Record<string, number[]> } | undefined;
    const graph = graphOf(SPLIT_NET);
    // The convolutions over 8 million multiply-accumulates: every one but the final 1x1.
    const shared = graph.nodes.filter((n) => n.op === 'conv' && n.attributes.kernel && (n.attributes.kernel as number[])[0] === 3).map((n) => n.id);

    before(async () => {
      let unavailable: string | undefined;
      ({ page, errors, unavailable } = await enginePage(browser, server.url, 'wasm'));
      if (unavailable) throw new Error(`the wasm backend did not start: ${unavailable}`);
    });
    after(async () => {
      await page?.close();
    });
    // The PyTorch reference, computed once for the tests that compare with it; the worker-failure tests need none.
    const torchReference = function (this: Mocha.Context) {
      requirePython(this, ['torch']);
      if (oracle) return;
      const weights = seededWeights(graph, 4242);
      const input = uniform(77, 16 * 48 * 48, -2, 2);
      oracle = { input, weights, expected: torchOutputs(graph, weights, input) };
    };

    const wrongNodes = (outputs: Record<string, { data: number[] }>, ids: number[]) =>
      ids.flatMap((id) => {
        const problem = outputs[id] ? firstDifference(outputs[id].data, oracle!.expected[id]) : 'not read back';
        return problem ? [`node ${id} ${graph.nodes[id].written}: ${problem}`] : [];
      });

    it('reports why no worker starts when the worker script cannot be loaded', async () => {
      const started = await callPage(page, 'startWorkers', 1, `${server.url}/dist/webview/no-such-worker.js`);
      assert.ok(!started.ok && /could not be loaded \(404/.test(started.error), JSON.stringify(started));
    });

    it('reports at once, not after its timeout, when the workers cannot compile the WASM binary', async () => {
      // A JavaScript file where the binary should be: the workers start, and their backends fail.
      const started = await callPage(page, 'startWorkers', 2, undefined, `${server.url}/dist/webview/convWorker.js`);
      assert.ok(!started.ok && /could not load its WASM backend/.test(started.error), JSON.stringify(started));
      assert.ok(started.ms < 15_000, `it took ${Math.round(started.ms)} ms, as long as the 30 s start timeout`);
    });

    for (const workers of [1, 3]) {
      it(`matches PyTorch at every node with ${workers} ${workers === 1 ? 'worker' : 'workers'} and the page sharing the convolutions`, async function () {
        torchReference.call(this);
        const started = await callPage(page, 'startWorkers', workers);
        assert.ok(started.ok && started.size === workers, JSON.stringify(started));
        const reply = await callPage(page, 'run', { source: SPLIT_NET, input: oracle!.input, weights: oracle!.weights, keep: 'all', workers: true });
        assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}\n${errors.join('\n')}`);
        assert.equal(reply.threads, workers + 1);
        // Every 3x3 convolution was shared; the small 1x1 at the end ran on the page alone.
        const sharedNodes = reply.timings.filter((t) => t.threads !== undefined).map((t) => [t.node, t.threads]);
        assert.deepEqual(
          sharedNodes,
          shared.map((id) => [id, workers + 1]),
        );
        assert.equal(reply.workersFailed, undefined);
        assert.deepEqual(
          wrongNodes(
            reply.outputs,
            graph.nodes.map((n) => n.id),
          ),
          [],
        );
        assert.equal(reply.leakedTensors, 0, "every tensor of the run, this thread's filter shares included, is freed with the engine");
      });

      it(`matches PyTorch at the output with ${workers} ${workers === 1 ? 'worker' : 'workers'} when batch norm and ReLU are fused into the shared convolutions`, async function () {
        torchReference.call(this);
        await callPage(page, 'startWorkers', workers);
        const reply = await callPage(page, 'run', { source: SPLIT_NET, input: oracle!.input, weights: oracle!.weights, keep: [], workers: true });
        assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}`);
        assert.equal(reply.threads, workers + 1);
        assert.ok(
          reply.timings.some((t) => t.op === 'batchnorm' && t.fusedInto !== undefined),
          'the first chain ran fused',
        );
        assert.deepEqual(wrongNodes(reply.outputs, [reply.outputNode]), []);
      });
    }

    it("does the one-time work ahead of the pass: after prepareFilters, the pass makes only the unfused 1x1 convolution's tensors and matches PyTorch", async function () {
      torchReference.call(this);
      await callPage(page, 'startWorkers', 3);
      const reply = await callPage(page, 'run', { source: SPLIT_NET, input: oracle!.input, weights: oracle!.weights, keep: [], workers: true, prepareFilters: true });
      assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}`);
      assert.equal(reply.threads, 4);
      // Each shared 3x3 convolution's filter, bias and this thread's shares of them were made ahead; the 1x1 at the end runs
      // alone, unfused, and makes its filter and bias during the pass.
      assert.equal(reply.tensorsMadeByRun, 2);
      assert.deepEqual(wrongNodes(reply.outputs, [reply.outputNode]), []);
      assert.equal(reply.leakedTensors, 0);
    });

    // How the workers fail, and what the run must say: dead workers, and workers that load but never answer a share
    // (a script that only says it is ready), given up after a reply timeout of 200 ms.
    const hungWorker = `data:text/javascript,${encodeURIComponent("onmessage = (event) => { if (event.data.kind === 'init') postMessage({ kind: 'ready', ok: true }); };")}`;
    const workerFailures: { when: string; fail: () => Promise<unknown>; says: RegExp }[] = [
      {
        when: 'the workers die',
        fail: async () => {
          await callPage(page, 'startWorkers', 2);
          await callPage(page, 'stopWorkers');
        },
        says: /convolution workers were stopped/,
      },
      { when: 'a worker does not answer in time', fail: () => callPage(page, 'startWorkers', 2, hungWorker, undefined, 200), says: /a convolution worker did not answer within 0.2 s/ },
    ];
    for (const { when, fail, says } of workerFailures) {
      it(`finishes on its own thread, with the same numbers, when ${when}, and says why`, async function () {
        torchReference.call(this);
        await fail();
        const reply = await callPage(page, 'run', { source: SPLIT_NET, input: oracle!.input, weights: oracle!.weights, keep: 'all', workers: true });
        assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}`);
        assert.equal(reply.threads, 1);
        assert.match(reply.workersFailed ?? '', says);
        assert.deepEqual(
          wrongNodes(
            reply.outputs,
            graph.nodes.map((n) => n.id),
          ),
          [],
        );
      });
    }
  });

  describe('ops the engine cannot run', function () {
    let page: Page;
    before(async () => {
      let unavailable: string | undefined;
      ({ page, unavailable } = await enginePage(browser, server.url, 'cpu'));
      if (unavailable) throw new Error(`the cpu backend did not start: ${unavailable}`);
    });
    after(async () => {
      await page?.close();
    });

    it('has an executor for every op of the language', async () => {
      assert.deepEqual(await callPage(page, 'opsWithoutExecutor'), []);
    });

    it('refuses an op without an executor with UnsupportedOpError naming it and its line', async () => {
      const source = oneLayer('1x4x4', 'maxpool(2)');
      const reply = await callPage(page, 'run', { source, input: new Array(16).fill(1), pretendUnknownOp: { node: 1, op: 'warp' } });
      assert.ok(!reply.ok && reply.errorClass === 'UnsupportedOpError', JSON.stringify(reply));
      assert.match(reply.error, /\bwarp on line 3\b/);
      assert.equal(reply.nodesRun, 0, 'nothing runs before the check');
    });
  });
});
