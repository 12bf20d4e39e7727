#!/usr/bin/env bash
# Can deeplearning4j-spark train our centralized reference? Its last release on Maven Central is
# 1.0.0-M2 (there is no 1.0.0-M2.1, our DL4J version), so this runs dl4j-spark 1.0.0-M2's jar alone
# (with deeplearning4j-core at our version; its other DL4J, ND4J and Spark dependencies are ours) against our classpath: LeNet on
# MNIST by parameter averaging on local[W], then the same epochs by our own data-parallel loop
# (mode fedavg over W IID shards, every shard every round: FedAvg with full participation).
# Prints samples/s and test accuracy per epoch for each.
#
#   bench/dl4j_spark_trial.sh [--epochs E] [--averaging A] [--workers W]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
epochs=1; averaging=5; workers=2
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --averaging) averaging="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    *) echo "bench/dl4j_spark_trial.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
cd "$root"
source submit-scripts/lib/classpath.sh
ensure_built
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
echo "host: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(grep -q avx512f /proc/cpuinfo && echo avx512f || echo 'avx2, no avx512f')"
# ours: W IID shards, each trains one local epoch a round, averaged every round
FEDNAS_DRIVER_MEMORY=4g submit-scripts/run-local.sh conf/quickstart.conf name=dl4j-spark-trial mode=fedavg \
  data.partition=iid federated.clients="$workers" federated.clientsPerRound="$workers" federated.rounds="$epochs" \
  federated.targetAccuracy=0 federated.localEpochs=1 eval.testEvery=1 data.validationFraction=0 \
  "spark.master=local[$workers]" output.dir="$work/ours" > "$work/ours.log"
python3 - "$work/ours/rounds.csv" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1])):
    s = float(r["train_stage_seconds"])
    print("ours epoch %s: %.1f s, %.0f samples/s, test accuracy %.4f" % (r["round"], s, int(r["samples_trained"]) / s,
          float(r["test_accuracy"])))
PY
for a in org.deeplearning4j:dl4j-spark_2.12:1.0.0-M2 org.datavec:datavec-spark_2.12:1.0.0-M2 \
    org.deeplearning4j:deeplearning4j-core:1.0.0-M2.1; do
  mvn -q dependency:copy -Dartifact="$a" -DoutputDirectory="$work/jars" >/dev/null
done
cp -r target/classes "$work/app" # a copy: a rebuild while this runs does not pull classes from under it
cp="$(cat target/classpath.txt):$work/app:$work/jars/*"
javac -d "$work/classes" -cp "$cp" bench/dl4j-spark-trial/Dl4jSparkTrial.java
OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" java @.mvn/jvm.config -Xmx6g -Dlog4j2.configurationFile=conf/log4j2.properties -cp "$work/classes:$cp" Dl4jSparkTrial "$epochs" "$averaging" "$workers" "$work/batches" 2>"$work/err.log" \
  || { echo "dl4j-spark failed:"; grep -m5 -E "Exception|Error" "$work/err.log"; }
