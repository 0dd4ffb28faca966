/** The smallest page: proves the page bundle loads and reports the browser's WebGPU support. */
declare global {
  interface Window {
    smoke: { ready: boolean; hasWebGpu: boolean };
  }
}
window.smoke = { ready: true, hasWebGpu: 'gpu' in navigator };
export {};
