#!/usr/bin/env python3
"""Writes safetensors files from a real PyTorch model, for the engine's loader test.

The model mirrors SAFETENSORS_NET in engine.test.ts statement by statement:

    conv(4, 3, padding=1); batchnorm; relu; separable_conv(6, 3); flatten; dense(5)

torch 1.13 has no safetensors package, so the format is written by hand: an
8-byte little-endian header length, a JSON header of {name: {dtype, shape,
data_offsets}} padded with spaces to a multiple of 8, then the raw data.

Usage: torch_safetensors.py OUT_DIR
Writes OUT_DIR/{module_order,library_order,wrong_kernel}.safetensors and
prints {"input": [...], "output": [...]}: a random input and what the model
itself (nn.Module.forward, eval mode) computes from it.
"""

import json
import os
import struct
import sys

import torch
import torch.nn as nn


class Separable(nn.Module):
    """Keras-style separable convolution, named as the engine expects (depthwise, pointwise)."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, k, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def model(kernel):
    net = nn.Sequential(
        nn.Conv2d(3, 4, kernel, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
        Separable(4, 6, 3), nn.Flatten(), nn.Linear(6 * 6 * 6, 5),
    )
    # Running statistics as after training, so that eval mode differs from the identity.
    with torch.no_grad():
        net[1].running_mean.uniform_(-0.5, 0.5)
        net[1].running_var.uniform_(0.5, 2.0)
        net[1].weight.uniform_(0.5, 1.5)
        net[1].bias.uniform_(-0.5, 0.5)
    return net.eval()


FORMATS = {torch.float32: ("F32", "f"), torch.int64: ("I64", "q")}


def write(path, items, data_order=None):
    """Writes (name, tensor) items: the header lists them in `items` order, the data follows `data_order` (default the same)."""
    data_order = data_order or items
    blobs, entries, offset = [], {}, 0
    for name, t in data_order:
        dtype, code = FORMATS[t.dtype]
        values = t.detach().contiguous().reshape(-1).tolist()
        blob = struct.pack(f"<{len(values)}{code}", *values)
        entries[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps({name: entries[name] for name, _ in items}).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(out_dir):
    torch.manual_seed(7)
    net = model(3)
    items = list(net.state_dict().items())
    write(os.path.join(out_dir, "module_order.safetensors"), items)
    # The safetensors library sorts the header by name and the data by dtype, then name:
    # biases come before weights and num_batches_tracked (int64) first.
    by_name = sorted(items, key=lambda item: item[0])
    by_dtype = sorted(items, key=lambda item: (-item[1].element_size(), item[0]))
    write(os.path.join(out_dir, "library_order.safetensors"), by_name, by_dtype)
    write(os.path.join(out_dir, "wrong_kernel.safetensors"), list(model(5).state_dict().items()))
    x = torch.rand(1, 3, 8, 8) * 2 - 1
    with torch.no_grad():
        y = net(x)
    json.dump({"input": x.reshape(-1).tolist(), "output": y.reshape(-1).tolist()}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
