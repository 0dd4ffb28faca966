/**
 * Import of models from other tools (ONNX, Keras) as `.cnn` text and weights.
 * `importModelFile` picks the reader from the bytes themselves.
 */
import { importOnnx, type ImportOptions, type ImportResult } from './importModel';

export { importOnnx, networkNameFor, type ImportOptions, type ImportResult, type ImportedModel, type ImportFailure, type ModelTensor } from './importModel';

/** Imports a model file of any supported format, told apart by its first bytes. */
export function importModelFile(bytes: Uint8Array, options: ImportOptions): ImportResult {
  if (bytes.length === 0) return { ok: false, kind: 'unreadable', message: `${options.fileName} is empty.` };
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return { ok: false, kind: 'unreadable', message: `${options.fileName} is a zip archive; Keras .keras import is not available yet.` };
  let first = 0;
  while (first < bytes.length && /\s/.test(String.fromCharCode(bytes[first]))) first++;
  if (bytes[first] === 0x7b) return { ok: false, kind: 'unreadable', message: `${options.fileName} is JSON; Keras model.json import is not available yet.` };
  return importOnnx(bytes, options);
}
