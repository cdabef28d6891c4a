"""Malformed-input fuzzing of the ``rlopt`` CLI and the contract every run must keep.

The corpus is made on the fly from real IR (text and bitcode) by truncating, flipping bits, splicing two
modules, inserting junk, huge lines and invalid UTF-8. Whatever the input, a run must end with exit 0 and a
valid module, or exit 1/2 and one clear ``rlopt: error:`` line; never a traceback, never past its timeout,
never an output (or temporary) file left behind on failure, and never a changed input file.
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rlopt import toolchain
from rlopt.errors import RloptError

from . import invoke, programs

#: Problems counted by the long run; every one of them must stay at zero.
PROBLEMS = ("traceback", "hang", "partial-file", "input-modified", "unclear-error", "invalid-output")
TIMEOUT = 10.0
HANG_GRACE = 20.0
PIPELINES = (("-O0",), ("-O2",), ("-Oz",), ("--passes=function(sroa,instcombine<no-verify-fixpoint>)",),
             ("--actions=-mem2reg,-gvn,-simplifycfg",), ("--passes=function(no-such-pass)",),
             ("--passes=function(sroa",), ("--actions=-not-an-action",), ())


@dataclass(frozen=True)
class Case:
    """One fuzz input: how it was made, its bytes, and the rlopt options it runs with."""

    kind: str
    data: bytes
    options: tuple[str, ...]
    via_stdin: bool = False


@dataclass
class Tally:
    """Counts over many cases; ``examples`` keeps the first few offending cases per problem."""

    tried: int = 0
    succeeded: int = 0
    errors: int = 0
    problems: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def add(self, case: Case, ok_run: bool, problems: list[str], note: str) -> None:
        self.tried += 1
        self.kinds[case.kind] += 1
        self.succeeded += ok_run
        self.errors += not ok_run
        for p in problems:
            self.problems[p] += 1
            self.examples.setdefault(p, [])
            if len(self.examples[p]) < 5:
                self.examples[p].append(f"{case.kind} {' '.join(case.options)}: {note}")

    def merge(self, other: Tally) -> None:
        self.tried += other.tried
        self.succeeded += other.succeeded
        self.errors += other.errors
        self.problems.update(other.problems)
        self.kinds.update(other.kinds)
        for p, ex in other.examples.items():
            self.examples.setdefault(p, []).extend(ex[: 5 - len(self.examples[p])])

    def summary(self) -> dict:
        return {"inputs_tried": self.tried, "valid_results": self.succeeded, "clean_errors": self.errors,
                **{p: self.problems.get(p, 0) for p in PROBLEMS}, "kinds": dict(self.kinds),
                "examples": self.examples}


def seed_corpus(tc: toolchain.Toolchain) -> list[bytes]:
    """Real modules to mutate: the example IR files as text, and each also as bitcode."""
    texts = [p.read_bytes() for p in sorted((programs.ROOT / "examples" / "ir").glob("*.ll"))]
    return texts + [tc.run("llvm-as", ["-", "-o", "-"], input=t) for t in texts]


def _truncate(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    return data[: rng.randrange(len(data))]


def _bitflip(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    buf = bytearray(data)
    for _i in range(rng.choice((1, 1, 2, 8, 64))):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _splice(rng: random.Random, data: bytes, seeds: list[bytes]) -> bytes:
    other = rng.choice(seeds)
    return data[: rng.randrange(len(data))] + other[rng.randrange(len(other)):]


def _junk(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.randbytes(rng.randrange(1, 256)) + data[at:]


def _huge_line(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    line = b"; " + b"x" * rng.choice((1 << 12, 1 << 16, 1 << 20))
    return data + b"\n" + line if rng.random() < 0.5 else b"@g = global [1 x i8] c\"" + line + b"\"\n" + data


def _non_utf8(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    at = rng.randrange(len(data))
    return data[:at] + rng.choice((b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\x00")) + data[at:]


def _shuffle_lines(rng: random.Random, data: bytes, _: list[bytes]) -> bytes:
    lines = data.split(b"\n")
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    if rng.random() < 0.5:
        del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def _whole_junk(rng: random.Random, _data: bytes, _: list[bytes]) -> bytes:
    return rng.choice((b"", b"\n\n \t", rng.randbytes(rng.randrange(1, 4096)), b"BC\xc0\xde", b"\xde\xc0\x17\x0b"
                       + rng.randbytes(32), b"define void @f() {\n", b"\x00" * 1000))


MUTATORS: dict[str, Callable[[random.Random, bytes, list[bytes]], bytes]] = {
    "truncate": _truncate, "bitflip": _bitflip, "splice": _splice, "junk": _junk, "huge-line": _huge_line,
    "non-utf8": _non_utf8, "shuffle-lines": _shuffle_lines, "whole-junk": _whole_junk,
}


def make_case(rng: random.Random, seeds: list[bytes]) -> Case:
    """One random malformed (or occasionally intact) input with random options."""
    seed = rng.choice(seeds)
    fmt = "bc" if seed[:2] == b"BC" else "ll"
    name = rng.choice([*MUTATORS, "intact"]) if rng.random() < 0.97 else "intact"
    data = seed if name == "intact" else MUTATORS[name](rng, seed, seeds)
    options = rng.choice(PIPELINES) + (("-S",) if rng.random() < 0.5 else ())
    return Case(f"{name}-{fmt}", data, options, via_stdin=rng.random() < 0.1)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def clear_error(stderr: str) -> bool:
    """Exactly one ``rlopt: error:`` line (warnings aside)."""
    lines = [ln for ln in stderr.splitlines() if not ln.startswith("rlopt: warning:")]
    while lines and not lines[-1].strip():
        lines.pop()
    return len(lines) == 1 and lines[0].startswith("rlopt: error: ")


def error_problems(inv: invoke.Invocation) -> list[str]:
    """Problems with how a failed run reported itself: exit 1/2 and one clear error (see :func:`clear_error`)."""
    return [] if inv.returncode in (1, 2) and clear_error(inv.stderr) else ["unclear-error"]


def valid_module(tc: toolchain.Toolchain, path: Path) -> bool:
    """Whether a file is a module that LLVM 19 parses and verifies."""
    try:
        tc.run("opt", ["-passes=verify", "-disable-output", str(path)], timeout=TIMEOUT)
    except RloptError:
        return False
    return True


def run_case(tc: toolchain.Toolchain, case: Case, workdir: Path, subprocess: bool = False
             ) -> tuple[bool, list[str], str]:
    """Run one case and judge it: (exit was 0, problems found, the stderr/traceback for reports)."""
    workdir.mkdir(parents=True, exist_ok=True)
    src, outdir = workdir / "input", workdir / "out"
    src.write_bytes(case.data)
    outdir.mkdir(exist_ok=True)
    out = outdir / ("result.ll" if "-S" in case.options else "result.bc")
    before = sha256(src)
    argv = [*case.options, "--timeout", str(TIMEOUT), "-" if case.via_stdin else str(src), "-o", str(out)]
    stdin = case.data if case.via_stdin else b""
    inv = (invoke.subprocess_run(argv, stdin, timeout=TIMEOUT + HANG_GRACE) if subprocess
           else invoke.in_process(argv, stdin))
    problems = []
    if inv.exception:
        problems.append("traceback")
    if inv.timed_out or inv.seconds > TIMEOUT + HANG_GRACE:
        problems.append("hang")
    if sha256(src) != before:
        problems.append("input-modified")
    left = sorted(p.name for p in outdir.iterdir())
    if inv.returncode == 0:
        if left != [out.name]:
            problems.append("partial-file")
        elif not valid_module(tc, out):
            problems.append("invalid-output")
    elif not inv.exception:
        problems += error_problems(inv)
        if left:
            problems.append("partial-file")
    for p in outdir.iterdir():
        p.unlink()
    return inv.returncode == 0, problems, (inv.exception or inv.stderr).strip()[-500:]


def fuzz(tc: toolchain.Toolchain, n: int, seed: int, workdir: Path, subprocess_every: int = 0,
         seeds: list[bytes] | None = None) -> Tally:
    """Run ``n`` random cases (every ``subprocess_every``-th through the real entry point)."""
    rng = random.Random(seed)
    seeds = seeds or seed_corpus(tc)
    tally = Tally()
    for i in range(n):
        case = make_case(rng, seeds)
        sub = bool(subprocess_every) and i % subprocess_every == 0
        ok_run, problems, note = run_case(tc, case, workdir, subprocess=sub)
        tally.add(case, ok_run, problems, f"[fuzz(seed={seed}) case #{i}] {note}")
    return tally
