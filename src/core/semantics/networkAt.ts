/** Which network of a file holds a position: the editor's status bar, the summary and the preview all show that one. */
import type { Position, Range } from '../diagnostics';
import type { SourceFile } from '../syntax/ast';
import type { Analysis } from './results';

/**
 * The index in `analysis.networks` of the network whose declaration holds
 * `position` (both ends included, so a cursor just after the closing brace
 * still counts), or -1 when the position lies outside every network.
 */
export function networkIndexAt(analysis: Analysis, position: Position): number {
  return analysis.networks.findIndex(({ declaration: { range } }) => holds(range, position));
}

/** The same index read from the parse alone (`analysis.networks` follows `file.networks`), before the networks are analysed. */
export function declaredNetworkAt(file: SourceFile, position: Position): number {
  return file.networks.findIndex(({ range }) => holds(range, position));
}

/** Whether `range` holds `position`, both ends included. */
function holds(range: Range, position: Position): boolean {
  return !before(position, range.start) && !before(range.end, position);
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/**
 * How many error diagnostics lie inside each network's declaration, by index
 * in `analysis.networks`. One pass over the diagnostics with a binary search
 * among the networks (declarations never overlap), so a file of thousands of
 * networks and as many errors costs N log N, not N².
 */
export function errorsPerNetwork(analysis: Analysis): number[] {
  const { networks } = analysis;
  const counts = networks.map(() => 0);
  const byStart = networks.map((_, index) => index).sort((a, b) => (before(networks[a].declaration.range.start, networks[b].declaration.range.start) ? -1 : 1));
  for (const diagnostic of analysis.diagnostics) {
    if (diagnostic.severity !== 'error') continue;
    const at = diagnostic.range.start;
    // The last network that starts at or before the diagnostic is the only one that can hold it.
    let low = 0;
    let high = byStart.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(at, networks[byStart[middle]].declaration.range.start)) high = middle;
      else low = middle + 1;
    }
    const index = byStart[low - 1];
    if (index !== undefined && holds(networks[index].declaration.range, at)) counts[index]++;
  }
  return counts;
}
