"""The tuning database: pipelines found for individual modules by ``rlopt tune``, by module key and objective.

``rlopt tune`` writes it; ``rlopt -O-rl`` and ``rlopt-cc`` consult it first (:func:`resolve`): a module tuned
once builds with its tuned pipeline from then on, like a profile in PGO. The objective of a call is ``speed``
at -O2/-O3 (and for ``-O-rl`` with a speed model), ``size`` at -Os/-Oz (or a size model). In ``rlopt-cc`` the
entry's digest is part of the cache key, so re-tuning a module invalidates its cached object.

The **module key** (:func:`module_key`) is the SHA-256 of the module's text IR as LLVM prints it, without
the ``; ModuleID`` line (the input file's name). It does not depend on the form the module came in: clang's
``-S -emit-llvm`` output, its bitcode (``llvm-dis``, or the engine's printer) and any file name give the same
key, so ``rlopt tune in.ll``, ``rlopt -O-rl in.bc`` and ``rlopt-cc`` (which disassembles the frontend's
bitcode when a database exists) agree. Raw bitcode bytes would not do: clang writes use-list orders that a
text round trip does not keep.

The file is a small sqlite database in WAL mode (concurrent writers wait for each other; each entry is one
transaction); a missing file means no entries and costs one ``stat``.
"""

from __future__ import annotations

import contextlib
import os
import sys

from rlopt.cache import BUSY_TIMEOUT, default_dir_name, quick_sha256, sqlite3
from rlopt.errors import RloptError

TYPE_CHECKING = False  # rlopt-cc's cache hits import this module: typing and json load when used
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

_SCHEMA = ("""CREATE TABLE IF NOT EXISTS tuned (module TEXT NOT NULL, objective TEXT NOT NULL,
                                               pipeline TEXT NOT NULL, PRIMARY KEY (module, objective))""",
           # what the tuner measured (name, gain, interval, runs, date, input file): shown by ``--list``
           """CREATE TABLE IF NOT EXISTS details (module TEXT NOT NULL, objective TEXT NOT NULL,
                                                  info TEXT NOT NULL, PRIMARY KEY (module, objective))""")
#: The objective of a compile at each ``-O`` level (levels without one are never tuned).
OBJECTIVES = {"O2": "speed", "O3": "speed", "Os": "size", "Oz": "size"}
#: The pipeline each objective is judged against: what a tuned answer must beat, and what stands in for a model.
BASELINE = {"speed": "default<O3>", "size": "default<Oz>"}


def default_path() -> str:
    """``$RLOPT_TUNING_DB``, else ``$RLOPT_CACHE_DIR/tuning.sqlite`` (``rlopt-cc`` also reads its config file)."""
    return os.environ.get("RLOPT_TUNING_DB") or os.path.join(default_dir_name(), "tuning.sqlite")


class Entry:
    """A tuned pipeline and its digest (what cache keys hold)."""

    __slots__ = ("pipeline", "digest")

    def __init__(self, pipeline: str):
        self.pipeline = pipeline
        self.digest = quick_sha256(pipeline.encode()).hexdigest()


def module_key(text_ir: bytes | str) -> str:
    """The key of a module given as text IR (see the module docstring): the ``; ModuleID`` line is left out."""
    data = text_ir.encode() if isinstance(text_ir, str) else text_ir
    if data.startswith(b"; ModuleID"):
        data = data[data.find(b"\n") + 1:]
    return quick_sha256(data).hexdigest()


def exists(path: str | None = None) -> bool:
    """Whether there is a database at all (callers skip computing keys when there is none)."""
    return os.path.exists(path or default_path())


def lookup(module: str, objective: str, path: str | None = None) -> Entry | None:
    """The tuned pipeline for ``module`` and ``objective``, if the database has one (unreadable: none)."""
    path = path or default_path()
    if not os.path.exists(path):
        return None
    # not read-only: a reader of a WAL database may have to create its shared-memory file
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT)) as db:
            row = db.execute("SELECT pipeline FROM tuned WHERE module=? AND objective=?",
                             (module, objective)).fetchone()
    except sqlite3.Error as e:  # a compile goes on without it, and says so
        sys.stderr.write(f"rlopt: warning: tuning database {path} unreadable ({e}): not used\n")
        return None
    return Entry(row[0]) if row else None


def resolve(module: str | None, objective: str | None, otherwise: Callable[[], str],
            path: str | None = None) -> tuple[str, Entry | None]:
    """Which pipeline a module gets: the database's for ``module`` and ``objective`` if it has one, else
    ``otherwise()`` (the policy's choice or the ``-O`` level). One place for ``rlopt -O-rl`` and ``rlopt-cc``."""
    entry = lookup(module, objective, path) if module and objective else None
    return (entry.pipeline, entry) if entry else (otherwise(), None)


def _connect(path: str) -> sqlite3.Connection:
    """The database at ``path``, created if missing; a file that is not one is the user's error, in one line."""
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
        with contextlib.suppress(sqlite3.OperationalError):  # another process may be switching it right now
            db.execute("PRAGMA journal_mode=WAL")
        for statement in _SCHEMA:
            db.execute(statement)
    except (OSError, sqlite3.Error) as e:
        raise RloptError(f"tuning database {path}: {getattr(e, 'strerror', None) or e}") from e
    return db


def check(path: str | None = None) -> None:
    """Raise :class:`RloptError` now if the database cannot be written, rather than after a tuning session."""
    path = path or default_path()
    if os.path.exists(path):
        with contextlib.closing(_connect(path)):
            pass


def record(module: str, objective: str, pipeline: str, path: str | None = None,
           info: dict[str, Any] | None = None) -> None:
    """Store a tuned pipeline and what was measured about it, in one transaction."""
    import json

    with contextlib.closing(_connect(path or default_path())) as db, db:
        db.execute("INSERT OR REPLACE INTO tuned VALUES (?, ?, ?)", (module, objective, pipeline))
        db.execute("INSERT OR REPLACE INTO details VALUES (?, ?, ?)",
                   (module, objective, json.dumps(info or {}, sort_keys=True)))


def copy(source: str, dest: str) -> None:
    """Make ``dest`` a consistent copy of the database at ``source`` (sqlite's backup: a concurrent writer
    cannot tear it); an empty database when there is none. ``rlopt tune --make`` builds with such a copy."""
    with contextlib.closing(_connect(dest)) as out:
        if os.path.exists(source):
            try:
                with contextlib.closing(sqlite3.connect(source, timeout=BUSY_TIMEOUT)) as db:
                    db.backup(out)
            except sqlite3.Error as e:
                raise RloptError(f"tuning database {source}: {e}") from e


def entries(path: str | None = None) -> list[tuple[str, str, str, dict[str, Any]]]:
    """Every entry: (module, objective, pipeline, details), in key order."""
    import json

    path = path or default_path()
    if not os.path.exists(path):
        return []
    with contextlib.closing(_connect(path)) as db:
        rows = db.execute("SELECT t.module, t.objective, t.pipeline, d.info FROM tuned t LEFT JOIN details d "
                          "ON t.module = d.module AND t.objective = d.objective ORDER BY t.module, t.objective")
        return [(m, o, p, json.loads(i) if i else {}) for m, o, p, i in rows]


def forget(module: str | None, objective: str | None = None, path: str | None = None) -> int:
    """Remove the entries of modules whose key starts with ``module`` (all modules if None), for ``objective``
    (both if None); returns how many were removed."""
    path = path or default_path()
    if not os.path.exists(path):
        return 0
    where = "module LIKE ? AND objective LIKE ?"
    args = (f"{module or ''}%", objective or "%")
    with contextlib.closing(_connect(path)) as db, db:
        n = db.execute(f"DELETE FROM tuned WHERE {where}", args).rowcount
        db.execute(f"DELETE FROM details WHERE {where}", args)
    return n
