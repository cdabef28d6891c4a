"""The speed tuner against plain random search on simulated programs (``rlopt.training.tune_sim``).

Nothing is compiled or run, so a suite of 80 programs takes seconds and each answer's true gain is known:
a quick check of a change to the tuner before the hours of ``benchmarks/tune_eval.py`` on real programs.

``.venv/bin/python benchmarks/tune_sim.py [--programs 80] [--suite-seeds 1,2,3]``
prints a table and writes ``benchmarks/results/tune_sim.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rlopt.output import write_file
from rlopt.training import tune_sim


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=80, help="per suite")
    ap.add_argument("--suite-seeds", default="1,2,3", help="which simulated suites (comma-separated)")
    ap.add_argument("--evals", type=int, default=100)
    ap.add_argument("--strategies", default="policy,random")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "tune_sim.json")
    args = ap.parse_args()
    rows = []
    for strategy in args.strategies.split(","):
        for suite in (int(s) for s in args.suite_seeds.split(",")):
            started = time.monotonic()
            sessions = [tune_sim.session(i, suite, strategy, args.evals) for i in range(args.programs)]
            rows.append({"strategy": strategy, "suite_seed": suite, **tune_sim.score(sessions),
                         "seconds": round(time.monotonic() - started, 1)})
    print(f"{args.programs} simulated programs per suite, {args.evals} runs each; true gains of the answers")
    print("| strategy | suite | geomean vs -O3 | oracle | programs improved | false wins | seconds |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['strategy']} | {r['suite_seed']} | {r['geomean']:.4f}x | {r['oracle']:.4f}x | "
              f"{r['improved']} of {r['with_wins']} | {r['false_wins']} | {r['seconds']} |")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_file(args.out, (json.dumps({"evals": args.evals, "rows": rows}, indent=1) + "\n").encode())


if __name__ == "__main__":
    main()
