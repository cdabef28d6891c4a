"""``rlopt tune``: the policy proposes, the user's own runs decide, and the tuning database remembers.

Speed (``--run 'CMD {exe}'``): candidates come from the shipped selector's coreset where it predicts a gain,
then ``-O3`` under each knob value of :mod:`rlopt.knobs` (the knob screen), then a climb from the best so far
(each other knob value added to it, those that did best alone first) in turn with the fixed pipelines (the
training programs' portfolio, macros, levels), then moves around the best (add, drop, swap or replace a block
of :mod:`rlopt.space`, repeat ``-O3``, move a knob). Each is optimised in the engine and built with the
backend at the user's level; binaries identical to one already seen cost nothing. Batches are *raced* against
``-O3`` by successive halving: every round runs fresh copies of ``-O3`` and of the candidates still in the race (rotating order,
CPU time of the child, :mod:`rlopt.timing`), and after each stage the slower half leaves, so bad candidates
get few runs and close ones many. Every candidate's output (stdout and exit status, or the ``--check``
command) must match the ``-O3`` build's on every run, or it is thrown out. The best candidate is then
*confirmed* on fresh rounds of ``-O3``, the candidate and a noise twin of ``-O3``: it wins only if, against
``-O3`` and against the twin alike, the bootstrap interval of its median per-round speedup lies above 1.01
and both that median and the ratio of minima exceed ``1 + max(1%, twice the twin's deviation)``; otherwise
the answer is ``-O3``. Selection and verdict use different runs, so the winner's luck in the race does not
count. The baseline is ``-O3``, or the user's ``-O2`` (``-O 2``; a unit compiled at ``-O2`` under
``--make``): then ``-O3`` is the first candidate, and a session that finds nothing faster keeps ``-O2``.

Size (``--objective size``): the exact IR instruction count in the engine, no runs: the size selector's
coreset, the size macros, then an evolutionary search around the best, within a few seconds; the answer's
``.text`` no larger than ``-Oz``'s.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import random
import shlex
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from rlopt import knobs, passes, space, timing, toolchain, tuning
from rlopt.cache import digest
from rlopt.engine import StaleHandle
from rlopt.errors import RloptError, ToolError, ToolTimeout

#: Successive halving: (rounds, fraction kept) per stage of a batch's race. One round is enough to drop most of
#: a wide batch (the wins worth having are several times the noise), so 100 runs screen about 24 candidates.
STAGES: tuple[tuple[int, float], ...] = ((1, 1 / 3), (2, 0.5), (3, 0.5))
#: Plain random search: every candidate gets the same rounds, no halving.
RANDOM_STAGES: tuple[tuple[int, float], ...] = ((3, 1.0),)
BATCH = 12
CONFIRM_MIN_ROUNDS = 5
CONFIRM_ROUNDS = 8  # what the budget reserves for the confirmation
CONFIRM_MAX_ROUNDS = 15
#: The levels a speed session is judged against when the user builds at them (``-O2`` builds are not moved to
#: ``-O3`` unless it wins); at any other level, -O3.
SPEED_LEVELS = tuple(level for level, objective in tuning.OBJECTIVES.items() if objective == "speed")
#: A winner must beat the baseline by more than this (or twice the twin's deviation, if larger).
MIN_GAIN = 0.01
DEFAULT_EVALS = {"speed": 100, "size": 400}
DEFAULT_SIZE_SECONDS = 5.0
SIZE_PARENTS = 6
#: How many modules-after-a-first-element the size search keeps (a few, each is a whole module).
PREFIXES_KEPT = 4
#: A refinement that cannot find an unseen pipeline in half this many tries draws random sequences instead;
#: none unseen in this many tries stops the stream.
STALE_TRIES = 200
#: Seconds one run of the user's command may take, one pipeline in the engine (a large module's long
#: pipeline under load), and one backend build (code generation and link).
RUN_TIMEOUT = 600.0
ENGINE_TIMEOUT = 600.0
#: A candidate's optimization may take this many times the -O3 build's, at least OPTIMIZE_TIMEOUT_MIN seconds:
#: forced unrolling can blow a module up for many minutes (rlopt-suite nbody under ``@unroll-count=8``: over
#: 300 s against 0.03 s for -O3), which must cost one candidate, not the session's budget.
OPTIMIZE_TIMEOUT_FACTOR, OPTIMIZE_TIMEOUT_MIN = 20.0, 30.0
BACKEND_TIMEOUT = 300.0
DEADLINE_GRACE = 2.0  # seconds a run may go past the budget's deadline before it is stopped
#: Of the moves around the best speed candidate: the share that changes a knob (the training programs' wins
#: beyond -O3 mostly carry one), and the share that runs -O3 once more after it; the rest move a pass.
KNOB_MOVES = 0.4
O3_AGAIN = 0.15
#: The speed search ends after this many candidates in a row that build no new module.
MAX_NOTHING_NEW = 60


# ---------------------------------------------------------------- candidates

@dataclass
class Candidate:
    """A pipeline under test and what is known about it."""

    name: str
    text: str  # the pipeline as rlopt --passes takes it, knobs as PIPELINE@NAME=VALUE
    origin: str
    seq: tuple[str, ...] = ()
    status: str = "new"
    exe: Path | None = None
    binary: str = ""
    ratios: list[float] = field(default_factory=list)  # the baseline's CPU time / this one's, per round
    runs: int = 0
    checked: bool = False
    ir_instructions: int | None = None
    predicted: float | None = None  # the policy's predicted gain, for its own candidates
    later: bool = False  # tried in turn with the moves around the best, not before them (see Stream)

    @property
    def median(self) -> float:
        return statistics.median(self.ratios) if self.ratios else 0.0

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "pipeline": self.text, "origin": self.origin,
                               "status": self.status, "runs": self.runs}
        if self.ratios:
            out["median_speedup"] = round(self.median, 4)
        if self.ir_instructions is not None:
            out["ir_instructions"] = self.ir_instructions
        return out


def policy_ranking(text_ir: str, objective: str, model: str | None, tc: toolchain.Toolchain) -> list[Candidate]:
    """The selector's coreset, best predicted gain first (what ``-O-rl --explain`` shows), without the baseline."""
    from rlopt import policy

    chooser = policy.load_model(model or objective, toolchain=tc)
    if not isinstance(chooser, policy.Selector):
        raise RloptError(f"model {model}: rlopt tune needs a selector model (a ranking of pipelines)")
    choice = chooser.choose(text_ir)
    return [Candidate(name, pipe, f"policy, predicted {gain:.3f}x", space.tokens(pipe), predicted=gain)
            for name, pipe, gain in choice.candidates if pipe != tuning.BASELINE[objective]]


def first_candidates(text_ir: str, objective: str, model: str | None, strategy: str,
                     tc: toolchain.Toolchain) -> list[Candidate]:
    """What a session tries first (none for plain random search): for size, the policy's ranking; for speed, the
    candidates the policy predicts to gain. Then the fixed candidates (and, for speed, the rest of the ranking,
    marked ``later``)."""
    if strategy != "policy":
        return []
    ranked = policy_ranking(text_ir, objective, model, tc)
    if objective == "size":
        return ranked + fixed_candidates(objective)
    hopeful = [c for c in ranked if c.predicted is not None and c.predicted > 1.0]
    doubtful = [c for c in ranked if c not in hopeful]
    for c in doubtful:
        c.later = True
    return hopeful + fixed_candidates(objective) + doubtful


def fixed_candidates(objective: str) -> list[Candidate]:
    """Speed: the knob screen, ``-O3`` under each knob value, the knob table's training wins first, and ``-O3``
    with the passes it leaves off switched on (``knobs.O3_SWITCHED``); then, ``later``, the portfolio of the
    training programs' wins, the macro pipelines and clang's other levels. Size: the size macros and levels.
    Duplicates are skipped by :class:`Stream`.

    The screen comes first because the wins beyond ``-O3`` mostly carry a knob (docs/data.md, "Knobs": the
    oracle over the training programs goes from 1.031x to 1.079x with them), and a knob value that changes
    nothing costs nothing (same module); the switches win big on a few programs and lose beyond noise on few
    (docs/policy.md)."""
    if objective == "speed":
        out = knob_refinements(Candidate("O3", tuning.BASELINE["speed"], "baseline", ("-O3",)), origin="knob screen")
        for c in out:
            c.name = "O3@" + c.text.partition("@")[2]
        out.append(Candidate("O3+switches", knobs.O3_SWITCHED, "switches", ("-O3",)))
        pipes: dict[str, tuple[str, str]] = {n: (p, "portfolio") for n, p in space.SPEED_PORTFOLIO.items()}
        for n, p in space.SPEED_MACROS.items():
            pipes.setdefault(n, (p, "macro"))
        for n in ("O2", "O1", "Os"):
            pipes.setdefault(n, (space.STANDARD[n], "level"))
        return out + [Candidate(n, p, origin, space.tokens(p), later=True) for n, (p, origin) in pipes.items()]
    pipes = {**space.SIZE_MACROS, **{n: space.STANDARD[n] for n in ("Os", "O2")}}
    return [Candidate(n, p, "macro" if n in space.SIZE_MACROS else "level", space.tokens(p))
            for n, p in pipes.items()]


#: Knob values in the order of the knob table's training wins (space.SPEED_KNOB_CANDIDATES), before all others.
_KNOB_PRIOR = tuple(knobs.parse(t)[1][0] for t in space.SPEED_KNOB_CANDIDATES)


def knob_refinements(best: Candidate, origin: str = "") -> list[Candidate]:
    """``best`` with one knob value more (a knob already set keeps its value), the training wins first:
    coordinate ascent over the knobs."""
    pipeline, options = knobs.parse(best.text)
    have = {knobs.option_name(o) for o in options}
    values = [knobs.option(k.name, v) for k in knobs.KNOBS.values() if k.name not in have for v in k.values]
    values.sort(key=lambda o: _KNOB_PRIOR.index(o) if o in _KNOB_PRIOR else len(_KNOB_PRIOR))
    return [Candidate("", knobs.to_text(pipeline, (*options, o)), origin or f"knob of {best.name}", best.seq)
            for o in values]


def random_knobs(rng: random.Random) -> knobs.Options:
    """Zero to two knobs at random values: what a random speed candidate carries."""
    chosen = rng.sample(sorted(knobs.KNOBS), rng.randint(0, 2))
    return knobs.canonical([knobs.option(k, rng.choice(knobs.KNOBS[k].values)) for k in chosen])


def knob_move(options: knobs.Options, rng: random.Random) -> knobs.Options:
    """One move among the knobs: set one more, give a set one another value, or drop one."""
    have = {knobs.option_name(o): o for o in options}
    unset = sorted(set(knobs.KNOBS) - set(have))
    op = rng.choice(("add", "change", "drop")) if have else "add"
    if op == "add" and unset:
        name = rng.choice(unset)
        return knobs.canonical([*options, knobs.option(name, rng.choice(knobs.KNOBS[name].values))])
    name = rng.choice(sorted(have))
    rest = [o for n, o in have.items() if n != name]
    if op == "drop":
        return knobs.canonical(rest)
    other = [v for v in knobs.KNOBS[name].values if knobs.option(name, v) != have[name]]
    return knobs.canonical([*rest, knobs.option(name, rng.choice(other))])


class Stream:
    """Candidates in the order the tuner tries them; refinements look at the best so far when asked.

    For speed, a candidate marked ``later`` (the fixed pipelines after the knob screen, and those the policy
    predicts to lose) is not tried before the moves around the best: once the rest of the queue is done, such
    candidates and moves alternate, so a budget spends half its remaining runs near the best (its knobs as
    much as its passes). The baseline (the objective's, or ``baseline``) is never issued.
    """

    def __init__(self, first: list[Candidate], objective: str, best: Callable[[], Candidate | None], *,
                 seed: int = 0, random_only: bool = False, baseline: str | None = None):
        self.queue: list[Candidate] = []
        self.later: list[Candidate] = []
        for c in first:
            (self.later if objective == "speed" and c.later else self.queue).append(c)
        self.objective, self.best, self.random_only = objective, best, random_only
        self.rng = random.Random(seed)
        self.space = space.SPEED if objective == "speed" else space.SIZE
        self.seen: set[str] = {baseline or tuning.BASELINE[objective]}
        self.count = 0
        self.knobbed: set[str] = set()
        self.climb: list[tuple[Candidate, Candidate]] = []  # (the best it climbs from, a step)
        self.issued: dict[str, Candidate] = {}  # what was tried, by text; the tuner records its runs in them

    def __iter__(self) -> Iterator[Candidate]:
        return self

    def __next__(self) -> Candidate:
        for tries in range(STALE_TRIES):
            if self.queue:
                cand = self.queue.pop(0)
            elif tries < STALE_TRIES // 2:
                cand = self._propose()
            else:  # the moves around the best keep landing on pipelines already tried: jump elsewhere
                cand = self._random()
            if cand is None:
                break
            if cand.text in self.seen:
                continue
            self.seen.add(cand.text)
            self.issued[cand.text] = cand
            self.count += 1
            cand.name = cand.name or f"T{self.count:02d}"
            return cand
        raise StopIteration

    def _alone(self, best: Candidate, refined: Candidate) -> float:
        """How the knob value that ``refined`` adds to ``best`` did on its own in the screen (its median speedup;
        1 if it changed nothing or was not timed), so that the climb combines the best single values first."""
        added = set(knobs.parse(refined.text)[1]) - set(knobs.parse(best.text)[1])
        alone = self.issued.get(knobs.to_text(tuning.BASELINE["speed"], tuple(added)))
        return alone.median if alone is not None and alone.ratios else 1.0

    def _random(self) -> Candidate:
        seq = space.random_sequence(self.rng, self.space)
        opts = random_knobs(self.rng) if self.objective == "speed" else ()  # the tuner's space has knobs
        return Candidate("", knobs.to_text(space.pipeline(seq), opts), "random", seq)

    def _propose(self) -> Candidate | None:
        if self.random_only:
            return self._random()
        best = self.best()
        if best is not None and best.name not in self.knobbed and self.objective == "speed" \
                and best.text.startswith("default<O3>"):
            self.knobbed.add(best.name)  # climb from a new best: each other knob value added to it
            self.climb = [(best, c) for c in knob_refinements(best)]
        if self.later and self.count % 2:
            return self.later.pop(0)
        if self.climb:  # the value that did best alone so far (the screen may still be racing) first
            step = max(self.climb, key=lambda bc: self._alone(*bc))
            self.climb.remove(step)
            return step[1]
        if best is None or not best.seq:
            return self._random()
        pipeline, options = knobs.parse(best.text)  # knobs stay as they are unless the move is a knob move
        roll = self.rng.random() if self.objective == "speed" else 1.0
        if roll < KNOB_MOVES:
            return Candidate("", knobs.to_text(pipeline, knob_move(options, self.rng)),
                             f"knob move from {best.name}", best.seq)
        if roll < KNOB_MOVES + O3_AGAIN:
            seq = (*best.seq, "-O3")
            return Candidate("", knobs.to_text(space.pipeline(seq), options), f"-O3 again after {best.name}", seq)
        seq = space.mutate(best.seq, self.rng, self.space)
        return Candidate("", knobs.to_text(space.pipeline(seq), options), f"move from {best.name}", seq)


# ---------------------------------------------------------------- the program under tuning

class Program:
    """The user's module and how to build, run and check it.

    Subclasses (``benchmarks/tune_eval.py``) may run a program differently; the tuner only calls
    :meth:`build`, :meth:`run` and :meth:`check`.
    """

    def __init__(self, module: bytes, engine: Any, workdir: Path, *, level: str = "O3",
                 cc_flags: tuple[str, ...] = (), run: str | None = None, check: str | None = None,
                 tc: toolchain.Toolchain | None = None, run_timeout: float = RUN_TIMEOUT):
        self.module, self.engine, self.workdir = module, engine, workdir
        self.level, self.cc_flags, self.run_cmd, self.check_cmd = level, cc_flags, run, check
        self.tc = tc or toolchain.find()
        self.run_timeout = run_timeout
        self.handle = engine.load(module, name="input")
        self._after: dict[str, int] = {}  # the module after a first pipeline element, by element
        self.optimize_timeout: float | None = None  # set by the first build (the tuner's -O3)

    def optimize(self, text: str, *, bitcode: bool = True) -> bytes:
        """The module after pipeline ``text``; the first call (the baseline) sets how long later ones may take."""
        pipeline, options = knobs.parse(text)
        started = time.monotonic()
        code = self.engine.optimize(self.module, pipeline, bitcode=bitcode, options=options,
                                    timeout=self.optimize_timeout)
        if self.optimize_timeout is None:
            self.optimize_timeout = min(ENGINE_TIMEOUT, max(OPTIMIZE_TIMEOUT_MIN,
                                                            OPTIMIZE_TIMEOUT_FACTOR * (time.monotonic() - started)))
        return code

    def ir_instructions(self, text: str, *, timeout: float | None = None) -> int:
        """Exact IR instruction count after the pipeline (the size objective), within ``timeout`` seconds.

        The module after a pipeline's first element (``default<Oz>`` in most size candidates) is kept for the
        next candidates that start with it, so that on a large module a candidate costs its other passes only.
        The answer is counted again from one run of its whole pipeline (:meth:`size`).
        """
        pipeline, options = knobs.parse(text)
        try:
            return self._count(pipeline, options, timeout)
        except StaleHandle:  # a timeout or a crash restarted the worker: the modules it held are gone
            self.handle = self.engine.load(self.module, name="input")
            self._after.clear()
            return self._count(pipeline, options, timeout)

    def _count(self, pipeline: str, options: knobs.Options, timeout: float | None) -> int:
        start, rest = self.handle, pipeline
        elements = passes.split_pipeline(pipeline)
        if not options and len(elements) > 1:
            head = self._after.get(elements[0])
            if head is None and len(self._after) < PREFIXES_KEPT:
                head = self.engine.clone(self.handle)
                try:
                    self.engine.run(head, elements[0], timeout=timeout)
                except ToolError:
                    self.engine.free(head)
                    raise
                self._after[elements[0]] = head
            if head is not None:
                start, rest = head, ",".join(elements[1:])
        h = self.engine.clone(start)
        try:
            self.engine.run(h, rest, options=options, timeout=timeout)
            return self.engine.instruction_count(h)
        finally:
            self.engine.free(h)

    def size(self, text: str, *, timeout: float | None = None) -> tuple[int, int | None]:
        """IR instructions and ``.text`` bytes (as clang's backend makes it, docs/engine.md; None where no code can
        be generated: no target triple, a backend error) after pipeline ``text``, from one run of the whole
        pipeline on the module as loaded, within ``timeout`` seconds: how the answer and -Oz are measured."""
        pipeline, options = knobs.parse(text)
        h = self.engine.load(self.module, name="input")
        try:
            self.engine.run(h, pipeline, options=options, timeout=timeout)
            count = self.engine.instruction_count(h)
            try:
                return count, self.engine.object_text_size(h)
            except ToolError:
                return count, None
        finally:
            self.engine.free(h)

    def build(self, text: str) -> Path:
        """Optimise, then :meth:`backend`."""
        return self.backend(self.optimize(text))

    def backend(self, code: bytes) -> Path:
        """Build optimised bitcode with the backend at the user's level (IR passes off) and the user's flags."""
        out = self.workdir / digest(code)[:16] / "prog"
        out.parent.mkdir(parents=True, exist_ok=True)
        argv = [str(self.tc.path("clang")), f"-{self.level}", "-Xclang", "-disable-llvm-passes",
                "-Wno-unused-command-line-argument", "-x", "ir", "-", "-o", str(out), *self.cc_flags]
        toolchain.run_command(argv, name="backend", input=code, timeout=BACKEND_TIMEOUT)
        return out

    def run(self, exe: Path, timeout: float | None = None) -> timing.RunResult:
        """One run of the user's command on ``exe``, stopped after ``timeout`` (default :attr:`run_timeout`)."""
        assert self.run_cmd is not None
        return run_program(self.run_cmd, exe, self.run_timeout if timeout is None else timeout)

    def check(self, exe: Path, got: timing.RunResult, expected: timing.RunResult) -> str:
        """"" if ``got`` is what the baseline build gave (or the ``--check`` command accepts it), else why not."""
        if self.check_cmd is None:
            if got.returncode != expected.returncode:
                return f"exit status {got.returncode}, the baseline gave {expected.returncode}"
            return "" if got.stdout == expected.stdout else "stdout differs from the baseline build's"
        with tempfile.TemporaryDirectory(prefix="rlopt-check-") as d:
            out, want = Path(d) / "stdout", Path(d) / "expected"
            out.write_bytes(got.stdout)
            want.write_bytes(expected.stdout)
            r = timing.run("/bin/sh", ["-c", substitute(self.check_cmd, exe=exe, out=out, expected=want)],
                           timeout=self.run_timeout)
        return "" if r.returncode == 0 else f"--check failed (exit status {r.returncode})"

    def close(self) -> None:
        with contextlib.suppress(ToolError):
            for h in (self.handle, *self._after.values()):
                self.engine.free(h)


def run_failure(r: timing.RunResult, timeout: float) -> str:
    """Why a run of the baseline cannot be the reference ("" if it can): killed, timed out, or the shell's own
    failure (126/127: the command could not be run; 128+N: killed by signal N). Other exit statuses are the
    program's, and candidates must match them."""
    if r.returncode == -9 and r.seconds >= timeout:
        return f"timed out after {timeout:g} s"
    if r.returncode < 0:
        return f"was killed by signal {-r.returncode}"
    if r.returncode in (126, 127):
        return f"failed: the shell could not {'execute' if r.returncode == 126 else 'find'} a command (exit {r.returncode})"
    if 128 < r.returncode <= 128 + 64:
        return f"was killed by signal {r.returncode - 128} (exit status {r.returncode})"
    return ""


def run_program(run_cmd: str, exe: Path, timeout: float = RUN_TIMEOUT) -> timing.RunResult:
    """One run of the user's command (``{exe}`` replaced) in the current directory, its CPU time from wait4."""
    return timing.run("/bin/sh", ["-c", substitute(run_cmd, exe=exe)], timeout=timeout)


def substitute(template: str, **values: Path) -> str:
    """A command with ``{exe}`` (and ``{out}``, ``{expected}``) replaced by shell-quoted paths."""
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", shlex.quote(str(value)))
    return out


# ---------------------------------------------------------------- results

@dataclass
class Result:
    """What a tuning session found and how sure it is."""

    objective: str
    pipeline: str
    name: str
    verdict: str
    speedup: float | None = None  # confirmed median speedup over the baseline (speed)
    interval: tuple[float, float] | None = None
    noise: float | None = None
    ir_instructions: int | None = None
    baseline_ir_instructions: int | None = None
    runs: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    history: list[Candidate] = field(default_factory=list)
    baseline: str = ""  # the pipeline judged against, if not the objective's (a speed session at -O2)

    @property
    def improved(self) -> bool:
        return self.pipeline != (self.baseline or tuning.BASELINE[self.objective])

    def report(self) -> dict[str, Any]:
        out: dict[str, Any] = {"objective": self.objective, "pipeline": self.pipeline, "name": self.name,
                               "verdict": self.verdict, "runs": self.runs, "evaluations": self.evaluations,
                               "seconds": round(self.seconds, 2), "interrupted": self.interrupted}
        if self.speedup is not None:
            out.update(speedup=round(self.speedup, 4), noise=round(self.noise or 0.0, 4))
        if self.interval is not None:
            out["interval"] = [round(x, 4) for x in self.interval]
        if self.ir_instructions is not None:
            out.update(ir_instructions=self.ir_instructions, baseline_ir_instructions=self.baseline_ir_instructions,
                       size_ratio=round((self.baseline_ir_instructions or 0) / max(1, self.ir_instructions), 4))
        out["candidates"] = [c.row() for c in self.history]
        return out


class Progress:
    """One status line on stderr: redrawn in place on a terminal, else printed when it changes (at most every
    few seconds)."""

    def __init__(self, enabled: bool = True, prog: str = "rlopt tune"):
        self.enabled, self.prog = enabled, prog
        self.tty = sys.stderr.isatty()
        self.last, self.last_time = "", 0.0

    def __call__(self, line: str, *, force: bool = False) -> None:
        if not self.enabled or line == self.last:
            return
        now = time.monotonic()
        if self.tty:
            sys.stderr.write(f"\r\x1b[K{self.prog}: {line}")
            sys.stderr.flush()
        elif force or now - self.last_time >= 5.0:
            print(f"{self.prog}: {line}", file=sys.stderr, flush=True)
            self.last_time = now
        self.last = line

    def done(self) -> None:
        if self.enabled and self.tty and self.last:
            sys.stderr.write("\n")


# ---------------------------------------------------------------- speed

class OutOfTime(Exception):
    """A run was stopped at the budget's deadline: the session ends with what it measured."""


class SpeedTuner:
    """Racing against the baseline (``-O3``, or the user's ``level`` if it is one of :data:`SPEED_LEVELS`) within a
    budget of runs (each execution of the program counts) and/or seconds."""

    def __init__(self, program: Program, stream_first: list[Candidate], *, evals: int | None, seconds: float | None,
                 seed: int = 0, strategy: str = "policy", level: str = "O3",
                 progress: Callable[..., None] = lambda *a, **k: None):
        self.program, self.evals, self.progress = program, evals, progress
        self.strategy = strategy
        self.started = time.monotonic()
        self.deadline = self.started + seconds if seconds else None
        self.level = level if level in SPEED_LEVELS else "O3"
        self.label = f"-{self.level}"
        self.base = Candidate(self.level, space.STANDARD[self.level], "baseline", (self.label,))
        if self.level != "O3":  # the usual answer is the first candidate against the user's own level
            stream_first = [Candidate("O3", tuning.BASELINE["speed"], "level", ("-O3",)), *stream_first]
        self.runs = 0
        self.run_seconds = 0.0
        self.history: list[Candidate] = []
        self.incumbent: Candidate | None = None
        self.by_binary: dict[str, Candidate] = {}
        self.by_module: dict[str, Candidate] = {}
        self.stream = Stream(stream_first, "speed", lambda: self.incumbent or self.base, seed=seed,
                             random_only=strategy == "random", baseline=self.base.text)
        self.stages = RANDOM_STAGES if strategy == "random" else STAGES
        self.expected: timing.RunResult | None = None
        self.confirmation: timing.Timing | None = None

    # -- budget ------------------------------------------------------------------------------------------
    def runs_left(self) -> float:
        left = float("inf") if self.evals is None else self.evals - self.runs
        if self.deadline is not None:
            per_run = self.run_seconds / self.runs if self.runs else 1.0
            left = min(left, (self.deadline - time.monotonic()) / max(per_run, 1e-3))
        return left

    def _timed_run(self, exe: Path) -> timing.RunResult:
        """One run; a run still going at the budget's deadline (plus :data:`DEADLINE_GRACE`) is stopped and ends
        the session (:class:`OutOfTime`); one past :attr:`Program.run_timeout` counts as killed."""
        timeout = self.program.run_timeout
        if self.deadline is not None:
            timeout = min(timeout, max(self.deadline - time.monotonic(), 0.0) + DEADLINE_GRACE)
        start = time.perf_counter()
        try:
            return self.program.run(exe, timeout)
        except ToolTimeout:
            if timeout < self.program.run_timeout:
                raise OutOfTime from None
            return timing.RunResult(b"", -9, timeout, timeout)
        finally:
            self.runs += 1
            self.run_seconds += time.perf_counter() - start

    # -- building ----------------------------------------------------------------------------------------
    def _build(self, cand: Candidate) -> bool:
        """Build ``cand``; False (with its status) when it failed or its binary was seen before."""
        self.history.append(cand)
        try:
            code = self.program.optimize(cand.text)
            module = digest(code)
            twin = self.by_module.get(module)
            if twin is not None:  # the same module: the same binary, no backend needed
                cand.status = f"same binary as {twin.name}"
                return False
            cand.exe = self.program.backend(code)
        except (ToolError, knobs.KnobError) as e:
            cand.status = f"build failed: {str(e).splitlines()[0][:120] if str(e) else type(e).__name__}"
            return False
        self.by_module[module] = cand
        cand.binary = digest(cand.exe.read_bytes())
        twin = self.by_binary.get(cand.binary)
        if twin is not None:
            cand.status = f"same binary as {twin.name}"
            return False
        self.by_binary[cand.binary] = cand
        return True

    # -- one round -----------------------------------------------------------------------------------------
    def _round(self, rounds: timing.Rounds, cands: list[Candidate]) -> None:
        """The baseline and ``cands`` once each on fresh copies; outputs checked; ratios recorded."""
        assert self.base.exe is not None and self.expected is not None
        results = rounds.run([self.base.exe, *(c.exe for c in cands)], self._timed_run)
        base = results[0]
        problem = self.program.check(self.base.exe, base, self.expected)
        if problem:
            raise RloptError(f"the {self.label} build failed its own output check on a later run ({problem}): the "
                             f"program is not deterministic, or --check rejects {self.label} (use --check to say "
                             "what must match)")
        for c, r in zip(cands, results[1:], strict=True):
            c.runs += 1
            problem = self.program.check(c.exe, r, self.expected)
            if problem:
                c.status = f"wrong output: {problem}"
                c.ratios.clear()
                continue
            c.ratios.append(max(base.cpu_seconds, 1e-6) / max(r.cpu_seconds, 1e-6))

    def _alive(self, cands: list[Candidate]) -> list[Candidate]:
        return [c for c in cands if not c.status.startswith("wrong output")]

    # -- the race ------------------------------------------------------------------------------------------
    def _race(self, rounds: timing.Rounds, batch: list[Candidate], reserve: float) -> bool:
        """Successive halving over ``batch``; False when the budget ran out in the middle."""
        alive = list(batch)
        for stage, (n_rounds, keep) in enumerate(self.stages, 1):
            for _ in range(n_rounds):
                if not alive:
                    return True
                if self.runs_left() - reserve < len(alive) + 1:
                    for c in alive:  # the best of what the budget allowed
                        c.status = "finalist"
                    return False
                self._round(rounds, alive)
                alive = self._alive(alive)
                self._show()
            alive.sort(key=lambda c: -c.median)
            n_keep = max(1, math.ceil(len(alive) * keep)) if stage < len(self.stages) else len(alive)
            for c in alive[n_keep:]:
                c.status = f"left the race at stage {stage}"
            alive = alive[:n_keep]
        for c in alive:
            c.status = "finalist"
        return True

    def _update_incumbent(self, cands: list[Candidate]) -> None:
        pool = [c for c in (*cands, *([self.incumbent] if self.incumbent else [])) if c.status == "finalist"
                and c.ratios]
        if pool:
            self.incumbent = max(pool, key=lambda c: c.median)

    def _show(self, force: bool = False) -> None:
        best = self.incumbent
        left = "" if self.deadline is None else f", {max(0, self.deadline - time.monotonic()):.0f} s left"
        runs = f"{self.runs}/{self.evals}" if self.evals is not None else str(self.runs)
        shown = f"best {best.name} {best.median:.3f}x (screening)" if best else f"best {self.label}"
        self.progress(f"{len(self.history)} candidates, {runs} runs, {shown}{left}", force=force)

    # -- main ------------------------------------------------------------------------------------------------
    def tune(self) -> Result:
        interrupted = out_of_time = False
        with timing.Rounds() as rounds:
            try:
                self._search(rounds)
            except KeyboardInterrupt:
                interrupted = True
            except OutOfTime:
                out_of_time = True
            result = self._verdict(interrupted, out_of_time)
        result.seconds = time.monotonic() - self.started
        return result

    def _search(self, rounds: timing.Rounds) -> None:
        if not self._build(self.base):
            raise RloptError(f"the {self.label} build failed: {self.base.status}")
        self.base.status = "baseline"
        try:
            self.expected = self._timed_run(self.base.exe)
        except OutOfTime:
            raise RloptError(f"the {self.label} build's run did not finish within the budget: raise --budget") from None
        problem = run_failure(self.expected, self.program.run_timeout)
        if problem:
            raise RloptError(f"the {self.label} build's run {problem}: nothing to compare candidates with "
                             "(check --run)")
        # runs kept for the confirmation: 8 rounds of three binaries at 100 runs, 5 for small budgets
        reserve = 3 * (CONFIRM_ROUNDS if self.evals is None else
                       min(CONFIRM_ROUNDS, max(CONFIRM_MIN_ROUNDS, self.evals // 12)))
        nothing_new = 0  # candidates in a row that gave no new module: the space around the best is exhausted
        while self.runs_left() - reserve >= 3 and nothing_new < MAX_NOTHING_NEW:
            batch: list[Candidate] = []
            for cand in self.stream:
                if self._build(cand):
                    cand.status = "built"
                    batch.append(cand)
                    nothing_new = 0
                else:
                    nothing_new += 1
                if len(batch) >= BATCH or self.runs_left() - reserve < 2 * (len(batch) + 2) \
                        or nothing_new >= MAX_NOTHING_NEW:
                    break
            if not batch:
                break
            racing = batch + ([self.incumbent] if self.incumbent and self.strategy != "random" else [])
            if self.incumbent in racing:
                self.incumbent.status = "racing again"
            finished = self._race(rounds, racing, reserve)
            self._update_incumbent(racing)
            self._show(force=True)
            if not finished:
                break
        if self.incumbent is not None and self.incumbent.median > 1.0:
            self._confirm(rounds, self.incumbent)

    def _confirm(self, rounds: timing.Rounds, cand: Candidate) -> None:
        """Fresh rounds of the baseline, the candidate and a twin of the baseline: the verdict uses only these."""
        assert self.base.exe is not None and self.expected is not None
        cand.status = "confirming"
        samples: list[tuple[float, float, float]] = []
        while len(samples) < CONFIRM_MAX_ROUNDS:
            if len(samples) >= CONFIRM_MIN_ROUNDS and self.runs_left() < 3:
                break
            if len(samples) < CONFIRM_MIN_ROUNDS and self.runs_left() < 3 and self.deadline is not None \
                    and time.monotonic() > self.deadline:
                break
            base, mine, twin = rounds.run([self.base.exe, cand.exe, self.base.exe], self._timed_run)
            cand.runs += 1
            problem = self.program.check(cand.exe, mine, self.expected)
            if problem:
                cand.status = f"wrong output: {problem}"
                return
            samples.append((base.cpu_seconds, mine.cpu_seconds, twin.cpu_seconds))
            self.confirmation = timing.Timing(tuple(zip(*samples, strict=True)))
            self._show()

    def _verdict(self, interrupted: bool, out_of_time: bool = False) -> Result:
        result = Result("speed", self.base.text, self.level, "", baseline=self.base.text, runs=self.runs,
                        evaluations=len(self.history), interrupted=interrupted, history=self.history)
        cand = self.incumbent
        if cand is None or cand.median <= 1.0:
            cut = " before a run could finish: the budget was too short" if out_of_time else ""
            result.verdict = f"no candidate was faster than {self.label} in the race{cut}"
            return result
        conf = self.confirmation
        if conf is not None and conf.rounds >= CONFIRM_MIN_ROUNDS and not cand.status.startswith("wrong output"):
            # against the baseline and its twin: a lucky streak rarely beats two copies of it at once
            verdicts = [(*t.speedup(1), *t.interval(1)) for t in
                        (conf, timing.Timing((conf.samples[2], conf.samples[1], conf.samples[0])))]
            by_min, by_median, lo, hi = min(verdicts, key=lambda v: v[1])
            noise = conf.noise
        elif (interrupted or out_of_time) and len(cand.ratios) >= CONFIRM_MIN_ROUNDS:  # the race's runs, cautiously
            by_min = by_median = cand.median
            (lo, hi), noise = timing.bootstrap_interval(cand.ratios), MIN_GAIN
            verdicts = [(by_min, by_median, lo, hi)]
        else:
            result.verdict = f"{cand.name} was not confirmed ({cand.status})"
            return result
        margin = max(MIN_GAIN, 2 * noise)
        result.speedup, result.interval, result.noise = by_median, (lo, hi), noise
        if all(v[2] > 1.0 + MIN_GAIN and v[0] > 1.0 + margin and v[1] > 1.0 + margin for v in verdicts):
            cand.status = "winner"
            result.pipeline, result.name = cand.text, cand.name
            result.verdict = (f"{cand.name} beats {self.label}: {by_median:.3f}x, interval [{lo:.3f}, {hi:.3f}], "
                              f"noise {noise:.1%}")
        else:
            cand.status = "not beyond the noise"
            seen = "; ".join(f"against {who}: median {v[1]:.3f}x, minima {v[0]:.3f}x, interval [{v[2]:.3f}, "
                             f"{v[3]:.3f}]" for who, v in zip((self.label, "the twin"), verdicts, strict=False))
            result.verdict = (f"{cand.name} is not faster than {self.label} beyond the noise ({seen}; needs > "
                              f"{1 + margin:.3f}x and an interval above {1 + MIN_GAIN:.2f}): keeping {self.label}")
        return result


# ---------------------------------------------------------------- size

def tune_size(program: Program, first: list[Candidate], *, evals: int | None, seconds: float | None, seed: int = 0,
              strategy: str = "policy", progress: Callable[..., None] = lambda *a, **k: None) -> Result:
    """Fewest IR instructions: exact counts in the engine (deterministic; no runs), with a ``.text`` no larger
    than ``-Oz``'s (as the exact size model rules: fewer IR instructions can make more code, and did on 6 of
    36 held-out programs from ``-Oz``'s IR).

    The time budget is kept, not just checked: no candidate starts that the slowest so far says would end
    after it, one slower than all before is stopped at the deadline, and the time of one whole pipeline and its
    code (-Oz's, measured first) is kept for measuring the answer the same way; a runner-up is checked only
    while time is left."""
    started = time.monotonic()
    history: list[Candidate] = []
    base, oz_text = program.size(tuning.BASELINE["size"])
    slowest = time.monotonic() - started  # a whole pipeline and its code, as checking the answer will take
    budget = seconds if seconds else (DEFAULT_SIZE_SECONDS if evals is None else math.inf)
    end = started + budget
    deadline = end - slowest

    def left(until: float) -> float | None:
        """Seconds to ``until``, for a timeout (none without a time budget)."""
        return None if math.isinf(until) else max(0.05, until - time.monotonic())

    best: list[Candidate] = []  # the best few, fewest instructions first

    def parent() -> Candidate | None:
        return rng.choice(best[:SIZE_PARENTS]) if best else None

    rng = random.Random(seed)
    stream = Stream(first, "size", parent, seed=seed, random_only=strategy == "random")
    interrupted = False
    try:
        for cand in stream:
            if (evals is not None and len(history) >= evals) or time.monotonic() + slowest > deadline:
                break
            history.append(cand)
            begun = time.monotonic()
            try:  # a candidate slower than every one before is stopped at the deadline, not let overrun it
                cand.ir_instructions = program.ir_instructions(cand.text, timeout=left(deadline))
            except (ToolError, knobs.KnobError) as e:
                cand.status = f"failed: {str(e).splitlines()[0][:120] if str(e) else type(e).__name__}"
                continue
            finally:
                slowest = max(slowest, time.monotonic() - begun)
            cand.status = "counted"
            best.append(cand)
            best.sort(key=lambda c: c.ir_instructions or 0)
            del best[SIZE_PARENTS * 2:]
            left_now = "" if math.isinf(deadline) else f", {max(0.0, deadline - time.monotonic()):.1f} s left"
            progress(f"{len(history)} candidates, best {best[0].name} {best[0].ir_instructions} instructions "
                     f"(-Oz {base}){left_now}")
    except KeyboardInterrupt:
        interrupted = True
    result = Result("size", tuning.BASELINE["size"], "Oz", "no candidate has fewer IR instructions than -Oz",
                    ir_instructions=base, baseline_ir_instructions=base, evaluations=len(history),
                    interrupted=interrupted, history=history)
    for cand in best:  # fewest first: the first that holds up wins
        if cand is not best[0] and time.monotonic() + slowest > end:
            break
        text = None
        with contextlib.suppress(ToolError, knobs.KnobError):  # counted again from one run of its whole pipeline
            cand.ir_instructions, text = program.size(cand.text, timeout=left(end))
        if (cand.ir_instructions or base) >= base:
            continue
        if oz_text is not None and (text is None or text > oz_text):  # fewer IR instructions can be more code
            cand.status = f"more .text than -Oz ({text if text is not None else 'not generated'}, -Oz {oz_text})"
            result.verdict = "no candidate with fewer IR instructions than -Oz has a .text no larger than -Oz's"
            continue
        cand.status = "winner"
        result.pipeline, result.name, result.ir_instructions = cand.text, cand.name, cand.ir_instructions
        result.verdict = (f"{cand.name}: {cand.ir_instructions} IR instructions, -Oz {base} "
                          f"({base / max(1, cand.ir_instructions or 1):.3f}x fewer)"
                          + (f"; .text {text} bytes, -Oz {oz_text}" if oz_text is not None else ""))
        break
    result.seconds = time.monotonic() - started
    return result


# ---------------------------------------------------------------- the command

def remember(module: str, input_name: str, result: Result, db: str) -> None:
    """Record a finished session's answer in the tuning database (the baseline too: the build then stops
    guessing for that module), with what was measured about it (shown by ``--list``)."""
    report = result.report()
    measured = ("speedup", "interval", "size_ratio") if result.improved else ()  # of the answer only
    info = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "input": input_name,
            **{k: report[k] for k in ("name", "verdict", "runs", "evaluations", *measured) if k in report}}
    tuning.record(module, result.objective, result.pipeline, db, info=info)


def _stop_as_interrupted() -> None:
    """SIGTERM and SIGHUP (a killed terminal, a job scheduler's stop) end a session as Ctrl-C does: the best so far
    written, a ``--make`` tree rebuilt as its database says, temporary files removed, exit status 130."""

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``10m``, ``1h``, ``1m30s`` -> seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    total, number = 0.0, ""
    for ch in text.strip().lower():
        if ch.isdigit() or ch == ".":
            number += ch
        elif ch in units and number:
            total, number = total + float(number) * units[ch], ""
        else:
            raise click.BadParameter(f"'{text}': expected a duration such as 90s, 10m or 1h", param_hint="--budget")
    if number:
        total += float(number)
    if total <= 0:
        raise click.BadParameter(f"'{text}': the budget must be positive", param_hint="--budget")
    return total


def _list(db: str) -> None:
    rows = tuning.entries(db)
    if not rows:
        click.echo(f"no tuned modules in {db}")
        return
    click.echo(f"{len(rows)} tuned module(s) in {db}")
    for module, objective, pipeline, info in rows:
        gain = info.get("speedup") or info.get("size_ratio")
        shown = f"{gain:.3f}x" if isinstance(gain, int | float) else "-"
        click.echo(f"{module[:16]}  {objective:5s}  {shown:>7s}  {info.get('date', ''):19s}  "
                   f"{info.get('input', '')}  {pipeline}")


def show_history(result: Result) -> None:
    """``--explain``: every candidate tried, its fate and origin, on stderr."""
    for c in result.history:
        figure = (f"{c.median:.3f}x over {len(c.ratios)} rounds" if c.ratios else
                  f"{c.ir_instructions} instructions" if c.ir_instructions is not None else "")
        click.echo(f"rlopt tune: {c.name:>6s}  {c.status:28s} {figure:26s} {c.origin}: {c.text}", err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_path", metavar="INPUT", required=False)
@click.option("-o", "output", metavar="FILE", help="Write the module optimised with the answer here (atomically).")
@click.option("-S", "text", is_flag=True, help="Write IR text (also when FILE ends in .ll).")
@click.option("--run", "run_cmd", metavar="CMD", help="How to run a build, with {exe} for the executable, e.g. "
              "'{exe} input.txt' (speed); with --make, the program as run in the project: './prog input.txt'.")
@click.option("--objective", type=click.Choice(["speed", "size"]), default="speed", show_default=True)
@click.option("--budget", metavar="TIME", help="Wall-time budget, e.g. 90s, 10m (speed default: --evals 100; "
              "size default: 5s).")
@click.option("--evals", type=click.IntRange(min=1), help="Budget in runs of the program (speed) or pipelines "
              "evaluated (size).")
@click.option("-O", "level", default=None, metavar="LEVEL", help="The backend's level (the user's build): 3 for "
              "speed, z for size by default; for speed, 2 also makes -O2 the baseline to beat.")
@click.option("--cc-flags", default="", metavar="FLAGS", help="Extra flags for building the executable (libraries, "
              "e.g. '-lm').")
@click.option("--check", "check_cmd", metavar="CMD", help="Judges a candidate's output instead of comparing stdout "
              "and exit status: {exe}, {out} (its stdout), {expected} (the baseline's stdout); exit status 0 = "
              "correct.")
@click.option("--json", "json_path", metavar="FILE", help="Write the report (every candidate, its runs, the verdict).")
@click.option("--explain", is_flag=True, help="Print every candidate tried, its origin and its fate on stderr.")
@click.option("--make", "make_cmd", metavar="CMD", help="Tune a Makefile project instead of INPUT: build it in place "
              "with CMD through rlopt-cc, tune the translation units that matter, record them (docs/tune.md).")
@click.option("--units", "max_units", type=click.IntRange(min=1), default=3, show_default=True,
              help="--make, speed: tune at most this many units (the hottest).")
@click.option("--list", "list_db", is_flag=True, help="List the tuning database and exit.")
@click.option("--forget", is_flag=True, help="Remove INPUT's entries (or entries whose key starts with INPUT) "
              "from the database and exit.")
@click.option("--no-record", is_flag=True, help="Do not write the answer into the tuning database.")
@click.option("--model", metavar="NAME|PATH", help="The selector whose ranking gives the first candidates "
              "(default: the shipped model of the objective).")
@click.option("--strategy", type=click.Choice(["policy", "random"]), default="policy", show_default=True,
              help="'random': plain random search over the same space with the same verdict (a baseline).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--quiet", "-q", is_flag=True, help="No progress line.")
@click.option("--llvm-bin", metavar="DIR", help="LLVM 19 bin directory [$RLOPT_LLVM_BIN].")
def command(input_path: str | None, output: str | None, text: bool, run_cmd: str | None, objective: str,
            budget: str | None, evals: int | None, level: str | None, cc_flags: str, check_cmd: str | None,
            json_path: str | None, explain: bool, make_cmd: str | None, max_units: int, list_db: bool, forget: bool,
            no_record: bool, model: str | None, strategy: str, seed: int, quiet: bool, llvm_bin: str | None) -> None:
    """Tune the pipeline for one module with real runs (speed) or exact counts (size); remember the answer.

    \b
    rlopt tune in.ll -o out.ll --run '{exe} input.txt' [--budget 10m | --evals N]
    rlopt tune in.ll -o out.ll --objective size
    rlopt tune --make 'make' --run './prog ARGS' [--objective size]    (a project built with CC=rlopt-cc)
    rlopt tune --list ;  rlopt tune --forget in.ll

    INPUT is the IR clang hands its optimiser (clang -O3 -Xclang -disable-llvm-passes -emit-llvm -S).
    """
    _stop_as_interrupted()
    db = tuning.default_path()
    if list_db:
        _list(db)
        return
    if make_cmd:
        if input_path or output or forget or text or level or cc_flags:
            raise click.UsageError("--make tunes the project's own units: no INPUT, -o, -S, -O, --cc-flags or --forget")
        from rlopt import tune_make

        tune_make.session(make=make_cmd, run_cmd=run_cmd, check_cmd=check_cmd, objective=objective, evals=evals,
                          seconds=parse_duration(budget) if budget else None, max_units=max_units,
                          json_path=json_path, explain=explain, quiet=quiet, no_record=no_record, model=model,
                          strategy=strategy, seed=seed, llvm_bin=llvm_bin)
        return
    if input_path is None:
        raise click.UsageError("missing INPUT (the module to tune, or --make CMD for a project)")
    tc = toolchain.find(llvm_bin)
    from rlopt import ir
    from rlopt.engine import Engine

    if forget and not os.path.exists(input_path):
        if len(input_path) < 6 or any(ch not in "0123456789abcdef" for ch in input_path):
            raise click.UsageError(f"'{input_path}' is neither a file nor a module key prefix (6+ hex digits)")
        click.echo(f"forgot {tuning.forget(input_path, None, db)} entries")
        return
    data = ir.read_input(input_path)
    if not no_record:
        tuning.check(db)  # before the session, not after it
    with Engine(tc, timeout=ENGINE_TIMEOUT) as engine, tempfile.TemporaryDirectory(prefix="rlopt-tune-") as work:
        canonical = engine.optimize(data, "verify", name=input_path)
        module = tuning.module_key(canonical)
        if forget:
            click.echo(f"forgot {tuning.forget(module, None, db)} entries")
            return
        if objective == "speed" and not run_cmd:
            raise click.UsageError("--objective speed needs --run 'CMD {exe}' (how to run a build)")
        if run_cmd and "{exe}" not in run_cmd:
            raise click.UsageError("--run must contain {exe}, where the executable goes")
        seconds = parse_duration(budget) if budget else None
        if seconds is None and evals is None and objective == "speed":
            evals = DEFAULT_EVALS["speed"]
        backend = (level or ("3" if objective == "speed" else "z")).lstrip("O")
        if backend not in ("0", "1", "2", "3", "s", "z"):
            raise click.BadParameter(f"'-O{backend}'", param_hint="-O")
        program = Program(canonical, engine, Path(work), level=f"O{backend}", cc_flags=tuple(shlex.split(cc_flags)),
                          run=run_cmd, check=check_cmd, tc=tc)
        first = first_candidates(canonical.decode(errors="replace"), objective, model, strategy, tc)
        progress = Progress(not quiet)
        try:
            if objective == "speed":
                result = SpeedTuner(program, first, evals=evals, seconds=seconds, seed=seed, strategy=strategy,
                                    level=program.level, progress=progress).tune()
            else:
                result = tune_size(program, first, evals=evals, seconds=seconds, seed=seed, strategy=strategy,
                                   progress=progress)
        finally:
            progress.done()
        if explain:
            show_history(result)
        click.echo(f"rlopt tune: {result.verdict}", err=True)
        if output:
            as_text = text or output.endswith(".ll")
            ir.write_output(program.optimize(result.pipeline, bitcode=not as_text), output)
        report = {"input": input_path, "module": module, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "run": run_cmd, "check": check_cmd, **result.report()}
        if json_path:
            from rlopt.output import write_file

            write_file(json_path, (json.dumps(report, indent=1) + "\n").encode())
        if result.interrupted:
            click.echo("rlopt tune: interrupted: wrote the best so far; the database is unchanged", err=True)
            raise click.exceptions.Exit(130)
        if not no_record:
            remember(module, input_path, result, db)
            click.echo(f"rlopt tune: recorded {result.name} for module {module[:16]} ({objective}) in {db}",
                       err=True)
