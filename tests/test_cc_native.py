"""The native launcher of rlopt-cc (rlopt/cc/launcher.c): it serves a direct hit or a pure link exactly as the
Python wrapper would, and anything it cannot prove unchanged (a header, the source, a flag, the environment,
the model, the settings, a damaged or missing store) goes to the Python wrapper, which answers correctly."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from cc_helpers import ROOT, log, needs_wrapper, run, stats, wrapper_env

from rlopt.cc import launcher
from rlopt.cc.direct import CLOCK_SLACK_NS

pytestmark = needs_wrapper
FLAGS = ["-Os", "-Wall", "-MD", "-c", "a.c", "-o", "a.o"]  # -Os: no model, objects identical to clang's


@pytest.fixture
def env(tmp_path, launcher_bin) -> dict[str, str]:
    e = wrapper_env(tmp_path)
    return {**e, "RLOPT_CC_SERVER": "0", "PATH": f"{launcher_bin}{os.pathsep}{e['PATH']}"}


def aged() -> None:
    """Files changed within CLOCK_SLACK_NS of a call's start get no record (their stat may not be the content
    hashed): let them age, as any real edit-compile cycle does."""
    time.sleep(2 * CLOCK_SLACK_NS / 1e9)


def native(env) -> str | None:
    """How the last call was served natively (hit, link, exec), or None if Python answered it."""
    return log(env)[-1].get("native")


def project(tmp_path: Path) -> None:
    (tmp_path / "a.c").write_text('#include "a.h"\nint f(int x) { int unused; return A * x; }\n')
    (tmp_path / "a.h").write_text("#define A 3\n")
    aged()


def test_a_warm_hit_is_served_natively_and_identically(env, tmp_path, launcher_bin):
    project(tmp_path)
    first = run(["rlopt-cc", *FLAGS], env, tmp_path)  # Python: a miss, recorded for the launcher
    assert native(env) is None and "unused variable" in first.stderr
    obj, deps = (tmp_path / "a.o").read_bytes(), (tmp_path / "a.d").read_bytes()
    for name in ("a.o", "a.d"):
        (tmp_path / name).unlink()
    second = run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) == "hit"
    assert (tmp_path / "a.o").read_bytes() == obj and (tmp_path / "a.d").read_bytes() == deps
    assert second.stderr == first.stderr  # the warning, replayed
    assert oct((tmp_path / "a.o").stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    counters = stats(env)
    assert counters["native"] == 1 and counters["direct hit"] == 1 and counters["calls"] == 2
    shown = run(["rlopt-cc", "-s"], env, tmp_path).stdout.splitlines()
    assert next(x for x in shown if "served by the native launcher" in x).split()[-1] == "1"
    # the Python wrapper answers the same call with the same bytes
    (tmp_path / "a.o").unlink()
    run([str(launcher_bin / "python"), "-m", "rlopt.cc", "rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None and log(env)[-1]["direct_hits"] == 1 and (tmp_path / "a.o").read_bytes() == obj


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _clang(tc, tmp_path, env, flags) -> bytes:
    run([str(tc.path("clang")), *flags[:-1], "ref.o"], env, tmp_path)
    return (tmp_path / "ref.o").read_bytes()


CHANGES = {
    "header": lambda p, e: (p / "a.h").write_text("#define A 4\n"),
    "source": lambda p, e: (p / "a.c").write_text('#include "a.h"\nint f(int x) { return A + x; }\n'),
    "env": lambda p, e: e.update(CPATH=str(p)),  # clang reads it (rlopt.cc.direct.COMPILER_ENV)
    "wrapper env": lambda p, e: e.update(RLOPT_CC_SERVER_IDLE="11"),
    "config": lambda p, e: (Path(e["RLOPT_CACHE_DIR"]) / "cc" / "rlopt.conf").write_text("# a comment\n"),
    "touched header": lambda p, e: os.utime(p / "a.h"),  # same content: Python hits by content
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_change_defers_to_python_which_answers_correctly(env, tmp_path, tc, change):
    project(tmp_path)
    for _ in range(2):
        run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) == "hit"
    CHANGES[change](tmp_path, env)
    aged()
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None  # Python answered
    assert (tmp_path / "a.o").read_bytes() == _clang(tc, tmp_path, env, FLAGS)
    run(["rlopt-cc", *FLAGS], env, tmp_path)  # and recorded the new state
    assert native(env) == "hit" and (tmp_path / "a.o").read_bytes() == _clang(tc, tmp_path, env, FLAGS)


def test_a_changed_flag_or_model_defers_to_python(env, tmp_path, tc):
    project(tmp_path)
    model = tmp_path / "m.onnx"  # a copy of the shipped speed model, touched later
    import rlopt.models

    shutil.copy(Path(rlopt.models.__file__).parent / "speed.onnx", model)
    shutil.copy(Path(rlopt.models.__file__).parent / "speed.json", tmp_path / "m.json")
    env["RLOPT_MODEL"] = str(model)
    aged()
    o2 = ["-O2", *FLAGS[1:]]
    for flags in (FLAGS, FLAGS, o2, o2):
        run(["rlopt-cc", *flags], env, tmp_path)
    assert native(env) == "hit"
    os.utime(model)
    aged()
    run(["rlopt-cc", *o2], env, tmp_path)
    assert native(env) is None and log(env)[-1]["misses"] == 1  # the model is part of the key
    run(["rlopt-cc", "-DB=1", *FLAGS], env, tmp_path)
    assert native(env) is None
    assert (tmp_path / "a.o").read_bytes() == _clang(tc, tmp_path, env, ["-DB=1", *FLAGS])


def test_settings_that_turn_the_wrapper_off_are_obeyed(env, tmp_path):
    project(tmp_path)
    for _ in range(2):
        run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) == "hit"
    run(["rlopt-cc", *FLAGS], {**env, "RLOPT_CC_DISABLE": "1"}, tmp_path)
    assert log(env)[-1]["decision"] == "disabled"
    (Path(env["RLOPT_CACHE_DIR"]) / "cc" / "rlopt.conf").write_text("direct_mode = false\n")
    aged()
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None and log(env)[-1]["direct_hits"] == 0
    (Path(env["RLOPT_CACHE_DIR"]) / "cc" / "rlopt.conf").unlink()
    run(["rlopt-cc", "-C"], env, tmp_path)  # --clear removes the launcher's records too
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None and log(env)[-1]["misses"] == 1


def test_a_damaged_or_missing_store_falls_back_to_python(env, tmp_path, tc):
    project(tmp_path)
    for _ in range(2):
        run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) == "hit"
    expected = _clang(tc, tmp_path, env, FLAGS)
    store = Path(env["RLOPT_CACHE_DIR"]) / "cc" / "store.sqlite"
    with sqlite3.connect(store) as db:  # a damaged record (its CRC no longer matches)
        db.execute("UPDATE entries SET value = value || x'00' WHERE key LIKE 'n:%'")
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None and (tmp_path / "a.o").read_bytes() == expected
    with sqlite3.connect(store) as db:  # the object's entry evicted: the record points at nothing
        db.execute("DELETE FROM entries WHERE key LIKE 'r:%'")
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None and log(env)[-1]["misses"] == 1 and (tmp_path / "a.o").read_bytes() == expected
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) == "hit"
    (tmp_path / "a.o").unlink()
    (tmp_path / "a.o").mkdir()  # an output the launcher will not replace: Python says why, as always
    proc = run(["rlopt-cc", *FLAGS], env, tmp_path, check=False)
    assert native(env) is None and proc.returncode != 0 and "a.o" in proc.stderr
    (tmp_path / "a.o").rmdir()
    store.write_bytes(b"not a database" * 512)  # a corrupt file: Python rebuilds it and says so
    proc = run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert native(env) is None and "was corrupt" in proc.stderr and (tmp_path / "a.o").read_bytes() == expected
    shutil.rmtree(store.parent)
    run(["rlopt-cc", *FLAGS], env, tmp_path)  # no store at all
    assert native(env) is None and (tmp_path / "a.o").read_bytes() == expected


def test_a_pure_link_is_passed_through(env, tmp_path):
    (tmp_path / "main.c").write_text("int main(void) { return 3; }\n")
    run(["rlopt-cc", "-Os", "-c", "main.c", "-o", "main.o"], env, tmp_path)
    aged()
    for _ in range(2):
        (tmp_path / "prog").unlink(missing_ok=True)
        run(["rlopt-cc", "-Os", "main.o", "-o", "prog"], env, tmp_path)
    assert native(env) == "exec" and subprocess.run([tmp_path / "prog"]).returncode == 3
    assert stats(env)["bypass:link only"] == 2
    (tmp_path / "main.o").unlink()  # a link by its arguments alone: clang says what is missing, as with Python
    proc = run(["rlopt-cc", "-Os", "main.o", "-o", "prog"], env, tmp_path, check=False)
    assert native(env) == "exec" and proc.returncode != 0 and "main.o" in proc.stderr
    assert stats(env)["bypass:link only"] == 3


def test_a_named_compiler_shadowed_on_path_defers_to_python(env, tmp_path, tc):
    project(tmp_path)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    env["PATH"] = f"{shadow}{os.pathsep}{env['PATH']}"
    aged()
    for _ in range(2):
        run(["rlopt-cc", "clang", *FLAGS], env, tmp_path)
    assert native(env) == "hit"
    (shadow / "clang").symlink_to(tc.path("clang-19") if tc.path("clang-19").exists() else tc.path("clang"))
    aged()
    run(["rlopt-cc", "clang", *FLAGS], env, tmp_path)  # `clang` may now be another program: Python looks
    assert native(env) is None


@pytest.mark.skipif(not shutil.which("make"), reason="needs make")
@pytest.mark.parametrize("cc", ["rlopt-cc", "rlopt-cc clang"])
def test_examples_project_builds_cold_then_warm_natively(env, tmp_path, cc):
    src = tmp_path / "project"
    shutil.copytree(ROOT / "examples" / "project", src, ignore=shutil.ignore_patterns("build"))
    aged()
    make = ["make", "-j2", f"CC={cc}", "CFLAGS=-O3", "all"]
    run(make, env, src)
    cold = {p.relative_to(src): p.read_bytes() for p in (src / "build").rglob("*.o")}
    calls = len(log(env))
    run(["make", "clean"], env, src)
    run(make, env, src)
    warm = log(env)[calls:]
    assert len(warm) == 7 and sorted(x["native"] for x in warm) == ["exec", *["hit"] * 5, "link"]
    assert {p.relative_to(src): p.read_bytes() for p in (src / "build").rglob("*.o")} == cold
    assert "all tests passed" in run(["make", f"CC={cc}", "CFLAGS=-O3", "test"], env, src).stdout


def test_without_a_c_compiler_nothing_is_built(tmp_path, monkeypatch):
    """setup.py then keeps the Python console scripts: the launcher is optional."""
    monkeypatch.setattr(launcher, "COMPILERS", ("/no/such/cc",))
    assert launcher.build(str(tmp_path)) == ([], "no C compiler found")
    monkeypatch.setattr(launcher, "COMPILERS", ("false",))  # a compiler that fails (no sqlite3 headers, ...)
    built, why = launcher.build(str(tmp_path))
    assert built == [] and why.startswith("false failed") and not (tmp_path / "rlopt-cc").exists()


def test_every_hit_names_the_pipeline_its_object_was_made_with(env, tmp_path, launcher_bin):
    """A miss logs the pipeline it ran; a result hit, a direct hit and the launcher's hit log the same one (a
    warm rebuild's log still says what each unit got)."""
    project(tmp_path)
    other = [f if f != "a.o" else "b.o" for f in FLAGS]
    unrecorded = {**env, "PYTHONPATH": str(tmp_path)}  # part of the launcher's key, not of the direct key
    served = []
    for flags, call_env in ((FLAGS, env), (other, env), (FLAGS, unrecorded), (FLAGS, env)):
        run(["rlopt-cc", *flags], call_env, tmp_path)
        served.append((log(env)[-1]["hits"], log(env)[-1]["direct_hits"], native(env), log(env)[-1]["pipeline"]))
    assert served == [(0, 0, None, "default<Os>"), (1, 0, None, "default<Os>"), (1, 1, None, "default<Os>"),
                      (1, 1, "hit", "default<Os>")]
