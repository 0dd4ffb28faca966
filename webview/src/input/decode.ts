/**
 * Decoding image files into pictures. The extension host reads a workspace
 * file and posts its bytes; drag and drop gives a File (a Blob). Either way
 * the browser's own decoder does the work (`createImageBitmap`), so every
 * format the webview's Chromium reads is accepted: PNG, JPEG, WebP, GIF (its
 * first frame), BMP, ICO, AVIF. Undecodable data gives a message, never a
 * thrown error.
 */
import type { Picture } from './picture';

/** A decoded picture, or why there is none. */
export type DecodeResult = { ok: true; picture: Picture } | { ok: false; error: string };

/**
 * Pictures longer than this on either side are averaged over k x k blocks
 * right after decoding (k the smallest whole factor that fits). Inputs are
 * rarely past 1024 pixels, and a 24-megapixel photo as float planes would
 * take 400 MB.
 */
export const maxPictureSide = 2048;

/** Beyond this many pixels the browser's canvas may refuse the image, so it is turned down with a message. */
export const maxDecodedPixels = 64_000_000;

/** File signatures, to say what a file that failed to decode looks like. */
const signatures: { name: string; decodable: boolean; test: (b: Uint8Array) => boolean }[] = [
  { name: 'PNG', decodable: true, test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47]) },
  { name: 'JPEG', decodable: true, test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { name: 'GIF', decodable: true, test: (b) => ascii(b, 0, 4) === 'GIF8' },
  { name: 'WebP', decodable: true, test: (b) => ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP' },
  { name: 'BMP', decodable: true, test: (b) => ascii(b, 0, 2) === 'BM' },
  { name: 'AVIF', decodable: true, test: (b) => ascii(b, 4, 8) === 'ftyp' && /^avi[fs]$/.test(ascii(b, 8, 12)) },
  { name: 'HEIC', decodable: false, test: (b) => ascii(b, 4, 8) === 'ftyp' && /^(hei[cx]|mif1|msf1)$/.test(ascii(b, 8, 12)) },
  { name: 'TIFF', decodable: false, test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { name: 'SVG', decodable: false, test: (b) => /<svg[\s>]/i.test(ascii(b, 0, Math.min(b.length, 512))) },
];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((v, i) => bytes[i] === v);
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, Math.min(to, bytes.length)));
}

/** Reads image bytes (or a dropped File) into a picture. `name` names the file in messages. */
export async function decodeImage(source: Uint8Array | ArrayBuffer | Blob, name?: string): Promise<DecodeResult> {
  const label = name ? `The file "${name}"` : 'The file';
  let head: Uint8Array;
  let blob: Blob;
  try {
    if (source instanceof Blob) {
      blob = source;
      head = new Uint8Array(await source.slice(0, 512).arrayBuffer());
    } else {
      // A copy, so the Blob owns a plain ArrayBuffer whatever buffer the caller's view sits on.
      const bytes = new Uint8Array(source instanceof ArrayBuffer ? new Uint8Array(source) : source);
      blob = new Blob([bytes]);
      head = bytes.subarray(0, 512);
    }
  } catch (error) {
    return { ok: false, error: `${label} could not be read: ${String(error)}` };
  }
  if (blob.size === 0) return { ok: false, error: `${label} is empty (0 bytes), so there is no image in it.` };

  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { premultiplyAlpha: 'none', imageOrientation: 'from-image' });
  } catch {
    return { ok: false, error: undecodableMessage(label, head) };
  }
  try {
    const { width, height } = bitmap;
    if (width * height > maxDecodedPixels) {
      return { ok: false, error: `${label} is ${width} x ${height} pixels, more than the ${maxDecodedPixels / 1e6} megapixels the preview reads; scale it down first.` };
    }
    const rgba = readPixels(bitmap);
    return { ok: true, picture: pictureFromRgba(rgba, width, height) };
  } catch (error) {
    return { ok: false, error: `${label} was decoded but its pixels could not be read (${error instanceof Error ? error.message : String(error)}).` };
  } finally {
    bitmap.close();
  }
}

/** The message for bytes the browser would not decode, naming the format they look like. */
function undecodableMessage(label: string, head: Uint8Array): string {
  const formats = 'PNG, JPEG, WebP, GIF, BMP or AVIF';
  const known = signatures.find((s) => s.test(head));
  if (!known) return `${label} is not an image the preview can read: it does not start like a ${formats} file.`;
  if (known.decodable) return `${label} looks like a ${known.name} image but could not be decoded: it is probably damaged or cut short.`;
  return `${label} looks like a ${known.name} image, which the preview cannot decode; convert it to ${formats}.`;
}

/** The bitmap's straight-alpha RGBA bytes, drawn on a canvas (offscreen where the browser has one). */
function readPixels(bitmap: ImageBitmap): Uint8ClampedArray {
  const { width, height } = bitmap;
  const canvas = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const context = canvas.getContext('2d', { willReadFrequently: true }) as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!context) throw new Error('no 2-D canvas context');
  context.drawImage(bitmap, 0, 0);
  return context.getImageData(0, 0, width, height).data;
}

/**
 * RGBA bytes to a picture: values / 255, a single plane when every pixel is
 * gray, no alpha plane when every pixel is opaque, and pictures past
 * `maxPictureSide` averaged over k x k blocks (colour weighted by alpha).
 */
export function pictureFromRgba(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Picture {
  const k = Math.max(1, Math.ceil(Math.max(width, height) / maxPictureSide));
  const outWidth = Math.max(1, Math.floor(width / k));
  const outHeight = Math.max(1, Math.floor(height / k));
  let gray = true;
  let opaque = true;
  for (let p = 0; p < rgba.length; p += 4) {
    if (rgba[p] !== rgba[p + 1] || rgba[p] !== rgba[p + 2]) gray = false;
    if (rgba[p + 3] !== 255) opaque = false;
    if (!gray && !opaque) break;
  }
  const planes = Array.from({ length: gray ? 1 : 3 }, () => new Float32Array(outWidth * outHeight));
  const alpha = opaque ? undefined : new Float32Array(outWidth * outHeight);
  const count = Math.min(k, width) * Math.min(k, height);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let a = 0;
      const sums = [0, 0, 0];
      for (let dy = 0; dy < Math.min(k, height); dy++) {
        let p = ((y * k + dy) * width + x * k) * 4;
        for (let dx = 0; dx < Math.min(k, width); dx++, p += 4) {
          const weight = rgba[p + 3];
          a += weight;
          for (let c = 0; c < planes.length; c++) sums[c] += rgba[p + c] * weight;
        }
      }
      const o = y * outWidth + x;
      // With alpha 0 everywhere the colour is undefined; 0 is as good as any, since compositing hides it.
      for (let c = 0; c < planes.length; c++) planes[c][o] = a > 0 ? sums[c] / a / 255 : 0;
      if (alpha) alpha[o] = a / count / 255;
    }
  }
  return { width: outWidth, height: outHeight, planes, alpha };
}
