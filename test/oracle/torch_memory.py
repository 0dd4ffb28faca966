#!/usr/bin/env python3
"""Independent PyTorch oracle for training memory.

For each request "EXAMPLE:BATCH[:SHAPE]" this builds the example's network in
PyTorch exactly as torch_oracle.py does (the same constructors and mirrors),
puts it in training mode, and runs one forward pass on a batch of BATCH zeros
of SHAPE (the example's own input shape by default) under
torch.autograd.graph.saved_tensors_hooks. Every tensor autograd saves for the
backward pass goes through the pack hook; the oracle adds up the bytes of
their storages, each storage once (a view saved twice, or a tensor saved by
two layers, is one allocation), leaving out the storages of parameters and
buffers, which are not activations.

The request "ops" measures the tiny networks of OP_CASES instead, one per rule
of src/core/memory/rules.ts, keyed as in test/core/memoryCases.ts. Their
input requires a gradient, as any tensor inside a trained network does, so
that the first op records what it saves.

With "EXAMPLE:BATCH:SHAPE:optimizer" it instead runs one training step
(forward, backward of the summed output, optimizer step) with SGD with
momentum and, separately, Adam, and reports the bytes of every tensor in
optimizer.state afterwards.

Prints one JSON object: {"resnet18.cnn:8": {"savedActivations": ...}, ...}.
"""

import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_oracle import EXAMPLES  # noqa: E402  (the same models as the shape oracle)


class ChannelLayerNorm(nn.Module):
    """The language's layernorm: normalise the channel axis of each position."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x):
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConcatAdd(nn.Module):
    """concat { branch { identity } branch { identity } }; residual { identity }."""

    def forward(self, x):
        y = torch.cat([x, x], dim=1)
        return y + y


class Gate(nn.Module):
    """x: identity; adaptive_avgpool(1); sigmoid; multiply(x)."""

    def forward(self, x):
        return torch.sigmoid(nn.functional.adaptive_avg_pool2d(x, 1)) * x


def seq(*layers):
    return lambda: nn.Sequential(*layers)


# key -> (model constructor, input shape without the batch, batch size).
OP_CASES = {
    "conv": (seq(nn.Conv2d(2, 3, 3, padding=1)), (2, 4, 4), 5),
    "dense": (seq(nn.Linear(10, 3)), (10,), 2),
    "conv_transpose": (seq(nn.ConvTranspose2d(2, 4, 2, stride=2)), (2, 3, 3), 1),
    "depthwise_conv": (seq(nn.Conv2d(3, 3, 3, padding=1, groups=3)), (3, 4, 4), 1),
    "separable_conv": (seq(nn.Conv2d(2, 4, 3, padding=1, groups=2, bias=False), nn.Conv2d(4, 3, 1)), (2, 4, 4), 1),
    "batchnorm": (seq(nn.BatchNorm2d(3)), (3, 4, 4), 2),
    "layernorm": (lambda: ChannelLayerNorm(4), (4, 3, 3), 1),
    "groupnorm": (seq(nn.GroupNorm(2, 4)), (4, 3, 3), 3),
    "instancenorm": (seq(nn.InstanceNorm2d(4)), (4, 3, 3), 2),
    "relu_chain": (seq(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.Conv2d(2, 2, 3, padding=1)), (1, 4, 4), 1),
    "sigmoid": (seq(nn.Sigmoid()), (6,), 1),
    "tanh": (seq(nn.Tanh()), (6,), 1),
    "softmax": (seq(nn.Softmax(dim=1)), (6,), 1),
    "gelu": (seq(nn.GELU()), (6,), 1),
    "silu_dense": (seq(nn.SiLU(), nn.Linear(6, 2)), (6,), 1),
    "relu6_dense": (seq(nn.ReLU6(), nn.Linear(6, 2)), (6,), 1),
    "relu_dense": (seq(nn.ReLU(), nn.Linear(6, 2)), (6,), 1),
    "maxpool": (seq(nn.MaxPool2d(2)), (2, 4, 4), 1),
    "global_maxpool": (seq(nn.AdaptiveMaxPool2d(1), nn.Flatten()), (3, 2, 2), 1),
    "avgpool": (seq(nn.AvgPool2d(2)), (2, 4, 4), 1),
    "global_avgpool": (seq(nn.AdaptiveAvgPool2d(1), nn.Flatten()), (2, 4, 4), 1),
    "dropout": (seq(nn.Dropout(0.5)), (10,), 3),
    "dropout2d": (seq(nn.Dropout2d(0.5)), (3, 4, 4), 2),
    "dropout0_dense": (seq(nn.Dropout(0.0), nn.Linear(10, 2)), (10,), 1),
    "flatten_view": (seq(nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)), (2, 2, 2), 1),
    "concat_add": (ConcatAdd, (2, 2, 2), 4),
    "upsample_pad": (seq(nn.Upsample(scale_factor=2), nn.ZeroPad2d(1)), (2, 2, 2), 1),
    "multiply": (Gate, (4, 2, 2), 1),
    "prelu": (seq(nn.PReLU()), (6,), 1),
    "lrn": (seq(nn.LocalResponseNorm(3)), (4, 2, 2), 1),
    "instancenorm_affine": (seq(nn.InstanceNorm2d(4, affine=True)), (4, 3, 3), 2),
    "dropout1d": (seq(nn.Dropout1d(0.5)), (3, 8), 2),
    "leaky_dense": (seq(nn.LeakyReLU(), nn.Linear(6, 2)), (6,), 1),
    "elu_dense": (seq(nn.ELU(), nn.Linear(6, 2)), (6,), 1),
    "hardswish": (seq(nn.Hardswish()), (6,), 1),
    "hardsigmoid": (seq(nn.Hardsigmoid()), (6,), 1),
    "mish": (seq(nn.Mish()), (6,), 1),
    "softplus": (seq(nn.Softplus()), (6,), 1),
    "log_softmax": (seq(nn.LogSoftmax(dim=1)), (6,), 1),
    "adaptive_maxpool": (seq(nn.AdaptiveMaxPool2d(2)), (2, 4, 4), 1),
    "adaptive_avgpool": (seq(nn.AdaptiveAvgPool2d(2)), (2, 4, 4), 1),
    "batchnorm_vector": (seq(nn.BatchNorm1d(5)), (5,), 4),
    "conv1d": (seq(nn.Conv1d(2, 3, 3)), (2, 8), 1),
    "maxpool3d": (seq(nn.MaxPool3d(2)), (1, 2, 4, 4), 1),
}


def storage_key(tensor):
    storage = tensor.storage()
    return storage.data_ptr(), storage.nbytes()


def saved_activation_bytes(model, batch, shape, input_requires_grad=False):
    model.train()
    excluded = {tensor.storage().data_ptr() for tensor in list(model.parameters()) + list(model.buffers())}
    seen = {}

    def pack(tensor):
        pointer, size = storage_key(tensor)
        if pointer not in excluded:
            # A storage may be saved at several sizes (a view of part of it):
            # the allocation is the whole storage, counted once.
            seen[pointer] = max(seen.get(pointer, 0), size)
        return tensor

    def unpack(tensor):
        return tensor

    x = torch.zeros(batch, *shape, requires_grad=input_requires_grad)
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        output = model(x)
    del output
    return sum(seen.values())


def optimizer_state_bytes(build, batch, shape):
    result = {}
    for name, make in (
        ("momentum", lambda params: torch.optim.SGD(params, lr=0.01, momentum=0.9)),
        ("adam", lambda params: torch.optim.Adam(params, lr=0.001)),
    ):
        torch.manual_seed(0)
        model = build()
        model.train()
        optimizer = make(model.parameters())
        model(torch.randn(batch, *shape)).sum().backward()
        optimizer.step()
        result[name] = sum(
            value.numel() * value.element_size()
            for state in optimizer.state.values()
            for value in state.values()
            if torch.is_tensor(value)
        )
    return result


def main(argv):
    torch.set_num_threads(min(2, torch.get_num_threads()))
    out = {}
    for request in argv:
        if request == "ops":
            out["ops"] = {}
            for key, (build, shape, batch) in OP_CASES.items():
                torch.manual_seed(0)
                out["ops"][key] = saved_activation_bytes(build(), batch, shape, input_requires_grad=True)
            continue
        parts = request.split(":")
        name = parts[0] if parts[0].endswith(".cnn") else parts[0] + ".cnn"
        if name not in EXAMPLES:
            sys.exit(f"torch_memory.py: unknown example {name}; known: {', '.join(EXAMPLES)}")
        build, default_shape = EXAMPLES[name]
        batch = int(parts[1]) if len(parts) > 1 else 1
        shape = tuple(int(d) for d in parts[2].split("x")) if len(parts) > 2 and parts[2] else default_shape
        torch.manual_seed(0)
        if len(parts) > 3 and parts[3] == "optimizer":
            out[request] = optimizer_state_bytes(build, batch, shape)
        else:
            with torch.random.fork_rng():
                out[request] = {"savedActivations": saved_activation_bytes(build(), batch, shape)}
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])
