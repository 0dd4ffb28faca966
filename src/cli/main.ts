/**
 * The `cnn` command line: `cnn check [--json] FILE...`, `cnn summary FILE` and
 * `cnn export --to pytorch|onnx|keras FILE`, over the same core as the editor. Exit codes: 0 clean, 1 errors in the
 * files, 2 usage or I/O failure.
 */
import { readFileSync, statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { analyze, toJsonReport, type Analysis, type Diagnostic } from '../core';
import { ExportNetworkError, ExportUsageError, runExport, type ExportOptions } from './export';
import { renderSummary } from './summary';

/** Largest file read, so a mistaken path to a disk image cannot exhaust memory. */
const maxFileBytes = 64 * 1024 * 1024;

class UsageFailure extends Error {}

function readSource(path: string): string {
  let size: number;
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw new UsageFailure(`${path} is a directory; give .cnn files.`);
    size = stats.size;
  } catch (error) {
    if (error instanceof UsageFailure) throw error;
    throw new UsageFailure(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (size > maxFileBytes) throw new UsageFailure(`${path} is ${(size / 1e6).toFixed(0)} MB, larger than the ${maxFileBytes / 1e6} MB CNN Lens reads.`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageFailure(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function formatDiagnostic(path: string, d: Diagnostic): string {
  return `${path}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} ${d.code}: ${d.message}`;
}

function counts(analyses: Analysis[]): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const a of analyses) for (const d of a.diagnostics) d.severity === 'error' ? errors++ : d.severity === 'warning' && warnings++;
  return { errors, warnings };
}

function runCheck(files: string[], options: { json?: boolean }): number {
  const analyses: Analysis[] = [];
  const reports = [];
  let ioFailed = false;
  for (const path of files) {
    let text: string;
    try {
      text = readSource(path);
    } catch (error) {
      process.stderr.write(`cnn: ${(error as Error).message}\n`);
      ioFailed = true;
      continue;
    }
    const analysis = analyze(text);
    analyses.push(analysis);
    if (options.json) reports.push(toJsonReport(path, analysis));
    else for (const d of analysis.diagnostics) process.stdout.write(`${formatDiagnostic(path, d)}\n`);
  }
  const { errors, warnings } = counts(analyses);
  if (options.json) process.stdout.write(`${JSON.stringify({ files: reports }, null, 2)}\n`);
  else process.stdout.write(`${analyses.length} file${analyses.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
  return ioFailed ? 2 : errors > 0 ? 1 : 0;
}

function runSummary(file: string, options: { depth: string }): number {
  const depth = Number(options.depth);
  if (!Number.isInteger(depth) || depth < 0) throw new UsageFailure(`--depth must be a whole number, not ${options.depth}`);
  const text = readSource(file);
  const analysis = analyze(text);
  if (analysis.networks.length === 0) process.stdout.write(`${file}: no network defined.\n`);
  else process.stdout.write(`${renderSummary(analysis, text, depth)}\n`);
  for (const d of analysis.diagnostics) process.stderr.write(`${formatDiagnostic(file, d)}\n`);
  return counts([analysis]).errors > 0 ? 1 : 0;
}

export function main(argv: string[]): number {
  let exitCode = 0;
  const program = new Command('cnn')
    .description('Check and summarise .cnn convolutional network files (CNN Lens).')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program
    .command('check')
    .description('Report shape errors and warnings; exit 1 if any file has errors.')
    .argument('<files...>', '.cnn files')
    .option('--json', 'print a machine-readable report')
    .action((files: string[], options: { json?: boolean }) => {
      exitCode = runCheck(files, options);
    });
  program
    .command('summary')
    .description('Print a per-layer table: output shape, parameters, MACs, receptive field, and totals.')
    .argument('<file>', 'a .cnn file')
    .option('--depth <n>', 'levels of blocks, repeats and branches to expand', '1')
    .action((file: string, options: { depth: string }) => {
      exitCode = runSummary(file, options);
    });
  program
    .command('export')
    .description('Write the network as PyTorch source, an ONNX model or a Keras (tfjs-layers) model, with weights.')
    .requiredOption('--to <target>', 'pytorch, onnx or keras')
    .argument('<file>', 'a .cnn file')
    .option('--network <name>', 'the network to export (default: the first)')
    .option('-o, --output <path>', 'where to write: OUT.py, OUT.onnx, or a directory for keras (pytorch prints when absent)')
    .option('--weights-out <file>', "also write the weights as safetensors keyed by the PyTorch module's state_dict() names")
    .option('--weights <file>', "use these weights (safetensors, or a tfjs model.json) instead of the preview's seeded He initialisation")
    .action((file: string, options: ExportOptions) => {
      const text = readSource(file);
      try {
        process.stdout.write(runExport(file, text, options).printed);
      } catch (error) {
        if (error instanceof ExportNetworkError) {
          process.stderr.write(`${error.message}\n`);
          exitCode = 1;
          return;
        }
        if (error instanceof ExportUsageError) throw new UsageFailure(error.message);
        throw error;
      }
    });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit cleanly; any other parse failure is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageFailure) {
      process.stderr.write(`cnn: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  return exitCode;
}

process.exitCode = main(process.argv.slice(2));
