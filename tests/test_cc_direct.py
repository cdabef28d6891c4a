"""rlopt-cc's direct mode: a hit skips the frontend, and anything that changes what the frontend would read (a
header, a time macro, the tuning database) must make it miss."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from cc_helpers import log, needs_wrapper, run, stats, wrapper_env

from rlopt import tuning
from rlopt.cc.direct import CLOCK_SLACK_NS, Manifest
from rlopt.cc.store import Store

pytestmark = needs_wrapper
# -Os: no policy model, so these tests exercise caching rather than inference; in this process, no server
FLAGS = ["-Os", "-Wall", "-MD", "-c", "a.c", "-o", "a.o"]


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {**wrapper_env(tmp_path), "RLOPT_CC_SERVER": "0"}


def last(env) -> dict:
    return log(env)[-1]


def test_a_header_change_invalidates_a_direct_hit(env, tmp_path, tc):
    (tmp_path / "a.c").write_text('#include "a.h"\n#include <stdio.h>\nint f(void) { int unused; return A; }\n')
    (tmp_path / "a.h").write_text("#define A 3\n")
    time.sleep(2 * CLOCK_SLACK_NS / 1e9)
    first = run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert "unused variable 'unused'" in first.stderr
    deps, obj = (tmp_path / "a.d").read_text(), (tmp_path / "a.o").read_bytes()
    (tmp_path / "a.d").unlink()
    second = run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 1 and "frontend" not in last(env)["seconds"]  # no clang at all
    assert second.stderr == first.stderr  # the warning is replayed
    assert (tmp_path / "a.d").read_text() == deps and (tmp_path / "a.o").read_bytes() == obj

    time.sleep(0.01)
    (tmp_path / "a.h").write_text("#define A 4\n")  # same size, new content
    # A file changed within CLOCK_SLACK_NS of a compile's start is not remembered (ccache's race rule), so the
    # next compile could not hit: let the header age past it, as any real edit-compile cycle does.
    time.sleep(2 * CLOCK_SLACK_NS / 1e9)
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 0 and last(env)["misses"] == 1
    run([str(tc.path("clang")), *FLAGS[:-1], "ref.o"], env, tmp_path)
    assert (tmp_path / "a.o").read_bytes() == (tmp_path / "ref.o").read_bytes() != obj

    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 1
    (tmp_path / "a.h").write_text("#define A 3\n")  # back to the first version: its manifest entry still holds
    time.sleep(2 * CLOCK_SLACK_NS / 1e9)
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 1 and (tmp_path / "a.o").read_bytes() == obj


def test_time_macros_disable_direct_mode(env, tmp_path):
    (tmp_path / "a.c").write_text('const char *built = __DATE__;\nint f(void) { return 1; }\n')
    for _ in range(2):
        run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 0 and last(env)["hits"] == 1  # found by its bitcode, after the frontend


def test_direct_mode_can_be_switched_off(env, tmp_path):
    (tmp_path / "a.c").write_text("int f(void) { return 1; }\n")
    for _ in range(2):
        run(["rlopt-cc", *FLAGS], {**env, "RLOPT_CC_DIRECT": "false"}, tmp_path)
    assert last(env)["direct_hits"] == 0 and last(env)["hits"] == 1


def test_a_tuning_database_entry_is_used_and_keyed(env, tmp_path, tc):
    (tmp_path / "a.c").write_text("int g(int x);\nint f(int x) { int s = 0; for (int i = 0; i < x; i++) "
                                  "s += g(i) * 3; return s; }\n")
    time.sleep(2 * CLOCK_SLACK_NS / 1e9)  # old enough to be remembered (see the test above)
    db = str(tmp_path / "cache" / "tuning.sqlite")
    run(["rlopt-cc", *FLAGS], env, tmp_path)  # no database yet: no module key recorded
    plain = (tmp_path / "a.o").read_bytes()
    text = subprocess.run([str(tc.path("clang")), "-Os", "-Wall", "-Xclang", "-disable-llvm-passes",
                           "-S", "-emit-llvm", "a.c", "-o", "-"], cwd=tmp_path, capture_output=True).stdout
    module = tuning.module_key(text)  # what `rlopt tune a.ll` computes from clang's text IR

    tuning.record(module, "size", "function(mem2reg)", db)
    run(["rlopt-cc", *FLAGS], env, tmp_path)  # the entry invalidates the direct hit, and its pipeline runs
    assert last(env)["direct_hits"] == 0 and (tmp_path / "a.o").read_bytes() != plain
    assert last(env)["tuned_pipeline"] == "function(mem2reg)"
    tuned = (tmp_path / "a.o").read_bytes()
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 1 and (tmp_path / "a.o").read_bytes() == tuned
    with Store(str(tmp_path / "cache" / "cc")) as store:  # the manifest now knows the module's key
        keys = {e.get("module_key") for k, in store._db.execute("SELECT key FROM entries WHERE key LIKE 'd:%'")
                for e in Manifest.parse(store.get(k)).entries}
    assert module in keys
    assert stats(env)["tuned hit"] == 1 and stats(env)["tuned"] == 2  # a miss and a hit used the entry
    tuning.record(module, "size", "function(mem2reg,instcombine)", db)  # re-tuned: the old object is stale
    run(["rlopt-cc", *FLAGS], env, tmp_path)
    assert last(env)["direct_hits"] == 0 and last(env)["misses"] == 1


#: What a direct hit must not import: the model's stack, the CLI's, and the standard modules it was freed of
#: (every call of the wrapper pays its imports; each of these costs a hit 2-100 ms).
HEAVY = ("numpy", "onnxruntime", "networkx", "click", "subprocess", "socket", "json", "typing", "sqlite3",
         "datetime", "hashlib", "tempfile", "pathlib", "dataclasses", "rlopt.policy", "rlopt.engine")


def test_a_direct_hit_imports_only_what_it_needs(env, tmp_path):
    (tmp_path / "a.c").write_text('#include "a.h"\nint f(void) { return A; }\n')
    (tmp_path / "a.h").write_text("#define A 3\n")
    time.sleep(2 * CLOCK_SLACK_NS / 1e9)
    flags = ["-O2", *FLAGS[1:]]  # a level with a model: the hit resolves the model file too
    run(["rlopt-cc", *flags], env, tmp_path)
    quiet = {k: v for k, v in env.items() if k != "RLOPT_CC_LOG"}  # the opt-in log line needs json
    show = "import sys; print(' '.join(sys.modules))"
    before = set(run([sys.executable, "-c", show], quiet, tmp_path).stdout.split())  # the interpreter's own
    hit = ("import sys\nfrom rlopt.cc import main_cc\nsys.argv[0] = 'rlopt-cc'\nstatus = main_cc()\n"
           f"{show}\nsys.exit(status)")
    after = set(run([sys.executable, "-c", hit, *flags], quiet, tmp_path).stdout.split())
    assert stats(env)["direct hit"] == 1
    assert not sorted(m for m in after - before if m.split(".")[0] in HEAVY or m in HEAVY)
