/**
 * Forward-pass figures for `npm run bench`: ResNet-18 at 224x224 through the
 * preview's engine on every tfjs backend that initialises in headless
 * Chromium, the readback of its largest feature map, and PyTorch on the CPU
 * of the same machine for scale. Needs the page bundles
 * (`node esbuild.mjs pages webview`), Debian's Chromium, and python3-torch
 * with torchvision for the PyTorch line.
 */
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackendName } from '../../webview/src/engine/backendPolicy';
import { launchChromium, startStaticServer } from '../webview/browser';
import { callPage, enginePage } from '../webview/engineFixtures';
import { PYTHON } from '../python';

/** Timed passes per backend after the warm-up: the software GPUs and the plain CPU backend take seconds each. */
const RUNS: Record<BackendName, number> = { wasm: 9, webgl: 3, webgpu: 3, cpu: 1 };
const TARGET_RATIO = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (value: number) => `${value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US')} ms`;

// torchvision's own ResNet-18 (random weights, eval mode, no autograd), at PyTorch's default thread count or the one given.
const TORCH_SCRIPT = `
import json, sys, time, torch, torchvision
if len(sys.argv) > 1:
    torch.set_num_threads(int(sys.argv[1]))
model = torchvision.models.resnet18().eval()
x = torch.randn(1, 3, 224, 224)
times = []
with torch.no_grad():
    for i in range(9):
        begin = time.perf_counter()
        model(x)
        if i >= 2:
            times.append((time.perf_counter() - begin) * 1000)
print(json.dumps({"ms": times, "threads": torch.get_num_threads()}))
`;

function torchFigure(threads?: number): { ms: number; threads: number } {
  const run = spawnSync(PYTHON, ['-c', TORCH_SCRIPT, ...(threads ? [String(threads)] : [])], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`PyTorch failed: ${run.error?.message ?? ''}${run.stderr.trim().split('\n').pop()}`);
  const result = JSON.parse(run.stdout) as { ms: number[]; threads: number };
  return { ms: median(result.ms), threads: result.threads };
}

/** Starts the page's convolution workers as the panel would; their count, or 0 with the reason in `lines`. */
async function startWorkers(page: Page, lines: string[]): Promise<number> {
  const wanted = (await callPage(page, 'workersForThisMachine')).workers;
  if (!wanted) return 0;
  const started = await callPage(page, 'startWorkers', wanted);
  if (started.ok) return started.size;
  lines.push(`convolution workers did not start (${started.error}); wasm runs on one thread`);
  return 0;
}

export async function forwardFigures(root: string): Promise<string[]> {
  for (const needed of ['out/pages/engine.page.js', 'dist/webview/tfjs-backend-wasm.wasm']) {
    if (!existsSync(join(root, needed))) throw new Error(`${needed} is missing: run node esbuild.mjs pages webview first`);
  }
  const source = readFileSync(join(root, 'examples', 'resnet18.cnn'), 'utf8');
  const lines: string[] = [];
  const medians = new Map<string, number>();
  const server = await startStaticServer(root);
  const browser = await launchChromium();
  let chosen = '';
  let threads = 1;
  try {
    for (const backend of Object.keys(RUNS) as BackendName[]) {
      // A fresh page per backend, so one backend's textures and caches do not slow the next.
      const { page, unavailable } = await enginePage(browser, server.url, backend);
      try {
        if (!chosen) chosen = (await callPage(page, 'init', `${server.url}/dist/webview/`)).auto.chosen;
        if (unavailable) {
          lines.push(`ResNet-18 224x224 on ${backend}: skipped (${unavailable})`);
          continue;
        }
        // The panel shares large WASM convolutions with workers (one fewer than the cores); the single-threaded figure shows what they add.
        const workers = backend === 'wasm' ? await startWorkers(page, lines) : 0;
        if (workers) {
          const alone = await callPage(page, 'time', source, RUNS[backend], false);
          lines.push(`ResNet-18 224x224 forward on wasm, one thread: median ${ms(median(alone.runs))} of ${alone.runs.length} after a warm-up`);
        }
        const timing = await callPage(page, 'time', source, RUNS[backend], workers > 0);
        const forward = median(timing.runs);
        medians.set(backend, forward);
        if (backend === 'wasm') threads = timing.threads;
        const mark = backend === chosen ? ' [chosen by initBackend]' : '';
        const how = backend === 'wasm' ? `, ${timing.threads} ${timing.threads === 1 ? 'thread' : 'threads'} (${workers} convolution ${workers === 1 ? 'worker' : 'workers'} and the page)` : '';
        lines.push(`ResNet-18 224x224 forward on ${backend}${how}${mark}: median ${ms(forward)} of ${timing.runs.length} after a warm-up`);
        lines.push(`  readback of the ${timing.readback.shape.join('x')} feature map (await data()): median ${ms(median(timing.readback.ms))}`);
      } finally {
        await page.close();
      }
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const torch = torchFigure();
  const version = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' }).stdout.trim();
  const plural = (n: number) => `${n} ${n === 1 ? 'thread' : 'threads'}`;
  lines.push(`PyTorch ${version} CPU, ${plural(torch.threads)} (its default here): median ${ms(torch.ms)}`);
  const ours = medians.get(chosen);
  if (ours === undefined) lines.push(`ratio: the chosen backend (${chosen}) did not run`);
  else {
    const ratio = ours / torch.ms;
    lines.push(`ratio ${chosen}/PyTorch at its default threads: ${ratio.toFixed(2)}x (target <= ${TARGET_RATIO}x: ${ratio <= TARGET_RATIO ? 'met' : 'MISSED'})`);
    // The same number of threads on both sides, so the ratio above is not read as a single-thread comparison.
    if (chosen === 'wasm' && threads !== torch.threads) {
      const matched = torchFigure(threads);
      lines.push(`PyTorch CPU at ${plural(matched.threads)} (as many as the wasm run): median ${ms(matched.ms)}; ratio ${(ours / matched.ms).toFixed(2)}x`);
    }
  }
  return lines;
}
