#!/usr/bin/env python3
"""Independent PyTorch oracle for the networks in examples/.

For each example this builds the same network in PyTorch -- torchvision's own
constructors where the example reproduces a torchvision model, and a
hand-written nn.Module mirroring the .cnn file line by line otherwise -- runs
one forward pass on a batch of one, and prints a JSON object that maps the
example's file name to what PyTorch itself reports:

    {"lenet5.cnn": {"input": [1, 32, 32], "trainable": 61706,
                    "nonTrainable": 0, "output": [10], "macs": 416520}, ...}

"trainable" counts parameters with requires_grad; "nonTrainable" counts only
the batch-norm running means and variances (num_batches_tracked is a counter,
not a statistic, and the language does not count it); "output" is the output
shape without the batch dimension; "macs" sums multiply-accumulates of the
convolution and linear layers measured by forward hooks, not counting bias
additions (the convention behind torchvision's published GFLOPS figures).

Usage: torch_oracle.py [EXAMPLE ...]   (names with or without ".cnn"; default all)
"""

import json
import math
import sys

import torch
import torch.nn as nn
import torchvision


# ---------------------------------------------------------------------------
# Hand-written mirrors of the examples that torchvision does not provide.
# Each follows its .cnn file statement by statement, so that a difference
# between the two is a difference in the analysis, not in the architecture.


def lenet5():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.Tanh(),
        nn.Linear(120, 84), nn.Tanh(),
        nn.Linear(84, 10),
    )


def mnist():
    # Keras' padding="same" for a 3x3, stride-1 convolution is one pixel on
    # every side, which is what PyTorch's padding=1 does.
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(7 * 7 * 64, 128), nn.ReLU(),
        nn.Linear(128, 10), nn.Softmax(dim=1),
    )


def cifar8conv():
    def pair(cin, a, b, pool):
        return [nn.Conv2d(cin, a, 3), nn.ReLU(), nn.Conv2d(a, b, 3), nn.ReLU(), nn.MaxPool2d(pool)]

    return nn.Sequential(
        *pair(3, 32, 64, 2),
        *pair(64, 128, 256, 1),
        *pair(256, 128, 64, 1),
        *pair(64, 32, 16, 1),
        nn.Flatten(),
        nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, 16), nn.ReLU(),
        nn.Linear(16, 10),
    )


def double_conv(cin, c):
    return nn.Sequential(
        nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
        nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),
    )


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc1 = double_conv(1, 32)
        self.enc2 = double_conv(32, 64)
        self.enc3 = double_conv(64, 128)
        self.bottom = double_conv(128, 256)
        self.pool = nn.MaxPool2d(2)
        self.up3 = nn.ConvTranspose2d(256, 128, 2, stride=2)
        self.dec3 = double_conv(256, 128)
        self.up2 = nn.ConvTranspose2d(128, 64, 2, stride=2)
        self.dec2 = double_conv(128, 64)
        self.up1 = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.dec1 = double_conv(64, 32)
        self.head = nn.Conv2d(32, 2, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        e3 = self.enc3(self.pool(e2))
        x = self.bottom(self.pool(e3))
        # The language's concat(label) puts the current tensor first.
        x = self.dec3(torch.cat([self.up3(x), e3], dim=1))
        x = self.dec2(torch.cat([self.up2(x), e2], dim=1))
        x = self.dec1(torch.cat([self.up1(x), e1], dim=1))
        return self.head(x)


def audio1d():
    def conv_bn_relu(cin, c, k, stride, padding):
        return [nn.Conv1d(cin, c, k, stride=stride, padding=padding), nn.BatchNorm1d(c), nn.ReLU()]

    # padding="same" in the .cnn file follows Keras: the output length is
    # ceil(in / stride) and the total padding max((out-1)*s + k - in, 0).
    # For 32000 samples, kernel 80 and stride 4 that is 76, split evenly as
    # 38 + 38; for the 3-tap convolutions it is 1 + 1. PyTorch's own
    # padding="same" refuses strides above 1, so the amounts are spelled out.
    return nn.Sequential(
        *conv_bn_relu(1, 128, 80, 4, 38), nn.MaxPool1d(4),
        *conv_bn_relu(128, 128, 3, 1, 1), nn.MaxPool1d(4),
        *conv_bn_relu(128, 256, 3, 1, 1), nn.MaxPool1d(4),
        *conv_bn_relu(256, 512, 3, 1, 1),
        nn.AdaptiveAvgPool1d(1), nn.Flatten(),
        nn.Linear(512, 10), nn.LogSoftmax(dim=1),
    )


def video3d():
    def conv3(cin, c):
        return [nn.Conv3d(cin, c, 3, padding=1), nn.ReLU()]

    return nn.Sequential(
        *conv3(3, 16), nn.MaxPool3d((1, 2, 2)),
        *conv3(16, 32), nn.MaxPool3d(2),
        *conv3(32, 64), *conv3(64, 64), nn.MaxPool3d(2),
        *conv3(64, 128), *conv3(128, 128), nn.MaxPool3d(2),
        *conv3(128, 128), *conv3(128, 128), nn.MaxPool3d(2, padding=(0, 1, 1)),
        nn.Flatten(),
        nn.Linear(2048, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(512, 101),
    )


class TemporalBlock(nn.Module):
    """Two dilated causal convolutions with a residual: the input is padded on the left only."""

    def __init__(self, cin, c, dilation, k=7):
        super().__init__()
        self.left = (k - 1) * dilation
        self.conv1 = nn.Conv1d(cin, c, k, dilation=dilation)
        self.conv2 = nn.Conv1d(c, c, k, dilation=dilation)
        self.down = nn.Conv1d(cin, c, 1) if cin != c else None

    def forward(self, x):
        y = nn.functional.dropout(torch.relu(self.conv1(nn.functional.pad(x, (self.left, 0)))), 0.2, self.training)
        y = nn.functional.dropout(torch.relu(self.conv2(nn.functional.pad(y, (self.left, 0)))), 0.2, self.training)
        return torch.relu(y + (x if self.down is None else self.down(x)))


class TCN(nn.Module):
    def __init__(self):
        super().__init__()
        levels = [TemporalBlock(1 if i == 0 else 25, 25, 2 ** i) for i in range(8)]
        self.levels = nn.Sequential(*levels)
        self.fc = nn.Linear(25, 10)

    def forward(self, x):
        # The classifier reads the last time step only.
        return self.fc(self.levels(x)[:, :, -1])


class DeepLabV3(nn.Module):
    """torchvision's DeepLabV3-ResNet50 (21 classes, no auxiliary head), returning the scores tensor of its dict."""

    def __init__(self):
        super().__init__()
        self.model = torchvision.models.segmentation.deeplabv3_resnet50(
            weights=None, weights_backbone=None, num_classes=21, aux_loss=False)

    def forward(self, x):
        return self.model(x)["out"]


# Example file name -> (model constructor, input shape without the batch).
# "FILE@SHAPE" measures the example again with its input(...) changed to SHAPE.
# torchvision's constructors build random, untrained weights by default
# (weights=None), so nothing is downloaded.
EXAMPLES = {
    "lenet5.cnn": (lenet5, (1, 32, 32)),
    "mnist.cnn": (mnist, (1, 28, 28)),
    "cifar8conv.cnn": (cifar8conv, (3, 32, 32)),
    "alexnet.cnn": (torchvision.models.alexnet, (3, 224, 224)),
    "vgg16.cnn": (torchvision.models.vgg16, (3, 224, 224)),
    "resnet18.cnn": (torchvision.models.resnet18, (3, 224, 224)),
    "resnet50.cnn": (torchvision.models.resnet50, (3, 224, 224)),
    "resnet152.cnn": (torchvision.models.resnet152, (3, 224, 224)),
    "mobilenet_v2.cnn": (torchvision.models.mobilenet_v2, (3, 224, 224)),
    "efficientnet_b0.cnn": (torchvision.models.efficientnet_b0, (3, 224, 224)),
    "densenet121.cnn": (torchvision.models.densenet121, (3, 224, 224)),
    "unet.cnn": (UNet, (1, 64, 64)),
    "audio1d.cnn": (audio1d, (1, 32000)),
    "video3d.cnn": (video3d, (3, 16, 112, 112)),
    "shufflenet_v2.cnn": (torchvision.models.shufflenet_v2_x1_0, (3, 224, 224)),
    "convnext_tiny.cnn": (torchvision.models.convnext_tiny, (3, 224, 224)),
    "tcn.cnn": (TCN, (1, 784)),
    "inception_v3.cnn": (lambda: torchvision.models.inception_v3(weights=None, aux_logits=False, init_weights=False), (3, 299, 299)),
    "deeplabv3.cnn": (DeepLabV3, (3, 224, 224)),
    # A size the output stride does not divide: the pooling branch and the final resize follow it.
    "deeplabv3.cnn@3x321x257": (DeepLabV3, (3, 321, 257)),
}


# ---------------------------------------------------------------------------
# Measurement.

CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)
TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def count_macs_hook(total):
    """A forward hook that adds the layer's multiply-accumulates to total[0]."""

    def hook(module, inputs, output):
        if isinstance(module, CONVS):
            # Every output element is a dot product over (in/groups) x kernel.
            per_output = module.in_channels // module.groups * math.prod(module.kernel_size)
            total[0] += output.numel() * per_output
        elif isinstance(module, TRANSPOSED):
            # Every input element is scattered into (out/groups) x kernel outputs.
            per_input = module.out_channels // module.groups * math.prod(module.kernel_size)
            total[0] += inputs[0].numel() * per_input
        elif isinstance(module, nn.Linear):
            total[0] += output.numel() * module.in_features

    return hook


def measure(build, input_shape):
    torch.manual_seed(0)
    model = build()
    model.eval()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    non_trainable = sum(
        buf.numel()
        for name, buf in model.named_buffers()
        if name.endswith("running_mean") or name.endswith("running_var")
    )
    total = [0]
    handles = [
        m.register_forward_hook(count_macs_hook(total))
        for m in model.modules()
        if isinstance(m, CONVS + TRANSPOSED + (nn.Linear,))
    ]
    with torch.no_grad():
        output = model(torch.zeros(1, *input_shape))
    for handle in handles:
        handle.remove()
    return {
        "input": list(input_shape),
        "trainable": trainable,
        "nonTrainable": non_trainable,
        "output": list(output.shape[1:]),
        "macs": total[0],
    }


def main(argv):
    names = [a if (a.endswith(".cnn") or "@" in a) else a + ".cnn" for a in argv] or list(EXAMPLES)
    unknown = [n for n in names if n not in EXAMPLES]
    if unknown:
        sys.exit(f"torch_oracle.py: unknown example(s) {', '.join(unknown)}; known: {', '.join(EXAMPLES)}")
    # Two threads are plenty for these sizes and keep the oracle from
    # competing with mocha and the CLI on a small machine.
    torch.set_num_threads(min(2, torch.get_num_threads()))
    result = {name: measure(*EXAMPLES[name]) for name in names}
    json.dump(result, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
