/**
 * Handwritten-looking digits 0-9, drawn from strokes in code so that they
 * are the same on every machine (no fonts) and belong to this project.
 * They follow MNIST's conventions: 28 x 28, white ink on black, the digit
 * inside the central 20 x 20 box.
 */
import { fillShape, segmentDistance } from '../paint';
import { blankPicture, type Picture } from '../picture';

type Point = readonly [number, number];
type Stroke = readonly Point[];

/** Points along an arc of the ellipse centred at (cx, cy), angles in degrees (0 = right, 90 = down). */
function arc(cx: number, cy: number, rx: number, ry: number, from: number, to: number): Point[] {
  const steps = Math.max(4, Math.ceil(Math.abs(to - from) / 10));
  return Array.from({ length: steps + 1 }, (_, i) => {
    const t = ((from + ((to - from) * i) / steps) * Math.PI) / 180;
    return [cx + rx * Math.cos(t), cy + ry * Math.sin(t)] as const;
  });
}

/** Each digit's strokes in a unit box (x right, y down). */
const strokes: readonly (readonly Stroke[])[] = [
  [arc(0.5, 0.5, 0.34, 0.49, -100, 268)],
  [
    [
      [0.3, 0.22],
      [0.56, 0.0],
      [0.55, 0.5],
      [0.54, 1.0],
    ],
  ],
  [[...arc(0.5, 0.29, 0.31, 0.28, -165, 35), [0.13, 0.98], [0.52, 0.96], [0.9, 0.99]]],
  [
    [...arc(0.47, 0.26, 0.27, 0.25, -155, 95), [0.36, 0.5]],
    [[0.4, 0.49], ...arc(0.46, 0.74, 0.3, 0.26, -85, 150)],
  ],
  [
    [
      [0.66, 1.0],
      [0.65, 0.45],
      [0.64, 0.0],
      [0.1, 0.68],
      [0.92, 0.66],
    ],
  ],
  [[[0.84, 0.02], [0.3, 0.03], [0.24, 0.45], ...arc(0.48, 0.69, 0.33, 0.29, -125, 150)]],
  [
    [
      [0.74, 0.02],
      [0.5, 0.14],
      [0.32, 0.34],
      [0.23, 0.6],
      [0.26, 0.78],
    ],
    arc(0.5, 0.73, 0.27, 0.26, 0, 360),
  ],
  [
    [
      [0.1, 0.05],
      [0.5, 0.02],
      [0.9, 0.03],
      [0.62, 0.5],
      [0.42, 1.0],
    ],
  ],
  [arc(0.5, 0.25, 0.25, 0.24, 0, 360), arc(0.5, 0.73, 0.32, 0.26, 0, 360)],
  [
    arc(0.48, 0.29, 0.29, 0.28, 0, 360),
    [
      [0.77, 0.3],
      [0.73, 0.65],
      [0.66, 1.0],
    ],
  ],
];

/** Pen radius in pixels: MNIST strokes are about three pixels wide. */
const penRadius = 1.6;

/** The most the vertical wobble in `digitPicture` moves a point, in pixels. */
const verticalWobble = 0.3;

/**
 * How much the unit box is scaled so that the ink, not just the middle of the
 * pen, stays inside the central 20 x 20 box: the pen and the wobble reach
 * past the stroke on both sides. The unit box is 20 pixels tall before this
 * scale; the slant and horizontal wobble leave ample room across.
 */
const glyphScale = (20 - 2 * (penRadius + verticalWobble)) / 20;

/** The digit `n` (0-9) as a 28 x 28 gray picture. */
export function digitPicture(n: number): Picture {
  const picture = blankPicture(28, 28, 1);
  // A slant to the right and a slight, digit-specific wobble make the strokes look drawn by hand.
  const place = ([x, y]: Point): Point => {
    const wobble = 0.35 * Math.sin(6.3 * y + 1.7 * n) + 0.25 * Math.sin(11 * x + n);
    return [14 + glyphScale * (14 * (x - 0.5) + 3.2 * (0.5 - y)) + wobble, 14 + glyphScale * 20 * (y - 0.5) + verticalWobble * Math.cos(7 * x + n)];
  };
  for (const stroke of strokes[n]) {
    const points = stroke.map(place);
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const box = { left: Math.min(...xs) - 2, top: Math.min(...ys) - 2, right: Math.max(...xs) + 2, bottom: Math.max(...ys) + 2 };
    // The pen presses a little harder in the middle of a stroke than at its ends.
    const inside = (x: number, y: number) => {
      for (let i = 1; i < points.length; i++) {
        const [ax, ay] = points[i - 1];
        const [bx, by] = points[i];
        const pressure = 1 - 0.2 * Math.abs((2 * i) / points.length - 1);
        if (segmentDistance(x, y, ax, ay, bx, by) <= penRadius * pressure) return true;
      }
      return false;
    };
    fillShape(picture, [1], inside, box, 4);
  }
  return picture;
}
