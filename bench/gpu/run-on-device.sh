#!/usr/bin/env bash
# Runs the GPU checks on a machine with an NVIDIA GPU, in under 8 minutes:
#   1. the core conformance suite on the cuda and opencl backends (one JVM, reference computed once);
#   2. ResNet-50 (seeded weights, 224x224) at batch 1, 8 and 64 on jresnet's cuda and opencl backends
#      and on PyTorch (fp32, cuDNN, TF32 off, the same weights and inputs), with the logits compared;
#   3. a markdown table of the results in $OUT (default bench/gpu/results)/gpu-bench.md.
#
# Nothing is built or downloaded on the device. Prepare on a build machine, from the repository root:
#   bench/gpu/run-on-device.sh --stage
# which compiles core and backend-gpu (classes + test classes under */target), copies the JUnit jars
# to bench/gpu/lib and jlinks a JDK 25 image into .jdk-image (JAVA_HOME must be a JDK 25).
# Then carry .jdk-image, bench/gpu/lib, core/target and backend-gpu/target to the device and run
#   bench/gpu/run-on-device.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

if [[ "${1:-}" == "--stage" ]]; then
  : "${JAVA_HOME:?set JAVA_HOME to a JDK 25}"
  mvn -q -pl backend-gpu -am test-compile dependency:copy-dependencies -DincludeScope=test \
      -DoutputDirectory="$PWD/bench/gpu/lib" -DexcludeGroupIds=io.jresnet
  rm -rf .jdk-image
  "$JAVA_HOME/bin/jlink" --add-modules java.se,jdk.compiler,jdk.zipfs,jdk.unsupported \
      --strip-debug --no-man-pages --no-header-files --output .jdk-image
  echo "staged: .jdk-image bench/gpu/lib core/target backend-gpu/target"
  exit 0
fi

JAVA=${JAVA:-.jdk-image/bin/java}
OUT=${OUT:-bench/gpu/results}
MODEL=${MODEL:-resnet50}
SIZE=${SIZE:-224}
BATCHES=${BATCHES:-1,8,64}
RUNS=${RUNS:-30}
mkdir -p "$OUT"
[[ -x "$JAVA" ]] || { echo "no JDK image at $JAVA: run bench/gpu/run-on-device.sh --stage first" >&2; exit 2; }
CP="core/target/classes:backend-gpu/target/classes"
TEST_CP="$CP:core/target/test-classes:backend-gpu/target/test-classes:$(ls bench/gpu/lib/*.jar | tr '\n' ':')"
JVM=(--enable-native-access=ALL-UNNAMED -Xss4m)
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$OUT/gpu.txt" 2>&1 || true

echo "== 1. conformance (cuda, opencl)"
conformance=ok
JRESNET_REQUIRE_CUDA=1 timeout 300 "$JAVA" "${JVM[@]}" -cp "$TEST_CP" bench/gpu/RunConformance.java \
    io.jresnet.gpu.cuda.CudaConformanceTest io.jresnet.gpu.opencl.OpenClConformanceTest \
    > "$OUT/conformance.txt" 2>&1 || conformance="FAILED (see conformance.txt)"
tail -n 25 "$OUT/conformance.txt"

echo "== 2. $MODEL at batch $BATCHES: jresnet"
timeout 150 "$JAVA" "${JVM[@]}" -cp "$CP" bench/gpu/GpuBench.java "$OUT" "$MODEL" "$SIZE" "$BATCHES" cuda,opencl "$RUNS" \
    || echo "GpuBench failed or timed out" >&2
echo "== 2. $MODEL at batch $BATCHES: PyTorch"
timeout 90 python3 bench/gpu/torch_bench.py "$OUT" "$MODEL" "$SIZE" "$BATCHES" "$RUNS" > "$OUT/torch.tsv" \
    || echo "pytorch	$MODEL	-	-	-	-	-	unavailable (see stderr)" >> "$OUT/torch.tsv"
cat "$OUT/torch.tsv"

{
  echo "# jresnet GPU backends vs PyTorch: $MODEL ${SIZE}x${SIZE}, fp32"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%MZ), GPU: $(cat "$OUT/gpu.txt"), command: bench/gpu/run-on-device.sh (median of $RUNS runs after warm-up;"
  echo "jresnet times include the input upload and logits download, PyTorch's do not: its input is already on the GPU)."
  echo
  echo "Conformance suite (cuda + opencl): $conformance"
  echo
  echo "| implementation | batch | median ms | min ms | images/s | max abs logit diff | device |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | --- |"
  cat "$OUT/jresnet.tsv" "$OUT/torch.tsv" 2>/dev/null | sort -t$'\t' -k3,3n -k1,1 \
    | awk -F'\t' '{printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $3, $4, $5, $6, $7, $8}'
  echo
  echo "Logit differences are against the first jresnet backend that ran (cuda when available)."
} > "$OUT/gpu-bench.md"
cat "$OUT/gpu-bench.md"
