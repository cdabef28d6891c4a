"""Steps per second of ``rlopt/llvm-v0`` on the median suite program, and what the cache buys.

Rows (random actions from the safe set, ``--episode-length``-step episodes, seeded):
  ic-cold        IrInstructionCount reward + observation, empty in-memory cache: every new state runs LLVM
  ic-opt         the first ``--opt-steps`` of the same episodes the pre-engine way: an ``opt-19`` process per
                 step, instructions counted in its output (the baseline the engine must beat by 10x)
  ic-cold-disk   the same with the sqlite cache on disk (what training uses): adds the writes
  ic-autophase   IrInstructionCount reward with the Autophase observation (the cheap learned-policy input)
  ic-warm        the ic-cold episodes replayed with the cache they filled: the cache speed-up
  proxy-cold     RuntimeProxy reward (validate + build + callgrind per new state), a few steps only
  proxy-warm     the proxy episodes replayed from their cache

The median program is the suite program with the median initial instruction count. By default the process
(and with it the engine worker it starts) is pinned to one CPU, so the numbers are per core. Writes
``benchmarks/results/env_speed.json`` atomically, including the peak RSS of this process and the engine.

    .venv/bin/python benchmarks/env_speed.py [--steps 1000] [--opt-steps 200] [--proxy-steps 12] [--benchmark NAME]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rlopt import passes
from rlopt.cache import Cache
from rlopt.engine import Engine
from rlopt.errors import ToolError
from rlopt.ir import write_file
from rlopt.training import benchmarks
from rlopt.training.env import LlvmEnv

ROOT = Path(__file__).resolve().parent.parent
# one instruction per line indented by two spaces (a switch continues at four and ends with "  ]")
_INSTRUCTION = re.compile(r"^  [^ ;\]]", re.MULTILINE)


def median_program(engine: Engine) -> tuple[benchmarks.Benchmark, int]:
    """The suite program with the median instruction count (ties: the first by name)."""
    counts = []
    for bench in benchmarks.suite():
        handle = engine.load(benchmarks.ir(bench, "O3"))
        counts.append((engine.instruction_count(handle), bench.name, bench))
        engine.free(handle)
    counts.sort(key=lambda c: (c[0], c[1]))
    count, _, bench = counts[len(counts) // 2]
    return bench, count


def episodes(seed: int, steps: int, length: int, space: tuple[passes.Action, ...]) -> list[list[int]]:
    """Random action sequences over the safe actions (what a masked random policy would play)."""
    rng = np.random.default_rng(seed)
    safe = [i for i, a in enumerate(space) if a.safe]
    return [list(rng.choice(safe, size=min(length, steps - start))) for start in range(0, steps, length)]


def run(env: LlvmEnv, plan: list[list[int]]) -> dict:
    """Play ``plan`` (resets excluded from the timing); steps/s, CPU ms per step, and steps that failed.

    CPU time (this process + the engine worker) does not depend on what else the machine runs, steps/s does.
    """
    elapsed = cpu = 0.0
    steps = errors = 0
    for episode in plan:
        env.reset()
        start, cpu_start = time.perf_counter(), _cpu(env.engine)
        for action in episode:
            _, _, terminated, _, info = env.step(action)
            steps += 1
            errors += "error" in info
            if terminated:
                break
        elapsed += time.perf_counter() - start
        cpu += _cpu(env.engine) - cpu_start
    return _row(steps, elapsed, cpu, errors)


def _row(steps: int, elapsed: float, cpu: float, errors: int) -> dict:
    return {"steps": steps, "seconds": round(elapsed, 4), "steps_per_second": round(steps / elapsed, 1),
            "cpu_ms_per_step": round(cpu / steps * 1e3, 3), "errors": errors}


def _cpu(engine: Engine) -> float:
    """CPU seconds of this process, its finished children, and the engine worker."""
    own = os.times()
    return own.user + own.system + own.children_user + own.children_system + (engine.cpu_seconds() or 0.0)


def run_opt(engine: Engine, initial: bytes, plan: list[list[int]]) -> dict:
    """Play ``plan`` the pre-engine way: ``opt -passes=ACTION`` per step, instruction count of its output."""
    elapsed = cpu = 0.0
    steps = errors = 0
    for episode in plan:
        current = initial
        start, cpu_start = time.perf_counter(), _cpu(engine)
        for action in episode:
            steps += 1
            try:
                current = engine.toolchain.opt(current, passes.ACTIONS[action].pipeline)
            except ToolError:
                errors += 1
                break
            len(_INSTRUCTION.findall(current.decode()))
        elapsed += time.perf_counter() - start
        cpu += _cpu(engine) - cpu_start
    return _row(steps, elapsed, cpu, errors)


def make(bench: benchmarks.Benchmark, engine: Engine, cache: Cache, reward: str, observation: str) -> LlvmEnv:
    return LlvmEnv(bench, observation_space=observation, reward_space=reward, cache=cache, engine=engine)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=1000, help="steps per instruction-count row")
    parser.add_argument("--episode-length", type=int, default=50)
    parser.add_argument("--opt-steps", type=int, default=200, help="steps of the opt-subprocess row (~25 ms each)")
    parser.add_argument("--proxy-steps", type=int, default=12, help="steps of the runtime-proxy rows (~1 s each)")
    parser.add_argument("--benchmark", help="suite program to use instead of the median one")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--all-cores", action="store_true", help="do not pin to one CPU")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "env_speed.json")
    args = parser.parse_args(argv)
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    load_before = os.getloadavg()
    engine = Engine()  # rlopt.toolchain.DEFAULT_TIMEOUT per call
    if args.benchmark:
        bench = benchmarks.get(args.benchmark)
        handle = engine.load(benchmarks.ir(bench, "O3"))
        count = engine.instruction_count(handle)
        engine.free(handle)
    else:
        bench, count = median_program(engine)
    plan = episodes(args.seed, args.steps, args.episode_length, passes.ACTIONS)
    opt_plan = episodes(args.seed, min(args.opt_steps, args.steps), args.episode_length, passes.ACTIONS)
    proxy_plan = episodes(args.seed + 1, args.proxy_steps, args.episode_length, passes.ACTIONS)
    rows: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="rlopt-env-speed-") as d:
        memory = Cache(None, memory_items=1 << 20)
        rows["ic-cold"] = run(make(bench, engine, memory, "IrInstructionCount", "IrInstructionCount"), plan)
        rows["ic-opt"] = run_opt(engine, benchmarks.ir(bench, "O3"), opt_plan)
        rows["ic-warm"] = run(make(bench, engine, memory, "IrInstructionCount", "IrInstructionCount"), plan)
        with Cache(Path(d) / "disk") as disk:
            rows["ic-cold-disk"] = run(make(bench, engine, disk, "IrInstructionCount", "IrInstructionCount"), plan)
        rows["ic-autophase"] = run(make(bench, engine, Cache(None, memory_items=1 << 20), "IrInstructionCount",
                                        "Autophase"), plan)
        with Cache(Path(d) / "proxy") as proxy:
            env = make(bench, engine, proxy, "RuntimeProxy", "IrInstructionCount")
            env.reset()  # measures the -O0 baseline outside the timed steps
            rows["proxy-cold"] = run(env, proxy_plan)
            rows["proxy-warm"] = run(make(bench, engine, proxy, "RuntimeProxy", "IrInstructionCount"), proxy_plan)
    vs_opt = {"steps_per_second": round(rows["ic-cold"]["steps_per_second"] / rows["ic-opt"]["steps_per_second"], 1),
              "cpu": round(rows["ic-opt"]["cpu_ms_per_step"] / rows["ic-cold"]["cpu_ms_per_step"], 1)}
    speedup = {"instruction_count": round(rows["ic-warm"]["steps_per_second"] / rows["ic-cold"]["steps_per_second"], 1),
               "runtime_proxy": round(rows["proxy-warm"]["steps_per_second"] / rows["proxy-cold"]["steps_per_second"], 1)}
    memory_use = {"python_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  "engine_peak_rss_mb": round(engine.memory().get("peak_rss", 0) / 2**20, 1)}
    engine.close()

    print(f"benchmark: {bench.name} ({count} instructions), {args.episode_length}-step random episodes, "
          f"{'all cores' if args.all_cores else 'one core'}")
    print(f"{'row':14s} {'steps':>6s} {'seconds':>8s} {'steps/s':>9s} {'cpu ms/step':>11s} {'errors':>6s}")
    for name, r in rows.items():
        print(f"{name:14s} {r['steps']:6d} {r['seconds']:8.2f} {r['steps_per_second']:9.1f} "
              f"{r['cpu_ms_per_step']:11.3f} {r['errors']:6d}")
    print(f"engine vs opt subprocess (ic-cold / ic-opt): {vs_opt['steps_per_second']}x in steps/s, "
          f"{vs_opt['cpu']}x in CPU per step")
    print(f"cache speed-up: instruction count {speedup['instruction_count']}x, runtime proxy "
          f"{speedup['runtime_proxy']}x")
    print(f"peak RSS: python {memory_use['python_peak_rss_mb']} MB, engine {memory_use['engine_peak_rss_mb']} MB; "
          f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after (on {os.cpu_count()} CPUs)")
    write_file(args.out, json.dumps({
        "benchmark": bench.name, "instructions": count, "episode_length": args.episode_length,
        "one_core": not args.all_cores, "python": sys.version.split()[0], "rows": rows, "engine_vs_opt": vs_opt,
        "cache_speedup": speedup,
        "memory": memory_use, "load_average_1min": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "command": "benchmarks/env_speed.py " + " ".join(argv if argv is not None else sys.argv[1:]),
    }, indent=2).encode() + b"\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
