/**
 * Value scaling. Pixels arrive in [0, 1] (8-bit value / 255, the scaling of
 * torchvision's `ToTensor`); an optional per-channel `(value - mean) / std`
 * follows, as torchvision's `Normalize` does after it.
 */
import type { ChannelSource } from './channels';

/**
 * `none` keeps [0, 1]; `imagenet` uses the ImageNet statistics that
 * torchvision's pretrained models expect; an object gives one mean and std
 * for every channel (arrays of length 1) or one per channel.
 */
export type Normalization = 'none' | 'imagenet' | { mean: readonly number[]; std: readonly number[] };

/** torchvision's ImageNet mean and standard deviation of R, G, B. */
export const imagenetMean = [0.485, 0.456, 0.406] as const;
export const imagenetStd = [0.229, 0.224, 0.225] as const;

/** The per-channel mean and std to apply, or why the request cannot be met. */
export type ChannelStatistics = { ok: true; mean: number[]; std: number[]; note?: string } | { ok: false; error: string };

const rgbIndex: Partial<Record<ChannelSource, number>> = { red: 0, green: 1, blue: 2 };

/** Resolves `normalization` for channels filled from `sources`. */
export function channelStatistics(normalization: Normalization, sources: readonly ChannelSource[]): ChannelStatistics {
  const channels = sources.length;
  if (normalization === 'none') return { ok: true, mean: new Array(channels).fill(0), std: new Array(channels).fill(1) };
  if (normalization === 'imagenet') {
    const notes: string[] = [];
    const mean: number[] = [];
    const std: number[] = [];
    for (const source of sources) {
      const k = rgbIndex[source];
      if (k !== undefined) {
        mean.push(imagenetMean[k]);
        std.push(imagenetStd[k]);
      } else if (source === 'luminance') {
        // The averages of the three: what timm and most ports use when ImageNet weights meet one channel.
        mean.push(0.449);
        std.push(0.226);
        notes.push('ImageNet statistics are for R, G, B; the luminance channel uses their averages (mean 0.449, std 0.226).');
      } else {
        mean.push(0);
        std.push(1);
        notes.push('The alpha channel is left in [0, 1]: ImageNet statistics have no alpha.');
      }
    }
    return { ok: true, mean, std, note: notes.length ? [...new Set(notes)].join(' ') : undefined };
  }
  const { mean, std } = normalization;
  for (const [name, values] of [
    ['mean', mean],
    ['std', std],
  ] as const) {
    if (values.length !== 1 && values.length !== channels) {
      return { ok: false, error: `Normalisation ${name} has ${values.length} values; the input has ${channels} channel${channels === 1 ? '' : 's'}, so give 1 value or ${channels}.` };
    }
    if (!values.every((v) => Number.isFinite(v))) return { ok: false, error: `Normalisation ${name} must be finite numbers.` };
  }
  if (!std.every((v) => v > 0)) return { ok: false, error: 'Normalisation std must be greater than 0 (values are divided by it).' };
  return {
    ok: true,
    mean: sources.map((_, c) => mean[mean.length === 1 ? 0 : c]),
    std: sources.map((_, c) => std[std.length === 1 ? 0 : c]),
  };
}
