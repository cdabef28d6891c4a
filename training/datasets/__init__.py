"""Datasets imported from a local checkout of third-party sources: ``cbench-v1`` and ``llvm-test-suite-v0``.

Nothing here downloads: an importer reads a checkout the user already has, checks every program (builds at
-O0 and -O3, runs, compares with the reference output, calibrates its run time) and writes a dataset
directory into the cache, ``$RLOPT_CACHE_DIR/datasets/<name>/``, holding copied sources, input data and a
manifest in the format of :mod:`rlopt.training.benchmarks` (``rlopt-benchmarks.json``). The import builds
into a temporary directory that replaces the installed one only when it is complete, so a failed or
interrupted import never leaves a half dataset behind. Third-party sources stay in the cache; the
repository holds only the importers.

URIs follow CompilerGym: ``benchmark://cbench-v1/qsort``,
``benchmark://llvm-test-suite-v0/SingleSource/Benchmarks/Shootout/ackermann``.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from rlopt import toolchain
from rlopt.ir import write_file
from rlopt.training import benchmarks
from rlopt.training.benchmarks import USER_MANIFEST, Benchmark, BenchmarkError, UnknownBenchmark

#: Importable datasets and the module that imports each.
IMPORTERS = {
    "cbench-v1": "rlopt.training.datasets.cbench",
    "llvm-test-suite-v0": "rlopt.training.datasets.llvm_test_suite",
}
#: Per-run time a calibrated program aims at at -O3 (programs too short to time: measure.TOO_SHORT_SECONDS).
TARGET_SECONDS = 0.1
MAX_REPEAT = 50


def root() -> Path:
    """Where imported datasets live: ``$RLOPT_CACHE_DIR/datasets``."""
    return benchmarks.cache_dir() / "datasets"


def importer(name: str) -> ModuleType:
    """The importer module of dataset ``name`` (``NAME``, ``DESCRIPTION``, ``HOW_TO_GET``, ``import_dataset``)."""
    if name not in IMPORTERS:
        raise UnknownBenchmark(f"unknown dataset '{name}' (importable: {', '.join(IMPORTERS)})")
    return importlib.import_module(IMPORTERS[name])


def split_for(name: str) -> str:
    """A program's split, fixed by its name: 70% train, 15% validation, 15% test."""
    bucket = int(hashlib.sha256(name.encode()).hexdigest(), 16) % 20
    return "train" if bucket < 14 else "validation" if bucket < 17 else "test"


def repeat_for(o3_seconds: float) -> int:
    """Back-to-back runs per timing sample, so that a short program's sample reaches ``TARGET_SECONDS``."""
    if o3_seconds <= 0:
        return 1
    return max(1, min(MAX_REPEAT, math.ceil(TARGET_SECONDS / o3_seconds)))


def write_manifest(dest: Path, name: str, entries: list[dict[str, Any]], excluded: list[dict[str, str]],
                   source: dict[str, Any]) -> Path:
    """Write the dataset's manifest: its runnable programs (with split and timing repeat set here, so every
    importer follows one rule) and the programs left out with the reason."""
    out = []
    for e in sorted(entries, key=lambda e: e["name"]):
        e = dict(e)
        e["split"] = split_for(e["name"])
        if isinstance(e.get("o3_seconds"), int | float):
            e["repeat"] = repeat_for(float(e["o3_seconds"]))
        out.append(e)
    tc = toolchain.find()
    manifest = {"name": name, "llvm": tc.version_string, "imported": time.strftime("%Y-%m-%d %H:%M:%S %z"),
                "source": source, "benchmarks": out,
                "excluded": sorted(excluded, key=lambda e: e["name"])}
    path = dest / USER_MANIFEST
    write_file(path, json.dumps(manifest, indent=1).encode())
    return path


def import_dataset(name: str, src: str | os.PathLike, *, jobs: int = 2,
                   log: Callable[[str], None] = print) -> Path:
    """Import dataset ``name`` from the checkout ``src`` into the cache; returns the installed directory."""
    mod = importer(name)
    src_path = Path(src).expanduser().resolve()
    if not src_path.is_dir():
        raise BenchmarkError(f"{src}: no such directory (expected: {_what_to_get(mod)})")
    root().mkdir(parents=True, exist_ok=True)
    final = root() / name
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}-import-", dir=root()))
    try:
        mod.import_dataset(src_path, tmp, jobs=jobs, log=log)
        if not (tmp / USER_MANIFEST).is_file():
            raise BenchmarkError(f"{name}: the importer wrote no manifest")
        old = root() / f".{name}-old-{os.getpid()}"
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    load.cache_clear()
    return final


def _what_to_get(mod: ModuleType) -> str:
    """The first line of an importer's ``HOW_TO_GET``, for a one-line error that points at the rest."""
    return f"{mod.HOW_TO_GET.splitlines()[0].rstrip(':')}; 'rlopt-train datasets list' shows how to get it"


def manifest(name: str) -> dict[str, Any]:
    """The installed manifest of dataset ``name`` (raises with install instructions if it is not installed)."""
    path = root() / name / USER_MANIFEST
    if not path.is_file():
        mod = importer(name)
        raise BenchmarkError(f"dataset '{name}' is not installed: run 'rlopt-train datasets import {name} "
                             f"--from DIR' (DIR: {_what_to_get(mod)})")
    return json.loads(path.read_text())


@cache
def load(name: str) -> tuple[Benchmark, ...]:
    """The runnable programs of installed dataset ``name``."""
    manifest(name)  # the clear error if it is missing
    return tuple(benchmarks.from_directory(root() / name, uri_of=lambda n: f"benchmark://{name}/{n}"))


def get(name: str, program: str) -> Benchmark:
    """One program of an installed dataset."""
    for b in load(name):
        if b.name == program:
            return b
    excluded = {e["name"]: e["reason"] for e in manifest(name).get("excluded", [])}
    if program in excluded:
        raise BenchmarkError(f"{name}/{program} is not runnable here: {excluded[program]}")
    raise UnknownBenchmark(f"no program '{program}' in {name} ({len(load(name))} programs; "
                         f"'rlopt-train datasets list --programs {name}' lists them)")


@dataclass(frozen=True)
class DatasetInfo:
    """One line of ``rlopt-train datasets list``."""

    name: str
    description: str
    installed: bool
    programs: int
    excluded: int
    size_bytes: int
    where: str


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def info() -> list[DatasetInfo]:
    """Every dataset rlopt knows: the built-in suite, the csmith generator and the importable ones."""
    suite_dir = Path(benchmarks.__file__).parent
    out = [DatasetInfo(benchmarks.SUITE, "C programs written for rlopt (built in)", True, len(benchmarks.suite()),
                       0, _size(suite_dir / "suite"), str(suite_dir)),
           DatasetInfo(benchmarks.CSMITH, "random C programs from csmith, by seed (generated on use)",
                       shutil.which("csmith") is not None, 0, 0, 0, "generator://csmith-v0/<seed>")]
    for name in IMPORTERS:
        mod = importer(name)
        d = root() / name
        if (d / USER_MANIFEST).is_file():
            m = manifest(name)
            out.append(DatasetInfo(name, mod.DESCRIPTION, True, len(m["benchmarks"]), len(m.get("excluded", [])),
                                   _size(d), str(d)))
        else:
            out.append(DatasetInfo(name, mod.DESCRIPTION, False, 0, 0, 0, f"not installed: {mod.HOW_TO_GET}"))
    return out


__all__ = ["IMPORTERS", "DatasetInfo", "get", "import_dataset", "importer", "info", "load", "manifest",
           "repeat_for", "root", "split_for", "write_manifest"]
