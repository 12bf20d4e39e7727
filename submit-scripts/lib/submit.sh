# Shared by submit-standalone.sh, submit-yarn.sh and submit-k8s.sh: layer the presets, make sure a
# launcher exists, and hand over to fednas_submit.py, which builds and runs the spark-submit line.
#   submit_with_preset PRESET [--gpu] [--dry-run] [--master URL] [--deploy-mode M] [--jar JAR]
#                             [--conf KEY=VALUE]... CONF [key=value ...]
submit_with_preset() {
  local root preset
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  preset="$1"; shift
  local args=(--preset "$root/conf/cluster/$preset.properties") dry=0
  for a in "$@"; do
    case "$a" in
      --gpu) args+=(--preset "$root/conf/cluster/gpu.properties") ;;
      --dry-run) dry=1; args+=("$a") ;;
      *) args+=("$a") ;;
    esac
  done
  export FEDNAS_HOME="${FEDNAS_HOME:-$root}"
  command -v python3 >/dev/null || { echo "$FEDNAS_SUBMIT_NAME: python3 is needed to build the spark-submit command" >&2; exit 2; }
  # Without a Spark distribution, SparkSubmit runs from the project's Maven classpath.
  if [ "$dry" = 0 ] && [ -z "${SPARK_HOME:-}" ] && [ -z "${FEDNAS_CLASSPATH:-}" ]; then
    (cd "$root" && source submit-scripts/lib/classpath.sh && ensure_built)
  fi
  exec python3 "$root/submit-scripts/lib/fednas_submit.py" "${args[@]}"
}
