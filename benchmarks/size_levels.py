"""The shipped size model against ``-Oz`` on the IR each frontend level hands the optimizer.

The measured table (and so ``rlopt-train eval size``) starts every candidate from the IR ``clang -O3`` hands its
optimizer, where ``-Oz`` is ``opt -passes='default<Oz>'`` on functions that carry no ``minsize``/``optsize``
attributes. ``clang -Oz``, and ``rlopt-cc -Oz``, optimize the IR ``clang -Oz`` hands its optimizer, whose
functions do: ``-Oz``'s own passes and its code generation then work for size already. This runs the size
model's real code path (:meth:`rlopt.policy.Selector.measure` in the engine) on each program's IR at each
``--level`` and compares the module it writes with ``-Oz``'s on the same IR: IR instructions and ``.text``
(as clang's backend would make it, docs/engine.md). Prints a table per level and writes JSON.

    .venv/bin/python benchmarks/size_levels.py [--level O3 --level Oz] [--split test] [--programs URI,...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from rlopt import policy
from rlopt.engine import Engine
from rlopt.errors import RloptError
from rlopt.output import write_file
from rlopt.training import benchmarks, datasets

RESULTS = Path(__file__).resolve().parent / "results" / "size_levels.json"


def figures(engine: Engine, module: bytes) -> tuple[int, int]:
    """IR instructions and ``.text`` bytes of an optimized module."""
    h = engine.load(module)
    try:
        return engine.instruction_count(h), engine.object_text_size(h)
    finally:
        engine.free(h)


def geomean(values: list[float]) -> float:
    return math.exp(sum(map(math.log, values)) / len(values)) if values else float("nan")


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    ir = [r["oz_ir"] / r["ir"] for r in rows]
    text = [r["oz_text"] / r["text"] for r in rows]
    return {"programs": len(rows), "ir_vs_oz": round(geomean(ir), 4), "text_vs_oz": round(geomean(text), 4),
            "fewer_ir": sum(x > 1 for x in ir), "more_ir": sum(x < 1 for x in ir),
            "text_larger": sum(x < 1 for x in text), "pipelines": dict(Counter(r["chosen"] for r in rows))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--level", action="append", choices=["O0", "O1", "O2", "O3", "Os", "Oz"], default=[],
                    help="frontend level of the IR (repeatable) [default: O3 and Oz]")
    ap.add_argument("--dataset", action="append", default=[], metavar="NAME",
                    help="dataset (repeatable) [default: every installed one and the suite]")
    ap.add_argument("--split", choices=["train", "validation", "test"], help="only this split's programs")
    ap.add_argument("--programs", default="", metavar="URI,...", help="these programs instead of the datasets'")
    ap.add_argument("--model", default="size")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    levels = args.level or ["O3", "Oz"]
    names = args.dataset or [benchmarks.SUITE, *(d.name for d in datasets.info() if d.installed and d.name in datasets.IMPORTERS)]
    if args.programs:
        programs = [benchmarks.get(uri.strip()) for uri in args.programs.split(",") if uri.strip()]
    else:
        programs = [b for name in names
                    for b in (benchmarks.suite() if name == benchmarks.SUITE else datasets.load(name))]
    programs = [b for b in programs if args.split is None or b.split == args.split]
    try:
        sel = policy.load_model(args.model)
    except RloptError as e:
        sys.exit(f"size_levels: {e}")
    if not isinstance(sel, policy.Selector) or not sel.exact:
        sys.exit(f"size_levels: {args.model} is not an exact size selector")
    started = time.time()
    rows: dict[str, list[dict[str, Any]]] = {level: [] for level in levels}
    with Engine() as engine:
        for i, b in enumerate(programs):
            for level in levels:
                try:
                    data = benchmarks.ir(b, level)
                    chosen, _ = sel.measure(data, engine, b.name)
                    ir, text = figures(engine, engine.optimize(data, chosen, bitcode=True, name=b.name))
                    oz_ir, oz_text = figures(engine, engine.optimize(data, "default<Oz>", bitcode=True, name=b.name))
                except RloptError as e:
                    print(f"  {b.uri} at -{level}: skipped ({e})", file=sys.stderr)
                    continue
                name = sel.names[sel.pipelines.index(chosen)]
                rows[level].append({"program": b.uri, "split": b.split, "chosen": name, "ir": ir, "text": text,
                                    "oz_ir": oz_ir, "oz_text": oz_text})
            print(f"  [{i + 1}/{len(programs)}] {b.uri}", file=sys.stderr, flush=True)
    result = {level: {"summary": summary(r), "rows": r} for level, r in rows.items()}
    print("| IR from clang -<level> | programs | IR instructions vs -Oz | fewer / more | .text vs -Oz | "
          ".text larger | chosen |\n|---|---|---|---|---|---|---|")
    for level, r in result.items():
        s = r["summary"]
        chosen = ", ".join(f"{n} {c}" for n, c in sorted(s["pipelines"].items(), key=lambda x: -x[1]))
        print(f"| -{level} | {s['programs']} | {s['ir_vs_oz']:.4f}x | {s['fewer_ir']} / {s['more_ir']} | "
              f"{s['text_vs_oz']:.4f}x | {s['text_larger']} | {chosen} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.time() - started:.0f} s, peak RSS {peak:.0f} MB (this process)")
    write_file(args.out, json.dumps({"model": args.model, "split": args.split, "levels": result,
                                     "date": time.strftime("%Y-%m-%d %H:%M")}, indent=1).encode())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
