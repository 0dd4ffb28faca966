// Builds every bundle of CNN Lens. `node esbuild.mjs [--quiet] [--watch] [target...]`
// where a target is one of the keys of `targets` below; no target builds them all.
import * as esbuild from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const quiet = args.includes('--quiet');
const watch = args.includes('--watch');
const wanted = args.filter((a) => !a.startsWith('--'));

/** Every `*.test.ts` below `dir`, so that a new test file needs no registration. */
function testEntries(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...testEntries(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const node = { bundle: true, platform: 'node', target: 'node18', format: 'cjs', sourcemap: true, logLevel: quiet ? 'warning' : 'info' };

const targets = {
  cli: { ...node, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  grammar: { ...node, entryPoints: { grammar: 'src/tools/writeGrammar.ts' }, outdir: 'dist' },
  bench: { ...node, entryPoints: { bench: 'test/bench/main.ts' }, outdir: 'dist' },
  server: { ...node, entryPoints: { server: 'src/server/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  extension: { ...node, entryPoints: { extension: 'src/client/extension.ts' }, outdir: 'dist', external: ['vscode'] },
  tests: { ...node, entryPoints: testEntries('test'), outdir: 'out', outbase: '.', external: ['mocha', 'playwright-core'] },
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
    if (watch) {
      const context = await esbuild.context(targets[name]);
      await context.watch();
    } else {
      await esbuild.build(targets[name]);
    }
  }),
);
