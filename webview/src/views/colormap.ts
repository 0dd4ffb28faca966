/**
 * Colour scales for activations: a perceptual sequential scale (viridis) for
 * data of one sign and a diverging blue-white-red scale for signed data
 * centred on 0. Pure, so the Node tests check the colours without a browser.
 */

/** An sRGB colour, each component 0..255. */
export type Rgb = readonly [r: number, g: number, b: number];

/** An sRGB colour with alpha, each component 0..255, as ImageData stores it. */
export type Rgba = readonly [r: number, g: number, b: number, a: number];

/** A colour scale: evenly spaced stops from the bottom (t = 0) to the top (t = 1). */
export interface ColorScale {
  name: 'viridis' | 'diverging';
  stops: readonly Rgb[];
}

/** The closed interval of values that the bottom and the top colour stand for. */
export interface ValueRange {
  min: number;
  max: number;
}

/** Matplotlib's viridis at t = 0, 1/8, ..., 1: lightness rises monotonically, so brighter always means larger. */
export const viridis: ColorScale = {
  name: 'viridis',
  stops: [
    [68, 1, 84],
    [72, 40, 120],
    [62, 73, 137],
    [49, 104, 142],
    [38, 130, 142],
    [31, 158, 137],
    [53, 183, 121],
    [110, 206, 88],
    [253, 231, 37],
  ],
};

/** ColorBrewer's RdBu (9 classes) from blue to red: light grey in the middle, so 0 reads as "nothing". */
export const diverging: ColorScale = {
  name: 'diverging',
  stops: [
    [33, 102, 172],
    [67, 147, 195],
    [146, 197, 222],
    [209, 229, 240],
    [247, 247, 247],
    [253, 219, 199],
    [244, 165, 130],
    [214, 96, 77],
    [178, 24, 43],
  ],
};

/** What non-finite values get: NaN is transparent so the panel background shows a hole; the infinities clamp to the ends. */
export const nanColor: Rgba = [0, 0, 0, 0];

/** The colour at position `t` in [0, 1] (clamped), interpolated linearly between stops. */
export function colorAt(scale: ColorScale, t: number): Rgb {
  const { stops } = scale;
  const position = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const low = Math.min(Math.floor(position), stops.length - 2);
  const f = position - low;
  const [a, b] = [stops[low], stops[low + 1]];
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

/**
 * Where `value` sits in `range`, 0 at min and 1 at max, clamped. A range of
 * one value maps to the middle, so constant maps are neither "all low" nor
 * "all high".
 */
export function positionIn(value: number, range: ValueRange): number {
  if (range.max === range.min) return 0.5;
  return Math.min(1, Math.max(0, (value - range.min) / (range.max - range.min)));
}

/** The RGBA colour of `value` in `range` on `scale`; NaN gives `nanColor`. */
export function valueToRgba(value: number, range: ValueRange, scale: ColorScale): Rgba {
  if (Number.isNaN(value)) return nanColor;
  const [r, g, b] = colorAt(scale, positionIn(value, range));
  return [r, g, b, 255];
}

/** Relative luminance (WCAG, sRGB), 0 for black to 1 for white. */
export function luminance([r, g, b]: Rgb): number {
  const linear = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/** How a view picks its scale: `auto` takes the diverging one only when the data has both signs. */
export type ScaleChoice = 'auto' | 'viridis' | 'diverging';

/**
 * The scale and the range that its ends stand for. The diverging scale is
 * centred on 0 (a symmetric range), so equal colours on either side mean
 * equal magnitudes; the sequential one spans the data's own min and max.
 */
export function chooseScale(data: ValueRange, choice: ScaleChoice = 'auto'): { scale: ColorScale; range: ValueRange } {
  const signed = data.min < 0 && data.max > 0;
  if (choice === 'diverging' || (choice === 'auto' && signed)) {
    const extent = Math.max(Math.abs(data.min), Math.abs(data.max));
    return { scale: diverging, range: { min: -extent, max: extent } };
  }
  return { scale: viridis, range: { min: data.min, max: data.max } };
}

/**
 * Writes the colours of `count` values starting at `values[offset]` into
 * `pixels` (RGBA, 4 bytes a value, row-major as ImageData), through the
 * lookup table so large maps cost one multiply per value.
 */
export function paintValues(pixels: Uint8ClampedArray, values: ArrayLike<number>, offset: number, count: number, range: ValueRange, scale: ColorScale): void {
  const table = lookupTable(scale);
  const span = range.max - range.min;
  for (let k = 0; k < count; k++) {
    const v = values[offset + k];
    if (Number.isNaN(v)) {
      pixels.set(nanColor, 4 * k);
      continue;
    }
    // The same position as positionIn (a one-value range is the middle), quantised to the table.
    const entry = span === 0 ? tableMiddle : Math.round(Math.min(1, Math.max(0, (v - range.min) / span)) * tableLast);
    pixels[4 * k] = table[3 * entry];
    pixels[4 * k + 1] = table[3 * entry + 1];
    pixels[4 * k + 2] = table[3 * entry + 2];
    pixels[4 * k + 3] = 255;
  }
}

/**
 * The lookup table's last entry: 257 entries, an odd count, so that the
 * middle (entry 128) is exactly t = 0.5, the diverging scale's 0.
 */
export const tableLast = 256;
const tableMiddle = tableLast / 2;
const tables = new Map<ColorScale, Uint8Array>();

/** `tableLast + 1` colours of `scale` (RGB): entry 0 exactly the bottom stop, 128 the middle, 256 the top. */
export function lookupTable(scale: ColorScale): Uint8Array {
  let table = tables.get(scale);
  if (!table) {
    table = new Uint8Array((tableLast + 1) * 3);
    for (let k = 0; k <= tableLast; k++) table.set(colorAt(scale, k / tableLast), 3 * k);
    tables.set(scale, table);
  }
  return table;
}

/** A CSS linear-gradient from the bottom to the top colour of `scale`, for legends. */
export function cssGradient(scale: ColorScale, direction = 'to right'): string {
  const stops = scale.stops.map(([r, g, b], k) => `rgb(${r}, ${g}, ${b}) ${((100 * k) / (scale.stops.length - 1)).toFixed(1)}%`);
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
