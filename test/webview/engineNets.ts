/**
 * Small networks that together use every op family of the language with
 * non-default settings, for comparing the preview's engine with PyTorch.
 * Sizes stay tiny so the plain CPU backend and SwiftShader finish quickly.
 */
export const PARITY_NETS: Record<string, string> = {
  convolutions2d: `network Convs {
  input(4x13x13)
  conv(8, 3, padding=1, groups=2)
  conv(8, 3, stride=2, dilation=2, padding=2)
  conv(6, (3, 2), stride=2, padding="same")
  conv_transpose(4, 3, stride=2, padding=1, output_padding=1)
  conv_transpose(4, 2, stride=2, groups=2, bias=false)
  depthwise_conv(3, multiplier=2, padding=1)
  separable_conv(6, 3, stride=2, padding=1)
  conv(6, 3, padding="full", bias=false)
  depthwise_conv(3, dilation=2, stride=2)
  conv_transpose(3, 3, stride=2, dilation=2)
  flatten
  dense(5)
}
`,
  // Convolution, batch norm and ReLU chains: run fused (fusion.ts) when only the output is kept.
  fusedChains: `network Fused {
  input(3x9x9)
  conv(8, 3, stride=2, padding=1, bias=false)
  batchnorm
  relu
  conv(8, 3, padding="same", dilation=2)
  batchnorm
  depthwise_conv(3, multiplier=2, padding=1)
  batchnorm
  relu
  depthwise_conv((3, 2), padding="same")
  relu
  conv(4, 1)
  batchnorm(affine=false)
  relu
}
`,
  pools2d: `network Pools {
  input(3x11x11)
  maxpool(3, stride=2, padding=1, ceil_mode=true)
  avgpool(3, stride=2, padding=1, ceil_mode=true)
  upsample(2, mode="bilinear")
  maxpool(2, stride=1, dilation=2)
  avgpool(2, padding=1, count_include_pad=false)
  upsample(2, mode="bicubic")
  adaptive_avgpool(3)
  upsample(1.5)
  adaptive_maxpool((3, 2))
  adaptive_avgpool((3, 2))   # already that size, as VGG-16's adaptive_avgpool(7) at 224x224
  pad(1)
  reshape(5x12)
  global_maxpool
}
`,
  // v1.1: slices on channels and space, PyTorch's channel orders, layer scale, resizing to a size or a label, causal padding.
  channels: `network Channels {
  input(8x6x6)
  conv(16, 3, padding=1)
  channel_shuffle(4)
  slice(2, 14)
  pixel_shuffle(2)          -> 3x12x12
  layer_scale(init=0.5)
  slice(1, -2, axis=2)      -> 3x12x9
  x: upsample(size=7x5, mode="bilinear")
  maxpool(2)
  upsample(like=x)          -> 3x7x5
  upsample(size=(9, 4))
}
`,
  causal1d: `network Causal {
  input(4x20)
  conv(8, 3, padding="causal", dilation=2)
  pixel_shuffle(2)          -> 4x40
  slice(-5, axis=1)         -> 4x5
  upsample(size=9, mode="linear")
  conv(4, 2, stride=2, padding="causal")
}
`,
  normalization: `network Norms {
  input(8x5x5)
  batchnorm
  layernorm
  groupnorm(4)
  instancenorm
  instancenorm(affine=true)
  lrn(3, alpha=0.5, beta=0.75, k=2)
  prelu(shared=false)
  prelu
  global_avgpool
  layernorm
  batchnorm
}
`,
  activations: `network Acts {
  input(2x3x3)
  x: identity
  concat {
    branch { relu }
    branch { relu6 }
    branch { leaky_relu(0.2) }
    branch { elu(alpha=0.7) }
    branch { gelu }
    branch { silu }
    branch { sigmoid }
    branch { tanh }
    branch { hardswish }
    branch { hardsigmoid }
    branch { mish }
    branch { softplus }
    branch { softmax }
    branch { log_softmax }
    branch { dropout(0.3) }
    branch { dropout2d(0.1) }
  }
  flatten
  softmax
}
`,
  merges: `network Merges {
  input(4x6x6)
  x: conv(4, 1)
  residual {
    conv(4, 3, padding=1)
    relu
  }
  residual {
    conv(8, 1)
  } shortcut {
    conv(8, 3, padding=1, bias=false)
  }
  y: identity
  adaptive_avgpool(1)
  sigmoid
  multiply(y)
  concat(x)
  z: conv(12, 1)
  add(z)
  reshape(12x36)
  dense(3)
}
`,
  oneD: `network OneD {
  input(3x20)
  conv(6, 5, stride=2, padding=2, groups=3)
  batchnorm
  maxpool(3, stride=2, padding=1, ceil_mode=true)
  conv_transpose(4, 4, stride=3, padding=1, output_padding=2)
  depthwise_conv(3, multiplier=2, dilation=2, stride=2)
  separable_conv(5, 3, padding="same")
  avgpool(3, stride=2, padding=1, ceil_mode=true)
  upsample(3, mode="linear")
  groupnorm(5)
  layernorm
  instancenorm(affine=true)
  maxpool(2, dilation=2)
  adaptive_avgpool(5)
  adaptive_maxpool(3)
  pad(2)
  global_avgpool
  dense(4)
}
`,
  threeD: `network ThreeD {
  input(2x5x6x6)
  conv(4, 3, padding=1, groups=2)
  batchnorm
  conv(6, (1, 3, 3), stride=(1, 2, 2), dilation=(1, 2, 2), padding=(0, 2, 2))
  maxpool(2, padding=1, ceil_mode=true)
  conv_transpose(4, 2, stride=2)
  depthwise_conv(3, padding=1)
  separable_conv(4, 3, stride=2, padding=1)
  avgpool(2, stride=1, padding=1)
  upsample((1, 2, 2), mode="trilinear")
  maxpool((1, 3, 3), stride=1, dilation=(1, 2, 2))
  groupnorm(2)
  instancenorm
  lrn(2)
  adaptive_avgpool((2, 3, 3))
  adaptive_maxpool(1)
  global_maxpool
}
`,
};

/**
 * Convolutions large enough (over 8 million multiply-accumulates) for the
 * engine to share them with convolution workers on WASM: a fused chain, a
 * strided one with different paddings per axis, a dilated one, channel
 * counts that do not divide evenly (60), and a 1x1 too small to share.
 */
export const SPLIT_NET = `network Split {
  input(16x48x48)
  conv(60, 3, padding=1, bias=false)
  batchnorm
  relu
  conv(64, 3, stride=2, padding=(1, 2))
  relu
  conv(48, 3, dilation=2, padding=2)
  conv(32, 1)
}
`;
