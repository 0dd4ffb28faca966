/**
 * jsonDifference (test/jsonDifference.ts) stands in for comparing two
 * JSON.stringify texts in the incremental-analysis tests, so it must find a
 * difference exactly when the texts differ: on JSON's corner cases, and on
 * analyses of real files before and after random edits.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { analyze } from '../src/core';
import { mulberry32 } from '../webview/src/mulberry32';
import { examplesDir, readText } from './helpers';
import { jsonDifference, mapsAsEntries } from './jsonDifference';

const sameText = (a: unknown, b: unknown) => JSON.stringify(a, (_key, value: unknown) => mapsAsEntries(value)) === JSON.stringify(b, (_key, value: unknown) => mapsAsEntries(value));

describe('jsonDifference: a difference exactly where the JSON texts differ', () => {
  const pairs: [string, unknown, unknown][] = [
    ['equal nested values', { a: [1, 'x', true, null, { b: 2 }] }, { a: [1, 'x', true, null, { b: 2 }] }],
    ['another number', { a: 1 }, { a: 2 }],
    ['a number and its text', { a: 1 }, { a: '1' }],
    ['0 and -0 (both written 0)', [0], [-0]],
    ['NaN, Infinity and null (all written null)', [NaN, Infinity, null], [null, null, -Infinity]],
    ['a missing member and an undefined one (both left out)', { a: 1 }, { a: 1, b: undefined }],
    ['a function member is left out', { a: 1, f: () => 1 }, { a: 1 }],
    ['undefined in an array is written null', [undefined, () => 1], [null, null]],
    ['the order of members', { a: 1, b: 2 }, { b: 2, a: 1 }],
    ['an extra member', { a: 1 }, { a: 1, b: 2 }],
    ['an array and an object with index keys', [1], { 0: 1 }],
    ['a longer array', [1, 2], [1, 2, 3]],
    ['equal Maps', new Map([['k', { v: 1 }]]), new Map([['k', { v: 1 }]])],
    [
      'Maps in another order',
      new Map<string, number>([
        ['a', 1],
        ['b', 2],
      ]),
      new Map<string, number>([
        ['b', 2],
        ['a', 1],
      ]),
    ],
    ['a Map and its entries object', new Map([['a', 1]]), { entries: [['a', 1]] }],
    ['toJSON is called', { toJSON: () => 'x' }, 'x'],
    ['a boxed number and the number', [Object(3) as unknown], [3]],
    ['a top-level undefined and a function (neither written)', undefined, () => 1],
    ['a top-level undefined and null', undefined, null],
    ['a typed array and its index object', new Float32Array([1.5]), { 0: 1.5 }],
    ['a deep difference', { a: { b: [{ c: [1, 2, { d: 'x' }] }] } }, { a: { b: [{ c: [1, 2, { d: 'y' }] }] } }],
  ];
  for (const [name, a, b] of pairs) {
    it(name, () => {
      const expectedSame = sameText(a, b);
      const found = jsonDifference(a, b);
      assert.equal(found === undefined, expectedSame, found ?? 'no difference found where the texts differ');
    });
  }

  it('names the path of the first difference', () => {
    assert.match(jsonDifference({ a: { b: [{ c: [1, 2, { d: 'x' }] }] } }, { a: { b: [{ c: [1, 2, { d: 'y' }] }] } })!, /^\$\.a\.b\[0\]\.c\[2\]\.d: "x" where "y" was expected/);
  });

  it('agrees with the JSON texts on analyses of real files before and after 80 seeded edits', () => {
    const next = mulberry32(7);
    const files = ['lenet5.cnn', 'resnet18.cnn', 'unet.cnn', 'tcn.cnn'].map((name) => readText(join(examplesDir, name)));
    let differing = 0;
    for (let step = 0; step < 80; step++) {
      const text = files[step % files.length];
      // Replace one number, delete one character or change nothing: most analyses differ, some do not.
      const at = Math.floor(next() * text.length);
      const kind = Math.floor(next() * 3);
      const edited = kind === 0 ? text.replace(/\d+/, String(1 + Math.floor(next() * 9))) : kind === 1 ? text.slice(0, at) + text.slice(at + 1) : text;
      const [before, after] = [analyze(text, { graph: step % 2 === 0 }), analyze(edited, { graph: step % 2 === 0 })];
      const same = sameText(after, before);
      if (!same) differing++;
      assert.equal(jsonDifference(after, before) === undefined, same, `step ${step}`);
    }
    // Both outcomes were checked many times.
    assert.ok(differing > 20 && differing < 70, `${differing} of 80 differ`);
  });
});
