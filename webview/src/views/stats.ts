/**
 * Statistics of an activation tensor for the views: range, mean and spread,
 * a histogram, zeros (what ReLU leaves behind) and the largest values. NaN
 * and the infinities are counted on their own and kept out of everything
 * else, so one bad value cannot hide the distribution of the rest. Pure.
 */

/** Summary statistics over the finite values of a tensor. */
export interface TensorStats {
  /** All values, finite or not. */
  count: number;
  finite: number;
  nan: number;
  positiveInfinity: number;
  negativeInfinity: number;
  /** Values exactly 0 (or -0). */
  zeros: number;
  /** The smallest finite value; NaN when there is none. */
  min: number;
  /** The largest finite value; NaN when there is none. */
  max: number;
  /** NaN when there is no finite value. */
  mean: number;
  /** Population standard deviation (divided by n, as numpy's default); NaN when there is no finite value. */
  std: number;
}

/** Statistics of `data[start..end)` (the whole array by default). */
export function tensorStats(data: ArrayLike<number>, start = 0, end = data.length): TensorStats {
  const stats: TensorStats = { count: end - start, finite: 0, nan: 0, positiveInfinity: 0, negativeInfinity: 0, zeros: 0, min: NaN, max: NaN, mean: NaN, std: NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let k = start; k < end; k++) {
    const v = data[k];
    if (Number.isNaN(v)) stats.nan++;
    else if (v === Infinity) stats.positiveInfinity++;
    else if (v === -Infinity) stats.negativeInfinity++;
    else {
      stats.finite++;
      if (v === 0) stats.zeros++;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
  }
  if (stats.finite === 0) return stats;
  const mean = sum / stats.finite;
  // A second pass around the mean: the one-pass E[x²] - E[x]² loses everything to cancellation when the spread is small next to the mean.
  let squares = 0;
  for (let k = start; k < end; k++) {
    const v = data[k];
    if (Number.isFinite(v)) squares += (v - mean) ** 2;
  }
  return { ...stats, min, max, mean, std: Math.sqrt(squares / stats.finite) };
}

/** Counts of finite values in equal-width bins, plus the values no bin holds. */
export interface Histogram {
  /** `counts.length + 1` bin edges; bin k holds [edges[k], edges[k + 1]), the last bin also its right edge. */
  edges: number[];
  counts: number[];
  /** NaN values, in no bin. */
  nan: number;
  /** Infinite values of either sign, in no bin. */
  infinite: number;
}

/**
 * A histogram of the finite values of `data` with `bins` bins over their
 * [min, max]. Constant data gets a single bin of zero width holding every
 * value, since equal-width bins over a range of zero width do not exist; data
 * with no finite value gets no bins at all.
 */
export function histogram(data: ArrayLike<number>, bins = 40): Histogram {
  const stats = tensorStats(data);
  const nonFinite = { nan: stats.nan, infinite: stats.positiveInfinity + stats.negativeInfinity };
  if (stats.finite === 0) return { edges: [], counts: [], ...nonFinite };
  const { min, max } = stats;
  if (min === max) return { edges: [min, max], counts: [stats.finite], ...nonFinite };
  const count = Math.max(1, Math.floor(bins));
  const width = (max - min) / count;
  const edges = Array.from({ length: count + 1 }, (_, k) => (k === count ? max : min + k * width));
  const counts = new Array<number>(count).fill(0);
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (!Number.isFinite(v)) continue;
    // The maximum lands exactly on the right edge; it belongs to the last bin, not a bin past the end.
    counts[Math.min(count - 1, Math.floor((v - min) / width))]++;
  }
  return { edges, counts, ...nonFinite };
}

/** One of the largest values of a tensor and where it is. */
export interface Ranked {
  index: number;
  value: number;
}

/**
 * The `k` largest values, largest first; equal values keep index order so the
 * result is stable. NaN is skipped (it is not larger or smaller than anything).
 */
export function topK(data: ArrayLike<number>, k: number): Ranked[] {
  const best: Ranked[] = [];
  if (k <= 0) return best;
  for (let index = 0; index < data.length; index++) {
    const value = data[index];
    if (Number.isNaN(value)) continue;
    if (best.length === k && value <= best[k - 1].value) continue;
    // Insert after every entry that is at least as large, so earlier indices win ties.
    let at = best.length;
    while (at > 0 && best[at - 1].value < value) at--;
    best.splice(at, 0, { index, value });
    if (best.length > k) best.pop();
  }
  return best;
}

/**
 * A value as the views print it: four significant digits, exponent notation
 * outside 1e-3..1e4, no trailing zeros ("0.5", "1200", "-1.25e-5", "1.234e+6").
 */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  // toPrecision itself switches to exponents at 1e4 with four digits; the small end is our choice.
  const text = magnitude >= 1e4 || magnitude < 1e-3 ? value.toExponential(3) : value.toPrecision(4);
  // Both pad the fraction with zeros ("0.5000", "2.000e+6"); those carry no information. Zeros before the point do.
  return text.replace(/(\.\d*?)0+(e|$)/, '$1$2').replace(/\.(e|$)/, '$1');
}
