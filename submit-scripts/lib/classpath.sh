# Shared by the launcher scripts: build the classes and the dependency classpath when missing or stale.
# Expects the working directory to be the project root.

ensure_built() {
  # a caller that brings its own classpath (the -Pgpu one, a test's) builds nothing here
  [ -n "${FEDNAS_CLASSPATH:-}" ] && return 0
  local stale=0
  if [ ! -f target/classes/io/fednas/app/FedNasJob.class ] || [ ! -f target/classpath.txt ]; then
    stale=1
  elif [ -n "$(find src/main pom.xml -newer target/classpath.txt -print -quit)" ]; then
    stale=1
  fi
  if [ "$stale" = 1 ]; then
    echo "building (mvn compile) ..." >&2
    mvn -q -B compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2 \
      || { echo "build failed: run 'mvn compile' to see why" >&2; exit 1; }
    touch target/classpath.txt
  fi
}

fednas_classpath() {
  if [ -n "${FEDNAS_CLASSPATH:-}" ]; then echo "$FEDNAS_CLASSPATH"; return; fi
  echo "target/classes:$(cat target/classpath.txt)"
}
