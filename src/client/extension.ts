/**
 * The VS Code extension: a thin host. It starts the language server (which
 * does all the work), adds its commands, hosts the preview panel
 * (preview.ts), and keeps a status bar item showing the active network's
 * parameters and output shape.
 */
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { importModelCommand } from './importModel';
import { registerPreview } from './preview';
import { networkSummaryMethod, type NetworkSummary, type NetworkSummaryParams, type NetworkSummaryResult } from '../protocol/messages';

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

/** Writes the summary of every network in the file (or just `networkName`) to the output channel. */
async function showSummary(output: vscode.OutputChannel, uri?: string, networkName?: string): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const target = uri ?? (editor?.document.languageId === 'cnn' ? editor.document.uri.toString() : undefined);
  if (!target) {
    void vscode.window.showInformationMessage('CNN Lens: open a .cnn file to see its network summary.');
    return;
  }
  const result = await requestSummary(target, uri ? undefined : editor?.selection.active);
  const networks = result?.networks.filter((n) => !networkName || n.name === networkName) ?? [];
  if (!networks.length) {
    void vscode.window.showInformationMessage('CNN Lens: this file has no network to summarise.');
    return;
  }
  output.appendLine(`# ${vscode.Uri.parse(target).fsPath}`);
  for (const network of networks) output.appendLine(summaryText(network));
  output.show(true);
}

function summaryText(n: NetworkSummary): string {
  const count = (value: number) => Math.round(value).toLocaleString('en-US');
  const lines = [
    `network ${n.name}: ${n.input ?? '?'} → ${n.output ?? '?'}${n.errors ? `  (${n.errors} error${n.errors === 1 ? '' : 's'})` : ''}`,
    `  params        ${count(n.trainableParams + n.nonTrainableParams)} (${count(n.trainableParams)} trainable, ${count(n.nonTrainableParams)} non-trainable)`,
    `  MACs          ${count(n.macs)}`,
    `  activations   ${count(n.activations)} values, ${(n.activationBytes / 1e6).toFixed(2)} MB at batch 1 (float32)`,
  ];
  if (n.receptiveField) lines.push(`  receptive field ${n.receptiveField.size.join('x')}, jump ${n.receptiveField.jump.join('x')}`);
  return lines.join('\n') + '\n';
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
    this.item.text = `$(symbol-structure) ${network.name}: ${compact(params)} params → ${network.output ?? '?'}`;
    this.item.tooltip = `${network.name}: ${params.toLocaleString('en-US')} parameters (${network.trainableParams.toLocaleString('en-US')} trainable), output ${network.output ?? 'unknown'}. Click for the full summary.`;
    this.item.show();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}

/** 11689512 → "11.7M". */
function compact(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}B`;
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)}K`;
  return String(value);
}
