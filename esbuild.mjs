// Builds every bundle of CNN Lens. `node esbuild.mjs [--quiet] [--watch] [target...]`
// where a target is one of the keys of `targets` below; no target builds them all.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const watch = args.includes('--watch');
// `--production` (used by `npm run package`) minifies and leaves out source maps.
const production = args.includes('--production');
const wanted = args.filter((a) => !a.startsWith('--'));

/** Every `*.test.ts` below `dir`, so that a new test file needs no registration. */
function testEntries(dir, suffix = '.test.ts') {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...testEntries(path, suffix));
    else if (name.endsWith(suffix)) found.push(path);
  }
  return found;
}

/** The WASM backend fetches its binaries at run time, so they ship beside the webview bundle. */
const copyWasmBinaries = {
  name: 'copy-wasm-binaries',
  setup(build) {
    build.onEnd(() => {
      const from = 'node_modules/@tensorflow/tfjs-backend-wasm/dist';
      mkdirSync('dist/webview', { recursive: true });
      for (const name of readdirSync(from)) if (name.endsWith('.wasm')) copyFileSync(join(from, name), join('dist/webview', name));
    });
  },
};

/**
 * Writes dist/webview/preload.json: the chunks main.js imports statically, which the extension names in the page
 * (`<link rel="modulepreload">`) so they are fetched beside main.js instead of after it (src/client/preview.ts).
 */
const writePreloadList = {
  name: 'write-preload-list',
  setup(build) {
    build.onEnd((result) => {
      const main = Object.entries(result.metafile?.outputs ?? {}).find(([path]) => path.endsWith('/main.js'));
      if (!main) return;
      const chunks = main[1].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path.split('/').pop());
      writeFileSync('dist/webview/preload.json', JSON.stringify(chunks));
      // Chunks of earlier builds (other hashes) would otherwise pile up there and ship in the .vsix.
      const made = new Set(Object.keys(result.metafile.outputs).map((path) => path.split('/').pop()));
      for (const name of readdirSync('dist/webview')) if (/\.js(\.map)?$/.test(name) && !name.startsWith('convWorker.') && !made.has(name)) rmSync(join('dist/webview', name));
    });
  },
};

/**
 * The extension's modules that load when first needed, each a bundle of its own beside dist/extension.js: a dynamic
 * `import('./name')` of one of them from src/client stays a `require('./name.js')` at run time instead of being bundled.
 * Activation then compiles only the small extension.js (the preview's host and serializer), so a preview left open
 * comes back sooner after a reload; the language client and the import/export commands (the analysis core) load later.
 */
const lazyExtensionModules = ['languageClient', 'importModel', 'exportCommand'];
const loadExtensionModulesLazily = {
  name: 'load-extension-modules-lazily',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^\\./(${lazyExtensionModules.join('|')})$`) }, (args) =>
      args.kind === 'dynamic-import' && args.resolveDir.replace(/\\/g, '/').endsWith('src/client') ? { path: `${args.path}.js`, external: true } : undefined,
    );
  },
};

/**
 * Valid files are read without chevrotain (the core's hand lexer and direct parser). Where the core's parse.ts imports
 * chevrotain's parser (./parser), a build gets a stand-in that loads it on the first syntax error instead of at start:
 * the webview's loads it as a chunk of its own (webview/src/lazyParser.ts), so the first diagram does not wait for
 * chevrotain; the command line's, the server's and the extension's require() it then (src/node/lazyParser.ts).
 */
function loadErrorParserLazily(standIn) {
  return {
    name: 'load-error-parser-lazily',
    setup(build) {
      build.onResolve({ filter: /^\.\/parser$/ }, (args) =>
        args.resolveDir.replace(/\\/g, '/').endsWith('src/core/syntax') && args.importer.replace(/\\/g, '/').endsWith('src/core/syntax/parse.ts')
          ? { path: fileURLToPath(new URL(standIn, import.meta.url)) }
          : undefined,
      );
    },
  };
}

const node = {
  bundle: true,
  platform: 'node',
  plugins: [loadErrorParserLazily('src/node/lazyParser.ts')],
  target: 'node18',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: quiet ? 'warning' : 'info',
};

/** The webview runs in a browser: one self-contained script, no Node built-ins. */
const browser = { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', sourcemap: !production, minify: production, logLevel: quiet ? 'warning' : 'info' };

const targets = {
  // The command line, and the worker thread that computes training memory beside its plain analysis (src/cli/trainingMemory.ts).
  cli: { ...node, entryPoints: { cli: 'src/cli/main.ts', memoryWorker: 'src/cli/memoryWorker.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  grammar: { ...node, entryPoints: { grammar: 'src/tools/writeGrammar.ts' }, outdir: 'dist' },
  bench: { ...node, entryPoints: { bench: 'test/bench/main.ts' }, outdir: 'dist', external: ['playwright-core'] },
  // The language server, and the worker it runs analyses in (src/server/analysisWorkers.ts).
  server: { ...node, entryPoints: { server: 'src/server/main.ts', analysisWorker: 'src/server/analysisWorker.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  extension: {
    ...node,
    entryPoints: { extension: 'src/client/extension.ts', ...Object.fromEntries(lazyExtensionModules.map((name) => [name, `src/client/${name}.ts`])) },
    outdir: 'dist',
    external: ['vscode'],
    // `import()` becomes `require()`: the lazily loaded bundles are CommonJS like this one.
    supported: { 'dynamic-import': false },
    plugins: [...node.plugins, loadExtensionModulesLazily],
  },
  // The panel, as ES modules split into chunks: main.js draws the diagram, and ELK and the engine (tfjs) are chunks it
  // imports when it needs them, so the first diagram waits for neither. The convolution worker it starts to share large
  // convolutions (webview/src/engine/parallel) is one classic script: a worker made from a blob cannot import chunks.
  webview: [
    {
      ...browser,
      format: 'esm',
      splitting: true,
      entryPoints: { main: 'webview/src/main.ts' },
      outdir: 'dist/webview',
      chunkNames: '[name]-[hash]',
      metafile: true,
      plugins: [copyWasmBinaries, writePreloadList, loadErrorParserLazily('webview/src/lazyParser.ts')],
    },
    { ...browser, entryPoints: { convWorker: 'webview/src/engine/parallel/worker.ts' }, outdir: 'dist/webview' },
  ],
  tests: { ...node, entryPoints: testEntries('test'), outdir: 'out', outbase: '.', external: ['mocha', 'playwright-core', 'onnxruntime-web'] },
  // Extension-host tests (test/exthost) run inside VS Code, which provides `vscode`.
  exthost: { ...node, entryPoints: { index: 'test/exthost/index.ts', bench: 'test/exthost/bench.ts' }, outdir: 'out/exthost', external: ['vscode', 'mocha'] },
  electron: { ...node, entryPoints: { run: 'test/electron/run.ts' }, outdir: 'out/electron' },
  // Pages that browser tests load into headless Chromium (test/webview/pages/*.page.ts → out/pages/*.page.js).
  pages: { ...browser, entryPoints: testEntries('test/webview/pages', '.page.ts'), outdir: 'out/pages' },
};

const chosen = wanted.length ? wanted : Object.keys(targets);
for (const name of chosen) {
  if (!targets[name]) {
    console.error(`esbuild.mjs: unknown target "${name}"; known: ${Object.keys(targets).join(', ')}`);
    process.exit(2);
  }
}
await Promise.all(
  chosen.map(async (name) => {
    // A target is one build, or several that together make one output folder.
    for (const options of [targets[name]].flat()) {
      if (watch) {
        const context = await esbuild.context(options);
        await context.watch();
      } else {
        await esbuild.build(options);
      }
    }
  }),
);
