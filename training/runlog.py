"""Run bookkeeping shared by PPO and SAC: configuration, CSV logs, TensorBoard, progress bar, learning curves,
checkpoints, and the device the network trains on.

Files in a run directory: ``config.json`` (everything the run was given), ``progress.csv`` (one row per
finished episode), ``diagnostics.csv`` (one row per update: losses, approx_kl, SPS, ...), TensorBoard event
files beside them (``tensorboard --logdir runs`` shows each run by its directory name),
``learning_curve.png``, ``checkpoint.pt`` (the last state, to resume), ``best.pt`` (the policy when the mean
return of the recent episodes was highest; ``rlopt-train export RUN/best.pt``) and ``result.json``.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rlopt.errors import OutputError, RloptError
from rlopt.ir import write_file
from rlopt.training.rollouts import Episode

EPISODE_FIELDS = ("global_step", "episode", "return", "speedup", "length", "wall_time")


@dataclass
class TrainResult:
    """What a training run returns (also written to ``out_dir/result.json``)."""

    algorithm: str
    out_dir: str
    checkpoint: str
    global_step: int
    episodes: int
    best_return: float
    """Highest episode return seen in training."""
    best_actions: list[int]
    """Action sequence of that episode: the best pass sequence found (measure it again before trusting it)."""
    best_speedup: float
    """The environment's reported speedup at the end of that episode (NaN if not reported)."""
    mean_return_last: float
    """Mean return of the last (up to) 20 episodes: how good the current policy is, not the luckiest episode."""
    wall_time: float
    best_checkpoint: str | None = None
    """``best.pt``: the policy when the mean return of the recent episodes was highest (None before any)."""

    def to_json(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def resolve_device(name: str) -> torch.device:
    """``cpu``, ``cuda``, ``cuda:1``, ``mps`` as a torch device; one this machine lacks is a clear error."""
    try:
        device = torch.device(name)
    except (RuntimeError, ValueError) as e:
        raise RloptError(f"unknown device '{name}': {e}") from None
    available = {"cpu": True, "cuda": torch.cuda.is_available(), "mps": torch.backends.mps.is_available()}
    if not available.get(device.type, False):
        raise RloptError(f"device '{name}' is not available here (torch {torch.__version__})")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise RloptError(f"device '{name}' is not available: {torch.cuda.device_count()} CUDA device(s)")
    return device


def check_ranges(config: Any, *, positive: tuple[str, ...] = (), non_negative: tuple[str, ...] = (),
                 fractions: tuple[str, ...] = ()) -> None:
    """Refuse hyperparameters that cannot work (a zero batch size divides by zero an hour into a run) with a
    ``ValueError`` that names the field; every float must be finite and every integer fit in 64 bits."""
    for f in fields(config):
        value = getattr(config, f.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{f.name} must be finite, not {value!r}")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**63:
            raise ValueError(f"{f.name} is out of range: {value!r}")
    for name in positive:
        if not getattr(config, name) > 0:
            raise ValueError(f"{name} must be positive, not {getattr(config, name)!r}")
    for name in non_negative:
        if not getattr(config, name) >= 0:
            raise ValueError(f"{name} must not be negative, not {getattr(config, name)!r}")
    for name in fractions:
        if not 0 <= getattr(config, name) <= 1:
            raise ValueError(f"{name} must be between 0 and 1, not {getattr(config, name)!r}")


def write_config(out_dir: Path, config: dict[str, Any]) -> Path:
    """Write the run's full configuration to ``out_dir/config.json`` (a resumed run rewrites it)."""
    path = Path(out_dir) / "config.json"
    write_file(path, (json.dumps(config, indent=2, default=str) + "\n").encode())
    return path


def seed_everything(seed: int) -> np.random.Generator:
    """Seed Python, numpy and torch; returns the numpy generator the algorithm should draw from."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def out_of_time(limit: float, began: float) -> bool:
    """Whether a run with a wall-clock ``limit`` in seconds (0: none) that began at ``began`` must stop."""
    return limit > 0 and time.time() - began >= limit


def save_checkpoint(path: Path, state: dict) -> None:
    """Atomically save a checkpoint dict with ``torch.save``."""
    buf = io.BytesIO()
    torch.save(state, buf)
    write_file(path, buf.getvalue())


def load_checkpoint(path: Path) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` (it holds numpy state, hence full unpickling)."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError) as e:
        raise OutputError(f"cannot read checkpoint {path}: {e}") from e


def resume_state(resume: bool | dict[str, Any], checkpoint: Path) -> dict[str, Any] | None:
    """The checkpoint a run continues from: ``resume`` itself when the caller has read it already (rlopt-train
    checks it fits the settings first: a SAC checkpoint with its replay buffer takes seconds to read), else
    ``checkpoint`` when ``resume`` is true and it exists, else None (a new run)."""
    if isinstance(resume, dict):
        return resume
    return load_checkpoint(checkpoint) if resume and checkpoint.exists() else None


@dataclass
class RunLogger:
    """Appends episodes and diagnostics to CSV (and TensorBoard), drives the tqdm bar, tracks the best episode."""

    out_dir: Path
    total_steps: int
    progress: bool = True
    resume: bool = False
    hyperparameters: dict[str, Any] | None = None
    episodes: int = 0
    best: Episode | None = None
    best_mean: float = -math.inf
    recent: list[Episode] = field(default_factory=list)
    _bar: Any = None
    _tb: Any = None
    _start: float = field(default_factory=time.time)

    def __post_init__(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name in ("progress.csv", "diagnostics.csv"):
            path = self.out_dir / name
            if not self.resume or not path.exists():
                path.write_text("")
        if not self.resume:  # a new run in a directory an interrupted one left: not its TensorBoard events
            for stale in self.out_dir.glob("events.out.tfevents.*"):
                stale.unlink()
        if self.progress:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total_steps, unit="step", dynamic_ncols=True)
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # the train extra brings tensorboard; without it the CSVs are the log
            self._tb = None
        else:
            self._tb = SummaryWriter(str(self.out_dir))
            if self.hyperparameters:
                text = json.dumps(self.hyperparameters, indent=2, default=str)
                self._tb.add_text("config", "\n".join(f"    {line}" for line in text.splitlines()))

    def state(self) -> dict:
        """What a checkpoint must hold to resume the bookkeeping."""
        return {"episodes": self.episodes, "best": self.best, "recent": self.recent, "best_mean": self.best_mean,
                "wall_time": time.time() - self._start}

    def restore(self, state: dict, global_step: int) -> None:
        """Go on from a checkpoint at ``global_step``: what was logged after it (a run interrupted later) is
        dropped, and wall time goes on from the checkpoint's."""
        self.episodes, self.best, self.recent = state["episodes"], state["best"], state["recent"]
        self.best_mean = state.get("best_mean", -math.inf)
        self._start = time.time() - state.get("wall_time", 0.0)
        for name in ("progress.csv", "diagnostics.csv"):
            _truncate_csv(self.out_dir / name, global_step)
        if self._bar is not None:
            self._bar.update(global_step)

    def improved(self) -> bool:
        """Whether the mean return of the recent episodes is the best so far (then save ``best.pt``)."""
        if not self.recent or self.mean_return() <= self.best_mean:
            return False
        self.best_mean = self.mean_return()
        return True

    def episode(self, ep: Episode, global_step: int) -> None:
        """Record one finished episode."""
        self.episodes += 1
        self.recent = [*self.recent[-19:], ep]
        if self.best is None or ep.total_return > self.best.total_return:
            self.best = ep
        row = {"global_step": global_step, "episode": self.episodes, "return": ep.total_return,
               "speedup": ep.speedup, "length": ep.length, "wall_time": round(time.time() - self._start, 3)}
        _append_csv(self.out_dir / "progress.csv", row)
        if self._tb is not None:
            self._tb.add_scalar("charts/episodic_return", ep.total_return, global_step)
            if not math.isnan(ep.speedup):
                self._tb.add_scalar("charts/speedup", ep.speedup, global_step)
        if self._bar is not None:  # means over the recent episodes, both
            postfix = {"return": f"{self.mean_return():.3f}", "best": f"{self.best.total_return:.3f}"}
            speedups = [e.speedup for e in self.recent if not math.isnan(e.speedup)]
            if speedups:
                postfix["speedup"] = f"{np.mean(speedups):.3f}x"
            self._bar.set_postfix(postfix, refresh=False)

    def diagnostics(self, global_step: int, values: dict[str, float]) -> None:
        """Record one update's losses and statistics."""
        _append_csv(self.out_dir / "diagnostics.csv", {"global_step": global_step, **values})
        if self._tb is not None:
            for k, v in values.items():
                self._tb.add_scalar(k, v, global_step)

    def advance(self, steps: int) -> None:
        if self._bar is not None:
            self._bar.update(steps)

    def mean_return(self) -> float:
        return float(np.mean([e.total_return for e in self.recent])) if self.recent else float("nan")

    def stop(self) -> None:
        """Close the progress bar and the TensorBoard writer (also when a run is interrupted)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._tb is not None:
            self._tb.close()
            self._tb = None

    def interrupted(self, algorithm: str, checkpoint: Path, global_step: int) -> None:
        """Stop, and say on stderr where the run can go on from."""
        self.stop()
        print(f"{algorithm}: interrupted; {checkpoint} holds step {global_step}: resume from it", file=sys.stderr)

    def finish(self, algorithm: str, checkpoint: Path, global_step: int,
               best_checkpoint: Path | None = None) -> TrainResult:
        """Close the bar, draw the learning curves and write ``result.json``."""
        self.stop()
        plot_learning_curves(self.out_dir / "progress.csv", self.out_dir / "learning_curve.png", algorithm)
        best = self.best or Episode(float("nan"), 0, [])
        result = TrainResult(
            algorithm=algorithm, out_dir=str(self.out_dir), checkpoint=str(checkpoint), global_step=global_step,
            episodes=self.episodes, best_return=best.total_return, best_actions=list(best.actions),
            best_speedup=best.speedup, mean_return_last=self.mean_return(),
            wall_time=round(time.time() - self._start, 3),
            best_checkpoint=str(best_checkpoint) if best_checkpoint is not None and best_checkpoint.exists() else None)
        write_file(self.out_dir / "result.json", json.dumps(result.to_json(), indent=2).encode())
        return result


def _append_csv(path: Path, row: dict) -> None:
    new = path.stat().st_size == 0
    with path.open("a", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        if new:
            writer.writeheader()
        writer.writerow(row)


def _truncate_csv(path: Path, global_step: int) -> None:
    """Drop the rows of a log logged after ``global_step``."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        columns, rows = reader.fieldnames, list(reader)
    kept = [r for r in rows if float(r["global_step"]) <= global_step]
    if len(kept) < len(rows):
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns or [])
        writer.writeheader()
        writer.writerows(kept)
        write_file(path, buf.getvalue().encode())


def read_progress(path: Path) -> dict[str, np.ndarray]:
    """Columns of a ``progress.csv`` as float arrays (empty arrays if there are no episodes yet)."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {k: np.array([float(r[k]) for r in rows]) for k in EPISODE_FIELDS}


def plot_learning_curves(progress_csv: Path, png: Path, title: str) -> None:
    """Episode return and speedup against environment steps, with a moving average."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = read_progress(progress_csv)
    has_speedup = bool(np.isfinite(data["speedup"]).any())
    fig, axes = plt.subplots(1, 2 if has_speedup else 1, figsize=(11 if has_speedup else 6, 4), squeeze=False)
    columns = [("return", "episode return")] + ([("speedup", "speedup over baseline")] if has_speedup else [])
    for ax, (key, label) in zip(axes[0], columns, strict=True):
        x, y = data["global_step"], data[key]
        ax.plot(x, y, ".", alpha=0.3, markersize=3)
        if len(y) >= 2:
            w = max(1, len(y) // 20)
            ax.plot(x[w - 1:], np.convolve(y, np.ones(w) / w, mode="valid"), "-", label=f"mean of {w}")
            ax.legend()
        ax.set_xlabel("environment steps")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    write_file(png, buf.getvalue())
