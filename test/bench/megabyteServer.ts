/**
 * The 1 MB files of issue 16 as the user waits for them in the editor: each
 * is opened in the real language server through a real LSP client over stdio
 * (the one the server tests use), and the time from `didOpen` to the
 * document's diagnostics published is measured, beside the 2 s goal. VS Code
 * asks for the semantic tokens as soon as a document opens, so each open also
 * asks for them at once, and a second figure is the time until both have
 * come. A third is the time until the status bar's question is answered with
 * the cursor's network's training peak (`cnnLens/networkSummary` with memory,
 * as the status bar asks once a file opens), which needs the analysis with
 * graphs. The same two waits are also timed for the first open in a fresh
 * server (a new process each time: its workers start and compile with the
 * open, as when the editor starts on a megabyte file). The server's CPU per open (all its threads, the analysis with
 * graphs included) is printed too: on a busy machine the wall time includes
 * the queue for a processor. Summed over threads, it may pass the wall time;
 * the goal is the wall time.
 */
import { performance } from 'node:perf_hooks';
import { megabyteFiles } from '../megabyteFiles';
import { TestServer } from '../server/lspClient';
import { cpuTimeOf } from './editor';
import { summarise, type Figure } from './figure';

/** How many times each file is opened; the figures are the median and p95 of these. */
const opens = 3;

/** How many fresh servers open each file. */
const freshOpens = 3;

/** One open of `text` as `name`: when its diagnostics were published, and when the status bar's training peak came (ms). */
async function openOnce(server: TestServer, name: string, text: string): Promise<{ published: number; tokensAnswered: number; peakAnswered: number }> {
  const start = performance.now();
  const uri = await server.open(name, text);
  const tokens = server.request('textDocument/semanticTokens/full', { textDocument: { uri } });
  const cursor = { line: 0, character: 0 };
  const memory = server.request('cnnLens/networkSummary', { textDocument: { uri }, position: cursor, table: false, activeOnly: true }).then(() => performance.now() - start);
  await server.diagnosticsFor(uri);
  const published = performance.now() - start;
  await tokens;
  const tokensAnswered = performance.now() - start;
  const peakAnswered = await memory;
  await server.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  return { published, tokensAnswered, peakAnswered };
}

/**
 * `serverScript`: the server build to measure (this checkout's dist/server.js unless given, to compare another build).
 * `only`: words, comma-separated, that a file's name must contain one of (CNN_LENS_MEGABYTE_ONLY, to time a few files).
 */
export async function megabyteServerFigures(serverScript?: string, only = process.env.CNN_LENS_MEGABYTE_ONLY): Promise<Figure[]> {
  const words = only ? only.split(',').map((word) => word.trim().toLowerCase()) : [];
  // The settings a new user has (no initialization options): the server's defaults.
  const server = new TestServer({}, undefined, serverScript);
  const figures: Figure[] = [];
  try {
    await server.initialize();
    for (const [fileIndex, { name, text }] of megabyteFiles().entries()) {
      if (words.length && !words.some((word) => name.toLowerCase().includes(word))) continue;
      const diagnostics: number[] = [];
      const withTokens: number[] = [];
      const withMemory: number[] = [];
      const cpu: number[] = [];
      // One open first to warm the server's code paths, as the CPU figures of the core do.
      for (let run = 0; run <= opens; run++) {
        // Each open is a new document with its own text, so nothing of an earlier open can be reused.
        const cpuBefore = cpuTimeOf(server.process.pid);
        const { published, tokensAnswered, peakAnswered } = await openOnce(server, `megabyte-${fileIndex}-${run}.cnn`, `${text}\n# open ${run}\n`);
        const cpuAfter = cpuTimeOf(server.process.pid);
        if (run === 0) continue;
        diagnostics.push(published);
        withTokens.push(tokensAnswered);
        withMemory.push(peakAnswered);
        if (cpuBefore !== undefined && cpuAfter !== undefined) cpu.push(cpuAfter - cpuBefore);
      }
      const freshDiagnostics: number[] = [];
      const freshMemory: number[] = [];
      for (let run = 0; run < freshOpens; run++) {
        const fresh = new TestServer({}, undefined, serverScript);
        try {
          await fresh.initialize();
          const { published, peakAnswered } = await openOnce(fresh, `megabyte-${fileIndex}-fresh.cnn`, text);
          freshDiagnostics.push(published);
          freshMemory.push(peakAnswered);
        } finally {
          await fresh.stop();
        }
      }
      figures.push(summarise(`open 1 MB → diagnostics (LSP, wall): ${name}`, 2000, diagnostics));
      figures.push(summarise(`  … and semantic tokens answered`, 2000, withTokens));
      figures.push(summarise(`  … and the status bar's training peak answered`, 2000, withMemory));
      if (cpu.length) figures.push(summarise(`  server CPU per open, the analysis with graphs included`, 2000, cpu));
      figures.push(summarise(`  first open in a fresh server → diagnostics`, 2000, freshDiagnostics));
      figures.push(summarise(`  first open in a fresh server → the status bar's training peak`, 2000, freshMemory));
    }
    return figures;
  } finally {
    await server.stop();
  }
}
