"""How noisy are runtime rewards, and does the callgrind proxy rank pass sequences like real runtime does?

For each program, the script builds one binary per pass sequence (``default<O0|O1|O2|O3|Oz>`` and a few
seeded random sequences of single optimization passes), checks each binary's output against the -O0
build, then measures every binary ``--repeats`` times, round-robin so that the repeats are spread over
time like rewards during training are:

  runtime   ``measure_runtime`` (adaptive, tmpfs copy) with the default (full-size) arguments;
  proxy     ``callgrind_instructions`` with the small arguments.

It reports, per program, the relative spread (max-min)/min across the repeats of the same binary (for
the runtime median, the runtime minimum and the proxy), and Spearman's rank correlation between the proxy
and the runtime (minimum over repeats) across the sequences. Results go to
``benchmarks/results/reward_noise.json``.

    .venv/bin/python benchmarks/reward_noise.py [--programs qsort,crc32,matmul] [--repeats 3] [--random 3]
                                                [--clock wall|cpu] [--max-runs 15] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rlopt import passes, toolchain
from rlopt.errors import RloptError
from rlopt.ir import write_file
from rlopt.training import benchmarks as B
from rlopt.training import runtime as R

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "reward_noise.json"
LEVELS = ("O0", "O1", "O2", "O3", "Oz")


def random_sequences(count: int, seed: int) -> list[list[str]]:
    """Seeded random sequences of 10-20 single optimization passes (no instrumentation)."""
    rng = random.Random(seed)
    pool = [a.name for a in passes.ACTIONS if a.kind == "optimization"]
    return [rng.choices(pool, k=rng.randint(10, 20)) for _ in range(count)]


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rank correlation (average ranks for ties); nan when either side is constant."""
    def ranks(v: list[float]) -> np.ndarray:
        a = np.asarray(v, dtype=float)
        order = a.argsort(kind="stable")
        r = np.empty(len(a))
        r[order] = np.arange(len(a), dtype=float)
        for value in np.unique(a):  # ties share their mean rank
            r[a == value] = r[a == value].mean()
        return r

    rx, ry = ranks(x), ranks(y)
    if len(x) < 3 or rx.std() == 0 or ry.std() == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def rel_spread(values: list[float]) -> float:
    return (max(values) - min(values)) / min(values) if min(values) > 0 else 0.0


def build_candidates(b: B.Benchmark, sequences: dict[str, str], workdir: Path) -> tuple[dict[str, Path], dict]:
    """One validated executable per pipeline; rejected pipelines are returned with the reason."""
    tc, ir = toolchain.find(), B.ir(b)
    reference = R.reference_output(b)
    exes, rejected = {}, {}
    for label, pipeline in sequences.items():
        try:
            exe = R.build(tc.opt(ir, pipeline, timeout=120), workdir / f"{b.name}-{len(exes) + len(rejected)}")
            got = R.run(exe, b.small_args, timeout=60)
        except RloptError as e:
            rejected[label] = str(e)
            continue
        if (got.stdout, got.returncode) != (reference.stdout, reference.returncode):
            rejected[label] = "output differs from the -O0 build"
            continue
        exes[label] = exe
    return exes, rejected


def measure_program(b: B.Benchmark, sequences: dict[str, str], repeats: int, max_runs: int, clock: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="rlopt-noise-") as d:
        exes, rejected = build_candidates(b, sequences, Path(d))
        medians = {k: [] for k in exes}
        mins = {k: [] for k in exes}
        proxy = {k: [] for k in exes}
        for _ in range(repeats):
            for label, exe in exes.items():
                m = R.measure_runtime(exe, b.args, max_runs=max_runs, clock=clock)
                medians[label].append(m.median)
                mins[label].append(m.min)
                proxy[label].append(R.callgrind_instructions(exe, b.small_args))
    labels = list(exes)
    best = [min(mins[k]) for k in labels]
    counts = [statistics.median(proxy[k]) for k in labels]
    return {
        "program": b.name,
        "sequences": {k: {"pipeline": sequences[k], "runtime_medians": medians[k], "runtime_mins": mins[k],
                          "callgrind": proxy[k]} for k in labels},
        "rejected": rejected,
        "spread_runtime_median": [rel_spread(medians[k]) for k in labels],
        "spread_runtime_min": [rel_spread(mins[k]) for k in labels],
        "spread_callgrind": [rel_spread(proxy[k]) for k in labels],
        "spearman_proxy_runtime": spearman(counts, best),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--programs", default="qsort,crc32,matmul", help="comma-separated suite programs")
    ap.add_argument("--repeats", type=int, default=3, help="measurements of each binary")
    ap.add_argument("--random", type=int, default=3, help="random pass sequences per program")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-runs", type=int, default=15, help="max runs of one adaptive runtime measurement")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="cpu",
                    help="time the runs by elapsed time or by the process's user+system CPU time")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    if args.repeats < 2:
        ap.error("--repeats must be at least 2 to measure a spread")

    sequences = {f"default<{lvl}>": f"default<{lvl}>" for lvl in LEVELS}
    for i, seq in enumerate(random_sequences(args.random, args.seed)):
        sequences[f"random{i}"] = passes.pipeline(seq)
    start = time.perf_counter()
    results = []
    try:
        for name in args.programs.split(","):
            results.append(measure_program(B.get(name.strip()), sequences, args.repeats, args.max_runs,
                                           args.clock))
            r = results[-1]
            print(f"{r['program']:10s} done: {len(r['sequences'])} binaries, {len(r['rejected'])} rejected",
                  file=sys.stderr)
    except RloptError as e:
        print(f"reward_noise: {e}", file=sys.stderr)
        return 1

    def pct(values: list[float], f) -> str:
        return f"{100 * f(values):6.2f}%" if values else "     -"

    print(f"\n{'program':10s} {'bins':>4s} {'runtime median spread':>22s} {'runtime min spread':>19s} "
          f"{'callgrind spread':>17s} {'spearman':>9s}")
    print(f"{'':10s} {'':4s} {'median':>10s} {'max':>11s} {'median':>9s} {'max':>9s} {'max':>17s}")
    for r in results:
        sm, sn, sc = r["spread_runtime_median"], r["spread_runtime_min"], r["spread_callgrind"]
        print(f"{r['program']:10s} {len(sm):4d} {pct(sm, statistics.median):>10s} {pct(sm, max):>11s} "
              f"{pct(sn, statistics.median):>9s} {pct(sn, max):>9s} {pct(sc, max):>17s} "
              f"{r['spearman_proxy_runtime']:9.3f}")
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"\npeak RSS: {rss_self:.0f} MiB (this process), {rss_children:.0f} MiB (largest child); "
          f"{time.perf_counter() - start:.0f} s")
    report = {"clock": args.clock, "repeats": args.repeats, "max_runs": args.max_runs, "seed": args.seed, "programs": results,
              "peak_rss_mib": {"self": rss_self, "children": rss_children},
              "seconds": time.perf_counter() - start}
    write_file(args.out, (json.dumps(report, indent=1) + "\n").encode())
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
