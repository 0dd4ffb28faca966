/**
 * The networks every export target is tested on: each example, each golden
 * diagnostics file that has no errors, and the engine's parity networks
 * (which together use every op family with non-default settings). Each file
 * contributes every network it defines.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/core/index';
import { exportSource, isExportFailure, type ExportSource } from '../../src/core/export/network';
import { writePytorch } from '../../src/core/export/pytorch';
import { encodeSafetensors } from '../../src/core/safetensors';
import { stateDict } from '../../src/cli/export';
import { heInitialization } from '../../webview/src/engine/weights';
import { PYTHON } from '../python';
import { PARITY_NETS } from '../webview/engineNets';
import { uniform } from '../webview/engineFixtures';

/** One network of one file. */
export interface ExportCase {
  /** `examples/resnet18.cnn` or `parity:merges`, plus the network when the file has several. */
  title: string;
  text: string;
  network: string;
  /** Whether it is the file's first network (the one the preview's engine runs). */
  first: boolean;
}

function casesOf(title: string, text: string): ExportCase[] {
  const analysis = analyze(text);
  if (analysis.diagnostics.some((d) => d.severity === 'error')) return [];
  return analysis.networks.map((n, i) => ({ title: analysis.networks.length > 1 ? `${title} (${n.name})` : title, text, network: n.name, first: i === 0 }));
}

/**
 * Networks for the export alone: the language v1.1 forms in the shapes the
 * parity networks leave out (the channel shuffles, layer scale and resizes
 * that Keras can hold, a 3-D pixel shuffle, causal padding in 2-D, the
 * v1.1 forms inside blocks and repeats).
 */
export const EXPORT_NETS: Record<string, string> = {
  keras11: `network Keras11 {
  input(8x6x6)
  conv(16, 3, padding=1)
  channel_shuffle(4)
  pixel_shuffle(2)                   -> 4x12x12
  layer_scale(init=0.5)
  slice(1, -2, axis=2)               -> 4x12x9
  x: conv(4, 3, padding="causal")    -> 4x12x9
  upsample(size=24x18)
  maxpool(2)
  upsample(like=x)                   -> 4x12x9
  slice(2, axis=1)                   -> 4x10x9
}
`,
  shuffle3d: `network Shuffle3d {
  input(16x2x3x3)
  pixel_shuffle(2)                   -> 2x4x6x6
  conv(4, 1)
  channel_shuffle(2)
  layer_scale
  conv(4, 3, padding="causal", dilation=2)
  slice(1, 3, axis=3)                -> 4x4x6x2
}
`,
  blocks11: `block Unit(c, g) {
  concat {
    branch { slice(0, c / 2) }
    branch { slice(c / 2); conv(c / 2, 3, padding="causal", dilation=g) }
  }
  channel_shuffle(g)
  layer_scale(init=0.25)
}

block Up(r) {
  skip: conv(4 * r * r, 1)
  pixel_shuffle(r)
  maxpool(r)
  upsample(like=skip)
}

network Blocks11 {
  input(8x8x8)
  Unit(8, 2)
  Unit(8, 4)
  repeat(2) { Unit(8, 2); channel_shuffle(4); slice(0, 8) }
  Up(2)
  Up(1)
}
`,
};

/** Every case, examples first; CNN_EXPORT_ONLY=WORD keeps those whose title holds WORD (for working on one). */
export function exportCases(): ExportCase[] {
  const only = process.env.CNN_EXPORT_ONLY;
  return allCases().filter((c) => !only || c.title.includes(only));
}

function allCases(): ExportCase[] {
  const cases: ExportCase[] = [];
  for (const dir of ['examples', 'test/data/diagnostics']) {
    for (const name of readdirSync(dir)
      .filter((f) => f.endsWith('.cnn'))
      .sort())
      cases.push(...casesOf(`${dir}/${name}`, readFileSync(join(dir, name), 'utf8')));
  }
  for (const [name, text] of Object.entries(PARITY_NETS)) cases.push(...casesOf(`parity:${name}`, text));
  for (const [name, text] of Object.entries(EXPORT_NETS)) {
    const own = casesOf(`export:${name}`, text);
    // These are written for the export: one with an error would silently test nothing.
    if (own.length === 0) throw new Error(`EXPORT_NETS.${name} has errors`);
    cases.push(...own);
  }
  return cases;
}

/** What PyTorch reports for one exported network (see torch_export.py). */
export interface TorchReport {
  trainable: number;
  buffers: number;
  macs: number;
  outShape: number[];
  batchAgrees: boolean;
  /** Sample 0's output, flattened. */
  output: number[];
  missing: string[];
  unexpected: string[];
  error?: string;
  /** Per statement module (attribute path): PyTorch's counts for that module alone. */
  statements: Record<string, { trainable: number; buffers: number; macs: number; outShape: number[] }>;
}

/** One case exported to PyTorch with the seeded weights, and what torch made of it. */
export interface TorchRun {
  testCase: ExportCase;
  source: ExportSource;
  /** One sample, channels first. */
  input: number[];
  /** The export's failure, when it failed. */
  failure?: string;
  code?: string;
  modulePaths?: Map<number, string>;
  /** Top-level statements (by index) that are one module of the network class, by attribute path. */
  statementModules?: Map<number, string>;
  report?: TorchReport;
}

/**
 * Exports every case to PyTorch with the preview's seeded weights (seed 1),
 * runs them all in one Python process and returns the results. Memoised on
 * globalThis so that the PyTorch, ONNX and Keras suites (separate bundles in
 * one mocha process) share one run of torch.
 */
export function torchRuns(): TorchRun[] {
  const store = globalThis as { cnnLensTorchRuns?: TorchRun[] };
  if (store.cnnLensTorchRuns) return store.cnnLensTorchRuns;
  const directory = mkdtempSync(join(tmpdir(), 'cnn-export-'));
  try {
    const runs: TorchRun[] = [];
    const requests: { module: string; className: string; weights: string; inputShape: number[]; input: number[]; statements: string[] }[] = [];
    const asked: TorchRun[] = [];
    for (const [index, testCase] of exportCases().entries()) {
      const source = exportSource(testCase.text, testCase.network);
      if (isExportFailure(source)) throw new Error(`${testCase.title}: ${source.failure}`);
      const inputShape = source.network.input!;
      const run: TorchRun = {
        testCase,
        source,
        input: uniform(
          index + 11,
          inputShape.reduce((a, b) => a * b, 1),
        ),
      };
      runs.push(run);
      const exported = writePytorch(source);
      if (isExportFailure(exported)) {
        run.failure = exported.failure;
        continue;
      }
      run.code = exported.code;
      run.modulePaths = exported.modulePaths;
      run.statementModules = exported.statementModules;
      const module = join(directory, `net${index}.py`);
      const weights = join(directory, `net${index}.safetensors`);
      writeFileSync(module, exported.code);
      writeFileSync(weights, encodeSafetensors(stateDict(source, heInitialization(source.graph, 1), exported.modulePaths)));
      requests.push({ module, className: exported.className, weights, inputShape, input: run.input, statements: [...exported.statementModules.values()] });
      asked.push(run);
    }
    const python = spawnSync(PYTHON, ['test/export/torch_export.py'], { input: JSON.stringify(requests), encoding: 'utf8', maxBuffer: 512 << 20 });
    if (python.status !== 0) throw new Error(`torch_export.py failed (exit ${python.status}):\n${python.stderr}`);
    (JSON.parse(python.stdout) as TorchReport[]).forEach((report, i) => (asked[i].report = report));
    store.cnnLensTorchRuns = runs;
    return runs;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * The first value of `actual` farther from `expected` than 1e-4 of the
 * output's largest magnitude (at least 1e-4), described; undefined when all
 * agree. Deep networks with seeded weights and unit batch-norm statistics
 * reach outputs in the millions, where float32 sums taken in a different
 * order differ in the fifth digit, so the tolerance follows the output's scale.
 */
export function outputDifference(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4): string | undefined {
  if (actual.length !== expected.length) return `${actual.length} values, expected ${expected.length}`;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance * scale)) return `value ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance * scale})`;
  }
  return undefined;
}
