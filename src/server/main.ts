/**
 * The CNN Lens language server: the one place that wires the LSP connection
 * to the feature handlers. Started by the VS Code extension over IPC, or on
 * its own by any LSP editor: `cnn-language-server --stdio`.
 */
import {
  createConnection,
  ProposedFeatures,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { exportNetworkCommand, networkSummaryMethod, type ExportNetworkArguments, type NetworkSummaryParams } from '../protocol/messages';
import { codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { completion, completionTriggers } from './completion';
import { DocumentStore } from './documents';
import { documentSymbols } from './documentSymbols';
import { exportNetwork } from './exportNetwork';
import { foldingRanges } from './folding';
import { formatDocument } from './formatting';
import { hover } from './hover';
import { inlayHints } from './inlayHints';
import { definition, references } from './navigation';
import { prepareRename, rename } from './rename';
import { semanticTokens, semanticTokensLegend } from './semanticTokens';
import { Settings } from './settings';
import { signatureHelp, signatureTriggers } from './signatureHelp';
import { networkSummary } from './summary';

/** Starts serving on a connection; tests may pass their own. */
export function startServer(connection: Connection): void {
  const settings = new Settings(connection);
  const store = new DocumentStore(connection, settings);

  connection.onInitialize((params): InitializeResult => {
    settings.initialize(params.capabilities.workspace?.configuration === true, params.initializationOptions);
    return {
      capabilities: {
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
        semanticTokensProvider: { legend: semanticTokensLegend, full: true },
        foldingRangeProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix'] },
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

  connection.onHover((params) => hover(store, params));
  connection.languages.inlayHint.on((params) => inlayHints(store, settings, params));
  connection.onCodeLens((params) => codeLenses(store, params));
  connection.onCompletion((params) => completion(store, params));
  connection.onSignatureHelp((params) => signatureHelp(store, params));
  connection.onDefinition((params) => definition(store, params));
  connection.onReferences((params) => references(store, params));
  connection.onPrepareRename((params) => prepareRename(store, params));
  connection.onRenameRequest((params) => rename(store, params));
  connection.onDocumentSymbol((params) => documentSymbols(store, params));
  connection.languages.semanticTokens.on((params) => semanticTokens(store, params));
  connection.onFoldingRanges((params) => foldingRanges(store, params));
  connection.onDocumentFormatting((params) => formatDocument(store, params));
  connection.onCodeAction((params) => codeActions(store, params));
  connection.onExecuteCommand((params) => (params.command === exportNetworkCommand ? exportNetwork(store, params.arguments?.[0] as ExportNetworkArguments | undefined) : undefined));
  connection.onRequest(networkSummaryMethod, (params: NetworkSummaryParams) => networkSummary(store, params));

  connection.listen();
}

// createConnection reads --stdio, --node-ipc or --socket=N from the command line.
startServer(createConnection(ProposedFeatures.all));
