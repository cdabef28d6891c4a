"""``rlopt tune --make``: the hot unit of a Makefile project is found and tuned by runs of the whole program, the
answer is recorded and the next ``make CC=rlopt-cc`` builds with it; size tunes each unit exactly without runs;
Ctrl-C keeps the build and the database consistent; bad input is one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cc_helpers import needs_wrapper, rlopt, wrapper_env

from rlopt import timing, tune_make, tuning

pytestmark = needs_wrapper

# The 4x4 matrix product of llvm-test-suite's Misc/matmul_f64_4x4: LLVM 19's -O3 leaves the unrolled product in
# a slow form that a second -O3 (or -O2) cleans up, after which the loop's call is hoisted; the table measured
# 5.3x for O3x2 and O2x2 (candidates the tuner tries first), 4.8x here through the whole build.
_PRODUCT = "\n".join(f"  Res[{4 * i + j}] = " + " + ".join(f"A[{i}][{k}]*B[{k}][{j}]" for k in range(4)) + ";"
                     for i in range(4) for j in range(4))
MAIN = f"""#include <stdlib.h>
void report(double C[4][4]);
static void mul4(double *Out, const double A[4][4], const double B[4][4]) {{
  double Res[16];
{_PRODUCT}
  for (unsigned n = 0; n < 16; ++n) Out[n] = Res[n];
}}
__attribute__((__noinline__)) void wrap_mul4(double *Out, const double A[4][4], const double B[4][4]) {{
  mul4(Out, A, B);
}}
int main(int argc, char **argv) {{
  unsigned iterations = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
  const double A[4][4] = {{{{4.5, 1.3, 6.0, 4.1}}, {{2.5, 7.2, 7.7, 1.7}}, {{6.7, 1.3, 9.4, 1.3}}, {{1.1, 2.2, 3.0, 2.1}}}};
  const double B[4][4] = {{{{1.0, 7.9, 5.1, 3.4}}, {{6.6, 2.8, 5.4, 9.2}}, {{5.0, 4.1, 4.1, 9.9}}, {{8.4, 3.7, 9.5, 6.4}}}};
  double C[4][4];
  for (unsigned n = 0; n != iterations; ++n) wrap_mul4(&C[0][0], A, B);
  report(C);
  return 0;
}}
"""
REPORT = """#include <stdio.h>
void report(double C[4][4]) {
  for (int n = 0; n != 4; ++n) {
    for (int m = 0; m != 4; ++m) printf("%8.2f", C[n][m]);
    puts("");
  }
}
"""
MAKEFILE = """CC ?= cc
CFLAGS ?= -O3
prog: main.o report.o
\t$(CC) $(CFLAGS) -o $@ $^
%.o: %.c
\t$(CC) $(CFLAGS) -c $< -o $@
"""
RUN = "./prog 10000000"  # ~0.15 s at -O3, a few ms with O3x2


def project(root: Path, extra: str = "") -> Path:
    root.mkdir(exist_ok=True)
    (root / "main.c").write_text(MAIN)
    (root / "report.c").write_text(REPORT)
    (root / "Makefile").write_text(MAKEFILE + extra)
    return root


@pytest.fixture
def env(tmp_path) -> dict:
    return {**wrapper_env(tmp_path), "RLOPT_CC_SERVER": "0"}


#: The -O0 probe's bar in the tests whose verdict is "no other unit is hot": main.c (or hot.c) at -O0 makes the
#: program ~6x slower, driver.c and report.c 1.0x, and two loaded runs of one of them (10% each, the twin quiet)
#: would pass the product's 1.10x bar.
TEST_HOT_SLOWDOWN = 1.5


def rlopt_with_hot_bar(*args: str, env: dict, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """``rlopt ARGS`` as :func:`cc_helpers.rlopt` runs it, with ``tune_make.HOT_SLOWDOWN`` at TEST_HOT_SLOWDOWN."""
    code = ("import sys\nfrom rlopt import tune_make\n"
            f"tune_make.HOT_SLOWDOWN = {TEST_HOT_SLOWDOWN}\n"
            "from rlopt.cli import main\nsys.exit(main(sys.argv[1:]))")
    return subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          check=check)


def units(path: Path) -> dict[str, dict]:
    return {u["source"]: u for u in json.loads(path.read_text())["units"]}


def test_the_hot_unit_is_tuned_and_the_next_build_uses_it(tc, tmp_path, env):
    proj = project(tmp_path / "proj")
    rlopt("tune", "--make", "make", "--run", RUN, "--evals", "50", "--json", "r.json", "-q", env=env, cwd=proj)
    report = json.loads((proj / "r.json").read_text())
    main, other = units(proj / "r.json").values()
    # the -O0 probe tells the hot unit from the cold one, and only the hot one gets the budget
    assert main["slowdown_at_O0"] > 1.5 and other["status"].startswith("not tuned")
    assert main["status"] == "tuned: improved", main["tuning"]["verdict"]
    assert main["tuning"]["speedup"] > 1.5 and main["tuning"]["interval"][0] > 1.01
    assert report["runs"] <= 50 and report["program"] == "prog"
    pipeline = main["tuning"]["pipeline"]
    listed = rlopt("tune", "--list", env=env, cwd=proj).stdout
    assert main["module"][:16] in listed and pipeline in listed and "main.c" in listed

    # the user's next build through rlopt-cc compiles main.c with the recorded pipeline, and the program agrees
    # with plain clang's
    subprocess.run(["make", "-B"], env={**env, "CC": "rlopt-cc"}, cwd=proj, check=True, capture_output=True)
    lines = [json.loads(line) for line in (tmp_path / "cc.log").read_text().splitlines()]
    assert [ln for ln in lines if "main.c" in ln["argv"]][-1]["tuned_pipeline"] == pipeline
    stats = subprocess.run(["rlopt-cc", "-s"], env=env, cwd=proj, capture_output=True, text=True).stdout
    assert any(ln.startswith("  tuned pipelines used") and int(ln.split()[-1]) >= 1 for ln in stats.splitlines())
    subprocess.run([str(tc.path("clang")), "-O1", "main.c", "report.c", "-o", "ref"], cwd=proj, check=True)
    got, want = (subprocess.run([exe, "1000"], cwd=proj, capture_output=True).stdout for exe in ("./prog", "./ref"))
    assert got == want and got.count(b"\n") == 4


def test_a_unit_built_at_o2_is_tuned_against_o2(tmp_path, env):
    """The user's -O2 build is the baseline, not -O3: the verdict is against -O2, -O3 is the first candidate."""
    proj = project(tmp_path / "proj")
    rlopt("tune", "--make", "make CFLAGS=-O2", "--run", RUN, "--evals", "40", "--units", "1", "--json", "r.json",
          "-q", env=env, cwd=proj)
    main = units(proj / "r.json")["main.c"]
    assert main["level"] == "O2" and main["status"] == "tuned: improved", main["tuning"]["verdict"]
    first, second = main["tuning"]["candidates"][:2]
    assert (first["pipeline"], first["status"]) == ("default<O2>", "baseline") and second["name"] == "O3"
    assert " beats -O2: " in main["tuning"]["verdict"]


SHARED_MAKEFILE = """CC ?= cc
CFLAGS ?= -O3
prog: driver.o report.o libhot.so
\t$(CC) $(CFLAGS) -o $@ driver.o report.o -L. -lhot -Wl,-rpath,$(CURDIR) $(TAGS)
libhot.so: hot.o
\t$(CC) $(CFLAGS) -shared -o $@ $^
hot.o: hot.c
\t$(CC) $(CFLAGS) -fPIC -c $< -o $@
%.o: %.c
\t$(CC) $(CFLAGS) -c $< -o $@
"""


# as libtool builds a program against an uninstalled library: the binary in .libs finds it only through the
# wrapper script's LD_LIBRARY_PATH
LIBTOOL_MAKEFILE = "all: prog\n" + SHARED_MAKEFILE.replace("prog: driver.o", ".libs/prog: driver.o").replace(
    " -Wl,-rpath,$(CURDIR) $(TAGS)", "") + """prog: .libs/prog
\tprintf '#!/bin/sh\\n# prog - temporary wrapper script for .libs/prog, generated by libtool\\n\
LD_LIBRARY_PATH=$(CURDIR) exec $(CURDIR)/.libs/prog "$$@"\\n' > $@ && chmod +x $@
.libs:
\tmkdir -p .libs
.libs/prog: | .libs
"""


def shared_project(root: Path, makefile: str = SHARED_MAKEFILE) -> Path:
    """The project above with its hot code (main.c's product, called from a small driver) in a shared library."""
    root.mkdir(exist_ok=True)
    (root / "hot.c").write_text(MAIN.replace("int main(int argc, char **argv)", "int run(int argc, char **argv)"))
    (root / "driver.c").write_text("int run(int argc, char **argv);\nint main(int argc, char **argv) "
                                   "{ return run(argc, argv); }\n")
    (root / "report.c").write_text(REPORT)
    (root / "Makefile").write_text(makefile)
    return root


@pytest.mark.parametrize("makefile", [SHARED_MAKEFILE, LIBTOOL_MAKEFILE], ids=["runpath", "libtool"])
def test_a_unit_in_a_shared_library_is_tuned_with_copies_of_the_library(tc, tmp_path, env, makefile):
    """Runs time copies of the program and of the tree's libraries it loads (found by the program's RUNPATH, or,
    behind a libtool wrapper script, by name among the libraries the build linked): the library's hot unit is
    found and tuned, and the tree's program agrees with plain clang's."""
    proj = shared_project(tmp_path / "proj", makefile)
    rlopt("tune", "--make", "make", "--run", RUN, "--evals", "50", "--json", "r.json", "-q", env=env, cwd=proj)
    assert json.loads((proj / "r.json").read_text())["program"].endswith("prog")
    found = units(proj / "r.json")
    assert found["hot.c"]["slowdown_at_O0"] > 1.5 and found["hot.c"]["status"] == "tuned: improved", found
    assert found["hot.c"]["tuning"]["speedup"] > 1.5
    subprocess.run([str(tc.path("clang")), "-O1", "hot.c", "driver.c", "report.c", "-o", "ref"], cwd=proj, check=True)
    got, want = (subprocess.run([exe, "1000"], cwd=proj, capture_output=True).stdout for exe in ("./prog", "./ref"))
    assert got == want and got.count(b"\n") == 4


def test_a_library_the_program_loads_from_the_tree_regardless_is_named_not_timed(tmp_path, env):
    """With a DT_RPATH to the tree (old linkers' default), a run's LD_LIBRARY_PATH cannot bring in a copy: the
    library's units are listed with the reason, and the error (nothing else is hot) names the library. (The bar
    at TEST_HOT_SLOWDOWN: --evals 20 leaves the probe its two rounds only, where both runs of driver.c or
    report.c loaded by 10% would still make it hot; hot.c, were it timed, would pass 1.5x sixfold.)"""
    proj = shared_project(tmp_path / "proj")
    r = rlopt_with_hot_bar("tune", "--make", "make TAGS=-Wl,--disable-new-dtags", "--run", RUN, "--evals", "20",
                           "--json", "r.json", "-q", env=env, cwd=proj, check=False)
    assert r.returncode == 1 and "nothing worth tuning" in r.stderr, r.stderr
    assert "the code in libhot.so is not timed: build it static to tune it" in r.stderr
    found = units(proj / "r.json")
    assert found["hot.c"]["status"].startswith("not tuned: in the shared library libhot.so (the program loads "
                                               "libhot.so from the tree"), found


def test_units_of_calls_that_name_their_compiler(tmp_path):
    """``CC="rlopt-cc clang++"``: the log keeps the named compiler; the unit's options start after it, and the
    compiler's name says C++."""
    for name in ("a.cc", "b.c", "c.c", "d.c"):
        (tmp_path / name).write_text("int f(void) { return 1; }\n")
    lines = [{"cwd": str(tmp_path), "argv": ["rlopt-cc", "clang++", "-O2", "-c", "a.cc"], "decision": "rlopt"},
             {"cwd": str(tmp_path), "argv": ["rlopt-cc", "-O3", "-c", "b.c", "-o", "b.o"], "decision": "rlopt"},
             {"cwd": str(tmp_path), "argv": ["rlopt-cc", "/usr/bin/clang++-19", "-O3", "-c", "c.c"],
              "decision": "rlopt"},
             {"cwd": str(tmp_path), "argv": ["rlopt-c++", "clang", "-O3", "-c", "d.c"], "decision": "rlopt"}]
    found, programs, old = tune_make.units_of(lines)
    assert [(u.src.path, u.cxx, u.inv.level, os.path.basename(u.output)) for u in found] == [
        ("a.cc", True, "O2", "a.o"), ("b.c", False, "O3", "b.o"), ("c.c", True, "O3", "c.o"),
        ("d.c", False, "O3", "d.o")]  # the named compiler decides, as it compiles the unit
    assert programs == set() and old == []


def test_size_tunes_each_unit_exactly_without_runs(tmp_path, env):
    proj = project(tmp_path / "proj", "report.o: override CFLAGS = -O1\n")
    rlopt("tune", "--make", "make CFLAGS=-Oz", "--objective", "size", "--evals", "30", "--json", "r.json", "-q",
          env=env, cwd=proj)
    report = json.loads((proj / "r.json").read_text())
    main, other = units(proj / "r.json").values()
    assert report["runs"] == 0 and "profile_runs" not in report
    assert main["status"].startswith("tuned") and main["level"] == "Oz"
    assert main["tuning"]["ir_instructions"] <= main["tuning"]["baseline_ir_instructions"]
    assert main["tuning"]["evaluations"] <= 30
    assert other["status"].startswith("not tuned: compiled at -O1")
    recorded = tuning.entries(str(tmp_path / "cache" / "tuning.sqlite"))
    assert [(m, o, p) for m, o, p, _ in recorded] == [(main["module"], "size", main["tuning"]["pipeline"])]


def test_objects_the_build_did_not_compile_are_said(tc, tmp_path, env):
    """A build tool that rebuilds only what is out of date (ninja; here make told to keep report.o) compiles a
    part of the tree: the units it did not compile are said, not silently left out."""
    proj = project(tmp_path / "proj")
    subprocess.run(["make", "report.o", f"CC={tc.path('clang')}"], cwd=proj, check=True, capture_output=True)
    r = rlopt("tune", "--make", "make -o report.o CFLAGS=-Oz", "--objective", "size", "--evals", "5", "-q", env=env,
              cwd=proj)
    assert "warning: 1 object(s) the build links were not compiled by it (report.o)" in r.stderr


def test_a_configure_test_compiled_on_the_way_is_not_a_unit(tmp_path, env):
    """A build that runs configure compiles conftest.c through the wrapper and deletes it: not a unit (its module
    could not be made again; the session once failed on it)."""
    proj = project(tmp_path / "proj")
    make = "echo 'int x;' > conftest.c && $CC -Oz -c conftest.c -o conftest.o && rm conftest.* && make CFLAGS=-Oz"
    rlopt("tune", "--make", make, "--objective", "size", "--evals", "5", "--json", "r.json", "-q", env=env, cwd=proj)
    assert sorted(units(proj / "r.json")) == ["main.c", "report.c"]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_keeps_the_build_and_the_database_consistent(tmp_path, env, sig):
    """Ctrl-C, or a kill (SIGTERM), while a unit is tuned."""
    proj = project(tmp_path / "proj")
    proc = subprocess.Popen([sys.executable, "-m", "rlopt.cli", "tune", "--make", "make", "--run", RUN,
                             "--json", "r.json"], env=env, cwd=proj, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as from a terminal
    assert proc.stderr is not None
    for line in proc.stderr:  # interrupt while main.c's candidates are being built and raced
        if "tuning main.c" in line:
            break
    time.sleep(3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert json.loads((proj / "r.json").read_text())["interrupted"]
    assert units(proj / "r.json")["main.c"]["status"] == "interrupted: not recorded"
    assert tuning.entries(str(tmp_path / "cache" / "tuning.sqlite")) == []
    # the tree holds the build of the (unchanged) database again, not the last candidate's, and is up to date
    assert subprocess.run(["./prog", "1000"], cwd=proj, capture_output=True).stdout.count(b"\n") == 4
    assert subprocess.run(["make", "-q"], env={**env, "CC": "rlopt-cc"}, cwd=proj).returncode == 0


def test_make_usage_errors_are_one_line(tmp_path, env):
    proj = project(tmp_path / "proj")
    for args, message, status in (
            (["--make", "make"], "needs --run", 2),
            (["--make", "make", "--run", "{exe} 1"], "without {exe}", 2),
            (["main.c", "--make", "make", "--run", "./prog"], "no INPUT", 2),
            (["--make", "make", "--run", "./nope 1"], "must start with a program the build links", 2),
            (["--make", "make CC=" + sys.executable, "--run", "./prog"], "failed", 1),
            (["--make", "true", "--run", "./prog"], "compiled nothing through rlopt-cc", 1),
            (["--make", "make", "--run", "./prog 1"], "nothing worth tuning", 1),  # a run too short to matter
            (["--make", "make", "--run", "./prog 1; kill -SEGV $$"], "killed by signal 11", 1)):  # not "too little"
        r = rlopt("tune", *args, "-q", env=env, cwd=proj, check=False)
        assert r.returncode == status and message in r.stderr and len(r.stderr.strip().splitlines()) == 1, (
            args, r.stderr)
    # the probe's -O0 builds are undone: the tree is up to date with rlopt-cc's own choices
    assert subprocess.run(["make", "-q"], env={**env, "CC": "rlopt-cc"}, cwd=proj).returncode == 0


@pytest.mark.parametrize("slower, twin, most, rounds", [
    (1.5, [1.0] * 6, 6, 2),  # a quiet machine: the two rounds
    (3.0, [1.76, 0.5] * 3, 6, 2),  # a noisy one, but the unit is far above any bar the noise sets
    (1.05, [1.08, 1.0] * 3, 6, 2),  # a little noise, and the unit below the mark by more than it
    (1.06, [1.76, 0.5] * 3, 6, 6),  # below the mark, but within the noise of it: a hot unit may hide there
    (1.5, [1.76, 1.5, 1.0, 1.0, 1.0, 1.0], 6, 4),  # a burst of load: until the bar falls below the unit
    (1.5, [1.76, 0.5] * 3, 6, 6),  # load throughout: no more than the most
    (1.5, [1.76, 0.5] * 3, 3, 3),  # ... or than --evals leaves
])
def test_the_probe_times_longer_while_the_noise_decides(tmp_path, slower, twin, most, rounds):
    exes = [tmp_path / name for name in ("build", "unit-at-O0", "twin")]
    for exe in exes:
        exe.write_bytes(b"")
    count = [0, 0, 0]

    def cpu_seconds(copy: Path) -> float:  # the copies are named v000, v001, v002 by position
        v = int(copy.name[1:])
        count[v] += 1
        return {0: 1.0, 1: slower, 2: twin[count[2] - 1]}[v]

    probe = tune_make.probe_rounds(exes, cpu_seconds, most)
    assert count == [rounds] * 3
    assert round(tune_make.slowdown(probe, 1), 2) == slower


def test_one_loaded_round_of_two_does_not_make_a_unit_hot():
    """A unit 25% slower in one round and as fast as the build in the other is 1.11x slower by the median ratio
    alone, above the bar a quiet twin sets; by the minima it is not slower at all (a flaky CI run tuned a unit
    of a program whose hot code was out of reach)."""
    spiked = timing.Timing(((1.0, 1.0), (1.25, 1.0), (1.0, 1.0)))
    assert 1 / spiked.speedup(1)[1] > tune_make.HOT_SLOWDOWN > tune_make.slowdown(spiked, 1) == 1.0
    hot = timing.Timing(((1.0, 1.0), (1.6, 1.5), (1.0, 1.02)))
    assert tune_make.slowdown(hot, 1) == pytest.approx(1.5)


def fake_units(monkeypatch, tmp_path, hot_rank: int) -> tuple[list[tune_make.Unit], list[list[int]]]:
    """14 units, largest first, one of them hot; ``profile`` replaced by -O0 slowdowns that add up over a group's
    units (2 rounds of each group, the base and the twin); the list records each round's group sizes."""
    units = [tune_make.Unit(cwd=str(tmp_path), inv=None, src=None, cxx=False, output=f"u{i}.o",
                            instructions=1000 - i) for i in range(14)]
    share = {id(u): 1.8 if i == hot_rank else 1.01 for i, u in enumerate(units)}
    calls: list[list[int]] = []

    def fake_profile(project, groups, run_cmd, work, max_runs):
        calls.append([len(g) for g in groups])
        return [1 + sum(share[id(u)] - 1 for u in g) for g in groups], 0.02, 2 * (len(groups) + 2), 1.0

    monkeypatch.setattr(tune_make, "profile", fake_profile)
    return units, calls


@pytest.mark.parametrize("hot_rank, rounds", [
    (2, 1),  # among the largest: one round, the others together stay under the bar
    (9, 2),  # a small unit: the others together pass the bar, so the next largest are timed one by one
    (13, 3),  # the smallest of 14: a third round
])
def test_the_probe_finds_a_hot_unit_beyond_the_largest(monkeypatch, tmp_path, hot_rank, rounds):
    """The largest units are timed one by one and the rest together; a hot small unit is not left unprobed."""
    units, calls = fake_units(monkeypatch, tmp_path, hot_rank)
    report: dict = {}
    hot = tune_make._probe(units, None, "./prog", None, tmp_path, report, lambda s: None)
    assert hot == [units[hot_rank]] and units[hot_rank].slowdown == 1.8
    assert len(calls) == rounds and calls[0] == [1] * 6 + [8]
    assert report["profile_runs"] == sum(2 * (len(c) + 2) for c in calls)
    probed = 6 * rounds
    assert all(u.status.startswith("not probed: one of the") for u in units[probed:])
    assert all(u.status.startswith("not tuned: 1.01x slower") for u in units[:probed] if u is not units[hot_rank])


def test_the_probe_takes_at_most_half_the_runs(monkeypatch, tmp_path):
    """Another round starts only while the probe stays within half of --evals: of 80 runs, the second round
    (18 runs after 18) fits in 40, the third (8 more) does not, and the hot unit stays among the unprobed."""
    units, calls = fake_units(monkeypatch, tmp_path, 13)
    with pytest.raises(tune_make.RloptError, match="nothing worth tuning"):
        tune_make._probe(units, None, "./prog", 80, tmp_path, {}, lambda s: None)
    assert calls == [[1] * 6 + [8], [1] * 6 + [2]]
    assert all(u.status == "not probed: one of the 2 smaller units (no runs left for another probe)" for u in units[12:])


def test_a_second_probe_round_times_against_the_build_as_it_is(monkeypatch, tmp_path, env):
    """One unit per round (PROBED_UNITS patched to 1): the largest unit is not in the program, so the other two
    together pass the bar and a second round times main.c alone, against the build restored after the first
    round's probes (not against the first round's last probe build, which had main.c at -O0 too)."""
    proj = project(tmp_path / "proj")
    body = "\n".join(f"int big{i}(int *a, int n) {{ int s = {i}; for (int k = 0; k < n; k++) s = s * 31 + a[k] % "
                     f"{i + 7}; return s; }}" for i in range(60))
    (proj / "big.c").write_text(body + "\n")
    (proj / "Makefile").write_text("all: prog big.o\n" + MAKEFILE)  # big.o is built, not linked into prog
    for k in [k for k in os.environ if k.startswith("RLOPT_")]:
        monkeypatch.delenv(k)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(proj)
    monkeypatch.setattr(tune_make, "PROBED_UNITS", 1)
    monkeypatch.setattr(tune_make, "HOT_SLOWDOWN", TEST_HOT_SLOWDOWN)  # report.c is never hot by noise (see there)
    from rlopt import cli

    cli.main(["tune", "--make", "make", "--run", RUN, "--evals", "60", "--json", "r.json", "-q"])
    got = units(proj / "r.json")
    assert got["big.c"]["status"].startswith("not in the program")
    assert got["big.c"]["ir_instructions"] > got["main.c"]["ir_instructions"]
    assert got["main.c"]["slowdown_at_O0"] > 1.5 and got["main.c"]["status"].startswith("tuned")
    # not hot: unprobed when the runs left do not cover a third round, else probed and found so (a quiet machine
    # needs fewer rounds per probe)
    assert got["report.c"]["status"].startswith(("not probed: one of the 1 smaller units", "not tuned: "))
    assert "slower at -O0 (needs" in got["report.c"]["status"] or "not probed" in got["report.c"]["status"]


def test_a_libtool_units_object_goes_with_its_output(tmp_path):
    """make's rules name libtool's x.lo, not x.o or .libs/x.o: removing the unit's output alone rebuilt nothing."""
    (tmp_path / ".libs").mkdir()
    for name in (".libs/x.o", "x.o", "y.o"):
        (tmp_path / name).write_bytes(b"\x7fELF")
    (tmp_path / "x.lo").write_text("# x.lo - a libtool object file\n# Generated by libtool (GNU libtool) 2.4.7\n")
    (tmp_path / "y.lo").write_text("a file of the project's own\n")
    for output in (".libs/x.o", "y.o"):
        tune_make.remove_output(tune_make.Unit(str(tmp_path), None, None, False, str(tmp_path / output)))
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == ["x.o", "y.lo"]
