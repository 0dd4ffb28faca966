/**
 * The layouts the extension keeps per document for the next preview
 * (src/client/layoutStore.ts), over a memento that stands in for VS Code's
 * workspace storage: the newest layout first, one per structure, a few per
 * document, the least recently used document dropped first, and a damaged
 * store read as empty rather than drawn.
 */
import { strict as assert } from 'node:assert';
import type * as vscode from 'vscode';
import { LayoutStore } from '../../src/client/layoutStore';
import type { SavedLayout } from '../../src/protocol/preview';

/** VS Code's Memento for what the store uses: values round-trip through JSON, as VS Code stores them. */
function memento(): vscode.Memento & { raw: Map<string, string> } {
  const raw = new Map<string, string>();
  return {
    raw,
    keys: () => [...raw.keys()],
    get: <T>(key: string, fallback?: T) => (raw.has(key) ? (JSON.parse(raw.get(key)!) as T) : fallback),
    update: async (key: string, value: unknown) => void raw.set(key, JSON.stringify(value)),
  } as vscode.Memento & { raw: Map<string, string> };
}

/** A one-box layout under `key`, as wide as `width`. */
function layout(key: string, width = 220): SavedLayout {
  return { structureKey: key, width, height: 76, nodes: [['n0', { x: 16, y: 16, width: 188, height: 44 }]], edges: [], frames: [] };
}

describe('layouts kept per document for the next preview', () => {
  it('gives a document its layouts, the newest first, one per structure', async () => {
    const store = new LayoutStore(memento());
    await store.remember('file:///w/a.cnn', layout('A'));
    await store.remember('file:///w/a.cnn', layout('B'));
    await store.remember('file:///w/a.cnn', layout('A', 300));
    assert.deepEqual(
      store.layoutsOf('file:///w/a.cnn').map((l) => [l.structureKey, l.width]),
      [
        ['A', 300],
        ['B', 220],
      ],
    );
    assert.deepEqual(store.layoutsOf('file:///w/other.cnn'), []);
  });

  it('keeps four layouts per document and 32 documents, dropping the least recently used', async () => {
    const store = new LayoutStore(memento());
    for (const key of ['A', 'B', 'C', 'D', 'E']) await store.remember('file:///w/a.cnn', layout(key));
    assert.deepEqual(
      store.layoutsOf('file:///w/a.cnn').map((l) => l.structureKey),
      ['E', 'D', 'C', 'B'],
    );
    for (let i = 0; i < 32; i++) await store.remember(`file:///w/n${i}.cnn`, layout(`N${i}`));
    // a.cnn was used least recently of the 33 documents: it goes; the first of the others stays.
    assert.deepEqual(store.layoutsOf('file:///w/a.cnn'), []);
    assert.deepEqual(
      store.layoutsOf('file:///w/n0.cnn').map((l) => l.structureKey),
      ['N0'],
    );
    await store.remember('file:///w/n0.cnn', layout('M'));
    await store.remember('file:///w/late.cnn', layout('L'));
    assert.deepEqual(
      store.layoutsOf('file:///w/n0.cnn').map((l) => l.structureKey),
      ['M', 'N0'],
      'used again, n0.cnn outlived n1.cnn',
    );
    assert.deepEqual(store.layoutsOf('file:///w/n1.cnn'), []);
  });

  it('reads a damaged store as no layouts, leaving out the ones that do not check', async () => {
    const storage = memento();
    storage.raw.set('cnnLens.preview.layouts', JSON.stringify([['file:///w/a.cnn', [{ ...layout('A'), width: 'wide' }, layout('B')]], 'junk', ['file:///w/b.cnn', 'junk']]));
    const store = new LayoutStore(storage);
    assert.deepEqual(
      store.layoutsOf('file:///w/a.cnn').map((l) => l.structureKey),
      ['B'],
    );
    assert.deepEqual(store.layoutsOf('file:///w/b.cnn'), []);
    storage.raw.set('cnnLens.preview.layouts', JSON.stringify({ not: 'a list' }));
    assert.deepEqual(store.layoutsOf('file:///w/a.cnn'), []);
    await store.remember('file:///w/a.cnn', layout('C'));
    assert.deepEqual(
      store.layoutsOf('file:///w/a.cnn').map((l) => l.structureKey),
      ['C'],
    );
  });
});
