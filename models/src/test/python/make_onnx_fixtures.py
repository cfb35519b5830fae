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
"""
import os
import onnx
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock, conv1x1

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


if __name__ == "__main__":
    main()
