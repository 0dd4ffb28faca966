/** A check, not a convention, guards the core's boundary: it imports no editor, LSP or file-system module. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { sourceFiles } from '../sourceFiles';

describe('src/core is pure', () => {
  it('imports nothing from vscode, the language server, or node built-ins', () => {
    const offenders = sourceFiles('src/core').filter((path) =>
      /from ['"](vscode|vscode-languageserver[^'"]*|node:[^'"]+|fs|path|child_process)['"]|require\(['"](vscode|fs|path)['"]\)/.test(readFileSync(path, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
