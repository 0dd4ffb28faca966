// Writes the safetensors format (https://huggingface.co/docs/safetensors): an
// 8-byte little-endian header length, a JSON header of `{name: {dtype, shape,
// data_offsets}}` padded with spaces to a multiple of 8 bytes, then the tensors'
// bytes. Export (`--weights-out`) and import write weights with it, and the
// preview's loader reads them back; pure, so it runs in the CLI and the panel.

/** One float tensor to write, in row-major order. */
export interface NamedTensor {
  /** The key, e.g. PyTorch's `state_dict()` name `layer1.0.conv1.weight`. */
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * The first bytes of a safetensors file holding tensors of these names and
 * shapes as F32, in the given order: the 8-byte length and the padded JSON
 * header. The tensors' bytes follow in that order. Lets a writer stream large
 * weights to a file instead of building the whole file in memory. Throws on a
 * duplicate name.
 */
export function safetensorsHeader(tensors: { name: string; shape: number[] }[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const tensor of tensors) {
    if (tensor.name in header) throw new Error(`safetensors: the name '${tensor.name}' appears twice`);
    const bytes = tensor.shape.reduce((product, size) => product * size, 1) * 4;
    header[tensor.name] = { dtype: 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // The format asks the data to start on an 8-byte boundary; spaces are valid JSON padding.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  return out;
}

/**
 * The bytes of a safetensors file holding `tensors` as F32, in the given order
 * (header and data alike, so readers that match by order see that order).
 * Throws on a duplicate name or a shape that does not match the data length.
 */
export function encodeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  for (const tensor of tensors) {
    const elements = tensor.shape.reduce((product, size) => product * size, 1);
    if (elements !== tensor.data.length) throw new Error(`safetensors: '${tensor.name}' has shape [${tensor.shape.join(', ')}] but ${tensor.data.length} values`);
  }
  const header = safetensorsHeader(tensors, metadata);
  const out = new Uint8Array(header.length + tensors.reduce((sum, t) => sum + t.data.byteLength, 0));
  out.set(header, 0);
  let at = header.length;
  for (const tensor of tensors) {
    // Float32Array is platform-endian; every platform Node and browsers run on is little-endian, as the format is.
    out.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), at);
    at += tensor.data.byteLength;
  }
  return out;
}
