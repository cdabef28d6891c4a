"""Runtime measurement: build, run with timeouts, adaptive timing, interleaved comparison, callgrind, validation."""

from __future__ import annotations

import dataclasses
import subprocess
import threading
import time

import pytest

from rlopt import toolchain
from rlopt.errors import ToolError, ToolTimeout
from rlopt.training import benchmarks as B
from rlopt.training import runtime as R

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture(scope="module")
def qsort_builds(tmp_path_factory):
    """(benchmark, unoptimized exe, -O3 exe) for qsort."""
    d = tmp_path_factory.mktemp("exe")
    b = B.get("qsort")
    ir = B.ir(b)
    return b, R.build(ir, d / "plain"), R.build(toolchain.find().opt(ir, "default<O3>"), d / "o3")


def test_validate_accepts_correct_and_flags_broken_ir():
    b = B.get("qsort")
    ir = toolchain.find().opt(B.ir(b), "default<O2>")
    assert R.validate(ir, b).ok
    assert b"1664525" in ir  # the program's LCG multiplier; changing it changes the generated input
    broken = R.validate(ir.replace(b"1664525", b"1664527"), b)
    assert broken.status == "miscompile" and not broken.ok and "output differs" in broken.message
    assert R.validate(b"this is not IR", b).status == "build_error"


def test_a_benchmark_named_by_a_path_builds_where_it_is_named(tmp_path):
    """llvm-test-suite's names are paths (SingleSource/Benchmarks/...): the -O0 reference build of one went to a
    directory nobody made, so `rlopt-train eval` of any of them failed to link."""
    b = dataclasses.replace(B.get("qsort"), name="SingleSource/Benchmarks/Sorting/qsort")
    exe = R.build_sources(b, tmp_path / b.name)
    assert exe == tmp_path / "SingleSource" / "Benchmarks" / "Sorting" / "qsort" and exe.is_file()


def test_validate_flags_a_hang_and_a_crash(tmp_path):
    (tmp_path / "p.c").write_text('#include <stdio.h>\nint main(int c, char **v) { puts("hi"); return 0; }\n')
    (tmp_path / B.USER_MANIFEST).write_text('[{"name": "p", "sources": ["p.c"]}]')
    (b,) = B.from_directory(tmp_path)
    ir = B.ir(b)
    assert R.validate(ir, b).ok
    hang = ir.replace(b"  ret i32 0", b"  call void @hang()\n  ret i32 0") + \
        b"\ndefine void @hang() {\n  br label %l\nl:\n  br label %l\n}\n"
    assert R.validate(hang, b, timeout=0.5).status == "timeout"
    crash = ir.replace(b"  ret i32 0", b"  call void @llvm.trap()\n  ret i32 0") + b"\ndeclare void @llvm.trap()\n"
    assert R.validate(crash, b).status == "crash"


def test_run_timeout_and_missing_program(tmp_path):
    with pytest.raises(ToolTimeout):
        R.run("/bin/sleep", ["5"], timeout=0.3)
    with pytest.raises(ToolError, match="cannot run"):
        R.run(tmp_path / "nope")
    r = R.run("/bin/sh", ["-c", "echo out; exit 3"])
    assert (r.stdout, r.returncode) == (b"out\n", 3) and r.seconds > 0


def test_an_interrupted_run_leaves_no_timer_and_no_program(monkeypatch):
    """Ctrl-C as the run's timer starts: the program is killed and no timer thread outlives the call (a
    non-daemon timer once kept an interrupted ``rlopt tune`` alive for the rest of its 600 s run timeout)."""
    from rlopt import timing

    start = threading.Timer.start

    def start_then_interrupt(self):
        start(self)
        raise KeyboardInterrupt

    started = []

    class Popen(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)

    monkeypatch.setattr(threading.Timer, "start", start_then_interrupt)
    monkeypatch.setattr(timing.subprocess, "Popen", Popen)
    before = set(threading.enumerate())
    with pytest.raises(KeyboardInterrupt):
        timing.run("/bin/sleep", ["30"], timeout=600)
    time.sleep(0.2)
    lingering = [t for t in set(threading.enumerate()) - before if t.is_alive() and not t.daemon]
    assert lingering == [] and started[0].poll() is not None


def test_build_errors_are_tool_errors(tmp_path):
    with pytest.raises(ToolError):
        R.build(b"define i32 @main() { ret i64 0 }", tmp_path / "x")
    assert not list(tmp_path.iterdir()), "no partial output left behind"


def test_callgrind_is_repeatable_and_sees_optimization(qsort_builds):
    b, plain, o3 = qsort_builds
    n1 = R.callgrind_instructions(plain, b.small_args)
    assert n1 == R.callgrind_instructions(plain, b.small_args)
    assert R.callgrind_instructions(o3, b.small_args) < 0.7 * n1


def test_measure_runtime_stops_within_bounds(qsort_builds):
    b, _, o3 = qsort_builds
    m = R.measure_runtime(o3, b.small_args, min_runs=3, max_runs=6, rel_spread=0.5)
    assert 3 <= len(m.runs) <= 6 and m.min <= m.median and m.spread >= 0
    m = R.measure_runtime(o3, b.small_args, min_runs=4, max_runs=4, rel_spread=0.0, clock="wall")
    assert len(m.runs) == 4
    with pytest.raises(ValueError):
        R.measure_runtime(o3, min_runs=1)


def test_compare_runtimes_sees_O3_faster(qsort_builds):
    b, plain, o3 = qsort_builds
    args = [str(int(b.args[0]) // 4)]
    c = R.compare_runtimes([plain, o3, plain], args, rounds=3)
    assert c.ratios[0] == 1.0 and c.ratios[1] < 0.8 and len(c.mins) == 3 and c.rounds == 3
