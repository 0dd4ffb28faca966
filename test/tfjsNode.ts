/**
 * tfjs in the Node test process. The WASM backend computes convolutions
 * about twenty times faster than the pure-JavaScript CPU backend here, which
 * is what keeps the Keras export tests on the large examples short; it is
 * the same backend the preview falls back to without a GPU.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { join } from 'node:path';

/** Selects tfjs's WASM backend, reading its .wasm files from the installed package (the tests are bundled, so the package's own lookup cannot find them). */
export async function useWasmBackend(): Promise<void> {
  setWasmPaths(join(process.cwd(), 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist') + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error("tfjs's WASM backend did not start in Node");
}
