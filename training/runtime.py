"""Build, run and time benchmark programs honestly on a noisy shared machine; detect miscompiles.

* :func:`build` turns optimized IR into an executable with a *fixed* backend (``clang -O2`` with IR
  optimization disabled), so that differences between binaries come from the IR passes alone.
* :func:`measure_runtime` repeats a run until the fastest runs agree; :func:`compare_runtimes` interleaves
  candidates with a baseline (A B A C A B ...) and compares min-of-N, which is what survives bursts of
  load from other processes. Executables run from a tmpfs copy so disk I/O does not enter the timing.
* :func:`callgrind_instructions` counts executed instructions under valgrind: a deterministic proxy.
* :func:`validate` compares a candidate's stdout and exit status with the plain ``clang -O0`` build:
  any difference is a miscompile (or undefined behaviour exposed by the passes) and must never be rewarded.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from rlopt import toolchain
from rlopt.errors import ToolCrash, ToolError, ToolTimeout
from rlopt.ir import write_file
from rlopt.timing import RUN_TIMEOUT, RunResult, run, tmpfs_dir
from rlopt.training import benchmarks
from rlopt.training.benchmarks import Benchmark, cache_dir

BACKEND_FLAGS = ("-O2", "-Xclang", "-disable-llvm-passes")
LINK_FLAGS = ("-lm",)
BUILD_TIMEOUT = 120.0
CALLGRIND_TIMEOUT = 300.0


@dataclass(frozen=True)
class Measurement:
    """Repeated timings of one executable. ``spread`` is (max-min)/min over the fastest half of the runs."""

    median: float
    min: float
    spread: float
    runs: tuple[float, ...]


@dataclass(frozen=True)
class Comparison:
    """Interleaved timings: ``ratios[i]`` = min time of candidate i / min time of candidate 0."""

    ratios: tuple[float, ...]
    mins: tuple[float, ...]
    rounds: int


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of running a candidate against the -O0 reference.

    ``status`` is one of ``ok``, ``miscompile`` (different stdout or exit status), ``crash`` (killed by a
    signal), ``timeout`` or ``build_error``; every status but ``ok`` means the candidate must not be rewarded.
    """

    status: str
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def okay(self) -> bool:
        """CompilerGym's spelling of :attr:`ok`."""
        return self.ok


# ---------------------------------------------------------------- building

def text_size(path: str | os.PathLike, tc: toolchain.Toolchain | None = None) -> int:
    """Bytes of code in an object, program or archive: its ``.text`` and ``.text.*`` sections (``llvm-size -A``)."""
    llvm_size = (tc or toolchain.find()).path("llvm-size")
    out = toolchain.run_command([str(llvm_size), "-A", str(path)], name="llvm-size").decode()
    total = 0
    for line in out.splitlines():
        fields = line.split()
        if len(fields) >= 2 and (fields[0] == ".text" or fields[0].startswith(".text.")) and fields[1].isdigit():
            total += int(fields[1])
    return total


def build(ir: bytes, out_path: str | os.PathLike, *, extra_link: Sequence[str] | None = None,
          timeout: float = BUILD_TIMEOUT) -> Path:
    """Compile text or bitcode IR to an executable with the fixed backend; returns ``out_path``."""
    tc = toolchain.find()
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    argv = [str(tc.path("clang")), *BACKEND_FLAGS, "-x", "ir", "-", "-o", str(tmp), *LINK_FLAGS,
            *(extra_link or ())]
    try:
        toolchain.run_command(argv, name="clang", input=ir, timeout=timeout)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def build_sources(benchmark: Benchmark, out_path: str | os.PathLike, *, opt_level: str = "O0",
                  timeout: float = BUILD_TIMEOUT) -> Path:
    """Build a benchmark straight from its sources with plain clang (the reference build)."""
    tc = toolchain.find()
    out = Path(out_path).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)  # a benchmark's name may be a path (llvm-test-suite's are)
    argv = [str(tc.path("clang")), f"-{opt_level}", *benchmark.cflags, *map(str, benchmark.sources),
            "-o", str(out), *benchmark.ldflags, *LINK_FLAGS]
    try:  # in the benchmark's directory, where its relative -I flags point
        toolchain.run_command(argv, name="clang", timeout=timeout, cwd=benchmark.cwd)
    except ToolError as e:
        raise benchmarks.BenchmarkError(f"{benchmark.name}: does not build: {e}") from e
    return out


# ---------------------------------------------------------------- running

@contextmanager
def run_directory(bench: Benchmark) -> Iterator[Path | None]:
    """Where ``bench`` runs: a fresh directory holding links to its ``data`` files, for programs that read
    data, write output files or have a reference output (imported programs); else its own ``cwd``."""
    if bench.data is None and not bench.outputs and bench.reference is None:
        yield bench.cwd
        return
    base = tmpfs_dir()
    with tempfile.TemporaryDirectory(prefix="rlopt-rundir-", dir=base) as d:
        if bench.data is not None:
            for entry in bench.data.iterdir():
                (Path(d) / entry.name).symlink_to(entry)
        yield Path(d)


def run_benchmark(exe: str | os.PathLike, bench: Benchmark, *, small: bool = False,
                  args: Sequence[str] | None = None, timeout: float = RUN_TIMEOUT,
                  cwd: Path | None = None) -> RunResult:
    """Run ``exe`` as ``bench`` is run: its args (``small_args`` if ``small``; ``args`` overrides both), stdin,
    environment and run directory (``cwd`` reuses one made by :func:`run_directory`). The result's ``stdout``
    is the program's stdout followed by each of its ``outputs`` files, framed by name, so that one comparison
    covers all of its output."""
    if args is None:
        args = bench.small_args if small else bench.args
    if cwd is not None:
        return _with_outputs(run(exe, args, timeout=timeout, cwd=cwd, stdin=bench.stdin, env=bench.env), bench, cwd)
    with run_directory(bench) as d:
        return _with_outputs(run(exe, args, timeout=timeout, cwd=d, stdin=bench.stdin, env=bench.env), bench, d)


def _with_outputs(r: RunResult, bench: Benchmark, cwd: Path | None) -> RunResult:
    if not bench.outputs or cwd is None:
        return r
    parts = [r.stdout]
    for name in bench.outputs:
        f = cwd / name
        body = f.read_bytes() if f.is_file() else b"<missing>"
        parts.append(b"\n==> %s (%d bytes) <==\n" % (name.encode(), len(body)) + body)
        f.unlink(missing_ok=True)  # the next run must write it afresh
    return RunResult(b"".join(parts), r.returncode, r.seconds, r.cpu_seconds)


def check_output(bench: Benchmark, got: RunResult, expected: RunResult | None = None) -> str:
    """"" if ``got`` is ``bench``'s correct output, else a one-line reason.

    The reference is ``expected`` (a run of another build), else the benchmark's ``reference`` file
    (llvm-test-suite's form: stdout, then an ``exit N`` line). Numbers are compared within the benchmark's
    ``fp_tolerance`` (relative, absolute), as llvm-test-suite's fpcmp does; all other text exactly.
    """
    if got.returncode < 0:
        return f"killed by signal {-got.returncode}"
    if expected is not None:
        if got.returncode != expected.returncode:
            return f"exit status {got.returncode}, expected {expected.returncode}"
        want, have = expected.stdout, got.stdout
    elif bench.reference is not None:
        want, have = bench.reference.read_bytes(), with_exit_line(got)
    else:
        raise ValueError(f"{bench.name}: no reference output to check against")
    if want == have:
        return ""
    if any(bench.fp_tolerance) and _numbers_agree(want, have, *bench.fp_tolerance):
        return ""
    return f"output differs: {_first_difference(want, have)}"


def with_exit_line(r: RunResult) -> bytes:
    """stdout in llvm-test-suite's reference form: a newline if missing, then ``exit N``."""
    out = r.stdout
    if out and not out.endswith(b"\n"):
        out += b"\n"
    return out + b"exit %d\n" % r.returncode


_NUMBER_RE = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)", re.IGNORECASE)


def _numbers_agree(want: bytes, have: bytes, rel: float, abs_: float) -> bool:
    """fpcmp's rule: the same text between numbers (white space aside) and every number pair within tolerance."""
    def split(b: bytes) -> tuple[list[bytes], list[bytes]]:
        return [b"".join(t.split()) for t in _NUMBER_RE.split(b)], _NUMBER_RE.findall(b)

    (wt, wn), (ht, hn) = split(want), split(have)
    if wt != ht or len(wn) != len(hn):
        return False
    for a, b in zip(wn, hn, strict=True):
        x, y = float(a), float(b)
        if x == y or (x != x and y != y):
            continue
        diff = abs(x - y)
        if diff > abs_ and diff > rel * max(abs(x), abs(y)):
            return False
    return True


@contextmanager
def _tmpfs_copies(exes: Sequence[str | os.PathLike]) -> Iterator[list[Path]]:
    """Copies of the executables on tmpfs (falls back to the normal temp dir where there is none)."""
    base = tmpfs_dir()
    with tempfile.TemporaryDirectory(prefix="rlopt-run-", dir=base) as d:
        copies = []
        for i, exe in enumerate(exes):
            copies.append(Path(d) / f"{i}-{Path(exe).name}")
            shutil.copy2(exe, copies[-1])
        yield copies


def _timed(exe: Path, args: Sequence[str], timeout: float, cwd, clock: str, stdin=None, env=()) -> float:
    r = run(exe, args, timeout=timeout, cwd=cwd, stdin=stdin, env=env)
    if r.returncode < 0:
        raise ToolCrash(exe.name, f"killed by signal {-r.returncode}", r.returncode)
    return r.cpu_seconds if clock == "cpu" else r.seconds


def _fastest_half_spread(times: Sequence[float]) -> float:
    fast = sorted(times)[:max(2, (len(times) + 1) // 2)]
    return (fast[-1] - fast[0]) / fast[0] if fast[0] > 0 else 0.0


def measure_runtime(exe: str | os.PathLike, args: Sequence[str] = (), *, min_runs: int = 5, max_runs: int = 30,
                    rel_spread: float = 0.02, timeout: float = RUN_TIMEOUT, clock: str = "cpu",
                    cwd: str | os.PathLike | None = None, stdin: str | os.PathLike | None = None,
                    env: Sequence[tuple[str, str]] = ()) -> Measurement:
    """Time ``exe`` until the fastest half of the runs agree within ``rel_spread`` (or ``max_runs``).

    The fastest runs are the ones least disturbed by other processes, so their agreement (not the spread
    of all runs, which a single burst of load inflates) decides when to stop. One warm-up run is not
    counted. ``clock`` is ``cpu`` (user+system time of the process; the default: on a loaded 2-core machine
    its spread across repeats was ~1% where elapsed time varied by 40-60%, see docs/suite.md) or ``wall``.
    """
    if clock not in ("wall", "cpu"):
        raise ValueError(f"clock must be 'wall' or 'cpu', not {clock!r}")
    if not 2 <= min_runs <= max_runs:
        raise ValueError("need 2 <= min_runs <= max_runs")
    with _tmpfs_copies([exe]) as (copy,):
        _timed(copy, args, timeout, cwd, clock, stdin, env)
        times: list[float] = []
        while len(times) < max_runs:
            times.append(_timed(copy, args, timeout, cwd, clock, stdin, env))
            if len(times) >= min_runs and _fastest_half_spread(times) <= rel_spread:
                break
    return Measurement(statistics.median(times), min(times), _fastest_half_spread(times), tuple(times))


def compare_runtimes(exes: Sequence[str | os.PathLike], args: Sequence[str] = (), *, rounds: int = 10,
                     timeout: float = RUN_TIMEOUT, clock: str = "cpu", cwd: str | os.PathLike | None = None,
                     stdin: str | os.PathLike | None = None, env: Sequence[tuple[str, str]] = ()) -> Comparison:
    """Compare candidates with the first executable (the baseline) by interleaved min-of-N timing.

    Each round runs the baseline before every candidate (A B A C ...), so slow phases of the machine hit
    baseline and candidates alike; the minimum over rounds is the least disturbed run of each.
    """
    if not exes:
        raise ValueError("compare_runtimes needs at least one executable")
    with _tmpfs_copies(exes) as copies:
        order = [k for i in range(1, len(copies)) for k in (0, i)] or [0]
        best = [float("inf")] * len(copies)
        for _ in range(rounds):
            for j in order:
                best[j] = min(best[j], _timed(copies[j], args, timeout, cwd, clock, stdin, env))
    return Comparison(tuple(b / best[0] for b in best), tuple(best), rounds)


# ---------------------------------------------------------------- deterministic proxy

_TOTALS_RE = re.compile(rb"^(?:summary|totals):\s*(\d+)", re.MULTILINE)


def callgrind_instructions(exe: str | os.PathLike, args: Sequence[str] = (), *,
                           timeout: float = CALLGRIND_TIMEOUT, cwd: str | os.PathLike | None = None,
                           stdin: str | os.PathLike | None = None) -> int:
    """Instructions executed from ``main`` on (``valgrind --tool=callgrind``): repeatable, unlike time.

    Collection is limited to ``main`` and what it calls, so the dynamic loader's start-up work (the same
    for every build) does not dilute the differences between builds. Use a benchmark's ``small_args``:
    callgrind runs programs ~50x slower than native.
    """
    valgrind = shutil.which("valgrind")
    if not valgrind:
        raise ToolError("valgrind", "valgrind not found (install the Debian package 'valgrind')")
    with tempfile.TemporaryDirectory(prefix="rlopt-cg-") as d:
        out = Path(d) / "callgrind.out"
        argv = [valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", "--toggle-collect=main",
                "--error-exitcode=0", str(exe), *args]
        try:
            toolchain.run_command(argv, name="callgrind", timeout=timeout, cwd=cwd,
                                  input=Path(stdin).read_bytes() if stdin is not None else None)
        except ToolError as e:
            if isinstance(e, ToolTimeout) or not out.is_file():
                raise
        m = _TOTALS_RE.search(out.read_bytes()) if out.is_file() else None
    if not m:
        raise ToolError("callgrind", f"no instruction total in the callgrind output for {exe}")
    return int(m.group(1))


# ---------------------------------------------------------------- validation

def reference_output(benchmark: Benchmark, args: Sequence[str] | None = None, *,
                     timeout: float = RUN_TIMEOUT) -> RunResult:
    """Output of the plain ``clang -O0`` build run as the benchmark runs, with ``args`` (default: small
    args), cached on disk."""
    args = tuple(benchmark.small_args if args is None else args)
    tc = toolchain.find()
    parts: list[bytes | str] = [tc.version_string, " ".join(benchmark.cflags + benchmark.ldflags), *args,
                                repr(benchmark.env), " ".join(benchmark.outputs)]
    for src in benchmark.sources:
        parts += [src.name, src.read_bytes()]
    if benchmark.stdin is not None:
        parts.append(benchmark.stdin.read_bytes())
    if benchmark.data is not None:
        parts += [f"{f.relative_to(benchmark.data)}:{f.stat().st_size}" for f in sorted(benchmark.data.rglob("*"))]
    path = cache_dir() / "reference" / f"{benchmarks.content_key(*parts)}.json"
    if path.is_file():
        d = json.loads(path.read_text())
        return RunResult(bytes.fromhex(d["stdout"]), d["returncode"], d["seconds"], d["cpu_seconds"])
    with tempfile.TemporaryDirectory(prefix="rlopt-ref-") as d:
        exe = build_sources(benchmark, Path(d) / benchmark.name, opt_level="O0")
        r = run_benchmark(exe, benchmark, args=args, timeout=timeout)
    if r.returncode < 0:
        raise benchmarks.BenchmarkError(f"{benchmark.name}: the -O0 build crashes (signal {-r.returncode})")
    record = {**asdict(r), "stdout": r.stdout.hex()}
    write_file(path, json.dumps(record).encode())
    return r


def validate(ir: bytes, benchmark: Benchmark, *, args: Sequence[str] | None = None,
             timeout: float | None = None) -> ValidationResult:
    """Build ``ir`` and run it with ``args`` (default: small args); compare with the -O0 reference output.

    The default time limit is generous (20x the reference's time, at least 10 s): optimized code is not
    slower than -O0 by that much, so hitting it means the passes broke the program.
    """
    expected = reference_output(benchmark, args)
    limit = timeout if timeout is not None else max(10.0, 20 * expected.seconds)
    with tempfile.TemporaryDirectory(prefix="rlopt-val-") as d:
        try:
            exe = build(ir, Path(d) / benchmark.name, extra_link=benchmark.ldflags)
        except ToolError as e:
            return ValidationResult("build_error", str(e))
        try:
            got = run_benchmark(exe, benchmark, args=tuple(benchmark.small_args if args is None else args),
                                timeout=limit)
        except ToolTimeout:
            return ValidationResult("timeout", f"{benchmark.name}: no result within {limit:g} s")
    if got.returncode < 0:
        return ValidationResult("crash", f"{benchmark.name}: killed by signal {-got.returncode}")
    problem = check_output(benchmark, got, expected)
    if problem:
        return ValidationResult("miscompile", f"{benchmark.name}: {problem} (against the -O0 build)")
    return ValidationResult("ok")


def _first_difference(expected: bytes, got: bytes) -> str:
    for a, b in zip(expected.splitlines(), got.splitlines(), strict=False):
        if a != b:
            return f"expected {a[:80]!r}, got {b[:80]!r}"
    return f"expected {len(expected)} bytes, got {len(got)}"
