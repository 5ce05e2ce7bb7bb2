#!/usr/bin/env bash
# Builds what the benches need and runs one once (the serving bench; swap.sh runs the swap bench). Run from anywhere; needs only Maven and JDK 17+.
# Arguments go to the bench: bench/run.sh --iterations=1000 --warmup=100
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# One reactor build: the distribution the HTTP figures are taken from, and the bench with its runtime class
# path written to bench/target/classpath.txt (resolved inside the reactor, so nothing is installed into the
# local repository). The other modules of the build write their own target/classpath.txt, unused.
echo "Building the bench and the distribution (tests skipped)..." >&2
mvn -B -q -Dstyle.color=never -DskipTests -pl bench,distribution -am \
  package dependency:build-classpath -DincludeScope=runtime -Dmdep.outputFile=target/classpath.txt
classpath_file="$root/bench/target/classpath.txt"

# Only warnings from the bundles (slf4j-simple, on stderr): their INFO lines would break up the table.
exec "${JAVA_HOME:+$JAVA_HOME/bin/}java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "$root/bench/target/classes:$(cat "$classpath_file")" \
  "${BENCH_MAIN:-io.edgegate.bench.ServingBench}" "$@"
