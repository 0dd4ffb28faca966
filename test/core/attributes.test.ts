/**
 * Typed per-op attributes (`src/core/ops/attributes.ts`). The `@ts-expect-error`
 * lines are the compile-time half: `tsc --noEmit -p .` fails if a misspelt key
 * stops being an error, on the reading side or on the writing side.
 */
import { strict as assert } from 'node:assert';
import { analyze, attributesOf, type GraphNode, type OpDefinition, type OpAttributes } from '../../src/core';

function nodeOf(text: string, op: string): GraphNode {
  const node = analyze(text, { graph: true }).graphs?.[0].nodes.find((n) => n.op === op);
  assert.ok(node, `a ${op} node`);
  return node;
}

describe('typed op attributes', () => {
  it('read a convolution\'s settings under their typed names, Keras "same" with the odd pixel on the right', () => {
    const node = nodeOf('network N {\n  input(3x32x32)\n  conv2d(64, 3, stride=2, padding="same", bias=false)\n}\n', 'conv');
    const a = attributesOf(node, 'conv');
    // out = ceil(32 / 2) = 16; total padding (16 - 1)·2 + 3 - 32 = 1, so 0 before and 1 after.
    assert.deepEqual(
      { out: a.out, kernel: a.kernel, stride: a.stride, dilation: a.dilation, padLeft: a.padLeft, padRight: a.padRight, groups: a.groups, bias: a.bias },
      { out: 64, kernel: [3, 3], stride: [2, 2], dilation: [1, 1], padLeft: [0, 0], padRight: [1, 1], groups: 1, bias: false },
    );
    assert.deepEqual(node.outShape, [64, 16, 16]);
    // @ts-expect-error: a convolution writes `out`, not `outs`.
    assert.equal(a.outs, undefined);
  });

  it('read an upsampling to a size as `size`, with no `scale`', () => {
    const a = attributesOf(nodeOf('network N {\n  input(8x7x7)\n  upsample(size=14x21, mode="bilinear")\n}\n', 'upsample'), 'upsample');
    assert.deepEqual(a, { mode: 'bilinear', size: [14, 21] });
    // @ts-expect-error: dense's `units` is not an upsampling attribute.
    assert.equal(a.units, undefined);
  });

  it('make an op that writes a misspelt key fail to compile', () => {
    const dense: OpDefinition<OpAttributes['dense']> = {
      names: ['dense'],
      family: 'dense',
      summary: '',
      signature: { positional: [], keywords: [] },
      // @ts-expect-error: `unit` is not a dense attribute (`units` is).
      apply: () => ({ shape: [1], receptiveField: { kind: 'drop' }, attributes: { unit: 1, bias: true } }),
    };
    assert.equal(dense.names[0], 'dense');
  });
});
