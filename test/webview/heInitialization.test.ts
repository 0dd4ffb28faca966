/**
 * The engine's default weights (heInitialization), checked in Node against
 * the definition of He (Kaiming normal) initialisation: mean 0 and standard
 * deviation sqrt(2 / fan_in), with fan_in as torch.nn.init computes it
 * (weight.size(1) times the kernel's size), biases 0, norm scales 1, running
 * variances 1, PReLU slopes 0.25, and the same numbers for the same seed.
 */
import { strict as assert } from 'node:assert';
import { heInitialization, heInitializationInSlices } from '../../webview/src/engine/weights';
import { graphOf } from './engineFixtures';

const NET = `network Init {
  input(16x12x12)
  conv(32, 3, padding=1)
  batchnorm
  prelu(shared=false)
  conv_transpose(24, 4, stride=2, groups=2)
  separable_conv(20, 3, multiplier=2)
  flatten
  dense(64)
}
`;

const product = (values: number[]) => values.reduce((a, b) => a * b, 1);

describe('heInitialization', () => {
  const graph = graphOf(NET);
  const weights = heInitialization(graph, 5);

  it('draws every weight tensor with mean 0 and standard deviation sqrt(2 / fan_in)', () => {
    let checked = 0;
    for (const tensors of weights.values()) {
      for (const [name, t] of Object.entries(tensors)) {
        if (!name.endsWith('weight') || t.shape.length < 2) continue;
        // torch.nn.init._calculate_fan_in_and_fan_out: size(1) times the receptive field.
        const fanIn = t.shape[1] * product(t.shape.slice(2));
        const n = t.data.length;
        const mean = t.data.reduce((a, b) => a + b, 0) / n;
        const std = Math.sqrt(t.data.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
        const expected = Math.sqrt(2 / fanIn);
        // Sampling error of a standard deviation is about std / sqrt(2n); allow five of those.
        assert.ok(Math.abs(std - expected) < (5 * expected) / Math.sqrt(2 * n), `${name} ${t.shape.join('x')}: std ${std}, expected ${expected}`);
        assert.ok(Math.abs(mean) < (5 * expected) / Math.sqrt(n), `${name}: mean ${mean}`);
        checked++;
      }
    }
    assert.equal(checked, 5, 'conv, conv_transpose, both halves of separable_conv and dense');
  });

  it('sets biases and shifts to 0, scales and running variances to 1, PReLU slopes to 0.25', () => {
    const [conv, bn, prelu] = [1, 2, 3].map((id) => weights.get(id)!);
    assert.ok(conv.bias.data.every((v) => v === 0));
    assert.ok(bn.weight.data.every((v) => v === 1) && bn.running_var.data.every((v) => v === 1));
    assert.ok(bn.bias.data.every((v) => v === 0) && bn.running_mean.data.every((v) => v === 0));
    assert.deepEqual(prelu.weight.shape, [32]);
    assert.ok(prelu.weight.data.every((v) => v === 0.25));
  });

  it('gives the same numbers for the same seed and others for another seed', () => {
    const again = heInitialization(graph, 5).get(1)!.weight.data;
    const other = heInitialization(graph, 6).get(1)!.weight.data;
    assert.deepEqual(again, weights.get(1)!.weight.data);
    assert.notDeepEqual(other, weights.get(1)!.weight.data);
  });

  it('makes the same weights a slice at a time, reporting progress up to 1, and stops when aborted', async () => {
    // A net big enough for several slices: 256·256·9 = 589,824 weights in its second convolution.
    const big = graphOf('network Big {\n  input(256x4x4)\n  conv(256, 3)\n  conv(256, 1)\n}\n');
    const shares: number[] = [];
    const sliced = await heInitializationInSlices(big, 3, { onProgress: (share) => shares.push(share) });
    const whole = heInitialization(big, 3);
    assert.ok(sliced);
    for (const [id, tensors] of whole) for (const [name, t] of Object.entries(tensors)) assert.deepEqual(sliced.get(id)![name].data, t.data, `${id} ${name}`);
    for (let i = 1; i < shares.length; i++) assert.ok(shares[i] >= shares[i - 1] && shares[i] <= 1, `progress ${shares.join(', ')}`);
    const controller = new AbortController();
    controller.abort();
    // Aborting is noticed at the first pause, which comes after 30 ms of work at the latest.
    assert.equal(await heInitializationInSlices(graphOf('network Huge {\n  input(512x4x4)\n  repeat(8) { conv(512, 3, padding=1) }\n}\n'), 1, { signal: controller.signal }), undefined);
  });
});
