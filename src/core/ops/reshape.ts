/** Ops that rearrange or resize without weights: flatten, reshape, pad, upsample. */
import { elementCount, formatShape, sameShape } from '../shape';
import { arg, type OpDefinition } from './types';
import type { OpAttributes } from './attributes';

const flatten: OpDefinition<OpAttributes['flatten']> = {
  names: ['flatten'],
  family: 'reshape',
  summary: 'Flattens every axis into one feature vector (CxHxW becomes C·H·W), as torch.nn.Flatten after the batch axis.',
  signature: { positional: [], keywords: [] },
  apply(context) {
    return { shape: [elementCount(context.input.shape)], receptiveField: { kind: 'drop' } };
  },
};

const reshape: OpDefinition<OpAttributes['reshape']> = {
  names: ['reshape'],
  family: 'reshape',
  summary: 'Reinterprets the tensor with another shape of the same element count; one entry of a tuple may be -1 (inferred).',
  signature: { positional: [{ name: 'shape', kind: 'shape', doc: 'The new shape, e.g. 16x25 or (16, -1).' }], keywords: [] },
  apply(context) {
    const value = context.value('shape');
    let dims: number[] | undefined;
    if (value?.kind === 'shape' && value.dims.every((d) => d !== null)) dims = value.dims as number[];
    else if (value?.kind === 'number') dims = [value.value];
    else if (value?.kind === 'tuple' && value.items.every((i) => i.kind === 'number')) dims = value.items.map((i) => (i.kind === 'number' ? i.value : 0));
    if (!dims || dims.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || dims.filter((d) => d === -1).length > 1) {
      context.report('bad-value', 'reshape needs a shape of positive whole numbers such as 16x25, or a tuple with at most one -1 such as (16, -1).', 'shape');
      return null;
    }
    const total = elementCount(context.input.shape);
    const known = elementCount(dims.filter((d) => d !== -1));
    if (dims.includes(-1)) {
      if (total % known !== 0) {
        context.report('bad-value', `reshape cannot infer -1: ${total} elements of ${formatShape(context.input.shape)} do not divide by ${known}.`, 'shape');
        return null;
      }
      dims = dims.map((d) => (d === -1 ? total / known : d));
    } else if (known !== total) {
      context.report('bad-value', `reshape to ${formatShape(dims)} needs ${known} elements, but the input ${formatShape(context.input.shape)} has ${total}.`, 'shape');
      return null;
    }
    const keepsSpatial = sameShape(dims.slice(1), context.input.shape.slice(1));
    return { shape: dims, receptiveField: { kind: keepsSpatial ? 'keep' : 'drop' }, attributes: { shape: dims } };
  },
};

const pad: OpDefinition<OpAttributes['pad']> = {
  names: ['pad'],
  family: 'reshape',
  summary: 'Zero-pads each spatial axis by `amount` on both sides.',
  signature: { positional: [arg.spatial('amount', 'Zeros added on each side: an int, or a tuple per spatial axis.')], keywords: [] },
  spatialRanks: [1, 2, 3],
  apply(context) {
    const amount = context.spatial('amount', { min: 0 });
    if (!amount) return null;
    return {
      shape: [context.input.shape[0], ...context.input.shape.slice(1).map((n, i) => n + 2 * amount[i])],
      receptiveField: { kind: 'pad', padLeft: amount },
      attributes: { amount },
    };
  },
};

const upsample: OpDefinition<OpAttributes['upsample']> = {
  names: ['upsample'],
  familiarNames: ['upsampling'],
  family: 'reshape',
  summary: 'Resizes the spatial axes by a scale factor, to a size, or to the size of a labelled tensor (nearest neighbour by default), as torch.nn.Upsample and F.interpolate(size=...).',
  signature: {
    positional: [{ name: 'scale', kind: 'scale', defaultText: 'none', doc: 'Factor per spatial axis: a number or a tuple. Give it, or size=, or like=.' }],
    keywords: [
      { name: 'size', kind: 'shape', defaultText: 'none', doc: 'The output size of the spatial axes, such as 28x28, as F.interpolate(size=...).' },
      { name: 'like', kind: 'label', defaultText: 'none', doc: "The spatial size of a labelled tensor: DeepLabV3's pooling branch goes back to the feature map's size at any input size." },
      arg.string('mode', 'Interpolation (align_corners=false).', ['nearest', 'linear', 'bilinear', 'bicubic', 'trilinear'], 'nearest'),
    ],
  },
  spatialRanks: [1, 2, 3],
  apply(context) {
    const count = context.spatialRank;
    const inSizes = context.input.shape.slice(1);
    const mode = context.string('mode');
    const given = ['scale', 'size', 'like'].filter((name) => context.has(name));
    if (given.length !== 1) {
      context.report(
        given.length ? 'bad-value' : 'missing-arg',
        `upsample takes exactly one of scale, size= and like=${given.length ? `, not ${given.join(' and ')}` : ''}: upsample(2), upsample(size=28x28) or upsample(like=skip).`,
      );
      return null;
    }
    if (mode === undefined) return null;
    let sizes: number[];
    let ratio: number[];
    const attributes: OpAttributes['upsample'] = { mode };
    if (given[0] === 'scale') {
      const value = context.value('scale');
      const raw =
        value?.kind === 'number'
          ? [value.value]
          : value?.kind === 'tuple'
            ? value.items.map((i) => (i.kind === 'number' ? i.value : NaN))
            : value?.kind === 'shape'
              ? value.dims.map((d) => d ?? NaN)
              : undefined;
      const scale = raw && (raw.length === 1 ? new Array(count).fill(raw[0]) : raw);
      if (!scale || scale.length !== count || scale.some((s) => !(s > 0))) {
        context.report('bad-value', `upsample needs a positive scale, or a tuple of ${count} of them.`, 'scale');
        return null;
      }
      sizes = inSizes.map((n, i) => Math.floor(n * scale[i]));
      // PyTorch finds source indices with 1/scale_factor when a scale is given.
      ratio = scale.map((s) => 1 / s);
      attributes.scale = scale;
    } else {
      let target: number[] | undefined;
      if (given[0] === 'size') {
        const value = context.value('size');
        const dims =
          value?.kind === 'shape' ? value.dims : value?.kind === 'number' ? [value.value] : value?.kind === 'tuple' ? value.items.map((i) => (i.kind === 'number' ? i.value : null)) : undefined;
        const whole = dims?.every((d): d is number => d !== null && Number.isInteger(d) && d >= 1) ? (dims as number[]) : undefined;
        target = whole && (whole.length === 1 ? new Array(count).fill(whole[0]) : whole);
        if (!target || target.length !== count) {
          context.report('bad-value', `upsample size= needs ${count} positive whole number${count === 1 ? '' : 's'}, such as ${new Array(count).fill(28).join('x')}.`, 'size');
          return null;
        }
      } else {
        const tensor = context.labelled('like');
        if (!tensor) return null; // An unknown label is reported where it is written; a failed one stays quiet.
        if (tensor.shape.length !== context.input.shape.length) {
          context.report('merge-mismatch', `upsample like= needs a tensor with ${count} spatial ${count === 1 ? 'axis' : 'axes'}, but that label is ${formatShape(tensor.shape)}.`, 'like');
          return null;
        }
        target = tensor.shape.slice(1);
      }
      sizes = target;
      ratio = target.map((n, i) => inSizes[i] / n);
      // The executor resizes to `size`, as F.interpolate(size=...).
      attributes.size = target;
    }
    return {
      shape: [context.input.shape[0], ...sizes],
      receptiveField: {
        kind: 'upsample',
        mode: mode === 'nearest' ? 'nearest' : mode === 'bicubic' ? 'cubic' : 'linear',
        inSizes,
        outSizes: sizes,
        ratio,
      },
      attributes,
    };
  },
};

export const reshapeOps: OpDefinition[] = [flatten, reshape, pad, upsample];
