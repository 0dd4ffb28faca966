/**
 * Open documents and their analyses. Analyses run in worker threads
 * (analysisWorkers.ts), at most once per document text: a request first
 * waits for its document's analysis (`whenAnalysed`, which a cancellation
 * ends with RequestCancelled), then reads it synchronously (`analysisOf`);
 * or asks a query of it (`query`), answered where the analysis is, so that
 * semantic tokens and inlay hints never copy a large analysis out of its
 * worker. The analysis with graphs (training memory, the network summary) is
 * only ever queried: its graphs are the largest part of any analysis.
 * A client that reuses a version number for new text still gets a fresh
 * analysis. An analysis whose text went stale is dropped at the change that
 * made it stale. Diagnostics are published after a quiet period (the
 * debounce), as soon as the worker has them, and only for the version they
 * were computed from.
 *
 * Nothing a client sends can take the server down: a malformed open or
 * change is logged and read as well as it can be, and a fault inside an
 * analysis is an `internal-error` diagnostic on that document alone.
 */
import { join } from 'node:path';
import { TextDocuments, type Connection, type DidChangeTextDocumentParams, type DidOpenTextDocumentParams, type TextDocumentContentChangeEvent } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis, type Diagnostic } from '../core';
import type { AnalysisQuery, QueryResults } from './analysisProtocol';
import { answerQuery } from './analysisTasks';
import { AnalysisWorkers, LostAnalysis, StaleAnalysis, type AnalysisHandle } from './analysisWorkers';
import { toLspDiagnostic } from './convert';
import { PositionConverter, utf16Column } from './positionEncoding';
import type { Settings } from './settings';

/** A document together with the analysis of exactly its current text. */
export interface AnalyzedDocument {
  document: TextDocument;
  analysis: Analysis;
}

interface Cached {
  version: number;
  text: string;
  analysis: Analysis;
}

interface Pending {
  version: number;
  text: string;
  job: AnalysisHandle;
}

/** Two workers: a costly document occupies one, and the others' analyses still run. */
const workerCount = 2;

export class DocumentStore {
  readonly documents = new TextDocuments(TextDocument);
  /**
   * The plain analysis of each document, once copied here (the editor features read it). Analyses with graphs
   * (training memory) are never copied here: they are only queried where they are (memory.ts).
   */
  private readonly analyses = new Map<string, Cached>();
  /** The jobs analysing each document's current text, plain and with graphs. */
  private readonly pending = { plain: new Map<string, Pending>(), graph: new Map<string, Pending>() };
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Documents waiting to be re-published, one per turn of the event loop. */
  private readonly republishing = new Set<string>();
  readonly workers: AnalysisWorkers;
  /** How the client counts positions (set at initialize); features count UTF-16 and convert through this. */
  positions = new PositionConverter('utf-16', (uri, line) => lineText(this.documents.get(uri), line));
  /** Findings that depend on settings as well as the text (the memory budget), published with the analysis's. */
  extraDiagnostics?: (uri: string) => Promise<Diagnostic[]>;

  constructor(
    private readonly connection: Connection,
    private readonly settings: Settings,
    workerScript = join(__dirname, 'analysisWorker.js'),
  ) {
    this.workers = new AnalysisWorkers(workerScript, workerCount, (message) => connection.console.error(message));
    this.documents.onDidOpen((event) => void this.publish(event.document.uri, event.document.version));
    this.documents.onDidChangeContent((event) => this.schedule(event.document));
    this.documents.onDidClose((event) => {
      const uri = event.document.uri;
      this.cancel(uri);
      this.analyses.delete(uri);
      for (const kind of ['plain', 'graph'] as const) {
        this.pending[kind].get(uri)?.job.drop();
        this.pending[kind].delete(uri);
        this.workers.forget(workerKey(uri, kind));
      }
      // And what the workers keep for checking its quick fixes (codeActions.ts) and exporting it (exportNetwork.ts).
      this.workers.forget(`fixes ${uri}`);
      this.workers.forget(`export ${uri}`);
      this.republishing.delete(uri);
      void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    });
    this.documents.listen(this.validating(connection));
  }

  /**
   * The open document and its analysis. Requests wait for `whenAnalysed`
   * first, so this finds the analysis cached; should the text have changed
   * in between, it analyses on this thread.
   */
  analysisOf(uri: string): AnalyzedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    return { document, analysis: this.current(document) };
  }

  private current(document: TextDocument): Analysis {
    const cached = this.fresh(document);
    if (cached) return cached.analysis;
    const text = document.getText();
    const analysis = analyze(text);
    this.keep(document.uri, { version: document.version, text, analysis });
    return analysis;
  }

  /** The cached analysis when it is of the document's current text. */
  private fresh(document: TextDocument): Cached | undefined {
    const cached = this.analyses.get(document.uri);
    return cached && cached.version === document.version && cached.text === document.getText() ? cached : undefined;
  }

  private keep(uri: string, cached: Cached): void {
    this.analyses.set(uri, cached);
    for (const d of cached.analysis.diagnostics) if (d.code === 'internal-error') this.connection.console.error(`${uri}: ${d.message}`);
  }

  /** Resolves once the document's current text is analysed (in a worker), or the document is closed. */
  async whenAnalysed(uri: string): Promise<void> {
    // Each round either finds the analysis or waits for one; a change while waiting starts another round.
    for (;;) {
      const document = this.documents.get(uri);
      if (!document || this.fresh(document)) return;
      const pending = this.start(document, 'plain', true);
      try {
        const analysis = await pending.job.analysis();
        if (this.pending.plain.get(uri) === pending) this.pending.plain.delete(uri);
        const now = this.documents.get(uri);
        if (now && now.version === pending.version && now.getText() === pending.text) this.keep(uri, { version: pending.version, text: pending.text, analysis });
      } catch (error) {
        if (this.pending.plain.get(uri) === pending) this.pending.plain.delete(uri);
        if (error instanceof StaleAnalysis || error instanceof LostAnalysis) continue;
        this.connection.console.error(`Analysing ${uri} failed: ${describeError(error)}`);
        return;
      }
    }
  }

  /**
   * Answers a query from the analysis (`kind`: plain, or with graphs) of the
   * document's current text: here when that analysis is here, else in the
   * worker that keeps it (only the answer is copied). Undefined when the
   * document is closed or its analysis failed. Should the text change
   * meanwhile, it asks the next analysis, unless the request was cancelled
   * (then it stops, and starts no analysis).
   */
  async query<K extends AnalysisQuery['kind']>(
    uri: string,
    query: Extract<AnalysisQuery, { kind: K }>,
    token?: { isCancellationRequested: boolean },
    kind: 'plain' | 'graph' = 'plain',
  ): Promise<QueryResults[K] | undefined> {
    for (;;) {
      const document = this.documents.get(uri);
      if (!document || token?.isCancellationRequested) return undefined;
      const cached = kind === 'plain' ? this.fresh(document) : undefined;
      if (cached) return answerQuery(query, cached.analysis, cached.text);
      const pending = this.start(document, kind);
      try {
        const value = await pending.job.query(query);
        const now = this.documents.get(uri);
        if (now && now.version === pending.version && now.getText() === pending.text) return value;
      } catch (error) {
        if (error instanceof StaleAnalysis || error instanceof LostAnalysis) continue;
        this.connection.console.error(`Answering ${query.kind} for ${uri} failed: ${describeError(error)}`);
        return undefined;
      }
    }
  }

  /**
   * The job analysing the document's current text, started if need be (`send`:
   * its analysis is needed now, not only its diagnostics); a job for older
   * text is dropped.
   */
  private start(document: TextDocument, kind: 'plain' | 'graph', send = false): Pending {
    const uri = document.uri;
    const text = document.getText();
    const version = document.version;
    const existing = this.pending[kind].get(uri);
    if (existing && existing.version === version && existing.text === text) return existing;
    existing?.job.drop();
    const pending: Pending = { version, text, job: this.workers.run({ document: workerKey(uri, kind), uri, text, graph: kind === 'graph', send }) };
    this.pending[kind].set(uri, pending);
    return pending;
  }

  /** Drops the jobs of a document whose text has moved on. */
  private dropStale(document: TextDocument): void {
    for (const kind of ['plain', 'graph'] as const) {
      const pending = this.pending[kind].get(document.uri);
      if (pending && (pending.version !== document.version || pending.text !== document.getText())) {
        pending.job.drop();
        this.pending[kind].delete(document.uri);
      }
    }
  }

  /** Re-publishes the diagnostics of every open document (after a settings change, say), one document per turn of the event loop. */
  republishAll(): void {
    const idle = this.republishing.size === 0;
    for (const document of this.documents.all()) this.republishing.add(document.uri);
    if (idle) this.republishNext();
  }

  private republishNext(): void {
    const [uri] = this.republishing;
    if (uri === undefined) return;
    this.republishing.delete(uri);
    const document = this.documents.get(uri);
    if (document) void this.publish(uri, document.version);
    // Requests that arrived meanwhile run before the next document is analysed.
    if (this.republishing.size) setImmediate(() => this.republishNext());
  }

  private schedule(document: TextDocument): void {
    // onDidChangeContent also fires on open; the open handler has published already.
    const cached = this.analyses.get(document.uri);
    if (cached && document.version === cached.version && document.getText() === cached.text) return;
    const pending = this.pending.plain.get(document.uri);
    if (pending && document.version === pending.version && document.getText() === pending.text) return;
    this.dropStale(document);
    this.cancel(document.uri);
    const version = document.version;
    const delay = this.settings.current.diagnostics.debounceMs;
    this.timers.set(
      document.uri,
      setTimeout(() => {
        this.timers.delete(document.uri);
        void this.publish(document.uri, version);
      }, delay),
    );
  }

  private cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
  }

  private async publish(uri: string, version: number): Promise<void> {
    try {
      const document = this.documents.get(uri);
      if (!document || document.version !== version) return;
      const text = document.getText();
      // The worker sends the diagnostics ahead of the whole analysis: publish them as soon as they come.
      const found = await this.currentDiagnostics(uri);
      const extra = (await this.extraDiagnostics?.(uri)) ?? [];
      // The document changed (or closed) meanwhile: a newer timer will publish.
      const now = this.documents.get(uri);
      if (!found || !now || now.version !== version || now.getText() !== text) return;
      const diagnostics = this.positions.outgoing(
        [...found, ...extra].map((d) => toLspDiagnostic(d, uri)),
        uri,
      );
      void this.connection.sendDiagnostics({ uri, version, diagnostics });
    } catch (error) {
      // Nothing awaits a publication: an exception here would be unhandled, so it is logged.
      this.connection.console.error(`Publishing diagnostics for ${uri} failed: ${describeError(error)}`);
    }
  }

  /**
   * The diagnostics of the document's current text, as they are published:
   * from its analysis here, or as its worker sent them ahead of the analysis
   * (which stays there). Undefined when the document is closed or its text
   * went stale first.
   */
  async currentDiagnostics(uri: string): Promise<Diagnostic[] | undefined> {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    return this.fresh(document)?.analysis.diagnostics ?? this.diagnosticsOf(document);
  }

  /** The diagnostics of the document's current text, or undefined when that text went stale first. */
  private async diagnosticsOf(document: TextDocument): Promise<Diagnostic[] | undefined> {
    try {
      return await this.start(document, 'plain').job.diagnostics;
    } catch (error) {
      if (error instanceof StaleAnalysis) return undefined;
      throw error;
    }
  }

  /**
   * Text changes whose ranges count UTF-8 bytes, with ranges in UTF-16 code
   * units. Each change's range is read against the text the changes before
   * it left, as LSP says.
   */
  private utf16Changes(uri: string, changes: TextDocumentContentChangeEvent[]): TextDocumentContentChangeEvent[] {
    const open = this.documents.get(uri);
    if (!open) return changes;
    let scratch = open;
    return changes.map((change, index) => {
      if (!('range' in change)) {
        if (index < changes.length - 1) scratch = TextDocument.create(uri, scratch.languageId, scratch.version, change.text);
        return change;
      }
      const convert = (position: { line: number; character: number }) => {
        const line = lineText(scratch, position.line);
        return line === undefined ? position : { line: position.line, character: utf16Column(line, position.character) };
      };
      const converted = { range: { start: convert(change.range.start), end: convert(change.range.end) }, text: change.text };
      // Only a later change needs the text this one leaves.
      if (index < changes.length - 1) scratch = TextDocument.update(TextDocument.create(uri, scratch.languageId, scratch.version, scratch.getText()), [converted], scratch.version);
      return converted;
    });
  }

  /**
   * The connection as the document manager sees it, with opens and changes
   * checked first: a text that is not a string is read as empty (open) or the
   * change is dropped, and either is logged, instead of failing later in
   * every feature that reads the document.
   */
  private validating(connection: Connection): Connection {
    const log = (message: string) => connection.console.error(message);
    const view = Object.create(connection) as Connection;
    view.onDidOpenTextDocument = (handler) =>
      connection.onDidOpenTextDocument((params: DidOpenTextDocumentParams) => {
        const item = params?.textDocument;
        if (!item || typeof item.uri !== 'string') return log('textDocument/didOpen without a document URI: ignored.');
        let { text, version } = item;
        if (typeof text !== 'string') {
          log(`textDocument/didOpen for ${item.uri} has no text (${text === null ? 'null' : typeof text}): opened as empty.`);
          text = '';
        }
        if (typeof version !== 'number' || !Number.isFinite(version)) version = 0;
        guarded(log, 'textDocument/didOpen', () => handler({ textDocument: { uri: item.uri, languageId: String(item.languageId ?? 'cnn'), version, text } }));
      });
    view.onDidChangeTextDocument = (handler) =>
      connection.onDidChangeTextDocument((params: DidChangeTextDocumentParams) => {
        const uri = params?.textDocument?.uri;
        if (typeof uri !== 'string' || !Array.isArray(params.contentChanges)) return log('textDocument/didChange without a document or changes: ignored.');
        let changes = params.contentChanges.filter((change) => typeof change?.text === 'string' && (!('range' in change) || validRange(change.range)));
        if (changes.length !== params.contentChanges.length) log(`textDocument/didChange for ${uri}: ${params.contentChanges.length - changes.length} malformed change(s) dropped.`);
        if (this.positions.active) changes = this.utf16Changes(uri, changes);
        const version = typeof params.textDocument.version === 'number' ? params.textDocument.version : (this.documents.get(uri)?.version ?? 0) + 1;
        guarded(log, 'textDocument/didChange', () => handler({ textDocument: { uri, version }, contentChanges: changes }));
      });
    return view;
  }
}

/** What the workers key a document's incremental state by: its URI and the kind of analysis. */
function workerKey(uri: string, kind: 'plain' | 'graph'): string {
  return `${kind} ${uri}`;
}

/** The text of a line without its line break; undefined past the end or for an unknown document. */
function lineText(document: TextDocument | undefined, line: number): string | undefined {
  if (!document || line < 0 || line >= document.lineCount) return undefined;
  return document.getText({ start: { line, character: 0 }, end: { line: line + 1, character: 0 } }).replace(/(\r\n|\n|\r)$/, '');
}

function validRange(range: unknown): boolean {
  const r = range as { start?: { line?: unknown; character?: unknown }; end?: { line?: unknown; character?: unknown } } | undefined;
  return !!r && [r.start?.line, r.start?.character, r.end?.line, r.end?.character].every((n) => typeof n === 'number' && Number.isFinite(n));
}

function guarded(log: (message: string) => void, what: string, run: () => void): void {
  try {
    run();
  } catch (error) {
    log(`${what} failed: ${describeError(error)}`);
  }
}

/** An error for the log: its stack when it has one. */
export function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
}
