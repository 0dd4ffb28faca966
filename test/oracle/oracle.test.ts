// Compares the analysis of every example network with PyTorch itself.
//
// test/oracle/torch_oracle.py builds each example in PyTorch (torchvision's
// constructors for the published models, hand-written mirrors for the rest),
// runs a forward pass and reports the parameter counts, output shape and
// multiply-accumulates that PyTorch measures. No expected number is written
// down here: whatever PyTorch says is the answer, so the test stays right when
// an example changes, as long as its PyTorch mirror changes with it.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { singleNetwork } from './cli';
import { PYTHON, requirePython } from '../python';

const ORACLE = 'test/oracle/torch_oracle.py';
const EXAMPLES = 'examples';

interface OracleEntry {
  input: number[];
  trainable: number;
  nonTrainable: number;
  output: number[];
  macs: number;
}

// The examples are listed when the file loads (mocha needs the `it`s before
// hooks run), so a new example is compared without registering it anywhere.
const exampleFiles = readdirSync(EXAMPLES)
  .filter((name) => name.endsWith('.cnn'))
  .sort();

describe('examples agree with PyTorch (torch_oracle.py)', function () {
  let oracle: Record<string, OracleEntry> = {};

  before(function () {
    // Building VGG-16 and ResNet-152 and running them once on a CPU takes a
    // few seconds; allow for a slow, busy machine.
    this.timeout(300_000);
    requirePython(this, ['torch', 'torchvision']);
    const run = spawnSync(PYTHON, [ORACLE], { encoding: 'utf8', maxBuffer: 16 << 20 });
    assert.equal(run.status, 0, `${ORACLE} failed (exit ${run.status}):\n${run.stderr}`);
    oracle = JSON.parse(run.stdout) as Record<string, OracleEntry>;
  });

  it('has a PyTorch model for every example', function () {
    const missing = exampleFiles.filter((name) => !(name in oracle));
    assert.deepEqual(missing, [], `add these examples to EXAMPLES in ${ORACLE}`);
  });

  for (const name of exampleFiles) {
    it(name, function () {
      this.timeout(60_000);
      const expected = oracle[name];
      if (expected === undefined) this.skip(); // reported by the test above
      const network = singleNetwork(join(EXAMPLES, name));
      // One deepEqual over everything, so that a failure shows every
      // disagreement for this network at once.
      assert.deepEqual(
        {
          input: network.input,
          output: network.output,
          trainable: network.params.trainable,
          nonTrainable: network.params.nonTrainable,
          macs: network.macs,
        },
        {
          input: expected.input,
          output: expected.output,
          trainable: expected.trainable,
          nonTrainable: expected.nonTrainable,
          macs: expected.macs,
        },
        `${name}: the analysis (actual) disagrees with PyTorch (expected)`,
      );
      assert.equal(
        network.params.total,
        network.params.trainable + network.params.nonTrainable,
        `${name}: params.total should be trainable + nonTrainable`,
      );
    });
  }
});
