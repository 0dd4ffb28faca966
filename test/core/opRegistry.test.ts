/**
 * The op registry as the one source of truth: names unique across ops, and
 * the names people bring from PyTorch, Keras and papers (each op's
 * `familiarNames`) fixed to the op they mean.
 */
import { strict as assert } from 'node:assert';
import { analyze, findOp, opDefinitions } from '../../src/core/index';

/** A one-layer network around `call`. */
const oneCall = (call: string) => `network N {\n  input(8x16x16)\n  ${call}\n}\n`;

describe('op registry', () => {
  it('gives every name, alias and familiar name to one op only', () => {
    const seen = new Map<string, string>();
    const clashes: string[] = [];
    for (const op of opDefinitions) {
      for (const name of [...op.names, ...(op.familiarNames ?? [])]) {
        if (seen.has(name)) clashes.push(`${name}: ${seen.get(name)} and ${op.names[0]}`);
        seen.set(name, op.names[0]);
      }
    }
    assert.deepEqual(clashes, []);
  });

  it('never lists a name the language accepts as a familiar name', () => {
    const accepted = opDefinitions.flatMap((op) => (op.familiarNames ?? []).filter((name) => findOp(name)));
    assert.deepEqual(accepted, []);
  });

  // What PyTorch, Keras and papers call these layers, and the op a user means by them.
  const familiar: [string, string][] = [
    ['fc(10)', 'dense'],
    ['bn', 'batchnorm'],
    ['batch_norm', 'batchnorm'],
    ['deconv(4, 2, stride=2)', 'conv_transpose'],
    ['max_pool2d(2)', 'maxpool'],
    ['MaxPooling2D(2)', 'maxpool'],
    ['AveragePooling2D(2)', 'avgpool'],
    ['GlobalAveragePooling2D', 'global_avgpool'],
    ['AdaptiveAvgPool2d(1)', 'adaptive_avgpool'],
    ['UpSampling2D(2)', 'upsample'],
    ['relu_', 'relu'],
  ];
  for (const [call, op] of familiar) {
    it(`offers ${op} for ${call}`, () => {
      const [diagnostic] = analyze(oneCall(call)).diagnostics;
      // A capitalised name reads as a block call, so it is an undefined block rather than an unknown op.
      assert.equal(diagnostic?.code, /^[A-Z]/.test(call) ? 'undefined-block' : 'unknown-op', JSON.stringify(diagnostic));
      assert.match(diagnostic.message, new RegExp(`Did you mean ${op}\\?`));
      assert.equal(diagnostic.fixes?.[0]?.edits[0].newText, op);
    });
  }
});
