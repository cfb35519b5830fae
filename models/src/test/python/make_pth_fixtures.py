#!/usr/bin/python3
"""Writes the PyTorch checkpoint fixtures of PyTorchCheckpointTest with the real torch.save.

Run from the repository root with Debian's python3-torch (1.13):
    /usr/bin/python3 models/src/test/python/make_pth_fixtures.py
Not run in CI: its outputs are committed under models/src/test/resources/io/jresnet/models/io/pth/.

- resnet20-fashion.pth: the state dict of a CIFAR ResNet-20 for 1x28x28 inputs (jresnet's zoo
  resnet20 with one input channel), zip format (torch >= 1.6), float32, random weights and batch-norm
  statistics; resnet20-fashion-input.npy and resnet20-fashion-logits.npy are an input and the logits
  PyTorch computes for it in eval mode.
- resnet20-fashion-legacy-f16.pth: the same weights in float16, wrapped as {"state_dict": ..., "epoch": 3},
  in the legacy format (torch < 1.6, _use_new_zipfile_serialization=False); its logits are
  resnet20-fashion-legacy-f16-logits.npy (the float16 weights computed in float32).
- resnext-narrow, wide-narrow, preact-narrow (.pth, .onnx, -input.npy, -logits.npy): narrow members of
  the families the zoo adds, so the fixtures stay small: torchvision's own Bottleneck block in a ResNeXt
  (groups 4, width_per_group 32) and a wide ResNet (width_per_group 128) on stage planes 8/16/32/64 with
  the ImageNet stem, and a pre-activation CIFAR bottleneck net (He et al. 2016) on planes 8/16/32 written
  with jresnet's parameter names; random weights and BN statistics, the state dict saved by torch.save,
  the same model exported by torch.onnx.export (opset 13), and PyTorch's eval-mode logits.
- dtypes.pth / dtypes-legacy.pth: small tensors whose values are formulas the test recomputes, in every
  storage type a state dict may use, contiguous or not, and views sharing one storage at an offset.
"""
import os
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import Bottleneck, conv1x1

OUT = "models/src/test/resources/io/jresnet/models/io/pth"


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.stride, self.extra = stride, planes - cin

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x
        if self.stride != 1 or self.extra:
            # Option A as jresnet defines it: subsample, then zero channels appended after the input's.
            s = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, 0, self.extra))
        return F.relu(y + s)


class CifarResNet(nn.Module):
    def __init__(self, n, in_channels=1, classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        cin, layers = 16, []
        for width, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for b in range(n):
                blocks.append(BasicBlock(cin, width, stride if b == 0 else 1))
                cin = width
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class NarrowImageNetResNet(nn.Module):
    """torchvision's ResNet layout (its names, its Bottleneck) on stage planes 8/16/32/64."""

    def __init__(self, groups, width_per_group, layers=(1, 1, 1, 1), planes=(8, 16, 32, 64), classes=10):
        super().__init__()
        self.inplanes = planes[0]
        self.conv1 = nn.Conv2d(3, planes[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(planes[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        for i, (n, p) in enumerate(zip(layers, planes)):
            stride = 1 if i == 0 else 2
            blocks = []
            for b in range(n):
                down = None
                if b == 0 and (stride != 1 or self.inplanes != p * 4):
                    down = nn.Sequential(conv1x1(self.inplanes, p * 4, stride), nn.BatchNorm2d(p * 4))
                blocks.append(Bottleneck(self.inplanes, p, stride if b == 0 else 1, down, groups, width_per_group))
                self.inplanes = p * 4
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
        self.fc = nn.Linear(self.inplanes, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class PreActBottleneck(nn.Module):
    """He et al. 2016, fig. 1b: BN-ReLU before each conv; a projection takes the pre-activated input."""

    def __init__(self, cin, planes, stride):
        super().__init__()
        out = planes * 4
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, out, 1, bias=False)
        self.downsample = nn.Sequential(nn.Conv2d(cin, out, 1, stride, bias=False)) if stride != 1 or cin != out else None

    def forward(self, x):
        pre = F.relu(self.bn1(x))
        y = self.conv1(pre)
        y = self.conv2(F.relu(self.bn2(y)))
        y = self.conv3(F.relu(self.bn3(y)))
        return y + (self.downsample(pre) if self.downsample is not None else x)


class PreActCifarResNet(nn.Module):
    def __init__(self, planes=(8, 16, 32), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, planes[0], 3, 1, 1, bias=False)
        cin = planes[0]
        for i, p in enumerate(planes):
            setattr(self, f"layer{i + 1}", nn.Sequential(PreActBottleneck(cin, p, 1 if i == 0 else 2)))
            cin = p * 4
        self.final_bn = nn.BatchNorm2d(cin)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.conv1(x))))
        x = F.relu(self.final_bn(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def family_fixture(name, model, size, gen):
    model = model.eval()
    randomize_batch_norm(model, gen)
    x = torch.rand(2, 3, size, size, generator=gen) * 2 - 1
    with torch.no_grad():
        logits = model(x)
    torch.save(model.state_dict(), f"{OUT}/{name}.pth")
    torch.onnx.export(model, x, f"{OUT}/{name}.onnx", opset_version=13, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    np.save(f"{OUT}/{name}-input.npy", x.numpy().astype(np.float32))
    np.save(f"{OUT}/{name}-logits.npy", logits.numpy().astype(np.float32))


def randomize_batch_norm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = torch.rand(c, generator=gen) + 0.5
            m.bias.data = torch.rand(c, generator=gen) - 0.5
            m.running_mean = torch.rand(c, generator=gen) * 0.2 - 0.1
            m.running_var = torch.rand(c, generator=gen) + 0.5
            m.num_batches_tracked = torch.tensor(7)


def formula(n, scale, shift):
    return torch.arange(n, dtype=torch.float64) * scale + shift


def dtypes_dict():
    base = formula(24, 0.5, -3.0).float()
    shared = formula(10, 0.25, 1.0).float()
    return {
        "model": {
            "f32": base.reshape(2, 3, 4),
            "f32_transposed": base.reshape(4, 6).t(),          # stride (1, 6): not contiguous
            "f32_view_a": shared[2:8].reshape(2, 3),           # storage offset 2, shares shared's storage
            "f32_view_b": shared[5:],                          # offset 5 in the same storage
            "f16": formula(6, 0.5, -1.0).half(),
            "bf16": formula(6, 2.0, -4.0).bfloat16(),
            "f64": formula(5, 0.125, 0.0),
            "i64": torch.arange(4, dtype=torch.int64) * 1000 - 1500,
            "scalar": torch.tensor(2.5),
            "empty": torch.zeros(0, 3),
        },
        "epoch": 12,
        "optimizer": None,
        "note": "fixture",
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(20261201)
    gen = torch.Generator().manual_seed(7)
    model = CifarResNet(3).eval()
    randomize_batch_norm(model, gen)
    x = torch.rand(2, 1, 28, 28, generator=gen) * 2 - 1
    with torch.no_grad():
        logits = model(x)
    torch.save(model.state_dict(), f"{OUT}/resnet20-fashion.pth")
    np.save(f"{OUT}/resnet20-fashion-input.npy", x.numpy().astype(np.float32))
    np.save(f"{OUT}/resnet20-fashion-logits.npy", logits.numpy().astype(np.float32))

    half = model.half()
    torch.save({"state_dict": half.state_dict(), "epoch": 3}, f"{OUT}/resnet20-fashion-legacy-f16.pth",
               _use_new_zipfile_serialization=False)
    with torch.no_grad():
        logits16 = half.float()(x)
    np.save(f"{OUT}/resnet20-fashion-legacy-f16-logits.npy", logits16.numpy().astype(np.float32))

    family_fixture("resnext-narrow", NarrowImageNetResNet(groups=4, width_per_group=32), 64, gen)
    family_fixture("wide-narrow", NarrowImageNetResNet(groups=1, width_per_group=128), 64, gen)
    family_fixture("preact-narrow", PreActCifarResNet(), 16, gen)

    torch.save(dtypes_dict(), f"{OUT}/dtypes.pth")
    torch.save(dtypes_dict(), f"{OUT}/dtypes-legacy.pth", _use_new_zipfile_serialization=False)


if __name__ == "__main__":
    main()
