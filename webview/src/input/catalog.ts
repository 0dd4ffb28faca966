/**
 * How each built-in sample is made: the pictures, signals or clips behind
 * the ids that sampleList.ts lists. All are made in code for this project
 * (MIT, like the rest of it); none is a file.
 */
import type { Picture, PictureInRows } from './picture';
import { digitPicture } from './samples/digits';
import { checkerboardPicture, squarePicture, stripesPicture } from './samples/edges';
import { landscapeInRows, landscapePicture } from './samples/landscape';
import type { SignalId } from './signals';
import type { VideoId } from './video';

export { samples, samplesFor, defaultSampleFor, sampleLabel, type SampleInfo } from './sampleList';

/** How a sample is made. A picture sample's maker; `inRows`, when given, makes the same picture a band of rows at a time (see `prepareSamplePicture`). */
type SampleSource = { type: 'picture'; make: () => Picture; inRows?: PictureInRows } | { type: 'signal'; signal: SignalId } | { type: 'video'; video: VideoId };

/** The maker of each sample id of sampleList.ts. */
const sources: Readonly<Record<string, SampleSource>> = {
  ...Object.fromEntries(Array.from({ length: 10 }, (_, n) => [`digit-${n}`, { type: 'picture', make: () => digitPicture(n) } satisfies SampleSource])),
  landscape: { type: 'picture', make: landscapePicture, inRows: landscapeInRows },
  square: { type: 'picture', make: squarePicture },
  stripes: { type: 'picture', make: stripesPicture },
  checkerboard: { type: 'picture', make: checkerboardPicture },
  sine: { type: 'signal', signal: 'sine' },
  chirp: { type: 'signal', signal: 'chirp' },
  'square-wave': { type: 'signal', signal: 'square-wave' },
  impulse: { type: 'signal', signal: 'impulse' },
  noise: { type: 'signal', signal: 'noise' },
  'moving-square': { type: 'video', video: 'moving-square' },
  'bouncing-ball': { type: 'video', video: 'bouncing-ball' },
  'rotating-bar': { type: 'video', video: 'rotating-bar' },
};

/** How sample `id` is made, if there is one. */
export function sampleSource(id: string): SampleSource | undefined {
  return Object.hasOwn(sources, id) ? sources[id] : undefined;
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
