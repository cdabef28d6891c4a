"""Reproduce the seed study on cBench's ``qsort`` (or the suite's): train PPO or SAC, then compare in the same run

* ``greedy``: the trained policy's greedy rollout (argmax action at every step: what the policy *does*);
* ``best``: the best episode seen during training (what the search found, including lucky exploration);
* ``random``: random search with the same number of environment steps (episodes of uniformly random allowed
  actions, the best by the same objective);
* ``O3``: ``default<O3>``, i.e. exactly ``clang -O3``;

against "-O0" (qsort's unoptimized IR as ``clang -O3 -Xclang -disable-llvm-passes`` emits it, no passes). The
policy trains on the deterministic ``RuntimeProxy`` reward (callgrind instructions with the small input, relative
to -O0). Every candidate's IR is replayed through the environment, built with the fixed backend, checked to print
what -O0 prints (``runtime.validate`` with the small input, and equal output with the full input), and timed with
``rlopt.training.measure.time_binaries`` (CPU clock, interleaved with -O0 on fresh copies with a noise twin, min over rounds). Writes
``benchmarks/results/seed_<algo>.json`` and ``seed_<algo>_learning_curve.png``.

    python benchmarks/reproduce_seed.py --algo sac --steps 3000 --minutes 25
    python benchmarks/reproduce_seed.py --table      # both algorithms' results as one table
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
SEED_NUMBERS = {"ppo": 0.866, "sac": 0.805}
TARGET = 0.85
CANDIDATES = ("greedy", "best", "random")


def make_env(benchmark: str, *, reward: str | None, episode_length: int, action_space: str) -> Any:
    """The training environment (``reward=None``: steps without measuring, for replays and random search)."""
    import gymnasium as gym

    import rlopt.training  # noqa: F401  (registers rlopt/llvm-v0)

    return gym.make("rlopt/llvm-v0", benchmark=benchmark, reward_space=reward, action_space=action_space,
                    observation_space="ProgramlArrays", max_episode_steps=episode_length)


def greedy_rollout(checkpoint: Path, env: Any, allowed: np.ndarray) -> tuple[list[int], float]:
    """The trained policy's argmax episode: its actions and its return (1 - return = proxy vs -O0)."""
    import torch

    from rlopt.training.export import load_policy
    from rlopt.training.models import collate, masked_logits
    from rlopt.training.rollouts import action_masks

    model, _ = load_policy(checkpoint)
    obs, info = env.reset(seed=0)
    actions, total = [], 0.0
    while True:
        mask = torch.as_tensor(action_masks([info], allowed))
        with torch.no_grad():
            action = int(masked_logits(model(collate([obs]))[0], mask).argmax(1)[0])
        obs, reward, terminated, truncated, info = env.step(action)
        actions.append(action)
        total += float(reward)
        if terminated or truncated:
            return actions, total


def random_search(env: Any, allowed: np.ndarray, *, steps: int, seed: int) -> tuple[list[int], float]:
    """Best of ``steps // episode_length`` uniformly random episodes by the proxy: (actions, proxy vs -O0).

    Only each episode's final state is measured (the steps in between need no reward), so it costs one
    callgrind run per episode; a final state that fails validation is skipped.
    """
    from rlopt.errors import RloptError
    from rlopt.training.rollouts import action_masks

    rng = np.random.default_rng(seed)
    length = env.spec.max_episode_steps
    best: tuple[list[int], float] = ([], 1.0)
    for episode in range(max(1, steps // length)):
        obs, info = env.reset(seed=seed + episode)
        baseline = float(env.unwrapped.observation["RuntimeProxy"])
        actions: list[int] = []
        while True:
            action = int(rng.choice(np.flatnonzero(action_masks([info], allowed)[0])))
            obs, _, terminated, truncated, info = env.step(action)
            actions.append(action)
            if terminated or truncated:
                break
        try:
            ratio = float(env.unwrapped.observation["RuntimeProxy"]) / baseline
        except RloptError:
            continue
        if ratio < best[1]:
            best = (actions, ratio)
    return best


def replay(env: Any, actions: Sequence[int]) -> bytes:
    """The IR after ``actions`` from the initial state, exactly as the environment produced it in training."""
    env.reset(seed=0)
    for a in actions:
        env.step(a)
    return env.unwrapped.ir_state.ir


def measure(benchmark: str, irs: dict[str, bytes], rounds: int) -> dict[str, dict]:
    """Proxy, CPU time and validity of every candidate IR (plus -O0 and -O3), relative to -O0.

    A candidate that fails validation is reported with its status and left out of the timing.
    """
    from rlopt import toolchain
    from rlopt.training import benchmarks, runtime
    from rlopt.training import measure as table

    bench = benchmarks.get(benchmark)
    initial = benchmarks.ir(bench, "O3")
    variants = {"O0": initial, **irs, "O3": toolchain.find().opt(initial, "default<O3>")}
    report: dict[str, dict] = {k: {"status": "ok"} for k in variants}
    with tempfile.TemporaryDirectory(prefix="rlopt-seed-") as d:
        exes = {k: runtime.build(ir, Path(d) / k, extra_link=bench.ldflags) for k, ir in variants.items()}
        reference = runtime.run_benchmark(exes["O0"], bench)
        for k, exe in exes.items():
            check = runtime.validate(variants[k], bench)
            problem = runtime.check_output(bench, runtime.run_benchmark(exe, bench), reference)
            if not check.ok:
                report[k] = {"status": check.status, "message": check.message}
            elif problem:
                report[k] = {"status": "miscompile", "message": f"full input: {problem}"}
        timed = [k for k in variants if report[k]["status"] == "ok"]
        with runtime.run_directory(bench) as cwd:
            proxy = {k: runtime.callgrind_instructions(exes[k], bench.small_args, cwd=cwd, stdin=bench.stdin)
                     for k in timed}
        timing = table.time_binaries([exes[k] for k in timed], bench, repeat=bench.repeat, min_rounds=rounds,
                                     max_rounds=rounds)
    for i, k in enumerate(timed):
        report[k].update(proxy_vs_O0=proxy[k] / proxy["O0"], cpu_vs_O0=1 / timing.speedup(i)[0],
                         cpu_seconds=min(timing.samples[i]))
    report["O0"]["noise"] = timing.noise
    return report


def train(args: argparse.Namespace, env_fn: Callable[[], Any], allowed: tuple[int, ...], out: Path) -> Any:
    """Run PPO or SAC with the reproduction's hyperparameters (see docs/training.md for why these)."""
    common = dict(total_steps=args.steps, workers=args.workers, seed=args.seed, allowed_actions=allowed,
                  time_limit=60.0 * args.minutes)
    progress = sys.stderr.isatty()
    if args.algo == "ppo":
        from rlopt.training import ppo

        return ppo.train(ppo.PPOConfig(num_steps=40, learning_rate=1e-3, **common), env_fn, out_dir=out,
                         progress=progress)
    from rlopt.training import sac

    cfg = sac.SACConfig(learning_starts=200, batch_size=16, train_frequency=3, reward_scale=10.0, **common)
    return sac.train(cfg, env_fn, out_dir=out, progress=progress)


def run(args: argparse.Namespace) -> dict:
    """Train, roll out greedily, random-search, measure; returns the JSON record."""
    from rlopt import passes
    from rlopt.training import benchmarks
    from rlopt.training.rollouts import env_factory, static_mask, trainable_actions

    out = args.out or Path("runs") / f"seed-{args.algo}"
    if out.exists():
        shutil.rmtree(out)
    load_before = os.getloadavg()
    env_fn = env_factory([benchmarks.get(args.benchmark)], reward=args.reward,
                         episode_length=args.episode_length, action_space=args.action_space)
    allowed = trainable_actions(args.action_space)
    mask = static_mask(allowed, len(passes.ACTION_SPACES[args.action_space]))
    start = time.time()
    result = train(args, env_fn, allowed, out)
    train_seconds = time.time() - start

    env = env_fn()
    greedy_actions, greedy_return = greedy_rollout(Path(result.checkpoint), env, mask)
    env.close()
    start = time.time()
    quiet = make_env(args.benchmark, reward=None, episode_length=args.episode_length,
                     action_space=args.action_space)
    random_actions, random_proxy = random_search(quiet, mask, steps=result.global_step, seed=args.seed + 1)
    random_seconds = time.time() - start
    sequences = {"greedy": greedy_actions, "best": result.best_actions, "random": random_actions}
    irs = {k: replay(quiet, v) for k, v in sequences.items()}
    quiet.close()
    report = measure(args.benchmark, irs, args.rounds)

    space = passes.ACTION_SPACES[args.action_space]
    for k, seq in sequences.items():
        report[k]["actions"] = [space[i].name for i in seq]
    report["greedy"]["train_proxy_vs_O0"] = 1.0 - greedy_return
    report["best"]["train_proxy_vs_O0"] = 1.0 - result.best_return
    report["random"]["train_proxy_vs_O0"] = random_proxy
    return {"algorithm": args.algo, "benchmark": args.benchmark, "reward": args.reward,
            "action_space": args.action_space, "episode_length": args.episode_length,
            "steps": result.global_step, "episodes": result.episodes, "steps_requested": args.steps,
            "minutes_limit": args.minutes, "workers": args.workers, "seed": args.seed, "rounds": args.rounds,
            "train_seconds": round(train_seconds, 1), "random_search_seconds": round(random_seconds, 1),
            "random_search_episodes": max(1, result.global_step // args.episode_length),
            "mean_return_last": result.mean_return_last, "clock": "cpu",
            "cpus": os.cpu_count(), "load_before": load_before, "load_after": os.getloadavg(),
            "seed_study_runtime_vs_O0": SEED_NUMBERS[args.algo], "candidates": report,
            "run_dir": str(out)}


def table(records: Sequence[dict]) -> str:
    """One row per algorithm and candidate: proxy and CPU time relative to -O0, and the sequence."""
    lines = ["| algorithm | candidate | proxy vs -O0 | CPU time vs -O0 | status | sequence |",
             "| --- | --- | --- | --- | --- | --- |"]
    for r in records:
        for name in (*CANDIDATES, "O3"):
            c = r["candidates"][name]
            proxy = f"{c['proxy_vs_O0']:.1%}" if "proxy_vs_O0" in c else "-"
            cpu = f"{c['cpu_vs_O0']:.1%}" if "cpu_vs_O0" in c else "-"
            seq = " ".join(c.get("actions", [])) or ("default<O3>" if name == "O3" else "(none)")
            lines.append(f"| {r['algorithm'].upper()} | {name} | {proxy} | {cpu} | {c['status']} | {seq} |")
    return "\n".join(lines)


def summary(r: dict) -> str:
    """Two lines per algorithm: the verdict (greedy policy against the target) and the budget used."""
    g = r["candidates"]["greedy"]
    verdict = "meets" if g.get("cpu_vs_O0", 2.0) <= TARGET else "misses"
    return (f"{r['algorithm'].upper()} on {r['benchmark']}: greedy policy {g.get('cpu_vs_O0', float('nan')):.1%} "
            f"of -O0 CPU time (target <= {TARGET:.0%}: {verdict}; seed study "
            f"{r['seed_study_runtime_vs_O0']:.1%}); {r['steps']} steps, {r['episodes']} episodes in "
            f"{r['train_seconds'] / 60:.1f} min; load {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f} "
            f"on {r['cpus']} CPUs")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--algo", choices=("ppo", "sac"))
    ap.add_argument("--table", action="store_true", help="print the table of the saved results and exit")
    ap.add_argument("--benchmark", default="cbench-v1/qsort",
                    help="program (default: cBench's qsort; 'qsort' is the suite's smaller, faster one)")
    ap.add_argument("--steps", type=int, default=3000, help="environment steps of training (at most)")
    ap.add_argument("--minutes", type=float, default=25.0, help="training wall-clock limit (0: none)")
    ap.add_argument("--episode-length", type=int, default=10)
    ap.add_argument("--reward", default="RuntimeProxy")
    ap.add_argument("--action-space", default="compilergym-v0")
    ap.add_argument("--workers", type=int, default=0, help="Ray actors (0: in-process)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds")
    ap.add_argument("--out", type=Path, default=None, help="run directory [default: runs/seed-ALGO]")
    args = ap.parse_args(argv)
    if args.table:
        records = [json.loads(p.read_text()) for p in sorted(RESULTS.glob("seed_*.json"))]
        print("\n".join([*(summary(r) for r in records), "", table(records)]))
        return 0
    if not args.algo:
        ap.error("--algo is required (or --table)")

    record = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    from rlopt.ir import write_file

    write_file(RESULTS / f"seed_{args.algo}.json", (json.dumps(record, indent=1) + "\n").encode())
    shutil.copyfile(Path(record["run_dir"]) / "learning_curve.png", RESULTS / f"seed_{args.algo}_learning_curve.png")
    print(summary(record))
    print(table([record]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
