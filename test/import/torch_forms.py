# Exports small torch modules, one per form that the language v1.1 added (and
# a few older ones whose ONNX form is written out), as torch.onnx.export
# writes them, and prints what torch says about each: parameter counts,
# output shape, multiply-accumulates, and an input with torch's output for it.
# The import tests compare the imported .cnn files with these numbers.
#
# usage: torch_forms.py OUT_DIR NAME:OPSET...
# writes OUT_DIR/NAME.opsetOPSET.onnx (eval mode, batch norm kept, no constant
# folding, as torchvision_onnx.py) and prints one JSON object keyed NAME.opsetOPSET.
import json
import sys

import torch
import torch.nn.functional as F
import torchvision
from torch import nn

from torch_counting import macs_of, randomize_batch_norm

torch.manual_seed(0)
out_dir = sys.argv[1]


def channel_shuffle(x, groups):
    # torchvision's ShuffleNetV2 helper: view, transpose, view.
    n, c, h, w = x.size()
    x = x.view(n, groups, c // groups, h, w)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(n, -1, h, w)


class Slices(nn.Module):
    """x[:, a:b] on channels and on a spatial axis, torch.chunk and torch.split on channels."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.left = nn.Conv2d(4, 4, 1)
        self.right = nn.Conv2d(4, 4, 3, padding=1)
        self.tail = nn.Conv2d(4, 6, 1)

    def forward(self, x):
        x = self.conv(x)
        a, b = x.chunk(2, dim=1)
        x = torch.cat((self.left(a), self.right(b)), 1)
        x = channel_shuffle(x, 2)
        x = x[:, 2:6]
        x = self.tail(x)[:, :, 1:-1]
        c, d = torch.split(x, [2, 4], dim=1)
        return torch.cat((d, c), 1)


class PixelShuffle(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, padding=1)
        self.shuffle = nn.PixelShuffle(2)
        self.out = nn.Conv2d(4, 4, 3)

    def forward(self, x):
        return self.out(self.shuffle(self.conv(x)))


class ChannelLayerNorm(nn.LayerNorm):
    """Layer normalisation over the channels at every position (as the PyTorch export writes layernorm)."""

    def forward(self, x):
        return super().forward(x.movedim(1, -1)).movedim(-1, 1)


class LayerScale(nn.Module):
    def __init__(self, channels, init=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), float(init)))

    def forward(self, x):
        return x * self.weight.reshape(-1, *[1] * (x.dim() - 2))


class ConvNeXtBlock(nn.Module):
    """ConvNeXt's block with its layer norm over channels, GELU and layer scale, then a squeeze-excitation gate (a computed multiplier)."""

    def __init__(self, c=8):
        super().__init__()
        self.dwconv = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = ChannelLayerNorm(c)
        self.pwconv1 = nn.Conv2d(c, 4 * c, 1)
        self.act = nn.GELU()
        self.pwconv2 = nn.Conv2d(4 * c, c, 1)
        self.gamma = LayerScale(c, 0.5)
        self.fc = nn.Conv2d(c, c, 1)

    def forward(self, x):
        y = self.gamma(self.pwconv2(self.act(self.pwconv1(self.norm(self.dwconv(x))))))
        x = x + y
        return x * torch.sigmoid(self.fc(F.adaptive_avg_pool2d(x, 1)))


class Resizes(nn.Module):
    """F.interpolate to a stated size and to another tensor's size (DeepLabV3's image pooling)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.Conv2d(4, 4, 1)

    def forward(self, x):
        x = self.conv(x)
        x = F.interpolate(x, size=(15, 13), mode='bilinear', align_corners=False)
        y = self.pool(F.adaptive_avg_pool2d(x, 1))
        y = F.interpolate(y, size=x.shape[-2:], mode='bilinear', align_corners=False)
        return torch.cat((x, y), 1)


class Causal(nn.Module):
    """A causal 1-D convolution (F.pad in front), Keras's "same" for an even kernel (the odd pixel last; torch 1.13 cannot
    export padding='same'), and a Pad that is neither."""

    def __init__(self):
        super().__init__()
        self.causal = nn.Conv1d(3, 4, 3, dilation=2)
        self.same = nn.Conv1d(4, 4, 4)
        self.other = nn.Conv1d(4, 4, 3)

    def forward(self, x):
        x = self.causal(F.pad(x, (4, 0)))
        x = self.same(F.pad(x, (1, 2)))
        return self.other(F.pad(x, (2, 1)))


class Transposed(nn.Module):
    def __init__(self):
        super().__init__()
        self.up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, dilation=1)
        self.up2 = nn.ConvTranspose2d(6, 2, (4, 3), stride=(2, 1), padding=(1, 2), dilation=(1, 2), bias=False)
        self.up1d = nn.ConvTranspose1d(2, 3, 3, stride=3, output_padding=2, dilation=2)

    def forward(self, x):
        x = self.up2(self.up(x))
        n, c, h, w = x.shape
        return self.up1d(x.reshape(n, c, h * w))


def build(name):
    if name == 'shufflenet':
        return torchvision.models.shufflenet_v2_x0_5(), [3, 64, 64]
    return {
        'slices': (Slices, [3, 8, 8]),
        'pixel_shuffle': (PixelShuffle, [3, 6, 6]),
        'convnext_block': (ConvNeXtBlock, [8, 9, 9]),
        'resizes': (Resizes, [3, 8, 7]),
        'causal': (Causal, [3, 16]),
        'transposed': (Transposed, [4, 5, 5]),
    }[name][0](), {
        'slices': [3, 8, 8],
        'pixel_shuffle': [3, 6, 6],
        'convnext_block': [8, 9, 9],
        'resizes': [3, 8, 7],
        'causal': [3, 16],
        'transposed': [4, 5, 5],
    }[name]


def randomize(model):
    """Random batch-norm statistics and affine terms, and layer scales away from their initial value, so that they matter."""
    generator = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                randomize_batch_norm(module, generator)
            elif isinstance(module, (nn.LayerNorm, LayerScale)):
                for p in module.parameters():
                    p.copy_(torch.rand(p.shape, generator=generator) + 0.5)


report = {}
for spec in sys.argv[2:]:
    name, opset = spec.split(':')
    model, shape = build(name)
    model = model.eval()
    randomize(model)
    x = torch.randn(1, *shape)
    path = f'{out_dir}/{name}.opset{opset}.onnx'
    torch.onnx.export(model, x, path, opset_version=int(opset), training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    macs, y = macs_of(model, x)
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith('num_batches_tracked'))
    report[f'{name}.opset{opset}'] = {
        'inputShape': shape,
        'trainable': sum(p.numel() for p in model.parameters()),
        'nonTrainable': buffers,
        'output': list(y.shape[1:]),
        'macs': macs,
        'input': x.flatten().tolist(),
        'values': y.flatten().tolist(),
    }
print(json.dumps(report))
