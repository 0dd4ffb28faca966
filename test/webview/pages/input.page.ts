/**
 * Exposes the input module to the browser tests (test/webview/input*.test.ts).
 * Tensors come back as plain arrays, since typed arrays do not cross
 * page.evaluate; `summary` keeps big tensors in the page and returns their
 * statistics instead.
 */
import { makeImageInput, makeInput, samples, type InputResult } from '../../../webview/src/input';
import type { InputPage, PlainResult } from './input.api';
import { sampleSource } from '../../../webview/src/input/catalog';
import { resizePlane } from '../../../webview/src/input/resize';

declare global {
  interface Window {
    inputPage: InputPage;
  }
}

function plain(result: InputResult): PlainResult {
  return result.ok ? { ok: true, data: Array.from(result.data), shape: result.shape, note: result.note } : result;
}

window.inputPage = {
  samples,
  sample: (id, shape, options) => plain(makeInput(id, shape, options)),
  summary(id, shape, options) {
    const result = makeInput(id, shape, options);
    if (!result.ok) return result;
    const { data } = result;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    const mean = sum / data.length;
    let squares = 0;
    for (const v of data) squares += (v - mean) ** 2;
    return { ok: true, length: data.length, shape: result.shape, min, max, mean, variance: squares / data.length, note: result.note };
  },
  fromBytes: async (bytes, shape, options, name) => plain(await makeImageInput(new Uint8Array(bytes), shape, options, name)),
  fromFile: async (bytes, shape, name) => plain(await makeImageInput(new File([new Uint8Array(bytes)], name, { type: 'image/png' }), shape, {}, name)),
  deterministic(id, shape) {
    const source = sampleSource(id);
    if (source?.type === 'picture') {
      const [a, b] = [source.make(), source.make()];
      if (!a.planes.every((plane, c) => plane.every((v, k) => v === b.planes[c][k]))) return false;
    }
    const [x, y] = [makeInput(id, shape), makeInput(id, shape)];
    return x.ok && y.ok && x.data.length === y.data.length && x.data.every((v, k) => v === y.data[k]);
  },
  resize: (plane, width, height, outWidth, outHeight) => Array.from(resizePlane(new Float32Array(plane), width, { x: 0, y: 0, width, height }, outWidth, outHeight)),
};
