/**
 * Dropping an ONNX model or a Keras `.keras` archive on the preview panel in
 * real VS Code (code-server, the packaged extension): the file is imported as
 * "Import Model…" does, so its `.cnn` file and weights appear beside the
 * previewed file, the `.cnn` file opens, and its preview shows the imported
 * network with the weights loaded.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { kerasArchives } from '../import/kerasFixtures';
import { tinyOnnxModel } from '../import/tinyOnnx';
import { requirePython } from '../python';
import * as e2e from './codeServer';

describe('dropping an .onnx or .keras file on the preview panel (code-server)', function () {
  this.timeout(300_000);
  let folder: string;
  let server: e2e.CodeServer;
  let page: Page;

  before(async function () {
    e2e.ensureTools();
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-import-drop-'));
    copyFileSync('examples/lenet5.cnn', join(folder, 'lenet5.cnn'));
    server = await e2e.sharedCodeServer(folder, { 'files.autoSave': 'off' });
    page = await e2e.openWorkbench(server);
    await e2e.openFile(page, 'lenet5.cnn');
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    await e2e.webviewFrame(page).locator('[data-testid="totals"]', { hasText: '61,706' }).waitFor({ timeout: 90_000 });
  });

  after(() => e2e.cleanUp({ page, server, folder }));

  /** Drops a file with these bytes on the panel, Shift held, as a user does. */
  async function drop(name: string, file: Uint8Array): Promise<void> {
    await e2e
      .webviewFrame(page)
      .locator('body')
      .evaluate(
        (body, { name, data }) => {
          // The repo's Node tsconfig has no DOM lib: the page's constructors come from its globals.
          const view = globalThis as unknown as {
            File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown;
            DataTransfer: new () => { items: { add(file: unknown): void } };
            DragEvent: new (type: string, init: { bubbles: boolean; cancelable: boolean; shiftKey: boolean; dataTransfer: unknown }) => unknown;
          };
          const transfer = new view.DataTransfer();
          transfer.items.add(new view.File([new Uint8Array(data)], name, { type: 'application/octet-stream' }));
          const target = body as unknown as { dispatchEvent(event: unknown): boolean };
          // Shift held, as VS Code asks for a drop on a webview.
          for (const type of ['dragenter', 'dragover', 'drop', 'dragend']) target.dispatchEvent(new view.DragEvent(type, { bubbles: true, cancelable: true, shiftKey: true, dataTransfer: transfer }));
        },
        { name, data: [...file] },
      );
  }

  /**
   * Waits until `path` exists and holds a network: the file appears before its text is written (a read in between
   * gave '' in one full run), so existing is not enough.
   */
  async function writtenOut(path: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!(existsSync(path) && readFileSync(path, 'utf8').includes('network')) && Date.now() < deadline) await page.waitForTimeout(200);
  }

  /** Waits for the preview's weights field to name `file`. */
  async function weightsLoaded(file: string): Promise<string> {
    const weights = e2e.webviewFrame(page).locator('[data-testid="weights"]');
    const until = Date.now() + 30_000;
    while (!(await weights.inputValue()).includes(file) && Date.now() < until) await page.waitForTimeout(200);
    return weights.inputValue();
  }

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await e2e.screenshot(page, `out/e2e/import-drop-${this.currentTest.title.replace(/\W+/g, '-')}.png`);
  });

  it('writes tiny.cnn and its weights beside the previewed file, opens it, and previews it with the weights', async () => {
    await drop('tiny.onnx', tinyOnnxModel());
    const cnn = join(folder, 'tiny.cnn');
    await writtenOut(cnn);
    assert.ok(existsSync(cnn), 'tiny.cnn was written beside lenet5.cnn');
    assert.match(readFileSync(cnn, 'utf8'), /network Tiny \{\n {2}input\(3x8x8\)\n {2}conv\(4, 3, padding=1\)/);
    // 4·3·9 + 4 + 2·4 + 2 = 122 float32 values after the safetensors header.
    assert.ok(statSync(join(folder, 'tiny.safetensors')).size > 122 * 4);
    await page.locator('.tab', { hasText: 'tiny.cnn' }).first().waitFor({ timeout: 30_000 });
    const preview = e2e.webviewFrame(page);
    await preview.locator('[data-testid="totals"]', { hasText: '122 parameters' }).waitFor({ timeout: 90_000 });
    assert.equal(await weightsLoaded('tiny.safetensors'), 'file:tiny.safetensors');
  });

  it('imports a dropped .keras archive with the weights of its model.weights.h5, and previews it with them', async function () {
    requirePython(this, ['torch', 'h5py']);
    const { dir, facts } = kerasArchives();
    await drop('digits.keras', readFileSync(join(dir, 'digits.keras')));
    const cnn = join(folder, 'digits.cnn');
    await writtenOut(cnn);
    assert.ok(existsSync(cnn), 'digits.cnn was written beside lenet5.cnn');
    assert.match(readFileSync(cnn, 'utf8'), /network Digits \{\n {2}input\(3x16x16\)/);
    // Every value of the archive's variables, as float32, after the safetensors header.
    const { trainable, nonTrainable } = facts.digits;
    assert.ok(statSync(join(folder, 'digits.safetensors')).size > (trainable + nonTrainable) * 4);
    await page.locator('.tab', { hasText: 'digits.cnn' }).first().waitFor({ timeout: 30_000 });
    const total = (trainable + nonTrainable).toLocaleString('en-US');
    await e2e
      .webviewFrame(page)
      .locator('[data-testid="totals"]', { hasText: `${total} parameters` })
      .waitFor({ timeout: 90_000 });
    assert.equal(await weightsLoaded('digits.safetensors'), 'file:digits.safetensors');
  });
});
