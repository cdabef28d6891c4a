"""The llvm-test-suite-v0 importer on a small hand-made tree laid out like the suite.

The tree has a SingleSource directory of tiny programs (run options, stdin, FP tolerance, stderr in the
reference, a wrong reference, a hashed reference, a missing input), a MultiSource program of two files with a
SMALL_PROBLEM_SIZE variant, a directory the suite does not build, and Polybench/MiBench directories whose
CMakeLists.txt is not even CMake: reading them would fail the import.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path

import pytest

from rlopt.training import benchmarks as B
from rlopt.training import datasets
from rlopt.training import runtime as R
from rlopt.training.benchmarks import BenchmarkError
from rlopt.training.datasets import llvm_test_suite as L

pytestmark = pytest.mark.usefixtures("fresh_cache")

SS, MS = "SingleSource/Benchmarks", "MultiSource/Benchmarks"
LARGE_N, SMALL_N = 20_000_000, 1000

SQUARE = r"""#include <math.h>
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1;
  double s = 0;
  for (int i = 1; i <= n * 1000; i++) s += sqrt((double)i);
  printf("n=%d sum=%.6f\n", n, s);
  return 0;
}
"""
ECHO = r"""#include <ctype.h>
#include <stdio.h>
int main(void) {
  int c;
  while ((c = getchar()) != EOF) putchar(toupper(c));
  fflush(stdout);
  fprintf(stderr, "echo: done\n");
  return 3;
}
"""
BAD = '#include <stdio.h>\nint main(void) { printf("2 + 2 = %d\\n", 2 + 2); return 0; }\n'
HEAD = r"""#include <stdio.h>
int main(int argc, char **argv) {
  char line[100];
  FILE *f = fopen(argv[1], "r");
  if (!f || !fgets(line, sizeof line, f)) return 1;
  printf("first: %s", line);
  return 0;
}
"""
HASHED = '#include <stdio.h>\nint main(void) { printf("hashed %d\\n", 6 * 7); return 0; }\n'
UTIL_H = "unsigned long mix(unsigned long x);\n"
UTIL_C = '#include "util.h"\n' \
         "unsigned long mix(unsigned long x) { x ^= x >> 13; x *= 0x9E3779B97F4A7C15UL; return x ^ (x >> 29); }\n"
MAIN_C = r"""#include <stdio.h>
#include <stdlib.h>
#include "util.h"
#include "../common.inc"
int main(int argc, char **argv) {
  long n = atol(argv[1]);
  unsigned long h = 0;
  for (long i = 0; i < n; i++) h = mix(h + i);
  printf("%lu\n", h % MODULUS);
  return 0;
}
"""


def _pair_output(n: int) -> str:
    m, h = (1 << 64) - 1, 0
    for i in range(n):
        x = (h + i) & m
        x ^= x >> 13
        x = (x * 0x9E3779B97F4A7C15) & m
        h = x ^ (x >> 29)
    return f"{h % 1000003}\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


def make_tree(root: Path) -> Path:
    """A checkout-like tree; see the module docstring."""
    square_sum = sum(math.sqrt(i) for i in range(1, 3001))
    pair_large = _pair_output(LARGE_N) if os.environ.get("_LTS_SLOW") else None
    _write(root, {
        f"{SS}/CMakeLists.txt": "add_subdirectory(Tiny)\nadd_subdirectory(Polybench)\nadd_subdirectory(Hashed)\n"
                                "if((NOT \"${ARCH}\" STREQUAL \"Sparc\") AND (NOT ARCH STREQUAL \"Alpha\"))\n"
                                "  add_subdirectory(Gone)\nendif()\n",
        f"{SS}/Tiny/CMakeLists.txt": "list(APPEND LDFLAGS -lm)\nset(FP_TOLERANCE 0.001) # relative\n"
                                     "set(RUN_OPTIONS 3 < input.txt)\nlist(APPEND CFLAGS -DTINY=\"yes\")\n"
                                     "llvm_singlesource(PREFIX Tiny-)\nllvm_test_data(Tiny-echo input.txt)\n",
        f"{SS}/Tiny/square.c": SQUARE,
        # within FP_TOLERANCE of what the program prints, not equal to it
        f"{SS}/Tiny/square.reference_output": f"n=3 sum={square_sum * (1 + 1e-5):.6f}\nexit 0\n",
        f"{SS}/Tiny/echo.c": ECHO,
        f"{SS}/Tiny/echo.reference_output": "HELLO\nWORLD\necho: done\nexit 3\n",  # stdout + stderr, as timeit
        f"{SS}/Tiny/input.txt": "hello\nworld\n",
        f"{SS}/Tiny/bad.c": BAD,
        f"{SS}/Tiny/bad.reference_output": "2 + 2 = 5\nexit 0\n",
        f"{SS}/Tiny/fixed.c": BAD,  # made right by an override's patch
        f"{SS}/Tiny/fixed.reference_output": "2 + 2 = 5\nexit 0\n",
        f"{SS}/Hashed/CMakeLists.txt": "set(HASH_PROGRAM_OUTPUT 1)\nllvm_singlesource()\n",
        f"{SS}/Hashed/hashed.c": HASHED,
        f"{SS}/Hashed/hashed.reference_output": hashlib.md5(b"hashed 42\nexit 0\n").hexdigest() + "\n",
        f"{SS}/Gone/CMakeLists.txt": "set(RUN_OPTIONS data.bin)\nllvm_singlesource()\nllvm_test_data(gone data.bin)\n",
        f"{SS}/Gone/gone.c": BAD,
        f"{SS}/Gone/gone.reference_output": "2 + 2 = 4\nexit 0\n",
        f"{SS}/Polybench/CMakeLists.txt": "this is ( not CMake\n",
        f"{SS}/Polybench/poly.c": "int main(void) { return 1; }\n",
        f"{MS}/CMakeLists.txt": "add_subdirectory(Pair)\nadd_subdirectory(MiBench)\nadd_subdirectory(Half)\n",
        # like VersaBench/dbms: the normal input is missing from the checkout, the small one is there
        f"{MS}/Half/CMakeLists.txt": "if(SMALL_PROBLEM_SIZE)\n  set(INPUTS small.in)\nelse()\n  set(INPUTS big.in)\n"
                                     "endif()\nset(RUN_OPTIONS ${INPUTS})\nllvm_multisource(half)\n"
                                     "llvm_test_data(half ${INPUTS})\n",
        f"{MS}/Half/head.c": HEAD,
        f"{MS}/Half/small.in": "tiny input\nsecond line\n",
        f"{MS}/Half/half.reference_output": "first: big\nexit 0\n",
        f"{MS}/Half/half.reference_output.small": "first: tiny input\nexit 0\n",
        f"{MS}/Pair/CMakeLists.txt": "list(APPEND CPPFLAGS -DPAIR=1)\nif(SMALL_PROBLEM_SIZE)\n"
                                     f"  set(RUN_OPTIONS {SMALL_N})\nelse()\n  set(RUN_OPTIONS {LARGE_N})\nendif()\n"
                                     "llvm_multisource(pair)\nllvm_test_data(pair util.c)\n",
        f"{MS}/common.inc": "#define MODULUS 1000003\n",  # included as "../common.inc", like TSVC's
        f"{MS}/Pair/main.c": MAIN_C,
        f"{MS}/Pair/util.c": UTIL_C,
        f"{MS}/Pair/util.h": UTIL_H,
        f"{MS}/Pair/pair.reference_output": (pair_large or "not checked\n") + "exit 0\n",
        f"{MS}/Pair/pair.reference_output.small": _pair_output(SMALL_N) + "exit 0\n",
        f"{MS}/MiBench/CMakeLists.txt": "}} neither is this\n",
        f"{MS}/MiBench/mi.c": "int main(void) { return 1; }\n",
        f"{MS}/Orphan/CMakeLists.txt": "llvm_multisource(orphan)\n",
        f"{MS}/Orphan/orphan.c": BAD,
    })
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return make_tree(tmp_path_factory.mktemp("llvm-test-suite"))


@pytest.fixture(scope="module")
def imported(tree, fresh_cache):
    """The tree imported once through the registry, into the module's private cache (with the calibration
    target shrunk so that Pair's small configuration wins)."""
    mp = pytest.MonkeyPatch()
    mp.setattr(L, "TARGET", (1e-5, 2e-3))
    mp.setitem(L.OVERRIDES, f"{SS}/Tiny/fixed", {"patch": [("fixed.c", "2 + 2);", "2 + 3);")]})
    lines: list[str] = []
    try:
        dest = datasets.import_dataset(L.NAME, tree, jobs=2, log=lines.append)
    finally:
        mp.undo()
    manifest = json.loads((dest / B.USER_MANIFEST).read_text())
    return dest, manifest, lines


def test_candidates_follow_the_cmake_description(tree):
    cands = {c.name: c for c in L.candidates(tree)}
    assert set(cands) == {f"{SS}/Tiny/square", f"{SS}/Tiny/echo", f"{SS}/Tiny/bad", f"{SS}/Tiny/fixed",
                          f"{SS}/Hashed/hashed", f"{SS}/Gone/gone", f"{MS}/Pair", f"{MS}/Half", f"{MS}/Orphan"}
    square = cands[f"{SS}/Tiny/square"].configs[0]
    assert square.args == ("3",) and square.stdin == "input.txt" and square.fp_tolerance == (0.001, 0.0)
    assert square.family == f"{SS}/Tiny" and square.language == "c"
    assert '-DTINY="yes"' in square.cflags and "-w" in square.cflags and "-lm" in square.ldflags
    normal, small = cands[f"{MS}/Pair"].configs
    assert (normal.config, normal.args, small.config, small.args) == ("normal", (str(LARGE_N),), "small",
                                                                      (str(SMALL_N),))
    assert "-DSMALL_PROBLEM_SIZE" in small.cflags and "-DSMALL_PROBLEM_SIZE" not in normal.cflags
    assert small.reference.name == "pair.reference_output.small" and normal.reference.name == "pair.reference_output"
    assert [s.name for s in normal.sources] == ["main.c", "util.c"] and "-DPAIR=1" in normal.cflags
    assert cands[f"{SS}/Hashed/hashed"].configs[0].hashed
    assert "no add_subdirectory" in cands[f"{MS}/Orphan"].problem


def test_import_keeps_the_runnable_programs(imported, tree):
    dest, manifest, lines = imported
    names = {e["name"] for e in manifest["benchmarks"]}
    assert names == {f"{SS}/Tiny/square", f"{SS}/Tiny/echo", f"{SS}/Tiny/fixed", f"{SS}/Hashed/hashed",
                     f"{MS}/Pair", f"{MS}/Half"}, lines
    excluded = {e["name"]: e["reason"] for e in manifest["excluded"]}
    assert excluded[f"{SS}/Tiny/bad"].startswith("-O0 output does not match the reference")
    assert excluded[f"{SS}/Gone/gone"] == "input file missing from checkout: data.bin"
    assert "no add_subdirectory" in excluded[f"{MS}/Orphan"]
    assert manifest["name"] == L.NAME and manifest["source"]["path"] == str(tree.resolve())
    for e in manifest["benchmarks"]:
        assert e["o3_seconds"] > 0 and e["split"] in B.SPLITS and e["repeat"] >= 1
        assert e["family"] == "/".join(e["name"].split("/")[:3])
        assert not (dest / e["name"] / "bin").exists()
    assert not list(dest.glob(".check-*"))  # scratch manifests are gone


def test_polybench_and_mibench_are_never_read(imported):
    dest, manifest, _ = imported
    every = [e["name"] for e in manifest["benchmarks"] + manifest["excluded"]]
    assert not [n for n in every if "bench/" in n.lower() and ("poly" in n.lower() or "mibench" in n.lower())]
    assert not [p for p in dest.rglob("*") if "polybench" in str(p).lower() or "mibench" in str(p).lower()]


def test_entries_run_and_check_as_written(imported, tmp_path):
    dest, manifest, _ = imported
    progs = {b.name: b for b in datasets.load(L.NAME)}
    assert progs[f"{MS}/Pair"].uri == f"benchmark://{L.NAME}/{MS}/Pair"
    assert B.get(f"{L.NAME}/{MS}/Pair") == progs[f"{MS}/Pair"]
    echo = progs[f"{SS}/Tiny/echo"]
    assert echo.stdin.read_text() == "hello\nworld\n" and echo.args == ("3",)
    # the suite's reference holds stderr; the dataset's holds what run_benchmark captures: stdout only
    assert echo.reference.read_text() == "HELLO\nWORLD\nexit 3\n"
    hashed = progs[f"{SS}/Hashed/hashed"]
    assert hashed.reference.read_text() == "hashed 42\nexit 0\n"
    square = progs[f"{SS}/Tiny/square"]
    assert square.fp_tolerance == (0.001, 0.0)
    assert square.reference.read_text().startswith("n=3 sum=")  # the suite's own reference, kept
    pair = progs[f"{MS}/Pair"]
    assert pair.args == (str(SMALL_N),) and "-DSMALL_PROBLEM_SIZE" in pair.cflags  # the calibrated choice
    assert "SMALL_PROBLEM_SIZE" in pair.description
    # sources keep their layout below the deepest directory holding all they include ("../common.inc")
    assert [s.relative_to(dest / pair.name).as_posix() for s in pair.sources] == ["src/Pair/main.c",
                                                                                  "src/Pair/util.c"]
    assert (dest / pair.name / "src/Pair/util.h").is_file() and (dest / pair.name / "src/common.inc").is_file()
    assert (pair.data / "util.c").is_file()  # an input that is also a source is in both places
    half = progs[f"{MS}/Half"]  # its normal input is missing: the small configuration is the one left
    assert half.args == ("small.in",) and sorted(p.name for p in half.data.iterdir()) == ["small.in"]
    fixed = progs[f"{SS}/Tiny/fixed"]
    assert "2 + 3);" in fixed.sources[0].read_text()
    for b in (echo, pair, square):
        exe = R.build_sources(b, tmp_path / b.name.replace("/", "_"), opt_level="O3")
        assert R.check_output(b, R.run_benchmark(exe, b)) == ""
    ir = B.ir(pair)  # every unit compiles with the recorded flags and links into one module
    assert b"define" in ir and b"@mix" in ir


def test_calibration_prefers_the_run_time_nearest_the_target():
    assert L._distance(0.2) == 0 and L._distance(0.1) == 0
    assert L._distance(0.05) == pytest.approx(math.log(2))
    assert L._distance(0.9) == pytest.approx(math.log(3))
    assert L._distance(math.inf) == math.inf


def test_fpcmp_compares_numbers_as_numbers():
    assert L._fpcmp_equal(b"x 1.5e+05 y\n", b"x 1.5E+05 y\n", 0, 0)
    assert L._fpcmp_equal(b"v=1.000\n", b"v=1.0005\n", 0.001, 0)
    assert not L._fpcmp_equal(b"v=1.000\n", b"v=1.01\n", 0.001, 0)
    assert not L._fpcmp_equal(b"a 1\n", b"b 1\n", 1, 1)


def test_cmake_subset():
    cmds = L._parse_cmake('set(A "-n 30 15" x;y) # c\nif((NOT "${A}" STREQUAL "z") AND B)\nendif()\n', "t")
    assert [c.name for c in cmds] == ["set", "if", "endif"]
    env = {"B": "ON"}
    assert L._values(cmds[0].args, env) == ["A", "-n 30 15", "x", "y"]
    env["A"] = "-n 30 15"
    assert L._Condition(cmds[1].args, env).value()
    assert not L._Condition(cmds[1].args, {"A": "z", "B": "ON"}).value()
    assert not L._Condition(L._parse_cmake("if(FP)\n", "t")[0].args, {"FP": "0.0"}).value()
    assert L._Condition(L._parse_cmake("if(NOT DEFINED SMALL)\n", "t")[0].args, {}).value()
    with pytest.raises(BenchmarkError, match="missing '\\)'"):
        L._parse_cmake("set(A b\n", "t")


def test_missing_checkout_is_one_clear_line(tmp_path):
    with pytest.raises(BenchmarkError) as e:
        L.import_dataset(tmp_path / "nowhere", tmp_path / "dest")
    msg = str(e.value)
    assert "\n" not in msg and "no such directory" in msg and "llvm/llvm-test-suite" in msg


def test_broken_checkout_is_one_clear_line(tmp_path):
    (tmp_path / "SingleSource").mkdir()
    with pytest.raises(BenchmarkError) as e:
        L.import_dataset(tmp_path, tmp_path / "dest")
    msg = str(e.value)
    assert "\n" not in msg and "SingleSource/Benchmarks/CMakeLists.txt" in msg and "llvm/llvm-test-suite" in msg
    (tmp_path / SS).mkdir(parents=True)
    (tmp_path / SS / "CMakeLists.txt").write_text("add_subdirectory(Nothing)\n")
    with pytest.raises(BenchmarkError, match="add_subdirectory\\(Nothing\\): no CMakeLists.txt"):
        L.candidates(tmp_path)


def test_the_real_checkout_parses():
    src = os.environ.get("RLOPT_LLVM_TEST_SUITE_SRC")
    if not src:
        pytest.skip("set RLOPT_LLVM_TEST_SUITE_SRC to a checkout of llvm/llvm-test-suite to parse it")
    cands = L.candidates(Path(src))
    assert len([c for c in cands if not c.problem]) > 200
    assert not [c for c in cands if "polybench" in c.name.lower() or "mibench" in c.name.lower()]
