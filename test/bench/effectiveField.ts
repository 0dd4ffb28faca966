/**
 * Effective-field figures for `npm run bench`: the gradient of one unit of
 * VGG-16 after pool5 with respect to its 224x224 input (the panel's
 * "effective field", engine/unitGradient.ts) on WASM in headless Chromium,
 * beside one forward pass of the same network, weights and input on the same
 * page, so the ratio holds on a busy machine where the milliseconds do not.
 * Needs the page bundles (`node esbuild.mjs pages webview`) and Debian's Chromium.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core';
import { launchChromium, openTestPage, pageCaller, startStaticServer } from '../webview/browser';
import type { ReceptiveFieldPage } from '../webview/pages/receptiveField.api';

const RUNS = 3;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number) => `${Math.round(value).toLocaleString('en-US')} ms`;

export async function effectiveFieldFigures(root: string): Promise<string[]> {
  for (const needed of ['out/pages/receptiveField.page.js', 'dist/webview/tfjs-backend-wasm.wasm']) {
    if (!existsSync(join(root, needed))) throw new Error(`${needed} is missing: run node esbuild.mjs pages webview first`);
  }
  const source = readFileSync(join(root, 'examples', 'vgg16.cnn'), 'utf8');
  const graph = analyze(source, { graph: true }).graphs![0];
  const pool5 = graph.nodes.filter((n) => n.op === 'maxpool').pop()!;
  const lines: string[] = [];
  const server = await startStaticServer(root);
  const browser = await launchChromium();
  try {
    const { page } = await openTestPage(browser, server.url, 'receptiveField');
    page.setDefaultTimeout(600_000);
    const call = pageCaller<ReceptiveFieldPage>('field', () => page);
    await call('use', `${server.url}/dist/webview/`, 'wasm');
    for (const [name, at] of [
      ['centre', [3, 3]],
      ['corner', [0, 0]],
    ] as const) {
      const timing = await call('time', source, { node: pool5.id, channel: 0, at: [...at] }, RUNS);
      const forward = median(timing.forwardMs);
      const gradient = median(timing.gradientMs);
      lines.push(
        `VGG-16 effective field of the pool5 ${name} unit (${at.join(', ')}) on wasm, one thread: median ${ms(gradient)} (the first, building its filters: ${ms(timing.firstMs)}); ` +
          `one forward pass ${ms(forward)} on the same page; ratio ${(gradient / forward).toFixed(2)}x a forward pass`,
      );
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return lines;
}
