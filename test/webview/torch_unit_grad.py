#!/usr/bin/env python3
"""PyTorch oracle for the preview's effective receptive field.

Reads one JSON object on stdin, as torch_graph.py does, plus the unit:

    {"nodes": [...], "weights": {...}, "input": [...],
     "unit": {"node": id, "channel": c, "at": [i, j, ...]}}

and prints {"value": v, "gradient": [...]}: the unit's value and its
gradient with respect to the input (channels first, no batch), by PyTorch's
autograd in float64 through torch_graph.py's own op mirrors.

A JSON array of such objects gives an array of answers in the same order
(one Python start and torch import for many units).

Usage: torch_unit_grad.py < request.json
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_graph import run_node  # noqa: E402


def unit_gradient(request):
    """The unit's value and input gradient for one request."""
    dtype = torch.float64
    tensor = lambda t: torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])
    unit = request["unit"]
    values = {}
    x = None
    for node in request["nodes"]:
        if node["op"] == "input":
            x = torch.tensor(request["input"], dtype=dtype).reshape([1] + node["outShape"]).requires_grad_(True)
            y = x
        else:
            weights = {name: tensor(t) for name, t in request["weights"].get(str(node["id"]), {}).items()}
            y = run_node(node, [values[i] for i in node["inputs"]], weights)
        values[node["id"]] = y
        if node["id"] == unit["node"]:
            break
    value = values[unit["node"]][(0, unit["channel"], *unit["at"])]
    (gradient,) = torch.autograd.grad(value, x)
    return {"value": value.item(), "gradient": gradient.reshape(-1).tolist()}


def main():
    request = json.load(sys.stdin)
    json.dump([unit_gradient(r) for r in request] if isinstance(request, list) else unit_gradient(request), sys.stdout)


if __name__ == "__main__":
    main()
