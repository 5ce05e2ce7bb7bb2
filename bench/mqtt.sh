#!/usr/bin/env bash
# MQTT v5 bench: inference round trip over a loopback broker vs raw ONNX Runtime in the same run, and the time to
# deploy the 23 MB model over MQTT. Arguments go to the bench: bench/mqtt.sh --iterations=1000 --chunk=512
set -euo pipefail
BENCH_MAIN=io.edgegate.bench.MqttBench exec "$(dirname "${BASH_SOURCE[0]}")/run.sh" "$@"
