/**
 * A small seeded random source, so that default weights are the same on every
 * machine and every run: mulberry32 for uniform numbers, Box-Muller for normal ones.
 */
import { mulberry32 } from '../mulberry32';

export { mulberry32 };

/** A deterministic source of standard normal numbers. */
export interface NormalSource {
  /** The next number from N(0, 1). */
  next(): number;
  /**
   * Writes the next numbers, times `scale`, into `target[from..to)`: the
   * numbers `next()` would give (up to rounding), in a loop fast enough for
   * the hundred million weights of VGG-16.
   */
  fill(target: Float32Array, scale: number, from?: number, to?: number): void;
}

/** Standard normal numbers by the Box-Muller transform over mulberry32; both numbers of each pair are used. */
export function normalSource(seed: number): NormalSource {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return {
    next() {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      // 1 - u lies in (0, 1], so the logarithm is finite.
      const u = 1 - uniform();
      const v = uniform();
      const radius = Math.sqrt(-2 * Math.log(u));
      spare = radius * Math.sin(2 * Math.PI * v);
      return radius * Math.cos(2 * Math.PI * v);
    },
    fill(target, scale, from = 0, to = target.length) {
      let i = from;
      if (spare !== undefined && i < to) {
        target[i++] = spare * scale;
        spare = undefined;
      }
      for (; i + 1 < to; i += 2) {
        const u = 1 - uniform();
        const angle = 2 * Math.PI * uniform();
        const radius = Math.sqrt(-2 * Math.log(u)) * scale;
        target[i] = radius * Math.cos(angle);
        target[i + 1] = radius * Math.sin(angle);
      }
      if (i < to) target[i] = this.next() * scale;
    },
  };
}
