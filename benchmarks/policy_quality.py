"""Compare fixed pipelines and shipped/candidate policies against -O3 in one interleaved measurement.

``rlopt-train eval`` measures one policy; choosing between models (and deciding which macro actions are worth
adding to the action space) needs several candidates measured side by side, on the same machine load. Every
candidate starts from the benchmark's IR as ``clang -O3`` hands it to its optimizer; the measurement is
``rlopt.training.evaluate``'s (IR instructions, ``.text`` bytes, callgrind proxy with the small input,
interleaved min-of-N CPU-time runtime against -O3 with the full input; outputs validated against -O0).

    .venv/bin/python benchmarks/policy_quality.py --split validation --model speed --model runs/x/policy.onnx \\
        --pipeline 'O3x2=default<O3>,default<O3>' [--builtin] [--rounds 5] [--out DIR]

``--builtin`` adds the candidate pipelines of :data:`CANDIDATES`. A policy candidate is named after its model
file (``speed``, ``policy``, ...; give ``NAME=PATH`` to choose the name). Writes ``eval.json``/``eval.csv``
to ``--out`` when given.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from rlopt import policy as policy_mod
from rlopt import toolchain
from rlopt.engine import Engine
from rlopt.errors import RloptError
from rlopt.training import benchmarks, evaluate, measure

#: Fixed pipelines worth screening as macro actions: the table's speed macros (rlopt.training.measure).
CANDIDATES: dict[str, str] = measure.SPEED_MACROS


def named(spec: str) -> tuple[str, str]:
    """``NAME=VALUE`` -> (NAME, VALUE); a bare model path or name is named after its file stem."""
    name, sep, value = spec.partition("=")
    if sep and name and "/" not in name and not name.endswith(".onnx"):
        return name, value
    return Path(spec).stem, spec


def compare(bench_list: list[benchmarks.Benchmark], pipelines: dict[str, str], models: dict[str, str], *,
            metrics: tuple[str, ...] = evaluate.METRICS, rounds: int = 5, budget: int | None = None,
            progress: bool = True) -> evaluate.Report:
    """Measure -O0/-O3/-Oz, every fixed pipeline and every policy on every benchmark, interleaved with -O3."""
    clash = (set(pipelines) & set(models)) | ((set(pipelines) | set(models)) & set(evaluate.BASELINES))
    if clash:
        raise RloptError(f"candidate names used twice: {', '.join(sorted(clash))}")
    loaded = {n: policy_mod.Policy.load(m) for n, m in models.items()}
    results: dict[str, dict[str, evaluate.Candidate]] = {}
    with Engine(timeout=toolchain.COMMAND_TIMEOUT) as engine:
        for bench in bench_list:
            if progress:
                print(f"measuring {bench.name} ...", file=sys.stderr, flush=True)
            ir = benchmarks.ir(bench, "O3")
            ir = ir.encode() if isinstance(ir, str) else ir
            cands = {n: evaluate.Candidate(p) for n, p in {**evaluate.BASELINES, **pipelines}.items()}
            for n, pol in loaded.items():
                r = policy_mod.optimize_module(ir, pol, max_steps=budget,
                                               apply=engine.optimize)
                cands[n] = evaluate.Candidate(r.pipeline, r.actions, status="fallback" if r.fell_back else "ok")
            evaluate._measure(bench, ir, cands, metrics, engine, rounds)  # noqa: SLF001 (one measurement, shared)
            results[bench.name] = cands
    config = {"benchmarks": [b.name for b in bench_list], "metrics": list(metrics), "runtime_rounds": rounds,
              "budget": budget, "models": models, "pipelines": pipelines, "loadavg": list(os.getloadavg())}
    return evaluate.Report(config, results)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--split", choices=("train", "validation", "test"))
    group.add_argument("--benchmarks", help="comma-separated names or URIs")
    ap.add_argument("--model", action="append", default=[], help="[NAME=]model name or .onnx path (repeatable)")
    ap.add_argument("--pipeline", action="append", default=[], help="NAME=PIPELINE (repeatable)")
    ap.add_argument("--builtin", action="store_true", help="add the built-in candidate pipelines")
    ap.add_argument("--metrics", default=",".join(evaluate.METRICS))
    ap.add_argument("--rounds", type=int, default=5, help="interleaved runtime rounds (min over them)")
    ap.add_argument("--budget", type=int, default=None, help="policy steps (default: each model card's)")
    ap.add_argument("--out", help="directory for eval.json and eval.csv")
    args = ap.parse_args(argv)
    try:
        if args.split:
            bench = benchmarks.suite(args.split)
        else:
            bench = [benchmarks.get(n.strip()) for n in args.benchmarks.split(",") if n.strip()]
        pipelines = {**(CANDIDATES if args.builtin else {}), **dict(named(p) for p in args.pipeline)}
        models = dict(named(m) for m in args.model)
        report = compare(bench, pipelines, models, metrics=tuple(args.metrics.split(",")), rounds=args.rounds,
                         budget=args.budget)
    except (RloptError, KeyError, ValueError) as e:
        print(f"policy_quality: error: {e}", file=sys.stderr)
        return 1
    print(report.table())
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.out:
        for p in report.write(args.out):
            print(f"wrote {p}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
