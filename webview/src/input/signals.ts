/**
 * Synthetic 1-D signals for [C, L] inputs (raw audio, sensor traces). All
 * are deterministic, lie in [-1, 1], and are defined in samples rather than
 * seconds because the input shape says nothing of a sample rate. Every
 * channel carries the same waveform, except noise, whose channel c is drawn
 * with seed + c.
 */
import { seededRandom } from './random';

export type SignalId = 'sine' | 'chirp' | 'square-wave' | 'impulse' | 'noise';

/**
 * Whole cycles of the sine and the square wave over the window: one per 32
 * samples (well below the Nyquist limit, visible at any length), at least 2.
 * At 8 kHz, 32 samples is 250 Hz.
 */
export function cyclesFor(length: number): number {
  return Math.max(2, Math.round(length / 32));
}

/** The chirp's frequency at the end of the window, in cycles per sample (half the Nyquist limit); it starts at 0. */
export const chirpEndFrequency = 0.25;

/** One channel of signal `id`, `length` samples long. */
export function signalSamples(id: SignalId, length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  const cycles = cyclesFor(length);
  switch (id) {
    case 'sine':
      for (let n = 0; n < length; n++) out[n] = Math.sin((2 * Math.PI * cycles * n) / length);
      break;
    case 'square-wave':
      // +1 for the first half of each cycle, -1 for the second, like the sign of the sine.
      for (let n = 0; n < length; n++) out[n] = Math.floor((2 * cycles * n) / length) % 2 === 0 ? 1 : -1;
      break;
    case 'chirp':
      // Frequency rising linearly from 0 to f1 over the window: phase f1 n^2 / (2 L) cycles.
      for (let n = 0; n < length; n++) out[n] = Math.sin((2 * Math.PI * chirpEndFrequency * n * n) / (2 * length));
      break;
    case 'impulse':
      // In the middle, so a filter's response shows on both sides of it.
      out[Math.floor(length / 2)] = 1;
      break;
    case 'noise': {
      const random = seededRandom(seed);
      for (let n = 0; n < length; n++) out[n] = 2 * random() - 1;
      break;
    }
  }
  return out;
}

/** Signal `id` filling [channels, length], channel after channel. */
export function signalData(id: SignalId, channels: number, length: number, seed: number): Float32Array {
  const data = new Float32Array(channels * length);
  for (let c = 0; c < channels; c++) {
    if (c === 0 || id === 'noise') data.set(signalSamples(id, length, seed + c), c * length);
    else data.copyWithin(c * length, 0, length);
  }
  return data;
}
