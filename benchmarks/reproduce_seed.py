"""Reproduce the seed study on the suite's ``qsort``: train PPO or SAC, then time the best pass sequence found.

The policy trains on the deterministic runtime proxy (callgrind instructions, ``RuntimeProxy`` reward); the
number reported is *wall time*: the best episode's pass sequence is applied to qsort's unoptimized IR (what
``clang -O3 -Xclang -disable-llvm-passes`` emits, no passes run: "-O0" here), built with the fixed backend, checked
to print what the -O0 build prints, and timed interleaved with the -O0 and -O3 builds (min over rounds).
Writes ``benchmarks/results/seed_<algo>.json`` and ``seed_<algo>_learning_curve.png``.

    python benchmarks/reproduce_seed.py --algo sac --steps 1500
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SEED_NUMBERS = {"ppo": 0.866, "sac": 0.805}


def measure(benchmark_name: str, action_indices: list[int], action_space: str, rounds: int) -> dict:
    """Wall time of the sequence relative to -O0 (and of -O3), interleaved min-of-``rounds``."""
    from rlopt import passes, toolchain
    from rlopt.training import benchmarks, runtime

    bench = benchmarks.get(benchmark_name)
    tc = toolchain.find()
    initial = benchmarks.ir(bench, "O3")
    space = passes.ACTION_SPACES[action_space]
    pipeline = passes.pipeline(action_indices, space)
    variants = {"O0": initial, "policy": tc.opt(initial, pipeline) if pipeline else initial,
                "O3": tc.opt(initial, "default<O3>")}
    with tempfile.TemporaryDirectory(prefix="rlopt-seed-") as d:
        exes = {k: runtime.build(ir, Path(d) / k) for k, ir in variants.items()}
        outputs = {k: runtime.run(exe, bench.args, cwd=bench.cwd) for k, exe in exes.items()}
        for k, out in outputs.items():
            if (out.stdout, out.returncode) != (outputs["O0"].stdout, outputs["O0"].returncode):
                raise SystemExit(f"reproduce_seed: the {k} build of {bench.name} prints something else than -O0")
        cmp = runtime.compare_runtimes([exes["O0"], exes["policy"], exes["O3"]], bench.args, rounds=rounds,
                                       cwd=bench.cwd)
    return {"pipeline": pipeline, "actions": [space[i].name for i in action_indices],
            "policy_vs_O0": cmp.ratios[1], "O3_vs_O0": cmp.ratios[2],
            "seconds": {"O0": cmp.mins[0], "policy": cmp.mins[1], "O3": cmp.mins[2]}, "rounds": rounds}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--algo", choices=("ppo", "sac"), required=True)
    ap.add_argument("--benchmark", default="qsort")
    ap.add_argument("--steps", type=int, default=1500, help="environment steps of training")
    ap.add_argument("--episode-length", type=int, default=10)
    ap.add_argument("--reward", default="RuntimeProxy")
    ap.add_argument("--action-space", default="compilergym-v0")
    ap.add_argument("--workers", type=int, default=0, help="Ray actors (0: in-process)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=15, help="interleaved timing rounds")
    ap.add_argument("--out", type=Path, default=None, help="run directory [default: runs/seed-ALGO]")
    args = ap.parse_args(argv)

    from rlopt.training import benchmarks
    from rlopt.training.cli import env_factory, trainable_actions

    out = args.out or Path("runs") / f"seed-{args.algo}"
    if out.exists():
        shutil.rmtree(out)
    env_fn = env_factory([benchmarks.get(args.benchmark)], reward=args.reward,
                         episode_length=args.episode_length, action_space=args.action_space)
    allowed = trainable_actions(args.action_space)
    start = time.time()
    if args.algo == "ppo":
        from rlopt.training import ppo

        cfg = ppo.PPOConfig(total_steps=args.steps, workers=args.workers, seed=args.seed, num_steps=40,
                            allowed_actions=allowed, ent_coef=0.02)
        result = ppo.train(cfg, env_fn, out_dir=out, progress=sys.stderr.isatty())
    else:
        from rlopt.training import sac

        cfg = sac.SACConfig(total_steps=args.steps, workers=args.workers, seed=args.seed, learning_starts=100,
                            batch_size=32, reward_scale=10.0, allowed_actions=allowed)
        result = sac.train(cfg, env_fn, out_dir=out, progress=sys.stderr.isatty())
    train_seconds = time.time() - start
    timing = measure(args.benchmark, result.best_actions, args.action_space, args.rounds)
    RESULTS.mkdir(parents=True, exist_ok=True)
    record = {"algorithm": args.algo, "benchmark": args.benchmark, "reward": args.reward,
              "episode_length": args.episode_length, "steps": result.global_step, "episodes": result.episodes,
              "workers": args.workers, "seed": args.seed, "train_seconds": round(train_seconds, 1),
              "best_return": result.best_return, "proxy_vs_O0": 1.0 - result.best_return,
              "seed_study_runtime_vs_O0": SEED_NUMBERS[args.algo], **timing}
    (RESULTS / f"seed_{args.algo}.json").write_text(json.dumps(record, indent=1) + "\n")
    shutil.copyfile(out / "learning_curve.png", RESULTS / f"seed_{args.algo}_learning_curve.png")
    verdict = "meets" if timing["policy_vs_O0"] <= 0.85 else "misses"
    print(f"{args.algo.upper()} on {args.benchmark}: best sequence runs at {timing['policy_vs_O0']:.1%} of -O0 "
          f"(-O3: {timing['O3_vs_O0']:.1%}; seed study {SEED_NUMBERS[args.algo]:.1%}; target <= 85%: {verdict}); "
          f"{result.global_step} steps in {train_seconds / 60:.1f} min; proxy {1.0 - result.best_return:.1%} of -O0")
    print(f"  sequence: {' '.join(timing['actions'])}")
    return 0 if timing["policy_vs_O0"] <= 0.85 else 1


if __name__ == "__main__":
    sys.exit(main())
