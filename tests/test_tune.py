"""``rlopt tune``: it finds a faster candidate, rejects wrong output, never crowns noise, and its database is
used by ``rlopt -O-rl`` and ``rlopt-cc`` and survives concurrent writers."""

from __future__ import annotations

import json
import math
import multiprocessing
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cc_helpers import rlopt, wrapper_env

from rlopt import tune, tuning
from rlopt.cache import digest
from rlopt.engine import Engine
from rlopt.errors import ToolTimeout
from rlopt.timing import RunResult
from rlopt.training import measure, tune_sim

# Ackermann: LLVM 19's -O1 is ~1.2x faster than its -O3 here (measured: 0.15 s against 0.18 s with n=11; the
# table's Shootout-C++/ackermann shows the same, 1.38x), and -O1 is in the speed model's coreset.
ACKERMANN = r"""
#include <stdio.h>
#include <stdlib.h>
int Ack(int M, int N) { return M ? Ack(M - 1, N ? Ack(M, N - 1) : 1) : N + 1; }
int main(int argc, char *argv[]) {
  int n = argc == 2 ? atoi(argv[1]) : 10;
  printf("Ack(3,%d): %d\n", n, Ack(3, n));
  return 0;
}
"""
# A vectorisable sum: every optimisation pipeline runs it several times faster than no IR passes at all.
ARRAY_SUM = r"""
#include <stdio.h>
#include <stdlib.h>
static int a[4096];
int main(int argc, char *argv[]) {
  int n = argc == 2 ? atoi(argv[1]) : 20000;
  for (int i = 0; i < 4096; i++) a[i] = i * 7 % 13;
  unsigned s = 0;
  for (int r = 0; r < n; r++)
    for (int i = 0; i < 4096; i++) s += (unsigned)a[i] * (unsigned)(r + 1);
  printf("%u\n", s);
  return 0;
}
"""
UNSWITCH = r"""
#include <stdio.h>
static int a[1024];
int main(int argc, char *argv[]) {
  int flag = argc > 2, s = 0;
  for (int i = 0; i < 1024; i++) {
    if (flag) s += a[i] * 3; else s -= a[i];
    a[i] = s;
  }
  printf("%d\n", s);
  return 0;
}
"""  # -O3 unswitches its loop, -O2 does not: their modules differ

SMALL = "int g(int x);\nint f(int x) { int s = 0; for (int i = 0; i < x; i++) s += g(i) * 3; return s; }\n"


def frontend_ir(tc, src: Path, level: str = "-O3") -> Path:
    out = src.with_suffix(".ll")
    subprocess.run([str(tc.path("clang")), level, "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", src.name,
                    "-o", str(out)], check=True, cwd=src.parent)
    return out


def compiled(tc, tmp_path_factory, name: str, source: str) -> bytes:
    src = tmp_path_factory.mktemp(name) / f"{name}.c"
    src.write_text(source)
    return frontend_ir(tc, src).read_bytes()


@pytest.fixture(scope="module")
def ackermann(tc, tmp_path_factory) -> bytes:
    return compiled(tc, tmp_path_factory, "ack", ACKERMANN)


@pytest.fixture(scope="module")
def array_sum(tc, tmp_path_factory) -> bytes:
    return compiled(tc, tmp_path_factory, "sum", ARRAY_SUM)


@pytest.fixture(scope="module")
def unswitch(tc, tmp_path_factory) -> bytes:
    return compiled(tc, tmp_path_factory, "unswitch", UNSWITCH)


@pytest.fixture(scope="module")
def engine(tc):
    with Engine(tc, timeout=120.0) as e:
        yield e


def first_candidates(module: bytes, engine: Engine, tc) -> list[tune.Candidate]:
    text = engine.optimize(module, "verify").decode()
    return tune.first_candidates(text, "speed", None, "policy", tc)


class SlowBaseline(tune.Program):
    """-O3 is handicapped (its build gets no IR passes at all), so that on a loop every real optimisation
    pipeline beats it by far more than any machine's noise. Ackermann's -O1 beats the true -O3 by 1.2x on our
    machines but by only 1.05x on CI's, inside the noise: a gain that depends on the CPU is no test's premise."""

    def optimize(self, text: str, *, bitcode: bool = True) -> bytes:
        return super().optimize("verify" if text == tuning.BASELINE["speed"] else text, bitcode=bitcode)


def test_the_tuner_finds_the_faster_candidate(array_sum, engine, tc, tmp_path):
    """Real builds and real runs end to end: the race, the confirmation and an independent re-measurement."""
    prog = SlowBaseline(array_sum, engine, tmp_path, run="{exe} 8000", tc=tc)
    result = tune.SpeedTuner(prog, first_candidates(array_sum, engine, tc), evals=40, seconds=None).tune()
    assert result.improved, result.verdict
    assert result.speedup > 1.05 and result.interval[0] > 1.0
    assert result.runs <= 40
    # the winner really is faster: an independent session of the same protocol agrees
    from rlopt import timing

    exes = [prog.build("default<O3>"), prog.build(result.pipeline)]
    again = timing.time_binaries(exes, lambda e: prog.run(e).cpu_seconds, warm_up=prog.run, min_rounds=5,
                                 max_rounds=5)
    assert again.speedup(1)[1] > 1.03


class Altered(tune.Program):
    """One build prints something else: a miscompile, as far as the tuner can tell."""

    bad: str = ""

    def run(self, exe: Path, timeout: float | None = None) -> RunResult:
        r = super().run(exe, timeout)
        if digest(exe.read_bytes()) == self.bad:
            return RunResult(r.stdout + b"!", r.returncode, r.seconds, r.cpu_seconds)
        return r


def test_a_candidate_whose_output_differs_is_rejected(ackermann, engine, tc, tmp_path):
    prog = Altered(ackermann, engine, tmp_path, run="{exe} 10", tc=tc)
    cands = first_candidates(ackermann, engine, tc)
    o3 = digest(prog.build("default<O3>").read_bytes())
    binaries = (digest(prog.build(c.text).read_bytes()) for c in cands)
    prog.bad = next(b for b in binaries if b != o3)  # the first candidate the tuner races
    result = tune.SpeedTuner(prog, cands, evals=20, seconds=None).tune()
    bad = next(c for c in result.history if c.binary == prog.bad)
    assert bad.status.startswith("wrong output") and bad.runs >= 1
    assert not bad.ratios and result.pipeline != bad.text
    assert all(c.binary != prog.bad for c in result.history if c.status == "winner")


class Noisy(tune.Program):
    """Every candidate is the -O3 binary with a junk byte appended (same code, another digest), and every
    measurement is noisy: heavy-tailed CPU times with spikes, no real runs."""

    def __init__(self, *args, seed: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.rng = random.Random(seed)
        self.o3: Path | None = None

    def backend(self, code: bytes) -> Path:
        if self.o3 is None:  # the tuner builds -O3 first
            self.o3 = super().backend(code)
            return self.o3
        out = self.workdir / digest(code)[:16] / "same"
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(self.o3, out)
        with open(out, "ab") as f:
            f.write(digest(code).encode()[:8])
        return out

    def run(self, exe: Path, timeout: float | None = None) -> RunResult:
        t = 0.1 * math.exp(self.rng.gauss(0, 0.05)) * (1.3 if self.rng.random() < 0.1 else 1.0)
        return RunResult(b"same\n", 0, t, t)


def test_noise_never_makes_a_winner_of_a_copy_of_o3(ackermann, engine, tc, tmp_path):
    for seed in range(8):
        prog = Noisy(ackermann, engine, tmp_path / str(seed), seed=seed, tc=tc)
        result = tune.SpeedTuner(prog, tune.fixed_candidates("speed"), evals=100, seconds=None, seed=seed).tune()
        assert not result.improved, (seed, result.verdict)
        assert result.runs <= 100


def test_a_real_gain_in_the_same_noise_is_found(ackermann, engine, tc, tmp_path):
    """The counterpart of the test above (so that it can fail): one copy is 10% faster under the same noise."""
    prog = Noisy(ackermann, engine, tmp_path, seed=1, tc=tc)
    prog.build("default<O3>")
    fast = digest(prog.build("default<O1>").read_bytes())
    plain = prog.run

    def run(exe: Path, timeout: float | None = None) -> RunResult:
        r = plain(exe, timeout)
        if digest(exe.read_bytes()) == fast:
            return RunResult(r.stdout, 0, r.seconds * 0.9, r.cpu_seconds * 0.9)
        return r

    prog.run = run  # type: ignore[method-assign]
    result = tune.SpeedTuner(prog, tune.fixed_candidates("speed"), evals=100, seconds=None).tune()
    assert result.pipeline == "default<O1>", result.verdict


def test_an_o2_build_is_judged_against_o2(unswitch, engine, tc, tmp_path):
    """At the user's -O2 the baseline is -O2 and -O3 is the first candidate: kept when nothing wins, chosen only
    when it wins (10% faster under the same noise as above)."""
    for faster in (False, True):
        prog = Noisy(unswitch, engine, tmp_path / str(faster), seed=2, tc=tc)
        prog.build("default<O2>")
        o3 = digest(prog.build("default<O3>").read_bytes())
        plain = prog.run

        def run(exe: Path, timeout: float | None = None, plain=plain, o3=o3, faster=faster) -> RunResult:
            r = plain(exe, timeout)
            if faster and digest(exe.read_bytes()) == o3:
                return RunResult(r.stdout, 0, r.seconds * 0.9, r.cpu_seconds * 0.9)
            return r

        prog.run = run  # type: ignore[method-assign]
        result = tune.SpeedTuner(prog, tune.fixed_candidates("speed"), evals=100, seconds=None, level="O2").tune()
        assert result.history[0].text == "default<O2>" and result.history[0].status == "baseline"
        assert result.history[1].name == "O3" and result.history[1].runs >= 1
        if faster:
            assert result.improved and result.pipeline == "default<O3>", result.verdict
            assert result.verdict.startswith("O3 beats -O2:")
        else:
            assert not result.improved and (result.pipeline, result.name) == ("default<O2>", "O2"), result.verdict
            assert "-O2" in result.verdict and "-O3" not in result.verdict


@pytest.fixture
def env(tmp_path) -> dict:
    return {**wrapper_env(tmp_path), "RLOPT_CC_SERVER": "0"}


def test_the_database_is_used_by_rlopt_cc_and_by_o_rl(tc, tmp_path, env):
    (tmp_path / "a.c").write_text(SMALL)
    ll = frontend_ir(tc, tmp_path / "a.c", "-Os")
    out = rlopt("tune", str(ll), "-o", "tuned.ll", "--objective", "size", "--evals", "40", "--json", "r.json",
                "-q", env=env, cwd=tmp_path)
    report = json.loads((tmp_path / "r.json").read_text())
    assert "recorded" in out.stderr and report["evaluations"] <= 40
    pipeline = report["pipeline"]
    assert report["ir_instructions"] <= report["baseline_ir_instructions"]
    listed = rlopt("tune", "--list", env=env, cwd=tmp_path).stdout
    assert report["module"][:16] in listed and pipeline in listed

    passes = rlopt("-O-rl", "--model", "size", str(ll), "-S", "-o", "x.ll", "--print-passes", "--explain",
                   env=env, cwd=tmp_path).stderr
    assert "tuned pipeline" in passes and f"-passes={pipeline}" in passes.replace("'", "")

    subprocess.run(["rlopt-cc", "-Os", "-c", "a.c", "-o", "a.o"], env=env, cwd=tmp_path, check=True)
    line = json.loads((tmp_path / "cc.log").read_text().splitlines()[-1])
    assert line["tuned_pipeline"] == pipeline
    stats = subprocess.run(["rlopt-cc", "-s"], env=env, cwd=tmp_path, capture_output=True, text=True).stdout
    assert any(ln.startswith("  tuned pipelines used") and ln.split()[-1] == "1" for ln in stats.splitlines())

    assert "forgot 1" in rlopt("tune", "--forget", str(ll), env=env, cwd=tmp_path).stdout
    assert "tuned pipeline" not in rlopt("-O-rl", "--model", "size", str(ll), "-S", "-o", "x.ll", "--explain",
                                         env=env, cwd=tmp_path).stderr


def _writer(path: str, worker: int, n: int) -> None:
    for i in range(n):
        tuning.record(f"{worker:02d}{i:04d}", "speed", f"pipeline-{worker}-{i}", path, info={"i": i})
        assert tuning.lookup(f"{worker:02d}{i:04d}", "speed", path).pipeline == f"pipeline-{worker}-{i}"


def test_concurrent_writers_lose_nothing(tmp_path):
    path = str(tmp_path / "tuning.sqlite")
    procs = [multiprocessing.get_context("fork").Process(target=_writer, args=(path, w, 40)) for w in range(6)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert all(p.exitcode == 0 for p in procs)
    rows = tuning.entries(path)
    assert len(rows) == 240
    assert all(p == f"pipeline-{int(m[:2])}-{int(m[2:])}" and info == {"i": int(m[2:])} for m, _, p, info in rows)


def test_interrupt_writes_the_best_so_far(tc, tmp_path, env):
    (tmp_path / "ack.c").write_text(ACKERMANN)
    ll = frontend_ir(tc, tmp_path / "ack.c")
    proc = subprocess.Popen([sys.executable, "-m", "rlopt.cli", "tune", str(ll), "-o", "out.ll",  # runs of 0.3 s
                             "--run", "touch ran; sleep 0.3; {exe} 9", "--evals", "100000", "--json", "r.json"],
                            env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                            # as from a terminal, even when the tests run in the background (where SIGINT is ignored)
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # the session has begun once the tuner ran -O3 (start-up, the engine and the policy's ranking take 1-4 s on a
    # loaded machine: a fixed wait could interrupt the command before its session); then candidates are raced
    deadline = time.monotonic() + 120
    while not (tmp_path / "ran").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and json.loads((tmp_path / "r.json").read_text())["interrupted"]
    assert (tmp_path / "out.ll").read_text().startswith("; ModuleID")
    assert tuning.entries(str(tmp_path / "cache" / "tuning.sqlite")) == []  # an interrupted session is not remembered


def test_a_check_command_judges_the_outputs(tc, tmp_path, env):
    (tmp_path / "ack.c").write_text(ACKERMANN)
    ll = frontend_ir(tc, tmp_path / "ack.c")
    check = "echo {exe} >> checked.txt; cmp -s {out} {expected}"
    r = rlopt("tune", str(ll), "--run", "{exe} 8", "--check", check, "--evals", "20", "-q", "--no-record",
              env=env, cwd=tmp_path)
    assert "rlopt tune:" in r.stderr
    assert len(set((tmp_path / "checked.txt").read_text().split())) >= 2  # -O3 and at least one candidate
    r = rlopt("tune", str(ll), "--run", "{exe} 8", "--check", "false", "--evals", "20", "-q", env=env, cwd=tmp_path,
              check=False)
    assert r.returncode == 1 and "--check rejects -O3" in r.stderr


def test_usage_errors_are_one_line(tmp_path, env):
    (tmp_path / "a.ll").write_text("define i32 @f() {\n  ret i32 0\n}\n")
    for args, message in ((["a.ll"], "needs --run"), (["a.ll", "--run", "./prog"], "must contain {exe}"),
                          (["a.ll", "--objective", "size", "--budget", "5x"], "duration")):
        r = rlopt("tune", *args, env=env, cwd=tmp_path, check=False)
        assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_run_command_that_cannot_give_a_reference_is_an_error(tc, tmp_path, env):
    """A command the shell cannot find, a build that crashes under the shell, a run past its time: one line, exit
    1, nothing recorded (before: -O3 was 'not beaten' and recorded)."""
    (tmp_path / "ack.c").write_text(ACKERMANN)
    ll = frontend_ir(tc, tmp_path / "ack.c")
    for run, message in (("nosuchcommand {exe}", "could not find a command (exit 127)"),
                         ("{exe} 8; kill -SEGV $$", "killed by signal 11"),
                         ("sleep 30; {exe} 8", "did not finish within the budget")):
        r = rlopt("tune", str(ll), "--run", run, "--budget", "3s", "-q", env=env, cwd=tmp_path, check=False)
        assert r.returncode == 1 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "cache" / "tuning.sqlite").exists()


def test_a_run_that_hangs_is_stopped_at_the_budget(ackermann, engine, tc, tmp_path, monkeypatch):
    """Runs that get slow after the first are stopped at the deadline, and the session ends with what it has.
    Batches of two: a batch of 12 took 2.5 s of the 4 s to build on a loaded machine, and one that ends near the
    deadline leaves no runs for a race (no run hangs, and the verdict is another)."""
    monkeypatch.setattr(tune, "BATCH", 2)
    marker = tmp_path / "first"
    prog = tune.Program(ackermann, engine, tmp_path, tc=tc,
                        run=f"if [ -e {marker} ]; then sleep 60; else touch {marker}; fi; {{exe}} 8")
    start = time.monotonic()
    result = tune.SpeedTuner(prog, first_candidates(ackermann, engine, tc), evals=None, seconds=4.0).tune()
    assert time.monotonic() - start < 4.0 + tune.DEADLINE_GRACE + 3
    assert result.pipeline == tune.space.STANDARD["O3"] and "the budget was too short" in result.verdict
    assert result.runs >= 2 and not result.interrupted  # the first run, and one stopped at the deadline


def test_a_corrupt_database_is_a_one_line_error(tmp_path, env):
    """``--list`` and a session stop at once with the file named; ``-O-rl`` goes on without it and says so."""
    db = tmp_path / "junk.sqlite"
    db.write_text("junk " * 100)
    env = {**env, "RLOPT_TUNING_DB": str(db)}
    (tmp_path / "a.ll").write_text("define i32 @main() {\n  ret i32 0\n}\n")
    for args in (["--list"], ["a.ll", "--objective", "size", "--evals", "5"]):
        r = rlopt("tune", *args, env=env, cwd=tmp_path, check=False)
        assert r.returncode == 1 and str(db) in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = rlopt("-O-rl", "a.ll", "-S", "-o", "out.ll", env=env, cwd=tmp_path)
    assert f"tuning database {db} unreadable" in r.stderr and (tmp_path / "out.ll").exists()
    assert db.read_text() == "junk " * 100


class SlowCounts(tune.Program):
    """Every count takes 0.3 s, as a large module's pipeline does, and is stopped at its timeout as the engine
    stops one: a budget checked only between candidates would end a candidate and a recount late."""

    @staticmethod
    def _slow(timeout: float | None) -> None:
        if timeout is not None and timeout < 0.3:
            time.sleep(timeout)
            raise ToolTimeout("engine", timeout)
        time.sleep(0.3)

    def ir_instructions(self, text: str, *, timeout: float | None = None) -> int:
        self._slow(timeout)
        return super().ir_instructions(text, timeout=timeout)

    def size(self, text: str, *, timeout: float | None = None) -> tuple[int, int | None]:
        self._slow(timeout)
        return super().size(text, timeout=timeout)


def test_the_size_search_keeps_its_time_budget(ackermann, engine, tc, tmp_path):
    prog = SlowCounts(ackermann, engine, tmp_path, tc=tc)
    # -Oz is measured first (0.3 s) and as long is kept for the answer's recount: a second count fits while the
    # engine's own work in -Oz's three times and the first count stays under 0.5 s (0.3 s with a budget of 1.5 s,
    # which loaded runs ended at up to 1.34 s), a fourth never does (1.8 s)
    result = tune.tune_size(prog, tune.fixed_candidates("size"), evals=None, seconds=1.7)
    assert result.seconds <= 1.7, result.seconds
    assert 2 <= result.evaluations <= 3


class MoreCode(tune.Program):
    """The module after pipeline ``larger`` makes twice the code it does."""

    larger: str | None = None

    def size(self, text: str, *, timeout: float | None = None) -> tuple[int, int | None]:
        count, code = super().size(text, timeout=timeout)
        return count, code * 2 if code is not None and text == self.larger else code


def test_the_size_answer_never_makes_more_code_than_oz(example_ir, engine, tc, tmp_path):
    """Fewest IR instructions wins only with a .text no larger than -Oz's: the search's best, made to have more
    code, is turned down for the next best that has not."""
    module = example_ir["sort.O3"].read_bytes()
    first = tune.fixed_candidates("size")
    plain = tune.tune_size(tune.Program(module, engine, tmp_path, tc=tc), first, evals=12, seconds=None, seed=3)
    assert plain.improved and "; .text " in plain.verdict
    prog = MoreCode(module, engine, tmp_path, tc=tc)
    prog.larger = plain.pipeline
    again = tune.tune_size(prog, tune.fixed_candidates("size"), evals=12, seconds=None, seed=3)
    assert again.pipeline != plain.pipeline
    turned_down = next(c for c in again.history if c.text == plain.pipeline)
    assert turned_down.status.startswith("more .text than -Oz")
    if again.improved:
        assert prog.size(again.pipeline)[1] <= prog.size(tuning.BASELINE["size"])[1]
        assert again.ir_instructions < again.baseline_ir_instructions


def test_a_size_candidate_slower_than_all_before_is_stopped_at_the_deadline(example_ir, tc, tmp_path):
    """The budget check between candidates trusts the slowest so far; a pipeline that runs -Oz 2000 times (~10 s
    on this module) is slower than that, and is stopped by the engine at the deadline instead of ending the
    search late. The stop costs a new engine worker before the answer is counted again (a new interpreter loading
    libLLVM: 0.15-0.25 s on a loaded 2-core machine, outside any timeout): the bound is the 1.3 s the search took
    at most before, plus one such start (1.33-1.35 s were measured under load)."""
    slow = tune.Candidate("slow", ",".join(["default<Oz>"] * 2000), "test")
    with Engine(tc, timeout=120.0) as engine:
        prog = tune.Program(example_ir["sort.O3"].read_bytes(), engine, tmp_path, tc=tc)
        result = tune.tune_size(prog, [*tune.fixed_candidates("size")[:2], slow], evals=None, seconds=1.0)
        assert result.seconds <= 1.6, result.seconds
        assert slow.status.startswith("failed") and "timed out" in slow.status, slow.status
        assert prog.ir_instructions("default<Oz>") > 0  # the worker restarted; the program reloads its module


def test_a_knob_move_changes_exactly_one_knob():
    rng = random.Random(3)
    assert all(len(tune.knob_move((), rng)) == 1 for _ in range(20))  # nothing set: a move sets one
    start = ("-inline-threshold=500", "-unroll-count=4")
    for _ in range(60):
        moved = dict(o.lstrip("-").split("=") for o in tune.knob_move(start, rng))
        before = dict(o.lstrip("-").split("=") for o in start)
        changed = {k for k in before.keys() | moved.keys() if before.get(k) != moved.get(k)}
        assert len(changed) == 1, (start, moved)


def test_candidates_predicted_to_lose_alternate_with_moves_around_the_best():
    """The policy's doubtful candidates no longer use up a small budget before the search looks near the best."""
    def cand(name: str, predicted: float | None = None) -> tune.Candidate:  # as first_candidates marks them
        return tune.Candidate(name, tune.space.STANDARD[name], "test", ("-" + name,), predicted=predicted,
                              later=predicted is not None and predicted <= 1.0)

    best = tune.Candidate("best", "default<O2>@unroll-count=4", "test", ("-O2",))
    first = [cand("O1", 1.2), cand("Os", 0.9), cand("Oz", 0.8), cand("O2")]
    stream = tune.Stream(first, "speed", lambda: best, seed=5)
    got = [next(stream) for _ in range(12)]
    names = [c.name for c in got]
    assert names[:2] == ["O1", "O2"]  # predicted to gain, then the fixed candidates
    assert names[3] == "Os" and names[5] == "Oz"  # then one doubtful candidate after each move
    moves = [c for c in got[2:] if c.name not in ("Os", "Oz")]
    assert all(c.origin.endswith("from best") or c.origin.endswith("after best") for c in moves)
    assert any(c.origin.startswith("knob move") for c in moves)
    assert any(c.origin.startswith("move") and c.text.endswith("@unroll-count=4") for c in moves)  # knobs kept


def test_a_spent_neighbourhood_turns_to_random_sequences(monkeypatch):
    """When every move around the best lands on a pipeline already tried, the search draws random sequences
    for the rest of its budget instead of stopping early (it used to end revertBits' 10 s search at 4.4 s)."""
    best = tune.Candidate("best", "default<Oz>", "test", ("-Oz",))
    monkeypatch.setattr(tune.space, "mutate", lambda seq, rng, space: seq)  # every move: the best itself
    stream = tune.Stream([], "size", lambda: best, seed=1)
    got = [next(stream) for _ in range(5)]
    assert all(c.origin == "random" for c in got) and len({c.text for c in got}) == 5


def test_speed_search_screens_the_knobs_first_then_climbs_from_the_best():
    """Knob values on -O3 come first (the knob study's winners first), the fixed pipelines later; once a knob
    value is the best, the next candidates add each other knob value to it (coordinate ascent)."""
    first = tune.fixed_candidates("speed")
    screen = [c for c in first if not c.later]
    assert [c.text for c in screen[:len(tune.space.SPEED_KNOB_CANDIDATES)]] == list(tune.space.SPEED_KNOB_CANDIDATES)
    assert len(screen) == sum(len(k.values) for k in tune.knobs.KNOBS.values()) + 1
    assert all(c.text.startswith("default<O3>@") and c.text.count("@") == 1 for c in screen[:-1])
    assert screen[-1].text == tune.knobs.O3_SWITCHED  # -O3 with the passes it leaves off, last of the screen
    best = tune.Candidate("best", "default<O3>@unroll-count=4", "test", ("-O3",))
    stream = tune.Stream(first, "speed", lambda: best, seed=2)
    got = [next(stream) for _ in range(len(screen) + 10)]
    assert [c.text for c in got[:len(screen)]] == [c.text for c in screen]
    after = got[len(screen):]
    assert any(c.later for c in after)  # the fixed pipelines, in turn with the climb
    climb = [c.text for c in after if c.origin == "knob of best"]
    assert "default<O3>@two-entry-phi-node-folding-threshold=1@unroll-count=4" in climb
    assert all("unroll-count=4" in t and t.count("@") == 2 for t in climb)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_knobs_that_each_help_are_found_together(tmp_path, seed):
    """Two knob values that each give 15%, under 3% of noise, every candidate a new binary (no free duplicates)."""
    prog = tune_sim.SimulatedProgram(tmp_path, {"@unroll-count=4": 1 / 0.85, "@force-vector-width=4": 1 / 0.85},
                                     sigma=0.03, spike_rate=0, seed=seed)
    result = tune.SpeedTuner(prog, tune.fixed_candidates("speed"), evals=100, seconds=None, seed=seed).tune()
    assert result.improved, result.verdict
    assert "@unroll-count=4" in result.pipeline and "@force-vector-width=4" in result.pipeline, result.pipeline


def test_simulated_sessions_find_hidden_wins_and_never_declare_a_false_one():
    """40 simulated programs with hidden wins of 4-30% under spiky noise (rlopt.training.tune_sim; the longer
    run is benchmarks/tune_sim.py): the tuner and plain random search each improve a good share of them at 100
    runs, and neither ever declares a win that is not one. (Which of the two finds more depends on where the
    wins hide: docs/tune.md, "Simulated programs".)"""
    tuner, rand = (tune_sim.score([tune_sim.session(i, 1, strategy, 100) for i in range(40)])
                   for strategy in ("policy", "random"))
    assert tuner["false_wins"] == rand["false_wins"] == 0, (tuner, rand)
    for found in (tuner, rand):
        assert found["geomean"] > 1.03 and found["improved"] >= found["with_wins"] // 2, found


def test_measured_profiles_come_from_the_knob_tables_held_out_programs():
    table = json.loads(measure.KNOB_TABLE_FILE.read_text())
    profiles = tune_sim.measured_profiles(table)
    held_out = [r for r in table["programs"].values() if r.get("split") in ("validation", "test")
                and r.get("rounds") and not r.get("noisy") and "error" not in r]
    assert len(profiles) == len(held_out) > 20
    keys = {k for p in profiles for k in p}
    assert all(k.startswith("@") and "=" in k or k in ("default<O1>", "default<O2>", "default<Os>", "default<Oz>")
               for k in keys), keys
    assert any(g > 1 for p in profiles for g in p.values()) and any(g < 1 for p in profiles for g in p.values())
    assert len(tune_sim.measured_profiles(table, splits=("train",))) > len(profiles)  # the training programs differ


def test_measured_effects_do_not_compound_and_a_measured_loss_is_never_the_answer(tmp_path):
    profile = {"@force-vector-width=4": 1.3, "@unroll-count=4": 1.2, "default<O1>": 0.5}
    prog = tune_sim.SimulatedProgram(tmp_path, profile, sigma=0.02, spike_rate=0, seed=1, compound=False)
    assert prog.gain("default<O3>@force-vector-width=4@unroll-count=4") == 1.3
    assert prog.gain("default<O1>@force-vector-width=4") == 0.65
    result = tune.SpeedTuner(prog, tune.fixed_candidates("speed"), evals=100, seconds=None, seed=1).tune()
    assert result.improved and prog.gain(result.pipeline) >= 1.2, result.pipeline


def test_a_candidate_that_optimizes_for_too_long_costs_only_itself(array_sum, tc, tmp_path, monkeypatch):
    """Each build may take a multiple of the -O3 build's time (the product's 20x, no floor): a pipeline that runs
    -O3 1000 times (~300x one -O3 here) is stopped as a failed build, and the session goes on with the others.
    (3x a ~10 ms -O3 gave -O1, ~10 ms too, on a freshly restarted worker a 20-30 ms timeout: one stall fails it.)"""
    monkeypatch.setattr(tune, "OPTIMIZE_TIMEOUT_FACTOR", 20.0)
    monkeypatch.setattr(tune, "OPTIMIZE_TIMEOUT_MIN", 0.0)
    with Engine(tc, timeout=120.0) as engine:
        prog = tune.Program(array_sum, engine, tmp_path, run="{exe} 100", tc=tc)
        slow = tune.Candidate("slow", ",".join(["default<O3>"] * 1000), "test")
        fast = tune.Candidate("O1", "default<O1>", "test")
        started = time.monotonic()
        result = tune.SpeedTuner(prog, [slow, fast], evals=40, seconds=None).tune()
        assert time.monotonic() - started < 60
    assert prog.optimize_timeout is not None and prog.optimize_timeout < 5
    assert slow.status.startswith("build failed") and "timed out" in slow.status, slow.status
    assert fast.exe is not None and fast.runs > 0, fast.status
    assert result.runs <= 40
