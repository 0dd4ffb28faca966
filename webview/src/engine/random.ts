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
  };
}
