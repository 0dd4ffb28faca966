/**
 * Exposes the result views to the browser test (test/webview/views.test.ts):
 * each call renders into a fresh container and reads back what a user would
 * see (texts, canvas pixels, bar sizes) as plain data.
 */
import { renderFeatureMaps } from '../../../webview/src/views/featureMaps';
import { renderHistogram } from '../../../webview/src/views/histogram';
import { renderTiming } from '../../../webview/src/views/timing';
import { renderTopClasses } from '../../../webview/src/views/topClasses';
import type { ViewsPage } from './views.api';

declare global {
  interface Window {
    viewsPage: ViewsPage;
  }
}

let last: HTMLElement | undefined;

/** A new container in a fixed-width column, like the panel's side bar; the previous one is removed. */
function fresh(): HTMLElement {
  last?.remove();
  last = document.createElement('div');
  last.style.width = '480px';
  document.body.append(last);
  return last;
}

const text = (root: ParentNode, testId: string) => root.querySelector(`[data-testid="${testId}"]`)?.textContent ?? '';
const all = (root: ParentNode, selector: string) => [...root.querySelectorAll<HTMLElement>(selector)];

window.viewsPage = {
  renderMaps(shape, data, options) {
    const root = fresh();
    renderFeatureMaps(root, { node: 1, shape, data: new Float32Array(data) }, options);
    const slider = root.querySelector<HTMLInputElement>('[data-testid="frame-slider"]');
    return {
      canvases: all(root, 'canvas[data-testid="feature-map"]').map((element) => {
        const canvas = element as HTMLCanvasElement;
        const box = canvas.getBoundingClientRect();
        return { width: canvas.width, height: canvas.height, cssWidth: box.width, cssHeight: box.height, rendering: getComputedStyle(canvas).imageRendering };
      }),
      labels: all(root, '[data-testid="map-label"]').map((e) => e.textContent ?? ''),
      gridFound: root.querySelector('[data-testid="maps-grid"]') !== null,
      legendFound: root.querySelector('[data-testid="maps-legend"]') !== null,
      legendMin: text(root, 'legend-min'),
      legendMax: text(root, 'legend-max'),
      legendScale: root.querySelector<HTMLElement>('[data-testid="maps-legend"]')?.dataset.scale ?? '',
      caption: text(root, 'maps-caption'),
      range: text(root, 'maps-range'),
      notes: all(root, '[data-testid="maps-note"]').map((e) => e.textContent ?? ''),
      error: root.querySelector('[data-testid="maps-error"]')?.textContent ?? null,
      slider: slider ? { value: Number(slider.value), max: Number(slider.max) } : null,
    };
  },
  pixel(index, x, y) {
    const canvas = all(last ?? document, 'canvas[data-testid="feature-map"]')[index] as HTMLCanvasElement;
    return [...canvas.getContext('2d')!.getImageData(x, y, 1, 1).data];
  },
  setFrame(frame) {
    const slider = last?.querySelector<HTMLInputElement>('[data-testid="frame-slider"]');
    if (!slider) throw new Error('no depth slider');
    slider.value = String(frame);
    slider.dispatchEvent(new Event('input'));
  },
  renderHistogram(data, bins) {
    const root = fresh();
    renderHistogram(root, new Float32Array(data), { bins });
    const bars = all(root, 'rect.cnnv-bar');
    return {
      containerTestId: root.getAttribute('data-testid'),
      bars: bars.length,
      counts: bars.map((b) => Number(b.getAttribute('data-count'))),
      heights: bars.map((b) => Number(b.getAttribute('height'))),
      zeroBins: all(root, 'rect.cnnv-zero-bin').length,
      min: text(root, 'histogram-min'),
      max: text(root, 'histogram-max'),
      summary: text(root, 'histogram-summary'),
    };
  },
  renderTopClasses(probabilities, labels) {
    const root = fresh();
    renderTopClasses(root, new Float32Array(probabilities), labels);
    return {
      containerTestId: root.getAttribute('data-testid'),
      rows: all(root, '[data-testid="top-class"]').map((row) => ({
        index: Number(row.dataset.index),
        label: text(row, 'class-label'),
        percent: text(row, 'class-percent'),
        barWidth: row.querySelector<HTMLElement>('.cnnv-bar-fill')?.style.width ?? '',
      })),
    };
  },
  timingFits(timings, label, width) {
    // The line boxes of a cell's own text: more than one means it wrapped.
    const textLines = (cell: Element) => {
      const text = [...cell.childNodes].find((node) => node.nodeType === Node.TEXT_NODE);
      if (!text) return 0;
      const range = document.createRange();
      range.selectNodeContents(text);
      return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size;
    };
    const root = fresh();
    root.style.width = `${width}px`;
    renderTiming(root, timings, () => label, 10, 'wasm (2 threads)');
    const right = (element: Element | null) => element?.getBoundingClientRect().right ?? Infinity;
    return {
      containerRight: right(root),
      tableRight: right(root.querySelector('table')),
      shareRights: all(root, '[data-testid="timing-row"] td:nth-child(3)').map((td) => right(td)),
      // A header or a time that wraps inside a word ("Ti / me") is taller than one line, or clipped where it cannot wrap.
      wrappedNumbers: all(root, 'th, td.cnnv-number')
        .filter((cell) => textLines(cell) > 1)
        .map((cell) => cell.textContent ?? ''),
      clippedNumbers: all(root, 'td.cnnv-number, th')
        .filter((cell) => cell.scrollWidth > cell.clientWidth + 0.5)
        .map((cell) => cell.textContent ?? ''),
    };
  },
  renderTiming(timings, totalMs, backend) {
    const root = fresh();
    renderTiming(root, timings, (node) => `layer ${node}`, totalMs, backend);
    const other = root.querySelector('[data-testid="timing-other"]');
    return {
      containerTestId: root.getAttribute('data-testid'),
      total: text(root, 'timing-total'),
      rows: all(root, '[data-testid="timing-row"]').map((row) => ({
        node: Number(row.dataset.node),
        cells: all(row, 'td').map((td) => td.textContent ?? ''),
        barWidth: row.querySelector<HTMLElement>('.cnnv-bar-fill')?.style.width ?? '',
        slowest: row.classList.contains('cnnv-slowest'),
      })),
      other: other ? all(other, 'td').map((td) => td.textContent ?? '') : null,
    };
  },
};
