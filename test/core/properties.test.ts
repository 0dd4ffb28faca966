/**
 * Property tests: any input parses and analyses without throwing, in bounded
 * work; random valid sequential networks agree with a direct application of
 * the formulas, written out again here independently of the core.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { analyze } from '../../src/core';

describe('properties', () => {
  it('never throws on arbitrary text or bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        (text) => {
          const analysis = analyze(text);
          assert.ok(Array.isArray(analysis.diagnostics));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('never throws on mutations of a real network', () => {
    const base =
      'block B(c) { residual { conv(c, 3, padding=1); batchnorm } }\nnetwork N {\n input(3x32x32)\n x: conv(16, 3, padding="same")\n B(16)\n concat { branch { conv(8, 1) } branch { maxpool(3, stride=1, padding=1) } }\n add(x)\n repeat(2) { relu }\n flatten\n dense(10)\n}';
    const junk = ['(', ')', '{', '}', ',', '=', '->', 'x', '?', '//', '#', '"', '1e999', '-1', 'repeat', 'residual', 'shortcut', 'concat', 'B', '\n', ';', '0'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length), fc.nat(8), fc.constantFrom(...junk)), { maxLength: 6 }), (edits) => {
        let text = base;
        for (const [at, remove, insert] of edits) text = text.slice(0, at) + insert + text.slice(at + remove);
        analyze(text);
      }),
      { numRuns: 400 },
    );
  });

  it('stays bounded on a 10 MB file and on exponential block fan-out', function () {
    // A bound on work, not a timing: generous so that a loaded CI machine cannot fail it.
    this.timeout(180_000);
    const big = 'network N {\n input(8x8x8)\n' + `  conv(8, 3, padding=1); relu # ${'padding '.repeat(25)}\n`.repeat(48_000) + '}';
    assert.ok(big.length > 10_000_000);
    const analysis = analyze(big);
    assert.equal(analysis.networks[0].output?.join('x'), '8x8x8');
    const fanOut = ['block L0(c) { relu }', ...Array.from({ length: 30 }, (_, i) => `block L${i + 1}(c) { L${i}(c); add2: identity; L${i}(c) }`), 'network N { input(4x4x4); L30(4) }'];
    const exploded = analyze(fanOut.join('\n'));
    assert.ok(exploded.diagnostics.some((d) => d.code === 'too-large'));
  });

  it('agrees with the formulas on random sequential networks', () => {
    const layer = fc.oneof(
      fc.record({
        kind: fc.constant('conv' as const),
        out: fc.integer({ min: 1, max: 16 }),
        k: fc.integer({ min: 1, max: 5 }),
        s: fc.integer({ min: 1, max: 3 }),
        p: fc.integer({ min: 0, max: 2 }),
        d: fc.integer({ min: 1, max: 2 }),
      }),
      fc.record({ kind: fc.constant('maxpool' as const), k: fc.integer({ min: 1, max: 3 }), s: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('relu' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 8, max: 64 }), fc.array(layer, { minLength: 1, maxLength: 8 }), (channels, size, layers) => {
        let shape = [channels, size, size];
        let params = 0;
        let field = 1;
        let jump = 1;
        const lines = [`network R {`, `  input(${shape.join('x')})`];
        for (const l of layers) {
          if (l.kind === 'conv') {
            const out = Math.floor((shape[1] + 2 * l.p - l.d * (l.k - 1) - 1) / l.s + 1);
            if (out < 1) break;
            lines.push(`  conv(${l.out}, ${l.k}, stride=${l.s}, padding=${l.p}, dilation=${l.d})`);
            params += shape[0] * l.k * l.k * l.out + l.out;
            field += l.d * (l.k - 1) * jump;
            jump *= l.s;
            shape = [l.out, out, out];
          } else if (l.kind === 'maxpool') {
            const out = Math.floor((shape[1] - l.k) / l.s + 1);
            if (out < 1) break;
            lines.push(`  maxpool(${l.k}, stride=${l.s})`);
            field += (l.k - 1) * jump;
            jump *= l.s;
            shape = [shape[0], out, out];
          } else {
            lines.push('  relu');
          }
        }
        lines.push('}');
        const analysis = analyze(lines.join('\n'));
        assert.deepEqual(
          analysis.diagnostics.filter((d) => d.severity === 'error'),
          [],
        );
        const network = analysis.networks[0];
        assert.deepEqual(network.output, shape);
        assert.equal(network.params.trainable, params);
        assert.deepEqual(network.receptiveField?.size, [field, field]);
        assert.deepEqual(network.receptiveField?.jump, [jump, jump]);
      }),
      { numRuns: 300 },
    );
  });
});
