/**
 * The arithmetic of splitting a convolution by output channel (split.ts),
 * free of tfjs so that it is tested in Node: which channels each thread
 * computes, where a share's values go in the whole output, and the output's
 * size.
 */
import type { ExplicitPadding } from './protocol';

/** A contiguous range of output channels. */
export interface ChannelShare {
  first: number;
  count: number;
}

/** Below this many multiply-accumulates a convolution is not worth the messages (about half a millisecond of WASM work). */
export const SPLIT_MIN_MACS = 8_000_000;

/** Each share keeps at least this many output channels (the width the WASM kernels work in), and shares are multiples of it. */
const SHARE_UNIT = 8;

/**
 * Splits `channels` output channels into at most `parts` shares of whole
 * units of 8, the extra units going to the first shares and the channels
 * past the last whole unit to the last share. Fewer shares when the
 * channels are few; one share when there are fewer than 16.
 */
export function channelShares(channels: number, parts: number): ChannelShare[] {
  const units = Math.floor(channels / SHARE_UNIT);
  const count = Math.max(1, Math.min(parts, units));
  const shares: ChannelShare[] = [];
  let first = 0;
  for (let i = 0; i < count; i++) {
    const share = (Math.floor(units / count) + (i < units % count ? 1 : 0)) * SHARE_UNIT + (i === count - 1 ? channels % SHARE_UNIT : 0);
    shares.push({ first, count: share });
    first += share;
  }
  return shares;
}

/** The output shape [1, height, width, channels] of a plan, by the convolution output-size formula. */
export function planOutputShape(
  plan: { strides: readonly number[]; dilations: readonly number[]; pad: ExplicitPadding },
  inputShape: readonly number[],
  filterShape: readonly number[],
): [number, number, number, number] {
  const size = (axis: 0 | 1) => {
    const padded = inputShape[axis + 1] + plan.pad[axis + 1][0] + plan.pad[axis + 1][1];
    return Math.floor((padded - plan.dilations[axis] * (filterShape[axis] - 1) - 1) / plan.strides[axis]) + 1;
  };
  return [1, size(0), size(1), filterShape[3]];
}

/**
 * Copies one share's channels-last values ([pixels, share.count]) into its
 * channels of `target` ([pixels, channels]). A plain loop: a subarray per
 * pixel would make thousands of short-lived objects per layer.
 */
export function placeShare(target: Float32Array, channels: number, share: ChannelShare, values: Float32Array): void {
  const pixels = values.length / share.count;
  for (let p = 0, from = 0, to = share.first; p < pixels; p++, to += channels - share.count) {
    for (let c = 0; c < share.count; c++) target[to++] = values[from++];
  }
}

/** A share's output channels of a channels-last filter ([..., channels]), as a new array (a view of the heap would send the whole heap to a worker). */
export function shareColumns(filter: Float32Array, channels: number, share: ChannelShare): Float32Array {
  const rows = filter.length / channels;
  const columns = new Float32Array(rows * share.count);
  for (let row = 0; row < rows; row++) columns.set(filter.subarray(row * channels + share.first, row * channels + share.first + share.count), row * share.count);
  return columns;
}
