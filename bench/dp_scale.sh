#!/usr/bin/env bash
# DP-FedAvg at scale: MNIST over 10,000 IID clients, 100 a round on average (q = 0.01), 100 FedAvg rounds,
# without DP, with clipping only, and with noise multipliers that the accountant puts at epsilon about
# 1, 4 and 8 (delta 1e-5) after 100 rounds. Prints one line per variant: test accuracy, epsilon, wall time.
#
#   bench/dp_scale.sh [--rounds R] [--clip C] [key=value ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rounds=100; clip=1; overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    *=*) overrides+=("$1"); shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --clip) clip="$2"; shift 2 ;;
    *) echo "bench/dp_scale.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(grep -q avx512f /proc/cpuinfo && echo avx512f || echo 'avx2, no avx512f')"
printf '%-12s %-8s %-6s %-10s %-9s %-7s %s\n' variant sigma clip epsilon test_acc rounds wall_s
for v in "none 0 0" "clip-only 0 $clip" "eps~1 1.08 $clip" "eps~4 0.64 $clip" "eps~8 0.52 $clip"; do
  read -r name sigma c <<< "$v"
  dir="$work/$name"
  FEDNAS_DRIVER_MEMORY=2g "$root/submit-scripts/run-local.sh" "$root/conf/quickstart.conf" name=dp-scale mode=fedavg \
    data.name=mnist federated.clients=10000 federated.clientsPerRound=100 "federated.rounds=$rounds" \
    federated.targetAccuracy=0 data.partition=iid data.minClientSamples=1 eval.validationClients=100 \
    eval.testEvery="$rounds" "privacy.clipNorm=$c" "privacy.noiseMultiplier=$sigma" "output.dir=$dir" \
    "${overrides[@]}" > "$work/$name.log" 2>&1 || { echo "$name failed:" >&2; tail -5 "$work/$name.log" >&2; exit 1; }
  python3 - "$dir/summary.json" "$name" "$sigma" "$c" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
eps = s.get("privacy", {}).get("epsilon")
print("%-12s %-8s %-6s %-10s %-9s %-7s %.0f" % (sys.argv[2], sys.argv[3], sys.argv[4],
      "-" if eps is None else "%.3f" % eps, "%.2f%%" % (100 * s["test_accuracy"]), s["rounds"], s["wall_seconds"]))
PY
done
