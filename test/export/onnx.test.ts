/**
 * ONNX export, checked by running it: every case is exported with the
 * preview's seeded weights; Debian's onnx runs the full checker and strict
 * shape inference (which must infer the analysis's output shape from the
 * input alone), and ONNX Runtime (onnxruntime-web's WASM build, in Node)
 * must compute PyTorch's output for the exported PyTorch module on the same
 * weights and input within 1e-4 of the output's largest magnitude.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { isExportFailure } from '../../src/core/export/network';
import { writeOnnx } from '../../src/core/export/onnx';
import { encodeOnnxModel } from '../../src/core/onnx/schema';
import { heInitialization } from '../../webview/src/engine/weights';
import { PYTHON, requirePython } from '../python';
import { exportCases, outputDifference, torchRuns, type TorchRun } from './exportCases';

interface OnnxReport {
  opset: number;
  input: string;
  inputDims: (number | string)[];
  outputDims: (number | string)[];
  inferredOutputDims: (number | string)[];
  initializers: number;
  error?: string;
}

/** Cases ONNX cannot express exactly, and the op that stops each. */
const ONNX_UNSUPPORTED: Record<string, RegExp> = {
  'parity:threeD': /^line 15: lrn\(2\): ONNX export cannot express lrn with an even size/,
};

describe('export to ONNX, checked by onnx and run in ONNX Runtime', function () {
  this.timeout(900_000);
  const cases = exportCases();
  const files = new Map<string, { bytes?: Uint8Array; path?: string; failure?: string }>();
  let runs: TorchRun[] = [];
  let directory = '';
  /** onnx's report per exported file, from one Python process for all of them (starting Python and importing onnx per case cost a second or more each). */
  const reports = new Map<string, OnnxReport>();

  before(function () {
    requirePython(this, ['onnx', 'torch', 'numpy']);
    ort.env.wasm.numThreads = 1;
    this.timeout(3_600_000);
    runs = torchRuns();
    directory = mkdtempSync(join(tmpdir(), 'cnn-onnx-'));
    for (const [index, run] of runs.entries()) {
      const model = writeOnnx(run.source, heInitialization(run.source.graph, 1), run.modulePaths);
      if (isExportFailure(model)) {
        files.set(run.testCase.title, { failure: model.failure });
        continue;
      }
      const bytes = encodeOnnxModel(model);
      const path = join(directory, `net${index}.onnx`);
      writeFileSync(path, bytes);
      files.set(run.testCase.title, { bytes, path });
    }
    const written = [...files.entries()].filter(([, file]) => file.path);
    const python = spawnSync(PYTHON, ['test/export/onnx_check.py'], { input: JSON.stringify(written.map(([, file]) => file.path)), encoding: 'utf8', maxBuffer: 64 << 20 });
    if (python.status !== 0) throw new Error(`onnx_check.py failed (exit ${python.status}):\n${python.stderr}`);
    (JSON.parse(python.stdout) as OnnxReport[]).forEach((report, i) => reports.set(written[i][0], report));
  });

  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  for (const testCase of cases) {
    describe(testCase.title, () => {
      let run: TorchRun;
      let file: { bytes?: Uint8Array; path?: string; failure?: string };
      beforeEach(() => {
        run = runs.find((r) => r.testCase.title === testCase.title)!;
        file = files.get(testCase.title)!;
        if (!ONNX_UNSUPPORTED[testCase.title]) assert.equal(file.failure, undefined, 'the export succeeds');
      });

      const unsupported = ONNX_UNSUPPORTED[testCase.title];
      if (unsupported) {
        it('fails with the line and the op ONNX cannot express as PyTorch computes it', () => {
          assert.match(file.failure ?? '', unsupported);
        });
        return;
      }

      it("passes the full checker and strict shape inference, which infers the analysis's output shape", () => {
        const report = reports.get(testCase.title);
        assert.ok(report, 'onnx checked the exported file');
        assert.equal(report.error, undefined, report.error);
        const network = run.source.network;
        assert.ok(report.opset >= 13);
        // Inference keeps the batch symbolic but may rename it after a Reshape or Resize.
        assert.equal(typeof report.inferredOutputDims[0], 'string');
        assert.deepEqual(
          { input: report.input, inputDims: report.inputDims, inferredOutputDims: report.inferredOutputDims.slice(1) },
          { input: 'input', inputDims: ['N', ...network.input!], inferredOutputDims: network.output! },
        );
      });

      it("computes PyTorch's output on the same weights and input", async function () {
        if (run.failure || !run.report || run.report.error) this.skip();
        const session = await ort.InferenceSession.create(file.bytes!);
        const shape = run.source.network.input!;
        const result = await session.run({ input: new ort.Tensor('float32', Float32Array.from(run.input), [1, ...shape]) });
        const output = result.output;
        assert.deepEqual(output.dims, [1, ...run.source.network.output!]);
        const problem = outputDifference(Array.from(output.data as Float32Array), run.report.output);
        assert.equal(problem, undefined, problem);
        await session.release();
      });
    });
  }
});
