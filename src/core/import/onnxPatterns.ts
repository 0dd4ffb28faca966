/**
 * The multi-node forms the ONNX converter recognises before converting a node
 * on its own, and the single-node ops that have a file of their own.
 */
import type { OnnxContext, OnnxPattern } from './onnxContext';
import type { OnnxNode } from '../onnx/schema';
import { slicedAdaptivePool } from './onnxAdaptivePool';
import { convTranspose } from './onnxConvTranspose';
import { writtenOutGelu } from './onnxGelu';
import { groupNorm, writtenOutInstanceNorm } from './onnxGroupNorm';
import { writtenOutMish } from './onnxMish';
import { channelLayerNorm, channelsLastLayerNorm } from './onnxLayerNorm';
import { depthToSpace, shuffleReshapes } from './onnxShuffle';
import { sliceLayer, splitLayers } from './onnxSlice';

/** Tried in order at every node; the first that matches converts its nodes. */
export const patterns: OnnxPattern[] = [channelLayerNorm, writtenOutInstanceNorm, groupNorm, channelsLastLayerNorm, writtenOutGelu, writtenOutMish, shuffleReshapes, slicedAdaptivePool];

/** Converters of single ONNX ops kept in files of their own. */
export const opConverters: Record<string, (context: OnnxContext, node: OnnxNode) => void> = {
  ConvTranspose: convTranspose,
  DepthToSpace: depthToSpace,
  Slice: sliceLayer,
  Split: splitLayers,
};
