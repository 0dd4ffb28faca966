/**
 * The VS Code extension: a thin host. It starts the language server (which
 * does all the work), adds its commands, hosts the preview panel
 * (preview.ts), and keeps a status bar item showing the active network's
 * parameters, output shape and peak training memory.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { exportNetworkInteractively } from './exportCommand';
import { importModelCommand } from './importModel';
import { registerPreview } from './preview';
import { bytesText, compactCount } from '../core/format';
import { optimizerName } from '../core/summary';
import { networkSummaryMethod, type NetworkSummaryParams, type NetworkSummaryResult } from '../protocol/messages';
import type { LoadedWeightsFile } from '../protocol/preview';

let client: LanguageClient | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('CNN Lens');
  context.subscriptions.push(output);
  client = createClient(context, output);
  const status = new StatusItem(() => client);
  context.subscriptions.push(
    status,
    vscode.commands.registerCommand('cnnLens.restartServer', async () => {
      await client?.restart();
      status.update();
    }),
    vscode.commands.registerCommand('cnnLens.showSummary', (uri?: string, networkName?: string) => showSummary(output, uri, networkName)),
    vscode.commands.registerCommand('cnnLens.exportNetwork', (uri?: string, networkName?: string, weights?: LoadedWeightsFile) =>
      exportNetworkInteractively(
        client,
        uri,
        networkName,
        async (document) => {
          const position = vscode.window.activeTextEditor?.document === document ? vscode.window.activeTextEditor.selection.active : undefined;
          const summary = await requestSummary(document.uri.toString(), position);
          return summary && summary.active !== null ? summary.networks[summary.active].name : undefined;
        },
        weights,
      ),
    ),
    vscode.commands.registerCommand('cnnLens.importModel', (uri?: vscode.Uri) => importModelCommand(uri)),
    ...registerPreview(context, async (document, position) => {
      const summary = await requestSummary(document.uri.toString(), position);
      return summary && summary.active !== null ? summary.networks[summary.active].name : undefined;
    }),
  );
  // The server starts in the background: activation (and so the editor) does
  // not wait for it; diagnostics arrive when it is up.
  client.start().then(
    () => status.update(),
    (error: unknown) => output.appendLine(`CNN Lens: the language server did not start: ${(error as Error).message ?? String(error)}`),
  );
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}

function createClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: 'cnn' }],
    synchronize: { configurationSection: 'cnnLens' },
    outputChannel: output,
  };
  return new LanguageClient('cnnLens', 'CNN Lens', serverOptions, clientOptions);
}

async function requestSummary(uri: string, position?: vscode.Position): Promise<NetworkSummaryResult | null> {
  if (!client?.isRunning()) return null;
  const params: NetworkSummaryParams = { textDocument: { uri }, position: position ? { line: position.line, character: position.character } : undefined };
  try {
    return await client.sendRequest<NetworkSummaryResult | null>(networkSummaryMethod, params);
  } catch {
    return null;
  }
}

/**
 * Writes the summary of every network in the file (or just `networkName`) to
 * the output channel, and returns the text written (undefined when there is
 * nothing to summarise), so that callers of the command can check it.
 */
async function showSummary(output: vscode.OutputChannel, uri?: string, networkName?: string): Promise<string | undefined> {
  const editor = vscode.window.activeTextEditor;
  const target = uri ?? (editor?.document.languageId === 'cnn' ? editor.document.uri.toString() : undefined);
  if (!target) {
    void vscode.window.showInformationMessage('CNN Lens: open a .cnn file to see its network summary.');
    return undefined;
  }
  const result = await requestSummary(target, uri ? undefined : editor?.selection.active);
  const networks = result?.networks.filter((n) => !networkName || n.name === networkName) ?? [];
  if (!networks.length) {
    void vscode.window.showInformationMessage('CNN Lens: this file has no network to summarise.');
    return undefined;
  }
  // The server sends the table the core renders, the same text `cnn summary` prints.
  const text = [
    `# ${vscode.Uri.parse(target).fsPath}`,
    ...networks.map((network) => `${network.table}${network.errors ? `\n(${network.errors} error${network.errors === 1 ? '' : 's'}: see Problems)` : ''}\n`),
  ].join('\n');
  output.appendLine(text);
  output.show(true);
  return text;
}

/** The status bar item: the network under the cursor, its parameters and output shape. */
class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

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
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document.languageId !== 'cnn' || !this.currentClient()) {
      this.item.hide();
      return;
    }
    const result = await requestSummary(editor.document.uri.toString(), editor.selection.active);
    const network = result && result.active !== null ? result.networks[result.active] : undefined;
    if (!network) {
      this.item.hide();
      return;
    }
    const params = network.trainableParams + network.nonTrainableParams;
    const memory = network.memory;
    const peak = memory ? ` · ${bytesText(memory.trainingPeak)} train` : '';
    this.item.text = `$(symbol-structure) ${network.name}: ${compactCount(params)} params → ${network.output ?? '?'}${peak}`;
    const lines = [`${network.name}: ${params.toLocaleString('en-US')} parameters (${network.trainableParams.toLocaleString('en-US')} trainable), output ${network.output ?? 'unknown'}.`];
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
