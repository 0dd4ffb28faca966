/**
 * Open documents and their analyses. `analyze()` runs at most once per
 * document text, on demand: every feature asks `analysisOf` and gets the
 * cached result while the text has not changed (a client that reuses a
 * version number for new text still gets a fresh analysis). Diagnostics are
 * published after a quiet period (the debounce), and only for the version
 * they were computed from: a timer that fires for a stale version publishes
 * nothing, and re-publishing every document yields to other requests between
 * documents.
 *
 * Nothing a client sends can take the server down: a malformed open or
 * change is logged and read as well as it can be, and a fault inside an
 * analysis is an `internal-error` diagnostic on that document alone.
 */
import { TextDocuments, type Connection, type DidChangeTextDocumentParams, type DidOpenTextDocumentParams } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyze, type Analysis, type Diagnostic } from '../core';
import { toLspDiagnostic } from './convert';
import type { Settings } from './settings';

/** A document together with the analysis of exactly its current text. */
export interface AnalyzedDocument {
  document: TextDocument;
  analysis: Analysis;
}

export class DocumentStore {
  readonly documents = new TextDocuments(TextDocument);
  private readonly analyses = new Map<string, { version: number; text: string; analysis: Analysis }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Documents waiting to be re-published, one per turn of the event loop. */
  private readonly republishing = new Set<string>();
  /** Findings that depend on settings as well as the text (the memory budget), published with the analysis's. */
  extraDiagnostics?: (uri: string) => Diagnostic[];

  constructor(
    private readonly connection: Connection,
    private readonly settings: Settings,
  ) {
    this.documents.onDidOpen((event) => this.publish(event.document.uri, event.document.version));
    this.documents.onDidChangeContent((event) => this.schedule(event.document));
    this.documents.onDidClose((event) => {
      this.cancel(event.document.uri);
      this.analyses.delete(event.document.uri);
      this.republishing.delete(event.document.uri);
      void this.connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
    });
    this.documents.listen(this.validating(connection));
  }

  /** The open document and its analysis, analysing now if the cached one is for other text. */
  analysisOf(uri: string): AnalyzedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const text = document.getText();
    const cached = this.analyses.get(uri);
    if (cached && cached.version === document.version && cached.text === text) return { document, analysis: cached.analysis };
    const analysis = analyze(text);
    for (const d of analysis.diagnostics) if (d.code === 'internal-error') this.connection.console.error(`${uri}: ${d.message}`);
    this.analyses.set(uri, { version: document.version, text, analysis });
    return { document, analysis };
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
    if (document) this.publish(uri, document.version);
    // Requests that arrived meanwhile run before the next document is analysed.
    if (this.republishing.size) setImmediate(() => this.republishNext());
  }

  private schedule(document: TextDocument): void {
    // onDidChangeContent also fires on open; the open handler has published already.
    const cached = this.analyses.get(document.uri);
    if (cached && document.version === cached.version && document.getText() === cached.text) return;
    this.cancel(document.uri);
    const version = document.version;
    const delay = this.settings.current.diagnostics.debounceMs;
    this.timers.set(
      document.uri,
      setTimeout(() => {
        this.timers.delete(document.uri);
        this.publish(document.uri, version);
      }, delay),
    );
  }

  private cancel(uri: string): void {
    const timer = this.timers.get(uri);
    if (timer) clearTimeout(timer);
    this.timers.delete(uri);
  }

  private publish(uri: string, version: number): void {
    try {
      const current = this.analysisOf(uri);
      // The document changed (or closed) since this was scheduled: a newer timer will publish.
      if (!current || current.document.version !== version) return;
      const diagnostics = [...current.analysis.diagnostics, ...(this.extraDiagnostics?.(uri) ?? [])].map((d) => toLspDiagnostic(d, uri));
      void this.connection.sendDiagnostics({ uri, version, diagnostics });
    } catch (error) {
      // A timer has no caller to catch for it: an exception here would end the process, and every document with it.
      this.connection.console.error(`Publishing diagnostics for ${uri} failed: ${describeError(error)}`);
    }
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
        const changes = params.contentChanges.filter((change) => typeof change?.text === 'string' && (!('range' in change) || validRange(change.range)));
        if (changes.length !== params.contentChanges.length) log(`textDocument/didChange for ${uri}: ${params.contentChanges.length - changes.length} malformed change(s) dropped.`);
        const version = typeof params.textDocument.version === 'number' ? params.textDocument.version : (this.documents.get(uri)?.version ?? 0) + 1;
        guarded(log, 'textDocument/didChange', () => handler({ textDocument: { uri, version }, contentChanges: changes }));
      });
    return view;
  }
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
