/**
 * The messages between the panel's engine and its convolution workers (see
 * pool.ts and worker.ts). Each worker runs its own single-threaded tfjs WASM
 * backend and computes a range of a 2-D convolution's output channels, so a
 * large convolution uses several cores without SharedArrayBuffer (a VS Code
 * webview is not cross-origin isolated, so tfjs's threaded WASM build cannot
 * run there).
 */

/** tfjs's explicit padding of a 2-D NHWC convolution: [[0,0],[top,bottom],[left,right],[0,0]]. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Starts the WASM backend from `wasm`, the bytes of the binary the panel's
 * own backend uses. The worker fetches nothing: in a VS Code webview the
 * page's resources are served through its service worker, which a blob:
 * worker's requests do not reach (its fetch of the binary never answered).
 */
export interface InitMessage {
  kind: 'init';
  wasm: ArrayBuffer;
}

/**
 * Keeps one convolution's share of filters in the worker under `key`, until a
 * `forget` names the key's prefix. `filter` is [kh, kw, in, outShare] and
 * `bias` has outShare values (batch norm already folded in).
 */
export interface FilterMessage {
  kind: 'filter';
  key: string;
  filter: Float32Array;
  filterShape: [number, number, number, number];
  bias: Float32Array;
}

/**
 * Computes the share of a convolution kept under `key` for an NHWC input of
 * batch one. Both buffers are transferred, not copied, and come back in the
 * reply to be used again: allocating fresh memory for every layer costs more
 * than the copies themselves (each new page is zeroed by the system).
 */
export interface ConvolveMessage {
  kind: 'convolve';
  /** Matches the reply to the request. */
  id: number;
  key: string;
  /** Holds the input's values at its start (it may be longer). */
  input: ArrayBuffer;
  inputShape: [number, number, number, number];
  /** Where to write the output, when it is long enough; otherwise the worker makes a longer one. */
  output: ArrayBuffer;
  strides: [number, number];
  dilations: [number, number];
  pad: ExplicitPadding;
  activation: 'linear' | 'relu';
}

/** Frees every kept filter whose key starts with `prefix` (an engine was disposed). */
export interface ForgetMessage {
  kind: 'forget';
  prefix: string;
}

/** What the engine sends a worker. */
export type ToWorker = InitMessage | FilterMessage | ConvolveMessage | ForgetMessage;

/** The backend is ready (`ok`), or could not start, with tfjs's reason. */
export interface ReadyMessage {
  kind: 'ready';
  ok: boolean;
  error?: string;
}

/**
 * A finished share: NHWC values of [1, outHeight, outWidth, outShare] at the
 * start of `output`, or the error that stopped it. Both buffers come back.
 */
export interface ConvolvedMessage {
  kind: 'convolved';
  id: number;
  input: ArrayBuffer;
  output: ArrayBuffer;
  outputShape?: [number, number, number, number];
  error?: string;
}

/** What a worker sends back. */
export type FromWorker = ReadyMessage | ConvolvedMessage;
