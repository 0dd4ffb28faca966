/**
 * The engine's errors and the node description they carry, without tfjs:
 * the panel's first script (webview/src/main.ts) tells a cancelled or
 * unsupported run apart with `instanceof`, and must not pull in the engine
 * to do so (the engine loads after the first diagram; see panel/runSession.ts).
 */

/** A node the engine cannot run, with the reason the panel shows. */
export interface UnsupportedNode {
  node: number;
  op: string;
  /** 1-based source line. */
  line: number;
  reason: string;
}

/** Raised for an op the engine (or the active backend) cannot run: the message names the op and its line. */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
  constructor(readonly unsupported: UnsupportedNode[]) {
    super(unsupported.map((u) => `${u.op} on line ${u.line}: ${u.reason}`).join('; '));
  }
}

/** Raised when a run is cancelled through its AbortSignal. */
export class RunCancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('the forward pass was cancelled');
  }
}

/**
 * Settles like `promise`, or rejects with RunCancelledError as soon as
 * `signal` aborts: a Cancel takes effect at once even while the run waits for
 * something it does not own (the backend starting, weights being made for a
 * preparation it joined, the workers loading), which goes on for later runs.
 */
export function unlessCancelled<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new RunCancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RunCancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
