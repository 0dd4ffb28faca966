/**
 * The built-in samples as the panel's input menu lists them: ids, labels and
 * the input kinds each fills, without the code that paints them
 * (catalog.ts). The panel's first script fills the menu from this list; the
 * painters come with the run session, a chunk loaded after the first diagram.
 */
import { vectorAsImage } from './shape';
import type { InputKind } from './types';

/** One built-in sample as the UI lists it. */
export interface SampleInfo {
  id: string;
  label: string;
  /** The input kinds it can fill; image samples also fill video inputs as a still clip. */
  kinds: readonly InputKind[];
}

// A picture also fills a video input (a still clip) and a vector whose length is a square image's (see vectorAsImage).
const still: readonly InputKind[] = ['image', 'video', 'vector'];
const signal: readonly InputKind[] = ['signal1d', 'vector'];

/** Every built-in sample, in the order the UI should list them. */
export const samples: readonly SampleInfo[] = [
  ...Array.from({ length: 10 }, (_, n): SampleInfo => ({ id: `digit-${n}`, label: `Digit ${n}`, kinds: still })),
  { id: 'landscape', label: 'Landscape (natural image)', kinds: still },
  { id: 'square', label: 'Edges: square', kinds: still },
  { id: 'stripes', label: 'Edges: stripes at 0, 45, 90, 135 degrees', kinds: still },
  { id: 'checkerboard', label: 'Edges: checkerboard', kinds: still },
  { id: 'sine', label: 'Sine (whole cycles of about 32 samples)', kinds: signal },
  { id: 'chirp', label: 'Chirp (frequency rising to a quarter of the sample rate)', kinds: signal },
  { id: 'square-wave', label: 'Square wave (one cycle per 32 samples)', kinds: signal },
  { id: 'impulse', label: 'Impulse (in the middle)', kinds: signal },
  { id: 'noise', label: 'Noise (uniform, seeded)', kinds: signal },
  { id: 'moving-square', label: 'Moving square', kinds: ['video'] },
  { id: 'bouncing-ball', label: 'Bouncing ball', kinds: ['video'] },
  { id: 'rotating-bar', label: 'Rotating bar', kinds: ['video'] },
];

/** The samples that can fill an input of `kind`. */
export function samplesFor(kind: InputKind): SampleInfo[] {
  return samples.filter((s) => s.kinds.includes(kind));
}

/**
 * A sensible first sample for an input shape: a digit for small one-channel
 * images (MNIST-like), the landscape for other images, the sine for signals,
 * the moving square for clips.
 */
export function defaultSampleFor(shape: readonly number[]): string {
  if (shape.length === 1) return vectorAsImage(shape[0]) ? 'digit-3' : 'sine';
  if (shape.length === 2) return 'sine';
  if (shape.length === 4) return 'moving-square';
  return shape[0] === 1 && Math.max(shape[1] ?? 0, shape[2] ?? 0) <= 64 ? 'digit-3' : 'landscape';
}

/** The label of sample `id`, for messages. */
export function sampleLabel(id: string): string {
  return samples.find((s) => s.id === id)?.label ?? id;
}
