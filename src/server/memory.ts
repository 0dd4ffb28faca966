/**
 * Training memory in the editor: the figures for the `cnnLens.training`
 * settings (batch size, optimizer, precision), computed from the expanded
 * graphs of an analysis with graphs. That analysis stays where it was made
 * (a large one in its worker: copying a megabyte file's graphs to the
 * server's thread took up to 25 s and held every other request), so the
 * hover's "saved for backward" line, the summary request and the memory
 * budget warning are queries answered there (analysisTasks.ts), and only
 * their answers cross. The figures are kept per analysis and setup.
 */
import type { CancellationToken } from 'vscode-languageserver';
import { analysisMemory, findOp, memoryBudgetDiagnostics, setupText, type Analysis, type Ast, type Diagnostic, type NetworkMemory, type Range, type TrainingSetup } from '../core';
import { bytesText, parseByteSize } from '../core/format';
import type { DocumentStore } from './documents';
import type { Settings } from './settings';
import { forEachStatement } from './syntax';

/** Each analysis's memory figures, by setup: an analysis lives until its document's text changes, and so do they. */
const figures = new WeakMap<Analysis, Map<string, (NetworkMemory | null)[]>>();

/** Each network's memory for `setup`, computed once per analysis and setup. */
export function memoryOf(analysis: Analysis, setup: TrainingSetup): (NetworkMemory | null)[] {
  let bySetup = figures.get(analysis);
  if (!bySetup) figures.set(analysis, (bySetup = new Map()));
  const key = JSON.stringify(setup);
  let memory = bySetup.get(key);
  if (!memory) bySetup.set(key, (memory = analysisMemory(analysis, setup)));
  return memory;
}

/** The budget warnings of an analysis with graphs. */
export function budgetDiagnostics(analysis: Analysis, setup: TrainingSetup, budget: number): Diagnostic[] {
  return memoryBudgetDiagnostics(analysis, memoryOf(analysis, setup), budget);
}

function sameRange(a: Ast.Statement['range'], b: Ast.Statement['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

function within(inner: Ast.Statement['range'], outer: Ast.Statement['range']): boolean {
  const before = (a: Ast.Statement['range']['start'], b: Ast.Statement['range']['start']) => a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/**
 * The hover line for the statement at `range`: the bytes its layers'
 * backward passes keep at the configured batch, and how much of that an
 * earlier layer already keeps (the totals count each tensor once, at the
 * first layer that keeps it). A statement nested in a repeat, residual or
 * block adds up every evaluation of it.
 */
export function memoryHoverLine(analysis: Analysis, setup: TrainingSetup, range: Range): string | undefined {
  let statement: Ast.Statement | undefined;
  forEachStatement(analysis.file, (candidate) => {
    statement ??= sameRange(candidate.range, range) ? candidate : undefined;
  });
  if (!statement) return undefined;
  const memoryByNetwork = memoryOf(analysis, setup);
  let kept = 0;
  let counted = 0;
  let evaluations = 0;
  let nested = false;
  let known = false;
  for (const [index, network] of analysis.networks.entries()) {
    const memory = memoryByNetwork[index];
    const graph = analysis.graphs?.[index];
    if (!memory || !graph) continue;
    const topLevel = network.declaration.body.findIndex((s) => sameRange(s.range, range));
    for (const node of graph.nodes) {
      const inside = topLevel >= 0 ? node.statement === topLevel : within(node.range, range);
      if (!inside) continue;
      kept += memory.keptByNode[node.id];
      counted += memory.savedByNode[node.id];
      // A layer call is one node per evaluation; a compound statement holds several.
      if (topLevel < 0 && sameRange(node.range, range)) evaluations++;
      nested ||= topLevel < 0;
      known = true;
    }
  }
  if (!known) return undefined;
  const layer = statement.body.kind === 'call' && findOp(statement.body.name) !== undefined;
  const over = nested && evaluations > 1 ? `, all ${evaluations} evaluations` : nested && !layer ? ', all its evaluations' : '';
  if (!layer) return `Saved for backward: ${bytesText(counted)} (${setupText(setup)}${over}), each tensor counted once.`;
  // A layer's own needs; the part an earlier layer keeps too is counted there in the totals.
  const shared = kept > counted ? `; ${bytesText(kept - counted)} of it is kept by an earlier layer too, and counted there` : '';
  return `Saved for backward: ${bytesText(kept)} (${setupText(setup)}${over})${shared}.`;
}

/** The training memory of open documents for the current settings, asked of their analyses with graphs wherever those are. */
export class TrainingMemory {
  constructor(
    private readonly store: DocumentStore,
    private readonly settings: Settings,
  ) {}

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

  /** The budget warnings of a document (none without a budget), once its analysis with graphs is done (in a worker). */
  async diagnostics(uri: string): Promise<Diagnostic[]> {
    const budget = this.budget();
    if (budget === undefined) return [];
    return (await this.store.query(uri, { kind: 'memoryBudget', setup: this.setup(), budget }, undefined, 'graph')) ?? [];
  }

  /** The hover line of the statement at `range` (see memoryHoverLine). */
  async hoverLine(uri: string, range: Range, token?: CancellationToken): Promise<string | undefined> {
    return (await this.store.query(uri, { kind: 'memoryLine', setup: this.setup(), range }, token, 'graph')) ?? undefined;
  }
}
