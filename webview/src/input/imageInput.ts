/**
 * Inputs from image files: the browser decodes them (decode.ts), so this is
 * the one input entry that needs the DOM.
 */
import { imageCannotFill, picturesToTensor } from './convert';
import { decodeImage } from './decode';
import { inputKind } from './shape';
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
  const decoded = await decodeImage(source, name);
  if (!decoded.ok) return decoded;
  return picturesToTensor([decoded.picture], shape, options);
}
