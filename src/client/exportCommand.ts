/**
 * "CNN Lens: Export Network…": asks the target and where to save, has the
 * language server write the files (`cnnLens.server.exportNetwork`), and opens
 * the result: the `.py` file in an editor, an ONNX file or Keras folder in the
 * operating system's file manager. A PyTorch export writes its weights
 * beside the code (`NAME.safetensors`, keyed by the module's state_dict()).
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { exportNetworkCommand, type ExportNetworkArguments, type ExportNetworkResult } from '../protocol/messages';
import type { LoadedWeightsFile } from '../protocol/preview';
import { writeLoadedWeights, type WrittenWeights } from './loadedWeights';

/** LSP's request for a command the server registered. */
const executeCommandMethod = 'workspace/executeCommand';

const targets: { label: string; description: string; target: ExportNetworkArguments['target'] }[] = [
  { label: 'PyTorch', description: 'a .py module with its weights as .safetensors', target: 'pytorch' },
  { label: 'ONNX', description: 'an .onnx model (opset 13) with its weights', target: 'onnx' },
  { label: 'Keras (TensorFlow.js layers)', description: 'a folder with model.json and its weights', target: 'keras' },
];

/**
 * Runs the export command for `uri` (or the active .cnn editor) and `network`
 * (or the one at the cursor), with `weights` when the preview runs a loaded
 * weight file (else the seeded initialisation the panel also uses).
 */
export async function exportNetworkInteractively(
  client: LanguageClient | undefined,
  uri: string | undefined,
  network: string | undefined,
  activeNetwork: (document: vscode.TextDocument) => Promise<string | undefined>,
  weights?: LoadedWeightsFile,
): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  const document = uri ? await vscode.workspace.openTextDocument(vscode.Uri.parse(uri)) : editor?.document.languageId === 'cnn' ? editor.document : undefined;
  if (!document) {
    void vscode.window.showInformationMessage('CNN Lens: open a .cnn file to export its network.');
    return;
  }
  if (!client?.isRunning()) {
    void vscode.window.showErrorMessage('CNN Lens: the language server is not running, so nothing can be exported.');
    return;
  }
  const name = network ?? (await activeNetwork(document));
  const withWeights = weights ? ` with the weights ${weights.name}` : '';
  const picked = await vscode.window.showQuickPick(targets, { title: `Export ${name ?? 'the network'}${withWeights} as`, placeHolder: 'Choose a format' });
  if (!picked) return;
  const folder = vscode.Uri.joinPath(document.uri, '..');
  const base = name ?? 'network';
  const chosen =
    picked.target === 'keras'
      ? await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(folder, `${base}_tfjs`), title: 'Folder for model.json and its weights', saveLabel: 'Export' })
      : await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.joinPath(folder, `${base}.${picked.target === 'pytorch' ? 'py' : 'onnx'}`),
          filters: picked.target === 'pytorch' ? { Python: ['py'] } : { ONNX: ['onnx'] },
          saveLabel: 'Export',
        });
  if (!chosen) return;
  let written: WrittenWeights | undefined;
  let result: ExportNetworkResult | null;
  try {
    written = weights ? writeLoadedWeights(weights) : undefined;
    const args: ExportNetworkArguments = {
      uri: document.uri.toString(),
      target: picked.target,
      ...(name ? { network: name } : {}),
      output: chosen.fsPath,
      ...(picked.target === 'pytorch' ? { weightsOut: chosen.fsPath.replace(/\.py$/, '') + '.safetensors' } : {}),
      ...(written ? { weights: written.path } : {}),
    };
    // By the method's name (LSP's workspace/executeCommand): this module is a bundle of its own, loaded when the command
    // runs, and the request type's value would bring a second copy of vscode-languageclient into it.
    result = (await client.sendRequest(executeCommandMethod, { command: exportNetworkCommand, arguments: [args] })) as ExportNetworkResult | null;
  } catch (error) {
    result = { ok: false, error: (error as Error).message };
  } finally {
    written?.remove();
  }
  if (!result || !result.ok) {
    void vscode.window.showErrorMessage(`CNN Lens: export failed: ${result?.ok === false ? result.error : 'no answer from the language server'}`);
    return;
  }
  if (picked.target === 'pytorch') {
    await vscode.window.showTextDocument(vscode.Uri.file(chosen.fsPath));
    return;
  }
  const reveal = 'Reveal';
  const answer = await vscode.window.showInformationMessage(`CNN Lens: exported ${result.files.length} file${result.files.length === 1 ? '' : 's'} to ${chosen.fsPath}.`, reveal);
  if (answer === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(result.files[0]));
}
