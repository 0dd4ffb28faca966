/**
 * Edge patterns, 128 x 128 gray: clean edges at known places and angles, so
 * that the feature maps of edge-detecting filters are easy to read.
 */
import { fillShape } from '../paint';
import { blankPicture, type Picture } from '../picture';

/** The side of every edge pattern, in pixels. */
export const edgeSize = 128;

/** A white square, 64 pixels a side, centred on black: four straight edges and four corners. */
export function squarePicture(): Picture {
  const picture = blankPicture(edgeSize, edgeSize, 1);
  fillShape(picture, [1], (x, y) => x >= 32 && x < 96 && y >= 32 && y < 96, undefined, 1);
  return picture;
}

/** The angles of the stripes' edges in the four quadrants (degrees from horizontal, clockwise): top left, top right, bottom left, bottom right. */
export const stripeAngles = [0, 45, 90, 135] as const;

/** The distance between one white stripe and the next, in pixels. */
export const stripePeriod = 12;

/** Four quadrants of black and white stripes, half a period each, with edges at 0, 45, 90 and 135 degrees. */
export function stripesPicture(): Picture {
  const picture = blankPicture(edgeSize, edgeSize, 1);
  const half = edgeSize / 2;
  stripeAngles.forEach((angle, q) => {
    const left = (q % 2) * half;
    const top = Math.floor(q / 2) * half;
    // Stripes run along the angle, so the value changes across it, along the normal.
    const t = ((angle + 90) * Math.PI) / 180;
    const nx = Math.cos(t);
    const ny = Math.sin(t);
    const inside = (x: number, y: number) => {
      const u = (x - left) * nx + (y - top) * ny;
      return ((u % stripePeriod) + stripePeriod) % stripePeriod < stripePeriod / 2;
    };
    fillShape(picture, [1], inside, { left, top, right: left + half, bottom: top + half }, 4);
  });
  return picture;
}

/** The side of a checkerboard cell, in pixels: 8 x 8 cells, white first. */
export const checkerCell = 16;

/** A checkerboard of 16-pixel cells, white in the top-left corner. */
export function checkerboardPicture(): Picture {
  const picture = blankPicture(edgeSize, edgeSize, 1);
  fillShape(picture, [1], (x, y) => (Math.floor(x / checkerCell) + Math.floor(y / checkerCell)) % 2 === 0, undefined, 1);
  return picture;
}
