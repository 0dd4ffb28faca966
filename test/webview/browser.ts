/**
 * Headless Chromium for browser tests: Debian's /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser), and a static file server on
 * loopback so pages can fetch bundles and WASM binaries as a webview would.
 */
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** Flags for a closed network: no background connections, no GPU process surprises, WebGPU exposed (software adapter). */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
];

/** Launches Debian's Chromium headless. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install Debian's chromium package (apt-get install chromium); .ci/run does.`);
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/** Serves files below `root` on 127.0.0.1 with a random port. */
export async function startStaticServer(root = process.cwd()): Promise<{ url: string; close(): Promise<void> }> {
  const base = resolve(root);
  const server: Server = createServer((request, response) => {
    const path = normalize(join(base, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(base) || !existsSync(path) || !statSync(path).isFile()) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': contentTypes[extname(path)] ?? 'application/octet-stream' });
    response.end(readFileSync(path));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(() => done())) };
}

/**
 * Opens a blank page from the server and loads a bundled test page
 * (`out/pages/NAME.page.js`), whose exports it puts on `window`.
 * Console errors are collected so tests can show them on failure.
 */
export async function openTestPage(browser: Browser, serverUrl: string, name: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${serverUrl}/test/webview/blank.html`);
  await page.addScriptTag({ url: `${serverUrl}/out/pages/${name}.page.js` });
  return { page, errors };
}

/** Reads a global a test page set (`window[name]`), typed by the caller; Node's type-check knows no `window`. */
export async function pageGlobal<T>(page: Page, name: string): Promise<T> {
  return page.evaluate((key) => (globalThis as unknown as Record<string, unknown>)[key], name) as Promise<T>;
}

/** The arguments of a page API's function. */
export type PageArguments<F> = F extends (...args: infer A) => unknown ? A : never;
/** What a page API's function gives back, awaited. */
export type PageResult<F> = F extends (...args: never[]) => infer R ? Awaited<R> : never;

/**
 * A typed caller for the API a test page put on `window[global]`: arguments
 * and results cross as JSON (typed arrays do not survive the crossing). The
 * page is read at each call, so a suite can open it in `before`.
 */
export function pageCaller<Api>(global: string, page: () => Page) {
  return <K extends keyof Api & string>(name: K, ...args: PageArguments<Api[K]>): Promise<PageResult<Api[K]>> =>
    page().evaluate(
      ([key, method, list]) => {
        const api = (globalThis as unknown as Record<string, Record<string, (...x: unknown[]) => unknown>>)[key];
        return api[method](...list);
      },
      [global, name, args as unknown[]] as const,
    ) as Promise<PageResult<Api[K]>>;
}

/** What `usePageSuite`'s hooks set up; read it inside tests, after `before` has run. */
export interface PageSuite {
  browser: Browser;
  serverUrl: string;
  page: Page;
}

/**
 * Registers the mocha hooks of a suite that tests one bundled page: Chromium
 * and the static server for the whole suite, the page opened once, and a
 * check after each test that the page logged no errors. The blank page asks
 * for a favicon the server does not have; that one error is allowed.
 */
export function usePageSuite(name: string): PageSuite {
  const suite = {} as PageSuite;
  let server: Awaited<ReturnType<typeof startStaticServer>> | undefined;
  let errors: string[] = [];
  before(async () => {
    server = await startStaticServer();
    suite.serverUrl = server.url;
    suite.browser = await launchChromium();
    ({ page: suite.page, errors } = await openTestPage(suite.browser, server.url, name));
  });
  after(async () => {
    await suite.browser?.close();
    await server?.close();
  });
  afterEach(() =>
    assert.deepEqual(
      errors.filter((e) => !/Failed to load resource/.test(e)),
      [],
      'the page logged errors',
    ),
  );
  return suite;
}
