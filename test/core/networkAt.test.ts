/**
 * Which network holds a position (`networkIndexAt`): the preview opens on the
 * network at the editor's cursor, and the server's summary names the same one.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyze, networkIndexAt } from '../../src/core';

// Lines are 0-based, as in the editor's positions: A spans lines 1–4, B lines 7–10. The real-editor preview test opens the same file.
const TWO = readFileSync('test/data/two-networks.cnn', 'utf8');

describe('networkIndexAt', () => {
  const analysis = analyze(TWO);
  const cases: [string, { line: number; character: number }, number][] = [
    ['a comment above every network', { line: 0, character: 3 }, -1],
    ["A's first character", { line: 1, character: 0 }, 0],
    ["a layer of A's body", { line: 3, character: 4 }, 0],
    ["just after A's closing brace", { line: 4, character: 1 }, 0],
    ['the blank line between them', { line: 5, character: 0 }, -1],
    ["a layer of B's body", { line: 9, character: 2 }, 1],
    ['past the last network', { line: 11, character: 0 }, -1],
  ];
  for (const [where, position, index] of cases) {
    it(`finds ${index < 0 ? 'no network' : analysis.networks[index].name} at ${where}`, () => {
      assert.deepEqual(
        analysis.networks.map((n) => n.name),
        ['A', 'B'],
      );
      assert.equal(networkIndexAt(analysis, position), index);
    });
  }
});
