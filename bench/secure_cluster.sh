#!/usr/bin/env bash
# What fednas.security costs: the same FedAvg run submitted with submit-standalone.sh to real
# standalone clusters on this machine (a master and N one-core workers, each its own JVM): one
# secured with a shared secret and AES-GCM RPC as docs/DEPLOY.md sets one up, one open, both up
# at once; runs alternate, security on against the secured one and off against the open one
# (A B A B ...), so both see the same machine load.
#
#   bench/secure_cluster.sh [--pairs P] [--workers N] [key=value ...]
#
# key=value: job config overrides (default: the quickstart's FedAvg, 10 rounds, 10 clients a round).
# Prints each run's mean round seconds (rounds 2..R: round 1 warms up) and training-stage seconds,
# then one JSON line: the medians and their ratio (on / off). Needs `mvn compile` (target/classpath.txt).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pairs=3; workers=2; overrides=()
while [ $# -gt 0 ]; do
  case "$1" in
    *=*) overrides+=("$1"); shift ;;
    --pairs) pairs="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    *) echo "bench/secure_cluster.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cd "$root"
[ -f target/classpath.txt ] || { echo "bench/secure_cluster.sh: run 'mvn compile' first" >&2; exit 2; }
work="$(mktemp -d)"; pids=()
cleanup() { for p in "${pids[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
cp_jars="$(tr ':' '\n' < target/classpath.txt | grep '\.jar$')"
mkdir -p "$work/spark/jars" "$work/secrets"
while read -r j; do ln -sf "$j" "$work/spark/jars/"; done <<< "$cp_jars"
(cd target/classes && jar cf "$work/app.jar" .)
( umask 077
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$work/secrets/secret"
  printf 'spark.authenticate=true\nspark.authenticate.secret=%s\nspark.network.crypto.enabled=true\nspark.network.crypto.cipher=AES/GCM/NoPadding\n' \
    "$(cat "$work/secrets/secret")" > "$work/secrets/daemons.properties" )
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
daemon() { # LOG PROPERTIES CLASS ARGS...
  local log="$1" props="$2"; shift 2
  SPARK_HOME="$work/spark" SPARK_SCALA_VERSION=2.12 OMP_NUM_THREADS=1 \
    java $(cat .mvn/jvm.config) -Xmx512m -cp "$work/spark/jars/*" "$@" --properties-file "$props" > "$log" 2>&1 &
  pids+=($!)
}
start_cluster() { # NAME PROPERTIES -> prints the master URL
  local name="$1" props="$2" port ui
  port=$(free_port); ui=$(free_port)
  daemon "$work/$name-master.log" "$props" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
    --webui-port "$ui"
  sleep 5
  for i in $(seq 1 "$workers"); do
    mkdir -p "$work/$name-w$i"
    daemon "$work/$name-worker$i.log" "$props" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
      --memory 2048m --webui-port 0 --work-dir "$work/$name-w$i" "spark://127.0.0.1:$port"
  done
  for _ in $(seq 1 60); do
    [ "$(curl -s "http://127.0.0.1:$ui/json/" | grep -o '"state" : "ALIVE"' | wc -l)" -ge "$workers" ] && break
    sleep 1
  done
  master["$name"]="spark://127.0.0.1:$port"
}
declare -A master
: > "$work/open.properties"
start_cluster on "$work/secrets/daemons.properties"
start_cluster off "$work/open.properties"
echo "clusters: secured ${master[on]}, open ${master[off]}, $workers one-core workers each;" \
  "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(grep -q avx512f /proc/cpuinfo && echo avx512f || echo 'avx2, no avx512f')"
run() { # on|off INDEX -> "round_seconds train_stage_seconds"
  local dir="$work/run-$1-$2"
  FEDNAS_CLASSPATH="$(grep -v test-classes target/classpath.txt)" FEDNAS_SPARK_SECRET_FILE="$work/secrets/secret" \
    submit-scripts/submit-standalone.sh --master "${master[$1]}" --jar "$work/app.jar" \
    --conf driver-memory=2g --conf "fednas.security=$1" conf/quickstart.conf mode=fedavg federated.rounds=10 \
    federated.clientsPerRound=10 federated.targetAccuracy=0 spark.conf.spark.ui.enabled=false \
    "output.dir=$dir" "${overrides[@]}" > "$work/submit-$1-$2.log" 2>&1 \
    || { echo "run $1 $2 failed:" >&2; grep -v '^\s*at ' "$work/submit-$1-$2.log" | tail -20 >&2; return 1; }
  python3 - "$dir/rounds.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))[1:]
print("%.3f %.3f" % (sum(float(r["round_seconds"]) for r in rows) / len(rows),
                    sum(float(r["train_stage_seconds"]) for r in rows) / len(rows)))
PY
}
on=(); off=()
for i in $(seq 1 "$pairs"); do
  for mode in on off; do
    times="$(run "$mode" "$i")" || exit 1
    read -r round train <<< "$times"
    echo "security $mode, run $i: round ${round} s, training stage ${train} s"
    if [ "$mode" = on ]; then on+=("$round"); else off+=("$round"); fi
  done
done
python3 -c "
import statistics, json, sys
on, off = [float(x) for x in sys.argv[1].split()], [float(x) for x in sys.argv[2].split()]
print(json.dumps({'round_seconds_on': round(statistics.median(on), 3), 'round_seconds_off': round(statistics.median(off), 3),
                  'ratio_on_off': round(statistics.median(on) / statistics.median(off), 3), 'pairs': len(on)}))" "${on[*]}" "${off[*]}"
