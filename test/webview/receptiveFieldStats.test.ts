/**
 * The effective field's numbers (views/receptiveFieldStats.ts): the mass per
 * position and the share of the theoretical field that holds 50% and 95% of
 * it, on gradients small enough to count by hand.
 */
import { strict as assert } from 'node:assert';
import { gradientMass, massShares } from '../../webview/src/views/receptiveFieldStats';

describe('effective receptive field numbers', () => {
  it('the mass of a position is the sum over channels of |gradient|', () => {
    // Two channels of a 2x2 input, channels first.
    const mass = gradientMass(Float32Array.from([1, -2, 0, 0.5, -1, 2, 3, 0]), [2, 2, 2]);
    assert.deepEqual(Array.from(mass), [2, 4, 3, 0.5]);
  });

  const cases: { name: string; mass: number[]; sizes: number[]; visible: [number, number][]; positions: [number, number]; fieldPositions: number; outside: number }[] = [
    {
      // Total 10: 50% is reached by the 4 and the 3 (7 ≥ 5? no: 4 < 5, 4 + 3 = 7 ≥ 5), 95% (9.5) needs 4 + 3 + 2 + 1 = 10.
      name: 'a 2x2 field: the heaviest positions first, counted until they hold the level',
      mass: [1, 4, 3, 2],
      sizes: [2, 2],
      visible: [
        [0, 1],
        [0, 1],
      ],
      positions: [2, 4],
      fieldPositions: 4,
      outside: 0,
    },
    {
      // One position holds 60%: it alone holds half; 95% needs it and the 0.3 and the 0.1 (the 0.3 alone gives 0.9).
      name: 'one dominant position holds half the mass on its own',
      mass: [0, 0, 0, 0, 0.6, 0.3, 0, 0.1, 0],
      sizes: [3, 3],
      visible: [
        [0, 2],
        [0, 2],
      ],
      positions: [1, 3],
      fieldPositions: 9,
      outside: 0,
    },
    {
      // A 1-D signal whose field is positions 2..5 (4 positions); exactly half (0.5 of 1) is reached by the first position.
      name: 'a 1-D span: a level reached exactly counts as reached',
      mass: [0, 0, 0.5, 0.25, 0.25, 0, 0, 0],
      sizes: [8],
      visible: [[2, 5]],
      positions: [1, 3],
      fieldPositions: 4,
      outside: 0,
    },
    {
      // Mass outside the visible box is reported (it would contradict the theoretical field).
      name: 'mass outside the visible field is counted as outside',
      mass: [1, 0, 0, 3],
      sizes: [4],
      visible: [[1, 3]],
      positions: [1, 2],
      fieldPositions: 3,
      outside: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const shares = massShares(Float64Array.from(c.mass), c.sizes, c.visible);
      assert.equal(shares.fieldPositions, c.fieldPositions);
      assert.equal(shares.outside, c.outside);
      assert.deepEqual(
        shares.levels.map((l) => [l.level, l.positions, l.share]),
        [
          [0.5, c.positions[0], c.positions[0] / c.fieldPositions],
          [0.95, c.positions[1], c.positions[1] / c.fieldPositions],
        ],
      );
    });
  }

  it('a zero gradient holds no mass: no positions, no share', () => {
    const shares = massShares(
      new Float64Array(4),
      [2, 2],
      [
        [0, 1],
        [0, 1],
      ],
    );
    assert.equal(shares.total, 0);
    assert.deepEqual(
      shares.levels.map((l) => l.positions),
      [0, 0],
    );
  });
});
