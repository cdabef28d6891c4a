"""The fork server of rlopt-cc (rlopt/cc/forkserver.py): a call that the native launcher cannot answer from the
cache runs in a fork of a process that has the wrapper imported, exactly as a new Python process would run it:
same outputs, diagnostics and exit status, in the caller's directory, umask and environment; signals reach it
and the compilers it runs; it stops with ``--stop-server`` and when idle, and never runs with the server off."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cc_helpers import log, needs_wrapper, processes, wrapper_env

pytestmark = needs_wrapper
FLAGS = ["-O2", "-Wall", "-MD", "-c", "a.c", "-o", "a.o"]


@pytest.fixture
def env(tmp_path, launcher_bin) -> dict[str, str]:
    e = wrapper_env(tmp_path)
    return {**e, "PATH": f"{launcher_bin}{os.pathsep}{e['PATH']}"}


class Call:
    """One finished call: its status, output, and whether a fork answered it (its log line then names another
    process than the launcher, which otherwise becomes the Python wrapper itself)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, **popen):
        with subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              **popen) as proc:
            self.stdout, self.stderr = proc.communicate(timeout=300)
        self.returncode, self.pid, self.env = proc.returncode, proc.pid, env

    @property
    def forked(self) -> bool:
        return log(self.env)[-1]["pid"] != self.pid


def fork_servers(env: dict[str, str]) -> list[int]:
    """The fork server of this test's cache directory and the forks of it still running a call."""
    return processes(env, "rlopt-cc-fork")


def wait_until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def project(directory: Path) -> None:
    (directory / "a.c").write_text('#include "a.h"\nint f(int x) { int unused; return A * x; }\n')
    (directory / "a.h").write_text("#define A 3\n")


def test_a_miss_runs_in_a_fork_exactly_as_in_python(env, tmp_path):
    project(tmp_path)
    python = Call(["rlopt-cc", *FLAGS], {**env, "RLOPT_CC_SERVER": "0"}, tmp_path)  # no fork server: Python
    assert python.returncode == 0 and not python.forked and not fork_servers(env)
    expected = {name: (tmp_path / name).read_bytes() for name in ("a.o", "a.d")}
    assert "unused variable" in python.stderr
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0  # starts the fork server (as sccache -s does)
    for name in expected:
        (tmp_path / name).unlink()
    forked = Call(["rlopt-cc", *FLAGS], env, tmp_path)
    assert forked.returncode == 0 and forked.forked and fork_servers(env)
    assert {name: (tmp_path / name).read_bytes() for name in expected} == expected
    assert forked.stderr == python.stderr
    line = log(env)[-1]
    assert line["decision"] == "rlopt" and line["misses"] == 1 and line["chosen_in"] == "server"
    # the model server is a fork of the fork server, not a new interpreter
    servers = processes(env, "rlopt-cc-server")
    assert servers and all(b"rlopt.cc.forkserver" in Path(f"/proc/{pid}/cmdline").read_bytes() for pid in servers)


def test_a_fork_ends_quietly_once_its_launcher_has_the_status(env, tmp_path):
    """The launcher closes its end on reading the status, which the fork's orphan watch takes for a dead launcher:
    the fork must not then print a traceback into the build's output (it did in 25 of 40 calls under load)."""
    project(tmp_path)
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0
    calls = [Call(["rlopt-cc", *FLAGS, f"-DN={n}"], env, tmp_path) for n in range(20)]  # each one a miss
    assert all(c.returncode == 0 and c.forked for c in calls)
    assert [c.stderr for c in calls] == [calls[0].stderr] * len(calls) and "Traceback" not in calls[0].stderr


def test_a_fork_takes_on_the_callers_directory_umask_environment_and_status(env, tmp_path, tc):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "only_in_cpath.h").write_text("#define B 5\n")
    src = tmp_path / "src"
    src.mkdir()
    (src / "x.c").write_text('#include "only_in_cpath.h"\nint g(int x) { return B * x; }\n')
    (src / "bad.c").write_text("int h(void) { return undeclared; }\n")
    env = {**env, "CPATH": str(tmp_path / "inc")}
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0  # the fork server now runs
    made = Call(["rlopt-cc", "-O2", "-c", "x.c", "-o", "x.o"], env, src, preexec_fn=lambda: os.umask(0o077))
    assert made.returncode == 0 and made.forked, made.stderr
    assert (src / "x.o").stat().st_mode & 0o777 == 0o600
    failed = Call(["rlopt-cc", "-O2", "-c", "bad.c", "-o", "bad.o"], env, src)
    assert failed.forked and failed.returncode == 1 and "undeclared" in failed.stderr
    assert not (src / "bad.o").exists()
    # a bypass (preprocessing): the fork says what to run, the launcher becomes it
    preprocessed = Call(["rlopt-cc", "-E", "-P", "x.c"], env, src)
    assert preprocessed.forked and preprocessed.returncode == 0
    clang = subprocess.run([str(tc.path("clang")), "-E", "-P", "x.c"], env=env, cwd=src, capture_output=True,
                           text=True, check=True)
    assert preprocessed.stdout == clang.stdout and "5 * x" in preprocessed.stdout


@pytest.mark.parametrize("server", ["1", "0"])  # a fork of the fork server; the launcher's own process (Python)
def test_a_signal_to_the_launcher_stops_the_call_and_its_compiler_and_cleans_up(env, tmp_path, server):
    big_source(tmp_path / "big.c")
    (tmp_path / "tmp").mkdir()
    env = {**env, "RLOPT_CC_SERVER": server, "TMPDIR": str(tmp_path / "tmp")}
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0
    proc = subprocess.Popen(["rlopt-cc", "-O2", "-c", "big.c", "-o", "big.o"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_until(lambda: compilers_of(tmp_path / "big.c"), 60)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == -signal.SIGTERM  # it died of the signal, as clang itself would have
    assert wait_until(lambda: not compilers_of(tmp_path / "big.c"))  # so did the compiler the call ran
    assert not (tmp_path / "big.o").exists()
    # and the call's temporary directory is gone (the sockets' private directory may be there)
    assert wait_until(lambda: not [p for p in (tmp_path / "tmp").iterdir() if len(p.name) == len("rlopt-cc-") + 16])


def test_a_call_whose_launcher_was_killed_writes_nothing(env, tmp_path):
    """``make`` killed with SIGKILL: no signal reaches the fork, which finishes its compiler's run but must not
    write the object then (it would look newer than an edit made meanwhile)."""
    big_source(tmp_path / "big.c")
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0
    proc = subprocess.Popen(["rlopt-cc", "-O1", "-c", "big.c", "-o", "big.o"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_until(lambda: compilers_of(tmp_path / "big.c"), 60)
    proc.kill()
    proc.wait()
    assert wait_until(lambda: len(fork_servers(env)) == 1, 60)  # the fork has finished: only its server is left
    assert not (tmp_path / "big.o").exists()


def big_source(path: Path) -> None:
    """A source that keeps clang busy for a few seconds."""
    path.write_text("\n".join(f"double f{i}(double *a, int n) {{ double s = 0; for (int k = 0; k < n; k++) "
                              f"s += a[k] * {i} / (k + 1.5); return s; }}" for i in range(2000)) + "\n")


def compilers_of(source: Path) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            if (os.path.basename(cmdline[0]).startswith(b"clang") and source.name.encode() in cmdline
                    and (entry / "cwd").resolve() == source.parent):
                found.append(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return found


def test_the_fork_server_stops_with_stop_server_and_when_idle(env, tmp_path):
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0
    assert fork_servers(env)
    stop = Call(["rlopt-cc", "--stop-server"], env, tmp_path)
    assert stop.returncode == 0 and stop.stdout.splitlines() == ["fork server stopped", "no model server was running"]
    assert wait_until(lambda: not fork_servers(env))
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0 and fork_servers(env)
    stop = Call(["rlopt-cc", "--stop-server"], {**env, "RLOPT_CC_SERVER": "0"}, tmp_path)  # a call in no fork server
    assert stop.returncode == 0 and stop.stdout.splitlines()[0] == "fork server stopped", stop.stdout
    assert wait_until(lambda: not fork_servers(env))
    assert not list((Path(env["RLOPT_CACHE_DIR"]) / "cc" / "fork-servers").iterdir())  # each took its marker
    env = {**env, "RLOPT_CC_SERVER_IDLE": "1"}
    assert Call(["rlopt-cc", "-C"], env, tmp_path).returncode == 0
    assert fork_servers(env)
    assert wait_until(lambda: not fork_servers(env))


def test_with_the_server_off_no_fork_server_runs(env, tmp_path):
    project(tmp_path)
    off = Call(["rlopt-cc", *FLAGS], {**env, "RLOPT_CC_SERVER": "off"}, tmp_path)
    assert off.returncode == 0 and not off.forked and not fork_servers(env)
    conf = Path(env["RLOPT_CACHE_DIR"]) / "cc" / "rlopt.conf"
    conf.write_text("server = false\n")  # read by the fork server, which then exits at once
    (tmp_path / "a.o").unlink()
    by_file = Call(["rlopt-cc", *FLAGS], env, tmp_path)
    assert by_file.returncode == 0 and not by_file.forked and (tmp_path / "a.o").exists()
    assert wait_until(lambda: not fork_servers(env))

