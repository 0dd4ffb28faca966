/** The types the panel sees: what it asks for and what it gets back. */
import type { Background } from './channels';
import type { Normalization } from './normalize';
import type { Fit } from './resize';

/**
 * The kinds of input a network can take, told apart by the rank of its input
 * shape (channels first, batch excluded): `vector` is [N] (a multilayer
 * perceptron's features, e.g. 784 = a flattened 28x28 digit), `signal1d` is
 * [C, L], `image` is [C, H, W], `video` is [C, D, H, W] (D frames).
 */
export type InputKind = 'vector' | 'image' | 'signal1d' | 'video';

/** Choices the user can make; every field has a default. */
export interface InputOptions {
  /** How an image's aspect ratio meets the input's (default `crop`). */
  fit?: Fit;
  /** What shows through transparent pixels (default `white`). */
  background?: Background;
  /** Value scaling after [0, 1] (default `none`); images and video only. */
  normalize?: Normalization;
  /** Seed of the noise signal (default 1). */
  seed?: number;
}

/** A ready input: `data` is channels first in the order of `shape`, batch excluded. */
export interface InputTensor {
  ok: true;
  data: Float32Array;
  shape: number[];
  /** Something the UI should tell the user about how the input was made (channel rule, repeated frames...). */
  note?: string;
}

/** Why no input could be made, in words for the user. */
export interface InputError {
  ok: false;
  error: string;
}

export type InputResult = InputTensor | InputError;

/** Joins optional notes into one, or none. */
export function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const kept = notes.filter((n): n is string => !!n);
  return kept.length ? kept.join(' ') : undefined;
}
