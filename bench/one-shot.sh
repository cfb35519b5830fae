#!/usr/bin/env bash
# One-shot runs as whole processes: ./jresnet against ONNX Runtime's Java API on the same ResNet-50
# ONNX file and input, plus the CLI's own one-shot commands. Medians of ROUNDS runs (default 5) after
# one warm-up each, the runtimes alternating round by round so that both see the same machine.
#   bench/one-shot.sh [ROUNDS]      prints a Markdown table (wall seconds, peak RSS in MiB)
# Needs /usr/bin/time. Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
./jresnet build >/dev/null
java="$(./jresnet java-home)/bin/java"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The ONNX file: torchvision's ResNet-50 through torch.onnx.export (batch norm folded into the convs,
# as users' files are) when PyTorch is installed (Debian's python3-torch, python3-torchvision), else
# jresnet's own export of the same architecture (batch norm kept as nodes).
if /usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null; then
  /usr/bin/python3 - "$work/resnet50.onnx" <<'PY' 2>/dev/null
import sys, torch, torchvision
torch.manual_seed(0)
net = torchvision.models.resnet50(weights=None).eval()
torch.onnx.export(net, torch.randn(1, 3, 224, 224), sys.argv[1], opset_version=13, input_names=["input"],
                  output_names=["logits"], dynamic_axes={"input": {0: "n"}, "logits": {0: "n"}})
PY
  onnx_origin="torchvision 0.14 resnet50 exported by torch.onnx (batch norm folded)"
else
  ./jresnet export --model resnet50 --format onnx --out "$work/resnet50.onnx" >/dev/null
  onnx_origin="jresnet's export of resnet50 (batch norm as nodes)"
fi
./jresnet export --model resnet50 --format safetensors --out "$work/resnet50.safetensors" >/dev/null
ort=("$java" -cp bench/target/benchmarks.jar io.jresnet.bench.OrtOneShot)
"${ort[@]}" --random-input "$work/x.npy" 1,3,224,224

names=() commands=()
add() { names+=("$1"); shift; commands+=("$*"); }
add "ONNX Runtime 1.29 Java: ResNet-50 .onnx, load + 1 image" "${ort[*]} $work/resnet50.onnx $work/x.npy $work/y-ort.npy"
add "./jresnet infer --model resnet50.onnx (1 image)" "./jresnet infer --model $work/resnet50.onnx --input $work/x.npy --output $work/y.npy"
add "./jresnet infer --model resnet50.safetensors (1 image)" "./jresnet infer --model $work/resnet50.safetensors --input $work/x.npy --output $work/y.npy"
add "./jresnet infer --model resnet50 (zoo, seeded weights, 1 image)" "./jresnet infer --model resnet50 --input $work/x.npy --output $work/y.npy"
add "./jresnet classify (the built-in main job, 10 images)" "./jresnet classify"
add "./jresnet --help" "./jresnet --help"
add "./jresnet backends" "./jresnet backends"
add "./jresnet summary resnet50" "./jresnet summary resnet50"

# Runs command i once; appends "wall rss_kb" to $work/i.
measure() {
  # shellcheck disable=SC2086 # the command is a word list
  /usr/bin/time -f "%e %M" -o "$work/t" ${commands[$1]} >/dev/null 2>"$work/err" || {
    echo "failed: ${commands[$1]}" >&2; cat "$work/err" >&2; exit 1; }
  cat "$work/t" >> "$work/$1"
}
for i in "${!commands[@]}"; do measure "$i"; : > "$work/$i"; done # warm-up (page cache, AOT cache)
for ((r = 0; r < rounds; r++)); do
  for i in "${!commands[@]}"; do measure "$i"; done
done

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores,"
echo "medians of $rounds whole-process runs after one warm-up; peak RSS from /usr/bin/time (%M);"
echo "the ONNX file: $onnx_origin, $(($(stat -c %s "$work/resnet50.onnx") / 1000000)) MB."
echo
echo "| run | wall | peak RSS |"
echo "| --- | ---: | ---: |"
for i in "${!commands[@]}"; do
  wall="$(cut -d' ' -f1 "$work/$i" | median)"
  rss="$(cut -d' ' -f2 "$work/$i" | median)"
  printf '| %s | %.2f s | %d MiB |\n' "${names[$i]}" "$wall" "$((${rss%.*} / 1024))"
done
