#!/usr/bin/env bash
# Client-training throughput of the engine against PyTorch on the same network, batch, optimizer
# (plain SGD) and cores, measured side by side in one run, with the machine's fp32 GEMM ceiling.
#
#   bench/vs_pytorch.sh [--models "lenet mcmahan-cnn mobilenet-28"] [--batches "32 64"] [--rounds 15]
#                       [--clients-per-round 2] [--warmup-rounds 1] [--width 0.5]
#
# --width is mobilenet-28's width multiplier (model.widthMultiplier), for both frameworks.
#
# For each model and batch: bench/throughput.sh (the engine: local[2], one task per core, one
# native thread per task) then bench/torch_throughput.py (one process, as many threads as cores),
# then the ratio engine / PyTorch. Needs Debian's python3-torch (apt-get install python3-torch
# libopenblas0-pthread). The last line is one JSON object with every figure.
#
# 15 rounds by default, measured from round 2 (--warmup-rounds 1). The JVM keeps compiling the
# per-minibatch code for longer than that: at 2 clients per round, rounds 16-29 train 8-22% faster
# than rounds 2-15 (docs/benchmarks/2026-11-28-sessions-1-9.md), while PyTorch runs as fast from its second epoch on. A long
# job's steady state: --rounds 30 --warmup-rounds 15. PyTorch runs as many epochs and drops as many.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models="lenet mcmahan-cnn mobilenet-28"; batches="32 64"; rounds=15; per_round=2; warmup=1; width=0.5
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --clients-per-round) per_round="$2"; shift 2 ;;
    --warmup-rounds) warmup="$2"; shift 2 ;;
    --width) width="$2"; shift 2 ;;
    *) echo "bench/vs_pytorch.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
py=/usr/bin/python3 # Debian's python3-torch lives in the system interpreter
"$py" -c "import torch" 2>/dev/null || { echo "bench/vs_pytorch.sh: PyTorch missing: apt-get install python3-torch libopenblas0-pthread" >&2; exit 2; }
source "$root/submit-scripts/lib/classpath.sh"
(cd "$root" && ensure_built)
cores=$(nproc)
gemm=$(cd "$root" && java @.mvn/jvm.config -cp "$(fednas_classpath)" io.fednas.dl4j.BackendCheck --size 1024 2>/dev/null \
  | sed -n 's/.*GFLOP\/s.*/&/p' | sed 's/.*: \([0-9.]*\) GFLOP\/s/\1/')
echo "fp32 GEMM 1024^2 (ND4J, all cores): $gemm GFLOP/s" >&2
rows=()
for model in $models; do
  for batch in $batches; do
    w=1.0
    [ "$model" = mobilenet-28 ] && w="$width"
    engine=$("$root/bench/throughput.sh" --model "$model" --batch "$batch" --rounds "$rounds" \
      --clients-per-round "$per_round" --warmup-rounds "$warmup" model.widthMultiplier="$w" | tail -1)
    # the same number of samples per measured epoch as the engine trains per round: clients x 600
    torch=$("$py" "$root/bench/torch_throughput.py" --model "$model" --batch "$batch" --threads "$cores" \
      --samples $((per_round * 600)) --epochs "$rounds" --warmup-epochs "$warmup" --width "$w" 2>/dev/null | tail -1)
    e=$(echo "$engine" | sed 's/.*"samples_per_s":\([0-9.]*\).*/\1/')
    t=$(echo "$torch" | sed 's/.*"samples_per_s": \([0-9.]*\).*/\1/')
    ratio=$(awk -v e="$e" -v t="$t" 'BEGIN { printf "%.3f", e / t }')
    echo "$model batch $batch: engine $e samples/s, PyTorch $t samples/s, engine/PyTorch $ratio" >&2
    rows+=("{\"model\":\"$model\",\"batch\":$batch,\"engine\":$engine,\"pytorch\":$torch,\"ratio\":$ratio}")
  done
done
printf '{"cores":%d,"gemm_gflop_per_s":%s,"runs":[%s]}\n' "$cores" "${gemm:-null}" "$(IFS=,; echo "${rows[*]}")"
