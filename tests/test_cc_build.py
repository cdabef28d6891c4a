"""rlopt-cc on real builds: the example projects under make, dependency files, fallbacks, cache, -j writers."""

from __future__ import annotations

import json
import subprocess

import pytest
from cc_helpers import BIN, ROOT, SOURCE, cached_objects, log, needs_wrapper, run, stats, wrapper_env
from conftest import make_fake_llvm

from rlopt import cc
from rlopt.cc import build
from rlopt.errors import ToolTimeout

pytestmark = needs_wrapper


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return wrapper_env(tmp_path)


def test_example_project_builds_tests_and_rebuilds_from_cache(env, tmp_path):
    project, build = ROOT / "examples" / "project", tmp_path / "build"
    out = run(["make", "-j4", "CC=rlopt-cc", f"BUILD={build}", "test"], env, project).stdout
    assert "all tests passed" in out
    first = stats(env)
    assert first["rlopt"] == 6 and first["miss"] == 6 and first.get("hit", 0) == 0  # 5 objects + test_rl
    assert first["bypass:link only"] == 1  # linking rlbench from objects goes straight to clang
    deps = (build / "lib" / "sort.d").read_text().replace("\\\n", "").split()
    assert deps[:3] == [f"{build}/lib/sort.o:", "lib/sort.c", "lib/rl.h"]

    run(["make", "clean", f"BUILD={build}"], env, project)
    assert "all tests passed" in run(["make", "-j4", "CC=rlopt-cc", f"BUILD={build}", "test"], env, project).stdout
    assert stats(env)["hit"] == 6
    assert all(line["decision"] in ("rlopt", "bypass") for line in log(env))


def test_cpp_example(env, tmp_path):
    out = run(["make", "CXX=rlopt-c++", f"BUILD={tmp_path / 'b'}", "test"], env, ROOT / "examples" / "cpp")
    assert "all tests passed" in out.stdout
    assert stats(env)["rlopt"] == 2


def test_objects_match_clang_at_the_same_level(env, tmp_path, tc):
    (tmp_path / "a.c").write_text(SOURCE)
    for level in ("-O2", "-O3", "-Os"):
        run([str(tc.path("clang")), level, "-c", "a.c", "-o", "ref.o"], env, tmp_path)
        run(["rlopt-cc", level, "-c", "a.c", "-o", "a.o"], env, tmp_path)
        assert (tmp_path / "a.o").read_bytes() == (tmp_path / "ref.o").read_bytes(), level


def test_a_model_that_keeps_its_baseline_leaves_o2_as_clangs(env, tmp_path, tc):
    """At -O2 the speed model's baseline is -O3's pipeline; when it keeps it (no predicted gain), the unit gets
    the level the user asked for, byte for byte clang -O2's, not -O3 (a guess). Here a copy of the shipped
    model that never leaves its baseline."""
    from rlopt.policy import MODELS_DIR

    card = json.loads((MODELS_DIR / "speed.json").read_text()) | {"margin": 1.0}
    (tmp_path / "keeps.json").write_text(json.dumps(card))
    (tmp_path / "keeps.onnx").write_bytes((MODELS_DIR / "speed.onnx").read_bytes())
    (tmp_path / "a.c").write_text(SOURCE.replace("sq(7)", "sq(argc)").replace("void", "int argc, char **argv"))
    keeps = {**env, "RLOPT_MODEL": str(tmp_path / "keeps.onnx")}
    for level in ("-O2", "-O3"):
        run([str(tc.path("clang")), level, "-c", "a.c", "-o", "ref.o"], env, tmp_path)
        run(["rlopt-cc", level, "-c", "a.c", "-o", "a.o"], keeps, tmp_path)
        assert log(keeps)[-1]["chosen_in"] in ("server", "process")  # the model was asked
        assert log(keeps)[-1]["pipeline"] == f"default<{level[1:]}>"
        assert (tmp_path / "a.o").read_bytes() == (tmp_path / "ref.o").read_bytes(), level


def test_oz_asks_the_size_model_which_never_grows_text(env, tmp_path, tc):
    """At -Oz the size model chooses (its exact rule: never more IR instructions nor a larger .text than -Oz's;
    on examples/project's main.c its pipeline gives a smaller one); ``RLOPT_SIZE_MODEL=none`` keeps -Oz's own
    pipeline, byte for byte clang's."""
    flags = ["-Oz", "-I", str(ROOT / "examples" / "project" / "lib"), "-c",
             str(ROOT / "examples" / "project" / "src" / "main.c")]

    def text(name: str) -> int:
        out = subprocess.run([str(tc.path("llvm-size")), "-A", name], cwd=tmp_path, capture_output=True,
                             text=True, check=True).stdout
        return next(int(line.split()[1]) for line in out.splitlines() if line.startswith(".text "))

    run([str(tc.path("clang")), *flags, "-o", "ref.o"], env, tmp_path)
    run(["rlopt-cc", *flags, "-o", "a.o"], env, tmp_path)
    assert log(env)[-1]["chosen_in"] in ("server", "process")  # the model was asked
    card = json.loads((ROOT / "models" / "size.json").read_text())
    assert log(env)[-1]["pipeline"] in {c["pipeline"] for c in card["candidates"]} - {"default<Oz>"}
    assert text("a.o") < text("ref.o")
    run(["rlopt-cc", *flags, "-o", "b.o"], {**env, "RLOPT_SIZE_MODEL": "none"}, tmp_path)
    assert "chosen_in" not in log(env)[-1] and (tmp_path / "b.o").read_bytes() == (tmp_path / "ref.o").read_bytes()
    assert log(env)[-1]["pipeline"] == "default<Oz>"


@pytest.mark.parametrize("flags", [
    ["-MD", "-c", "a.c", "-o", "obj/a.o"],
    ["-MMD", "-MP", "-c", "a.c", "-o", "obj/a.o"],
    ["-MD", "-c", "a.c"],
    ["-MD", "-MF", "deps/custom.d", "-MT", "my target", "-c", "a.c", "-o", "obj/a.o"],
    ["-MMD", "-MQ", "$(OBJ)/a.o", "-MF", "deps/q.d", "-S", "a.c", "-o", "obj/a.s"],
])
def test_dependency_files_identical_to_clangs(env, tmp_path, tc, flags):
    (tmp_path / "a.c").write_text('#include "a.h"\n#include <stddef.h>\nint f(void) { return A; }\n')
    (tmp_path / "a.h").write_text("#define A 3\n")
    for d in ("obj", "deps"):
        (tmp_path / d).mkdir()

    def deps() -> dict[str, str]:
        return {str(p.relative_to(tmp_path)): p.read_text() for p in tmp_path.rglob("*.d")}

    run([str(tc.path("clang")), "-O2", *flags], env, tmp_path)
    expected = deps()
    assert expected
    for p in tmp_path.rglob("*.d"):
        p.unlink()
    run(["rlopt-cc", "-O2", *flags], env, tmp_path)
    assert deps() == expected
    assert log(env)[-1]["decision"] == "rlopt"


def test_assembly_and_ir_outputs(env, tmp_path):
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", "-O2", "-S", "a.c"], env, tmp_path)
    assert "sq:" in (tmp_path / "a.s").read_text()
    run(["rlopt-cc", "-O2", "-S", "-emit-llvm", "a.c"], env, tmp_path)
    assert "define dso_local i32 @sq" in (tmp_path / "a.ll").read_text()
    assert (tmp_path / "a.ll").read_text().startswith("; ModuleID = 'a.c'\n")  # as clang names it
    run(["rlopt-cc", "-O2", "-c", "-emit-llvm", "a.c"], env, tmp_path)
    assert (tmp_path / "a.bc").read_bytes()[:2] == b"BC"
    assert [line["decision"] for line in log(env)] == ["rlopt"] * 3


def test_response_file_and_multiple_sources(env, tmp_path):
    (tmp_path / "a.c").write_text(SOURCE)
    (tmp_path / "b.c").write_text("int twice(int x) { return 2 * x; }\n")
    (tmp_path / "args.rsp").write_text("-O2 -c a.c b.c\n")
    run(["rlopt-cc", "@args.rsp"], env, tmp_path)
    assert (tmp_path / "a.o").exists() and (tmp_path / "b.o").exists()
    assert log(env)[-1]["misses"] == 2


def test_compile_error_reports_clangs_diagnostics_once(env, tmp_path):
    (tmp_path / "bad.c").write_text("int f(void) { return undefined_name; }\n")
    proc = run(["rlopt-cc", "-O2", "-c", "bad.c"], env, tmp_path, check=False)
    assert proc.returncode == 1
    assert proc.stderr.count("use of undeclared identifier 'undefined_name'") == 1
    assert "rlopt-cc" not in proc.stderr
    assert stats(env)["compile error"] == 1


@pytest.mark.parametrize("dep", ["-", "/dev/stdout"])
def test_dependencies_to_stdout_are_printed_on_every_call(env, tmp_path, dep):
    """A dependency file that is not a regular file is not read back (reading a pipe blocked for ever) nor
    replayed from the cache: clang prints it on every call, and so must we."""
    (tmp_path / "h.c").write_text("int h(int a) { return a * 11; }\n")
    for _ in range(2):
        proc = subprocess.run(["rlopt-cc", "-O2", "-MMD", "-MF", dep, "-c", "h.c", "-o", "h.o"], env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0 and proc.stdout == "h.o: h.c\n", proc
    assert [line["decision"] for line in log(env)] == ["rlopt", "rlopt"]


def test_split_sources_do_not_warn_about_flags_another_uses(env, tmp_path):
    """-I is used by a.c, not by the preprocessed pre.i: clang says nothing, even with -Werror."""
    (tmp_path / "inc").mkdir()
    (tmp_path / "pre.i").write_text("int x;\n")
    (tmp_path / "a.c").write_text(SOURCE)
    proc = run(["rlopt-cc", "-O2", "-Werror", "-c", "pre.i", "a.c", "-Iinc"], env, tmp_path)
    assert proc.stderr == "" and (tmp_path / "pre.o").exists() and (tmp_path / "a.o").exists()


@pytest.mark.parametrize("flags", [["-o", "sub/dir/a.o"], ["-MD", "-MF", "sub/a.d", "-o", "a.o"]])
def test_an_output_clang_cannot_write_is_clangs_error(env, tmp_path, tc, flags):
    (tmp_path / "a.c").write_text(SOURCE)
    expected = run([str(tc.path("clang")), "-O2", "-c", "a.c", *flags], env, tmp_path, check=False)
    proc = run(["rlopt-cc", "-O2", "-c", "a.c", *flags], env, tmp_path, check=False)
    assert expected.returncode == 1 and (proc.returncode, proc.stderr) == (expected.returncode, expected.stderr)
    assert stats(env)["compile error"] == 1


@pytest.mark.parametrize("body", [
    "void g(char *); int big(void) { char b[400]; g(b); return b[3]; }",  # -Wframe-larger-than
    '__attribute__((warning("x"))) void w(void); void f(void) { w(); }',
    '__attribute__((error("bad call"))) void e(void); void f(void) { e(); }',
    'void f(void) { __asm__("bogus_instr %eax"); }',
])
def test_backend_diagnostics_are_clangs_own(env, tmp_path, tc, body):
    """What the backend says (about our temporary module, without the source's locations) is replaced by what
    plain clang says about the source, with its exit status; a user's error is no fallback of ours."""
    (tmp_path / "a.c").write_text(body + "\n")
    argv = ["-O2", "-Wframe-larger-than=100", "-c", "a.c"]
    expected = run([str(tc.path("clang")), *argv], env, tmp_path, check=False)
    assert "a.c:1:" in expected.stderr
    proc = run(["rlopt-cc", *argv], env, tmp_path, check=False)
    assert (proc.returncode, proc.stderr) == (expected.returncode, expected.stderr)
    assert log(env)[-1]["decision"] == ("compile error" if expected.returncode else "fallback")
    assert (tmp_path / "a.o").exists() == (expected.returncode == 0)


LOOP_PRAGMA = """void g(float *a, float *b, int n) {
#pragma clang loop vectorize(enable) interleave(enable)
  for (int i = 0; i < n; i++) { a[i] = b[i] + a[i - 1]; if (a[i] > 3) break; }
}
"""


@pytest.mark.parametrize("flags", [["-Werror"], ["-Ofast"], ["-Rpass=loop-vectorize"]])
def test_what_clangs_optimiser_says_is_said(env, tmp_path, tc, flags):
    """A loop pragma the optimiser cannot follow is clang's warning at the loop (an error with -Werror), and
    -Rpass remarks are clang's: such a unit is compiled by plain clang (the engine said nothing, and -Werror
    builds passed where clang's failed). Driver warnings are said once, not once per clang process."""
    (tmp_path / "v.c").write_text(LOOP_PRAGMA)
    argv = ["-O2", *flags, "-c", "v.c"]
    expected = run([str(tc.path("clang")), *argv], env, tmp_path, check=False)
    assert "v.c:" in expected.stderr
    proc = run(["rlopt-cc", *argv], env, tmp_path, check=False)
    assert (proc.returncode, proc.stderr) == (expected.returncode, expected.stderr)
    assert proc.stderr.count("-Wdeprecated-ofast") == ("-Ofast" in flags)
    assert log(env)[-1]["decision"] == ("compile error" if expected.returncode else "bypass")


def test_a_driver_warning_is_said_once_and_keeps_the_rlopt_path(env, tmp_path):
    """Every clang process of a unit repeats the driver's warnings about the command line: said once, and not
    taken for a backend diagnostic (which would send every -Ofast unit to plain clang)."""
    (tmp_path / "a.c").write_text(SOURCE)
    proc = run(["rlopt-cc", "-Ofast", "-c", "a.c"], env, tmp_path)
    assert proc.stderr.count("-Wdeprecated-ofast") == 1 and log(env)[-1]["decision"] == "rlopt"


def test_colours_asked_for_are_kept_in_a_pipe(env, tmp_path, tc):
    """-fcolor-diagnostics (CMake adds it for Ninja, which pipes stderr) keeps clang's colour codes on a miss, a
    direct hit and the native launcher's hit; without it a pipe gets plain text."""
    (tmp_path / "w.c").write_text("int f(int x) { int y; return x; }\n")
    argv = ["-O2", "-Wall", "-fcolor-diagnostics", "-c", "w.c"]
    want = run([str(tc.path("clang")), *argv], env, tmp_path).stderr
    assert "\x1b[" in want
    for _ in range(3):
        assert run(["rlopt-cc", *argv], env, tmp_path).stderr == want
    assert [line["decision"] for line in log(env)] == ["rlopt"] * 3 and log(env)[-1]["direct_hits"] == 1
    plain = run(["rlopt-cc", *argv[:2], *argv[3:]], env, tmp_path).stderr
    assert "warning: unused variable" in plain and "\x1b[" not in plain


def test_a_failed_compile_leaves_no_old_object(env, tmp_path):
    (tmp_path / "err.c").write_text("int f(void) { return x; }\n")
    (tmp_path / "err.o").write_bytes(b"old")
    assert run(["rlopt-cc", "-O2", "-c", "err.c"], env, tmp_path, check=False).returncode == 1
    assert not (tmp_path / "err.o").exists()  # as clang removes it: make must not take it as up to date


def test_crashing_opt_falls_back_to_plain_clang(env, tmp_path):
    fake = make_fake_llvm(tmp_path / "fake", "kill -SEGV $$")
    env["RLOPT_LLVM_BIN"] = str(fake)
    (tmp_path / "a.c").write_text(SOURCE)
    proc = run(["rlopt-cc", "-O2", "a.c", "-o", "prog"], env, tmp_path)
    warnings = proc.stderr.strip().splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("rlopt-cc: warning: a.c: opt: crashed with SIGSEGV")
    assert warnings[0].endswith("; compiled with plain clang")
    assert subprocess.run([tmp_path / "prog"], capture_output=True, text=True).stdout == "49\n"
    assert stats(env)["fallback:crash"] == 1


def test_timeout_falls_back_in_process(monkeypatch, tmp_path, capsys):
    """A pass that hangs (here: a monkeypatched engine) becomes a warning and a plain clang build."""
    def hang(*args, **kwargs):
        raise ToolTimeout("opt", cc.OPT_TIMEOUT)

    monkeypatch.setattr(build, "run_pipeline", hang)
    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("RLOPT_CC_LOG", raising=False)
    monkeypatch.delenv(cc.NESTED_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.c").write_text(SOURCE)
    assert cc.main(["-O2", "-c", "a.c", "-o", "a.o"]) == 0
    assert (tmp_path / "a.o").exists()
    assert capsys.readouterr().err == (
        f"rlopt-cc: warning: a.c: opt: timed out after {cc.OPT_TIMEOUT:g} s; compiled with plain clang\n")


def test_disable_and_nesting_run_plain_clang(env, tmp_path):
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", "-O2", "-c", "a.c"], {**env, "RLOPT_CC_DISABLE": "1"}, tmp_path)
    # the underlying compiler is the wrapper itself: the nested call must not recurse
    run(["rlopt-cc", "-O2", "-c", "a.c", "-o", "n.o"], {**env, "RLOPT_CC": str(BIN / "rlopt-cc")}, tmp_path)
    assert (tmp_path / "a.o").exists() and (tmp_path / "n.o").exists()
    assert [line["decision"] for line in log(env)] == ["disabled", "rlopt"]


def test_admin_commands(env, tmp_path):
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", "-O2", "-c", "a.c"], env, tmp_path)
    out = run(["rlopt-cc", "--show-stats"], env, tmp_path).stdout
    assert "compiled through rlopt" in out and "cached outputs" in out
    run(["rlopt-cc", "--zero-stats"], env, tmp_path)
    assert stats(env) == {}
    run(["rlopt-cc", "--clear-cache"], env, tmp_path)
    assert cached_objects(env) == 0


def test_concurrent_make_j8_writers_share_one_cache(env, tmp_path):
    project = ROOT / "examples" / "project"
    procs = [subprocess.Popen(["make", "-j8", "CC=rlopt-cc", f"BUILD={tmp_path / f'b{i}'}", "test"], env=env,
                              cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for i in range(2)]
    for p in procs:
        out = p.communicate(timeout=300)[0]
        assert p.returncode == 0 and "all tests passed" in out, out
    s = stats(env)
    # per build: 5 objects, 1 link of objects, 1 compile-and-link; racing builds may both miss
    assert s["calls"] == 2 * 7 and s.get("hit", 0) + s["miss"] == 2 * 6
    assert (tmp_path / "b0" / "rlbench").read_bytes() == (tmp_path / "b1" / "rlbench").read_bytes()
    assert cached_objects(env) == 6
