/**
 * The evaluation's op cache (issue 16, 1 MB files): an op's outcome is reused
 * for a later statement with the same text, in the same scope, on an input of
 * the same shape. Each case here has two statements that share a text but
 * must differ (input shape, block arguments, a labelled tensor, the place a
 * warning is reported, an edit between versions), so a wrong cache hit fails
 * it. Expected values come from the layer formulas, not from the analyser.
 */
import { strict as assert } from 'node:assert';
import { analyze, IncrementalAnalysis, type Analysis, type StatementResult } from '../../src/core';

/** Parameters of a conv with bias: out·in·k·k weights plus out biases. */
const convParams = (out: number, inChannels: number, kernel: number) => out * inChannels * kernel * kernel + out;

/** The network's statements after `input`, as op, output shape and trainable parameters. */
function layers(analysis: Analysis): { op: string; shape: string | null; params: number }[] {
  return analysis.networks[0].statements.slice(1).map(described);
}

function described(result: StatementResult): { op: string; shape: string | null; params: number } {
  return { op: result.op, shape: result.outShape?.join('x') ?? null, params: result.params.trainable };
}

/** What a comparison with a fresh analysis looks at: diagnostics and every network's per-statement results. */
function serialised(analysis: Analysis): string {
  return JSON.stringify({
    diagnostics: analysis.diagnostics,
    networks: analysis.networks.map((n) => ({ ...n, declaration: undefined, statements: n.statements.map((s) => ({ ...s, statement: undefined, parts: undefined })) })),
  });
}

describe('op cache: the same statement text where it must give different results', () => {
  it('on inputs of different shapes', () => {
    const analysis = analyze('network N {\n  input(3x16x16)\n  conv(8, 3)\n  conv(8, 3)\n  conv(8, 3)\n}\n');
    assert.deepEqual(analysis.diagnostics, []);
    assert.deepEqual(layers(analysis), [
      { op: 'conv', shape: '8x14x14', params: convParams(8, 3, 3) },
      { op: 'conv', shape: '8x12x12', params: convParams(8, 8, 3) },
      { op: 'conv', shape: '8x10x10', params: convParams(8, 8, 3) },
    ]);
  });

  it('in blocks called with different arguments', () => {
    const text = 'block B(c) {\n  conv(c, 3, padding=1)\n}\nnetwork N {\n  input(8x12x12)\n  B(4)\n  B(6)\n  B(6)\n  B(c=4)\n}\n';
    const analysis = analyze(text);
    assert.deepEqual(analysis.diagnostics, []);
    assert.deepEqual(layers(analysis), [
      { op: 'B', shape: '4x12x12', params: convParams(4, 8, 3) },
      { op: 'B', shape: '6x12x12', params: convParams(6, 4, 3) },
      { op: 'B', shape: '6x12x12', params: convParams(6, 6, 3) },
      { op: 'B', shape: '4x12x12', params: convParams(4, 6, 3) },
    ]);
    // The one statement inside the block, once per call: hovers show each call's own shape.
    const conv = analysis.file.blocks[0].body[0];
    assert.deepEqual(
      analysis.instances.get(conv)?.map((r) => r.outShape?.join('x')),
      ['4x12x12', '6x12x12', '6x12x12', '4x12x12'],
    );
  });

  it('on the same input shape with a different labelled tensor (upsample like=)', () => {
    const text = 'network N {\n  input(8x8x8)\n  concat {\n    branch { a: maxpool(2); upsample(like=a) }\n    branch { a: identity; maxpool(2); upsample(like=a) }\n  }\n}\n';
    const analysis = analyze(text);
    const branches = analysis.networks[0].statements[1].parts!.map((part) => part.results.map(described));
    // Both upsamples read an 8x4x4 tensor; the first is asked for its label's 4x4, the second for 8x8.
    assert.deepEqual(branches, [
      [
        { op: 'maxpool', shape: '8x4x4', params: 0 },
        { op: 'upsample', shape: '8x4x4', params: 0 },
      ],
      [
        { op: 'identity', shape: '8x8x8', params: 0 },
        { op: 'maxpool', shape: '8x4x4', params: 0 },
        { op: 'upsample', shape: '8x8x8', params: 0 },
      ],
    ]);
    assert.deepEqual(
      analysis.diagnostics.map((d) => d.code),
      ['merge-mismatch'],
    );
  });

  it('on the same input shape, each reporting its own warning at its own line', () => {
    // (16 - 2) / 3 + 1 = 5.67, floored to 5: the last row and column are never read, in both branches.
    const text = 'network N {\n  input(3x16x16)\n  concat {\n    branch { conv(3, 2, stride=3) }\n    branch { conv(3, 2, stride=3) }\n  }\n}\n';
    const analysis = analyze(text);
    assert.deepEqual(
      analysis.diagnostics.map((d) => `${d.code} line ${d.range.start.line + 1}`),
      ['uneven-stride line 4', 'uneven-stride line 4', 'uneven-stride line 5', 'uneven-stride line 5'],
    );
    assert.equal(analysis.networks[0].output?.join('x'), '6x5x5');
  });

  it('after an edit changes a statement, in an incremental analysis as in a fresh one', () => {
    const version = (kernel: number) => `network N {\n  input(3x16x16)\n${'  conv(8, 3, padding=1)\n  relu\n'.repeat(40)}  conv(8, ${kernel})\n  conv(8, 3, padding=1)\n}\n`;
    const incremental = new IncrementalAnalysis({ linesPerPiece: 8 });
    for (const kernel of [3, 5, 3, 1]) {
      const text = version(kernel);
      const fresh = analyze(text);
      assert.equal(serialised(incremental.analyze(text)), serialised(fresh));
      const side = 16 - kernel + 1;
      assert.deepEqual(layers(fresh).slice(-2), [
        { op: 'conv', shape: `8x${side}x${side}`, params: convParams(8, 8, kernel) },
        { op: 'conv', shape: `8x${side}x${side}`, params: convParams(8, 8, 3) },
      ]);
    }
  });
});
