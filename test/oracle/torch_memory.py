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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_oracle import EXAMPLES  # noqa: E402  (the same models as the shape oracle)


def storage_key(tensor):
    storage = tensor.storage()
    return storage.data_ptr(), storage.nbytes()


def saved_activation_bytes(model, batch, shape):
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

    x = torch.zeros(batch, *shape)
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
