#!/usr/bin/env bash
# Rebuild the shipped models (models/speed.onnx, models/size.onnx, each with its card) from the committed
# pipeline table, training/tables/pipeline-table.json: no measuring and no third-party checkout needed.
# Each run compares the kNN and MLP selectors (validation, test split, leave-family-out) and exports the one
# that does best on validation; the comparisons go to benchmarks/results/select_{speed,size}.json.
# Usage: benchmarks/train_models.sh [MAX_FULL]   (speed coreset limited to pipelines running at most MAX_FULL
#        whole clang pipelines, default 1: -O-rl then compiles in about the time of -O3)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(dirname "${PYTHON:-.venv/bin/python}")
MAX_FULL=${1:-1}
mkdir -p benchmarks/results
"$BIN/rlopt-train" select --objective speed --max-full "$MAX_FULL" --out models/speed.onnx \
  --report benchmarks/results/select_speed.json
"$BIN/rlopt-train" select --objective size --out models/size.onnx --report benchmarks/results/select_size.json
