/** Shared test utilities: paths, the CLI runner, and `# expect:` annotations. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Analysis } from '../src/core';

export const repoRoot = process.cwd();
export const dataDir = join(repoRoot, 'test', 'data');
export const examplesDir = join(repoRoot, 'examples');

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Runs the built CLI and returns its exit code and output, never throwing on a non-zero exit. */
export function runCli(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failure = error as { status: number; stdout: string; stderr: string };
    return { code: failure.status, stdout: failure.stdout, stderr: failure.stderr };
  }
}

/** One `# expect: CODE "message part"` annotation: a diagnostic that must start on `line` (0-based). */
export interface Expectation {
  line: number;
  code: string;
  messagePart?: string;
}

/** Reads the annotations of a test file. */
export function expectations(text: string): Expectation[] {
  const found: Expectation[] = [];
  text.split('\n').forEach((content, line) => {
    for (const match of content.matchAll(/# expect: ([a-z-]+)(?: "([^"]*)")?/g)) {
      found.push({ line, code: match[1], messagePart: match[2] });
    }
  });
  return found;
}

/**
 * How many calls in the networks have not built their body's results yet: a
 * replayed call keeps what it builds them from, and then them, in a hidden
 * record (`replayedBody`, blockMemo.ts), and `parts` stays a getter.
 */
export function unbuiltCalls(analysis: Analysis): number {
  let count = 0;
  for (const network of analysis.networks)
    for (const result of network.statements) {
      const hidden = Object.getOwnPropertyDescriptor(result, 'replayedBody')?.value as object | undefined;
      if (hidden && !('parts' in hidden)) count++;
    }
  return count;
}
