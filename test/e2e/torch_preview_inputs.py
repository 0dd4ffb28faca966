#!/usr/bin/env python3
"""Writes the files a user brings to the preview, and PyTorch's answers on them.

The network is examples/lenet5.cnn (conv 6x5x5, tanh, avgpool, conv 16x5x5,
tanh, avgpool, flatten, dense 120, tanh, dense 84, tanh, dense 10), built as
an nn.Sequential in the same statement order. Into OUT_DIR it writes:

- lenet5.safetensors: model A's state_dict as torch holds it (torch 1.13 has
  no safetensors package, so the format is written by hand: an 8-byte
  little-endian header length, a JSON header padded with spaces to a
  multiple of 8, then the raw float32 data);
- tfjs/model.json and tfjs/group1-shard1of1.bin: model B's weights in Keras
  layout (Conv2D kernel [kh, kw, in, out], Dense kernel [in, out], the first
  Dense's rows in Flatten's height-width-channel order), as TensorFlow.js
  writes a layers model;
- picture.png, photo.jpg (4:4:4, quality 95) and dropped.png: square colour
  pictures, so the panel's centre crop keeps all of them.

It prints {"a": {image: probabilities}, "b": {...}}: softmax of each model's
logits on each picture, read the way the panel reads a picture for a
1x32x32 input (RGB / 255, antialiased bilinear resize to 32x32 as
F.interpolate does, then BT.601 luminance 0.299 R + 0.587 G + 0.114 B).

Usage: torch_preview_inputs.py OUT_DIR
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image


def lenet5(seed):
    torch.manual_seed(seed)
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10),
    )
    with torch.no_grad():
        # Wider logits than the default initialisation gives, so the top classes stand apart.
        net[11].weight.mul_(25.0)
    return net.eval()


def write_safetensors(path, net):
    blobs, header, offset = [], {}, 0
    for name, tensor in net.state_dict().items():
        values = tensor.detach().contiguous().reshape(-1).tolist()
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def write_tfjs(folder, net):
    os.makedirs(folder, exist_ok=True)
    conv1, conv2, fc1, fc2, fc3 = net[0], net[3], net[7], net[9], net[11]
    # Keras flattens the 16x5x5 maps height-width-channel: row (p * 16 + c) of its kernel is torch's column (c * 25 + p).
    fc1_keras = fc1.weight.detach().reshape(120, 16, 25).permute(2, 1, 0).reshape(400, 120)
    tensors = [
        ("conv2d/kernel", conv1.weight.detach().permute(2, 3, 1, 0)), ("conv2d/bias", conv1.bias.detach()),
        ("conv2d_1/kernel", conv2.weight.detach().permute(2, 3, 1, 0)), ("conv2d_1/bias", conv2.bias.detach()),
        ("dense/kernel", fc1_keras), ("dense/bias", fc1.bias.detach()),
        ("dense_1/kernel", fc2.weight.detach().t()), ("dense_1/bias", fc2.bias.detach()),
        ("dense_2/kernel", fc3.weight.detach().t()), ("dense_2/bias", fc3.bias.detach()),
    ]
    data = b"".join(struct.pack(f"<{t.numel()}f", *t.contiguous().reshape(-1).tolist()) for _, t in tensors)
    with open(os.path.join(folder, "group1-shard1of1.bin"), "wb") as f:
        f.write(data)
    model = {
        "format": "layers-model",
        "generatedBy": "keras v2.15.0",
        "convertedBy": "TensorFlow.js Converter v4.22.0",
        "modelTopology": {"class_name": "Sequential", "config": {"name": "sequential", "layers": []}},
        "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": [{"name": n, "shape": list(t.shape), "dtype": "float32"} for n, t in tensors]}],
    }
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(model, f)


def picture(size, phase):
    """A colour picture with strokes and gradients, so different pictures give different answers."""
    img = Image.new("RGB", (size, size))
    pixels = img.load()
    for y in range(size):
        for x in range(size):
            u, v = x / size, y / size
            r = 127 + 127 * math.sin(6.3 * (u + phase) + 3 * v)
            g = 255 * ((u * v + phase) % 1.0)
            b = 255 if abs(u - v + phase - 0.5) < 0.12 else 40
            pixels[x, y] = (int(r), int(g), int(b))
    return img


def as_input(path):
    """The picture as the panel makes a 1x32x32 input of it."""
    img = Image.open(path).convert("RGB")
    x = torch.tensor(list(img.getdata()), dtype=torch.float64).reshape(img.height, img.width, 3).permute(2, 0, 1) / 255.0
    x = F.interpolate(x.unsqueeze(0), size=(32, 32), mode="bilinear", align_corners=False, antialias=True)[0]
    gray = 0.299 * x[0] + 0.587 * x[1] + 0.114 * x[2]
    return gray.reshape(1, 1, 32, 32).float()


def main(out_dir):
    a, b = lenet5(1), lenet5(2)
    write_safetensors(os.path.join(out_dir, "lenet5.safetensors"), a)
    write_tfjs(os.path.join(out_dir, "tfjs"), b)
    picture(64, 0.0).save(os.path.join(out_dir, "picture.png"))
    picture(80, 0.37).save(os.path.join(out_dir, "photo.jpg"), quality=95, subsampling=0)
    picture(48, 0.71).save(os.path.join(out_dir, "dropped.png"))
    answers = {}
    for key, net in (("a", a), ("b", b)):
        with torch.no_grad():
            answers[key] = {name: torch.softmax(net(as_input(os.path.join(out_dir, name)))[0], 0).tolist() for name in ("picture.png", "photo.jpg", "dropped.png")}
    print(json.dumps(answers))


if __name__ == "__main__":
    main(sys.argv[1])
