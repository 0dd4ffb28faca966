/** The v1.1 ops' errors and label forms: each bad use gets its code and a message that says what to do. */
import { strict as assert } from 'node:assert';
import { analyze } from '../../src/core';

function problems(body: string): { code: string; message: string }[] {
  return analyze(`network T {\n${body}\n}\n`).diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, message: d.message }));
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
      assert.ok(found.some((p) => p.code === c.code && c.says.test(p.message)), JSON.stringify(found));
    });
  }
});

describe('v1.1 ops: upsample(like=LABEL) follows the labelled size at any input size', () => {
  for (const size of [224, 513]) {
    it(`at ${size}x${size}`, () => {
      const analysis = analyze(`network D {\n input(3x${size}x${size})\n f: conv(8, 3, stride=8, padding=1)\n global_avgpool\n reshape(8x1x1)\n upsample(like=f, mode="bilinear")\n concat(f)\n}\n`);
      assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
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
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.deepEqual(analysis.networks[0].output, [48, 8, 8]);
  });

  it('names an unknown function and a wrong argument count', () => {
    assert.match(String(value('sqrt(16)')), /sqrt\(\.\.\.\) is not a function CNN Lens knows/);
    assert.match(String(value('floor(1, 2)')), /floor takes 1 argument, not 2/);
  });
});
