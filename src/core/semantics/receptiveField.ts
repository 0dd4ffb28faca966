/**
 * Receptive fields per spatial axis, after Araujo, Norris & Sim, "Computing
 * Receptive Fields of Convolutional Neural Networks" (Distill, 2019).
 *
 * For each axis: `size` is how many input pixels one output pixel sees,
 * `jump` the distance in input pixels between neighbouring outputs (the
 * effective stride), and `start` the centre of the first output pixel's
 * window, in input pixel indices (0 is the centre of the first input pixel;
 * it goes negative when padding moves the window off the image).
 *
 * These three numbers summarise a field that moves in equal steps. Where it
 * does not (transposed convolutions, upsampling, adaptive pooling to a size
 * that does not divide the input), `size` is the widest unit's field (whole
 * pixels) and `start` unit 0's place on the evenly spaced grid of centres; the
 * exact window of any unit comes from `unitWindow.ts`, which walks the graph
 * with each layer's own index rule.
 */
import type { ReceptiveField, ReceptiveFieldStep } from '../types';
import { axisSourceRange } from './indexRules';

/** The receptive field of an input tensor with `spatialRank` spatial axes, or null without any. */
export function inputReceptiveField(spatialRank: number): ReceptiveField | null {
  if (spatialRank < 1) return null;
  return { size: new Array(spatialRank).fill(1), jump: new Array(spatialRank).fill(1), start: new Array(spatialRank).fill(0) };
}

/** Applies one layer's step; null in gives null out. */
export function stepReceptiveField(field: ReceptiveField | null, step: ReceptiveFieldStep): ReceptiveField | null {
  if (!field || step.kind === 'drop' || step.kind === 'mixLast') return null;
  switch (step.kind) {
    case 'keep':
      return field;
    case 'window':
      return withGate(field, windowStep(field, step));
    case 'transpose':
    case 'upsample':
    case 'adaptive':
    case 'pixelShuffle': {
      // The units read unevenly many input pixels: the widest one gives the size, unit 0 the start.
      const spans = field.size.map((_, axis) => widestAndFirst(step, axis));
      return withGate(field, {
        size: field.size.map((r, i) => r + (spans[i].widest - 1) * field.jump[i]),
        jump: field.jump.map((j, i) => j * spans[i].ratio),
        start: field.start.map((s, i) => s + spans[i].firstCentre * field.jump[i]),
      });
    }
    case 'pad':
      return withGate(field, { size: field.size, jump: field.jump, start: field.start.map((s, i) => s - step.padLeft[i] * field.jump[i]) });
    case 'slice':
      return withGate(field, { size: field.size, jump: field.jump, start: field.start.map((s, i) => (i === step.axis ? s + step.start * field.jump[i] : s)) });
  }
}

/**
 * A sliding window's field, in loops: a megabyte of block calls steps a
 * hundred thousand fields. An axis list the step leaves as it was (stride 1;
 * a centred window) is shared, not copied, as fields are never changed in
 * place; it is allocated only at the first axis that changes.
 */
function windowStep(field: ReceptiveField, step: { kernel: number[]; stride: number[]; padLeft: number[] }): Omit<ReceptiveField, 'gate'> {
  const rank = field.size.length;
  const size: number[] = new Array(rank);
  let jump = field.jump;
  let start = field.start;
  for (let i = 0; i < rank; i++) {
    const j = field.jump[i];
    size[i] = field.size[i] + (step.kernel[i] - 1) * j;
    const nextJump = j * step.stride[i];
    if (jump === field.jump && !Object.is(nextJump, j)) jump = field.jump.slice();
    if (jump !== field.jump) jump[i] = nextJump;
    const s = field.start[i];
    const nextStart = s + ((step.kernel[i] - 1) / 2 - step.padLeft[i]) * j;
    if (start === field.start && !Object.is(nextStart, s)) start = field.start.slice();
    if (start !== field.start) start[i] = nextStart;
  }
  return { size, jump, start };
}

/** A stepped field, with the gate of the field it was stepped from (a function, not a closure made per step). */
function withGate(field: ReceptiveField, next: Omit<ReceptiveField, 'gate'>): ReceptiveField {
  return field.gate !== undefined ? { ...next, gate: field.gate } : next;
}

/**
 * For an uneven step on one axis: the most input pixels any output unit reads
 * (over one period of the pattern), the centre of unit 0's source range, and
 * the input-per-output ratio that scales the jump.
 */
function widestAndFirst(step: ReceptiveFieldStep, axis: number): { widest: number; firstCentre: number; ratio: number } {
  if (step.kind === 'transpose') {
    const stride = step.stride[axis];
    let widest = 1;
    // The pattern of taps repeats every `stride` outputs.
    for (let q = 0; q < stride; q++) {
      const range = axisSourceRange(step, axis, q, q, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false);
      if (range) widest = Math.max(widest, range[1] - range[0] + 1);
    }
    // Outputs 2i and 2i+1 of a stride-2 layer share a window; the summary places unit 0 on the evenly spaced
    // grid those windows average to, so a U-Net skip stays aligned with its decoder.
    return { widest, firstCentre: (step.padLeft[axis] - (step.kernel[axis] - 1) / 2) / stride, ratio: 1 / stride };
  }
  if (step.kind === 'pixelShuffle') return { widest: 1, firstCentre: 0, ratio: 1 / step.factor };
  if (step.kind === 'upsample' || step.kind === 'adaptive') {
    const inSize = step.inSizes[axis];
    const outSize = step.outSizes[axis];
    let widest = 1;
    // Sizes are at most a few thousand, and this runs once per layer.
    const checked = Math.min(outSize, 4096);
    for (let q = 0; q < checked; q++) {
      const range = axisSourceRange(step, axis, q, q, inSize, outSize, true);
      if (range) widest = Math.max(widest, range[1] - range[0] + 1);
    }
    const first = axisSourceRange(step, axis, 0, 0, inSize, outSize, true);
    // Adaptive cells start at 0; interpolation's unit 0 sits at (0.5·ratio - 0.5) on the even grid, as for transposed convolutions.
    const firstCentre = step.kind === 'adaptive' ? (first ? (first[0] + first[1]) / 2 : 0) : 0.5 * step.ratio[axis] - 0.5;
    return { widest, firstCentre, ratio: inSize / outSize };
  }
  return { widest: 1, firstCentre: 0, ratio: 1 };
}

/**
 * Where paths merge, a unit sees what every path sees: the union of their
 * windows per axis (the smallest window holding all of them), as unit 0's
 * window. Returns that field and whether the paths disagree on jump or
 * centre (a `misaligned` merge); the jump is the widest path's.
 */
export function mergeReceptiveFields(fields: (ReceptiveField | null)[]): { field: ReceptiveField | null; misaligned: boolean } {
  // Plain loops, without a copy of the list: a merge may join a thousand paths, and a file thousands of merges.
  if (fields.length === 0) return { field: null, misaligned: false };
  for (const field of fields) if (field === null) return { field: null, misaligned: false };
  const known = fields as ReceptiveField[];
  let widest = known[0];
  let widestSum = sum(widest.size);
  for (const field of known) {
    if (field === widest) continue;
    const fieldSum = sum(field.size);
    if (fieldSum > widestSum) {
      widest = field;
      widestSum = fieldSum;
    }
  }
  const rank = widest.size.length;
  let misaligned = false;
  let sameRank = true;
  for (const field of known) {
    if (field === widest) continue;
    if (field.size.length !== rank) {
      misaligned = true;
      sameRank = false;
      continue;
    }
    for (let i = 0; i < rank && !misaligned; i++) misaligned = Math.abs(field.jump[i] - widest.jump[i]) > 1e-9 || Math.abs(field.start[i] - widest.start[i]) > 1e-9;
  }
  if (!sameRank) return { field: widest, misaligned };
  // Most merges (an `add` of a label and the tensor it labels) join fields equal to the widest: share it instead of
  // allocating a copy per merge, which a megabyte of `add(x)` turns into tens of megabytes the collector keeps moving.
  if (mergesToWidest(known, widest, rank)) return { field: widest, misaligned };
  const size: number[] = [];
  const start: number[] = [];
  for (let i = 0; i < rank; i++) {
    const { low, high } = mergedExtent(known, i);
    size.push(high - low + 1);
    start.push((low + high) / 2);
  }
  const field: ReceptiveField = { size, jump: widest.jump, start };
  for (const path of known) {
    if (path.gate !== undefined) {
      field.gate = path.gate;
      break;
    }
  }
  return { field, misaligned };
}

/** Whether the merge of `known` computes exactly `widest`: the same size, start and gate, value for value. */
function mergesToWidest(known: ReceptiveField[], widest: ReceptiveField, rank: number): boolean {
  for (let i = 0; i < rank; i++) {
    const { low, high } = mergedExtent(known, i);
    if (!Object.is(high - low + 1, widest.size[i]) || !Object.is((low + high) / 2, widest.start[i])) return false;
  }
  const gated = known.find((path) => path.gate !== undefined);
  return gated ? widest.gate === gated.gate : !('gate' in widest);
}

/** The merged field's extent on axis `i`: the lowest and highest input position that any of the paths reads. */
function mergedExtent(known: ReceptiveField[], i: number): { low: number; high: number } {
  let low = Infinity;
  let high = -Infinity;
  for (const field of known) {
    low = Math.min(low, field.start[i] - (field.size[i] - 1) / 2);
    high = Math.max(high, field.start[i] + (field.size[i] - 1) / 2);
  }
  return { low, high };
}

function sum(values: number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

/** `7x7` for a 2-D field's size. */
export function formatReceptiveSize(field: ReceptiveField): string {
  return field.size.map(formatNumber).join('x');
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}
