/**
 * PyTorch export, checked by running it: every example, every golden file
 * without errors and every engine parity network is exported with the
 * preview's seeded weights, loaded into Debian's torch with
 * load_state_dict(strict=True), and PyTorch's own counts (parameters that
 * require grad, buffers, MACs from forward hooks on Conv/ConvTranspose/Linear,
 * output shape) must equal the analysis. The forward output must equal the
 * preview engine's (tfjs WASM in headless Chromium) on the same weights and
 * input within 1e-4.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { exportSource, isExportFailure, type ExportSource } from '../../src/core/export/network';
import { writePytorch } from '../../src/core/export/pytorch';
import { encodeSafetensors } from '../../src/core/safetensors';
import { heInitialization } from '../../webview/src/engine/weights';
import { stateDict } from '../../src/cli/export';
import { PYTHON, requirePython } from '../python';
import { launchChromium, startStaticServer } from '../webview/browser';
import { callPage, enginePage, firstDifference, uniform } from '../webview/engineFixtures';
import { exportCases, type ExportCase } from './exportCases';

interface TorchReport {
  trainable: number;
  buffers: number;
  macs: number;
  outShape: number[];
  batchAgrees: boolean;
  output: number[];
  missing: string[];
  unexpected: string[];
  error?: string;
}

interface Prepared {
  testCase: ExportCase;
  source: ExportSource;
  input: number[];
  code: string;
}

describe('export to PyTorch, run in torch', function () {
  this.timeout(900_000);
  const cases = exportCases();
  const prepared: Prepared[] = [];
  const reports = new Map<string, TorchReport>();
  const failures = new Map<string, string>();
  let directory = '';
  let server: Awaited<ReturnType<typeof startStaticServer>> | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;

  before(async function () {
    requirePython(this, ['torch', 'numpy']);
    directory = mkdtempSync(join(tmpdir(), 'cnn-export-'));
    const requests = [];
    for (const [index, testCase] of cases.entries()) {
      const source = exportSource(testCase.text, testCase.network);
      if (isExportFailure(source)) throw new Error(`${testCase.title}: ${source.failure}`);
      const exported = writePytorch(source);
      if (isExportFailure(exported)) {
        failures.set(testCase.title, exported.failure);
        continue;
      }
      const module = join(directory, `net${index}.py`);
      const weights = join(directory, `net${index}.safetensors`);
      writeFileSync(module, exported.code);
      writeFileSync(weights, encodeSafetensors(stateDict(source, heInitialization(source.graph, 1), exported.modulePaths)));
      const inputShape = source.network.input!;
      const input = uniform(index + 11, inputShape.reduce((a, b) => a * b, 1));
      prepared.push({ testCase, source, input, code: exported.code });
      requests.push({ module, className: exported.className, weights, inputShape, input });
    }
    const run = spawnSync(PYTHON, ['test/export/torch_export.py'], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 256 << 20 });
    if (run.status !== 0) throw new Error(`torch_export.py failed (exit ${run.status}):\n${run.stderr}`);
    (JSON.parse(run.stdout) as TorchReport[]).forEach((report, i) => reports.set(prepared[i].testCase.title, report));
    server = await startStaticServer();
    browser = await launchChromium();
    ({ page } = await enginePage(browser, server.url, 'wasm'));
  });

  after(async () => {
    await page?.close();
    await browser?.close();
    await server?.close();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  for (const testCase of cases) {
    describe(testCase.title, () => {
      beforeEach(() => {
        assert.equal(failures.get(testCase.title), undefined, 'the export succeeds');
      });

      it("has the analysis's trainable and non-trainable counts, MACs and output shape, and loads its weights with strict=True", () => {
        const { source } = prepared.find((p) => p.testCase === testCase)!;
        const report = reports.get(testCase.title)!;
        assert.equal(report.error, undefined, report.error);
        assert.deepEqual(
          { trainable: report.trainable, buffers: report.buffers, macs: report.macs, outShape: report.outShape, missing: report.missing, unexpected: report.unexpected, batchAgrees: report.batchAgrees },
          {
            trainable: source.network.params.trainable,
            buffers: source.network.params.nonTrainable,
            macs: source.network.macs,
            outShape: source.network.output,
            missing: [],
            unexpected: [],
            batchAgrees: true,
          },
        );
      });

      if (testCase.first) {
        it("computes the preview engine's output on the same weights and input", async () => {
          const { input } = prepared.find((p) => p.testCase === testCase)!;
          const reply = await callPage(page!, 'run', { source: testCase.text, input, seed: 1, keep: [] });
          assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}`);
          const problem = firstDifference(reports.get(testCase.title)!.output, reply.outputs[reply.outputNode].data);
          assert.equal(problem, undefined, problem);
        });
      }

      it('imports only torch', () => {
        const { code } = prepared.find((p) => p.testCase === testCase)!;
        const imports = code.split('\n').filter((line) => /^\s*(import|from)\s/.test(line));
        assert.deepEqual(imports.filter((line) => !/^(import torch|from torch import nn|import torch\.nn\.functional as F)$/.test(line)), []);
      });
    });
  }
});
