# Writes Keras 3 `.keras` archives whose weights come from PyTorch models
# built to compute the same thing, with Debian's torch and h5py (there is no
# Keras here). The archives follow Keras 3's saving format
# (keras/src/saving/saving_lib.py): a zip of metadata.json, config.json and
# model.weights.h5, in which each layer's variables are datasets
# `layers/<class name in snake case>[_n]/vars/<i>`, numbered per class in
# the model's layer order, trainable variables first in the order the layer's
# build creates them. Kernels are written in Keras's layout here, with numpy,
# independently of the importer: Conv2D [kh, kw, in, out], DepthwiseConv2D
# [kh, kw, in, multiplier], Dense [in, out] with the rows of a Dense after
# Flatten in height-width-channel order.
#
# usage: keras_archive.py OUT_DIR
# writes OUT_DIR/NAME.keras for each model, and three bad archives from the
# first: NAME.noweights.keras (no model.weights.h5), NAME.truncated.keras
# (model.weights.h5 cut in half) and NAME.mismatched.keras (the second
# model's weights file); prints one JSON object with, per model, an
# input (channels first), torch's output, its parameter counts and MACs.
import io
import json
import sys
import zipfile

import h5py
import numpy as np
import torch

torch.manual_seed(0)
out_dir = sys.argv[1]

FLOAT32 = {'module': 'keras', 'class_name': 'DTypePolicy', 'config': {'name': 'float32'}, 'registered_name': None}


def layer(class_name, name, config, input_shape=None, inbound=None):
    """A layer as Keras 3 serializes it in config.json (inbound nodes only for functional models)."""
    entry = {
        'module': 'keras.layers',
        'class_name': class_name,
        'config': {'name': name, 'trainable': True, 'dtype': FLOAT32, **config},
        'registered_name': None,
    }
    if input_shape is not None:
        entry['build_config'] = {'input_shape': [None, *input_shape]}
    if inbound is not None:
        entry['name'] = name
        entry['inbound_nodes'] = inbound
    return entry


def tensor_ref(name, shape):
    return {'class_name': '__keras_tensor__', 'config': {'shape': [None, *shape], 'dtype': 'float32', 'keras_history': [name, 0, 0]}}


def calls(*refs):
    """Inbound nodes of a functional layer called on one tensor, or on a list of tensors (a merge)."""
    args = [refs[0]] if len(refs) == 1 else [list(refs)]
    return [{'args': args, 'kwargs': {}}]


def conv_config(filters, kernel, strides=1, padding='valid', activation='linear', use_bias=True):
    return {
        'filters': filters, 'kernel_size': [kernel, kernel], 'strides': [strides, strides], 'padding': padding,
        'data_format': 'channels_last', 'dilation_rate': [1, 1], 'groups': 1, 'activation': activation, 'use_bias': use_bias,
    }


def depthwise_config(kernel, multiplier=1, strides=1, padding='valid', use_bias=True):
    return {
        'kernel_size': [kernel, kernel], 'strides': [strides, strides], 'padding': padding, 'data_format': 'channels_last',
        'dilation_rate': [1, 1], 'depth_multiplier': multiplier, 'activation': 'linear', 'use_bias': use_bias,
    }


def separable_config(filters, kernel, padding='valid', multiplier=1):
    return {
        'filters': filters, 'kernel_size': [kernel, kernel], 'strides': [1, 1], 'padding': padding, 'data_format': 'channels_last',
        'dilation_rate': [1, 1], 'depth_multiplier': multiplier, 'activation': 'linear', 'use_bias': True,
    }


BN_CONFIG = {'axis': -1, 'momentum': 0.99, 'epsilon': 0.001, 'center': True, 'scale': True}


def numpy(t):
    return t.detach().numpy().astype(np.float32)


# Keras's variables of a torch module, in Keras's layout and order.
def conv_vars(conv):
    kernel = numpy(conv.weight).transpose(2, 3, 1, 0)
    return [kernel] + ([numpy(conv.bias)] if conv.bias is not None else [])


def depthwise_kernel(conv):
    out_channels, _, kh, kw = conv.weight.shape
    channels = conv.groups
    return numpy(conv.weight).reshape(channels, out_channels // channels, kh, kw).transpose(2, 3, 0, 1)


def depthwise_vars(conv):
    return [depthwise_kernel(conv)] + ([numpy(conv.bias)] if conv.bias is not None else [])


def separable_vars(depthwise, pointwise):
    return [depthwise_kernel(depthwise), numpy(pointwise.weight).transpose(2, 3, 1, 0), numpy(pointwise.bias)]


def bn_vars(bn):
    return [numpy(bn.weight), numpy(bn.bias), numpy(bn.running_mean), numpy(bn.running_var)]


def dense_vars(linear, flattened=None):
    weight = numpy(linear.weight)
    if flattened is not None:
        channels, height, width = flattened
        # Keras flattens height, width, channels in that order.
        weight = weight.reshape(-1, channels, height, width).transpose(0, 2, 3, 1).reshape(weight.shape[0], -1)
    return [weight.T.copy(), numpy(linear.bias)]


def randomize_batch_norms(model):
    """Batch-norm statistics and affine terms that matter, not the defaults."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)


def snake_case(class_name):
    import re
    name = re.sub(r'\W+', '', class_name)
    name = re.sub('(.)([A-Z][a-z]+)', r'\1_\2', name)
    return re.sub('([a-z])([A-Z])', r'\1_\2', name).lower()


def weights_h5(layers, with_names):
    """model.weights.h5 as H5IOStore writes it. `layers`: (class name, layer name, variables) in the model's layer order.
    With `with_names` (newer Keras 3) every saveable's vars group carries its name and exists even when empty."""
    buffer = io.BytesIO()
    used = {}
    with h5py.File(buffer, 'w') as f:
        if with_names:
            f.create_group('vars').attrs['name'] = 'model'
        for class_name, name, variables in layers:
            base = snake_case(class_name)
            path = base if base not in used else f'{base}_{used[base] + 1}'
            used[base] = used.get(base, -1) + 1
            if not variables and not with_names:
                continue
            group = f.create_group(f'layers/{path}').create_group('vars')
            if with_names:
                group.attrs['name'] = name
            for i, value in enumerate(variables):
                group[str(i)] = value
    return buffer.getvalue()


def write_archive(path, config, h5, with_weights=True):
    # As _save_model_to_fileobj: metadata.json, config.json, then the weights file, stored uncompressed.
    with zipfile.ZipFile(path, 'w') as zf:
        with zf.open('metadata.json', 'w') as f:
            f.write(json.dumps({'keras_version': '3.6.0', 'date_saved': '2026-12-02@00:00:00'}).encode())
        with zf.open('config.json', 'w') as f:
            f.write(json.dumps(config).encode())
        if with_weights:
            zf.writestr('model.weights.h5', h5)


def counts_and_macs(model, x):
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    buffers = sum(b.numel() for name, b in model.named_buffers() if not name.endswith('num_batches_tracked'))
    total = [0]

    def conv_hook(module, inputs, output):
        total[0] += output.numel() * (module.in_channels // module.groups) * module.kernel_size[0] * module.kernel_size[1]

    def linear_hook(module, inputs, output):
        total[0] += output.numel() * module.in_features

    hooks = [m.register_forward_hook(conv_hook) for m in model.modules() if isinstance(m, torch.nn.Conv2d)]
    hooks += [m.register_forward_hook(linear_hook) for m in model.modules() if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        output = model(x)
    for h in hooks:
        h.remove()
    return trainable, buffers, total[0], output


# A Sequential CNN: Conv2D (ReLU), BatchNormalization, MaxPooling2D, Conv2D without bias, BatchNormalization, Flatten, Dense, Dense.
# Its layer names are not Keras's defaults, so only the class-numbered paths of the weights file lead to the variables.
def sequential_cnn():
    torch_model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.BatchNorm2d(8, eps=1e-3), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1, bias=False), torch.nn.BatchNorm2d(16, eps=1e-3),
        torch.nn.Flatten(), torch.nn.Linear(16 * 7 * 7, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10),
    )
    randomize_batch_norms(torch_model)
    conv1, _, bn1, _, conv2, bn2, _, fc1, _, fc2 = torch_model
    shape = [16, 16, 3]
    layers = [
        layer('InputLayer', 'pixels', {'batch_shape': [None, *shape], 'sparse': False}),
        layer('Conv2D', 'features_conv', conv_config(8, 3, activation='relu'), shape),
        layer('BatchNormalization', 'features_bn', BN_CONFIG, [14, 14, 8]),
        layer('MaxPooling2D', 'features_pool', {'pool_size': [2, 2], 'padding': 'valid', 'strides': [2, 2], 'data_format': 'channels_last'}),
        layer('Conv2D', 'mix_conv', conv_config(16, 3, padding='same', use_bias=False), [7, 7, 8]),
        layer('BatchNormalization', 'mix_bn', BN_CONFIG, [7, 7, 16]),
        layer('Flatten', 'flat', {'data_format': 'channels_last'}),
        layer('Dense', 'hidden', {'units': 32, 'activation': 'relu', 'use_bias': True}, [784]),
        layer('Dense', 'classes', {'units': 10, 'activation': 'linear', 'use_bias': True}, [32]),
    ]
    config = {
        'module': 'keras', 'class_name': 'Sequential',
        'config': {'name': 'digits', 'trainable': True, 'dtype': FLOAT32, 'layers': layers, 'build_input_shape': [None, *shape]},
        'registered_name': None, 'build_config': {'input_shape': [None, *shape]}, 'compile_config': None,
    }
    variables = [
        ('Conv2D', 'features_conv', conv_vars(conv1)),
        ('BatchNormalization', 'features_bn', bn_vars(bn1)),
        ('MaxPooling2D', 'features_pool', []),
        ('Conv2D', 'mix_conv', conv_vars(conv2)),
        ('BatchNormalization', 'mix_bn', bn_vars(bn2)),
        ('Flatten', 'flat', []),
        ('Dense', 'hidden', dense_vars(fc1, flattened=(16, 7, 7))),
        ('Dense', 'classes', dense_vars(fc2)),
    ]
    return torch_model, shape, config, variables, False


class SkipNet(torch.nn.Module):
    """stem conv (ReLU) → depthwise conv → batch norm → 1x1 conv, added to the stem → ReLU → separable conv → strided depthwise conv (multiplier 2) → global average pool → dense."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.dw = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.dw_bn = torch.nn.BatchNorm2d(8, eps=1e-3)
        self.pw = torch.nn.Conv2d(8, 8, 1)
        self.sep_depthwise = torch.nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.sep_pointwise = torch.nn.Conv2d(8, 12, 1)
        self.down = torch.nn.Conv2d(12, 24, 3, stride=2, groups=12, bias=False)
        self.classes = torch.nn.Linear(24, 5)

    def forward(self, x):
        stem = torch.relu(self.stem(x))
        y = torch.relu(self.pw(self.dw_bn(self.dw(stem))) + stem)
        y = self.down(self.sep_pointwise(self.sep_depthwise(y)))
        return self.classes(y.mean(dim=(2, 3)))


def functional_skip():
    m = SkipNet()
    randomize_batch_norms(m)
    shape = [16, 16, 3]
    ref = tensor_ref
    layers = [
        layer('InputLayer', 'image', {'batch_shape': [None, *shape], 'sparse': False}, inbound=[]),
        layer('Conv2D', 'stem', conv_config(8, 3, padding='same', activation='relu'), shape, calls(ref('image', shape))),
        layer('DepthwiseConv2D', 'dw', depthwise_config(3, padding='same'), [16, 16, 8], calls(ref('stem', [16, 16, 8]))),
        layer('BatchNormalization', 'dw_bn', BN_CONFIG, [16, 16, 8], calls(ref('dw', [16, 16, 8]))),
        layer('Conv2D', 'pw', conv_config(8, 1), [16, 16, 8], calls(ref('dw_bn', [16, 16, 8]))),
        layer('Add', 'skip', {}, None, calls(ref('pw', [16, 16, 8]), ref('stem', [16, 16, 8]))),
        layer('ReLU', 'after_skip', {'max_value': None, 'negative_slope': 0.0, 'threshold': 0.0}, None, calls(ref('skip', [16, 16, 8]))),
        layer('SeparableConv2D', 'sep', separable_config(12, 3, padding='same'), [16, 16, 8], calls(ref('after_skip', [16, 16, 8]))),
        layer('DepthwiseConv2D', 'down', depthwise_config(3, multiplier=2, strides=2, use_bias=False), [16, 16, 12], calls(ref('sep', [16, 16, 12]))),
        layer('GlobalAveragePooling2D', 'pool', {'data_format': 'channels_last', 'keepdims': False}, None, calls(ref('down', [7, 7, 24]))),
        layer('Dense', 'logits', {'units': 5, 'activation': 'linear', 'use_bias': True}, [24], calls(ref('pool', [24]))),
    ]
    config = {
        'module': 'keras', 'class_name': 'Functional',
        'config': {'name': 'skipnet', 'trainable': True, 'layers': layers, 'input_layers': [['image', 0, 0]], 'output_layers': [['logits', 0, 0]]},
        'registered_name': 'Functional', 'build_config': {'input_shape': None}, 'compile_config': None,
    }
    variables = [
        ('InputLayer', 'image', []),
        ('Conv2D', 'stem', conv_vars(m.stem)),
        ('DepthwiseConv2D', 'dw', depthwise_vars(m.dw)),
        ('BatchNormalization', 'dw_bn', bn_vars(m.dw_bn)),
        ('Conv2D', 'pw', conv_vars(m.pw)),
        ('Add', 'skip', []),
        ('ReLU', 'after_skip', []),
        ('SeparableConv2D', 'sep', separable_vars(m.sep_depthwise, m.sep_pointwise)),
        ('DepthwiseConv2D', 'down', depthwise_vars(m.down)),
        ('GlobalAveragePooling2D', 'pool', []),
        ('Dense', 'logits', dense_vars(m.classes)),
    ]
    return m, shape, config, variables, True


report = {}
archives = []
for index, (name, build) in enumerate([('digits', sequential_cnn), ('skipnet', functional_skip)]):
    model, shape, config, variables, with_names = build()
    model.eval()
    h5 = weights_h5(variables, with_names)
    archives.append((name, config, h5))
    write_archive(f'{out_dir}/{name}.keras', config, h5)
    if index == 0:
        write_archive(f'{out_dir}/{name}.noweights.keras', config, h5, with_weights=False)
        write_archive(f'{out_dir}/{name}.truncated.keras', config, h5[: len(h5) // 2])
    x = torch.rand(1, shape[2], shape[0], shape[1]) * 2 - 1
    trainable, non_trainable, macs, output = counts_and_macs(model, x)
    report[name] = {
        'input': x.flatten().tolist(),
        'output': output.flatten().tolist(),
        'outputShape': list(output.shape[1:]),
        'trainable': trainable,
        'nonTrainable': non_trainable,
        'macs': macs,
        'tensors': sum(len(v) for _, _, v in variables),
    }
(first, first_config, _), (_, _, second_h5) = archives
write_archive(f'{out_dir}/{first}.mismatched.keras', first_config, second_h5)
print(json.dumps(report))
