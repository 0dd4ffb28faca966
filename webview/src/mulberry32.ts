/**
 * The panel's one seeded generator, shared by the default weights and the
 * built-in samples: integer arithmetic on 32-bit values, so a seed gives the
 * same numbers in every JavaScript engine on every machine.
 */

/** mulberry32: a 32-bit state generator, small and well mixed. Returns numbers in [0, 1). */
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
