/**
 * The feature-map view: one canvas per channel of a node's output, coloured
 * on one scale shared by every channel (so channels compare) or on each
 * channel's own range, with a legend, the value range and captions for what
 * is not shown (channels past the cap, other depth frames).
 */
import type { NodeOutput } from '../engine/runner';
import { ensureViewsStyles } from '../styles/viewsCss';
import { chooseScale, cssGradient, paintValues, type ColorScale, type ScaleChoice, type ValueRange } from './colormap';
import { element } from './dom';
import { mapOffset, planFeatureMaps, type MapPlan } from './mapPlan';
import { formatValue, tensorStats } from './stats';

/** Options of the feature-map view. */
export interface FeatureMapOptions {
  /** Channels drawn at most (default 64); the caption says how many exist. */
  maxChannels?: number;
  /** `shared` (default): one range for all channels; `per-channel`: each map stretched to its own range. */
  scale?: 'shared' | 'per-channel';
  /** The colour scale; `auto` (default) takes the diverging one for data with both signs. */
  colors?: ScaleChoice;
  /** Pixels a small map is enlarged to, at least, along its longer side (default 72). */
  cellSize?: number;
}

/** Draws every channel of `output` into `container`, replacing what it held. */
export function renderFeatureMaps(container: HTMLElement, output: NodeOutput, options: FeatureMapOptions = {}): void {
  ensureViewsStyles(container.ownerDocument);
  container.replaceChildren();
  const plan = planFeatureMaps(output.shape, output.data.length, options.maxChannels);
  if ('error' in plan) {
    container.append(element('p', { class: 'cnnv-error', 'data-testid': 'maps-error' }, `Cannot show feature maps: ${plan.error}.`));
    return;
  }
  const { data } = output;
  const all = tensorStats(data);
  // The colours span the whole output (every channel, drawn or not, and every depth frame), so the legend
  // agrees with the range line beside it and the maps of later pages or frames stay comparable.
  const shared = chooseScale(finiteRange(all), options.colors);
  const perChannel = options.scale === 'per-channel';

  const section = element('div', { class: 'cnnv-section cnnv-maps' });
  const shapeText = output.shape.length ? output.shape.join('x') : '1';
  section.append(element('p', { class: 'cnnv-caption', 'data-testid': 'maps-caption' }, caption(plan, shapeText)));
  for (const note of plan.notes) section.append(element('p', { class: 'cnnv-note', 'data-testid': 'maps-note' }, note));
  section.append(element('p', { class: 'cnnv-caption', 'data-testid': 'maps-range' }, rangeText(all)));
  section.append(legend(shared.scale, shared.range, perChannel));

  // One-row pictures (signals, short vectors) are strips across the panel; everything else is a square-ish tile.
  const strips = plan.height === 1 && plan.kind !== 'image' && plan.kind !== 'volume';
  const grid = element('div', { class: strips ? 'cnnv-grid cnnv-rows' : 'cnnv-grid', 'data-testid': 'maps-grid' });
  const cell = Math.max(1, options.cellSize ?? 72);
  const factor = Math.max(1, Math.floor(cell / Math.max(plan.width, plan.height)));
  grid.style.setProperty('--cnnv-cell', `${Math.max(plan.width * factor, 40)}px`);
  const maps: { canvas: HTMLCanvasElement; channel: number }[] = [];
  let frame = plan.frame;
  const paintFrame = (next: number) => {
    frame = next;
    for (const { canvas, channel } of maps) {
      const { scale, range } = perChannel ? channelScale(data, plan, channel, shared.scale) : shared;
      // A wrapped vector fills its picture only up to its length; the rest stays transparent.
      paintCanvas(canvas, data, mapOffset(plan, channel, frame), Math.min(plan.width * plan.height, plan.channelSize), range, scale);
    }
  };
  /** Draws these channels' maps into the grid, replacing the ones there. */
  const drawChannels = (channels: readonly number[]) => {
    maps.length = 0;
    grid.replaceChildren();
    for (const channel of channels) {
      // Focusable, so a unit can be picked from the keyboard (receptiveFieldPanel.ts).
      const canvas = element('canvas', { 'data-testid': 'feature-map', 'data-channel': String(channel), tabindex: '0', 'aria-label': `Feature map of channel ${channel}` });
      canvas.width = plan.width;
      canvas.height = plan.height;
      // Nearest-neighbour enlargement: a 7x7 map must stay 49 crisp squares, not a blur.
      canvas.style.imageRendering = 'pixelated';
      if (!strips) {
        canvas.style.width = `${plan.width * factor}px`;
        canvas.style.maxWidth = '100%';
      }
      const stats = tensorStats(data, channel * plan.channelSize, (channel + 1) * plan.channelSize);
      canvas.title = `channel ${channel}: ${formatValue(stats.min)} … ${formatValue(stats.max)}`;
      const figure = element('div', { class: 'cnnv-map' });
      figure.append(canvas, element('span', { class: 'cnnv-label', 'data-testid': 'map-label' }, plan.kind === 'vector' ? `0–${plan.channelSize - 1}` : `${channel}`));
      grid.append(figure);
      maps.push({ canvas, channel });
    }
    paintFrame(frame);
  };
  // Channels past the cap are reached by pages, in channel order or strongest first.
  if (plan.channels > 1) section.append(channelPager(data, plan, drawChannels));
  else drawChannels([0]);
  if (plan.kind === 'volume' && plan.frames > 1) section.append(frameSlider(plan, paintFrame));
  section.append(grid);
  container.append(section);
}

/** "64 maps of 56x56 (output 64x56x56)", the sentence above the grid. */
function caption(plan: MapPlan, shapeText: string): string {
  switch (plan.kind) {
    case 'image':
      return `${plan.channels} ${plan.channels === 1 ? 'map' : 'maps'} of ${plan.height}x${plan.width} (output ${shapeText}).`;
    case 'signal':
      return `${plan.channels} ${plan.channels === 1 ? 'signal' : 'signals'} of length ${plan.width}, one strip per channel (output ${shapeText}).`;
    case 'volume':
      return `${plan.channels} ${plan.channels === 1 ? 'volume' : 'volumes'} of ${plan.frames}x${plan.height}x${plan.width} (output ${shapeText}).`;
    case 'vector':
      return plan.height === 1 ? `${plan.channelSize} values in one strip (output ${shapeText}).` : `${plan.channelSize} values in one picture (output ${shapeText}).`;
  }
}

/** The value-range line: the whole output's min, max, mean and spread, and any non-finite values. */
function rangeText(stats: ReturnType<typeof tensorStats>): string {
  if (stats.finite === 0) return `No finite values (${stats.nan} NaN, ${stats.positiveInfinity + stats.negativeInfinity} infinite).`;
  let text = `Range ${formatValue(stats.min)} … ${formatValue(stats.max)}, mean ${formatValue(stats.mean)}, std ${formatValue(stats.std)}`;
  const infinite = stats.positiveInfinity + stats.negativeInfinity;
  if (stats.nan) text += `; ${stats.nan} NaN (transparent)`;
  if (infinite) text += `; ${infinite} infinite`;
  return `${text}.`;
}

/** The min and max of `stats`, or [0, 0] when it has no finite value, so colours stay defined. */
function finiteRange(stats: { min: number; max: number }): ValueRange {
  return Number.isFinite(stats.min) ? { min: stats.min, max: stats.max } : { min: 0, max: 0 };
}

/** One channel's own range, on the same kind of scale as the shared one so colours mean the same thing. */
function channelScale(data: Float32Array, plan: MapPlan, channel: number, shared: ColorScale) {
  return chooseScale(finiteRange(tensorStats(data, channel * plan.channelSize, (channel + 1) * plan.channelSize)), shared.name);
}

function paintCanvas(canvas: HTMLCanvasElement, data: Float32Array, offset: number, count: number, range: ValueRange, scale: ColorScale): void {
  const context = canvas.getContext('2d');
  if (!context) return;
  const image = context.createImageData(canvas.width, canvas.height);
  paintValues(image.data, data, offset, count, range, scale);
  context.putImageData(image, 0, 0);
}

/** The colour bar with the values its ends stand for. */
function legend(scale: ColorScale, range: ValueRange, perChannel: boolean): HTMLElement {
  const box = element('div', { class: 'cnnv-legend', 'data-testid': 'maps-legend', 'data-scale': scale.name });
  const bar = element('div', { class: 'cnnv-legend-bar' });
  bar.style.background = cssGradient(scale);
  const low = perChannel ? (scale.name === 'diverging' ? '−|max|' : 'min') : formatValue(range.min);
  const high = perChannel ? (scale.name === 'diverging' ? '+|max|' : 'max') : formatValue(range.max);
  box.append(element('span', { 'data-testid': 'legend-min' }, low), bar, element('span', { 'data-testid': 'legend-max' }, high));
  if (perChannel) box.title = 'Each map is stretched to its own range; hover a map for it.';
  return box;
}

/**
 * Channels by the mean of their absolute values, strongest first (ties in
 * channel order): the channels a layer uses most, whatever their sign.
 */
export function channelsByStrength(data: Float32Array, channels: number, channelSize: number): number[] {
  const strength = Array.from({ length: channels }, (_, c) => {
    let sum = 0;
    for (let i = c * channelSize; i < (c + 1) * channelSize; i++) if (Number.isFinite(data[i])) sum += Math.abs(data[i]);
    return sum / channelSize;
  });
  return strength.map((_, c) => c).sort((a, b) => strength[b] - strength[a] || a - b);
}

/**
 * The order menu (channel order, or strongest first) and, when the channels
 * do not fit one page, the page buttons; it draws the first page itself and
 * each page the user turns to.
 */
function channelPager(data: Float32Array, plan: MapPlan, draw: (channels: readonly number[]) => void): HTMLElement {
  const perPage = plan.shown;
  const pages = Math.ceil(plan.channels / perPage);
  const row = element('div', { class: 'cnnv-pager' });
  const order = element('select', { 'data-testid': 'maps-order', 'aria-label': 'Channel order' });
  order.append(new Option('Channel order', 'index'), new Option('Strongest first (mean |value|)', 'strength'));
  const previous = element('button', { type: 'button', 'data-testid': 'maps-previous', 'aria-label': 'Previous channels' }, '◀');
  const next = element('button', { type: 'button', 'data-testid': 'maps-next', 'aria-label': 'Next channels' }, '▶');
  const where = element('span', { 'data-testid': 'maps-page' });
  let page = 0;
  let channels: number[] = Array.from({ length: plan.channels }, (_, c) => c);
  const show = () => {
    const first = page * perPage;
    const slice = channels.slice(first, first + perPage);
    where.textContent = `channels ${first + 1}–${first + slice.length} of ${plan.channels}`;
    previous.disabled = page === 0;
    next.disabled = page === pages - 1;
    draw(slice);
  };
  order.addEventListener('change', () => {
    channels = order.value === 'strength' ? channelsByStrength(data, plan.channels, plan.channelSize) : channels.slice().sort((a, b) => a - b);
    page = 0;
    show();
  });
  previous.addEventListener('click', () => {
    page = Math.max(0, page - 1);
    show();
  });
  next.addEventListener('click', () => {
    page = Math.min(pages - 1, page + 1);
    show();
  });
  row.append(order);
  if (pages > 1) row.append(previous, where, next);
  show();
  return row;
}

/** A slider over the depth frames of a volume, repainting every map and the caption's frame number. */
function frameSlider(plan: MapPlan, paintFrame: (frame: number) => void): HTMLElement {
  const row = element('label', { class: 'cnnv-frame' });
  const slider = element('input', { type: 'range', min: '0', max: String(plan.frames - 1), step: '1', value: String(plan.frame), 'data-testid': 'frame-slider', 'aria-label': 'Depth frame' });
  const text = element('span', { 'data-testid': 'frame-text' }, `frame ${plan.frame + 1} of ${plan.frames}`);
  slider.addEventListener('input', () => {
    const frame = Number(slider.value);
    text.textContent = `frame ${frame + 1} of ${plan.frames}`;
    paintFrame(frame);
  });
  row.append(element('span', {}, 'Depth'), slider, text);
  return row;
}
