#!/usr/bin/env bash
# Client-training throughput measured inside the real engine (Spark local, DL4J in the tasks).
#
#   bench/throughput.sh --model lenet|mcmahan-cnn|vgg-small|mobilenet-28 --batch N [--rounds R] [--clients-per-round M]
#                       [--warmup-rounds W] [key=value ...]
#
# key=value: job config overrides for trying levers, e.g. spark.master=local[1] (with OMP_NUM_THREADS=2).
# Runs R FedAvg rounds of M IID MNIST clients (600 samples each, E=1) and reports, over rounds W+1..R
# (rounds 1..W warm up: round 1 builds the networks, and the JVM's JIT compiles the per-minibatch
# code over the first rounds; W=1 by default, docs/benchmarks/2026-11-28-sessions-1-9.md measures how long warm-up lasts):
#   train_seconds        wall time of those rounds' training stages: how long the figure was measured
#   samples_per_s        samples trained / wall time of the training stages (all cores together)
#   gflop_per_s          the training FLOP rate that implies (3 x forward FLOPs per sample)
#   per_task_samples_per_s  samples trained / summed client training time (one core)
#   non_training_share   of the rounds' wall time outside the training stage (evaluation, driver work)
# and, over rounds W+1..R that do no test-set evaluation (the last one does; eval.testEvery=R+1 leaves it
# at that):
#   overhead_share       of the whole round's wall time not spent training clients on the round's
#                        critical path: 1 - (the slowest task's summed client training seconds) / round
#                        seconds (scheduling, broadcast, serialization, aggregation, evaluation, and
#                        the round's checkpoint, written after it)
#   core_idle_share      of the cores' time in a round not spent training clients: 1 - (summed client
#                        training seconds / parallel tasks) / round seconds (the above plus tasks
#                        finishing at different times)
# The last line of output is one JSON object with these figures.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model=lenet; batch=32; rounds=5; per_round=2; warmup=1; overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    *=*) overrides+=("$1"); shift ;;
    --model) model="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --clients-per-round) per_round="$2"; shift 2 ;;
    --warmup-rounds) warmup="$2"; shift 2 ;;
    *) echo "bench/throughput.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[[ "$warmup" =~ ^[1-9][0-9]*$ ]] || { echo "bench/throughput.sh: --warmup-rounds must be a whole number of at least 1 (round 1 builds the networks), not '$warmup'" >&2; exit 2; }
[ "$rounds" -ge $((warmup + 2)) ] || { echo "bench/throughput.sh: --rounds must be at least --warmup-rounds + 2 = $((warmup + 2)) (rounds 1..$warmup warm up, the last one is tested)" >&2; exit 2; }
out=$(mktemp -d /tmp/fednas-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT
"$root/submit-scripts/run-local.sh" "$root/conf/quickstart.conf" \
  name=bench mode=fedavg model.arch="$model" federated.batchSize="$batch" federated.localEpochs=1 \
  data.partition=iid data.validationFraction=0 federated.clients=100 federated.clientsPerRound="$per_round" \
  federated.rounds="$rounds" federated.targetAccuracy=0 federated.momentum=0 eval.testEvery=$((rounds + 1)) \
  eval.validationClients=1 spark.conf.spark.ui.enabled=false output.dir="$out/run" "${overrides[@]}" >&2
flops=$(sed -n 's/.*"flops" : \([0-9]*\).*/\1/p' "$out/run/summary.json")
# checkpoint writes happen between rounds, outside round_seconds: counted into each round here
ckpt=$(sed -n 's/.*"write_seconds" : \([0-9.eE+-]*\).*/\1/p' "$out/run/summary.json")
writes=$(sed -n 's/.*"writes" : \([0-9]*\).*/\1/p' "$out/run/summary.json")
master=$(printf '%s\n' "${overrides[@]}" | sed -n 's/^spark.master=local\[\([0-9]*\)\]$/\1/p' | tail -1)
cores=${master:-$(nproc)}
slots=$(( per_round < cores ? per_round : cores ))
awk -F, -v flops="$flops" -v model="$model" -v batch="$batch" -v m="$per_round" -v slots="$slots" -v ckpt="${ckpt:-0}" -v writes="${writes:-1}" -v warmup="$warmup" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  $col["round"] > warmup {
    s += $col["samples_trained"]; stage += $col["train_stage_seconds"]; all += $col["round_seconds"]; clientAll += $col["client_train_seconds"]
    if ($col["test_accuracy"] == "NaN") { # the overhead of federated rounds, not of the test-set report
      client += $col["client_train_seconds"]; round += $col["round_seconds"] + ckpt / writes; slowest += $col["slowest_task_train_seconds"]; n++
    }
  }
  END {
    sps = s / stage
    printf "{\"model\":\"%s\",\"batch\":%d,\"clients_per_round\":%d,\"warmup_rounds\":%d,\"train_seconds\":%.2f,\"samples_per_s\":%.1f,\"gflop_per_s\":%.2f,\"per_task_samples_per_s\":%.1f,\"non_training_share\":%.4f,\"overhead_share\":%.4f,\"core_idle_share\":%.4f,\"mean_round_s\":%.3f}\n",
      model, batch, m, warmup, stage, sps, sps * 3 * flops / 1e9, s / clientAll, 1 - stage / all, 1 - slowest / round,
      1 - client / slots / round, round / n
  }' "$out/run/rounds.csv"
