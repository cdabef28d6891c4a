"""Runtime-judged search for pipelines that beat -O3 on the training programs (candidates of the table).

The search composes the blocks of :mod:`rlopt.space` (the space ``rlopt tune`` explores too). It starts from
random compositions of 1-4 blocks, then mutates the best (add, drop, swap or replace a block) for a few generations. A sequence's
fitness is the geometric mean over the search programs of its speedup over -O3, timed in interleaved rounds
with fresh copies (:func:`rlopt.training.measure.time_binaries`); a binary identical to -O3's scores 1
without being timed. Search fitness uses few rounds and is optimistic for the lucky; the table measures the
winners again properly.
"""

from __future__ import annotations

import json
import math
import random
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rlopt import passes
from rlopt.cache import digest
from rlopt.engine import Engine
from rlopt.errors import RloptError, ToolError
from rlopt.ir import write_file
from rlopt.space import SIZE, SPEED, mutate, random_sequence
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


@dataclass
class Scored:
    """A sequence of action names and its fitness (geomean speedup over -O3; None until scored)."""

    actions: tuple[str, ...]
    fitness: float | None = None
    per_program: dict[str, float] = field(default_factory=dict)

    @property
    def pipeline(self) -> str:
        return passes.pipeline(self.actions)


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
            cand.per_program[b.name] = round(speed, 4)
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
            cand.per_program[uri.rsplit("/", 1)[-1]] = round(ratio, 4)
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


def write_searched(scored: Sequence[Scored], programs: Sequence[Benchmark], path: Path = measure.SEARCHED_FILE,
                   keep: int = KEEP, prefix: str = "S") -> list[Scored]:
    """Keep the ``keep`` best sequences that are not plain clang pipelines; write them as the table's candidates."""
    plain = set(measure.STANDARD.values()) | set(measure.MACROS.values())
    chosen = [c for c in scored if c.pipeline not in plain and (c.fitness or 0) > 0][:keep]
    if len(chosen) < keep:
        raise RloptError(f"the search found only {len(chosen)} usable sequences (wanted {keep})")
    doc = {"date": time.strftime("%Y-%m-%d"), "programs": [b.uri for b in programs], "rounds": ROUNDS,
           "pipelines": [{"name": f"{prefix}{i + 1:02d}", "actions": list(c.actions), "pipeline": c.pipeline,
                          "search_fitness": round(c.fitness or 0, 4), "per_program": c.per_program}
                         for i, c in enumerate(chosen)]}
    write_file(path, (json.dumps(doc, indent=1) + "\n").encode())
    return chosen
