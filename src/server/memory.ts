/**
 * Training memory in the editor: the figures for the `cnnLens.training`
 * settings (batch size, optimizer, precision), computed from the expanded
 * graph the core builds on request, cached per document text and setup
 * (by content: a client that reuses a version number for new text gets new
 * figures).
 * The hover's "saved for backward" line, the summary request and the memory
 * budget warning all read them from here.
 */
import { analysisMemory, findOp, largestBatch, memoryBudgetDiagnostics, setupText, type Analysis, type Ast, type Diagnostic, type NetworkMemory, type TrainingSetup } from '../core';
import { bytesText, parseByteSize } from '../core/format';
import type { NetworkSummaryMemory } from '../protocol/messages';
import type { DocumentStore } from './documents';
import type { Settings } from './settings';

interface Computed {
  /** The document text the figures are of. */
  text: string;
  key: string;
  /** A second analysis of the same text, with graphs. */
  analysis: Analysis;
  memory: (NetworkMemory | null)[];
}

function sameRange(a: Ast.Statement['range'], b: Ast.Statement['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function within(inner: Ast.Statement['range'], outer: Ast.Statement['range']): boolean {
  const before = (a: Ast.Statement['range']['start'], b: Ast.Statement['range']['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/** The training memory of open documents for the current settings. */
export class TrainingMemory {
  private readonly cache = new Map<string, Computed>();

  constructor(
    private readonly store: DocumentStore,
    private readonly settings: Settings,
  ) {
    store.documents.onDidClose((event) => this.cache.delete(event.document.uri));
  }

  /** The setup the settings ask for. */
  setup(): TrainingSetup {
    const training = this.settings.current.training;
    return { batch: training.batchSize, optimizer: training.optimizer, precision: training.precision };
  }

  /** The memory budget in bytes, when one is set. */
  budget(): number | undefined {
    const text = this.settings.current.training.memoryBudget;
    return text ? parseByteSize(text) : undefined;
  }

  /** Each network's memory for the current setup, computed once per document text and setup. */
  of(uri: string): Computed | undefined {
    const document = this.store.documents.get(uri);
    if (!document) return undefined;
    const setup = this.setup();
    const key = JSON.stringify(setup);
    const text = document.getText();
    const cached = this.cache.get(uri);
    if (cached && cached.text === text && cached.key === key) return cached;
    const analysis = cached && cached.text === text ? cached.analysis : this.store.graphAnalysisOf(uri);
    if (!analysis) return undefined;
    const computed = { text, key, analysis, memory: analysisMemory(analysis, setup) };
    this.cache.set(uri, computed);
    return computed;
  }

  /** The budget warnings of a document (none without a budget), once its analysis with graphs is done (in a worker). */
  async diagnostics(uri: string): Promise<Diagnostic[]> {
    const budget = this.budget();
    if (budget === undefined) return [];
    await this.store.whenAnalysed(uri, 'graph');
    const computed = this.of(uri);
    return computed ? memoryBudgetDiagnostics(computed.analysis, computed.memory, budget) : [];
  }

  /** The figures the summary request sends for network `index`. */
  summaryOf(uri: string, index: number): NetworkSummaryMemory | null {
    const computed = this.of(uri);
    const memory = computed?.memory[index];
    const graph = computed?.analysis.graphs?.[index];
    if (!memory || !graph) return null;
    const budget = this.budget() ?? null;
    const { batch, optimizer, precision } = memory.setup;
    return {
      batch,
      optimizer,
      precision,
      savedActivations: memory.savedActivations,
      parameters: memory.parameters,
      gradients: memory.gradients,
      optimizerState: memory.optimizerState,
      trainingPeak: memory.trainingPeak,
      inferencePeak: memory.inferencePeak,
      budget,
      largestBatch: budget === null ? null : largestBatch(graph, memory.setup, budget),
    };
  }

  /**
   * The hover line for a statement: the bytes its layers' backward passes
   * keep at the configured batch, and how much of that an earlier layer
   * already keeps (the totals count each tensor once, at the first layer that
   * keeps it). A statement nested in a repeat, residual or block adds up
   * every evaluation of it.
   */
  hoverLine(uri: string, statement: Ast.Statement): string | undefined {
    const computed = this.of(uri);
    if (!computed) return undefined;
    let kept = 0;
    let counted = 0;
    let evaluations = 0;
    let nested = false;
    let known = false;
    for (const [index, network] of computed.analysis.networks.entries()) {
      const memory = computed.memory[index];
      const graph = computed.analysis.graphs?.[index];
      if (!memory || !graph) continue;
      const topLevel = network.declaration.body.findIndex((s) => sameRange(s.range, statement.range));
      for (const node of graph.nodes) {
        const inside = topLevel >= 0 ? node.statement === topLevel : within(node.range, statement.range);
        if (!inside) continue;
        kept += memory.keptByNode[node.id];
        counted += memory.savedByNode[node.id];
        // A layer call is one node per evaluation; a compound statement holds several.
        if (topLevel < 0 && sameRange(node.range, statement.range)) evaluations++;
        nested ||= topLevel < 0;
        known = true;
      }
    }
    if (!known) return undefined;
    const setup = this.setup();
    const layer = statement.body.kind === 'call' && findOp(statement.body.name) !== undefined;
    const over = nested && evaluations > 1 ? `, all ${evaluations} evaluations` : nested && !layer ? ', all its evaluations' : '';
    if (!layer) return `Saved for backward: ${bytesText(counted)} (${setupText(setup)}${over}), each tensor counted once.`;
    // A layer's own needs; the part an earlier layer keeps too is counted there in the totals.
    const shared = kept > counted ? `; ${bytesText(kept - counted)} of it is kept by an earlier layer too, and counted there` : '';
    return `Saved for backward: ${bytesText(kept)} (${setupText(setup)}${over})${shared}.`;
  }
}
