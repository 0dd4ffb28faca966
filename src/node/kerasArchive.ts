/**
 * A Keras `.keras` archive imported with its weights: Keras 3 writes a zip of
 * `config.json` (the model), `metadata.json` (the Keras version) and
 * `model.weights.h5` (the variables, HDF5). The HDF5 file is read with
 * jsfive, a maintained pure JavaScript reader; every variable a layer saved
 * under `layers/` is decoded here, before the core joins them to the
 * configuration, so a truncated or damaged weights file is reported before
 * anything is written. Used by `cnn import`, "Import Model…" and a file
 * dropped on the preview.
 */
import { Dataset, File, Group } from 'jsfive';
import { importKerasJson, type ImportOptions, type ImportResult, type KerasVariable } from '../core/import';
import { readZipEntry } from './zip';

/** Whether the caller needs the weights (`--weights-out`), takes them when the archive has them (the editor), or reads only the structure. */
export type KerasWeightsWanted = 'required' | 'if-present' | 'none';

/** The archive's weights file, as Keras 3 names it (keras/src/saving/saving_lib.py). */
const weightsFileName = 'model.weights.h5';

/** A thrown value as text: jsfive throws plain strings as well as errors. */
const reason = (thrown: unknown): string => (thrown instanceof Error ? thrown.message : String(thrown));

/** A dataset's element type as Float32 values, or why it cannot be. */
function floatValues(dataset: Dataset): Float32Array {
  const dtype = dataset.dtype;
  if (dataset.attrs?.dtype === 'bfloat16' || typeof dtype !== 'string' || !/^[<>]f[248]$/.test(dtype)) {
    const stated = dataset.attrs?.dtype === 'bfloat16' ? 'bfloat16' : typeof dtype === 'string' ? dtype : 'a compound or opaque type';
    throw new Error(`${dataset.name} holds ${stated} values; only float16, float32 and float64 weights are read`);
  }
  return Float32Array.from(dataset.value);
}

/**
 * Decodes a `model.weights.h5` file: each layer's variables by its path
 * (`layers/conv2d`), in the order of their numbers. Throws, saying where,
 * when the file is not HDF5, is truncated or holds something else than
 * floating-point variables.
 */
export function readKerasWeights(h5: Uint8Array): Map<string, KerasVariable[]> {
  const file = new File(h5.buffer.slice(h5.byteOffset, h5.byteOffset + h5.byteLength) as ArrayBuffer, weightsFileName);
  const weights = new Map<string, KerasVariable[]>();
  // Keras 2.13 and 2.14 wrote the same layout under another name; Keras 3 reads both (H5IOStore.get).
  const top = ['layers', '_layer_checkpoint_dependencies'].find((name) => file.keys.includes(name));
  if (!top) return weights;
  const layers = file.get(top);
  if (!(layers instanceof Group)) throw new Error(`/${top} is not a group`);
  for (const key of layers.keys) {
    const layer = layers.get(key);
    if (!(layer instanceof Group) || !layer.keys.includes('vars')) continue;
    const vars = layer.get('vars');
    if (!(vars instanceof Group)) throw new Error(`${layer.name}/vars is not a group`);
    const numbers = vars.keys.filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    const variables = numbers.map((n, index): KerasVariable => {
      if (Number(n) !== index) throw new Error(`${vars.name} has variables ${numbers.join(', ')}: variable ${index} is missing`);
      const dataset = vars.get(n);
      if (!(dataset instanceof Dataset)) throw new Error(`${vars.name}/${n} is not a dataset`);
      const values = floatValues(dataset);
      return { shape: [...dataset.shape], read: () => values };
    });
    weights.set(`layers/${key}`, variables);
  }
  return weights;
}

/** The Keras version that wrote the archive, from its metadata.json, when it says. */
function kerasVersion(archive: Uint8Array): string | undefined {
  try {
    const metadata = readZipEntry(archive, 'metadata.json');
    const version = metadata && (JSON.parse(new TextDecoder().decode(metadata)) as { keras_version?: unknown }).keras_version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    // The version only labels the output; an unreadable metadata.json loses nothing else.
    return undefined;
  }
}

/**
 * Imports a `.keras` archive from its bytes: its configuration always, its
 * weights as `wanted` says. A damaged archive, a missing or truncated
 * weights file the caller needs, or weights that do not fit the
 * configuration are `unreadable` failures with a message a user can act on.
 */
export function importKerasArchive(archive: Uint8Array, options: ImportOptions, wanted: KerasWeightsWanted): ImportResult {
  const unreadable = (message: string): ImportResult => ({ ok: false, kind: 'unreadable', message });
  const name = options.fileName.split(/[\\/]/).pop() ?? options.fileName;
  let config: Uint8Array | undefined;
  let h5: Uint8Array | undefined;
  try {
    config = readZipEntry(archive, 'config.json');
    if (config && wanted !== 'none') h5 = readZipEntry(archive, weightsFileName);
  } catch (error) {
    return unreadable(`${name} is not a readable .keras archive: ${reason(error)}.`);
  }
  if (!config) return unreadable(`${name} is a zip archive without config.json, so not a Keras .keras model.`);
  if (!h5 && wanted === 'required') {
    let npz = false;
    try {
      npz = readZipEntry(archive, 'model.weights.npz') !== undefined;
    } catch {
      // Already read once without an error: the archive is whole.
    }
    return unreadable(
      npz
        ? `${name} keeps its weights in model.weights.npz (saved with weights_format="npz"); only ${weightsFileName} is read. Save the model with Keras's default weights format.`
        : `${name} has no ${weightsFileName}, so it holds no weights to write; import it without --weights-out for its structure.`,
    );
  }
  let weights: Map<string, KerasVariable[]> | undefined;
  if (h5) {
    try {
      weights = readKerasWeights(h5);
    } catch (error) {
      return unreadable(`${weightsFileName} in ${name} is truncated or damaged (${reason(error)}); nothing was written.`);
    }
  }
  const version = kerasVersion(archive);
  return importKerasJson(new TextDecoder().decode(config), options, `Keras .keras archive${version ? ` written by Keras ${version}` : ''}`, weights);
}
