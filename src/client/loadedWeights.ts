/**
 * The preview's loaded weights, handed to an export: the panel sends the file
 * it runs (a safetensors file, or a tfjs model.json with its shards) and the
 * language server's export reads weights from a path, so the file goes into
 * a fresh temporary folder for the length of the export. Node only (no
 * vscode), so it is tested as it runs.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { shardPathProblem, type LoadedWeightsFile } from '../protocol/preview';

/** A weight file written for an export: the path to pass as `weights`, and how to remove it afterwards. */
export interface WrittenWeights {
  path: string;
  remove(): void;
}

/**
 * Writes `weights` (and a model.json's shards beside it, by their manifest
 * names) into a new folder under `parent`. The names were checked at the
 * boundary; they are checked again here because this writes files.
 */
export function writeLoadedWeights(weights: LoadedWeightsFile, parent = tmpdir()): WrittenWeights {
  for (const name of [weights.name, ...(weights.extraFiles ?? []).map((f) => f.name)]) {
    const problem = shardPathProblem(name);
    if (problem) throw new Error(`the weight file name ${JSON.stringify(name)} is refused because ${problem}`);
  }
  const folder = mkdtempSync(join(parent, 'cnn-lens-weights-'));
  const remove = () => rmSync(folder, { recursive: true, force: true });
  try {
    const path = join(folder, weights.name);
    writeFileSync(path, weights.bytes);
    for (const shard of weights.extraFiles ?? []) {
      const shardPath = join(folder, shard.name);
      mkdirSync(dirname(shardPath), { recursive: true });
      writeFileSync(shardPath, shard.bytes);
    }
    return { path, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
