/**
 * The `cnn` command line: `cnn check [--json] FILE...`, `cnn summary FILE`,
 * `cnn rf FILE --line L`, `cnn export --to pytorch|onnx|keras FILE` and `cnn import MODEL`,
 * over the same core as the editor. Exit codes: 0 clean, 1 errors in the
 * files, 2 usage or I/O failure, or a fault of CNN Lens itself (an internal
 * error, reported as a JSON object `{"error": {"code": "internal-error",
 * "message", "path"?}}`: on stdout with --json, else on stderr).
 */
import { readFileSync, statSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import {
  analyze,
  defaultTrainingSetup,
  optimizerKinds,
  precisionKinds,
  renderNetworkSummary,
  statementUnitField,
  toJsonDiagnostics,
  toJsonNetwork,
  type Analysis,
  type Diagnostic,
  type OptimizerKind,
  type PrecisionKind,
  type TrainingSetup,
} from '../core';
import { parseByteSize } from '../core/format';
import type * as ImportModule from './import';
import type * as ExportModule from './export';
import type { ExportOptions } from './export';
import { fileText, networkText, reportText } from './jsonReportText';
import { startAnalysisWithMemory, type TrainingMemoryFigures } from './trainingMemory';

/** Largest file read, so a mistaken path to a disk image cannot exhaust memory. */
const maxFileBytes = 64 * 1024 * 1024;

class UsageFailure extends Error {}

/** A fault of CNN Lens itself, as the JSON error object the CLI reports it with. */
interface InternalError {
  code: 'internal-error';
  message: string;
  path?: string;
}

/** The first internal error among analyses (the core turns one into an `internal-error` diagnostic). */
function internalErrorOf(path: string, analysis: Analysis): InternalError | undefined {
  const found = analysis.diagnostics.find((d) => d.code === 'internal-error');
  return found && { code: 'internal-error', message: found.message, path };
}

function reportInternalError(error: InternalError, json: boolean): void {
  const text = `${JSON.stringify({ error })}\n`;
  if (json) process.stdout.write(text);
  else process.stderr.write(text);
}

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
  for (const a of analyses) {
    for (const d of a.diagnostics) {
      if (d.severity === 'error') errors++;
      else if (d.severity === 'warning') warnings++;
    }
  }
  return { errors, warnings };
}

/** The training-memory flags both commands take. */
interface MemoryFlags {
  batch?: string;
  optimizer?: OptimizerKind;
  precision?: PrecisionKind;
}

/** The setup the flags ask for, or undefined when none was given. */
function trainingSetup(flags: MemoryFlags): TrainingSetup | undefined {
  if (flags.batch === undefined && flags.optimizer === undefined && flags.precision === undefined) return undefined;
  const batch = flags.batch === undefined ? defaultTrainingSetup.batch : Number(flags.batch);
  if (!Number.isSafeInteger(batch) || batch < 1) throw new UsageFailure(`--batch must be a whole number of at least 1, not ${flags.batch}`);
  return { batch, optimizer: flags.optimizer ?? defaultTrainingSetup.optimizer, precision: flags.precision ?? defaultTrainingSetup.precision };
}

function addMemoryOptions(command: Command): Command {
  return command
    .option('--batch <n>', 'training batch size: adds training memory (saved activations, parameters, gradients, optimizer state, peaks)')
    .addOption(new Option('--optimizer <kind>', `optimizer whose state is counted (default ${defaultTrainingSetup.optimizer})`).choices([...optimizerKinds]))
    .addOption(new Option('--precision <kind>', `fp32, or mixed: half-precision model with an fp32 master copy (default ${defaultTrainingSetup.precision})`).choices([...precisionKinds]));
}

function runCheck(files: string[], options: { json?: boolean } & MemoryFlags): number {
  const setup = trainingSetup(options);
  const analyses: Analysis[] = [];
  const fileTexts: string[] = [];
  let ioFailed = false;
  let internal: InternalError | undefined;
  for (const path of files) {
    let text: string;
    try {
      text = readSource(path);
    } catch (error) {
      process.stderr.write(`cnn: ${(error as Error).message}\n`);
      ioFailed = true;
      continue;
    }
    // Training memory is reported only in the JSON report.
    const { analysis, figures } = options.json && setup ? startAnalysisWithMemory(text, setup) : { analysis: analyze(text), figures: undefined };
    analyses.push(analysis);
    internal ??= internalErrorOf(path, analysis);
    if (options.json) {
      // Each network is written out as its memory comes (see jsonReportText.ts).
      const networkTexts = analysis.networks.map((network, index) => networkText(toJsonNetwork(network, figures ? figures.at(index).memory : undefined)));
      fileTexts.push(fileText(path, toJsonDiagnostics(analysis), networkTexts));
    } else for (const d of analysis.diagnostics) process.stdout.write(`${formatDiagnostic(path, d)}\n`);
  }
  const { errors, warnings } = counts(analyses);
  // An internal error rides along in the report, so a script reading --json finds it where it reads everything else.
  if (options.json) process.stdout.write(`${reportText(fileTexts, internal)}\n`);
  else {
    process.stdout.write(`${analyses.length} file${analyses.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
    if (internal) reportInternalError(internal, false);
  }
  return ioFailed || internal ? 2 : errors > 0 ? 1 : 0;
}

/**
 * Prints every network's table as `renderSummary` writes them, each as soon
 * as its training memory is known and a megabyte at a time: a file of 20,000
 * networks is printed while the worker still analyses its last ones.
 */
function printSummaries(analysis: Analysis, text: string, depth: number, figures: TrainingMemoryFigures): void {
  const lines = text.split('\n');
  let pending = '';
  for (const [index, network] of analysis.networks.entries()) {
    const { memory, fit } = figures.at(index);
    pending += `${index > 0 ? '\n\n' : ''}${renderNetworkSummary(network, lines, depth, memory ?? undefined, fit ?? undefined)}`;
    if (pending.length >= 1 << 20) {
      process.stdout.write(pending);
      pending = '';
    }
  }
  process.stdout.write(`${pending}\n`);
}

function runSummary(file: string, options: { depth: string; budget?: string } & MemoryFlags): number {
  const depth = Number(options.depth);
  if (!Number.isInteger(depth) || depth < 0) throw new UsageFailure(`--depth must be a whole number, not ${options.depth}`);
  const budgetBytes = options.budget === undefined ? undefined : parseByteSize(options.budget);
  if (options.budget !== undefined && budgetBytes === undefined) throw new UsageFailure(`--budget takes a size such as 24GB or 16GiB, not ${options.budget}`);
  // The summary always shows training memory: at batch 1 with SGD in fp32 unless the flags say otherwise.
  const setup = trainingSetup(options) ?? defaultTrainingSetup;
  const text = readSource(file);
  const { analysis, figures } = startAnalysisWithMemory(text, setup, budgetBytes);
  if (analysis.networks.length === 0) process.stdout.write(`${file}: no network defined.\n`);
  else printSummaries(analysis, text, depth, figures);
  for (const d of analysis.diagnostics) process.stderr.write(`${formatDiagnostic(file, d)}\n`);
  const internal = internalErrorOf(file, analysis);
  if (internal) {
    reportInternalError(internal, false);
    return 2;
  }
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
    `${answer.network}, line ${line}: unit (${answer.at.join(', ')}) of ${answer.outShape.join('x')}\n` + `window:  ${ranges(answer.window)}\n` + `visible: ${ranges(answer.visible)}\n`,
  );
  return 0;
}

/*
 * Export and import (protobufjs with ONNX's schema, HDF5, the writers) are
 * required when their command runs: evaluating them at every start would
 * cost `cnn check` about a tenth of its time. A require() inside an esbuild
 * bundle evaluates the module it names on that first call.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const exportModule = () => require('./export') as typeof ExportModule;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const importModule = () => require('./import') as typeof ImportModule;

export function main(argv: string[]): number {
  let exitCode = 0;
  const program = new Command('cnn')
    .description('Check, summarise and import .cnn convolutional network files (CNN Lens).')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  addMemoryOptions(
    program.command('check').description('Report shape errors and warnings; exit 1 if any file has errors.').argument('<files...>', '.cnn files').option('--json', 'print a machine-readable report'),
  ).action((files: string[], options: { json?: boolean } & MemoryFlags) => {
    exitCode = runCheck(files, options);
  });
  addMemoryOptions(
    program
      .command('summary')
      .description('Print a per-layer table: output shape, parameters, MACs, saved activations, receptive field, and totals with training memory.')
      .argument('<file>', 'a .cnn file')
      .option('--depth <n>', 'levels of blocks, repeats and branches to expand', '1')
      .option('--budget <size>', 'a memory size such as 24GB: prints the largest batch whose training peak fits it'),
  ).action((file: string, options: { depth: string; budget?: string } & MemoryFlags) => {
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
      const { ExportNetworkError, ExportUsageError, runExport } = exportModule();
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
  program
    .command('import')
    .description('Write an ONNX, Keras (.keras) or tfjs/Keras JSON (model.json) model as a .cnn file; exit 1 if it uses something .cnn cannot express.')
    .argument('<model>', 'an .onnx file, a .keras archive or a model.json')
    .option('-o, --output <file>', 'the .cnn file to write (default: print to standard output)')
    .option('--weights-out <file>', "write the model's weights as safetensors, in the order the preview's Load weights… matches them")
    .option('--network <name>', 'the network name (default: from the file name)')
    .action((model: string, options: { output?: string; weightsOut?: string; network?: string }) => {
      exitCode = importModule().runImport(model, options);
    });
  program
    .command('rf')
    .description('Print the exact receptive field of one unit of the top-level statement at a line: its input window per axis, and the part the network reads.')
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
    // Anything else is CNN Lens's own fault: exit 2 (1 means "errors in the files"), with the error as JSON.
    reportInternalError({ code: 'internal-error', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, argv.includes('--json'));
    return 2;
  }
  return exitCode;
}

// `cnn check … | head` closes the pipe early: that ends the output, quietly, and is no failure of the check.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = main(process.argv.slice(2));
