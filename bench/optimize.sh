#!/usr/bin/env bash
# Optimizer bench: all-MiniLM-L6-v2 FP32, the INT8 and FP16 variants our recipes make of it in the run (timed), and
# ONNX Runtime's own INT8 of it: size, latency in alternating blocks, token cosine to FP32. About 2-3 minutes on two
# cores once built. Arguments go to the bench: bench/optimize.sh --iterations=500 --warmup=50
set -euo pipefail
BENCH_MAIN=io.edgegate.bench.OptimizerBench exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" "$@"
