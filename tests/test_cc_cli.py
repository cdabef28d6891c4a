"""rlopt-cc's own options (ccache's spelling), its two call forms, its settings, and what it says when the
model is missing."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
from cc_helpers import ROOT, SOURCE, log, needs_wrapper, processes, run, stats, wrapper_env
from conftest import make_fake_llvm

from rlopt import __version__
from rlopt.cc.store import Store

pytestmark = needs_wrapper


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {**wrapper_env(tmp_path), "RLOPT_CC_SERVER": "0"}


def test_each_administration_option(env, tmp_path):
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", "-O1", "-c", "a.c"], env, tmp_path)
    out = run(["rlopt-cc", "-s"], env, tmp_path).stdout
    assert "compiled through rlopt" in out and "cache size" in out and "of 5.0 GB" in out
    assert "made with a tuning-database pipeline" in out
    assert run(["rlopt-cc", "--show-stats"], env, tmp_path).stdout == out
    assert run(["rlopt-cc", "-z"], env, tmp_path).stdout.strip() == "Statistics zeroed"
    assert stats(env) == {}
    assert run(["rlopt-cc", "-C"], env, tmp_path).stdout.strip() == "Cleared cache"
    with Store(str(tmp_path / "cache" / "cc")) as store:
        assert store.usage() == (0, 0)

    assert "Set cache size limit to 1.0 GB" in run(["rlopt-cc", "-M", "1G"], env, tmp_path).stdout
    assert "max_size = 1G" in (tmp_path / "cache" / "cc" / "rlopt.conf").read_text()
    config = run(["rlopt-cc", "-p"], env, tmp_path).stdout
    assert f"({tmp_path / 'cache' / 'cc' / 'rlopt.conf'}) max_size" in config and "= 1G" in config
    assert "(default) direct_mode" in config and "(environment) server" in config
    assert "of 1.0 GB" in run(["rlopt-cc", "-s"], env, tmp_path).stdout

    bad = run(["rlopt-cc", "-M", "5X"], env, tmp_path, check=False)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("rlopt-cc: error: invalid size '5X'")
    assert len(bad.stderr.strip().splitlines()) == 1

    assert "--max-size" in run(["rlopt-cc", "--help"], env, tmp_path).stdout
    version = run(["rlopt-cc", "-V"], env, tmp_path).stdout
    assert f"rlopt) {__version__}" in version and "LLVM 19." in version
    assert run(["rlopt-cc", "--version"], env, tmp_path).stdout.startswith(("clang version 19", "Debian clang version 19"))
    assert run(["rlopt-cc", "--stop-server"], env, tmp_path).stdout.strip() == "no model server was running"


@pytest.mark.parametrize("server", ["0", "1"])  # in a new interpreter, in a fork of the fork server
def test_statistics_into_a_closed_pipe_end_quietly(env, tmp_path, server):
    """``rlopt-cc -s | head -1``: the reader has gone before the statistics are written; no traceback, the
    status a program killed by SIGPIPE has."""
    env = {**env, "RLOPT_CC_SERVER": server}
    run(["rlopt-cc", "-z"], env, tmp_path)  # (starts the fork server where there is one)
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.run(["rlopt-cc", "-s"], env=env, cwd=tmp_path, stdout=write, stderr=subprocess.PIPE,
                          text=True, timeout=60)
    os.close(write)
    assert proc.returncode == 141 and proc.stderr == ""
    run(["rlopt-cc", "--stop-server"], env, tmp_path)


def test_settings_from_the_file_and_a_bad_line(env, tmp_path):
    (tmp_path / "a.c").write_text(SOURCE)
    conf = tmp_path / "cache" / "cc" / "rlopt.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text("direct_mode = false\nmax_sise = 1G\n")
    for _ in range(2):
        proc = run(["rlopt-cc", "-O1", "-c", "a.c"], env, tmp_path)
        assert proc.stderr.count("unknown setting 'max_sise'") == 1  # said once per call, the build goes on
    assert log(env)[-1]["hits"] == 1 and log(env)[-1]["direct_hits"] == 0


@pytest.mark.parametrize(("setting", "where"), [("RLOPT_CC_DIRECT", "env"), ("RLOPT_CC_SERVER", "env"),
                                                ("RLOPT_CC_DISABLE", "env"), ("direct_mode", "file")])
def test_a_bad_true_false_setting_is_said(env, tmp_path, setting, where):
    (tmp_path / "a.c").write_text(SOURCE)
    if where == "file":
        (tmp_path / "cache" / "cc").mkdir(parents=True)
        (tmp_path / "cache" / "cc" / "rlopt.conf").write_text(f"{setting} = maybe\n")
    else:
        env = {**env, setting: "maybe"}
    proc = run(["rlopt-cc", "-O1", "-c", "a.c"], env, tmp_path)
    assert proc.stderr.count("invalid boolean 'maybe' (use true or false); using the default") == 1, proc.stderr
    assert (tmp_path / "a.o").exists()


def test_a_compiler_setting_names_a_program_on_path(env, tmp_path, tc):
    """``RLOPT_CC=clang`` is looked up on PATH, as ``execvp`` would."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "clang").symlink_to(tc.path("clang"))
    env = {**env, "RLOPT_CC": "clang", "PATH": f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"}
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", "-O2", "-c", "a.c"], env, tmp_path)
    assert (tmp_path / "a.o").exists() and log(env)[-1]["decision"] == "rlopt"


@pytest.mark.parametrize("llvm_bin", ["no such", "LLVM 14", "not its bin"])
def test_an_unusable_llvm_bin_runs_plain_clang(env, tmp_path, tc, llvm_bin):
    """A wrong ``RLOPT_LLVM_BIN`` is said on one line; every call still does what clang does."""
    if llvm_bin == "LLVM 14":
        bad = make_fake_llvm(tmp_path / "llvm14", "exit 1")
        (bad / "opt").write_text('#!/bin/sh\necho "LLVM version 14.0.6"\n')
    else:
        bad = tmp_path / "nothing" if llvm_bin == "no such" else tc.bin_dir.parent
    env = {**env, "RLOPT_LLVM_BIN": str(bad)}
    (tmp_path / "a.c").write_text(SOURCE)
    for argv in (["-O2", "-c", "a.c"], ["-E", "a.c", "-o", "a.i"], ["a.o", "-o", "prog"], ["--version"]):
        proc = run(["rlopt-cc", *argv], env, tmp_path)
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("rlopt-cc: warning: "), proc.stderr
        assert str(bad) in proc.stderr
    assert run([str(tmp_path / "prog")], env, tmp_path).stdout == "49\n"
    assert stats(env)["fallback:toolchain"] == 4  # --version too: the compiler's, through the wrapper


@pytest.mark.parametrize("form", ["clang", "/usr/lib/llvm-19/bin/clang", "clang-19"])
def test_the_compiler_named_first(env, tmp_path, tc, form):
    if form == "clang-19" and not shutil.which("clang-19", path=env["PATH"]):
        pytest.skip("no clang-19 on PATH")
    if form.startswith("/") and not Path(form).exists():
        form = str(tc.path("clang"))
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", form, "-O1", "a.c", "-o", "prog"], env, tmp_path)
    assert log(env)[-1]["decision"] == "rlopt"
    assert log(env)[-1]["argv"] == ["rlopt-cc", form, "-O1", "a.c", "-o", "prog"]  # the call as made
    assert run([str(tmp_path / "prog")], env, tmp_path).stdout == "49\n"


def test_make_with_cc_naming_the_compiler(env, tmp_path):
    out = run(["make", "-j4", "CC=rlopt-cc clang", "CFLAGS=-O1", f"BUILD={tmp_path / 'b'}", "test"], env,
              ROOT / "examples" / "project").stdout
    assert "all tests passed" in out
    assert stats(env)["rlopt"] == 6


def test_an_unsupported_compiler_runs_unchanged(env, tmp_path):
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None or "clang" in os.path.realpath(gcc):
        pytest.skip("no non-clang compiler here")
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", gcc, "-O2", "a.c", "-o", "prog"], env, tmp_path)
    assert run([str(tmp_path / "prog")], env, tmp_path).stdout == "49\n"
    assert stats(env)["bypass:unsupported compiler"] == 1


@pytest.mark.parametrize("model", ["missing", "bad"])
def test_an_unusable_model_is_said_once_per_call_and_counted(env, tmp_path, model):
    path = tmp_path / "m.onnx"
    if model == "bad":
        path.write_bytes(b"not a model")
    env = {**env, "RLOPT_MODEL": str(path)}
    (tmp_path / "a.c").write_text(SOURCE)
    (tmp_path / "b.c").write_text("int twice(int x) { return 2 * x; }\n")
    for _ in range(2):  # the second call hits the cache, and must still say it
        proc = run(["rlopt-cc", "-O2", "-c", "a.c", "b.c"], env, tmp_path)
        warnings = proc.stderr.strip().splitlines()
        assert len(warnings) == 1 and str(path) in warnings[0], proc.stderr
        assert warnings[0].endswith("compiling with the -O pipeline instead")
    assert stats(env)["model unusable"] == 2 and (tmp_path / "a.o").exists()


def test_a_training_runs_directory_is_a_model_as_for_rlopt(env, tmp_path):
    run_dir = tmp_path / "runs" / "mine"  # what 'rlopt-train export runs/mine' leaves
    run_dir.mkdir(parents=True)
    for suffix in (".onnx", ".json"):
        shutil.copy(ROOT / "models" / f"speed{suffix}", run_dir / f"policy{suffix}")
    env = {**env, "RLOPT_MODEL": str(run_dir)}
    (tmp_path / "a.c").write_text(SOURCE)
    proc = run(["rlopt-cc", "-O2", "-c", "a.c"], env, tmp_path)
    assert proc.stderr == "" and log(env)[-1]["decision"] == "rlopt"
    empty = tmp_path / "runs" / "unexported"
    empty.mkdir()
    proc = run(["rlopt-cc", "-O2", "-c", "a.c"], {**env, "RLOPT_MODEL": str(empty)}, tmp_path)
    assert f"{empty} has no policy.onnx: run 'rlopt-train export {empty}' first" in proc.stderr


def test_the_model_server_serves_a_build_and_stops(tmp_path):
    env = wrapper_env(tmp_path)
    (tmp_path / "a.c").write_text(SOURCE)
    run(["rlopt-cc", "-O2", "-c", "a.c"], env, tmp_path)
    assert log(env)[-1]["decision"] == "rlopt" and log(env)[-1]["chosen_in"] == "server"
    # (the call runs in a fork server, started if none was running: it stops that one too, and says so)
    assert run(["rlopt-cc", "--stop-server"], env, tmp_path).stdout.splitlines()[-1] == "model server stopped"
    assert run(["rlopt-cc", "--stop-server"], env, tmp_path).stdout.splitlines()[-1] == "no model server was running"


def _server_and_workers(env) -> tuple[int, list[int]]:
    """The model server of this cache directory (found by its name and environment; its forked workers share
    them) and its child processes."""
    found, parents = set(processes(env, "rlopt-cc-server")), {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError):
            parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    servers = [pid for pid in found if parents.get(pid) not in found]
    assert len(servers) == 1, f"model servers running: {servers}"
    return servers[0], [pid for pid, parent in parents.items() if parent == servers[0]]


def _cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def test_the_model_server_forks_its_first_workers_and_restarts_a_dead_one(tmp_path):
    """The server's engine workers are forks made before its first thread (no interpreter importing rlopt and
    loading libLLVM each); a worker that dies is replaced by a new interpreter, since the server has threads then."""
    env = wrapper_env(tmp_path)
    (tmp_path / "a.c").write_text(SOURCE)
    (tmp_path / "b.c").write_text("int twice(int x) { return 2 * x; }\n")
    run(["rlopt-cc", "-O2", "-c", "a.c"], env, tmp_path)
    try:
        server, workers = _server_and_workers(env)
        assert workers and all(_cmdline(pid) == _cmdline(server) for pid in workers)
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        run(["rlopt-cc", "-O2", "-c", "b.c"], env, tmp_path)
        assert log(env)[-1]["decision"] == "rlopt" and log(env)[-1]["chosen_in"] == "server"
        assert any(b"rlopt.engine" in _cmdline(pid) for pid in _server_and_workers(env)[1])
    finally:
        run(["rlopt-cc", "--stop-server"], env, tmp_path)


def test_the_first_jobs_on_an_empty_cache_find_the_toolchain_once(env, tmp_path):
    """Concurrent first calls wait for one of them to find LLVM (``opt --version``, slowed down here) and
    then read what it remembered, instead of each running it."""
    fake = make_fake_llvm(tmp_path / "bin", "exit 1")
    probes = tmp_path / "probes"
    (fake / "opt").write_text(f'#!/bin/sh\nif [ "$1" = "--version" ]; then echo >> {probes}; sleep 0.5; '
                              'echo "LLVM version 19.1.7"; fi\n')
    env = {**env, "RLOPT_LLVM_BIN": str(fake)}
    (tmp_path / "a.c").write_text(SOURCE)
    jobs = [subprocess.Popen(["rlopt-cc", "-O0", "-c", "a.c", "-o", f"a{n}.o"], env=env, cwd=tmp_path)
            for n in range(4)]
    assert [job.wait(timeout=120) for job in jobs] == [0] * 4
    assert probes.read_text().count("\n") == 1
