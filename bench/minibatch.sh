#!/usr/bin/env bash
# The time of one client's minibatch step (fit() on one thread, one JVM, nothing else: no Spark, no
# round), for finding what a kernel change is worth without the whole engine's noise. With --against
# REV, the same steps at another commit (built in a temporary worktree, with its own .mvn/jvm.config),
# run alternately with this checkout's: A B A B, so the host's drift falls on both; prints each run's
# median and the ratio of the medians of medians (REV / this checkout: above 1 means this one is faster).
# With --copies N, each run is N copies at once (separate JVMs, one thread each), as the engine's
# one-core tasks train side by side: what they cost each other in caches and memory bandwidth.
#
# --momentum 0 trains with plain SGD, as bench/throughput.sh and bench/vs_pytorch.sh do (the default,
# 0.9, is the example configurations' Nesterov momentum).
#
#   bench/minibatch.sh [--model mobilenet-28] [--width 0.5] [--batches "10 32 64"] [--steps 400] [--reps 3]
#                      [--momentum 0.9] [--copies 1] [--against REV]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model=mobilenet-28; width=0.5; batches="10 32 64"; steps=400; reps=3; momentum=0.9; copies=1; against=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --width) width="$2"; shift 2 ;;
    --batches) batches="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --momentum) momentum="$2"; shift 2 ;;
    --copies) copies="$2"; shift 2 ;;
    --against) against="$2"; shift 2 ;;
    *) echo "bench/minibatch.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ "$steps" =~ ^[1-9][0-9]*$ && "$steps" -ge 8 ]] || { echo "bench/minibatch.sh: --steps must be a whole number of at least 8, not '$steps'" >&2; exit 2; }
[[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "bench/minibatch.sh: --reps must be a whole number of at least 1, not '$reps'" >&2; exit 2; }
[[ "$momentum" =~ ^(0|0?\.[0-9]+)$ ]] || { echo "bench/minibatch.sh: --momentum must be a number in [0, 1), not '$momentum'" >&2; exit 2; }
[[ "$copies" =~ ^[1-9][0-9]*$ ]] || { echo "bench/minibatch.sh: --copies must be a whole number of at least 1, not '$copies'" >&2; exit 2; }
source "$root/submit-scripts/lib/classpath.sh"
work="$(mktemp -d)"; trap 'rm -rf "$work"; [ -z "$against" ] || git -C "$root" worktree remove --force "$work/rev" 2>/dev/null || true' EXIT
# a side: its classes copied (a rebuild while this runs does not pull them from under it), its JVM flags
prepare() { # dir name
  (cd "$1" && ensure_built)
  cp -r "$1/target/classes" "$work/$2-classes"
  javac -d "$work/$2-bench" -cp "$work/$2-classes:$(cat "$1/target/classpath.txt")" "$root/bench/minibatch/MinibatchTime.java"
  cp "$1/.mvn/jvm.config" "$work/$2.jvm"; cp "$1/target/classpath.txt" "$work/$2.cp"
}
run() { # name batch
  OMP_NUM_THREADS=1 java @"$work/$1.jvm" -cp "$work/$1-bench:$work/$1-classes:$(cat "$work/$1.cp")" MinibatchTime \
    "$model" "$width" "$2" "$steps" "$momentum" 2>/dev/null | tail -1
}
prepare "$root" this
sides="this"
if [ -n "$against" ]; then
  git -C "$root" worktree add --detach "$work/rev" "$against" >/dev/null 2>&1 \
    || { echo "bench/minibatch.sh: no commit '$against'" >&2; exit 2; }
  prepare "$work/rev" rev
  sides="rev this"
fi
flags=$(sed -n 's/^flags\s*:\s*//p' /proc/cpuinfo | head -1 | tr ' ' '\n' | grep -E '^(avx|avx2|fma|avx512.*|amx.*)$' | tr '\n' ' ' | sed 's/ $//')
echo "host: $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1), $(nproc) cores; CPU flags: $flags"
echo "this checkout: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- src .mvn || echo ' (with uncommitted changes)')${against:+; against $against}; momentum $momentum; $copies at once"
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for batch in $batches; do
  for side in $sides; do : > "$work/$side.$batch"; done
  for r in $(seq 1 "$reps"); do
    for side in $sides; do
      for k in $(seq 1 "$copies"); do run "$side" "$batch" > "$work/copy.$k" & done
      wait
      for k in $(seq 1 "$copies"); do
        line=$(cat "$work/copy.$k")
        echo "$side: $line"
        echo "$line" | sed 's/.*median \([0-9.]*\) ms.*/\1/' >> "$work/$side.$batch"
      done
    done
  done
  if [ -n "$against" ]; then
    a=$(median "$work/rev.$batch"); b=$(median "$work/this.$batch")
    echo "$model batch $batch: $against $a ms, this $b ms per minibatch (medians of $reps x $copies runs): $against / this $(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", a / b }')"
  else
    echo "$model batch $batch: $(median "$work/this.$batch") ms per minibatch (median of $reps x $copies runs)"
  fi
done
