/**
 * Runs the extension-host suite (test/exthost) inside code-server, which
 * needs no download: the same tests `npm run test:electron` runs in a
 * downloaded VS Code.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as e2e from './codeServer';

describe('extension-host tests in code-server', function () {
  this.timeout(300_000);
  let folder: string;
  let server: e2e.CodeServer;

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), 'cnn-lens-exthost-'));
    cpSync('test/data/e2e', folder, { recursive: true });
    server = await e2e.startCodeServer({ folder, smokeTestDriver: true, extensionDevelopmentPath: e2e.repoRoot() });
  });
  after(() => e2e.cleanUp({ server, folder }));

  it('passes with the vscode API: activation, commands, diagnostics, hover, inlay hints, quick fix', async () => {
    const result = await e2e.runExtensionTests(server, {
      extensionDevelopmentPath: e2e.repoRoot(),
      extensionTestsPath: resolve('out/exthost/index.js'),
      screenshotOnFailure: 'out/e2e/exthost-failure.png',
    });
    assert.equal(result.exitCode, 0, result.log.join('\n'));
  });
});
