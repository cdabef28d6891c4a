#!/usr/bin/env bash
# Reproduce the seed study on the suite's qsort: PPO and SAC (each well under an hour on 2 cores), then time
# the best pass sequence each found against -O0 and -O3 (interleaved wall-time runs).
# Results: benchmarks/results/seed_{ppo,sac}.json and seed_{ppo,sac}_learning_curve.png.
# Usage: benchmarks/reproduce_seed.sh [STEPS] [WORKERS]   (defaults: 1500 steps, 0 = no Ray)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
STEPS=${1:-1500}
WORKERS=${2:-0}
status=0
for algo in ppo sac; do
  "$PY" benchmarks/reproduce_seed.py --algo "$algo" --steps "$STEPS" --workers "$WORKERS" || status=1
done
exit $status
