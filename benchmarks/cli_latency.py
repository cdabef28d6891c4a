"""What ``rlopt -O-rl`` costs against ``opt -O3`` on the same module: wall time and peak memory, per program.

For every program (default: every installed cbench-v1 program, plus a generated ~50k-instruction module), the
IR ``clang -O3`` hands its optimizer is written to a file, then ``opt -passes='default<O3>'``, ``rlopt -O3``
and ``rlopt -O-rl`` (the shipped model, or ``--model``) each turn it into bitcode, interleaved, best of
``--runs``. Reported: seconds, ratio of ``-O-rl`` to ``opt -O3``, the fixed start-up (``rlopt -O-rl`` on an
empty function), peak RSS of the ``rlopt`` process tree, and the pipeline chosen. Goal (issue: shipped
policies): ``-O-rl`` within 1.5x of ``opt -O3`` plus 0.3 s, and under 500 MB on a 50k-instruction module.
Prints a table and writes ``benchmarks/results/cli_latency.json``.

    python benchmarks/cli_latency.py [--benchmarks cbench-v1/qsort,...] [--model speed] [--runs 3]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlopt import toolchain
from rlopt.ir import write_file

ROOT = Path(__file__).resolve().parent.parent
RLOPT = Path(sys.executable).parent / "rlopt"
RESULTS = ROOT / "benchmarks" / "results" / "cli_latency.json"


def timed(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) of the process tree, and stderr of one run (a failure aborts)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"cli_latency: {' '.join(argv)} failed: {err[-500:]}")
    return seconds, usage.ru_maxrss / 1024, err


def modules(names: list[str], work: Path) -> dict[str, Path]:
    from rlopt.training import benchmarks, datasets

    out = {}
    if not names:
        names = [b.uri for b in datasets.load("cbench-v1")] if (datasets.root() / "cbench-v1").is_dir() else []
    for name in names:
        b = benchmarks.get(name)
        out[b.name] = work / f"{b.name}.ll"
        write_file(out[b.name], benchmarks.ir(b, "O3"))
    from rlopt.training.benchmarks.generated import write_module

    big = work / "big"
    big.mkdir()
    out["generated-50k"] = write_module(big, functions=900)
    empty = work / "empty.ll"
    empty.write_text("define void @f() {\n  ret void\n}\n")
    out["(empty: start-up)"] = empty
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--benchmarks", default="", help="comma-separated URIs [default: installed cbench-v1]")
    ap.add_argument("--model", default=None, help="model for -O-rl [default: the shipped speed model]")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    # Bytecode for rlopt's own modules, as an installed wheel has it: an editable install run under
    # PYTHONDONTWRITEBYTECODE (as on our CI machines) would otherwise compile them at every start (~50 ms).
    compileall.compile_dir(ROOT / "rlopt", quiet=1)
    opt = str(toolchain.find().path("opt"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="rlopt-latency-") as d:
        work = Path(d)
        mods = modules([n for n in args.benchmarks.split(",") if n], work)
        model = ["--model", args.model] if args.model else []
        for name, ll in mods.items():
            out = str(work / "out.bc")
            cmds = {"opt -O3": [opt, "-passes=default<O3>", str(ll), "-o", out],
                    "rlopt -O-rl": [str(RLOPT), "-O-rl", *model, "--print-passes", str(ll), "-o", out]}
            best = {k: (float("inf"), 0.0, "") for k in cmds}
            for _ in range(args.runs):
                for k, argv_ in cmds.items():
                    s, rss, err = timed(argv_)
                    if s < best[k][0]:
                        best[k] = (s, max(rss, best[k][1]), err)
                    else:
                        best[k] = (best[k][0], max(rss, best[k][1]), best[k][2])
            chosen = next((w.split("=", 1)[1] for w in best["rlopt -O-rl"][2].split() if w.startswith("'-passes=")),
                          "?").strip("'")
            instructions = sum(1 for line in ll.read_text().splitlines()
                               if line.startswith("  ") and not line.lstrip().startswith(";"))
            rows.append({"program": name, "lines": instructions, "opt_O3_s": round(best["opt -O3"][0], 3),
                         "rl_s": round(best["rlopt -O-rl"][0], 3),
                         "ratio": round(best["rlopt -O-rl"][0] / best["opt -O3"][0], 2),
                         "opt_rss_mb": round(best["opt -O3"][1], 1), "rl_rss_mb": round(best["rlopt -O-rl"][1], 1),
                         "pipeline": chosen})
            r = rows[-1]
            print(f"{name:24s} {r['lines']:7d} lines  opt -O3 {r['opt_O3_s']:6.2f} s {r['opt_rss_mb']:6.0f} MB  "
                  f"-O-rl {r['rl_s']:6.2f} s {r['rl_rss_mb']:6.0f} MB  ratio {r['ratio']:.2f}  {r['pipeline'][:60]}",
                  flush=True)
    startup = next(r["rl_s"] for r in rows if r["program"].startswith("(empty"))
    within = [r for r in rows if not r["program"].startswith("(")
              and r["rl_s"] <= 1.5 * r["opt_O3_s"] + 0.3]
    print(f"start-up {startup:.2f} s; within 1.5x opt -O3 + 0.3 s: {len(within)} of {len(rows) - 1}; "
          f"distinct pipelines: {len({r['pipeline'] for r in rows})}; load {os.getloadavg()[0]:.1f}")
    write_file(RESULTS, json.dumps({"rows": rows, "startup_s": startup, "loadavg": list(os.getloadavg())},
                                   indent=1).encode())
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
