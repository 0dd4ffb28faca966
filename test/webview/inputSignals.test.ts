/**
 * Built-in 1-D signals and 3-D clips, and the messages for samples of the
 * wrong kind. The sample path (makeInput, signals, clips, conversion) uses no
 * DOM API, so these tests run in Node without a browser; image files, which
 * need the browser's decoder, are tested in inputImage.test.ts.
 */
import { strict as assert } from 'node:assert';
import { defaultSampleFor, samples, samplesFor } from '../../webview/src/input/catalog';
import { picturesToTensor } from '../../webview/src/input/convert';
import { makeInput } from '../../webview/src/input/makeInput';
import { digitPicture } from '../../webview/src/input/samples/digits';
import type { InputKind, InputOptions, InputTensor } from '../../webview/src/input/types';

/** Sample `id` at `shape`, which must succeed. */
function tensor(id: string, shape: number[], options?: InputOptions): InputTensor {
  const result = makeInput(id, shape, options);
  assert.ok(result.ok, result.ok ? '' : result.error);
  assert.deepEqual(result.shape, shape);
  assert.equal(
    result.data.length,
    shape.reduce((a, b) => a * b, 1),
  );
  return result;
}

/** The error of sample `id` at `shape`, which must fail. */
function failure(result: ReturnType<typeof makeInput>): string {
  assert.ok(!result.ok, `expected an error, got a tensor of [${result.ok ? result.shape.join(', ') : ''}]`);
  return result.error;
}

/** Row `c` of a [C, L] tensor. */
function row(result: InputTensor, c: number): number[] {
  const length = result.shape[1];
  return Array.from(result.data.subarray(c * length, (c + 1) * length));
}

/** Frame `d` of channel `c` of a [C, D, H, W] tensor, row-major. */
function frame(result: InputTensor, c: number, d: number): number[] {
  const [, frames, height, width] = result.shape;
  const size = height * width;
  return Array.from(result.data.subarray((c * frames + d) * size, (c * frames + d + 1) * size));
}

function assertAllClose(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) <= tolerance, `${what}: value ${k} is ${v}, expected ${expected[k]} (within ${tolerance})`));
}

/** How often consecutive samples in [from, to) change sign. */
function signChanges(values: readonly number[], from: number, to: number): number {
  let count = 0;
  for (let n = from + 1; n < to; n++) if (Math.sign(values[n]) !== Math.sign(values[n - 1])) count++;
  return count;
}

describe('input: 1-D signals', () => {
  it('fills every channel of a sine with one cycle per 32 samples when the length is a multiple of 32', () => {
    const result = tensor('sine', [2, 128]);
    const expected = Array.from({ length: 128 }, (_, n) => Math.sin((2 * Math.PI * n) / 32));
    assertAllClose(row(result, 0), expected, 1e-6, 'sine');
    // A quarter period in, the sine peaks; three quarters in, it is at its trough.
    assertAllClose(
      [8, 24, 40, 56].map((n) => row(result, 0)[n]),
      [1, -1, 1, -1],
      1e-6,
      'peaks and troughs',
    );
    assert.deepEqual(row(result, 1), row(result, 0), 'every channel carries the same waveform');
  });

  it('keeps the 32-sample period over a second of 16 kHz audio', () => {
    // 16000 / 32 = 500 whole cycles; a period of even 33 samples would be 485 cycles and drift a full cycle every 1000 samples.
    const sine = row(tensor('sine', [1, 16000]), 0);
    assertAllClose(
      sine,
      Array.from({ length: 16000 }, (_, n) => Math.sin((2 * Math.PI * n) / 32)),
      1e-5,
      'length 16000',
    );
  });

  it('fits whole sine cycles into other lengths: 3 cycles in 90 samples, and at least 2 in a short window', () => {
    // 90 / 32 = 2.8 rounds to 3 cycles of 30 samples, so the window ends where the next cycle would begin and the sine
    // has no jump when it wraps.
    assertAllClose(
      row(tensor('sine', [1, 90]), 0),
      Array.from({ length: 90 }, (_, n) => Math.sin((2 * Math.PI * n) / 30)),
      1e-6,
      'length 90',
    );
    // 16 samples would hold half a cycle at the usual rate; 2 cycles of 8 samples keep the shape of a wave visible.
    const short = row(tensor('sine', [1, 16]), 0);
    assertAllClose(short, [0, Math.SQRT1_2, 1, Math.SQRT1_2, 0, -Math.SQRT1_2, -1, -Math.SQRT1_2, 0, Math.SQRT1_2, 1, Math.SQRT1_2, 0, -Math.SQRT1_2, -1, -Math.SQRT1_2], 1e-6, 'length 16');
  });

  it('makes a square wave of +1 for the first half of each 32-sample cycle and -1 for the second', () => {
    const expected = Array.from({ length: 64 }, (_, n) => (n % 32 < 16 ? 1 : -1));
    const result = tensor('square-wave', [2, 64]);
    assert.deepEqual(row(result, 0), expected);
    assert.deepEqual(row(result, 1), expected);
  });

  it('sweeps the chirp from 0 to a quarter of the sample rate', () => {
    const length = 1000;
    const chirp = row(tensor('chirp', [1, length]), 0);
    // The phase is f1 n^2 / (2 L) cycles with f1 = 0.25, so the frequency f1 n / L rises linearly from 0 to 0.25.
    assertAllClose(
      chirp,
      Array.from({ length }, (_, n) => Math.sin((2 * Math.PI * 0.25 * n * n) / (2 * length))),
      1e-5,
      'chirp',
    );
    // The sign changes twice a cycle. The phase is 7.8 cycles at n = 250, 70.3 at n = 750 and 125 at n = 1000, so the
    // first quarter holds about 2 x 7.8 = 15.6 sign changes and the last about 2 x (125 - 70.3) = 109.4.
    const first = signChanges(chirp, 0, 250);
    const last = signChanges(chirp, 750, 1000);
    assert.ok(first >= 15 && first <= 16, `first quarter: ${first} sign changes`);
    assert.ok(last >= 109 && last <= 110, `last quarter: ${last} sign changes`);
  });

  it('puts the impulse at the middle sample, index floor(L / 2), with 0 elsewhere in every channel', () => {
    const odd = tensor('impulse', [3, 9]);
    for (let c = 0; c < 3; c++) assert.deepEqual(row(odd, c), [0, 0, 0, 0, 1, 0, 0, 0, 0], `channel ${c}`);
    assert.deepEqual(row(tensor('impulse', [1, 8]), 0), [0, 0, 0, 0, 1, 0, 0, 0]);
  });

  it('draws noise from mulberry32: the same numbers for the same seed, channel c from seed + c', () => {
    // 2 u - 1 for the first four mulberry32 outputs u of seeds 1, 2 and 7, from an independent Python port of mulberry32.
    const reference: Record<number, number[]> = {
      1: [0.2541478811763227, -0.994528557639569, 0.05489407991990447, 0.9621019349433482],
      2: [0.4685018886812031, -0.3500031353905797, -0.4294078894890845, 0.07591031491756439],
      7: [-0.9765904936939478, -0.8760834848508239, 0.95381526555866, 0.39805741142481565],
    };
    // The default seed is 1; channel 1 then uses seed 2.
    const byDefault = tensor('noise', [2, 4]);
    assertAllClose(row(byDefault, 0), reference[1], 1e-7, 'seed 1');
    assertAllClose(row(byDefault, 1), reference[2], 1e-7, 'channel 1 uses seed 2');
    assertAllClose(row(tensor('noise', [1, 4], { seed: 7 }), 0), reference[7], 1e-7, 'seed 7');
    assert.deepEqual(tensor('noise', [3, 50], { seed: 7 }).data, tensor('noise', [3, 50], { seed: 7 }).data, 'the same seed gives the same noise');
  });

  it('spreads noise uniformly over [-1, 1): mean near 0, variance near 1/3', () => {
    const { data } = tensor('noise', [1, 4096], { seed: 3 });
    const values = Array.from(data);
    assert.ok(Math.min(...values) >= -1 && Math.max(...values) < 1, 'values in [-1, 1)');
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    // For 4096 uniform draws the standard error of the mean is sqrt(1/3 / 4096) = 0.009, and of the variance about 0.0047.
    assert.ok(Math.abs(mean) < 0.04, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 3) < 0.02, `variance ${variance}`);
  });

  it('leaves signals unnormalised and says so when normalisation is asked for', () => {
    const plain = tensor('sine', [1, 64]);
    assert.equal(plain.note, undefined);
    const asked = tensor('sine', [1, 64], { normalize: 'imagenet' });
    assert.deepEqual(asked.data, plain.data);
    assert.match(asked.note ?? '', /normalisation applies to images only/);
  });
});

describe('input: 3-D clips', () => {
  it('moves the square 4 pixels right per frame, in every channel, laid out [C, D, H, W]', () => {
    // 16 x 32 frames: the side is 16 / 4 = 4 pixels and the centre moves from x = 2 to 30 over 8 frames, 4 pixels a
    // frame, at y = 8. Its edges fall on pixel edges, so frame d is exactly 1 on rows 6-9 and columns 4d to 4d + 3.
    const result = tensor('moving-square', [3, 8, 16, 32]);
    assert.equal(result.note, undefined, 'eight drawn frames are no still clip');
    for (let d = 0; d < 8; d++) {
      const expected = Array.from({ length: 16 * 32 }, (_, k) => (Math.floor(k / 32) >= 6 && Math.floor(k / 32) <= 9 && k % 32 >= 4 * d && k % 32 < 4 * d + 4 ? 1 : 0));
      for (let c = 0; c < 3; c++) assert.deepEqual(frame(result, c, d), expected, `channel ${c}, frame ${d}`);
    }
  });

  it('turns the bar a quarter of a half turn per frame over four frames', () => {
    const result = tensor('rotating-bar', [1, 4, 32, 32]);
    // Frame 0 is horizontal through the centre (16, 16): 0.8 x 32 = 25.6 long and 2 x 0.06 x 32 = 3.84 thick. Rows 14-17
    // lie within 1.92 of y = 16; columns 4-27 lie within 12.8 of x = 16, and columns 3 and 28 have 3 of their 4
    // sub-sample columns inside.
    const horizontal = Array.from({ length: 1024 }, (_, k) => {
      const [x, y] = [k % 32, Math.floor(k / 32)];
      if (y < 14 || y > 17) return 0;
      return x >= 4 && x <= 27 ? 1 : x === 3 || x === 28 ? 0.75 : 0;
    });
    assertAllClose(frame(result, 0, 0), horizontal, 1e-6, 'frame 0');
    // Frame 2 is a quarter turn on: the same bar upright.
    const upright = horizontal.map((_, k) => horizontal[(k % 32) * 32 + Math.floor(k / 32)]);
    assertAllClose(frame(result, 0, 2), upright, 1e-6, 'frame 2');
    // Frames 1 and 3 are the two diagonals (45 and 135 degrees), mirror images of each other left to right.
    const diagonal = frame(result, 0, 1);
    const mirrored = diagonal.map((_, k) => diagonal[Math.floor(k / 32) * 32 + 31 - (k % 32)]);
    assertAllClose(frame(result, 0, 3), mirrored, 1e-6, 'frame 3');
    // At 45 degrees clockwise (y down) the bar runs from top left to bottom right: pixel (8, 8) is 10.6 pixels along it
    // from the centre, within its half length, and fully covered; pixel (23, 8) is 10.6 pixels across it, so empty.
    assert.equal(diagonal[8 * 32 + 8], 1, 'pixel (8, 8) is on the bar');
    assert.equal(diagonal[8 * 32 + 23], 0, 'pixel (23, 8) is off the bar');
  });

  it('bounces the orange ball off the right wall', () => {
    const frames = 8;
    const result = tensor('bouncing-ball', [3, frames, 20, 20]);
    // r = 0.12 x 20 = 2.4; the centre moves 2.2 pixels right and 1.4 down a frame from (6, 5) and is folded back
    // into [2.4, 17.6]: x = 6, 8.2, ..., 17, then 19.2 bounces to 16 and 21.4 to 13.8.
    const xs = [6, 8.2, 10.4, 12.6, 14.8, 17, 16, 13.8];
    const ys = [5, 6.4, 7.8, 9.2, 10.6, 12, 13.4, 14.8];
    for (let d = 0; d < frames; d++) {
      // Red is 0.05 on the ground and 1 on the ball, so (red - 0.05) / 0.95 is how much of each pixel the ball covers.
      const cover = frame(result, 0, d).map((v) => (v - 0.05) / 0.95);
      const area = cover.reduce((a, b) => a + b, 0);
      const cx = cover.reduce((a, v, k) => a + v * ((k % 20) + 0.5), 0) / area;
      const cy = cover.reduce((a, v, k) => a + v * (Math.floor(k / 20) + 0.5), 0) / area;
      assert.ok(Math.abs(area - Math.PI * 2.4 ** 2) < 0.5, `frame ${d}: area ${area}, expected ${Math.PI * 2.4 ** 2}`);
      assert.ok(Math.abs(cx - xs[d]) < 0.1 && Math.abs(cy - ys[d]) < 0.1, `frame ${d}: centre (${cx}, ${cy}), expected (${xs[d]}, ${ys[d]})`);
    }
    // A corner far from the ball shows the dark blue ground in R, G, B.
    assertAllClose(
      [0, 1, 2].map((c) => frame(result, c, 0)[19 * 20 + 19]),
      [0.05, 0.08, 0.25],
      1e-6,
      'ground',
    );
  });

  it('fills a video input from an image sample as a still clip, with a note', () => {
    const image = tensor('digit-3', [1, 28, 28]);
    const clip = tensor('digit-3', [1, 5, 28, 28]);
    for (let d = 0; d < 5; d++) assert.deepEqual(frame(clip, 0, d), Array.from(image.data), `frame ${d}`);
    assert.equal(clip.note, 'The image is repeated in all 5 frames (a still clip).');
    // Channels stay outermost: channel c holds all its frames before channel c + 1 begins.
    const board = tensor('checkerboard', [1, 16, 16]);
    const colourClip = tensor('checkerboard', [3, 2, 16, 16]);
    for (let c = 0; c < 3; c++) for (let d = 0; d < 2; d++) assert.deepEqual(frame(colourClip, c, d), Array.from(board.data), `channel ${c}, frame ${d}`);
    // One frame is no clip, so there is nothing to say.
    assert.equal(tensor('digit-3', [1, 1, 28, 28]).note, undefined);
  });
});

describe('input: samples of the wrong kind', () => {
  const imageIds = [...Array.from({ length: 10 }, (_, n) => `digit-${n}`), 'landscape', 'square', 'stripes', 'checkerboard'];
  const signalIds = ['sine', 'chirp', 'square-wave', 'impulse', 'noise'];
  const clipIds = ['moving-square', 'bouncing-ball', 'rotating-bar'];

  it('lists signals for 1-D inputs, images for images, and clips and images for video', () => {
    const ids = (kind: InputKind) => samplesFor(kind).map((s) => s.id);
    assert.deepEqual(ids('signal1d'), signalIds);
    assert.deepEqual(ids('image'), imageIds);
    assert.deepEqual(ids('video'), [...imageIds, ...clipIds]);
    assert.deepEqual(ids('vector'), [...imageIds, ...signalIds]);
  });

  it('makes exactly the samples the catalogue lists for each kind, and refuses the others', () => {
    const shapes: Record<InputKind, number[]> = { vector: [784], signal1d: [2, 64], image: [3, 16, 16], video: [3, 4, 16, 16] };
    for (const { id, kinds } of samples) {
      for (const kind of Object.keys(shapes) as InputKind[]) {
        const result = makeInput(id, shapes[kind]);
        assert.equal(result.ok, kinds.includes(kind), `${id} for ${kind}: ${result.ok ? 'made' : result.error}`);
        if (!result.ok) assert.match(result.error, /cannot fill an input of/);
      }
    }
  });

  it('names the sample, the layout and the samples that would fit', () => {
    assert.equal(
      failure(makeInput('sine', [1, 8, 16, 16])),
      `"Sine (whole cycles of about 32 samples)" cannot fill an input of [channels, frames, height, width] [1, 8, 16, 16]; pick one of ${[...imageIds, ...clipIds].join(', ')}.`,
    );
    assert.equal(failure(makeInput('moving-square', [3, 32, 32])), `"Moving square" cannot fill an input of [channels, height, width] [3, 32, 32]; pick one of ${imageIds.join(', ')}.`);
    assert.equal(failure(makeInput('moving-square', [1, 100])), `"Moving square" cannot fill an input of [channels, length] [1, 100]; pick one of ${signalIds.join(', ')}.`);
    assert.equal(failure(makeInput('landscape', [1, 100])), `"Landscape (natural image)" cannot fill an input of [channels, length] [1, 100]; pick one of ${signalIds.join(', ')}.`);
    assert.equal(failure(makeInput('drum-loop', [1, 100])), `There is no built-in sample "drum-loop"; for [1, 100] pick one of ${signalIds.join(', ')}.`);
    assert.match(failure(makeInput('sine', [1, 2, 3, 4, 5])), /has 5 dimensions; inputs are \[features\] for a vector, \[channels, length\] for 1-D signals/);
  });

  it('refuses pictures for a 1-D input and a frame count that matches neither one nor D', () => {
    assert.equal(failure(picturesToTensor([digitPicture(3)], [1, 100])), 'An image cannot fill a 1-D input [channels, length] like [1, 100]; pick a signal sample.');
    const three = [4, 5, 6].map(digitPicture);
    assert.equal(failure(picturesToTensor(three, [1, 5, 28, 28])), 'Got 3 frames for an input of 5.');
  });

  it('starts 1-D inputs on the sine, clips on the moving square, small gray images on a digit and others on the landscape', () => {
    assert.equal(defaultSampleFor([1, 16000]), 'sine');
    assert.equal(defaultSampleFor([3, 16, 112, 112]), 'moving-square');
    assert.equal(defaultSampleFor([1, 28, 28]), 'digit-3');
    assert.equal(defaultSampleFor([1, 128, 128]), 'landscape');
    assert.equal(defaultSampleFor([3, 32, 32]), 'landscape');
  });
});

describe('input: vectors', () => {
  it('fills a vector whose length is a square image with that image flattened, channels first', () => {
    // 784 = 28x28 grey, as an MNIST perceptron takes a digit; 3,072 = 3x32x32 colour.
    for (const [id, length, image] of [
      ['digit-7', 784, [1, 28, 28]],
      ['landscape', 3072, [3, 32, 32]],
    ] as const) {
      const vector = makeInput(id, [length]);
      const picture = makeInput(id, [...image]);
      assert.ok(vector.ok && picture.ok);
      assert.deepEqual(vector.shape, [length]);
      assert.deepEqual(Array.from(vector.data), Array.from(picture.data));
      assert.match(vector.note ?? '', new RegExp(`made at ${image.join('x')} and flattened to ${length.toLocaleString('en-US')} values`));
    }
  });

  it('fills any vector with a signal, as one channel', () => {
    const vector = makeInput('sine', [100]);
    const signal = makeInput('sine', [1, 100]);
    assert.ok(vector.ok && signal.ok);
    assert.deepEqual(vector.shape, [100]);
    assert.deepEqual(Array.from(vector.data), Array.from(signal.data));
  });

  it('says why a picture cannot fill a vector of another length, and starts such vectors with a signal', () => {
    assert.match(failure(makeInput('digit-3', [50])), /784 = 28x28.*3,072 = 3x32x32.*50 is neither, so pick a signal sample/);
    assert.equal(defaultSampleFor([784]), 'digit-3');
    assert.equal(defaultSampleFor([3072]), 'digit-3');
    assert.equal(defaultSampleFor([50]), 'sine');
  });
});
