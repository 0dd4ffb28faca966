/**
 * How a node's output is laid out as pictures: which axis is channels, how
 * big each channel's picture is, where its values start, and what the caption
 * must say (a capped channel count, a single depth frame). Pure, so every
 * shape is tested without a browser.
 */
import { elementCount } from '../../../src/core';

/** What one picture per channel shows. */
export type MapKind =
  /** [C, H, W]: an H x W image per channel. */
  | 'image'
  /** [C, L]: a 1 x L strip per channel. */
  | 'signal'
  /** [C, D, H, W]: one H x W depth frame per channel. */
  | 'volume'
  /** [N] (dense, flatten) or any other rank, flattened: one 1 x N strip, wrapped into rows when long. */
  | 'vector';

/** The layout of one output's feature maps. */
export interface MapPlan {
  kind: MapKind;
  /** Channels in the output (1 for a vector). */
  channels: number;
  /** Channels drawn: the first `shown` of them. */
  shown: number;
  /** Pixels of each channel's picture; a wrapped vector's last row may be partly empty. */
  width: number;
  height: number;
  /** Values one channel holds (all its depth frames for a volume). */
  channelSize: number;
  /** Depth frames of a volume (1 otherwise), and the one drawn first: the middle. */
  frames: number;
  frame: number;
  /** Sentences for the caption: capped channels, the frame shown, a flattened rank. */
  notes: string[];
}

/** The channel cap when a caller gives none: 64 maps still fit a side panel at a readable size. */
export const defaultMaxChannels = 64;

/**
 * The longest vector drawn as a single strip. Longer ones (a flattened 512x7x7
 * is 25,088 values) would be too thin to read and can pass Chromium's
 * 32,767-pixel canvas limit, so they wrap into a near-square picture.
 */
export const longestStrip = 1024;

/**
 * Plans the pictures for an output of `shape` holding `length` values.
 * Returns an error message instead when the two disagree, since drawing a
 * mislabelled map would be worse than drawing none.
 */
export function planFeatureMaps(shape: readonly number[], length: number, maxChannels = defaultMaxChannels): MapPlan | { error: string } {
  const expected = elementCount(shape);
  if (expected !== length) return { error: `the output has ${length} values but its shape [${shape.join(', ')}] needs ${expected}` };
  const notes: string[] = [];
  let plan: Omit<MapPlan, 'shown' | 'notes'>;
  if (shape.length === 3) {
    const [c, h, w] = shape;
    plan = { kind: 'image', channels: c, width: w, height: h, channelSize: h * w, frames: 1, frame: 0 };
  } else if (shape.length === 2) {
    const [c, l] = shape;
    plan = { kind: 'signal', channels: c, width: l, height: 1, channelSize: l, frames: 1, frame: 0 };
  } else if (shape.length === 4) {
    const [c, d, h, w] = shape;
    const frame = Math.floor(d / 2);
    plan = { kind: 'volume', channels: c, width: w, height: h, channelSize: d * h * w, frames: d, frame };
    // The note stays true while the slider moves: it names the first frame shown, not the current one.
    if (d > 1) notes.push(`Each channel has ${d} depth frames; one is shown at a time, the middle one (frame ${frame + 1}) first.`);
  } else {
    const width = length > longestStrip ? Math.ceil(Math.sqrt(length)) : Math.max(1, length);
    plan = { kind: 'vector', channels: 1, width, height: Math.ceil(length / width) || 1, channelSize: length, frames: 1, frame: 0 };
    if (shape.length > 1) notes.push(`A ${shape.length}-D output is shown flattened: ${length} values.`);
    if (plan.height > 1) notes.push(`The ${length} values are wrapped into rows of ${width}, left to right and top to bottom.`);
  }
  const cap = Math.max(1, Math.floor(maxChannels));
  const shown = Math.min(plan.channels, cap);
  if (shown < plan.channels) notes.unshift(`Showing ${shown} of ${plan.channels} channels.`);
  return { ...plan, shown, notes };
}

/** Where channel `channel`'s picture starts in the data, for depth frame `frame` of a volume. */
export function mapOffset(plan: MapPlan, channel: number, frame = plan.frame): number {
  return channel * plan.channelSize + frame * plan.width * plan.height;
}
