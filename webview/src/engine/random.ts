/**
 * A small seeded random source, so that default weights are the same on every
 * machine and every run: mulberry32 for uniform numbers, Box-Muller for normal ones.
 */

/** A deterministic source of standard normal numbers. */
export interface NormalSource {
  /** The next number from N(0, 1). */
  next(): number;
}

/** mulberry32: a 32-bit state generator, good enough for initialisation and tiny. Returns numbers in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
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
