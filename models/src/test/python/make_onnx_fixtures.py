#!/usr/bin/python3
"""Writes the ONNX fixtures of OnnxTorchFixturesTest with the real torch.onnx.export.

Run from the repository root with Debian's python3-torch (1.13), python3-torchvision and python3-onnx:
    /usr/bin/python3 models/src/test/python/make_onnx_fixtures.py
Not run in CI: its outputs are committed under models/src/test/resources/io/jresnet/models/onnx/torch/.
The test compares jresnet with ONNX Runtime on each file, so no expected outputs are stored.

- tiny-opset7.onnx, tiny-opset8.onnx: torchvision's ResNet layout (7x7 stem, max pool, BasicBlocks with
  projection shortcuts, global pool, Flatten, Gemm) at widths 8/16/32/64 for 3x64x64 inputs, exported at
  opsets 7 and 8 as the ONNX model zoo's classic resnet*-v1-7 files are: batch-norm nodes kept (not folded
  into the convolutions), initializers also listed as graph inputs. In the opset-7 file every
  BatchNormalization carries spatial=1, as the zoo's converted files do (torch leaves the default out).
- cifar8-both-sides-opset11.onnx, cifar8-both-sides-opset13.onnx: the CIFAR ResNet most people train in
  PyTorch (option A written as F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, planes // 4, planes // 4)): zero
  channels on both sides), depth 8, for 3x32x32 inputs, batch symbolic. Exported, its shortcut is a
  strided Slice and a Pad whose pads come from a ConstantOfShape/Concat/Reshape/Slice/Transpose/Cast chain.
- head-*.onnx: one narrow torchvision-layout net (widths 4/8/8/16, 3x64x64 inputs, batch named "batch_size")
  with the heads other exporters and hand-written models produce, at opset 13:
  view(N, -1) (a Shape/Gather/Unsqueeze/Concat/Reshape chain), mean over H and W (ReduceMean), an
  AveragePool over the whole map, MatMul + Add instead of Gemm, a Gemm with transB=0 (its weight
  stored transposed: onnx.helper rewrites torch's transB=1 node), and a Softmax at the end.
"""
import os
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import BasicBlock, conv1x1

import make_pth_fixtures

OUT = "models/src/test/resources/io/jresnet/models/onnx/torch"


class TinyTorchvisionResNet(nn.Module):
    def __init__(self, widths=(8, 16, 32, 64), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin, layers = widths[0], []
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            down = None if stride == 1 and cin == w else nn.Sequential(conv1x1(cin, w, stride), nn.BatchNorm2d(w))
            layers.append(nn.Sequential(BasicBlock(cin, w, stride, down)))
            cin = w
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


def both_sides_forward(self, x):
    """make_pth_fixtures.BasicBlock with PyTorch's usual option A: planes // 4 zero channels on each side."""
    y = F.relu(self.bn1(self.conv1(x)))
    y = self.bn2(self.conv2(y))
    s = x
    if self.stride != 1 or self.extra:
        s = F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.extra // 2, self.extra - self.extra // 2))
    return F.relu(y + s)


class HeadVariant(TinyTorchvisionResNet):
    def __init__(self, head):
        super().__init__(widths=(4, 8, 8, 16))
        self.head = head

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        if self.head == "reducemean":
            x = x.mean(dim=(2, 3))
        elif self.head == "avgpool":
            x = F.avg_pool2d(x, kernel_size=2).view(x.size(0), -1)  # the whole 2x2 map at 64x64 inputs
        else:
            x = self.avgpool(x).view(x.size(0), -1)
        if self.head == "matmul":
            return torch.matmul(x, self.fc.weight.t()) + self.fc.bias
        y = self.fc(x)
        return torch.softmax(y, dim=1) if self.head == "softmax" else y


def gemm_trans_b_0(path):
    """Stores the Gemm's weight as [in, out] with transB=0: the same product, the other spelling."""
    m = onnx.load(path)
    inits = {t.name: t for t in m.graph.initializer}
    for node in m.graph.node:
        if node.op_type != "Gemm":
            continue
        w = inits[node.input[1]]
        arr = onnx.numpy_helper.to_array(w).T.copy()
        w.CopyFrom(onnx.numpy_helper.from_array(arr, w.name))
        for a in node.attribute:
            if a.name == "transB":
                a.i = 0
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(5)
    model = TinyTorchvisionResNet().eval()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    x = torch.rand(1, 3, 64, 64)
    for opset in (7, 8):
        path = f"{OUT}/tiny-opset{opset}.onnx"
        torch.onnx.export(model, x, path, opset_version=opset, keep_initializers_as_inputs=True,
                          input_names=["data"], output_names=["logits"], do_constant_folding=False,
                          training=torch.onnx.TrainingMode.PRESERVE)
        if opset == 7:
            m = onnx.load(path)
            for node in m.graph.node:
                if node.op_type == "BatchNormalization":
                    node.attribute.append(onnx.helper.make_attribute("spatial", 1))
            onnx.checker.check_model(m)
            onnx.save(m, path)

    torch.manual_seed(11)
    x = torch.rand(2, 3, 64, 64)
    for head in ("view", "reducemean", "avgpool", "matmul", "softmax", "gemm-transb0"):
        net = HeadVariant(head).eval()
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
        path = f"{OUT}/head-{head}.onnx"
        torch.onnx.export(net, x, path, opset_version=13, input_names=["data"], output_names=["out"],
                          dynamic_axes={"data": {0: "batch_size"}, "out": {0: "batch_size"}})
        if head == "gemm-transb0":
            gemm_trans_b_0(path)

    make_pth_fixtures.BasicBlock.forward = both_sides_forward
    cifar = make_pth_fixtures.CifarResNet(1, in_channels=3).eval()
    make_pth_fixtures.randomize_batch_norm(cifar, torch.Generator().manual_seed(9))
    x = torch.rand(2, 3, 32, 32)
    for opset in (11, 13):
        torch.onnx.export(cifar, x, f"{OUT}/cifar8-both-sides-opset{opset}.onnx", opset_version=opset,
                          input_names=["data"], output_names=["logits"], dynamic_axes={"data": {0: "batch"}})


if __name__ == "__main__":
    main()
