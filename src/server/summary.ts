/**
 * The `cnnLens/networkSummary` request: every network's totals, training
 * memory and summary table, and the one at the cursor. It reads the analysis
 * with graphs, so it is a query answered where that analysis is
 * (summaryAnswer.ts; memory.ts says why).
 */
import type { CancellationToken } from 'vscode-languageserver';
import type { NetworkSummaryParams, NetworkSummaryResult } from '../protocol/messages';
import type { DocumentStore } from './documents';
import type { TrainingMemory } from './memory';

export async function networkSummary(store: DocumentStore, training: TrainingMemory, params: NetworkSummaryParams, token?: CancellationToken): Promise<NetworkSummaryResult | null> {
  const uri = params.textDocument.uri;
  const query = {
    kind: 'networkSummary',
    setup: training.setup(),
    budget: training.budget() ?? null,
    position: params.position,
    table: params.table !== false,
    activeOnly: params.activeOnly === true,
  } as const;
  // The diagnostics come first: on a 2-core machine an analysis with graphs started beside the plain one (the status
  // bar asks as a file opens) took the core the diagnostics needed, and they came seconds later.
  await store.currentDiagnostics(uri);
  const where = params.memory === false ? 'plain' : await training.analysisFor(uri, token);
  let answer = await store.query(uri, query, token, where);
  // The analysis with graphs expands every repeat and block call, so its budget can run out on a network that the plain
  // analysis (which extrapolates repeats and reuses calls) finishes: that network's totals are the plain analysis's,
  // and its training memory is unknown either way.
  if (answer && where === 'graph' && answer.networks.some((network) => network.trainableParams === null)) {
    const plain = await store.query(uri, query, token, 'plain');
    if (plain && plain.networks.length === answer.networks.length) {
      answer = { ...answer, networks: answer.networks.map((network, index) => (network.trainableParams === null ? plain.networks[index] : network)) };
    }
  }
  const document = store.documents.get(uri);
  // The query answers for the document's current text, so its version is this one.
  return answer && document ? { uri, version: document.version, ...answer } : null;
}
