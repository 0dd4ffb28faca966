/**
 * Training memory in a real VS Code (code-server with the packaged .vsix): a
 * user who sets batch 64 and Adam sees ResNet-50's peak training memory in
 * the status bar, the figure `cnn check --json` gives, and watches it move
 * when a layer changes.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { bytesText } from '../../src/core/format';
import * as e2e from './codeServer';

/** `cnn check --json --batch 64 --optimizer adam`'s training peak of the file, in bytes. */
function cliPeak(path: string): number {
  const run = spawnSync(process.execPath, ['dist/cli.js', 'check', '--json', '--batch', '64', '--optimizer', 'adam', path], { encoding: 'utf8' });
  return JSON.parse(run.stdout).files[0].networks[0].memory.trainingPeak;
}

/** The CNN Lens status bar entry's text once it matches `pattern`. */
async function statusText(page: Page, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const item = page.locator('.statusbar-item', { hasText: 'ResNet50' }).first();
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await item.innerText().catch(() => '')).trim();
    if (pattern.test(text)) return text;
    await new Promise((done) => setTimeout(done, 300));
  }
  assert.fail(`the status bar never showed ${pattern}; last: "${text}"`);
}

describe('real VS Code: peak training memory in the status bar', function () {
  this.timeout(300_000);
  let folder: string;
  let server: e2e.CodeServer;
  let page: Page;

  before(async () => {
    e2e.ensureTools();
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-e2e-memory-'));
    copyFileSync('examples/resnet50.cnn', join(folder, 'resnet50.cnn'));
    server = await e2e.sharedCodeServer(folder, { 'files.autoSave': 'off', 'cnnLens.training.batchSize': 64, 'cnnLens.training.optimizer': 'adam' });
    page = await e2e.openWorkbench(server);
    await e2e.openFile(page, 'resnet50.cnn');
  });

  after(() => e2e.cleanUp({ page, server, folder }));

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await e2e.screenshot(page, `out/e2e/${this.currentTest.title.replace(/\W+/g, '-')}.png`);
  });

  it('shows the peak at batch 64 with Adam, as the command line computes it, and follows an edit', async () => {
    const peak = bytesText(cliPeak('examples/resnet50.cnn'));
    const text = await statusText(page, /train/);
    assert.match(text, /ResNet50: 25\.6M params → 1000/);
    assert.ok(text.includes(`${peak} train`), `status bar "${text}" should show ${peak}`);

    // Make the stem convolution keep full resolution: four times the pixels downstream, a larger peak.
    await page.locator('.editor-instance .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(':56:22');
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    // The cursor is before the stride's 2: make it 1.
    await page.keyboard.press('Delete');
    await page.keyboard.type('1');
    const edited = join(folder, 'edited.cnn');
    writeFileSync(edited, readFileSync('examples/resnet50.cnn', 'utf8').replace('conv(64, 7, stride=2', 'conv(64, 7, stride=1'));
    const larger = bytesText(cliPeak(edited));
    assert.notEqual(larger, peak);
    await statusText(page, new RegExp(`${larger.replace('.', '\\.')} train`));
  });
});
