/**
 * `cnnLens.server.exportNetwork` (workspace/executeCommand): exports a
 * network of an open document as `cnn export` does, for editors other than
 * VS Code (whose command asks the target and the path, then calls this).
 */
import { fileURLToPath } from 'node:url';
import { ExportNetworkError, ExportUsageError, runExport } from '../cli/export';
import type { ExportNetworkArguments, ExportNetworkResult } from '../protocol/messages';
import type { DocumentStore } from './documents';

export function exportNetwork(store: DocumentStore, args: ExportNetworkArguments | undefined): ExportNetworkResult {
  if (!args?.uri || !args.target || !args.output) return { ok: false, error: 'cnnLens.server.exportNetwork needs { uri, target, output }' };
  const document = store.documents.get(args.uri);
  if (!document) return { ok: false, error: `${args.uri} is not open` };
  const file = args.uri.startsWith('file:') ? fileURLToPath(args.uri) : args.uri;
  try {
    const { written } = runExport(file, document.getText(), { to: args.target, network: args.network, output: args.output, weightsOut: args.weightsOut, weights: args.weights });
    return { ok: true, files: written };
  } catch (error) {
    if (error instanceof ExportNetworkError || error instanceof ExportUsageError) return { ok: false, error: error.message };
    return { ok: false, error: `export failed: ${(error as Error).message}` };
  }
}
