/**
 * The preview panel in a real VS Code (code-server with the packaged
 * extension, driven through headless Chromium): open an example, open the
 * preview, see the diagram's nodes, click one and see the editor move, run
 * the forward pass and see feature maps (a screenshot checked for a heat map
 * that is not blank).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { requirePython, runPython } from '../python';
import * as e2e from './codeServer';

/** The line of the editor's cursor, from the status bar ("Ln 7, Col 3"), 1-based. */
async function cursorLine(page: Page): Promise<number> {
  const text = await page.locator('#status\\.editor\\.selection').innerText();
  const match = /Ln (\d+)/.exec(text);
  if (!match) throw new Error(`no cursor position in the status bar: "${text}"`);
  return Number(match[1]);
}

/**
 * The line the editor of the document shows as its cursor's, 1-based, from
 * its active line number: unlike the status bar's "Ln 7, Col 3", it is there
 * while the focus is elsewhere (a click on the diagram keeps it in the panel).
 */
async function activeLineNumber(page: Page): Promise<number> {
  const text = await page.locator('.editor-instance .monaco-editor .line-numbers.active-line-number').first().innerText({ timeout: 5_000 });
  return Number(text.trim());
}

/**
 * How varied a PNG's pixels are: the standard deviation of its grey values
 * and the number of distinct colours, read by Pillow (Debian's python3-pil,
 * installed with torchvision) so the check does not trust the page itself.
 */
function pixelSpread(png: string): { std: number; colours: number } {
  const script =
    'import sys, json; from PIL import Image, ImageStat; im = Image.open(sys.argv[1]).convert("RGB"); print(json.dumps({"std": ImageStat.Stat(im.convert("L")).stddev[0], "colours": len(im.getcolors(1 << 24))}))';
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

/** Puts the cursor of the active editor on 1-based `line` (Go to Line). */
async function goToLine(page: Page, line: number): Promise<void> {
  await page.locator('.editor-group-container.active .monaco-editor textarea').first().focus();
  await e2e.goTo(page, `:${line}`);
}

/** PyTorch's class probabilities per model ("a": the safetensors weights, "b": the tfjs ones) and picture file. */
type TorchAnswers = Record<'a' | 'b', Record<string, number[]>>;

/** One row of the panel's top-5 table: the class index and its exact probability. */
interface ShownClass {
  index: number;
  probability: number;
}

async function shownTopClasses(preview: FrameLocator): Promise<ShownClass[]> {
  const rows = preview.locator('[data-testid="top-class"]');
  const count = await rows.count();
  const shown: ShownClass[] = [];
  for (let i = 0; i < count; i++) {
    const row = rows.nth(i);
    shown.push({ index: Number(await row.getAttribute('data-index')), probability: Number(await row.getAttribute('data-probability')) });
  }
  return shown;
}

/**
 * The panel shows PyTorch's top 5: each shown class has PyTorch's
 * probability (within `tolerance`), and no class left out beats a shown one
 * by more than the tolerance.
 */
function assertTorchTopFive(shown: ShownClass[], torch: number[], tolerance: number, what: string): void {
  assert.equal(shown.length, 5, `${what}: the panel shows ${shown.length} classes`);
  for (const { index, probability } of shown) {
    assert.ok(
      Math.abs(probability - torch[index]) <= tolerance,
      `${what}: class ${index} has ${probability} in the panel, ${torch[index]} in PyTorch (tolerance ${tolerance}); all of PyTorch's: ${torch.map((p) => p.toFixed(4)).join(' ')}`,
    );
  }
  const weakestShown = Math.min(...shown.map((c) => torch[c.index]));
  const best = torch.map((p, index) => ({ p, index })).filter((c) => !shown.some((s) => s.index === c.index));
  for (const { p, index } of best) assert.ok(p <= weakestShown + tolerance, `${what}: class ${index} (${p} in PyTorch) is missing from the top 5`);
  const top = torch.indexOf(Math.max(...torch));
  assert.ok(Math.abs(torch[shown[0].index] - torch[top]) <= tolerance, `${what}: the panel's first class is ${shown[0].index}, PyTorch's is ${top}`);
}

describe('the preview panel in real VS Code (code-server)', function () {
  this.timeout(300_000);
  let folder: string;
  let server: e2e.CodeServer;
  let page: Page;
  let preview: FrameLocator;
  let torch: TorchAnswers;
  const source = readFileSync('examples/lenet5.cnn', 'utf8').split('\n');

  before(async function () {
    // The user's files (pictures, torch-written weights) and PyTorch's answers on them, in the workspace.
    requirePython(this, ['torch', 'PIL']);
    e2e.ensureTools();
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-preview-'));
    copyFileSync('examples/lenet5.cnn', join(folder, 'lenet5.cnn'));
    writeFileSync(join(folder, 'wide.cnn'), WIDE);
    // Two networks (test/data/two-networks.cnn, which networkAt.test reads too): A has 3·4·3·3 + 4 = 112 parameters and B
    // 1·8·5·5 + 8 = 208 (1-based lines: A's conv on 4, B's on 10).
    copyFileSync('test/data/two-networks.cnn', join(folder, 'two.cnn'));
    torch = JSON.parse(runPython(readFileSync('test/e2e/torch_preview_inputs.py', 'utf8'), [folder])) as TorchAnswers;
    server = await e2e.sharedCodeServer(folder, { 'files.autoSave': 'off' });
    page = await e2e.openWorkbench(server);
    await e2e.openFile(page, 'lenet5.cnn');
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    preview = e2e.webviewFrame(page);
  });

  after(() => e2e.cleanUp({ page, server, folder }));

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
    // The first boxes are a quick layout; ELK's replaces it once ELK has loaded, and the clicks below need boxes that stay put.
    await preview.locator('[data-testid="diagram"] [data-layout="final"]').waitFor({ timeout: 60_000 });
    assert.equal(await nodes.count(), layers, "ELK's layout draws the same boxes");
  });

  it('moves the editor to the statement of a clicked node', async () => {
    const line = source.findIndex((text) => /^\s+dense\(120/.test(text)) + 1;
    assert.ok(line > 0, 'lenet5.cnn has a dense(120) layer');
    const dense = preview.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'dense' }).first();
    await dense.click();
    const deadline = Date.now() + 10_000;
    while ((await activeLineNumber(page).catch(() => 0)) !== line && Date.now() < deadline) await page.waitForTimeout(100);
    assert.equal(await activeLineNumber(page), line);
    // As in VS Code's Outline, a single click leaves the focus in the panel, and a double-click takes it to the editor.
    const focusedEditor = page.locator('.editor-instance .monaco-editor.focused');
    assert.equal(await focusedEditor.count(), 0, 'a single click keeps the focus in the panel');
    await dense.dblclick();
    await focusedEditor.first().waitFor({ timeout: 10_000 });
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

  it("clicking a feature-map pixel draws that unit's receptive field on the input, as `cnn rf` computes it, and its effective field", async () => {
    // The maps of LeNet-5's first convolution (line 6) are on screen since the previous test; pick the bottom-left unit.
    const map = preview.locator('[data-testid="feature-map"][data-channel="0"]');
    const box = (await map.boundingBox())!;
    await map.click({ position: { x: (0 + 0.5) * (box.width / 28), y: (27 + 0.5) * (box.height / 28) }, noWaitAfter: true });
    await preview.locator('[data-testid="rf-title"]', { hasText: 'position (27, 0)' }).waitFor({ timeout: 30_000 });
    const rf = spawnSync(process.execPath, ['dist/cli.js', 'rf', '--json', 'examples/lenet5.cnn', '--line', '6', '--at', '27,0'], { encoding: 'utf8' });
    assert.equal(rf.status, 0, rf.stderr);
    const expected = JSON.parse(rf.stdout) as { window: [number, number][]; visible: [number, number][] };
    const ranges = async (testId: string) => {
      const rect = preview.locator(`[data-testid="rf-input"] [data-testid="${testId}"]`);
      const [x, y, width, height] = await Promise.all(['x', 'y', 'width', 'height'].map(async (name) => Number(await rect.getAttribute(name))));
      return [
        [y, y + height - 1],
        [x, x + width - 1],
      ];
    };
    assert.deepEqual(await ranges('rf-window'), expected.window);
    assert.deepEqual(await ranges('rf-visible'), expected.visible);
    assert.deepEqual(expected.window, [
      [27, 31],
      [0, 4],
    ]);
    // The effective field: the gradient of that unit with respect to the input, with its mass shares.
    await preview.locator('[data-testid="rf-erf"]', { hasText: /50% of the gradient mass lies in/ }).waitFor({ timeout: 120_000 });
    await preview.locator('[data-testid="rf-effective"]').waitFor();
    await e2e.screenshot(page, 'out/e2e/preview-receptive-field.png');
  });

  // The user's own files, each giving PyTorch's answer on the same picture and weights.
  const runs = async () => Number((await preview.locator('[data-testid="side"]').getAttribute('data-runs')) ?? 0);

  /** Does `action` and waits for the run it starts to finish; fails with the panel's messages if none does. */
  async function afterRun(action: () => Promise<void>): Promise<void> {
    const before = await runs();
    await action();
    const deadline = Date.now() + 120_000;
    while ((await runs()) <= before) {
      if (Date.now() > deadline) throw new Error(`no run finished; the panel says: ${await preview.locator('[data-testid="messages"]').innerText()}`);
      await page.waitForTimeout(100);
    }
  }

  it("loads safetensors weights written by torch, then a workspace PNG, and shows PyTorch's top 5 after the panel's softmax", async () => {
    await afterRun(async () => {
      await preview.locator('[data-testid="weights"]').selectOption('__pick-weights__');
      await e2e.answerOpenDialog(page, join(folder, 'lenet5.safetensors'));
    });
    await afterRun(async () => {
      await preview.locator('[data-testid="input"]').selectOption('__pick-image__');
      await e2e.answerOpenDialog(page, join(folder, 'picture.png'));
    });
    assert.match(await preview.locator('[data-testid="input"]').inputValue(), /^image:picture\.png$/);
    assert.match(await preview.locator('[data-testid="top-caption"]').innerText(), /after a softmax the panel applies/);
    assertTorchTopFive(await shownTopClasses(preview), torch.a['picture.png'], 1e-4, 'picture.png, safetensors');
  });

  it('reads a workspace JPEG (not "0 bytes") and gives PyTorch\'s answer', async () => {
    await afterRun(async () => {
      await preview.locator('[data-testid="input"]').selectOption('__pick-image__');
      await e2e.answerOpenDialog(page, join(folder, 'photo.jpg'));
    });
    // Chromium and Pillow may round a JPEG's inverse DCT differently by a level here and there.
    assertTorchTopFive(await shownTopClasses(preview), torch.a['photo.jpg'], 5e-3, 'photo.jpg, safetensors');
  });

  it("exports from the panel's Export… button with the torch-written weights it runs: the .py and its .safetensors compute the torch model's output", async () => {
    // The panel runs lenet5.safetensors (model A) since the first test; the export must carry those weights, not the seeded ones.
    assert.equal(await preview.locator('[data-testid="weights"]').inputValue(), 'file:lenet5.safetensors');
    // The save dialog offers LeNet5.py beside the document; the user accepts it.
    const code = join(folder, 'LeNet5.py');
    await preview.locator('[data-testid="export-network"]').click();
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 20_000 });
    await page.locator('.quick-input-widget', { hasText: 'with the weights lenet5.safetensors' }).waitFor({ timeout: 10_000 });
    await input.fill('PyTorch');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PyTorch' }).first().click();
    await e2e.answerOpenDialog(page, code);
    // The exported code opens in an editor once the server has written it and its weights.
    await page.locator('.tabs-container .tab.active[aria-label*="LeNet5.py"]').waitFor({ timeout: 60_000 });
    // Back to the panel for the tests that follow, as the user would click its tab.
    await page.locator('.tabs-container .tab', { hasText: 'Preview lenet5.cnn' }).click();
    await preview.locator('[data-testid="run"]').waitFor({ timeout: 30_000 });
    const script = [
      'import importlib.util, json, sys, torch',
      'repo, code, weights = sys.argv[1:4]',
      "sys.path[:0] = [repo + '/test/e2e', repo + '/test/export']",
      'from torch_preview_inputs import lenet5',
      'from torch_export import load_safetensors',
      "spec = importlib.util.spec_from_file_location('exported', code)",
      'module = importlib.util.module_from_spec(spec)',
      'spec.loader.exec_module(module)',
      'net = module.LeNet5().eval()',
      'net.load_state_dict(load_safetensors(weights), strict=True)',
      'torch.manual_seed(7)',
      'x = torch.rand(3, 1, 32, 32)',
      'with torch.no_grad():',
      '    print(json.dumps({"maxDiff": (net(x) - lenet5(1)(x)).abs().max().item(), "scale": lenet5(1)(x).abs().max().item()}))',
    ].join('\n');
    const { maxDiff, scale } = JSON.parse(runPython(script, [process.cwd(), code, join(folder, 'LeNet5.safetensors')])) as { maxDiff: number; scale: number };
    assert.ok(scale > 1, `model A's logits are not trivial (largest ${scale})`);
    assert.ok(maxDiff <= 1e-4, `the exported module with the exported weights differs from the torch model whose weights the panel ran by ${maxDiff}`);
  });

  it('runs on a picture dropped on the panel with Shift held (dragenter, dragover, drop, dragend) and stays clickable', async () => {
    const bytes = [...readFileSync(join(folder, 'dropped.png'))];
    await afterRun(() =>
      preview.locator('body').evaluate((body, data) => {
        // The repo's Node tsconfig has no DOM lib: the page's constructors come from its globals.
        const page = globalThis as unknown as {
          File: new (parts: Uint8Array[], name: string, options: { type: string }) => unknown;
          DataTransfer: new () => { items: { add(file: unknown): void } };
          DragEvent: new (type: string, init: { bubbles: boolean; cancelable: boolean; shiftKey: boolean; dataTransfer: unknown }) => unknown;
        };
        const transfer = new page.DataTransfer();
        transfer.items.add(new page.File([new Uint8Array(data)], 'dropped.png', { type: 'image/png' }));
        const target = body as unknown as { dispatchEvent(event: unknown): boolean };
        // Shift held, as VS Code asks: without it the workbench takes a file drag over a webview for itself.
        for (const type of ['dragenter', 'dragover', 'drop', 'dragend']) target.dispatchEvent(new page.DragEvent(type, { bubbles: true, cancelable: true, shiftKey: true, dataTransfer: transfer }));
      }, bytes),
    );
    assert.equal(await preview.locator('[data-testid="drop-hint"]').isVisible(), false, 'the drop hint is gone after the drop');
    assertTorchTopFive(await shownTopClasses(preview), torch.a['dropped.png'], 1e-4, 'dropped.png, safetensors');
    // The panel still answers clicks after the drag.
    await preview.locator('[data-testid="diagram"] .cnnd-node', { hasText: 'dense' }).first().click();
    await preview.locator('[data-testid="layer-title"]', { hasText: 'dense' }).waitFor({ timeout: 10_000 });
  });

  it("loads a tfjs model.json with its shard and gives PyTorch's answer with those weights", async () => {
    await afterRun(async () => {
      await preview.locator('[data-testid="weights"]').selectOption('__pick-weights__');
      await e2e.answerOpenDialog(page, join(folder, 'tfjs/model.json'));
    });
    assertTorchTopFive(await shownTopClasses(preview), torch.b['dropped.png'], 1e-4, 'dropped.png, tfjs');
  });

  it("refuses a model.json whose shard path leaves the model's folder, and keeps the weights in use", async () => {
    mkdirSync(join(folder, 'evil'));
    const manifest = JSON.parse(readFileSync(join(folder, 'tfjs/model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    manifest.weightsManifest[0].paths = ['../tfjs/group1-shard1of1.bin'];
    writeFileSync(join(folder, 'evil/model.json'), JSON.stringify(manifest));
    await preview.locator('[data-testid="weights"]').selectOption('__pick-weights__');
    await e2e.answerOpenDialog(page, join(folder, 'evil/model.json'));
    await preview.locator('[data-testid="messages"]', { hasText: 'leaves the model' }).waitFor({ timeout: 20_000 });
    assert.match(
      await preview.locator('[data-testid="messages"]').innerText(),
      /Could not read the weights: .*"\.\.\/tfjs\/group1-shard1of1\.bin", which is not read because it leaves the model's folder/,
    );
    assert.equal(await preview.locator('[data-testid="weights"]').inputValue(), 'file:model.json');
  });

  it('draws toolbar buttons readable in every theme kind: light, dark and both high-contrast themes', async () => {
    const themes: [string, string][] = [
      // The palette's labels (the settings call them "Default Light Modern" and so on).
      ['Light Modern', 'vscode-light'],
      ['Dark Modern', 'vscode-dark'],
      ['Dark High Contrast', 'vscode-high-contrast:not(.vscode-high-contrast-light)'],
      ['Light High Contrast', 'vscode-high-contrast-light'],
    ];
    const failures: string[] = [];
    try {
      for (const [theme, kind] of themes) {
        // Picked in the palette as a user does; the webview's body then carries the theme kind's class.
        await e2e.chooseColorTheme(page, theme);
        await preview.locator(`body.${kind}`).waitFor({ timeout: 30_000 });
        await page.waitForTimeout(300);
        await e2e.screenshot(page, `out/e2e/preview-theme-${kind.split(':')[0]}${kind.includes(':not') ? '-dark' : ''}.png`);
        const contrasts = await preview.locator('header.toolbar').evaluate((toolbar) => {
          type Styled = { getAttribute(name: string): string | null; disabled?: boolean; parentElement: Styled | null };
          const page = globalThis as unknown as { getComputedStyle(element: Styled): { color: string; backgroundColor: string } };
          const rgba = (text: string) => {
            const [r, g, b, a = 1] = (text.match(/[\d.]+/g) ?? []).map(Number);
            return { r, g, b, a };
          };
          const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
            const linear = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
          };
          // The colour behind an element: its own background, or the first ancestor's that is not transparent.
          const backdrop = (element: Styled | null): { r: number; g: number; b: number; a: number } => {
            for (let e = element; e; e = e.parentElement) {
              const colour = rgba(page.getComputedStyle(e).backgroundColor);
              if (colour.a > 0) return colour;
            }
            return { r: 255, g: 255, b: 255, a: 1 };
          };
          const buttons = (toolbar as unknown as { querySelectorAll(selector: string): ArrayLike<Styled> }).querySelectorAll('button:not([hidden]):not(:disabled)');
          return Array.from(buttons).map((button) => {
            const [fg, bg] = [luminance(rgba(page.getComputedStyle(button).color)), luminance(backdrop(button))];
            return {
              button: button.getAttribute('data-testid'),
              ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05),
              colours: `${page.getComputedStyle(button).color} on ${page.getComputedStyle(button).backgroundColor}`,
            };
          });
        });
        assert.ok(contrasts.length >= 5, `${theme}: the toolbar shows its buttons`);
        // WCAG AA for text: 4.5:1; high-contrast themes promise 7:1 (AAA).
        const needed = kind.includes('high-contrast') ? 7 : 4.5;
        for (const c of contrasts) if (c.ratio < needed) failures.push(`${theme}: ${c.button} has contrast ${c.ratio.toFixed(2)} (${c.colours}), below ${needed}`);
      }
    } finally {
      await e2e.chooseColorTheme(page, 'Light Modern').catch(() => undefined);
    }
    assert.deepEqual(failures, []);
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
    // Held by what it shows: the restored LeNet-5 panel is a webview too, and the last one in the DOM may change meanwhile.
    const wide = await e2e.webviewShowing(page, '[data-testid="totals"]', '9,280 parameters', 60_000);
    await wide.locator('[data-testid="run"]').click();
    const total = wide.locator('[data-testid="timing-total"]');
    await total.waitFor({ timeout: 120_000 }).catch(async (error: Error) => {
      throw new Error(`${error.message}\nThe webviews say:\n${await e2e.webviewsText(page)}`);
    });
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
    assert.ok(
      threads >= 2,
      `the run used one thread: "${caption}"; messages: ${await wide
        .locator('[data-testid="messages"]')
        .innerText()
        .catch(() => '')}`,
    );
    assert.match(await wide.locator('[data-testid="backend-note"]').innerText(), new RegExp(`shared by ${threads} threads`));
    // The timing table says which layer was shared: the convolution, node 1.
    assert.match(await wide.locator('[data-testid="timing-row"][data-node="1"]').innerText(), new RegExp(`line 3\\), shared by ${threads} threads`));
  });

  it('opens on the network that holds the cursor, and Open Preview again follows the cursor to the other network', async () => {
    await e2e.openFile(page, 'two.cnn');
    await goToLine(page, 10);
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    const two = await e2e.webviewShowing(page, '[data-testid="totals"]', '208 parameters', 60_000);
    assert.equal(await two.locator('[data-testid="network"]').inputValue(), 'B');
    // The panel is open: the command reveals it, and the page switches to the network at the cursor.
    await goToLine(page, 4);
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    await two.locator('[data-testid="totals"]', { hasText: '112 parameters' }).waitFor({ timeout: 30_000 });
    assert.equal(await two.locator('[data-testid="network"]').inputValue(), 'A');
    // B named by its code lens, then Open Preview with the cursor in A: the cursor wins over the network named before.
    // The lenses of two.cnn's editor (the active group), not of files earlier tests left open elsewhere.
    const lenses = page.locator('.editor-group-container.active .monaco-editor', { hasText: 'network B' }).first().locator('.codelens-decoration a', { hasText: 'Open preview' });
    await lenses.nth(1).click({ timeout: 30_000 });
    await two.locator('[data-testid="totals"]', { hasText: '208 parameters' }).waitFor({ timeout: 30_000 });
    await goToLine(page, 4);
    await e2e.runCommand(page, 'CNN Lens: Open Preview');
    await two.locator('[data-testid="totals"]', { hasText: '112 parameters' }).waitFor({ timeout: 30_000 });
    assert.equal(await two.locator('[data-testid="network"]').inputValue(), 'A');
    // B named by its code lens, then A picked in the panel's menu: an edit keeps A (it went back to B, the lens's network).
    await lenses.nth(1).click({ timeout: 30_000 });
    await two.locator('[data-testid="totals"]', { hasText: '208 parameters' }).waitFor({ timeout: 30_000 });
    await two.locator('[data-testid="network"]').selectOption('A');
    await two.locator('[data-testid="totals"]', { hasText: '112 parameters' }).waitFor({ timeout: 30_000 });
    await goToLine(page, 4);
    await page.keyboard.press('End');
    await page.keyboard.press('Enter');
    // conv(2, 1) on A's 4 channels adds 2 × 4 + 2 = 10 parameters to its 112.
    await page.keyboard.type('conv(2, 1');
    await two.locator('[data-testid="totals"]', { hasText: '122 parameters' }).waitFor({ timeout: 30_000 });
    assert.equal(await two.locator('[data-testid="network"]').inputValue(), 'A');
  });
});
