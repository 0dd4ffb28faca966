/**
 * A convolution worker (bundled as dist/webview/convWorker.js): a
 * single-threaded tfjs WASM backend of its own that keeps its share of each
 * convolution's filters and computes that share's output channels on
 * request. Only tfjs-core and the WASM backend are bundled, not all of tfjs.
 * Values travel in buffers that go back and forth (see protocol.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { ConvolvedMessage, ConvolveMessage, FilterMessage, FromWorker, ToWorker } from './protocol';

/** The worker's global scope, typed by hand: the webview's tsconfig has the DOM library, not WebWorker's. */
const scope = self as unknown as {
  onmessage: ((event: { data: ToWorker }) => void) | null;
  onunhandledrejection: ((event: { reason: unknown }) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
};

const filters = new Map<string, { filter: tf.Tensor4D; bias: tf.Tensor1D }>();

/** The name the backend is told its binary has, whichever build it picks; `fetch` answers it with the panel's bytes. */
const BINARY = 'cnn-lens-panel.wasm';

let starting = false;

// tfjs compiles the binary in a promise chain of its own that nobody awaits: a binary that does
// not compile would leave the panel waiting for `ready` until its timeout, so say so at once.
scope.onunhandledrejection = (event) => {
  if (!starting) return;
  starting = false;
  const reason = event.reason as { message?: string } | undefined;
  scope.postMessage({ kind: 'ready', ok: false, error: reason?.message ?? String(event.reason) });
};

async function init(wasm: ArrayBuffer): Promise<void> {
  starting = true;
  try {
    const platform = tf.env().platform;
    const fetchFromNetwork = platform.fetch.bind(platform);
    platform.fetch = (path, requestInit) => (path === BINARY ? Promise.resolve(new Response(wasm, { headers: { 'Content-Type': 'application/wasm' } })) : fetchFromNetwork(path, requestInit));
    // `true`: load through the platform's fetch (above) rather than Emscripten's own.
    setWasmPaths({ 'tfjs-backend-wasm.wasm': BINARY, 'tfjs-backend-wasm-simd.wasm': BINARY, 'tfjs-backend-wasm-threaded-simd.wasm': BINARY }, true);
    // Same reason as the panel (backends.ts): only the single-threaded binaries ship.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise the WASM backend');
    await tf.ready();
    if (starting) scope.postMessage({ kind: 'ready', ok: true });
  } catch (error) {
    if (starting) scope.postMessage({ kind: 'ready', ok: false, error: (error as Error).message ?? String(error) });
  }
  starting = false;
}

function keep(message: FilterMessage): void {
  filters.get(message.key)?.filter.dispose();
  filters.get(message.key)?.bias.dispose();
  filters.set(message.key, { filter: tf.tensor4d(message.filter, message.filterShape), bias: tf.tensor1d(message.bias) });
}

function convolve(message: ConvolveMessage): void {
  let { output } = message;
  let reply: Omit<ConvolvedMessage, 'input' | 'output'>;
  try {
    const kept = filters.get(message.key);
    if (!kept) throw new Error(`no filters kept under ${message.key}`);
    const inputLength = message.inputShape.reduce((a, b) => a * b, 1);
    const y = tf.tidy(() =>
      tf.fused.conv2d({
        x: tf.tensor4d(new Float32Array(message.input, 0, inputLength), message.inputShape),
        filter: kept.filter,
        strides: message.strides,
        pad: message.pad,
        dataFormat: 'NHWC',
        dilations: message.dilations,
        bias: kept.bias,
        activation: message.activation,
      }),
    );
    // A view of the WASM heap, copied once into the reply's buffer: no new memory on either side.
    const values = (tf.backend() as BackendWasm).typedArrayFromHeap(y) as Float32Array;
    if (output.byteLength < values.byteLength) output = new ArrayBuffer(values.byteLength);
    new Float32Array(output, 0, values.length).set(values);
    reply = { kind: 'convolved', id: message.id, outputShape: y.shape as [number, number, number, number] };
    y.dispose();
  } catch (error) {
    reply = { kind: 'convolved', id: message.id, error: (error as Error).message ?? String(error) };
  }
  scope.postMessage({ ...reply, input: message.input, output }, [message.input, output]);
}

function forget(prefix: string): void {
  for (const [key, kept] of filters) {
    if (!key.startsWith(prefix)) continue;
    kept.filter.dispose();
    kept.bias.dispose();
    filters.delete(key);
  }
}

// Messages are handled in the order they arrive; a convolution finishes (its data read) before the next starts.
let queue = Promise.resolve();
scope.onmessage = (event) => {
  const message = event.data;
  queue = queue
    .then(async () => {
      if (message.kind === 'init') await init(message.wasm);
      else if (message.kind === 'filter') keep(message);
      else if (message.kind === 'convolve') convolve(message);
      else if (message.kind === 'forget') forget(message.prefix);
    })
    // A filter that could not be kept shows up as an error reply to the convolution that needs it.
    .catch(() => undefined);
};
