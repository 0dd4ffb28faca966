/**
 * The sliding-window geometry shared by convolution and pooling: PyTorch's
 * output-size formula `floor((in + 2p - d(k-1) - 1)/s + 1)` per spatial axis,
 * Keras's "same" padding, `ceil_mode`, and the checks around them.
 */
import type { Attributes, ReceptiveFieldStep } from '../types';
import { attributesOf, type WindowedOpName } from './attributes';
import type { OpContext, OpOutcome } from './types';

/** Resolved window settings, one entry per spatial axis. */
export interface WindowGeometry {
  kernel: number[];
  stride: number[];
  dilation: number[];
  padLeft: number[];
  padRight: number[];
  ceilMode: boolean;
}

/** The output size of one axis; may be zero or negative when the window does not fit. */
export function axisOutputSize(size: number, g: WindowGeometry, axis: number): number {
  const span = size + g.padLeft[axis] + g.padRight[axis] - g.dilation[axis] * (g.kernel[axis] - 1) - 1;
  if (!g.ceilMode) return Math.floor(span / g.stride[axis] + 1);
  let out = Math.ceil(span / g.stride[axis]) + 1;
  // PyTorch's rule: the last window must start inside the input or the left padding.
  if ((out - 1) * g.stride[axis] >= size + g.padLeft[axis]) out -= 1;
  return out;
}

/** The formula for one axis with the numbers filled in: `floor((28 + 2*0 - 1*(3-1) - 1)/1 + 1) = 26`. */
export function axisFormula(size: number, g: WindowGeometry, axis: number): string {
  const left = g.padLeft[axis];
  const right = g.padRight[axis];
  const padding = left === right ? `2*${left}` : `${left}+${right}`;
  const rounding = g.ceilMode ? 'ceil' : 'floor';
  return `${rounding}((${size} + ${padding} - ${g.dilation[axis]}*(${g.kernel[axis]}-1) - 1)/${g.stride[axis]} + 1) = ${axisOutputSize(size, g, axis)}`;
}

/**
 * Resolves `padding` (an int, a tuple, or "valid" / "same" / "full") into
 * left and right amounts. "same" follows Keras/TensorFlow: output
 * `ceil(in/stride)`, the odd pixel on the right.
 */
export function resolvePadding(context: OpContext, sizes: number[], kernel: number[], stride: number[], dilation: number[]): { left: number[]; right: number[] } | undefined {
  const value = context.value('padding');
  if (value?.kind === 'string') {
    const word = value.value;
    if (word === 'valid') return { left: sizes.map(() => 0), right: sizes.map(() => 0) };
    if (word === 'causal' && context.name.includes('conv')) {
      // TCN and WaveNet: all d(k-1) zeros in front, so no output sees a later position.
      return { left: kernel.map((k, i) => dilation[i] * (k - 1)), right: sizes.map(() => 0) };
    }
    if (word === 'full') {
      const full = kernel.map((k, i) => dilation[i] * (k - 1));
      return { left: full, right: full };
    }
    if (word === 'same') return samePadding(sizes, kernel, stride, dilation);
    const words = context.name.includes('conv') ? '"valid", "same", "full" or "causal"' : '"valid", "same" or "full"';
    context.report('bad-value', `padding "${word}" is not a padding mode here: use a number, a tuple, ${words}.`, 'padding');
    return undefined;
  }
  const amounts = context.spatial('padding', { min: 0 });
  return amounts ? { left: amounts, right: amounts } : undefined;
}

/**
 * Keras/TensorFlow's "same" padding for these input sizes: the output is
 * `ceil(in/stride)`, and an odd total puts the extra zero on the right.
 */
export function samePadding(sizes: number[], kernel: number[], stride: number[], dilation: number[]): { left: number[]; right: number[] } {
  const total = sizes.map((n, i) => Math.max((Math.ceil(n / stride[i]) - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 - n, 0));
  const left = total.map((t) => Math.floor(t / 2));
  return { left, right: total.map((t, i) => t - left[i]) };
}

/** Whether a layer's window pads differently before and after on some axis; false for a layer without a window. */
export function unevenPadding(node: { readonly attributes: Attributes }): boolean {
  const { padLeft, padRight } = attributesOf<WindowedOpName>(node);
  return Array.isArray(padLeft) && Array.isArray(padRight) && padLeft.join() !== padRight.join();
}

const axisWords: Record<number, string[]> = {
  1: ['samples'],
  2: ['rows', 'columns'],
  3: ['frames', 'rows', 'columns'],
};

/**
 * Computes the output sizes, reporting `nonpositive-size` (returns undefined)
 * and the `uneven-stride` warning when the floor leaves real input unread.
 */
export function windowOutput(context: OpContext, sizes: number[], g: WindowGeometry): { sizes: number[]; formula: string[] } | undefined {
  const out = sizes.map((n, i) => axisOutputSize(n, g, i));
  const formula = sizes.map((n, i) => axisFormula(n, g, i));
  const bad = out.findIndex((o) => o < 1);
  if (bad >= 0) {
    const n = sizes[bad];
    const reach = g.dilation[bad] * (g.kernel[bad] - 1) + 1;
    context.report(
      'nonpositive-size',
      `${context.name}: the ${reach}-pixel window does not fit in the ${n + g.padLeft[bad] + g.padRight[bad]}-pixel padded input on axis ${bad + 1}: ${formula[bad]}. Use a smaller kernel, more padding, or a larger input.`,
    );
    return undefined;
  }
  if (!g.ceilMode) {
    sizes.forEach((n, i) => {
      const reach = g.dilation[i] * (g.kernel[i] - 1) + 1;
      const unread = n - (out[i] - 1) * g.stride[i] - reach + g.padLeft[i];
      // With stride > kernel, skipped pixels between windows are by design; only the tail the floor cut off counts.
      const dropped = unread - Math.max(0, g.stride[i] - reach);
      if (dropped > 0) {
        const words = axisWords[sizes.length]?.[i] ?? `entries of axis ${i + 1}`;
        const fix = context.name.includes('pool') ? 'ceil_mode=true or padding' : 'padding';
        context.report(
          'uneven-stride',
          `${context.name}: stride ${g.stride[i]} does not divide evenly, so the last ${dropped} ${dropped === 1 ? words.replace(/s$/, '') : words} of ${n} ${dropped === 1 ? 'is' : 'are'} never read (${formula[i]}, floored). Use ${fix} to cover them, or resize the input.`,
          'stride',
        );
      }
    });
  }
  return { sizes: out, formula };
}

/**
 * For a failed assertion on a windowed op: the smallest padding (up to
 * `maxPadding`), else the smallest stride, that gives the asserted spatial sizes.
 */
export function suggestWindowChange(sizes: number[], g: WindowGeometry, maxPadding = Infinity): OpOutcome['suggest'] {
  return (asserted) => {
    const wanted = asserted.slice(1);
    if (wanted.length !== sizes.length) return undefined;
    const fits = (geometry: WindowGeometry) => {
      const got = sizes.map((n, i) => axisOutputSize(n, geometry, i));
      return wanted.every((w, i) => w === null || w === got[i]) ? got : undefined;
    };
    // Pools refuse padding above half the kernel (`maxPadding`), so a padding fix past it would only trade one error for another.
    const maxPad = Math.min(maxPadding, Math.max(...g.kernel.map((k, i) => g.dilation[i] * (k - 1))));
    for (let p = 0; p <= maxPad; p++) {
      const trial = { ...g, padLeft: sizes.map(() => p), padRight: sizes.map(() => p) };
      const got = fits(trial);
      if (got && !(g.padLeft.every((l) => l === p) && g.padRight.every((r) => r === p))) return { name: 'padding', value: String(p), gives: got };
    }
    for (let s = 1; s <= 8; s++) {
      const trial = { ...g, stride: sizes.map(() => s) };
      const got = fits(trial);
      if (got && !g.stride.every((x) => x === s)) return { name: 'stride', value: String(s), gives: got };
    }
    return undefined;
  };
}

/** The window settings as graph attributes: `kernel`, `stride`, `dilation`, `padLeft`, `padRight` per spatial axis. */
export function windowAttributes(g: WindowGeometry): { kernel: number[]; stride: number[]; dilation: number[]; padLeft: number[]; padRight: number[] } {
  return { kernel: g.kernel, stride: g.stride, dilation: g.dilation, padLeft: g.padLeft, padRight: g.padRight };
}

/** The receptive-field step of a sliding window: its span, stride, left padding and tap spacing. */
export function windowStep(g: WindowGeometry): ReceptiveFieldStep {
  return { kind: 'window', kernel: g.kernel.map((k, i) => g.dilation[i] * (k - 1) + 1), stride: g.stride, padLeft: g.padLeft, dilation: g.dilation };
}
