/**
 * The preview panel's script: builds the page, injects its styles with the
 * page's nonce (the content security policy allows no other styles), and
 * starts the controller. The body carries the URL of the bundle's folder,
 * where the WASM backend finds its binaries. This is an ES module: ELK and
 * the engine are chunks it imports later (see esbuild.mjs), so the first
 * diagram waits for neither.
 */
import './scriptStart';
import { PreviewApp } from './panel/app';
import { Host } from './panel/host';
import { buildLayout } from './panel/layout';
import { injectStyles } from './panel/styles';
import { markOnce } from './marks';

markOnce('modules');

const body = document.body;
injectStyles(body.dataset.nonce);
const root = document.getElementById('app') ?? body;
const assets = body.dataset.assets ?? new URL('.', import.meta.url).href;
const app = new PreviewApp(buildLayout(root), new Host(), assets);
// `npm run bench` (test/bench/preview.ts) times an output-only pass in this very panel through this hook, to compare Run against.
// It also reads where the last Run's time went (app.lastRunPhases).
(globalThis as { cnnLensPreview?: { timeOutputOnly(): Promise<number>; lastRunPhases(): unknown } }).cnnLensPreview = {
  timeOutputOnly: () => app.timeOutputOnly(),
  lastRunPhases: () => app.lastRunPhases,
};
