/**
 * The timing view: how long each node of the last run took, in graph order,
 * with its share of the whole run as a bar, the slowest node marked, and the
 * backend that ran it.
 */
import type { NodeTiming } from '../engine/runner';
import { ensureViewsStyles } from '../styles/viewsCss';
import { element } from './dom';
import { formatMs, timingTable } from './timingRows';

/**
 * Draws the timing table into `container`, replacing what it held. `labels`
 * names a node for its row (e.g. "conv2d (line 4)"). The container is marked
 * `data-testid="timing"` unless it already carries a test id.
 */
export function renderTiming(container: HTMLElement, timings: NodeTiming[], labels: (nodeId: number) => string, totalMs: number, backend: string): void {
  ensureViewsStyles(container.ownerDocument);
  container.dataset.testid ||= 'timing';
  container.replaceChildren();
  const table = timingTable(timings, totalMs);
  const section = element('div', { class: 'cnnv-section' });
  section.append(element('p', { class: 'cnnv-caption', 'data-testid': 'timing-total' }, `${formatMs(totalMs)} on ${backend}, ${timings.length} ${timings.length === 1 ? 'node' : 'nodes'}.`));

  // Fixed column widths: a long statement wraps inside the Layer column instead of pushing Share off a narrow side panel.
  // The numbers get widths in em so that "Time" and "12.34 ms" never break inside a word, and the share's bar sits
  // under its percentage rather than in a column of its own that a 240-pixel panel cannot afford. The layer's label
  // is the statement as written, which names the op, so the op needs no column either.
  const grid = element('table', { class: 'cnnv-table cnnv-timing' });
  const columns = element('colgroup');
  for (const width of ['auto', '5.4em', '4em']) {
    const col = element('col');
    col.style.width = width;
    columns.append(col);
  }
  grid.append(columns);
  const head = element('tr');
  for (const [text, numeric] of [
    ['Layer', false],
    ['Time', true],
    ['Share', true],
  ] as const)
    head.append(element('th', numeric ? { class: 'cnnv-number' } : {}, text));
  grid.append(element('thead'), element('tbody'));
  grid.tHead?.append(head);
  const body = grid.tBodies[0];
  for (const row of table.rows) {
    const tr = element('tr', { 'data-testid': 'timing-row', 'data-node': String(row.node), class: row.slowest ? 'cnnv-slowest' : '' });
    tr.append(element('td', {}, labels(row.node)), element('td', { class: 'cnnv-number' }, formatMs(row.ms)), shareCell(row.share));
    body.append(tr);
  }
  if (table.otherMs > 0) {
    // Time no node accounts for (reading outputs back, yielding to the page) shows so the shares visibly add up.
    const share = totalMs > 0 ? table.otherMs / totalMs : 0;
    const tr = element('tr', { 'data-testid': 'timing-other' });
    tr.append(element('td', {}, 'other: read-back, scheduling'), element('td', { class: 'cnnv-number' }, formatMs(table.otherMs)), shareCell(share));
    body.append(tr);
  }
  section.append(grid);
  container.append(section);
}

/** The share as a percentage with its bar underneath, in one cell. */
function shareCell(share: number): HTMLTableCellElement {
  const cell = element('td', { class: 'cnnv-number cnnv-share' }, `${(100 * share).toFixed(1)}%`);
  const track = element('div', { class: 'cnnv-bar-track' });
  const fill = element('div', { class: 'cnnv-bar-fill' });
  fill.style.width = `${Math.min(100, Math.max(0, 100 * share)).toFixed(1)}%`;
  track.append(fill);
  cell.append(track);
  return cell;
}
