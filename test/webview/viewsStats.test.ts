/**
 * The pure parts of the result views, without a browser: colour scales,
 * tensor statistics and histograms, top-k, the feature-map layout per shape,
 * class probabilities and the timing table.
 */
import { strict as assert } from 'node:assert';
import { chooseScale, colorAt, diverging, lookupTable, luminance, paintValues, tableLast, valueToRgba, viridis, type Rgb } from '../../webview/src/views/colormap';
import { classScoresOutput, endsInSoftmax, formatPercent, probabilityOutput, softmax, toProbabilities, topClasses } from '../../webview/src/views/classes';
import { mapOffset, planFeatureMaps, type MapPlan } from '../../webview/src/views/mapPlan';
import { formatValue, histogram, tensorStats, topK } from '../../webview/src/views/stats';
import { timingTable } from '../../webview/src/views/timingRows';

function plan(shape: number[], maxChannels?: number): MapPlan {
  const result = planFeatureMaps(
    shape,
    shape.reduce((a, b) => a * b, 1),
    maxChannels,
  );
  assert.ok(!('error' in result), JSON.stringify(result));
  return result;
}

function tableColor(table: Uint8Array, k: number): Rgb {
  return [table[3 * k], table[3 * k + 1], table[3 * k + 2]];
}

describe('views: colour scales', () => {
  // Matplotlib's viridis at t = 0, 1/4, 1/2, 3/4 and 1 (entries 0, 64, 128, 192 and 255 of matplotlib's
  // _viridis_data, rounded to 8 bits): #440154, #3b528b, #21918c, #5ec962, #fde725.
  const viridisQuartiles: [number, Rgb][] = [
    [0, [68, 1, 84]],
    [0.25, [59, 82, 139]],
    [0.5, [33, 145, 140]],
    [0.75, [94, 201, 98]],
    [1, [253, 231, 37]],
  ];

  it("is matplotlib's viridis at its quartiles", () => {
    for (const [t, rgb] of viridisQuartiles) assert.deepEqual(colorAt(viridis, t), rgb, `viridis(${t})`);
    assert.equal(viridis.stops.length, 256, "matplotlib's viridis lists 256 colours");
  });

  it('maps the ends and the middle of a range to viridis(0), viridis(1) and viridis(0.5)', () => {
    assert.deepEqual(valueToRgba(-2, { min: -2, max: 6 }, viridis), [68, 1, 84, 255]);
    assert.deepEqual(valueToRgba(6, { min: -2, max: 6 }, viridis), [253, 231, 37, 255]);
    assert.deepEqual(valueToRgba(2, { min: -2, max: 6 }, viridis), [33, 145, 140, 255], 'the middle is viridis(0.5)');
  });

  it("draws the lookup table's quartile entries in matplotlib's viridis colours", () => {
    const table = lookupTable(viridis);
    for (const [t, rgb] of viridisQuartiles) assert.deepEqual(tableColor(table, t * tableLast), rgb, `entry ${t * tableLast}`);
  });

  it("is ColorBrewer's 9-class RdBu for signed data, as matplotlib's RdBu lists it without its two darkest ends", () => {
    // matplotlib's _cm.py _RdBu_data (11 classes, red to blue) times 255, inner nine, blue first.
    const rdbu9: Rgb[] = [
      [33, 102, 172],
      [67, 147, 195],
      [146, 197, 222],
      [209, 229, 240],
      [247, 247, 247],
      [253, 219, 199],
      [244, 165, 130],
      [214, 96, 77],
      [178, 24, 43],
    ];
    rdbu9.forEach((rgb, k) => assert.deepEqual(colorAt(diverging, k / 8), rgb, `stop ${k} at t = ${k}/8`));
  });

  it('clamps values outside the range and the infinities to the ends, and makes NaN transparent', () => {
    const range = { min: 0, max: 1 };
    assert.deepEqual(valueToRgba(-5, range, viridis), [68, 1, 84, 255]);
    assert.deepEqual(valueToRgba(Infinity, range, viridis), [253, 231, 37, 255]);
    assert.deepEqual(valueToRgba(-Infinity, range, viridis), [68, 1, 84, 255]);
    assert.equal(valueToRgba(NaN, range, viridis)[3], 0);
  });

  // Neighbouring table entries are rounded to whole 8-bit components, which can move luminance by a few 1e-4 either way.
  const rounding = 1e-3;

  it('gives viridis a rising luminance: strictly every 8 entries, never falling past rounding', () => {
    const l = (k: number) => luminance(tableColor(lookupTable(viridis), k));
    for (let k = 8; k <= tableLast; k += 8) assert.ok(l(k) > l(k - 8), `entry ${k} is not brighter than entry ${k - 8}`);
    for (let k = 1; k <= tableLast; k++) assert.ok(l(k) > l(k - 1) - rounding, `luminance falls from entry ${k - 1} to ${k}`);
    assert.deepEqual(tableColor(lookupTable(viridis), 0), viridis.stops[0]);
    assert.deepEqual(tableColor(lookupTable(viridis), tableLast), viridis.stops[viridis.stops.length - 1]);
  });

  it('gives the diverging scale its lightest colour at 0, falling off to blue below and red above', () => {
    const table = lookupTable(diverging);
    const l = (k: number) => luminance(tableColor(table, k));
    assert.deepEqual(tableColor(table, tableLast / 2), [247, 247, 247], 'the middle entry is the centre stop');
    for (let k = 1; k <= tableLast / 2; k++) assert.ok(l(k) > l(k - 1) - rounding, `luminance falls at ${k} below the centre`);
    for (let k = tableLast / 2 + 1; k <= tableLast; k++) assert.ok(l(k) < l(k - 1) + rounding, `luminance rises at ${k} above the centre`);
    for (let k = 8; k <= tableLast / 2; k += 8) assert.ok(l(k) > l(k - 8) && l(tableLast - k) > l(tableLast - k + 8), `entries ${k} and ${tableLast - k} are not lighter than their outer neighbours`);
    const { scale, range } = chooseScale({ min: -1, max: 3 });
    assert.equal(scale, diverging, 'signed data takes the diverging scale');
    assert.deepEqual(range, { min: -3, max: 3 }, 'centred on 0 with the larger magnitude');
    assert.deepEqual(valueToRgba(0, range, scale), [247, 247, 247, 255]);
    const [blue, red] = [valueToRgba(-3, range, scale), valueToRgba(3, range, scale)];
    assert.ok(blue[2] > blue[0] && red[0] > red[2], `${blue} is blue and ${red} is red`);
  });

  it('keeps viridis for data of one sign unless asked', () => {
    assert.equal(chooseScale({ min: 0, max: 5 }).scale, viridis);
    assert.equal(chooseScale({ min: -5, max: -1 }).scale, viridis);
    assert.deepEqual(chooseScale({ min: 0.5, max: 5 }, 'diverging').range, { min: -5, max: 5 });
    assert.deepEqual(chooseScale({ min: -1, max: 2 }, 'viridis').range, { min: -1, max: 2 });
  });

  it('paints a constant map in the middle colour and writes 4 bytes per value', () => {
    const pixels = new Uint8ClampedArray(12);
    paintValues(pixels, new Float32Array([9, 7, 7, 7]), 1, 3, { min: 7, max: 7 }, viridis);
    const middle = [...tableColor(lookupTable(viridis), tableLast / 2), 255];
    assert.deepEqual([...pixels], [...middle, ...middle, ...middle]);
    assert.deepEqual(middle, [33, 145, 140, 255], 'viridis(0.5)');
  });
});

describe('views: statistics', () => {
  it('computes min, max, mean and the population std of the finite values', () => {
    const stats = tensorStats(new Float32Array([1, 2, 3, 4, 0, 0]));
    assert.deepEqual([stats.min, stats.max, stats.zeros, stats.count, stats.finite], [0, 4, 2, 6, 6]);
    assert.equal(stats.mean, 10 / 6);
    const variance = [1, 2, 3, 4, 0, 0].reduce((a, v) => a + (v - 10 / 6) ** 2, 0) / 6;
    assert.ok(Math.abs(stats.std - Math.sqrt(variance)) < 1e-12, `std ${stats.std}`);
  });

  it('keeps the std of a large offset with a tiny spread (no cancellation)', () => {
    const stats = tensorStats(new Float64Array([1e8 + 1, 1e8 - 1, 1e8 + 1, 1e8 - 1]));
    assert.equal(stats.std, 1);
  });

  it('counts NaN and infinities apart and leaves them out of the range and the mean', () => {
    const stats = tensorStats(new Float32Array([NaN, 1, Infinity, 3, -Infinity, NaN]));
    assert.deepEqual([stats.nan, stats.positiveInfinity, stats.negativeInfinity, stats.finite], [2, 1, 1, 2]);
    assert.deepEqual([stats.min, stats.max, stats.mean, stats.std], [1, 3, 2, 1]);
    const none = tensorStats(new Float32Array([NaN]));
    assert.ok(Number.isNaN(none.min) && Number.isNaN(none.mean), 'no finite values: no min, no mean');
  });

  it('bins 0..9 into 5 equal bins of two values each, the maximum in the last bin', () => {
    const h = histogram(
      Float32Array.from({ length: 10 }, (_, k) => k),
      5,
    );
    assert.deepEqual(h.counts, [2, 2, 2, 2, 2]);
    assert.equal(h.edges.length, 6);
    assert.equal(h.edges[0], 0);
    assert.equal(h.edges[5], 9);
  });

  it('puts every value in exactly one bin: the counts plus NaN and infinities sum to n', () => {
    const data = Float32Array.from({ length: 1000 }, (_, k) => Math.sin(k * 1.7) * 3 + (k % 7));
    data[10] = NaN;
    data[20] = Infinity;
    data[30] = -Infinity;
    const h = histogram(data, 40);
    assert.equal(h.counts.length, 40);
    assert.equal(
      h.counts.reduce((a, b) => a + b, 0),
      997,
    );
    assert.deepEqual([h.nan, h.infinite], [1, 2]);
    assert.ok(h.counts[0] > 0 && h.counts[39] > 0, 'the minimum and the maximum each land in an end bin');
  });

  it('gives constant data one zero-width bin with every value, and data with no finite value no bins', () => {
    assert.deepEqual(histogram(new Float32Array([2.5, 2.5, 2.5]), 40), { edges: [2.5, 2.5], counts: [3], nan: 0, infinite: 0 });
    assert.deepEqual(histogram(new Float32Array([NaN, Infinity]), 40), { edges: [], counts: [], nan: 1, infinite: 1 });
  });

  it('ranks the k largest values, largest first, ties in index order, NaN skipped', () => {
    const data = new Float32Array([0.1, 5, NaN, 3, 5, -1, 4]);
    assert.deepEqual(topK(data, 3), [
      { index: 1, value: 5 },
      { index: 4, value: 5 },
      { index: 6, value: 4 },
    ]);
    assert.deepEqual(
      topK(data, 100).map((r) => r.index),
      [1, 4, 6, 3, 0, 5],
    );
    assert.deepEqual(topK(data, 0), []);
  });

  it('prints values with four significant digits and no padding zeros', () => {
    assert.deepEqual([0.5, 1200, 10, -1.25e-5, 1234567, 0, 3.14159, NaN, -Infinity].map(formatValue), ['0.5', '1200', '10', '-1.25e-5', '1.235e+6', '0', '3.142', 'NaN', '−∞']);
  });
});

describe('views: feature-map layout', () => {
  it('draws [C, H, W] as C images of H x W', () => {
    const p = plan([3, 4, 5]);
    assert.deepEqual([p.kind, p.channels, p.shown, p.width, p.height, p.notes], ['image', 3, 3, 5, 4, []]);
    assert.equal(mapOffset(p, 2), 40);
  });

  it('caps many channels and says how many exist', () => {
    const p = plan([600, 2, 2]);
    assert.equal(p.shown, 64);
    assert.deepEqual(p.notes, ['Showing 64 of 600 channels.']);
    assert.equal(plan([600, 2, 2], 10).shown, 10);
  });

  it('draws [C, L] as one 1 x L strip per channel', () => {
    const p = plan([4, 100]);
    assert.deepEqual([p.kind, p.channels, p.width, p.height], ['signal', 4, 100, 1]);
    assert.equal(mapOffset(p, 3), 300);
  });

  it('draws [C, D, H, W] a depth frame at a time, the middle one first, and says so', () => {
    const p = plan([2, 5, 3, 4]);
    assert.deepEqual([p.kind, p.frames, p.frame, p.width, p.height, p.channelSize], ['volume', 5, 2, 4, 3, 60]);
    assert.match(p.notes.join(' '), /5 depth frames.*frame 3/);
    assert.equal(mapOffset(p, 1), 60 + 2 * 12);
    assert.equal(mapOffset(p, 1, 4), 60 + 4 * 12);
  });

  it('draws [N] as one strip and flattens other ranks with a note', () => {
    assert.deepEqual(((p) => [p.kind, p.channels, p.width, p.notes])(plan([10])), ['vector', 1, 10, []]);
    const five = plan([2, 1, 2, 2, 3]);
    assert.deepEqual([five.kind, five.width], ['vector', 24]);
    assert.match(five.notes[0], /5-D output is shown flattened: 24 values/);
    assert.deepEqual(((p) => [p.kind, p.width])(plan([])), ['vector', 1]);
  });

  it('wraps a long vector into a near-square picture instead of a strip too long for a canvas', () => {
    assert.deepEqual(((p) => [p.width, p.height, p.notes])(plan([1024])), [1024, 1, []]);
    const long = plan([25088]);
    assert.deepEqual([long.width, long.height, long.channelSize], [159, 158, 25088]);
    assert.ok(long.width * long.height >= 25088 && long.width * (long.height - 1) < 25088, 'the last row is the only partial one');
    assert.match(long.notes.join(' '), /25088 values are wrapped into rows of 159/);
  });

  it('refuses a shape that disagrees with the data length', () => {
    assert.deepEqual(planFeatureMaps([2, 3, 3], 17), { error: 'the output has 17 values but its shape [2, 3, 3] needs 18' });
  });
});

describe('views: classes and timing', () => {
  it('reads probabilities only from a network whose last node is softmax or log-softmax', () => {
    assert.equal(endsInSoftmax(['input', 'conv', 'dense', 'softmax']), true);
    assert.equal(probabilityOutput(['input', 'dense', 'log_softmax']), 'log_softmax');
    assert.equal(endsInSoftmax(['input', 'softmax', 'dense']), false);
    assert.equal(endsInSoftmax([]), false);
  });

  it('reads a classifier ending in dense as logits (the panel applies softmax), but not a map or a single value', () => {
    assert.equal(classScoresOutput(['dense'], [1000]), 'logits');
    assert.equal(classScoresOutput(['softmax'], [10]), 'softmax');
    assert.equal(classScoresOutput(['dense'], [1]), undefined, 'one output is a regression, not classes');
    assert.equal(classScoresOutput(['sigmoid'], [10]), undefined, 'independent sigmoids are not one distribution');
    assert.equal(classScoresOutput(['conv'], [10, 7, 7]), undefined, 'a feature map is no class list');
  });

  it('applies softmax as torch.softmax does, stable for large logits', () => {
    // torch.softmax(torch.tensor([1., 2., 3.]), 0) = [0.0900, 0.2447, 0.6652]; shifting every logit changes nothing.
    for (const shift of [0, 1000, -1000]) {
      const p = softmax([1 + shift, 2 + shift, 3 + shift]);
      [0.09003057, 0.24472847, 0.66524096].forEach((v, k) => assert.ok(Math.abs(p[k] - v) < 1e-6, `shift ${shift}, class ${k}: ${p[k]}`));
    }
  });

  it('exponentiates log-softmax output and ranks the top 5 with labels', () => {
    const p = [0.05, 0.5, 0.02, 0.2, 0.1, 0.03, 0.1];
    const probabilities = toProbabilities(Float32Array.from(p, Math.log), 'log_softmax');
    p.forEach((v, k) => assert.ok(Math.abs(probabilities[k] - v) < 1e-6, `class ${k}: ${probabilities[k]}`));
    const top = topClasses(probabilities, 5, ['cat', 'dog', 'car', 'ship']);
    assert.deepEqual(
      top.map((c) => c.label),
      ['dog', 'ship', 'class 4', 'class 6', 'cat'],
    );
    assert.deepEqual(
      top.map((c) => formatPercent(c.probability)),
      ['50.0%', '20.0%', '10.0%', '10.0%', '5.0%'],
    );
    assert.equal(formatPercent(0.0001), '<0.1%');
    assert.equal(formatPercent(0), '0.0%');
  });

  it('orders timings by graph order, with shares of the total and the untimed rest', () => {
    const table = timingTable(
      [
        { node: 3, op: 'dense', ms: 2 },
        { node: 1, op: 'conv', ms: 6 },
        { node: 2, op: 'relu', ms: 1 },
      ],
      10,
    );
    assert.deepEqual(
      table.rows.map((r) => [r.node, r.share, r.slowest]),
      [
        [1, 0.6, true],
        [2, 0.1, false],
        [3, 0.2, false],
      ],
    );
    assert.equal(table.otherMs, 1);
    assert.equal(timingTable([{ node: 1, op: 'conv', ms: 3 }], 0).rows[0].share, 0, 'a zero total gives no share, not Infinity');
  });
});
