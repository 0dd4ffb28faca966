/**
 * An empty webview extension, packaged by the benchmark as a yardstick for
 * VS Code's own part of what a panel waits for: restoring one after a reload
 * (restore.ts) and opening a window's first panel (preview.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The empty extension's panel type, which its serializer restores. */
const probeViewType = 'restoreProbe.panel';
/** The command that opens the empty extension's panel, as the Command Palette lists it. */
export const probeCommand = 'Restore Probe: Open Panel';

/**
 * The empty extension: activated by its panel's serializer (or its command),
 * it writes a page with one element and nothing else, so its panel comes back
 * as soon as VS Code lets any extension's panel come back.
 */
export function writeProbeExtension(folder: string): void {
  mkdirSync(folder, { recursive: true });
  const manifest = {
    name: 'restore-probe',
    displayName: 'Restore probe',
    description: "An empty webview extension: the CNN Lens benchmark's yardstick for VS Code's part of opening and restoring a panel.",
    publisher: 'cnn-lens-bench',
    version: '0.0.1',
    license: 'MIT',
    repository: { type: 'git', url: 'https://github.com/cnn-lens/cnn-lens.git' },
    engines: { vscode: '^1.85.0' },
    main: './extension.js',
    activationEvents: [`onWebviewPanel:${probeViewType}`],
    contributes: { commands: [{ command: 'restoreProbe.open', title: probeCommand }] },
  };
  writeFileSync(join(folder, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(folder, 'LICENSE'), 'MIT\n');
  writeFileSync(
    join(folder, 'extension.js'),
    `const vscode = require('vscode');
const page = '<!DOCTYPE html><html><body><p id="probe">probe</p></body></html>';
exports.activate = (context) => {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer('${probeViewType}', { async deserializeWebviewPanel(panel) { panel.webview.html = page; } }),
    vscode.commands.registerCommand('restoreProbe.open', () => {
      const panel = vscode.window.createWebviewPanel('${probeViewType}', 'Restore probe', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true });
      panel.webview.html = page;
    }),
  );
};
`,
  );
}
