/**
 * ONNX import of the forms torch.onnx.export writes for the language v1.1
 * ops and for the norms and activations ONNX has no single op for: small
 * torch modules (torch_forms.py) and torchvision's ShuffleNetV2, each at
 * opset 13 and at another opset where the ONNX differs, come in as `.cnn`
 * files with torch's parameter counts, output shape and MACs, written with
 * the language's own ops (not approximations of them).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../src/core';
import { importModelFile } from '../../src/core/import';
import { requirePython } from '../python';
import { torchFormExports, torchForms, type TorchFormFacts } from './fixtures';

/** The ops each module's import must state, as a reader would look for them. */
const expectedOps: Record<string, RegExp[]> = {
  slices: [/slice\(0, 4\)/, /slice\(4\)/, /channel_shuffle\(2\)/, /slice\(2, 6\)/, /slice\(1, 7, axis=1\)/],
  shufflenet: [/slice\(0, c\)|slice\(0, \w+\)/, /channel_shuffle\(2\)/],
  pixel_shuffle: [/pixel_shuffle\(2\)/],
  convnext_block: [/layernorm\b/, /\bgelu\b/, /layer_scale\b/, /multiply\(x\)/],
  // The resize to another tensor's size (Shape → Slice → Concat) is that size at the file's fixed input size.
  resizes: [/upsample\(size=15x13, mode="bilinear"\)[\s\S]*upsample\(size=15x13, mode="bilinear"\)/],
  // F.pad(x, (4, 0)) before a dilated kernel-3 convolution is causal; (1, 2) before kernel 4 is Keras's "same"; (2, 1) is neither.
  causal: [/conv\(4, 3, padding="causal", dilation=2\)/, /conv\(4, 4, padding="same"\)/, /pad\(2\)\s+#.*\n\s+slice\(0, 19, axis=1\)/],
  transposed: [
    /conv_transpose\(6, 3, stride=2, padding=1, output_padding=1, groups=2\)/,
    /conv_transpose\(2, \(4, 3\), stride=\(2, 1\), padding=\(1, 2\), dilation=\(1, 2\), bias=false\)/,
    /conv_transpose\(3, 3, stride=3, output_padding=2, dilation=2\)/,
  ],
};

describe('ONNX import of the forms torch.onnx.export writes', function () {
  this.timeout(900_000);
  let dir = '';
  let facts: Record<string, TorchFormFacts> = {};
  before(function () {
    requirePython(this, ['torch', 'torchvision', 'onnx']);
    ({ dir, facts } = torchFormExports());
  });

  for (const [name, opsets] of torchForms) {
    for (const opset of opsets) {
      it(`${name} at opset ${opset}: torch's counts, output shape and MACs, in the language's own ops`, () => {
        const key = `${name}.opset${opset}`;
        const result = importModelFile(readFileSync(join(dir, `${key}.onnx`)), { fileName: `${key}.onnx` });
        assert.ok(result.ok, result.ok ? '' : `${result.message}\n${result.kind === 'inexpressible' ? result.partialText : ''}`);
        const analysis = analyze(result.model.text);
        assert.deepEqual(
          analysis.diagnostics.filter((d) => d.severity === 'error'),
          [],
          result.model.text,
        );
        const network = analysis.networks[0];
        const torch = facts[key];
        assert.deepEqual(
          { input: network.input, trainable: network.params.trainable, nonTrainable: network.params.nonTrainable, output: network.output, macs: network.macs },
          { input: torch.inputShape, trainable: torch.trainable, nonTrainable: torch.nonTrainable, output: torch.output, macs: torch.macs },
          result.model.text,
        );
        for (const pattern of expectedOps[name]) assert.match(result.model.text, pattern);
      });
    }
  }
});
