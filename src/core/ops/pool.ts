/** Pooling: windowed max/average, global and adaptive. */
import { arg, type OpDefinition } from './types';
import { resolvePadding, suggestWindowChange, windowAttributes, windowOutput, windowStep, type WindowGeometry } from './window';
import type { OpAttributes } from './attributes';

function windowPool(kind: 'max' | 'avg'): OpDefinition<OpAttributes['maxpool' | 'avgpool']> {
  const base = `${kind}pool`;
  return {
    names: [base, `${base}1d`, `${base}2d`, `${base}3d`],
    fixedRank: { [`${base}1d`]: 1, [`${base}2d`]: 2, [`${base}3d`]: 3 },
    spatialRanks: [1, 2, 3],
    family: 'pooling',
    summary:
      kind === 'max'
        ? 'Max pooling: the largest value in each window (padding counts as -infinity). As torch.nn.MaxPool2d.'
        : 'Average pooling: the mean of each window, counting padded zeros (count_include_pad=true, as PyTorch). As torch.nn.AvgPool2d.',
    signature: {
      positional: [arg.spatial('kernel', 'Window size: an int or a tuple per axis.')],
      keywords: [
        arg.spatial('stride', 'Step between windows; defaults to the kernel size.', undefined, 'kernel'),
        arg.padding('Padding on each side; at most half the kernel (PyTorch refuses more).'),
        arg.bool('ceil_mode', 'Round the output size up instead of down (the last window must still start inside the input).', false),
        ...(kind === 'max' ? [arg.spatial('dilation', 'Spacing between window taps.', 1)] : [arg.bool('count_include_pad', 'Count padded zeros in the average.', true)]),
      ],
    },
    apply(context) {
      const sizes = context.input.shape.slice(1);
      const kernel = context.spatial('kernel');
      if (!kernel) return null;
      const stride = context.has('stride') ? context.spatial('stride') : kernel;
      const dilation = kind === 'max' ? context.spatial('dilation') : sizes.map(() => 1);
      const ceilMode = context.bool('ceil_mode');
      if (!stride || !dilation || ceilMode === undefined) return null;
      const countIncludePad = kind === 'avg' ? context.bool('count_include_pad') : false;
      if (countIncludePad === undefined) return null;
      const padding = resolvePadding(context, sizes, kernel, stride, dilation);
      if (!padding) return null;
      const tooMuch = padding.left.findIndex((p, i) => p > kernel[i] / 2 || padding.right[i] > kernel[i] / 2);
      if (tooMuch >= 0 && context.value('padding')?.kind !== 'string') {
        context.report(
          'bad-value',
          `padding ${padding.left[tooMuch]} is more than half the kernel (${kernel[tooMuch]}); PyTorch refuses pool padding above kernel/2. Use padding=${Math.floor(kernel[tooMuch] / 2)} or less.`,
          'padding',
          [context.setArgumentFix('padding', String(Math.floor(kernel[tooMuch] / 2)), `Set padding=${Math.floor(kernel[tooMuch] / 2)}`)],
        );
        return null;
      }
      if (kind === 'avg' && sizes.length === 3) {
        // PyTorch's AvgPool3d refuses a kernel larger than the unpadded input, though 2-D pooling accepts it.
        const over = kernel.findIndex((k, i) => k > sizes[i]);
        if (over >= 0) {
          context.report(
            'nonpositive-size',
            `${context.name}: the ${kernel[over]}-pixel kernel is larger than the ${sizes[over]}-pixel input on axis ${over + 1}; PyTorch's AvgPool3d refuses a kernel larger than the unpadded input. Use a kernel of at most ${sizes[over]} there.`,
            'kernel',
          );
          return null;
        }
      }
      const g: WindowGeometry = { kernel, stride, dilation, padLeft: padding.left, padRight: padding.right, ceilMode };
      const out = windowOutput(context, sizes, g);
      if (!out) return null;
      return {
        shape: [context.input.shape[0], ...out.sizes],
        receptiveField: windowStep(g),
        formula: out.formula,
        suggest: suggestWindowChange(sizes, g, Math.min(...kernel.map((k) => Math.floor(k / 2)))),
        attributes: { ...windowAttributes(g), ceilMode, countIncludePad },
      };
    },
  };
}

function globalPool(kind: 'max' | 'avg'): OpDefinition<OpAttributes['global_maxpool' | 'global_avgpool']> {
  return {
    names: [`global_${kind}pool`],
    spatialRanks: [1, 2, 3],
    family: 'pooling',
    summary: `Global ${kind === 'max' ? 'max' : 'average'} pooling over all spatial axes: CxHxW becomes C (the spatial axes are dropped).`,
    signature: { positional: [], keywords: [] },
    apply(context) {
      return { shape: [context.input.shape[0]], receptiveField: { kind: 'drop' } };
    },
  };
}

function adaptivePool(kind: 'max' | 'avg'): OpDefinition<OpAttributes['adaptive_maxpool' | 'adaptive_avgpool']> {
  return {
    names: [`adaptive_${kind}pool`, `adaptive_${kind}pool1d`, `adaptive_${kind}pool2d`, `adaptive_${kind}pool3d`],
    fixedRank: { [`adaptive_${kind}pool1d`]: 1, [`adaptive_${kind}pool2d`]: 2, [`adaptive_${kind}pool3d`]: 3 },
    spatialRanks: [1, 2, 3],
    family: 'pooling',
    summary: `Adaptive ${kind === 'max' ? 'max' : 'average'} pooling to a fixed output size, whatever the input size (as torch.nn.Adaptive${kind === 'max' ? 'Max' : 'Avg'}Pool2d).`,
    signature: { positional: [arg.spatial('size', 'Output size per spatial axis: an int or a shape such as 6x6.')], keywords: [] },
    apply(context) {
      const size = context.spatial('size');
      if (!size) return null;
      const sizes = context.input.shape.slice(1);
      // PyTorch's cells: output i covers [floor(i·in/out), ceil((i+1)·in/out)), which a kernel and stride cannot express when out does not divide in.
      return {
        shape: [context.input.shape[0], ...size],
        attributes: { size },
        receptiveField: { kind: 'adaptive', inSizes: sizes, outSizes: size },
      };
    },
  };
}

export const poolingOps: OpDefinition[] = [
  { ...windowPool('max'), familiarNames: ['pool', 'max_pool', 'maxpooling'] },
  { ...windowPool('avg'), familiarNames: ['avg_pool', 'averagepooling'] },
  { ...globalPool('avg'), familiarNames: ['globalaveragepooling'] },
  globalPool('max'),
  { ...adaptivePool('avg'), familiarNames: ['adaptiveavgpool'] },
  adaptivePool('max'),
];
