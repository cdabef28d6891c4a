"""``benchmarks/cc_units.py``: a multi-file program built unit by unit through rlopt-cc, three programs linked and
judged against ``clang -O3``; a unit counts as moved only when it changes the program."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cc_helpers import needs_wrapper, wrapper_env
from conftest import benchmark_script

from rlopt.training.benchmarks import Benchmark

MAIN = '#include <stdio.h>\nconst char *greet(void);\nint main(void) { puts(greet()); return 0; }\n'
LIB = '#include <string.h>\nconst char *greet(void) { return strlen("hello") > 3 ? "hello" : "hi"; }\n'
GREET_IR = """source_filename = "lib.c"
target triple = "x86_64-pc-linux-gnu"
@{name} = private unnamed_addr constant [6 x i8] c"{text}\\00"
define ptr @greet() {{
  ret ptr @{name}
}}
"""


@pytest.fixture
def cc_units():
    return benchmark_script("cc_units")


def program(root: Path) -> Benchmark:
    root.mkdir(exist_ok=True)
    (root / "main.c").write_text(MAIN)
    (root / "lib.c").write_text(LIB)
    return Benchmark(name="two", uri="benchmark://test/two", sources=(root / "main.c", root / "lib.c"), cwd=root)


def test_a_unit_is_moved_only_when_it_changes_the_program(cc_units, tc, tmp_path):
    """Objects that differ only in a private symbol's name link into the same program; other code does not."""
    bench = program(tmp_path / "p")
    for tag, (name, text) in {"O3": (".str", "hello"), "rlopt-cc": (".str.7", "hello"), "other": (".str", "howdy")}.items():
        ll = tmp_path / f"{tag}.ll"
        ll.write_text(GREET_IR.format(name=name, text=text))
        subprocess.run([str(tc.path("clang")), "-c", str(ll), "-o", str(tmp_path / f"{tag}.o")], check=True)
    subprocess.run([str(tc.path("clang")), "-O3", "-c", str(bench.sources[0]), "-o", str(tmp_path / "main.o")],
                   check=True)
    objs = {"O3": [tmp_path / "main.o", tmp_path / "O3.o"], "rlopt-cc": [tmp_path / "main.o", tmp_path / "rlopt-cc.o"]}
    assert objs["O3"][1].read_bytes() != objs["rlopt-cc"][1].read_bytes()
    o3 = cc_units.link(bench, objs["O3"], tmp_path / "o3", tc)
    assert not cc_units.changes_program(bench, objs, 1, o3, tc)
    objs["rlopt-cc"][1] = tmp_path / "other.o"
    assert cc_units.changes_program(bench, objs, 1, o3, tc)
    assert not cc_units.changes_program(bench, objs, 0, o3, tc)  # the same object


@needs_wrapper
def test_a_program_is_built_unit_by_unit_and_judged(cc_units, tc, tmp_path, monkeypatch):
    for k, v in wrapper_env(tmp_path).items():
        monkeypatch.setenv(k, v)
    record = cc_units.measure_program(program(tmp_path / "p"), tc)
    assert record["units"] == 2 and record["main_units"] == ["main.c"] and record["fallbacks"] == 0
    assert len(record["moved_to"]) == len(record["moved"]) and "default<O3>" not in record["moved_to"]
    for variant in cc_units.VARIANTS:
        v = record["variants"][variant]
        assert ("identical" in v) != ("speedup" in v)
    if not record["moved"]:  # nothing moved: every program is -O3's, nothing was timed
        assert all(v == {"identical": "O3"} for v in record["variants"].values()) and "rounds" not in record
    done = {"u": record, "v": {"error": "does not build"}}
    s = cc_units.summary(done)
    assert (s["programs"], s["errors"], s["units"], s["fallbacks"]) == (1, 1, 2, 0)


def test_identical_programs_take_the_verdict_of_the_one_timed(cc_units):
    timed = {"speedup": 0.9, "speedup_median": 0.92, "win": False, "loss": True}
    done = {"a": {"units": 3, "moved": ["x.c"], "fallbacks": 0,
                  "variants": {"rlopt-cc": timed, "main only": {"identical": "rlopt-cc"}}},
            "b": {"units": 2, "moved": [], "fallbacks": 0,
                  "variants": {"rlopt-cc": {"identical": "O3"}, "main only": {"identical": "O3"}}}}
    assert cc_units.speedup_of(done, "a", "main only") == timed
    assert cc_units.speedup_of(done, "b", "rlopt-cc")["speedup"] == 1.0
    s = cc_units.summary(done)
    assert s["main only"]["losses"] == 1 and s["rlopt-cc"]["geomean"] == pytest.approx(0.9 ** 0.5)
    assert (s["programs_moved"], s["units_moved"]) == (1, 1)
