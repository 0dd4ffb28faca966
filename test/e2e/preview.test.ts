/**
 * The preview panel in a real VS Code (code-server with the packaged
 * extension, driven through headless Chromium): open an example, open the
 * preview, see the diagram's nodes, click one and see the editor move, run
 * the forward pass and see feature maps (a screenshot checked for a heat map
 * that is not blank).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import * as e2e from './codeServer';

/** The line of the editor's cursor, from the status bar ("Ln 7, Col 3"), 1-based. */
async function cursorLine(page: Page): Promise<number> {
  const text = await page.locator('#status\\.editor\\.selection').innerText();
  const match = /Ln (\d+)/.exec(text);
  if (!match) throw new Error(`no cursor position in the status bar: "${text}"`);
  return Number(match[1]);
}

/**
 * How varied a PNG's pixels are: the standard deviation of its grey values
 * and the number of distinct colours, read by Pillow (Debian's python3-pil,
 * installed with torchvision) so the check does not trust the page itself.
 */
function pixelSpread(png: string): { std: number; colours: number } {
  const script = 'import sys, json; from PIL import Image, ImageStat; im = Image.open(sys.argv[1]).convert("RGB"); print(json.dumps({"std": ImageStat.Stat(im.convert("L")).stddev[0], "colours": len(im.getcolors(1 << 24))}))';
  const run = spawnSync('/usr/bin/python3', ['-c', script, png], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`reading ${png} with Pillow failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as { std: number; colours: number };
}

/** One convolution large enough (38 million multiply-accumulates) for the panel to share it with its convolution workers. */
const WIDE = `network Wide {
  input(16x64x64)
  conv(64, 3, padding=1)
  relu
}
`;

describe('the preview panel in real VS Code (code-server)', function () {
  this.timeout(300_000);
  let vsix: string;
  let folder: string;
  let server: e2e.CodeServer;
  let page: Page;
  let preview: FrameLocator;
  const source = readFileSync('examples/lenet5.cnn', 'utf8').split('\n');

  before(async () => {
    e2e.ensureTools();
    vsix = e2e.packageVsix();
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-preview-'));
    copyFileSync('examples/lenet5.cnn', join(folder, 'lenet5.cnn'));
    writeFileSync(join(folder, 'wide.cnn'), WIDE);
    server = await e2e.startCodeServer({ extensionVsix: vsix, folder, settings: { 'files.autoSave': 'off' } });
    page = await e2e.openWorkbench(server);
    await e2e.openFile(page, 'lenet5.cnn');
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    preview = e2e.webviewFrame(page);
  });

  after(() => e2e.cleanUp({ page, server, vsix, folder }));

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await e2e.screenshot(page, `out/e2e/preview-${this.currentTest.title.replace(/\W+/g, '-')}.png`);
  });

  it('draws a node for every layer of LeNet-5', async () => {
    const nodes = preview.locator('[data-testid="diagram"] .cnnd-node');
    await nodes.first().waitFor({ timeout: 60_000 });
    // One box per statement that is a layer: every line of the network body but its braces and comments.
    const layers = source.filter((line) => /^\s+[a-z_]+(\(|\s*$|\s*->)/.test(line)).length;
    assert.equal(await nodes.count(), layers, `expected ${layers} nodes`);
    assert.match(await preview.locator('[data-testid="totals"]').innerText(), /61,706 parameters/);
  });

  it('moves the editor to the statement of a clicked node', async () => {
    const line = source.findIndex((text) => /^\s+dense\(120/.test(text)) + 1;
    assert.ok(line > 0, 'lenet5.cnn has a dense(120) layer');
    await preview.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'dense' }).first().click();
    const deadline = Date.now() + 10_000;
    while ((await cursorLine(page)) !== line && Date.now() < deadline) await page.waitForTimeout(100);
    assert.equal(await cursorLine(page), line);
  });

  it('runs the forward pass and shows a heat map that is not blank', async () => {
    // Select the first convolution, whose maps are 6 pictures of 28x28.
    await preview.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'conv' }).first().click();
    await preview.locator('[data-testid="run"]').click();
    const maps = preview.locator('[data-testid="feature-map"]');
    await maps.first().waitFor({ timeout: 120_000 });
    assert.equal(await maps.count(), 6);
    assert.match(await preview.locator('[data-testid="backend-note"]').innerText(), /Backend: (wasm|webgl|webgpu|cpu)/);
    const shot = join(folder, 'maps.png');
    await preview.locator('[data-testid="maps-grid"]').screenshot({ path: shot });
    const spread = pixelSpread(shot);
    assert.ok(spread.colours > 16 && spread.std > 10, `the feature maps look blank: ${JSON.stringify(spread)}`);
  });

  it('comes back with its diagram after the window reloads', async () => {
    // A mark on the workbench's window tells the old page from the reloaded one.
    await page.evaluate(() => ((globalThis as unknown as { beforeReload: boolean }).beforeReload = true));
    await e2e.runCommand(page, 'Developer: Reload Window');
    await page.waitForFunction(() => (globalThis as unknown as { beforeReload?: boolean }).beforeReload === undefined, undefined, { timeout: 60_000 });
    // The serializer reopens the panel from its saved state; its page analyses the file again.
    const nodes = e2e.webviewFrame(page).locator('[data-testid="diagram"] .cnnd-node');
    await nodes.first().waitFor({ timeout: 90_000 });
    assert.match(await e2e.webviewFrame(page).locator('[data-testid="totals"]').innerText(), /61,706 parameters/);
  });

  it('shares a large convolution with workers inside the webview (its CSP lets the panel start them)', async function () {
    await e2e.openFile(page, 'wide.cnn');
    // After the reload the focus may still be in the restored panel; the command needs the .cnn editor focused.
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    const wide = e2e.webviewFrame(page);
    await wide.locator('[data-testid="totals"]', { hasText: '9,280 parameters' }).waitFor({ timeout: 60_000 });
    await wide.locator('[data-testid="run"]').click();
    const total = wide.locator('[data-testid="timing-total"]');
    await total.waitFor({ timeout: 120_000 });
    const caption = await total.innerText();
    const backend = /on (\w+)/.exec(caption)?.[1];
    const note = await wide.locator('[data-testid="backend-note"]').innerText();
    if (backend !== 'wasm') {
      // Only a hardware GPU outranks WASM. Any other backend here (the CPU backend after WASM failed to start, a
      // software GPU) means WASM is broken, which a skip would hide.
      assert.match(note, /hardware GPU/, `the panel ran on ${backend}, not WASM, without a hardware GPU: ${note}`);
      console.log(`      skipping: the workers serve WASM only, and this machine's hardware GPU runs ${backend} (${note})`);
      this.skip();
    }
    // Workers need a second core.
    if (availableParallelism() < 2) {
      console.log('      skipping: the workers need a second core, and this machine has one');
      this.skip();
    }
    const threads = Number(/\((\d+) threads\)/.exec(caption)?.[1] ?? 1);
    assert.ok(threads >= 2, `the run used one thread: "${caption}"; messages: ${await wide.locator('[data-testid="messages"]').innerText().catch(() => '')}`);
    assert.match(await wide.locator('[data-testid="backend-note"]').innerText(), new RegExp(`shared by ${threads} threads`));
    // The timing table says which layer was shared: the convolution, node 1.
    assert.match(await wide.locator('[data-testid="timing-row"][data-node="1"]').innerText(), new RegExp(`line 3\\), shared by ${threads} threads`));
  });
});
