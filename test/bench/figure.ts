/** The shape of every benchmark figure, and the one way they are summarised and printed. */

/** One benchmark figure: median and p95 over runs, against a target. */
export interface Figure {
  name: string;
  medianMs: number;
  p95Ms: number;
  targetMs: number;
}

/** The median and p95 of `times` as a figure. */
export function summarise(name: string, targetMs: number, times: number[]): Figure {
  const sorted = [...times].sort((a, b) => a - b);
  return { name, medianMs: sorted[Math.floor(sorted.length / 2)], p95Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))], targetMs };
}

/** One printed line per figure: median, p95, target and their ratio (below 1 meets the target). */
export function figureLine(f: Figure): string {
  return `${f.name.padEnd(60)} median ${f.medianMs.toFixed(2).padStart(8)} ms   p95 ${f.p95Ms.toFixed(2).padStart(8)} ms   target ${String(f.targetMs).padStart(4)} ms   ratio ${(f.medianMs / f.targetMs).toFixed(2)}`;
}
