/**
 * Extension-host tests: they run inside VS Code's extension host with the
 * real `vscode` API, loaded either by code-server (test/e2e/exthost.test.ts,
 * offline) or by `@vscode/test-electron` (`npm run test:electron`, which
 * downloads VS Code). VS Code calls `run()` and reads its outcome.
 */
import Mocha from 'mocha';
import { defineSuite } from './suite';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false });
  mocha.suite.emit('pre-require', globalThis, 'extension-host', mocha);
  defineSuite();
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
  });
}
