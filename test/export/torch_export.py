#!/usr/bin/env python3
"""Runs networks exported to PyTorch by CNN Lens and reports what PyTorch sees.

Reads a JSON list on stdin: [{"module": PATH.py, "className", "weights":
PATH.safetensors, "inputShape": [...], "input": [values for one sample]}]
and prints, per case, {"trainable", "buffers", "macs", "outShape", "output",
"missing", "unexpected"}: parameters that require grad, buffer values without
num_batches_tracked, per-sample multiply-accumulates of every Conv,
ConvTranspose and Linear module (counted by forward hooks from the shapes
they see), the output shape without the batch, sample 0's output, and what
load_state_dict(strict=True) reported. With "statements" (attribute paths of
modules that each compute one .cnn statement), it also reports per path the
same counts, MACs and output shape of that module alone. Everything counted
is PyTorch's own.
"""

import importlib.util
import json
import math
import struct
import sys
import traceback

import numpy as np
import torch
from torch import nn


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    length = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry["dtype"]
        start, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype="<f4", count=(end - start) // 4, offset=base + start)
        tensors[name] = torch.from_numpy(array.copy()).reshape(entry["shape"])
    return tensors


def count_macs(model, x, statements=()):
    """MACs of the whole model, and per statement module (by attribute path)
    its MACs and output shape, from the same forward pass."""
    total = [0]
    owners = {}
    per_statement = {path: {"macs": 0, "outShape": None} for path in statements}
    for path in statements:
        for sub in model.get_submodule(path).modules():
            owners.setdefault(id(sub), []).append(path)

    def hook(module, inputs, output):
        n = output.shape[0]
        macs = 0
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            macs = output.numel() // n * (module.in_channels // module.groups) * math.prod(module.kernel_size)
        elif isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
            macs = inputs[0].numel() // n * (module.out_channels // module.groups) * math.prod(module.kernel_size)
        elif isinstance(module, nn.Linear):
            macs = output.numel() // n * module.in_features
        total[0] += macs
        for path in owners.get(id(module), []):
            per_statement[path]["macs"] += macs

    def shape_hook(path):
        def record(module, inputs, output):
            per_statement[path]["outShape"] = list(output.shape[1:])
        return record

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    handles += [model.get_submodule(path).register_forward_hook(shape_hook(path)) for path in statements]
    with torch.no_grad():
        y = model(x)
    for h in handles:
        h.remove()
    for path in statements:
        module = model.get_submodule(path)
        per_statement[path]["trainable"] = sum(p.numel() for p in module.parameters() if p.requires_grad)
        per_statement[path]["buffers"] = sum(b.numel() for name, b in module.named_buffers() if not name.endswith("num_batches_tracked"))
    return total[0], y, per_statement


def run(case):
    spec = importlib.util.spec_from_file_location("exported", case["module"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    model = getattr(module, case["className"])()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith("num_batches_tracked"))
    result = model.load_state_dict(load_safetensors(case["weights"]), strict=True)
    model.eval()
    sample = torch.tensor(case["input"], dtype=torch.float32).reshape(case["inputShape"])
    # A batch of two different samples: the module must keep samples apart.
    x = torch.stack([sample, sample.flip(-1) * 0.5])
    macs, y, statements = count_macs(model, x, case.get("statements", []))
    with torch.no_grad():
        single = model(sample.unsqueeze(0))
    return {
        "trainable": trainable,
        "buffers": buffers,
        "macs": macs,
        "outShape": list(y.shape[1:]),
        # Within 1e-4 of the output's largest magnitude, as outputDifference in exportCases.ts: DeepLabV3's
        # seeded outputs reach the thousands, where batch 2 and batch 1 sum in a different order.
        "batchAgrees": bool((y[0] - single[0]).abs().max() <= 1e-4 * max(1.0, float(single[0].abs().max()))),
        "output": y[0].reshape(-1).tolist(),
        "missing": list(result.missing_keys),
        "unexpected": list(result.unexpected_keys),
        "statements": statements,
    }


def main():
    cases = json.load(sys.stdin)
    reports = []
    for case in cases:
        try:
            reports.append(run(case))
        except Exception:
            reports.append({"error": traceback.format_exc()})
    json.dump(reports, sys.stdout)


if __name__ == "__main__":
    main()
