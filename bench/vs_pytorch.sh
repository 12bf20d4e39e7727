#!/usr/bin/env bash
# Client-training throughput of the engine against PyTorch on the same network, batch, optimizer
# (plain SGD) and cores, measured side by side and interleaved, with the host's CPU flags.
#
#   bench/vs_pytorch.sh [--models "lenet mcmahan-cnn mobilenet-28"] [--batches "10 32 64"] [--pairs 2]
#                       [--seconds 15] [--clients-per-round 10] [--warmup-rounds 2] [--warmup-seconds 20]
#                       [--width 0.5]
#
# --width is mobilenet-28's width multiplier (model.widthMultiplier), for both frameworks.
#
# For each model and batch, --pairs times: bench/throughput.sh (the engine: local[N], one task per
# core, one native thread per task), then bench/torch_throughput.py both ways a user would run PyTorch
# on these cores: one process whose threads (as many as cores) share each minibatch, and one
# single-thread process per core, each training its own client side by side (as Flower's and
# pfl-research's simulations train a round's clients). Each is measured over at least --seconds of
# training after its warm-up (engine rounds / PyTorch epochs of clients-per-round x 600 samples; at least
# --warmup-rounds, and as many more as the engine needs to warm up for --warmup-seconds at the probe's
# pace, the same number for both: the JVM's JIT compiles the engine's per-minibatch code over its first
# rounds, and a federated job's throughput is that of the rounds after; 0 keeps --warmup-rounds);
# engine, then PyTorch both ways, again and again, so drift in the machine's speed falls on all. A first engine
# run sizes the engine's rounds to the time asked for. Prints each pair's ratio engine / PyTorch's
# faster way (and against each way), their median and spread, the CPU flags, the engine's ISA and
# BLAS core (BackendCheck) and PyTorch's CPU capability. Needs Debian's python3-torch (apt-get install
# python3-torch libopenblas0-pthread). The last line is one JSON object with every figure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models="lenet mcmahan-cnn mobilenet-28"; batches="10 32 64"; pairs=2; seconds=15; per_round=10; warmup=2; width=0.5
warmup_seconds=20
while [ $# -gt 0 ]; do
  case "$1" in
    --models) models="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --pairs) pairs="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --clients-per-round) per_round="$2"; shift 2 ;;
    --warmup-rounds) warmup="$2"; shift 2 ;;
    --warmup-seconds) warmup_seconds="$2"; shift 2 ;;
    --width) width="$2"; shift 2 ;;
    *) echo "bench/vs_pytorch.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ "$pairs" =~ ^[1-9][0-9]*$ ]] || { echo "bench/vs_pytorch.sh: --pairs must be a whole number of at least 1, not '$pairs'" >&2; exit 2; }
[[ "$warmup_seconds" =~ ^[0-9]+$ ]] || { echo "bench/vs_pytorch.sh: --warmup-seconds must be a whole number of seconds, not '$warmup_seconds'" >&2; exit 2; }
py=/usr/bin/python3 # Debian's python3-torch lives in the system interpreter
"$py" -c "import torch" 2>/dev/null || { echo "bench/vs_pytorch.sh: PyTorch missing: apt-get install python3-torch libopenblas0-pthread" >&2; exit 2; }
source "$root/submit-scripts/lib/classpath.sh"
(cd "$root" && ensure_built)
cores=$(nproc)
cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)
flags=$(sed -n 's/^flags\s*:\s*//p' /proc/cpuinfo | head -1 | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512.*|amx.*)$' | tr '\n' ' ' | sed 's/ $//')
check=$(cd "$root" && java @.mvn/jvm.config -cp "$(fednas_classpath)" io.fednas.dl4j.BackendCheck --size 1024 2>/dev/null)
gemm=$(echo "$check" | sed -n 's/.*GFLOP\/s.*/&/p' | sed 's/.*: \([0-9.]*\) GFLOP\/s/\1/')
host=$(echo "$check" | sed -n 's/^host: //p')
products=$(echo "$check" | sed -n "s/^the CPU kernels' matrix products: //p")
[ -n "$products" ] && host="$host; matrix products on $products"
echo "host: $cpu, $cores cores; CPU flags: $flags" >&2
echo "engine: $host; fp32 GEMM 1024^2 (ND4J, all cores): $gemm GFLOP/s" >&2
samples=$((per_round * 600))
field() { echo "$1" | sed "s/.*\"$2\": *\"\{0,1\}\([^,\"}]*\).*/\1/"; }
engine_run() { # model batch rounds width warmup-rounds
  "$root/bench/throughput.sh" --model "$1" --batch "$2" --rounds "$3" --clients-per-round "$per_round" \
    --warmup-rounds "$5" model.widthMultiplier="$4" | tail -1
}
torch_run() { # model batch width warmup-epochs, then --threads N or --processes N
  "$py" "$root/bench/torch_throughput.py" --model "$1" --batch "$2" --width "$3" "${@:5}" --samples "$samples" \
    --epochs $(($4 + 2)) --warmup-epochs "$4" --min-seconds "$seconds" 2>/dev/null | tail -1
}
rows=()
for model in $models; do
  for batch in $batches; do
    w=1.0
    [ "$model" = mobilenet-28 ] && w="$width"
    # size the engine's rounds: a short run, then enough measured rounds for --seconds (the last one is
    # tested), twice what the probe's pace asks, since rounds after the warm-up run up to that much faster
    probe=$(engine_run "$model" "$batch" $((warmup + 2)) "$w" "$warmup")
    per_round_s=$(awk -v t="$(field "$probe" train_seconds)" 'BEGIN { printf "%.3f", t / 2 }')
    warm=$(awk -v s="$warmup_seconds" -v r="$per_round_s" -v w="$warmup" 'BEGIN { n = int(s / r + 0.999); print (n > w ? n : w) }')
    rounds=$(awk -v s="$seconds" -v r="$per_round_s" -v w="$warm" 'BEGIN { n = int(2 * s / r) + 1; if (n < 2) n = 2; print w + n }')
    echo "$model batch $batch: $warm warm-up rounds / epochs (${per_round_s} s a round after $warmup), then $((rounds - warm)) measured" >&2
    ratios=(); pair_rows=()
    for p in $(seq 1 "$pairs"); do
      engine=$(engine_run "$model" "$batch" "$rounds" "$w" "$warm")
      threads=$(torch_run "$model" "$batch" "$w" "$warm" --threads "$cores")
      procs=$(torch_run "$model" "$batch" "$w" "$warm" --processes "$cores")
      e=$(field "$engine" samples_per_s); t=$(field "$threads" samples_per_s); q=$(field "$procs" samples_per_s)
      best=$(awk -v t="$t" -v q="$q" 'BEGIN { print (q > t ? q : t) }')
      ratio=$(awk -v e="$e" -v b="$best" 'BEGIN { printf "%.3f", e / b }')
      ratio_threads=$(awk -v e="$e" -v t="$t" 'BEGIN { printf "%.3f", e / t }')
      ratio_processes=$(awk -v e="$e" -v q="$q" 'BEGIN { printf "%.3f", e / q }')
      ratios+=("$ratio")
      echo "$model batch $batch pair $p: engine $e samples/s over $(field "$engine" train_seconds) s; PyTorch $t samples/s with $cores threads (over $(field "$threads" train_seconds) s), $q with $cores one-thread processes (over $(field "$procs" train_seconds) s) ($(field "$threads" cpu_capability)); engine/PyTorch $ratio (against threads $ratio_threads, processes $ratio_processes)" >&2
      pair_rows+=("{\"engine\":$engine,\"pytorch_threads\":$threads,\"pytorch_processes\":$procs,\"ratio\":$ratio,\"ratio_threads\":$ratio_threads,\"ratio_processes\":$ratio_processes}")
    done
    summary=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f %.3f", m, v[1], v[NR] }')
    read -r median lo hi <<< "$summary"
    echo "$model batch $batch: engine/PyTorch (its faster way) median $median (spread $lo-$hi over $pairs pairs)" >&2
    rows+=("{\"model\":\"$model\",\"batch\":$batch,\"warmup_rounds\":$warm,\"median_ratio\":$median,\"min_ratio\":$lo,\"max_ratio\":$hi,\"pairs\":[$(IFS=,; echo "${pair_rows[*]}")]}")
  done
done
printf '{"cpu":"%s","cores":%d,"cpu_flags":"%s","engine_host":"%s","gemm_gflop_per_s":%s,"seconds":%s,"runs":[%s]}\n' \
  "$cpu" "$cores" "$flags" "$host" "${gemm:-null}" "$seconds" "$(IFS=,; echo "${rows[*]}")"
