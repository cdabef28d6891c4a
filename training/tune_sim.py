"""Simulated programs for the speed tuner: its search and its confirmation judged in seconds, the truth known.

A real tuning session costs minutes per program, and its answer is judged through the same noise it fought
(docs/tune.md: two seeds of one search differ as much as two searches do). Here nothing is compiled or run:
a candidate's "binary" is its pipeline text, and its run time is 0.1 s divided by the gain of each hidden win
its text contains (a knob value such as ``@unroll-count=8``, or a pass such as ``licm``), times log-normal
noise with occasional spikes (another process taking the core's caches). A session is scored by the *true*
gain of its answer, so a false win (an answer that is no faster than ``-O3``) is seen as such.

Where the wins hide is drawn at random (:data:`WIN_KEYS`) or taken from measurements
(:func:`measured_profiles`: the knob table's programs, their knob values' and levels' wins and losses).
"""

from __future__ import annotations

import math
import random
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlopt import tune
from rlopt.cache import digest
from rlopt.timing import RunResult
from rlopt.training import measure
from rlopt.training.headroom import geomean, quiet_timed

#: Where a simulated program's wins hide: knob values (some early in the tuner's screen, some late, some not in
#: it) and passes that only some fixed pipelines and the random moves contain.
WIN_KEYS = ("@unroll-count=8", "@unroll-count=4", "@force-vector-width=4", "@force-vector-width=8",
            "@inline-threshold=500", "@two-entry-phi-node-folding-threshold=1", "@unroll-threshold=1200",
            "@force-vector-interleave=2", "loop-distribute", "default<Os>", "simple-loop-unswitch", "tailcallelim",
            "licm", "dse", "default<O1>")
WIN_COUNTS = (0, 1, 1, 2)  # a quarter of the programs have nothing to find
GAINS = (1.04, 1.08, 1.15, 1.3)
SIGMAS = (0.015, 0.03)  # log-normal noise of one run
SPIKE_RATE, SPIKE = 0.1, 1.3  # one run in ten takes 30% longer
LEVEL = re.compile(r"default<O[0-3sz]>")


class SimulatedProgram(tune.Program):
    """The tuner's :class:`rlopt.tune.Program` with builds and runs simulated (every candidate a new binary)."""

    def __init__(self, workdir: Path, wins: dict[str, float], *, sigma: float, spike_rate: float = SPIKE_RATE,
                 seed: int = 0, compound: bool = True):
        self.workdir, self.wins, self.sigma, self.spike_rate = workdir, wins, sigma, spike_rate
        self.compound = compound
        self.rng = random.Random(seed)
        self.run_timeout = tune.RUN_TIMEOUT

    def gain(self, pipeline: str) -> float:
        """The true speedup of ``pipeline`` over ``-O3``: the product of the gains its text holds, or, unless
        ``compound``, its best gain times its worst loss (measured effects of two knobs may be one effect)."""
        held = [g for key, g in self.wins.items() if key in pipeline]
        if self.compound:
            return math.prod(held)
        return max([1.0, *held]) * min([1.0, *held])

    def optimize(self, text: str, *, bitcode: bool = True) -> bytes:
        return text.encode()

    def backend(self, code: bytes) -> Path:
        out = self.workdir / digest(code)[:16]
        out.write_bytes(code)
        return out

    def run(self, exe: Path, timeout: float | None = None) -> RunResult:
        t = 0.1 / self.gain(exe.read_text()) * math.exp(self.rng.gauss(0, self.sigma))
        if self.spike_rate and self.rng.random() < self.spike_rate:
            t *= SPIKE
        return RunResult(b"same\n", 0, t, t)

    def check(self, exe: Path, got: RunResult, expected: RunResult) -> str:
        return ""

    def close(self) -> None:
        pass


@dataclass
class Session:
    """One simulated tuning session: did the tuner leave ``-O3``, the true gain of its answer, and the best
    gain there was (every hidden win together)."""

    moved: bool
    gain: float
    oracle: float


def measured_profiles(table: dict[str, Any], splits: tuple[str, ...] = ("validation", "test")) -> list[dict[str, float]]:
    """Hidden wins *and losses* as the knob table measured them: per timed, quiet program of ``splits``, the
    speedup over ``-O3`` of every single knob value (keyed ``@NAME=VALUE``) and every other clang level (keyed
    ``default<On>``) that won or lost beyond the program's noise; suspect speedups left out.

    The default splits leave out the training programs the tuner's knob screen was ordered on."""
    pipelines = table["candidates"]
    singles = measure.single_knob_values(pipelines)
    keys = {name: "@" + singles[name] if name in singles else text for name, text in pipelines.items()
            if name in singles or (LEVEL.fullmatch(text) and text != pipelines["O3"])}
    profiles = []
    for _, row in sorted(table["programs"].items()):
        if row.get("split") not in splits or not quiet_timed(row):
            continue
        got = {key: row["candidates"][name] for name, key in keys.items() if name in row["candidates"]}
        profiles.append({key: c["speedup"] for key, c in got.items()
                         if (c.get("win") or c.get("loss")) and not c.get("suspect") and "speedup" in c})
    return profiles


def session(index: int, suite_seed: int, strategy: str, evals: int,
            profiles: list[dict[str, float]] | None = None) -> Session:
    """Tune simulated program ``index`` of suite ``suite_seed`` (its wins and noise drawn from both seeds; with
    ``profiles``, its wins and losses are ``profiles[index]`` and only the noise is drawn)."""
    rng = random.Random(suite_seed * 100_003 + index)
    if profiles is None:
        wins = {key: rng.choice(GAINS) for key in rng.sample(WIN_KEYS, rng.choice(WIN_COUNTS))}
        oracle = math.prod(wins.values())
    else:  # one pipeline holds one value per knob: the best single win is what the table calls the oracle
        wins = profiles[index]
        oracle = max([1.0, *wins.values()])
    with tempfile.TemporaryDirectory() as d:
        prog = SimulatedProgram(Path(d), wins, sigma=rng.choice(SIGMAS), seed=index, compound=profiles is None)
        # as tune.first_candidates without a model: the tuner starts from its fixed candidates (the knob screen
        # first), plain random search from nothing
        first = tune.fixed_candidates("speed") if strategy == "policy" else []
        result = tune.SpeedTuner(prog, first, evals=evals, seconds=None, seed=index, strategy=strategy).tune()
        return Session(result.improved, prog.gain(result.pipeline) if result.improved else 1.0, oracle)


def score(sessions: list[Session]) -> dict[str, float | int]:
    """Geometric means of the true gains and of the oracle's, programs improved (of those with a win to find),
    and false wins."""
    return {"programs": len(sessions),
            "geomean": round(geomean(s.gain for s in sessions), 4),
            "oracle": round(geomean(s.oracle for s in sessions), 4),
            "improved": sum(s.gain > 1.0 for s in sessions), "with_wins": sum(s.oracle > 1.0 for s in sessions),
            "false_wins": sum(s.moved and s.gain <= 1.0 for s in sessions)}
