/**
 * Resampling a picture to the network's height and width.
 *
 * The filter is the triangle (bilinear) filter with half-pixel centres,
 * widened by the scale factor when shrinking so that every source pixel
 * contributes (anti-aliasing). This is Pillow's `Image.resize(..., BILINEAR)`
 * and PyTorch's `F.interpolate(mode='bilinear', align_corners=False,
 * antialias=True)`, so the tensor matches what a Python training pipeline
 * would have fed the network; when enlarging it is plain bilinear
 * interpolation with edge pixels repeated. It is computed here rather than
 * by a canvas because canvas smoothing differs between browsers and GPUs.
 */
import type { Picture } from './picture';

/**
 * How the picture's aspect ratio meets the input's: `stretch` scales the
 * whole picture to the input size (distorting it when the ratios differ);
 * `crop` first cuts the largest centred region with the input's ratio, as
 * torchvision's Resize + CenterCrop evaluation transform does.
 */
export type Fit = 'crop' | 'stretch';

/** A rectangle of whole source pixels. */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The source region that `fit` keeps for a `targetWidth` x `targetHeight` input. */
export function cropFor(sourceWidth: number, sourceHeight: number, targetWidth: number, targetHeight: number, fit: Fit): CropBox {
  if (fit === 'stretch') return { x: 0, y: 0, width: sourceWidth, height: sourceHeight };
  // Compare ratios by cross-multiplying so that equal ratios stay exactly equal.
  if (sourceWidth * targetHeight > targetWidth * sourceHeight) {
    const width = Math.max(1, Math.min(sourceWidth, Math.round((sourceHeight * targetWidth) / targetHeight)));
    return { x: Math.floor((sourceWidth - width) / 2), y: 0, width, height: sourceHeight };
  }
  const height = Math.max(1, Math.min(sourceHeight, Math.round((sourceWidth * targetHeight) / targetWidth)));
  return { x: 0, y: Math.floor((sourceHeight - height) / 2), width: sourceWidth, height };
}

/** For each output position, the first input index and the weights of the inputs from there on. */
interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
  stride: number;
}

/** Pillow's `precompute_coeffs` for the triangle filter, over an input of `inSize` samples. */
function filterTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filterScale;
  const stride = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * stride);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const first = Math.max(0, Math.floor(centre - support + 0.5));
    const end = Math.min(inSize, Math.floor(centre + support + 0.5));
    let total = 0;
    for (let i = first; i < end; i++) {
      const w = Math.max(0, 1 - Math.abs((i - centre + 0.5) / filterScale));
      weights[o * stride + i - first] = w;
      total += w;
    }
    if (total > 0) for (let i = 0; i < end - first; i++) weights[o * stride + i] /= total;
    start[o] = first;
    count[o] = end - first;
  }
  return { start, count, weights, stride };
}

/**
 * Resamples the `box` region of a row-major plane `sourceWidth` pixels wide
 * to `outWidth` x `outHeight`, rows first and then columns (the filter is
 * separable).
 */
export function resizePlane(source: Float32Array, sourceWidth: number, box: CropBox, outWidth: number, outHeight: number): Float32Array {
  const across = filterTaps(box.width, outWidth);
  const down = filterTaps(box.height, outHeight);
  const rows = new Float32Array(box.height * outWidth);
  for (let y = 0; y < box.height; y++) {
    const rowStart = (box.y + y) * sourceWidth + box.x;
    for (let o = 0; o < outWidth; o++) {
      let sum = 0;
      const first = rowStart + across.start[o];
      const w = o * across.stride;
      for (let t = 0; t < across.count[o]; t++) sum += source[first + t] * across.weights[w + t];
      rows[y * outWidth + o] = sum;
    }
  }
  const out = new Float32Array(outWidth * outHeight);
  for (let o = 0; o < outHeight; o++) {
    const w = o * down.stride;
    const first = down.start[o];
    for (let x = 0; x < outWidth; x++) {
      let sum = 0;
      for (let t = 0; t < down.count[o]; t++) sum += rows[(first + t) * outWidth + x] * down.weights[w + t];
      out[o * outWidth + x] = sum;
    }
  }
  return out;
}

/** The picture cropped by `fit` and resampled to `width` x `height`, alpha included. */
export function resizePicture(picture: Picture, width: number, height: number, fit: Fit): Picture {
  const box = cropFor(picture.width, picture.height, width, height, fit);
  const same = box.x === 0 && box.y === 0 && box.width === width && box.height === height && picture.width === width;
  const resample = (plane: Float32Array) => (same ? plane : resizePlane(plane, picture.width, box, width, height));
  return {
    width,
    height,
    planes: picture.planes.map(resample),
    alpha: picture.alpha && resample(picture.alpha),
  };
}
