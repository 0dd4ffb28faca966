/**
 * Every op's output-size formula and parameter count on cases a user can
 * check by hand, including the seeds' worked examples (../shared/seeds).
 * Each row: an input shape, one statement, and what the formula gives.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { analyze } from '../../src/core';

interface Case {
  why: string;
  input: string;
  statement: string;
  shape: number[];
  params?: number;
  nonTrainable?: number;
  macs?: number;
  field?: { size: number[]; jump: number[]; start?: number[] };
}

const cases: Case[] = [
  // Seed 004: a 12x12 input and a 3x3 kernel.
  { why: 'seed 004: kernel 3 on 12x12 gives 10x10', input: '1x12x12', statement: 'conv(1, 3)', shape: [1, 10, 10], params: 10 },
  { why: 'seed 004: stride 2 gives 5x5', input: '1x12x12', statement: 'conv(1, 3, stride=2)', shape: [1, 5, 5] },
  { why: 'seed 004: dilation 3 gives 6x6 (window spans 7)', input: '1x12x12', statement: 'conv(1, 3, dilation=3)', shape: [1, 6, 6], field: { size: [7, 7], jump: [1, 1] } },
  // Seed 000: the 1-D filter [1, 2, 1] over 5 samples with zero padding 1 keeps 5 ("same").
  { why: 'seed 000: 1-D kernel 3 with padding 1 keeps the length', input: '1x5', statement: 'conv(1, 3, padding=1)', shape: [1, 5], params: 4 },
  { why: 'seed 000: "valid" shrinks by k-1', input: '1x7', statement: 'conv(1, 3, padding="valid")', shape: [1, 5] },
  { why: 'seed 000: "full" padding d(k-1) grows by k-1', input: '1x5', statement: 'conv(1, 3, padding="full")', shape: [1, 7] },
  // Seed 003: Conv2D(32, (3,3)) on 28x28x1 has (3*3*1+1)*32 = 320 parameters.
  { why: 'seed 003: first MNIST conv has 320 params', input: '1x28x28', statement: 'conv(32, 3)', shape: [32, 26, 26], params: 320, macs: 32 * 26 * 26 * 9 },
  { why: 'seed 003: second MNIST conv has 18,496 params', input: '32x14x14', statement: 'conv(64, 3, padding="same")', shape: [64, 14, 14], params: 18496 },
  { why: 'seed 003: FC 3136 -> 128 has 401,536 params', input: '3136', statement: 'dense(128)', shape: [128], params: 401536, macs: 401408 },
  { why: 'seed 003: 2x2 max pooling halves 4x4', input: '1x4x4', statement: 'maxpool(2)', shape: [1, 2, 2], params: 0 },
  // "same" follows Keras: ceil(in/stride), odd pixel on the right.
  { why: '"same" with stride 2 on 7 gives ceil(7/2) = 4', input: '3x7x7', statement: 'conv(8, 3, stride=2, padding="same")', shape: [8, 4, 4] },
  { why: '"same" with stride 2 on 224 gives 112', input: '3x224x224', statement: 'conv(8, 3, stride=2, padding="same")', shape: [8, 112, 112] },
  {
    why: '"same" with an even kernel pads 0 left, 1 right: centre moves by half a pixel',
    input: '1x8',
    statement: 'conv(1, 2, padding="same")',
    shape: [1, 8],
    field: { size: [2], jump: [1], start: [0.5] },
  },
  // ceil_mode, with PyTorch's rule that the last window must start inside the input or left padding.
  { why: 'ceil_mode: 2x2 pooling of 7 gives 4', input: '1x7x7', statement: 'maxpool(2, ceil_mode=true)', shape: [1, 4, 4] },
  { why: 'ceil_mode: 3/2 pooling of 6 gives ceil(3/2)+1 = 3', input: '1x6x6', statement: 'maxpool(3, stride=2, ceil_mode=true)', shape: [1, 3, 3] },
  { why: 'ceil_mode: a window starting in the right padding is dropped (5, k2 s2 p1 gives 3, not 4)', input: '1x5x5', statement: 'maxpool(2, stride=2, padding=1, ceil_mode=true)', shape: [1, 3, 3] },
  { why: 'floor: 3/2 pooling of 6 gives 2', input: '1x6x6', statement: 'maxpool(3, stride=2)', shape: [1, 2, 2] },
  { why: 'avgpool with padding 1, kernel 3, stride 2 on 56', input: '1x56x56', statement: 'avgpool(3, stride=2, padding=1)', shape: [1, 28, 28] },
  // Transposed and dilated convolution.
  {
    why: 'transposed: (7-1)*2 - 2*1 + (4-1) + 1 = 14',
    input: '64x7x7',
    statement: 'conv_transpose(32, 4, stride=2, padding=1)',
    shape: [32, 14, 14],
    params: 64 * 32 * 16 + 32,
    macs: 64 * 49 * 32 * 16,
  },
  { why: 'transposed: output_padding adds to one side', input: '8x7x7', statement: 'conv_transpose(8, 3, stride=2, padding=1, output_padding=1)', shape: [8, 14, 14] },
  {
    why: 'transposed 2x2 stride 2 doubles the size and halves the jump; each output sees one whole input pixel',
    input: '8x4x4',
    statement: 'conv_transpose(4, 2, stride=2)',
    shape: [4, 8, 8],
    field: { size: [1, 1], jump: [0.5, 0.5], start: [-0.25, -0.25] },
  },
  { why: 'dilated: 28 - 2*(3-1) = 24', input: '1x28x28', statement: 'conv(1, 3, dilation=2)', shape: [1, 24, 24], field: { size: [5, 5], jump: [1, 1] } },
  { why: 'dilation with stride: floor((28 - 2*2 - 1)/2 + 1) = 12', input: '1x28x28', statement: 'conv(1, 3, dilation=2, stride=2)', shape: [1, 12, 12] },
  // Tuples, shapes for kernels, 1-D and 3-D.
  { why: 'a (1, 7) kernel with (0, 3) padding keeps 17x17 (Inception)', input: '128x17x17', statement: 'conv(192, (1, 7), padding=(0, 3))', shape: [192, 17, 17], params: 128 * 7 * 192 + 192 },
  { why: 'a kernel written as a shape literal 7x1', input: '8x17x17', statement: 'conv(8, 7x1, padding=(3, 0))', shape: [8, 17, 17] },
  { why: '3-D conv on a clip', input: '3x16x112x112', statement: 'conv(64, 3, padding=1)', shape: [64, 16, 112, 112], params: 3 * 27 * 64 + 64 },
  { why: '3-D pooling 1x2x2 keeps time', input: '64x16x112x112', statement: 'maxpool3d(1x2x2)', shape: [64, 16, 56, 56] },
  { why: '1-D conv with stride 4 on 16000 samples', input: '1x16000', statement: 'conv1d(32, 80, stride=4)', shape: [32, 3981] },
  // Grouped, depthwise, separable.
  { why: 'groups divide the weights', input: '64x56x56', statement: 'conv(128, 3, padding=1, groups=32, bias=false)', shape: [128, 56, 56], params: 2 * 9 * 128, macs: 128 * 56 * 56 * 2 * 9 },
  { why: 'depthwise: in·prod(k)·m + bias', input: '32x112x112', statement: 'depthwise_conv(3, padding=1)', shape: [32, 112, 112], params: 32 * 9 + 32, macs: 32 * 112 * 112 * 9 },
  { why: 'depthwise with multiplier 2', input: '16x8x8', statement: 'depthwise_conv(3, multiplier=2, padding=1, bias=false)', shape: [32, 8, 8], params: 16 * 9 * 2 },
  {
    why: 'separable: in·k²·m + in·m·out + out',
    input: '32x56x56',
    statement: 'separable_conv(64, 3, padding="same")',
    shape: [64, 56, 56],
    params: 32 * 9 + 32 * 64 + 64,
    macs: 56 * 56 * 32 * 9 + 56 * 56 * 64 * 32,
  },
  // Pooling to fixed sizes and global pooling.
  { why: 'adaptive pooling to 6x6 (AlexNet)', input: '256x13x13', statement: 'adaptive_avgpool(6x6)', shape: [256, 6, 6] },
  { why: 'adaptive pooling with one number', input: '512x7x7', statement: 'adaptive_avgpool(1)', shape: [512, 1, 1] },
  { why: 'global pooling drops the spatial axes and the receptive field', input: '512x7x7', statement: 'global_avgpool', shape: [512] },
  // Normalisation and the rest.
  { why: 'batchnorm: 2C trainable, 2C running statistics', input: '64x56x56', statement: 'batchnorm', shape: [64, 56, 56], params: 128, nonTrainable: 128 },
  { why: 'batchnorm without affine keeps the statistics', input: '64x56x56', statement: 'batchnorm(affine=false)', shape: [64, 56, 56], params: 0, nonTrainable: 128 },
  { why: 'layernorm: 2C', input: '96x56x56', statement: 'layernorm', shape: [96, 56, 56], params: 192 },
  { why: 'groupnorm: 2C', input: '64x8x8', statement: 'groupnorm(32)', shape: [64, 8, 8], params: 128 },
  { why: 'prelu shared: 1 parameter', input: '64x8x8', statement: 'prelu', shape: [64, 8, 8], params: 1 },
  { why: 'prelu per channel: C parameters', input: '64x8x8', statement: 'prelu(shared=false)', shape: [64, 8, 8], params: 64 },
  { why: 'flatten multiplies all dims', input: '16x5x5', statement: 'flatten', shape: [400] },
  { why: 'reshape keeps the element count', input: '400', statement: 'reshape(16x5x5)', shape: [16, 5, 5] },
  { why: 'reshape infers -1', input: '16x5x5', statement: 'reshape((16, -1))', shape: [16, 25] },
  { why: 'pad adds 2·amount', input: '3x28x28', statement: 'pad(2)', shape: [3, 32, 32] },
  { why: 'upsample scales the spatial axes', input: '64x14x14', statement: 'upsample(2)', shape: [64, 28, 28] },
  { why: 'dense bias=false', input: '512', statement: 'linear(10, bias=false)', shape: [10], params: 5120 },
  { why: 'dropout keeps the shape', input: '4096', statement: 'dropout(0.5)', shape: [4096], params: 0 },
  { why: 'lrn keeps the shape', input: '96x55x55', statement: 'lrn(5, alpha=0.0001, beta=0.75, k=2)', shape: [96, 55, 55] },
  { why: 'block parameter arithmetic: 64 * 4 // 2', input: '3x8x8', statement: 'conv(64 * 4 // 2, 1)', shape: [128, 8, 8] },
  // v1.1 additions.
  { why: 'slice keeps channels start..end-1 (ShuffleNetV2 split)', input: '116x28x28', statement: 'slice(58, 116)', shape: [58, 28, 28] },
  { why: 'slice with a negative start counts from the end, as Python', input: '8x20', statement: 'slice(-1, axis=1)', shape: [8, 1], field: { size: [1], jump: [1], start: [19] } },
  { why: 'slice on a spatial axis shifts the field start by start·jump', input: '4x16x16', statement: 'slice(2, 10, axis=2)', shape: [4, 16, 8], field: { size: [1, 1], jump: [1, 1], start: [0, 2] } },
  { why: 'channel_shuffle keeps the shape', input: '116x28x28', statement: 'channel_shuffle(2)', shape: [116, 28, 28], params: 0 },
  { why: 'pixel_shuffle: C/r² x rH x rW', input: '36x8x8', statement: 'pixel_shuffle(3)', shape: [4, 24, 24], field: { size: [1, 1], jump: [1 / 3, 1 / 3], start: [0, 0] } },
  { why: 'pixel_shuffle in 1-D: C/r x rL', input: '8x10', statement: 'pixel_shuffle(2)', shape: [4, 20] },
  { why: 'layer_scale: C parameters', input: '96x56x56', statement: 'layer_scale', shape: [96, 56, 56], params: 96 },
  {
    why: 'causal padding: d(k-1) in front, out = floor((in-1)/s + 1)',
    input: '16x100',
    statement: 'conv(32, 3, dilation=4, padding="causal")',
    shape: [32, 100],
    params: 16 * 3 * 32 + 32,
    field: { size: [9], jump: [1], start: [-4] },
  },
  { why: 'causal padding with a stride', input: '16x100', statement: 'conv(32, 2, stride=2, padding="causal")', shape: [32, 50] },
  { why: 'upsample to a size', input: '256x1x1', statement: 'upsample(size=28x28, mode="bilinear")', shape: [256, 28, 28] },
];

describe('output-size formula and parameter counts', () => {
  for (const c of cases) {
    it(c.why, () => {
      const analysis = analyze(`network T {\n  input(${c.input})\n  ${c.statement}\n}\n`);
      const errors = analysis.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(
        errors.map((d) => d.message),
        [],
      );
      const result = analysis.networks[0].statements[1];
      assert.deepEqual(result.outShape, c.shape);
      if (c.params !== undefined) assert.equal(result.params.trainable, c.params, 'trainable params');
      if (c.nonTrainable !== undefined) assert.equal(result.params.nonTrainable, c.nonTrainable, 'non-trainable params');
      if (c.macs !== undefined) assert.equal(result.macs, c.macs, 'MACs');
      if (c.field) {
        assert.deepEqual(result.receptiveField?.size, c.field.size, 'receptive field size');
        assert.deepEqual(result.receptiveField?.jump, c.field.jump, 'jump');
        if (c.field.start) assert.deepEqual(result.receptiveField?.start, c.field.start, 'start');
      }
    });
  }
});

describe('receptive fields (seed 002, Araujo et al.)', () => {
  it('grows 3 → 5 → 7 over three stacked 3x3 convolutions', () => {
    const analysis = analyze('network R {\n input(1x32x32)\n conv(8, 3)\n conv(8, 3)\n conv(8, 3)\n}');
    const sizes = analysis.networks[0].statements.slice(1).map((s) => s.receptiveField?.size);
    assert.deepEqual(sizes, [
      [3, 3],
      [5, 5],
      [7, 7],
    ]);
  });

  it('a 2x2 pool after them adds one input-pixel step, and doubles the jump', () => {
    const analysis = analyze('network R {\n input(1x32x32)\n repeat(3) { conv(8, 3) }\n maxpool(2)\n conv(8, 3)\n}');
    const [, convs, pool, after] = analysis.networks[0].statements;
    assert.deepEqual(convs.receptiveField?.size, [7, 7]);
    assert.deepEqual(pool.receptiveField, { size: [8, 8], jump: [2, 2], start: [3.5, 3.5] });
    assert.deepEqual(after.receptiveField?.size, [12, 12]);
  });

  it('ResNet-18 sees 435x435 before global pooling (the published figure)', () => {
    const analysis = analyze(readFileSync('examples/resnet18.cnn', 'utf8'));
    assert.deepEqual(analysis.networks[0].receptiveField?.size, [435, 435]);
  });

  it('padding keeps the centre: a 3x3 conv with padding 1 starts at pixel 0', () => {
    const analysis = analyze('network R {\n input(1x8x8)\n conv(1, 3, padding=1)\n conv(1, 3, stride=2, padding=1)\n}');
    assert.deepEqual(analysis.networks[0].statements[2].receptiveField, { size: [5, 5], jump: [2, 2], start: [0, 0] });
  });
});

describe('seed 004: the 8-conv CIFAR network', () => {
  it('reaches 16x2x2 = 64 features for fc1, as the lecture says', () => {
    const analysis = analyze(readFileSync('examples/cifar8conv.cnn', 'utf8'));
    assert.deepEqual(
      analysis.diagnostics.filter((d) => d.severity === 'error'),
      [],
    );
    const flatten = analysis.networks[0].statements.find((s) => s.op === 'flatten');
    assert.deepEqual(flatten?.inShape, [16, 2, 2]);
    assert.deepEqual(flatten?.outShape, [64]);
  });
});

describe('seed 003: the MNIST parameter table', () => {
  it('lists 320, 18,496, 401,536 and 1,290, totalling 421,642', () => {
    const analysis = analyze(readFileSync('examples/mnist.cnn', 'utf8'));
    const counted = analysis.networks[0].statements.filter((s) => s.params.trainable > 0).map((s) => s.params.trainable);
    assert.deepEqual(counted, [320, 18496, 401536, 1290]);
    assert.equal(analysis.networks[0].params.trainable, 421642);
  });
});
