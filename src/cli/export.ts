/**
 * `cnn export --to pytorch|onnx|keras FILE`: writes the network as PyTorch
 * source, an ONNX model or a tfjs-layers Keras model, with the preview's
 * seeded weights or those of `--weights FILE`. Files are written whole or
 * not at all: each goes to a temporary name beside its target and is renamed
 * into place only when every file of the export has been written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { exportSource, isExportFailure, type ExportFailure, type ExportSource, type ExportWeights } from '../core/export/network';
import { writeKeras } from '../core/export/keras';
import { writeOnnx } from '../core/export/onnx';
import { writePytorch } from '../core/export/pytorch';
import { encodeOnnxModel } from '../core/onnx/schema';
import { encodeSafetensors, type NamedTensor } from '../core/safetensors';
import { heInitialization } from '../../webview/src/engine/weights';
import { weightsFromSafetensors } from '../../webview/src/engine/safetensors';
import { weightsFromTfjsLayers } from '../../webview/src/engine/tfjsLayers';
import { paramLayers } from '../../webview/src/engine/params';

/** The export targets the command knows. */
export const exportTargets = ['pytorch', 'onnx', 'keras'] as const;
export type ExportTarget = (typeof exportTargets)[number];

/** Options of `cnn export`, as commander hands them over. */
export interface ExportOptions {
  to: string;
  network?: string;
  output?: string;
  weightsOut?: string;
  weights?: string;
}

/** A failure of usage or I/O (exit 2); the message is for the user. */
export class ExportUsageError extends Error {}

/** A failure in the file or the network (exit 1): an error diagnostic, or an op the target cannot express. */
export class ExportNetworkError extends Error {}

/** One file an export writes. */
interface OutputFile {
  path: string;
  bytes: Uint8Array | string;
}

/** Runs the export; returns what to print on standard output (the code when no -o is given) and the files written. */
export function runExport(file: string, text: string, options: ExportOptions): { printed: string; written: string[] } {
  if (!(exportTargets as readonly string[]).includes(options.to)) throw new ExportUsageError(`--to must be one of ${exportTargets.join(', ')}, not '${options.to}'`);
  const target = options.to as ExportTarget;
  if (target !== 'pytorch' && !options.output) throw new ExportUsageError(`--to ${target} writes files: give -o ${target === 'onnx' ? 'OUT.onnx' : 'DIR'}`);
  const source = exportSource(text, options.network);
  if (isExportFailure(source)) throw new ExportNetworkError(located(file, source));
  const weights = loadWeights(source, options.weights);
  const pytorch = writePytorch(source);
  const files: OutputFile[] = [];
  let printed = '';
  switch (target) {
    case 'pytorch':
      if (isExportFailure(pytorch)) throw new ExportNetworkError(located(file, pytorch));
      if (options.output) files.push({ path: options.output, bytes: pytorch.code });
      else printed = pytorch.code;
      break;
    case 'onnx': {
      const model = writeOnnx(source, weights, isExportFailure(pytorch) ? undefined : pytorch.modulePaths);
      if (isExportFailure(model)) throw new ExportNetworkError(located(file, model));
      files.push({ path: options.output!, bytes: encodeOnnxModel(model) });
      break;
    }
    case 'keras': {
      const model = writeKeras(source, weights);
      if (isExportFailure(model)) throw new ExportNetworkError(located(file, model));
      const directory = options.output!;
      if (existsSync(directory) && !isDirectory(directory))
        throw new ExportUsageError(`cannot write ${directory}: --to keras writes a directory (model.json and ${model.shardName}), and this is a file`);
      files.push({ path: join(directory, 'model.json'), bytes: JSON.stringify(model.modelJson) }, { path: join(directory, model.shardName), bytes: model.shard });
      break;
    }
  }
  if (options.weightsOut) {
    if (isExportFailure(pytorch)) throw new ExportNetworkError(located(file, pytorch));
    files.push({ path: options.weightsOut, bytes: encodeSafetensors(stateDict(source, weights, pytorch.modulePaths)) });
  }
  const directory = target === 'keras' ? options.output! : undefined;
  const created = directory !== undefined && !existsSync(directory);
  if (created) ensureDirectory(directory);
  try {
    writeAll(files);
  } catch (error) {
    // A directory made for this export goes again when the export fails.
    if (created) rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return { printed, written: files.map((f) => f.path) };
}

/** The weights as `state_dict()` entries of the exported module, in its registration order. */
export function stateDict(source: ExportSource, weights: ExportWeights, modulePaths: ReadonlyMap<number, string>): NamedTensor[] {
  const tensors: NamedTensor[] = [];
  for (const layer of paramLayers(source.graph)) {
    const prefix = modulePaths.get(layer.node.id);
    if (prefix === undefined) throw new Error(`no module path for graph node ${layer.node.id}`);
    const entry = weights.get(layer.node.id) ?? {};
    for (const spec of layer.specs) {
      const tensor = entry[spec.name];
      if (!tensor) throw new Error(`no weights for ${prefix}${spec.name}`);
      tensors.push({ name: `${prefix}${spec.name}`, shape: tensor.shape, data: tensor.data });
    }
  }
  return tensors;
}

function located(file: string, failure: ExportFailure): string {
  return failure.range ? `${file}:${failure.range.start.line + 1}:${failure.range.start.character + 1}: error: ${failure.failure}` : `${file}: error: ${failure.failure}`;
}

/** The seeded He initialisation of the preview (seed 1), or the weights of a safetensors file or tfjs model.json, as the panel loads them. */
export function loadWeights(source: ExportSource, path: string | undefined): ExportWeights {
  if (!path) return heInitialization(source.graph, 1);
  const bytes = readBytes(path);
  try {
    if (path.endsWith('.json')) {
      const model = JSON.parse(new TextDecoder().decode(bytes)) as { weightsManifest?: { paths: string[] }[] };
      const shards: Record<string, ArrayBuffer> = {};
      for (const group of model.weightsManifest ?? []) for (const shard of group.paths) shards[shard] = toArrayBuffer(readBytes(join(dirname(path), shard)));
      return weightsFromTfjsLayers(source.graph, model, shards, { source: source.text }).weights;
    }
    return weightsFromSafetensors(source.graph, toArrayBuffer(bytes), { source: source.text }).weights;
  } catch (error) {
    if (error instanceof ExportUsageError) throw error;
    throw new ExportUsageError(`cannot use the weights in ${path}: ${(error as Error).message}`);
  }
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ExportUsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/**
 * Writes every file to a temporary name beside it, then renames them all into
 * place; on any failure the temporary files are removed, so a failed export
 * leaves nothing behind (and an existing file is replaced only by a complete one).
 */
export function writeAll(files: OutputFile[]): void {
  const written: string[] = [];
  try {
    for (const file of files) {
      if (isDirectory(file.path)) throw new ExportUsageError(`cannot write ${file.path}: it is a directory`);
      const temporary = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.partial`);
      written.push(temporary);
      writeFileSync(temporary, file.bytes);
    }
    files.forEach((file, i) => renameSync(written[i], file.path));
  } catch (error) {
    for (const temporary of written) rmSync(temporary, { force: true });
    if (error instanceof ExportUsageError) throw error;
    const failed = error as NodeJS.ErrnoException;
    throw new ExportUsageError(
      `cannot write ${failed.path ? failed.path.replace(/\/\.([^/]*)\.\d+\.partial$/, '/$1') : 'the output'}: ${failed.code === 'ENOENT' ? 'no such directory' : failed.code === 'EACCES' ? 'permission denied' : failed.message}`,
    );
  }
}

/** Makes an output directory (for the Keras target) when it is missing. */
export function ensureDirectory(path: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new ExportUsageError(`cannot create the directory ${path}: ${(error as Error).message}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
