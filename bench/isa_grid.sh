#!/usr/bin/env bash
# The engine's client-training throughput under each choice of kernels the host allows: OpenBLAS's
# core type (OPENBLAS_CORETYPE: unset lets it detect the CPU) times oneDNN's ISA cap
# (DNNL_MAX_CPU_ISA: unset is the CPU's best), interleaved over --reps passes so drift falls on all.
#
#   bench/isa_grid.sh [--model lenet] [--batch 64] [--reps 2] [--rounds 8] [--clients-per-round 10]
#                     [--cores "unset Haswell SkylakeX"] [--isas "unset AVX2"]
#
# Prints the CPU flags, one line per run, and per combination the median samples/s and its ratio to
# the default (both unset); the last line is one JSON object with every figure.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model=lenet; batch=64; reps=2; rounds=8; per_round=10; cores="unset Haswell SkylakeX"; isas="unset AVX2"
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --clients-per-round) per_round="$2"; shift 2 ;;
    --cores) cores="$2"; shift 2 ;;
    --isas) isas="$2"; shift 2 ;;
    *) echo "bench/isa_grid.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
flags=$(sed -n 's/^flags\s*:\s*//p' /proc/cpuinfo | head -1 | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512.*)$' | tr '\n' ' ' | sed 's/ $//')
echo "host: $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1), $(nproc) cores; CPU flags: $flags" >&2
declare -A rates
for rep in $(seq 1 "$reps"); do
  for core in $cores; do
    for isa in $isas; do
      envs=(-u OPENBLAS_CORETYPE -u DNNL_MAX_CPU_ISA)
      [ "$core" != unset ] && envs+=("OPENBLAS_CORETYPE=$core")
      [ "$isa" != unset ] && envs+=("DNNL_MAX_CPU_ISA=$isa")
      line=$(env "${envs[@]}" "$root/bench/throughput.sh" --model "$model" --batch "$batch" --rounds "$rounds" \
        --clients-per-round "$per_round" --warmup-rounds 2 2>/dev/null | tail -1)
      sps=$(echo "$line" | sed 's/.*"samples_per_s":\([0-9.]*\).*/\1/')
      echo "pass $rep: OPENBLAS_CORETYPE=$core DNNL_MAX_CPU_ISA=$isa: $sps samples/s" >&2
      rates["$core/$isa"]+="$sps "
    done
  done
done
median() { tr ' ' '\n' | { grep -v '^$' || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR) print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# the default (neither variable set) is what the ratios compare with; a grid without it prints none
base=$(echo "${rates[unset/unset]:-}" | median)
[ -z "$base" ] && echo "bench/isa_grid.sh: the grid has no default (--cores and --isas both with unset): no ratios" >&2
rows=()
for key in "${!rates[@]}"; do
  m=$(echo "${rates[$key]}" | median)
  ratio=$(awk -v m="$m" -v b="${base:-0}" 'BEGIN { if (b > 0) printf "%.3f", m / b; else print "null" }')
  echo "OPENBLAS_CORETYPE=${key%/*} DNNL_MAX_CPU_ISA=${key#*/}: median $m samples/s (runs: ${rates[$key]% })${base:+, x$ratio of the default}" >&2
  rows+=("{\"openblas_coretype\":\"${key%/*}\",\"dnnl_max_cpu_isa\":\"${key#*/}\",\"median_samples_per_s\":$m,\"vs_default\":$ratio}")
done
printf '{"model":"%s","batch":%d,"cpu_flags":"%s","runs":[%s]}\n' "$model" "$batch" "$flags" "$(IFS=,; echo "${rows[*]}")"
