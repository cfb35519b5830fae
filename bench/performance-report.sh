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
# One-shot runs first, as whole processes (about 3 minutes).
bench/one-shot.sh 5 > "$oneshot"
# The AVX2 path first, in a JVM of its own (the vector width is fixed per JVM).
"$java" -Djresnet.cpu.vectorBits=256 "${opts[@]}" io.jresnet.bench.OnnxRuntimeSideBySide \
  --cases resnet50:1,resnet18:1,resnet56:1,resnet56:64,builtin:1 > "$narrow"
exec "$java" "${opts[@]}" io.jresnet.bench.PerformanceReport --out docs --include-256 "$narrow" \
  --include-one-shot "$oneshot" "$@"
