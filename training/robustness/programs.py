"""Test programs (csmith, the examples, the suite) and how to build and run them reproducibly.

Every build goes through LLVM 19 only, and every run has a time limit: a program that does not finish is a
*timeout*, never a hang of the harness.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from rlopt import toolchain

ROOT = Path(__file__).resolve().parents[2]
CSMITH_INCLUDE = "/usr/include/csmith"
#: Small, terminating csmith programs: few functions, no packed structs (clang warns and they add nothing).
CSMITH_ARGS = ("--max-funcs", "4", "--no-packed-struct", "--max-block-depth", "3", "--max-array-dim", "2")
RUN_TIMEOUT = 5.0


@dataclass(frozen=True)
class Outcome:
    """What a program did: its stdout and exit status (``timed_out`` when it was killed)."""

    stdout: bytes
    returncode: int
    timed_out: bool = False


@dataclass(frozen=True)
class Program:
    """A C program to test: its source and the arguments it runs with."""

    name: str
    source: Path
    args: tuple[str, ...] = ()


def example_programs() -> list[Program]:
    """The shipped C examples and the training suite programs that are present (the suite runs at size 1)."""
    progs = [Program(p.stem, p) for p in sorted((ROOT / "examples" / "c").glob("*.c"))]
    suite = ROOT / "training" / "benchmarks" / "suite"
    progs += [Program(f"suite/{p.stem}", p) for p in sorted(suite.glob("*.c"))]
    return progs


def csmith_program(seed: int, directory: Path) -> Program:
    """Generate the csmith program for ``seed`` (deterministic for a given csmith version)."""
    path = directory / f"csmith_{seed}.c"
    if not path.exists():
        src = toolchain.run_command(["csmith", "--seed", str(seed), *CSMITH_ARGS], timeout=60)
        path.write_bytes(src)
    return Program(f"csmith-{seed}", path)


def clang(tc: toolchain.Toolchain, args: list[str], timeout: float = 120) -> None:
    """Run LLVM 19's clang quietly (warnings off: csmith code triggers many)."""
    tc.run("clang", ["-w", f"-I{CSMITH_INCLUDE}", *args], timeout=timeout)


def emit_ir(tc: toolchain.Toolchain, prog: Program, out: Path) -> Path:
    """The IR clang -O3 hands to its optimizer (no noinline/optnone, with TBAA): what rlopt is meant to see."""
    clang(tc, ["-O3", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-S", str(prog.source), "-o", str(out)])
    return out


def build_c_O0(tc: toolchain.Toolchain, prog: Program, exe: Path) -> Path:
    """The reference build: the C source at -O0."""
    clang(tc, ["-O0", str(prog.source), "-o", str(exe), "-lm"])
    return exe


def build_ir(ir_file: Path, exe: Path) -> Path:
    """Build optimized IR to an executable with codegen only: the environment's fixed backend."""
    from rlopt.training import runtime

    return runtime.build(ir_file.read_bytes(), exe)


def run(exe: Path, args: tuple[str, ...] = (), timeout: float = RUN_TIMEOUT) -> Outcome:
    """Run a program with a time limit; its whole process group is killed on timeout."""
    proc = subprocess.Popen([str(exe), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return Outcome(b"", -1, timed_out=True)
    return Outcome(out, proc.returncode)
