#!/usr/bin/env python3
"""What do the passes ``-O3`` leaves off do to run time? Each switch (``rlopt.knobs.SWITCHES``) alone and all of
them at once (``knobs.O3_SWITCHED``, the tuner's candidate) timed against ``-O3`` on the table's quiet timed
programs, by the table's own protocol (``measure.measure_program``: a noise twin, wins and losses beyond each
program's margin; identical binaries are timed once and share ``-O3``'s verdict).

Reads the table for the program list only; nothing is trained or selected. Resumes from ``--out``.
``.venv/bin/python benchmarks/switches.py [--limit N] [--only-all]``  (~1 min per program with every candidate)
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from pathlib import Path
from typing import Any

from rlopt import knobs
from rlopt.engine import Engine
from rlopt.errors import RloptError
from rlopt.output import write_file
from rlopt.training import benchmarks, measure
from rlopt.training.headroom import quiet_timed

RESULTS = Path(__file__).resolve().parent / "results" / "switches.json"
ALL = "O3+switches"


def candidates(only_all: bool) -> dict[str, str]:
    """Each switch on ``-O3`` alone (unless ``only_all``), and all of them."""
    single = {} if only_all else {n: f"default<O3>@{n}=1" for n in knobs.SWITCHES}
    return {**single, ALL: knobs.O3_SWITCHED}


def quiet_programs(table: dict[str, Any]) -> list[str]:
    """The table's timed programs whose -O3 timing was quiet (as the selectors are judged)."""
    return [u for u, r in sorted(table["programs"].items()) if quiet_timed(r)]


def summary(done: dict[str, Any], names: list[str]) -> list[dict[str, Any]]:
    """Per candidate: programs whose binary it changed, wins/losses beyond noise there, geomeans, extremes."""
    rows = [r for r in done.values() if quiet_timed(r)]
    out = []
    for name in names:
        entries = [r["candidates"][name] for r in rows if name in r["candidates"]]
        wrong = sum("wrong output" in e.get("error", "") for e in entries)
        timed = [e for e in entries if "speedup" in e]
        changed = [e for e in timed if e.get("same_as") != measure.BASELINE]
        ratios = [e["speedup"] for e in changed]
        out.append({"candidate": name, "programs": len(entries), "changed": len(changed), "wrong_output": wrong,
                    "wins": sum(bool(e.get("win")) for e in changed),
                    "losses": sum(bool(e.get("loss")) for e in changed),
                    "geomean_changed": statistics.geometric_mean(ratios) if ratios else None,
                    "geomean_timed": statistics.geometric_mean([e["speedup"] for e in timed]) if timed else None,
                    "worst": min(ratios, default=None), "best": max(ratios, default=None)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=measure.TABLE_FILE)
    ap.add_argument("--only-all", action="store_true", help=f"time {ALL} only (one candidate: faster)")
    ap.add_argument("--limit", type=int, help="stop after this many programs (the rest on a later run)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    cands = candidates(args.only_all)
    done: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    uris = quiet_programs(measure.load_table(args.table))
    todo = [u for u in uris if not set(cands) <= set(done.get(u, {}).get("candidates", {}))][:args.limit]
    started = time.time()
    with Engine(timeout=measure.ENGINE_TIMEOUT) as engine:
        for i, uri in enumerate(todo, 1):
            t0 = time.time()
            try:
                done[uri] = measure.measure_program(benchmarks.get(uri), cands, engine)
            except RloptError as e:
                done[uri] = {"error": str(e)}
            write_file(args.out, json.dumps(done, indent=1).encode())
            got = done[uri].get("candidates", {}).get(ALL, {})
            print(f"[{i}/{len(todo)}] {uri}: {ALL} {got.get('speedup', got.get('error', done[uri].get('error')))} "
                  f"({time.time() - t0:.0f} s)", flush=True)
    table = summary(done, list(cands))
    print("\n| candidate | programs | binary changed | wrong output | wins | losses | geomean (changed) "
          "| geomean (timed) | worst | best |\n|---|---|---|---|---|---|---|---|---|---|")
    for r in table:
        cells = [f"{r[k]:.4f}x" if isinstance(r[k], float) else "-" if r[k] is None else str(r[k]) for k in
                 ("programs", "changed", "wrong_output", "wins", "losses", "geomean_changed", "geomean_timed",
                  "worst", "best")]
        print(f"| {r['candidate']} | " + " | ".join(cells) + " |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.time() - started:.0f} s, peak RSS {peak:.0f} MB (this process)")
    write_file(args.out.with_suffix(".summary.json"), json.dumps(
        {"summary": table, "date": time.strftime("%Y-%m-%d %H:%M")}, indent=1).encode())


if __name__ == "__main__":
    main()
