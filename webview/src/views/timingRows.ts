/**
 * The rows of the timing view: each timed node in graph order with its share
 * of the whole run, and the time spent outside any node (reading outputs
 * back, yielding to the page). Pure, so the Node tests check it.
 */

/**
 * One node's time, the shape of the engine's NodeTiming. Restated here, not
 * imported, because the engine pulls in tfjs and DOM types that the Node
 * tests of this file cannot load.
 */
export interface TimedNode {
  node: number;
  op: string;
  ms: number;
}

/** One node's row. */
export interface TimingRow {
  node: number;
  op: string;
  ms: number;
  /** `ms` over the run's total, 0..1 (0 when the total is 0). */
  share: number;
  /** True for the slowest node, which the view marks. */
  slowest: boolean;
}

/** The rows, and what the nodes do not account for. */
export interface TimingTable {
  rows: TimingRow[];
  totalMs: number;
  /** `totalMs` less the nodes' sum, never negative: time between and after nodes. */
  otherMs: number;
}

/**
 * Orders `timings` by node id, which is graph order (ids are given in
 * topological order), and works out each share of `totalMs`.
 */
export function timingTable(timings: readonly TimedNode[], totalMs: number): TimingTable {
  const sorted = [...timings].sort((a, b) => a.node - b.node);
  const slowest = sorted.reduce((best, t) => (best === undefined || t.ms > best.ms ? t : best), undefined as TimedNode | undefined);
  const rows = sorted.map((t) => ({ node: t.node, op: t.op, ms: t.ms, share: totalMs > 0 ? t.ms / totalMs : 0, slowest: t === slowest }));
  const sum = sorted.reduce((a, t) => a + t.ms, 0);
  return { rows, totalMs, otherMs: Math.max(0, totalMs - sum) };
}

/** Milliseconds as the view prints them: two decimals below 10 ms, one below 1000, none above. */
export function formatMs(ms: number): string {
  return `${ms.toFixed(ms < 10 ? 2 : ms < 1000 ? 1 : 0)} ms`;
}
