#!/usr/bin/env bash
# Builds what the swap bench needs and runs it once (about 8 minutes on two cores once built). Run from
# anywhere; needs only Maven and JDK 17+. Arguments go to the bench: bench/swap.sh --total-swaps=100
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# The same reactor build as run.sh: the distribution the bench copies, and the bench with its runtime class path
# written to bench/target/classpath.txt (resolved inside the reactor, nothing installed into the local repository).
echo "Building the bench and the distribution (tests skipped)..." >&2
mvn -B -q -Dstyle.color=never -DskipTests -pl bench,distribution -am \
  package dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
classpath_file="$root/bench/target/classpath.txt"

# Only warnings from the bundles (slf4j-simple, on stderr): their INFO lines would break up the table.
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/bench/target/classes:$(cat "$classpath_file")" \
  io.edgegate.bench.SwapBench "$@"
