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

/**
 * A sentence a student understands: "Each output pixel sees a 7x7 window of
 * the input; neighbouring output pixels are 2 input pixels apart."
 */
export function receptiveFieldSentence(field: ReceptiveField): string {
  const unit = field.size.length === 1 ? 'position' : field.size.length === 3 ? 'voxel' : 'pixel';
  const window = field.size.length === 1 ? `${formatNumber(field.size[0])} input positions` : `a ${sizeText(field.size)} window of the input`;
  const sameJump = field.jump.every((j) => j === field.jump[0]);
  const jump = sameJump ? formatNumber(field.jump[0]) : sizeText(field.jump);
  const apart = sameJump && field.jump[0] === 1 ? `neighbouring output ${unit}s are 1 input ${unit} apart` : `neighbouring output ${unit}s are ${jump} input ${unit}s apart`;
  return `Each output ${unit} sees ${window}; ${apart}.`;
}
