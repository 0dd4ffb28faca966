/**
 * torchvision models exported to ONNX once per test run (Debian's torch 1.13,
 * random weights, nothing downloaded), shared by every test file that needs
 * them: the exports land in one temporary folder named after the mocha
 * process and are removed when it exits.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { runPythonFile } from '../python';

/** What torch says about one exported model. */
export interface TorchFacts {
  input: number[];
  trainable: number;
  nonTrainable: number;
  output: number[];
  macs: number;
  /** Trainable and non-trainable counts of the folded export, from the onnx library's reading of it. */
  folded: [number, number];
}

/** An input and torch's output for a model exported with random batch-norm terms (`NAME.random.onnx`). */
export interface TorchRun {
  input: number[];
  output: number[];
}

/** The models and input sizes: small images where the network allows, so the run stays short on two cores. */
export const torchvisionModels: [string, number][] = [
  ['resnet18', 64],
  ['resnet50', 64],
  ['mobilenet_v2', 64],
  ['squeezenet1_0', 64],
  ['densenet121', 64],
  ['googlenet', 64],
  ['efficientnet_b0', 64],
];

const folder = join(tmpdir(), `cnn-lens-import-${process.pid}`);

/** Runs the export script (torchvision_onnx.py unless named) for `specs` unless this run already did; returns the folder and torch's report. */
export function exported(specs: string[], name: string, script = 'torchvision_onnx.py'): { dir: string; report: Record<string, unknown> } {
  const reportPath = join(folder, `${name}.json`);
  if (!existsSync(reportPath)) {
    mkdirSync(folder, { recursive: true });
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    const out = runPythonFile(join(repoRoot, 'test', 'import', script), [folder, ...specs], 900_000);
    writeFileSync(reportPath, out);
  }
  return { dir: folder, report: JSON.parse(readFileSync(reportPath, 'utf8')) as Record<string, unknown> };
}

/** Every torchvision model, kept and folded, with torch's facts. */
export function torchvisionExports(): { dir: string; facts: Record<string, TorchFacts> } {
  const { dir, report } = exported(
    torchvisionModels.map(([model, size]) => `${model}:${size}`),
    'torchvision',
  );
  return { dir, facts: report as Record<string, TorchFacts> };
}

/** What torch says about one small module of torch_forms.py, exported at one opset. */
export interface TorchFormFacts {
  inputShape: number[];
  trainable: number;
  nonTrainable: number;
  output: number[];
  macs: number;
  /** An input and torch's output for it, flattened. */
  input: number[];
  values: number[];
}

/**
 * The forms of the language v1.1 (and the written-out norms and activations)
 * as torch.onnx.export writes them, each at opset 13 and at one other opset
 * where the form's ONNX differs: `NAME.opsetN`.
 */
export const torchForms: [string, number[]][] = [
  ['slices', [13, 11]],
  ['shufflenet', [13, 11]],
  ['pixel_shuffle', [13, 9]],
  ['convnext_block', [13, 17]],
  ['resizes', [13, 11]],
  ['causal', [13, 17]],
  ['transposed', [13, 17]],
];

/** Every torch form exported, with torch's facts, keyed `NAME.opsetN`. */
export function torchFormExports(): { dir: string; facts: Record<string, TorchFormFacts> } {
  const { dir, report } = exported(
    torchForms.flatMap(([name, opsets]) => opsets.map((opset) => `${name}:${opset}`)),
    'forms',
    'torch_forms.py',
  );
  return { dir, facts: report as Record<string, TorchFormFacts> };
}
