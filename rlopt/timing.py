"""Timing programs honestly on a noisy shared machine: the protocol of the pipeline table and of ``rlopt tune``.

* :func:`run` runs a program once and takes its CPU time (user + system, of the child and everything it waited
  for) from ``wait4``: on a loaded 2-core machine its spread across repeats was ~1% where elapsed time varied by
  40-60% (docs/data.md).
* :class:`Rounds` times several binaries in interleaved rounds, each round on *fresh copies* of every binary
  (a copy that lands on unlucky physical pages runs 2-3x slower for as long as it exists), at paths of equal
  length, in an order rotated by one each round and reversed every other round.
* :class:`Timing` holds the samples of a session whose first binary is the baseline and whose last is a *noise
  twin* (a second copy of the baseline): the twin's deviation is the noise floor of every verdict, and the
  bootstrap interval of the median per-round ratio says how sure a speedup is.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from rlopt.errors import ToolError, ToolTimeout

#: Twin deviation below which more rounds are not needed, and above which a session is called noisy.
QUIET = 0.01
NOISY = 0.03
RUN_TIMEOUT = 60.0

T = TypeVar("T")


@dataclass(frozen=True)
class RunResult:
    """One run: what the program printed, its exit status, wall time and CPU (user+system) time."""

    stdout: bytes
    returncode: int
    seconds: float
    cpu_seconds: float


def run(exe: str | os.PathLike, args: Sequence[str] = (), *, timeout: float = RUN_TIMEOUT,
        cwd: str | os.PathLike | None = None, stdin: str | os.PathLike | None = None,
        env: Sequence[tuple[str, str]] = ()) -> RunResult:
    """Run a program once, capturing stdout; a timeout kills its whole process group (:class:`ToolTimeout`).

    ``stdin`` is a file fed to standard input (default: none); ``env`` adds environment variables.
    """
    name = Path(exe).name
    timed_out = threading.Event()
    with tempfile.TemporaryFile() as out, _open_stdin(stdin) as inp:
        start = time.perf_counter()
        try:
            proc = subprocess.Popen([str(exe), *args], stdin=inp, stdout=out, stderr=subprocess.DEVNULL,
                                    cwd=cwd, start_new_session=True, env={**os.environ, **dict(env)} if env else None)
        except OSError as e:
            raise ToolError(name, f"cannot run {exe}: {e.strerror}") from e

        def kill() -> None:
            timed_out.set()
            _killpg(proc.pid)

        # a daemon, started inside the try: a Ctrl-C at any point must not leave a timer that keeps this process
        # alive at exit for the rest of ``timeout`` (once seen: an interrupted tune lingering past 120 s)
        timer = threading.Timer(timeout, kill)
        timer.daemon = True
        try:
            timer.start()
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            _killpg(proc.pid)
            proc.wait()
            raise
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped by wait4; tell Popen
        if timed_out.is_set() or seconds > timeout:  # the timer thread may be late on a loaded machine
            raise ToolTimeout(name, timeout)
        out.seek(0)
        return RunResult(out.read(), proc.returncode, seconds, usage.ru_utime + usage.ru_stime)


@contextmanager
def _open_stdin(path: str | os.PathLike | None) -> Iterator[int | IO[bytes]]:
    if path is None:
        yield subprocess.DEVNULL
    else:
        with open(path, "rb") as f:
            yield f


def _killpg(pid: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, 9)


def tmpfs_dir() -> str | None:
    """Where copies of binaries go: tmpfs when there is one (no disk I/O in a timing), else the default."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class Rounds:
    """Interleaved timing rounds on fresh copies; the copies are kept until :meth:`close` so that no copy
    reuses the pages of another."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="rlopt-time-", dir=tmpfs_dir())
        self.count = 0

    def run(self, exes: Sequence[Path], run_one: Callable[[Path], T]) -> list[T]:
        """One round: ``run_one`` on a fresh copy of each binary, in this round's order; results by position."""
        r, self.count = self.count, self.count + 1
        folder = Path(self._dir.name) / f"r{r:04d}"
        folder.mkdir()
        copies = []
        for v, exe in enumerate(exes):
            copies.append(folder / f"v{v:03d}")
            shutil.copy2(exe, copies[-1])
        order = list(range(len(exes)))
        order = order[r % len(order):] + order[:r % len(order)]
        if r % 2:
            order.reverse()
        out: list[T | None] = [None] * len(exes)
        for v in order:
            out[v] = run_one(copies[v])
        return out  # type: ignore[return-value]

    def close(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> Rounds:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Timing:
    """CPU seconds per round of each timed binary (index 0: the baseline, last: its noise twin)."""

    samples: tuple[tuple[float, ...], ...]

    @property
    def rounds(self) -> int:
        return len(self.samples[0])

    def speedup(self, i: int) -> tuple[float, float]:
        """Baseline time / time of binary ``i``: ratio of minima, and median of the per-round ratios."""
        base, mine = self.samples[0], self.samples[i]
        return min(base) / min(mine), statistics.median(b / m for b, m in zip(base, mine, strict=True))

    def interval(self, i: int, *, level: float = 0.9, resamples: int = 1000) -> tuple[float, float]:
        """Bootstrap interval of the median per-round speedup of binary ``i`` (deterministic seed)."""
        return bootstrap_interval([b / m for b, m in zip(self.samples[0], self.samples[i], strict=True)],
                                  level=level, resamples=resamples)

    @property
    def noise(self) -> float:
        """How far the twin (a copy of the baseline) strays from the baseline: the noise floor of a verdict."""
        by_min, by_median = self.speedup(len(self.samples) - 1)
        return max(abs(by_min - 1), abs(by_median - 1))


def bootstrap_interval(ratios: Sequence[float], *, level: float = 0.9, resamples: int = 1000) -> tuple[float, float]:
    """Bootstrap interval of the median of ``ratios`` (a fixed seed: the same samples give the same interval)."""
    import random

    rng = random.Random(12345)
    meds = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(resamples))
    return meds[int((1 - level) / 2 * resamples)], meds[min(resamples - 1, int((1 + level) / 2 * resamples))]


def time_binaries(exes: Sequence[Path], run_one: Callable[[Path], float], *, warm_up: Callable[[Path], object],
                  min_rounds: int, max_rounds: int, quiet: float = QUIET) -> Timing:
    """Interleaved CPU-time rounds of ``exes`` (``exes[0]`` the baseline) plus a twin of the baseline.

    ``run_one`` times one fresh copy; one untimed ``warm_up`` of each binary comes first. Rounds stop at
    ``min_rounds`` once the twin agrees with the baseline within ``quiet``, else at ``max_rounds``.
    """
    variants = [*exes, exes[0]]
    samples: list[list[float]] = [[] for _ in variants]
    with Rounds() as rounds:
        rounds.run(variants, warm_up)
        for r in range(1, max_rounds + 1):
            for v, t in enumerate(rounds.run(variants, run_one)):
                samples[v].append(t)
            if r >= min_rounds and Timing(tuple(map(tuple, samples))).noise <= quiet:
                break
    return Timing(tuple(map(tuple, samples)))
