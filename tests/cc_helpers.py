"""Shared by the rlopt-cc build tests: a private cache and log per test, running the installed wrapper, reading
its statistics and log."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rlopt.cc.store import Store

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOURCE = "#include <stdio.h>\nint sq(int x) { return x * x; }\nint main(void) { printf(\"%d\\n\", sq(7)); return 0; }\n"

needs_wrapper = pytest.mark.skipif(not (BIN / "rlopt-cc").exists() or not shutil.which("make"),
                                   reason="needs the installed rlopt-cc script and make")


def wrapper_env(tmp_path: Path) -> dict[str, str]:
    """A private cache and log, the wrapper on PATH, no inherited wrapper settings (each module's ``env``)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("RLOPT_")}
    e.update(RLOPT_CACHE_DIR=str(tmp_path / "cache"), RLOPT_CC_LOG=str(tmp_path / "cc.log"),
             RLOPT_CC_SERVER_IDLE="10", PATH=f"{BIN}{os.pathsep}{e.get('PATH', '')}")
    return e


def rlopt(*args: str, env: dict, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    """``rlopt ARGS`` in this interpreter, as a user runs it in ``cwd`` (``rlopt tune``, ``tune --make``)."""
    return subprocess.run([sys.executable, "-m", "rlopt.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, check=check)


def run(argv, env, cwd, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)
    if check and proc.returncode:
        raise AssertionError(f"{argv} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def stats(env) -> dict[str, int]:
    with Store(str(Path(env["RLOPT_CACHE_DIR"]) / "cc")) as store:
        return store.counters()


def cached_objects(env) -> int:
    with Store(str(Path(env["RLOPT_CACHE_DIR"]) / "cc")) as store:
        return store.usage("r:")[0]


def log(env) -> list[dict]:
    return [json.loads(line) for line in Path(env["RLOPT_CC_LOG"]).read_text().splitlines()]


def processes(env: dict[str, str], name: str) -> list[int]:
    """The processes of this test's cache directory (``env``) named ``name`` (``rlopt.cc.server.name_process``)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if ((entry / "comm").read_text().strip() == name
                    and f"RLOPT_CACHE_DIR={env['RLOPT_CACHE_DIR']}".encode()
                    in (entry / "environ").read_bytes().split(b"\0")):
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found
