// Runs the built `cnn` command line on an example and returns its JSON report,
// so that the oracle and published-figures tests check exactly what users see.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { JsonFileReport } from '../../src/core';

/** The bundle that `node esbuild.mjs cli` writes; tests run from the repository root. */
export const CLI = 'dist/cli.js';

/** The `cnn check --json` report, typed by the core's own contract. */
export interface CheckReport {
  files: JsonFileReport[];
}

type ReportedNetwork = CheckReport['files'][number]['networks'][number];

/** A network whose analysis ran to the end, so its totals are known (they are null only after `too-large`). */
export type Network = ReportedNetwork & { params: NonNullable<ReportedNetwork['params']>; macs: number; activations: number };

/**
 * `cnn check --json FILE`, parsed. The exit status must agree with the
 * diagnostics (0 without errors, 1 with), and the report must hold exactly one
 * file; a crash or unparsable output fails the calling test with the CLI's
 * own words.
 */
export function checkFile(file: string): CheckReport['files'][number] {
  assert.ok(existsSync(CLI), `${CLI} is missing; build it with "node esbuild.mjs cli"`);
  const run = spawnSync(process.execPath, [CLI, 'check', '--json', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.ok(run.error === undefined, `could not run ${CLI}: ${run.error?.message}`);
  let report: CheckReport;
  try {
    report = JSON.parse(run.stdout) as CheckReport;
  } catch {
    assert.fail(`cnn check --json ${file} exited ${run.status} without JSON on stdout.\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  }
  assert.equal(report.files.length, 1, `cnn check --json ${file} should report exactly one file`);
  const [result] = report.files;
  const hasErrors = result.diagnostics.some((d) => d.severity === 'error');
  assert.equal(run.status, hasErrors ? 1 : 0, `cnn check --json ${file}: exit status ${run.status} disagrees with its diagnostics`);
  return result;
}

/**
 * The one network of an example file, after asserting that the file has no
 * error diagnostics: the examples are meant to be correct, so an error here is
 * either a broken example or a bug in the analysis, and the message lists them.
 */
export function singleNetwork(file: string): Network {
  const result = checkFile(file);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(
    errors.map((d) => `${d.code}: ${d.message}`),
    [],
    `${file} should have no error diagnostics`,
  );
  assert.equal(result.networks.length, 1, `${file} should define exactly one network`);
  const [network] = result.networks;
  assert.ok(network.params && network.macs !== null && network.activations !== null, `${file}: the analysis stopped part-way`);
  return network as Network;
}
