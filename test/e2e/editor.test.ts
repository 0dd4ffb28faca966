/**
 * CNN Lens in a real VS Code: the packaged .vsix installed into code-server,
 * driven through headless Chromium like a user would (see README.md here and
 * shared/REAL-EDITOR.md). Opens a LeNet-5 with a wrong assertion and checks the
 * squiggle, the Problems entry, the hover's filled-in formula, the inlay
 * shapes, and that the quick fix repairs the file.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import * as e2e from './codeServer';

describe('real VS Code (code-server) with the packaged extension', function () {
  // A cold tool install takes about two minutes; the workbench itself a few seconds.
  this.timeout(300_000);
  let folder: string;
  let server: e2e.CodeServer;
  let page: Page;

  before(async () => {
    e2e.ensureTools();
    // A copy, because the quick fix edits and saves the file.
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-e2e-'));
    cpSync('test/data/e2e', folder, { recursive: true });
    server = await e2e.sharedCodeServer(folder, { 'files.autoSave': 'off', 'editor.inlayHints.enabled': 'on' });
    page = await e2e.openWorkbench(server);
    await e2e.openFile(page, 'lenet-broken.cnn');
  });

  after(() => e2e.cleanUp({ page, server, folder }));

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && page) await e2e.screenshot(page, `out/e2e/${this.currentTest.title.replace(/\W+/g, '-')}.png`);
  });

  it('lists the wrong assertion in Problems with its code and the filled-in formula', async () => {
    const rows = await e2e.waitForProblems(page, (found) => found.some((row) => row.code.includes('shape-mismatch')), 60_000);
    const row = rows.find((r) => r.code.includes('shape-mismatch'))!;
    assert.equal(row.severity, 'error');
    assert.equal(row.line, 4);
    assert.match(row.message, /Expected 6x30x30 but conv gives 6x28x28/);
    assert.match(row.message, /floor\(\(32 \+ 2\*0 - 1\*\(5-1\) - 1\)\/1 \+ 1\) = 28/);
    // Only this one error: the statements after it are still analysed from the computed shape.
    assert.equal(rows.filter((r) => r.severity === 'error').length, 1, JSON.stringify(rows));
  });

  it('draws a squiggle under the assertion', async () => {
    const squiggles = page.locator('.editor-instance .monaco-editor .squiggly-error');
    await squiggles.first().waitFor({ timeout: 20_000 });
    assert.ok((await squiggles.count()) >= 1);
  });

  it('shows the output-size formula with the numbers filled in on hover', async () => {
    let text = '';
    for (let attempt = 0; attempt < 5 && !/= 28/.test(text); attempt++) text = await e2e.hoverAt(page, 7, 'conv');
    // conv(16, 5) on 6x14x14: floor((14 + 0 - 4 - 1)/1 + 1) = 10.
    assert.match(text, /6x14x14 → 16x10x10|6x14x14 -> 16x10x10/);
    assert.match(text, /floor\(\(14 \+ 2\*0 - 1\*\(5-1\) - 1\)\/1 \+ 1\) = 10/);
    assert.match(text, /2,416/); // 6*16*25 + 16 parameters
  });

  it('shows each statement’s output shape as an inlay hint', async () => {
    let hints: e2e.InlayHint[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      hints = await e2e.inlayHints(page);
      if (hints.some((h) => h.label.includes('16x10x10'))) break;
      await new Promise((done) => setTimeout(done, 300));
    }
    const byLine = new Map(hints.map((h) => [h.line, h.label]));
    assert.match(byLine.get(6) ?? '', /6x14x14/, JSON.stringify(hints));
    assert.match(byLine.get(7) ?? '', /16x10x10/, JSON.stringify(hints));
  });

  it('repairs the file with the quick fix "Change the assertion"', async () => {
    await page.locator('.editor-instance .monaco-editor textarea').first().focus();
    await page.keyboard.press('Control+G');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(':4:27');
    await page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    // The palette command is what Ctrl+. runs; the browser may keep Ctrl+. for itself.
    await e2e.runCommand(page, 'Quick Fix...');
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Change the assertion to -> 6x28x28' }).first();
    try {
      await fix.waitFor({ timeout: 20_000 });
    } catch (error) {
      const offered = await page.locator('.action-widget').allInnerTexts();
      throw new Error(`no such quick fix; the widget offered: ${JSON.stringify(offered)}`, { cause: error });
    }
    await fix.click();
    await page.keyboard.press('Control+S');
    const path = join(folder, 'lenet-broken.cnn');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !readFileSync(path, 'utf8').includes('-> 6x28x28')) await new Promise((done) => setTimeout(done, 200));
    assert.match(readFileSync(path, 'utf8'), /conv\(6, 5\)\s+-> 6x28x28/);
    // And the error is gone from Problems.
    await e2e.waitForProblems(page, (rows) => !rows.some((r) => r.severity === 'error'), 30_000);
  });
});
