"""Evaluate a policy against -O0, -O3, -Oz, random search and the size tuner, per benchmark, with geometric means.

Every candidate starts from the same IR (what ``clang -O3`` hands its optimizer, see ``benchmarks.ir``):

* ``O0`` no passes, ``O3`` ``default<O3>`` (exactly ``clang -O3``), ``Oz`` ``default<Oz>``;
* ``random``: ``random_trials`` random episodes of ``budget`` steps over the policy's allowed actions, the one
  with the fewest IR instructions kept (a cheap, deterministic search objective);
* ``tuner``: ``rlopt tune --objective size`` at the same budget as ``random`` (``random_trials`` pipelines after
  -Oz's own count): the shipped size selector's ranking, the size macros, then moves around the best, by exact
  IR instruction count (:func:`rlopt.tune.tune_size`; never more instructions than -Oz);
* ``policy``: what ``-O-rl`` would run: a step-by-step policy's :func:`rlopt.policy.optimize_module` with at most
  ``budget`` steps, or a selector's one-shot choice.

:func:`evaluate_table` judges a selector without building anything: leave-family-out against the measured
pipeline table (the evaluation ``docs/policy.md`` reports).

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
import statistics
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlopt import irparse, passes, toolchain
from rlopt import policy as policy_mod
from rlopt.engine import Engine
from rlopt.errors import ToolError
from rlopt.ir import write_file
from rlopt.training import benchmarks, runtime
from rlopt.training.benchmarks import Benchmark
from rlopt.training.programs import IrFile

BASELINES = {"O0": "", "O3": passes.OPT_LEVELS["O3"], "Oz": passes.OPT_LEVELS["Oz"]}
METRICS = ("instructions", "text_size", "proxy", "runtime")
#: The metrics that build and run the program (not for bare IR).
RUN_METRICS = ("proxy", "runtime")
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
        """``metric`` of a candidate divided by -O3's on the same benchmark (runtimes are seconds, both timed in the
        same interleaved rounds)."""
        c, ref = self.results[bench][cand], self.results[bench][REFERENCE]
        value, base = getattr(c, metric), getattr(ref, metric)
        if value is None or base is None or base <= 0:
            return None
        return value / base

    def geomean(self, cand: str, metric: str) -> float | None:
        """Geometric mean of the ratios over the benchmarks where the ratio exists."""
        ratios = [r for b in self.results if (r := self.ratio(b, cand, metric)) is not None and r > 0]
        return statistics.geometric_mean(ratios) if ratios else None

    @property
    def candidates(self) -> list[str]:
        return list(next(iter(self.results.values()))) if self.results else []

    def table(self) -> str:
        """One block per measured metric: benchmarks x candidates as ratios to -O3, then the geomean row."""
        out = io.StringIO()
        names = self.candidates
        width = max([14, *(len(b) + 1 for b in self.results)])  # llvm-test-suite's names are long paths
        for metric in self.config["metrics"]:
            out.write(f"\n{metric} (ratio to -O3; lower is better)\n")
            out.write(f"{'benchmark':{width}s}" + "".join(f"{n:>9s} " for n in names).rstrip() + "\n")
            for bench in self.results:
                cells = []
                for n in names:
                    r = self.ratio(bench, n, metric)
                    status = self.results[bench][n].status
                    cells.append(f"{'-' if r is None else f'{r:.3f}':>9s}{'!' if status != 'ok' else ' '}")
                out.write(f"{bench:{width}s}" + "".join(cells) + "\n")
            g = [self.geomean(n, metric) for n in names]
            out.write(f"{'geomean':{width}s}" + "".join(f"{'-' if x is None else f'{x:.3f}':>9s} " for x in g) + "\n")
        bad = [f"{b}/{n}: {c.status}" for b, cs in self.results.items() for n, c in cs.items() if c.status != "ok"]
        if bad:
            out.write("\n! not valid (runtime metrics not reported): " + "; ".join(bad) + "\n")
        out.write(self.legend())
        return out.getvalue()

    def legend(self) -> str:
        """What the candidates are, with this evaluation's budget (the table's columns do not say)."""
        c = self.config
        lines = ["", "candidates, each from the IR clang -O3 hands its optimizer (an IR file: as it is):",
                 "  O0, O3, Oz: no passes, default<O3>, default<Oz>",
                 f"  random: the fewest IR instructions of {_count(c['random_trials'], 'random pipeline')} of "
                 f"{_count(c['budget'], 'step')}, or no passes if none has fewer (a size search, also under the "
                 "speed metrics)",
                 f"  tuner: rlopt tune's size search, {_count(c['tuner_evals'], 'pipeline')} (also a size search)"]
        if "policy" in self.candidates:
            lines.append(f"  policy: the model ({c['model']}), at most {_count(c['budget'], 'step')}")
        return "\n".join(lines) + "\n"

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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def random_search(ir: bytes, space: Sequence[passes.Action], allowed: np.ndarray, *, budget: int, trials: int,
                  engine: Engine, rng: np.random.Generator) -> Candidate:
    """The best of ``trials`` random ``budget``-step pipelines by IR instruction count (crashing ones skipped)."""
    choices = np.flatnonzero(allowed)
    best = Candidate("", instructions=float(irparse.instruction_count(ir.decode())))
    for _ in range(trials):
        actions = [space[i] for i in rng.choice(choices, size=budget)]
        pipeline = passes.sequence(a.pipeline for a in actions)  # as the environment runs them
        try:
            count = float(irparse.instruction_count(engine.optimize(ir, pipeline).decode()))
        except ToolError:
            continue
        if count < best.instructions:
            best = Candidate(pipeline, [a.name for a in actions], instructions=count)
    return best


def tuner_search(ir: bytes, *, evals: int, engine: Engine, seed: int) -> Candidate:
    """The size tuner of ``rlopt tune`` with ``evals`` pipelines (a search baseline beside ``random``)."""
    from rlopt import tune

    tc = toolchain.find()
    with tempfile.TemporaryDirectory(prefix="rlopt-eval-tune-") as d:
        program = tune.Program(ir, engine, Path(d), tc=tc)
        try:
            first = tune.first_candidates(engine.optimize(ir, "verify").decode(errors="replace"), "size", None,
                                          "policy", tc)
            result = tune.tune_size(program, first, evals=evals, seconds=None, seed=seed)
        finally:
            program.close()
    return Candidate(result.pipeline, [result.name], instructions=float(result.ir_instructions or 0))


def evaluate(bench_list: Sequence[Benchmark | IrFile], policy: policy_mod.Policy | policy_mod.Selector | None, *,
             budget: int | None = None,
             random_trials: int = 10, metrics: Sequence[str] = METRICS, runtime_rounds: int = 5, seed: int = 0,
             progress: Any = None) -> Report:
    """Measure every candidate on every benchmark (see the module docstring for what each one is)."""
    unknown = set(metrics) - set(METRICS)
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(sorted(unknown))} (known: {', '.join(METRICS)})")
    bare = [b.name for b in bench_list if isinstance(b, IrFile)]
    if bare and set(metrics) & set(RUN_METRICS):
        raise ValueError(f"{bare[0]} is bare IR (no sources to build and run): metrics "
                         f"{', '.join(m for m in METRICS if m not in RUN_METRICS)} only")
    stepwise = policy if isinstance(policy, policy_mod.Policy) else None
    budget = budget or (stepwise.card.max_steps if stepwise else 10)
    rng = np.random.default_rng(seed)
    bench_list = list({b.uri: b for b in bench_list}.values())  # a program named twice is measured once
    names = [b.name for b in bench_list]
    if len(set(names)) < len(names):  # programs of two datasets share a name: rows by dataset/name
        names = [b.uri.split("://", 1)[-1] for b in bench_list]
    results: dict[str, dict[str, Candidate]] = {}
    with Engine(timeout=toolchain.COMMAND_TIMEOUT) as engine:  # as rlopt -O-rl runs it
        for name, bench in zip(names, bench_list, strict=True):
            if progress:
                progress(name)
            if isinstance(bench, IrFile):  # as it is, printed as text (for the counts)
                ir = engine.optimize(bench.path.read_bytes(), "verify", name=str(bench.path))
            else:  # the IR clang -O3 hands its optimizer
                ir = benchmarks.ir(bench, "O3")
            cands = {n: Candidate(p) for n, p in BASELINES.items()}
            space = stepwise.space if stepwise else passes.EXTENDED_ACTIONS
            allowed = stepwise.allowed() if stepwise else np.array([a.safe for a in space])
            cands["random"] = random_search(ir, space, allowed, budget=budget, trials=random_trials,
                                            engine=engine, rng=rng)
            cands["tuner"] = tuner_search(ir, evals=random_trials, engine=engine, seed=seed)
            if stepwise:
                r = policy_mod.optimize_module(ir, stepwise, max_steps=budget,
                                               apply=engine.optimize)
                cands["policy"] = Candidate(r.pipeline, r.actions, status="fallback" if r.fell_back else "ok")
            elif policy:  # as -O-rl decides: an exact selector measures its candidates, the others predict
                pipeline = policy_mod.choose_pipeline(ir, model=policy, backend=engine)
                cands["policy"] = Candidate(pipeline, [policy.names[policy.pipelines.index(pipeline)]])
            _measure(bench, ir, cands, metrics, engine, runtime_rounds)
            results[name] = cands
    config = {"benchmarks": names, "budget": budget, "random_trials": random_trials,
              "tuner_evals": random_trials,
              "metrics": list(metrics), "runtime_rounds": runtime_rounds, "seed": seed,
              "model": str(policy.path) if policy else None,
              "action_space": stepwise.card.action_space if stepwise else "rlopt-extended-v0"}
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
    if not set(RUN_METRICS) & set(metrics):
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
        with runtime.run_directory(bench) as cwd:  # as the env runs it: its data files, stdin and environment
            if "proxy" in metrics:
                for n, exe in exes.items():
                    cands[n].proxy = float(runtime.callgrind_instructions(exe, bench.small_args, cwd=cwd,
                                                                          stdin=bench.stdin))
            if "runtime" in metrics:
                order = [REFERENCE, *(n for n in exes if n != REFERENCE)]
                cmp = runtime.compare_runtimes([exes[n] for n in order], bench.args, rounds=rounds, cwd=cwd,
                                               stdin=bench.stdin, env=bench.env)
                for n, t in zip(order, cmp.mins, strict=True):
                    cands[n].runtime = t


# ---------------------------------------------------------------- judged by the measured table

def evaluate_table(table: dict[str, Any], model: policy_mod.Selector) -> dict[str, Any]:
    """A selector judged by the measured pipeline table, without building anything.

    Two views: *leave-family-out* (for each family, a selector of the model's kind is trained on the other
    families and judged on this one: how it does on programs unlike any it saw) and the *shipped model*
    itself on the held-out test split (its own ONNX file, fed each program's stored Autophase vector).
    Ratios are to the objective's baseline (-O3 for speed, -Oz for size; above 1 is better); wins and losses
    count only beyond each program's measured noise (speed) or strictly (size).
    """
    from rlopt.training import selector

    objective, kind = str(model.card["objective"]), str(model.card["model"])
    base = selector.BASELINES[objective]
    data = selector.load_data(table, objective)
    lfo = selector.leave_family_out(data, objective, kind, max_full=model.card.get("max_full"))
    test = [i for i in range(len(data.uris)) if data.splits[i] == "test"]
    shipped = []
    exact = selector.exact_picks(data, [data.candidates.index(n) for n in model.names]) if model.exact else None
    for i in test:
        j = int(exact[i]) if exact is not None else data.candidates.index(model.decide(data.features[i]).chosen)
        chosen = data.candidates[j]
        shipped.append({"uri": data.uris[i], "chosen": chosen, "ratio": round(math.exp(data.gain[i, j]), 4),
                        "win": bool(data.win[i, j]), "loss": bool(data.loss[i, j])})
    for row in lfo["programs"] + shipped:
        cands = table["programs"][row["uri"]]["candidates"]
        row["family"] = table["programs"][row["uri"]]["family"]
        row["text_ratio"] = round(cands[base]["text_size"] / cands[row["chosen"]]["text_size"], 4)
    return {"objective": objective, "baseline": base, "kind": kind, "model": str(model.path),
            "table_updated": table.get("updated"), "leave_family_out": lfo,
            "shipped_test": {**_summary(shipped), "rows": shipped}}


def _summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    ratios = [r["ratio"] for r in rows]
    return {"programs": len(rows), "geomean": round(statistics.geometric_mean(ratios), 4) if rows else None,
            "text_geomean": round(statistics.geometric_mean([r["text_ratio"] for r in rows]), 4) if rows else None,
            "wins": sum(r["win"] for r in rows), "losses": sum(r["loss"] for r in rows),
            "worst": min(ratios, default=None), "distinct": len({r["chosen"] for r in rows}),
            "text_not_larger": sum(r["text_ratio"] >= 1 for r in rows)}


def table_markdown(result: dict[str, Any]) -> str:
    """``evaluate_table``'s result as the Markdown tables the README and docs/policy.md show."""
    base, lfo = result["baseline"], result["leave_family_out"]
    overall = _summary(lfo["programs"])
    what = "speed" if result["objective"] == "speed" else "IR instructions"
    lines = [f"{result['objective']} model ({result['kind']} selector), ratios to -{base} ({what}; `.text` size "
             f"beside it; above 1 is better), table of {result['table_updated']}", "",
             "| evaluation | programs | geomean | .text geomean | wins | losses | worst | distinct pipelines "
             "| .text <= baseline |", "|---|---|---|---|---|---|---|---|---|"]
    for name, s in (("leave-family-out", overall), ("shipped model, test split", result["shipped_test"])):
        if s["programs"]:
            lines.append(f"| {name} | {s['programs']} | {s['geomean']:.4f}x | {s['text_geomean']:.4f}x | {s['wins']} "
                         f"| {s['losses']} | {s['worst']:.4f}x | {s['distinct']} | {s['text_not_larger']} |")
    lines += ["", "| program (leave-family-out) | family | chosen | ratio | .text ratio | verdict |",
              "|---|---|---|---|---|---|"]
    for r in sorted(lfo["programs"], key=lambda r: (r["family"], r["uri"])):
        verdict = "win" if r["win"] else "loss" if r["loss"] else "within noise" if r["chosen"] != base else "-"
        lines.append(f"| {r['uri'].split('/', 2)[-1]} | {r['family']} | {r['chosen']} | {r['ratio']:.4f}x "
                     f"| {r['text_ratio']:.4f}x | {verdict} |")
    return "\n".join(lines)
