/**
 * Tiny networks, one per rule of src/core/memory/rules.ts, with the bytes
 * autograd saves derived by hand next to each. test/core/memory.test.ts
 * checks the core against the derivations; test/oracle/memory.test.ts checks
 * the derivations against PyTorch (test/oracle/torch_memory.py's OP_CASES
 * mirrors each network under the same key).
 */

/** One op rule checked on a tiny network. */
export interface RuleCase {
  /** The same case in test/oracle/torch_memory.py's OP_CASES, measured in PyTorch. */
  key: string;
  name: string;
  body: string;
  batch: number;
  /** Bytes of saved activations, derived in `why`. */
  saved: number;
  why: string;
}

// float32 values are 4 bytes; int64 indices 8.
export const ruleCases: RuleCase[] = [
  { key: 'conv', name: 'conv saves its input', body: 'input(2x4x4); conv(3, 3, padding=1)', batch: 5, saved: 5 * 2 * 4 * 4 * 4, why: 'input 2x4x4 = 32 values, 128 B a sample, times 5' },
  { key: 'dense', name: 'dense saves its input', body: 'input(10); dense(3)', batch: 2, saved: 2 * 10 * 4, why: '10 values, 40 B a sample' },
  { key: 'conv_transpose', name: 'conv_transpose saves its input', body: 'input(2x3x3); conv_transpose(4, 2, stride=2)', batch: 1, saved: 18 * 4, why: 'input 2x3x3 = 18 values' },
  { key: 'depthwise_conv', name: 'depthwise_conv saves its input', body: 'input(3x4x4); depthwise_conv(3, padding=1)', batch: 1, saved: 48 * 4, why: 'input 3x4x4 = 48 values' },
  {
    key: 'separable_conv',
    name: 'separable_conv saves its input and the depthwise output',
    body: 'input(2x4x4); separable_conv(3, 3, padding=1, multiplier=2)',
    batch: 1,
    saved: (32 + 4 * 16) * 4,
    why: 'input 32 values; the depthwise step makes 2·2 = 4 channels of 4x4 = 64 values, which the pointwise step keeps',
  },
  {
    key: 'batchnorm',
    name: 'batchnorm saves its input and a mean and 1/std per channel, whatever the batch',
    body: 'input(3x4x4); batchnorm',
    batch: 2,
    saved: 2 * 48 * 4 + 2 * 3 * 4,
    why: 'input 48 values a sample; save_mean and save_invstd are 3 float32 each, once for the batch',
  },
  {
    key: 'layernorm',
    name: 'layernorm saves its input and a mean and 1/std per position',
    body: 'input(4x3x3); layernorm',
    batch: 1,
    saved: 36 * 4 + 2 * 9 * 4,
    why: 'input 36 values; 9 positions, each normalised over 4 channels',
  },
  {
    key: 'groupnorm',
    name: 'groupnorm saves its input and a mean and 1/std per group',
    body: 'input(4x3x3); groupnorm(2)',
    batch: 3,
    saved: 3 * (36 * 4 + 2 * 2 * 4),
    why: 'input 36 values; 2 groups a sample',
  },
  {
    key: 'instancenorm',
    name: 'instancenorm saves its input and a mean and 1/std per sample and channel',
    body: 'input(4x3x3); instancenorm',
    batch: 2,
    saved: 2 * (36 * 4 + 2 * 4 * 4),
    why: 'batch_norm over a (1, N·4, 3, 3) view: 4 statistics of each kind a sample',
  },
  {
    key: 'relu_chain',
    name: 'relu saves its output, which the next conv shares',
    body: 'input(1x4x4); conv(2, 3, padding=1); relu; conv(2, 3, padding=1)',
    batch: 1,
    saved: (16 + 32) * 4,
    why: 'conv 1 keeps the 16-value input; relu keeps its 32-value output; conv 2 keeps the same tensor, counted once',
  },
  { key: 'sigmoid', name: 'sigmoid saves its output', body: 'input(6); sigmoid', batch: 1, saved: 24, why: '6 values' },
  { key: 'tanh', name: 'tanh saves its output', body: 'input(6); tanh', batch: 1, saved: 24, why: '6 values' },
  { key: 'softmax', name: 'softmax saves its output', body: 'input(6); softmax', batch: 1, saved: 24, why: '6 values' },
  { key: 'gelu', name: 'gelu saves its input', body: 'input(6); gelu', batch: 1, saved: 24, why: '6 values of the input' },
  {
    key: 'silu_dense',
    name: 'silu saves its input, and the next layer its output: two tensors',
    body: 'input(6); silu; dense(2)',
    batch: 1,
    saved: 2 * 24,
    why: 'silu keeps its 6-value input, dense keeps the 6-value silu output',
  },
  { key: 'relu6_dense', name: 'relu6 saves its input (hardtanh_backward reads self)', body: 'input(6); relu6; dense(2)', batch: 1, saved: 2 * 24, why: 'the input and the output each 6 values' },
  { key: 'relu_dense', name: 'relu then dense: one tensor', body: 'input(6); relu; dense(2)', batch: 1, saved: 24, why: 'relu keeps its output, which dense keeps too: one storage' },
  {
    key: 'maxpool',
    name: 'maxpool saves its input and int64 indices',
    body: 'input(2x4x4); maxpool(2)',
    batch: 1,
    saved: 32 * 4 + 8 * 8,
    why: 'input 32 values; output 2x2x2 = 8 indices of 8 bytes',
  },
  {
    key: 'global_maxpool',
    name: 'global_maxpool saves its input and an index per channel',
    body: 'input(3x2x2); global_maxpool',
    batch: 1,
    saved: 12 * 4 + 3 * 8,
    why: 'input 12 values; 3 int64 indices',
  },
  { key: 'avgpool', name: 'avgpool saves its input', body: 'input(2x4x4); avgpool(2)', batch: 1, saved: 32 * 4, why: 'avg_pool2d_backward is passed the input' },
  { key: 'global_avgpool', name: 'global_avgpool saves its input (PyTorch 1.13 mean)', body: 'input(2x4x4); global_avgpool', batch: 1, saved: 32 * 4, why: 'the 32-value input' },
  { key: 'dropout', name: 'dropout saves a mask of the activation type', body: 'input(10); dropout(0.5)', batch: 3, saved: 3 * 10 * 4, why: 'noise of 10 float32 a sample' },
  { key: 'dropout2d', name: 'dropout2d saves one mask value per channel', body: 'input(3x4x4); dropout2d(0.5)', batch: 2, saved: 2 * 3 * 4, why: 'feature noise of shape (N, 3, 1, 1)' },
  {
    key: 'dropout0_dense',
    name: 'dropout with p = 0 saves nothing and returns its input',
    body: 'input(10); dropout(0); dense(2)',
    batch: 1,
    saved: 40,
    why: 'dense keeps the input itself: 10 values',
  },
  {
    key: 'flatten_view',
    name: 'flatten is a view: the storage is counted once',
    body: 'input(2x2x2); relu; flatten; dense(3)',
    batch: 1,
    saved: 8 * 4,
    why: 'relu keeps its 8 values; dense keeps the flattened view of the same storage',
  },
  {
    key: 'concat_add',
    name: 'concat and add save nothing',
    body: 'input(2x2x2); concat { branch { identity } branch { identity } }; residual { identity }',
    batch: 4,
    saved: 0,
    why: 'no op here needs a tensor for its backward',
  },
  { key: 'upsample_pad', name: 'upsample and pad save nothing', body: 'input(2x2x2); upsample(2); pad(1)', batch: 1, saved: 0, why: 'their backward passes need only sizes' },
  {
    key: 'multiply',
    name: 'multiply saves both factors',
    body: 'input(4x2x2); x: identity; adaptive_avgpool(1); sigmoid; multiply(x)',
    batch: 1,
    saved: 16 * 4 + 4 * 4,
    why: 'adaptive_avgpool keeps the 16-value input; sigmoid its 4-value output; multiply keeps both, already counted',
  },
  { key: 'prelu', name: 'prelu saves its input', body: 'input(6); prelu', batch: 1, saved: 24, why: '6 values' },
  {
    key: 'lrn',
    name: 'lrn saves the input, the padded squares, the base of the power and the divisor',
    body: 'input(4x2x2); lrn(3)',
    batch: 1,
    saved: 16 * 4 + (4 + 2) * 4 * 4 + 2 * 16 * 4 + 8,
    why: 'input 16 values; squares padded to 6 channels of 4 positions; two more 16-value tensors; alpha as one float64',
  },
  {
    key: 'instancenorm_affine',
    name: 'instancenorm with affine also saves the weight repeated per sample',
    body: 'input(4x3x3); instancenorm(affine=true)',
    batch: 2,
    saved: 2 * (36 * 4 + 2 * 4 * 4 + 4 * 4),
    why: 'as without affine, plus weight.repeat(N): 4 float32 a sample',
  },
  { key: 'dropout1d', name: 'dropout1d saves one mask value per channel', body: 'input(3x8); dropout1d(0.5)', batch: 2, saved: 2 * 3 * 4, why: 'feature noise of shape (N, 3, 1)' },
  { key: 'leaky_dense', name: 'leaky_relu saves its input, and the next layer its output', body: 'input(6); leaky_relu; dense(2)', batch: 1, saved: 2 * 24, why: 'two 6-value tensors' },
  { key: 'elu_dense', name: 'elu saves its input, and the next layer its output', body: 'input(6); elu; dense(2)', batch: 1, saved: 2 * 24, why: 'two 6-value tensors' },
  { key: 'hardswish', name: 'hardswish saves its input', body: 'input(6); hardswish', batch: 1, saved: 24, why: '6 values' },
  { key: 'hardsigmoid', name: 'hardsigmoid saves its input', body: 'input(6); hardsigmoid', batch: 1, saved: 24, why: '6 values' },
  { key: 'mish', name: 'mish saves its input', body: 'input(6); mish', batch: 1, saved: 24, why: '6 values' },
  { key: 'softplus', name: 'softplus saves its input', body: 'input(6); softplus', batch: 1, saved: 24, why: '6 values' },
  { key: 'log_softmax', name: 'log_softmax saves its output', body: 'input(6); log_softmax', batch: 1, saved: 24, why: '6 values' },
  {
    key: 'adaptive_maxpool',
    name: 'adaptive_maxpool saves its input and int64 indices',
    body: 'input(2x4x4); adaptive_maxpool(2)',
    batch: 1,
    saved: 32 * 4 + 8 * 8,
    why: 'input 32 values; 2x2x2 = 8 indices',
  },
  { key: 'adaptive_avgpool', name: 'adaptive_avgpool saves its input', body: 'input(2x4x4); adaptive_avgpool(2)', batch: 1, saved: 32 * 4, why: 'input 32 values' },
  {
    key: 'batchnorm_vector',
    name: 'batchnorm on feature vectors: the input and statistics per feature',
    body: 'input(5); batchnorm',
    batch: 4,
    saved: 4 * 5 * 4 + 2 * 5 * 4,
    why: 'input 5 values a sample; 5 means and 5 1/stds once',
  },
  { key: 'conv1d', name: 'a 1-D convolution saves its input', body: 'input(2x8); conv(3, 3)', batch: 1, saved: 16 * 4, why: 'input 2x8 = 16 values' },
  { key: 'maxpool3d', name: 'a 3-D max pool saves its input and int64 indices', body: 'input(1x2x4x4); maxpool(2)', batch: 1, saved: 32 * 4 + 4 * 8, why: 'input 32 values; 1x1x2x2 = 4 indices' },
];
