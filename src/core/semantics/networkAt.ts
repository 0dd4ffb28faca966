/** Which network of a file holds a position: the editor's status bar, the summary and the preview all show that one. */
import type { Position } from '../diagnostics';
import type { Analysis } from './results';

/**
 * The index in `analysis.networks` of the network whose declaration holds
 * `position` (both ends included, so a cursor just after the closing brace
 * still counts), or -1 when the position lies outside every network.
 */
export function networkIndexAt(analysis: Analysis, position: Position): number {
  return analysis.networks.findIndex(({ declaration: { range } }) => !before(position, range.start) && !before(range.end, position));
}

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}
