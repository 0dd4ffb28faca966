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
 * it writes a page with one element and a line of script that notes when the
 * page was made and painted, so its panel comes back as soon as VS Code lets
 * any extension's panel come back.
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
// The page notes when VS Code made it (its time origin) and when its one element was painted (a frame, then a task),
// as epoch milliseconds, so the benchmark times it as it times the preview's painted mark, without its polling lag.
const page = '<!DOCTYPE html><html><body><p id="probe">probe</p><script>const probe = document.getElementById("probe"); probe.dataset.origin = String(performance.timeOrigin); requestAnimationFrame(() => setTimeout(() => { probe.dataset.painted = String(performance.timeOrigin + performance.now()); }, 0));</script></body></html>';
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
