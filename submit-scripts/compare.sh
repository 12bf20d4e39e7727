#!/usr/bin/env bash
# Runs the baseline, FedNAS and each FedNAS optimization alone on the same config and seed, then
# writes comparison.json (each variant's summary.json) and comparison.md (figures and ratios to the
# baseline) into the output directory.
#
#   submit-scripts/compare.sh CONF [key=value ...]      (output: runs/compare-TIMESTAMP, or FEDNAS_COMPARE_DIR)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; [ $# -ge 1 ] && exit 0 || exit 2
fi
conf="$1"; shift
out="${FEDNAS_COMPARE_DIR:-runs/compare-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out"
declare -A variants=(
  [baseline]="mode=baseline"
  [fednas]="mode=fednas"
  [parallel-only]="mode=fednas search.tournament=false search.dynamicRounds=false"
  [tournament-only]="mode=fednas search.parallelCandidates=false search.dynamicRounds=false"
  [dynamic-only]="mode=fednas search.parallelCandidates=false search.tournament=false"
)
args=()
for v in baseline fednas parallel-only tournament-only dynamic-only; do
  echo "== $v" >&2
  # shellcheck disable=SC2086
  "$root/submit-scripts/run-local.sh" "$conf" "$@" ${variants[$v]} output.dir="$out/$v" output.overwrite=true
  args+=("$v=$out/$v")
done
source "$root/submit-scripts/lib/classpath.sh"
cd "$root"
exec java @"$root/.mvn/jvm.config" -cp "$(fednas_classpath)" io.fednas.report.Comparison "$out" "${args[@]}"
