/**
 * Anti-aliased painting for the procedural samples, in plain arithmetic
 * instead of a canvas: a canvas's anti-aliasing differs between GPUs and
 * browser versions, and the samples must be the same on every machine.
 * Edges are smoothed by averaging a grid of sub-samples in each pixel.
 */
import type { Colour, Picture } from './picture';

/** A region of the picture, in pixels; painting outside it is skipped to save time. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/**
 * Paints `colour` over `picture` where `inside(x, y)` holds. Coordinates are
 * in pixels with pixel (i, j) covering [i, i+1) x [j, j+1); each pixel is
 * blended by the fraction of its `grid` x `grid` sub-samples that are inside,
 * times `opacity`.
 */
export function fillShape(picture: Picture, colour: Colour, inside: (x: number, y: number) => boolean, box?: Box, grid = 4, opacity = 1): void {
  const { width, height, planes } = picture;
  const left = Math.max(0, Math.floor(box?.left ?? 0));
  const top = Math.max(0, Math.floor(box?.top ?? 0));
  const right = Math.min(width, Math.ceil(box?.right ?? width));
  const bottom = Math.min(height, Math.ceil(box?.bottom ?? height));
  const step = 1 / grid;
  for (let j = top; j < bottom; j++) {
    for (let i = left; i < right; i++) {
      let hits = 0;
      for (let sy = 0; sy < grid; sy++) {
        for (let sx = 0; sx < grid; sx++) if (inside(i + (sx + 0.5) * step, j + (sy + 0.5) * step)) hits++;
      }
      if (hits === 0) continue;
      const cover = (opacity * hits) / (grid * grid);
      const k = j * width + i;
      for (let c = 0; c < planes.length; c++) planes[c][k] += (colour[c] - planes[c][k]) * cover;
    }
  }
}

/**
 * Sets every pixel of rows `from` (inclusive) to `to` (exclusive) of
 * `picture` to the average of `colourAt` over a `grid` x `grid` set of
 * sub-samples, for scenes described as a colour per point. Shading a large
 * scene a band of rows at a time (see catalog.ts's `prepareSamplePicture`)
 * gives exactly the picture that shading it whole does.
 */
export function shadeRows(picture: Picture, colourAt: (x: number, y: number) => Colour, grid: number, from: number, to: number): void {
  const { width, planes } = picture;
  const step = 1 / grid;
  const share = 1 / (grid * grid);
  const sum = new Float64Array(planes.length);
  for (let j = Math.max(0, from); j < Math.min(picture.height, to); j++) {
    for (let i = 0; i < width; i++) {
      sum.fill(0);
      for (let sy = 0; sy < grid; sy++) {
        for (let sx = 0; sx < grid; sx++) {
          const colour = colourAt(i + (sx + 0.5) * step, j + (sy + 0.5) * step);
          for (let c = 0; c < planes.length; c++) sum[c] += colour[c];
        }
      }
      const k = j * width + i;
      for (let c = 0; c < planes.length; c++) planes[c][k] = Math.min(1, Math.max(0, sum[c] * share));
    }
  }
}

/** Distance from (x, y) to the segment from (ax, ay) to (bx, by). */
export function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / length2));
  const px = ax + t * dx - x;
  const py = ay + t * dy - y;
  return Math.sqrt(px * px + py * py);
}
