/**
 * The `cnn` command line: `cnn check [--json] FILE...`, `cnn summary FILE` and `cnn rf FILE --line L`,
 * over the same core as the editor. Exit codes: 0 clean, 1 errors in the
 * files, 2 usage or I/O failure.
 */
import { readFileSync, statSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { analyze, statementUnitField, toJsonReport, type Analysis, type Diagnostic } from '../core';
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

/**
 * `cnn rf FILE --line L [--at I,J]`: the exact receptive field of one unit of
 * the top-level statement at line L. With --json it prints
 * {"network", "line", "outShape", "at", "window", "visible"} (the contract
 * of issue 17); exit 1 when the statement cannot be traced.
 */
function runReceptiveField(file: string, options: { json?: boolean; line: string; at?: string }): number {
  const line = Number(options.line);
  if (!Number.isInteger(line) || line < 1) throw new UsageFailure(`--line must be a 1-based line number, not ${options.line}`);
  let at: number[] | undefined;
  if (options.at !== undefined) {
    at = options.at.split(',').map((part) => Number(part.trim()));
    if (at.length === 0 || at.some((i) => !Number.isInteger(i) || i < 0)) throw new UsageFailure(`--at must be 0-based indices joined by commas, such as 3,4, not ${options.at}`);
  }
  const analysis = analyze(readSource(file), { graph: true });
  const answer = statementUnitField(analysis, line, at);
  if ('error' in answer) {
    process.stderr.write(`cnn: ${file}: ${answer.error}\n`);
    return 1;
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(answer)}\n`);
    return 0;
  }
  const ranges = (list: [number, number][] | null) => (list ? list.map(([lo, hi]) => `[${lo}, ${hi}]`).join(' x ') : 'none (the unit sees only padding)');
  process.stdout.write(
    `${answer.network}, line ${line}: unit (${answer.at.join(', ')}) of ${answer.outShape.join('x')}\n` +
      `window:  ${ranges(answer.window)}\n` +
      `visible: ${ranges(answer.visible)}\n`,
  );
  return 0;
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
    .command('rf')
    .description("Print the exact receptive field of one unit of the top-level statement at a line: its input window per axis, and the part the network reads.")
    .argument('<file>', 'a .cnn file')
    .requiredOption('--line <L>', '1-based line of a top-level statement (the last statement on that line)')
    .option('--at <I,J[,K]>', "the output unit's 0-based spatial indices (default: the centre unit)")
    .option('--json', 'print {"network", "line", "outShape", "at", "window", "visible"}')
    .action((file: string, options: { json?: boolean; line: string; at?: string }) => {
      exitCode = runReceptiveField(file, options);
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
