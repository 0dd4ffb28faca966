/**
 * Generated hostile files and an edit storm, through both the CLI and the
 * language server (issue 16): deeply nested, long and fan-out inputs must give
 * a clean result (no crash, no internal error, the CLI's exit code and JSON)
 * and the server's diagnostics must equal the CLI's. Random but seeded, so a
 * failure repeats; bounded by the test timeout, never by a timed assertion.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Diagnostic, Position } from 'vscode-languageserver-protocol';
import { examplesDir, readText, repoRoot } from '../helpers';
import { TestServer } from './lspClient';

const scratch = mkdtempSync(join(tmpdir(), 'cnn-storm-'));

interface CliDiagnostic {
  code: string;
  message: string;
  range: { start: Position; end: Position };
}

/** `cnn check --json` over several files at once, checked for a clean run; the diagnostics of each file. */
function checkWithCli(texts: string[]): CliDiagnostic[][] {
  const paths = texts.map((text, i) => {
    const path = join(scratch, `case-${i}.cnn`);
    writeFileSync(path, text);
    return path;
  });
  // The report of thousands of diagnostics is larger than runCli's default buffer.
  const run = spawnSync(process.execPath, [join(repoRoot, 'dist', 'cli.js'), 'check', '--json', ...paths], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.ok(run.status === 0 || run.status === 1, `cnn check exited ${run.status}: ${run.stderr.slice(0, 2000)}`);
  const report = JSON.parse(run.stdout) as { files: { diagnostics: CliDiagnostic[] }[]; error?: unknown };
  assert.equal(report.error, undefined);
  return report.files.map((f) => {
    assert.ok(!f.diagnostics.some((d) => d.code === 'internal-error'), f.diagnostics.find((d) => d.code === 'internal-error')?.message);
    return f.diagnostics;
  });
}

function comparable(diagnostics: (Diagnostic | CliDiagnostic)[]): string[] {
  return diagnostics.map((d) => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${String(d.code)} ${d.message}`);
}

/** Deep nesting of every kind that nests, closed or not. */
const nested = fc
  .record({
    depth: fc.integer({ min: 1, max: 400 }),
    kinds: fc.array(fc.constantFrom('repeat(2) {', 'residual {', 'concat { branch {', 'B(', '('), { minLength: 1, maxLength: 4 }),
    closed: fc.boolean(),
    leaf: fc.constantFrom('relu', 'conv(4, 3, padding=1)', 'x: identity; add(x)', ')))', ''),
  })
  .map(({ depth, kinds, closed, leaf }) => {
    const openers = Array.from({ length: depth }, (_, i) => kinds[i % kinds.length]);
    const closers = openers.map((o) => (o === 'concat { branch {' ? '} }' : o.endsWith('(') ? ')' : '}')).reverse();
    return `block B(c = 1) { relu }\nnetwork N {\n  input(3x16x16)\n${openers.join('\n')}\n${leaf}\n${closed ? closers.join('\n') : ''}\n}\n`;
  });

/** Long runs: sums, argument lists, labels, statements, blocks in a chain or a cycle. */
const long = fc.record({ n: fc.integer({ min: 1, max: 6000 }), kind: fc.constantFrom('sum', 'args', 'labels', 'statements', 'chain', 'cycle') }).map(({ n, kind }) => {
  switch (kind) {
    case 'sum':
      return `network N {\n  input(3x8x8)\n  conv(${'1+'.repeat(n - 1)}1, 3)\n}\n`;
    case 'args':
      return `network N {\n  input(3x8x8)\n  conv(4, 3, ${Array.from({ length: n }, (_, i) => `a${i}=${i}`).join(', ')})\n}\n`;
    case 'labels':
      return `network N {\n  input(3x8x8)\n${Array.from({ length: n }, (_, i) => `l${i}: relu\nadd(l${Math.floor(i / 2)})`).join('\n')}\n}\n`;
    case 'statements':
      return `network N {\n  input(3x8x8)\n${'  conv(3, 3, padding=1); relu\n'.repeat(n)}}\n`;
    case 'chain':
      return `network N {\n  input(3x8x8)\n  D0\n}\n${Array.from({ length: n }, (_, i) => `block D${i} { D${i + 1} }`).join('\n')}\nblock D${n} { relu }\n`;
    default:
      return `network N {\n  input(3x8x8)\n  C0\n}\n${Array.from({ length: n }, (_, i) => `block C${i} { C${(i + 1) % n} }`).join('\n')}\n`;
  }
});

/** Fan-out: each level calls the one below several times; the leaf merges many labels. */
const fanOut = fc.record({ levels: fc.integer({ min: 1, max: 40 }), fan: fc.integer({ min: 1, max: 4 }), labels: fc.integer({ min: 1, max: 1000 }) }).map(({ levels, fan, labels }) => {
  const leaf = `block L0 { x: identity; add(${Array(labels).fill('x').join(', ')}) }`;
  const blocks = Array.from({ length: levels }, (_, i) => `block L${i + 1} { ${Array(fan).fill(`L${i}`).join('; ')} }`);
  return [leaf, ...blocks, `network N { input(3x8x8); L${levels} }`].join('\n');
});

describe('generated hostile files and an edit storm (CLI and server)', function () {
  this.timeout(600_000);
  let server: TestServer;

  before(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 5 } });
    await server.initialize();
  });

  after(async () => {
    await server?.stop();
  });

  it('deeply nested, long and fan-out files analyse cleanly, and the server agrees with the CLI', async () => {
    const texts = fc.sample(fc.oneof(nested, long, fanOut), { seed: 16, numRuns: 24 });
    const expected = checkWithCli(texts);
    for (const [i, text] of texts.entries()) {
      const uri = await server.open(`generated-${i}.cnn`, text);
      const published = await server.diagnosticsFor(uri);
      assert.deepEqual(comparable(published), comparable(expected[i]), `case ${i}: ${text.slice(0, 120)}`);
      assert.equal(server.process.exitCode, null);
    }
  });

  it('survives 3,000 random incremental edits with interleaved requests, ending where the CLI does', async () => {
    let seed = 0x5eed16;
    // mulberry32: a small seeded generator, so the storm is the same on every run.
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const snippets = [
      '(',
      ')',
      '{',
      '}',
      ',',
      '=',
      '->',
      'x',
      '?',
      '#',
      '"',
      '\n',
      '\r\n',
      '\r',
      ';',
      '0',
      '3x8x8',
      'relu',
      'conv(8, 3)',
      'repeat(2) {',
      'residual {',
      'B(2)',
      'add(a)',
      'a: ',
      '1+1+',
      '((((',
      '))))',
      '\u3000',
      '\ufeff',
    ];
    let text = readText(join(examplesDir, 'resnet18.cnn'));
    const uri = await server.open('storm.cnn', text);
    let version = 1;
    const positionAt = (offset: number): Position => {
      const before = text.slice(0, offset);
      const breaks = [...before.matchAll(/\r\n|\r|\n/g)];
      const last = breaks.at(-1);
      return { line: breaks.length, character: last ? offset - (last.index + last[0].length) : offset };
    };
    const pending: Promise<unknown>[] = [];
    const methods = [
      'textDocument/hover',
      'textDocument/completion',
      'textDocument/inlayHint',
      'textDocument/semanticTokens/full',
      'textDocument/documentSymbol',
      'textDocument/formatting',
      'textDocument/codeAction',
      'textDocument/foldingRange',
      'cnnLens/networkSummary',
    ];
    for (let step = 0; step < 3000; step++) {
      // Never split a \r\n: an editor's position cannot point between them.
      let start = Math.floor(random() * (text.length + 1));
      if (text[start - 1] === '\r' && text[start] === '\n') start--;
      let end = Math.min(text.length, start + (random() < 0.5 ? 0 : Math.floor(random() * 12)));
      if (text[end - 1] === '\r' && text[end] === '\n') end++;
      const insert = random() < 0.8 ? pick(snippets) : '';
      const range = { start: positionAt(start), end: positionAt(end) };
      text = text.slice(0, start) + insert + text.slice(end);
      version++;
      await server.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text: insert }] });
      if (step % 7 === 0) {
        const method = pick(methods);
        const position = positionAt(Math.floor(random() * (text.length + 1)));
        const params = { textDocument: { uri }, position, range: { start: position, end: position }, options: { tabSize: 2, insertSpaces: true }, context: { diagnostics: [] } };
        // A request may fail on a position an edit has since moved, but it must be answered.
        pending.push(server.request(method, params).catch((error: { code?: number }) => assert.ok(typeof error.code === 'number', String(error))));
      }
      if (pending.length >= 50) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
    // Tell the client's copy which version is current, then wait for that version's diagnostics.
    (server as unknown as { versions: Map<string, number> }).versions.set(uri, version);
    const published = await server.diagnosticsFor(uri);
    const [expected] = checkWithCli([text]);
    assert.deepEqual(comparable(published), comparable(expected));
    assert.equal(server.process.exitCode, null);
  });
});
