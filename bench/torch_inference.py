"""Inference latency of torchvision's ResNets in PyTorch, the second peer of docs/PERFORMANCE.md
(bench/performance-report.sh runs it when /usr/bin/python3 has torch and torchvision).

    /usr/bin/python3 bench/torch_inference.py [THREADS] [RUNS] [model:batch ...]

Eager mode as a user would run it: model.eval(), torch.no_grad(), float32, random weights (the time
does not depend on them), batch norm not folded. For each case at least 3 s and 5 runs of warm-up,
then RUNS timed runs. Prints a line naming the versions and threads, then one Markdown row per case:
model, batch, median ms, min ms.
"""
import statistics, sys, time
import torch, torchvision

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
cases = sys.argv[3:] or ["resnet50:1", "resnet50:8", "resnet18:1"]
torch.set_num_threads(threads)
torch.manual_seed(0)
print(f"PyTorch {torch.__version__}, torchvision {torchvision.__version__}, {threads} threads, "
      f"medians of {runs} runs", flush=True)
for case in cases:
    name, batch = case.split(":")
    batch = int(batch)
    model = getattr(torchvision.models, name)().eval()
    x = torch.randn(batch, 3, 224, 224)
    with torch.no_grad():
        end, n = time.perf_counter() + 3, 0
        while n < 5 or time.perf_counter() < end:
            model(x)
            n += 1
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1e3)
    print(f"| {name} | {batch} | {statistics.median(times):.2f} | {min(times):.2f} |", flush=True)
