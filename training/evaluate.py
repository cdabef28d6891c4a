"""Evaluate a policy against -O0, -O3, -Oz and random search, per benchmark, with geometric means.

Every candidate starts from the same IR (what ``clang -O3`` hands its optimizer, see ``benchmarks.ir``):

* ``O0`` no passes, ``O3`` ``default<O3>`` (exactly ``clang -O3``), ``Oz`` ``default<Oz>``;
* ``random``: ``random_trials`` random episodes of ``budget`` steps over the policy's allowed actions, the one
  with the fewest IR instructions kept (a cheap, deterministic search objective);
* ``policy``: :func:`rlopt.policy.optimize_module` with at most ``budget`` steps - the same loop as ``-O-rl``.

Metrics: IR instruction count, object ``.text`` size, the callgrind proxy (instructions executed with the small
input) and runtime (interleaved min-of-N against the -O3 binary with the full input,
``runtime.compare_runtimes``). Each is reported as a ratio to -O3 (below 1 is better than -O3). A candidate
whose program prints something else than the -O0 build is a miscompile: its runtime metrics are not reported.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlopt import graph, passes
from rlopt import policy as policy_mod
from rlopt.engine import Engine
from rlopt.errors import ToolError
from rlopt.ir import write_file
from rlopt.training import benchmarks, runtime
from rlopt.training.benchmarks import Benchmark

BASELINES = {"O0": "", "O3": passes.OPT_LEVELS["O3"], "Oz": passes.OPT_LEVELS["Oz"]}
METRICS = ("instructions", "text_size", "proxy", "runtime")
REFERENCE = "O3"


@dataclass
class Candidate:
    """One way of optimizing one benchmark, and what it measured (None = not measured)."""

    pipeline: str
    actions: list[str] = field(default_factory=list)
    instructions: float | None = None
    text_size: float | None = None
    proxy: float | None = None
    runtime: float | None = None
    status: str = "ok"


@dataclass
class Report:
    """All candidates of all benchmarks, plus ratios to -O3 and their geometric means."""

    config: dict[str, Any]
    results: dict[str, dict[str, Candidate]]

    def ratio(self, bench: str, cand: str, metric: str) -> float | None:
        """``metric`` of a candidate divided by -O3's on the same benchmark (runtime already is a ratio)."""
        c, ref = self.results[bench][cand], self.results[bench][REFERENCE]
        value, base = getattr(c, metric), getattr(ref, metric)
        if value is None or base is None or base <= 0:
            return None
        return value / base

    def geomean(self, cand: str, metric: str) -> float | None:
        """Geometric mean of the ratios over the benchmarks where the ratio exists."""
        ratios = [r for b in self.results if (r := self.ratio(b, cand, metric)) is not None and r > 0]
        return math.exp(sum(map(math.log, ratios)) / len(ratios)) if ratios else None

    @property
    def candidates(self) -> list[str]:
        return list(next(iter(self.results.values()))) if self.results else []

    def table(self) -> str:
        """One block per measured metric: benchmarks x candidates as ratios to -O3, then the geomean row."""
        out = io.StringIO()
        names = self.candidates
        for metric in self.config["metrics"]:
            out.write(f"\n{metric} (ratio to -O3; lower is better)\n")
            out.write(f"{'benchmark':14s}" + "".join(f"{n:>10s}" for n in names) + "\n")
            for bench in self.results:
                cells = []
                for n in names:
                    r = self.ratio(bench, n, metric)
                    status = self.results[bench][n].status
                    cells.append(f"{'-' if r is None else f'{r:.3f}':>9s}{'!' if status != 'ok' else ' '}")
                out.write(f"{bench:14s}" + "".join(cells) + "\n")
            g = [self.geomean(n, metric) for n in names]
            out.write(f"{'geomean':14s}" + "".join(f"{'-' if x is None else f'{x:.3f}':>9s} " for x in g) + "\n")
        bad = [f"{b}/{n}: {c.status}" for b, cs in self.results.items() for n, c in cs.items() if c.status != "ok"]
        if bad:
            out.write("\n! not valid (runtime metrics not reported): " + "; ".join(bad) + "\n")
        return out.getvalue()

    def to_json(self) -> dict[str, Any]:
        names = self.candidates
        return {
            "config": self.config,
            "benchmarks": {b: {n: asdict(c) for n, c in cs.items()} for b, cs in self.results.items()},
            "geomean_ratio_to_O3": {m: {n: self.geomean(n, m) for n in names} for m in self.config["metrics"]},
        }

    def to_csv(self) -> str:
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["benchmark", "candidate", "metric", "value", "ratio_to_O3", "status", "pipeline"])
        for b, cs in self.results.items():
            for n, c in cs.items():
                for m in self.config["metrics"]:
                    w.writerow([b, n, m, getattr(c, m), self.ratio(b, n, m), c.status, c.pipeline])
        return out.getvalue()

    def write(self, directory: str | os.PathLike) -> tuple[Path, Path]:
        """Write ``eval.json`` and ``eval.csv`` into ``directory`` (atomically); returns their paths."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = (d / "eval.json", d / "eval.csv")
        write_file(paths[0], json.dumps(self.to_json(), indent=1).encode())
        write_file(paths[1], self.to_csv().encode())
        return paths


def random_search(ir: bytes, space: Sequence[passes.Action], allowed: np.ndarray, *, budget: int, trials: int,
                  engine: Engine, rng: np.random.Generator) -> Candidate:
    """The best of ``trials`` random ``budget``-step pipelines by IR instruction count (crashing ones skipped)."""
    choices = np.flatnonzero(allowed)
    best = Candidate("", instructions=float(graph.instruction_count(ir.decode())))
    for _ in range(trials):
        actions = [space[i] for i in rng.choice(choices, size=budget)]
        pipeline = ",".join(a.pipeline for a in actions)
        try:
            count = float(graph.instruction_count(engine.optimize(ir, pipeline).decode()))
        except ToolError:
            continue
        if count < best.instructions:
            best = Candidate(pipeline, [a.name for a in actions], instructions=count)
    return best


def evaluate(bench_list: Sequence[Benchmark], policy: policy_mod.Policy | None, *, budget: int | None = None,
             random_trials: int = 10, metrics: Sequence[str] = METRICS, runtime_rounds: int = 5, seed: int = 0,
             progress: Any = None) -> Report:
    """Measure every candidate on every benchmark (see the module docstring for what each one is)."""
    unknown = set(metrics) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(sorted(unknown))} (known: {', '.join(METRICS)})")
    budget = budget or (policy.card.max_steps if policy else 10)
    rng = np.random.default_rng(seed)
    results: dict[str, dict[str, Candidate]] = {}
    with Engine(timeout=120) as engine:
        for bench in bench_list:
            if progress:
                progress(bench.name)
            ir = benchmarks.ir(bench, "O3")
            cands = {n: Candidate(p) for n, p in BASELINES.items()}
            space = policy.space if policy else passes.EXTENDED_ACTIONS
            allowed = policy.allowed() if policy else np.array([a.safe for a in space])
            cands["random"] = random_search(ir, space, allowed, budget=budget, trials=random_trials,
                                            engine=engine, rng=rng)
            if policy:
                r = policy_mod.optimize_module(ir, policy, max_steps=budget,
                                               apply=policy_mod.applier(engine.toolchain, engine, timeout=120))
                cands["policy"] = Candidate(r.pipeline, r.actions, status="fallback" if r.fell_back else "ok")
            _measure(bench, ir, cands, metrics, engine, runtime_rounds)
            results[bench.name] = cands
    config = {"benchmarks": [b.name for b in bench_list], "budget": budget, "random_trials": random_trials,
              "metrics": list(metrics), "runtime_rounds": runtime_rounds, "seed": seed,
              "model": str(policy.path) if policy else None,
              "action_space": policy.card.action_space if policy else "rlopt-extended-v0"}
    return Report(config, results)


def _measure(bench: Benchmark, ir: bytes, cands: dict[str, Candidate], metrics: Sequence[str], engine: Engine,
             rounds: int) -> None:
    """Fill in the metrics of every candidate of one benchmark (builds once per candidate)."""
    optimized = {n: engine.optimize(ir, c.pipeline or "verify") for n, c in cands.items()}
    for n, c in cands.items():
        handle = engine.load(optimized[n])
        try:
            c.instructions = float(engine.instruction_count(handle))
            if "text_size" in metrics:
                c.text_size = float(engine.object_text_size(handle))
        finally:
            engine.free(handle)
    if not {"proxy", "runtime"} & set(metrics):
        return
    with tempfile.TemporaryDirectory(prefix="rlopt-eval-") as d:
        exes = {}
        for n, c in cands.items():
            if n not in BASELINES:
                check = runtime.validate(optimized[n], bench)
                if not check.ok:
                    c.status = check.status
                    continue
            exes[n] = runtime.build(optimized[n], Path(d) / n, extra_link=bench.ldflags)
        if "proxy" in metrics:
            for n, exe in exes.items():
                cands[n].proxy = float(runtime.callgrind_instructions(exe, bench.small_args, cwd=bench.cwd))
        if "runtime" in metrics:
            order = [REFERENCE, *(n for n in exes if n != REFERENCE)]
            cmp = runtime.compare_runtimes([exes[n] for n in order], bench.args, rounds=rounds, cwd=bench.cwd)
            for n, t in zip(order, cmp.mins, strict=True):
                cands[n].runtime = t
