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
import { runPython } from '../python';

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

/** Runs the export script for `specs` unless this run already did; returns the folder and torch's report. */
export function exported(specs: string[], name: string): { dir: string; report: Record<string, unknown> } {
  const reportPath = join(folder, `${name}.json`);
  if (!existsSync(reportPath)) {
    mkdirSync(folder, { recursive: true });
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    const out = runPython(readFileSync(join(repoRoot, 'test', 'import', 'torchvision_onnx.py'), 'utf8'), [folder, ...specs], 900_000);
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
