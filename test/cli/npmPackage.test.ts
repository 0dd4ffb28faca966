/**
 * The `cnn-lens` npm package as `npm pack` builds it: exactly the `cnn`
 * command line and the `cnn-language-server`, self-contained (no
 * dependencies to install), and both work from the unpacked tarball, far from
 * this checkout's node_modules.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers';
import { TestServer } from '../server/lspClient';

/** The environment without the outer npm's settings (under `npm test` they would steer the nested npm). */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

describe('the cnn-lens npm package (npm pack)', function () {
  this.timeout(180_000);
  let folder: string;
  let unpacked: string;
  let manifest: { name: string; private?: boolean; bin: Record<string, string>; dependencies?: Record<string, string> };
  let files: string[];

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-npm-'));
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', folder], { cwd: repoRoot, env: cleanEnvironment(), encoding: 'utf8' });
    assert.equal(pack.status, 0, `npm pack failed:\n${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    files = packed.files.map((f) => f.path).sort();
    const untar = spawnSync('tar', ['-xzf', join(folder, packed.filename), '-C', folder], { encoding: 'utf8' });
    assert.equal(untar.status, 0, untar.stderr);
    unpacked = join(folder, 'package');
    manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as typeof manifest;
  });
  after(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it("holds the two bundles (and their workers: the server's analyses, the command line's training memory), the manifest, the README and the licence, and nothing else", () => {
    assert.deepEqual(files, ['LICENSE', 'README.md', 'dist/analysisWorker.js', 'dist/cli.js', 'dist/memoryWorker.js', 'dist/server.js', 'package.json']);
  });

  it('can be published as cnn-lens, with the cnn and cnn-language-server commands and no dependencies to install', () => {
    assert.equal(manifest.name, 'cnn-lens');
    assert.notEqual(manifest.private, true, 'a private package cannot be published');
    assert.deepEqual(manifest.bin, { cnn: 'dist/cli.js', 'cnn-language-server': 'dist/server.js' });
    assert.deepEqual(manifest.dependencies ?? {}, {}, 'the bundles are self-contained');
    for (const bin of Object.values(manifest.bin)) assert.match(readFileSync(join(unpacked, bin), 'utf8'), /^#!\/usr\/bin\/env node\n/, `${bin} starts with a shebang`);
  });

  it('runs `cnn summary` on LeNet-5 from the package alone: 61,706 parameters', () => {
    const run = spawnSync(process.execPath, [join(unpacked, 'dist/cli.js'), 'summary', join(repoRoot, 'examples/lenet5.cnn')], { cwd: folder, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Total params: 61,706/);
  });

  it('starts the language server from the package alone, which reports a wrong assertion', async () => {
    const server = new TestServer(undefined, undefined, join(unpacked, 'dist/server.js'));
    try {
      const result = (await server.initialize()) as { capabilities: { hoverProvider?: unknown } };
      assert.ok(result.capabilities.hoverProvider, 'it offers hovers');
      const uri = await server.open('wrong.cnn', 'network N {\n  input(1x32x32)\n  conv(6, 5) -> 6x30x30\n}\n');
      const [diagnostic] = await server.diagnosticsFor(uri);
      assert.equal(diagnostic?.code, 'shape-mismatch');
    } finally {
      await server.stop();
    }
  });
});
