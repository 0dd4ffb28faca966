/**
 * PyTorch export, checked by running it: every example, every golden file
 * without errors and every engine parity network is exported with the
 * preview's seeded weights, loaded into Debian's torch with
 * load_state_dict(strict=True), and PyTorch's own counts (parameters that
 * require grad, buffers, MACs from forward hooks on Conv/ConvTranspose/Linear,
 * output shape) must equal the analysis, for the whole network and for each
 * top-level statement that is one module of the network class. The forward output must equal the
 * preview engine's (tfjs WASM in headless Chromium) on the same weights and
 * input within 1e-4 of the output's largest magnitude.
 */
import { strict as assert } from 'node:assert';
import { requirePython } from '../python';
import { callPage, useWasmEnginePage } from '../webview/engineFixtures';
import { exportCases, outputDifference, torchRuns, type TorchRun } from './exportCases';

describe('export to PyTorch, run in torch', function () {
  this.timeout(900_000);
  const cases = exportCases();
  let runs: TorchRun[] = [];

  before(async function () {
    requirePython(this, ['torch', 'numpy']);
    this.timeout(3_600_000);
    runs = torchRuns();
  });

  const engine = useWasmEnginePage();

  for (const testCase of cases) {
    describe(testCase.title, () => {
      let run: TorchRun;
      beforeEach(() => {
        run = runs.find((r) => r.testCase.title === testCase.title)!;
        assert.equal(run.failure, undefined, 'the export succeeds');
        assert.equal(run.report?.error, undefined, run.report?.error);
      });

      it("has the analysis's trainable and non-trainable counts, MACs and output shape, and loads its weights with strict=True", () => {
        const report = run.report!;
        const network = run.source.network;
        assert.deepEqual(
          {
            trainable: report.trainable,
            buffers: report.buffers,
            macs: report.macs,
            outShape: report.outShape,
            missing: report.missing,
            unexpected: report.unexpected,
            batchAgrees: report.batchAgrees,
          },
          { trainable: network.params.trainable, buffers: network.params.nonTrainable, macs: network.macs, outShape: network.output, missing: [], unexpected: [], batchAgrees: true },
        );
      });

      it("has the analysis's figures statement by statement, for every top-level statement that is one module", () => {
        const network = run.source.network;
        const modules = [...run.statementModules!.entries()];
        // Every example has top-level layers or block calls, so its check compares something.
        if (testCase.title.startsWith('examples/')) assert.ok(modules.length > 0, 'no statement maps onto one module');
        const actual = modules.map(([, path]) => ({ path, ...run.report!.statements[path] }));
        const expected = modules.map(([index, path]) => {
          const statement = network.statements[index];
          return { path, trainable: statement.params.trainable, buffers: statement.params.nonTrainable, macs: statement.macs, outShape: statement.outShape };
        });
        assert.deepEqual(actual, expected);
      });

      if (testCase.first) {
        it("computes the preview engine's output on the same weights and input", async () => {
          const reply = await callPage(engine.page, 'run', { source: testCase.text, input: run.input, seed: 1, keep: [] });
          assert.ok(reply.ok, reply.ok ? '' : `${reply.errorClass}: ${reply.error}`);
          const problem = outputDifference(run.report!.output, reply.outputs[reply.outputNode].data);
          assert.equal(problem, undefined, problem);
        });
      }

      it('imports only torch', () => {
        const imports = run.code!.split('\n').filter((line) => /^\s*(import|from)\s/.test(line));
        assert.deepEqual(
          imports.filter((line) => !/^(import torch|from torch import nn|import torch\.nn\.functional as F)$/.test(line)),
          [],
        );
      });
    });
  }
});
