/**
 * `npm run bench`: prints medians and ratios against the targets. Figures,
 * not pass/fail: machines are noisy, so no test depends on timing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analyze } from '../../src/core';

interface Figure {
  name: string;
  medianMs: number;
  p95Ms: number;
  targetMs: number;
}

function measure(name: string, targetMs: number, runs: number, work: () => void): Figure {
  for (let i = 0; i < Math.min(5, runs); i++) work(); // Warm the JIT and chevrotain's caches first.
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { name, medianMs: times[Math.floor(times.length / 2)], p95Ms: times[Math.min(times.length - 1, Math.floor(times.length * 0.95))], targetMs };
}

/** A file of `count` statements: conv/batchnorm/relu triples that keep the shape, so every one is analysed. */
export function generatedNetwork(count: number): string {
  const lines = ['network Generated {', '  input(16x32x32)'];
  const pattern = ['  conv(16, 3, padding=1)', '  batchnorm', '  relu'];
  for (let i = 0; i < count - 1; i++) lines.push(pattern[i % pattern.length]);
  lines.push('}');
  return lines.join('\n');
}

const root = process.cwd();
const resnet152 = readFileSync(join(root, 'examples', 'resnet152.cnn'), 'utf8');
const large = generatedNetwork(10_000);
const figures: Figure[] = [
  measure('analyse ResNet-152 (warm)', 10, 50, () => analyze(resnet152)),
  measure('analyse a 10,000-statement file', 200, 15, () => analyze(large)),
  measure('cnn check on lenet5.cnn (wall, new process)', 300, 10, () => {
    const run = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'check', join(root, 'examples', 'lenet5.cnn')]);
    if (run.status !== 0) throw new Error(`cnn check failed: ${run.stderr}`);
  }),
];

console.log('CNN Lens benchmarks (median and p95 of repeated runs; ratio = median / target, below 1 meets the target)');
for (const f of figures) {
  console.log(
    `${f.name.padEnd(48)} median ${f.medianMs.toFixed(2).padStart(8)} ms   p95 ${f.p95Ms.toFixed(2).padStart(8)} ms   target ${String(f.targetMs).padStart(4)} ms   ratio ${(f.medianMs / f.targetMs).toFixed(2)}`,
  );
}
