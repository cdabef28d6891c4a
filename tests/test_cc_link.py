"""A link through rlopt-cc writes its program atomically (rlopt.cc.build.run_link): a link that fails or is killed
midway leaves the old program, never a partial file that the next ``make`` would take as up to date. The same
in each way a call runs: the Python wrapper, a fork of the fork server, and the native launcher's records."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cc_helpers import log, needs_wrapper, run, wrapper_env

pytestmark = needs_wrapper

# A linker that writes part of its output, then fails or hangs (LINK_FAULT), as a linker killed midway would
# leave it; otherwise the system's linker.
FAULTY_LD = """#!/bin/sh
if [ -n "$LINK_FAULT" ]; then
  for a; do [ "$p" = -o ] && printf partial > "$a"; p=$a; done
  [ "$LINK_FAULT" = hang ] && exec sleep 60
  exit 1
fi
exec ld "$@"
"""
COMMANDS = {"pure link": ["main.o"], "compile and link": ["main.c"]}


@pytest.fixture(params=["0", "1"], ids=["python", "fork server"])
def env(request, tmp_path, launcher_bin) -> dict[str, str]:
    e = wrapper_env(tmp_path)
    return {**e, "RLOPT_CC_SERVER": request.param, "PATH": f"{launcher_bin}{os.pathsep}{e['PATH']}"}


@pytest.fixture
def project(tmp_path, env) -> Path:
    (tmp_path / "main.c").write_text("int main(void) { return 3; }\n")
    (tmp_path / "ld").write_text(FAULTY_LD)
    (tmp_path / "ld").chmod(0o755)
    run(["rlopt-cc", "-Os", "-c", "main.c", "-o", "main.o"], env, tmp_path)
    (tmp_path / "prog").write_bytes(b"OLD")
    time.sleep(0.1)  # older than a call's start by more than the native records' clock slack
    return tmp_path


def link(project: Path, env: dict[str, str], inputs: list[str], fault: str = "", **popen):
    argv = ["rlopt-cc", "-Os", *inputs, f"--ld-path={project / 'ld'}", "-o", "prog"]
    return subprocess.Popen(argv, env={**env, "LINK_FAULT": fault}, cwd=project, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def strays(project: Path) -> list[str]:
    return [p.name for p in project.glob(".prog.*")]


@pytest.mark.parametrize("inputs", COMMANDS.values(), ids=COMMANDS)
def test_a_failed_link_leaves_the_old_program(project, env, inputs):
    assert link(project, env, inputs, "fail").wait(timeout=120) != 0
    assert (project / "prog").read_bytes() == b"OLD" and not strays(project)
    for _ in range(3):  # the last ones from the launcher's record (it has one once the source has aged)
        assert link(project, env, inputs).wait(timeout=120) == 0
        time.sleep(0.1)
    assert subprocess.run([project / "prog"]).returncode == 3
    good = (project / "prog").read_bytes()
    proc = link(project, env, inputs, "fail")
    assert proc.wait(timeout=120) != 0 and log(env)[-1].get("native") in ("exec", "link")
    assert (project / "prog").read_bytes() == good and not strays(project)


@pytest.mark.parametrize("inputs", COMMANDS.values(), ids=COMMANDS)
def test_a_link_killed_midway_leaves_the_old_program(project, env, inputs):
    proc = link(project, env, inputs, "hang", start_new_session=True)  # make's group, killed as a CI runner does
    deadline = time.monotonic() + 60
    while not strays(project) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert strays(project), proc.communicate()
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (project / "prog").read_bytes() == b"OLD"
    if env["RLOPT_CC_SERVER"] == "1":  # the fork sees its launcher die, stops the linker and cleans up
        deadline = time.monotonic() + 20
        while strays(project) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not strays(project)
    assert link(project, env, inputs).wait(timeout=120) == 0
    assert subprocess.run([project / "prog"]).returncode == 3
