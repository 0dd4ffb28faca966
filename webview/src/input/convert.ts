/**
 * The one conversion path from pictures to an input tensor, shared by
 * decoded files and built-in samples: composite over the background, crop
 * and resize, choose channels, scale values.
 */
import { channelPlane, channelSources, composite } from './channels';
import { channelStatistics } from './normalize';
import type { Picture } from './picture';
import { resizePicture } from './resize';
import { inputKind, layoutOf } from './shape';
import { joinNotes, type InputError, type InputOptions, type InputResult } from './types';

/** The message for an image (file or sample) meeting a 1-D input. */
export function imageCannotFill(shape: readonly number[]): InputError {
  return { ok: false, error: `An image cannot fill a 1-D input ${layoutOf.signal1d} like [${shape.join(', ')}]; pick a signal sample.` };
}

/** Why a picture cannot fill a vector of this length. */
export function pictureCannotFill(shape: readonly number[]): InputError {
  return {
    ok: false,
    error: `A picture fills a vector input only when its length is a square grey image's (784 = 28x28) or a square colour image's (3,072 = 3x32x32); ${shape[0].toLocaleString('en-US')} is neither, so pick a signal sample.`,
  };
}

/** A picture made at `image` ([C, H, W]) as the vector `shape`: the same numbers, channels first, with a note saying so. */
export function flattened(result: InputResult, shape: readonly number[], image: readonly number[]): InputResult {
  if (!result.ok) return result;
  return { ...result, shape: [...shape], note: joinNotes(result.note, `The picture is made at ${image.join('x')} and flattened to ${shape[0].toLocaleString('en-US')} values.`) };
}

/**
 * An input of `shape` from pictures: one picture for an image shape
 * [C, H, W]; for a video shape [C, D, H, W] either D pictures (the frames)
 * or one, which then fills every frame.
 */
export function picturesToTensor(pictures: readonly Picture[], shape: readonly number[], options: InputOptions = {}): InputResult {
  const check = inputKind(shape);
  if (!check.ok) return check;
  if (check.kind === 'signal1d') return imageCannotFill(shape);
  const [channels, ...rest] = shape;
  const frames = check.kind === 'video' ? rest[0] : 1;
  const [height, width] = rest.slice(-2);
  if (pictures.length !== 1 && pictures.length !== frames) return { ok: false, error: `Got ${pictures.length} frames for an input of ${frames}.` };

  const { sources, note: channelNote } = channelSources(channels);
  const statistics = channelStatistics(options.normalize ?? 'none', sources);
  if (!statistics.ok) return statistics;
  const { mean, std } = statistics;

  const frameSize = height * width;
  const data = new Float32Array(channels * frames * frameSize);
  const convert = (picture: Picture) => resizePicture(composite(picture, options.background ?? 'white'), width, height, options.fit ?? 'crop');
  const still = pictures.length === 1 ? convert(pictures[0]) : undefined;
  for (let d = 0; d < frames; d++) {
    const picture = still ?? convert(pictures[d]);
    for (let c = 0; c < channels; c++) {
      const plane = channelPlane(picture, sources[c]);
      const offset = (c * frames + d) * frameSize;
      const m = mean[c];
      const s = std[c];
      for (let k = 0; k < frameSize; k++) data[offset + k] = (Math.min(1, Math.max(0, plane[k])) - m) / s;
    }
  }
  const stillNote = check.kind === 'video' && pictures.length === 1 && frames > 1 ? `The image is repeated in all ${frames} frames (a still clip).` : undefined;
  return { ok: true, data, shape: [...shape], note: joinNotes(channelNote, statistics.note, stillNote) };
}
