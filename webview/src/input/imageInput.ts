/**
 * Inputs from image files: the browser decodes them (decode.ts), so this is
 * the one input entry that needs the DOM.
 */
import { flattened, imageCannotFill, pictureCannotFill, picturesToTensor } from './convert';
import { decodeImage } from './decode';
import { inputKind, vectorAsImage } from './shape';
import type { InputOptions, InputResult } from './types';

/**
 * The input of `shape` made from an image file's bytes (posted by the
 * extension host) or a dropped File. `name` names the file in messages.
 * Undecodable data gives `{ ok: false, error }` in words for the user.
 */
export async function makeImageInput(source: Uint8Array | ArrayBuffer | Blob, shape: readonly number[], options: InputOptions = {}, name?: string): Promise<InputResult> {
  const check = inputKind(shape);
  if (!check.ok) return check;
  // Checked before decoding, so that a wrong shape costs no decode.
  if (check.kind === 'signal1d') return imageCannotFill(shape);
  const image = check.kind === 'vector' ? vectorAsImage(shape[0]) : shape;
  if (!image) return pictureCannotFill(shape);
  const decoded = await decodeImage(source, name);
  if (!decoded.ok) return decoded;
  const tensor = picturesToTensor([decoded.picture], image, options);
  return check.kind === 'vector' ? flattened(tensor, shape, image) : tensor;
}
