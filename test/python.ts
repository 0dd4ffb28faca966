// The independent oracles (PyTorch, torchvision, ONNX) are Debian's Python
// packages for the system Python. A test that needs them calls
// `requirePython(this, [...])` in its `before` hook: a missing module fails the
// test loudly, because a skipped oracle checks nothing. A developer without
// them may set CNN_LENS_SKIP_PYTHON=1 to skip those tests on purpose; the skip
// then says why.
import { spawnSync } from 'node:child_process';

/** The system Python, where Debian's python3-torch lives; CNN_ORACLE_PYTHON points elsewhere. */
export const PYTHON = process.env.CNN_ORACLE_PYTHON || '/usr/bin/python3';

const probes = new Map<string, string | undefined>();

/**
 * Why `modules` cannot be imported, or undefined when they can. Probed once
 * per set of modules (importing torch takes a second or two), so a test may
 * ask before each of its cases.
 */
export function pythonProblem(modules: string[]): string | undefined {
  const key = modules.join(', ');
  if (!probes.has(key)) {
    const probe = spawnSync(PYTHON, ['-c', `import ${key}`], { encoding: 'utf8' });
    const why = probe.status === 0 ? undefined : probe.error?.message || probe.stderr.trim().split('\n').pop() || `exit status ${probe.status}`;
    probes.set(key, why && `${PYTHON} cannot import ${key} (${why})`);
  }
  return probes.get(key);
}

/** Fails (or, with CNN_LENS_SKIP_PYTHON=1, skips) the calling suite or test when `modules` cannot be imported. */
export function requirePython(context: Mocha.Context, modules: string[]): void {
  const problem = pythonProblem(modules);
  if (!problem) return;
  const message = `${problem}; install Debian's python3-torch, python3-torchvision, python3-onnx and python3-h5py`;
  if (process.env.CNN_LENS_SKIP_PYTHON === '1') {
    console.log(`    skipping on purpose (CNN_LENS_SKIP_PYTHON=1): ${message}`);
    context.skip();
  }
  throw new Error(`${message}, or set CNN_LENS_SKIP_PYTHON=1 to skip these tests on purpose`);
}

/** Runs a Python script with arguments and returns its standard output; throws with its standard error on failure. */
export function runPython(script: string, args: string[] = [], timeoutMs = 300_000): string {
  return pythonOutput(['-c', script, ...args], timeoutMs);
}

/**
 * Runs a Python script file with arguments and returns its standard output,
 * as `runPython` does. Run as a file, the script can import the modules beside it.
 */
export function runPythonFile(path: string, args: string[] = [], timeoutMs = 300_000): string {
  return pythonOutput([path, ...args], timeoutMs);
}

function pythonOutput(argv: string[], timeoutMs: number): string {
  // No __pycache__ beside the scripts: the test folders stay as the repository has them.
  const run = spawnSync(PYTHON, argv, { encoding: 'utf8', maxBuffer: 256 << 20, timeout: timeoutMs, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' } });
  if (run.status !== 0) throw new Error(`python failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  return run.stdout;
}
