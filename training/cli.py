"""``rlopt-train``: train (``ppo``, ``sac``), evaluate (``eval``) and export (``export``) pass-ordering policies.

A thin layer over library functions: ``ppo.train``/``sac.train`` with the LLVM environment, ``evaluate.evaluate``
and ``export.export``. Every error is one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rlopt import passes
from rlopt.cli import run_click

DEFAULT_REWARD = "IrInstructionCountO3"
DEFAULT_SPACE = "rlopt-extended-v1"
CHECKPOINT = "checkpoint.pt"
#: The exported model inside a run directory (``rlopt-train export RUN`` writes it; ``eval RUN`` reads it).
RUN_MODEL = "policy.onnx"


def trainable_actions(space: str) -> tuple[int, ...]:
    """Indices a policy may choose: safe optimizations and whole pipelines; instrumentation, no-ops and passes
    with a known LLVM miscompile are masked."""
    return tuple(i for i, a in enumerate(passes.ACTION_SPACES[space])
                 if a.kind in ("optimization", "macro") and a.safe)


def select_benchmarks(names: str | None, split: str | None) -> list[Any]:
    """Benchmarks by comma-separated names/URIs, or a split of the suite (exactly one of the two)."""
    from rlopt.training import benchmarks

    if names and split:
        raise click.UsageError("give --benchmarks or --split, not both")
    if names:
        return [benchmarks.get(n.strip()) for n in names.split(",") if n.strip()]
    chosen = benchmarks.suite(split)
    if not chosen:
        raise click.UsageError(f"the '{split}' split is empty")
    return chosen


def env_factory(bench: list[Any], *, reward: str, episode_length: int, action_space: str) -> Callable[[], Any]:
    """A function making one LLVM environment that draws one of ``bench`` at every reset (Ray ships it to actors)."""
    uris = [b.uri for b in bench]

    def make() -> Any:
        import gymnasium as gym

        import rlopt.training  # noqa: F401  (registers rlopt/llvm-v0)

        env = gym.make("rlopt/llvm-v0", benchmark=uris[0], reward_space=reward, action_space=action_space,
                       observation_space="ProgramlArrays", max_episode_steps=episode_length)
        return _draw_benchmarks(env, uris) if len(uris) > 1 else env

    return make


def _draw_benchmarks(env: Any, uris: list[str]) -> Any:
    """``env`` drawing one of ``uris`` at every reset (seeded by ``reset(seed=...)``, like the environment)."""
    import gymnasium as gym
    import numpy as np

    class DrawBenchmark(gym.Wrapper):
        rng = np.random.default_rng()

        def reset(self, *, seed: int | None = None, options: dict | None = None) -> Any:
            if seed is not None:
                self.rng = np.random.default_rng(seed)
            pick = uris[int(self.rng.integers(len(uris)))]
            return self.env.reset(seed=seed, options={**(options or {}), "benchmark": pick})

    return DrawBenchmark(env)


def _train_options(f: Callable) -> Callable:
    """The options ``ppo`` and ``sac`` share."""
    options = [
        click.option("--benchmarks", help="Comma-separated benchmark names or URIs (default: the --split)."),
        click.option("--split", type=click.Choice(["train", "validation", "test"]), default=None,
                     help="A split of rlopt-suite-v0 [default: train]."),
        click.option("--reward", default=DEFAULT_REWARD, show_default=True,
                     help="Reward space (CompilerGym names, e.g. IrInstructionCountO3, RuntimeProxyO3)."),
        click.option("--episode-length", type=click.IntRange(min=1), default=10, show_default=True,
                     help="Steps per episode (also the shipped model's max_steps)."),
        click.option("--steps", type=click.IntRange(min=1), default=20_000, show_default=True,
                     help="Total environment steps."),
        click.option("--seed", type=int, default=1, show_default=True),
        click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True,
                     help="Ray actors stepping environments in parallel (0: no Ray)."),
        click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
                     help="Run directory (checkpoint, CSV logs, learning curves), e.g. runs/NAME."),
        click.option("--resume", is_flag=True, help="Continue from the run directory's checkpoint."),
        click.option("--action-space", type=click.Choice(list(passes.ACTION_SPACES)), default=DEFAULT_SPACE,
                     show_default=True),
        click.option("--set", "overrides", multiple=True, metavar="FIELD=VALUE",
                     help="Override a hyperparameter of PPOConfig/SACConfig (repeatable), e.g. --set num_steps=32."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _train(algorithm: str, *, benchmarks: str | None, split: str | None, reward: str, episode_length: int,
           steps: int, seed: int, workers: int, out_dir: str, resume: bool, action_space: str, quiet: bool,
           overrides: tuple[str, ...]) -> None:
    """Shared body of ``ppo`` and ``sac``: validate, build the environment factory, train, summarise."""
    from rlopt.training import rewards

    try:
        rewards.make(reward)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--reward") from None
    out = Path(out_dir)
    if resume and not (out / CHECKPOINT).is_file():
        raise click.UsageError(f"--resume: no {CHECKPOINT} in {out}")
    if not resume and (out / CHECKPOINT).exists():
        raise click.UsageError(f"{out} already holds a run: use --resume or another --out")
    bench = select_benchmarks(benchmarks, split or (None if benchmarks else "train"))
    env_fn = env_factory(bench, reward=reward, episode_length=episode_length, action_space=action_space)
    # Written first, so that any checkpoint of the run (also of one killed half-way) can be exported.
    _write_run_info(out, bench, reward=reward, episode_length=episode_length, action_space=action_space)
    common = dict(total_steps=steps, seed=seed, workers=workers,
                  allowed_actions=trainable_actions(action_space))
    if algorithm == "ppo":
        from rlopt.training import ppo

        config = ppo.PPOConfig(**common)
        result = ppo.train(_override(config, overrides), env_fn, out_dir=out, progress=not quiet, resume=resume)
    else:
        from rlopt.training import sac

        config = sac.SACConfig(**common)
        result = sac.train(_override(config, overrides), env_fn, out_dir=out, progress=not quiet, resume=resume)
    space = passes.ACTION_SPACES[action_space]
    click.echo(f"{algorithm}: {result.global_step} steps, {result.episodes} episodes; best return "
               f"{result.best_return:.4f} ({' '.join(space[i].name for i in result.best_actions)}); "
               f"mean of last episodes {result.mean_return_last:.4f}; checkpoint {result.checkpoint}")


def _override(config: Any, overrides: tuple[str, ...]) -> Any:
    """``config`` with ``FIELD=VALUE`` overrides, each value parsed as the field's current type."""
    import dataclasses

    changes = {}
    for item in overrides:
        name, sep, text = item.partition("=")
        if not sep or not hasattr(config, name):
            known = ", ".join(f.name for f in dataclasses.fields(config))
            raise click.BadParameter(f"'{item}': expected FIELD=VALUE with FIELD one of {known}", param_hint="--set")
        current = getattr(config, name)
        if not (current is None or isinstance(current, int | float | str)):
            raise click.BadParameter(f"'{name}' cannot be set from the command line", param_hint="--set")
        try:
            if isinstance(current, bool):
                if text.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                changes[name] = text.lower() in ("true", "1")
            elif current is None:
                changes[name] = float(text)
            else:
                changes[name] = type(current)(text)
        except ValueError:
            raise click.BadParameter(f"'{item}': {text!r} is not a valid {type(current).__name__}",
                                     param_hint="--set") from None
    return dataclasses.replace(config, **changes)


def _write_run_info(out: Path, bench: list[Any], *, reward: str, episode_length: int, action_space: str) -> None:
    """What the environment was, for ``export`` to put on the model card (the checkpoint holds the rest)."""
    import json

    from rlopt.ir import write_file

    out.mkdir(parents=True, exist_ok=True)
    info = {"benchmarks": [b.uri for b in bench], "reward": reward, "episode_length": episode_length,
            "action_space": action_space}
    write_file(out / "run.json", json.dumps(info, indent=1).encode())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def _group() -> None:
    """Train, evaluate and export rlopt's pass-ordering policies."""


@_group.command()
@_train_options
def ppo(**kwargs: Any) -> None:
    """Train with PPO (actor-critic GNN, GAE, clipped objective)."""
    _train("ppo", **kwargs)


@_group.command()
@_train_options
def sac(**kwargs: Any) -> None:
    """Train with discrete SAC (twin Q, target networks, automatic temperature)."""
    _train("sac", **kwargs)


@_group.command("eval")
@click.argument("model")
@click.option("--benchmarks", help="Comma-separated benchmark names or URIs (default: the --split).")
@click.option("--split", type=click.Choice(["train", "validation", "test"]), default=None,
              help="A split of rlopt-suite-v0 [default: test].")
@click.option("--budget", type=click.IntRange(min=1), default=None,
              help="Steps for the policy and per random-search episode [default: the model's max_steps].")
@click.option("--random-trials", type=click.IntRange(min=1), default=10, show_default=True,
              help="Random-search episodes per benchmark.")
@click.option("--metrics", default="instructions,text_size,proxy,runtime", show_default=True,
              help="Comma-separated: instructions, text_size, proxy (callgrind), runtime.")
@click.option("--runtime-rounds", type=click.IntRange(min=1), default=5, show_default=True,
              help="Interleaved timing rounds (min of N).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Write eval.json and eval.csv here [default: the run directory, if MODEL is one].")
def eval_(model: str, benchmarks: str | None, split: str | None, budget: int | None, random_trials: int,
          metrics: str, runtime_rounds: int, seed: int, out_dir: str | None) -> None:
    """Compare a policy (MODEL: name, .onnx file or run directory) with -O0, -O3, -Oz and random search."""
    from rlopt.policy import Policy
    from rlopt.training import evaluate

    path = Path(model)
    if path.is_dir():
        out_dir = out_dir or str(path)
        path = path / RUN_MODEL
        if not path.is_file():
            raise click.UsageError(f"{model} has no {RUN_MODEL}: run 'rlopt-train export {model}' first")
    policy = Policy.load(str(path) if path.suffix == ".onnx" else model)
    bench = select_benchmarks(benchmarks, split or (None if benchmarks else "test"))
    wanted = tuple(m.strip() for m in metrics.split(",") if m.strip())
    try:
        report = evaluate.evaluate(bench, policy, budget=budget, random_trials=random_trials, metrics=wanted,
                                   runtime_rounds=runtime_rounds, seed=seed,
                                   progress=lambda name: click.echo(f"evaluating {name} ...", err=True))
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--metrics") from None
    click.echo(report.table())
    if out_dir:
        for p in report.write(out_dir):
            click.echo(f"wrote {p}", err=True)


@_group.command()
@click.argument("run", type=click.Path(exists=True))
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help=f"The .onnx to write (card and vocabulary beside it) [default: RUN/{RUN_MODEL}].")
def export(run: str, out_path: str | None) -> None:
    """Export a run's checkpoint (RUN: run directory or checkpoint.pt) to ONNX with a model card."""
    from rlopt.training import export as export_mod

    run_path = Path(run)
    ckpt = run_path / CHECKPOINT if run_path.is_dir() else run_path
    if not ckpt.is_file():
        raise click.UsageError(f"no {CHECKPOINT} in {run}")
    out = Path(out_path) if out_path else ckpt.parent / RUN_MODEL
    if out.suffix != ".onnx":
        raise click.BadParameter("must end in .onnx", param_hint="--out")
    out.parent.mkdir(parents=True, exist_ok=True)
    written = export_mod.export(ckpt, out)
    click.echo(f"wrote {written}")


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line on stderr and a non-zero exit for every error, never a traceback."""
    try:
        return run_click(_group, sys.argv[1:] if argv is None else argv, "rlopt-train")
    except ImportError as e:
        click.echo(f"rlopt-train: error: {e} (install the training extra: pip install 'rlopt[train]')", err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
