/** A check, not a convention, guards the core's boundary: it imports no editor, LSP or file-system module. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('src/core is pure', () => {
  it('imports nothing from vscode, the language server, or node built-ins', () => {
    const offenders = sources('src/core').filter((path) =>
      /from ['"](vscode|vscode-languageserver[^'"]*|node:[^'"]+|fs|path|child_process)['"]|require\(['"](vscode|fs|path)['"]\)/.test(readFileSync(path, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });
});
