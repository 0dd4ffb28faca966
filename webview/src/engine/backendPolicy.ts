/**
 * Which tfjs backend to use, decided from what the browser offers. Pure, so
 * that it is tested with made-up GPU descriptions. Measured in headless
 * Chromium: ResNet-18 at 224x224 takes about 10 s on software WebGPU, 2.2 s
 * on software WebGL and 156 ms on WASM, so a software GPU never beats WASM.
 */

/** The tfjs backends the panel can use. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** What probing one backend found. */
export interface BackendProbe {
  name: BackendName;
  /** Whether it initialised. */
  available: boolean;
  /** True for an emulated GPU (SwiftShader, llvmpipe, a fallback adapter). */
  software?: boolean;
  /** The adapter or renderer as the browser names it, e.g. `ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device ...))`. */
  description?: string;
  /** Why it is unavailable. */
  error?: string;
}

/** A backend as the panel offers it in its switch. */
export interface BackendStatus extends BackendProbe {
  /** A short human-readable status: `hardware GPU`, `software (SwiftShader)`, `unavailable: ...`. */
  status: string;
  /** Rank in the policy's order of preference, 0 = best. */
  rank: number;
}

/** The decision: which backend, why, and every backend with its status. */
export interface BackendChoice {
  chosen: BackendName;
  reason: string;
  backends: BackendStatus[];
}

const softwarePattern = /swiftshader|llvmpipe|softpipe|software|basic render|microsoft basic|lavapipe/i;

/** True when a GPU description names a software rasteriser. */
export function isSoftwareRenderer(description: string | undefined): boolean {
  return description !== undefined && softwarePattern.test(description);
}

const label: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/** hardware WebGPU > hardware WebGL > WASM > software WebGL > software WebGPU > CPU. */
function rankOf(probe: BackendProbe): number {
  if (!probe.available) return 100;
  switch (probe.name) {
    case 'webgpu':
      return probe.software ? 4 : 0;
    case 'webgl':
      return probe.software ? 3 : 1;
    case 'wasm':
      return 2;
    case 'cpu':
      return 5;
  }
}

function statusOf(probe: BackendProbe): string {
  if (!probe.available) return `unavailable${probe.error ? `: ${probe.error}` : ''}`;
  if (probe.name === 'wasm') return 'WebAssembly on the CPU';
  if (probe.name === 'cpu') return 'plain JavaScript (slowest)';
  const what = probe.description ? ` (${probe.description})` : '';
  return probe.software ? `software GPU${what}` : `hardware GPU${what}`;
}

/**
 * Picks the fastest real backend: hardware WebGPU, then hardware WebGL, then
 * WASM, then a software WebGL or WebGPU, then the plain CPU backend. A
 * `preferred` backend that is available wins (the user's switch).
 */
export function chooseBackend(probes: BackendProbe[], preferred?: BackendName): BackendChoice {
  const backends: BackendStatus[] = probes.map((probe) => ({ ...probe, status: statusOf(probe), rank: rankOf(probe) })).sort((a, b) => a.rank - b.rank);
  const usable = backends.filter((b) => b.available);
  const wanted = preferred && usable.find((b) => b.name === preferred);
  if (wanted) return { chosen: wanted.name, reason: `${label[wanted.name]} chosen by the user (${wanted.status}).`, backends };
  const best = usable[0];
  if (!best) return { chosen: 'cpu', reason: 'No backend initialised; trying the plain CPU backend.', backends };
  const software = backends.filter((b) => b.available && b.software && b.rank > best.rank);
  const missing = backends.filter((b) => !b.available && (b.name === 'webgpu' || b.name === 'webgl'));
  let reason: string;
  // A software GPU can only be best when WASM is unavailable; say so rather than calling it hardware.
  if (best.software) reason = `WASM is unavailable, so ${label[best.name]} on a software GPU${best.description ? ` (${best.description})` : ''} is the best left.`;
  else if (best.name === 'webgpu') reason = `WebGPU runs on a hardware GPU${best.description ? ` (${best.description})` : ''}, the fastest backend.`;
  else if (best.name === 'webgl')
    reason = `WebGL runs on a hardware GPU${best.description ? ` (${best.description})` : ''}${missing.some((m) => m.name === 'webgpu') ? '; WebGPU is unavailable' : ''}.`;
  else if (best.name === 'wasm' && software.length) {
    const which = software.map((s) => `${label[s.name]} ${s.name === 'webgpu' ? 'adapter' : 'renderer'} is ${s.description ? describeSoftware(s.description) : 'a software fallback'} (software)`);
    reason = `${which.join(' and the ')}, so WASM is faster here.`;
  } else if (best.name === 'wasm') reason = 'No GPU backend is available, so WASM (WebAssembly on the CPU) is the fastest.';
  else reason = 'Only the plain JavaScript CPU backend initialised; expect slow runs.';
  return { chosen: best.name, reason, backends };
}

/** `SwiftShader` from `ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)`. */
function describeSoftware(description: string): string {
  const match = description.match(softwarePattern);
  if (!match) return description;
  const word = match[0].toLowerCase();
  return word === 'swiftshader' ? 'SwiftShader' : word === 'llvmpipe' ? 'llvmpipe' : description;
}
