/**
 * "CNN Lens: Import Model…": picks an ONNX, Keras or model.json file, writes
 * the `.cnn` file beside it (asking where when one exists already), writes an
 * ONNX model's, a `.keras` archive's or a tfjs model.json's (from its shards)
 * weights beside that as `.safetensors`, opens the file and
 * opens the preview with those weights loaded. The import itself is the
 * core's, as in `cnn import`.
 */
import * as vscode from 'vscode';
import { importModelFile, isZipArchive, looksLikeJson, type ImportResult } from '../core/import';
import { encodeSafetensors } from '../core/safetensors';
import { importKerasArchive } from '../node/kerasArchive';

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Imports the model at `modelUri` (asking for one when absent); the `.cnn` file goes beside it. */
export async function importModelCommand(modelUri?: vscode.Uri): Promise<void> {
  const picked =
    modelUri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Import', filters: { Models: ['onnx', 'keras', 'json'] }, title: 'Import a model as a .cnn file' }))?.[0];
  if (!picked) return;
  const fileName = picked.path.split('/').pop() ?? 'model';
  let bytes: Uint8Array;
  try {
    bytes = await vscode.workspace.fs.readFile(picked);
  } catch (error) {
    void vscode.window.showErrorMessage(`CNN Lens: cannot read ${fileName}: ${(error as Error).message}`);
    return;
  }
  await importModelBytes(bytes, fileName, picked.with({ path: picked.path.replace(/\.(onnx|keras|json)$/i, '') + '.cnn' }), await shardsBeside(picked, bytes));
}

/**
 * A tfjs model.json's weight shards, read from beside it (the core reads
 * them synchronously, so they are fetched first); undefined for other files.
 */
async function shardsBeside(picked: vscode.Uri, bytes: Uint8Array): Promise<((path: string) => Uint8Array | undefined) | undefined> {
  if (!looksLikeJson(bytes)) return undefined;
  let manifest: { paths?: unknown }[];
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { weightsManifest?: { paths?: unknown }[] };
    manifest = Array.isArray(parsed?.weightsManifest) ? parsed.weightsManifest : [];
  } catch {
    return undefined; // The import reports the broken JSON itself.
  }
  const shards = new Map<string, Uint8Array>();
  const folder = vscode.Uri.joinPath(picked, '..');
  for (const path of manifest.flatMap((group) => (Array.isArray(group.paths) ? group.paths.map(String) : []))) {
    try {
      shards.set(path, await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, path)));
    } catch {
      // A missing shard is named by the import's message.
    }
  }
  return manifest.length ? (path) => shards.get(path) : undefined;
}

/**
 * Imports a model file's bytes (picked, or dropped on the preview panel) and
 * writes the `.cnn` file at `target` (asking where when it exists), its
 * weights beside it, then opens both the file and its preview.
 */
export async function importModelBytes(bytes: Uint8Array, fileName: string, target: vscode.Uri, readShard?: (path: string) => Uint8Array | undefined): Promise<void> {
  let result: ImportResult;
  try {
    // A .keras archive brings its weights when it has them (model.weights.h5), as an ONNX file does.
    result = isZipArchive(bytes) ? importKerasArchive(bytes, { fileName }, 'if-present') : importModelFile(bytes, { fileName, readShard });
  } catch (error) {
    void vscode.window.showErrorMessage(`CNN Lens: cannot read ${fileName}: ${(error as Error).message}`);
    return;
  }
  if (!result.ok) {
    if (result.kind === 'unreadable') {
      void vscode.window.showErrorMessage(`CNN Lens: ${result.message}`);
      return;
    }
    // Show where the written part stops, in an unsaved editor: nothing is written to disk.
    const partial = await vscode.workspace.openTextDocument({ language: 'cnn', content: result.partialText });
    const editor = await vscode.window.showTextDocument(partial);
    const line = new vscode.Position(Math.max(0, result.line - 1), 0);
    editor.selection = new vscode.Selection(line, line);
    editor.revealRange(new vscode.Range(line, line), vscode.TextEditorRevealType.InCenter);
    void vscode.window.showErrorMessage(`CNN Lens: ${fileName}: ${result.message} (line ${result.line} of the partial output; nothing was written).`);
    return;
  }
  const { model } = result;
  if (await exists(target)) {
    const chosen = await vscode.window.showSaveDialog({ defaultUri: target, filters: { 'CNN Lens': ['cnn'] }, title: `${target.path.split('/').pop()} exists: where should the imported network go?` });
    if (!chosen) return;
    target = chosen;
  }
  const weights = model.weightsAvailable ? target.with({ path: target.path.replace(/\.cnn$/i, '') + '.safetensors' }) : undefined;
  try {
    if (weights) {
      const tensors = model.tensors.map((t) => ({ name: t.key, shape: t.tensor.shape, data: t.tensor.read() }));
      await vscode.workspace.fs.writeFile(weights, encodeSafetensors(tensors, { format: 'pt', source: fileName, network: model.networkName }));
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(model.text));
  } catch (error) {
    void vscode.window.showErrorMessage(`CNN Lens: cannot write ${target.fsPath}: ${(error as Error).message}`);
    return;
  }
  const document = await vscode.workspace.openTextDocument(target);
  await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One });
  await vscode.commands.executeCommand('cnnLens.openPreview', target, model.networkName, weights);
  const p = model.params;
  void vscode.window.showInformationMessage(
    `CNN Lens: imported ${fileName} as ${model.networkName}: ${p.trainable.toLocaleString('en-US')} trainable and ${p.nonTrainable.toLocaleString('en-US')} non-trainable parameters${weights ? `; its weights are in ${weights.path.split('/').pop()} and loaded in the preview` : /\.json$/i.test(fileName) ? '; the model.json names no weight shards, so no weights were loaded' : `; ${fileName} has no model.weights.h5, so no weights were loaded`}.`,
  );
}
