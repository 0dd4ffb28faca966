/**
 * Import of large ONNX files: ResNet-50 and ResNet-152 exported by torch at
 * 224x224 (random weights), imported by `cnn import` in a new process, with
 * and without writing the weights. Reports wall time against the 2 s goal and
 * the process's peak resident memory against twice the file size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runPythonFile } from '../python';
import { figureLine, summarise } from './figure';

/** Runs the CLI under /usr/bin/time; returns wall milliseconds and peak resident memory in bytes. */
function importOnce(root: string, args: string[]): { ms: number; peakBytes: number } {
  const start = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', process.execPath, join(root, 'dist', 'cli.js'), 'import', ...args], { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (run.status !== 0) throw new Error(`cnn import failed: ${run.stderr}`);
  const peak = Number(/peak-kb (\d+)/.exec(run.stderr)?.[1] ?? NaN);
  return { ms, peakBytes: peak * 1024 };
}

/** Figure lines for the import section. */
export function importFigures(root: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cnn-bench-import-'));
  try {
    runPythonFile(join(root, 'test', 'import', 'torchvision_onnx.py'), [dir, 'resnet50:224', 'resnet152:224'], 1_800_000);
    const lines: string[] = [];
    for (const [model, title] of [
      ['resnet50', 'ResNet-50'],
      ['resnet152', 'ResNet-152'],
    ]) {
      const file = join(dir, `${model}.onnx`);
      const size = statSync(file).size;
      for (const weights of [false, true]) {
        const args = [file, '-o', join(dir, `${model}.cnn`), ...(weights ? ['--weights-out', join(dir, `${model}.safetensors`)] : [])];
        const runs = [importOnce(root, args), importOnce(root, args), importOnce(root, args)];
        const name = `import ${title} ONNX (${(size / 1e6).toFixed(0)} MB)${weights ? ' + weights' : ''} (new process)`;
        const peak = Math.max(...runs.map((r) => r.peakBytes));
        lines.push(
          figureLine(
            summarise(
              name,
              2000,
              runs.map((r) => r.ms),
            ),
          ),
        );
        lines.push(`${'  peak memory'.padEnd(60)} ${(peak / 1e6).toFixed(0)} MB = ${(peak / size).toFixed(2)} x the file (goal: under 2 x)`);
      }
    }
    return lines;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
