/**
 * Golden diagnostics: each file under test/data/diagnostics marks the
 * diagnostics it must produce with `# expect: CODE "message part"` on the line
 * where they start; every diagnostic must be expected, and the full `cnn check`
 * output must equal the `.golden` file beside it (UPDATE_GOLDEN=1 rewrites those;
 * a missing one fails).
 */
import { strict as assert } from 'node:assert';
import { readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyze, diagnosticSeverity } from '../../src/core';
import { dataDir, expectations, readText } from '../helpers';

const folder = join(dataDir, 'diagnostics');
const files = readdirSync(folder)
  .filter((f) => f.endsWith('.cnn'))
  .sort();

describe('diagnostics (golden files)', () => {
  for (const file of files) {
    it(file, () => {
      const text = readText(join(folder, file));
      const analysis = analyze(text);
      const expected = expectations(text);
      assert.ok(expected.length > 0 || file.startsWith('clean'), `${file} has no # expect annotations`);
      for (const e of expected) {
        const match = analysis.diagnostics.find((d) => d.code === e.code && d.range.start.line === e.line && (!e.messagePart || d.message.includes(e.messagePart)));
        const onLine = analysis.diagnostics.filter((d) => d.range.start.line === e.line).map((d) => `${d.code}: ${d.message}`);
        assert.ok(match, `line ${e.line + 1}: expected ${e.code} "${e.messagePart ?? ''}", got ${JSON.stringify(onLine)}`);
      }
      const unexpected = analysis.diagnostics.filter((d) => !expected.some((e) => e.code === d.code && e.line === d.range.start.line));
      assert.deepEqual(
        unexpected.map((d) => `${d.range.start.line + 1}: ${d.code}: ${d.message}`),
        [],
      );
      const golden = analysis.diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code}: ${d.message}`).join('\n') + '\n';
      const goldenPath = join(folder, file.replace(/\.cnn$/, '.golden'));
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(goldenPath, golden);
      // A missing golden file is a failure, not a new baseline: writing it would make this test pass whatever the output is.
      assert.ok(existsSync(goldenPath), `${goldenPath} is missing; run with UPDATE_GOLDEN=1 to write it from the current output, then review it`);
      assert.equal(golden, readText(goldenPath));
    });
  }

  it('covers every diagnostic code of the language', () => {
    // internal-error is a fault of CNN Lens, never of a file, so no file can show it (test/core/hostile.test.ts forces one).
    // memory-budget comes from an editor setting, not from the text alone: test/core/memory.test.ts and test/server cover it.
    const covered = new Set(['internal-error', 'memory-budget', ...files.flatMap((f) => expectations(readText(join(folder, f))).map((e) => e.code))]);
    assert.deepEqual(
      Object.keys(diagnosticSeverity).filter((code) => !covered.has(code)),
      [],
    );
  });

  it('reports a block error at the outermost call with the block line as related information', () => {
    const analysis = analyze(readText(join(folder, 'block-call-site.cnn')));
    const error = analysis.diagnostics.find((d) => d.code === 'shape-mismatch')!;
    assert.equal(error.range.start.line, 11);
    assert.equal(error.related?.[0].range.start.line, 3);
    assert.match(error.related?.[0].message ?? '', /Expected 8x16x16 but conv gives 8x6x6: floor\(\(16 \+ 2\*1 - 1\*\(3-1\) - 1\)\/3 \+ 1\) = 6/);
  });
});
