/**
 * Import of models from other tools (ONNX, Keras) as `.cnn` text and weights.
 * `importModelFile` picks the reader from the bytes themselves. A `.keras`
 * archive is a zip file holding an HDF5 weights file: the caller, which has
 * zlib and the HDF5 reader (src/node/kerasArchive.ts), hands over its
 * `config.json` text and decoded weights to `importKerasJson`.
 */
import { finish, importOnnx, type ImportOptions, type ImportResult } from './importModel';
import { kerasToLayers, kerasWeightPaths } from './kerasGraph';
import { attachKerasWeights, type KerasWeights } from './kerasWeights';
import { hasWeightsManifest, tfjsManifestWeights } from './tfjsWeights';

export type { KerasVariable, KerasWeights } from './kerasWeights';
export { importOnnx, networkNameFor, type ImportOptions, type ImportResult, type ImportedModel, type ImportFailure, type ModelTensor } from './importModel';

/** Whether the bytes are a zip archive (a `.keras` file), whose `config.json` the caller must extract. */
export function isZipArchive(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Whether the bytes start an HDF5 file: a Keras 2 `.h5` model or a weights file on its own, not a model CNN Lens reads. */
export function isHdf5File(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);
}

/** Why an HDF5 file is not imported, and what to do instead. */
export function hdf5Message(fileName: string): string {
  return `${fileName} is an HDF5 file (a Keras 2 .h5 model, or a weights file on its own); CNN Lens reads Keras 3 .keras archives: load the model in Keras and save it with model.save('model.keras').`;
}

/**
 * Imports a Keras model from its JSON text (a model.json, or a .keras
 * archive's config.json). With `weights` (a .keras archive's decoded
 * model.weights.h5) the model's tensors carry those values; a weights file
 * that does not fit the configuration is an `unreadable` failure naming the
 * layer. A tfjs-layers model.json brings its shards' weights instead when
 * `options.readShard` reads them. Without either only the structure is read.
 */
export function importKerasJson(text: string, options: ImportOptions, origin = 'Keras JSON', weights?: KerasWeights): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, kind: 'unreadable', message: `${options.fileName} is not valid JSON (${(error as Error).message}); the file may be truncated.` };
  }
  const converted = kerasToLayers(json);
  if (!converted.ok && converted.problem.op === '(none)') return { ok: false, kind: 'unreadable', message: `${options.fileName} is not a Keras model: ${converted.problem.message}` };
  let weightPaths: ReadonlyMap<string, string> | undefined;
  if (!weights && options.readShard && hasWeightsManifest(json)) {
    // A tfjs-layers model.json with its shards: the weights come from them.
    const read = tfjsManifestWeights(json, options.readShard);
    if (!read.ok) return { ok: false, kind: 'unreadable', message: `${options.fileName}: ${read.message}` };
    weights = read.weights;
    weightPaths = read.paths;
  }
  if (weights && converted.ok) {
    const problem = attachKerasWeights(converted.graph, weightPaths ?? kerasWeightPaths(json), weights);
    if (problem) return { ok: false, kind: 'unreadable', message: `${options.fileName}: ${problem}` };
  }
  const generated = (json as { generatedBy?: string; keras_version?: string; modelTopology?: { keras_version?: string } }) ?? {};
  const by = generated.generatedBy ?? generated.keras_version ?? generated.modelTopology?.keras_version;
  const result = finish(converted, `${origin}${by ? `, written by ${by}` : ''}`, options);
  return result.ok ? { ok: true, model: { ...result.model, weightsAvailable: weights !== undefined } } : result;
}

/** Whether the bytes (or a file's first bytes) start a JSON object, as Keras and tfjs model files do; an ONNX file starts with a protobuf tag. */
export function looksLikeJson(bytes: Uint8Array): boolean {
  let first = 0;
  while (first < bytes.length && /\s/.test(String.fromCharCode(bytes[first]))) first++;
  return bytes[first] === 0x7b;
}

/** Imports a model file of any supported format, told apart by its first bytes. */
export function importModelFile(bytes: Uint8Array, options: ImportOptions): ImportResult {
  if (bytes.length === 0) return { ok: false, kind: 'unreadable', message: `${options.fileName} is empty.` };
  if (isZipArchive(bytes)) return { ok: false, kind: 'unreadable', message: `${options.fileName} is a zip archive; pass its config.json to importKerasJson.` };
  if (looksLikeJson(bytes)) return importKerasJson(new TextDecoder().decode(bytes), options);
  if (isHdf5File(bytes)) return { ok: false, kind: 'unreadable', message: hdf5Message(options.fileName) };
  return importOnnx(bytes, options);
}
