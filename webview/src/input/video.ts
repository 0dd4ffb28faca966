/**
 * Synthetic clips for [C, D, H, W] inputs (D frames). Each frame is drawn
 * straight at the input's height and width (anti-aliased, no resampling) and
 * then takes the same channel and value conversion as an image.
 */
import { fillShape } from './paint';
import { blankPicture, type Picture } from './picture';

export type VideoId = 'moving-square' | 'bouncing-ball' | 'rotating-bar';

/** Where the moving square's centre is in frame `f` of `frames`: left edge to right edge at constant speed, mid-height. */
export function squareCentre(f: number, frames: number, width: number, height: number): { x: number; y: number; side: number } {
  const side = 0.25 * Math.min(width, height);
  const x = frames === 1 ? width / 2 : side / 2 + ((width - side) * f) / (frames - 1);
  return { x, y: height / 2, side };
}

/** The rotating bar's angle in frame `f`: half a turn over the clip, clockwise from horizontal (y down), in radians. */
export function barAngle(f: number, frames: number): number {
  return (Math.PI * f) / frames;
}

/** Folds `u` back and forth into [low, high], as a ball bouncing between two walls. */
function bounce(u: number, low: number, high: number): number {
  const span = high - low;
  if (span <= 0) return (low + high) / 2;
  const m = (((u - low) % (2 * span)) + 2 * span) % (2 * span);
  return low + (m <= span ? m : 2 * span - m);
}

/** The ball's centre and radius in frame `f`: it moves 11% of the width and 7% of the height per frame and bounces off the edges. */
export function ballCentre(f: number, width: number, height: number): { x: number; y: number; r: number } {
  const r = 0.12 * Math.min(width, height);
  return { x: bounce(0.3 * width + 0.11 * width * f, r, width - r), y: bounce(0.25 * height + 0.07 * height * f, r, height - r), r };
}

/** The `frames` frames of clip `id`, each `width` x `height`. */
export function videoFrames(id: VideoId, frames: number, width: number, height: number): Picture[] {
  const out: Picture[] = [];
  for (let f = 0; f < frames; f++) {
    if (id === 'moving-square') {
      const picture = blankPicture(width, height, 1);
      const { x, y, side } = squareCentre(f, frames, width, height);
      const h = side / 2;
      fillShape(picture, [1], (px, py) => Math.abs(px - x) <= h && Math.abs(py - y) <= h, { left: x - h - 1, top: y - h - 1, right: x + h + 1, bottom: y + h + 1 });
      out.push(picture);
    } else if (id === 'bouncing-ball') {
      // An orange ball on a dark blue ground, so colour and luminance both move.
      const picture = blankPicture(width, height, 3);
      picture.planes[0].fill(0.05);
      picture.planes[1].fill(0.08);
      picture.planes[2].fill(0.25);
      const { x, y, r } = ballCentre(f, width, height);
      fillShape(picture, [1, 0.55, 0.1], (px, py) => (px - x) ** 2 + (py - y) ** 2 <= r * r, { left: x - r - 1, top: y - r - 1, right: x + r + 1, bottom: y + r + 1 });
      out.push(picture);
    } else {
      const picture = blankPicture(width, height, 1);
      const size = Math.min(width, height);
      const half = 0.4 * size;
      const thick = 0.06 * size;
      const angle = barAngle(f, frames);
      const ux = Math.cos(angle);
      const uy = Math.sin(angle);
      const cx = width / 2;
      const cy = height / 2;
      fillShape(picture, [1], (px, py) => {
        const dx = px - cx;
        const dy = py - cy;
        return Math.abs(dx * ux + dy * uy) <= half && Math.abs(-dx * uy + dy * ux) <= thick;
      });
      out.push(picture);
    }
  }
  return out;
}
