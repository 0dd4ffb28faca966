/**
 * The whole preview panel (the real dist/webview/main.js bundle) in headless
 * Chromium, with VS Code's side played by the test: it posts the host's
 * messages and reads what the panel posts back. Covers the wiring that the
 * unit suites cannot: source → diagram, click → reveal, cursor → highlight,
 * Run → feature maps, top-5 after softmax, live edits, errors shown in words.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { checkWebviewMessage, type HostMessage, type WebviewMessage } from '../../src/protocol/preview';
import { encodeSafetensors } from '../../src/core/safetensors';
import { analyze } from '../../src/core';
import { layoutDiagram, saveLayout } from '../../webview/src/diagram/layout';
import { buildDiagramModel } from '../../webview/src/diagram/model';
import { launchChromium, startStaticServer } from './browser';
import { tinyOnnxModel } from '../import/tinyOnnx';

/** Stands in for VS Code's webview API: records posted messages and keeps the state. */
const fakeVsCode = `
  window.__posted = [];
  window.__state = undefined;
  window.acquireVsCodeApi = () => ({
    postMessage: (message) => window.__posted.push(message),
    getState: () => window.__state,
    setState: (state) => { window.__state = state; },
  });
`;

async function posted(page: Page): Promise<WebviewMessage[]> {
  return page.evaluate(() => (globalThis as unknown as { __posted: WebviewMessage[] }).__posted);
}

/** Waits until the element with `testId` has text matching `pattern`. */
async function waitForText(page: Page, testId: string, pattern: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await page.getByTestId(testId).innerText();
    if (pattern.test(text)) return;
    await page.waitForTimeout(50);
  }
  throw new Error(`${testId} never matched ${pattern}; it reads "${text}"`);
}

async function send(page: Page, message: HostMessage): Promise<void> {
  await page.evaluate((m) => (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage(m, '*'), message as unknown as Record<string, unknown>);
}

/**
 * Answers the panel's latest `pickFile` request as the extension host would:
 * with the bytes as a Uint8Array (as the host posts them now), or as the JSON
 * form of a Node Buffer (as they arrived in real VS Code before the fix).
 */
async function answerPickFile(page: Page, name: string, bytes: number[], as: 'bytes' | 'buffer-json', labels?: string[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  let request: WebviewMessage | undefined;
  while (!(request = (await posted(page)).filter((m) => m.type === 'pickFile').pop()) && Date.now() < deadline) await page.waitForTimeout(50);
  assert.ok(request && request.type === 'pickFile', 'the panel asked for a file');
  await page.evaluate(
    ({ requestId, name, bytes, as, labels }) => {
      const data = as === 'bytes' ? new Uint8Array(bytes) : { type: 'Buffer', data: bytes };
      (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage({ type: 'file', requestId, name, bytes: data, ...(labels ? { labels } : {}) }, '*');
    },
    { requestId: request.requestId, name, bytes, as, labels },
  );
}

function sourceMessage(name: string, text: string, version = 1, weights?: string): HostMessage {
  return { type: 'source', uri: `file:///workspace/${name}`, fileName: name, version, text, weights };
}

describe('the preview panel in headless Chromium', function () {
  this.timeout(180_000);
  let browser: Browser;
  let server: Awaited<ReturnType<typeof startStaticServer>>;
  let page: Page;
  const errors: string[] = [];
  const lenet = readFileSync('examples/lenet5.cnn', 'utf8');
  const lenetLines = lenet.split('\n');

  before(async () => {
    server = await startStaticServer();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    await page.addInitScript(fakeVsCode);
    await page.goto(`${server.url}/test/webview/panel.html`);
    await page.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await send(page, sourceMessage('lenet5.cnn', lenet));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') console.log(errors.join('\n'));
  });

  it('draws one node per layer and the network totals', async () => {
    const nodes = page.locator('[data-testid="diagram"] .cnnd-node');
    await nodes.first().waitFor();
    const layers = lenetLines.filter((line) => /^\s+[a-z_]+(\(|\s*$|\s*->)/.test(line)).length;
    assert.equal(await nodes.count(), layers);
    assert.match(await page.getByTestId('totals').innerText(), /61,706 parameters/);
    assert.equal(await page.getByTestId('title').innerText(), 'lenet5.cnn');
  });

  it('prepares a run in the background once the diagram is drawn (before any Run), and says so', async () => {
    await page.locator('[data-testid="side"][data-prepared]').waitFor({ timeout: 60_000 });
    assert.equal(await page.getByTestId('side').getAttribute('data-runs'), null, 'no run has happened');
  });

  it('asks the editor to reveal the statement of a clicked node', async () => {
    await page.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'dense' }).first().click();
    const reveal = (await posted(page)).filter((m) => m.type === 'reveal').pop();
    assert.ok(reveal && reveal.type === 'reveal');
    assert.equal(reveal.uri, 'file:///workspace/lenet5.cnn');
    assert.equal(
      reveal.range.start.line,
      lenetLines.findIndex((l) => /^\s+dense\(120/.test(l)),
    );
  });

  it('highlights the node under the editor cursor', async () => {
    const line = lenetLines.findIndex((l) => /^\s+conv\(16/.test(l));
    await send(page, { type: 'cursor', uri: 'file:///workspace/lenet5.cnn', line });
    const highlighted = page.locator('[data-testid="diagram"] .cnnd-node.cnnd-highlight');
    await highlighted.first().waitFor();
    assert.equal(await highlighted.count(), 1);
    assert.match((await highlighted.textContent()) ?? '', /conv/);
  });

  it('runs the forward pass and shows every channel of the selected layer', async () => {
    await page.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'conv' }).first().click();
    await page.getByTestId('run').click();
    const maps = page.locator('[data-testid="feature-map"]');
    await maps.first().waitFor({ timeout: 60_000 });
    assert.equal(await maps.count(), 6, 'conv(6, 5) has 6 channels');
    assert.match(await page.getByTestId('layer-title').innerText(), /6x28x28/);
    assert.match(await page.getByTestId('backend-note').innerText(), /Backend: (wasm|webgl|webgpu|cpu)\./);
    // A software GPU never beats WASM here, so the automatic choice must not be one.
    assert.doesNotMatch(await page.getByTestId('backend-note').innerText(), /Backend: (webgl|webgpu)\./);
    assert.ok((await page.locator('[data-testid="timing"]').count()) > 0, 'per-layer timing is shown');
    assert.ok((await page.locator('[data-testid="histogram"]').count()) > 0, 'a histogram is shown');
  });

  it('shows any other layer after one run, read from the outputs the run kept, without running again', async () => {
    const runs = await page.getByTestId('side').getAttribute('data-runs');
    // The second convolution, then the pooling after it: neither was read back during the run (the first convolution was selected).
    for (const [index, op, shape, channels] of [
      [1, 'conv', '16x10x10', 16],
      [1, 'avgpool', '16x5x5', 16],
    ] as const) {
      await page.locator('[data-testid="diagram"] .cnnd-node', { hasText: op }).nth(index).click();
      await waitForText(page, 'layer-title', new RegExp(`${op}.*→ ${shape}$`));
      await page
        .locator('[data-testid="feature-map"]')
        .nth(channels - 1)
        .waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('[data-testid="feature-map"]').count(), channels);
    }
    assert.equal(await page.getByTestId('side').getAttribute('data-runs'), runs, 'no run happened');
  });

  it('shows the top 5 of a network that ends in dense after a softmax it applies, and says so', async () => {
    const caption = await page.getByTestId('top-caption').innerText();
    assert.match(caption, /^Top 5 of 10 classes \(after a softmax the panel applies: dense gives logits\)$/);
    const probabilities = await page
      .locator('[data-testid="top-class"]')
      .evaluateAll((rows) => rows.map((row) => Number((row as unknown as { dataset: { probability: string } }).dataset.probability)));
    assert.equal(probabilities.length, 5);
    for (let i = 1; i < 5; i++) assert.ok(probabilities[i] <= probabilities[i - 1], `sorted: ${probabilities}`);
    assert.ok(probabilities.every((p) => p > 0 && p < 1) && probabilities.reduce((a, b) => a + b) <= 1 + 1e-6, `probabilities: ${probabilities}`);
  });

  it('refuses file contents that arrive as a serialised Buffer, and says so instead of reading 0 bytes', async () => {
    await page.getByTestId('weights').selectOption('__pick-weights__');
    await answerPickFile(page, 'w.safetensors', [1, 2, 3], 'buffer-json');
    await waitForText(
      page,
      'messages',
      /Could not read the weights: the extension sent a malformed answer \(host → webview message 'file' rejected: 'bytes' should be bytes .*JSON-serialised Node Buffer/,
    );
    assert.equal(await page.getByTestId('weights').inputValue(), 'he', 'the weights in use stay');
  });

  it('clears the results of the earlier run when a run fails', async () => {
    assert.ok((await page.locator('[data-testid="top-class"]').count()) > 0 && (await page.locator('[data-testid="feature-map"]').count()) > 0, 'results of a run are shown');
    // Weights whose first kernel is 3x3 where LeNet-5 has 5x5: loading them starts a run that fails.
    const wrong = encodeSafetensors([{ name: '0.weight', shape: [6, 1, 3, 3], data: new Float32Array(54) }]);
    await page.getByTestId('weights').selectOption('__pick-weights__');
    try {
      await answerPickFile(page, 'wrong.safetensors', [...wrong], 'bytes');
      await waitForText(page, 'messages', /The forward pass failed: .*expects weight 6x1x5x5/);
      await waitForText(page, 'layer-title', /^No results: the last run failed/);
      assert.equal(await page.locator('[data-testid="top-class"]').count(), 0);
      assert.equal(await page.locator('[data-testid="feature-map"]').count(), 0);
    } finally {
      await page.getByTestId('weights').selectOption('he');
    }
  });

  it('names the classes of a 1,000-way output with the ImageNet names, and says so', async () => {
    await send(page, sourceMessage('imagenet.cnn', 'network Head {\n  input(3x8x8)\n  global_avgpool\n  dense(1000)\n}\n', 30));
    await waitForText(page, 'title', /^imagenet\.cnn$/);
    const before = Number((await page.getByTestId('side').getAttribute('data-runs')) ?? 0);
    await page.getByTestId('run').click();
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${before}`);
    assert.match(await page.getByTestId('top-caption').innerText(), /ImageNet class names/);
    const rows = await page
      .locator('[data-testid="top-class"]')
      .evaluateAll((elements) => elements.map((row) => [Number(row.getAttribute('data-index')), row.querySelector('[data-testid="class-label"]')?.textContent ?? '']));
    const names = (await import('../../webview/src/views/imagenetClasses')).imagenetClassNames;
    assert.equal(rows.length, 5);
    for (const [index, label] of rows) assert.equal(label, names[index as number]);
  });

  it('names the classes from a labels.txt that came with the weights', async () => {
    await send(page, sourceMessage('tiny.cnn', 'network Tiny {\n  input(1x2x2)\n  flatten\n  dense(3)\n}\n', 31));
    await waitForText(page, 'title', /^tiny\.cnn$/);
    // Bias 1, 3, 2 and a zero kernel: the scores rank class 1, then 2, then 0 whatever the input.
    const weights = encodeSafetensors([
      { name: 'fc.weight', shape: [3, 4], data: new Float32Array(12) },
      { name: 'fc.bias', shape: [3], data: Float32Array.from([1, 3, 2]) },
    ]);
    const before = Number((await page.getByTestId('side').getAttribute('data-runs')) ?? 0);
    try {
      await page.getByTestId('weights').selectOption('__pick-weights__');
      await answerPickFile(page, 'tiny.safetensors', [...weights], 'bytes', ['cat', 'dog', 'bird']);
      await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${before}`);
      assert.match(await page.getByTestId('top-caption').innerText(), /names from labels\.txt/);
      assert.deepEqual(await page.locator('[data-testid="class-label"]').allInnerTexts(), ['dog', 'bird', 'cat']);
    } finally {
      // Later tests run other networks on the default weights.
      await page.getByTestId('weights').selectOption('he');
    }
  });

  it('runs once, with the weights, when Run is pressed while picked weights are still arriving', async () => {
    await send(page, sourceMessage('tiny.cnn', 'network Tiny {\n  input(1x2x2)\n  flatten\n  dense(3)\n}\n', 32));
    await waitForText(page, 'title', /^tiny\.cnn$/);
    // Bias 1, 3, 2 and a zero kernel: softmax gives e^3, e^2, e^1 over their sum = 66.5%, 24.5%, 9.0% whatever the input.
    const weights = encodeSafetensors([
      { name: 'fc.weight', shape: [3, 4], data: new Float32Array(12) },
      { name: 'fc.bias', shape: [3], data: Float32Array.from([1, 3, 2]) },
    ]);
    const side = page.getByTestId('side');
    const finished = Number((await side.getAttribute('data-runs')) ?? 0);
    const started = Number((await side.getAttribute('data-started')) ?? 0);
    try {
      await page.getByTestId('weights').selectOption('__pick-weights__');
      await page.getByTestId('run').click();
      // The tiny network runs in milliseconds: a run that did not wait for the weights would be over by now.
      await page.waitForTimeout(500);
      assert.equal(Number((await side.getAttribute('data-runs')) ?? 0), finished, 'the run waits for the weights');
      await answerPickFile(page, 'tiny.safetensors', [...weights], 'bytes');
      await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${finished}`);
      // Loading weights starts a run of its own when none waits for them: give a second run the time to show.
      await page.waitForTimeout(500);
      assert.equal(Number(await side.getAttribute('data-started')), started + 1, 'one run started');
      assert.equal(Number(await side.getAttribute('data-runs')), finished + 1, 'one run finished');
      const e = [1, 3, 2].map(Math.exp);
      const sum = e[0] + e[1] + e[2];
      const expected = [1, 2, 0].map((k) => `${((100 * e[k]) / sum).toFixed(1)}%`);
      assert.deepEqual(expected, ['66.5%', '24.5%', '9.0%']);
      assert.deepEqual(await page.locator('[data-testid="class-percent"]').allInnerTexts(), expected);
      assert.doesNotMatch(await page.getByTestId('messages').innerText(), /cancelled/);
    } finally {
      await page.getByTestId('weights').selectOption('he');
    }
  });

  it('runs once, with them, when Run is pressed before the weights an imported model announced have come', async () => {
    // Import Model… opens the preview with the weights it wrote: the source names them, the weights message follows.
    await send(page, sourceMessage('tiny.cnn', 'network Tiny {\n  input(1x2x2)\n  flatten\n  dense(3)\n}\n', 34, 'tiny.safetensors'));
    await waitForText(page, 'title', /^tiny\.cnn$/);
    // Bias 2, 1, 3 and a zero kernel: softmax ranks class 2, then 0, then 1 whatever the input.
    const weights = encodeSafetensors([
      { name: 'fc.weight', shape: [3, 4], data: new Float32Array(12) },
      { name: 'fc.bias', shape: [3], data: Float32Array.from([2, 1, 3]) },
    ]);
    const side = page.getByTestId('side');
    const finished = Number((await side.getAttribute('data-runs')) ?? 0);
    const started = Number((await side.getAttribute('data-started')) ?? 0);
    try {
      await page.getByTestId('run').click();
      await page.waitForTimeout(500);
      assert.equal(Number((await side.getAttribute('data-runs')) ?? 0), finished, 'the run waits for the announced weights');
      await page.evaluate(
        (bytes) => (globalThis as unknown as { postMessage(message: unknown, origin: string): void }).postMessage({ type: 'weights', name: 'tiny.safetensors', bytes: new Uint8Array(bytes) }, '*'),
        [...weights],
      );
      await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${finished}`);
      await page.waitForTimeout(500);
      assert.equal(Number(await side.getAttribute('data-started')), started + 1, 'one run started');
      assert.equal(Number(await side.getAttribute('data-runs')), finished + 1, 'one run finished');
      const e = [2, 1, 3].map(Math.exp);
      const sum = e[0] + e[1] + e[2];
      assert.deepEqual(
        await page.locator('[data-testid="class-percent"]').allInnerTexts(),
        [2, 0, 1].map((k) => `${((100 * e[k]) / sum).toFixed(1)}%`),
      );
    } finally {
      await page.getByTestId('weights').selectOption('he');
    }
  });

  it('gives a Run pressed during the warm-up pass the outputs of a Run after it', async () => {
    const conv = '  conv(24, 3, padding=1)\n  relu\n';
    await send(page, sourceMessage('warm.cnn', `network Warm {\n  input(3x96x96)\n${conv.repeat(8)}  global_avgpool\n  flatten\n  dense(10)\n  softmax\n}\n`, 33));
    await waitForText(page, 'title', /^warm\.cnn$/);
    const side = page.getByTestId('side');
    const finished = Number((await side.getAttribute('data-runs')) ?? 0);
    // Clicked in the page the moment the panel says its warm-up pass is under way, so the click lands inside it.
    await page.waitForFunction(
      `(() => {
        const side = document.querySelector('[data-testid="side"]');
        if (side?.dataset.preparing !== 'warm-up' || side.dataset.prepared) return false;
        document.querySelector('[data-testid="run"]').click();
        return true;
      })()`,
      undefined,
      { timeout: 60_000, polling: 10 },
    );
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${finished}`, undefined, { timeout: 60_000 });
    const shown = async () => ({
      classes: await page.locator('[data-testid="top-class"]').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-index')} ${row.textContent}`)),
      maps: await page.getByTestId('maps').innerText(),
      histogram: await page.locator('[data-testid="side"] .histogram').innerText(),
    });
    const duringWarmUp = await shown();
    assert.equal(duringWarmUp.classes.length, 5);
    await page.getByTestId('run').click();
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${finished + 1}`, undefined, { timeout: 60_000 });
    assert.deepEqual(await shown(), duringWarmUp);
  });

  it('says what a Run pressed at once waits for (the filters, counted), stops waiting on Cancel, and gives the outputs of a later Run', async () => {
    // Six convolutions, each with its batch norm folded in: six filters to lay out (and share with the workers) before the pass.
    const block = '  conv(64, 3, padding=1, bias=false)\n  batchnorm\n  relu\n';
    const network = (name: string) => `network ${name} {\n  input(3x32x32)\n${block.repeat(6)}  global_avgpool\n  flatten\n  dense(10)\n  softmax\n}\n`;
    // Every text the status beside Run shows, in order; Cancel is clicked the moment it first says it waits for the filters.
    await page.evaluate(`(() => {
      window.__statuses = [];
      const status = document.querySelector('[data-testid="run-status"]');
      new MutationObserver(() => {
        const text = status.textContent ?? '';
        if (text && window.__statuses[window.__statuses.length - 1] !== text) window.__statuses.push(text);
        if (window.__cancelOnFilters && text.startsWith('Preparing the filters')) {
          window.__cancelOnFilters = false;
          document.querySelector('[data-testid="cancel"]').click();
        }
      }).observe(status, { childList: true, characterData: true, subtree: true });
      // Run is clicked the moment it is enabled for the network named in __runWhenShown, as a user who does not wait
      // would: long before the panel's own preparation starts (0.4 s after the text rests), so the Run builds the engine.
      const toolbar = document.querySelector('header.toolbar');
      new MutationObserver(() => {
        const run = document.querySelector('[data-testid="run"]');
        if (!window.__runWhenShown || document.querySelector('[data-testid="title"]').textContent !== window.__runWhenShown || run.disabled) return;
        window.__runWhenShown = undefined;
        run.click();
      }).observe(toolbar, { attributes: true, childList: true, characterData: true, subtree: true });
    })()`);
    const runWhenShown = (fileName: string) => page.evaluate((name) => ((globalThis as unknown as { __runWhenShown: string }).__runWhenShown = name), fileName);
    const statuses = () => page.evaluate(() => (globalThis as unknown as { __statuses: string[] }).__statuses.splice(0));
    const side = page.getByTestId('side');
    const cancelled = page.locator('[data-testid="messages"] .message', { hasText: 'The forward pass was cancelled.' });

    const finished = Number((await side.getAttribute('data-runs')) ?? 0);
    await page.evaluate(() => ((globalThis as unknown as { __cancelOnFilters: boolean }).__cancelOnFilters = true));
    await runWhenShown('wait.cnn');
    await send(page, sourceMessage('wait.cnn', network('Wait'), 34));
    await cancelled.waitFor({ timeout: 60_000 });
    const waited = await statuses();
    assert.match(waited[waited.length - 1], /^Preparing the filters: [1-6] of 6…$/, waited.join(' | '));
    await page.getByTestId('progress').waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('run-status').innerText(), '');
    assert.equal(await side.getAttribute('data-runs'), String(finished), 'the cancelled Run showed nothing');

    // Another network, so its filters are prepared anew: the Run waits for them, then runs.
    await runWhenShown('wait2.cnn');
    await send(page, sourceMessage('wait2.cnn', network('WaitAgain'), 35));
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${finished}`, undefined, { timeout: 60_000 });
    const shownAfterWaiting = await statuses();
    assert.ok(
      shownAfterWaiting.some((text) => /^Preparing the filters: [1-6] of 6…$/.test(text)),
      shownAfterWaiting.join(' | '),
    );
    const shown = async () => ({
      classes: await page.locator('[data-testid="top-class"]').evaluateAll((rows) => rows.map((row) => `${row.getAttribute('data-index')} ${row.textContent}`)),
      maps: await page.getByTestId('maps').innerText(),
      histogram: await page.locator('[data-testid="side"] .histogram').innerText(),
    });
    const first = await shown();
    assert.equal(first.classes.length, 5);
    await page.getByTestId('run').click();
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${finished + 1}`, undefined, { timeout: 60_000 });
    assert.deepEqual(await shown(), first);
    assert.deepEqual(
      (await statuses()).filter((text) => text.startsWith('Preparing')),
      [],
      'a later Run has nothing to wait for',
    );
  });

  it('puts what a Run waits for where it covers no toolbar control, in a wide panel and in a narrow one whose toolbar wraps', async () => {
    const viewport = page.viewportSize();
    try {
      for (const width of [1000, 520, 400]) {
        await page.setViewportSize({ width, height: 720 });
        // The words a Run pressed at once shows (see the test above), put there directly: this checks where they go.
        await page.getByTestId('run-status').evaluate((status) => (status.textContent = 'Preparing the filters: 12 of 21…'));
        const status = (await page.getByTestId('run-status').boundingBox())!;
        assert.ok(status && status.width > 0, `the status shows at ${width} px`);
        const controls = await page.locator('header.toolbar button:not([hidden]), header.toolbar select').evaluateAll((elements) =>
          elements.map((element) => {
            const box = element.getBoundingClientRect();
            return { name: element.getAttribute('data-testid') ?? element.tagName, x: box.x, y: box.y, width: box.width, height: box.height };
          }),
        );
        const covered = controls.filter((c) => c.x < status.x + status.width && status.x < c.x + c.width && c.y < status.y + status.height && status.y < c.y + c.height);
        assert.deepEqual(
          covered.map((c) => c.name),
          [],
          `at ${width} px the status covers controls`,
        );
      }
    } finally {
      await page.getByTestId('run-status').evaluate((status) => (status.textContent = ''));
      if (viewport) await page.setViewportSize(viewport);
    }
  });

  it('shows the top 5 classes of a network that ends in softmax', async () => {
    await send(page, sourceMessage('mnist.cnn', readFileSync('examples/mnist.cnn', 'utf8'), 2));
    await waitForText(page, 'title', /^mnist\.cnn$/);
    const before = Number((await page.getByTestId('side').getAttribute('data-runs')) ?? 0);
    await page.getByTestId('run').click();
    // The results of the run before stay until this one finishes.
    await page.waitForFunction(`Number(document.querySelector('[data-testid="side"]')?.getAttribute('data-runs') ?? 0) > ${before}`, undefined, { timeout: 60_000 });
    const top = page.locator('[data-testid="top-classes"]');
    const text = await top.innerText();
    const percentages = [...text.matchAll(/(\d+(?:\.\d+)?)\s*%/g)].map((m) => Number(m[1]));
    assert.equal(percentages.length, 5, text);
    for (let i = 1; i < 5; i++) assert.ok(percentages[i] <= percentages[i - 1], `sorted: ${text}`);
  });

  it('runs a perceptron on a flattened digit', async () => {
    // input(784) is a 28x28 digit flattened, as an MNIST multilayer perceptron takes it.
    await send(page, sourceMessage('mlp.cnn', 'network MLP {\n  input(784)\n  dense(128)\n  relu\n  dense(10)\n  softmax\n}\n', 8));
    await waitForText(page, 'totals', /101,770 parameters/);
    assert.equal(await page.getByTestId('input').inputValue(), 'digit-3');
    await page.getByTestId('run').click();
    const top = page.locator('[data-testid="top-classes"] [data-testid="top-class"]');
    await top.first().waitFor({ timeout: 60_000 });
    assert.equal(await top.count(), 5);
    assert.deepEqual(await page.locator('[data-testid="messages"] .message.error').allInnerTexts(), []);
  });

  it('shows no totals for a network whose analysis stopped part-way, and the plain totals where only its graph stopped', async () => {
    // A conv of 448 parameters, then a chain of blocks too deep to follow (too-large).
    const chain = Array.from({ length: 829 }, (_, i) => `block D${i} { D${i + 1} }`).join('\n');
    await send(page, sourceMessage('stopped.cnn', `network N {\n  input(3x8x8)\n  conv(16, 3)\n  D0\n}\n${chain}\nblock D829 { relu }\n`, 9));
    await waitForText(page, 'totals', /^totals unknown \(the analysis stopped part-way\) · output \?$/);
    // A million 1x1 convs in nested repeats: the graph stops at the budget, the plain analysis extrapolates the repeats,
    // and the panel shows its totals, as the code lens does: 3·3 + 3 = 12 parameters and 3·3·64 = 576 MACs per conv.
    const deep = 'network Deep {\n  input(3x8x8)\n  repeat(1000) {\n    repeat(1000) {\n      conv(3, 1)\n    }\n  }\n}\n';
    await send(page, sourceMessage('deep.cnn', deep, 10));
    await waitForText(page, 'totals', /^12,000,000 parameters · 576,000,000 MACs · output 3x8x8$/);
  });

  it('re-draws as the user types and keeps the zoom', async () => {
    await send(page, sourceMessage('lenet5.cnn', lenet, 3));
    await waitForText(page, 'totals', /61,706/);
    await page.getByTestId('zoom-in').click();
    const transform = async () => page.locator('[data-testid="diagram"] svg g[transform]').first().getAttribute('transform');
    const zoomed = await transform();
    // conv(6, 5) → conv(8, 5): 8·25 + 8 = 208 instead of 156, and the next conv reads 8 channels: 16·8·25 + 16 = 3,216 instead of 2,416, so 61,706 + 52 + 800 = 62,558.
    const edited = lenet.replace('conv(6, 5)          -> 6x28x28', 'conv(8, 5)          -> 8x28x28');
    await send(page, sourceMessage('lenet5.cnn', edited, 4));
    await waitForText(page, 'totals', /62,558/);
    assert.equal(await transform(), zoomed);
  });

  it('uses an image dropped on the panel as the input', async () => {
    await send(page, sourceMessage('lenet5.cnn', lenet, 7));
    await waitForText(page, 'totals', /61,706/);
    // A 40x40 PNG of a black square on white, made and dropped inside the page (the Node side has no DOM types).
    await page.evaluate(`(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 40;
      canvas.height = 40;
      const g = canvas.getContext('2d');
      g.fillStyle = '#fff';
      g.fillRect(0, 0, 40, 40);
      g.fillStyle = '#000';
      g.fillRect(10, 10, 20, 20);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], 'square.png', { type: 'image/png' }));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    })()`);
    const input = page.getByTestId('input');
    const deadline = Date.now() + 10_000;
    while ((await input.inputValue()) !== 'image:square.png' && Date.now() < deadline) await page.waitForTimeout(50);
    assert.equal(await input.inputValue(), 'image:square.png');
    await page.getByTestId('run').click();
    await page.locator('[data-testid="feature-map"]').first().waitFor({ timeout: 60_000 });
    assert.deepEqual(await page.locator('[data-testid="messages"] .message.error').allInnerTexts(), []);
  });

  it('hands an .onnx file dropped on the panel to the host to import, bytes intact, and keeps the input', async () => {
    const before = await page.getByTestId('input').inputValue();
    const bytes = tinyOnnxModel();
    // Dropped inside the page, as a File (the Node side has no DOM types).
    await page.evaluate(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(${JSON.stringify(Array.from(bytes))})], 'tiny.onnx', { type: 'application/octet-stream' }));
      document.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    })()`);
    const deadline = Date.now() + 10_000;
    let message: WebviewMessage | undefined;
    while (!(message = (await posted(page)).find((m) => m.type === 'importModel')) && Date.now() < deadline) await page.waitForTimeout(50);
    assert.ok(message && message.type === 'importModel', 'the panel posted importModel');
    assert.equal(message.name, 'tiny.onnx');
    assert.deepEqual(Array.from(message.bytes), Array.from(bytes));
    // What crosses postMessage passes the host's boundary check as it is.
    assert.ok(checkWebviewMessage(message).ok);
    assert.equal(await page.getByTestId('input').inputValue(), before, 'a model is not taken for an input image');
    await page.locator('[data-testid="messages"] .message', { hasText: 'Importing tiny.onnx' }).waitFor({ timeout: 5_000 });
  });

  it('shows progress on a long run and stops it on Cancel', async () => {
    await send(page, sourceMessage('resnet18.cnn', readFileSync('examples/resnet18.cnn', 'utf8'), 6));
    await waitForText(page, 'title', /^resnet18\.cnn$/);
    // The plain CPU backend takes seconds over ResNet-18 (WASM a tenth of one), so the click lands mid-run.
    await page.getByTestId('backend').selectOption('cpu');
    // In a panel as narrow as one beside the editor, Cancel and the progress bar once wrapped the toolbar onto another line
    // as a run started, moving (and laying out and painting again) the whole panel twice per run.
    const viewport = page.viewportSize();
    await page.setViewportSize({ width: 520, height: 720 });
    const toolbar = page.locator('header.toolbar');
    const before = await toolbar.boundingBox();
    await page.getByTestId('run').click();
    await page.getByTestId('progress').waitFor({ state: 'visible' });
    assert.deepEqual(await toolbar.boundingBox(), before, 'the toolbar keeps its size while the run shows its progress');
    if (viewport) await page.setViewportSize(viewport);
    await page.getByTestId('cancel').click();
    await page.locator('[data-testid="messages"] .message', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('progress').waitFor({ state: 'hidden' });
    assert.equal(await page.getByTestId('run').isDisabled(), false);
    await page.getByTestId('backend').selectOption('auto');
  });

  it('keeps the last good diagram through an error, marks the failing statement and says why Run is off', async () => {
    await send(page, sourceMessage('lenet5.cnn', lenet, 8));
    await waitForText(page, 'totals', /61,706/);
    const nodes = page.locator('[data-testid="diagram"] .cnnd-node');
    const layers = await nodes.count();
    // A 15x15 kernel on the 14x14 maps (no output, so nothing after it has a shape), and a misspelt op.
    const cases = [
      { broken: lenet.replace('conv(16, 5)         -> 16x10x10', 'conv(16, 15)'), line: lenetLines.findIndex((l) => /conv\(16, 5\)/.test(l)), op: /conv/ },
      { broken: lenet.replace('  tanh\n', '  tanhh\n'), line: lenetLines.findIndex((l) => /^\s+tanh$/.test(l)), op: /tanh/ },
    ];
    for (const [k, { broken, line, op }] of cases.entries()) {
      await send(page, sourceMessage('lenet5.cnn', broken, 9 + k));
      const message = page.locator('[data-testid="messages"] .message.error');
      await message.first().waitFor();
      const text = await message.first().innerText();
      assert.match(text, /Run is off until LeNet5's errors are fixed/);
      // It names the failing line (1-based, as the editor shows it) and the core's reason.
      assert.match(text, new RegExp(`Line ${line + 1}: `));
      assert.equal(await page.getByTestId('run').isDisabled(), true);
      assert.match((await page.getByTestId('run').getAttribute('title')) ?? '', /Run is off: the network has an error/);
      // Every layer of the last good diagram stays, and the box of the failing statement is marked.
      await page.locator('.cnnd-status', { hasText: 'last diagram that analysed' }).waitFor();
      assert.match(await page.locator('.cnnd-status').innerText(), new RegExp(`^Line ${line + 1}: `));
      assert.equal(await nodes.count(), layers);
      const failing = page.locator('[data-testid="diagram"] .cnnd-node.cnnd-sev-error');
      assert.equal(await failing.count(), 1);
      assert.match((await failing.textContent()) ?? '', op);
      await send(page, sourceMessage('lenet5.cnn', lenet, 20 + k));
      await page.locator('.cnnd-status', { hasText: 'last diagram' }).waitFor({ state: 'detached' });
      await page.locator('[data-testid="messages"] .message.error').first().waitFor({ state: 'detached' });
    }
  });
  it('loads the parser for syntax errors only when a file has one, and then shows its diagnostics and marks the statement as the editor does', async () => {
    // chevrotain's parser is a chunk of its own (webview/src/lazyParser.ts): a valid file never loads it.
    const broken = lenet.replace('conv(16, 5)', 'conv(16, , 5)');
    const line = lenetLines.findIndex((l) => /conv\(16, 5\)/.test(l));
    // What the editor (the language server, in Node) reports for the same text.
    const expected = analyze(broken, { graph: true }).diagnostics.filter((d) => d.code === 'syntax');
    assert.equal(expected.length, 1, 'the broken text has one syntax error');
    assert.equal(expected[0].range.start.line, line);
    const fresh = await browser.newPage();
    const requested: string[] = [];
    fresh.on('request', (request) => requested.push(new URL(request.url()).pathname));
    const pageErrors: string[] = [];
    fresh.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await fresh.addInitScript(fakeVsCode);
      await fresh.goto(`${server.url}/test/webview/panel.html`);
      await fresh.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      await send(fresh, sourceMessage('lenet5.cnn', lenet));
      await waitForText(fresh, 'totals', /61,706 parameters/);
      const parserChunk = (path: string) => /\/dist\/webview\/parser-[^/]*\.js$/.test(path);
      assert.deepEqual(requested.filter(parserChunk), [], 'a valid file does not load the parser');

      await send(fresh, sourceMessage('lenet5.cnn', broken, 2));
      const failing = fresh.locator('[data-testid="diagram"] .cnnd-node.cnnd-sev-error');
      await failing.first().waitFor();
      assert.equal(requested.filter(parserChunk).length, 1, 'the syntax error loaded the parser, once');
      // The conv statement with the error is the one box marked, and it carries the editor's message.
      assert.equal(await failing.count(), 1);
      const box = (await failing.textContent()) ?? '';
      assert.match(box, /conv/);
      assert.ok(box.includes(expected[0].message), `the marked box says "${expected[0].message}"; it reads "${box}"`);
      assert.doesNotMatch(await fresh.locator('[data-testid="diagram"]').innerText(), /once the parser that reads it has loaded/);
      const message = await fresh.getByTestId('messages').innerText();
      assert.match(message, /LeNet5 has 1 error \(marked in the diagram\)/);
      // The network around the error is the editor's: every layer is drawn, with its totals.
      assert.equal(await fresh.locator('[data-testid="diagram"] .cnnd-node').count(), analyze(broken, { graph: true }).graphs![0].nodes.length);
      assert.match(await fresh.getByTestId('totals').innerText(), /61,706 parameters/);
      assert.deepEqual(pageErrors, []);
    } finally {
      await fresh.close();
    }
  });

  it('paints the first diagram without the run session and the result views, fetches them after that paint, and a Run waits for the session', async () => {
    // Both are chunks of their own (panel/app.ts: followFirstPaint): the first diagram's script does not carry them.
    const fresh = await browser.newPage();
    const requested: string[] = [];
    fresh.on('request', (request) => requested.push(new URL(request.url()).pathname));
    const pageErrors: string[] = [];
    fresh.on('pageerror', (error) => pageErrors.push(error.message));
    const sessionChunk = /\/dist\/webview\/runSession-[^/]*\.js$/;
    const resultsChunk = /\/dist\/webview\/results-[^/]*\.js$/;
    // The run session's chunk is held back until the test lets it go, so that Run is pressed before it has come.
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let sessionAsked = () => undefined as void;
    const sessionRequested = new Promise<void>((resolve) => (sessionAsked = resolve));
    await fresh.route(sessionChunk, async (route) => {
      sessionAsked();
      await released;
      await route.continue();
    });
    try {
      await fresh.addInitScript(fakeVsCode);
      await fresh.goto(`${server.url}/test/webview/panel.html`);
      await fresh.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      await send(fresh, sourceMessage('lenet5.cnn', lenet));
      await sessionRequested;
      // The result views' chunk is not held: wait until it has come, after the first paint was marked.
      await fresh.waitForFunction((pattern) => {
        const clock = (globalThis as unknown as { performance: { getEntriesByName(name: string): unknown[]; getEntriesByType(type: string): { name: string }[] } }).performance;
        return clock.getEntriesByName('cnn-lens:painted').length > 0 && clock.getEntriesByType('resource').some((entry) => new RegExp(pattern).test(new URL(entry.name).pathname));
      }, resultsChunk.source);
      const timeline = await fresh.evaluate(() => {
        const clock = (globalThis as unknown as { performance: { getEntriesByType(type: string): { name: string; startTime: number }[] } }).performance;
        const painted = clock.getEntriesByType('mark').find((mark) => mark.name === 'cnn-lens:painted')!.startTime;
        return { painted, resources: clock.getEntriesByType('resource').map((entry) => ({ path: new URL(entry.name).pathname, start: entry.startTime })) };
      });
      // The session's chunk is still held, so it has no entry yet.
      const beforePaint = timeline.resources.filter((entry) => entry.start < timeline.painted).map((entry) => entry.path);
      assert.ok(
        beforePaint.some((path) => path.endsWith('/dist/webview/main.js')),
        `main.js was fetched before the first paint (${beforePaint.join(', ')})`,
      );
      assert.deepEqual(
        beforePaint.filter((path) => sessionChunk.test(path) || resultsChunk.test(path)),
        [],
        'the first paint fetched neither the run session nor the result views',
      );

      // Run pressed while the session's chunk is on its way waits for it, then runs once.
      await fresh.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'conv' }).first().click();
      await fresh.getByTestId('run').click();
      await fresh.locator('[data-testid="side"][data-started="1"]').waitFor();
      assert.equal(await fresh.getByTestId('side').getAttribute('data-runs'), null, 'the run waits for its session');
      release();
      const maps = fresh.locator('[data-testid="feature-map"]');
      await maps.first().waitFor({ timeout: 60_000 });
      assert.equal(await maps.count(), 6, 'conv(6, 5) has 6 channels');
      assert.equal(await fresh.getByTestId('side').getAttribute('data-runs'), '1');
      const session = await fresh.evaluate(
        (pattern) =>
          (globalThis as unknown as { performance: { getEntriesByType(type: string): { name: string; startTime: number }[] } }).performance
            .getEntriesByType('resource')
            .filter((entry) => new RegExp(pattern).test(new URL(entry.name).pathname))
            .map((entry) => entry.startTime),
        sessionChunk.source,
      );
      assert.equal(session.length, 1, 'the run session was fetched once');
      assert.ok(session[0] >= timeline.painted, 'the run session was fetched after the first paint');
      assert.deepEqual(pageErrors, []);
    } finally {
      release();
      await fresh.close();
    }
  });

  it("draws a document's kept layout at once, never the quick one, and hands ELK's layouts and the text to keep (issue 15: the boxes jumped)", async () => {
    // ELK's layout of LeNet-5, made here in Node as the panel makes it, kept by the extension from an earlier panel.
    const model = buildDiagramModel(analyze(lenet, { graph: true }).graphs![0], {});
    const kept = saveLayout(model.structureKey, await layoutDiagram(model));
    const html = readFileSync('test/webview/panel.html', 'utf8').replace(
      '<body data-assets="/dist/webview/">',
      `<body data-assets="/dist/webview/" data-source='${JSON.stringify(sourceMessage('lenet5.cnn', lenet)).replace(/'/g, '&#39;')}' data-layouts='${JSON.stringify([kept])}'>`,
    );
    const reopened = await browser.newPage();
    try {
      await reopened.addInitScript(fakeVsCode);
      // Every layout the diagram is drawn in, as it happens.
      await reopened.addInitScript(`
        window.__layouts = [];
        new MutationObserver((records) => {
          for (const record of records) if (record.attributeName === 'data-layout') window.__layouts.push(record.target.getAttribute('data-layout'));
        }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-layout'] });
      `);
      await reopened.route('**/reopened.html', (route) => route.fulfill({ contentType: 'text/html', body: html }));
      await reopened.goto(`${server.url}/test/webview/reopened.html`);
      await reopened.locator('[data-testid="diagram"] .cnnd-node').first().waitFor();
      await reopened.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'layout'));
      const seen = await reopened.evaluate(() => ({
        layouts: (globalThis as unknown as { __layouts: string[] }).__layouts,
        posted: (globalThis as unknown as { __posted: WebviewMessage[] }).__posted.filter((m) => m.type === 'layout'),
        state: (globalThis as unknown as { __state: { text?: string; layout?: { structureKey: string } } }).__state,
      }));
      assert.deepEqual(seen.layouts, ['final'], 'the first drawing is the kept layout; no quick layout came before it');
      assert.equal(await reopened.locator('[data-testid="diagram"] .cnnd-node').count(), model.nodes.length);
      const drawnAt = await reopened.locator('[data-testid="diagram"] .cnnd-node').first().getAttribute('transform');
      const [firstId, firstBox] = kept.nodes[0];
      assert.equal(drawnAt, `translate(${Math.round(firstBox.x * 10) / 10},${Math.round(firstBox.y * 10) / 10})`, `box ${firstId} is where the kept layout put it`);
      // The panel hands the layout on screen to the host to keep (checked as the host checks it), and saves the text for a restore.
      assert.equal(seen.posted.length, 1);
      const checked = checkWebviewMessage(seen.posted[0]);
      assert.ok(checked.ok && checked.message.type === 'layout' && checked.message.layout.structureKey === model.structureKey, JSON.stringify(checked));
      assert.equal(seen.state.text, lenet);
      assert.equal(seen.state.layout?.structureKey, model.structureKey);
    } finally {
      await reopened.close();
    }
  });

  it("runs a new panel's first network with the sample made for its input when Run is pressed as soon as it is enabled, before the diagram is laid out", async () => {
    // ELK's chunk is held, so the first diagram's layout never finishes: whatever Run needs must be ready without it.
    const fresh = await browser.newPage();
    const pageErrors: string[] = [];
    fresh.on('pageerror', (error) => pageErrors.push(error.message));
    let release = () => undefined as void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await fresh.route(/\/dist\/webview\/elk\.bundled-[^/]*\.js$/, async (route) => {
      await released;
      await route.continue();
    });
    try {
      await fresh.addInitScript(fakeVsCode);
      // Run is clicked the moment it is enabled, as a user who does not wait would.
      await fresh.addInitScript(`
        document.addEventListener('DOMContentLoaded', () => {
          new MutationObserver(() => {
            const run = document.querySelector('[data-testid="run"]');
            if (window.__clicked || !run || run.disabled) return;
            window.__clicked = document.querySelector('[data-testid="totals"]').textContent;
            run.click();
          }).observe(document.body, { attributes: true, childList: true, characterData: true, subtree: true });
        });
      `);
      await fresh.goto(`${server.url}/test/webview/panel.html`);
      await fresh.waitForFunction(() => (globalThis as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      assert.equal(await fresh.getByTestId('run').isDisabled(), true, 'Run is off while the panel shows no network');
      // 16 channels: no digit fits, so the panel picks the landscape, converted to 16 channels.
      await send(fresh, sourceMessage('wide.cnn', 'network Wide {\n  input(16x24x24)\n  conv(8, 3, padding=1)\n  relu\n}\n'));
      await fresh.locator('[data-testid="side"][data-runs="1"], [data-testid="messages"] .message.error').first().waitFor({ timeout: 60_000 });
      assert.deepEqual(await fresh.locator('[data-testid="messages"] .message.error').allInnerTexts(), []);
      assert.match(await fresh.evaluate(() => (globalThis as unknown as { __clicked: string }).__clicked), /^1,160 parameters/, 'Run was clicked once the totals showed');
      assert.equal(await fresh.getByTestId('input').inputValue(), 'landscape');
      assert.equal(await fresh.locator('[data-testid="diagram"] [data-layout="final"]').count(), 0, "the run finished while ELK's layout was held");
      release();
      await fresh.locator('[data-testid="diagram"] [data-layout="final"]').waitFor({ timeout: 30_000 });
      assert.deepEqual(pageErrors, []);
    } finally {
      release();
      await fresh.close();
    }
  });
});
