/**
 * Named moments of the panel's first diagram (script running, ready posted,
 * source received, analysed, laid out, drawn, painted) as `performance.mark` entries
 * named `cnn-lens:<moment>`. `npm run bench` (test/bench/preview.ts) reads
 * them from the page to say where the time between "Open Preview" and the
 * first box goes. Each moment is marked once per page, so a long session
 * of edits adds nothing.
 */
const marked = new Set<string>();

/** Marks `moment` the first time it happens in this page. */
export function markOnce(moment: string): void {
  if (marked.has(moment)) return;
  marked.add(moment);
  if (typeof performance !== 'undefined' && typeof performance.mark === 'function') performance.mark(`cnn-lens:${moment}`);
}

/**
 * Calls `callback` once the browser has painted what the page holds now: a
 * frame callback runs just before the next paint, and a task queued from it
 * runs just after that paint. A page that is not shown paints no frames, so
 * the callback waits until it is shown. Without frames at all (Node), it runs
 * in a task of its own.
 */
export function afterPaint(callback: () => void): void {
  // Read from globalThis: this file is also type-checked for Node, which has no frames.
  const frame = (globalThis as { requestAnimationFrame?: (callback: () => void) => number }).requestAnimationFrame;
  if (typeof frame === 'function') frame(() => setTimeout(callback, 0));
  else setTimeout(callback, 0);
}

/**
 * Marks `moment` once the browser has painted what the page holds now
 * (`afterPaint`). This is when the user sees a drawing, which a test harness
 * polling the page notices only later.
 */
export function markAfterPaint(moment: string): void {
  if (marked.has(moment) || typeof (globalThis as { requestAnimationFrame?: unknown }).requestAnimationFrame !== 'function') return;
  afterPaint(() => markOnce(moment));
}
