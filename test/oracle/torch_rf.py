#!/usr/bin/env python3
"""Receptive-field oracle: the input positions one unit really depends on,
found by PyTorch's own backpropagation.

Reads one JSON object on stdin:

    {"cases": [{"nodes": [{"id", "op", "inputs", "inShapes", "outShape", "attributes"}, ...],
                "queries": [{"node": id, "at": [i, j]}, ...]}, ...]}

where the nodes are a NetworkGraph of the analysis core (node 0 is the input).
Each network is built with positive constant weights, identity activations,
max pooling replaced by average pooling of the same geometry and
normalisation as the identity, so no gradient can cancel or vanish. For each
query the gradient of the unit (summed over its channels) with respect to
the input is taken, and the bounding box of its non-zero positions is
printed per spatial axis:

    {"results": [[[[lo, hi], ...] or null, ...], ...]}   (one list per case)

Speed: a convolution with constant weights gives every output channel of a
group the same map, so a tensor is kept as `data` with fewer channels, each
repeated `run` times in a row (logical channel k is data channel k // run).
The arithmetic is still PyTorch's; only identical channels are not computed
twice. Queries are batched, one unit per batch element.

Usage: torch_rf.py < request.json
"""

import json
import math
import sys

import torch
import torch.nn.functional as F

DTYPE = torch.float64
CHUNK = 12


class T:
    """A tensor of `channels` logical channels stored as `data` [B, channels // run, *spatial]."""

    def __init__(self, data, channels):
        self.data = data
        self.channels = channels

    @property
    def run(self):
        return self.channels // self.data.shape[1]

    def with_run(self, run):
        """The same tensor with data channels repeated `run` times (run must divide the current one)."""
        if run == self.run:
            return self.data
        factor = self.run // run
        return self.data.repeat_interleave(factor, dim=1)

    def full(self):
        return self.with_run(1)


def pad_amounts(left, right):
    amounts = []
    for l, r in reversed(list(zip(left, right))):
        amounts += [l, r]
    return amounts


def conv_fn(rank, transposed=False):
    if transposed:
        return [F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][rank - 1]
    return [F.conv1d, F.conv2d, F.conv3d][rank - 1]


def box_sum(x, kernel, stride, dilation):
    """A convolution whose weights are all 1 (and no padding), one axis at a time as sums of strided shifts.

    It is the same arithmetic as F.conv with a kernel of ones, but PyTorch's
    convolution of one channel in float64 takes seconds on a 3-D clip.
    """
    for axis in range(len(kernel)):
        dim = 2 + axis
        n = x.shape[dim]
        k, s, d = kernel[axis], stride[axis], dilation[axis]
        out = (n - d * (k - 1) - 1) // s + 1
        total = None
        for t in range(k):
            index = [slice(None)] * x.dim()
            index[dim] = slice(t * d, t * d + (out - 1) * s + 1, s)
            part = x[tuple(index)]
            total = part if total is None else total + part
        x = total
    return x


def grouped_sums(t, groups):
    """Per group of logical channels, their sum: returns (data [B, k, ...], k, groups per data channel)."""
    c = t.data.shape[1]
    channels = t.channels
    if c % groups == 0:
        # Each group holds c/groups data channels, each repeated run times.
        shape = [t.data.shape[0], groups, c // groups] + list(t.data.shape[2:])
        return t.data.reshape(shape).sum(2) * t.run, groups, 1
    if groups % c == 0:
        # Each data channel holds groups/c whole groups of channels/groups equal channels.
        return t.data * (channels // groups), c, groups // c
    data = t.full()
    shape = [data.shape[0], groups, channels // groups] + list(data.shape[2:])
    return data.reshape(shape).sum(2), groups, 1


def constant_conv(t, a, out, groups, transposed=False):
    rank = t.data.dim() - 2
    x, k, _ = grouped_sums(t, groups)
    kernel = a["kernel"]
    taps = math.prod(kernel)
    weight = torch.full([k, 1] + list(kernel), 1.0 / ((t.channels // groups) * math.sqrt(taps)), dtype=DTYPE)
    if transposed:
        y = conv_fn(rank, True)(x, weight, None, stride=a["stride"], padding=a["padding"],
                                output_padding=a["outputPadding"], groups=k, dilation=a["dilation"])
    else:
        x = F.pad(x, pad_amounts(a["padLeft"], a["padRight"]))
        y = box_sum(x, kernel, a["stride"], a["dilation"]) * weight.flatten()[0]
    # A positive bias, as real layers have, keeps a unit that sees only padding from being zero,
    # which would hide a squeeze-excitation gate's dependence behind a product with zero.
    return T(y + 1.0, out)


def averaged_pool(t, a, out_shape):
    """Max or average pooling as an average over the same windows: a depthwise convolution of 1/taps."""
    rank = t.data.dim() - 2
    c = t.data.shape[1]
    kernel = a["kernel"]
    x = F.pad(t.data, pad_amounts(a["padLeft"], a["padRight"]))
    # ceil_mode windows may run past the right padding; PyTorch averages what is there, so zeros do no harm.
    extra = []
    for axis in range(rank):
        reach = a["dilation"][axis] * (kernel[axis] - 1) + 1
        need = (out_shape[axis] - 1) * a["stride"][axis] + reach
        extra.append(max(0, need - x.shape[2 + axis]))
    x = F.pad(x, pad_amounts([0] * rank, extra))
    y = box_sum(x, kernel, a["stride"], a["dilation"]) / math.prod(kernel)
    for axis in range(rank):
        y = y.narrow(2 + axis, 0, out_shape[axis])
    return T(y, t.channels)


def common_run(ts):
    return math.gcd(*[t.run for t in ts]) if len(ts) > 1 else ts[0].run


def interpolate(t, node):
    rank = t.data.dim() - 2
    a = node["attributes"]
    mode = a.get("mode", "nearest")
    if mode in ("linear", "bilinear", "trilinear"):
        mode = ["linear", "bilinear", "trilinear"][rank - 1]
        options = {"align_corners": False}
    else:
        options = {}
    if "scale" in a and not a.get("sized", False):
        return F.interpolate(t.data, scale_factor=[float(s) for s in a["scale"]], mode=mode, **options)
    return F.interpolate(t.data, size=node["outShape"][1:], mode=mode, **options)


IDENTITY = {
    "relu", "relu6", "leaky_relu", "elu", "gelu", "silu", "sigmoid", "tanh", "hardswish", "hardsigmoid",
    "mish", "softplus", "softmax", "log_softmax", "identity", "dropout", "dropout2d", "prelu", "lrn",
    "batchnorm", "layernorm", "groupnorm", "instancenorm",
}


def run_node(node, xs):
    op, a = node["op"], node["attributes"]
    out_shape = node["outShape"]
    x = xs[0] if xs else None
    if op in IDENTITY:
        return x
    if op == "layer_scale":
        return T(x.data * 0.5, x.channels)
    if op == "conv":
        return constant_conv(x, a, out_shape[0], a["groups"])
    if op == "depthwise_conv":
        return constant_conv(x, a, out_shape[0], x.channels)
    if op == "separable_conv":
        middle = constant_conv(x, a, x.channels * a["multiplier"], x.channels)
        point = {"kernel": [1] * (x.data.dim() - 2), "stride": [1] * (x.data.dim() - 2), "dilation": [1] * (x.data.dim() - 2),
                 "padLeft": [0] * (x.data.dim() - 2), "padRight": [0] * (x.data.dim() - 2)}
        return constant_conv(middle, point, out_shape[0], 1)
    if op == "conv_transpose":
        return constant_conv(x, a, out_shape[0], a["groups"], transposed=True)
    if op in ("maxpool", "avgpool"):
        if "dilation" not in a:
            a = dict(a, dilation=[1] * len(a["kernel"]))
        return averaged_pool(x, a, out_shape[1:])
    if op in ("global_avgpool", "global_maxpool"):
        return T(x.data.mean(dim=tuple(range(2, x.data.dim()))), x.channels)
    if op in ("adaptive_avgpool", "adaptive_maxpool"):
        rank = x.data.dim() - 2
        return T([F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d][rank - 1](x.data, a["size"]), x.channels)
    if op == "upsample":
        return T(interpolate(x, node), x.channels)
    if op == "pad":
        return T(F.pad(x.data, pad_amounts(a["amount"], a["amount"])), x.channels)
    if op == "dense":
        features = node["inShapes"][0][-1]
        if x.data.dim() == 2:
            total = x.data.sum(1, keepdim=True) * x.run / features
            return T(total + 1.0, out_shape[0])
        y = x.data.sum(-1, keepdim=True) / features
        return T(y.expand(*y.shape[:-1], out_shape[-1]), x.channels)
    if op in ("flatten", "reshape"):
        data = x.full()
        return T(data.reshape([data.shape[0]] + out_shape), out_shape[0])
    if op == "slice":
        axis, start = a["axis"], a["start"]
        length = out_shape[axis]
        if axis == 0:
            run = math.gcd(x.run, start, length)
            data = x.with_run(run)
            return T(data.narrow(1, start // run, length // run), length)
        return T(x.data.narrow(1 + axis, start, length), x.channels)
    if op == "channel_shuffle":
        data = x.full()
        g = a["groups"]
        shape = list(data.shape)
        shuffled = data.reshape([shape[0], g, shape[1] // g] + shape[2:]).transpose(1, 2).reshape(shape)
        return T(shuffled, x.channels)
    if op == "pixel_shuffle":
        data = x.full()
        r = a["factor"]
        rank = data.dim() - 2
        b, c = data.shape[0], data.shape[1]
        spatial = list(data.shape[2:])
        out_c = c // r ** rank
        # PyTorch's order: channel c·r^n + (offsets) goes to the offset positions, first axis slowest.
        y = data.reshape([b, out_c] + [r] * rank + spatial)
        order = [0, 1]
        for axis in range(rank):
            order += [2 + rank + axis, 2 + axis]
        y = y.permute(order).reshape([b, out_c] + [n * r for n in spatial])
        return T(y, out_c)
    if op in ("add", "multiply"):
        run = common_run(xs)
        datas = [t.with_run(run) for t in xs]
        out = datas[0]
        for d in datas[1:]:
            out = out + d if op == "add" else out * d
        if op == "add":
            return T(out / len(datas), out_shape[0])
        # Each gate multiplies magnitudes, and sixteen squeeze-excitation blocks (EfficientNet-B0) overflow
        # even float64. Dividing by a positive constant (detached, so it adds no dependence) keeps the
        # values finite and leaves the set of inputs with a non-zero gradient unchanged.
        return T(out / out.detach().abs().amax().clamp(min=1.0), out_shape[0])
    if op == "concat":
        run = math.gcd(*[t.run for t in xs], *[t.channels for t in xs])
        return T(torch.cat([t.with_run(run) for t in xs], dim=1), out_shape[0])
    raise SystemExit(f"torch_rf.py: no mirror for op '{op}'")


def bounding_box(grad):
    """Per spatial axis, [first, last] index with a non-zero gradient; None when there is none."""
    reached = grad.abs().sum(0) > 0
    if not bool(reached.any()):
        return None
    box = []
    for axis in range(reached.dim()):
        others = tuple(d for d in range(reached.dim()) if d != axis)
        along = reached.sum(dim=others) > 0 if others else reached
        idx = torch.nonzero(along).flatten()
        box.append([int(idx[0]), int(idx[-1])])
    return box


def run_case(case):
    nodes = {n["id"]: n for n in case["nodes"]}
    order = sorted(nodes)
    results = []
    queries = case["queries"]
    for first in range(0, len(queries), CHUNK):
        chunk = queries[first:first + CHUNK]
        last = max(q["node"] for q in chunk)
        batch = len(chunk)
        input_shape = nodes[0]["outShape"]
        leaf = torch.ones([batch, 1] + input_shape[1:], dtype=DTYPE, requires_grad=True)
        values = {0: T(leaf, input_shape[0])}
        for nid in order:
            if nid == 0 or nid > last:
                continue
            node = nodes[nid]
            if node.get("failed"):
                continue
            y = run_node(node, [values[i] for i in node["inputs"]])
            got = [y.channels] + list(y.data.shape[2:])
            if got != node["outShape"]:
                raise SystemExit(f"torch_rf.py: node {nid} ({node['op']}) gives {got}, the analysis says {node['outShape']}")
            values[nid] = y
        total = 0
        for b, q in enumerate(chunk):
            data = values[q["node"]].data
            index = (b, slice(None)) + tuple(q["at"])
            total = total + data[index].sum()
        (grad,) = torch.autograd.grad(total, leaf)
        for b in range(batch):
            results.append(bounding_box(grad[b]))
    return results


def main():
    torch.set_num_threads(1)
    request = json.load(sys.stdin)
    json.dump({"results": [run_case(c) for c in request["cases"]]}, sys.stdout)


if __name__ == "__main__":
    main()
