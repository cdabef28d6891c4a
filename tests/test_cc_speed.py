"""``benchmarks/cc_speed.py``: a project copied and built twice (rlopt-cc, clang), its objects compared, its
program timed against clang's with a verdict; the checkout is left as it was."""

from __future__ import annotations

import json
import subprocess
import sys

from cc_helpers import ROOT, needs_wrapper, wrapper_env

MAKEFILE = """CC ?= cc
prog: main.o util.o
\t$(CC) -O3 -o $@ $^
%.o: %.c
\t$(CC) -O3 -c $< -o $@
"""
MAIN = """#include <stdio.h>
#include <stdlib.h>
unsigned mix(unsigned a, unsigned b);
int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000, h = 1;
  for (unsigned i = 0; i < n; i++) h = mix(h, i);
  printf("%u\\n", h);
  return 0;
}
"""
UTIL = "unsigned mix(unsigned a, unsigned b) { return (a ^ b) * 2654435761u + (a >> 7); }\n"


@needs_wrapper
def test_a_project_is_built_twice_and_its_program_judged(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name, text in (("Makefile", MAKEFILE), ("main.c", MAIN), ("util.c", UTIL)):
        (src / name).write_text(text)
    before = sorted(p.name for p in src.iterdir())
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cc_speed.py"), "--src", str(src),
                           "--build", "make CC={cc}", "--program", "prog", "--run", "loop|{exe} 300000",
                           "--rounds", "3", "--out", str(out)],
                          env=wrapper_env(tmp_path), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["compared"] == 2 and set(report["moved"]) <= {"main.o", "util.o"}
    row = report["rows"][0]
    assert row["label"] == "loop" and row["rounds"] == 3 and row["speedup"] > 0 and not (row["win"] and row["loss"])
    assert row["same_output"] is True and "| same |" in proc.stdout
    assert "| loop |" in proc.stdout and "objects with other code through rlopt-cc" in proc.stdout
    assert sorted(p.name for p in src.iterdir()) == before  # the checkout is copied, never built in


@needs_wrapper
def test_a_run_must_succeed_and_print_what_clangs_build_prints(tmp_path):
    """A crash is not a time, and a build that computes something else is not faster: either ends the benchmark
    with one line. Output that varies from run to run (a benchmark printing its timings) is timed, not compared."""
    src = tmp_path / "src"
    src.mkdir()
    for name, text in (("Makefile", MAKEFILE), ("main.c", MAIN), ("util.c", UTIL)):
        (src / name).write_text(text)

    def cc_speed(run: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cc_speed.py"), "--src", str(src),
                               "--build", "make CC={cc}", "--program", "prog", "--run", run, "--rounds", "1",
                               "--out", str(tmp_path / "r.json")],
                              env=wrapper_env(tmp_path), capture_output=True, text=True, timeout=300)

    failing = cc_speed("{exe} 10 && exit 3")
    assert failing.returncode == 1 and failing.stderr.strip().splitlines() == [
        "cc_speed: '{exe} 10 && exit 3' exited with status 3 (clang's build)"]
    differs = cc_speed("echo {exe}")  # steady output naming each build's own path: not the same computation
    assert differs.returncode == 1 and differs.stderr.strip().splitlines() == [
        "cc_speed: 'echo {exe}' prints something else with rlopt-cc's build than with clang's"]
    varies = cc_speed("{exe} 10; date +%N")
    assert varies.returncode == 0, varies.stderr
    assert json.loads((tmp_path / "r.json").read_text())["rows"][0]["same_output"] is False
    assert "| varies run to run: not compared |" in varies.stdout


@needs_wrapper
def test_a_failing_build_is_one_clear_error(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "Makefile").write_text("prog:\n\tfalse\n")
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cc_speed.py"), "--src", str(src),
                           "--build", "make CC={cc}", "--program", "prog", "--run", "{exe}"],
                          env=wrapper_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.startswith("cc_speed: 'make CC={cc}' failed with ")


def test_a_missing_checkout_or_program_is_one_clear_error(tmp_path):
    script = str(ROOT / "benchmarks" / "cc_speed.py")
    proc = subprocess.run([sys.executable, script, "--src", str(tmp_path / "nope"), "--build", "true",
                           "--program", "prog", "--run", "{exe}"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.strip().splitlines() == [
        f"cc_speed: {tmp_path / 'nope'} is not a directory (a checkout of the project)"]
    (tmp_path / "src").mkdir()
    proc = subprocess.run([sys.executable, script, "--src", str(tmp_path / "src"), "--build", "true",
                           "--program", "prog", "--run", "{exe}"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.strip() == "cc_speed: the build made no prog"
