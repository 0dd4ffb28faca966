/**
 * Shape arithmetic on small constant tensors, as exporters write it around
 * padding and reshaping (torch 1.13's `F.pad` reverses and transposes its pad
 * list with Slice, Transpose and Reshape). Row-major values with their dims.
 */

/** A small constant tensor. */
export interface ConstantTensor {
  dims: number[];
  values: number[];
}

function strides(dims: number[]): number[] {
  const out = dims.map(() => 1);
  for (let i = dims.length - 2; i >= 0; i--) out[i] = out[i + 1] * dims[i + 1];
  return out;
}

/** The elements at the given indices along each axis (every index list in order): the general gather behind Slice and Transpose. */
function pick(tensor: ConstantTensor, indices: number[][], order: number[] = tensor.dims.map((_, i) => i)): ConstantTensor {
  const inStrides = strides(tensor.dims);
  const dims = order.map((axis) => indices[axis].length);
  const values: number[] = [];
  const position = dims.map(() => 0);
  const total = dims.reduce((p, d) => p * d, 1);
  for (let n = 0; n < total; n++) {
    let flat = 0;
    order.forEach((axis, i) => (flat += indices[axis][position[i]] * inStrides[axis]));
    values.push(tensor.values[flat]);
    for (let i = dims.length - 1; i >= 0; i--) {
      if (++position[i] < dims[i]) break;
      position[i] = 0;
    }
  }
  return { dims, values };
}

/** The indices ONNX's Slice keeps on an axis of size `size`, negative steps and out-of-range bounds included. */
export function sliceIndices(size: number, start: number, end: number, step: number): number[] {
  const indices: number[] = [];
  if (step > 0) {
    const from = Math.min(Math.max(start < 0 ? start + size : start, 0), size);
    const to = Math.min(Math.max(end < 0 ? end + size : end, 0), size);
    for (let i = from; i < to; i += step) indices.push(i);
  } else if (step < 0) {
    const from = Math.min(Math.max(start < 0 ? start + size : start, 0), size - 1);
    const to = Math.min(Math.max(end < 0 ? end + size : end, -1), size - 1);
    for (let i = from; i > to; i += step) indices.push(i);
  }
  return indices;
}

/** ONNX's Slice on a constant. */
export function sliceConstant(tensor: ConstantTensor, starts: number[], ends: number[], axes?: number[], steps?: number[]): ConstantTensor {
  const rank = Math.max(tensor.dims.length, 1);
  const dims = tensor.dims.length ? tensor.dims : [tensor.values.length];
  const indices = dims.map((d) => Array.from({ length: d }, (_, i) => i));
  starts.forEach((start, i) => {
    const axis = ((axes?.[i] ?? i) + rank) % rank;
    indices[axis] = sliceIndices(dims[axis], start, ends[i], steps?.[i] ?? 1);
  });
  return pick({ dims, values: tensor.values }, indices);
}

/** ONNX's Transpose on a constant (the reversed axes when `perm` is absent). */
export function transposeConstant(tensor: ConstantTensor, perm?: number[]): ConstantTensor {
  const order = perm ?? tensor.dims.map((_, i) => tensor.dims.length - 1 - i);
  return pick(
    tensor,
    tensor.dims.map((d) => Array.from({ length: d }, (_, i) => i)),
    order,
  );
}

/** ONNX's Reshape target resolved against `dims`: 0 copies that axis (allowzero=0), -1 takes what is left. */
export function resolveShape(dims: number[], target: number[]): number[] {
  const total = dims.reduce((p, d) => p * d, 1);
  const copied = target.map((t, i) => (t === 0 ? dims[i] : t));
  const known = copied.filter((t) => t !== -1).reduce((p, d) => p * d, 1);
  return copied.map((t) => (t === -1 ? total / Math.max(known, 1) : t));
}
