/**
 * The memory budget check: a warning on a network whose training peak exceeds
 * a memory size (the editor's `cnnLens.training.memoryBudget`), naming what
 * takes the memory and the largest batch that would fit.
 */
import { diagnostic, type Diagnostic } from '../diagnostics';
import { bytesText, withCommas } from '../format';
import type { Analysis } from '../semantics/results';
import { largestBatch, type NetworkMemory } from './training';
import { setupText } from '../summary';

/** How many statements the warning names. */
const namedConsumers = 3;

/** Warnings for the networks whose training peak is over `budgetBytes`; `memory` is `analysisMemory(analysis, setup)`. */
export function memoryBudgetDiagnostics(analysis: Analysis, memory: (NetworkMemory | null)[], budgetBytes: number): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const [index, network] of analysis.networks.entries()) {
    const figures = memory[index];
    const graph = analysis.graphs?.[index];
    if (!figures || !graph || figures.trainingPeak <= budgetBytes) continue;
    const consumers = network.statements
      .map((statement, i) => ({ statement, saved: figures.savedByStatement[i] ?? 0 }))
      .filter((c) => c.saved > 0)
      .sort((a, b) => b.saved - a.saved)
      .slice(0, namedConsumers)
      .map((c) => `line ${c.statement.range.start.line + 1} (${c.statement.op}) ${bytesText(c.saved)}`);
    const fits = largestBatch(graph, figures.setup, budgetBytes);
    const model = figures.parameters + figures.optimizerState;
    const parts = [
      `Training ${network.name} (${setupText(figures.setup)}) needs ${bytesText(figures.trainingPeak)} at its peak, over the ${bytesText(budgetBytes)} budget.`,
      `Saved activations take ${bytesText(figures.savedActivations)}${consumers.length ? `, most of it at ${consumers.join(', ')}` : ''};`,
      `parameters and optimizer state ${bytesText(model)}.`,
      fits ? `A batch of ${withCommas(fits)} fits.` : 'Not even a batch of 1 fits.',
    ];
    found.push(diagnostic('memory-budget', parts.join(' '), network.declaration.nameRange));
  }
  return found;
}
