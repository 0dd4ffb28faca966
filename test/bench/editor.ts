/**
 * Editor latency figures for `npm run bench`, measured through a real LSP
 * client over stdio (the same one the server tests use): keystroke to
 * published diagnostics on ResNet-152 and on a 10,000-statement file with the
 * editor's debounce set to 0, hover and completion round trips, and a hover
 * in one document while a hostile file (a fan-out that runs to the analysis
 * budget) is being analysed (issue 16). On the 10,000-statement file: typing
 * in a comment after the network, inside the network near its end, with
 * semantic tokens and inlay hints asked after every keystroke (as VS Code
 * does), with a syntax error elsewhere in the file, and pressing Enter in the
 * middle of the network (every statement after it moves down); each with the
 * server's CPU time per keystroke. And a keystroke in the middle of the 1 MB
 * one-line network (issue 16), held to the same goal; and a hover while a
 * 1 MB file (one line of block calls, and 50,000 lines) opens and gets the
 * requests VS Code sends a file it opens.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { megabyteFiles } from '../megabyteFiles';
import { TestServer } from '../server/lspClient';
import { summarise, type Figure } from './figure';

/**
 * The CPU time (user + system, ms) a process has used so far, all its threads
 * together (Linux's /proc); undefined elsewhere. On a shared machine this
 * measures the server's work where wall time measures the queue for the CPU.
 */
export function cpuTimeOf(pid: number | undefined): number | undefined {
  const path = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(path)) return undefined;
  const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat (here 11 and 12, after the pid and name), in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** What typing a sequence of texts into a document cost. */
interface Typing {
  /** Keystroke (the change sent) to its diagnostics published, ms. */
  keystrokes: number[];
  /** The server's CPU time per keystroke, ms (all threads; undefined off Linux). */
  cpuPerKeystroke?: number;
  /** Round trips of the semantic tokens and inlay hints asked after each keystroke, ms. */
  answers: number[];
  /** Round trips of a hover in another document sent after each keystroke, ms. */
  hovers: number[];
}

/**
 * Sends each text as a keystroke and waits for its diagnostics. With
 * `requests`, each keystroke is followed at once by the requests VS Code
 * sends while typing: semantic tokens and the inlay hints of the 60 lines
 * around `visibleLine`, and a hover in the other document `hoverAt`; the
 * next keystroke waits for their answers too (a stale request would be
 * cancelled by VS Code, which the server honours, and leave no figure).
 */
async function typeInto(
  server: TestServer,
  uri: string,
  texts: string[],
  requests?: { visibleLine: number; hoverAt: { uri: string; position: { line: number; character: number } } },
): Promise<Typing> {
  const typing: Typing = { keystrokes: [], answers: [], hovers: [] };
  let answered: Promise<unknown>[] = [];
  const timed = (times: number[], method: string, params: unknown) => {
    const start = performance.now();
    answered.push(server.request(method, params).then(() => times.push(performance.now() - start)));
  };
  const cpuBefore = cpuTimeOf(server.process.pid);
  for (const text of texts) {
    const start = performance.now();
    await server.replaceText(uri, text);
    if (requests) {
      timed(typing.answers, 'textDocument/semanticTokens/full', { textDocument: { uri } });
      const range = { start: { line: Math.max(0, requests.visibleLine - 30), character: 0 }, end: { line: requests.visibleLine + 30, character: 0 } };
      timed(typing.answers, 'textDocument/inlayHint', { textDocument: { uri }, range });
      timed(typing.hovers, 'textDocument/hover', { textDocument: { uri: requests.hoverAt.uri }, position: requests.hoverAt.position });
    }
    await server.diagnosticsFor(uri);
    typing.keystrokes.push(performance.now() - start);
    await Promise.all(answered);
    answered = [];
  }
  const cpuAfter = cpuTimeOf(server.process.pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined) typing.cpuPerKeystroke = (cpuAfter - cpuBefore) / texts.length;
  return typing;
}

/** The figures of one typing run on the 10,000-statement file: keystroke → diagnostics, then the server's CPU per keystroke (one figure, the average, since clock ticks are 10 ms). */
function typingFigures(what: string, typing: Typing): Figure[] {
  const figures = [summarise(`keystroke → diagnostics, 10,000 statements, ${what}`, 100, typing.keystrokes)];
  if (typing.cpuPerKeystroke !== undefined) figures.push(summarise(`  server CPU per keystroke (all threads), ${what}`, 100, [typing.cpuPerKeystroke]));
  return figures;
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
    const pairs = (count: number) => '  conv(8, 3, padding=1)\n  relu\n'.repeat(count);
    const big = 'network Big {\n  input(3x64x64)\n' + pairs(5000) + '}\n';
    const bigUri = await server.open('bench-10000.cnn', big);
    await server.diagnosticsFor(bigUri);
    const versions = (make: (i: number) => string) => Array.from({ length: 20 }, (_, i) => make(i));
    const inComment = await typeInto(
      server,
      bigUri,
      versions((i) => `${big}# ${'x'.repeat(i % 7)}`),
    );
    // The last convolution's channel count typed over, 20 statements before the network's end.
    const nearEnd = (i: number) => 'network Big {\n  input(3x64x64)\n' + pairs(4990) + `  conv(${8 + (i % 7)}, 3, padding=1)\n  relu\n` + pairs(9) + '}\n';
    const inNetwork = await typeInto(server, bigUri, versions(nearEnd));
    const hoverAt = { uri, position: { line: convLine, character } };
    const withRequests = await typeInto(server, bigUri, versions(nearEnd).reverse(), { visibleLine: 10000 - 20, hoverAt });
    // Another network of the file has a syntax error (an unfinished call) while the comment after it is typed.
    const broken = `${big}network Broken {\n  input(3x8x8)\n  conv(8,\n}\n`;
    const withError = await typeInto(
      server,
      bigUri,
      versions((i) => `${broken}# ${'x'.repeat(i % 7)}`),
    );
    // Typing an unfinished call near the network's end: every version has a syntax error inside the network.
    const unfinished = (i: number) => 'network Big {\n  input(3x64x64)\n' + pairs(4990) + `  conv(${8 + (i % 7)}, 3\n  relu\n` + pairs(9) + '}\n';
    const errorInNetwork = await typeInto(server, bigUri, versions(unfinished));
    // Enter pressed in the middle of the network, again and again: each keystroke adds a line, so every statement after it moves down.
    const enterPressed = (i: number) => 'network Big {\n  input(3x64x64)\n' + pairs(2500) + '\n'.repeat(i + 1) + pairs(2499) + '}\n';
    const withEnter = await typeInto(server, bigUri, versions(enterPressed));
    // Issue 16: a keystroke in the middle of the 1 MB one-line network (one statement's channel count typed over). The whole file is one
    // line, so nothing cut by lines can be reused; the goal is the 10,000-statement file's.
    const oneLine = megabyteFiles().find((file) => file.name === 'one line of statements')!;
    const middle = Math.floor(oneLine.repeats / 2);
    const [oneLineHead, oneLineTail] = [oneLine.text.slice(0, oneLine.text.indexOf(oneLine.unit)), oneLine.text.slice(oneLine.text.lastIndexOf(oneLine.unit) + oneLine.unit.length)];
    const oneLineTyped = (i: number) => oneLineHead + oneLine.unit.repeat(middle) + `conv(${16 + (i % 7)}, 3, padding=1); relu; ` + oneLine.unit.repeat(oneLine.repeats - middle - 1) + oneLineTail;
    const oneLineUri = await server.open('bench-one-line.cnn', oneLine.text);
    await server.diagnosticsFor(oneLineUri);
    const inOneLine = await typeInto(
      server,
      oneLineUri,
      Array.from({ length: 10 }, (_, i) => oneLineTyped(i + 1)),
    );
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
    // A hover on ResNet-152 every 50 ms while a 1 MB file opens and gets what VS Code asks of a file it opens: the outline, folding,
    // code lenses, semantic tokens, a code action at the cursor and the status bar's summary. Each file opened three times: the calls
    // file is one line (its hints and tokens stop at the column where VS Code stops drawing a line), the other has 50,000 lines, whose
    // semantic tokens (0.9 MB of JSON) and outline (1 MB) the server's thread and the client's must still encode and parse.
    const opening = [
      { label: 'one line of block calls', file: megabyteFiles().find((file) => file.name === 'calls of one small block')! },
      { label: '50,000 lines', file: megabyteFiles().find((file) => file.name.startsWith('50,000 lines of'))! },
    ];
    const hoversWhileOpening = new Map<string, number[]>();
    for (const { label, file } of opening) {
      const hovers: number[] = [];
      hoversWhileOpening.set(label, hovers);
      for (let round = 0; round < 3; round++) {
        const opened = await server.open(`bench-opening-${hoversWhileOpening.size}-${round}.cnn`, file.text);
        const document = { textDocument: { uri: opened } };
        const cursor = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        let answered = false;
        const editorRequests = Promise.all([
          server.diagnosticsFor(opened),
          server.request('textDocument/documentSymbol', document),
          server.request('textDocument/foldingRange', document),
          server.request('textDocument/codeLens', document),
          server.request('textDocument/semanticTokens/full', document),
          server.request('textDocument/codeAction', { ...document, range: cursor, context: { diagnostics: [] } }),
          server.request('cnnLens/networkSummary', { ...document, position: cursor.start, table: false, activeOnly: true }),
        ]).finally(() => (answered = true));
        while (!answered) {
          const start = performance.now();
          await server.request('textDocument/hover', { textDocument: { uri }, position: { line: convLine, character } });
          hovers.push(performance.now() - start);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await editorRequests;
        await server.connection.sendNotification('textDocument/didClose', document);
      }
    }
    return [
      summarise('keystroke → diagnostics, ResNet-152 (LSP)', 50, keystrokes),
      ...typingFigures('in a comment', inComment),
      ...typingFigures('inside the network', inNetwork),
      ...typingFigures('with semantic tokens + inlay hints', withRequests),
      summarise('  semantic tokens / inlay hints while typing, 10,000 statements', 100, withRequests.answers),
      summarise('  hover on ResNet-152 while typing in 10,000 statements', 50, withRequests.hovers),
      ...typingFigures('with a syntax error elsewhere', withError),
      ...typingFigures('typing an unfinished call in the network', errorInNetwork),
      ...typingFigures('pressing Enter in the middle of the network', withEnter),
      summarise('keystroke → diagnostics, 1 MB one-line network, in its middle statement', 100, inOneLine.keystrokes),
      ...(inOneLine.cpuPerKeystroke === undefined ? [] : [summarise('  server CPU per keystroke (all threads), 1 MB one-line network', 100, [inOneLine.cpuPerKeystroke])]),
      summarise('hover on ResNet-152 (LSP round trip)', 50, hovers),
      summarise('hover on ResNet-152 while a hostile file is analysed', 50, hoversWhileHostile),
      summarise('  the longest of those hovers', 50, [Math.max(...hoversWhileHostile)]),
      ...[...hoversWhileOpening].flatMap(([label, hovers]) => [
        summarise(`hover on ResNet-152 while a 1 MB file opens (editor requests): ${label}`, 50, hovers),
        summarise('  the longest of those hovers', 50, [Math.max(...hovers)]),
      ]),
      summarise('completion on ResNet-152 (LSP round trip)', 50, completions),
    ];
  } finally {
    await server.stop();
  }
}
