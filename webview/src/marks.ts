/**
 * Named moments of the panel's first diagram (script running, ready posted,
 * source received, analysed, laid out, drawn) as `performance.mark` entries
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
