#!/usr/bin/env bash
# Spark resource discovery script for GPU executors (spark.executor.resource.gpu.discoveryScript):
# prints the GPUs this node has, as {"name": "gpu", "addresses": ["0", "1", ...]}.
set -euo pipefail
command -v nvidia-smi >/dev/null || { echo "discover-gpus.sh: nvidia-smi not found on $(hostname)" >&2; exit 1; }
ids=$(nvidia-smi --query-gpu=index --format=csv,noheader | sed 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${ids}]}"
