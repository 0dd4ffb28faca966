/**
 * Receptive fields where paths merge, and exact per-unit windows. Each
 * expected window is worked out by hand from PyTorch's index rules in the
 * comment beside it; test/oracle/receptiveField.test.ts checks the same rules
 * against PyTorch's gradients.
 */
import { readFileSync } from 'node:fs';
import { strict as assert } from 'node:assert';
import { analyze, statementUnitField, unitWindow } from '../../src/core';

function network(body: string): string {
  return `network T {\n${body}\n}\n`;
}

/** The summary field of the last top-level statement. */
function lastField(body: string) {
  const analysis = analyze(network(body));
  assert.deepEqual(
    analysis.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
    [],
  );
  return analysis.networks[0].statements.at(-1)?.receptiveField;
}

/** The exact window of a unit of the statement at a 1-based line of `network(body)`. */
function windowAt(body: string, line: number, at?: number[]) {
  const answer = statementUnitField(analyze(network(body), { graph: true }), line, at);
  if ('error' in answer) assert.fail(answer.error);
  return answer;
}

describe('receptive fields: the union where paths merge (v1.1)', () => {
  it('a 1x3 and a 3x1 branch concatenated see 3x3', () => {
    const field = lastField('input(1x9x9)\nconcat { branch { conv(1, (1, 3), padding=(0, 1)) } branch { conv(1, (3, 1), padding=(1, 0)) } }');
    assert.deepEqual(field?.size, [3, 3]);
    assert.deepEqual(field?.start, [0, 0]);
  });

  it('a residual with a 5x1 body and a 1x3 shortcut sees 5x3', () => {
    const field = lastField('input(1x9x9)\nresidual { conv(1, (5, 1), padding=(2, 0)) } shortcut { conv(1, (1, 3), padding=(0, 1)) }');
    assert.deepEqual(field?.size, [5, 3]);
  });

  it('paths with different centres: the smallest window holding both, and the misaligned note', () => {
    // Branch 1 sees [0, 2] (a 3-tap window, no padding, centre 1); branch 2 sees [-2, 2] (5 taps, padding 2... of which the first output centres on 0).
    const analysis = analyze(network('input(1x16)\nconcat { branch { conv(1, 3, padding=1) } branch { pad(1); conv(1, 5, padding=1) } }'));
    const field = analysis.networks[0].statements.at(-1)?.receptiveField;
    assert.deepEqual(field?.size, [5]);
    assert.ok(
      analysis.diagnostics.every((d) => d.code !== 'misaligned'),
      'equal centres and jumps are aligned',
    );
  });
});

describe('receptive fields: whole pixels through transposed convolutions and interpolation', () => {
  it('a 2-tap stride-2 transposed convolution after a 3-tap convolution sees 3 pixels, a 4-tap one 4', () => {
    assert.deepEqual(lastField('input(1x32)\nconv(1, 3, padding=1)\nconv_transpose(1, 2, stride=2)')?.size, [3]);
    assert.deepEqual(lastField('input(1x32)\nconv(1, 3, padding=1)\nconv_transpose(1, 4, stride=2)')?.size, [4]);
  });

  it('outputs 2i and 2i+1 of a 2-tap stride-2 transposed convolution share one window', () => {
    const body = 'input(1x32)\nconv(1, 3, padding=1)\nconv_transpose(1, 2, stride=2)';
    // Output q reads input floor(q/2), whose 3-tap window is [q//2 - 1, q//2 + 1].
    assert.deepEqual(windowAt(body, 4, [10]).window, [[4, 6]]);
    assert.deepEqual(windowAt(body, 4, [11]).window, [[4, 6]]);
    assert.deepEqual(windowAt(body, 4, [0]).visible, [[0, 1]]);
  });

  it('after upsample(2), unit 10 sees [9, 11], as the nearest source index says', () => {
    // Unit 10 reads source 5 of the stride-2 convolution, which reads [2·5 - 1, 2·5 + 1].
    assert.deepEqual(windowAt('input(1x20)\nconv(1, 3, stride=2, padding=1)\nupsample(2)', 4, [10]).window, [[9, 11]]);
  });

  it('bilinear upsampling reads the two sources around (q + 0.5)/2 - 0.5', () => {
    // q = 7: source 3.25, so inputs 3 and 4; q = 0: source clamps to 0 with zero weight on 1.
    const body = 'input(1x8x8)\nupsample(2, mode="bilinear")';
    assert.deepEqual(windowAt(body, 3, [7, 0]).window, [
      [3, 4],
      [0, 0],
    ]);
  });

  it("adaptive pooling 13 → 5 uses PyTorch's cells: unit 4 covers [10, 12], unit 1 [2, 5]", () => {
    const body = 'input(1x13)\nadaptive_avgpool(5)';
    assert.deepEqual(windowAt(body, 3, [4]).window, [[10, 12]]);
    assert.deepEqual(windowAt(body, 3, [1]).window, [[2, 5]]);
    // After a stride-2 convolution (3 taps), input pixels double: unit 4 covers conv outputs [10, 12], so input [20, 26].
    assert.deepEqual(windowAt('input(1x27)\nconv(1, 3, stride=2)\nadaptive_avgpool(5)', 4, [4]).window, [[20, 26]]);
  });
});

describe('exact unit windows: padding, dilation and the floor', () => {
  it('the window runs into the padding; visible stops at the image', () => {
    const answer = windowAt('input(1x8x8)\nconv(1, 3, padding=1)\nconv(1, 3, stride=2, padding=1)', 4, [0, 0]);
    assert.deepEqual(answer.window, [
      [-2, 2],
      [-2, 2],
    ]);
    assert.deepEqual(answer.visible, [
      [0, 2],
      [0, 2],
    ]);
  });

  it('a dilated tap that lands in the padding leaves the first real pixel unread', () => {
    // Taps at -2, 1, 4 for output 0 of a 3-tap, dilation-3, padding-2 convolution.
    const answer = windowAt('input(1x12)\nconv(1, 3, dilation=3, padding=2)', 3, [0]);
    assert.deepEqual(answer.window, [[-2, 4]]);
    assert.deepEqual(answer.visible, [[1, 4]]);
  });

  it("SqueezeNet's first convolution never reads column 223 of 224", () => {
    // 7x7 stride 2 without padding: outputs 0..108, the last reads [216, 222].
    const answer = windowAt('input(3x224x224)\nconv(96, 7, stride=2)', 3, [108, 108]);
    assert.deepEqual(answer.visible, [
      [216, 222],
      [216, 222],
    ]);
  });

  it('a squeeze-excitation gate reaches the whole input; the summary keeps the local field and names the gate', () => {
    const body = 'input(2x16x16)\nconv(4, 3)\nx: identity\nadaptive_avgpool(1)\nconv(4, 1)\nmultiply(x)';
    const answer = windowAt(body, 7, [0, 0]);
    assert.deepEqual(answer.visible, [
      [0, 15],
      [0, 15],
    ]);
    const field = lastField(body);
    assert.deepEqual(field?.size, [3, 3]);
    assert.equal(field?.gate, 'multiply(x) at line 7');
  });

  it('unit windows need a unit inside the output', () => {
    const analysis = analyze(network('input(1x8x8)\nconv(1, 3)'), { graph: true });
    assert.equal(unitWindow(analysis.graphs![0], 1, [6, 0]), null);
    assert.ok('error' in statementUnitField(analysis, 3, [6, 0]));
    assert.ok('error' in statementUnitField(analysis, 1));
  });
});

describe('3-D average pooling', () => {
  it('refuses a kernel larger than the unpadded input, as AvgPool3d does', () => {
    const analysis = analyze(network('input(1x1x4x4)\navgpool(2, stride=1, padding=1)'));
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(
      errors.map((d) => d.code),
      ['nonpositive-size'],
    );
    assert.match(errors[0].message, /larger than the 1-pixel input/);
  });

  it('2-D pooling still accepts it, as AvgPool2d does', () => {
    const analysis = analyze(network('input(1x1x4)\navgpool(2, stride=1, padding=1)'));
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
  });
});

describe('Inception-v3 at 1500x1500: factorised branches merge into square fields', () => {
  it("the last two blocks' summary fields are square and as wide as the centre unit's exact window", () => {
    const text = readFileSync('examples/inception_v3.cnn', 'utf8')
      .replace('input(3x299x299)', 'input(3x1500x1500)')
      .replace(/ +-> [0-9x]+/g, '');
    const analysis = analyze(text, { graph: true });
    const statements = analysis.networks[0].statements.filter((s) => s.op === 'InceptionE');
    assert.equal(statements.length, 2);
    for (const statement of statements) {
      const line = statement.range.end.line + 1;
      const answer = statementUnitField(analysis, line);
      if ('error' in answer) assert.fail(answer.error);
      const width = answer.window[0][1] - answer.window[0][0] + 1;
      assert.deepEqual(statement.receptiveField?.size, [width, width], `line ${line}`);
    }
    // Mixed_7b sees 1183x1183 on both axes (issue 18: keeping the branch with the largest sum of sizes gave 1119x1183).
    assert.deepEqual(statements[0].receptiveField?.size, [1183, 1183]);
  });
});
