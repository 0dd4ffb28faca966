/**
 * `npm run bench`: prints medians and ratios against the targets. Figures,
 * not pass/fail: machines are noisy, so no test depends on timing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { analysisMemory, analyze, IncrementalAnalysis } from '../../src/core';
import { activationFigures } from './activation';
import { workbenchFileFigures } from './workbenchFiles';
import { editorFigures } from './editor';
import { effectiveFieldFigures } from './effectiveField';
import { exportFigures } from './export';
import { figureLine, summarise, type Figure } from './figure';
import { forwardFigures } from './forward';
import { previewFigures } from './preview';
import { restoreFigures } from './restore';
import { importFigures } from './importModel';
import { megabyteFiles } from '../megabyteFiles';
import { megabyteServerFigures } from './megabyteServer';
import { COLD_LAYOUT_FLAG, coldLayout, layoutFigures } from './layout';

/**
 * The processor time of `work` (this process's user and system time, so a
 * busy machine's other processes do not count), median of `runs` after one
 * run to warm up.
 */
function measureCpu(name: string, targetMs: number, runs: number, work: () => void): Figure {
  work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.cpuUsage();
    work();
    const spent = process.cpuUsage(start);
    times.push((spent.user + spent.system) / 1000);
  }
  return summarise(name, targetMs, times);
}

function measure(name: string, targetMs: number, runs: number, work: () => void): Figure {
  for (let i = 0; i < Math.min(5, runs); i++) work(); // Warm the JIT and chevrotain's caches first.
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    times.push(performance.now() - start);
  }
  return summarise(name, targetMs, times);
}

/** A file of `count` statements: conv/batchnorm/relu triples that keep the shape, so every one is analysed. */
export function generatedNetwork(count: number): string {
  const lines = ['network Generated {', '  input(16x32x32)'];
  const pattern = ['  conv(16, 3, padding=1)', '  batchnorm', '  relu'];
  for (let i = 0; i < count - 1; i++) lines.push(pattern[i % pattern.length]);
  lines.push('}');
  return lines.join('\n');
}

/**
 * The processor time of one incremental analysis after Enter is pressed in
 * the middle of the editor section's 10,000-statement network: each version
 * adds a blank line there, so every statement after it moves down a line
 * (and the cycle's first version removes the blank lines the last added).
 */
function enterInTheMiddle(): Figure {
  const pairs = (count: number) => '  conv(8, 3, padding=1)\n  relu\n'.repeat(count);
  const enterPressed = (blankLines: number) => 'network Big {\n  input(3x64x64)\n' + pairs(2500) + '\n'.repeat(blankLines) + pairs(2499) + '}\n';
  const incremental = new IncrementalAnalysis();
  incremental.analyze('network Big {\n  input(3x64x64)\n' + pairs(5000) + '}\n');
  let pressed = 0;
  return measureCpu('incremental: Enter in a 10,000-statement file (CPU)', 100, 60, () => {
    incremental.analyze(enterPressed((pressed++ % 20) + 1));
  });
}

const root = process.cwd();
/** `npm run bench -- forward layout` runs only the sections whose titles contain one of the words. */
const only = process.argv.slice(2).map((word) => word.toLowerCase());

function coreFigures(): Figure[] {
  const resnet152 = readFileSync(join(root, 'examples', 'resnet152.cnn'), 'utf8');
  const large = generatedNetwork(10_000);
  return [
    measure('analyse ResNet-152 (warm)', 10, 50, () => analyze(resnet152)),
    measure('analyse a 10,000-statement file', 200, 15, () => analyze(large)),
    // What the server does once per version for the hover line, the summary and the status bar's peak.
    measure('training memory of ResNet-152 (graph + memory)', 50, 20, () => analysisMemory(analyze(resnet152, { graph: true }), { batch: 64, optimizer: 'adam', precision: 'fp32' })),
    // Issue 16: Enter pressed in the middle of the 10,000-statement file, as the editor section does through the server: the core's part of
    // that keystroke alone (processor time), the server's transport and scheduling left out.
    enterInTheMiddle(),
    // Issue 16: every file up to 1 MB analyses in under 2 s, whatever its shape. Processor time of a fresh analysis (parse, checks, evaluation, diagnostics).
    ...megabyteFiles().map(({ name, text }) => measureCpu(`analyse 1 MB (CPU): ${name}`, 2000, 5, () => analyze(text))),
    measure('cnn check on lenet5.cnn (wall, new process)', 300, 10, () => {
      const run = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'check', join(root, 'examples', 'lenet5.cnn')]);
      if (run.status !== 0) throw new Error(`cnn check failed: ${run.stderr}`);
    }),
  ];
}

/**
 * Issue 16 as a user of the command line meets it: `cnn check`, and `cnn
 * check --json --batch 8` and `cnn summary` (with training memory, from a
 * worker thread beside the plain analysis) on each 1 MB file, wall time of a new process, output discarded.
 * The goal is 2 s for any file up to 1 MB.
 */
function megabyteCliFigures(): Figure[] {
  const folder = mkdtempSync(join(tmpdir(), 'cnn-lens-bench-'));
  try {
    return megabyteFiles().flatMap(({ name, text }, index) => {
      const path = join(folder, `${index}.cnn`);
      writeFileSync(path, text);
      // A new process each time, so nothing is warmed up beforehand: five runs.
      const wall = (...command: string[]) => {
        const times: number[] = [];
        for (let run = 0; run < 5; run++) {
          const start = performance.now();
          const { status } = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...command, path], { stdio: 'ignore' });
          times.push(performance.now() - start);
          if (status !== 0 && status !== 1) throw new Error(`cnn ${command.join(' ')} exited ${status} on ${name}`);
        }
        return summarise(`cnn ${command.join(' ')}, 1 MB (wall, new process): ${name}`, 2000, times);
      };
      return [wall('check'), wall('check', '--json', '--batch', '8'), wall('summary')];
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Runs one section and prints its lines; a section that cannot run here (no
 * code-server, no Chromium) prints why instead of stopping the others.
 */
async function section(title: string, figures: () => Promise<string[]> | string[]): Promise<void> {
  if (only.length && !only.some((word) => title.toLowerCase().includes(word))) return;
  console.log(`\n${title}`);
  try {
    for (const text of await figures()) console.log(`  ${text}`);
  } catch (error) {
    console.log(`  skipped: ${(error as Error).message.split('\n')[0]}`);
  }
}

async function main(): Promise<void> {
  console.log('CNN Lens benchmarks (median and p95 of repeated runs; ratio = median / target, below 1 meets the target)');
  await section('Analysis core and CLI', () => coreFigures().map(figureLine));
  await section('1 MB files through the command line (cnn check, check --batch and summary as the user waits for them)', () => megabyteCliFigures().map(figureLine));
  await section('Export of ResNet-152 (PyTorch, ONNX, Keras)', () => exportFigures(root));
  await section('Import of ONNX models (cnn import)', () => importFigures(root));
  await section('Editor latency (language server over stdio)', async () => (await editorFigures(root)).map(figureLine));
  // Issue 16's 2 s goal as the user meets it: the 1 MB files opened in the server, not only the core's CPU.
  await section('1 MB files opened in the language server (analysis as the user waits for it)', async () => (await megabyteServerFigures()).map(figureLine));
  await section('Preview diagram (model and ELK layout, in Node)', layoutFigures);
  await section('Forward pass: ResNet-18 224x224 per backend in headless Chromium, against PyTorch', () => forwardFigures(root));
  await section('Effective receptive field: VGG-16 after pool5 on wasm in headless Chromium, against a forward pass', () => effectiveFieldFigures(root));
  await section('Extension activation (real VS Code: code-server)', async () => {
    if (!existsSync(process.env.CNN_LENS_TOOLS ?? join(root, '.tools'))) throw new Error('the editor tools are not installed; run `bash .ci/install-editor-tools.sh` first');
    return (await activationFigures()).map(figureLine);
  });
  // The .vsix ships minified bundles without source maps; the preview is timed with those, then the usual build is put back.
  const packaged = (figures: (root: string, emit: (line: string) => void) => Promise<string[]>) => async () => {
    if (!existsSync(process.env.CNN_LENS_TOOLS ?? join(root, '.tools'))) throw new Error('the editor tools are not installed; run `bash .ci/install-editor-tools.sh` first');
    const build = (production: boolean) =>
      spawnSync(process.execPath, ['esbuild.mjs', '--quiet', ...(production ? ['--production'] : []), 'extension', 'server', 'webview'], { cwd: root, stdio: 'inherit' });
    build(true);
    try {
      return await figures(root, (line) => console.log(`  ${line}`));
    } finally {
      build(false);
    }
  };
  await section(
    '1 MB files opened in the workbench, as the user waits for them (real VS Code: code-server, production bundles)',
    packaged(async () => (await workbenchFileFigures()).map(figureLine)),
  );
  await section('The preview as the user waits for it (real VS Code: code-server, production bundles)', packaged(previewFigures));
  await section('The preview restored after Reload Window, as the user waits for it (real VS Code: code-server, production bundles)', packaged(restoreFigures));
}

const coldLayoutAt = process.argv.indexOf(COLD_LAYOUT_FLAG);
(coldLayoutAt >= 0 ? coldLayout(process.argv[coldLayoutAt + 1] === 'expanded', process.argv[coldLayoutAt + 2] === 'warm-up') : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
