"""The tuning database: pipelines found for individual modules, by module hash and objective.

This is the hook a future ``rlopt tune`` fills; ``rlopt-cc`` already reads it. When an entry exists for a
module (the SHA-256 of the frontend's bitcode, the IR clang would hand its optimiser) and the objective of
the call (``speed`` at -O2/-O3, ``size`` at -Os/-Oz), that pipeline replaces the policy's choice, and the
entry's digest becomes part of the cache key, so that re-tuning a module invalidates its cached object.
The file is a small sqlite database; a missing file means no entries and costs one ``stat``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3

from rlopt.cache import default_dir_name, quick_sha256

_SCHEMA = """CREATE TABLE IF NOT EXISTS tuned (module TEXT NOT NULL, objective TEXT NOT NULL,
                                              pipeline TEXT NOT NULL, PRIMARY KEY (module, objective))"""
#: The objective of a compile at each ``-O`` level (levels without one are never tuned).
OBJECTIVES = {"O2": "speed", "O3": "speed", "Os": "size", "Oz": "size"}


def default_path() -> str:
    return os.path.join(default_dir_name(), "tuning.sqlite")


class Entry:
    """A tuned pipeline and its digest (what cache keys hold)."""

    __slots__ = ("pipeline", "digest")

    def __init__(self, pipeline: str):
        self.pipeline = pipeline
        self.digest = quick_sha256(pipeline.encode()).hexdigest()


def module_hash(bitcode: bytes) -> str:
    return quick_sha256(bitcode).hexdigest()


def lookup(module: str, objective: str, path: str | None = None) -> Entry | None:
    """The tuned pipeline for ``module`` and ``objective``, if the database has one (unreadable: none)."""
    path = path or default_path()
    if not os.path.exists(path):
        return None
    with contextlib.suppress(sqlite3.Error), contextlib.closing(
            sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT pipeline FROM tuned WHERE module=? AND objective=?", (module, objective)).fetchone()
        return Entry(row[0]) if row else None
    return None


def record(module: str, objective: str, pipeline: str, path: str | None = None) -> None:
    """Store a tuned pipeline (what ``rlopt tune`` will call once it exists; tests use it today)."""
    path = path or default_path()
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(_SCHEMA)
        db.execute("INSERT OR REPLACE INTO tuned VALUES (?, ?, ?)", (module, objective, pipeline))
