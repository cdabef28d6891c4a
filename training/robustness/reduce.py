"""Minimise a miscompile: first the pass sequence (drop actions while it still fails), then the IR itself.

The IR is reduced with ``llvm-reduce`` and an interestingness test that builds a candidate twice, without
passes and after ``opt -passes=PIPELINE``, and keeps it when both runs finish and behave differently. As with
any miscompile reduction, a reduced module can pick up undefined behaviour of its own: read the result, do not
file it blindly.
"""

from __future__ import annotations

import stat
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from rlopt import toolchain
from rlopt.errors import RloptError

from . import programs


def shrink_sequence(names: list[str], fails: Callable[[list[str]], bool]) -> list[str]:
    """The shortest sub-sequence found by greedy removal (chunks, then single actions) that still fails."""
    seq = list(names)
    chunk = max(1, len(seq) // 2)
    while chunk >= 1:
        i, removed = 0, False
        while i < len(seq):
            candidate = seq[:i] + seq[i + chunk:]
            if candidate and fails(candidate):
                seq, removed = candidate, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return seq


def behaves_differently(tc: toolchain.Toolchain, ir_file: Path, pipeline: str, workdir: Path,
                        timeout: float = 2.0) -> bool:
    """Whether ``opt -passes=PIPELINE`` changes what the module does (both builds must finish)."""
    try:
        before = programs.run(programs.build_ir(ir_file, workdir / "before.exe"), timeout=timeout)
        optimized = workdir / "after.bc"
        optimized.write_bytes(tc.opt(ir_file.read_bytes(), pipeline, bitcode=True))
        after = programs.run(programs.build_ir(optimized, workdir / "after.exe"), timeout=timeout)
    except RloptError:
        return False
    return not (before.timed_out or after.timed_out) and before != after


def reduce_ir(tc: toolchain.Toolchain, ir_file: Path, pipeline: str, out: Path,
              timeout: float = 600) -> Path:
    """Run ``llvm-reduce`` on a module that :func:`behaves_differently` under ``pipeline``."""
    with tempfile.TemporaryDirectory(prefix="rlopt-reduce-") as tmp:
        script = Path(tmp) / "interesting.py"
        script.write_text(
            f"#!{sys.executable}\n"
            "import sys, tempfile\n"
            "from pathlib import Path\n"
            "from rlopt import toolchain\n"
            "from rlopt.training.robustness.reduce import behaves_differently\n"
            "with tempfile.TemporaryDirectory() as d:\n"
            "    sys.exit(0 if behaves_differently(toolchain.find(), Path(sys.argv[-1]), sys.argv[1], Path(d))"
            " else 1)\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
        tc.run("llvm-reduce", [f"--test={script}", f"--test-arg={pipeline}", str(ir_file), "-o", str(out)],
               timeout=timeout)
    return out
