#!/usr/bin/env bash
# Builds what the swap bench needs and runs it once (about 5-8 minutes on two cores once built). Run from
# anywhere; needs only Maven and JDK 17+. Arguments go to the bench: bench/swap.sh --total-swaps=100
set -euo pipefail
BENCH_MAIN=io.edgegate.bench.SwapBench exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" "$@"
