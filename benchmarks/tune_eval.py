#!/usr/bin/env python3
"""``rlopt tune`` against plain random search at the same budget, on the held-out programs of the table.

Programs: the test split of ``training/tables/pipeline-table.json`` (the split each dataset assigned,
``training.datasets.split_for`` of the program's name for the imported ones), timed and not noisy. Per program:

* speed: the tuner (policy ranking, racing, confirmation) and random search (random sequences of the same
  space, 3 rounds each, the same confirmation and verdict) with the same budget of runs (``--evals``; a run is
  one timing sample, i.e. ``repeat`` back-to-back executions for short programs, as the table times them).
  Each answer is then timed again, independently, against ``-O3`` with a noise twin in the table's protocol
  (fresh copies, rotating order, 5-10 rounds): the ratio reported is that median per-round speedup (1 when
  the answer is ``-O3`` itself).
* size: exact IR instruction counts against ``-Oz`` for ``--size-seconds`` seconds, tuner and random.

Prints a table and writes ``benchmarks/results/tune_eval.json``. Run it pinned to one core:
``taskset -c 0 .venv/bin/python benchmarks/tune_eval.py [--evals 100] [--programs a,b]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from rlopt import toolchain, tune, tuning
from rlopt.cache import digest
from rlopt.engine import Engine
from rlopt.output import write_file
from rlopt.timing import RunResult
from rlopt.training import benchmarks, measure, runtime
from rlopt.training.benchmarks import Benchmark
from rlopt.training.headroom import geomean, quiet_timed

RESULTS = Path(__file__).resolve().parent / "results" / "tune_eval.json"


class BenchProgram(tune.Program):
    """A table program: built with the table's fixed backend, run as its dataset says, checked like the table."""

    def __init__(self, bench: Benchmark, module: bytes, engine: Engine, workdir: Path):
        super().__init__(module, engine, workdir)
        self.bench = bench
        self.run_timeout = max(30.0, 20 * (bench.o3_seconds or 1.0) * bench.repeat)

    def backend(self, code: bytes) -> Path:
        return runtime.build(code, self.workdir / digest(code)[:16] / "prog", extra_link=self.bench.ldflags)

    def run(self, exe: Path, timeout: float | None = None) -> RunResult:
        runs = [runtime.run_benchmark(exe, self.bench, timeout=timeout or self.run_timeout)
                for _ in range(self.bench.repeat)]
        return RunResult(runs[-1].stdout, runs[-1].returncode, sum(r.seconds for r in runs),
                         sum(r.cpu_seconds for r in runs))

    def check(self, exe: Path, got: RunResult, expected: RunResult) -> str:
        return runtime.check_output(self.bench, got, None if self.bench.reference is not None else expected)


def held_out(table: dict) -> list[str]:
    return [uri for uri, row in table["programs"].items()
            if row.get("split") == "test" and quiet_timed(row)]


def speed(bench: Benchmark, module: bytes, engine: Engine, work: Path, evals: int, tc,
          strategies: tuple[str, ...] = ("policy", "random"), seed: int = 1) -> dict:
    prog = BenchProgram(bench, module, engine, work)
    text = engine.optimize(module, "verify").decode(errors="replace")
    out: dict = {}
    exes: dict[str, Path] = {}
    for strategy in strategies:
        first = tune.first_candidates(text, "speed", None, strategy, tc)
        started = time.monotonic()
        result = tune.SpeedTuner(prog, first, evals=evals, seconds=None, seed=seed, strategy=strategy).tune()
        out[strategy] = {"answer": result.name, "pipeline": result.pipeline, "runs": result.runs,
                         "evaluations": result.evaluations, "seconds": round(time.monotonic() - started, 1),
                         "confirmed_speedup": result.speedup and round(result.speedup, 4),
                         "verdict": result.verdict}
        if result.improved:
            exes[strategy] = prog.build(result.pipeline)
    o3 = prog.build(tuning.BASELINE["speed"])
    if exes:
        names = list(exes)
        timing = measure.time_binaries([o3, *exes.values()], bench, repeat=bench.repeat)
        out["verify_noise"] = round(timing.noise, 4)
        for i, name in enumerate(names, 1):
            out[name]["speedup"] = round(timing.speedup(i)[1], 4)
            out[name]["verify_interval"] = [round(x, 4) for x in timing.interval(i)]
    for strategy in strategies:
        out[strategy].setdefault("speedup", 1.0)
    prog.close()
    return out


def size(module: bytes, engine: Engine, work: Path, seconds: float, tc) -> dict:
    prog = tune.Program(module, engine, work)
    text = engine.optimize(module, "verify").decode(errors="replace")
    oz_text = prog.size(tuning.BASELINE["size"])[1]  # .text bytes: the size that matters beside the IR count
    out = {}
    for strategy in ("policy", "random"):
        first = tune.first_candidates(text, "size", None, strategy, tc)
        cpu = engine.cpu_seconds() or 0.0
        r = tune.tune_size(prog, first, evals=None, seconds=seconds, seed=1, strategy=strategy)
        cpu = (engine.cpu_seconds() or 0.0) - cpu
        out[strategy] = {"answer": r.name, "pipeline": r.pipeline, "ir_instructions": r.ir_instructions,
                         "oz_instructions": r.baseline_ir_instructions, "evaluations": r.evaluations,
                         "seconds": round(r.seconds, 2), "engine_cpu_seconds": round(cpu, 2),
                         "text_bytes": prog.size(r.pipeline)[1], "oz_text_bytes": oz_text,
                         "ratio": round((r.baseline_ir_instructions or 0) / max(1, r.ir_instructions or 1), 4)}
    prog.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--evals", type=int, default=100, help="runs per program for each search (default 100)")
    ap.add_argument("--size-seconds", type=float, default=5.0)
    ap.add_argument("--size-level", choices=["O3", "Oz"], default="O3",
                    help="size tuning starts from the IR clang -O3 (as the table) or clang -Oz hands its optimizer")
    ap.add_argument("--programs", help="comma-separated names (a subset of the held-out programs)")
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--no-size", action="store_true", help="read the size results from --merge-from")
    ap.add_argument("--seed", type=int, default=1, help="of both speed searches (a second seed shows their spread)")
    ap.add_argument("--speed-strategies", default="policy,random",
                    help="which speed searches to run (policy, random or both); the other is read from --merge-from")
    ap.add_argument("--merge-from", type=Path, help="a finished run whose results fill in what this run leaves out "
                    "(with --report-only: the other speed search's run, merged into --out's programs)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--report-only", action="store_true", help="print the table of the programs in --out (a "
                    "partial run) and exit")
    args = ap.parse_args()
    if args.no_size and not args.merge_from:
        ap.error("--no-size needs --merge-from (a finished run to take the size results from)")
    table = json.loads(measure.TABLE_FILE.read_text())
    if args.report_only:
        done = json.loads(args.out.read_text())
        old = done.get("summary", done.get("run", {}))
        wall, rss = old.get("wall_seconds", 0.0), old.get("peak_rss_mb")
        args.evals, args.size_seconds = old.get("evals", args.evals), old.get("size_seconds", args.size_seconds)
        args.size_level = old.get("size_level", args.size_level)
        if args.merge_from:  # the other speed search, run apart (on the other core, say)
            merged = json.loads(args.merge_from.read_text())
            other = merged["programs"]
            done["programs"] = {n: r for n, r in done["programs"].items() if n in other}
            for name, row in done["programs"].items():
                for strategy, got in other[name].get("speed", {}).items():
                    row.setdefault("speed", {}).setdefault(strategy, got)
            if "run" in merged:  # side by side: the longer run's wall, each run's peak
                wall = max(wall, merged["run"]["wall_seconds"])
                rss = {"this run": rss, "merged run": merged["run"]["peak_rss_mb"]}
        report(done["programs"], table, args, wall, rss)
        return
    uris = held_out(table)
    if args.programs:
        wanted = set(args.programs.split(","))
        uris = [u for u in uris if u.rsplit("/", 1)[-1] in wanted]
    earlier = json.loads(args.merge_from.read_text())["programs"] if args.merge_from else {}
    lacking = [u.rsplit("/", 1)[-1] for u in uris if args.no_size and u.rsplit("/", 1)[-1] not in earlier]
    if lacking:
        ap.error(f"--no-size: {args.merge_from} has no size results for {', '.join(lacking)}")
    strategies = tuple(args.speed_strategies.split(","))
    tc = toolchain.find()
    rows: dict[str, dict] = {}
    started = time.time()
    with Engine(tc, timeout=600.0) as engine:
        for uri in uris:
            bench = benchmarks.get(uri)
            module = benchmarks.ir(bench, "O3")
            name = uri.rsplit("/", 1)[-1]
            t0 = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="rlopt-tune-eval-") as d:
                row = {"uri": uri, "repeat": bench.repeat}
                if not args.no_speed:
                    row["speed"] = speed(bench, module, engine, Path(d), args.evals, tc, strategies, args.seed)
                    for strategy, got in earlier.get(name, {}).get("speed", {}).items():
                        row["speed"].setdefault(strategy, got)
                size_module = module if args.size_level == "O3" else benchmarks.ir(bench, args.size_level)
                row["size"] = earlier[name]["size"] if args.no_size else size(size_module, engine, Path(d),
                                                                              args.size_seconds, tc)
            row["seconds"] = round(time.monotonic() - t0, 1)
            rows[name] = row
            write_file(args.out, (json.dumps({"partial": True, "programs": rows}, indent=1) + "\n").encode())
            s = row.get("speed", {})
            print(f"{name:14s} " + "".join(f"{who} {s[k]['speedup']:.3f}x ({s[k]['answer']}, {s[k]['runs']} runs)  "
                                           for k, who in (("policy", "tuner"), ("random", "random")) if k in s)
                  + f"size {row['size']['policy']['ratio']:.3f}x / random {row['size']['random']['ratio']:.3f}x"
                  f"  {row['seconds']:.0f} s", flush=True)
    if any("speed" in r and not {"policy", "random"} <= set(r["speed"]) for r in rows.values()):  # one search
        run = {"wall_seconds": round(time.time() - started, 1), "peak_rss_mb": peak_rss(), "evals": args.evals,
               "size_seconds": args.size_seconds}
        write_file(args.out, (json.dumps({"run": run, "programs": rows}, indent=1) + "\n").encode())
        print(f"one speed search only: the table needs the other's run, e.g. --report-only --out {args.out} "
              "--merge-from OTHER.json")
        return
    report(rows, table, args, time.time() - started)


def peak_rss() -> dict[str, int]:
    return {"self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024}


def oracle(row: dict) -> float:
    """The best speedup over -O3 that the table measured as a win for this program (1 if none)."""
    wins = [c["speedup"] for c in row["candidates"].values() if c.get("win") and not c.get("suspect")]
    return max(wins, default=1.0)


def flag(speedup: float) -> str:
    """'*' where the table would call the speedup suspect (the benchmark's work removed?)."""
    return "*" if speedup > measure.SUSPECT_SPEEDUP else ""


def report(rows: dict[str, dict], table: dict, args: argparse.Namespace, wall: float,
           rss: dict | None = None) -> None:
    """The table on stdout and the JSON file (also for a partial run: ``--report-only``)."""
    summary: dict = {"programs": len(rows), "evals": args.evals, "size_seconds": args.size_seconds,
                     "size_level": args.size_level,
                     "wall_seconds": round(wall, 1),
                     "peak_rss_mb": rss or peak_rss()}
    for strategy in ("policy", "random"):
        sp = [r["speed"][strategy]["speedup"] for r in rows.values() if "speed" in r]
        sz = [r["size"][strategy]["ratio"] for r in rows.values()]
        tx = [r["size"][strategy]["oz_text_bytes"] / max(1, r["size"][strategy]["text_bytes"]) for r in rows.values()]
        kept = [x if x <= measure.SUSPECT_SPEEDUP else 1.0 for x in sp]
        summary[strategy] = {"speed_geomean": round(geomean(sp), 4) if sp else None,
                             "speed_geomean_conservative": round(geomean(kept), 4) if sp else None,
                             "speed_worst": min(sp) if sp else None,
                             "runs": sum(r["speed"][strategy]["runs"] for r in rows.values() if "speed" in r),
                             "search_seconds": round(sum(r["speed"][strategy]["seconds"] for r in rows.values()
                                                         if "speed" in r), 1),
                             "size_geomean": round(geomean(sz), 4), "text_geomean": round(geomean(tx), 4),
                             "size_seconds_max": max(r["size"][strategy]["seconds"] for r in rows.values())}
    summary["table_oracle_geomean"] = round(geomean([oracle(table["programs"][r["uri"]]) for r in rows.values()]), 4)
    print("| program | tuner: speed vs -O3 | answer | runs | random search | answer | runs | table's best win "
          "| size: tuner, IR vs -Oz | .text vs -Oz | random, IR | size: wall s (engine CPU s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        s, z = r.get("speed"), r["size"]
        sp = (f"{s['policy']['speedup']:.3f}x{flag(s['policy']['speedup'])} | {s['policy']['answer']} | "
              f"{s['policy']['runs']} | {s['random']['speedup']:.3f}x{flag(s['random']['speedup'])} | "
              f"{s['random']['answer']} | {s['random']['runs']}") if s else "| | | | |"
        text = z["policy"]["oz_text_bytes"] / max(1, z["policy"]["text_bytes"])
        print(f"| {name} | {sp} | {oracle(table['programs'][r['uri']]):.3f}x | {z['policy']['ratio']:.3f}x | "
              f"{text:.3f}x | {z['random']['ratio']:.3f}x | {z['policy']['seconds']:.1f} "
              f"({z['policy'].get('engine_cpu_seconds', '?')} CPU) |")
    p, q = summary["policy"], summary["random"]
    timed = p["speed_geomean"] is not None  # not with --no-speed
    speed = [f"{x['speed_geomean']}x" if timed else "-" for x in (p, q)]
    print(f"| **geomean** | **{speed[0]}** | | {p['runs']} | **{speed[1]}** | | {q['runs']} | "
          f"{summary['table_oracle_geomean']}x | **{p['size_geomean']}x** | {p['text_geomean']}x | "
          f"{q['size_geomean']}x | max {p['size_seconds_max']} |")
    if timed:
        print(f"\nConservative (a speedup over {measure.SUSPECT_SPEEDUP:g}x, marked *, counted as 1.0, as the table "
              f"treats it): tuner {p['speed_geomean_conservative']}x, random search {q['speed_geomean_conservative']}x")
        print(f"worst tuner program {p['speed_worst']}x; speed searches {p['search_seconds']} s (tuner) and "
              f"{q['search_seconds']} s (random)")
    print(f"size from the IR of clang -{summary['size_level']}; wall {summary['wall_seconds']} s, "
          f"peak RSS {summary['peak_rss_mb']} MB")
    write_file(args.out, (json.dumps({"summary": summary, "programs": rows,
                                      "date": time.strftime("%Y-%m-%d %H:%M"),
                                      "loadavg": list(os.getloadavg())}, indent=1) + "\n").encode())

if __name__ == "__main__":
    main()
