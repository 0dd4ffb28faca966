/** Plain typed-array helpers for weight files: 16-bit float decoding, and the core's axis permutation. Pure. */

import { halfToFloat } from '../../../src/core';

export { halfToFloat, permute } from '../../../src/core';

/** Decodes little-endian float16 values. */
export function decodeFloat16(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  return out;
}

/** Decodes little-endian bfloat16 values (the top half of a float32). */
export function decodeBfloat16(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 2);
  const word = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++) word[i] = view.getUint16(2 * i, true) << 16;
  return out;
}

/** Decodes little-endian float32 values into a fresh, aligned array. */
export function decodeFloat32(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/** Decodes little-endian float64 values to float32. */
export function decodeFloat64(bytes: Uint8Array): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.byteLength / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
  return out;
}
