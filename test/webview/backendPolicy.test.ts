/**
 * The pure backend policy with made-up probes: a software GPU (SwiftShader,
 * llvmpipe, a fallback adapter) never beats WASM, a hardware GPU comes first,
 * the user's choice wins when it is available, and the reason says why.
 */
import { strict as assert } from 'node:assert';
import { chooseBackend, isSoftwareRenderer, type BackendName, type BackendProbe } from '../../webview/src/engine/backendPolicy';

const swiftShaderGl = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const wasm: BackendProbe = { name: 'wasm', available: true };
const cpu: BackendProbe = { name: 'cpu', available: true };

const cases: { name: string; probes: BackendProbe[]; preferred?: BackendName; chosen: BackendName; reason: RegExp }[] = [
  {
    name: 'software WebGPU and WebGL (SwiftShader, as headless Chromium has) lose to WASM',
    probes: [{ name: 'webgpu', available: true, software: true, description: 'google, swiftshader' }, { name: 'webgl', available: true, software: true, description: swiftShaderGl }, wasm, cpu],
    chosen: 'wasm',
    reason: /WebGL renderer is SwiftShader \(software\).*WebGPU adapter is SwiftShader \(software\), so WASM is faster here/,
  },
  {
    name: 'a WebGPU fallback adapter with no software name still loses to WASM',
    probes: [{ name: 'webgpu', available: true, software: true, description: 'some vendor' }, { name: 'webgl', available: false, error: 'no WebGL context' }, wasm, cpu],
    chosen: 'wasm',
    reason: /WebGPU adapter is .*\(software\), so WASM is faster/,
  },
  {
    name: 'hardware WebGPU comes first',
    probes: [{ name: 'webgpu', available: true, software: false, description: 'nvidia, ampere' }, { name: 'webgl', available: true, software: false, description: 'ANGLE (NVIDIA)' }, wasm, cpu],
    chosen: 'webgpu',
    reason: /WebGPU runs on a hardware GPU \(nvidia, ampere\)/,
  },
  {
    name: 'hardware WebGL beats WASM when WebGPU is missing, and says so',
    probes: [{ name: 'webgpu', available: false, error: 'this browser has no WebGPU' }, { name: 'webgl', available: true, software: false, description: 'ANGLE (Intel)' }, wasm, cpu],
    chosen: 'webgl',
    reason: /WebGL runs on a hardware GPU \(ANGLE \(Intel\)\); WebGPU is unavailable/,
  },
  {
    name: "the user's choice wins even when slower",
    probes: [{ name: 'webgpu', available: true, software: false, description: 'nvidia' }, wasm, cpu],
    preferred: 'cpu',
    chosen: 'cpu',
    reason: /CPU chosen by the user/,
  },
  {
    name: "the user's choice of a software GPU wins over WASM",
    probes: [{ name: 'webgpu', available: true, software: true, description: 'google, swiftshader' }, wasm, cpu],
    preferred: 'webgpu',
    chosen: 'webgpu',
    reason: /WebGPU chosen by the user \(software GPU/,
  },
  {
    name: 'an unavailable preference falls back to the policy',
    probes: [{ name: 'webgpu', available: false, error: 'no WebGPU adapter' }, wasm, cpu],
    preferred: 'webgpu',
    chosen: 'wasm',
    reason: /No GPU backend is available, so WASM/,
  },
  {
    name: 'without WASM, a software GPU beats the plain CPU backend',
    probes: [{ name: 'webgl', available: true, software: true, description: swiftShaderGl }, { name: 'wasm', available: false, error: 'no WebAssembly' }, cpu],
    chosen: 'webgl',
    reason: /WASM is unavailable, so WebGL on a software GPU/,
  },
];

describe('backend policy (chooseBackend)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const choice = chooseBackend(c.probes, c.preferred);
      assert.equal(choice.chosen, c.chosen);
      assert.match(choice.reason, c.reason);
    });
  }

  it('ranks every backend and keeps the unavailable ones with their error', () => {
    const choice = chooseBackend([{ name: 'webgpu', available: false, error: 'no WebGPU adapter' }, { name: 'webgl', available: true, software: true, description: swiftShaderGl }, wasm, cpu]);
    assert.deepEqual(
      choice.backends.map((b) => b.name),
      ['wasm', 'webgl', 'cpu', 'webgpu'],
    );
    assert.match(choice.backends[3].status, /unavailable: no WebGPU adapter/);
  });

  it('recognises software renderers by name', () => {
    for (const name of [swiftShaderGl, 'llvmpipe (LLVM 15.0.6, 256 bits)', 'Microsoft Basic Render Driver', 'lavapipe']) assert.ok(isSoftwareRenderer(name), name);
    for (const name of ['ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0)', 'Apple M2', undefined]) assert.ok(!isSoftwareRenderer(name), String(name));
  });
});
