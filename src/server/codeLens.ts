/**
 * Code lenses above each network: its totals (clicking shows the full
 * summary) and "Open preview". The commands are the client's; other editors
 * simply show the titles. A query, answered where the analysis is.
 */
import type { CodeLens } from 'vscode-languageserver';
import type { Analysis, NetworkAnalysis } from '../core';
import { toLspRange } from './convert';
import { bytesText, humanCount, sizeText, withCommas } from './describe';
import type { Limited } from './resultLimit';
import { summarize } from './summaryAnswer';

/** The lenses of the analysis of document `uri` (the commands' first argument): whole networks' lenses, at most `limit` in all. */
export function codeLenses(analysis: Analysis, uri: string, limit = Infinity): Limited<CodeLens> {
  const all: CodeLens[] = [];
  for (const network of analysis.networks) {
    const lenses = networkLenses(network, analysis, uri);
    if (all.length + lenses.length > limit) return { items: all, limited: true };
    all.push(...lenses);
  }
  return { items: all, limited: false };
}

function networkLenses(network: NetworkAnalysis, analysis: Analysis, uri: string): CodeLens[] {
  const summary = summarize(network, analysis);
  const range = toLspRange(network.declaration.nameRange);
  const summaryCommand = (title: string) => ({ range, command: { title, command: 'cnnLens.showSummary', arguments: [uri, network.name] } });
  const { trainableParams: trainable, nonTrainableParams: nonTrainable, macs, activationBytes } = summary;
  const lenses: CodeLens[] =
    trainable === null || nonTrainable === null || macs === null || activationBytes === null
      ? // The analysis stopped part-way (too-large): sums of the statements before the stop would read as the network's.
        [summaryCommand('totals unknown (the analysis stopped part-way)')]
      : [
          summaryCommand(`${withCommas(trainable + nonTrainable)} params (${withCommas(trainable)} trainable / ${withCommas(nonTrainable)} non-trainable)`),
          summaryCommand(`${humanCount(macs)} MACs`),
          summaryCommand(`${bytesText(activationBytes)} activations (batch 1)`),
        ];
  if (summary.receptiveField) lenses.push(summaryCommand(`receptive field ${sizeText(summary.receptiveField.size)}`));
  if (summary.errors) lenses.push(summaryCommand(`${summary.errors} error${summary.errors === 1 ? '' : 's'}`));
  lenses.push({ range, command: { title: 'Open preview', command: 'cnnLens.openPreview', arguments: [uri, network.name] } });
  if (!summary.errors) lenses.push({ range, command: { title: 'Export…', command: 'cnnLens.exportNetwork', arguments: [uri, network.name] } });
  return lenses;
}
