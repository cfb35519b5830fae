"""Training throughput of a CIFAR ResNet in PyTorch on 1x28x28 inputs, the peer of jresnet's
io.jresnet.train.TrainingThroughput (bench/training-throughput.sh runs both).

    /usr/bin/python3 bench/torch_cifar_training.py DEPTH BATCH STEPS [THREADS]

The architecture is jresnet's ResNetSpec.cifar(depth): 3x3 stem of 16 channels, three stages of
(depth - 2) / 6 basic blocks with 16, 32 and 64 channels, option-A shortcuts (stride-2 subsampling,
zero-padded channels), global average pool and a 10-way linear layer; SGD with momentum 0.9 and weight
decay 1e-4, cross-entropy loss, random inputs. Five warm-up steps, then STEPS timed ones.
"""
import sys, time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(int(sys.argv[4]) if len(sys.argv) > 4 else 2)
class Block(nn.Module):
    def __init__(s, cin, cout, stride):
        super().__init__()
        s.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False); s.b1 = nn.BatchNorm2d(cout)
        s.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False); s.b2 = nn.BatchNorm2d(cout)
        s.stride, s.pad = stride, cout - cin
    def forward(s, x):
        o = F.relu(s.b1(s.c1(x))); o = s.b2(s.c2(o))
        sc = x
        if s.stride != 1 or s.pad: # option A: subsample and zero-pad channels
            sc = x[:, :, ::s.stride, ::s.stride]
            sc = F.pad(sc, (0, 0, 0, 0, s.pad // 2, s.pad - s.pad // 2))
        return F.relu(o + sc)
class ResNet(nn.Module):
    def __init__(s, depth, cin=1):
        super().__init__(); n = (depth - 2) // 6
        s.conv = nn.Conv2d(cin, 16, 3, 1, 1, bias=False); s.bn = nn.BatchNorm2d(16)
        layers, c = [], 16
        for i, w in enumerate([16, 32, 64]):
            for j in range(n):
                layers.append(Block(c, w, 2 if (i > 0 and j == 0) else 1)); c = w
        s.layers = nn.Sequential(*layers); s.fc = nn.Linear(64, 10)
    def forward(s, x):
        x = F.relu(s.bn(s.conv(x))); x = s.layers(x)
        return s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))
depth, batch, steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
net = ResNet(depth); opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
x = torch.randn(batch, 1, 28, 28); y = torch.arange(batch) % 10
def step():
    opt.zero_grad(); loss = F.cross_entropy(net(x), y); loss.backward(); opt.step()
for _ in range(5): step()
t = time.perf_counter()
for _ in range(steps): step()
dt = time.perf_counter() - t
print(f"pytorch {torch.__version__} resnet{depth} batch {batch}: {1e3*dt/steps:.1f} ms/step, {batch*steps/dt:.1f} images/s")
