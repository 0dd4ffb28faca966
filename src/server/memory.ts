/**
 * Training memory in the editor: the figures for the `cnnLens.training`
 * settings (batch size, optimizer, precision), computed from the expanded
 * graphs of an analysis with graphs. That analysis stays where it was made
 * (a large one in its worker: copying a megabyte file's graphs to the
 * server's thread took up to 25 s and held every other request), so the
 * hover's "saved for backward" line, the summary request and the memory
 * budget warning are queries answered there (memoryFigures.ts,
 * summaryAnswer.ts), and only their answers cross.
 */
import type { CancellationToken } from 'vscode-languageserver';
import type { Diagnostic, Position, TrainingSetup } from '../core';
import { parseByteSize } from '../core/format';
import type { DocumentStore } from './documents';
import type { Settings } from './settings';

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

  /**
   * Which analysis answers a document's memory questions: the one with graphs, unless every network of the file stopped
   * part-way (too-large) or expands past the layers a graph records (maxGraphLayers). Such a file has no training memory
   * (that needs a network's whole graph), and its analysis with graphs would run to the same budget or layer cap
   * recording every layer (1.5 to 6 s for a megabyte file whose plain analysis takes under 1 s, with the status bar
   * waiting), so its plain analysis answers, with the same summary.
   */
  async analysisFor(uri: string, token?: CancellationToken): Promise<'plain' | 'graph'> {
    return (await this.store.query(uri, { kind: 'noTrainingMemory' }, token)) ? 'plain' : 'graph';
  }

  /** The budget warnings of a document (none without a budget), once its analysis with graphs is done (in a worker). */
  async diagnostics(uri: string): Promise<Diagnostic[]> {
    const budget = this.budget();
    if (budget === undefined) return [];
    return (await this.store.query(uri, { kind: 'memoryBudget', setup: this.setup(), budget }, undefined, await this.analysisFor(uri))) ?? [];
  }

  /** The hover line of the statement at `position` (see memoryHoverLine). */
  async hoverLine(uri: string, position: Position, token?: CancellationToken): Promise<string | undefined> {
    return (await this.store.query(uri, { kind: 'memoryLine', setup: this.setup(), position }, token, await this.analysisFor(uri, token))) ?? undefined;
  }
}
