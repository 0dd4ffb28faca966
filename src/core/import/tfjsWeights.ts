/**
 * The weights of a tfjs-layers `model.json`: its `weightsManifest` lists,
 * group by group, the shard files and the variables laid end to end in
 * them (`conv2d_1/kernel`, `batch_normalization/moving_mean`, ...), in the
 * order of the model's weights, which for every layer is the order Keras
 * builds its variables. Read here into the same per-layer lists a `.keras`
 * archive gives, so `attachKerasWeights` joins them to the layers. Pure:
 * the caller reads the shard files.
 */
import type { KerasVariable, KerasWeights } from './kerasWeights';

/** One variable of the manifest. */
interface ManifestEntry {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: unknown;
}

/** The variables by layer (the name before the variable's own), and each Keras layer name's key in that map. */
export type TfjsWeightsResult = { ok: true; weights: KerasWeights; paths: Map<string, string> } | { ok: false; message: string };

/** Whether the model.json names weight shards (a file from `model.save`, not a bare topology). */
export function hasWeightsManifest(json: unknown): boolean {
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  return Array.isArray(manifest) && manifest.length > 0;
}

/** Reads every variable of a model.json's manifest from its shards; `readShard` gives a shard's bytes by the path the manifest names, or undefined when it is missing. */
export function tfjsManifestWeights(json: unknown, readShard: (path: string) => Uint8Array | undefined): TfjsWeightsResult {
  const manifest = (json as { weightsManifest?: { paths?: unknown; weights?: unknown }[] }).weightsManifest ?? [];
  const weights = new Map<string, KerasVariable[]>();
  const paths = new Map<string, string>();
  for (const group of manifest) {
    const shardPaths = Array.isArray(group.paths) ? (group.paths as unknown[]).map(String) : [];
    const entries = (Array.isArray(group.weights) ? group.weights : []) as ManifestEntry[];
    const shards: Uint8Array[] = [];
    for (const path of shardPaths) {
      const bytes = readShard(path);
      if (!bytes) return { ok: false, message: `the weights shard ${path} that model.json names is missing (it must sit beside model.json).` };
      shards.push(bytes);
    }
    // A group's variables run on across its shards, so they are read from the shards joined.
    const total = shards.reduce((sum, shard) => sum + shard.length, 0);
    const data = new Uint8Array(total);
    shards.reduce((offset, shard) => (data.set(shard, offset), offset + shard.length), 0);
    let offset = 0;
    for (const entry of entries) {
      if (entry.quantization !== undefined || (entry.dtype ?? 'float32') !== 'float32') {
        return {
          ok: false,
          message: `variable ${entry.name} is stored as ${entry.quantization !== undefined ? 'quantized values' : entry.dtype}; only float32 weights can be imported (save the model without quantization).`,
        };
      }
      const shape = (entry.shape ?? []).map(Number);
      const count = shape.reduce((a, b) => a * b, 1);
      const start = offset;
      offset += count * 4;
      if (offset > total) return { ok: false, message: `the weights shards end at byte ${total}, before variable ${entry.name} (${count} float32 values at byte ${start}); a shard is truncated.` };
      const slash = entry.name.lastIndexOf('/');
      const layer = slash < 0 ? entry.name : entry.name.slice(0, slash);
      // The layer's own name is the part before the variable's; a scope in front of it (a nested model's name) is kept in the key.
      paths.set(layer.slice(layer.lastIndexOf('/') + 1), layer);
      const variables = weights.get(layer) ?? [];
      variables.push({ shape, read: () => new Float32Array(data.buffer.slice(start, start + count * 4)) });
      weights.set(layer, variables);
    }
  }
  return { ok: true, weights, paths };
}
