/**
 * The top-classes view: the five most probable classes of a network that
 * ends in softmax, with percentages and bars. Deciding whether the network
 * does, and exponentiating log-softmax, is in classes.ts.
 */
import { ensureViewsStyles } from '../styles/viewsCss';
import { formatPercent, topClasses } from './classes';
import { element } from './dom';

/**
 * Draws the top 5 classes of `probabilities` into `container`, replacing
 * what it held; `labels` names classes by index ("class N" otherwise). The
 * container is marked `data-testid="top-classes"` unless it already carries
 * a test id.
 */
export function renderTopClasses(container: HTMLElement, probabilities: Float32Array, labels?: readonly string[], note?: string): void {
  ensureViewsStyles(container.ownerDocument);
  container.dataset.testid ||= 'top-classes';
  container.replaceChildren();
  const top = topClasses(probabilities, 5, labels);
  const section = element('div', { class: 'cnnv-section' });
  section.append(element('p', { class: 'cnnv-caption', 'data-testid': 'top-caption' }, `Top ${top.length} of ${probabilities.length} classes${note ? ` ${note}` : ''}`));
  const table = element('table', { class: 'cnnv-table' });
  for (const [rank, score] of top.entries()) {
    // The exact probability rides along for tests and the tooltip; the cell shows it rounded.
    const row = element('tr', {
      'data-testid': 'top-class',
      'data-index': String(score.index),
      'data-probability': String(score.probability),
      title: `probability ${score.probability.toPrecision(6)}`,
    });
    const track = element('div', { class: 'cnnv-bar-track' });
    const fill = element('div', { class: 'cnnv-bar-fill' });
    fill.style.width = `${Math.min(100, Math.max(0, 100 * score.probability)).toFixed(1)}%`;
    track.append(fill);
    const bar = element('td', { class: 'cnnv-bar-cell' });
    bar.append(track);
    row.append(
      element('td', { class: 'cnnv-number' }, `${rank + 1}`),
      element('td', { 'data-testid': 'class-label' }, score.label),
      element('td', { class: 'cnnv-number', 'data-testid': 'class-percent' }, formatPercent(score.probability)),
      bar,
    );
    table.append(row);
  }
  section.append(table);
  container.append(section);
}
