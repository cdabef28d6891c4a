#!/usr/bin/env python3
"""Do the table's wins over ``-O3`` hold when timed again? The honest size of the speed headroom.

The knob table's oracle (each program's fastest win among 31 candidates) is 1.088x ``-O3`` on its 150 quiet timed programs, and
no selector trained on it gets above parity on programs it never saw (docs/policy.md). Either the selectors
miss headroom that is there, or part of it is the best of 31 noisy numbers. This times each program's best
candidate against ``-O3`` once more, in a new session with its own noise twin (``measure.measure_program``,
the table's own protocol), and counts how many wins beyond noise are wins again.

Reads only the table and the datasets; nothing is trained or selected here. Resumes from ``--out``.
``.venv/bin/python benchmarks/replicate_wins.py [--table training/tables/knob-table.json] [--all] [--limit N]``
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time
from pathlib import Path
from typing import Any

from rlopt.engine import Engine
from rlopt.errors import RloptError
from rlopt.output import write_file
from rlopt.training import benchmarks, headroom, measure
from rlopt.training import selector as sel

RESULTS = Path(__file__).resolve().parent / "results" / "replicate_wins.json"
VERDICT = ("speedup", "speedup_median", "win", "loss")  # what is kept of a candidate's entry, in either session


def best_candidate(row: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The oracle's choice (``headroom.program_headroom``: the fastest win, none that deleted the benchmark's
    work); for a program without a win, its fastest other candidate by the more cautious of its two speedups."""
    best = headroom.program_headroom(row)["best"]
    if best != "O3":
        return best, row["candidates"][best]
    timed = [(n, c) for n, c in row["candidates"].items()
             if n != "O3" and "speedup" in c and not c.get("error") and not c.get("suspect")]
    return max(timed, key=lambda nc: min(nc[1]["speedup"], nc[1]["speedup_median"])) if timed else None


def chosen(table: dict[str, Any], everything: bool) -> list[tuple[str, str, dict[str, Any]]]:
    """(uri, candidate, its table entry) for every quiet timed program (``everything``) or those with a win."""
    out = []
    for uri, row in sorted(table["programs"].items()):
        if not headroom.quiet_timed(row):
            continue
        best = best_candidate(row)
        if best and (everything or best[1].get("win")):
            out.append((uri, *best))
    return out


def geomean(xs: list[float]) -> float:
    """Geometric mean of speedups clipped as the selector clips them (one 91x must not make the figure)."""
    clipped = [max(-sel.CLIP, min(sel.CLIP, math.log(x))) for x in xs]
    return math.exp(sum(clipped) / len(clipped)) if clipped else float("nan")


def summary(done: dict[str, Any], uris: list[str], quiet_programs: int) -> dict[str, Any]:
    """Counts and clipped geomeans over ``uris``; ``headroom_*``: the oracle over all ``quiet_programs`` with
    each program's best counted only where it is a win (in the table, or in both sessions), 1.0 elsewhere."""
    rows = [done[u] for u in uris if "again" in done.get(u, {})]
    wins = [r for r in rows if r["table"]["win"]]
    again = [r for r in wins if r["again"]["win"]]
    rest = [1.0] * (quiet_programs - len(wins))
    return {"programs": len(rows), "errors": len(uris) - len(rows), "table_wins": len(wins),
            "wins_again": len(again), "losses_again": sum(r["again"]["loss"] for r in rows),
            "table_geomean": geomean([r["table"]["speedup"] for r in rows]),
            "again_geomean": geomean([r["again"]["speedup"] for r in rows]),
            "quiet_programs": quiet_programs,
            "headroom_table": geomean([r["table"]["speedup"] for r in wins] + rest),
            "headroom_both": geomean([r["again"]["speedup"] for r in again] + rest + [1.0] * (len(wins) - len(again)))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=measure.KNOB_TABLE_FILE)
    ap.add_argument("--all", action="store_true", help="every quiet timed program, not only those with a win")
    ap.add_argument("--limit", type=int, help="stop after this many programs (the rest on a later run)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    table = measure.load_table(args.table)
    done: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    quiet = chosen(table, True)
    picked = quiet if args.all else chosen(table, False)
    todo = [c for c in picked if done.get(c[0], {}).get("candidate") != c[1]][:args.limit]
    started = time.time()
    with Engine(timeout=measure.ENGINE_TIMEOUT) as engine:
        for i, (uri, name, entry) in enumerate(todo, 1):
            t0 = time.time()
            record: dict[str, Any] = {"candidate": name, "pipeline": table["candidates"][name],
                                      "table": {k: entry[k] for k in VERDICT}
                                      | {"margin": table["programs"][uri]["margin"]}}
            try:
                row = measure.measure_program(benchmarks.get(uri), {name: table["candidates"][name]}, engine)
                again = row["candidates"][name]
                if "speedup" in again:
                    record["again"] = {k: again[k] for k in VERDICT} | {
                        "margin": row["margin"], "same_binary": again["binary"] == entry["binary"]}
                else:
                    record["error"] = again.get("error") or "not timed"
            except RloptError as e:
                record["error"] = str(e)
            done[uri] = record
            write_file(args.out, json.dumps(done, indent=1).encode())
            shown = record.get("again", {}).get("speedup", record.get("error"))
            print(f"[{i}/{len(todo)}] {uri} {name}: table {entry['speedup']:.3f}, again {shown} "
                  f"({time.time() - t0:.0f} s)", flush=True)
    s = summary(done, [uri for uri, _, _ in picked], len(quiet))
    print(f"\n| {'re-timed: each program':<44} | value |\n|---|---|")
    for label, key in [("programs (errors)", None), ("wins beyond noise in the table", "table_wins"),
                       ("... wins again in a new session", "wins_again"), ("losses in the new session", "losses_again"),
                       ("geomean of the best, table (clipped)", "table_geomean"),
                       ("geomean of the best, again (clipped)", "again_geomean"),
                       ("quiet timed programs", "quiet_programs"), ("oracle over them, table wins", "headroom_table"),
                       ("oracle over them, wins in both sessions", "headroom_both")]:
        value = f"{s['programs']} ({s['errors']})" if key is None else s[key]
        print(f"| {label:<44} | {value:.4f}x |" if isinstance(value, float) else f"| {label:<44} | {value} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.time() - started:.0f} s, peak RSS {peak:.0f} MB (this process)")
    report = {"summary": s, "table": str(args.table), "date": time.strftime("%Y-%m-%d %H:%M")}
    write_file(args.out.with_suffix(".summary.json"), json.dumps(report, indent=1).encode())


if __name__ == "__main__":
    main()
