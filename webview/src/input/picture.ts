/**
 * The one in-between form every image takes on its way to a tensor: decoded
 * files and the built-in samples both become a `Picture`, so that cropping,
 * resizing, channel conversion and scaling happen in exactly one place.
 */

/**
 * An image as planes of floats in [0, 1], row-major (`y * width + x`).
 * `planes` holds one plane for a gray image or three (R, G, B) for a colour
 * one; colour is straight (not premultiplied by alpha).
 */
export interface Picture {
  width: number;
  height: number;
  planes: Float32Array[];
  /** Opacity in [0, 1]; absent when the image is fully opaque. */
  alpha?: Float32Array;
}

/**
 * A picture that can be painted a band of rows at a time: `blank()` then
 * `paintRows` over every row gives the same picture as painting it whole.
 */
export interface PictureInRows {
  blank(): Picture;
  paintRows(picture: Picture, from: number, to: number): void;
}

/** A blank opaque picture: `channels` planes of zeros. */
export function blankPicture(width: number, height: number, channels: 1 | 3): Picture {
  const planes: Float32Array[] = [];
  for (let c = 0; c < channels; c++) planes.push(new Float32Array(width * height));
  return { width, height, planes };
}

/** The colours a sample paints with: one value for gray pictures, three for colour ones. */
export type Colour = readonly [number] | readonly [number, number, number];
