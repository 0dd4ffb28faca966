/** Words and numbers as the hovers, lenses and hints show them. */
import { formatNumber, formatShape, type ReceptiveField } from '../core';
import { bytesText, humanCount, withCommas } from '../core/format';

export { bytesText, humanCount, withCommas };

/** A shape, or a dash when shape inference stopped. */
export function shapeText(shape: readonly number[] | null): string {
  return shape ? formatShape(shape) : '?';
}

/** `7x7`, with fractional sizes (after upsampling) rounded for reading. */
export function sizeText(values: number[]): string {
  return values.map(formatNumber).join('x');
}

/** A coordinate as people write it: a real minus sign, at most three decimals. */
function coordinateText(value: number): string {
  const text = formatNumber(Math.abs(value));
  return value < 0 ? `\u2212${text}` : text;
}

/**
 * The field as one line of numbers: "99x99, jump 8x8, start (−3.5, −3.5)".
 */
export function receptiveFieldFacts(field: ReceptiveField): string {
  return `${sizeText(field.size)}, jump ${sizeText(field.jump)}, start (${field.start.map(coordinateText).join(', ')})`;
}

/**
 * A sentence a student understands: "Each output pixel sees 99x99 input
 * pixels; neighbouring outputs are 8 pixels apart; the first is centred on
 * input pixel (−3.5, −3.5), in the padding." Behind a squeeze-excitation gate
 * it says that every output depends on the whole input, and gives the local
 * field without the gate.
 */
export function receptiveFieldSentence(field: ReceptiveField): string {
  const rank = field.size.length;
  const unit = rank === 1 ? 'position' : rank === 3 ? 'voxel' : 'pixel';
  const sameJump = field.jump.every((j) => j === field.jump[0]);
  const jump = sameJump ? formatNumber(field.jump[0]) : sizeText(field.jump);
  const apart = `neighbouring outputs are ${jump} ${unit}${jump === '1' ? '' : 's'} apart`;
  const centre = rank === 1 ? coordinateText(field.start[0]) : `(${field.start.map(coordinateText).join(', ')})`;
  const inPadding = field.start.some((s) => s < -0.5) ? ', in the padding' : '';
  const local = `sees ${sizeText(field.size)} input ${unit}s; ${apart}; the first is centred on input ${unit} ${centre}${inPadding}.`;
  if (field.gate === undefined) return `Each output ${unit} ${local}`;
  return `Through the gate \`${field.gate}\`, each output ${unit} depends on the whole input. Without the gate, each output ${unit} ${local}`;
}
