/**
 * Loads trained weights from a safetensors file (PyTorch layout): an 8-byte
 * little-endian header length, a JSON header of `{name: {dtype, shape,
 * data_offsets}}`, then the raw data. Tensors are matched to the network's
 * layers in statement order by shape.
 */
import { type NetworkGraph, elementCount } from '../../../src/core';
import { decodeBfloat16, decodeFloat16, decodeFloat32, decodeFloat64 } from './arrays';
import { assemble, firstMismatch, pytorchExpectations, WeightLoadError, type Expectation, type FileTensor, type LoadedWeights } from './match';

const decoders: Record<string, ((bytes: Uint8Array) => Float32Array) | undefined> = {
  F32: decodeFloat32,
  F16: decodeFloat16,
  BF16: decodeBfloat16,
  F64: decodeFloat64,
};

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/**
 * The floating-point tensors of a safetensors file, in header order. Integer
 * tensors (PyTorch's `num_batches_tracked`) are bookkeeping, not weights, and
 * are left out. Throws WeightLoadError on a malformed file.
 */
export function parseSafetensors(buffer: ArrayBuffer): FileTensor[] {
  if (buffer.byteLength < 8) throw new WeightLoadError('this is not a safetensors file: it is shorter than the 8-byte header length.');
  const view = new DataView(buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > buffer.byteLength - 8) throw new WeightLoadError(`this is not a safetensors file: its header claims ${headerLength} bytes but the file has ${buffer.byteLength}.`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength))) as Record<string, unknown>;
  } catch (error) {
    throw new WeightLoadError(`this is not a safetensors file: its header is not JSON (${(error as Error).message}).`);
  }
  const dataStart = 8 + headerLength;
  const tensors: FileTensor[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = value as HeaderEntry;
    if (!entry || !Array.isArray(entry.shape) || !Array.isArray(entry.data_offsets)) throw new WeightLoadError(`safetensors entry '${name}' has no shape or data_offsets.`);
    const decode = decoders[entry.dtype];
    if (!decode) {
      if (/^(I|U|BOOL)/.test(entry.dtype)) continue;
      throw new WeightLoadError(`tensor '${name}' has dtype ${entry.dtype}; only F32, F16, BF16 and F64 can be loaded.`);
    }
    const [begin, end] = entry.data_offsets;
    const bytes = (end - begin) / elementCount(entry.shape);
    if (end > buffer.byteLength - dataStart || begin > end || (entry.shape.length && bytes !== { F32: 4, F16: 2, BF16: 2, F64: 8 }[entry.dtype])) {
      throw new WeightLoadError(`tensor '${name}' has data offsets ${begin}..${end} that do not fit its shape or the file.`);
    }
    tensors.push({ name, shape: entry.shape, read: () => decode(new Uint8Array(buffer, dataStart + begin, end - begin)) });
  }
  return tensors;
}

/** Splits `layer1.10.conv2` into text and numbers so that 2 sorts before 10. */
function naturalKey(name: string): (string | number)[] {
  return name.split(/(\d+)/).map((part, i) => (i % 2 ? Number(part) : part));
}

function naturalCompare(a: string, b: string): number {
  const x = naturalKey(a);
  const y = naturalKey(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    if (typeof x[i] === 'number' && typeof y[i] === 'number') return (x[i] as number) - (y[i] as number);
    return String(x[i]) < String(y[i]) ? -1 : 1;
  }
  return x.length - y.length;
}

/**
 * The Python safetensors writer sorts tensors by name, which puts `bn1` before
 * `conv1` and `fc` before `layer1`. When the file order does not fit, this
 * tries module by module: each layer, in graph order, takes the first module
 * (a name prefix such as `layer1.0.conv1`, in natural name order) whose
 * tensors are exactly the ones it needs, `PREFIX.weight` and so on, with the
 * right shapes and none taken yet. A separable layer's tensors
 * (`depthwise.weight`, `pointwise.weight`, `pointwise.bias`) sit one level
 * deeper, under their layer's module, and match the same way.
 */
function matchByModule(expected: Expectation[], tensors: FileTensor[]): FileTensor[] | undefined {
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const prefixes = new Set<string>();
  for (const tensor of tensors) {
    const parts = tensor.name.split('.');
    for (let n = 0; n < parts.length; n++) prefixes.add(parts.slice(0, n).join('.'));
  }
  const order = [...prefixes].sort(naturalCompare);
  const full = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);
  const used = new Set<string>();
  const matched: FileTensor[] = [];
  const byLayer = new Map<number, Expectation[]>();
  for (const want of expected) byLayer.set(want.layer.index, [...(byLayer.get(want.layer.index) ?? []), want]);
  for (const wants of byLayer.values()) {
    const fits = (prefix: string): FileTensor[] | undefined => {
      const members = tensors.filter((t) => !prefix || t.name.startsWith(`${prefix}.`));
      if (members.length !== wants.length || members.some((m) => used.has(m.name))) return undefined;
      const picked = wants.map((w) => byName.get(full(prefix, w.spec.name)));
      return picked.every((p, i) => p && p.shape.join('x') === wants[i].fileShape.join('x')) ? (picked as FileTensor[]) : undefined;
    };
    const prefix = order.find((p) => fits(p));
    if (prefix === undefined) return undefined;
    const picked = fits(prefix)!;
    for (const p of picked) used.add(p.name);
    matched.push(...picked);
  }
  return used.size === tensors.length ? matched : undefined;
}

/**
 * Reads a safetensors file into a weight set for `graph`. Tensors are matched
 * in file order by shape; when that fails, module by module in natural name
 * order (for files written by Python's sorted writer). Throws
 * WeightLoadError naming the first mismatch of the file order.
 */
export function weightsFromSafetensors(graph: NetworkGraph, buffer: ArrayBuffer, options: { source?: string } = {}): LoadedWeights {
  if (!graph.complete) throw new WeightLoadError('the network has errors, so its layers are not all known; fix them before loading weights.');
  const tensors = parseSafetensors(buffer);
  const expected = pytorchExpectations(graph);
  const problem = firstMismatch(expected, tensors, options.source);
  if (!problem) return { weights: assemble(expected, tensors), notes: [`matched ${tensors.length} tensors in file order`] };
  const byModule = matchByModule(expected, tensors);
  if (byModule) return { weights: assemble(expected, byModule), notes: [`matched ${tensors.length} tensors module by module in name order (the file order did not fit: ${problem})`] };
  throw new WeightLoadError(problem);
}
