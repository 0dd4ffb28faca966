/**
 * A check, not a convention: nothing reads tensor values synchronously.
 * `dataSync()` blocks the page, and on software WebGPU it returned zeros and
 * crashed the GPU process; reads go through `await data()`.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { sourceFiles } from '../sourceFiles';

describe('tensor reads', () => {
  it('never call dataSync, arraySync or bufferSync in webview/src or src', () => {
    // Comments may name them (to say why not); code may not call them.
    const calls = [...sourceFiles('webview/src'), ...sourceFiles('src')].flatMap((path) =>
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line, index) => ({ path, line: index + 1, code: line.replace(/\/\/.*$|^\s*\*.*$|\/\*.*?\*\//g, '') }))
        .filter((l) => /\.(dataSync|arraySync|bufferSync)\s*\(/.test(l.code))
        .map((l) => `${l.path}:${l.line}`),
    );
    assert.deepEqual(calls, []);
  });
});
