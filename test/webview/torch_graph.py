#!/usr/bin/env python3
"""PyTorch oracle for the preview's forward-pass engine.

Reads one JSON object on stdin:

    {"nodes": [{"id", "op", "inputs", "outShape", "attributes"}, ...],
     "weights": {"<node id>": {"<PyTorch name>": {"shape": [...], "data": [...]}}},
     "input": [...]}

where the nodes are a NetworkGraph of the analysis core (node 0 is the input),
and prints {"<node id>": [values, ...]} with every node's output, channels
first and without the batch, as torch.nn.functional computes it in float64.
Each op is PyTorch's own function with the node's resolved settings; nothing
here copies the engine's arithmetic, so a difference is the engine's.

A JSON array of such objects gives an array of answers in the same order,
so that a test pays for Python and torch's import once, not once per network.

Usage: torch_graph.py < request.json
"""

import json
import sys

import torch
import torch.nn.functional as F


def conv_fn(rank, transposed=False):
    if transposed:
        return [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][rank - 1]
    return [F.conv1d, F.conv2d, F.conv3d][rank - 1]


def pad_amounts(left, right):
    """F.pad lists the last axis first."""
    amounts = []
    for l, r in reversed(list(zip(left, right))):
        amounts += [l, r]
    return amounts


def symmetric(a):
    return list(a["padLeft"]) == list(a["padRight"])


def windowed_conv(x, weight, bias, a, groups):
    rank = x.dim() - 2
    if symmetric(a):
        return conv_fn(rank)(x, weight, bias, stride=a["stride"], padding=a["padLeft"], dilation=a["dilation"], groups=groups)
    # "same" with an odd total pads one more on the right, which F.conv cannot express.
    x = F.pad(x, pad_amounts(a["padLeft"], a["padRight"]))
    return conv_fn(rank)(x, weight, bias, stride=a["stride"], dilation=a["dilation"], groups=groups)


def max_pool(x, a):
    rank = x.dim() - 2
    fn = [F.max_pool1d, F.max_pool2d, F.max_pool3d][rank - 1]
    padding = a["padLeft"]
    if not symmetric(a):
        x = F.pad(x, pad_amounts(a["padLeft"], a["padRight"]), value=float("-inf"))
        padding = 0
    return fn(x, a["kernel"], a["stride"], padding, a["dilation"], ceil_mode=a["ceilMode"])


def avg_pool(x, a):
    rank = x.dim() - 2
    fn = [F.avg_pool1d, F.avg_pool2d, F.avg_pool3d][rank - 1]
    if not symmetric(a):
        raise SystemExit("torch_graph.py: asymmetric average-pool padding has no PyTorch equivalent; use a symmetric padding in the test net")
    return fn(x, a["kernel"], a["stride"], a["padLeft"], ceil_mode=a["ceilMode"], count_include_pad=a["countIncludePad"])


def channels_last_norm(x, fn):
    """Applies fn over the channel axis at every position (the language's layernorm)."""
    if x.dim() == 2:
        return fn(x)
    order = [0] + list(range(2, x.dim())) + [1]
    back = [0, x.dim() - 1] + list(range(1, x.dim() - 1))
    return fn(x.permute(*order)).permute(*back)


def upsample(x, a):
    rank = x.dim() - 2
    mode = a["mode"]
    if mode in ("linear", "bilinear", "trilinear"):
        mode = ["linear", "bilinear", "trilinear"][rank - 1]
    options = {} if mode == "nearest" else {"align_corners": False}
    if "size" in a:
        return F.interpolate(x, size=list(a["size"]), mode=mode, **options)
    scale = [float(s) for s in a["scale"]]
    return F.interpolate(x, scale_factor=scale, mode=mode, **options)


def pixel_shuffle(x, r):
    """nn.PixelShuffle for any number of spatial axes (PyTorch's own is 2-D only), in its channel order."""
    rank = x.dim() - 2
    if rank == 2:
        return F.pixel_shuffle(x, r)
    b, c = x.shape[0], x.shape[1]
    spatial = list(x.shape[2:])
    out_c = c // r ** rank
    y = x.reshape([b, out_c] + [r] * rank + spatial)
    order = [0, 1]
    for axis in range(rank):
        order += [2 + rank + axis, 2 + axis]
    return y.permute(order).reshape([b, out_c] + [n * r for n in spatial])


ACTIVATIONS = {
    "relu": F.relu,
    "relu6": F.relu6,
    "gelu": F.gelu,
    "silu": F.silu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "hardswish": F.hardswish,
    "hardsigmoid": F.hardsigmoid,
    "mish": F.mish,
    "softplus": F.softplus,
    "softmax": lambda x: F.softmax(x, dim=1),
    "log_softmax": lambda x: F.log_softmax(x, dim=1),
    "identity": lambda x: x,
    # Inference: dropout passes values through unchanged.
    "dropout": lambda x: F.dropout(x, training=False),
}


def run_node(node, xs, w):
    op, a = node["op"], node["attributes"]
    x = xs[0] if xs else None
    get = lambda name: w.get(name)
    if op in ACTIVATIONS:
        return ACTIVATIONS[op](x)
    if op == "leaky_relu":
        return F.leaky_relu(x, a.get("slope", 0.01))
    if op == "elu":
        return F.elu(x, a.get("alpha", 1.0))
    if op == "prelu":
        return F.prelu(x, get("weight"))
    if op == "conv":
        return windowed_conv(x, get("weight"), get("bias"), a, a["groups"])
    if op == "depthwise_conv":
        return windowed_conv(x, get("weight"), get("bias"), a, x.shape[1])
    if op == "separable_conv":
        middle = windowed_conv(x, get("depthwise.weight"), None, a, x.shape[1])
        return conv_fn(x.dim() - 2)(middle, get("pointwise.weight"), get("pointwise.bias"))
    if op == "conv_transpose":
        return conv_fn(x.dim() - 2, True)(
            x, get("weight"), get("bias"), stride=a["stride"], padding=a["padding"],
            output_padding=a["outputPadding"], groups=a["groups"], dilation=a["dilation"])
    if op == "maxpool":
        return max_pool(x, a)
    if op == "avgpool":
        return avg_pool(x, a)
    if op == "global_avgpool":
        return x.mean(dim=tuple(range(2, x.dim())))
    if op == "global_maxpool":
        return x.amax(dim=tuple(range(2, x.dim())))
    if op in ("adaptive_avgpool", "adaptive_maxpool"):
        rank = x.dim() - 2
        kind = "avg" if op == "adaptive_avgpool" else "max"
        return getattr(F, f"adaptive_{kind}_pool{rank}d")(x, a["size"])
    if op == "dense":
        return F.linear(x, get("weight"), get("bias"))
    if op == "batchnorm":
        return F.batch_norm(x, get("running_mean"), get("running_var"), get("weight"), get("bias"), training=False, eps=a["eps"])
    if op == "layernorm":
        channels = x.shape[1]
        return channels_last_norm(x, lambda t: F.layer_norm(t, [channels], get("weight"), get("bias"), eps=a["eps"]))
    if op == "groupnorm":
        return F.group_norm(x, a["groups"], get("weight"), get("bias"), eps=a["eps"])
    if op == "instancenorm":
        return F.instance_norm(x, weight=get("weight"), bias=get("bias"), use_input_stats=True, eps=a["eps"])
    if op == "lrn":
        return F.local_response_norm(x, a["size"], alpha=a["alpha"], beta=a["beta"], k=a["k"])
    if op == "flatten":
        return x.reshape(1, -1)
    if op == "reshape":
        return x.reshape(1, *a["shape"])
    if op == "pad":
        return F.pad(x, pad_amounts(a["amount"], a["amount"]))
    if op == "upsample":
        return upsample(x, a)
    if op == "slice":
        return x.narrow(1 + a["axis"], a["start"], a["end"] - a["start"])
    if op == "channel_shuffle":
        return F.channel_shuffle(x, a["groups"])
    if op == "pixel_shuffle":
        return pixel_shuffle(x, a["factor"])
    if op == "layer_scale":
        gamma = get("weight")
        return x * gamma.reshape([1, -1] + [1] * (x.dim() - 2))
    if op == "add":
        return sum(xs[1:], xs[0])
    if op == "multiply":
        out = xs[0]
        for t in xs[1:]:
            out = out * t
        return out
    if op == "concat":
        return torch.cat(xs, dim=1)
    raise SystemExit(f"torch_graph.py: no PyTorch mirror for op '{op}'")


def outputs_of(request):
    """Every node's output for one request, by node id."""
    dtype = torch.float64
    tensor = lambda t: torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])
    values = {}
    outputs = {}
    with torch.no_grad():
        for node in request["nodes"]:
            if node["op"] == "input":
                y = torch.tensor(request["input"], dtype=dtype).reshape([1] + node["outShape"])
            else:
                weights = {name: tensor(t) for name, t in request["weights"].get(str(node["id"]), {}).items()}
                y = run_node(node, [values[i] for i in node["inputs"]], weights)
            if list(y.shape[1:]) != node["outShape"]:
                raise SystemExit(f"torch_graph.py: node {node['id']} ({node['op']}) gives {list(y.shape[1:])}, the analysis says {node['outShape']}")
            values[node["id"]] = y
            outputs[str(node["id"])] = y.reshape(-1).tolist()
    return outputs


def main():
    request = json.load(sys.stdin)
    json.dump([outputs_of(r) for r in request] if isinstance(request, list) else outputs_of(request), sys.stdout)


if __name__ == "__main__":
    main()
