/**
 * Extension activation time for `npm run bench`: a fresh code-server per run
 * (so activation is cold), the extension loaded from this checkout, the
 * figures measured inside the extension host by test/exthost/bench.ts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as e2e from '../e2e/codeServer';
import type { Figure } from './figure';

export async function activationFigures(runs = 3): Promise<Figure[]> {
  const activation: number[] = [];
  const diagnostics: number[] = [];
  for (let i = 0; i < runs; i++) {
    const folder = mkdtempSync(join(tmpdir(), 'cnn-lens-activation-'));
    cpSync('test/data/e2e', folder, { recursive: true });
    const server = await e2e.startCodeServer({ folder, smokeTestDriver: true, extensionDevelopmentPath: e2e.repoRoot() });
    try {
      const result = await e2e.runExtensionTests(server, { extensionDevelopmentPath: e2e.repoRoot(), extensionTestsPath: resolve('out/exthost/bench.js') });
      if (result.exitCode !== 0) throw new Error(`activation bench failed:\n${result.log.join('\n')}`);
      const figures = JSON.parse(readFileSync(join(folder, 'bench-result.json'), 'utf8')) as { activationMs: number; firstDiagnosticsMs: number };
      activation.push(figures.activationMs);
      diagnostics.push(figures.firstDiagnosticsMs);
    } finally {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const max = (values: number[]) => Math.max(...values);
  return [
    { name: `extension activation after opening a .cnn file (code-server, ${runs} cold runs)`, medianMs: median(activation), p95Ms: max(activation), targetMs: 500 },
    { name: 'open to first diagnostics (code-server)', medianMs: median(diagnostics), p95Ms: max(diagnostics), targetMs: 1000 },
  ];
}
