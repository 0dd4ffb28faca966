/**
 * Registers the tfjs backends (WebGPU, WebGL, WASM, CPU), probes which ones
 * work in this browser and on what hardware, and switches between them.
 * The decision itself is the pure `chooseBackend` in backendPolicy.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { chooseBackend, isSoftwareRenderer, type BackendChoice, type BackendName, type BackendProbe } from './backendPolicy';

/** Where the WASM backend finds its binaries (`tfjs-backend-wasm*.wasm`), as a URL ending in `/`. */
export interface BackendOptions {
  wasmBaseUrl: string;
  /** The user's choice from the panel's switch; ignored when that backend is unavailable. */
  preferred?: BackendName;
  /**
   * What `probeBackends` found earlier, so the panel probes once (a WebGPU
   * adapter request and a WebGL context each time). A backend that fails to
   * initialise is marked unavailable in this list.
   */
  probes?: BackendProbe[];
}

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  requestAdapterInfo?: () => Promise<{ vendor?: string; architecture?: string; device?: string; description?: string }>;
}

async function probeWebGpu(): Promise<BackendProbe> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return { name: 'webgpu', available: false, error: 'this browser has no WebGPU' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { name: 'webgpu', available: false, error: 'no WebGPU adapter' };
    const info = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    const description = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(', ');
    const software = adapter.isFallbackAdapter === true || isSoftwareRenderer(description);
    return { name: 'webgpu', available: true, software, description: description || undefined };
  } catch (error) {
    return { name: 'webgpu', available: false, error: (error as Error).message };
  }
}

function probeWebGl(): BackendProbe {
  try {
    const canvas = document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return { name: 'webgl', available: false, error: 'no WebGL context' };
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { name: 'webgl', available: true, software: isSoftwareRenderer(renderer), description: renderer };
  } catch (error) {
    return { name: 'webgl', available: false, error: (error as Error).message };
  }
}

/** Probes every backend without initialising a GPU backend in tfjs (so a crashing software GPU is never touched). */
export async function probeBackends(): Promise<BackendProbe[]> {
  return [
    await probeWebGpu(),
    probeWebGl(),
    typeof WebAssembly === 'object' ? { name: 'wasm', available: true } : { name: 'wasm', available: false, error: 'no WebAssembly' },
    { name: 'cpu', available: true },
  ];
}

let wasmPathsSet = false;

/**
 * Probes, chooses and activates a backend. If the chosen one fails to
 * initialise, it is marked unavailable with the error and the next best is
 * tried, so the result always names the backend really in use.
 */
export async function initBackend(options: BackendOptions): Promise<BackendChoice> {
  if (!wasmPathsSet) {
    setWasmPaths(options.wasmBaseUrl);
    // The threaded WASM build needs a cross-origin isolated page and a blob: worker, which a
    // VS Code webview (default-src 'none') does not allow; the package ships only the
    // single-threaded binaries, so tfjs must not pick the threaded one where isolation exists.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmPathsSet = true;
  }
  const probes = options.probes ?? (await probeBackends());
  for (;;) {
    const choice = chooseBackend(probes, options.preferred);
    const failed = probes.find((p) => p.name === choice.chosen);
    try {
      if (tf.getBackend() !== choice.chosen && !(await tf.setBackend(choice.chosen))) throw new Error('tfjs could not initialise it');
      await tf.ready();
      return choice;
    } catch (error) {
      if (!failed || choice.chosen === 'cpu') throw error;
      failed.available = false;
      failed.error = `failed to initialise: ${(error as Error).message ?? String(error)}`;
    }
  }
}

/**
 * The WASM binary the backend loads in this browser (the SIMD build where
 * WebAssembly SIMD works; never the threaded one, see initBackend), so the
 * convolution workers run the same build.
 */
export async function wasmBinaryUrl(wasmBaseUrl: string): Promise<string> {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  return `${wasmBaseUrl}${simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm'}`;
}

/** The backend tfjs is using now. */
export function currentBackend(): string {
  return tf.getBackend();
}
