#!/usr/bin/env bash
# On a machine with an NVIDIA GPU (CUDA 11.6 runtime): checks that ND4J loads the CUDA backend,
# prints its fp32 matmul rate, then times FedAvg rounds of the McMahan CNN on it.
#
#   submit-scripts/gpu/check-gpu.sh [--batch N] [--rounds R]
#
# Exit 1 when ND4J falls back to the CPU. Writes target/classpath-gpu.txt (the -Pgpu classpath).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
batch=64; rounds=4
while [ $# -gt 0 ]; do
  case "$1" in
    --batch) batch="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    *) echo "check-gpu.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
mvn -q -B -Pgpu compile dependency:build-classpath -Dmdep.outputFile=target/classpath-gpu.txt
cp="target/classes:$(cat target/classpath-gpu.txt)"
java @.mvn/jvm.config -cp "$cp" io.fednas.dl4j.BackendCheck --expect cuda --size 4096
FEDNAS_CLASSPATH="$cp" bench/throughput.sh --model mcmahan-cnn --batch "$batch" --rounds "$rounds" --clients-per-round 4
