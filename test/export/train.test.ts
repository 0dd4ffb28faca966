/**
 * The "done when": a user exports examples/resnet50.cnn, opens the
 * .py file and trains it in PyTorch without touching it. The file is written
 * as `cnn export --to pytorch -o` writes it; Debian's torch imports it,
 * builds the class with no arguments and takes one SGD step with
 * CrossEntropyLoss on a random batch of two at the declared input size. The
 * loss must be finite and near ln(1000) (an untrained classifier), the
 * gradients must reach every parameter, and the step must change the weights
 * by exactly lr times their gradients.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExport } from '../../src/cli/export';
import { requirePython, runPython } from '../python';

const TRAIN_STEP = `
import importlib.util, json, math, sys
import torch
from torch import nn

path, class_name, shape = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
spec = importlib.util.spec_from_file_location("exported", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
torch.manual_seed(0)
model = getattr(module, class_name)()
model.train()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
x = torch.randn(2, *shape)
classes = None
with torch.no_grad():
    classes = model(x).shape[1]
y = torch.randint(0, classes, (2,))
before = {name: p.detach().clone() for name, p in model.named_parameters()}
optimizer.zero_grad()
loss = nn.CrossEntropyLoss()(model(x), y)
loss.backward()
without_grad = [name for name, p in model.named_parameters() if p.grad is None]
grads = {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.grad is not None}
optimizer.step()
changed = sum(1 for name, p in model.named_parameters() if not torch.equal(p.detach(), before[name]))
# SGD without momentum moves each weight by exactly -lr * grad.
worst = max(float((before[name] - 0.01 * grads[name] - p.detach()).abs().max()) for name, p in model.named_parameters())
print(json.dumps({
    "loss": float(loss),
    "classes": classes,
    "parameters": sum(1 for _ in model.parameters()),
    "withoutGrad": without_grad,
    "changed": changed,
    "worstStepError": worst,
}))
`;

describe('an exported network trains in PyTorch without edits', function () {
  this.timeout(600_000);
  let directory = '';

  before(function () {
    requirePython(this, ['torch']);
    directory = mkdtempSync(join(tmpdir(), 'cnn-train-'));
  });

  after(() => {
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  it('examples/resnet50.cnn: one SGD step with CrossEntropyLoss on a batch of 2 gives a finite loss and changes every weight', () => {
    const file = 'examples/resnet50.cnn';
    const output = join(directory, 'resnet50.py');
    runExport(file, readFileSync(file, 'utf8'), { to: 'pytorch', output });
    const report = JSON.parse(runPython(TRAIN_STEP, [output, 'ResNet50', JSON.stringify([3, 224, 224])])) as {
      loss: number;
      classes: number;
      parameters: number;
      withoutGrad: string[];
      changed: number;
      worstStepError: number;
    };
    assert.equal(report.classes, 1000);
    assert.ok(Number.isFinite(report.loss), `loss ${report.loss}`);
    // An untrained 1000-way classifier starts near ln(1000) = 6.9; a loss far from it means the logits blew up.
    assert.ok(report.loss > 3 && report.loss < 30, `loss ${report.loss}`);
    assert.deepEqual(report.withoutGrad, []);
    // ResNet-50 has 161 parameter tensors (53 convolutions, 53 batch norms with weight and bias, the fc weight and bias).
    assert.equal(report.parameters, 161);
    assert.equal(report.changed, report.parameters);
    assert.ok(report.worstStepError < 1e-6, `worst step error ${report.worstStepError}`);
  });
});

describe("the README's example of generated PyTorch", () => {
  it('is what `cnn export --to pytorch examples/resnet18.cnn` prints', () => {
    const readme = readFileSync('README.md', 'utf8');
    const section = readme.slice(readme.indexOf('### Export: PyTorch, ONNX, Keras'));
    const example = /```python\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(example, 'the export section shows Python');
    const file = 'examples/resnet18.cnn';
    const { printed } = runExport(file, readFileSync(file, 'utf8'), { to: 'pytorch' });
    assert.ok(printed.includes(example), `the README's class is not in the export:\n${example}`);
  });
});
