/**
 * Export of the whole diagram (not just the visible part) as a standalone SVG
 * file, with the theme's colours resolved, or as a PNG drawn from that SVG.
 */
import { svgCss } from '../styles/diagramCss';
import type { Palette } from '../styles/theme';
import type { DiagramLayout } from './layout';
import type { DiagramModel } from './model';
import { diagramMarkup, escapeXml, svgDefs, type RenderState } from './render';

/** A complete SVG document for `model`: no CSS variables, no external references. */
export function standaloneSvg(model: DiagramModel, layout: DiagramLayout, palette: Palette, state: RenderState = {}): string {
  const width = Math.ceil(Math.max(1, layout.width));
  const height = Math.ceil(Math.max(1, layout.height));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${escapeXml(model.name)}</title>`,
    // Theme font names may carry quotes or ampersands; escaped, they stay well-formed XML and mean the same CSS.
    `<style>${escapeXml(svgCss(palette))}</style>`,
    svgDefs,
    `<rect width="100%" height="100%" fill="${escapeXml(palette.background)}"/>`,
    diagramMarkup(model, layout, state),
    '</svg>',
  ].join('');
}

/** Chromium's canvas refuses sides over 32,767 pixels and very large areas; stay well inside. */
const maxSide = 16_384;
const maxArea = 120_000_000;

/** The scale actually used for a PNG of `width`×`height` at the requested scale. */
export function pngScale(width: number, height: number, scale: number): number {
  let s = Number.isFinite(scale) && scale > 0 ? scale : 2;
  s = Math.min(s, maxSide / Math.max(1, width), maxSide / Math.max(1, height));
  s = Math.min(s, Math.sqrt(maxArea / Math.max(1, width * height)));
  return s;
}

/** Rasterises an SVG document to a PNG blob at `scale` (reduced for very large drawings). */
export async function svgToPng(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const s = pngScale(width, height, scale);
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.decoding = 'async';
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('The diagram could not be drawn as an image for PNG export.'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * s));
    canvas.height = Math.max(1, Math.round(height * s));
    const context = canvas.getContext('2d');
    if (!context) throw new Error('PNG export needs a 2-D canvas, which this browser did not provide.');
    context.scale(s, s);
    context.drawImage(image, 0, 0, width, height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The browser could not encode the PNG.'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
