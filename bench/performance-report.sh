#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md and docs/performance-latency.png (about 18 minutes).
# Run it on an idle machine: other work on the same cores skews every number.
set -euo pipefail
cd "$(dirname "$0")/.."
./jresnet build
java="$(./jresnet java-home)/bin/java"
opts=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar)
narrow="$(mktemp -d)/side-by-side-256.md"
oneshot="$(dirname "$narrow")/one-shot.md"
torch="$(dirname "$narrow")/torch.md"
# One-shot runs first, as whole processes (about 3 minutes).
bench/one-shot.sh 5 > "$oneshot"
# PyTorch, the second peer, where Debian's python3-torch is installed (about 1 minute).
torch_args=()
if /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  /usr/bin/python3 bench/torch_inference.py 2 30 > "$torch"
  torch_args=(--include-torch "$torch")
fi
# The AVX2 path first, in a JVM of its own (the vector width is fixed per JVM).
"$java" -Djresnet.cpu.vectorBits=256 "${opts[@]}" io.jresnet.bench.OnnxRuntimeSideBySide \
  --cases resnet50:1,resnet18:1,resnet56:1,resnet56:64,builtin:1 > "$narrow"
exec "$java" "${opts[@]}" io.jresnet.bench.PerformanceReport --out docs --include-256 "$narrow" \
  --include-one-shot "$oneshot" "${torch_args[@]}" "$@"
