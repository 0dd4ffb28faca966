/**
 * The built-in samples: a pure list for the UI, and the pictures, signals or
 * clips behind each id. All are made in code for this project (MIT, like the
 * rest of it); none is a file.
 */
import type { Picture, PictureInRows } from './picture';
import { digitPicture } from './samples/digits';
import { checkerboardPicture, squarePicture, stripesPicture } from './samples/edges';
import { landscapeInRows, landscapePicture } from './samples/landscape';
import type { SignalId } from './signals';
import { vectorAsImage } from './shape';
import type { InputKind } from './types';
import type { VideoId } from './video';

/** One built-in sample as the UI lists it. */
export interface SampleInfo {
  id: string;
  label: string;
  /** The input kinds it can fill; image samples also fill video inputs as a still clip. */
  kinds: readonly InputKind[];
}

/** How each sample is made. */
/** A picture sample's maker; `inRows`, when given, makes the same picture a band of rows at a time (see `prepareSamplePicture`). */
type SampleSource = { type: 'picture'; make: () => Picture; inRows?: PictureInRows } | { type: 'signal'; signal: SignalId } | { type: 'video'; video: VideoId };

interface SampleEntry extends SampleInfo {
  source: SampleSource;
}

// A picture also fills a video input (a still clip) and a vector whose length is a square image's (see vectorAsImage).
const still: readonly InputKind[] = ['image', 'video', 'vector'];
const signal: readonly InputKind[] = ['signal1d', 'vector'];

const entries: readonly SampleEntry[] = [
  ...Array.from({ length: 10 }, (_, n): SampleEntry => ({ id: `digit-${n}`, label: `Digit ${n}`, kinds: still, source: { type: 'picture', make: () => digitPicture(n) } })),
  { id: 'landscape', label: 'Landscape (natural image)', kinds: still, source: { type: 'picture', make: landscapePicture, inRows: landscapeInRows } },
  { id: 'square', label: 'Edges: square', kinds: still, source: { type: 'picture', make: squarePicture } },
  { id: 'stripes', label: 'Edges: stripes at 0, 45, 90, 135 degrees', kinds: still, source: { type: 'picture', make: stripesPicture } },
  { id: 'checkerboard', label: 'Edges: checkerboard', kinds: still, source: { type: 'picture', make: checkerboardPicture } },
  { id: 'sine', label: 'Sine (whole cycles of about 32 samples)', kinds: signal, source: { type: 'signal', signal: 'sine' } },
  { id: 'chirp', label: 'Chirp (frequency rising to a quarter of the sample rate)', kinds: signal, source: { type: 'signal', signal: 'chirp' } },
  { id: 'square-wave', label: 'Square wave (one cycle per 32 samples)', kinds: signal, source: { type: 'signal', signal: 'square-wave' } },
  { id: 'impulse', label: 'Impulse (in the middle)', kinds: signal, source: { type: 'signal', signal: 'impulse' } },
  { id: 'noise', label: 'Noise (uniform, seeded)', kinds: signal, source: { type: 'signal', signal: 'noise' } },
  { id: 'moving-square', label: 'Moving square', kinds: ['video'], source: { type: 'video', video: 'moving-square' } },
  { id: 'bouncing-ball', label: 'Bouncing ball', kinds: ['video'], source: { type: 'video', video: 'bouncing-ball' } },
  { id: 'rotating-bar', label: 'Rotating bar', kinds: ['video'], source: { type: 'video', video: 'rotating-bar' } },
];

/** Every built-in sample, in the order the UI should list them. */
export const samples: readonly SampleInfo[] = entries.map(({ id, label, kinds }) => ({ id, label, kinds }));

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

/** How sample `id` is made, if there is one. */
export function sampleSource(id: string): SampleSource | undefined {
  return entries.find((e) => e.id === id)?.source;
}

/** The label of sample `id`, for messages. */
export function sampleLabel(id: string): string {
  return entries.find((e) => e.id === id)?.label ?? id;
}

const pictures = new Map<string, Picture>();

/**
 * The picture of an image sample, made once and kept: the samples are
 * deterministic, and the conversion never writes into its source.
 */
export function samplePicture(id: string, make: () => Picture): Picture {
  let picture = pictures.get(id);
  if (!picture) {
    picture = make();
    pictures.set(id, picture);
  }
  return picture;
}

/** In-flight slow paintings, so a preparation and a run that both ask share one. */
const painting = new Map<string, Promise<void>>();

/**
 * Makes and keeps the picture of image sample `id` ahead of `samplePicture`,
 * without holding the page's thread for long: a sample that can be painted
 * in rows (the landscape: hundreds of milliseconds whole on a busy machine)
 * is painted about `sliceMs` at a time, with `pause()` between the slices,
 * so the panel stays responsive while it prepares a run. Other samples are
 * quick and are made at once; a signal, a clip or an unknown id makes
 * nothing (makeInput says what is wrong).
 */
export function prepareSamplePicture(id: string, pause: () => Promise<void>, sliceMs = 8): Promise<void> {
  const source = sampleSource(id);
  if (pictures.has(id) || source?.type !== 'picture') return Promise.resolve();
  const inRows = source.inRows;
  if (!inRows) {
    samplePicture(id, source.make);
    return Promise.resolve();
  }
  let done = painting.get(id);
  if (!done) {
    done = (async () => {
      const picture = inRows.blank();
      let row = 0;
      while (row < picture.height) {
        const start = performance.now();
        while (row < picture.height && performance.now() - start < sliceMs) {
          inRows.paintRows(picture, row, row + 1);
          row++;
        }
        if (row < picture.height) await pause();
      }
      if (!pictures.has(id)) pictures.set(id, picture);
    })().finally(() => painting.delete(id));
    painting.set(id, done);
  }
  return done;
}
