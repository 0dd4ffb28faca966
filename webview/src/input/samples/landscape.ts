/**
 * A natural-looking image made in code: a landscape with a sky gradient,
 * clouds, a sun, distant mountains, two ranges of hills, a tree and flowers,
 * 320 x 240 RGB. Every texture comes from seeded noise, so it is the same on
 * every machine and belongs to this project.
 */
import { shadeRows } from '../paint';
import { blankPicture, type Colour, type Picture, type PictureInRows } from '../picture';
import { fractalNoise, latticeHash } from '../random';

export const landscapeWidth = 320;
export const landscapeHeight = 240;

type Rgb = [number, number, number];

function mix(a: Rgb, b: readonly number[], t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function smoothstep(edge0: number, edge1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - edge0) / (edge1 - edge0)));
  return t * t * (3 - 2 * t);
}

function scale(c: Rgb, k: number): Rgb {
  return [c[0] * k, c[1] * k, c[2] * k];
}

const W = landscapeWidth;
const H = landscapeHeight;
const sun = { x: 0.78 * W, y: 0.2 * H, r: 15 };
const tree = { x: 0.27 * W };

/** The top edge of each layer at column x, in pixels from the top. */
const peaks = [
  { x: 0.1 * W, y: 0.35 * H },
  { x: 0.36 * W, y: 0.29 * H },
  { x: 0.62 * W, y: 0.39 * H },
  { x: 0.9 * W, y: 0.31 * H },
];
const mountainTop = (x: number) => Math.min(0.55 * H, ...peaks.map((p) => p.y + 0.75 * Math.abs(x - p.x))) + 7 * (fractalNoise(x / 12, 0.5, 3, 4) - 0.5);
const farHillTop = (x: number) => H * (0.6 + 0.04 * Math.sin((x / W) * 2 * Math.PI * 1.3 + 0.5) + 0.03 * fractalNoise(x / 40, 2.5, 5, 3));
const nearHillTop = (x: number) => H * (0.73 + 0.06 * Math.sin((x / W) * 2 * Math.PI * 0.8 + 2.2));

const treeBase = nearHillTop(tree.x) + 6;
const crown = [
  { x: tree.x, y: treeBase - 78, r: 23 },
  { x: tree.x - 19, y: treeBase - 60, r: 19 },
  { x: tree.x + 19, y: treeBase - 62, r: 19 },
  { x: tree.x - 2, y: treeBase - 50, r: 17 },
];

function skyAt(x: number, y: number): Rgb {
  const t = Math.min(1, y / (0.62 * H)) ** 0.8;
  let colour = mix([0.2, 0.4, 0.78], [0.82, 0.87, 0.93], t);
  const cloud = smoothstep(0.55, 0.78, fractalNoise(x / 55, y / 16, 7, 5)) * (1 - t * 0.7);
  colour = mix(colour, [0.97, 0.97, 0.98], 0.85 * cloud);
  const d = Math.hypot(x - sun.x, y - sun.y);
  const glow = Math.exp(-((d / 45) ** 2));
  colour = mix(colour, [1, 0.92, 0.7], 0.55 * glow);
  if (d < sun.r) colour = [1, 0.97, 0.8];
  return colour;
}

function mountainAt(x: number, y: number): Rgb {
  const rock = fractalNoise(x / 9, y / 5, 13, 4);
  let colour = mix([0.42, 0.47, 0.6], [0.3, 0.33, 0.42], rock);
  // Snow above the snow line, ragged along its lower edge.
  if (y < 0.36 * H + 8 * rock) colour = mix(colour, [0.95, 0.96, 0.98], 0.9);
  // Distant things fade into the sky's haze.
  return mix(colour, [0.78, 0.83, 0.9], 0.35);
}

function hillAt(x: number, y: number, top: number, base: Rgb, seed: number, grain: number): Rgb {
  const grass = fractalNoise(x / grain, y / (grain * 2.5), seed, 3);
  const shade = 0.85 + 0.3 * grass - 0.25 * Math.min(1, (y - top) / (0.25 * H));
  return scale(base, shade);
}

function treeAt(x: number, y: number): Rgb | undefined {
  for (const c of crown) {
    const d = Math.hypot(x - c.x, y - c.y);
    const ragged = c.r * (0.92 + 0.1 * fractalNoise(Math.atan2(y - c.y, x - c.x) * 3, c.r, 17, 2));
    if (d < ragged) {
      const leaves = fractalNoise(x / 3, y / 3, 19, 3);
      // Lit from the sun's side (upper right).
      const light = 0.75 + 0.35 * ((x - c.x) / c.r - (y - c.y) / c.r) * 0.5 + 0.3 * (leaves - 0.5);
      return scale([0.16, 0.42, 0.12], light);
    }
  }
  if (Math.abs(x - tree.x) < 4 + (y - (treeBase - 45)) * 0.04 && y > treeBase - 55 && y < treeBase) {
    const bark = fractalNoise(x / 1.5, y / 6, 23, 2);
    return scale([0.36, 0.23, 0.12], 0.8 + 0.4 * bark);
  }
  return undefined;
}

function flowerAt(x: number, y: number): Rgb | undefined {
  const cell = 9;
  const cx = Math.floor(x / cell);
  const cy = Math.floor(y / cell);
  if (latticeHash(cx, cy, 29) > 0.35) return undefined;
  const fx = (cx + 0.2 + 0.6 * latticeHash(cx, cy, 31)) * cell;
  const fy = (cy + 0.2 + 0.6 * latticeHash(cx, cy, 37)) * cell;
  if (fy < nearHillTop(fx) + 6 || Math.hypot(x - fx, y - fy) > 1.6) return undefined;
  return latticeHash(cx, cy, 41) < 0.5 ? [0.98, 0.86, 0.2] : [0.95, 0.95, 0.95];
}

function landscapeAt(x: number, y: number): Colour {
  const near = nearHillTop(x);
  if (y >= near) return treeAt(x, y) ?? flowerAt(x, y) ?? hillAt(x, y, near, [0.3, 0.56, 0.18], 11, 3);
  const tall = treeAt(x, y);
  if (tall) return tall;
  const far = farHillTop(x);
  if (y >= far) return hillAt(x, y, far, [0.38, 0.58, 0.3], 5, 6);
  const mountain = mountainTop(x);
  if (y >= mountain) return mountainAt(x, y);
  return skyAt(x, y);
}

/** The landscape painted a band of rows at a time (its picture takes the longest of the samples to make). */
export const landscapeInRows: PictureInRows = {
  blank: () => blankPicture(W, H, 3),
  paintRows: (picture, from, to) => shadeRows(picture, landscapeAt, 2, from, to),
};

/** The landscape as a 320 x 240 RGB picture. */
export function landscapePicture(): Picture {
  const picture = landscapeInRows.blank();
  landscapeInRows.paintRows(picture, 0, picture.height);
  return picture;
}
