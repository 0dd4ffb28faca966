/**
 * Editor latency figures for `npm run bench`, measured through a real LSP
 * client over stdio (the same one the server tests use): keystroke to
 * published diagnostics on ResNet-152 and on a 10,000-statement file with the
 * editor's debounce set to 0, hover and completion round trips, and a hover
 * in one document while a hostile file (a fan-out that runs to the analysis
 * budget) is being analysed (issue 16).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { TestServer } from '../server/lspClient';
import { summarise, type Figure } from './figure';

/**
 * The CPU time (user + system, ms) a process has used so far, all its threads
 * together (Linux's /proc); undefined elsewhere. On a shared machine this
 * measures the server's work where wall time measures the queue for the CPU.
 */
function cpuTimeOf(pid: number | undefined): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(path)) return undefined;
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat (here 11 and 12, after the pid and name), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

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
    // Typing in the 10,000-statement file the robustness tests use.
    const big = 'network Big {\n  input(3x64x64)\n' + '  conv(8, 3, padding=1)\n  relu\n'.repeat(5000) + '}\n';
    const bigUri = await server.open('bench-10000.cnn', big);
    await server.diagnosticsFor(bigUri);
    const bigKeystrokes: number[] = [];
    const cpuBefore = cpuTimeOf(server.process.pid);
    for (let i = 0; i < 20; i++) {
      const start = performance.now();
      await server.replaceText(bigUri, `${big}# ${'x'.repeat(i % 7)}`);
      await server.diagnosticsFor(bigUri);
      bigKeystrokes.push(performance.now() - start);
    }
    const cpuAfter = cpuTimeOf(server.process.pid);
    // One figure (the average), since the clock ticks are 10 ms.
    const serverCpu = cpuBefore === undefined || cpuAfter === undefined ? [] : [summarise('server CPU per keystroke, 10,000 statements (all threads)', 100, [(cpuAfter - cpuBefore) / 20])];
    // A hover on ResNet-152 sent right after each edit of a hostile file, whose analysis runs to the budget.
    const leaf = `block L0 { x: identity; add(${Array(1000).fill('x').join(', ')}) }`;
    const hostile = [leaf, ...Array.from({ length: 16 }, (_, i) => `block L${i + 1} { L${i}; L${i} }`), 'network N { input(3x8x8); L16 }'].join('\n');
    const hostileUri = await server.open('bench-hostile.cnn', hostile);
    await server.diagnosticsFor(hostileUri);
    const hoversWhileHostile: number[] = [];
    for (let i = 0; i < 10; i++) {
      // Each edit changes the network, so incremental analysis cannot replay it: the analysis runs to the budget every time.
      await server.replaceText(hostileUri, `${hostile.replace('input(3x8x8)', `input(3x8x${9 + i})`)}\n# ${'x'.repeat(i % 7)}`);
      const start = performance.now();
      await server.request('textDocument/hover', { textDocument: { uri }, position: { line: convLine, character } });
      hoversWhileHostile.push(performance.now() - start);
      await server.diagnosticsFor(hostileUri);
    }
    return [
      summarise('keystroke → diagnostics, ResNet-152 (LSP)', 50, keystrokes),
      summarise('keystroke → diagnostics, 10,000 statements (LSP)', 100, bigKeystrokes),
      ...serverCpu,
      summarise('hover on ResNet-152 (LSP round trip)', 50, hovers),
      summarise('hover on ResNet-152 while a hostile file is analysed', 50, hoversWhileHostile),
      summarise('completion on ResNet-152 (LSP round trip)', 50, completions),
    ];
  } finally {
    await server.stop();
  }
}
