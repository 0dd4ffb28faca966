/** Plain typed-array helpers shared by the core's weight conversions and the preview's engine. Pure. */

/** Permutes the axes of a row-major array: output axis i is input axis perm[i] (as numpy.transpose). */
export function permute(data: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    inStrides[i] = stride;
    stride *= shape[i];
  }
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  const step = perm.map((p) => inStrides[p]);
  let source = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = data[source];
    // Odometer over the output index, moving the source offset along.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]++;
      source += step[axis];
      if (index[axis] < outShape[axis]) break;
      source -= step[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return { data: out, shape: outShape };
}

/** IEEE half precision to float (ONNX's FLOAT16 initializers, safetensors' F16 tensors). */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
