"""Times torchvision's ResNet with the weights GpuBench.java wrote, fp32 on cuDNN, and checks that its
logits match jresnet's. Usage: python3 torch_bench.py OUT_DIR MODEL SIZE BATCHES RUNS
Prints TSV lines like GpuBench: impl, model, batch, median_ms, min_ms, images_per_s, max_abs_logit_diff, device."""
import sys, time, pathlib
import numpy as np
import torch, torchvision

out, model, size, batches, runs = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
    [int(b) for b in sys.argv[4].split(",")], int(sys.argv[5])
# Plain fp32: no TF32 tensor-core shortcuts, so the comparison with jresnet's fp32 kernels is fair.
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
dev = torch.device("cuda")

net = getattr(torchvision.models, model)(weights=None)
state = {}
for line in (out / "weights" / "index.tsv").read_text().splitlines():
    name, shape, file = line.split("\t")
    dims = [int(d) for d in shape.split(",")] if shape else []
    state[name] = torch.from_numpy(np.fromfile(out / "weights" / file, dtype="<f4").reshape(dims))
missing, unexpected = net.load_state_dict(state, strict=False)
missing = [k for k in missing if not k.endswith("num_batches_tracked")]
if missing or unexpected:
    sys.exit(f"weights do not match torchvision {model}: missing {missing}, unexpected {unexpected}")
net = net.eval().to(dev)

with torch.no_grad():
    for batch in batches:
        x = torch.from_numpy(np.fromfile(out / f"input_b{batch}.f32", dtype="<f4").reshape(batch, 3, size, size)).to(dev)
        for _ in range(5):
            y = net(x)
        torch.cuda.synchronize()
        ms = []
        for _ in range(runs):
            t0 = time.perf_counter()
            y = net(x)
            torch.cuda.synchronize()
            ms.append((time.perf_counter() - t0) * 1e3)
        ms.sort()
        ref = out / f"logits_b{batch}.f32"
        diff = float(np.abs(y.cpu().numpy().ravel() - np.fromfile(ref, dtype="<f4")).max()) if ref.exists() else float("nan")
        print(f"pytorch-cudnn\t{model}\t{batch}\t{ms[runs // 2]:.3f}\t{ms[0]:.3f}\t{batch * 1e3 / ms[runs // 2]:.1f}\t"
              f"{diff:.2e}\t{torch.cuda.get_device_name()} (torch {torch.__version__}, cuDNN {torch.backends.cudnn.version()})")
