/**
 * The language client: starts the language server (dist/server.js, in a
 * process of its own) for `.cnn` documents. A bundle of its own
 * (dist/languageClient.js, see esbuild.mjs), which extension.ts loads after
 * activation: vscode-languageclient is most of the extension's code, and
 * compiling it would delay everything activation does first.
 */
import type * as vscode from 'vscode';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';

/** Creates the client over the server at `serverModule` and starts it; `created` receives it before it starts, so commands can see it starting. */
export async function startLanguageClient(serverModule: string, output: vscode.OutputChannel, created: (client: LanguageClient) => void): Promise<void> {
  const run = { module: serverModule, transport: TransportKind.ipc };
  const client = new LanguageClient(
    'cnnLens',
    'CNN Lens',
    { run, debug: { ...run, options: { execArgv: ['--nolazy', '--inspect=6009'] } } },
    { documentSelector: [{ language: 'cnn' }], synchronize: { configurationSection: 'cnnLens' }, outputChannel: output },
  );
  created(client);
  await client.start();
}
