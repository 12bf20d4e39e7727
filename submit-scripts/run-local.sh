#!/usr/bin/env bash
# Runs the job on local Spark from the Maven classpath (no Spark distribution needed).
#
#   submit-scripts/run-local.sh CONF [key=value ...]
#   submit-scripts/run-local.sh CONF --resume RUN_DIR [key=value ...]   (continue a stopped run)
#
# Builds what is missing, fetches the dataset the config names if it is missing, then runs.
# Environment: FEDNAS_DRIVER_MEMORY (default 8g), JAVA (default java).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -ge 1 ] && exit 0 || exit 2
fi
conf="$1"; shift
[ -f "$conf" ] || { echo "run-local.sh: config file not found: $conf" >&2; exit 2; }

# shellcheck source=submit-scripts/lib/classpath.sh
source "$root/submit-scripts/lib/classpath.sh"
ensure_built

# The dataset the config asks for (a key=value override wins), fetched if it is not there yet.
dataset=$(sed -n 's/^[[:space:]]*data\.name[[:space:]]*[=:][[:space:]]*"\{0,1\}\([a-z0-9-]*\)"\{0,1\}.*/\1/p' "$conf" | tail -1)
if [ -z "$dataset" ]; then
  dataset=$(awk '/^[[:space:]]*data[[:space:]]*\{/{d=1} d && /^[[:space:]]*name[[:space:]]*[=:]/{gsub(/[" ]/,"",$0); split($0,a,/[=:]/); print a[2]; exit}' "$conf")
fi
datadir=datasets
for kv in "$@"; do
  case "$kv" in
    data.name=*) dataset="${kv#data.name=}" ;;
    data.dir=*) datadir="${kv#data.dir=}" ;;
  esac
done
dataset="${dataset:-mnist}"
if [ "$datadir" = datasets ] && { [ "$dataset" = mnist ] || [ "$dataset" = fashion-mnist ]; } \
   && ! ls "datasets/$dataset"/train-images-idx3-ubyte* >/dev/null 2>&1; then
  datasets/fetch "$dataset"
fi

# One native thread per Spark task: results then do not depend on the core count.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
exec "${JAVA:-java}" @"$root/.mvn/jvm.config" -Xmx"${FEDNAS_DRIVER_MEMORY:-8g}" \
  -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$(fednas_classpath)" io.fednas.app.FedNasJob "$conf" "$@"
