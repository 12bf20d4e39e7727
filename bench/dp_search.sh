#!/usr/bin/env bash
# A private FedNAS search: the quickstart's search (LeNet on MNIST, Dirichlet 0.5, FLOPs budget 70%) with
# every round trained by DP-FedAvg, on the quickstart's 100 clients (10 a round) and on 1,000 clients
# (100 a round), next to the same search without DP, and one run stopped by privacy.targetEpsilon.
# Prints one line per variant: test accuracy, epsilon (delta 1e-5), final FLOPs / base FLOPs, rounds, status.
#
#   bench/dp_search.sh [--sigma S] [--clip C] [key=value ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sigma=1.0; clip=1; overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    *=*) overrides+=("$1"); shift ;;
    --sigma) sigma="$2"; shift 2 ;;
    --clip) clip="$2"; shift 2 ;;
    *) echo "bench/dp_search.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(grep -q avx512f /proc/cpuinfo && echo avx512f || echo 'avx2, no avx512f')"
printf '%-16s %-8s %-6s %-8s %-10s %-9s %-11s %-7s %-13s %s\n' variant clients sigma clip epsilon test_acc flops_ratio rounds status wall_s
for v in "no-dp 1000 100 0 0 0" "dp-100-clients 100 10 $sigma $clip 0" "dp-1000-clients 1000 100 $sigma $clip 0" \
         "dp-target-4.2 1000 100 $sigma $clip 4.2"; do
  read -r name clients per s c target <<< "$v"
  dir="$work/$name"
  FEDNAS_DRIVER_MEMORY=3g "$root/submit-scripts/run-local.sh" "$root/conf/quickstart.conf" name=dp-search \
    "federated.clients=$clients" "federated.clientsPerRound=$per" "privacy.clipNorm=$c" "privacy.noiseMultiplier=$s" \
    "privacy.targetEpsilon=$target" "output.dir=$dir" "${overrides[@]}" > "$work/$name.log" 2>&1 \
    || { echo "$name failed:" >&2; tail -5 "$work/$name.log" >&2; exit 1; }
  python3 - "$dir/summary.json" "$name" "$clients" "$s" "$c" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
eps = s.get("privacy", {}).get("epsilon")
ratio = s["final_model"]["flops"] / s["search"]["base_flops"]
print("%-16s %-8s %-6s %-8s %-10s %-9s %-11s %-7s %-13s %.0f" % (sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
      "-" if eps is None else "%.3f" % eps, "%.2f%%" % (100 * s["test_accuracy"]), "%.3f" % ratio, s["rounds"],
      s["status"], s["wall_seconds"]))
PY
done
