/**
 * Colour scales for activations: a perceptual sequential scale (viridis) for
 * data of one sign and a diverging blue-white-red scale for signed data
 * centred on 0. Pure, so the Node tests check the colours without a browser.
 */

/** An sRGB colour, each component 0..255. */
export type Rgb = readonly [r: number, g: number, b: number];

/** An sRGB colour with alpha, each component 0..255, as ImageData stores it. */
export type Rgba = readonly [r: number, g: number, b: number, a: number];

/**
 * A colour scale from the bottom (t = 0) to the top (t = 1). A `listed` scale
 * is a lookup table as matplotlib's ListedColormap reads it: t in
 * [k/N, (k+1)/N) gives stop k of N, and t = 1 the last. An `interpolated`
 * scale blends linearly between evenly spaced stops.
 */
export interface ColorScale {
  name: 'viridis' | 'diverging';
  kind: 'listed' | 'interpolated';
  stops: readonly Rgb[];
}

/** The closed interval of values that the bottom and the top colour stand for. */
export interface ValueRange {
  min: number;
  max: number;
}

/**
 * Matplotlib's viridis: the 256 colours of `_viridis_data` in matplotlib's
 * `_cm_listed.py`, rounded to 8 bits, read as matplotlib reads them (so
 * t = 0.5 is entry 128, (33, 145, 140)). Its lightness rises monotonically,
 * so brighter always means larger.
 */
export const viridis: ColorScale = {
  name: 'viridis',
  kind: 'listed',
  stops: [
    [68, 1, 84],
    [68, 2, 86],
    [69, 4, 87],
    [69, 5, 89],
    [70, 7, 90],
    [70, 8, 92],
    [70, 10, 93],
    [70, 11, 94],
    [71, 13, 96],
    [71, 14, 97],
    [71, 16, 99],
    [71, 17, 100],
    [71, 19, 101],
    [72, 20, 103],
    [72, 22, 104],
    [72, 23, 105],
    [72, 24, 106],
    [72, 26, 108],
    [72, 27, 109],
    [72, 28, 110],
    [72, 29, 111],
    [72, 31, 112],
    [72, 32, 113],
    [72, 33, 115],
    [72, 35, 116],
    [72, 36, 117],
    [72, 37, 118],
    [72, 38, 119],
    [72, 40, 120],
    [72, 41, 121],
    [71, 42, 122],
    [71, 44, 122],
    [71, 45, 123],
    [71, 46, 124],
    [71, 47, 125],
    [70, 48, 126],
    [70, 50, 126],
    [70, 51, 127],
    [70, 52, 128],
    [69, 53, 129],
    [69, 55, 129],
    [69, 56, 130],
    [68, 57, 131],
    [68, 58, 131],
    [68, 59, 132],
    [67, 61, 132],
    [67, 62, 133],
    [66, 63, 133],
    [66, 64, 134],
    [66, 65, 134],
    [65, 66, 135],
    [65, 68, 135],
    [64, 69, 136],
    [64, 70, 136],
    [63, 71, 136],
    [63, 72, 137],
    [62, 73, 137],
    [62, 74, 137],
    [62, 76, 138],
    [61, 77, 138],
    [61, 78, 138],
    [60, 79, 138],
    [60, 80, 139],
    [59, 81, 139],
    [59, 82, 139],
    [58, 83, 139],
    [58, 84, 140],
    [57, 85, 140],
    [57, 86, 140],
    [56, 88, 140],
    [56, 89, 140],
    [55, 90, 140],
    [55, 91, 141],
    [54, 92, 141],
    [54, 93, 141],
    [53, 94, 141],
    [53, 95, 141],
    [52, 96, 141],
    [52, 97, 141],
    [51, 98, 141],
    [51, 99, 141],
    [50, 100, 142],
    [50, 101, 142],
    [49, 102, 142],
    [49, 103, 142],
    [49, 104, 142],
    [48, 105, 142],
    [48, 106, 142],
    [47, 107, 142],
    [47, 108, 142],
    [46, 109, 142],
    [46, 110, 142],
    [46, 111, 142],
    [45, 112, 142],
    [45, 113, 142],
    [44, 113, 142],
    [44, 114, 142],
    [44, 115, 142],
    [43, 116, 142],
    [43, 117, 142],
    [42, 118, 142],
    [42, 119, 142],
    [42, 120, 142],
    [41, 121, 142],
    [41, 122, 142],
    [41, 123, 142],
    [40, 124, 142],
    [40, 125, 142],
    [39, 126, 142],
    [39, 127, 142],
    [39, 128, 142],
    [38, 129, 142],
    [38, 130, 142],
    [38, 130, 142],
    [37, 131, 142],
    [37, 132, 142],
    [37, 133, 142],
    [36, 134, 142],
    [36, 135, 142],
    [35, 136, 142],
    [35, 137, 142],
    [35, 138, 141],
    [34, 139, 141],
    [34, 140, 141],
    [34, 141, 141],
    [33, 142, 141],
    [33, 143, 141],
    [33, 144, 141],
    [33, 145, 140],
    [32, 146, 140],
    [32, 146, 140],
    [32, 147, 140],
    [31, 148, 140],
    [31, 149, 139],
    [31, 150, 139],
    [31, 151, 139],
    [31, 152, 139],
    [31, 153, 138],
    [31, 154, 138],
    [30, 155, 138],
    [30, 156, 137],
    [30, 157, 137],
    [31, 158, 137],
    [31, 159, 136],
    [31, 160, 136],
    [31, 161, 136],
    [31, 161, 135],
    [31, 162, 135],
    [32, 163, 134],
    [32, 164, 134],
    [33, 165, 133],
    [33, 166, 133],
    [34, 167, 133],
    [34, 168, 132],
    [35, 169, 131],
    [36, 170, 131],
    [37, 171, 130],
    [37, 172, 130],
    [38, 173, 129],
    [39, 173, 129],
    [40, 174, 128],
    [41, 175, 127],
    [42, 176, 127],
    [44, 177, 126],
    [45, 178, 125],
    [46, 179, 124],
    [47, 180, 124],
    [49, 181, 123],
    [50, 182, 122],
    [52, 182, 121],
    [53, 183, 121],
    [55, 184, 120],
    [56, 185, 119],
    [58, 186, 118],
    [59, 187, 117],
    [61, 188, 116],
    [63, 188, 115],
    [64, 189, 114],
    [66, 190, 113],
    [68, 191, 112],
    [70, 192, 111],
    [72, 193, 110],
    [74, 193, 109],
    [76, 194, 108],
    [78, 195, 107],
    [80, 196, 106],
    [82, 197, 105],
    [84, 197, 104],
    [86, 198, 103],
    [88, 199, 101],
    [90, 200, 100],
    [92, 200, 99],
    [94, 201, 98],
    [96, 202, 96],
    [99, 203, 95],
    [101, 203, 94],
    [103, 204, 92],
    [105, 205, 91],
    [108, 205, 90],
    [110, 206, 88],
    [112, 207, 87],
    [115, 208, 86],
    [117, 208, 84],
    [119, 209, 83],
    [122, 209, 81],
    [124, 210, 80],
    [127, 211, 78],
    [129, 211, 77],
    [132, 212, 75],
    [134, 213, 73],
    [137, 213, 72],
    [139, 214, 70],
    [142, 214, 69],
    [144, 215, 67],
    [147, 215, 65],
    [149, 216, 64],
    [152, 216, 62],
    [155, 217, 60],
    [157, 217, 59],
    [160, 218, 57],
    [162, 218, 55],
    [165, 219, 54],
    [168, 219, 52],
    [170, 220, 50],
    [173, 220, 48],
    [176, 221, 47],
    [178, 221, 45],
    [181, 222, 43],
    [184, 222, 41],
    [186, 222, 40],
    [189, 223, 38],
    [192, 223, 37],
    [194, 223, 35],
    [197, 224, 33],
    [200, 224, 32],
    [202, 225, 31],
    [205, 225, 29],
    [208, 225, 28],
    [210, 226, 27],
    [213, 226, 26],
    [216, 226, 25],
    [218, 227, 25],
    [221, 227, 24],
    [223, 227, 24],
    [226, 228, 24],
    [229, 228, 25],
    [231, 228, 25],
    [234, 229, 26],
    [236, 229, 27],
    [239, 229, 28],
    [241, 229, 29],
    [244, 230, 30],
    [246, 230, 32],
    [248, 230, 33],
    [251, 231, 35],
    [253, 231, 37],
  ],
};

/** ColorBrewer's RdBu (9 classes) from blue to red: light grey in the middle, so 0 reads as "nothing". */
export const diverging: ColorScale = {
  name: 'diverging',
  kind: 'interpolated',
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

/** The colour at position `t` in [0, 1] (clamped): the listed colour whose bin holds `t`, or a blend of the two stops around it. */
export function colorAt(scale: ColorScale, t: number): Rgb {
  const { stops } = scale;
  const clamped = Math.min(1, Math.max(0, t));
  if (scale.kind === 'listed') return stops[Math.min(stops.length - 1, Math.floor(clamped * stops.length))];
  const position = clamped * (stops.length - 1);
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

/** A CSS linear-gradient from the bottom to the top colour of `scale`, for legends: 17 samples, which hit every stop of a 9-stop scale. */
export function cssGradient(scale: ColorScale, direction = 'to right'): string {
  const samples = 16;
  const stops = Array.from({ length: samples + 1 }, (_, k) => {
    const [r, g, b] = colorAt(scale, k / samples);
    return `rgb(${r}, ${g}, ${b}) ${((100 * k) / samples).toFixed(1)}%`;
  });
  return `linear-gradient(${direction}, ${stops.join(', ')})`;
}
