"""Differential testing: a program optimized by rlopt must behave exactly like its -O0 build.

For each program: the reference is the C source built at -O0 and run once (programs whose reference does not
finish in time are skipped). The IR is what ``clang -O3`` gives its optimizer; each *variant* (an -O level,
``-O3`` with its switches on, a random sequence of safe actions, ``-O-rl``) runs through ``rlopt``, is built
with codegen only, and its stdout and exit status must equal the reference's.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from rlopt import knobs, passes, toolchain
from rlopt.errors import RloptError

from . import invoke, programs
from .programs import Outcome, Program

Status = Literal["ok", "mismatch", "timeout", "rlopt-error"]
LEVELS = ("-O0", "-O1", "-O2", "-O3", "-Os", "-Oz")
SAFE_ACTIONS = tuple(a for a in passes.ACTIONS if a.safe)


@dataclass(frozen=True)
class Variant:
    """One way of optimizing: the rlopt arguments that select it and the equivalent ``opt -passes=``."""

    label: str
    argv: tuple[str, ...]
    pipeline: str


@dataclass(frozen=True)
class Prepared:
    """A program ready for testing: its unoptimized IR and the reference behaviour."""

    program: Program
    ir: Path
    reference: Outcome
    workdir: Path


@dataclass(frozen=True)
class Result:
    """The verdict for one (program, variant) pair; ``detail`` explains anything but ``ok``."""

    program: str
    variant: str
    pipeline: str
    status: Status
    detail: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def level_variants() -> list[Variant]:
    """Every -O level rlopt accepts (the learned -O-rl is separate: see :func:`rl_variant`)."""
    return [Variant(lv, (lv,), passes.OPT_LEVELS[lv[1:]]) for lv in LEVELS]


def switched_variant() -> Variant:
    """``-O3`` with the passes it leaves off switched on (``knobs.O3_SWITCHED``, a candidate of ``rlopt tune``)."""
    return Variant("O3+switches", (f"--passes={knobs.O3_SWITCHED}",), knobs.O3_SWITCHED)


def random_variant(rng: random.Random, min_len: int = 1, max_len: int = 20) -> Variant:
    """A uniformly random sequence of safe actions (instrumentation would need extra runtime libraries)."""
    seq = [rng.choice(SAFE_ACTIONS) for _ in range(rng.randint(min_len, max_len))]
    return actions_variant([a.name for a in seq])


def actions_variant(names: list[str]) -> Variant:
    """The variant for an explicit list of action names."""
    text = ",".join(names)
    return Variant(f"actions:{text}", (f"--actions={text}",), passes.pipeline(names))


def rl_variant() -> tuple[Variant | None, str]:
    """The ``-O-rl`` variant if a trained model is installed, else None and the reason why not."""
    from rlopt import policy

    try:
        policy.resolve_model(None)
    except RloptError as e:
        return None, str(e)
    return Variant("-O-rl", ("-O-rl",), "<policy>"), ""


def prepare(tc: toolchain.Toolchain, prog: Program, workdir: Path, timeout: float = 2.0) -> Prepared | None:
    """Emit the IR and run the -O0 reference; None when the reference does not finish within ``timeout``.

    The limit is below the optimized runs' (``programs.RUN_TIMEOUT``) so that a slow but correct
    optimized build is not mistaken for a hang.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    ir = programs.emit_ir(tc, prog, workdir / "input.ll")
    ref = programs.run(programs.build_c_O0(tc, prog, workdir / "ref.exe"), prog.args, timeout)
    if ref.timed_out:
        return None
    return Prepared(prog, ir, ref, workdir)


def optimize_with_rlopt(ir: Path, variant: Variant, out: Path) -> str | None:
    """Run rlopt in-process on ``ir``; returns its error text, or None on success."""
    inv = invoke.in_process([*variant.argv, "-S", str(ir), "-o", str(out)])
    if inv.exception:
        return f"traceback: {inv.exception.strip().splitlines()[-1]}"
    return None if inv.returncode == 0 else (inv.stderr.strip() or f"exit {inv.returncode}")


def compare(tc: toolchain.Toolchain, prep: Prepared, optimized: Path, exe: Path) -> tuple[Status, str]:
    """Build and run optimized IR and compare it with the reference."""
    got = programs.run(programs.build_ir(optimized, exe), prep.program.args)
    if got.timed_out:
        return "timeout", f"optimized program ran past {programs.RUN_TIMEOUT:g} s"
    if got == prep.reference:
        return "ok", ""
    return "mismatch", describe_difference(prep.reference, got)


def describe_difference(ref: Outcome, got: Outcome) -> str:
    """A one-line summary of how two behaviours differ."""
    if ref.returncode != got.returncode:
        return f"exit status {got.returncode} instead of {ref.returncode}"
    return f"stdout {got.stdout[:80]!r} instead of {ref.stdout[:80]!r}"


def check(tc: toolchain.Toolchain, prep: Prepared, variant: Variant, tag: str = "v") -> Result:
    """Optimize with rlopt, build, run, and compare with the reference."""
    out, exe = prep.workdir / f"{tag}.ll", prep.workdir / f"{tag}.exe"
    error = optimize_with_rlopt(prep.ir, variant, out)
    if error is not None:
        return Result(prep.program.name, variant.label, variant.pipeline, "rlopt-error", error)
    status, detail = compare(tc, prep, out, exe)
    return Result(prep.program.name, variant.label, variant.pipeline, status, detail)


def reproduces_with_opt(tc: toolchain.Toolchain, prep: Prepared, pipeline: str) -> bool:
    """Whether plain ``opt -passes=PIPELINE`` (no rlopt involved; knobs as opt's options) gives the same wrong
    behaviour."""
    out = prep.workdir / "plain-opt.bc"
    try:
        text, options = knobs.parse(pipeline)
        out.write_bytes(tc.opt(prep.ir.read_bytes(), text, bitcode=True, extra=list(options)))
    except RloptError:
        return False
    return compare(tc, prep, out, prep.workdir / "plain-opt.exe")[0] == "mismatch"


def source_has_ub(tc: toolchain.Toolchain, prog: Program, workdir: Path) -> bool:
    """Whether UBSan flags the C source at -O0: then any 'miscompile' is the program's fault."""
    exe = workdir / "ubsan.exe"
    try:
        programs.clang(tc, ["-O0", "-fsanitize=undefined", "-fno-sanitize-recover=all", str(prog.source),
                            "-o", str(exe), "-lm"])
    except RloptError:
        return False
    got = programs.run(exe, prog.args)
    return not got.timed_out and got.returncode != 0


def verdict(tc: toolchain.Toolchain, prep: Prepared, pipeline: str) -> str:
    """Whose fault a mismatch is: the program's (UB), LLVM's on this sequence, or rlopt's."""
    if source_has_ub(tc, prep.program, prep.workdir):
        return "ub-in-source: UBSan flags the C program, so the optimizer may change its behaviour"
    if reproduces_with_opt(tc, prep, pipeline):
        return "llvm: plain opt-19 with this pipeline miscompiles too (the action space must avoid it)"
    return "rlopt: plain opt-19 with the same pipeline is correct, so rlopt's handling is at fault"
