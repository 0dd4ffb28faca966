# Exports torchvision models (random weights, nothing downloaded) to ONNX with
# Debian's torch 1.13, as a user would, and prints what torch says about each:
# parameter counts, output shape and multiply-accumulates. The import tests
# compare the imported .cnn files with these numbers.
#
# usage: torchvision_onnx.py OUT_DIR NAME:SIZE[:random]...
# writes OUT_DIR/NAME.onnx (eval mode, batch norm kept: training=PRESERVE, no
# constant folding) and OUT_DIR/NAME.folded.onnx (eval mode with constant
# folding: batch norm folded into the convolutions), prints one JSON object.
# With `:random`, batch-norm statistics and affine terms are random too (so
# that they matter) and only OUT_DIR/NAME.random.onnx and
# OUT_DIR/NAME.random.folded.onnx (the same model, batch norm folded) are
# written, with an input and torch's output for it. Two more names write bad models: `lstm`
# (an LSTM after a convolution) and `dynamic` (height and width left dynamic).
import json
import sys

import onnx
import torch
import torchvision

from torch_counting import macs_of, randomize_batch_norm

torch.manual_seed(0)
out_dir = sys.argv[1]


def build(name):
    if name == 'googlenet':
        # The auxiliary classifiers run only in training, so an eval export has none; leave them out of the count too.
        return torchvision.models.googlenet(aux_logits=False, init_weights=True)
    return getattr(torchvision.models, name)()


def folded_counts(path):
    """Counts of the folded file as the onnx library reads it: the weight inputs of each Conv, Gemm and BatchNormalization."""
    model = onnx.load(path)
    sizes = {}
    for t in model.graph.initializer:
        n = 1
        for d in t.dims:
            n *= d
        sizes[t.name] = n
    for node in model.graph.node:
        if node.op_type == 'Identity' and node.input[0] in sizes:
            sizes[node.output[0]] = sizes[node.input[0]]
    trainable = non_trainable = 0
    for node in model.graph.node:
        if node.op_type in ('Conv', 'Gemm'):
            trainable += sum(sizes[i] for i in node.input[1:] if i)
        elif node.op_type == 'BatchNormalization':
            trainable += sizes[node.input[1]] + sizes[node.input[2]]
            non_trainable += sizes[node.input[3]] + sizes[node.input[4]]
    return trainable, non_trainable


class WithLstm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv1d(1, 4, 1)
        self.lstm = torch.nn.LSTM(8, 8)
        # Stated initial states, so that the export has no Expand computing zeros ahead of the LSTM.
        self.register_buffer('h0', torch.zeros(1, 4, 8))
        self.register_buffer('c0', torch.zeros(1, 4, 8))

    def forward(self, x):
        # The convolution's 1x4x8 output read as 1 step of a batch of 4 sequences of 8 features.
        return self.lstm(self.conv(x), (self.h0, self.c0))[0]


def bad_models():
    torch.onnx.export(WithLstm().eval(), torch.randn(1, 1, 8), f'{out_dir}/lstm.onnx', opset_version=13)
    small = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 2)).eval()
    torch.onnx.export(small, torch.randn(1, 3, 32, 32), f'{out_dir}/dynamic.onnx', opset_version=13, input_names=['image'], dynamic_axes={'image': {0: 'batch', 2: 'height', 3: 'width'}})


def randomize(model):
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            randomize_batch_norm(module, generator)


report = {}
for spec in sys.argv[2:]:
    if spec in ('lstm', 'dynamic'):
        bad_models()
        continue
    name, size, *mode = spec.split(':')
    model = build(name).eval()
    x = torch.randn(1, 3, int(size), int(size))
    if mode == ['random']:
        randomize(model)
        torch.onnx.export(model, x, f'{out_dir}/{name}.random.onnx', opset_version=13, training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
        torch.onnx.export(model, x, f'{out_dir}/{name}.random.folded.onnx', opset_version=13, training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)
        with torch.no_grad():
            y = model(x)
        report[f'{name}.random'] = {'input': x.flatten().tolist(), 'output': y.flatten().tolist()}
        continue
    kept = f'{out_dir}/{name}.onnx'
    folded = f'{out_dir}/{name}.folded.onnx'
    torch.onnx.export(model, x, kept, opset_version=13, training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False)
    torch.onnx.export(model, x, folded, opset_version=13, training=torch.onnx.TrainingMode.EVAL, do_constant_folding=True)
    macs, output = macs_of(model, x)
    shape = list(output.shape[1:])
    buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith('num_batches_tracked'))
    report[name] = {
        'input': [3, int(size), int(size)],
        'trainable': sum(p.numel() for p in model.parameters()),
        'nonTrainable': buffers,
        'output': shape,
        'macs': macs,
        'folded': folded_counts(folded),
    }
print(json.dumps(report))
