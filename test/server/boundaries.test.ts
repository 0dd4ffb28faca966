/** The server and the protocol run outside VS Code (any LSP editor, the CLI), so they must never import `vscode`. */
import { strict as assert } from 'node:assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readText, repoRoot } from '../helpers';

describe('server boundaries', () => {
  for (const folder of ['src/server', 'src/protocol']) {
    it(`${folder} does not import vscode`, () => {
      for (const name of readdirSync(join(repoRoot, folder)).filter((f) => f.endsWith('.ts'))) {
        const text = readText(join(repoRoot, folder, name));
        assert.equal(/from ['"]vscode['"]|require\(['"]vscode['"]\)/.test(text), false, `${folder}/${name} imports vscode`);
      }
    });
  }
});
