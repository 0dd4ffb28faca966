/**
 * Seeded randomness for samples and signals. Everything here is integer
 * arithmetic on 32-bit values, so the same seed gives the same numbers in
 * every JavaScript engine on every machine.
 */

/** A generator of floats in [0, 1) (mulberry32). */
export { mulberry32 as seededRandom } from '../mulberry32';

/** A float in [0, 1) that depends only on the integer lattice point and the seed. */
export function latticeHash(x: number, y: number, seed: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(seed | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Smooth value noise in [0, 1]: lattice values blended with a smoothstep, so textures have no seams. */
export function valueNoise(x: number, y: number, seed: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const sx = fx * fx * (3 - 2 * fx);
  const sy = fy * fy * (3 - 2 * fy);
  const a = latticeHash(x0, y0, seed);
  const b = latticeHash(x0 + 1, y0, seed);
  const c = latticeHash(x0, y0 + 1, seed);
  const d = latticeHash(x0 + 1, y0 + 1, seed);
  return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
}

/** Fractal noise in [0, 1]: `octaves` layers of value noise, each twice as fine and half as strong. */
export function fractalNoise(x: number, y: number, seed: number, octaves: number): number {
  let sum = 0;
  let weight = 0.5;
  let total = 0;
  let frequency = 1;
  for (let o = 0; o < octaves; o++) {
    sum += weight * valueNoise(x * frequency, y * frequency, seed + o * 101);
    total += weight;
    weight *= 0.5;
    frequency *= 2;
  }
  return sum / total;
}
