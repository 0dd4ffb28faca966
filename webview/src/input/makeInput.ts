/**
 * Inputs from built-in samples. This file stays free of DOM APIs (decoding
 * files lives in imageInput.ts), so that the samples can be tested in Node.
 */
import { sampleLabel, samplePicture, samplesFor, sampleSource } from './catalog';
import { flattened, pictureCannotFill, picturesToTensor } from './convert';
import { inputKind, layoutOf, vectorAsImage } from './shape';
import { signalData } from './signals';
import type { InputOptions, InputResult } from './types';
import { videoFrames } from './video';

/**
 * The input of `shape` (channels first, batch excluded) made from built-in
 * sample `sampleId`. Image samples go through the same crop, resize and
 * channel conversion as a user's image; signals fill [C, L]; clips fill
 * [C, D, H, W]. Never throws: an unknown id, a bad shape or a sample of the
 * wrong kind gives `{ ok: false, error }`.
 */
export function makeInput(sampleId: string, shape: readonly number[], options: InputOptions = {}): InputResult {
  const check = inputKind(shape);
  if (!check.ok) return check;
  const source = sampleSource(sampleId);
  const choices = () =>
    samplesFor(check.kind)
      .map((s) => s.id)
      .join(', ');
  if (!source) return { ok: false, error: `There is no built-in sample "${sampleId}"; for [${shape.join(', ')}] pick one of ${choices()}.` };

  if (check.kind === 'vector') {
    // A vector is one signal channel, or a picture flattened channels first.
    if (source.type === 'signal') return { ok: true, data: signalData(source.signal, 1, shape[0], options.seed ?? 1), shape: [...shape] };
    if (source.type === 'video') return wrongKind(sampleId, shape, choices());
    const image = vectorAsImage(shape[0]);
    if (!image) return pictureCannotFill(shape);
    return flattened(picturesToTensor([samplePicture(sampleId, source.make)], image, options), shape, image);
  }
  if (source.type === 'signal') {
    if (check.kind !== 'signal1d') return wrongKind(sampleId, shape, choices());
    const [channels, length] = shape;
    const data = signalData(source.signal, channels, length, options.seed ?? 1);
    const note = options.normalize && options.normalize !== 'none' ? 'Signals are used as they are, in [-1, 1]; normalisation applies to images only.' : undefined;
    return { ok: true, data, shape: [...shape], note };
  }
  if (source.type === 'video') {
    if (check.kind !== 'video') return wrongKind(sampleId, shape, choices());
    const [, frames, height, width] = shape;
    return picturesToTensor(videoFrames(source.video, frames, width, height), shape, options);
  }
  if (check.kind === 'signal1d') return wrongKind(sampleId, shape, choices());
  return picturesToTensor([samplePicture(sampleId, source.make)], shape, options);
}

function wrongKind(sampleId: string, shape: readonly number[], choices: string): InputResult {
  const kind = inputKind(shape);
  const layout = kind.ok ? layoutOf[kind.kind] : '';
  return { ok: false, error: `"${sampleLabel(sampleId)}" cannot fill an input of ${layout} [${shape.join(', ')}]; pick one of ${choices}.` };
}
