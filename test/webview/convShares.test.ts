/**
 * The arithmetic of sharing a convolution's output channels between the
 * panel's thread and its workers (webview/src/engine/parallel/shares.ts):
 * the shares cover every channel once, in units of 8 where there are
 * enough; a share's values land in its own channels of the whole output;
 * and the output size agrees with the analysis core's formula.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { channelShares, placeShare, planOutputShape, shareColumns } from '../../webview/src/engine/parallel/shares';
import { graphOf } from './engineFixtures';

describe('sharing a convolution by output channel', () => {
  const cases: { channels: number; parts: number; counts: number[] }[] = [
    { channels: 64, parts: 2, counts: [32, 32] },
    { channels: 64, parts: 8, counts: [8, 8, 8, 8, 8, 8, 8, 8] },
    // 60 = 7 units of 8 and 4 channels: the extra unit to the first share, the 4 to the last.
    { channels: 60, parts: 4, counts: [16, 16, 16, 12] },
    { channels: 512, parts: 3, counts: [176, 168, 168] },
    // Too few channels for every thread: fewer shares, never one under 8 channels.
    { channels: 24, parts: 8, counts: [8, 8, 8] },
    { channels: 15, parts: 4, counts: [15] },
    { channels: 3, parts: 2, counts: [3] },
  ];
  for (const { channels, parts, counts } of cases) {
    it(`splits ${channels} channels for ${parts} threads as ${counts.join(' + ')}`, () => {
      assert.deepEqual(
        channelShares(channels, parts).map((s) => s.count),
        counts,
      );
    });
  }

  it('covers every channel exactly once, in order, for any channel and thread count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 1, max: 16 }), (channels, parts) => {
        const shares = channelShares(channels, parts);
        assert.ok(shares.length >= 1 && shares.length <= parts);
        let next = 0;
        for (const share of shares) {
          assert.equal(share.first, next);
          assert.ok(share.count >= Math.min(8, channels), `a share of ${share.count} channels`);
          next += share.count;
        }
        assert.equal(next, channels);
      }),
    );
  });

  it('puts a share at its channels of every pixel and leaves the other channels alone', () => {
    // Two pixels of 5 channels; the share is channels 1..3.
    const target = new Float32Array(10).fill(-1);
    placeShare(target, 5, { first: 1, count: 3 }, Float32Array.from([10, 11, 12, 20, 21, 22]));
    assert.deepEqual(Array.from(target), [-1, 10, 11, 12, -1, -1, 20, 21, 22, -1]);
  });

  it('reassembles the whole output from any split of its channels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), (pixels, parts, seed) => {
        const channels = 8 * parts + seed;
        const whole = Float32Array.from({ length: pixels * channels }, (_, i) => i * 0.5 - seed);
        const rebuilt = new Float32Array(whole.length);
        for (const share of channelShares(channels, parts)) {
          const values = Float32Array.from({ length: pixels * share.count }, (_, i) => whole[Math.floor(i / share.count) * channels + share.first + (i % share.count)]);
          placeShare(rebuilt, channels, share, values);
        }
        assert.deepEqual(rebuilt, whole);
      }),
    );
  });

  it("copies a share's output channels out of a channels-last filter, row by row", () => {
    // A [1, 1, 2, 5] filter (two input channels, five output channels); the share is output channels 1..3.
    const filter = Float32Array.from([0, 1, 2, 3, 4, 10, 11, 12, 13, 14]);
    assert.deepEqual(Array.from(shareColumns(filter, 5, { first: 1, count: 3 })), [1, 2, 3, 11, 12, 13]);
  });

  it('gives each worker a filter that, placed at its channels, rebuilds the whole filter, and a copy of its own rather than a view', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), (rows, parts, seed) => {
        const channels = 8 * parts + seed;
        const filter = Float32Array.from({ length: rows * channels }, (_, i) => i * 0.25 - seed);
        const rebuilt = new Float32Array(filter.length);
        for (const share of channelShares(channels, parts)) {
          const columns = shareColumns(filter, channels, share);
          assert.equal(columns.buffer.byteLength, rows * share.count * 4);
          placeShare(rebuilt, channels, share, columns);
        }
        assert.deepEqual(rebuilt, filter);
      }),
    );
  });

  // Output sizes of the analysis core (the conv output-size formula), for the paddings a split convolution meets.
  const layers = ['conv(8, 7, stride=2, padding=3)', 'conv(8, 3, stride=2, padding=(1, 2))', 'conv(8, 3, dilation=2, padding=2)', 'conv(8, 3, padding="same")', 'conv(8, (5, 3), stride=(2, 1))'];
  for (const layer of layers) {
    it(`gives ${layer} on 1x23x17 the analysis core's output size`, () => {
      const graph = graphOf(`network Size {\n  input(1x23x17)\n  ${layer}\n}\n`);
      const node = graph.nodes[1];
      const attribute = (name: string) => node.attributes[name] as number[];
      const [padTop, padLeft] = attribute('padLeft');
      const [padBottom, padRight] = attribute('padRight');
      const kernel = attribute('kernel');
      const shape = planOutputShape(
        {
          strides: attribute('stride'),
          dilations: attribute('dilation'),
          pad: [
            [0, 0],
            [padTop, padBottom],
            [padLeft, padRight],
            [0, 0],
          ],
        },
        [1, 23, 17, 1],
        [kernel[0], kernel[1], 1, 8],
      );
      const [channels, height, width] = node.outShape;
      assert.deepEqual(shape, [1, height, width, channels]);
    });
  }
});
