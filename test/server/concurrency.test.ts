/**
 * Analyses off the server's thread (issue 16), through a real LSP client over
 * stdio: a costly document never delays another document's requests, and a
 * request cancelled while it waits for an analysis is answered with
 * RequestCancelled. Orderings and answers are asserted here; the times are
 * in `npm run bench`.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { CancellationTokenSource } from 'vscode-jsonrpc';
import type { Hover } from 'vscode-languageserver-protocol';
import { analyze } from '../../src/core';
import { examplesDir, readText } from '../helpers';
import { positionOf, TestServer } from './lspClient';

const lenet = readText(join(examplesDir, 'lenet5.cnn'));
/** A 16-level fan-out of blocks whose leaf adds a thousand labels: its analysis runs to the work budget. */
const leaf = `block L0 { x: identity; add(${Array(1000).fill('x').join(', ')}) }`;
const hostile = [leaf, ...Array.from({ length: 16 }, (_, i) => `block L${i + 1} { L${i}; L${i} }`), 'network N { input(3x8x8); L16 }'].join('\n');

describe('language server: analyses in workers', function () {
  this.timeout(120_000);
  let server: TestServer;
  beforeEach(async () => {
    server = new TestServer({ diagnostics: { debounceMs: 0 } });
    await server.initialize();
  });
  afterEach(async () => {
    await server.stop();
  });

  it('answers a hover in one document before a hostile document being analysed has its diagnostics', async () => {
    const quiet = await server.open('quiet.cnn', lenet);
    await server.diagnosticsFor(quiet);
    const at = { textDocument: { uri: quiet }, position: positionOf(lenet, 'dense(84)') };
    await server.request('textDocument/hover', at);
    const busy = await server.open('hostile.cnn', hostile);
    await server.diagnosticsFor(busy);
    const order: string[] = [];
    for (let round = 0; round < 3; round++) {
      // Each edit changes the network itself, so that no part of its analysis can be reused: it runs to the budget again.
      await server.replaceText(busy, `${hostile.replace('input(3x8x8)', `input(3x8x${9 + round})`)}\n# edit ${round}`);
      const published = server.diagnosticsFor(busy).then((diagnostics) => {
        order.push(`diagnostics ${round}`);
        return diagnostics;
      });
      const hover = await server.request<Hover>('textDocument/hover', at);
      order.push(`hover ${round}`);
      assert.match((hover.contents as { value: string }).value, /dense/, 'the hover is about dense(84)');
      assert.match((hover.contents as { value: string }).value, /84/);
      const diagnostics = await published;
      assert.deepEqual(
        diagnostics.map((d) => d.code),
        analyze(server.text(busy)).diagnostics.map((d) => d.code),
        'the hostile document still gets its diagnostics, as cnn check reports them',
      );
      assert.ok(diagnostics.some((d) => d.code === 'too-large'));
    }
    assert.deepEqual(order, ['hover 0', 'diagnostics 0', 'hover 1', 'diagnostics 1', 'hover 2', 'diagnostics 2']);
  });

  it('answers a request cancelled while it waits for its analysis with RequestCancelled, and still publishes that version', async () => {
    const busy = await server.open('hostile.cnn', hostile);
    await server.diagnosticsFor(busy);
    await server.replaceText(busy, `${hostile}\n# changed`);
    const source = new CancellationTokenSource();
    const position = positionOf(hostile, 'identity');
    const waiting = server.connection.sendRequest('textDocument/hover', { textDocument: { uri: busy }, position }, source.token);
    // The hover is running (waiting for the worker) when the cancellation arrives: the server reads the request first,
    // and the analysis of the new text takes some 60 ms (the hover's memory line no longer waits for an analysis with
    // graphs of this file, whose network stops at the budget, so a 50 ms wait could come after the answer).
    await new Promise((resolve) => setTimeout(resolve, 5));
    source.cancel();
    await assert.rejects(waiting, (error: { code: number }) => error.code === -32800);
    const diagnostics = await server.diagnosticsFor(busy);
    assert.ok(
      diagnostics.some((d) => d.code === 'too-large'),
      'the analysis itself was not abandoned: its diagnostics arrive',
    );
    // And the document answers requests afterwards.
    const hover = await server.request<Hover | null>('textDocument/hover', { textDocument: { uri: busy }, position });
    assert.ok(hover, 'a hover on identity after the cancellation');
  });

  it('checks quick fixes in a worker: a hover in another document is answered while a hostile file’s fix is verified', async () => {
    const quiet = await server.open('quiet.cnn', lenet);
    await server.diagnosticsFor(quiet);
    const at = { textDocument: { uri: quiet }, position: positionOf(lenet, 'dense(84)') };
    await server.request('textDocument/hover', at);
    // A wrong assertion on the input of the fan-out: verifying its fix analyses the hostile network again, to the budget.
    const text = hostile.replace('input(3x8x8)', 'input(3x8x8) -> 3x9x9');
    const busy = await server.open('hostile-fix.cnn', text);
    const mismatch = (await server.diagnosticsFor(busy)).find((d) => d.code === 'shape-mismatch')!;
    assert.ok(mismatch, 'the assertion fails');
    const order: string[] = [];
    const actions = server
      .request<{ title: string; edit?: { changes?: Record<string, { newText: string }[]> } }[]>('textDocument/codeAction', {
        textDocument: { uri: busy },
        range: mismatch.range,
        context: { diagnostics: [mismatch] },
      })
      .then((list) => {
        order.push('code actions');
        return list;
      });
    const hover = await server.request<Hover>('textDocument/hover', at);
    order.push('hover');
    assert.match((hover.contents as { value: string }).value, /dense/);
    const offered = await actions;
    assert.deepEqual(order, ['hover', 'code actions']);
    // The fix holds (it clears the mismatch and the budget's stop is unchanged): it is offered.
    assert.ok(
      offered.some((action) => Object.values(action.edit?.changes ?? {}).some((edits) => edits.some((e) => e.newText.includes('3x8x8')))),
      `the assertion's fix is offered: ${offered.map((a) => a.title).join('; ')}`,
    );
  });

  it('drops the analysis of stale text: only the last of a burst of edits is published', async () => {
    const busy = await server.open('hostile.cnn', hostile);
    await server.diagnosticsFor(busy);
    // Each edit makes the previous text stale while its analysis runs (each changes the network, so nothing is reused); the last one breaks the leaf.
    for (let i = 0; i < 5; i++) await server.replaceText(busy, `${hostile.replace('input(3x8x8)', `input(3x8x${9 + i})`)}\n# burst ${i}`);
    const broken = hostile.replace('identity', 'identiti');
    await server.replaceText(busy, broken);
    const diagnostics = await server.diagnosticsFor(busy);
    assert.deepEqual(
      diagnostics.map((d) => d.code),
      analyze(broken).diagnostics.map((d) => d.code),
    );
    // Each analysis takes far longer than the burst: the versions in between were dropped unpublished.
    assert.deepEqual(
      server.publications(busy).map((p) => p.version),
      [1, server.version(busy)],
    );
  });
});
