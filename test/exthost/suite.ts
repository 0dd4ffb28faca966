/** What the extension does through the `vscode` API, checked from inside the extension host. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { tinyOnnxModel } from '../import/tinyOnnx';

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))
    .join('\n');
}

export function defineSuite(): void {
  describe('CNN Lens in the extension host', () => {
    let document: vscode.TextDocument;

    before(async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'the test window opens the test/data/e2e folder');
      document = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'lenet-broken.cnn'));
      await vscode.window.showTextDocument(document);
    });

    it('gives .cnn files the cnn language and activates on it', async () => {
      assert.equal(document.languageId, 'cnn');
      const extension = vscode.extensions.all.find((e) => e.packageJSON?.name === 'cnn-lens');
      assert.ok(extension, 'the CNN Lens extension is installed');
      await until(() => (extension.isActive ? true : undefined), 'activation');
    });

    it('registers its commands', async () => {
      const commands = await vscode.commands.getCommands(true);
      for (const command of ['cnnLens.openPreview', 'cnnLens.showSummary', 'cnnLens.restartServer', 'cnnLens.importModel', 'cnnLens.exportNetwork']) assert.ok(commands.includes(command), command);
    });

    it('reports the wrong assertion as a shape-mismatch error', async () => {
      const diagnostics = await until(() => {
        const found = vscode.languages.getDiagnostics(document.uri);
        return found.length ? found : undefined;
      }, 'diagnostics');
      assert.equal(diagnostics.length, 1);
      const [error] = diagnostics;
      assert.equal(error.severity, vscode.DiagnosticSeverity.Error);
      assert.equal(typeof error.code === 'object' ? error.code.value : error.code, 'shape-mismatch');
      assert.equal(error.range.start.line, 3);
      assert.match(error.message, /floor\(\(32 \+ 2\*0 - 1\*\(5-1\) - 1\)\/1 \+ 1\) = 28/);
    });

    it('hovers with the receptive field and parameters', async () => {
      // Line 7 (0-based 6) is conv(16, 5) on 6x14x14.
      const position = new vscode.Position(6, 4);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
      const text = hoverText(hovers);
      assert.match(text, /16x10x10/);
      assert.match(text, /2,416/);
      assert.match(text, /receptive field/i);
    });

    it('shows inlay shapes through the provider', async () => {
      const whole = new vscode.Range(0, 0, document.lineCount, 0);
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, whole);
      const labels = hints.map((h) => `${h.position.line}:${typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')}`);
      assert.ok(
        labels.some((l) => /^6:.*16x10x10/.test(l)),
        labels.join(', '),
      );
    });

    it('fixes the assertion with the preferred quick fix', async () => {
      const [error] = vscode.languages.getDiagnostics(document.uri);
      // Asked again until offered, as the light bulb asks at each cursor move: in full test runs the first request
      // sometimes came back empty from VS Code while the server's log showed it had answered with this fix. A server
      // that never offers the fix still fails here.
      let titles: string[] = [];
      const change = await until(
        async () => {
          const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, error.range, vscode.CodeActionKind.QuickFix.value);
          titles = actions.map((a) => a.title);
          return actions.find((a) => a.title === 'Change the assertion to -> 6x28x28' && a.edit);
        },
        'the quick fix "Change the assertion to -> 6x28x28"',
        10_000,
      ).catch((failure: Error) => assert.fail(`${failure.message}; offered: ${titles.join(', ')}`));
      assert.ok(change.edit);
      assert.ok(await vscode.workspace.applyEdit(change.edit));
      assert.match(document.lineAt(3).text, /-> 6x28x28/);
      await until(() => (vscode.languages.getDiagnostics(document.uri).length === 0 ? true : undefined), 'the error to clear');
      // Leave the file as it was for the next run.
      await vscode.commands.executeCommand('workbench.action.files.revert');
    });

    it("summarises the network on command: its name, input and LeNet-5's 61,706 parameters", async () => {
      await vscode.window.showTextDocument(document);
      const text = await vscode.commands.executeCommand<string | undefined>('cnnLens.showSummary');
      assert.ok(text, 'the command returns the summary it wrote');
      assert.match(text, /LeNet5/);
      assert.match(text, /1x32x32/);
      assert.match(text, /61,706/);
    });

    it('imports an ONNX model: the .cnn file and its weights beside it, the file opened, the preview open', async () => {
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const model = vscode.Uri.joinPath(folder, 'tiny.onnx');
      await vscode.workspace.fs.writeFile(model, tinyOnnxModel());
      await vscode.commands.executeCommand('cnnLens.importModel', model);
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'tiny.cnn')));
      assert.match(text, /network Tiny \{\n {2}input\(3x8x8\)\n {2}conv\(4, 3, padding=1\)/);
      assert.ok((await vscode.workspace.fs.stat(vscode.Uri.joinPath(folder, 'tiny.safetensors'))).size > 122 * 4);
      assert.ok(vscode.window.activeTextEditor?.document.uri.path.endsWith('/tiny.cnn'));
      const previews = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('cnnLens.preview'));
      await until(() => (previews().some((tab) => tab.label.includes('tiny.cnn')) ? true : undefined), 'the preview of tiny.cnn');
      await vscode.window.tabGroups.close(previews());
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it("imports a tfjs model.json with its weight shard: the kernel in PyTorch's layout beside the .cnn file, the preview open", async () => {
      const folder = vscode.Uri.joinPath(vscode.workspace.workspaceFolders![0].uri, 'tfjs');
      const conv = { filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'valid', data_format: 'channels_last', dilation_rate: [1, 1], activation: 'linear', use_bias: true };
      const json = {
        format: 'layers-model',
        modelTopology: {
          class_name: 'Sequential',
          config: { name: 'tiny', layers: [{ class_name: 'Conv2D', config: { name: 'conv2d', ...conv, batch_input_shape: [null, 5, 5, 1], dtype: 'float32' } }] },
          keras_version: 'tfjs-layers 4.22.0',
        },
        weightsManifest: [
          {
            paths: ['tiny.bin'],
            weights: [
              { name: 'conv2d/kernel', shape: [3, 3, 1, 2], dtype: 'float32' },
              { name: 'conv2d/bias', shape: [2], dtype: 'float32' },
            ],
          },
        ],
      };
      // Kernel value v sits at Keras's (h, w, in, out) position v = (h * 3 + w) * 2 + out; the bias is 18, 19.
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'model.json'), new TextEncoder().encode(JSON.stringify(json)));
      await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'tiny.bin'), new Uint8Array(Float32Array.from({ length: 20 }, (_, i) => i).buffer));
      await vscode.commands.executeCommand('cnnLens.importModel', vscode.Uri.joinPath(folder, 'model.json'));
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'model.cnn')));
      assert.match(text, /input\(1x5x5\)\n {2}conv\(2, 3\)/);
      const file = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder, 'model.safetensors'));
      const headerLength = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
      const header = JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + headerLength))) as Record<string, { shape: number[]; data_offsets: [number, number] }>;
      // Copied out first: readFile may give a view into a larger buffer.
      const values = (name: string) =>
        Array.from(new Float32Array(Uint8Array.from(file.subarray(8 + headerLength + header[name].data_offsets[0], 8 + headerLength + header[name].data_offsets[1])).buffer));
      assert.deepEqual(header['conv2d.weight'].shape, [2, 1, 3, 3]);
      // PyTorch's (out, in, h, w) order.
      const expected = [0, 1].flatMap((out) => Array.from({ length: 9 }, (_, hw) => hw * 2 + out));
      assert.deepEqual(values('conv2d.weight'), expected);
      assert.deepEqual(values('conv2d.bias'), [18, 19]);
      const previews = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('cnnLens.preview'));
      await until(() => (previews().some((tab) => tab.label.includes('model.cnn')) ? true : undefined), 'the preview of model.cnn');
      await vscode.window.tabGroups.close(previews());
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('opens one preview panel per document beside the editor, and reuses it', async () => {
      const previews = () => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith('cnnLens.preview'));
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('cnnLens.openPreview');
      const opened = await until(() => (previews().length ? previews() : undefined), 'the preview tab');
      assert.equal(opened.length, 1);
      assert.equal(opened[0].label, 'Preview lenet-broken.cnn');
      assert.notEqual(opened[0].group.viewColumn, vscode.window.activeTextEditor?.viewColumn ?? vscode.ViewColumn.One, 'beside the editor');
      await vscode.commands.executeCommand('cnnLens.openPreview', document.uri.toString());
      assert.equal(previews().length, 1, 'a second open reveals the same panel');
      await vscode.window.tabGroups.close(previews());
    });
  });
}
