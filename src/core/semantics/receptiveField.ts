/**
 * Receptive fields per spatial axis, after Araujo, Norris & Sim, "Computing
 * Receptive Fields of Convolutional Neural Networks" (Distill, 2019).
 *
 * For each axis: `size` is how many input pixels one output pixel sees,
 * `jump` the distance in input pixels between neighbouring outputs (the
 * effective stride), and `start` the centre of the first output pixel's
 * window, in input pixel indices (0 is the centre of the first input pixel;
 * it goes negative when padding moves the window off the image).
 */

/** Receptive field of one tensor, one entry per spatial axis. */
export interface ReceptiveField {
  size: number[];
  jump: number[];
  start: number[];
}

/** How one layer maps receptive fields. */
export type ReceptiveFieldStep =
  /** Sliding windows (conv, pooling): effective kernel d(k-1)+1, stride, left padding. */
  | { kind: 'window'; kernel: number[]; stride: number[]; padLeft: number[] }
  /** Transposed convolution: the jump is divided by the stride. */
  | { kind: 'transpose'; kernel: number[]; stride: number[]; padLeft: number[] }
  /** Upsampling by a scale; `reach` is how many input pixels interpolation reads (1 nearest, 2 linear). */
  | { kind: 'upsample'; scale: number[]; reach: number }
  /** Zero padding in front of each axis. */
  | { kind: 'pad'; padLeft: number[] }
  /** Element-wise and channel-only ops. */
  | { kind: 'keep' }
  /** The spatial axes are gone (flatten, global pooling, dense on spatial axes). */
  | { kind: 'drop' };

/** The receptive field of an input tensor with `spatialRank` spatial axes, or null without any. */
export function inputReceptiveField(spatialRank: number): ReceptiveField | null {
  if (spatialRank < 1) return null;
  return { size: new Array(spatialRank).fill(1), jump: new Array(spatialRank).fill(1), start: new Array(spatialRank).fill(0) };
}

/** Applies one layer's step; null in gives null out. */
export function stepReceptiveField(field: ReceptiveField | null, step: ReceptiveFieldStep): ReceptiveField | null {
  if (!field || step.kind === 'drop') return null;
  switch (step.kind) {
    case 'keep':
      return field;
    case 'window':
      return {
        size: field.size.map((r, i) => r + (step.kernel[i] - 1) * field.jump[i]),
        jump: field.jump.map((j, i) => j * step.stride[i]),
        start: field.start.map((s, i) => s + ((step.kernel[i] - 1) / 2 - step.padLeft[i]) * field.jump[i]),
      };
    case 'transpose':
      return {
        size: field.size.map((r, i) => r + ((step.kernel[i] - 1) / step.stride[i]) * field.jump[i]),
        jump: field.jump.map((j, i) => j / step.stride[i]),
        start: field.start.map((s, i) => s + ((step.padLeft[i] - (step.kernel[i] - 1) / 2) / step.stride[i]) * field.jump[i]),
      };
    case 'upsample':
      return {
        size: field.size.map((r, i) => r + (step.reach - 1) * field.jump[i]),
        jump: field.jump.map((j, i) => j / step.scale[i]),
        start: field.start.map((s, i) => s + (0.5 / step.scale[i] - 0.5) * field.jump[i]),
      };
    case 'pad':
      return { size: field.size, jump: field.jump, start: field.start.map((s, i) => s - step.padLeft[i] * field.jump[i]) };
  }
}

/**
 * Where paths merge, the output sees what the widest path sees. Returns that
 * field and whether the paths disagree on jump or centre (a `misaligned` merge).
 */
export function mergeReceptiveFields(fields: (ReceptiveField | null)[]): { field: ReceptiveField | null; misaligned: boolean } {
  const known = fields.filter((f): f is ReceptiveField => f !== null);
  if (known.length !== fields.length || known.length === 0) return { field: null, misaligned: false };
  let widest = known[0];
  for (const field of known) if (sum(field.size) > sum(widest.size)) widest = field;
  const misaligned = known.some(
    (field) =>
      field.size.length !== widest.size.length ||
      field.jump.some((j, i) => Math.abs(j - widest.jump[i]) > 1e-9) ||
      field.start.some((s, i) => Math.abs(s - widest.start[i]) > 1e-9),
  );
  return { field: widest, misaligned };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** `7x7` for a 2-D field's size. */
export function formatReceptiveSize(field: ReceptiveField): string {
  return field.size.map(formatNumber).join('x');
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}
