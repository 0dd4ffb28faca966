/**
 * The server's export command for editors other than VS Code
 * (workspace/executeCommand `cnnLens.server.exportNetwork`): it writes the
 * files of the open document's network, or says why not and writes nothing.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeLens, InitializeResult } from 'vscode-languageserver-protocol';
import { exportNetworkCommand, type ExportNetworkResult } from '../../src/protocol/messages';
import { examplesDir, readText } from '../helpers';
import { TestServer } from './lspClient';

describe('language server: export command', function () {
  this.timeout(60_000);
  let server: TestServer;
  const scratch = mkdtempSync(join(tmpdir(), 'cnn-server-export-'));

  before(async () => {
    server = new TestServer();
    const result = (await server.initialize()) as InitializeResult;
    assert.deepEqual(result.capabilities.executeCommandProvider?.commands, [exportNetworkCommand]);
  });

  after(async () => {
    await server.stop();
  });

  it('writes the PyTorch module and its weights for an open document, and offers an Export lens', async () => {
    const uri = await server.open('lenet5.cnn', readText(join(examplesDir, 'lenet5.cnn')));
    const output = join(scratch, 'lenet.py');
    const weightsOut = join(scratch, 'lenet.safetensors');
    const result = await server.request<ExportNetworkResult>('workspace/executeCommand', { command: exportNetworkCommand, arguments: [{ uri, target: 'pytorch', output, weightsOut }] });
    assert.deepEqual(result, { ok: true, files: [output, weightsOut] });
    assert.match(readFileSync(output, 'utf8'), /^class LeNet5\(nn\.Module\):$/m);
    const lenses = await server.request<CodeLens[]>('textDocument/codeLens', { textDocument: { uri } });
    assert.ok(lenses.some((l) => l.command!.command === 'cnnLens.exportNetwork' && l.command!.arguments![1] === 'LeNet5'));
  });

  it('answers with the line and op a target cannot express, and writes nothing', async () => {
    const uri = await server.open('audio1d.cnn', readText(join(examplesDir, 'audio1d.cnn')));
    const output = join(scratch, 'm5');
    const result = await server.request<ExportNetworkResult>('workspace/executeCommand', { command: exportNetworkCommand, arguments: [{ uri, target: 'keras', output }] });
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /line 30: log_softmax .*Keras \(tfjs-layers\) export cannot express the op 'log_softmax'/);
    assert.equal(existsSync(output), false);
    assert.deepEqual(readdirSync(scratch).sort(), ['lenet.py', 'lenet.safetensors']);
  });
});
