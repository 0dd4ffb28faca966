/**
 * The histogram view: the distribution of a node's activations as SVG bars
 * over [min, max], with the axis ends, the share of exact zeros (what ReLU
 * leaves behind) and the values no bar can hold (NaN, infinities).
 */
import { ensureViewsStyles } from '../styles/viewsCss';
import { element, svgElement } from './dom';
import { formatValue, histogram, tensorStats } from './stats';

/** Options of the histogram view. */
export interface HistogramOptions {
  /** Bars over [min, max] (default 40). */
  bins?: number;
}

const width = 320;
const height = 80;

/**
 * Draws the histogram of `data` into `container`, replacing what it held.
 * The container is marked `data-testid="histogram"` unless it already
 * carries a test id, so the panel's own container is not duplicated inside.
 */
export function renderHistogram(container: HTMLElement, data: Float32Array, options: HistogramOptions = {}): void {
  ensureViewsStyles(container.ownerDocument);
  container.dataset.testid ||= 'histogram';
  container.classList.add('cnnv-histogram');
  container.replaceChildren();
  const stats = tensorStats(data);
  const bins = histogram(data, options.bins ?? 40);
  const section = element('div', { class: 'cnnv-section' });
  if (bins.counts.length === 0) {
    section.append(element('p', { class: 'cnnv-caption', 'data-testid': 'histogram-summary' }, `No finite values to plot (${stats.nan} NaN, ${bins.infinite} infinite).`));
    container.append(section);
    return;
  }

  const svg = svgElement('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `Histogram of ${stats.finite} values from ${formatValue(stats.min)} to ${formatValue(stats.max)}` });
  const tallest = Math.max(...bins.counts);
  const barWidth = width / bins.counts.length;
  bins.counts.forEach((count, k) => {
    // A bin with any value gets at least one unit of height, so a lone outlier is still visible next to a tall bar.
    const barHeight = count === 0 ? 0 : Math.max(1, ((height - 2) * count) / tallest);
    const [from, to] = [bins.edges[k], bins.edges[k + 1]];
    const holdsZero = stats.zeros > 0 && from <= 0 && (0 < to || (k === bins.counts.length - 1 && to === 0));
    const bar = svgElement('rect', {
      class: holdsZero ? 'cnnv-bar cnnv-zero-bin' : 'cnnv-bar',
      x: (k * barWidth).toFixed(2),
      y: (height - 1 - barHeight).toFixed(2),
      width: Math.max(0.5, barWidth - 0.5).toFixed(2),
      height: barHeight.toFixed(2),
      'data-count': count,
    });
    const tip = svgElement('title');
    tip.textContent = `${formatValue(from)} … ${formatValue(to)}: ${count}`;
    bar.append(tip);
    svg.append(bar);
  });
  svg.append(svgElement('line', { class: 'cnnv-axis', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }));

  const axis = element('div', { class: 'cnnv-axis-labels' });
  axis.append(element('span', { 'data-testid': 'histogram-min' }, formatValue(stats.min)), element('span', { 'data-testid': 'histogram-max' }, formatValue(stats.max)));
  section.append(svg, axis, element('p', { class: 'cnnv-caption', 'data-testid': 'histogram-summary' }, summary(stats, bins.infinite)));
  container.append(section);
}

/** "4,096 values, 1,234 zeros (30.1%), mean 0.2, std 0.5; 2 NaN." */
function summary(stats: ReturnType<typeof tensorStats>, infinite: number): string {
  const share = ((100 * stats.zeros) / stats.count).toFixed(1);
  let text = `${stats.count.toLocaleString('en-US')} values, ${stats.zeros.toLocaleString('en-US')} zeros (${share}%), mean ${formatValue(stats.mean)}, std ${formatValue(stats.std)}`;
  if (stats.nan) text += `; ${stats.nan} NaN`;
  if (infinite) text += `; ${infinite} infinite, not plotted`;
  return `${text}.`;
}
