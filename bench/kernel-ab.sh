#!/usr/bin/env bash
# Times the cpu convolution kernels of git revision REV (A) against the working tree (B) in one JVM,
# each build in its own class loader, alternating round by round (io.jresnet.cpu.KernelAB): on a
# host whose speed drifts by 2x between minutes, the median of the per-round ratios B/A is what to
# trust. REV must have the working tree's core API and ConvPlan.create/CpuKernels.conv signatures.
#   bench/kernel-ab.sh REV [ROUNDS] [SHAPE...]     SHAPE = c,k,hw,kernel,stride[,batch] (one conv, 1 thread),
#                                                  net:MODEL:BATCH (inference, 2 threads) or train:DEPTH
#                                                  (a CIFAR ResNet SGD step, batch 128, 2 threads)
# Default shapes: the ResNet-50 stem and one convolution of each stage.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: bench/kernel-ab.sh REV [ROUNDS] [SHAPE...]}"
shift
rounds="${1:-21}"
[ $# -gt 0 ] && shift
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(3,64,224,7,2 64,64,56,3,1 64,256,56,1,1 128,128,28,3,1 256,256,14,3,1 \
  1024,256,14,1,1 512,512,7,3,1 2048,512,7,1,1)
JAVA_HOME="$(./jresnet java-home)"
export JAVA_HOME
work="$(mktemp -d)"
cleanup() { git worktree remove --force "$work/a" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git worktree add -q --detach "$work/a" "$rev"
mvn -B -q -Dstyle.color=never -f "$work/a/pom.xml" -pl backend-cpu compile
mvn -B -q -Dstyle.color=never -pl backend-cpu test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$work/cp.txt"
"$JAVA_HOME/bin/java" --add-modules jdk.incubator.vector -cp "backend-cpu/target/test-classes:$(cat "$work/cp.txt")" \
  io.jresnet.cpu.KernelAB "$rounds" "$work/a/backend-cpu/target/classes" backend-cpu/target/classes "${shapes[@]}"
