/**
 * Open documents and their analyses. `analyze()` runs at most once per
 * document version, on demand: every feature asks `analysisOf` and gets the
 * cached result when the version has not changed. Diagnostics are published
 * after a quiet period (the debounce), and only for the version they were
 * computed from: a timer that fires for a stale version publishes nothing.
 */
import { TextDocuments, type Connection } from 'vscode-languageserver';
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
  private readonly analyses = new Map<string, { version: number; analysis: Analysis }>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
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
      void this.connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
    });
    this.documents.listen(connection);
  }

  /** The open document and its analysis, analysing now if the cached one is for an older version. */
  analysisOf(uri: string): AnalyzedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    const cached = this.analyses.get(uri);
    if (cached && cached.version === document.version) return { document, analysis: cached.analysis };
    const analysis = analyze(document.getText());
    this.analyses.set(uri, { version: document.version, analysis });
    return { document, analysis };
  }

  /** Re-publishes the diagnostics of every open document (after a settings change, say). */
  republishAll(): void {
    for (const document of this.documents.all()) this.publish(document.uri, document.version);
  }

  private schedule(document: TextDocument): void {
    // onDidChangeContent also fires on open; the open handler has published already.
    if (document.version === this.analyses.get(document.uri)?.version) return;
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
    const current = this.analysisOf(uri);
    // The document changed (or closed) since this was scheduled: a newer timer will publish.
    if (!current || current.document.version !== version) return;
    const diagnostics = [...current.analysis.diagnostics, ...(this.extraDiagnostics?.(uri) ?? [])].map((d) => toLspDiagnostic(d, uri));
    void this.connection.sendDiagnostics({ uri, version, diagnostics });
  }
}
