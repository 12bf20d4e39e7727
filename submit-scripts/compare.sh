#!/usr/bin/env bash
# Runs the baseline, FedNAS, each FedNAS optimization alone and the centralized reference on the
# same config and seed, then writes comparison.json (each variant's summary.json) and comparison.md
# (figures, ratios to the baseline, accuracy gaps) into the output directory.
#
#   submit-scripts/compare.sh CONF [key=value ...]      (output: runs/compare-TIMESTAMP, or FEDNAS_COMPARE_DIR)
#
# The federated variants all start from one base model, trained first by search.baseRounds FedAvg
# rounds (output dir base/), so they differ only in the search; the centralized reference trains
# its own base on pooled data. FEDNAS_COMPARE_VARIANTS chooses the variants (space-separated); besides
# the default six there is fednas-predictor (FedNAS with search.predictor = gbt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; [ $# -ge 1 ] && exit 0 || exit 2
fi
conf="$1"; shift
out="${FEDNAS_COMPARE_DIR:-runs/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
declare -A variants=(
  [baseline]="mode=baseline search.predictor=none search.predictorHistory=[]"
  [fednas]="mode=fednas"
  [parallel-only]="mode=fednas search.tournament=false search.dynamicRounds=false"
  [tournament-only]="mode=fednas search.parallelCandidates=false search.dynamicRounds=false"
  [dynamic-only]="mode=fednas search.parallelCandidates=false search.tournament=false"
  [fednas-predictor]="mode=fednas search.predictor=gbt"
  [centralized]="mode=centralized search.predictor=none search.predictorHistory=[]"
)
order="${FEDNAS_COMPARE_VARIANTS:-baseline fednas parallel-only tournament-only dynamic-only centralized}"
for v in $order; do
  [ -n "${variants[$v]:-}" ] || { echo "compare.sh: unknown variant $v (${!variants[*]})" >&2; exit 2; }
done

source "$root/submit-scripts/lib/classpath.sh"
(cd "$root" && ensure_built)
job() { (cd "$root" && java @.mvn/jvm.config -cp "$(fednas_classpath)" io.fednas.app.FedNasJob "$@"); }

# the shared base model: the search's base rounds of FedAvg, once (kept when already complete)
if ! grep -q '"status" : "completed"' "$out/base/summary.json" 2>/dev/null; then
  base_rounds=$(job --get search.baseRounds "$conf" "$@")
  echo "== base ($base_rounds FedAvg rounds)" >&2
  "$root/submit-scripts/run-local.sh" "$conf" "$@" mode=fedavg federated.rounds="$base_rounds" \
    federated.targetAccuracy=0 output.dir="$out/base" output.overwrite=true
fi

args=()
for v in $order; do
  echo "== $v" >&2
  base=("search.baseModel=$out/base")
  [ "$v" = centralized ] && base=()
  # shellcheck disable=SC2086
  "$root/submit-scripts/run-local.sh" "$conf" "$@" ${variants[$v]} "${base[@]}" output.dir="$out/$v" output.overwrite=true
  args+=("$v=$out/$v")
done
cd "$root"
exec java @"$root/.mvn/jvm.config" -cp "$(fednas_classpath)" io.fednas.app.Comparison "$out" "${args[@]}"
