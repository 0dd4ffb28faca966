/**
 * The pictures of one unit's receptive field: the input with the theoretical
 * field drawn on it, and the effective field (the gradient mass) as a heat
 * map with the same outlines. Geometry is in input positions: the SVG's
 * viewBox spans the image and the window, so a window that runs into the
 * padding shows that part outside the image, hatched and dashed, and the
 * positions the unit really reads (`visible`) as a solid outline.
 *
 * 2-D inputs are pictures; 1-D inputs are signals with the field as a span;
 * 3-D inputs show one frame (the middle of the visible frames) with the box,
 * and a strip of frames with the frame span.
 */
import { svgElement } from './dom';
import { colorAt, viridis } from './colormap';

/** What one picture shows. */
export interface FieldPicture {
  /** The input, channels first, and its shape. */
  input: { data: Float32Array; shape: number[] };
  window: [number, number][];
  visible: [number, number][] | null;
  /** With it, the picture is the effective field: the mass per input position (row-major over the spatial axes). */
  mass?: Float64Array;
  /** Names the picture for screen readers and tests (`rf-input`, `rf-effective`). */
  testId: string;
}

let patterns = 0;

/** min and max of the finite values. */
function extent(values: ArrayLike<number>, start = 0, end = values.length): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (let i = start; i < end; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < low) low = v;
    if (v > high) high = v;
  }
  return low <= high ? [low, high] : [0, 0];
}

/**
 * One H x W frame as an image: three channels as RGB (stretched together to
 * 0..255), any other count as the channels' mean in grey; or the mass on
 * viridis, 0 at the bottom and the largest mass at the top.
 */
function frameImage(picture: FieldPicture, frame: number, height: number, width: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  if (!context) return '';
  const image = context.createImageData(width, height);
  const plane = height * width;
  const pixels = image.data;
  if (picture.mass) {
    const offset = frame * plane;
    const [, high] = extent(picture.mass, offset, offset + plane);
    for (let p = 0; p < plane; p++) {
      const [r, g, b] = colorAt(viridis, high > 0 ? picture.mass[offset + p] / high : 0);
      pixels.set([r, g, b, 255], p * 4);
    }
  } else {
    const { data, shape } = picture.input;
    const channels = shape[0];
    const perChannel = data.length / channels;
    const offset = frame * plane;
    const [low, high] = extent(data);
    const scale = high > low ? 255 / (high - low) : 0;
    for (let p = 0; p < plane; p++) {
      const at = (c: number) => data[c * perChannel + offset + p];
      if (channels === 3) pixels.set([(at(0) - low) * scale, (at(1) - low) * scale, (at(2) - low) * scale, 255], p * 4);
      else {
        let sum = 0;
        for (let c = 0; c < channels; c++) sum += at(c);
        const grey = (sum / channels - low) * scale;
        pixels.set([grey, grey, grey, 255], p * 4);
      }
    }
  }
  context.putImageData(image, 0, 0);
  return canvas.toDataURL('image/png');
}

/** The hatch that marks the window's part in the padding. */
function hatch(id: string, unit: number): SVGPatternElement {
  const pattern = svgElement('pattern', { id, patternUnits: 'userSpaceOnUse', width: unit, height: unit, patternTransform: 'rotate(45)' });
  pattern.append(svgElement('rect', { width: unit, height: unit, class: 'rf-padding' }), svgElement('line', { x1: 0, y1: 0, x2: 0, y2: unit, class: 'rf-hatch-line' }));
  return pattern;
}

/** The window (hatched, dashed: its part outside the image reads padding) and the visible box (solid), in viewBox units. */
function outlines(
  svg: SVGSVGElement,
  hatchId: string,
  window: { x: number; y: number; width: number; height: number },
  visible: { x: number; y: number; width: number; height: number } | null,
  image: () => void,
): void {
  svg.append(svgElement('rect', { ...window, fill: `url(#${hatchId})`, class: 'rf-window-fill' }));
  image();
  svg.append(svgElement('rect', { ...window, class: 'rf-window', 'data-testid': 'rf-window', fill: 'none', 'vector-effect': 'non-scaling-stroke' }));
  if (visible) svg.append(svgElement('rect', { ...visible, class: 'rf-visible', 'data-testid': 'rf-visible', fill: 'none', 'vector-effect': 'non-scaling-stroke' }));
}

/** A picture of the field on a 2-D input, or on one frame of a 3-D input (the box of axes 1 and 2). */
function pictureOfPlane(picture: FieldPicture): SVGSVGElement {
  const { shape } = picture.input;
  const volume = shape.length === 4;
  const [height, width] = shape.slice(-2);
  const rows = picture.window.at(-2)!;
  const columns = picture.window.at(-1)!;
  const frames = volume ? (picture.visible?.[0] ?? picture.window[0]) : [0, 0];
  const frame = Math.min(Math.max(Math.floor((frames[0] + frames[1]) / 2), 0), volume ? shape[1] - 1 : 0);
  const x0 = Math.min(0, columns[0]);
  const y0 = Math.min(0, rows[0]);
  const x1 = Math.max(width, columns[1] + 1);
  const y1 = Math.max(height, rows[1] + 1);
  const svg = svgElement('svg', { viewBox: `${x0} ${y0} ${x1 - x0} ${y1 - y0}`, class: 'rf-picture', 'data-testid': picture.testId, role: 'img', preserveAspectRatio: 'xMidYMid meet' });
  if (volume) svg.setAttribute('data-frame', String(frame));
  const id = `rf-hatch-${++patterns}`;
  const defs = svgElement('defs');
  defs.append(hatch(id, Math.max(2, (x1 - x0) / 40)));
  svg.append(defs);
  const visibleBox = picture.visible
    ? {
        x: picture.visible.at(-1)![0],
        y: picture.visible.at(-2)![0],
        width: picture.visible.at(-1)![1] - picture.visible.at(-1)![0] + 1,
        height: picture.visible.at(-2)![1] - picture.visible.at(-2)![0] + 1,
      }
    : null;
  outlines(svg, id, { x: columns[0], y: rows[0], width: columns[1] - columns[0] + 1, height: rows[1] - rows[0] + 1 }, visibleBox, () => {
    svg.append(svgElement('image', { href: frameImage(picture, frame, height, width), x: 0, y: 0, width, height, preserveAspectRatio: 'none', class: 'rf-image' }));
  });
  return svg;
}

/** A picture of the field on a 1-D input: the signal (up to three channels) or the mass as a curve, the field as a span. */
function pictureOfSignal(picture: FieldPicture): SVGSVGElement {
  const { data, shape } = picture.input;
  const length = shape[1];
  const span = picture.window[0];
  const x0 = Math.min(0, span[0]);
  const x1 = Math.max(length, span[1] + 1);
  const height = (x1 - x0) * 0.3;
  const svg = svgElement('svg', { viewBox: `${x0} 0 ${x1 - x0} ${height}`, class: 'rf-picture rf-signal', 'data-testid': picture.testId, role: 'img', preserveAspectRatio: 'none' });
  const id = `rf-hatch-${++patterns}`;
  const defs = svgElement('defs');
  defs.append(hatch(id, Math.max(2, (x1 - x0) / 40)));
  svg.append(defs);
  const visible = picture.visible?.[0];
  const curves = () => {
    svg.append(svgElement('rect', { x: 0, y: 0, width: length, height, class: 'rf-signal-back' }));
    const series: ArrayLike<number>[] = picture.mass ? [picture.mass] : Array.from({ length: Math.min(shape[0], 3) }, (_, c) => data.subarray(c * length, (c + 1) * length));
    for (const values of series) {
      const [low, high] = picture.mass ? [0, extent(values)[1]] : extent(values);
      const y = (v: number) => height * (0.9 - 0.8 * (high > low ? (v - low) / (high - low) : 0.5));
      const points = Array.from({ length }, (_, i) => `${i + 0.5},${y(values[i])}`).join(' ');
      svg.append(svgElement('polyline', { points, class: picture.mass ? 'rf-curve rf-mass' : 'rf-curve', fill: 'none', 'vector-effect': 'non-scaling-stroke' }));
    }
  };
  outlines(svg, id, { x: span[0], y: 0, width: span[1] - span[0] + 1, height }, visible ? { x: visible[0], y: 0, width: visible[1] - visible[0] + 1, height } : null, curves);
  return svg;
}

/** The strip of frames of a 3-D input, with the window's and the visible frames. */
function frameStrip(picture: FieldPicture): SVGSVGElement {
  const frames = picture.input.shape[1];
  const span = picture.window[0];
  const x0 = Math.min(0, span[0]);
  const x1 = Math.max(frames, span[1] + 1);
  const svg = svgElement('svg', { viewBox: `${x0} 0 ${x1 - x0} 1`, class: 'rf-frames', 'data-testid': `${picture.testId}-frames`, preserveAspectRatio: 'none' });
  const id = `rf-hatch-${++patterns}`;
  const defs = svgElement('defs');
  defs.append(hatch(id, 0.5));
  svg.append(defs);
  const visible = picture.visible?.[0];
  outlines(svg, id, { x: span[0], y: 0, width: span[1] - span[0] + 1, height: 1 }, visible ? { x: visible[0], y: 0, width: visible[1] - visible[0] + 1, height: 1 } : null, () => {
    for (let f = 0; f < frames; f++) svg.append(svgElement('rect', { x: f + 0.05, y: 0.1, width: 0.9, height: 0.8, class: 'rf-frame-cell' }));
  });
  return svg;
}

/** The picture for the input's rank: a signal, a picture, or a frame strip above a frame. */
export function fieldPicture(picture: FieldPicture): SVGSVGElement[] {
  const rank = picture.input.shape.length - 1;
  if (rank === 1) return [pictureOfSignal(picture)];
  if (rank === 2) return [pictureOfPlane(picture)];
  return [frameStrip(picture), pictureOfPlane(picture)];
}

/** Styles of the field pictures, added once by the panel part that draws them. */
export const receptiveFieldCss = `
.rf-section { margin: 10px 0 12px; border-top: 1px solid var(--vscode-editorWidget-border, #c8c8c8); padding-top: 6px; }
.rf-section h3 { font-size: 1em; margin: 4px 0; }
.rf-pictures { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.rf-pictures figure { margin: 0; display: flex; flex-direction: column; gap: 2px; width: 240px; max-width: 100%; }
.rf-pictures figcaption { font-size: 0.9em; color: var(--vscode-descriptionForeground, #616161); }
.rf-picture { width: 100%; height: auto; background: var(--vscode-editorWidget-background, #f3f3f3); }
.rf-signal { height: 72px; }
.rf-frames { width: 100%; height: 14px; }
.rf-image { image-rendering: pixelated; }
.rf-padding { fill: var(--vscode-editorWidget-background, #eeeeee); }
.rf-hatch-line { stroke: var(--vscode-descriptionForeground, #888888); stroke-width: 0.35; }
.rf-window { stroke: #e0a000; stroke-width: 1.5; stroke-dasharray: 4 3; }
.rf-visible { stroke: #ff3030; stroke-width: 2; }
.rf-signal-back { fill: var(--vscode-editor-background, #ffffff); }
.rf-curve { stroke: var(--vscode-foreground, #333333); stroke-width: 1; opacity: 0.8; }
.rf-mass { stroke: #2a788e; stroke-width: 1.5; opacity: 1; }
.rf-frame-cell { fill: var(--vscode-descriptionForeground, #9a9a9a); opacity: 0.5; }
.rf-text { margin: 3px 0; font-size: 0.92em; }
.rf-announcer { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
canvas[data-testid="feature-map"]:focus-visible { outline: 2px solid var(--vscode-focusBorder, #0078d4); outline-offset: 1px; }
.rf-warning { color: var(--vscode-editorWarning-foreground, #bf8803); }
.rf-error { color: var(--vscode-errorForeground, #e51400); }
.cnnv-map canvas { cursor: crosshair; }
.cnnd-node.cnnd-path .cnnd-box { stroke: #ff3030; stroke-width: 2.5; }
.rf-card { position: absolute; left: 8px; bottom: 8px; max-width: 300px; padding: 6px 8px; font-size: 0.9em; pointer-events: none;
  background: var(--vscode-editorHoverWidget-background, #f3f3f3); border: 1px solid var(--vscode-editorHoverWidget-border, #c8c8c8); }
.rf-card svg { width: 120px; height: auto; display: block; margin-top: 4px; background: var(--vscode-editor-background, #ffffff); }
.rf-card .rf-grid { fill: none; stroke: var(--vscode-descriptionForeground, #888888); stroke-width: 0.5; }
`;
