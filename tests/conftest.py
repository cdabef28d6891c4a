"""Shared fixtures: the LLVM 19 toolchain, a module's engine worker, example IR files, a fake LLVM whose opt
crashes or hangs, and ``rlopt-cc``'s native launcher built from this tree."""

from __future__ import annotations

import importlib.util
import os
import shutil
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from rlopt import toolchain
from rlopt.cc import launcher
from rlopt.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_IR = ROOT / "examples" / "ir"


def _cache_dir(tmp_path_factory, name: str):
    mp = pytest.MonkeyPatch()
    mp.setenv("RLOPT_CACHE_DIR", str(tmp_path_factory.mktemp(name)))
    yield
    mp.undo()


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory):
    """The tests never read or write the user's ~/.cache/rlopt: stale entries there could hide a broken path."""
    yield from _cache_dir(tmp_path_factory, "rlopt-cache")


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """A cache private to one test module, so that it exercises compilation rather than earlier modules' files."""
    yield from _cache_dir(tmp_path_factory, "cache")


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    """An engine worker that one test module's environments share (a worker start costs ~0.1 s)."""
    with Engine(timeout=60.0) as eng:
        yield eng


@pytest.fixture(scope="session")
def tc() -> toolchain.Toolchain:
    return toolchain.find()


@pytest.fixture(scope="session")
def example_ir() -> dict[str, Path]:
    """The shipped example modules, by file stem (e.g. ``sort.O3``)."""
    return {p.stem: p for p in sorted(EXAMPLES_IR.glob("*.ll"))}


def benchmark_script(name: str):
    """``benchmarks/NAME.py`` imported as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_fake_llvm(directory: Path, opt_body: str) -> Path:
    """A bin dir that looks like LLVM 19 but whose ``opt`` runs ``opt_body`` (shell) after ``--version``."""
    real = toolchain.find().bin_dir
    directory.mkdir(parents=True, exist_ok=True)
    for tool in real.iterdir():
        if tool.name != "opt":
            os.symlink(tool, directory / tool.name)
    opt = directory / "opt"
    opt.write_text("#!/bin/sh\n"
                   'if [ "$1" = "--version" ]; then echo "LLVM version 19.1.7"; exit 0; fi\n'
                   f"{opt_body}\n")
    opt.chmod(opt.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return directory


@pytest.fixture
def crashing_llvm(tmp_path: Path) -> Path:
    return make_fake_llvm(tmp_path / "crash-bin", "kill -SEGV $$")


@pytest.fixture
def hanging_llvm(tmp_path: Path) -> Path:
    return make_fake_llvm(tmp_path / "hang-bin", "exec sleep 600")


@pytest.fixture(scope="session")
def launcher_bin(tmp_path_factory) -> Path:
    """``rlopt-cc``'s native launcher built from this tree, beside a ``python`` of this environment (as in an
    install's bin)."""
    env_dir = tmp_path_factory.mktemp("env")
    if (Path(sys.prefix) / "pyvenv.cfg").exists():  # a venv: the same one, seen from another directory
        shutil.copy(Path(sys.prefix) / "pyvenv.cfg", env_dir / "pyvenv.cfg")
        (env_dir / "lib").symlink_to(Path(sys.prefix) / "lib")
    (env_dir / "bin").mkdir()
    (env_dir / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    built, why = launcher.build(str(env_dir / "bin"))
    if why:
        pytest.skip(f"native launcher not built: {why}")
    return env_dir / "bin"
