/**
 * Editor latency figures for `npm run bench`, measured through a real LSP
 * client over stdio (the same one the server tests use): keystroke to
 * published diagnostics on ResNet-152 with the editor's debounce set to 0,
 * hover and completion round trips.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestServer } from '../server/lspClient';
import { summarise, type Figure } from './figure';

export async function editorFigures(root: string): Promise<Figure[]> {
  const server = new TestServer({ diagnostics: { debounceMs: 0 } });
  try {
    await server.initialize();
    const text = readFileSync(join(root, 'examples', 'resnet152.cnn'), 'utf8');
    const uri = await server.open('bench-resnet152.cnn', text);
    await server.diagnosticsFor(uri);
    // A keystroke: toggle a trailing comment character on the last line, so every
    // version differs and analyses the whole network again.
    const keystrokes: number[] = [];
    for (let i = 0; i < 60; i++) {
      const start = performance.now();
      await server.replaceText(uri, `${text}\n# ${'x'.repeat(i % 7)}`);
      await server.diagnosticsFor(uri);
      keystrokes.push(performance.now() - start);
    }
    const lines = text.split('\n');
    const convLine = lines.findIndex((l) => /^\s*conv\(/.test(l));
    const character = lines[convLine].indexOf('conv') + 1;
    const hovers: number[] = [];
    const completions: number[] = [];
    for (let i = 0; i < 60; i++) {
      let start = performance.now();
      await server.request('textDocument/hover', { textDocument: { uri }, position: { line: convLine, character } });
      hovers.push(performance.now() - start);
      start = performance.now();
      await server.request('textDocument/completion', { textDocument: { uri }, position: { line: convLine, character: 0 } });
      completions.push(performance.now() - start);
    }
    return [
      summarise('keystroke → diagnostics, ResNet-152 (LSP)', 50, keystrokes),
      summarise('hover on ResNet-152 (LSP round trip)', 50, hovers),
      summarise('completion on ResNet-152 (LSP round trip)', 50, completions),
    ];
  } finally {
    await server.stop();
  }
}
