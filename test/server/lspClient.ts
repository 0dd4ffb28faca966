/**
 * A real LSP client for tests: spawns `node dist/server.js --stdio` and talks
 * JSON-RPC to it over its pipes, as any editor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  PublishDiagnosticsNotification,
  type Diagnostic,
  type ProtocolConnection,
  type Position,
  type Range,
  type TextEdit,
} from 'vscode-languageserver-protocol/node';
import { repoRoot } from '../helpers';

/** A running server and a connection to it. */
export class TestServer {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  stderr = '';
  /** The `window/showMessage` notifications the server sent, in order. */
  readonly messages: { type: number; message: string }[] = [];
  private readonly diagnostics = new Map<string, { version?: number; diagnostics: Diagnostic[] }[]>();
  private readonly waiters: (() => void)[] = [];
  private readonly versions = new Map<string, number>();
  private readonly texts = new Map<string, string>();

  /**
   * `configuration`, when given, makes the client advertise
   * `workspace/configuration` and answer it with the `cnnLens` section it
   * returns at that moment, as VS Code does. `serverScript` is the build of
   * `npm run build` unless a test gives another (the packed npm package's, say).
   */
  constructor(
    initializationOptions: unknown = { diagnostics: { debounceMs: 20 } },
    private readonly configuration?: () => unknown,
    serverScript = join(repoRoot, 'dist', 'server.js'),
  ) {
    this.process = spawn(process.execPath, [serverScript, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.process.stderr!.on('data', (chunk) => (this.stderr += String(chunk)));
    this.connection = createProtocolConnection(new StreamMessageReader(this.process.stdout!), new StreamMessageWriter(this.process.stdin!));
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      const list = this.diagnostics.get(params.uri) ?? [];
      list.push({ version: params.version, diagnostics: params.diagnostics });
      this.diagnostics.set(params.uri, list);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.connection.onNotification('window/showMessage', (params: { type: number; message: string }) => this.messages.push(params));
    if (configuration) this.connection.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => configuration()));
    this.connection.listen();
    this.initializationOptions = initializationOptions;
  }

  private readonly initializationOptions: unknown;

  /** `general` is the client's general capabilities (`positionEncodings`, say). */
  async initialize(general?: Record<string, unknown>): Promise<unknown> {
    const result = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        ...(general ? { general } : {}),
        textDocument: { publishDiagnostics: { versionSupport: true, relatedInformation: true } },
        ...(this.configuration ? { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: false } } } : {}),
      },
      initializationOptions: this.initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** Opens a document under a made-up file URI and returns that URI. */
  async open(name: string, text: string): Promise<string> {
    const uri = pathToFileURL(join(repoRoot, 'test-virtual', name)).toString();
    this.versions.set(uri, 1);
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'cnn', version: 1, text } });
    return uri;
  }

  /** Replaces the whole text (a full-range incremental change). */
  async replaceText(uri: string, text: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    const old = this.texts.get(uri) ?? '';
    this.texts.set(uri, text);
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version },
      contentChanges: [{ range: { start: { line: 0, character: 0 }, end: endOf(old) }, text }],
    });
  }

  /** Sends changes as given (ranges in whatever encoding was agreed), recording the new version and the text they leave. */
  async sendChanges(uri: string, contentChanges: unknown[], textAfter: string): Promise<void> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    this.texts.set(uri, textAfter);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges });
  }

  /** Applies edits as an editor would, and sends the result. */
  async applyEdits(uri: string, edits: TextEdit[]): Promise<string> {
    const text = applyTextEdits(this.texts.get(uri) ?? '', edits);
    await this.replaceText(uri, text);
    return text;
  }

  text(uri: string): string {
    return this.texts.get(uri) ?? '';
  }

  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  /** Waits for diagnostics published for the document's current version. */
  async diagnosticsFor(uri: string): Promise<Diagnostic[]> {
    const wanted = this.versions.get(uri);
    for (;;) {
      const found = (this.diagnostics.get(uri) ?? []).find((d) => d.version === wanted);
      if (found) return found.diagnostics;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Every publication for a document, oldest first. */
  publications(uri: string): { version?: number; diagnostics: Diagnostic[] }[] {
    return this.diagnostics.get(uri) ?? [];
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    return (await this.connection.sendRequest(method, params)) as R;
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest('shutdown'), new Promise((resolve) => setTimeout(resolve, 2000))]);
      await this.connection.sendNotification('exit');
    } catch {
      // The process may have gone already; killing it below is enough.
    }
    this.connection.dispose();
    this.process.kill();
  }
}

/** The position of `marker` in `text` (first occurrence, plus `offset` characters). */
export function positionOf(text: string, marker: string, offset = 0): Position {
  const index = text.indexOf(marker);
  if (index < 0) throw new Error(`marker ${JSON.stringify(marker)} not in text`);
  const before = text.slice(0, index + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

function endOf(text: string): Position {
  const lines = text.split('\n');
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
}

function offsetAt(text: string, position: Position): number {
  const lines = text.split('\n');
  let offset = 0;
  for (let i = 0; i < position.line; i++) offset += lines[i].length + 1;
  return offset + position.character;
}

/** Applies non-overlapping edits, last first so earlier offsets stay valid. */
export function applyTextEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  let result = text;
  for (const edit of sorted) result = result.slice(0, offsetAt(result, edit.range.start)) + edit.newText + result.slice(offsetAt(result, edit.range.end));
  return result;
}

/** The text a range covers. */
export function textAt(text: string, range: Range): string {
  return text.slice(offsetAt(text, range.start), offsetAt(text, range.end));
}
