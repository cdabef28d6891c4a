#!/usr/bin/env python3
"""Is a project built through ``rlopt-cc -Oz`` smaller than the same project built by ``clang -Oz``?

Copies a local checkout twice and builds one copy with ``CC=rlopt-cc`` and the other with the LLVM toolchain's
``clang`` (as ``benchmarks/cc_speed.py`` does: ``{cc}`` in ``--build`` is replaced by each; put ``-Oz`` in the
build command, where rlopt-cc applies the size model). Then compares code size: the ``.text`` (with ``.text.*``)
of every object file matched by name, and of each ``--program`` (a linked program or library). ``--check`` runs a
command in the rlopt-cc copy (the project's own tests) that must pass. The size model promises never a larger
``.text`` than ``-Oz``'s per module, so the row to read is "larger".

Third-party sources are never committed: point ``--src`` at your own checkout.

    .venv/bin/python benchmarks/cc_size.py --src ~/zlib --build './configure && make CC={cc} CFLAGS=-Oz' \\
        --program libz.a --check 'make test' --out zlib.json
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cc_speed

from rlopt import toolchain
from rlopt.output import write_file
from rlopt.training.runtime import text_size


def compare(ours: dict[str, int], clang: dict[str, int]) -> dict[str, Any]:
    """rlopt-cc's sizes against clang's for the names both have: counts of smaller, equal and larger, the
    geometric mean of clang's size over ours (above 1: ours smaller) and the totals."""
    names = sorted(n for n in set(ours) & set(clang) if ours[n] > 0 and clang[n] > 0)
    ratios = [clang[n] / ours[n] for n in names]
    larger = sorted(((ours[n] / clang[n], n) for n in names if ours[n] > clang[n]), reverse=True)
    return {"compared": len(names), "smaller": sum(ours[n] < clang[n] for n in names),
            "equal": sum(ours[n] == clang[n] for n in names), "larger": len(larger),
            "largest_growth": [{"name": n, "ratio": round(r, 4)} for r, n in larger[:5]],
            "geomean": round(math.exp(sum(map(math.log, ratios)) / len(ratios)), 4) if ratios else None,
            "total_ours": sum(ours[n] for n in names), "total_clang": sum(clang[n] for n in names)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cc_speed.project_arguments(ap)
    ap.add_argument("--program", action="append", default=[], help="a built program or library, relative to the "
                    "copy (repeatable)")
    ap.add_argument("--check", help="a command run in rlopt-cc's copy after the build that must exit 0 (its tests)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    tc = toolchain.find()
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="rlopt-cc-size-") as d:
        work = Path(d)
        built = cc_speed.build_both(args.src, work, args.build, tc)
        trees = {who: cc_speed.objects(work / who) for who in ("rlopt", "clang")}
        sizes = {who: {name: text_size(obj, tc) for name, obj in objs.items()} for who, objs in trees.items()}
        objects = compare(sizes["rlopt"], sizes["clang"])
        programs = []
        for program in args.program:
            paths = [work / who / program for who in ("rlopt", "clang")]
            if not all(p.is_file() for p in paths):
                sys.exit(f"cc_size: the build made no {program}")
            ours, clang = (text_size(p, tc) for p in paths)
            programs.append({"program": program, "ours": ours, "clang": clang,
                             "ratio": round(clang / ours, 4) if ours else None})
        if args.check:
            proc = subprocess.run(["/bin/sh", "-c", args.check], cwd=work / "rlopt", capture_output=True, text=True)
            if proc.returncode:
                sys.exit(f"cc_size: '{args.check}' failed in rlopt-cc's build (status {proc.returncode}): "
                         f"{(proc.stdout + proc.stderr).strip().splitlines()[-1:]}")
    print(f"{args.src.name}: {objects['compared']} objects compared, rlopt-cc's .text smaller in "
          f"{objects['smaller']}, equal in {objects['equal']}, larger in {objects['larger']}"
          + (f" (most: {objects['largest_growth'][0]['name']} {objects['largest_growth'][0]['ratio']:.3f}x)"
             if objects["largest_growth"] else ""))
    if objects["compared"]:
        print(f"objects: .text {objects['total_clang']} -> {objects['total_ours']} bytes "
              f"({objects['total_clang'] / max(objects['total_ours'], 1):.4f}x smaller in all, "
              f"{objects['geomean']:.4f}x geometric mean)")
    print("| program | clang -Oz .text | rlopt-cc .text | clang / rlopt-cc |\n|---|---|---|---|")
    for p in programs:
        print(f"| {p['program']} | {p['clang']} | {p['ours']} | {p['ratio'] or 0:.4f}x |")
    if args.check:
        print(f"'{args.check}' passed on rlopt-cc's build")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{time.time() - started:.0f} s (rlopt-cc's build {built:.0f} s), peak RSS {peak:.0f} MB (largest child)")
    if args.out:
        write_file(args.out, json.dumps({"src": str(args.src), "build": args.build, "objects": objects,
                                         "programs": programs, "check": args.check, "rlopt_build_s": round(built),
                                         "date": time.strftime("%Y-%m-%d %H:%M")}, indent=1).encode())


if __name__ == "__main__":
    main()
