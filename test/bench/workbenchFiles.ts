/**
 * 1 MB files opened in the workbench (code-server, the extension installed
 * from a .vsix of this build), as the user waits for them: Quick Open to the
 * editor, to the status bar's figures for the file, and the longest the
 * workbench's page stopped answering in the ten seconds after; the first and
 * the last beside the same text opened as plain text (VS Code's own part: it
 * lays out and draws a megabyte without us).
 * Opening the 1 MB one-line file once froze the workbench for 38 s, while it
 * fitted 5,000 inlay hints among 300,000 semantic tokens on one line; hints
 * and tokens now stop where VS Code stops drawing a line (renderedColumns.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Page } from 'playwright-core';
import * as e2e from '../e2e/codeServer';
import { megabyteFiles } from '../megabyteFiles';
import { summarise, type Figure } from './figure';

/** The files timed, by their names in megabyteFiles.ts: two of one line, two of many. */
const timed = ['one line of statements', 'calls of one small block', '50,000 lines of conv/batchnorm/relu', 'small networks'];

/** How long after the status bar's figure the page's answers are watched. */
const watchMs = 10_000;

/**
 * The longest round trip to the page's thread over `watchMs`, asked every
 * 100 ms: while the workbench lays out or draws, the page cannot answer.
 */
async function longestStall(page: Page): Promise<number> {
  let longest = 0;
  const until = Date.now() + watchMs;
  while (Date.now() < until) {
    const start = Date.now();
    await page.evaluate(() => 0);
    longest = Math.max(longest, Date.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return longest;
}

/** Every editor closed, so that the next file is the only one the workbench draws. */
async function closeEditors(page: Page): Promise<void> {
  await e2e.runCommand(page, 'View: Close All Editors');
}

/** Each file's figures, over `runs` fresh code-servers. */
export async function workbenchFileFigures(runs = 3): Promise<Figure[]> {
  const files = timed.map((name) => {
    const file = megabyteFiles().find((candidate) => candidate.name === name);
    if (!file) throw new Error(`no 1 MB file named "${name}"`);
    return file;
  });
  const vsix = e2e.packageVsix();
  const toEditor = files.map(() => [] as number[]);
  const plainToEditor = files.map(() => [] as number[]);
  const toStatus = files.map(() => [] as number[]);
  const stalls = files.map(() => [] as number[]);
  const plainStalls = files.map(() => [] as number[]);
  for (let run = 0; run < runs; run++) {
    const folder = mkdtempSync(join(tmpdir(), 'cnn-lens-workbench-files-'));
    files.forEach((file, i) => {
      writeFileSync(join(folder, `file${i}.cnn`), file.text);
      writeFileSync(join(folder, `file${i}.txt`), file.text);
    });
    writeFileSync(join(folder, 'warm.cnn'), 'network Warm { input(3x8x8); conv(4, 3) }\n');
    const server = await e2e.startCodeServer({ folder, extensionVsix: vsix, settings: { 'workbench.editor.enablePreview': false } });
    const page = await e2e.openWorkbench(server);
    try {
      // The extension activates and its server starts with the first .cnn file: a small one, so that the figures below are the files' own.
      await e2e.openFile(page, 'warm.cnn');
      await page.locator('.statusbar-item', { hasText: 'Warm: ' }).first().waitFor({ timeout: 120_000 });
      await closeEditors(page);
      for (const [i, file] of files.entries()) {
        const network = /network (\w+)/.exec(file.text)![1];
        const start = Date.now();
        await e2e.openFile(page, `file${i}.cnn`);
        toEditor[i].push(Date.now() - start);
        // The status bar names the network at the cursor, with its figures, once the server has answered.
        await page
          .locator('.statusbar-item', { hasText: `${network}: ` })
          .first()
          .waitFor({ timeout: 120_000 })
          .catch(async (error: Error) => {
            const shot = join(tmpdir(), `cnn-lens-workbench-file${i}.png`);
            await e2e.screenshot(page, shot).catch(() => undefined);
            throw new Error(`${error.message} (the workbench: ${shot})`);
          });
        toStatus[i].push(Date.now() - start);
        stalls[i].push(await longestStall(page));
        await closeEditors(page);
        const plainStart = Date.now();
        await e2e.openFile(page, `file${i}.txt`);
        plainToEditor[i].push(Date.now() - plainStart);
        plainStalls[i].push(await longestStall(page));
        await closeEditors(page);
      }
    } finally {
      await e2e.cleanUp({ page, server });
      rmSync(folder, { recursive: true, force: true });
    }
  }
  rmSync(dirname(vsix), { recursive: true, force: true });
  return files.flatMap((file, i) => [
    summarise(`Quick Open → the editor (code-server): ${file.name}`, 2000, toEditor[i]),
    summarise('  … the same text opened as plain text (VS Code alone)', 2000, plainToEditor[i]),
    summarise("  Quick Open → the status bar's figures for the file", 2000, toStatus[i]),
    summarise(`  the longest the workbench stalled in the ${watchMs / 1000} s after`, 1000, stalls[i]),
    summarise('  … the same text opened as plain text (VS Code alone)', 1000, plainStalls[i]),
  ]);
}
