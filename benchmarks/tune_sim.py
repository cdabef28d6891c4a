"""The speed tuner against plain random search on simulated programs (``rlopt.training.tune_sim``).

Nothing is compiled or run, so a suite of 80 programs takes seconds and each answer's true gain is known:
a quick check of a change to the tuner before the hours of ``benchmarks/tune_eval.py`` on real programs.

``.venv/bin/python benchmarks/tune_sim.py [--programs 80] [--suite-seeds 1,2,3] [--wins measured]``
prints a table and writes ``benchmarks/results/tune_sim.json`` (``tune_sim-measured.json``). ``--wins measured``
simulates the knob table's validation and test programs instead: their measured wins and losses (the knob
screen was ordered on its training programs), the noise still drawn per suite.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rlopt.output import write_file
from rlopt.training import measure, tune_sim


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=80, help="per suite")
    ap.add_argument("--suite-seeds", default="1,2,3", help="which simulated suites (comma-separated)")
    ap.add_argument("--evals", type=int, default=100)
    ap.add_argument("--strategies", default="policy,random")
    ap.add_argument("--wins", choices=("synthetic", "measured"), default="synthetic",
                    help="where the wins hide: drawn at random, or as the knob table measured them")
    ap.add_argument("--table", type=Path, default=measure.KNOB_TABLE_FILE, help="for --wins measured")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    profiles = None
    if args.wins == "measured":
        profiles = tune_sim.measured_profiles(json.loads(args.table.read_text()))
        args.programs = len(profiles)
    out = args.out or Path(__file__).parent / "results" / (
        "tune_sim.json" if profiles is None else "tune_sim-measured.json")
    rows = []
    for strategy in args.strategies.split(","):
        for suite in (int(s) for s in args.suite_seeds.split(",")):
            started = time.monotonic()
            sessions = [tune_sim.session(i, suite, strategy, args.evals, profiles) for i in range(args.programs)]
            rows.append({"strategy": strategy, "suite_seed": suite, **tune_sim.score(sessions),
                         "seconds": round(time.monotonic() - started, 1)})
    where = "wins drawn at random" if profiles is None else f"wins and losses as measured in {args.table.name}"
    print(f"{args.programs} simulated programs per suite ({where}), {args.evals} runs each; true gains of the answers")
    print("| strategy | suite | geomean vs -O3 | oracle | programs improved | false wins | seconds |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['strategy']} | {r['suite_seed']} | {r['geomean']:.4f}x | {r['oracle']:.4f}x | "
              f"{r['improved']} of {r['with_wins']} | {r['false_wins']} | {r['seconds']} |")
    write_file(out, (json.dumps({"evals": args.evals, "wins": args.wins, "rows": rows}, indent=1) + "\n").encode())


if __name__ == "__main__":
    main()
