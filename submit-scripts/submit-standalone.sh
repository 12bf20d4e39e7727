#!/usr/bin/env bash
# Submits a FedNAS-Spark run to a Spark standalone cluster,
# with the preset conf/cluster/standalone.properties.
#
#   submit-scripts/submit-standalone.sh [--dry-run] [--gpu] [--jar JAR] [--conf KEY=VALUE]... [--resume RUN_DIR] --master spark://HOST:7077 CONF [key=value ...]
#
# --dry-run prints the exact command and runs nothing; --gpu adds conf/cluster/gpu.properties.
# Uses $SPARK_HOME/bin/spark-submit when SPARK_HOME is set, else SparkSubmit from the project's classpath.
# A missing jar or config file, or a master that does not answer, fails in seconds (exit 2).
set -euo pipefail
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; [ $# -ge 1 ] && exit 0 || exit 2
fi
export FEDNAS_SUBMIT_NAME="submit-standalone.sh"
source "$(dirname "${BASH_SOURCE[0]}")/lib/submit.sh"
submit_with_preset standalone "$@"
