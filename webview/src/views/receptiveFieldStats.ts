/**
 * The numbers of the effective receptive field (Luo, Li, Urtasun and Zemel,
 * "Understanding the Effective Receptive Field in Deep Convolutional Neural
 * Networks", 2016), from one unit's input gradient. Pure, so every rule is
 * tested without a browser.
 *
 * Definitions, as the panel states them:
 * - the gradient mass of an input position is the sum over input channels of
 *   |∂unit/∂input|;
 * - the share of the theoretical field that holds p of the mass is the
 *   smallest set of positions (any shape, not a square: the heaviest first)
 *   whose mass reaches p of the total, divided by the positions in the
 *   visible theoretical field (the window clipped to the image).
 */

/** How much of the theoretical field holds one level of the gradient mass. */
export interface MassLevel {
  /** The level, 0.5 or 0.95. */
  level: number;
  /** Positions in the smallest set that holds `level` of the mass (heaviest first). */
  positions: number;
  /** `positions` over the positions of the visible theoretical field. */
  share: number;
}

/** The effective field of one unit in numbers. */
export interface MassShares {
  /** The sum of every position's mass. */
  total: number;
  /** The mass outside the visible theoretical field (zero, unless something disagrees with the theory). */
  outside: number;
  /** Positions in the visible theoretical field. */
  fieldPositions: number;
  levels: MassLevel[];
}

/** The mass per spatial position: the sum over channels of |gradient|; `shape` is channels first. */
export function gradientMass(gradient: Float32Array, shape: number[]): Float64Array {
  const [channels, ...sizes] = shape;
  const positions = sizes.reduce((a, b) => a * b, 1);
  const mass = new Float64Array(positions);
  for (let c = 0; c < channels; c++) {
    const offset = c * positions;
    for (let p = 0; p < positions; p++) mass[p] += Math.abs(gradient[offset + p]);
  }
  return mass;
}

/** True when the position with flat index `p` (row-major over `sizes`) lies inside every range of `box`. */
function inside(p: number, sizes: number[], box: [number, number][]): boolean {
  let rest = p;
  for (let axis = sizes.length - 1; axis >= 0; axis--) {
    const index = rest % sizes[axis];
    rest = Math.floor(rest / sizes[axis]);
    if (index < box[axis][0] || index > box[axis][1]) return false;
  }
  return true;
}

/**
 * The shares of the visible theoretical field `visible` (inclusive ranges per
 * axis) that hold each level of the mass. A set reaches a level when its mass
 * is at least level·total (within a relative 1e-12, for rounding).
 */
export function massShares(mass: Float64Array, sizes: number[], visible: [number, number][], levels: number[] = [0.5, 0.95]): MassShares {
  let total = 0;
  let outside = 0;
  for (let p = 0; p < mass.length; p++) {
    total += mass[p];
    if (mass[p] > 0 && !inside(p, sizes, visible)) outside += mass[p];
  }
  const fieldPositions = visible.reduce((n, [lo, hi]) => n * (hi - lo + 1), 1);
  const heaviest = Array.from(mass)
    .filter((m) => m > 0)
    .sort((a, b) => b - a);
  const reached = levels.map((level) => {
    if (total === 0) return { level, positions: 0, share: 0 };
    let sum = 0;
    let count = 0;
    while (count < heaviest.length && sum < level * total * (1 - 1e-12)) sum += heaviest[count++];
    return { level, positions: count, share: count / fieldPositions };
  });
  return { total, outside, fieldPositions, levels: reached };
}
