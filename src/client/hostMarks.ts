/**
 * Named moments of the extension's start (the extension host process
 * started, this bundle loaded, `activate` called, the preview's serializer
 * registered, VS Code asking it to restore a panel) and of the last "Open
 * Preview", in epoch milliseconds. The preview page carries them (`data-host-marks`), so
 * `npm run bench` (test/bench/preview.ts) can say which part of the wait for
 * a restored preview is VS Code's and which is ours. Imported first by
 * extension.ts, so that `bundle loaded` is the first code of the bundle to run.
 */

const marks: Record<string, number> = {};

/** Marks `moment` now: the first time it happens in this extension host, or each time when `every`. */
export function markHost(moment: string, every = false): void {
  if (every || !(moment in marks)) marks[moment] = Date.now();
}

/** The moments marked so far, in epoch milliseconds. */
export function hostMarks(): Record<string, number> {
  return { ...marks };
}

// Node counts its uptime from the process's start: the extension host began then.
marks['extension host started'] = Math.round(Date.now() - process.uptime() * 1000);
markHost('bundle loaded');
