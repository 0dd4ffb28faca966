/**
 * Training memory figures answered from an analysis with graphs, where that
 * analysis is (see memory.ts): each network's memory for a setup, the
 * hover's "saved for backward" line and the memory budget's warnings. Kept
 * per analysis and setup, as the hover and the summary ask again.
 */
import { findOp, memoryBudgetDiagnostics, setupText, type Analysis, type Ast, type Diagnostic, networkMemory, type NetworkMemory, type Position, type TrainingSetup } from '../core';
import { bytesText } from '../core/format';
import { statementAt } from './syntax';

/**
 * Each analysis's memory figures, by setup, filled per network as asked (the status bar asks for the cursor's network
 * alone, and a file of 20,000 networks need not plan the other 19,999): an analysis lives until its document's text
 * changes, and so do they. Undefined marks a network not computed yet.
 */
const figures = new WeakMap<Analysis, Map<string, (NetworkMemory | null | undefined)[]>>();

/** The memory of network `index` for `setup`, computed once per analysis and setup. */
export function networkMemoryOf(analysis: Analysis, setup: TrainingSetup, index: number): NetworkMemory | null {
  let bySetup = figures.get(analysis);
  if (!bySetup) figures.set(analysis, (bySetup = new Map()));
  const key = JSON.stringify(setup);
  let networks = bySetup.get(key);
  if (!networks) bySetup.set(key, (networks = []));
  let memory = networks[index];
  if (memory === undefined) {
    const graph = analysis.graphs?.[index];
    networks[index] = memory = graph ? networkMemory(graph, setup) : null;
  }
  return memory;
}

/** Each network's memory for `setup` (see networkMemoryOf). */
export function memoryOf(analysis: Analysis, setup: TrainingSetup): (NetworkMemory | null)[] {
  return analysis.networks.map((_, index) => networkMemoryOf(analysis, setup, index));
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
 * The hover line for the statement at `position` (found as the hover finds
 * it in the plain analysis of the same text): the bytes its layers'
 * backward passes keep at the configured batch, and how much of that an
 * earlier layer already keeps (the totals count each tensor once, at the
 * first layer that keeps it). A statement nested in a repeat, residual or
 * block adds up every evaluation of it.
 */
export function memoryHoverLine(analysis: Analysis, setup: TrainingSetup, position: Position): string | undefined {
  const statement = statementAt(analysis.file, position);
  if (!statement) return undefined;
  const range = statement.range;
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
