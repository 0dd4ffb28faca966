/** The v1.1 ops' errors and label forms: each bad use gets its code and a message that says what to do. */
import { strict as assert } from 'node:assert';
import { analyze } from '../../src/core';

function problems(body: string): { code: string; message: string }[] {
  return analyze(`network T {\n${body}\n}\n`)
    .diagnostics.filter((d) => d.severity === 'error')
    .map((d) => ({ code: d.code, message: d.message }));
}

const errors: { why: string; body: string; code: string; says: RegExp }[] = [
  { why: 'an empty slice', body: 'input(8x4x4)\nslice(5, 5)', code: 'nonpositive-size', says: /keeps nothing/ },
  { why: 'a slice axis past the rank', body: 'input(8x4x4)\nslice(0, 2, axis=3)', code: 'bad-value', says: /axes 0 to 2/ },
  { why: 'channel_shuffle groups that do not divide', body: 'input(10x4x4)\nchannel_shuffle(4)', code: 'groups', says: /does not divide the 10 channels/ },
  { why: 'pixel_shuffle channels not divisible by r²', body: 'input(8x4x4)\npixel_shuffle(2)\npixel_shuffle(2)', code: 'groups', says: /divisible by 2\^2 = 4, but the input has 2/ },
  { why: 'upsample with both a scale and a size', body: 'input(8x4x4)\nupsample(2, size=8x8)', code: 'bad-value', says: /exactly one of scale, size= and like=/ },
  { why: 'upsample with nothing', body: 'input(8x4x4)\nupsample', code: 'missing-arg', says: /exactly one of/ },
  { why: 'upsample like= an undefined label', body: 'input(8x4x4)\nupsample(like=skip)', code: 'undefined-label', says: /No label skip/ },
  { why: 'upsample like= a tensor of another rank', body: 'input(8x4x4)\nv: global_avgpool\nreshape(2x2x2)\nupsample(like=v)', code: 'merge-mismatch', says: /spatial axes/ },
  { why: 'causal padding on a pooling layer', body: 'input(8x4x4)\nmaxpool(2, padding="causal")', code: 'bad-value', says: /not a padding mode here/ },
];

describe('v1.1 ops: errors', () => {
  for (const c of errors) {
    it(c.why, () => {
      const found = problems(c.body);
      assert.ok(
        found.some((p) => p.code === c.code && c.says.test(p.message)),
        JSON.stringify(found),
      );
    });
  }
});

describe('v1.1 ops: upsample(like=LABEL) follows the labelled size at any input size', () => {
  for (const size of [224, 513]) {
    it(`at ${size}x${size}`, () => {
      const analysis = analyze(`network D {\n input(3x${size}x${size})\n f: conv(8, 3, stride=8, padding=1)\n global_avgpool\n reshape(8x1x1)\n upsample(like=f, mode="bilinear")\n concat(f)\n}\n`);
      assert.deepEqual(
        analysis.diagnostics.filter((d) => d.severity === 'error'),
        [],
      );
      const side = Math.floor((size + 2 - 3) / 8 + 1);
      assert.deepEqual(analysis.networks[0].output, [16, side, side]);
    });
  }
});

describe('v1.1 expression functions', () => {
  /** The value of one expression, through a conv's out channels. */
  function value(expr: string): number | string {
    const analysis = analyze(`network T {\n input(1x8x8)\n conv(${expr}, 1)\n}\n`);
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    return errors.length ? errors[0].message : analysis.networks[0].output![0];
  }

  const cases: [string, number][] = [
    ['min(64, 3 * 16)', 48],
    ['max(8, 3, 5)', 8],
    ['floor(7 / 2)', 3],
    ['ceil(7 / 2)', 4],
    ['int(2.7) + int(0 - 2.7) + 10', 10], // toward zero: 2 + (-2) + 10
    ['round(2.5) + round(3.5)', 6], // half to even, as Python 3: 2 + 4
    ['round(0 - 2.5) + 10', 8],
    // torchvision's _make_divisible: MobileNetV3's squeeze-excitation for 72 channels has 24.
    ['divisible(72 // 4, 8)', 24],
    ['divisible(32 * 1.0, 8)', 32],
    ['divisible(72 * 0.75, 8)', 56],
    ['divisible(10, 8)', 16], // 8 would be more than 10% below 10
    ['divisible(3, 8, 16)', 16], // the minimum
  ];
  for (const [expr, expected] of cases) {
    it(`${expr} = ${expected}`, () => assert.equal(value(expr), expected));
  }

  it('reads block parameters inside function arguments', () => {
    const analysis = analyze('block B(c, w = 0.5) { conv(divisible(c * w, 8), 3, padding=max(1, c // 64)) }\nnetwork T {\n input(3x8x8)\n B(96)\n}\n');
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    assert.deepEqual(analysis.networks[0].output, [48, 8, 8]);
  });

  it('names an unknown function and a wrong argument count', () => {
    assert.match(String(value('sqrt(16)')), /sqrt\(\.\.\.\) is not a function CNN Lens knows/);
    assert.match(String(value('floor(1, 2)')), /floor takes 1 argument, not 2/);
    assert.match(String(value('divisible(12)')), /divisible needs d: divisible\(v, d, min=d\)/);
    assert.match(String(value('divisible(v=12, min=16)')), /divisible needs d/);
  });

  /**
   * Keyword arguments, by LANGUAGE.md's names (`divisible(v, d, min=d)`,
   * `min(a, b)`, `floor(x)` ...). The divisible values are torchvision's
   * `torchvision.models._utils._make_divisible(v, divisor, min_value)` in
   * Debian's torchvision 0.14, e.g. `_make_divisible(5, 4) = 8` but
   * `_make_divisible(5, 4, min_value=16) = 16`.
   */
  const keywordCases: [string, number][] = [
    ['divisible(16 * 0.75, 8)', 16], // _make_divisible(12.0, 8)
    ['divisible(5, 4)', 8],
    ['divisible(5, 4, min=16)', 16], // _make_divisible(5, 4, min_value=16)
    ['divisible(5, d=4, min=16)', 16],
    ['divisible(min=16, v=5, d=4)', 16], // keywords in any order
    ['divisible(12, 8, min=24)', 24],
    ['divisible(32 * 0.35, 8)', 16], // _make_divisible(11.2, 8)
    ['divisible(24 * 1.4, 8)', 32], // _make_divisible(33.6, 8)
    ['divisible(44, 8, min=16)', 48],
    ['divisible(100, 8, min=16)', 104],
    ['divisible(58 * 0.5, 16, min=32)', 32], // _make_divisible(29.0, 16, min_value=32)
    ['min(a=64, b=48)', 48],
    ['max(8, b=12)', 12],
    ['floor(x=7 / 2)', 3],
    ['round(x=2.5)', 2],
  ];
  for (const [expr, expected] of keywordCases) {
    it(`${expr} = ${expected}`, () => assert.equal(value(expr), expected));
  }

  it('takes keywords with block parameters, and inside a default', () => {
    const analysis = analyze('block B(c, w = 0.5, m = divisible(c * w, 8, min=32)) { conv(m, 1) }\nnetwork T {\n input(3x8x8)\n B(16)\n B(96, w=1, m=divisible(v=96 * 1, d=16, min=16))\n}\n');
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
      [],
    );
    // B(16): _make_divisible(8.0, 8, min_value=32) = 32; then _make_divisible(96, 16, min_value=16) = 96.
    assert.deepEqual(analysis.networks[0].output, [96, 8, 8]);
    assert.deepEqual(analysis.networks[0].statements[1].outShape, [32, 8, 8]);
  });

  /** One error per slip, at the keyword, and the network still analysed (its output known). */
  const keywordErrors: { call: string; code: string; says: RegExp; at: string; output: number }[] = [
    { call: 'divisible(5, 4, mn=16)', code: 'unknown-arg', says: /^divisible has no argument mn; did you mean min\? It takes: divisible\(v, d, min=d\)\.$/, at: 'mn', output: 8 },
    { call: 'divisible(5, 4, minimum=16)', code: 'unknown-arg', says: /^divisible has no argument minimum\./, at: 'minimum', output: 8 },
    { call: 'floor(y=3.5)', code: 'unknown-arg', says: /^floor has no argument y; did you mean x\? It takes: floor\(x\)\.$/, at: 'y', output: 0 },
    { call: 'divisible(5, 4, min=16, min=24)', code: 'bad-value', says: /^min is given twice in divisible\(\.\.\.\)\.$/, at: 'min=24', output: 16 },
    { call: 'divisible(5, 4, d=8)', code: 'bad-value', says: /^d is given twice in divisible/, at: 'd=8', output: 8 },
    { call: 'divisible(v=5, 4)', code: 'syntax', says: /^Positional arguments must come before keyword arguments\.$/, at: '4)', output: 0 },
  ];
  for (const { call, code, says, at, output } of keywordErrors) {
    it(`${call}: ${code} at ${at}`, () => {
      const text = `network T {\n input(1x8x8)\n conv(${call}, 1)\n}\n`;
      const analysis = analyze(text);
      const found = analysis.diagnostics.filter((d) => d.code === code);
      assert.equal(found.length, 1, JSON.stringify(analysis.diagnostics));
      assert.match(found[0].message, says);
      assert.deepEqual(found[0].range.start, { line: 2, character: text.split('\n')[2].indexOf(at) });
      if (output) {
        // Only that diagnostic: the rest of the call evaluates (the unknown or repeated keyword is passed over).
        assert.equal(analysis.diagnostics.length, 1, JSON.stringify(analysis.diagnostics));
        assert.deepEqual(analysis.networks[0].output, [output, 8, 8]);
      }
    });
  }

  it('offers the nearest keyword as the fix for a misspelt one', () => {
    const text = 'network T {\n input(1x8x8)\n conv(divisible(5, 4, mn=16), 1)\n}\n';
    const [found] = analyze(text).diagnostics;
    assert.deepEqual(
      found.fixes?.map((f) => [f.title, f.edits[0].newText]),
      [['Change to min', 'min']],
    );
  });
});
