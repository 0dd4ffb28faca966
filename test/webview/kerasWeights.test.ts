/**
 * A `.keras` archive's weights in the preview's engine: Keras 3 archives
 * written from PyTorch models (a Sequential CNN with batch norm, pooling,
 * Flatten and Dense; a functional one with a skip connection, depthwise and
 * separable convolutions), imported by `cnn import --weights-out`, and the
 * written safetensors read by the panel's "Load weights…" loader in headless
 * Chromium, give torch's output for the same input.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { repoRoot, runCli } from '../helpers';
import { kerasArchiveModels, kerasArchives, type KerasArchiveFacts } from '../import/kerasFixtures';
import { requirePython } from '../python';
import { launchChromium, startStaticServer } from './browser';
import { callPage, enginePage, firstDifference } from './engineFixtures';

describe('a .keras archive’s weights in the preview engine', function () {
  this.timeout(300_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  let page: Page;
  let dir = '';
  let facts: Record<string, KerasArchiveFacts> = {};
  // Served by the test server, which serves the repository; out/ is build output.
  const served = join(repoRoot, 'out', 'keras-weights');
  before(async function () {
    requirePython(this, ['torch', 'h5py']);
    ({ dir, facts } = kerasArchives());
    mkdirSync(served, { recursive: true });
    server = await startStaticServer();
    browser = await launchChromium();
    ({ page } = await enginePage(browser, server.url, 'wasm'));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const name of kerasArchiveModels) {
    it(`${name}: the imported .cnn with the written weights gives torch's output within 1e-4`, async () => {
      const cnn = join(served, `${name}.cnn`);
      const run = runCli(['import', join(dir, `${name}.keras`), '-o', cnn, '--weights-out', join(served, `${name}.safetensors`)]);
      assert.equal(run.code, 0, run.stderr);
      const torch = facts[name];
      const reply = await callPage(page, 'runWithWeightFile', readFileSync(cnn, 'utf8'), `${server.url}/out/keras-weights/${name}.safetensors`, torch.input);
      assert.ok(reply.ok, reply.ok ? '' : reply.error);
      const problem = firstDifference(reply.outputs[reply.outputNode].data, torch.output);
      assert.equal(problem, undefined, problem);
    });
  }
});
