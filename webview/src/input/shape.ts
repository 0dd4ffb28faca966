/** Reading the network's input shape: which kind of input it wants, and whether it is sane. */
import type { InputKind } from './types';
import { elementCount } from '../../../src/core';

/** The most numbers one input may hold (256 MiB of floats); beyond it the webview would run out of memory. */
export const maxInputElements = 1 << 26;

const kindByRank: Record<number, InputKind> = { 1: 'vector', 2: 'signal1d', 3: 'image', 4: 'video' };

/** The layout each kind expects, for messages. */
export const layoutOf: Record<InputKind, string> = {
  vector: '[features]',
  signal1d: '[channels, length]',
  image: '[channels, height, width]',
  video: '[channels, frames, height, width]',
};

export type ShapeCheck = { ok: true; kind: InputKind } | { ok: false; error: string };

/** The kind of input `shape` (channels first, batch excluded) asks for. */
export function inputKind(shape: readonly number[]): ShapeCheck {
  const text = `[${shape.join(', ')}]`;
  if (!shape.every((n) => Number.isInteger(n) && n >= 1)) return { ok: false, error: `The input shape ${text} must hold whole numbers of at least 1.` };
  const kind = kindByRank[shape.length];
  if (!kind) {
    return {
      ok: false,
      error: `The input shape ${text} has ${shape.length} dimension${shape.length === 1 ? '' : 's'}; inputs are ${layoutOf.vector} for a vector, ${layoutOf.signal1d} for 1-D signals, ${layoutOf.image} for images or ${layoutOf.video} for video, without the batch.`,
    };
  }
  const elements = elementCount(shape);
  if (elements > maxInputElements)
    return { ok: false, error: `The input shape ${text} holds ${elements.toLocaleString('en-US')} numbers, more than the ${maxInputElements.toLocaleString('en-US')} the preview can hold.` };
  return { ok: true, kind };
}

/**
 * The picture a vector input of `length` stands for, if any: a flattened
 * square grey image (784 = 28x28, as MNIST perceptrons take it) or a
 * flattened square colour image (3,072 = 3x32x32, channels first).
 */
export function vectorAsImage(length: number): number[] | undefined {
  const grey = Math.round(Math.sqrt(length));
  if (grey * grey === length) return [1, grey, grey];
  const colour = Math.round(Math.sqrt(length / 3));
  if (3 * colour * colour === length) return [3, colour, colour];
  return undefined;
}
