/**
 * A 3-D pixel shuffle on every backend, against PyTorch's index rule written
 * out by hand. In one transpose it needs eight axes, which WebGL's packed
 * transpose refuses; the engine moves one axis at a time instead.
 */
import { strict as assert } from 'node:assert';
import type { Browser } from 'playwright-core';
import { launchChromium, startStaticServer } from './browser';
import { callPage, enginePage } from './engineFixtures';

/** 3-D pixel shuffle by PyTorch's rule, written directly: output (c, d·r+i, h·r+j, w·r+k) ← input (c·r³ + i·r² + j·r + k, d, h, w). */
function reference(input: number[], c: number, d: number, h: number, w: number, r: number): number[] {
  const out = new Array<number>(input.length);
  const [D, H, W] = [d * r, h * r, w * r];
  for (let cc = 0; cc < c; cc++)
    for (let z = 0; z < D; z++)
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const ch = cc * r ** 3 + (z % r) * r * r + (y % r) * r + (x % r);
          out[((cc * D + z) * H + y) * W + x] = input[((ch * d + Math.floor(z / r)) * h + Math.floor(y / r)) * w + Math.floor(x / r)];
        }
  return out;
}

describe('pixel_shuffle on a 3-D map, on every backend', function () {
  this.timeout(300_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  before(async () => {
    server = await startStaticServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  for (const backend of ['wasm', 'webgl', 'cpu'] as const) {
    it(`${backend}: 16x2x3x2 → 2x4x6x4 in PyTorch's order`, async function () {
      const { page, unavailable } = await enginePage(browser, server.url, backend);
      if (unavailable) {
        // Only a GPU backend may be missing on a machine without one; WASM and CPU must start.
        if (backend !== 'webgl') throw new Error(`the ${backend} backend did not start: ${unavailable}`);
        console.log(`      skipping webgl: ${unavailable}`);
        this.skip();
      }
      const input = Array.from({ length: 16 * 2 * 3 * 2 }, (_, i) => i);
      const reply = await callPage(page, 'run', { source: 'network S {\n  input(16x2x3x2)\n  pixel_shuffle(2)\n}\n', input, seed: 1, keep: [] });
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      assert.deepEqual(Array.from(reply.outputs[reply.outputNode].data), reference(input, 2, 2, 3, 2, 2));
      await page.close();
    });
  }
});
