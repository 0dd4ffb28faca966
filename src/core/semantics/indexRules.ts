/**
 * The index rule of each receptive-field step: which input positions a range
 * of output positions reads on one axis. `receptiveField.ts` reads it to size
 * the uneven steps, `unitWindow.ts` to walk one unit's window back through
 * the graph.
 */
import type { ReceptiveFieldStep } from '../types';

/**
 * The input range that output indices a..b read on one axis of one step, or
 * null when they read nothing. Sliding windows, padding and slices are
 * linear and not clipped; with `clip`, transposed convolutions keep only the
 * input rows that exist. Interpolation and adaptive pooling first clip the
 * output range to the output, since their index rules hold only there.
 */
export function axisSourceRange(step: ReceptiveFieldStep, axis: number, a: number, b: number, inSize: number, outSize: number, clip: boolean): [number, number] | null {
  switch (step.kind) {
    case 'window': {
      const lo = a * step.stride[axis] - step.padLeft[axis];
      return [lo, b * step.stride[axis] - step.padLeft[axis] + step.kernel[axis] - 1];
    }
    case 'transpose': {
      const s = step.stride[axis];
      const d = step.dilation?.[axis] ?? 1;
      const taps = (step.kernel[axis] - 1) / d + 1;
      let lo = Infinity;
      let hi = -Infinity;
      // Output q = i·s - p + t·d; the pattern repeats every s outputs, so the extremes lie within s of each end.
      const consider = (q: number) => {
        for (let t = 0; t < taps; t++) {
          const numerator = q + step.padLeft[axis] - t * d;
          if (mod(numerator, s) !== 0) continue;
          const i = numerator / s;
          if (clip && (i < 0 || i >= inSize)) continue;
          lo = Math.min(lo, i);
          hi = Math.max(hi, i);
        }
      };
      for (let q = a; q <= Math.min(b, a + s - 1); q++) consider(q);
      for (let q = Math.max(a + s, b - s + 1); q <= b; q++) consider(q);
      return lo <= hi ? [lo, hi] : null;
    }
    case 'upsample':
    case 'adaptive': {
      const first = Math.max(a, 0);
      const last = Math.min(b, outSize - 1);
      if (first > last) return null;
      if (step.kind === 'adaptive') return [Math.floor((first * inSize) / outSize), Math.ceil(((last + 1) * inSize) / outSize) - 1];
      return [interpolationSources(step, axis, first, inSize)[0], interpolationSources(step, axis, last, inSize)[1]];
    }
    case 'pad':
      return [a - step.padLeft[axis], b - step.padLeft[axis]];
    case 'slice':
      return axis === step.axis ? [a + step.start, b + step.start] : [a, b];
    case 'pixelShuffle':
      return [Math.floor(a / step.factor), Math.floor(b / step.factor)];
    case 'keep':
      return [a, b];
    case 'mixLast':
    case 'drop':
      return [0, inSize - 1];
  }
}

/** The first and last input index that output q of an interpolation reads (PyTorch's source indices, align_corners=false). */
function interpolationSources(step: Extract<ReceptiveFieldStep, { kind: 'upsample' }>, axis: number, q: number, inSize: number): [number, number] {
  const ratio = step.ratio[axis];
  if (step.mode === 'nearest') {
    const i = Math.min(Math.floor(q * ratio), inSize - 1);
    return [i, i];
  }
  const real = (q + 0.5) * ratio - 0.5;
  if (step.mode === 'cubic') {
    const base = Math.floor(real);
    return [clamp(base - 1, inSize), clamp(base + 2, inSize)];
  }
  const source = Math.max(real, 0);
  const i0 = Math.min(Math.floor(source), inSize - 1);
  // The second neighbour has weight source - i0; at zero it reads nothing.
  const i1 = source - i0 > 1e-12 && i0 < inSize - 1 ? i0 + 1 : i0;
  return [i0, i1];
}

function clamp(i: number, size: number): number {
  return Math.min(Math.max(i, 0), size - 1);
}

function mod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

/** The exact set of input positions (clipped) that the marked output positions read on one axis. */
export function axisSourceSet(step: ReceptiveFieldStep, axis: number, marks: Uint8Array, inSize: number): Uint8Array {
  const read = new Uint8Array(inSize);
  const outSize = marks.length;
  if (step.kind === 'window') {
    const d = step.dilation?.[axis] ?? 1;
    const taps = (step.kernel[axis] - 1) / d + 1;
    for (let q = 0; q < outSize; q++) {
      if (!marks[q]) continue;
      for (let t = 0; t < taps; t++) {
        const i = q * step.stride[axis] - step.padLeft[axis] + t * d;
        if (i >= 0 && i < inSize) read[i] = 1;
      }
    }
    return read;
  }
  if (step.kind === 'transpose') {
    // Dilated taps reach inputs with gaps between them, so they are marked one by one.
    const s = step.stride[axis];
    const d = step.dilation?.[axis] ?? 1;
    const taps = (step.kernel[axis] - 1) / d + 1;
    for (let q = 0; q < outSize; q++) {
      if (!marks[q]) continue;
      for (let t = 0; t < taps; t++) {
        const numerator = q + step.padLeft[axis] - t * d;
        if (mod(numerator, s) !== 0) continue;
        const i = numerator / s;
        if (i >= 0 && i < inSize) read[i] = 1;
      }
    }
    return read;
  }
  for (let q = 0; q < outSize; q++) {
    if (!marks[q]) continue;
    const range = axisSourceRange(step, axis, q, q, inSize, outSize, true);
    if (!range) continue;
    for (let i = Math.max(range[0], 0); i <= Math.min(range[1], inSize - 1); i++) read[i] = 1;
  }
  return read;
}
