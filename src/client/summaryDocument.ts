/**
 * "Show Network Summary": the per-layer table that `cnn summary` prints (the
 * server sends the text the core renders), as a read-only virtual document
 * beside the editor (`cnn-summary:` scheme). Each row links to its statement's
 * line (Ctrl+click), and the document follows edits of its source file.
 */
import * as vscode from 'vscode';
import type { NetworkSummaryResult } from '../protocol/messages';

/** The scheme of summary documents; the source file's URI is the query. */
export const summaryScheme = 'cnn-summary';

/** Asks the server for a file's summary (null when the server is not running). */
export type SummaryRequest = (uri: string) => Promise<NetworkSummaryResult | null>;

/** A row of a summary document that shows a statement, and where that statement is. */
interface RowLink {
  documentLine: number;
  sourceLine: number;
}

/** Milliseconds to wait after an edit before the summary is rebuilt, so typing costs one request per pause. */
const refreshDelayMs = 300;

/** The summary document of a source file. */
export function summaryUriOf(source: vscode.Uri): vscode.Uri {
  const name = source.path.slice(source.path.lastIndexOf('/') + 1);
  return vscode.Uri.from({ scheme: summaryScheme, path: `/${name} (summary)`, query: source.toString() });
}

/** Serves summary documents, their row links, and their refresh on edits. */
export class SummaryDocuments implements vscode.TextDocumentContentProvider, vscode.DocumentLinkProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly links = new Map<string, RowLink[]>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly request: SummaryRequest) {
    this.subscriptions.push(
      vscode.workspace.registerTextDocumentContentProvider(summaryScheme, this),
      vscode.languages.registerDocumentLinkProvider({ scheme: summaryScheme }, this),
      vscode.workspace.onDidChangeTextDocument((event) => this.sourceChanged(event.document.uri)),
      vscode.workspace.onDidCloseTextDocument((document) => document.uri.scheme === summaryScheme && this.links.delete(document.uri.toString())),
    );
  }

  /** Opens (or reveals) the summary of `source` beside the editor; returns its text, scrolled to `networkName` when given. */
  async show(source: vscode.Uri, networkName?: string): Promise<string | undefined> {
    const uri = summaryUriOf(source);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    // An open summary may be stale if its source changed while the server was busy: rebuild it first.
    if (open) this.changed.fire(uri);
    const document = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false, preserveFocus: true });
    if (networkName) {
      const line = document
        .getText()
        .split('\n')
        .findIndex((l) => l.startsWith(`Network ${networkName}:`));
      if (line >= 0) editor.revealRange(new vscode.Range(line, 0, line, 0), vscode.TextEditorRevealType.AtTop);
    }
    return document.getText();
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const source = vscode.Uri.parse(uri.query);
    const result = await this.request(source.toString());
    const rows: RowLink[] = [];
    const lines = [`# Summary of ${source.scheme === 'file' ? source.fsPath : source.toString()} (updates as you edit; Ctrl+click a layer to go to its line)`, ''];
    if (!result) lines.push('The CNN Lens language server is not running, or the file is not open.');
    else if (!result.networks.length) lines.push('This file has no network to summarise.');
    for (const network of result?.networks ?? []) {
      network.table.split('\n').forEach((text, index) => {
        const sourceLine = network.tableLines[index];
        if (sourceLine !== null && sourceLine !== undefined) rows.push({ documentLine: lines.length, sourceLine });
        lines.push(text);
      });
      if (network.errors) lines.push(`(${network.errors} error${network.errors === 1 ? '' : 's'}: see Problems)`);
      lines.push('');
    }
    this.links.set(uri.toString(), rows);
    return lines.join('\n');
  }

  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const rows = this.links.get(document.uri.toString()) ?? [];
    const source = vscode.Uri.parse(document.uri.query);
    return rows
      .filter((row) => row.documentLine < document.lineCount)
      .map((row) => {
        const text = document.lineAt(row.documentLine).text;
        // The link covers the layer column: the statement as written, without its indentation.
        const start = text.length - text.trimStart().length;
        const end = text.indexOf('  ', start);
        const link = new vscode.DocumentLink(new vscode.Range(row.documentLine, start, row.documentLine, end < 0 ? text.length : end), source.with({ fragment: `L${row.sourceLine + 1}` }));
        link.tooltip = `Go to line ${row.sourceLine + 1}`;
        return link;
      });
  }

  /** The source line a summary row shows, for a position in a summary document (tests and commands). */
  sourceLineAt(document: vscode.TextDocument, line: number): number | undefined {
    return this.links.get(document.uri.toString())?.find((row) => row.documentLine === line)?.sourceLine;
  }

  private sourceChanged(source: vscode.Uri): void {
    if (source.scheme === summaryScheme) return;
    const uri = summaryUriOf(source);
    const key = uri.toString();
    if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === key)) return;
    const pending = this.timers.get(key);
    if (pending) clearTimeout(pending);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.changed.fire(uri);
      }, refreshDelayMs),
    );
  }

  dispose(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
