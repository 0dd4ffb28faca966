/**
 * Keras 3 `.keras` archives with PyTorch's weights (test/import/keras_archive.py,
 * Debian's torch and h5py), written once per test run into a temporary
 * folder named after the mocha process and removed when it exits; shared by
 * the import tests and the engine test.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { runPython } from '../python';

/** What torch says about one model written as a `.keras` archive. */
export interface KerasArchiveFacts {
  /** An input, channels first, flattened. */
  input: number[];
  /** Torch's output for it, flattened. */
  output: number[];
  outputShape: number[];
  trainable: number;
  nonTrainable: number;
  /** Multiply-accumulates of the convolutions and dense layers, bias adds excluded. */
  macs: number;
  /** Variables in the archive's weights file. */
  tensors: number;
}

/** The models the script writes: a Sequential CNN and a functional one with a skip connection and depthwise convolutions. */
export const kerasArchiveModels = ['digits', 'skipnet'] as const;

const folder = join(tmpdir(), `cnn-lens-keras-${process.pid}`);

/** Writes the archives unless this run already did; returns their folder and torch's facts by model name. */
export function kerasArchives(): { dir: string; facts: Record<(typeof kerasArchiveModels)[number], KerasArchiveFacts> } {
  const reportPath = join(folder, 'report.json');
  if (!existsSync(reportPath)) {
    mkdirSync(folder, { recursive: true });
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    writeFileSync(reportPath, runPython(readFileSync(join(repoRoot, 'test', 'import', 'keras_archive.py'), 'utf8'), [folder]));
  }
  return { dir: folder, facts: JSON.parse(readFileSync(reportPath, 'utf8')) as Record<(typeof kerasArchiveModels)[number], KerasArchiveFacts> };
}
