"""Long malformed-input run of the ``rlopt`` CLI; every problem count must be 0.

    .venv/bin/python benchmarks/fuzz_cli.py --n 10000 [--jobs 2] [--seed 0] [--subprocess-every 50]

Inputs are generated from the example IR (text and bitcode) by truncation, bit flips, splicing, junk, huge
lines and invalid UTF-8, with random pipeline options; most run in-process through ``rlopt.cli.main`` and
every ``--subprocess-every``-th through the installed entry point. Writes ``benchmarks/results/fuzz_cli.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

from rlopt import toolchain
from rlopt.training.robustness import fuzz

ROOT = Path(__file__).resolve().parent.parent


def run_chunk(job: tuple[int, int, int]) -> fuzz.Tally:
    """Worker: ``n`` cases from their own seed, in a private directory."""
    n, seed, subprocess_every = job
    with tempfile.TemporaryDirectory(prefix="rlopt-fuzz-") as tmp:
        return fuzz.fuzz(toolchain.find(), n, seed, Path(tmp), subprocess_every=subprocess_every)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=10000, help="inputs to try")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--chunk", type=int, default=250, help="inputs per work unit")
    ap.add_argument("--subprocess-every", type=int, default=50, help="every k-th input via the real entry point")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "fuzz_cli.json")
    args = ap.parse_args(argv)

    chunks = [(min(args.chunk, args.n - i), args.seed * 1_000_003 + i, args.subprocess_every)
              for i in range(0, args.n, args.chunk)]
    start, total = time.monotonic(), fuzz.Tally()
    with multiprocessing.Pool(args.jobs) as pool:
        for tally in pool.imap_unordered(run_chunk, chunks):
            total.merge(tally)
            print(f"  {total.tried}/{args.n} inputs, {sum(total.problems.values())} problems, "
                  f"{time.monotonic() - start:.0f} s", flush=True)
    summary = {**total.summary(), "seconds": round(time.monotonic() - start, 1), "seed": args.seed}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"inputs tried        {summary['inputs_tried']}\n"
          f"valid results       {summary['valid_results']}\n"
          f"clean errors        {summary['clean_errors']}\n"
          f"tracebacks          {summary['traceback']}\n"
          f"hangs               {summary['hang']}\n"
          f"partial files       {summary['partial-file']}\n"
          f"input modified      {summary['input-modified']}\n"
          f"unclear errors      {summary['unclear-error']}\n"
          f"invalid outputs     {summary['invalid-output']}\n"
          f"written to {args.out}")
    for problem, examples in summary["examples"].items():
        print(f"{problem}:\n  " + "\n  ".join(examples))
    return 1 if any(summary[p] for p in fuzz.PROBLEMS) else 0


if __name__ == "__main__":
    sys.exit(main())
