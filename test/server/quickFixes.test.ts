/**
 * Quick fixes that fix (issue 16): every fix the server offers, on every
 * golden file and on seeded mutations of the examples, is applied and the
 * file analysed again; its diagnostic must be gone and no other added.
 */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeAction, Diagnostic } from 'vscode-languageserver-protocol';
import { analyze } from '../../src/core';
import { dataDir, examplesDir, readText } from '../helpers';
import { applyTextEdits, TestServer } from './lspClient';

/** Findings as kind and line, counted: what a fix may only take away from. */
function counts(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const d of analyze(text).diagnostics) found.set(`${d.code}@${d.range.start.line}`, (found.get(`${d.code}@${d.range.start.line}`) ?? 0) + 1);
  return found;
}

describe('quick fixes fix', function () {
  this.timeout(600_000);
  let server: TestServer;
  let offered = 0;

  before(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 5 } });
    await server.initialize();
  });

  after(async () => {
    await server?.stop();
  });

  /** Every action offered at every diagnostic of the text, each checked by applying it. */
  async function checkEveryFix(name: string, text: string): Promise<CodeAction[]> {
    const uri = await server.open(name, text);
    const diagnostics: Diagnostic[] = await server.diagnosticsFor(uri);
    const before = counts(text);
    const all: CodeAction[] = [];
    for (const diagnostic of diagnostics) {
      const actions = await server.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: diagnostic.range, context: { diagnostics: [diagnostic] } });
      for (const action of actions) {
        const target = action.diagnostics![0];
        const fixed = applyTextEdits(text, action.edit!.changes![uri]);
        const after = counts(fixed);
        const key = `${target.code}@${target.range.start.line}`;
        const left = new Map(before);
        left.set(key, left.get(key)! - 1);
        for (const [found, count] of after) {
          assert.ok(count <= (left.get(found) ?? 0), `${name}: "${action.title}" for ${key} leaves or adds ${found}\n${fixed}`);
        }
        all.push(action);
        offered++;
      }
    }
    return all;
  }

  const goldens = readdirSync(join(dataDir, 'diagnostics')).filter((f) => f.endsWith('.cnn'));
  for (const file of goldens) {
    it(`every fix offered in ${file} clears its diagnostic and adds none`, async () => {
      await checkEveryFix(`golden-${file}`, readText(join(dataDir, 'diagnostics', file)));
    });
  }

  it('every fix offered in seeded mutations of the examples clears its diagnostic and adds none', async () => {
    let seed = 16;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.cnn'));
    for (let round = 0; round < 40; round++) {
      const file = examples[round % examples.length];
      let text = readText(join(examplesDir, file));
      // Change one to three digits: sizes, paddings, strides, channel counts and assertions.
      for (let change = 1 + Math.floor(random() * 3); change > 0; change--) {
        const digits = [...text.matchAll(/\d/g)].filter((m) => !/#[^\n]*$/.test(text.slice(text.lastIndexOf('\n', m.index) + 1, m.index)));
        const at = digits[Math.floor(random() * digits.length)].index!;
        text = text.slice(0, at) + String(Math.floor(random() * 10)) + text.slice(at + 1);
      }
      await checkEveryFix(`mutated-${round}-${file}`, text);
    }
  });

  it('offers no padding that pooling refuses', async () => {
    const text = 'network N {\n  input(64x9x9)\n  maxpool(3, stride=2) -> 64x6x6\n}\n';
    const titles = (await checkEveryFix('pool-padding.cnn', text)).map((a) => a.title);
    assert.ok(!titles.some((t) => /padding=2/.test(t)), titles.join());
    assert.deepEqual(titles, ['Change the assertion to -> 64x4x4']);
    assert.doesNotMatch(analyze(text).diagnostics[0].message, /padding=2/);
  });

  it('offers no padding when the channel count is what is wrong', async () => {
    const text = 'network N {\n  input(3x224x224)\n  conv(64, 11, stride=4, padding=2) -> 65x55x55\n}\n';
    const titles = (await checkEveryFix('channels.cnn', text)).map((a) => a.title);
    assert.deepEqual(titles, ['Change the assertion to -> 64x55x55']);
  });

  it('still offers the fixes that hold: padding that reaches the size, a projection shortcut', async () => {
    const padding = (await checkEveryFix('padding.cnn', 'network N {\n  input(1x28x28)\n  conv(32, 3) -> 32x28x28\n}\n')).map((a) => a.title);
    assert.ok(padding.includes('Set padding=1 (gives 32x28x28)'), padding.join());
    const projection = (await checkEveryFix('projection.cnn', 'network N {\n  input(16x8x8)\n  residual { conv(32, 3, stride=2, padding=1) }\n}\n')).map((a) => a.title);
    assert.ok(
      projection.some((t) => /^Add shortcut \{ conv\(32, 1, stride=2, bias=false\); batchnorm \}$/.test(t)),
      projection.join(),
    );
    assert.ok(offered > 20, `only ${offered} fixes were offered in all`);
  });
});
