#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md and docs/performance-latency.png (about 10 minutes).
# Run it on an idle machine: other work on the same cores skews every number.
set -euo pipefail
cd "$(dirname "$0")/.."
./jresnet build
exec "$(./jresnet java-home)/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp bench/target/benchmarks.jar io.jresnet.bench.PerformanceReport --out docs "$@"
