#!/usr/bin/env bash
# Training throughput, jresnet against PyTorch on the same machine in the same run: CIFAR ResNet-20
# and ResNet-56 on 1x28x28 (Fashion-MNIST-shaped) random inputs, batch 128, 2 threads, SGD with
# momentum. Each runtime runs in its own process, alternating, ROUNDS times (default 3); prints the
# medians as a Markdown table. Needs Debian's python3-torch for the PyTorch column.
#   bench/training-throughput.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
./jresnet build >/dev/null
java="$(./jresnet java-home)/bin/java"
if [ ! -d core/target/test-classes/io/jresnet/train ]; then
  mvn -B -q -o -Dstyle.color=never -pl core test-compile >/dev/null
fi
cp="core/target/classes:core/target/test-classes:$(ls backend-cpu/target/jresnet-backend-cpu-*.jar | grep -Ev -- '-(tests|sources|javadoc)\.jar$' | head -1)"
torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && torch=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for depth in 20 56; do
  steps=$((depth == 20 ? 20 : 8))
  for ((r = 0; r < rounds; r++)); do
    "$java" --add-modules jdk.incubator.vector -cp "$cp" io.jresnet.train.TrainingThroughput "$depth" 28 128 "$steps" 8 2>/dev/null \
      | sed -n 's/.* \([0-9.]*\) images\/s.*/\1/p' >> "$work/jresnet-$depth"
    if [ "$torch" = 1 ]; then
      /usr/bin/python3 bench/torch_cifar_training.py "$depth" 128 "$steps" 2 2>/dev/null \
        | sed -n 's/.* \([0-9.]*\) images\/s.*/\1/p' >> "$work/torch-$depth"
    fi
  done
done
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores;"
echo "medians of $rounds alternating runs per runtime, the ratio the median of the rounds' ratios; batch 128, 1x28x28, 2 threads."
echo
echo "| model | jresnet images/s | PyTorch $( [ "$torch" = 1 ] && /usr/bin/python3 -c 'import torch; print(torch.__version__)' || echo '(not installed)') images/s | jresnet / PyTorch |"
echo "| --- | ---: | ---: | ---: |"
for depth in 20 56; do
  j="$(median < "$work/jresnet-$depth")"
  if [ "$torch" = 1 ]; then
    t="$(median < "$work/torch-$depth")"
    # Each round's two runs lie seconds apart; the median of the rounds' ratios carries less of the
    # host's drift between minutes than the ratio of the two medians.
    r="$(paste "$work/jresnet-$depth" "$work/torch-$depth" | awk '{print $1 / $2}' | median)"
    printf '| ResNet-%d | %.0f | %.0f | %.2f |\n' "$depth" "$j" "$t" "$r"
  else
    printf '| ResNet-%d | %.0f | | |\n' "$depth" "$j"
  fi
done
