"""``benchmarks/cc_size.py``: a project copied and built twice at -Oz (rlopt-cc, clang), its objects' and
program's ``.text`` compared, its check run on rlopt-cc's build; the checkout is left as it was."""

from __future__ import annotations

import json
import subprocess
import sys

from cc_helpers import ROOT, needs_wrapper, wrapper_env
from test_cc_speed import MAIN, UTIL

MAKEFILE = """CC ?= cc
prog: main.o util.o
\t$(CC) -Oz -o $@ $^
%.o: %.c
\t$(CC) -Oz -c $< -o $@
"""


def cc_size(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cc_size.py"), "--src", str(tmp_path / "src"),
                           "--build", "make CC={cc}", *args], env=wrapper_env(tmp_path), capture_output=True,
                          text=True, timeout=300)


def project(tmp_path) -> list[str]:
    src = tmp_path / "src"
    src.mkdir()
    for name, text in (("Makefile", MAKEFILE), ("main.c", MAIN), ("util.c", UTIL)):
        (src / name).write_text(text)
    return sorted(p.name for p in src.iterdir())


@needs_wrapper
def test_a_project_is_built_twice_and_its_code_size_compared(tmp_path):
    before = project(tmp_path)
    out = tmp_path / "r.json"
    proc = cc_size(tmp_path, "--program", "prog", "--check", "./prog 10 | grep -q .", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    objects = report["objects"]
    assert objects["compared"] == 2 and objects["smaller"] + objects["equal"] + objects["larger"] == 2
    assert objects["larger"] == 0  # the size model never keeps a module whose code is larger than -Oz's
    [prog] = report["programs"]
    assert prog["program"] == "prog" and prog["clang"] > 0 and prog["ours"] <= prog["clang"]
    assert "| prog |" in proc.stdout and "passed on rlopt-cc's build" in proc.stdout
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == before  # copied, never built in


@needs_wrapper
def test_a_failing_check_or_missing_program_is_one_clear_error(tmp_path):
    project(tmp_path)
    failing = cc_size(tmp_path, "--check", "exit 4")
    assert failing.returncode == 1 and failing.stderr.startswith(
        "cc_size: 'exit 4' failed in rlopt-cc's build (status 4)")
    missing = cc_size(tmp_path, "--program", "nope")
    assert missing.returncode == 1 and missing.stderr.strip() == "cc_size: the build made no nope"
