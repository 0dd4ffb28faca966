/**
 * From a picture's colour to the network's channel count.
 *
 * 1 channel: luminance by ITU-R BT.601 (0.299 R + 0.587 G + 0.114 B), the
 * weights Pillow's `convert('L')` and torchvision's `Grayscale` use.
 * 3 channels: R, G, B; a gray picture is replicated into all three.
 * 2 channels: luminance and alpha, as in a gray-plus-alpha PNG.
 * 4 channels: R, G, B and alpha, as in an RGBA PNG.
 * 5 or more: R, G, B repeated in turn (channel k is R, G or B for k mod 3).
 * Alpha is 1 where the image is opaque; the colour channels are always the
 * picture composited over the chosen background.
 */
import type { Picture } from './picture';

/**
 * What shows through transparent pixels. White is the default because that
 * is how most image viewers and web pages show a transparent PNG, so the
 * network sees what the user sees; `black` suits MNIST-style white-on-black
 * drawings saved with a transparent background.
 */
export type Background = 'white' | 'black';

/** Where one input channel's values come from. */
export type ChannelSource = 'red' | 'green' | 'blue' | 'luminance' | 'alpha';

/** The source of each of `channels` input channels, and a note for the UI when the rule is not the obvious one. */
export function channelSources(channels: number): { sources: ChannelSource[]; note?: string } {
  if (channels === 1) return { sources: ['luminance'] };
  if (channels === 3) return { sources: ['red', 'green', 'blue'] };
  if (channels === 2) return { sources: ['luminance', 'alpha'], note: 'The input has 2 channels: they hold luminance and alpha (opacity, 1 where the image is opaque), as in a gray + alpha PNG.' };
  if (channels === 4)
    return { sources: ['red', 'green', 'blue', 'alpha'], note: 'The input has 4 channels: they hold red, green, blue and alpha (opacity, 1 where the image is opaque), as in an RGBA PNG.' };
  const rgb: ChannelSource[] = ['red', 'green', 'blue'];
  return {
    sources: Array.from({ length: channels }, (_, k) => rgb[k % 3]),
    note: `The input has ${channels} channels, which no image format has: they hold red, green and blue repeated in turn (channel k is R, G or B for k mod 3).`,
  };
}

/** The picture's colour composited over `background` (straight alpha); alpha itself is kept for alpha channels. */
export function composite(picture: Picture, background: Background): Picture {
  const { alpha } = picture;
  if (!alpha) return picture;
  const fill = background === 'white' ? 1 : 0;
  const planes = picture.planes.map((plane) => {
    const out = new Float32Array(plane.length);
    for (let k = 0; k < plane.length; k++) out[k] = plane[k] * alpha[k] + fill * (1 - alpha[k]);
    return out;
  });
  return { ...picture, planes };
}

/** The plane one channel source reads from a (composited) picture. */
export function channelPlane(picture: Picture, source: ChannelSource): Float32Array {
  const { planes } = picture;
  if (source === 'alpha') return picture.alpha ?? new Float32Array(picture.width * picture.height).fill(1);
  if (planes.length === 1) return planes[0];
  if (source === 'red') return planes[0];
  if (source === 'green') return planes[1];
  if (source === 'blue') return planes[2];
  const [r, g, b] = planes;
  const out = new Float32Array(r.length);
  for (let k = 0; k < r.length; k++) out[k] = 0.299 * r[k] + 0.587 * g[k] + 0.114 * b[k];
  return out;
}
