/**
 * The result views in real headless Chromium: feature-map pixels read back
 * from the canvases against the colour scale, legends and captions, every
 * output rank, the channel cap, and the histogram, top-classes and timing
 * views' numbers.
 */
import { strict as assert } from 'node:assert';
import { diverging, lookupTable, tableLast, viridis, type ColorScale } from '../../webview/src/views/colormap';
import type { ViewsPage } from './pages/views.api';
import { pageCaller, usePageSuite } from './browser';

/** The colour of position `t` (0..1) as the canvas holds it: the nearest of the lookup table's entries, opaque. */
function entry(scale: ColorScale, t: number): number[] {
  const k = Math.round(t * tableLast);
  const table = lookupTable(scale);
  return [table[3 * k], table[3 * k + 1], table[3 * k + 2], 255];
}
const bottom = (scale: ColorScale) => [...scale.stops[0], 255];
const top = (scale: ColorScale) => [...scale.stops[scale.stops.length - 1], 255];

describe('views in the browser', function () {
  this.timeout(120_000);
  const suite = usePageSuite('views');
  const call = pageCaller<ViewsPage>('viewsPage', () => suite.page);

  // Channel 0 is a gradient 0..15 in reading order, channel 1 is constant 5, channel 2 is 15 down to 0.
  const gradient = Array.from({ length: 16 }, (_, k) => k);
  const threeMaps = [...gradient, ...Array(16).fill(5), ...gradient.map((k) => 15 - k)];

  it('draws a 3x4x4 output as three pixelated 4x4 canvases on one shared viridis scale', async () => {
    const maps = await call('renderMaps', [3, 4, 4], threeMaps);
    assert.ok(maps.gridFound && maps.legendFound, 'grid and legend');
    assert.equal(maps.canvases.length, 3);
    for (const c of maps.canvases) {
      assert.deepEqual([c.width, c.height, c.rendering], [4, 4, 'pixelated']);
      assert.ok(c.cssWidth >= 64 && Math.abs(c.cssWidth - c.cssHeight) < 1, `a 4x4 map is enlarged evenly, not ${c.cssWidth}x${c.cssHeight}`);
    }
    assert.deepEqual(maps.labels, ['0', '1', '2']);
    assert.deepEqual([maps.legendScale, maps.legendMin, maps.legendMax], ['viridis', '0', '15']);
    assert.match(maps.range, /^Range 0 … 15, mean 6\.667, std 3\.944\.$/);
    assert.match(maps.caption, /3 maps of 4x4 \(output 3x4x4\)/);
    assert.deepEqual(maps.notes, []);
    // The minimum (top left of channel 0) is the bottom colour, the maximum (bottom right) the top colour.
    assert.deepEqual(await call('pixel', 0, 0, 0), bottom(viridis));
    assert.deepEqual(await call('pixel', 0, 3, 3), top(viridis));
    // Shared scale: channel 2 reverses channel 0, and constant 5 sits a third of the way up.
    assert.deepEqual(await call('pixel', 2, 0, 0), top(viridis));
    assert.deepEqual(await call('pixel', 2, 3, 3), bottom(viridis));
    assert.deepEqual(await call('pixel', 1, 2, 1), entry(viridis, 5 / 15));
    // Pixel (1, 2) of channel 0 holds 2 * 4 + 1 = 9.
    assert.deepEqual(await call('pixel', 0, 1, 2), entry(viridis, 9 / 15));
  });

  it('stretches each map to its own range on request: a constant map turns the middle colour', async () => {
    const maps = await call('renderMaps', [3, 4, 4], threeMaps, { scale: 'per-channel' });
    assert.deepEqual([maps.legendMin, maps.legendMax], ['min', 'max']);
    assert.deepEqual(await call('pixel', 1, 0, 0), entry(viridis, 0.5));
    assert.deepEqual(await call('pixel', 0, 3, 3), top(viridis));
  });

  it('colours signed data on the diverging scale centred on 0, with a symmetric legend', async () => {
    const maps = await call('renderMaps', [1, 2, 2], [-2, -1, 0, 4]);
    assert.deepEqual([maps.legendScale, maps.legendMin, maps.legendMax], ['diverging', '-4', '4']);
    assert.match(maps.range, /^Range -2 … 4,/);
    assert.deepEqual(await call('pixel', 0, 1, 1), top(diverging), '4 is the red end');
    assert.deepEqual(await call('pixel', 0, 0, 1), [247, 247, 247, 255], '0 is the light centre');
    assert.deepEqual(await call('pixel', 0, 0, 0), entry(diverging, 0.25), '-2 is a quarter of the way up');
  });

  it('spans the legend over every channel, not only the 64 drawn, so it agrees with the range line', async () => {
    // Channels past the 64 drawn hold the extremes -35 and 31, as deep layers of ResNet-18 do.
    const data = Array.from({ length: 600 * 4 }, (_, k) => (k === 599 * 4 ? -35 : k === 300 * 4 ? 31 : (k % 7) - 3));
    const maps = await call('renderMaps', [600, 2, 2], data);
    assert.match(maps.range, /^Range -35 … 31,/);
    assert.deepEqual([maps.legendScale, maps.legendMin, maps.legendMax], ['diverging', '-35', '35']);
  });

  it('caps 600 channels at 64 and says so', async () => {
    const maps = await call(
      'renderMaps',
      [600, 2, 2],
      Array.from({ length: 2400 }, (_, k) => k % 7),
    );
    assert.equal(maps.canvases.length, 64);
    assert.deepEqual(maps.notes, ['Showing 64 of 600 channels.']);
    assert.match(maps.caption, /^600 maps of 2x2/);
    assert.equal(maps.labels[63], '63');
  });

  it('pages through the channels past the 64 drawn, and sorts them strongest first on request', async () => {
    // Channel c holds ±((37c) mod 130) in alternating signs: its mean |value| is (37c) mod 130.
    const strength = (c: number) => (37 * c) % 130;
    const data = Array.from({ length: 130 * 4 }, (_, k) => (k % 2 ? -1 : 1) * strength(Math.floor(k / 4)));
    await call('renderMaps', [130, 2, 2], data);
    const page = suite.page;
    const labels = async () => (await page.locator('[data-testid="map-label"]').allInnerTexts()).map(Number);
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
    assert.equal(await page.getByTestId('maps-page').innerText(), 'channels 1–64 of 130');
    assert.deepEqual(await labels(), range(0, 64));
    await page.getByTestId('maps-next').click();
    assert.deepEqual(await labels(), range(64, 128));
    await page.getByTestId('maps-next').click();
    assert.deepEqual(await labels(), [128, 129]);
    assert.equal(await page.getByTestId('maps-next').isDisabled(), true);
    await page.getByTestId('maps-order').selectOption('strength');
    const strongest = range(0, 130).sort((a, b) => strength(b) - strength(a) || a - b);
    assert.equal(await page.getByTestId('maps-page').innerText(), 'channels 1–64 of 130');
    assert.deepEqual(await labels(), strongest.slice(0, 64));
    assert.equal((await labels())[0], 7, '37 x 7 = 259 = 129 mod 130, the strongest');
  });

  it('draws a [C, L] output as one 1 x L strip per channel', async () => {
    const maps = await call(
      'renderMaps',
      [4, 50],
      Array.from({ length: 200 }, (_, k) => k),
    );
    assert.deepEqual(
      maps.canvases.map((c) => [c.width, c.height]),
      [
        [50, 1],
        [50, 1],
        [50, 1],
        [50, 1],
      ],
    );
    assert.ok(maps.canvases[0].cssHeight >= 10, `a strip is tall enough to see, not ${maps.canvases[0].cssHeight}px`);
    assert.match(maps.caption, /4 signals of length 50/);
    assert.deepEqual(await call('pixel', 3, 49, 0), top(viridis));
  });

  it('draws a [C, D, H, W] output one depth frame at a time, the middle first, with a slider', async () => {
    // Every value of channel c, frame d is 10c + d, so a pixel tells which frame is drawn.
    const data = Array.from({ length: 2 * 5 * 3 * 4 }, (_, k) => 10 * Math.floor(k / 60) + Math.floor((k % 60) / 12));
    const maps = await call('renderMaps', [2, 5, 3, 4], data);
    assert.deepEqual(
      maps.canvases.map((c) => [c.width, c.height]),
      [
        [4, 3],
        [4, 3],
      ],
    );
    assert.deepEqual(maps.slider, { value: 2, max: 4 });
    assert.match(maps.notes.join(' '), /5 depth frames.*middle one \(frame 3\)/);
    // Range 0..14: frame 2 of channel 0 is 2 / 14 of the way up; after moving to frame 4, 4 / 14.
    assert.deepEqual(await call('pixel', 0, 1, 1), entry(viridis, 2 / 14));
    await call('setFrame', 4);
    assert.deepEqual(await call('pixel', 0, 1, 1), entry(viridis, 4 / 14));
    assert.deepEqual(await call('pixel', 1, 0, 0), top(viridis), 'channel 1, frame 4 holds the maximum 14');
  });

  it('draws a dense [N] output as one strip (wrapped when long), NaN transparent, and a mismatched shape as a message', async () => {
    const maps = await call('renderMaps', [10], [0, 1, 2, 3, 4, 5, 6, 7, 8, NaN]);
    assert.deepEqual(
      maps.canvases.map((c) => [c.width, c.height]),
      [[10, 1]],
    );
    assert.match(maps.caption, /^10 values in one strip/);
    assert.match(maps.range, /Range 0 … 8.*1 NaN/);
    assert.equal((await call('pixel', 0, 9, 0))[3], 0);
    assert.deepEqual(await call('pixel', 0, 8, 0), top(viridis));
    // 2000 values wrap into 45 rows of 45: the last value is at (19, 44), and the 25 pixels after it stay empty.
    const long = await call(
      'renderMaps',
      [2000],
      Array.from({ length: 2000 }, (_, k) => k),
    );
    assert.deepEqual(
      long.canvases.map((c) => [c.width, c.height]),
      [[45, 45]],
    );
    assert.match(long.notes.join(' '), /wrapped into rows of 45/);
    assert.deepEqual(await call('pixel', 0, 19, 44), top(viridis));
    assert.equal((await call('pixel', 0, 20, 44))[3], 0);
    const bad = await call('renderMaps', [2, 3, 3], [1, 2, 3]);
    assert.equal(bad.canvases.length, 0);
    assert.match(bad.error ?? '', /3 values but its shape \[2, 3, 3\] needs 18/);
  });

  it('plots a ReLU-like histogram: bin counts, the zero bin marked, axis ends and the zero share', async () => {
    // 50 zeros and 1..50 in 10 bins of width 5: [0, 5) holds the zeros and 1..4, the last bin 45..50.
    const data = [...Array(50).fill(0), ...Array.from({ length: 50 }, (_, k) => k + 1)];
    const h = await call('renderHistogram', data, 10);
    assert.equal(h.containerTestId, 'histogram');
    assert.equal(h.bars, 10);
    assert.deepEqual(h.counts, [54, 5, 5, 5, 5, 5, 5, 5, 5, 6]);
    assert.equal(h.heights[0], 78, 'the tallest bar fills the plot');
    assert.ok(Math.abs(h.heights[1] - (78 * 5) / 54) < 0.01, `bar 1 is ${h.heights[1]} high`);
    assert.equal(h.zeroBins, 1);
    assert.deepEqual([h.min, h.max], ['0', '50']);
    assert.match(h.summary, /^100 values, 50 zeros \(50\.0%\)/);
    assert.equal(
      (
        await call(
          'renderHistogram',
          Array.from({ length: 300 }, (_, k) => Math.sin(k)),
        )
      ).bars,
      40,
      '40 bars by default',
    );
    const constant = await call('renderHistogram', [3, 3, 3, NaN]);
    assert.deepEqual([constant.bars, constant.counts], [1, [3]]);
    assert.match(constant.summary, /1 NaN/);
  });

  it('lists the top 5 classes in order with percentages and bars', async () => {
    const t = await call('renderTopClasses', [0.05, 0.5, 0.02, 0.2, 0.1, 0.03, 0.1], ['cat', 'dog', 'car', 'ship']);
    assert.equal(t.containerTestId, 'top-classes');
    assert.deepEqual(
      t.rows.map((r) => [r.index, r.label, r.percent, r.barWidth]),
      [
        [1, 'dog', '50.0%', '50%'],
        [3, 'ship', '20.0%', '20%'],
        [4, 'class 4', '10.0%', '10%'],
        [6, 'class 6', '10.0%', '10%'],
        [0, 'cat', '5.0%', '5%'],
      ],
    );
    assert.equal((await call('renderTopClasses', [0.7, 0.3])).rows.length, 2, 'fewer than 5 classes: all of them');
  });

  it('keeps the timing table, Share column included, inside a narrow side panel whatever the statement', async () => {
    const label = 'conv(c, 3, stride=stride, padding=1, bias=false) (line 7), shared by 2 threads; DownBasicBlock(512)/BasicBranch(c, stride)';
    for (const width of [240, 320]) {
      const fit = await call(
        'timingFits',
        [
          { node: 1, op: 'conv', ms: 6 },
          { node: 2, op: 'batchnorm', ms: 1 },
        ],
        label,
        width,
      );
      assert.ok(fit.tableRight <= fit.containerRight + 0.5, `${width}px: the table ends at ${fit.tableRight}, past the panel's ${fit.containerRight}`);
      for (const right of fit.shareRights) assert.ok(right <= fit.containerRight + 0.5, `${width}px: a Share cell ends at ${right}`);
      assert.deepEqual(fit.wrappedNumbers, [], `${width}px: these headers or numbers broke over lines`);
      assert.deepEqual(fit.clippedNumbers, [], `${width}px: these numbers or headers are cut off`);
    }
  });

  it('tables timings in graph order with shares, the slowest marked, and the untimed rest', async () => {
    const t = await call(
      'renderTiming',
      [
        { node: 3, op: 'dense', ms: 2 },
        { node: 1, op: 'conv', ms: 6 },
        { node: 2, op: 'relu', ms: 1 },
      ],
      10,
      'webgl',
    );
    assert.equal(t.containerTestId, 'timing');
    assert.equal(t.total, '10.0 ms on webgl, 3 nodes.');
    assert.deepEqual(
      t.rows.map((r) => r.cells),
      [
        ['layer 1', '6.00 ms', '60.0%'],
        ['layer 2', '1.00 ms', '10.0%'],
        ['layer 3', '2.00 ms', '20.0%'],
      ],
    );
    assert.deepEqual(
      t.rows.map((r) => [r.barWidth, r.slowest]),
      [
        ['60%', true],
        ['10%', false],
        ['20%', false],
      ],
    );
    assert.deepEqual(t.other, ['other: read-back, scheduling', '1.00 ms', '10.0%']);
  });
});
