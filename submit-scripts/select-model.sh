#!/usr/bin/env bash
# Picks the model of a run's registry (RUN_DIR/models/registry.json) to deploy on a device.
#
#   submit-scripts/select-model.sh RUN_DIR --device conf/devices/NAME.conf [--max-latency-ms L] [--max-flops F] [--max-params P]
#
# The best model (highest validation accuracy) within the device's limits (the profile's maxLatencyMs,
# maxFlops, maxParams, or the flags), as one JSON line with its path; its test accuracy is reported,
# never used to choose. Exit 2 with the reason: no registry, an unknown device file, a malformed limit,
# a damaged model file, or no model that fits (naming the closest). Writes nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
  [ $# -ge 1 ] && exit 0 || exit 2
fi
# shellcheck source=submit-scripts/lib/classpath.sh
cp="$(cd "$root" && source submit-scripts/lib/classpath.sh && ensure_built && fednas_classpath)"
case "$cp" in target/*) cp="$root/target/classes:$(cat "$root/target/classpath.txt")" ;; esac
exec "${JAVA:-java}" @"$root/.mvn/jvm.config" -Xmx1g -Dlog4j2.configurationFile="$root/conf/log4j2.properties" \
  -cp "$cp" io.fednas.registry.SelectModel "$@"
