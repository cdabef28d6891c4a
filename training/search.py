"""Runtime-judged search for pipelines that beat -O3 on the training programs (candidates of the table).

The search composes the blocks of :mod:`rlopt.space` (the space ``rlopt tune`` explores too). It starts from
random compositions of 1-4 blocks, then mutates the best (add, drop, swap or replace a block) for a few generations. A sequence's
fitness is the geometric mean over the search programs of its speedup over -O3, timed in interleaved rounds
with fresh copies (:func:`rlopt.training.measure.time_binaries`); a binary identical to -O3's scores 1
without being timed. Search fitness uses few rounds and is optimistic for the lucky; the table measures the
winners again properly.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rlopt import tune
from rlopt.cache import digest
from rlopt.engine import Engine
from rlopt.errors import RloptError, ToolError
from rlopt.ir import write_file
from rlopt.space import SIZE, SPEED, mutate, pipeline, random_sequence, tokens
from rlopt.training import benchmarks, measure, runtime
from rlopt.training.benchmarks import Benchmark

# ---------------------------------------------------------------- hyperparameters
RANDOM_SEQUENCES = 30
GENERATIONS = 2
CHILDREN_PER_GENERATION = 15
PARENTS = 6
ROUNDS = 3
KEEP = 20
#: Size search: exact and cheap, so more sequences and more generations.
SIZE_RANDOM_SEQUENCES = 120
SIZE_GENERATIONS = 6
SIZE_CHILDREN_PER_GENERATION = 40
#: Size portfolio: the winners of a per-program exact search, kept where together they cover the most.
PORTFOLIO_KEEP = 12
MIN_OWN_GAIN = 0.005  # a program's own winner joins the pool if it has at least this many fewer instructions
MAX_POOL = 16  # the winners counted on every program (their own gain decides)


@dataclass
class Scored:
    """A sequence of action names and its fitness (geomean speedup over -O3; None until scored)."""

    actions: tuple[str, ...]
    fitness: float | None = None
    per_program: dict[str, float] = field(default_factory=dict)

    @property
    def pipeline(self) -> str:
        return pipeline(self.actions)


class Judge:
    """Scores sequences on a fixed set of programs by interleaved runtime against -O3."""

    def __init__(self, programs: Sequence[Benchmark], engine: Engine, workdir: Path, rounds: int = ROUNDS):
        self.programs, self.engine, self.workdir, self.rounds = list(programs), engine, workdir, rounds
        self.o3: dict[str, tuple[Path, str]] = {}
        self.expected: dict[str, runtime.RunResult | None] = {}
        for b in self.programs:
            exe, h = self._build(b, "default<O3>", "O3")
            self.o3[b.uri] = (exe, h)
            self.expected[b.uri] = None if b.reference is not None else runtime.reference_output(b, b.args)

    def _build(self, b: Benchmark, pipeline: str, tag: str) -> tuple[Path, str]:
        out = self.engine.optimize(benchmarks.ir(b, "O3"), pipeline, bitcode=True, name=b.name)
        exe = runtime.build(out, self.workdir / digest(b.uri, tag)[:12] / "prog", extra_link=b.ldflags)
        return exe, digest(exe.read_bytes())[:16]

    def score(self, cand: Scored) -> None:
        logs = []
        for b in self.programs:
            try:
                exe, h = self._build(b, cand.pipeline, cand.pipeline)
            except ToolError:
                cand.fitness = 0.0
                return
            if h == self.o3[b.uri][1]:
                speed = 1.0
            else:
                got = runtime.run_benchmark(exe, b)
                if runtime.check_output(b, got, self.expected[b.uri]):
                    cand.fitness = 0.0  # wrong output: never a candidate
                    return
                timing = measure.time_binaries([self.o3[b.uri][0], exe], b, repeat=b.repeat,
                                               min_rounds=self.rounds, max_rounds=self.rounds)
                speed = timing.speedup(1)[0]
            cand.per_program[_program_id(b.uri)] = round(speed, 4)
            logs.append(math.log(speed))
        cand.fitness = math.exp(sum(logs) / len(logs))


class SizeJudge:
    """Scores sequences by IR instructions against -Oz: exact, so no runs (the table checks outputs later)."""

    def __init__(self, programs: Sequence[Benchmark], engine: Engine):
        self.engine = engine
        self.handles = {b.uri: engine.load(benchmarks.ir(b, "O3"), name=b.name) for b in programs}
        self.oz = {u: self._count(h, "default<Oz>") for u, h in self.handles.items()}

    def _count(self, handle: int, pipeline: str) -> int:
        h = self.engine.clone(handle)
        try:
            self.engine.run(h, pipeline)
            return self.engine.instruction_count(h)
        finally:
            self.engine.free(h)

    def score(self, cand: Scored) -> None:
        logs = []
        for uri, h in self.handles.items():
            try:
                ratio = self.oz[uri] / max(1, self._count(h, cand.pipeline))
            except ToolError:
                cand.fitness = 0.0
                return
            cand.per_program[_program_id(uri)] = round(ratio, 4)
            logs.append(math.log(ratio))
        cand.fitness = math.exp(sum(logs) / len(logs))


def search(programs: Sequence[Benchmark], *, objective: str = "speed", seed: int = 0,
           log: Callable[[str], None] = print) -> list[Scored]:
    """Random then evolutionary search; returns every scored sequence, best first."""
    rng = random.Random(seed)
    seen: dict[str, Scored] = {}
    space = SIZE if objective == "size" else SPEED
    n_random, generations, children = ((SIZE_RANDOM_SEQUENCES, SIZE_GENERATIONS, SIZE_CHILDREN_PER_GENERATION)
                                       if objective == "size" else
                                       (RANDOM_SEQUENCES, GENERATIONS, CHILDREN_PER_GENERATION))
    with Engine(timeout=measure.ENGINE_TIMEOUT) as engine, tempfile.TemporaryDirectory(prefix="rlopt-search-") as d:
        judge = SizeJudge(programs, engine) if objective == "size" else Judge(programs, engine, Path(d))

        def consider(seq: tuple[str, ...]) -> None:
            cand = Scored(seq)
            if cand.pipeline in seen:
                return
            seen[cand.pipeline] = cand
            judge.score(cand)
            log(f"  {len(seen):3d} {cand.fitness:.4f}  {' '.join(seq)}")

        for _ in range(n_random):
            consider(random_sequence(rng, space))
        for g in range(generations):
            parents = sorted(seen.values(), key=lambda c: -(c.fitness or 0))[:PARENTS]
            log(f"generation {g + 1}: parents {[round(p.fitness or 0, 3) for p in parents]}")
            for _ in range(children):
                consider(mutate(rng.choice(parents).actions, rng, space))
    return sorted(seen.values(), key=lambda c: -(c.fitness or 0))


def size_portfolio(programs: Sequence[Benchmark], *, seconds: float, seed: int = 0, keep: int = PORTFOLIO_KEEP,
                   log: Callable[[str], None] = print) -> list[Scored]:
    """Sequences that complement each other, for the ``exact`` size selector (which runs several and keeps the
    smallest): one ``rlopt tune --objective size`` session of ``seconds`` per program finds each program's own
    winner; every winner is counted on every program; then a greedy cover keeps, one at a time, the winner
    that most raises the mean over programs of the log of the best ratio to -Oz so far (-Oz itself is 1).

    A sequence good on every program is worth less to such a selector than two that each win big where the
    other does not: a geometric-mean search (:func:`search`) finds the first kind only."""
    found: dict[str, Scored] = {}
    own: dict[str, float] = {}  # a winner's ratio on the program it was found for
    oz: dict[str, int] = {}  # each program's -Oz count, from its session
    with Engine(timeout=measure.ENGINE_TIMEOUT) as engine, tempfile.TemporaryDirectory(prefix="rlopt-search-") as d:
        for i, b in enumerate(programs):
            module = benchmarks.ir(b, "O3")
            program = tune.Program(module, engine, Path(d))
            try:
                text = engine.optimize(module, "verify").decode(errors="replace")
                first = tune.first_candidates(text, "size", None, "policy", program.tc)
                result = tune.tune_size(program, first, evals=None, seconds=seconds, seed=seed + i)
            finally:
                program.close()
            log(f"  {b.name}: {result.verdict}")
            oz[b.uri] = result.baseline_ir_instructions or 0
            ratio = (result.baseline_ir_instructions or 0) / max(1, result.ir_instructions or 1)
            if result.improved and ratio >= 1 + MIN_OWN_GAIN and ratio > own.get(result.pipeline, 0):
                found[result.pipeline], own[result.pipeline] = Scored(tokens(result.pipeline)), ratio
        pool = sorted(found, key=lambda p: -own[p])[:MAX_POOL]
        log(f"counting {len(pool)} winners (of {len(found)}) on {len(programs)} programs")
        for i, b in enumerate(programs):  # a program at a time: candidates that start alike share a prefix
            log(f"  [{i + 1}/{len(programs)}] {b.name}")
            program = tune.Program(benchmarks.ir(b, "O3"), engine, Path(d))
            try:
                for cand in (found[text] for text in pool):
                    with contextlib.suppress(ToolError):  # a sequence that fails here just covers nothing here
                        count = program.ir_instructions(cand.pipeline)
                        cand.per_program[_program_id(b.uri)] = round(oz[b.uri] / max(1, count), 4)
            finally:
                program.close()
    return cover([found[p] for p in pool], keep)


def _program_id(uri: str) -> str:
    """A program's name in ``per_program``, unique across datasets (cbench-v1 and rlopt-suite-v0 both have a
    ``dijkstra``)."""
    return uri.removeprefix("benchmark://")


def cover(scored: Sequence[Scored], keep: int) -> list[Scored]:
    """Greedy: the sequence that most raises the mean log of each program's best ratio (never below 1), until
    ``keep`` or no sequence adds anything. ``fitness`` becomes that mean's rise, as a ratio."""
    pool = [c for c in scored if c.per_program]
    best = {p: 0.0 for c in pool for p in c.per_program}
    chosen: list[Scored] = []

    def rise(c: Scored) -> float:
        return sum(max(0.0, math.log(r) - best[p]) for p, r in c.per_program.items()) / max(1, len(best))

    while pool and len(chosen) < keep:
        pick = max(pool, key=rise)
        gain = rise(pick)
        if gain <= 0:
            break
        for p, r in pick.per_program.items():
            best[p] = max(best[p], math.log(r))
        pick.fitness = math.exp(gain)
        chosen.append(pick)
        pool.remove(pick)
    return chosen


def write_searched(scored: Sequence[Scored], programs: Sequence[Benchmark], path: Path = measure.SEARCHED_FILE,
                   keep: int = KEEP, prefix: str = "S", *, append: bool = False) -> list[Scored]:
    """Keep the ``keep`` best sequences that are not plain clang pipelines; write them as the table's candidates.

    With ``append``, the file's sequences stay (their names are columns of the table and pipelines of shipped
    models) and the new ones follow them, numbered on; sequences the file already has are skipped."""
    plain = set(measure.STANDARD.values()) | set(measure.MACROS.values())
    if append and path.is_file():
        doc = json.loads(path.read_text())
    else:
        doc = {"date": "", "programs": [b.uri for b in programs], "rounds": ROUNDS, "pipelines": []}
    known = plain | {e["pipeline"] for e in doc["pipelines"]}
    chosen = [c for c in scored if c.pipeline not in known and (c.fitness or 0) > 0][:keep]
    if append and not chosen:
        raise RloptError(f"the search found no sequence {path.name} does not have already: nothing written")
    if not chosen or (len(chosen) < keep and not append):
        raise RloptError(f"the search found only {len(chosen)} usable sequences (wanted {keep})")
    first = len(doc["pipelines"]) + 1
    doc["date"] = time.strftime("%Y-%m-%d")
    doc["pipelines"] += [{"name": f"{prefix}{first + i:02d}", "actions": list(c.actions), "pipeline": c.pipeline,
                          "search_fitness": round(c.fitness or 0, 4), "per_program": c.per_program}
                         for i, c in enumerate(chosen)]
    write_file(path, (json.dumps(doc, indent=1) + "\n").encode())
    return chosen
