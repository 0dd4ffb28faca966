/**
 * The .vsix that `npm run package` builds: bundles only, no node_modules, no
 * sources or tests, and small. vsce applies .vscodeignore, so this packages the
 * current build the same way and reads the archive's file list.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { sharedVsix } from './codeServer';

/** Entries of a zip archive, read with Python's zipfile (Python is on every CI machine here, for the PyTorch oracle). */
function zipEntries(path: string): { name: string; size: number }[] {
  const script = 'import json,sys,zipfile; print(json.dumps([[i.filename, i.file_size] for i in zipfile.ZipFile(sys.argv[1]).infolist()]))';
  const listed = spawnSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' });
  assert.equal(listed.status, 0, listed.stderr);
  return (JSON.parse(listed.stdout) as [string, number][]).map(([name, size]) => ({ name, size }));
}

describe('packaged extension (.vsix)', function () {
  this.timeout(120_000);
  let vsix: string;
  let entries: { name: string; size: number }[];
  before(() => {
    // The .vsix the real-editor suites install: the same build, packaged once.
    vsix = sharedVsix();
    entries = zipEntries(vsix);
  });

  it('holds the bundles the manifest and the webview need', () => {
    const names = new Set(entries.map((e) => e.name));
    for (const required of [
      'extension/package.json',
      'extension/LICENSE.txt',
      'extension/dist/extension.js',
      'extension/dist/server.js',
      'extension/dist/webview/main.js',
      'extension/dist/webview/convWorker.js',
      'extension/dist/webview/tfjs-backend-wasm.wasm',
      'extension/dist/webview/tfjs-backend-wasm-simd.wasm',
      'extension/syntaxes/cnn.tmLanguage.json',
      'extension/syntaxes/language-configuration.json',
      'extension/syntaxes/cnn.code-snippets',
      'extension/images/icon.png',
    ]) {
      assert.ok(names.has(required), `${required} is missing from the .vsix`);
    }
  });

  it("holds every chunk the webview's main.js imports, statically or when it needs ELK, the run session, the engine, the result views or the parser for syntax errors", () => {
    const names = new Set(entries.map((e) => e.name));
    // Chunks import chunks too (the parser for syntax errors is imported by the shared chunk, the engine by the run session), so follow every import.
    const chunks = new Set<string>();
    const imports = (file: string) => [...readFileSync(`dist/webview/${file}`, 'utf8').matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["']\.\/([\w.-]+\.js)["']/g)].map((m) => m[1]);
    const pending = imports('main.js');
    for (let chunk = pending.pop(); chunk !== undefined; chunk = pending.pop()) {
      if (chunks.has(chunk)) continue;
      chunks.add(chunk);
      pending.push(...imports(chunk));
    }
    const named = (prefix: string) => [...chunks].some((chunk) => chunk.startsWith(prefix));
    assert.ok(
      ['elk.bundled-', 'runSession-', 'runtime-', 'results-', 'parser-'].every(named),
      `main.js imports ELK, the run session, the engine, the result views and the parser for syntax errors (${[...chunks].join(', ')})`,
    );
    for (const chunk of [...chunks, 'preload.json']) assert.ok(names.has(`extension/dist/webview/${chunk}`), `${chunk} is missing from the .vsix`);
  });

  it('holds every bundle extension.js loads when first needed (the language client, import, export)', () => {
    const names = new Set(entries.map((e) => e.name));
    const extension = readFileSync('dist/extension.js', 'utf8');
    const bundles = new Set([...extension.matchAll(/require\(["']\.\/([\w.-]+\.js)["']\)/g)].map((m) => m[1]));
    assert.deepEqual([...bundles].sort(), ['exportCommand.js', 'importModel.js', 'languageClient.js']);
    for (const bundle of bundles) assert.ok(names.has(`extension/dist/${bundle}`), `${bundle} is missing from the .vsix`);
  });

  it('leaves out node_modules, sources, tests, source maps and developer tools', () => {
    const unwanted = entries.filter(
      (e) =>
        /(^|\/)node_modules\//.test(e.name) ||
        /^extension\/(src|test|out|webview|\.tools|\.ci)\//.test(e.name) ||
        /\.(ts|map)$/.test(e.name) ||
        /^extension\/dist\/(cli|bench|grammar)\.js$/.test(e.name),
    );
    assert.deepEqual(
      unwanted.map((e) => e.name),
      [],
    );
  });

  it('stays small', () => {
    const bytes = statSync(vsix).size;
    // tfjs and its WASM binaries dominate; unminified test builds are larger than `npm run package` makes.
    assert.ok(bytes < 12 * 1024 * 1024, `the .vsix is ${(bytes / 1024 / 1024).toFixed(1)} MB`);
    assert.ok(entries.length < 60, `the .vsix has ${entries.length} files`);
  });
});
