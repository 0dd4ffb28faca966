/**
 * The effective receptive field that the panel draws is the gradient of one
 * unit with respect to the input (engine/unitGradient.ts, run on WASM in
 * headless Chromium, as the panel runs it where no GPU is). It must equal
 * PyTorch's autograd gradient (torch_unit_grad.py, float64, through
 * torch_graph.py's op mirrors) for the same weights and input within 1e-4,
 * for corner and centre units, in 1-D, 2-D and 3-D networks with padding,
 * strides, dilation, groups, pooling and merging paths; and it must free
 * every tensor it makes.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import type { NetworkGraph } from '../../src/core';
import { launchChromium, openTestPage, pageCaller, startStaticServer } from './browser';
import { firstDifference, graphOf, seededWeights, uniform } from './engineFixtures';
import type { PlainWeights } from './pages/engine.api';
import type { ReceptiveFieldPage } from './pages/receptiveField.api';
import { PYTHON, requirePython } from '../python';

interface Case {
  name: string;
  source: string;
  /** The unit's node: the last layer unless given. */
  node?: number;
  /** Output positions to differentiate: by default the corner and the centre. */
  at?: number[][];
}

const cases: Case[] = [
  {
    name: '2-D: padding, batch norm, ReLU, max pooling, a strided and a dilated convolution',
    source: 'network A {\n  input(3x20x20)\n  conv(4, 3, padding=1)\n  batchnorm\n  relu\n  maxpool(2)\n  conv(6, 3, stride=2, padding=1)\n  conv(5, 3, padding=2, dilation=2)\n}\n',
  },
  {
    name: '2-D: grouped and depthwise convolutions (multiplier 1 and 2), average pooling, a 4x4 kernel with uneven padding',
    source:
      'network B {\n  input(4x17x17)\n  conv(6, 3, padding=1, groups=2)\n  depthwise_conv(3, padding=1)\n  depthwise_conv(3, stride=2, multiplier=2)\n  avgpool(2)\n  conv(3, 4, padding="same")\n}\n',
  },
  {
    // tfjs has no backward kernel for these on WASM; the field must not need one.
    name: '2-D: separable convolutions (strided, dilated, multiplier 2) and a max pooling with padding and a partial last window',
    source:
      'network S {\n  input(3x19x19)\n  separable_conv(5, 3, padding=1)\n  relu\n  separable_conv(4, 3, stride=2, padding=2, dilation=2, multiplier=2)\n  maxpool(3, stride=2, padding=1, ceil_mode=true)\n  separable_conv(3, 3, padding=1)\n}\n',
  },
  {
    name: '1-D: separable convolutions',
    source: 'network T {\n  input(2x30)\n  separable_conv(4, 5, padding=2)\n  maxpool(2)\n  separable_conv(3, 3, stride=2, padding=1)\n}\n',
  },
  {
    name: '2-D: a residual block with a strided projection shortcut, and a concat',
    source:
      'network C {\n  input(2x16x16)\n  residual { conv(4, 3, stride=2, padding=1); relu; conv(4, 3, padding=1) } shortcut { conv(4, 1, stride=2) }\n  concat { branch { conv(2, 1) } branch { conv(3, 3, padding=1) } }\n}\n',
  },
  {
    name: '1-D: a strided, padded and dilated convolution and pooling',
    source: 'network D {\n  input(2x40)\n  conv(3, 5, stride=2, padding=2)\n  relu\n  conv(4, 3, padding=2, dilation=2)\n  maxpool(2)\n}\n',
  },
  {
    name: '3-D: convolutions with padding and stride, and pooling',
    source: 'network E {\n  input(1x6x10x10)\n  conv(3, 3, padding=1)\n  maxpool(2)\n  conv(2, 3, stride=2, padding=1)\n}\n',
  },
];

type Unit = { node: number; channel: number; at: number[] };

/** One case's network, its seeded weights and input, and the units compared (the last layer's last channel unless the case says). */
function setUp(c: Case, index: number): { graph: NetworkGraph; weights: PlainWeights; input: number[]; units: Unit[] } {
  const graph = graphOf(c.source);
  const node = c.node ?? graph.output!;
  const [channels, ...sizes] = graph.nodes[node].outShape;
  const weights = seededWeights(graph, 100 + index);
  const input = uniform(
    200 + index,
    graph.nodes[0].outShape.reduce((a, b) => a * b, 1),
  );
  const positions = c.at ?? [sizes.map(() => 0), sizes.map((n) => Math.floor((n - 1) / 2))];
  return { graph, weights, input, units: positions.map((at) => ({ node, channel: channels - 1, at })) };
}

/** PyTorch's value and input gradient of each unit of each request, from one Python process (its start and torch's import cost seconds). */
function torchGradients(requests: { graph: NetworkGraph; weights: PlainWeights; input: number[]; unit: Unit }[]): { value: number; gradient: number[] }[] {
  const body = requests.map(({ graph, weights, input, unit }) => ({
    nodes: graph.nodes.map((n) => ({ id: n.id, op: n.op, inputs: n.inputs, outShape: n.outShape, attributes: n.attributes })),
    weights,
    input,
    unit,
  }));
  const run = spawnSync(PYTHON, ['test/webview/torch_unit_grad.py'], { input: JSON.stringify(body), encoding: 'utf8', maxBuffer: 256 << 20 });
  if (run.status !== 0) throw new Error(`torch_unit_grad.py failed (exit ${run.status}): ${run.stderr}`);
  const answers = JSON.parse(run.stdout) as { value: number; gradient: number[] }[];
  if (answers.length !== requests.length) throw new Error(`torch_unit_grad.py answered ${answers.length} of ${requests.length} units`);
  return answers;
}

describe("the effective receptive field equals PyTorch's input gradient", function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  let page: Page;
  const call = pageCaller<ReceptiveFieldPage>('field', () => page);
  // PyTorch's answer for every unit of every case, by case index, computed once for both backends.
  const expectedOf = new Map<number, { value: number; gradient: number[] }[]>();

  before(async function () {
    requirePython(this, ['torch']);
    const requests = cases.flatMap((c, index) => {
      const { graph, weights, input, units } = setUp(c, index);
      return units.map((unit) => ({ index, graph, weights, input, unit }));
    });
    torchGradients(requests).forEach((answer, i) => expectedOf.set(requests[i].index, [...(expectedOf.get(requests[i].index) ?? []), answer]));
    server = await startStaticServer();
    browser = await launchChromium();
    ({ page } = await openTestPage(browser, server.url, 'receptiveField'));
    assert.equal(await call('use', `${server.url}/dist/webview/`, 'wasm'), 'wasm');
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Compares the page's field with PyTorch's for the corner and centre units (or the case's) on `backend`. */
  async function compare(c: Case, index: number, backend: string): Promise<void> {
    const { graph, weights, input, units } = setUp(c, index);
    for (const [u, unit] of units.entries()) {
      const { at } = unit;
      const expected = expectedOf.get(index)![u];
      assert.ok(
        expected.gradient.some((g) => g !== 0),
        `the unit at ${at} has a gradient (else the comparison checks nothing)`,
      );
      const reply = await call('gradient', { source: c.source, weights, input, unit });
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      assert.equal(reply.backend, backend);
      assert.deepEqual(reply.shape, graph.nodes[0].outShape);
      assert.ok(Math.abs(reply.value - expected.value) <= 1e-4 * (1 + Math.abs(expected.value)), `value ${reply.value}, PyTorch ${expected.value}`);
      const problem = firstDifference(reply.gradient, expected.gradient);
      assert.equal(problem, undefined, `unit at ${at}: ${problem}`);
      assert.equal(reply.leakedTensors, 0);
    }
  }

  for (const [index, c] of cases.entries()) {
    it(c.name, () => compare(c, index, 'wasm'));
  }

  it('the separable network on the CPU backend too', async () => {
    const index = cases.findIndex((c) => c.source.startsWith('network S'));
    assert.equal(await call('use', `${server.url}/dist/webview/`, 'cpu'), 'cpu');
    try {
      await compare(cases[index], index, 'cpu');
    } finally {
      assert.equal(await call('use', `${server.url}/dist/webview/`, 'wasm'), 'wasm');
    }
  });

  it('reports its progress layer by layer, and stops between layers when its signal aborts, leaking nothing', async () => {
    const source = cases[0].source;
    const graph = graphOf(source);
    const unit = { node: graph.output!, channel: 0, at: [2, 2] };
    const input = uniform(7, 3 * 20 * 20);
    // Each layer on the unit's paths once forward and once backward (the input only forward).
    const layers = graph.nodes.filter((n) => n.id <= unit.node).length;
    const full = await call('cancelAfter', { source, seed: 1, input, unit }, -1);
    assert.equal(full.outcome, 'finished');
    assert.deepEqual(
      full.reports,
      Array.from({ length: 2 * layers - 1 }, (_, i) => [i + 1, 2 * layers - 1]),
    );
    assert.equal(full.leakedTensors, 0);
    const stopped = await call('cancelAfter', { source, seed: 1, input, unit }, 3);
    assert.equal(stopped.outcome, 'AbortError: the effective field was cancelled');
    assert.equal(stopped.reports.length, 3);
    assert.equal(stopped.leakedTensors, 0);
  });

  it('refuses a unit outside the output with a message, and leaks nothing', async () => {
    const source = cases[0].source;
    const graph = graphOf(source);
    const reply = await call('gradient', { source, seed: 1, input: new Array(3 * 20 * 20).fill(0), unit: { node: graph.output!, channel: 0, at: [9, 0] } });
    assert.ok(!reply.ok);
    assert.match(reply.error, /\(9, 0\) is not a position of the 5x5 output/);
    assert.equal(reply.leakedTensors, 0);
  });
});
