/**
 * Measures, inside the extension host, how long CNN Lens takes from opening a
 * `.cnn` file to being active and to the first diagnostics. Run by
 * test/bench/activation.ts in code-server; writes its figures to the file
 * named by the workspace folder's `.bench-output` marker.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

async function until(probe: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((done) => setTimeout(done, 2));
  }
}

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders![0].uri;
  const extension = vscode.extensions.all.find((e) => e.packageJSON?.name === 'cnn-lens');
  if (!extension) throw new Error('CNN Lens is not installed');
  const start = performance.now();
  const document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder, 'lenet-broken.cnn'));
  await vscode.window.showTextDocument(document);
  await until(() => extension.isActive);
  const active = performance.now();
  await until(() => vscode.languages.getDiagnostics(document.uri).length > 0);
  const diagnosed = performance.now();
  writeFileSync(join(folder.fsPath, 'bench-result.json'), JSON.stringify({ activationMs: active - start, firstDiagnosticsMs: diagnosed - start }));
}
