// The independent oracles (PyTorch, torchvision, ONNX) are Debian's Python
// packages for the system Python. A test that needs them calls
// `requirePython(this, [...])` in its `before` hook: a missing module fails the
// test loudly, because a skipped oracle checks nothing. A developer without
// them may set CNN_LENS_SKIP_PYTHON=1 to skip those tests on purpose; the skip
// then says why.
import { spawnSync } from 'node:child_process';

/** The system Python, where Debian's python3-torch lives; CNN_ORACLE_PYTHON points elsewhere. */
export const PYTHON = process.env.CNN_ORACLE_PYTHON || '/usr/bin/python3';

/** Fails (or, with CNN_LENS_SKIP_PYTHON=1, skips) the calling suite when `modules` cannot be imported. */
export function requirePython(context: Mocha.Context, modules: string[]): void {
  const probe = spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
  if (probe.status === 0) return;
  const why = probe.error?.message || probe.stderr.trim().split('\n').pop() || `exit status ${probe.status}`;
  const message = `${PYTHON} cannot import ${modules.join(', ')} (${why}); install Debian's python3-torch, python3-torchvision and python3-onnx`;
  if (process.env.CNN_LENS_SKIP_PYTHON === '1') {
    console.log(`    skipping on purpose (CNN_LENS_SKIP_PYTHON=1): ${message}`);
    context.skip();
  }
  throw new Error(`${message}, or set CNN_LENS_SKIP_PYTHON=1 to skip these tests on purpose`);
}

/** Runs a Python script with arguments and returns its standard output; throws with its standard error on failure. */
export function runPython(script: string, args: string[] = [], timeoutMs = 300_000): string {
  const run = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 << 20, timeout: timeoutMs });
  if (run.status !== 0) throw new Error(`python failed (exit ${run.status ?? run.signal}):\n${run.stderr}`);
  return run.stdout;
}
