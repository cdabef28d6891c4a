"""`make demo`: run rlopt as a user would on the shipped C examples and show what it did.

For each program: clang's pre-optimisation IR -> `rlopt -O-rl` (the shipped policy) and `rlopt -O3` -> build
-> run; checks the output matches the unoptimised build and prints instruction counts and runtimes side by side.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE.parent))

from rlopt import policy, toolchain  # noqa: E402
from rlopt.engine import Module  # noqa: E402

PROGRAMS = {"sort": "300000", "matmul": "200", "crc": "6000000"}


def sh(*argv: str | Path, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in argv], check=True, capture_output=True, **kw)


def best_time(exe: Path, arg: str, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        sh(exe, arg)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    tc = toolchain.find()
    clang = tc.path("clang")
    print(f"LLVM {tc.version_string} at {tc.bin_dir}")
    try:
        model = policy.resolve_model(None)
        print(f"policy: {model.relative_to(HERE.parent) if model.is_relative_to(HERE.parent) else model}")
        levels = ["-O0", "-O3", "-O-rl"]
    except Exception as e:  # no shipped model: show the rest of the tool anyway
        print(f"policy: none ({e})")
        levels = ["-O0", "-O3"]
    work = Path(tempfile.mkdtemp(prefix="rlopt-demo-"))
    rows = []
    try:
        for name, arg in PROGRAMS.items():
            src = HERE / "c" / f"{name}.c"
            pre = work / f"{name}.ll"
            sh(clang, "-O3", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", src, "-o", pre)
            outputs = {}
            for level in levels:
                out = work / f"{name}{level}.ll"
                argv = [BIN / "rlopt", pre, "-S", "-o", out]
                if level != "-O0":
                    argv.insert(1, level)
                proc = sh(*argv, "--print-passes", text=True)
                exe = work / f"{name}{level}.exe"
                sh(clang, "-O2", "-Xclang", "-disable-llvm-passes", out, "-o", exe, "-lm")
                outputs[level] = sh(exe, arg).stdout
                with Module.parse(out.read_bytes()) as module:
                    insts = module.instruction_count()
                rows.append((name, level, insts, best_time(exe, arg),
                             outputs[level] == outputs["-O0"], proc.stderr.strip().splitlines()[-1]))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\n{'program':8s} {'level':6s} {'IR insts':>8s} {'runtime':>9s} {'vs -O0':>7s}  output")
    base = {r[0]: r[3] for r in rows if r[1] == "-O0"}
    for name, level, insts, secs, same, _ in rows:
        print(f"{name:8s} {level:6s} {insts:8d} {secs * 1000:7.1f}ms {base[name] / secs:6.2f}x  "
              f"{'same as -O0' if same else 'MISMATCH'}")
    print("\nReplay any of these with plain opt, e.g.:")
    print("  " + next(r[5] for r in rows if r[1] == levels[-1]))
    return 0 if all(r[4] for r in rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("RLOPT_CACHE_DIR", str(Path(tempfile.gettempdir()) / "rlopt-demo-cache"))
    sys.exit(main())
