"""``rlopt-train``: train (``ppo``, ``sac``), evaluate (``eval``), export (``export``) pass-ordering policies;
import datasets (``datasets``) and measure the pipeline table (``measure``).

A thin layer over library functions: ``ppo.train``/``sac.train`` with the LLVM environment, ``evaluate.evaluate``
and ``export.export``. Every error is one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from rlopt import passes
from rlopt.cli import run_click
from rlopt.errors import RloptError
from rlopt.policy import RUN_MODEL

if TYPE_CHECKING:
    from rlopt.policy import Selector

DEFAULT_REWARD = "IrInstructionCountO3"
DEFAULT_SPACE = "rlopt-extended-v1"
CHECKPOINT = "checkpoint.pt"


def _writable(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """A click callback: an output path whose directory exists as one or can be made, and can be written in:
    checked before the work that ends in writing it (a search, a measurement), not after."""
    if value:
        where = Path(value).resolve()
        folder = where if where.is_dir() else where.parent
        while not folder.exists():
            folder = folder.parent
        if not folder.is_dir():
            raise click.BadParameter(f"'{value}': {folder} is not a directory")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise click.BadParameter(f"'{value}': cannot write in {folder}")
    return value


def _committed(path: Path, option: str) -> Path:
    """A default output that is one of rlopt's committed files: only in rlopt's own source checkout, where
    regenerating it is the point; an installed package (also one in a virtualenv inside some git project) is
    not rewritten in place."""
    where = path.resolve()
    root = next((p for p in where.parents if (p / ".git").exists()), None)
    inside = where.relative_to(root).parts if root is not None else ()
    if root is None or not (root / "pyproject.toml").is_file() or not (root / "rlopt").is_dir() or \
            any(part in ("site-packages", "dist-packages") for part in inside):
        raise click.UsageError(f"{option}: give a FILE (the default, {path}, is rlopt's installed package data; "
                               "it is rewritten only in rlopt's source checkout)")
    return path


def select_benchmarks(names: str | None, split: str | None, *, ir_files: bool = False) -> list[Any]:
    """Benchmarks by comma-separated names/URIs, or a split of the suite (exactly one of the two). With
    ``ir_files`` (training: the environment takes them), IR files too, as :class:`~rlopt.training.programs.IrFile`."""
    from rlopt.training import benchmarks, programs

    if names and split:
        raise click.UsageError("give --benchmarks or --split, not both")
    if names:
        find = programs.find if ir_files else benchmarks.get
        chosen = [find(n.strip()) for n in names.split(",") if n.strip()]
        if not chosen:
            raise click.UsageError(f"--benchmarks '{names}' names no benchmark")
        return chosen
    chosen = benchmarks.suite(split)
    if not chosen:
        raise click.UsageError(f"the '{split}' split is empty")
    return chosen


def _train_options(f: Callable) -> Callable:
    """The options ``ppo`` and ``sac`` share."""
    options = [
        click.option("--benchmarks", help="Comma-separated benchmark names or URIs, or IR files (file:///x.ll, "
                                          "x.ll, x.bc), as the environment takes them (default: the --split)."),
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
        click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, callback=_writable,
                     help="Run directory (checkpoint, CSV logs, learning curves), e.g. runs/NAME."),
        click.option("--resume", is_flag=True, help="Continue from the run directory's checkpoint."),
        click.option("--action-space", type=click.Choice(list(passes.ACTION_SPACES)), default=DEFAULT_SPACE,
                     show_default=True),
        click.option("--set", "overrides", multiple=True, metavar="FIELD=VALUE",
                     help="Override a hyperparameter of PPOConfig/SACConfig (repeatable), e.g. --set num_steps=32."),
        click.option("--device", default="cpu", show_default=True,
                     help="Where the network trains: cpu, cuda, cuda:N or mps (environments run on the CPU)."),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _train(algorithm: str, *, benchmarks: str | None, split: str | None, reward: str, episode_length: int,
           steps: int, seed: int, workers: int, out_dir: str, resume: bool, action_space: str, quiet: bool,
           overrides: tuple[str, ...], device: str) -> None:
    """Shared body of ``ppo`` and ``sac``: validate, build the environment factory, show and save the whole
    configuration, train, summarise."""
    from rlopt.training import rewards
    from rlopt.training.rollouts import env_factory, trainable_actions

    if resume:  # the run's environment unless this command line changes it (the network and the --set
        # hyperparameters are checked against the checkpoint below)
        saved = _saved_run(Path(out_dir))
        reward, episode_length, action_space = (
            saved.get(name, value) if _defaulted(name) else value
            for name, value in (("reward", reward), ("episode_length", episode_length),
                                ("action_space", action_space)))
        if _defaulted("benchmarks") and _defaulted("split") and saved.get("benchmarks"):
            benchmarks = ",".join(saved["benchmarks"])
    try:
        rewards.make(reward)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--reward") from None
    out = Path(out_dir)
    if resume and not (out / CHECKPOINT).is_file():
        raise click.UsageError(f"--resume: no {CHECKPOINT} in {out}")
    if not resume and (out / CHECKPOINT).exists():
        raise click.UsageError(f"{out} already holds a run: use --resume or another --out")
    bench = select_benchmarks(benchmarks, split or (None if benchmarks else "train"), ir_files=True)
    env_fn = env_factory(bench, reward=reward, episode_length=episode_length, action_space=action_space)
    if algorithm == "ppo":
        from rlopt.training import ppo as module
    else:
        from rlopt.training import sac as module  # type: ignore[no-redef]
    config_class = module.PPOConfig if algorithm == "ppo" else module.SACConfig
    state = _read_resumable(out / CHECKPOINT, algorithm) if resume else None
    # A resumed run goes on with its own hyperparameters but for what this command line gives again.
    base = _saved_config(config_class, state["config"]) if state else config_class()
    given = {field: value for field, option, value in (("total_steps", "steps", steps), ("seed", "seed", seed),
                                                       ("workers", "workers", workers), ("device", "device", device))
             if not (resume and _defaulted(option))}
    try:
        config = dataclasses.replace(base, allowed_actions=trainable_actions(action_space), **given)
    except ValueError as e:  # out of range (the config's own check)
        raise click.UsageError(str(e)) from None
    config = _override(config, overrides)
    if state is not None:
        _check_resumable(out / CHECKPOINT, state, config, action_space)
    _check_runnable(config, bench, reward)
    # Written first, so that any checkpoint of the run (also of one killed half-way) can be exported.
    _write_run_info(out, bench, reward=reward, episode_length=episode_length, action_space=action_space)
    _show_config(out, algorithm, config, bench, reward=reward, episode_length=episode_length,
                 action_space=action_space, resume=resume)
    result = module.train(config, env_fn, out_dir=out, progress=not quiet, resume=state or False)
    space = passes.ACTION_SPACES[action_space]
    returns = (f"best return {result.best_return:.4f} ({' '.join(space[i].name for i in result.best_actions)}); "
               f"mean of last episodes {result.mean_return_last:.4f}") if result.episodes else "no episode finished"
    click.echo(f"{algorithm}: {result.global_step} steps, {result.episodes} episodes; {returns}; checkpoint "
               f"{result.checkpoint}" + (f"; best policy {result.best_checkpoint}" if result.best_checkpoint else ""))


def _check_runnable(config: Any, bench: list[Any], reward: str) -> None:
    """Refuse, before the run directory is written, what would fail once the run starts: a device set with
    ``--set``, Ray missing for ``workers``, a vocabulary too small for the environment's graphs, a reward that
    needs the built program on bare IR, a broken IR file."""
    import importlib.util

    from rlopt.training import programs, rewards, runlog
    from rlopt.vocab import Vocabulary

    try:
        runlog.resolve_device(config.device)
    except RloptError as e:
        raise click.BadParameter(str(e), param_hint="--device") from None
    if config.workers > 0 and importlib.util.find_spec("ray") is None:
        raise click.UsageError("--workers needs Ray: pip install 'rlopt[distributed]'")
    tokens = len(Vocabulary.default())
    if 0 < config.vocab_size < tokens:  # the environment's graphs use the default vocabulary
        raise click.BadParameter(f"vocab_size must be 0 (the vocabulary's {tokens} tokens) or at least {tokens}, "
                                 f"not {config.vocab_size}", param_hint="--set")
    bare = [b for b in bench if isinstance(b, programs.IrFile)]
    if bare and rewards.REWARDS[reward].needs_run:
        raise click.UsageError(f"--reward {reward} measures the built program, but {bare[0].name} is bare IR (no C "
                               "sources to build): use an IR-count or object-size reward (IrInstructionCount*, "
                               "ObjectTextSize*)")
    _check_ir_files(bench)


def _check_ir_files(bench: list[Any]) -> None:
    """A broken IR file among the benchmarks is refused now, naming it, not once the work has begun."""
    from rlopt.engine import OptBackend
    from rlopt.training import programs

    for ir_file in (b for b in bench if isinstance(b, programs.IrFile)):
        try:
            OptBackend().optimize(ir_file.path.read_bytes(), "verify", name=str(ir_file.path))
        except (OSError, RloptError) as e:
            raise click.BadParameter(str(e), param_hint="--benchmarks") from None


def _read_resumable(checkpoint: Path, algorithm: str) -> dict[str, Any]:
    """The checkpoint to resume, read once (a SAC checkpoint with its replay buffer takes seconds)."""
    from rlopt.training.export import read_checkpoint

    state = read_checkpoint(checkpoint)
    if state["algorithm"] != algorithm:
        raise click.UsageError(f"--resume: {checkpoint} is a {state['algorithm']} run, not {algorithm}")
    return state


def _saved_config(config_class: type, saved: dict[str, Any]) -> Any:
    """The hyperparameters a checkpoint was trained with (fields this version no longer has are left out)."""
    known = {f.name for f in dataclasses.fields(config_class)}
    return config_class(**{k: v for k, v in saved.items() if k in known})


def _check_resumable(checkpoint: Path, state: dict[str, Any], config: Any, action_space: str) -> None:
    """Refuse a resume whose settings would not rebuild the checkpoint's network or would train no further,
    before the run directory changes (loading its weights would fail only after config.json and run.json were
    rewritten)."""
    from rlopt.training.models import gnn_config

    if state["global_step"] >= config.total_steps:
        raise click.UsageError(f"--resume: the run has done {state['global_step']} of its {config.total_steps} "
                               "steps: give a larger total with --steps")
    actions = len(passes.ACTION_SPACES[action_space])
    wanted = gnn_config(config.vocab_size, actions, config.hidden, config.layers, config.autophase).to_dict()
    differ = [f"--action-space {action_space} has {actions} actions, the checkpoint {have}" if key == "num_actions"
              else f"{key}={wanted[key]}, the checkpoint {key}={have}"
              for key, have in state.get("gnn_config", {}).items() if key in wanted and wanted[key] != have]
    if differ:
        raise click.UsageError(f"--resume: these settings do not fit {checkpoint}: {'; '.join(differ)}")


def _show_config(out: Path, algorithm: str, config: Any, bench: list[Any], **environment: Any) -> None:
    """Print the run's whole configuration and save it as ``config.json``: what was trained, on what, with
    which hyperparameters and versions."""
    import json

    import torch

    from rlopt import __version__, toolchain
    from rlopt.training import runlog

    full = {"algorithm": algorithm, "out": str(out), "command": sys.argv[1:],
            "environment": {"benchmarks": [b.uri for b in bench], **environment},
            "hyperparameters": dataclasses.asdict(config),
            "versions": {"rlopt": __version__, "torch": torch.__version__,
                         "llvm": toolchain.find().version_string, "python": sys.version.split()[0]}}
    path = runlog.write_config(out, full)
    allowed = full["hyperparameters"]["allowed_actions"]
    shown = {**full, "hyperparameters": {**full["hyperparameters"], "allowed_actions": f"{len(allowed)} actions"}} \
        if allowed else full  # (the list, one index per line, filled screens; config.json has it)
    click.echo(f"{algorithm}: configuration (saved to {path}):\n{json.dumps(shown, indent=2, default=str)}")


def _override(config: Any, overrides: tuple[str, ...]) -> Any:
    """``config`` with ``FIELD=VALUE`` overrides, each value parsed as the field's current type."""
    changes = {}
    for item in overrides:
        name, sep, text = item.partition("=")
        if not sep or not hasattr(config, name):
            known = ", ".join(f.name for f in dataclasses.fields(config))
            raise click.BadParameter(f"'{item}': expected FIELD=VALUE with FIELD one of {known}", param_hint="--set")
        current = getattr(config, name)
        if not (current is None or isinstance(current, int | float | str)):
            raise click.BadParameter(f"'{name}' cannot be set from the command line", param_hint="--set")
        default = next(f.default for f in dataclasses.fields(config) if f.name == name)
        try:
            if default is None and text.lower() == "none":  # back to "off" (target_kl)
                changes[name] = None
            elif isinstance(current, bool):
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
    try:
        return dataclasses.replace(config, **changes)
    except ValueError as e:  # out of range (the config's own check)
        raise click.BadParameter(str(e), param_hint="--set") from None


def _defaulted(name: str) -> bool:
    """Whether the option ``name`` was left to its default on this command line."""
    return click.get_current_context().get_parameter_source(name) is click.core.ParameterSource.DEFAULT


def _saved_run(out: Path) -> dict[str, Any]:
    """The environment a run was started with (``run.json``; {} for a run without one)."""
    import json

    try:
        return json.loads((out / "run.json").read_text())
    except (OSError, ValueError):
        return {}


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
@click.option("--benchmarks", help="Comma-separated benchmark names or URIs, or IR files (x.ll, x.bc: sizes only) "
                                   "(default: the --split).")
@click.option("--split", type=click.Choice(["train", "validation", "test"]), default=None,
              help="A split of rlopt-suite-v0 [default: test].")
@click.option("--budget", type=click.IntRange(min=1), default=None,
              help="Steps for the policy and per random-search episode [default: the model's max_steps].")
@click.option("--random-trials", type=click.IntRange(min=1), default=10, show_default=True,
              help="Random-search episodes per benchmark (and pipelines of the size tuner, the same budget).")
@click.option("--metrics", default="instructions,text_size,proxy,runtime", show_default=True,
              help="Comma-separated: instructions, text_size, proxy (callgrind), runtime.")
@click.option("--runtime-rounds", type=click.IntRange(min=1), default=5, show_default=True,
              help="Interleaved timing rounds (min of N).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None, callback=_writable,
              help="Write eval.json and eval.csv here [default: the run directory, if MODEL is one].")
@click.option("--table", "table_path", is_flag=False, flag_value="", default=None, metavar="[FILE]",
              help="Judge a selector by the measured table instead of building: leave-family-out and the "
                   "test split [FILE default: the committed table].")
def eval_(model: str, benchmarks: str | None, split: str | None, budget: int | None, random_trials: int,
          metrics: str, runtime_rounds: int, seed: int, out_dir: str | None, table_path: str | None) -> None:
    """Compare a model (MODEL: name, .onnx file or run directory) with -O0, -O3, -Oz, random search and the size
    tuner at the same budget."""
    from rlopt.policy import Selector, load_model
    from rlopt.training import evaluate, programs

    if Path(model).is_dir():  # a run directory: its exported model, and its results beside it
        out_dir = out_dir or model
    policy = load_model(model)
    if table_path is not None:
        if not isinstance(policy, Selector):
            raise click.UsageError("--table judges a selector (models/speed, models/size); a step-by-step "
                                   "policy is evaluated by building: drop --table")
        _eval_table(policy, Path(table_path) if table_path else None, out_dir)
        return
    bench = select_benchmarks(benchmarks, split or (None if benchmarks else "test"), ir_files=True)
    _check_ir_files(bench)
    wanted = tuple(m.strip() for m in metrics.split(",") if m.strip())
    if not wanted:
        raise click.BadParameter(f"'{metrics}' names no metric", param_hint="--metrics")
    if _defaulted("metrics") and any(isinstance(b, programs.IrFile) for b in bench):
        wanted = tuple(m for m in wanted if m not in evaluate.RUN_METRICS)  # bare IR does not run
        click.echo(f"eval: bare IR among the benchmarks: metrics {', '.join(wanted)} only (--metrics chooses)",
                   err=True)
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


def _measured_table(table_path: str | Path | None) -> tuple[Path, dict[str, Any]]:
    """The measured table at ``table_path`` (default: the committed one), or a usage error saying how to make it."""
    from rlopt.training import measure

    path = Path(table_path) if table_path else measure.TABLE_FILE
    if not path.is_file():
        raise click.UsageError(f"no table at {path}: run 'rlopt-train measure' first")
    return path, measure.load_table(path)


def _eval_table(model: Selector, table_path: Path | None, out_dir: str | None) -> None:
    import json

    from rlopt.ir import write_file
    from rlopt.training import evaluate

    try:
        result = evaluate.evaluate_table(_measured_table(table_path)[1], model)
    except ValueError as e:  # a table leave-family-out cannot judge by
        raise click.UsageError(str(e)) from None
    text = evaluate.table_markdown(result)
    click.echo(text)
    if out_dir:
        for name, data in (("eval-table.json", json.dumps(result, indent=1)), ("eval-table.md", text + "\n")):
            write_file(Path(out_dir) / name, data.encode())
            click.echo(f"wrote {Path(out_dir) / name}", err=True)


@_group.command()
@click.argument("run", type=click.Path(exists=True))
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, callback=_writable,
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


@_group.group()
def datasets() -> None:
    """List the datasets and import them from a local checkout (nothing is downloaded)."""


@datasets.command("list")
@click.option("--programs", "programs_of", metavar="NAME", default=None,
              help="List the programs of one installed dataset (name, family, split, run time) and those left out.")
def datasets_list(programs_of: str | None) -> None:
    """Every dataset, its size and whether it is installed."""
    from rlopt.training import datasets as ds

    if programs_of:
        _list_programs(programs_of)
        return
    rows = [("dataset", "installed", "programs", "excluded", "size", "where")]
    infos = ds.info()
    for d in infos:
        rows.append((d.name, "yes" if d.installed else "no", str(d.programs or "-"), str(d.excluded or "-"),
                     f"{d.size_bytes / 1e6:.1f} MB" if d.size_bytes else "-", d.where.splitlines()[0]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1])
    for d in infos:  # the whole of each missing dataset's instructions (the table has their first line)
        if not d.installed and "\n" in d.where:
            click.echo(f"\n{d.name}: {d.where}")


def _list_programs(name: str) -> None:
    from rlopt.training import datasets as ds

    if name not in ds.IMPORTERS:
        from rlopt.training import benchmarks

        if name != "rlopt-suite-v0":
            known = ", ".join(["rlopt-suite-v0", *ds.IMPORTERS])
            raise click.UsageError(f"no programs to list for '{name}' (datasets with a list: {known})")
        for b in benchmarks.suite():
            click.echo(f"{b.uri}  {b.split}")
        return
    for b in ds.load(name):
        o3 = f"{b.o3_seconds * 1000:.0f} ms x{b.repeat}" if b.o3_seconds is not None else "-"
        click.echo(f"{b.uri}  {b.family}  {b.split}  {o3}")
    for e in ds.manifest(name).get("excluded", []):
        click.echo(f"excluded: {e['name']}: {e['reason']}")


@datasets.command("import")
@click.argument("name")
@click.option("--from", "src", required=True, type=click.Path(file_okay=False),
              help="The local checkout to import from (see 'rlopt-train datasets list').")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="Programs built and checked in parallel.")
def datasets_import(name: str, src: str, jobs: int) -> None:
    """Build dataset NAME (cbench-v1, llvm-test-suite-v0) from a local checkout into the cache."""
    from rlopt.training import datasets as ds

    where = ds.import_dataset(name, src, jobs=jobs, log=lambda line: click.echo(line, err=True))
    m = ds.manifest(name)
    click.echo(f"{name}: {len(m['benchmarks'])} runnable programs, {len(m.get('excluded', []))} left out; "
               f"installed in {where}")


def dataset_benchmarks(names: tuple[str, ...], programs: str | None) -> list[Any]:
    """Programs of the named datasets (``rlopt-suite-v0``, imported ones), or the listed URIs."""
    from rlopt.training import benchmarks as bm
    from rlopt.training import datasets as ds

    if programs:
        return select_benchmarks(programs, None)
    out: list[Any] = []
    for name in names:
        if name == bm.SUITE:
            out += bm.suite()
        elif name in ds.IMPORTERS:
            out += ds.load(name)
        else:
            raise click.BadParameter(f"unknown dataset '{name}' (known: {bm.SUITE}, {', '.join(ds.IMPORTERS)})",
                                     param_hint="--dataset")
    return out


@_group.command("measure")
@click.option("--dataset", "dataset_names", multiple=True, metavar="NAME",
              help="Dataset to measure (repeatable) [default: rlopt-suite-v0 and every installed dataset].")
@click.option("--benchmarks", "programs", help="Comma-separated program URIs instead of whole datasets.")
@click.option("--table", "table_path", type=click.Path(dir_okay=False), default=None, callback=_writable,
              help="The table to extend (resumes where it stopped) [default: the committed table].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="Backend builds in parallel (timing is always serial).")
@click.option("--min-rounds", type=click.IntRange(min=2), default=5, show_default=True)
@click.option("--max-rounds", type=click.IntRange(min=2), default=10, show_default=True)
@click.option("--no-time", is_flag=True, help="Sizes and output checks only (no runtime).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Stop after this many programs.")
@click.option("--merge", "merge_paths", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="Merge the rows of another table (measured on another core or machine) into --table, then stop.")
@click.option("--knobs", is_flag=True,
              help="Time the knob candidates (-O3 under LLVM options, docs/knobs.md) side by side with the standard "
                   "levels and speed macros, into the separate --table given (the lead merges tables).")
@click.option("--ray", "ray_address", is_flag=False, flag_value="", default=None, metavar="[ADDRESS]",
              help="Spread programs over a Ray cluster, one at a time per node (ADDRESS: 'auto' for the cluster "
                   "'ray start' joined; none: a local one). Needs the distributed extra.")
def measure_cmd(dataset_names: tuple[str, ...], programs: str | None, table_path: str | None, jobs: int,
                min_rounds: int, max_rounds: int, no_time: bool, limit: int | None,
                merge_paths: tuple[str, ...], knobs: bool, ray_address: str | None) -> None:
    """Measure every candidate pipeline on every program against -O3 (the pipeline table; see docs/data.md)."""
    from rlopt.training import benchmarks as bm
    from rlopt.training import datasets as ds
    from rlopt.training import measure

    if merge_paths:
        path = Path(table_path) if table_path else _committed(measure.TABLE_FILE, "--table")
        table = measure.load_table(path)
        for other in merge_paths:
            n = measure.merge_tables(table, measure.load_table(Path(other)))
            click.echo(f"measure: took {n} rows from {other}", err=True)
        measure.save_table(table, path)
        return
    if max_rounds < min_rounds:
        raise click.BadParameter("must be >= --min-rounds", param_hint="--max-rounds")
    if knobs and not table_path:
        raise click.UsageError("--knobs writes its own table: give --table FILE")
    if not dataset_names and not programs:
        dataset_names = (bm.SUITE, *(d.name for d in ds.info() if d.installed and d.name in ds.IMPORTERS))
    path = Path(table_path) if table_path else _committed(measure.TABLE_FILE, "--table")
    bench = dataset_benchmarks(dataset_names, programs)
    table = measure.load_table(path)
    wanted = measure.knob_candidates() if knobs else {**measure.candidates(), **measure.size_candidates()}
    todo = [b for b in bench if measure.missing(table, b, wanted)]
    todo = (todo if programs else measure.interleave_families(todo))[:limit]  # an explicit list keeps its order
    click.echo(f"measure: {len(todo)} of {len(bench)} programs to measure into {path}", err=True)
    if ray_address is not None:
        try:
            import ray  # noqa: F401
        except ImportError:
            raise click.UsageError("--ray needs Ray: pip install 'rlopt[distributed]'") from None
    measure.measure(todo, path, pipelines=measure.knob_candidates() if knobs else None, untimed={} if knobs else None,
                    jobs=jobs, min_rounds=min_rounds, max_rounds=max_rounds, time_runs=not no_time,
                    ray_address=ray_address, log=lambda line: click.echo(line, err=True))


@_group.command("search")
@click.option("--dataset", "dataset_names", multiple=True, metavar="NAME",
              help="Datasets whose training-split programs judge the search (repeatable) [default: all installed].")
@click.option("--programs", "max_programs", type=click.IntRange(min=1), default=8, show_default=True,
              help="How many training programs (drawn at random, timed ones only) judge each sequence.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--objective", type=click.Choice(["speed", "size"]), default="speed", show_default=True,
              help="speed: judged by interleaved runtime against -O3; size: by IR instructions against -Oz.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, callback=_writable,
              help="Where to write the kept sequences [default: the committed file the table reads].")
@click.option("--portfolio", "portfolio_seconds", type=click.FloatRange(min=0.5), default=None, metavar="SECONDS",
              help="Size only: tune each program for SECONDS (rlopt tune's exact search) and keep the winners that "
                   "together cover the most (for the exact size selector), after the file's sequences.")
def search_cmd(dataset_names: tuple[str, ...], max_programs: int, seed: int, objective: str,
               out_path: str | None, portfolio_seconds: float | None) -> None:
    """Search pipelines that beat -O3 (speed) or -Oz (size) on training programs: candidates of the table."""
    import random

    from rlopt.training import benchmarks as bm
    from rlopt.training import datasets as ds
    from rlopt.training import measure, search

    default = measure.SIZE_SEARCHED_FILE if objective == "size" else measure.SEARCHED_FILE
    path = Path(out_path) if out_path else _committed(default, "--out")
    if not dataset_names:
        dataset_names = (bm.SUITE, *(d.name for d in ds.info() if d.installed and d.name in ds.IMPORTERS))
    pool = [b for b in dataset_benchmarks(dataset_names, None) if b.split == "train"
            and (objective == "size" or b.o3_seconds is None or b.o3_seconds >= measure.TOO_SHORT_SECONDS)]
    if not pool:
        raise click.UsageError("no training programs to search on")
    programs = sorted(random.Random(seed).sample(pool, min(max_programs, len(pool))), key=lambda b: b.uri)
    if portfolio_seconds is not None and objective != "size":
        raise click.UsageError("--portfolio is for --objective size (exact counts)")
    click.echo(f"search: judging on {', '.join(b.uri for b in programs)}", err=True)

    def log(line: str) -> None:
        click.echo(line, err=True)

    scored = (search.size_portfolio(programs, seconds=portfolio_seconds, seed=seed, log=log) if portfolio_seconds
              else search.search(programs, objective=objective, seed=seed, log=log))
    kept = search.write_searched(scored, programs, path, prefix="Z" if objective == "size" else "S",
                                 append=portfolio_seconds is not None)
    base = "-Oz" if objective == "size" else "-O3"
    what = "mean rise of the best" if portfolio_seconds else "best"
    click.echo(f"search: kept {len(kept)} sequences ({what} {kept[0].fitness:.3f}x {base} on the search programs) "
               f"in {path}")
    if not portfolio_seconds and kept[0].fitness <= 1.0:
        click.echo(f"search: warning: none beat {base} on the search programs: the table would time them for "
                   "nothing; more programs or another --seed may find some", err=True)


@_group.command("headroom")
@click.option("--table", "table_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="The measured table [default: the committed one].")
@click.option("--json", "json_out", type=click.Path(dir_okay=False), default=None, callback=_writable,
              help="Also write the figures as JSON here.")
def headroom_cmd(table_path: str | None, json_out: str | None) -> None:
    """Oracle headroom per program and family over -O3 (speed) and -Oz (size), from the measured table."""
    import json

    from rlopt.ir import write_file
    from rlopt.training import headroom

    h = headroom.headroom(_measured_table(table_path)[1])
    click.echo(headroom.markdown(h))
    if json_out:
        write_file(Path(json_out), json.dumps(h, indent=1).encode())


@_group.command("portfolio")
@click.option("--table", "table_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="The measured table [default: the committed one; with --knobs, the committed knob table].")
@click.option("--size", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--knobs", "knob_screen", is_flag=True,
              help="Order the knob screen instead (rlopt.space.SPEED_KNOB_CANDIDATES): -O3 under one knob value.")
def portfolio_cmd(table_path: str | None, size: int, knob_screen: bool) -> None:
    """The speed tuner's first candidates (rlopt.space.SPEED_PORTFOLIO): the pipelines that together cover most
    of the wins measured on the training programs. A tuner races its candidates, so a loss costs only runs:
    unlike a selector's coreset, nothing here is chosen against losses or compile time. With --knobs, the same
    over the single knob values on -O3: the order of the tuner's knob screen."""
    import math

    import numpy as np

    from rlopt.training import measure, selector

    path, table = _measured_table(table_path or (measure.KNOB_TABLE_FILE if knob_screen else None))
    data = selector.load_data(table, "speed")
    train = data.subset(selector.split_rows(data)[0])
    if knob_screen:  # -O3 and -O3 under one knob value (not the other pipelines, not the combinations)
        train = train.columns(["O3", *measure.single_knob_values({n: train.pipelines[n] for n in train.candidates})])
    value = selector.credited(train)
    best = np.zeros(len(train.uris))
    click.echo(f"# greedy coverage of the wins on {len(train.uris)} training programs of {path.name} "
               f"(updated {table.get('updated')})")
    for name in selector.choose_coreset(train, "O3", size=size + 1, min_gain=0.0)[1:]:
        best = np.maximum(best, value[:, train.candidates.index(name)])
        click.echo(f"    {name!r}: {train.pipelines[name]!r},  # oracle so far {math.exp(best.mean()):.4f}x -O3")


@_group.command("select")
@click.option("--objective", type=click.Choice(["speed", "size"]), default="speed", show_default=True)
@click.option("--table", "table_path", type=click.Path(dir_okay=False, exists=True), default=None,
              help="The measured table [default: the committed one].")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(["mlp", "knn", "exact"]),
              help="Selector kinds to compare (repeatable) [default: mlp and knn, and exact for size]; the best "
                   "on validation is exported.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None, callback=_writable,
              help="Export the winner here (NAME.onnx, card beside it), e.g. models/speed.onnx.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), default=None, callback=_writable,
              help="Write the comparison (leave-family-out, splits) as JSON here.")
@click.option("--max-full", type=click.IntRange(min=1), default=None,
              help="Compile time: leave out candidates that run more than N whole clang pipelines; for 'exact', which "
                   "runs its whole coreset, N caps the coreset's total [default: none].")
def select_cmd(objective: str, table_path: str | None, kinds: tuple[str, ...], out_path: str | None,
               report_path: str | None, max_full: int | None) -> None:
    """Train per-program pipeline selectors from the table; compare them leave-family-out; export the best."""
    import json

    from rlopt import toolchain
    from rlopt.ir import write_file
    from rlopt.training import selector

    if out_path and not out_path.endswith(".onnx"):
        raise click.BadParameter(f"'{out_path}': a model is NAME.onnx (its card NAME.json beside it)",
                                 param_hint="--out")
    if out_path and report_path and Path(report_path).resolve() in (Path(out_path).resolve(),
                                                                    Path(out_path).with_suffix(".json").resolve()):
        raise click.BadParameter(f"'{report_path}' is where the model or its card goes", param_hint="--report")
    path, table = _measured_table(table_path)
    data = selector.load_data(table, objective)
    train_rows, val_rows, test_rows = selector.split_rows(data)
    if not train_rows or not val_rows:
        raise click.UsageError(f"the table's {len(data.uris)} {objective} programs have {len(train_rows)} in the "
                               f"train split and {len(val_rows)} in validation: both are needed")
    if problem := selector.leave_family_out_problem(data):
        raise click.UsageError(problem)
    report: dict[str, Any] = {"objective": objective, "table": str(path), "programs": len(data.uris),
                              "max_full": max_full, "kinds": {}}
    best = None
    if "exact" in kinds and objective != "size":
        raise click.BadParameter("exact measures its candidates while compiling: --objective size only",
                                 param_hint="--kind")
    for kind in kinds or (("mlp", "knn", "exact") if objective == "size" else ("mlp", "knn")):
        model = selector.train(data, objective, kind, train_rows=train_rows, val_rows=val_rows, max_full=max_full)
        val = selector.judge(data.subset(val_rows), model).summary()
        test = selector.judge(data.subset(test_rows), model).summary()
        lfo = selector.leave_family_out(data, objective, kind, max_full=max_full)
        report["kinds"][kind] = {"coreset": model.coreset, "margin": model.margin, "validation": val,
                                 "test": test, "leave_family_out": lfo}
        click.echo(f"{kind}: coreset {' '.join(model.coreset)}; margin {model.margin:g}; validation "
                   f"{val['geomean']:.4f}x ({val['wins']} wins, {val['losses']} losses); test {test['geomean']:.4f}x; "
                   f"leave-family-out {lfo['overall']['geomean']:.4f}x over {lfo['overall']['programs']} programs "
                   f"({lfo['overall']['wins']} wins, {lfo['overall']['losses']} losses, worst "
                   f"{lfo['overall']['worst']}, {lfo['overall']['distinct']} distinct pipelines)")
        if best is None or val["geomean"] > best[1]["geomean"]:
            best = (model, val, kind)
    assert best is not None
    if report_path:
        write_file(Path(report_path), json.dumps(report, indent=1).encode())
        write_file(Path(report_path).with_suffix(".md"), (selector.report_markdown(report) + "\n").encode())
    if out_path:
        model, _, kind = best
        card = {"objective": objective, "baseline": selector.BASELINES[objective], "max_full": max_full,
                "llvm_version": toolchain.find().version_string, "pipelines": table["candidates"],
                "training_data": {"table": path.name, "table_updated": table.get("updated"),
                                  "train_programs": len(train_rows), "validation_programs": len(val_rows),
                                  "test_programs": len(test_rows)},
                "metrics": report["kinds"][kind],
                "rebuild": f"rlopt-train select --objective {objective}"
                           f"{f' --max-full {max_full}' if max_full else ''} --out {out_path} (benchmarks/train_models.sh)"}
        onnx_path, card_path = selector.export_onnx(model, Path(out_path), card)
        click.echo(f"exported {kind} selector to {onnx_path} (card {card_path})")


def main(argv: list[str] | None = None) -> int:
    """Entry point: one clear line on stderr and a non-zero exit for every error, never a traceback."""
    try:
        return run_click(_group, sys.argv[1:] if argv is None else argv, "rlopt-train")
    except ImportError as e:
        click.echo(f"rlopt-train: error: {e} (install the training extra: pip install 'rlopt[train]')", err=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
