#!/usr/bin/env python3
"""Does a project built through ``rlopt-cc`` run faster than the same project built by plain clang?

Copies a local checkout twice, builds one copy with ``CC=rlopt-cc`` and the other with the LLVM toolchain's
``clang`` (``{cc}`` in ``--build`` is replaced by each, and ``CC``/``CXX`` are set), counts the object files whose
code differs (``llvm-objdump -d``, objects matched by name), then times each ``--run`` command on both programs:
interleaved rounds of CPU time on fresh copies with a noise twin (``rlopt.timing.time_binaries``), judged as the
measured table judges a candidate (``measure.verdict``: a win or a loss only beyond twice the twin's deviation, at
least 3%). Every run must exit with status 0, and both builds must print the same (unless clang's own output
varies from run to run, as a benchmark printing its timings does: then the row says it was not compared).

Third-party sources are never committed: point ``--src`` at your own checkout.

    taskset -c 0 .venv/bin/python benchmarks/cc_speed.py --src ~/zstd --build 'make -C programs zstd CC={cc} CFLAGS=-O3' \\
        --program programs/zstd --run 'zstd -3|{exe} -3 -q -c /path/input > /dev/null' --repeat 10 --out zstd.json
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rlopt import timing, toolchain, tune, tune_make
from rlopt.output import write_file
from rlopt.training import measure


def build(src: Path, dest: Path, command: str, cc: str, cxx: str) -> None:
    """A copy of ``src`` built by ``command`` with ``cc``/``cxx``; rlopt-cc gets a cold cache and an empty tuning
    database of its own (the model decides, not answers tuned before) and no background servers."""
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    env = {**os.environ, "CC": cc, "CXX": cxx, "RLOPT_CACHE_DIR": str(dest.parent / "cc-cache"), "RLOPT_CC_SERVER": "0"}
    proc = subprocess.run(["/bin/sh", "-c", command.replace("{cc}", cc).replace("{cxx}", cxx)], cwd=dest, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"{Path(sys.argv[0]).stem}: '{command}' failed with {cc}:\n{proc.stdout[-1500:]}{proc.stderr[-1500:]}")


def project_arguments(ap: argparse.ArgumentParser) -> None:
    """``--src`` and ``--build``, as this benchmark and ``cc_size`` take them."""
    ap.add_argument("--src", type=Path, required=True, help="the project's checkout (copied, never modified)")
    ap.add_argument("--build", required=True, help="build command, run in each copy ({cc}, {cxx}: the compilers)")


def build_both(src: Path, work: Path, command: str, tc: toolchain.Toolchain) -> float:
    """``src`` built by ``command`` in ``work/rlopt`` through rlopt-cc and in ``work/clang`` with clang (a checkout
    that is not a directory ends the benchmark); returns the seconds rlopt-cc's build took."""
    if not src.is_dir():
        sys.exit(f"{Path(sys.argv[0]).stem}: {src} is not a directory (a checkout of the project)")
    started = time.time()
    build(src, work / "rlopt", command, tune_make.wrapper("rlopt-cc"), tune_make.wrapper("rlopt-c++"))
    took = time.time() - started
    build(src, work / "clang", command, str(tc.path("clang")), str(tc.path("clang++")))
    return took


def objects(root: Path) -> dict[str, Path]:
    """The object files of a built tree by file name, for the names that occur once in it."""
    found: dict[str, list[Path]] = {}
    for p in root.rglob("*.o"):
        found.setdefault(p.name, []).append(p)
    return {name: ps[0] for name, ps in found.items() if len(ps) == 1}


def moved_units(a: Path, b: Path, tc: toolchain.Toolchain) -> tuple[list[str], int]:
    """Objects of tree ``a`` whose code differs from the object of the same name in ``b`` (names that occur once
    in each tree), and how many were compared."""
    def code(obj: Path) -> bytes:
        out = toolchain.run_command([str(tc.path("llvm-objdump")), "-d", str(obj)], name="llvm-objdump")
        return out.split(b"\n", 2)[-1]  # without the line naming the file

    ours, theirs = objects(a), objects(b)
    common = sorted(set(ours) & set(theirs))
    return [n for n in common if code(ours[n]) != code(theirs[n])], len(common)


def run_ok(command: str, exe: Path, who: str) -> timing.RunResult:
    """One run of ``command`` on ``exe`` (``who``: which run, for the error); a run that fails ends the benchmark
    (a crash is not a time)."""
    result = tune.run_program(command, exe)
    if result.returncode:
        sys.exit(f"cc_speed: '{command}' exited with status {result.returncode} ({who})")
    return result


def same_output(command: str, exes: list[Path]) -> bool:
    """Whether both builds print the same for ``command`` (False: clang's own output varies from run to run, as
    a benchmark that prints its timings does, so nothing can be compared). Different output from a steady
    program means the two builds compute different things: that ends the benchmark."""
    clang, ours = (run_ok(command, exe, f"{who}'s build") for exe, who in zip(exes, ("clang", "rlopt-cc"), strict=True))
    if ours.stdout == clang.stdout:
        return True
    if run_ok(command, exes[0], "clang's build").stdout != clang.stdout:
        return False
    sys.exit(f"cc_speed: '{command}' prints something else with rlopt-cc's build than with clang's")


def judge(t: timing.Timing) -> dict[str, Any]:
    """The program built through rlopt-cc (binary 1) against clang's, judged as the table judges a candidate."""
    margin = measure.verdict_margin(t)
    return {**measure.verdict(t, 1, margin), "twin_deviation": round(t.noise, 4), "margin": round(margin, 4),
            "rounds": t.rounds, "clang_seconds": round(min(t.samples[0]), 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    project_arguments(ap)
    ap.add_argument("--program", required=True, help="the built program, relative to the copy")
    ap.add_argument("--run", action="append", required=True,
                    help="'LABEL|COMMAND' with {exe} for the program, run in the current directory (repeatable)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of a command per timed sample")
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    tc = toolchain.find()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="rlopt-cc-speed-") as d:
        work = Path(d)
        build_both(args.src, work, args.build, tc)
        moved, compared = moved_units(work / "rlopt", work / "clang", tc)
        exes = [work / "clang" / args.program, work / "rlopt" / args.program]
        if not all(exe.is_file() for exe in exes):
            sys.exit(f"cc_speed: the build made no {args.program}")
        rows = []
        for spec in args.run:
            label, _, command = spec.partition("|")
            command = command or label

            checked = same_output(command, exes)

            def cpu(exe: Path, command: str = command) -> float:
                return sum(run_ok(command, exe, "a timed run").cpu_seconds for _ in range(args.repeat))

            t = timing.time_binaries(exes, cpu, warm_up=lambda exe, command=command: run_ok(command, exe, "a warm-up"),
                                     min_rounds=args.rounds, max_rounds=args.rounds)
            rows.append({"label": label, "command": command, "same_output": checked, **judge(t)})
    print(f"{args.src.name}: {len(moved)} of {compared} objects with other code through rlopt-cc"
          + (f" ({', '.join(moved)})" if moved else ""))
    print("| command | rlopt-cc vs clang (minima / medians) | interval | twin deviation | verdict | output |\n"
          "|---|---|---|---|---|---|")
    for r in rows:
        verdict = "win" if r["win"] else "loss" if r["loss"] else "within noise"
        output = "same" if r["same_output"] else "varies run to run: not compared"
        print(f"| {r['label']} | {r['speedup']:.3f}x / {r['speedup_median']:.3f}x | [{r['ci'][0]:.3f}, "
              f"{r['ci'][1]:.3f}] | {r['twin_deviation']:.1%} | {verdict} | {output} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{time.time() - started:.0f} s, peak RSS {peak:.0f} MB (this process)")
    if args.out:
        write_file(args.out, json.dumps({"src": str(args.src), "build": args.build, "program": args.program,
                                         "moved": moved, "compared": compared, "rows": rows,
                                         "date": time.strftime("%Y-%m-%d %H:%M")}, indent=1).encode())


if __name__ == "__main__":
    main()
