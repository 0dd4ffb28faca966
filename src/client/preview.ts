/**
 * The preview panel's host side: opens the webview beside the editor, feeds
 * it the document's text and cursor, reveals lines it asks for, and does the
 * file access a webview cannot (picking inputs and weights, saving exports).
 * All analysis, drawing and running happens in the webview (webview/src).
 */
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { hostMarks, markHost } from './hostMarks';
import { LayoutStore } from './layoutStore';
import { checkWebviewMessage, parseLabels, plainBytes, previewViewType, shardPathProblem, type HostMessage, type PreviewState, type SavedLayout, type WebviewMessage } from '../protocol/preview';

/** Edits arrive per keystroke; the webview re-analyses at most this often. */
const sourceDebounceMs = 60;

/** How long the language server's start waits at most for previews being restored (see `restoring`). */
const restoreWaitMs = 5000;

/** What a preview page being restored reports, and what waits for it. */
interface RestoreWatch {
  /**
   * Resolves once every preview that VS Code is restoring on screen after a
   * reload has its page drawing (it posted `ready`), or after `restoreWaitMs`;
   * at once when there is none. The language server waits for it: on a small
   * machine its start (a process, its worker threads, the first analyses)
   * competes with the restored page for the CPU, and the page does not need
   * the server.
   */
  restored: Promise<void>;
  /** A restored preview's page posted `ready`. */
  pageReady(): void;
}

/** Counts the previews on screen that VS Code will restore; read when the extension activates, before any panel is back. */
function watchRestoredPages(): RestoreWatch {
  const visible = vscode.window.tabGroups.all.filter((group) => {
    const input = group.activeTab?.input;
    return input instanceof vscode.TabInputWebview && input.viewType.endsWith(previewViewType);
  }).length;
  if (visible === 0) return { restored: Promise.resolve(), pageReady: () => undefined };
  let waiting = visible;
  let done = () => undefined as void;
  const restored = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, restoreWaitMs);
    done = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { restored, pageReady: () => --waiting === 0 && done() };
}

/**
 * Registers the command and the serializer (panels come back after a reload).
 * Returns their disposables, and `restored`: see `RestoreWatch`.
 */
export function registerPreview(context: vscode.ExtensionContext): { disposables: vscode.Disposable[]; restored: Promise<void> } {
  const restoring = watchRestoredPages();
  // Rejected messages and host-side failures go here (Output → CNN Lens Preview), never to an unhandled rejection.
  const log = vscode.window.createOutputChannel('CNN Lens Preview', { log: true });
  const services: PanelServices = { extensionUri: context.extensionUri, log, layouts: new LayoutStore(context.workspaceState) };
  const previews = new PreviewRegistry(services);
  const disposables = [
    log,
    previews,
    vscode.commands.registerCommand('cnnLens.openPreview', async (uri?: string | vscode.Uri, network?: string, weights?: vscode.Uri) => {
      markHost('"Open Preview" runs', true);
      const target = uri ? (typeof uri === 'string' ? vscode.Uri.parse(uri) : uri) : vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage('CNN Lens: open a .cnn file to preview its network.');
        return;
      }
      const document = await vscode.workspace.openTextDocument(target);
      if (document.languageId !== 'cnn') {
        void vscode.window.showInformationMessage('CNN Lens: the preview shows .cnn files.');
        return;
      }
      const editor = vscode.window.activeTextEditor;
      // Without a network named, the panel shows the one that holds the cursor, which it finds in its own analysis
      // of the text: the panel opens at once instead of waiting for the language server (busy, or not yet started).
      const cursor = !network && editor?.document === document ? { line: editor.selection.active.line, character: editor.selection.active.character } : undefined;
      // Import Model… opens the preview with the weights it wrote.
      const weightFile = weights ? { name: baseName(weights), bytes: plainBytes(await vscode.workspace.fs.readFile(weights)) } : undefined;
      previews.show(document, network, weightFile, cursor);
    }),
    vscode.window.registerWebviewPanelSerializer(previewViewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        markHost('restore asked');
        const saved = state as Partial<PreviewState> | undefined;
        if (typeof saved?.uri !== 'string') {
          panel.dispose();
          return;
        }
        const uri = vscode.Uri.parse(saved.uri);
        const network = typeof saved.network === 'string' ? saved.network : undefined;
        // The page is written at once from the text the panel saved, so it draws while VS Code opens the document
        // (slow while the window is still starting); the panel takes the document when it is open. Messages the page
        // posts meanwhile (its `ready`) are kept for it.
        const early: unknown[] = [];
        const listening = panel.webview.onDidReceiveMessage((message: unknown) => early.push(message));
        const text = typeof saved.text === 'string' ? saved.text : undefined;
        if (text !== undefined) writePage(panel, services, { type: 'source', uri: saved.uri, fileName: baseName(uri), version: 0, text, network });
        try {
          const document = await vscode.workspace.openTextDocument(uri);
          markHost('document opened');
          const preview = previews.adopt(panel, document, network, text !== undefined);
          preview.onReady(() => restoring.pageReady());
          preview.receiveAll(early);
        } catch {
          panel.dispose();
        } finally {
          listening.dispose();
        }
      },
    }),
  ];
  return { disposables, restored: restoring.restored };
}

/** What every preview panel uses: the extension's folder, the log, the layouts kept per document. */
interface PanelServices {
  extensionUri: vscode.Uri;
  log: vscode.LogOutputChannel;
  layouts: LayoutStore;
}

/** Writes the panel's page showing `source`, with the layouts kept for its document. */
function writePage(panel: vscode.WebviewPanel, services: PanelServices, source: Extract<HostMessage, { type: 'source' }>): void {
  const { extensionUri } = services;
  panel.webview.options = webviewOptions(extensionUri);
  panel.iconPath = vscode.Uri.joinPath(extensionUri, 'images', 'icon.png');
  panel.webview.html = previewHtml(panel.webview, extensionUri, source, services.layouts.layoutsOf(source.uri));
}

/** One panel per document. */
class PreviewRegistry implements vscode.Disposable {
  private readonly panels = new Map<string, PreviewPanel>();

  constructor(private readonly services: PanelServices) {}

  /** Opens the document's panel, or reveals the open one; `cursor`: see the `source` message. */
  show(document: vscode.TextDocument, network: string | undefined, weights?: WeightFile, cursor?: Cursor): void {
    const existing = this.panels.get(document.uri.toString());
    if (existing) {
      existing.reveal(network, cursor);
      if (weights) existing.loadWeights(weights);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      previewViewType,
      `Preview ${baseName(document.uri)}`,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      webviewOptions(this.services.extensionUri),
    );
    this.adopt(panel, document, network, false, weights, cursor);
  }

  /** Makes `panel` the document's preview; its page is written unless `written` (a restored panel's page, written from its saved text). */
  adopt(panel: vscode.WebviewPanel, document: vscode.TextDocument, network: string | undefined, written = false, weights?: WeightFile, cursor?: Cursor): PreviewPanel {
    const key = document.uri.toString();
    const preview = new PreviewPanel(panel, document, network, this.services, () => this.panels.delete(key), written, weights, cursor);
    this.panels.set(key, preview);
    return preview;
  }

  dispose(): void {
    for (const panel of this.panels.values()) panel.dispose();
    this.panels.clear();
  }
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  // Only the bundle's folder: the webview needs its script and the WASM binaries, nothing else.
  return { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview')] };
}

function baseName(uri: vscode.Uri): string {
  return uri.path.split('/').pop() ?? uri.path;
}

/** Where the editor's cursor is, for the panel to show the network that holds it (the `source` message's `cursor`). */
type Cursor = { line: number; character: number };

/** A weight file the host hands to the panel. */
interface WeightFile {
  name: string;
  bytes: Uint8Array;
}

class PreviewPanel {
  private readonly subscriptions: vscode.Disposable[] = [];
  private sourceTimer: ReturnType<typeof setTimeout> | undefined;
  private ready = false;
  private readyListener: (() => void) | undefined;
  /** Weights to send once the webview listens. */
  private pendingWeights: WeightFile | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    private readonly document: vscode.TextDocument,
    private network: string | undefined,
    private readonly services: PanelServices,
    onDispose: () => void,
    written: boolean,
    weights?: WeightFile,
    cursor?: Cursor,
  ) {
    // Set before the page is written, whose first source then announces them.
    this.pendingWeights = weights;
    // The page carries the text it opens with, so the first diagram does not wait for a round trip (ready → source).
    if (!written) writePage(panel, services, this.sourceMessage(cursor));
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((value: unknown) => this.receiveAll([value])),
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document === this.document) this.scheduleSource();
      }),
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.textEditor.document === this.document) this.post({ type: 'cursor', uri: this.document.uri.toString(), line: event.selections[0].active.line });
      }),
      panel.onDidDispose(() => {
        onDispose();
        this.dispose();
      }),
    );
  }

  /** Calls `listener` once, when the page first says it listens (`ready`). */
  onReady(listener: () => void): void {
    this.readyListener = listener;
  }

  /** Handles messages from the page, checked first; a message that does not check is logged and dropped. */
  receiveAll(values: unknown[]): void {
    for (const value of values) {
      const checked = checkWebviewMessage(value);
      if (!checked.ok) {
        this.services.log.warn(checked.reason);
        continue;
      }
      this.receive(checked.message).catch((error: unknown) => this.services.log.error(`handling the webview's '${checked.message.type}' message failed: ${(error as Error).message ?? String(error)}`));
    }
  }

  reveal(network: string | undefined, cursor?: Cursor): void {
    // A network named (the code lens) is kept for later sources; with the cursor's instead, the one named before is
    // dropped, or it would go with the source and the page would keep it over the cursor's.
    if (network) this.network = network;
    else if (cursor) this.network = undefined;
    this.panel.reveal(vscode.ViewColumn.Beside, true);
    this.post(this.sourceMessage(cursor));
  }

  /** Loads weights in the panel (now, or once it is ready), after the source it shows. */
  loadWeights(weights: WeightFile | undefined): void {
    if (!weights) return;
    if (this.ready) this.post({ type: 'weights', ...weights });
    else this.pendingWeights = weights;
  }

  private post(message: HostMessage): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private scheduleSource(): void {
    if (this.sourceTimer) clearTimeout(this.sourceTimer);
    // An edit's source names no network: the page keeps the one it shows, which the user may have picked in its menu
    // since a code lens named another. Naming it again here took the panel back to the code lens's network at every edit.
    this.sourceTimer = setTimeout(() => this.post({ ...this.sourceMessage(), network: undefined }), sourceDebounceMs);
  }

  private sendSource(): void {
    this.post(this.sourceMessage());
  }

  private sourceMessage(cursor?: Cursor): Extract<HostMessage, { type: 'source' }> {
    return {
      type: 'source',
      uri: this.document.uri.toString(),
      fileName: baseName(this.document.uri),
      version: this.document.version,
      text: this.document.getText(),
      network: this.network,
      weights: this.pendingWeights?.name,
      cursor,
    };
  }

  private async receive(message: WebviewMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.readyListener?.();
        this.readyListener = undefined;
        this.sendSource();
        this.loadWeights(this.pendingWeights);
        this.pendingWeights = undefined;
        return;
      case 'reveal': {
        const range = new vscode.Range(message.range.start.line, message.range.start.character, message.range.end.line, message.range.end.character);
        const visible = vscode.window.visibleTextEditors.find((e) => e.document === this.document);
        // A single click keeps the focus in the panel, as VS Code's Outline does, so the user can go on choosing boxes.
        const editor = await vscode.window.showTextDocument(this.document, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, preserveFocus: !message.focus });
        editor.selection = new vscode.Selection(range.start, range.start);
        editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
        return;
      }
      case 'pickFile':
        this.post({ type: 'file', requestId: message.requestId, ...(await pickFile(message.purpose)) });
        return;
      case 'save':
        this.post({ type: 'saved', requestId: message.requestId, ...(await saveFile(this.document.uri, message.suggestedName, message.bytes)) });
        return;
      case 'exportNetwork':
        // The weights the panel runs go with the code, so the exported model is the one the user previewed.
        void vscode.commands.executeCommand('cnnLens.exportNetwork', this.document.uri.toString(), message.network ?? this.network, message.weights);
        return;
      case 'importModel':
        // A dropped file has no path the panel can see: the .cnn file goes beside the document shown.
        await (await import('./importModel')).importModelBytes(message.bytes, message.name, vscode.Uri.joinPath(this.document.uri, '..', message.name.replace(/\.(onnx|keras)$/i, '') + '.cnn'));
        return;
      case 'layout':
        await this.services.layouts.remember(this.document.uri.toString(), message.layout);
        return;
      case 'notify': {
        const show = { info: vscode.window.showInformationMessage, warning: vscode.window.showWarningMessage, error: vscode.window.showErrorMessage }[message.level];
        void show(`CNN Lens preview: ${message.message}`);
        return;
      }
    }
  }

  dispose(): void {
    if (this.sourceTimer) clearTimeout(this.sourceTimer);
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
    this.panel.dispose();
  }
}

/** What `pickFile` answers, before it is posted as a `file` message. */
type PickedFile = { name: string; bytes: Uint8Array; extraFiles?: { name: string; bytes: Uint8Array }[]; labels?: string[] } | { error: string };

/** The labels file the panel looks for beside picked weights: one class name per line. */
const labelsFileName = 'labels.txt';

/** The class names in `labels.txt` beside `weightsUri`, or undefined when there is none. */
async function labelsBeside(weightsUri: vscode.Uri): Promise<string[] | undefined> {
  try {
    return parseLabels(new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(weightsUri, '..', labelsFileName))));
  } catch {
    return undefined;
  }
}

/** Reads a user-chosen file; for a tfjs `model.json`, also the weight shards its manifest names, from the same folder. */
async function pickFile(purpose: 'image' | 'weights'): Promise<PickedFile> {
  const filters: Record<string, string[]> = purpose === 'image' ? { Images: ['png', 'jpg', 'jpeg', 'gif', 'webp', 'bmp'] } : { 'Weights (safetensors, tfjs model.json)': ['safetensors', 'json'] };
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters, openLabel: purpose === 'image' ? 'Use as input' : 'Load weights' });
  if (!picked?.length) return { error: 'cancelled' };
  const uri = picked[0];
  try {
    const bytes = plainBytes(await vscode.workspace.fs.readFile(uri));
    const name = baseName(uri);
    if (purpose !== 'weights') return { name, bytes };
    const labels = await labelsBeside(uri);
    const named = labels ? { labels } : {};
    if (!name.endsWith('.json')) return { name, bytes, ...named };
    return { name, bytes, extraFiles: await readShards(uri, bytes), ...named };
  } catch (error) {
    return { error: `could not read ${uri.fsPath}: ${(error as Error).message}` };
  }
}

/**
 * The weight shards a tfjs `model.json` names, read from the model's folder.
 * A path that would leave the folder is refused before anything is read
 * (shardPathProblem), and the joined URI is checked to lie inside it again.
 */
async function readShards(modelUri: vscode.Uri, modelBytes: Uint8Array): Promise<{ name: string; bytes: Uint8Array }[]> {
  let manifest: unknown;
  try {
    manifest = (JSON.parse(new TextDecoder().decode(modelBytes)) as { weightsManifest?: unknown }).weightsManifest;
  } catch {
    // Not JSON: the webview says so when it parses the file itself.
    return [];
  }
  if (!Array.isArray(manifest)) return [];
  const paths = manifest.flatMap((group: { paths?: unknown }) => (Array.isArray(group?.paths) ? group.paths : []));
  const folder = vscode.Uri.joinPath(modelUri, '..');
  const shards: { name: string; bytes: Uint8Array }[] = [];
  for (const path of paths) {
    const problem = typeof path === 'string' ? shardPathProblem(path) : 'it is not a string';
    if (problem) throw new Error(`model.json names the weight file ${JSON.stringify(path)}, which is not read because ${problem}; weight files must be in the model's folder`);
    const shard = vscode.Uri.joinPath(folder, path as string);
    if (!shard.path.startsWith(`${folder.path.replace(/\/$/, '')}/`)) throw new Error(`the weight file ${JSON.stringify(path)} lies outside the model's folder`);
    shards.push({ name: path as string, bytes: plainBytes(await vscode.workspace.fs.readFile(shard)) });
  }
  return shards;
}

async function saveFile(near: vscode.Uri, suggestedName: string, bytes: Uint8Array): Promise<{ path?: string; error?: string }> {
  const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(near, '..', suggestedName) });
  if (!target) return { error: 'cancelled' };
  try {
    await vscode.workspace.fs.writeFile(target, bytes);
    return { path: target.fsPath };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * The page: a strict content security policy (nothing but our own script, by
 * nonce, and our own files; `'wasm-unsafe-eval'` only so the WASM backend can
 * compile its binary; `worker-src blob:` only for the convolution workers,
 * which the panel starts from its own bundled convWorker.js fetched as a blob,
 * because a worker must be same-origin with the page and the webview's
 * resources are not), theme colours from VS Code's CSS variables. The body
 * carries the document's text as the panel's first `source` message (JSON in
 * `data-source`), so the panel analyses and draws as soon as its script runs,
 * the layouts kept for the document (`data-layouts`: layoutStore.ts), so a
 * structure laid out before is drawn in ELK's layout at once, and the
 * extension host's moments (`data-host-marks`: hostMarks.ts, with this
 * page's writing), which `npm run bench` reads to say where a wait went.
 */
function previewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, source: HostMessage, layouts: SavedLayout[]): string {
  const nonce = makeNonce();
  const base = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(base, 'main.js'));
  const preloads = staticChunks(base).map((name) => `<link rel="modulepreload" nonce="${nonce}" href="${webview.asWebviewUri(vscode.Uri.joinPath(base, name)).toString()}">`);
  const assets = webview.asWebviewUri(base).toString();
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} blob: data:`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${nonce}' 'wasm-unsafe-eval'`,
    `connect-src ${webview.cspSource}`,
    'worker-src blob:',
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>CNN Lens Preview</title>
${preloads.join('\n')}
</head>
<body data-assets="${assets}/" data-nonce="${nonce}" data-source="${escapeAttribute(JSON.stringify(source))}" data-layouts="${escapeAttribute(JSON.stringify(layouts))}" data-host-marks="${escapeAttribute(JSON.stringify({ ...hostMarks(), 'page written': Date.now() }))}">
<div id="app"></div>
<script type="module" nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

/**
 * The chunks main.js imports statically, as the build listed them in
 * dist/webview/preload.json (esbuild.mjs): the page preloads them beside
 * main.js rather than after it. None when the list is missing or unreadable.
 */
function staticChunks(bundleFolder: vscode.Uri): string[] {
  try {
    const names: unknown = JSON.parse(readFileSync(vscode.Uri.joinPath(bundleFolder, 'preload.json').fsPath, 'utf8'));
    return Array.isArray(names) ? names.filter((name): name is string => typeof name === 'string' && /^[\w.-]+\.js$/.test(name)) : [];
  } catch {
    return [];
  }
}

/** Text safe inside a double-quoted HTML attribute. */
function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** 128 bits from the platform's cryptographic generator, base64: a nonce a page cannot guess (Math.random can be predicted). */
function makeNonce(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('base64');
}
