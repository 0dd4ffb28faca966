// The receptive-field oracle: for every top-level statement of every example,
// and for random networks built from every window op and merge, the input
// positions a unit really depends on (PyTorch's input gradient, with positive
// constant weights, identity activations and averaged max pooling; see
// test/oracle/torch_rf.py) must have exactly the bounding box that CNN Lens
// reports as the unit's `visible` window.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyze, unitWindow, type NetworkGraph } from '../../src/core';
import { PYTHON, requirePython } from '../python';
import { spawnSync } from 'node:child_process';

type Box = [number, number][] | null;

interface Query {
  node: number;
  at: number[];
  /** What CNN Lens says, and where it comes from, for the failure message. */
  visible: Box;
  what: string;
}

interface Case {
  name: string;
  graph: NetworkGraph;
  queries: Query[];
}

/** Corner, far corner, edge and centre units of an output with these spatial sizes. */
function probeUnits(sizes: number[]): number[][] {
  const centre = sizes.map((n) => Math.floor((n - 1) / 2));
  const units = [sizes.map(() => 0), sizes.map((n) => n - 1), centre, sizes.map((n, i) => (i === 0 ? 0 : centre[i])), sizes.map((n, i) => (i === sizes.length - 1 ? n - 1 : centre[i]))];
  const seen = new Set<string>();
  return units.filter((u) => !seen.has(u.join(',')) && seen.add(u.join(',')));
}

/** One case per network: probe units of every top-level statement with spatial axes (or only the last one). */
function caseOf(name: string, text: string, onlyLast = false): Case | string {
  const analysis = analyze(text, { graph: true });
  const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) return `${name}: ${errors.map((d) => d.message).join('; ')}`;
  const graph = analysis.graphs?.[0];
  if (!graph?.complete) return `${name}: incomplete graph`;
  const lastOfStatement = new Map<number, number>();
  for (const node of graph.nodes) if (!node.failed) lastOfStatement.set(node.statement, node.id);
  let outputs = [...lastOfStatement.entries()].filter(([statement]) => statement > 0);
  if (onlyLast) outputs = outputs.slice(-1);
  const queries: Query[] = [];
  for (const [statement, id] of outputs) {
    const sizes = graph.nodes[id].outShape.slice(1);
    if (sizes.length === 0) continue;
    for (const at of probeUnits(sizes)) {
      const field = unitWindow(graph, id, at);
      assert.ok(field, `${name}: no unit window for statement ${statement} at ${at}`);
      queries.push({ node: id, at, visible: field.visible, what: `statement ${statement} (line ${graph.nodes[id].range.start.line + 1}, ${graph.nodes[id].op}) unit ${at.join(',')}` });
    }
  }
  return { name, graph, queries };
}

/** Asks torch_rf.py for every case at once (one Python process). */
function oracle(cases: Case[]): Box[][] {
  const request = {
    cases: cases.map((c) => ({
      nodes: c.graph.nodes.map(({ id, op, inputs, inShapes, outShape, attributes, failed }) => ({ id, op, inputs, inShapes, outShape, attributes, failed })),
      queries: c.queries.map((q) => ({ node: q.node, at: q.at })),
    })),
  };
  const run = spawnSync(PYTHON, ['test/oracle/torch_rf.py'], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 << 20, timeout: 600_000 });
  assert.equal(run.status, 0, `torch_rf.py failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  return (JSON.parse(run.stdout) as { results: Box[][] }).results;
}

function compare(cases: Case[], results: Box[][]): string[] {
  const wrong: string[] = [];
  cases.forEach((c, i) =>
    c.queries.forEach((q, j) => {
      const torch = results[i][j];
      if (JSON.stringify(torch) !== JSON.stringify(q.visible)) wrong.push(`${c.name} ${q.what}: CNN Lens ${JSON.stringify(q.visible)}, PyTorch ${JSON.stringify(torch)}`);
    }),
  );
  return wrong;
}

const exampleFiles = readdirSync('examples')
  .filter((name) => name.endsWith('.cnn'))
  .sort();

/** Networks that exercise one rule each, named by what they check. */
const focused: Record<string, string> = {
  'dilated convolutions': 'input(1x40x40)\nconv(2, 3, dilation=3)\nconv(2, 3, dilation=2, padding=2)\nconv(2, 3, stride=2, dilation=4, padding=1)',
  'transposed convolutions, k=3 s=2': 'input(1x32)\nconv(1, 3, padding=1)\nconv_transpose(1, 3, stride=2)\nconv_transpose(1, 4, stride=2, padding=1)',
  'nearest and bilinear upsampling': 'input(1x20x20)\nconv(1, 3, stride=2, padding=1)\nupsample(2)\nupsample(4, mode="bilinear")\nupsample(0.5)',
  'adaptive pooling 13 to 5': 'input(1x27x27)\nconv(1, 3, stride=2)\nadaptive_avgpool(5)\nadaptive_maxpool((3, 7))',
  'squeeze-excitation': 'input(2x16x16)\nconv(4, 3)\nx: identity\nadaptive_avgpool(1)\nconv(4, 1)\nmultiply(x)\nconv(4, 3)',
  'a 1-D network': 'input(2x50)\nconv(4, 5, stride=2)\nmaxpool(3, stride=2, ceil_mode=true)\nupsample(2, mode="linear")',
  'a 3-D network': 'input(1x8x12x12)\nconv(2, 3, padding=1)\nmaxpool((1, 2, 2))\nconv(2, (3, 1, 1))\nconv_transpose(2, 2, stride=2)',
  'pixel shuffle, spatial slices and causal padding':
    'input(8x12x12)\nconv(8, 3, padding=1)\npixel_shuffle(2)\nslice(3, 20, axis=2)\nconv(2, 3, dilation=2, padding="causal")\nupsample(size=9x30, mode="bilinear")',
  'a 1-D pixel shuffle and the last time step': 'input(4x30)\nconv(4, 5, padding="causal", dilation=3)\npixel_shuffle(2)\nslice(-1, axis=1)',
  'merging paths of different shapes':
    'input(1x9x9)\nconcat { branch { conv(1, (1, 3), padding=(0, 1)) } branch { conv(1, (3, 1), padding=(1, 0)) } }\nresidual { conv(2, (5, 1), padding=(2, 0)) } shortcut { conv(2, (1, 3), padding=(0, 1)) }',
};

describe('receptive fields agree with PyTorch gradients (torch_rf.py)', function () {
  this.timeout(600_000);
  before(function () {
    requirePython(this, ['torch']);
  });

  it('every top-level statement of every example, corner, edge and centre units', () => {
    const cases = exampleFiles.map((file) => caseOf(file, readFileSync(join('examples', file), 'utf8')));
    const broken = cases.filter((c): c is string => typeof c === 'string');
    assert.deepEqual(broken, [], 'every example analyses cleanly');
    const ready = cases as Case[];
    assert.ok(ready.every((c) => c.queries.length > 0));
    assert.deepEqual(compare(ready, oracle(ready)), []);
  });

  it('focused networks: dilation, transposed, upsampling, adaptive 13 → 5, squeeze-excitation, 1-D, 3-D, merges', () => {
    const cases = Object.entries(focused).map(([name, body]) => caseOf(name, `network T {\n${body}\n}\n`));
    const broken = cases.filter((c): c is string => typeof c === 'string');
    assert.deepEqual(broken, []);
    assert.deepEqual(compare(cases as Case[], oracle(cases as Case[])), []);
  });

  it('random networks from every window op and merge (fast-check seeds)', () => {
    const texts = fc.sample(randomNetwork(), { numRuns: 400, seed: 20261201 });
    // Repeated upsampling can grow a 3-D tensor past millions of values; those add time, not cases.
    const small = (c: Case) => c.graph.nodes.every((n) => n.outShape.reduce((a, b) => a * b, 1) <= 50_000);
    const cases = texts.map((text, i) => caseOf(`random #${i}:\n${text}\n`, text, true)).filter((c): c is Case => typeof c !== 'string' && c.queries.length > 0 && small(c));
    // Most draws are valid; too few would mean the generator stopped testing anything.
    assert.ok(cases.length >= 200, `only ${cases.length} of 400 random networks were valid`);
    assert.deepEqual(compare(cases, oracle(cases)), []);
  });
});

/** Random small networks (1-D, 2-D or 3-D) from window ops, interpolation, padding, spatial slices, pixel shuffle and merges, two channels between layers. */
function randomNetwork(): fc.Arbitrary<string> {
  const k = fc.integer({ min: 1, max: 4 });
  const s = fc.integer({ min: 1, max: 3 });
  const d = fc.integer({ min: 1, max: 3 });
  const sizeKeeping = fc.oneof(
    fc.tuple(fc.integer({ min: 0, max: 2 }), d).map(([h, dd]) => `conv(2, ${2 * h + 1}, padding=${h * dd}, dilation=${dd})`),
    fc.integer({ min: 0, max: 1 }).map((h) => `maxpool(${2 * h + 1}, stride=1, padding=${h})`),
    fc.constant('relu'),
    fc.constant('depthwise_conv(3, padding=1)'),
  );
  const body = fc.array(sizeKeeping, { minLength: 0, maxLength: 2 }).map((ops) => ops.join('; '));
  const layer = fc.oneof(
    fc.tuple(k, s, fc.integer({ min: 0, max: 2 }), d).map(([kk, ss, p, dd]) => `conv(2, ${kk}, stride=${ss}, padding=${Math.min(p, kk)}, dilation=${dd})`),
    fc.tuple(k, s, fc.boolean(), d).map(([kk, ss, ceil, dd]) => `maxpool(${kk}, stride=${ss}, padding=${Math.floor(kk / 2)}, ceil_mode=${ceil}, dilation=${dd})`),
    fc.tuple(k, s, fc.boolean()).map(([kk, ss, ceil]) => `avgpool(${kk}, stride=${ss}, padding=${Math.floor(kk / 2) > 0 ? 1 : 0}, ceil_mode=${ceil})`),
    fc.tuple(k, s, fc.integer({ min: 0, max: 1 }), d).map(([kk, ss, p, dd]) => `conv_transpose(2, ${kk}, stride=${ss}, padding=${p}, dilation=${dd})`),
    fc.integer({ min: 1, max: 7 }).map((n) => `adaptive_avgpool(${n})`),
    fc.integer({ min: 1, max: 5 }).map((n) => `adaptive_maxpool(${n})`),
    fc.integer({ min: 2, max: 3 }).map((f) => `upsample(${f})`),
    // Odd factors put linear sources exactly on input pixels, where PyTorch's rounding leaves a 1e-16 weight on the neighbour.
    fc.constantFrom(2, 4).map((f) => `upsample(${f}, mode="bilinear")`),
    fc.integer({ min: 1, max: 2 }).map((p) => `pad(${p})`),
    fc.tuple(body, body).map(([a, b]) => `residual { ${a || 'identity'} } shortcut { ${b || 'identity'} }`),
    fc.tuple(body, body).map(([a, b]) => `concat { branch { ${a} } branch { ${b} } }; conv(2, 1)`),
    fc.constant('x: conv(2, 1); adaptive_avgpool(1); conv(2, 1); multiply(x)'),
    fc.constant('concat { branch { maxpool(2, ceil_mode=true); upsample(2) } branch { } }; conv(2, 1)'),
    fc.constant('conv(8, 1); pixel_shuffle(2); conv(2, 1)'),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -3, max: -1 })).map(([a, b]) => `slice(${a}, ${b}, axis=1)`),
    fc.tuple(k, d, s).map(([kk, dd, ss]) => `conv(2, ${kk}, stride=${ss}, dilation=${dd}, padding="causal")`),
  );
  const input = fc.oneof(
    fc.integer({ min: 6, max: 40 }).map((n) => `2x${n}`),
    fc.tuple(fc.integer({ min: 6, max: 24 }), fc.integer({ min: 6, max: 24 })).map(([h, w]) => `2x${h}x${w}`),
    fc.tuple(fc.integer({ min: 3, max: 8 }), fc.integer({ min: 4, max: 10 })).map(([t, n]) => `2x${t}x${n}x${n}`),
  );
  return fc
    .tuple(input, fc.array(layer, { minLength: 1, maxLength: 5 }))
    .map(
      ([shape, layers]) =>
        `network R {\n  input(${shape})\n${layers.map((l) => `  ${l.replace(/mode="bilinear"/, shape.split('x').length === 2 ? 'mode="linear"' : shape.split('x').length === 4 ? 'mode="trilinear"' : 'mode="bilinear"')}`).join('\n')}\n}\n`,
    );
}
