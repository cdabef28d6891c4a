#!/usr/bin/env python3
"""Multi-file programs built one unit at a time through ``rlopt-cc``, as ``make CC=rlopt-cc`` builds them,
against plain ``clang -O3``.

The speed model was trained and judged on whole programs (every unit linked into one module, docs/data.md);
``rlopt-cc`` sees one unit at a time, and a unit without ``main`` is part of a program whose time may be spent
elsewhere. This measures what that does: each unit of each multi-file program of the table is compiled with
``clang -O3 -c`` and with ``rlopt-cc -O3 -c``; three programs are linked, ``-O3`` (clang's objects),
``rlopt-cc`` (rlopt-cc's objects) and ``main only`` (rlopt-cc's object for the units that define ``main``,
clang's for the others), checked against the ``-O3`` program's output and timed against it with a noise twin
(``measure.time_binaries``, the table's protocol). A unit counts as moved when swapping its rlopt-cc object
into the ``-O3`` program changes the program.

Reads only the table and the datasets; nothing is trained or selected. Resumes from ``--out``.
``.venv/bin/python benchmarks/cc_units.py [--table training/tables/pipeline-table.json] [--limit N]``
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rlopt import toolchain, tune_make
from rlopt.errors import RloptError
from rlopt.output import write_file
from rlopt.training import benchmarks, measure, runtime
from rlopt.training.benchmarks import Benchmark
from rlopt.training.headroom import quiet_timed

RESULTS = Path(__file__).resolve().parent / "results" / "cc_units.json"
VARIANTS = ("rlopt-cc", "main only")


def multi_file_programs(table: dict[str, Any]) -> list[Benchmark]:
    """The table's quiet timed programs with more than one source file, among those installed here."""
    out = []
    for uri, row in sorted(table["programs"].items()):
        if not quiet_timed(row):
            continue
        try:
            bench = benchmarks.get(uri)
        except benchmarks.BenchmarkError:
            continue
        if len(bench.sources) > 1:
            out.append(bench)
    return out


def compile_units(bench: Benchmark, tc: toolchain.Toolchain, work: Path, log: Path) -> dict[str, list[Path]]:
    """Each unit compiled by clang and by rlopt-cc (``-O3 -c``, the program's flags, in its directory; the
    driver takes a unit's language from its suffix, as in :func:`runtime.build_sources`)."""
    objs: dict[str, list[Path]] = {"O3": [], "rlopt-cc": []}
    # a cold cache and an empty tuning database of its own: the model decides every unit, and the log says how
    env = {**os.environ, "RLOPT_CC_LOG": str(log), "RLOPT_CACHE_DIR": str(work / "cc-cache"), "RLOPT_CC_SERVER": "0"}
    for i, src in enumerate(bench.sources):
        for tag, cc in (("O3", str(tc.path("clang"))), ("rlopt-cc", tune_make.wrapper("rlopt-cc"))):
            obj = work / f"{tag}-{i}.o"
            toolchain.run_command([cc, "-O3", *bench.cflags, "-c", str(src), "-o", str(obj)],
                                  name=tag, timeout=runtime.BUILD_TIMEOUT, cwd=bench.cwd, env=env)
            objs[tag].append(obj)
    return objs


def defines_main(obj: Path, tc: toolchain.Toolchain) -> bool:
    out = toolchain.run_command([str(tc.path("llvm-nm")), "--defined-only", "--extern-only", str(obj)],
                                name="llvm-nm")
    return any(line.split()[-1:] == [b"main"] for line in out.splitlines())


def link(bench: Benchmark, objs: list[Path], exe: Path, tc: toolchain.Toolchain) -> Path:
    """The program from ``objs``, linked as :func:`runtime.build_sources` links it (C++ programs carry their
    library in ``ldflags``)."""
    toolchain.run_command([str(tc.path("clang")), *map(str, objs), "-o", str(exe), *bench.ldflags,
                           *runtime.LINK_FLAGS], name="link", timeout=runtime.BUILD_TIMEOUT, cwd=bench.cwd)
    return exe


def changes_program(bench: Benchmark, objs: dict[str, list[Path]], i: int, o3_exe: Path,
                    tc: toolchain.Toolchain) -> bool:
    """Whether rlopt-cc moved unit ``i``: the ``-O3`` program with that one object swapped for rlopt-cc's is
    another program (the objects alone may differ only in the names of local symbols the linker drops)."""
    if objs["O3"][i].read_bytes() == objs["rlopt-cc"][i].read_bytes():
        return False
    swapped = [objs["rlopt-cc" if j == i else "O3"][j] for j in range(len(objs["O3"]))]
    return link(bench, swapped, o3_exe.with_name("swapped"), tc).read_bytes() != o3_exe.read_bytes()


def measure_program(bench: Benchmark, tc: toolchain.Toolchain) -> dict[str, Any]:
    """One program: which units rlopt-cc moved, and each variant's verdict against ``-O3``."""
    with tempfile.TemporaryDirectory(prefix="rlopt-cc-units-") as d:
        work, log = Path(d), Path(d) / "cc.log"
        objs = compile_units(bench, tc, work, log)
        calls = [json.loads(line) for line in log.read_text().splitlines()]
        mains = [i for i, o in enumerate(objs["O3"]) if defines_main(o, tc)]
        exes = {"O3": link(bench, objs["O3"], work / "o3", tc)}
        moved = [i for i in range(len(bench.sources)) if changes_program(bench, objs, i, exes["O3"], tc)]
        chosen = {i: c.get("pipeline") for i, c in enumerate(calls)}  # one rlopt-cc call per unit, in order
        record: dict[str, Any] = {
            "units": len(bench.sources), "moved": [bench.sources[i].name for i in moved],
            "moved_to": [chosen.get(i) for i in moved],
            "main_units": [bench.sources[i].name for i in mains],
            "fallbacks": sum(c["decision"] == "fallback" for c in calls), "split": bench.split}
        main_only = [objs["rlopt-cc" if i in mains else "O3"][i] for i in range(len(bench.sources))]
        exes |= {"rlopt-cc": link(bench, objs["rlopt-cc"], work / "rlopt-cc", tc),
                 "main only": link(bench, main_only, work / "main-only", tc)}
        expected = runtime.run_benchmark(exes["O3"], bench)
        distinct = {exes["O3"].read_bytes(): "O3"}
        for v in VARIANTS:
            wrong = runtime.check_output(bench, runtime.run_benchmark(exes[v], bench), expected)
            if wrong:
                raise RloptError(f"{bench.name}: the {v} program is wrong: {wrong}")
            distinct.setdefault(exes[v].read_bytes(), v)
        names = list(distinct.values())
        if len(names) == 1:
            record["variants"] = {v: {"identical": "O3"} for v in VARIANTS}
            return record
        timing = measure.time_binaries([exes[n] for n in names], bench, repeat=bench.repeat)
        margin = measure.verdict_margin(timing)
        verdicts = {n: measure.verdict(timing, i, margin) for i, n in enumerate(names) if n != "O3"}
        record.update(rounds=timing.rounds, margin=round(margin, 4))
        record["variants"] = {v: verdicts.get(v) or {"identical": next(n for b, n in distinct.items()
                                                                         if b == exes[v].read_bytes())}
                              for v in VARIANTS}
        return record


def speedup_of(done: dict[str, Any], uri: str, variant: str) -> dict[str, Any]:
    """The variant's verdict, following an identical binary to the one that was timed (-O3: parity)."""
    v = done[uri]["variants"][variant]
    while "identical" in v:
        if v["identical"] == "O3":
            return {"speedup": 1.0, "speedup_median": 1.0, "win": False, "loss": False}
        v = done[uri]["variants"][v["identical"]]
    return v


def summary(done: dict[str, Any]) -> dict[str, Any]:
    """Per variant over the measured programs: geomean, wins and losses beyond noise, worst."""
    uris = [u for u, r in done.items() if "variants" in r]
    out: dict[str, Any] = {"programs": len(uris), "errors": len(done) - len(uris),
                           "programs_moved": sum(bool(done[u]["moved"]) for u in uris),
                           "units": sum(done[u]["units"] for u in uris),
                           "units_moved": sum(len(done[u]["moved"]) for u in uris),
                           "fallbacks": sum(done[u]["fallbacks"] for u in uris)}
    for variant in VARIANTS:
        vs = [speedup_of(done, u, variant) for u in uris]
        out[variant] = {"geomean": math.exp(sum(math.log(v["speedup"]) for v in vs) / len(vs)) if vs else None,
                        "wins": sum(v["win"] for v in vs), "losses": sum(v["loss"] for v in vs),
                        "worst": min((v["speedup"] for v in vs), default=None)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=measure.TABLE_FILE)
    ap.add_argument("--limit", type=int, help="stop after this many programs (the rest on a later run)")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args()
    tc = toolchain.find()
    done: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    todo = [b for b in multi_file_programs(measure.load_table(args.table)) if b.uri not in done][:args.limit]
    if not todo and not done:
        sys.exit("cc_units: no multi-file program of the table is installed here (rlopt-train datasets import)")
    started = time.time()
    for i, bench in enumerate(todo, 1):
        t0 = time.time()
        try:
            done[bench.uri] = measure_program(bench, tc)
        except RloptError as e:
            done[bench.uri] = {"error": str(e)}
        write_file(args.out, json.dumps(done, indent=1).encode())
        r = done[bench.uri]
        shown = r.get("error") or ", ".join(f"{v} {speedup_of(done, bench.uri, v)['speedup']:.3f}" for v in VARIANTS)
        print(f"[{i}/{len(todo)}] {bench.uri}: {len(r.get('moved', []))}/{r.get('units', '?')} units moved; "
              f"{shown} ({time.time() - t0:.0f} s)", flush=True)
    s = summary(done)
    print(f"\n{s['programs']} multi-file programs ({s['errors']} errors), {s['programs_moved']} with a unit moved; "
          f"{s['units_moved']} of {s['units']} units moved; {s['fallbacks']} fallbacks")
    print("| variant | geomean vs clang -O3 | wins | losses | worst |\n|---|---|---|---|---|")
    for v in VARIANTS:
        print(f"| {v} | {s[v]['geomean']:.4f}x | {s[v]['wins']} | {s[v]['losses']} | {s[v]['worst']:.3f} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.time() - started:.0f} s, peak RSS {peak:.0f} MB (this process)")
    write_file(args.out.with_suffix(".summary.json"),
               json.dumps({"summary": s, "table": str(args.table), "date": time.strftime("%Y-%m-%d %H:%M")},
                          indent=1).encode())


if __name__ == "__main__":
    main()
