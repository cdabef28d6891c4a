#!/usr/bin/env bash
# Reproduce the seed study on cBench's qsort (benchmark://cbench-v1/qsort; BENCHMARK=qsort for the suite's faster
# one): PPO and SAC train at the same time (one core each, torch on one
# thread), each then compared with its own greedy rollout, the best sequence found in training, random search
# with the same number of environment steps, and -O3 (CPU time, interleaved with fresh copies and a noise twin, min of 15 rounds, validated
# against -O0). Default budget: at most 3000 steps or 25 minutes of training per algorithm; whole script well
# under an hour on 2 cores. Results: benchmarks/results/seed_{ppo,sac}.{json,log} and
# seed_{ppo,sac}_learning_curve.png; the combined table is printed at the end.
# Usage: benchmarks/reproduce_seed.sh [STEPS] [MINUTES] [WORKERS]   (defaults: 3000 25 0; 0 workers = no Ray)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
STEPS=${1:-3000}
MINUTES=${2:-25}
WORKERS=${3:-0}
BENCHMARK=${BENCHMARK:-cbench-v1/qsort}
mkdir -p benchmarks/results
rm -f benchmarks/results/seed_ppo.json benchmarks/results/seed_sac.json
echo "start $(date -Is); load: $(cut -d' ' -f1-3 /proc/loadavg); RLOPT_CACHE_DIR=${RLOPT_CACHE_DIR:-default}"
pids=()
for algo in ppo sac; do
  "$PY" benchmarks/reproduce_seed.py --algo "$algo" --steps "$STEPS" --minutes "$MINUTES" --workers "$WORKERS" --benchmark "$BENCHMARK" \
    > "benchmarks/results/seed_$algo.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
echo "end $(date -Is); load: $(cut -d' ' -f1-3 /proc/loadavg)"
[ $status -eq 0 ] || { echo "a run failed: see benchmarks/results/seed_*.log" >&2; tail -n 5 benchmarks/results/seed_*.log >&2; }
"$PY" benchmarks/reproduce_seed.py --table
exit $status
