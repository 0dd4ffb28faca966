/**
 * The messages between the language server and its analysis workers
 * (worker_threads). The server sends a document's text; the worker analyses
 * it incrementally (reusing what the last version of the same document left
 * unchanged) and answers with the diagnostics at once. A small analysis
 * follows straight away; a large one (thousands of statement results, whose
 * structured clone costs the server's thread as much as analysing) stays in
 * the worker until the server asks for it, so typing in a large file
 * publishes diagnostics without copying the analysis at every keystroke.
 * Requests that read a large analysis in a small way (semantic tokens, the
 * inlay hints of the visible range) are answered by the worker that keeps it
 * (`AnalysisQuery`), so only their answer crosses to the server's thread.
 * Structured clone keeps the AST nodes that `Analysis.instances` is keyed by.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CodeLens, DocumentSymbol, FoldingRange, InlayHint, Range } from 'vscode-languageserver';
import type { ExportOptions } from '../cli/export';
import type { Analysis, Diagnostic, Position, TrainingSetup } from '../core';
import type { ExportNetworkResult, NetworkSummaryResult } from '../protocol/messages';
import type { InlayHintSettings } from './inlayHints';
import type { Limited } from './resultLimit';

/** Analyse this text of `document` (a key: the URI and the kind of analysis); `graph` asks for the expanded graphs too (training memory). */
export interface AnalysisJob {
  kind: 'analyse';
  id: number;
  document: string;
  text: string;
  graph: boolean;
  /** Send the analysis even when it is large (it is needed now). */
  send: boolean;
  /** The document's URI: its plain analysis and its analysis with graphs share their parses in a worker that holds both. */
  uri: string;
}

/** Send the analysis of job `id`, kept in the worker. */
export interface AnalysisRequest {
  kind: 'send';
  id: number;
  document: string;
}

/** Drop what the worker keeps for `document` (closed, or analysed in another worker now). */
export interface ForgetDocument {
  kind: 'forget';
  document: string;
}

/**
 * Work that analyses on behalf of a request, run in a worker so a costly file
 * cannot stall other documents: the diagnostics of each text a quick fix
 * would give (to check that it holds), or an export (`cnn export`).
 */
export type AnalysisTask = { kind: 'checkFixes'; texts: string[] } | { kind: 'export'; file: string; text: string; options: ExportOptions };

/** What each task answers. */
export interface TaskResults {
  checkFixes: Diagnostic[][];
  export: ExportNetworkResult;
}

/** Run `task` for `document` (fix checks reuse the document's incremental state for its fixes). */
export interface TaskJob {
  kind: 'task';
  id: number;
  document: string;
  task: AnalysisTask;
}

/**
 * A request answered from an analysis, wherever it is: the semantic tokens
 * (LSP's integer encoding), the inlay hints of one range, the outline, the
 * folding ranges and the code lenses, from the plain analysis; from the analysis with graphs, the network summary (the cursor's
 * network, with training memory for a setup and budget in bytes), the hover's
 * memory line of the statement at a position, and the memory budget's warnings.
 */
export type AnalysisQuery =
  | { kind: 'semanticTokens' }
  | { kind: 'inlayHints'; range: Range; settings: InlayHintSettings; limit: number }
  | { kind: 'documentSymbols'; limit: number }
  | { kind: 'foldingRanges'; limit: number }
  | { kind: 'codeLenses'; uri: string; limit: number }
  | ({ kind: 'networkSummary' } & SummaryRequest)
  | { kind: 'memoryLine'; setup: TrainingSetup; position: Position }
  | { kind: 'memoryBudget'; setup: TrainingSetup; budget: number }
  | { kind: 'noTrainingMemory' };

/** The queries whose answers are cut at `cnnLens.maxItemsComputed`. */
export type LimitedQuery = Extract<AnalysisQuery, { limit: number }>;

/** What one item of a limited query's answer is. */
export type LimitedItem<K extends LimitedQuery['kind']> = QueryResults[K] extends Limited<infer T> ? T : never;

/** What a network summary is asked for: the training setup, the budget (bytes; null: none), the cursor, and whether with tables. */
export interface SummaryRequest {
  setup: TrainingSetup;
  budget: number | null;
  position?: Position;
  table: boolean;
  /** Whether to answer with the cursor's network alone. */
  activeOnly: boolean;
}

/** What the summary query answers: `cnnLens/networkSummary`'s reply without the document's URI and version. */
export type SummaryAnswer = Pick<NetworkSummaryResult, 'networks' | 'active'>;

/** What each query answers. */
export interface QueryResults {
  /** A typed array: it crosses from a worker as one copy of its bytes, where a plain array is cloned number by number. */
  semanticTokens: Uint32Array;
  inlayHints: Limited<InlayHint>;
  documentSymbols: Limited<DocumentSymbol>;
  foldingRanges: Limited<FoldingRange>;
  codeLenses: Limited<CodeLens>;
  networkSummary: SummaryAnswer;
  memoryLine: string | undefined;
  memoryBudget: Diagnostic[];
  /**
   * Whether the file has networks and none can have training memory: each stopped part-way (too-large), or expands
   * past the layers a graph records (maxGraphLayers), so that its analysis with graphs would stop too.
   */
  noTrainingMemory: boolean;
}

/** Answer `query` from the analysis of job `of`, running or kept in the worker (the reply's id is `id`; `gone` when it was replaced). */
export interface QueryJob {
  kind: 'query';
  id: number;
  of: number;
  document: string;
  query: AnalysisQuery;
}

/**
 * What a worker starts with (its `workerData`): the port its queries come on.
 * They come there, not with the jobs, so that the worker reads them while it
 * analyses (between networks) instead of after.
 */
export interface WorkerStart {
  queries: MessagePort;
}

/** What the server sends a worker on its usual port (queries come on their own, `WorkerStart.queries`). */
export type WorkerMessage = AnalysisJob | TaskJob | AnalysisRequest | ForgetDocument;

/**
 * A worker's answers to job `id`: its diagnostics (`kept`: the analysis stays
 * in the worker until asked for), then its analysis; `gone` when the analysis
 * asked for was replaced by a newer one of the same document.
 */
export type AnalysisReply =
  | { id: number; kind: 'diagnostics'; diagnostics: Diagnostic[]; kept: boolean }
  | { id: number; kind: 'analysis'; analysis: Analysis }
  | { id: number; kind: 'gone' }
  | { id: number; kind: 'taskDone'; value: TaskResults[AnalysisTask['kind']] }
  | { id: number; kind: 'taskFailed'; message: string }
  | { id: number; kind: 'queryDone'; value: QueryResults[AnalysisQuery['kind']] }
  | { id: number; kind: 'queryFailed'; message: string };

/** Past this many statement results and graph nodes an analysis is large: it stays in the worker until asked for. */
export const largeAnalysisResults = 4000;

/** How many statement results and graph nodes an analysis holds (what its structured clone costs grows with). */
export function resultCount(analysis: Analysis): number {
  let count = 0;
  for (const results of analysis.instances.values()) count += results.length;
  for (const graph of analysis.graphs ?? []) count += graph.nodes.length;
  return count;
}
