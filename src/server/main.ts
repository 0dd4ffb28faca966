/**
 * The CNN Lens language server: the one place that wires the LSP connection
 * to the feature handlers. Started by the VS Code extension over IPC, or on
 * its own by any LSP editor: `cnn-language-server --stdio`.
 */
import {
  createConnection,
  ErrorCodes,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type ConnectionStrategy,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { exportNetworkCommand, networkSummaryMethod, type ExportNetworkArguments, type NetworkSummaryParams } from '../protocol/messages';
import { codeActions } from './codeActions';
import { completion, completionTriggers } from './completion';
import { describeError, DocumentStore } from './documents';
import { exportNetwork } from './exportNetwork';
import { formatDocument } from './formatting';
import { hover } from './hover';
import type { InlayHint } from 'vscode-languageserver';
import { TrainingMemory } from './memory';
import { definition, references } from './navigation';
import { chooseEncoding, PositionConverter } from './positionEncoding';
import type { LimitedItem, LimitedQuery } from './analysisProtocol';
import { prepareRename, rename } from './rename';
import { ResultLimitNotices, type Limited, type LimitedFeature } from './resultLimit';
import { semanticTokensLegend } from './semanticTokens';
import { Settings } from './settings';
import { signatureHelp, signatureTriggers } from './signatureHelp';
import { networkSummary } from './summary';
import { workspaceSymbols } from './workspaceSymbols';

/**
 * Answers a request that was cancelled while still queued with RequestCancelled,
 * instead of running it (the JSON-RPC library's default runs it anyway).
 */
export const cancellationStrategy: ConnectionStrategy = {
  cancelUndispatched: (message) => ({
    jsonrpc: '2.0',
    id: (message as { id?: number | string }).id ?? null,
    error: { code: LSPErrorCodes.RequestCancelled, message: 'The request was cancelled before it ran.' },
  }),
};

/** Which documents' analyses a request reads (requests that read the analysis with graphs query it themselves). */
interface Needs {
  documents: (params: unknown) => string[];
}

/** The document a request is about (`textDocument.uri`), if any. */
function documentOf(params: unknown): string[] {
  const uri = (params as { textDocument?: { uri?: unknown } } | undefined)?.textDocument?.uri;
  return typeof uri === 'string' ? [uri] : [];
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'The request was cancelled.');
}

/** The promise's outcome, or RequestCancelled as soon as the token is cancelled. */
function untilCancelled<T>(promise: Promise<T>, token: CancellationToken | undefined): Promise<T> {
  if (!token) return promise;
  return new Promise<T>((resolve, reject) => {
    const subscription = token.onCancellationRequested(() => {
      subscription.dispose();
      reject(cancelled());
    });
    promise.then(
      (value) => {
        subscription.dispose();
        resolve(value);
      },
      (error: unknown) => {
        subscription.dispose();
        reject(error);
      },
    );
  });
}

/** Starts serving on a connection; tests may pass their own. */
export function startServer(connection: Connection): void {
  const settings = new Settings(connection);
  const store = new DocumentStore(connection, settings);
  let state: 'starting' | 'running' | 'shutDown' = 'starting';

  /**
   * A request handler that keeps the protocol's lifecycle: before `initialize`
   * it answers ServerNotInitialized (-32002), after `shutdown` InvalidRequest.
   * It waits for the analyses the request reads (in workers, so other
   * documents' requests are answered meanwhile), and a request cancelled
   * before it starts or while it waits gets RequestCancelled.
   */
  const serve =
    <P, R>(handler: (params: P, token?: CancellationToken) => R, needs: Needs = { documents: documentOf }) =>
    async (params: P, token?: CancellationToken): Promise<Awaited<R>> => {
      if (state === 'starting') throw new ResponseError(ErrorCodes.ServerNotInitialized, 'The server is not initialized yet: send initialize first.');
      if (state === 'shutDown') throw new ResponseError(ErrorCodes.InvalidRequest, 'The server has shut down; only exit is accepted.');
      if (token?.isCancellationRequested) throw cancelled();
      const uris = needs.documents(params);
      const waits = uris.map((uri) => store.whenAnalysed(uri));
      await untilCancelled(Promise.all(waits), token);
      // With UTF-8 positions, what comes in and what goes out is converted here; the features count UTF-16.
      const [uri] = documentOf(params);
      const result = await untilCancelled(Promise.resolve(handler(store.positions.incoming(params, uri), token)), token);
      return store.positions.outgoing(result, uri);
    };
  const all = { documents: () => store.documents.all().map((d) => d.uri) };
  // Answered where the analysis is (a large one stays in its worker), or first from what needs no analysis: these wait for what they read themselves.
  const queried = { documents: () => [] };

  connection.onShutdown(() => {
    state = 'shutDown';
    store.workers.dispose();
  });

  const training = new TrainingMemory(store, settings);
  store.extraDiagnostics = (uri) => training.diagnostics(uri);
  const limits = new ResultLimitNotices(connection);
  /** Asks a query whose answer is cut at `cnnLens.maxItemsComputed`, telling the user when it was. */
  const limitedQuery = async <K extends LimitedQuery['kind']>(uri: string, feature: LimitedFeature, query: Extract<LimitedQuery, { kind: K }>, token?: CancellationToken) =>
    limits.itemsOf(uri, feature, (await store.query(uri, query, token)) as Limited<LimitedItem<K>> | undefined, query.limit);

  connection.onInitialize((params): InitializeResult => {
    state = 'running';
    settings.initialize(params.capabilities.workspace?.configuration === true, params.initializationOptions);
    store.positions = new PositionConverter(chooseEncoding(params), store.positions.lineOf);
    return {
      capabilities: {
        // Positions count UTF-16 code units, as the core does (LSP's default), unless the client offers UTF-8.
        positionEncoding: store.positions.encoding,
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        hoverProvider: true,
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
        completionProvider: { triggerCharacters: completionTriggers },
        signatureHelpProvider: { triggerCharacters: signatureTriggers, retriggerCharacters: ['='] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        semanticTokensProvider: { legend: semanticTokensLegend, full: true },
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix', 'source.fixAll'] },
        executeCommandProvider: { commands: [exportNetworkCommand] },
      },
      serverInfo: { name: 'cnn-language-server', version: '0.1.0' },
    };
  });

  connection.onInitialized(() => {
    void settings.refresh().then(() => store.republishAll());
  });
  connection.onDidChangeConfiguration(async (change) => {
    await settings.refresh(change.settings);
    store.republishAll();
    // Hints depend on settings; ask the client to fetch them again (a no-op for clients that cannot).
    connection.languages.inlayHint.refresh().catch(() => undefined);
  });

  connection.onHover(serve((params, token) => hover(store, params, training, token)));
  connection.languages.inlayHint.on(
    serve(async (params, token): Promise<InlayHint[]> => {
      const { shapes, params: showParams } = settings.current.inlayHints;
      if (!shapes && !showParams) return [];
      const limit = settings.current.maxItemsComputed;
      return limitedQuery(params.textDocument.uri, 'inlay hints', { kind: 'inlayHints', range: params.range, settings: { shapes, params: showParams }, limit }, token);
    }, queried),
  );
  connection.onCodeLens(
    serve((params, token) => limitedQuery(params.textDocument.uri, 'code lenses', { kind: 'codeLenses', uri: params.textDocument.uri, limit: settings.current.maxItemsComputed }, token), queried),
  );
  connection.onCompletion(serve((params) => completion(store, params)));
  connection.onSignatureHelp(serve((params) => signatureHelp(store, params)));
  connection.onDefinition(serve((params) => definition(store, params)));
  connection.onReferences(serve((params) => references(store, params)));
  connection.onPrepareRename(serve((params) => prepareRename(store, params)));
  connection.onRenameRequest(serve((params) => rename(store, params)));
  connection.onDocumentSymbol(
    serve((params, token) => limitedQuery(params.textDocument.uri, 'outline symbols', { kind: 'documentSymbols', limit: settings.current.maxItemsComputed }, token), queried),
  );
  connection.onWorkspaceSymbol(serve((params) => workspaceSymbols(store, params), all));
  connection.languages.semanticTokens.on(
    serve(async (params, token) => {
      const data = (await store.query(params.textDocument.uri, { kind: 'semanticTokens' }, token)) ?? new Uint32Array(0);
      return { data: store.positions.tokens(params.textDocument.uri, data) };
    }, queried),
  );
  connection.onFoldingRanges(serve((params, token) => limitedQuery(params.textDocument.uri, 'folding ranges', { kind: 'foldingRanges', limit: settings.current.maxItemsComputed }, token), queried));
  connection.onDocumentFormatting(serve((params) => formatDocument(store, params)));
  connection.onCodeAction(serve((params) => codeActions(store, params), queried));
  connection.onExecuteCommand(
    serve((params) => (params.command === exportNetworkCommand ? exportNetwork(store, params.arguments?.[0] as ExportNetworkArguments | undefined) : undefined), { documents: () => [] }),
  );
  connection.onRequest(
    networkSummaryMethod,
    serve((params: NetworkSummaryParams, token) => networkSummary(store, training, params, token), queried),
  );

  connection.listen();
}

// createConnection reads --stdio, --node-ipc or --socket=N from the command line.
const connection = createConnection(ProposedFeatures.all, cancellationStrategy);
// The last line of defence: whatever escapes a handler or a timer is logged, and the server keeps serving every other document.
const logUnexpected = (what: string, error: unknown) => {
  // The client is gone when its pipe is: there is no one left to serve.
  if ((error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE') process.exit(0);
  try {
    connection.console.error(`${what} (the server continues): ${describeError(error)}`);
  } catch {
    // Logging itself failed; there is nowhere else to report to.
  }
};
process.on('uncaughtException', (error) => logUnexpected('Unexpected error', error));
process.on('unhandledRejection', (reason) => logUnexpected('Unhandled rejection', reason));
startServer(connection);
