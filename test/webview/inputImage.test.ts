/**
 * Image inputs in real headless Chromium: PNG files encoded here (so the
 * browser's decoder meets bytes it did not make), the resampling filter
 * against PyTorch, channel and alpha rules against their formulas, the
 * built-in image samples at the shapes of the example networks, and the
 * messages for files that are not images.
 */
import { strict as assert } from 'node:assert';
import { deflateSync } from 'node:zlib';
import type { InputPage, PlainResult } from './pages/input.api';
import { pageCaller, usePageSuite } from './browser';
import { requirePython, runPython } from '../python';

// A minimal PNG encoder: 8-bit gray (1), RGB (3) or RGBA (4), one IDAT, no filtering.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
/** A PNG of `width` x `height` pixels given row by row, `channels` bytes each. */
function encodePng(width: number, height: number, channels: 1 | 3 | 4, pixels: number[]): number[] {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = { 1: 0, 3: 2, 4: 6 }[channels];
  const rowBytes = width * channels;
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) raw.set(pixels.slice(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return [...Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))])];
}
function solid(width: number, height: number, pixel: number[]): number[] {
  return Array.from({ length: width * height }, () => pixel).flat();
}

/** The values of channel `c` of a [C, H, W] result. */
function channel(result: PlainResult, c: number): number[] {
  assert.ok(result.ok, result.ok ? '' : result.error);
  const [, h, w] = result.shape;
  return result.data.slice(c * h * w, (c + 1) * h * w);
}

function assertAllClose(actual: number[], expected: number | number[], tolerance: number, what: string): void {
  actual.forEach((v, k) => {
    const e = typeof expected === 'number' ? expected : expected[k];
    assert.ok(Math.abs(v - e) <= tolerance, `${what}: value ${k} is ${v}, expected ${e} (within ${tolerance})`);
  });
}

describe('input: images', function () {
  this.timeout(120_000);
  const suite = usePageSuite('input');
  const call = pageCaller<InputPage>('inputPage', () => suite.page);

  it('decodes a solid RGB(255, 128, 0) PNG to BT.601 luminance for one channel and to R, G, B for three', async () => {
    const png = encodePng(3, 2, 3, solid(3, 2, [255, 128, 0]));
    const gray = await call('fromBytes', png, [1, 4, 4]);
    assertAllClose(channel(gray, 0), 0.299 * 1 + 0.587 * (128 / 255) + 0.114 * 0, 1e-6, 'luminance');
    const rgb = await call('fromBytes', png, [3, 4, 4]);
    [1, 128 / 255, 0].forEach((v, c) => assertAllClose(channel(rgb, c), v, 1e-6, `channel ${c}`));
  });

  it('replicates a gray PNG into three equal channels', async () => {
    const values = [0, 40, 90, 200, 255, 17];
    const rgb = await call('fromBytes', encodePng(3, 2, 1, values), [3, 2, 3]);
    for (let c = 0; c < 3; c++)
      assertAllClose(
        channel(rgb, c),
        values.map((v) => v / 255),
        1e-6,
        `channel ${c}`,
      );
  });

  it('enlarges a 2x2 image to 4x4 bilinearly with half-pixel centres: corners keep their pixels', async () => {
    const [a, b, c, d] = [0, 60, 180, 255];
    const result = await call('fromBytes', encodePng(2, 2, 1, [a, b, c, d]), [1, 4, 4], { fit: 'stretch' });
    // Output i samples the input at (i + 0.5) / 2 - 0.5, clamped: weights of the first and second pixel.
    const weights = [
      [1, 0],
      [0.75, 0.25],
      [0.25, 0.75],
      [0, 1],
    ];
    const expected: number[] = [];
    for (const [t0, t1] of weights) for (const [l0, l1] of weights) expected.push((t0 * (l0 * a + l1 * b) + t1 * (l0 * c + l1 * d)) / 255);
    assertAllClose(channel(result, 0), expected, 1e-6, '4x4');
    assert.deepEqual(
      [0, 3, 12, 15].map((k) => Math.round(channel(result, 0)[k] * 255)),
      [a, b, c, d],
    );
  });

  it('resamples like PyTorch F.interpolate(bilinear, align_corners=False, antialias=True)', async function () {
    requirePython(this, ['torch']);
    const cases = [
      { width: 7, height: 5, outWidth: 4, outHeight: 3 },
      { width: 7, height: 5, outWidth: 13, outHeight: 11 },
      { width: 30, height: 9, outWidth: 7, outHeight: 4 },
    ];
    const planes = cases.map(({ width, height }) => Array.from({ length: width * height }, (_, k) => ((k * 37) % 101) / 100));
    const script = `
import json, sys, torch, torch.nn.functional as F
out = []
for case, plane in json.loads(sys.argv[1]):
    x = torch.tensor(plane, dtype=torch.float64).reshape(1, 1, case['height'], case['width'])
    y = F.interpolate(x, size=(case['outHeight'], case['outWidth']), mode='bilinear', align_corners=False, antialias=True)
    out.append(y.flatten().tolist())
print(json.dumps(out))`;
    const expected = JSON.parse(runPython(script, [JSON.stringify(cases.map((c, i) => [c, planes[i]]))])) as number[][];
    for (const [i, { width, height, outWidth, outHeight }] of cases.entries()) {
      const actual = await call('resize', planes[i], width, height, outWidth, outHeight);
      assertAllClose(actual, expected[i], 1e-5, `${width}x${height} -> ${outWidth}x${outHeight}`);
    }
  });

  it('crops the centre to the input aspect ratio by default and stretches on request', async () => {
    // A 4x2 image: black quarters left and right of a white centre.
    const png = encodePng(4, 2, 1, [0, 255, 255, 0, 0, 255, 255, 0]);
    assertAllClose(channel(await call('fromBytes', png, [1, 2, 2]), 0), 1, 1e-6, 'crop keeps the white centre');
    const stretched = channel(await call('fromBytes', png, [1, 2, 2], { fit: 'stretch' }), 0);
    // Halving the width centres output pixel 0 on source x = 1 and widens the triangle filter to a radius of 2 pixels.
    // The pixel centres 0.5, 1.5 and 2.5 get weights 0.75 (black), 0.75 (white) and 0.25 (white); the tap at -0.5
    // lies outside the image and is dropped, so the weights are renormalised by their sum 1.75: 1 / 1.75 = 4/7.
    // PyTorch's F.interpolate(bilinear, antialias=True) gives 0.5714 here, and Pillow's BILINEAR resize gives 146 of 255.
    assertAllClose(stretched, 4 / 7, 1e-6, 'stretch mixes in the black sides');
  });

  it('composites transparent pixels over white by default, over black on request, and keeps alpha for 4 channels', async () => {
    const png = encodePng(1, 1, 4, [255, 0, 0, 128]);
    const a = 128 / 255;
    const white = await call('fromBytes', png, [3, 1, 1]);
    assertAllClose(white.ok ? white.data : [], [1, 1 - a, 1 - a], 1e-6, 'over white');
    const black = await call('fromBytes', png, [3, 1, 1], { background: 'black' });
    assertAllClose(black.ok ? black.data : [], [a, 0, 0], 1e-6, 'over black');
    const rgba = await call('fromBytes', png, [4, 1, 1]);
    assert.ok(rgba.ok && /alpha/.test(rgba.note ?? ''), 'a 4-channel input says it holds alpha');
    assertAllClose(rgba.ok ? rgba.data : [], [1, 1 - a, 1 - a, a], 1e-6, 'RGBA');
  });

  it('fills 2 channels with luminance and alpha, and 5 with R, G, B repeated, with a note', async () => {
    const png = encodePng(1, 1, 3, [255, 128, 0]);
    const two = await call('fromBytes', png, [2, 1, 1]);
    assert.ok(two.ok && two.note, 'a note for 2 channels');
    assertAllClose(two.data, [0.299 + 0.587 * (128 / 255), 1], 1e-6, 'luminance, alpha');
    const five = await call('fromBytes', png, [5, 1, 1]);
    assert.ok(five.ok && five.note, 'a note for 5 channels');
    assertAllClose(five.data, [1, 128 / 255, 0, 1, 128 / 255], 1e-6, 'R G B R G');
  });

  it('normalises with the ImageNet mean and std, and explains a bad mean/std', async () => {
    const png = encodePng(1, 1, 3, [255, 128, 0]);
    const result = await call('fromBytes', png, [3, 1, 1], { normalize: 'imagenet' });
    assertAllClose(result.ok ? result.data : [], [(1 - 0.485) / 0.229, (128 / 255 - 0.456) / 0.224, (0 - 0.406) / 0.225], 1e-5, 'ImageNet');
    const custom = await call('fromBytes', png, [3, 1, 1], { normalize: { mean: [0.5], std: [0.5] } });
    assertAllClose(custom.ok ? custom.data : [], [1, (128 / 255 - 0.5) / 0.5, -1], 1e-6, 'mean 0.5, std 0.5');
    const bad = await call('fromBytes', png, [3, 1, 1], { normalize: { mean: [0.5, 0.5], std: [1] } });
    assert.ok(!bad.ok && /mean has 2 values.*3 channels/.test(bad.error), JSON.stringify(bad));
    const zero = await call('fromBytes', png, [3, 1, 1], { normalize: { mean: [0], std: [0] } });
    assert.ok(!zero.ok && /greater than 0/.test(zero.error), JSON.stringify(zero));
  });

  it('reads a dropped File exactly as the same bytes posted by the extension host', async () => {
    const png = encodePng(
      5,
      3,
      3,
      Array.from({ length: 45 }, (_, k) => (k * 53) % 256),
    );
    assert.deepEqual(await call('fromFile', png, [3, 6, 6], 'drop.png'), await call('fromBytes', png, [3, 6, 6]));
  });

  it('explains files that are not images instead of failing', async () => {
    const png = encodePng(2, 2, 3, solid(2, 2, [1, 2, 3]));
    const damaged = [...png.slice(0, 16), ...Array.from({ length: 40 }, (_, k) => (k * 7) % 256)];
    const cases: [number[], RegExp][] = [
      [damaged, /"bad\.png" looks like a PNG image but could not be decoded: it is probably damaged/],
      [[...Buffer.from('just some text, not pixels')], /"bad\.png" is not an image the preview can read/],
      [[], /"bad\.png" is empty/],
      [[...Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>')], /looks like a SVG image, which the preview cannot decode/],
    ];
    for (const [bytes, message] of cases) {
      const result = await call('fromBytes', bytes, [3, 8, 8], {}, 'bad.png');
      assert.ok(!result.ok && message.test(result.error), `${message}: ${JSON.stringify(result)}`);
    }
  });

  it('rejects unusable shapes and samples with a message', async () => {
    const cases: [string, number[], RegExp][] = [
      ['digit-3', [50], /784 = 28x28.*50 is neither/],
      ['digit-3', [1, 2, 3, 4, 5], /5 dimensions.*\[features\] for a vector/],
      ['digit-3', [0, 28, 28], /whole numbers of at least 1/],
      ['digit-3', [1, 28.5, 28], /whole numbers/],
      ['digit-3', [1, 16000], /"Digit 3" cannot fill an input of \[channels, length\].*sine/],
      ['sine', [3, 32, 32], /cannot fill.*landscape/],
      ['no-such-sample', [3, 32, 32], /no built-in sample "no-such-sample"/],
      ['landscape', [3, 100000, 100000], /more than/],
    ];
    for (const [id, shape, message] of cases) {
      const result = await call('sample', id, shape);
      assert.ok(!result.ok && message.test(result.error), `${id} ${shape}: ${JSON.stringify(result)}`);
    }
  });

  it('turns every image sample into 1x28x28, 3x224x224 and 3x32x32 tensors in [0, 1] that are not blank', async () => {
    const list = (await suite.page.evaluate(() => (globalThis as unknown as { inputPage: InputPage }).inputPage.samples)).filter((s) => s.kinds.includes('image'));
    assert.ok(list.length >= 14, 'ten digits, a natural image and edge patterns');
    for (const { id } of list) {
      for (const shape of [
        [1, 28, 28],
        [3, 224, 224],
        [3, 32, 32],
      ]) {
        const s = await call('summary', id, shape);
        assert.ok(s.ok, s.ok ? '' : s.error);
        assert.equal(s.length, shape[0] * shape[1] * shape[2]);
        assert.ok(s.min >= 0 && s.max <= 1, `${id} ${shape}: values in [${s.min}, ${s.max}]`);
        assert.ok(s.variance > 0.005, `${id} ${shape}: variance ${s.variance} (blank?)`);
      }
      assert.ok(await call('deterministic', id, [3, 32, 32]), `${id} is not deterministic`);
    }
  });

  it('draws ten distinct digits inside the central 20x20 box, MNIST style', async () => {
    const digits: number[][] = [];
    for (let n = 0; n < 10; n++) digits.push(channel(await call('sample', `digit-${n}`, [1, 28, 28]), 0));
    for (let a = 0; a < 10; a++) {
      for (let b = a + 1; b < 10; b++) {
        const difference = digits[a].reduce((sum, v, k) => sum + Math.abs(v - digits[b][k]), 0) / 784;
        assert.ok(difference > 0.05, `digits ${a} and ${b} differ by only ${difference} per pixel`);
      }
    }
    digits.forEach((d, n) => {
      // The central 20x20 box is rows and columns 4 to 23; MNIST keeps all the ink, anti-aliased edges included, inside it.
      const outside = d.filter((_, k) => Math.min(k % 28, Math.floor(k / 28)) < 4 || Math.max(k % 28, Math.floor(k / 28)) > 23);
      assert.equal(Math.max(...outside), 0, `digit ${n} has ink outside the central 20x20 box`);
      assert.ok(Math.max(...d) === 1, `digit ${n} has full-strength ink`);
    });
    // A 0 is a ring: its middle is empty; a 1 is a single stroke: less ink than an 8.
    assert.ok(digits[0][14 * 28 + 14] < 0.05, 'the middle of the 0 is empty');
    const ink = (d: number[]) => d.reduce((a, b) => a + b, 0);
    assert.ok(ink(digits[1]) < 0.6 * ink(digits[8]), 'a 1 has much less ink than an 8');
  });

  it('paints the landscape with a blue sky above green ground', async () => {
    const rgb = await call('sample', 'landscape', [3, 32, 32]);
    const [r, g, b] = [0, 1, 2].map((c) => channel(rgb, c));
    const mean = (plane: number[], rows: number[]) => rows.flatMap((y) => plane.slice(y * 32, y * 32 + 32)).reduce((x, y) => x + y, 0) / (rows.length * 32);
    const top = [0, 1, 2, 3];
    const bottom = [28, 29, 30, 31];
    assert.ok(mean(b, top) > mean(r, top) + 0.2, 'the sky is blue');
    assert.ok(mean(g, bottom) > mean(r, bottom) + 0.1 && mean(g, bottom) > mean(b, bottom) + 0.2, 'the ground is green');
  });

  it('resamples the checkerboard to 4-pixel cells whose centres stay pure white and black', async () => {
    const board = channel(await call('sample', 'checkerboard', [1, 32, 32]), 0);
    for (let cy = 0; cy < 8; cy++) {
      for (let cx = 0; cx < 8; cx++) {
        const v = board[(cy * 4 + 1) * 32 + cx * 4 + 1];
        assert.ok(Math.abs(v - ((cx + cy) % 2 === 0 ? 1 : 0)) < 1e-6, `cell ${cx},${cy} centre is ${v}`);
      }
    }
  });
});
