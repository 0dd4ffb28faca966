/**
 * `withCommas` groups whole numbers by hand (the locale machinery was a third
 * of a megabyte file's summary table); it must write exactly what
 * `toLocaleString('en-US')` writes, which every table, hover and status bar
 * figure used before.
 * `bytesText` names sizes up to YB.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { bytesText, withCommas } from '../../src/core/format';

const locale = (value: number) => Math.round(value).toLocaleString('en-US');

describe('withCommas', () => {
  it('writes published counts as people read them', () => {
    assert.equal(withCommas(11_699_112), '11,699,112'); // ResNet-18's parameters
    assert.equal(withCommas(61_706), '61,706'); // LeNet-5's
    assert.equal(withCommas(999), '999');
    assert.equal(withCommas(1000), '1,000');
    assert.equal(withCommas(0), '0');
  });

  it('writes what toLocaleString writes at the edges: negatives, -0, halves, 2^53 and past it, infinities', () => {
    for (const value of [-0, -0.4, 0.5, -1, -1000, -1_234_567, 999.5, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, Infinity, -Infinity, NaN]) {
      assert.equal(withCommas(value), locale(value), String(value));
    }
  });

  it('writes what toLocaleString writes for any number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.double({ noNaN: false })), (value) => withCommas(value) === locale(value)),
      { seed: 16, numRuns: 5000 },
    );
  });
});

describe('bytesText', () => {
  it('writes bytes in powers of 1000, from B to YB', () => {
    assert.equal(bytesText(999), '999 B');
    assert.equal(bytesText(36_430), '36.43 KB');
    assert.equal(bytesText(177_477_120), '177.48 MB'); // ResNet-18's saved activations at batch 8 (PyTorch's saved_tensors_hooks)
    assert.equal(bytesText(6.32e9), '6.32 GB');
    assert.equal(bytesText(999.994e9), '999.99 GB');
    assert.equal(bytesText(1.5e12), '1.50 TB');
    // The 1 MB file of nested repeats: 2.619e23 activations of 4 bytes.
    assert.equal(bytesText(2.619e23 * 4), '1.05 YB');
    assert.equal(bytesText(3e27), '3000.00 YB');
  });
});
