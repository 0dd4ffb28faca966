/**
 * Receptive fields in the whole preview panel (the real dist/webview/main.js
 * in headless Chromium): a click on a feature-map pixel draws that unit's
 * field on the input, and the rectangles must be the window and the visible
 * box that `cnn rf --json` prints for the same unit (the CLI, a separate
 * program over the core); the diagram marks the layers on its paths; the
 * effective field gives its mass shares; paths that disagree are named; the
 * diagram's hover card gives size, jump and start. With
 * CNN_LENS_SCREENSHOT=FILE the VGG-16 test also writes the README's screenshot.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import type { HostMessage } from '../../src/protocol/preview';
import { launchChromium, startStaticServer } from './browser';

/** Stands in for VS Code's webview API, as panel.test.ts does. */
const fakeVsCode = `
  window.__posted = [];
  window.__state = undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(message),
    getState: () => window.__state,
    setState: (state) => { window.__state = state; },
  });
`;

interface CliField {
  outShape: number[];
  window: [number, number][];
  visible: [number, number][] | null;
}

/** `cnn rf --json FILE --line L --at I,J`, from the built CLI. */
function cliField(file: string, line: number, at: number[]): CliField {
  const run = spawnSync('node', ['dist/cli.js', 'rf', '--json', file, '--line', String(line), '--at', at.join(',')], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr || run.stdout);
  return JSON.parse(run.stdout) as CliField;
}

async function send(page: Page, message: HostMessage): Promise<void> {
  await page.evaluate((m) => (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage(m, '*'), message as unknown as Record<string, unknown>);
}

async function waitForText(locator: Locator, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.count()) ? await locator.first().innerText() : '';
    if (pattern.test(text)) return text;
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`never matched ${pattern}; it reads "${text}"`);
}

/** The rectangle's geometry in input positions, as inclusive index ranges per axis (rows then columns, or positions). */
async function rectRanges(rect: Locator, axes: 1 | 2): Promise<[number, number][]> {
  const [x, y, width, height] = await Promise.all(['x', 'y', 'width', 'height'].map(async (name) => Number(await rect.getAttribute(name))));
  const columns: [number, number] = [x, x + width - 1];
  return axes === 1 ? [columns] : [[y, y + height - 1], columns];
}

/** Clicks (or, with Shift held, moves over) the map of `channel` at output position (row, column) of an H x W (or 1 x L) map, at the centre of that pixel. */
async function pointAt(page: Page, channel: number, row: number, column: number, height: number, width: number, how: 'click' | 'hover' = 'click'): Promise<void> {
  const canvas = page.locator(`[data-testid="feature-map"][data-channel="${channel}"]`);
  const box = (await canvas.boundingBox())!;
  const position = { x: ((column + 0.5) / width) * box.width, y: ((row + 0.5) / height) * box.height };
  // No waiting after the click: the effective field it starts holds the page's thread for a while (see receptiveFieldPanel.ts).
  if (how === 'click') await canvas.click({ position, noWaitAfter: true });
  else await canvas.hover({ position, modifiers: ['Shift'] });
}

/**
 * Scrolls the diagram with the mouse wheel, as a user does, until `box` is inside it: Fit shows a long network from
 * its top at a readable size, so a late layer starts below the panel (the drawing moves by a transform, which
 * Playwright's own scrolling into view cannot do).
 */
async function scrollDiagramTo(page: Page, box: Locator): Promise<void> {
  const diagram = page.locator('[data-testid="diagram"]');
  for (let step = 0; step < 200; step++) {
    const [area, target] = [await diagram.boundingBox(), await box.boundingBox()];
    if (!area || !target) throw new Error('the diagram or the box is not drawn');
    const below = target.y + target.height - (area.y + area.height);
    const above = area.y - target.y;
    if (below <= 0 && above <= 0) return;
    await page.mouse.move(area.x + area.width / 2, area.y + area.height / 2);
    await page.mouse.wheel(0, below > 0 ? Math.min(below + 20, 400) : -Math.min(above + 20, 400));
    await page.waitForTimeout(20);
  }
  throw new Error('scrolling the diagram never brought the box into view');
}

async function clickUnit(page: Page, channel: number, row: number, column: number, height: number, width: number): Promise<void> {
  await pointAt(page, channel, row, column, height, width, 'click');
}

/** The (row, column) of the brightest pixel of a channel's map: on viridis, brighter is larger. */
async function brightestPixel(page: Page, channel: number): Promise<[number, number]> {
  // A string, because Node's type-check knows no DOM.
  return page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid="feature-map"][data-channel="${channel}"]');
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let best = 0;
    let bestLight = -1;
    for (let p = 0; p < canvas.width * canvas.height; p++) {
      const light = 0.2126 * pixels[p * 4] + 0.7152 * pixels[p * 4 + 1] + 0.0722 * pixels[p * 4 + 2];
      if (light > bestLight) { best = p; bestLight = light; }
    }
    return [Math.floor(best / canvas.width), best % canvas.width];
  })()`);
}

describe('receptive fields in the preview panel', function () {
  this.timeout(900_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  let page: Page;
  let dir = '';
  const errors: string[] = [];
  let version = 0;

  /** Shows `text` in the panel and runs it with the node whose box holds `boxText` (the last such box) selected. */
  async function runSelecting(name: string, text: string, boxText: string | RegExp): Promise<void> {
    await send(page, { type: 'source', uri: `file:///workspace/${name}`, fileName: name, version: ++version, text });
    await waitForText(page.getByTestId('title'), new RegExp(`^${name.replace('.', '\\.')}$`));
    // A first diagram is drawn at once in a quick layout and then in ELK's: scroll and click once the boxes stay put.
    await page.locator('[data-testid="diagram"] [data-layout="final"]').waitFor();
    const box = page.locator('[data-testid="diagram"] .cnnd-node', { hasText: boxText }).last();
    await box.waitFor();
    await scrollDiagramTo(page, box);
    await box.click();
    const before = Number((await page.getByTestId('side').getAttribute('data-runs')) ?? 0);
    await page.getByTestId('run').click();
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${before}`, undefined, { timeout: 480_000 });
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cnn-rf-panel-'));
    server = await startStaticServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // The machine may be busy: VGG-16's effective field on WASM holds the page for a minute there.
    page.setDefaultTimeout(600_000);
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(fakeVsCode);
    await page.goto(`${server.url}/test/webview/panel.html`, { timeout: 120_000 });
    await page.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'), undefined, { timeout: 120_000 });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(errors.join('\n'));
  });

  it('VGG-16 after pool5: corner and centre units draw the window and visible box of `cnn rf`, mark their paths, and give the effective field', async () => {
    const vgg = readFileSync('examples/vgg16.cnn', 'utf8');
    await runSelecting('vgg16.cnn', vgg, /maxpool/);
    await page.locator('[data-testid="feature-map"]').first().waitFor();
    // Shift + move shows the theoretical field alone: the effective one of VGG-16 costs a forward and a backward pass.
    for (const at of [
      [0, 0],
      [3, 3],
      [6, 6],
      [0, 6],
    ]) {
      await pointAt(page, 0, at[0], at[1], 7, 7, 'hover');
      await waitForText(page.getByTestId('rf-title'), new RegExp(`position \\(${at.join(', ')}\\) of maxpool \\(line 13\\)`));
      // Line 22 is the last stage's call; its last layer is pool5.
      const expected = cliField('examples/vgg16.cnn', 22, at);
      assert.deepEqual(expected.outShape, [512, 7, 7]);
      const picture = page.getByTestId('rf-input');
      assert.deepEqual(await rectRanges(picture.getByTestId('rf-window'), 2), expected.window, `window of ${at}`);
      assert.deepEqual(await rectRanges(picture.getByTestId('rf-visible'), 2), expected.visible, `visible of ${at}`);
      assert.equal(expected.window[0][1] - expected.window[0][0] + 1, 212);
    }
    // Every convolution and pooling box up to pool5 is on the paths; the classifier is not.
    const marked = (text: string) => page.locator('[data-testid="diagram"] .cnnd-node.cnnd-path', { hasText: text }).count();
    assert.equal(await marked('conv'), 13);
    assert.equal(await marked('maxpool'), 5);
    assert.equal(await marked('dense'), 0);
    assert.equal(await marked('adaptive'), 0);
    // The effective field of the strongest channel's largest unit (a unit that is off has no gradient).
    await page.getByTestId('maps-order').selectOption('strength');
    const strongest = Number(await page.locator('[data-testid="feature-map"]').first().getAttribute('data-channel'));
    const [row, column] = await brightestPixel(page, strongest);
    // A first pick elsewhere: while its gradient is computed the panel answers (the diagram's hover card comes up),
    // and the next pick cancels it.
    await pointAt(page, strongest, row === 0 ? 6 : 0, column, 7, 7, 'click');
    await page.getByTestId('rf-progress').waitFor();
    await page.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'maxpool' }).last().hover({ timeout: 20_000 });
    await page.getByTestId('rf-card').waitFor({ timeout: 20_000 });
    assert.equal(await page.getByTestId('rf-progress').count(), 1, 'the gradient was still being computed while the diagram answered');
    await pointAt(page, strongest, row, column, 7, 7, 'click');
    await waitForText(page.getByTestId('rf-title'), new RegExp(`position \\(${row}, ${column}\\)`));
    const erf = await waitForText(page.getByTestId('rf-erf'), /50% of the gradient mass lies in [\d,]+ pixels/, 240_000);
    const figure = page.getByTestId('rf-effective-figure');
    const half = Number(await figure.getAttribute('data-half'));
    const most = Number(await figure.getAttribute('data-most'));
    assert.ok(half > 0 && half < most && most <= 1, `${half} < ${most} ≤ 1 (${erf})`);
    // The theoretical field is much larger than what holds half of the gradient.
    assert.ok(half < 0.25, erf);
    await page.getByTestId('rf-effective').waitFor();
    const screenshot = process.env.CNN_LENS_SCREENSHOT;
    if (screenshot) {
      await page.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'maxpool' }).last().hover();
      await page.getByTestId('rf-card').waitFor();
      await page.getByTestId('rf-section').scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshot });
    }
  });

  it("the diagram's hover card gives a layer's size, jump and start, and sketches the field", async () => {
    // VGG-16's pool5 (from the test before): 212x212, jump 32, start 15.5, as `cnn summary` and the editor's hover give.
    const pool5 = page.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'maxpool' }).last();
    await scrollDiagramTo(page, pool5);
    await pool5.hover();
    assert.equal(await page.getByTestId('rf-card-facts').innerText(), 'Receptive field 212x212, jump 32x32, start (15.5, 15.5)');
    const sketch = page.getByTestId('rf-sketch-field');
    // Unit 0's field, centred on input pixel 15.5 and 212 wide, starts at 15.5 + 0.5 - 106 = -90 (in pixel-edge units).
    assert.equal(Number(await sketch.getAttribute('x')), -90);
    assert.equal(Number(await sketch.getAttribute('width')), 212);
  });

  it('paths that disagree: a kernel-2 "same" body beside its shortcut is named with both centres', async () => {
    const source = readFileSync('test/data/diagnostics/misaligned.cnn', 'utf8');
    await runSelecting('misaligned.cnn', source, /add/);
    await clickUnit(page, 0, 5, 7, 32, 32);
    const text = await waitForText(page.getByTestId('rf-disagreement'), /disagree/);
    assert.match(text, /The paths into add \(line 5\) disagree on where this unit looks: from conv \(line 4\) centred on \(5\.5, 7\.5\), 2x2; from identity \(line 3\) centred on \(5, 7\), 1x1\./);
    const file = join(dir, 'misaligned.cnn');
    writeFileSync(file, source);
    const expected = cliField(file, 5, [5, 7]);
    assert.deepEqual(await rectRanges(page.getByTestId('rf-input').getByTestId('rf-visible'), 2), expected.visible);
  });

  it("the keyboard: a focused map's arrow keys move the unit, Enter computes its effective field, and the unit is announced", async () => {
    const source = 'network Keys {\n  input(3x32x32)\n  conv(4, 3, padding=1)\n  relu\n  maxpool(2)\n  conv(4, 3, stride=2, padding=1)\n}\n';
    await runSelecting('keys.cnn', source, /conv/);
    const file = join(dir, 'keys.cnn');
    writeFileSync(file, source);
    const map = page.locator('[data-testid="feature-map"][data-channel="1"]');
    await map.focus();
    // The cursor starts at the centre of the 8x8 map, (3, 3): right once, down twice.
    for (const key of ['ArrowRight', 'ArrowDown', 'ArrowDown']) await page.keyboard.press(key);
    await waitForText(page.getByTestId('rf-title'), /channel 1, position \(5, 4\)/);
    const expected = cliField(file, 6, [5, 4]);
    const picture = page.getByTestId('rf-input');
    assert.deepEqual(await rectRanges(picture.getByTestId('rf-window'), 2), expected.window);
    assert.deepEqual(await rectRanges(picture.getByTestId('rf-visible'), 2), expected.visible);
    const [rows, columns] = expected.window.map(([lo, hi]) => `${lo < 0 ? `\u2212${-lo}` : lo}–${hi}`);
    assert.equal(await page.getByTestId('rf-announcer').getAttribute('aria-live'), 'polite');
    await waitForText(page.getByTestId('rf-announcer'), new RegExp(`^Channel 1, position \\(5, 4\\): the field is rows ${rows}, columns ${columns}`));
    // Arrows show the theoretical field alone, as Shift + move does; Enter computes the effective one, as a click.
    assert.match(await page.getByTestId('rf-erf').innerText(), /click the pixel to compute it/);
    await page.keyboard.press('Enter');
    await waitForText(page.getByTestId('rf-erf'), /50% of the gradient mass lies in [\d,]+ pixels/);
    // The diagram marks the paths as for a click: both convolutions and the pooling.
    const marked = (text: string) => page.locator('[data-testid="diagram"] .cnnd-node.cnnd-path', { hasText: text }).count();
    assert.equal(await marked('conv'), 2);
    assert.equal(await marked('maxpool'), 1);
  });

  it('a 1-D network: the field is a span on the signal', async () => {
    const source = 'network Signal {\n  input(1x64)\n  conv(4, 5, padding=2)\n  relu\n  conv(4, 3, stride=2, padding=1)\n}\n';
    await runSelecting('signal.cnn', source, /conv/);
    const file = join(dir, 'signal.cnn');
    writeFileSync(file, source);
    for (const at of [0, 15, 31]) {
      await clickUnit(page, 1, 0, at, 1, 32);
      await waitForText(page.getByTestId('rf-title'), new RegExp(`position \\(${at}\\)`));
      const expected = cliField(file, 5, [at]);
      const picture = page.getByTestId('rf-input');
      assert.deepEqual(await rectRanges(picture.getByTestId('rf-window'), 1), expected.window, `window of ${at}`);
      assert.deepEqual(await rectRanges(picture.getByTestId('rf-visible'), 1), expected.visible, `visible of ${at}`);
    }
  });

  it('a 3-D network: frames × box, on the frame strip and the middle visible frame', async () => {
    const source = 'network Clip {\n  input(1x8x16x16)\n  conv(2, 3, padding=1)\n  maxpool(2)\n}\n';
    await runSelecting('clip.cnn', source, /maxpool/);
    const file = join(dir, 'clip.cnn');
    writeFileSync(file, source);
    // The maps show the middle frame (2 of 0..3) first.
    await clickUnit(page, 0, 0, 7, 8, 8);
    await waitForText(page.getByTestId('rf-title'), /position \(2, 0, 7\)/);
    const expected = cliField(file, 4, [2, 0, 7]);
    const frames = await rectRanges(page.getByTestId('rf-input-frames').getByTestId('rf-visible'), 1);
    const box = await rectRanges(page.getByTestId('rf-input').getByTestId('rf-visible'), 2);
    assert.deepEqual([...frames, ...box], expected.visible);
    const windowFrames = await rectRanges(page.getByTestId('rf-input-frames').getByTestId('rf-window'), 1);
    const windowBox = await rectRanges(page.getByTestId('rf-input').getByTestId('rf-window'), 2);
    assert.deepEqual([...windowFrames, ...windowBox], expected.window);
  });
});
