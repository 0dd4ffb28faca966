/**
 * The VS Code extension: a thin host. It starts the language server (which
 * does all the work), adds its commands, hosts the preview panel
 * (preview.ts) and the summary document (summaryDocument.ts), and keeps two
 * status bar items: the active network's parameters, output shape and peak
 * training memory, and, when the file has errors, how many (a click goes to
 * the first).
 */
import { markHost } from './hostMarks';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { registerPreview } from './preview';
import { SummaryDocuments } from './summaryDocument';
import { bytesText, compactCount } from '../core/format';
import { optimizerName } from '../core/summary';
import { networkSummaryMethod, type NetworkSummaryMemory, type NetworkSummaryParams, type NetworkSummaryResult } from '../protocol/messages';
import type { LoadedWeightsFile } from '../protocol/preview';

let client: LanguageClient | undefined;

/**
 * Activation is light, because a preview left open comes back only once it
 * has run: VS Code restores the panel after the serializer is registered and
 * the restoring call reaches this extension host. So the serializer is
 * registered first; the command modules (import, export: the analysis core,
 * protobufjs) load when their command runs; and the language client
 * (vscode-languageclient, and the server process it starts) loads on the
 * next turn, after VS Code has the serializer, and after the previews being
 * restored on screen have their pages (preview.ts: RestoreWatch).
 */
export function activate(context: vscode.ExtensionContext): void {
  markHost('activate');
  const preview = registerPreview(context);
  context.subscriptions.push(...preview.disposables);
  markHost('serializer registered');
  const output = vscode.window.createOutputChannel('CNN Lens');
  context.subscriptions.push(output);
  const status = new StatusItem(() => client);
  const summaries = new SummaryDocuments((uri) => requestSummary(uri));
  context.subscriptions.push(
    status,
    summaries,
    new ErrorsItem(),
    vscode.commands.registerCommand('cnnLens.goToFirstError', () => goToFirstError()),
    vscode.commands.registerCommand('cnnLens.restartServer', async () => {
      await client?.restart();
      status.update();
    }),
    vscode.commands.registerCommand('cnnLens.showSummary', (uri?: string, networkName?: string) => showSummary(summaries, uri, networkName)),
    vscode.commands.registerCommand('cnnLens.exportNetwork', async (uri?: string, networkName?: string, weights?: LoadedWeightsFile) => {
      const { exportNetworkInteractively } = await import('./exportCommand');
      return exportNetworkInteractively(
        client,
        uri,
        networkName,
        (document) => networkAt(document, vscode.window.activeTextEditor?.document === document ? vscode.window.activeTextEditor.selection.active : undefined),
        weights,
      );
    }),
    vscode.commands.registerCommand('cnnLens.importModel', async (uri?: vscode.Uri) => (await import('./importModel')).importModelCommand(uri)),
  );
  // The server starts in the background: activation (and so the editor, and a preview being restored) does not wait
  // for it; diagnostics arrive when it is up. The timer lets the serializer's registration reach VS Code first, and a
  // preview being restored after a reload gets its page drawing before the server's start takes the CPU.
  const clientTimer = setTimeout(() => {
    preview.restored
      .then(() => startClient(context, output))
      .then(
        () => status.update(),
        (error: unknown) => output.appendLine(`CNN Lens: the language server did not start: ${(error as Error).message ?? String(error)}`),
      );
  }, 0);
  context.subscriptions.push({ dispose: () => clearTimeout(clientTimer) });
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

/** Loads the language client (a bundle of its own), creates it (so the commands see it) and starts it. */
async function startClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<void> {
  const { startLanguageClient } = await import('./languageClient');
  await startLanguageClient(context.asAbsolutePath('dist/server.js'), output, (created) => (client = created));
}

/** The name of the network at `position` in `document` (the server's active one), or undefined when there is none or no server. */
async function networkAt(document: vscode.TextDocument, position?: vscode.Position): Promise<string | undefined> {
  const summary = await requestSummary(document.uri.toString(), position, 'active', false);
  return summary && summary.active !== null ? summary.networks[summary.active].name : undefined;
}

/**
 * The server's summary of the file: `all` with each network's summary table (only the summary document shows them),
 * or only the `active` network's totals (the status bar and the preview's network show one); `memory` false leaves
 * training memory out, for an answer as soon as the diagnostics come.
 */
async function requestSummary(uri: string, position?: vscode.Position, what: 'all' | 'active' = 'all', memory = true): Promise<NetworkSummaryResult | null> {
  if (!client?.isRunning()) return null;
  const active = what === 'active';
  const params: NetworkSummaryParams = {
    textDocument: { uri },
    position: position ? { line: position.line, character: position.character } : undefined,
    table: !active,
    activeOnly: active,
    memory,
  };
  try {
    return await client.sendRequest<NetworkSummaryResult | null>(networkSummaryMethod, params);
  } catch {
    return null;
  }
}

/**
 * Opens the summary document of the file (or of `uri`) beside the editor,
 * scrolled to `networkName` when given, and returns its text (undefined when
 * there is nothing to summarise), so that callers of the command can check it.
 */
async function showSummary(summaries: SummaryDocuments, uri?: string, networkName?: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const target = uri ?? (editor?.document.languageId === 'cnn' ? editor.document.uri.toString() : undefined);
  if (!target) {
    void vscode.window.showInformationMessage('CNN Lens: open a .cnn file to see its network summary.');
    return undefined;
  }
  const result = await requestSummary(target);
  if (!result?.networks.length) {
    void vscode.window.showInformationMessage('CNN Lens: this file has no network to summarise.');
    return undefined;
  }
  return summaries.show(vscode.Uri.parse(target), networkName);
}

/** The error diagnostics of a document, first by position. */
function errorsOf(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages
    .getDiagnostics(uri)
    .filter((d) => d.severity === vscode.DiagnosticSeverity.Error)
    .sort((a, b) => a.range.start.compareTo(b.range.start));
}

/** Diagnostic codes about shapes and sizes, for "2 shape errors". */
const shapeCodes = new Set(['shape-mismatch', 'nonpositive-size', 'channel-mismatch', 'merge-mismatch', 'groups', 'rank']);

/** "1 shape error", "2 syntax errors", "3 errors": the kind is named when all errors share it. */
export function errorsText(codes: string[]): string {
  const kind = codes.every((c) => shapeCodes.has(c)) ? 'shape ' : codes.every((c) => c === 'syntax') ? 'syntax ' : '';
  return `${codes.length} ${kind}error${codes.length === 1 ? '' : 's'}`;
}

/** Moves the cursor of the active .cnn editor to its first error. */
async function goToFirstError(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return;
  const [first] = errorsOf(editor.document.uri);
  if (!first) return;
  editor.selection = new vscode.Selection(first.range.start, first.range.start);
  editor.revealRange(first.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  await vscode.window.showTextDocument(editor.document, editor.viewColumn);
}

/** The status bar item that counts the active .cnn file's errors; hidden when there are none. */
class ErrorsItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 101);
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor() {
    this.item.command = 'cnnLens.goToFirstError';
    this.item.name = 'CNN Lens errors';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.languages.onDidChangeDiagnostics((event) => {
        const active = vscode.window.activeTextEditor?.document.uri.toString();
        if (event.uris.some((u) => u.toString() === active)) this.update();
      }),
    );
    this.update();
  }

  private update(): void {
    const document = vscode.window.activeTextEditor?.document;
    const errors = document?.languageId === 'cnn' ? errorsOf(document.uri) : [];
    if (!errors.length) {
      this.item.hide();
      return;
    }
    this.item.text = `$(error) ${errorsText(errors.map((e) => String(typeof e.code === 'object' ? e.code.value : (e.code ?? ''))))}`;
    const first = errors[0];
    this.item.tooltip = `Line ${first.range.start.line + 1}: ${first.message}\nClick to go to the first error.`;
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}

/** The status bar item: the network under the cursor, its parameters and output shape. */
class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Counts refreshes: the answers of an older one, still on their way, are dropped. */
  private refreshes = 0;
  /** The training memory shown last, and for which network: an answer without memory keeps it until the next one comes. */
  private shownMemory: { network: string; memory: NetworkSummaryMemory } | undefined;

  constructor(private readonly currentClient: () => LanguageClient | undefined) {
    this.item.command = 'cnnLens.showSummary';
    this.item.name = 'CNN Lens network';
    // Diagnostics arrive after the server re-analysed the file, so they are the moment the totals may have changed.
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeTextEditorSelection(() => this.update()),
      vscode.languages.onDidChangeDiagnostics(() => this.update()),
      // The server re-reads the training settings itself; the peak shown here follows them.
      vscode.workspace.onDidChangeConfiguration((event) => event.affectsConfiguration('cnnLens.training') && this.update()),
    );
  }

  /** Refreshes soon; bursts of events (typing, cursor moves) cost one request. */
  update(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), 100);
  }

  private async refresh(): Promise<void> {
    const refresh = ++this.refreshes;
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'cnn' || !this.currentClient()) {
      this.item.hide();
      return;
    }
    const uri = editor.document.uri.toString();
    const cursor = editor.selection.active;
    // The totals first, from the analysis the diagnostics come from; then the training memory, which needs the
    // analysis with graphs (seconds for a megabyte file).
    for (const memory of [false, true]) {
      const result = await requestSummary(uri, cursor, 'active', memory);
      if (refresh !== this.refreshes) return;
      this.show(result, memory);
    }
  }

  /**
   * Shows the cursor's network of `result`. An answer without memory (`withMemory` false) keeps the peak shown for the
   * same network until the answer with memory replaces it, so that typing does not make the item flicker.
   */
  private show(result: NetworkSummaryResult | null, withMemory: boolean): void {
    const network = result && result.active !== null ? result.networks[result.active] : undefined;
    if (!network) {
      this.item.hide();
      return;
    }
    if (withMemory) this.shownMemory = network.memory ? { network: network.name, memory: network.memory } : undefined;
    const memory = withMemory ? network.memory : this.shownMemory?.network === network.name ? this.shownMemory.memory : null;
    const { trainableParams: trainable, nonTrainableParams: nonTrainable } = network;
    // Null totals: the analysis stopped part-way (too-large), so the count is unknown, not zero.
    const known = trainable !== null && nonTrainable !== null;
    const params = known ? trainable + nonTrainable : 0;
    const peak = memory ? ` · ${bytesText(memory.trainingPeak)} train` : '';
    this.item.text = `$(symbol-structure) ${network.name}: ${known ? compactCount(params) : '?'} params → ${network.output ?? '?'}${peak}`;
    const lines = [
      known
        ? `${network.name}: ${params.toLocaleString('en-US')} parameters (${trainable.toLocaleString('en-US')} trainable), output ${network.output ?? 'unknown'}.`
        : `${network.name}: parameters unknown (the analysis stopped part-way), output unknown.`,
    ];
    if (memory) {
      lines.push(
        `Peak training memory at batch ${memory.batch} (${optimizerName(memory.optimizer)}, ${memory.precision}): ${bytesText(memory.trainingPeak)}; saved activations ${bytesText(memory.savedActivations)}, optimizer state ${bytesText(memory.optimizerState)}.`,
      );
      if (memory.budget !== null && memory.largestBatch !== null) lines.push(`Fits ${bytesText(memory.budget)} up to batch ${memory.largestBatch.toLocaleString('en-US')}.`);
    }
    lines.push('Click for the full summary.');
    this.item.tooltip = lines.join('\n');
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
