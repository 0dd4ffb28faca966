/** Tensor shapes: channels first, no batch dimension. */

/** `[64, 56, 56]` → `64x56x56`. */
export function formatShape(shape: readonly (number | null)[]): string {
  return shape.map((d) => (d === null ? '?' : String(d))).join('x');
}

/** The number of elements. */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** Whether two shapes have the same rank and the same size on every axis. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  // A plain loop: the op cache and the block memo compare shapes once per statement of a megabyte file.
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether a computed shape satisfies an assertion, where `null` is `?`. */
export function matchesAssertion(shape: readonly number[], asserted: readonly (number | null)[]): boolean {
  return shape.length === asserted.length && asserted.every((d, i) => d === null || d === shape[i]);
}

/** What the axes of a shape mean, for messages: CxHxW, CxL, ... */
export function axesName(rank: number): string {
  return ['', 'C', 'CxL', 'CxHxW', 'CxDxHxW'][rank] ?? `${rank}-axis`;
}
