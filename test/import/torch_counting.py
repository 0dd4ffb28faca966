# What the import tests' torch scripts (torchvision_onnx.py, torch_forms.py)
# both ask of torch: multiply-accumulates counted by forward hooks, and batch
# norms whose statistics and affine terms matter. Imported by those scripts,
# which run as files so that this one sits on their import path.
import torch
from torch import nn


def macs_of(model, x):
    """Multiply-accumulates of convolutions (transposed too) and linear layers, bias adds excluded (torchvision's convention); returns them with the output."""
    total = [0]

    def conv_hook(module, inputs, output):
        kernel = 1
        for k in module.kernel_size:
            kernel *= k
        if isinstance(module, nn.modules.conv._ConvTransposeNd):
            # Each input value meets the whole kernel of its group's output channels.
            total[0] += inputs[0].numel() * (module.out_channels // module.groups) * kernel
        else:
            total[0] += output.numel() * (module.in_channels // module.groups) * kernel

    def linear_hook(module, inputs, output):
        total[0] += output.numel() * module.in_features

    hooks = []
    for module in model.modules():
        if isinstance(module, nn.modules.conv._ConvNd):
            hooks.append(module.register_forward_hook(conv_hook))
        elif isinstance(module, nn.Linear):
            hooks.append(module.register_forward_hook(linear_hook))
    with torch.no_grad():
        output = model(x)
    for h in hooks:
        h.remove()
    return total[0], output


def randomize_batch_norm(module, generator):
    """Random statistics and affine terms for one 2-D batch norm, drawn from `generator` in a fixed order."""
    c = module.num_features
    with torch.no_grad():
        module.running_mean.copy_(torch.randn(c, generator=generator) * 0.1)
        module.running_var.copy_(torch.rand(c, generator=generator) + 0.5)
        module.weight.copy_(torch.rand(c, generator=generator) + 0.5)
        module.bias.copy_(torch.randn(c, generator=generator) * 0.1)
