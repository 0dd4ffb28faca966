/**
 * `cnnLens.server.exportNetwork` (workspace/executeCommand): exports a
 * network of an open document as `cnn export` does, for editors other than
 * VS Code (whose command asks the target and the path, then calls this). The
 * export analyses the file, so it runs in an analysis worker: a costly file
 * cannot stall other documents.
 */
import { fileURLToPath } from 'node:url';
import type { ExportNetworkArguments, ExportNetworkResult } from '../protocol/messages';
import type { DocumentStore } from './documents';

export async function exportNetwork(store: DocumentStore, args: ExportNetworkArguments | undefined): Promise<ExportNetworkResult> {
  if (!args?.uri || !args.target || !args.output) return { ok: false, error: 'cnnLens.server.exportNetwork needs { uri, target, output }' };
  const document = store.documents.get(args.uri);
  if (!document) return { ok: false, error: `${args.uri} is not open` };
  const file = args.uri.startsWith('file:') ? fileURLToPath(args.uri) : args.uri;
  const options = { to: args.target, network: args.network, output: args.output, weightsOut: args.weightsOut, weights: args.weights };
  try {
    return await store.workers.task(`export ${args.uri}`, { kind: 'export', file, text: document.getText(), options });
  } catch (error) {
    return { ok: false, error: `export failed: ${(error as Error).message}` };
  }
}
