"""The bounded cache of ``rlopt-cc``: entries by key with a size limit and least-recently-used eviction, the
statistics counters, and a few memos, in one sqlite file (WAL) that any number of ``make -j`` jobs share.

Why sqlite rather than ccache's tree of files or the ``diskcache`` package: every write (an entry plus the
eviction it may cause, or one call's counters) is one transaction, so concurrent writers and readers never
see half an entry and a cleanup can never delete an entry that is still being written; a hit costs one read
and one small write; and the inference path keeps its four dependencies. Each value carries a CRC-32, so a
damaged entry reads as a miss. A file that sqlite reports as corrupt is rebuilt from the rows that can still
be read, once, by whichever process finds it first.
"""

from __future__ import annotations

import contextlib
import os
import time
import zlib
from collections.abc import Iterator

from rlopt.cache import BUSY_TIMEOUT, sqlite3
from rlopt.cc import stats
from rlopt.cc.stats import Statistic

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, size INTEGER NOT NULL, atime REAL NOT NULL,
                                    value BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS entries_atime ON entries (atime);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('total_size', '0');
"""
FILE = "store.sqlite"
#: A cleanup evicts down to this fraction of the limit, so that a full cache is not cleaned on every write.
CLEAN_TO = 0.9
_CORRUPT = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _is_corrupt(e: sqlite3.Error) -> bool:
    return getattr(e, "sqlite_errorcode", None) in _CORRUPT or "malformed" in str(e) or "not a database" in str(e)


def seal(value: bytes) -> bytes:
    """A value with its CRC-32 in front, so that damage reads as a miss instead of as a wrong object."""
    return zlib.crc32(value).to_bytes(4, "little") + value


def unseal(blob: bytes) -> bytes | None:
    value = blob[4:]
    return value if len(blob) >= 4 and zlib.crc32(value) == int.from_bytes(blob[:4], "little") else None


class Store:
    """``get``/``put`` of bytes by key in ``<directory>/store.sqlite``, bounded by ``max_size`` bytes."""

    def __init__(self, directory: str, *, max_size: int = 0, timeout: float = BUSY_TIMEOUT):
        self.directory = directory
        self.path = os.path.join(directory, FILE)
        self.max_size = max_size
        self.timeout = timeout
        self.recovered = False  # this process rebuilt a corrupt file (counted once by the caller)
        self._db: sqlite3.Connection | None = None
        os.makedirs(directory, exist_ok=True)
        self._guard(self._open)

    # -- connection and recovery -------------------------------------------------------------------------
    def _open(self) -> None:
        """Connect, switching a new file to WAL; sqlite may say 'locked' while another job does the same."""
        for attempt in range(50):
            try:
                return self._connect()
            except sqlite3.OperationalError as e:
                if ("locked" not in str(e) and "busy" not in str(e)) or attempt == 49:
                    raise
                time.sleep(0.02 * (attempt + 1))

    def _connect(self) -> None:
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        try:
            if db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")  # a cache: a crash of the OS may cost it, never a build
            if db.execute("SELECT count(*) FROM sqlite_master WHERE name='meta'").fetchone()[0] == 0:
                db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        self._db = db

    def _guard(self, fn, *args):
        """Run ``fn``; if sqlite says the file is corrupt, rebuild it (once) and run ``fn`` again."""
        try:
            return fn(*args)
        except sqlite3.DatabaseError as e:
            if not _is_corrupt(e):
                raise
        self._recover()
        return fn(*args)

    @contextlib.contextmanager
    def exclusive(self, name: str) -> Iterator[None]:
        """Hold ``NAME.lock`` beside the store, so that of many jobs doing a one-time piece of work at once
        one does it and the others wait for its result."""
        import fcntl

        with open(os.path.join(self.directory, f"{name}.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _recover(self) -> None:
        """Replace a corrupt file by a new one holding every row that can still be read (under a lock, so
        that of many jobs finding it at once one rebuilds and the others reopen the result)."""
        self.close()
        with self.exclusive("store"):
            with contextlib.suppress(sqlite3.DatabaseError):
                self._open()
                if self._db.execute("PRAGMA quick_check").fetchone()[0] == "ok":
                    return  # someone else rebuilt it while we waited
            self.close()
            rows, counters = _salvage(self.path)
            fresh = self.path + ".rebuild"
            with contextlib.suppress(FileNotFoundError):
                os.unlink(fresh)
            db = sqlite3.connect(fresh, isolation_level=None)
            try:
                db.executescript(_SCHEMA)
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", rows)
                db.executemany("INSERT OR REPLACE INTO counters VALUES (?, ?)", counters)
                db.execute("UPDATE meta SET value=(SELECT coalesce(sum(size), 0) FROM entries) "
                           "WHERE name='total_size'")
                db.execute("COMMIT")
            finally:
                db.close()
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self.path + suffix)
            os.replace(fresh, self.path)
            self.recovered = True
            stats.warn(f"cache file {self.path} was corrupt; rebuilt it keeping {len(rows)} readable entries")
            self._open()

    def close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- entries -----------------------------------------------------------------------------------------
    def get(self, key: str) -> bytes | None:
        """The value, or None; a damaged value is deleted and reads as a miss. The caller passes the keys
        it read to :meth:`finish_call`, which moves their LRU time in the call's one write."""
        row = self._guard(lambda: self._db.execute("SELECT value FROM entries WHERE key=?", (key,)).fetchone())
        if row is None:
            return None
        value = unseal(bytes(row[0]))
        if value is None:
            self._guard(self._write, lambda db: _delete(db, [key]))
        return value

    def put(self, key: str, value: bytes) -> int:
        """Store a value, then evict the least recently used others until the limit holds; returns how many
        were evicted. Insert and eviction are one transaction: no other job sees a half-done cleanup, and
        an entry is only ever deleted after its writer committed it."""
        blob = seal(value)
        if self.max_size and len(blob) > self.max_size * CLEAN_TO:
            return 0  # larger than the whole cache may hold
        return self._guard(self._write, lambda db: self._insert(db, key, blob))

    def _insert(self, db: sqlite3.Connection, key: str, blob: bytes) -> int:
        old = db.execute("SELECT size FROM entries WHERE key=?", (key,)).fetchone()
        db.execute("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", (key, len(blob), time.time(), blob))
        total = _add_total(db, len(blob) - (old[0] if old else 0))
        return self._evict(db, total, keep=key) if self.max_size and total > self.max_size else 0

    def _evict(self, db: sqlite3.Connection, total: int, keep: str | None = None) -> int:
        """Delete the least recently used entries (never ``keep``) until the total is CLEAN_TO of the limit."""
        evicted = 0
        target = self.max_size * CLEAN_TO
        while total > target:
            victims = db.execute("SELECT key, size FROM entries WHERE key IS NOT ? ORDER BY atime LIMIT 64",
                                 (keep,)).fetchall()
            if not victims:
                break
            for k, size in victims:
                if total <= target:
                    break
                _delete(db, [k])
                total -= size
                evicted += 1
        _bump(db, {Statistic.CLEANUP.key: 1, Statistic.EVICTED.key: evicted})
        return evicted

    def cleanup(self) -> int:
        """Evict until the limit holds (after ``-M`` lowered it); returns how many entries went."""
        def run(db: sqlite3.Connection) -> int:
            total = _add_total(db, 0)
            return self._evict(db, total) if self.max_size and total > self.max_size * CLEAN_TO else 0
        return self._guard(self._write, run)

    def _write(self, fn):
        """One write transaction (BEGIN IMMEDIATE takes the write lock at once: no upgrade deadlocks)."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            result = fn(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return result

    def finish_call(self, increments: dict[str, int], touched: list[str]) -> None:
        """One transaction per call: its counters, and the LRU time of the entries it read."""
        now = time.time()

        def run(db: sqlite3.Connection) -> None:
            _bump(db, increments)
            db.executemany("UPDATE entries SET atime=? WHERE key=?", [(now, k) for k in touched])
        self._guard(self._write, run)

    # -- statistics and administration -------------------------------------------------------------------
    def counters(self) -> dict[str, int]:
        return dict(self._guard(lambda: self._db.execute("SELECT name, value FROM counters").fetchall()))

    def zero_counters(self) -> None:
        self._guard(self._write, lambda db: db.execute("DELETE FROM counters"))

    def usage(self, prefix: str = "") -> tuple[int, int]:
        """(entries, bytes) stored, of the keys starting with ``prefix``."""
        return self._guard(lambda: self._db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM entries WHERE substr(key, 1, ?) = ?",
            (len(prefix), prefix)).fetchone())

    def clear(self) -> None:
        """Delete every entry (counters and memos stay, as with ``ccache -C``)."""
        def run(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM entries")
            db.execute("UPDATE meta SET value='0' WHERE name='total_size'")
        self._guard(self._write, run)
        with contextlib.suppress(sqlite3.Error):
            self._db.execute("VACUUM")

    def memo(self, name: str) -> str | None:
        """A small remembered value (the toolchain found last time, a compiler's version)."""
        row = self._guard(lambda: self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone())
        return row[0] if row else None

    def remember(self, name: str, value: str) -> None:
        self._guard(self._write, lambda db: db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value)))


def _delete(db: sqlite3.Connection, keys: list[str]) -> None:
    for key in keys:
        row = db.execute("DELETE FROM entries WHERE key=? RETURNING size", (key,)).fetchone()
        if row:
            _add_total(db, -row[0])


def _add_total(db: sqlite3.Connection, delta: int) -> int:
    return int(db.execute("UPDATE meta SET value=CAST(value AS INTEGER) + ? WHERE name='total_size' "
                          "RETURNING CAST(value AS INTEGER)", (delta,)).fetchone()[0])


def _bump(db: sqlite3.Connection, increments: dict[str, int]) -> None:
    db.executemany("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                   [(name, n, n) for name, n in increments.items() if n])


def _salvage(path: str) -> tuple[list[tuple], list[tuple]]:
    """Every entry and counter that can still be read from a damaged file, row by row."""
    rows: list[tuple] = []
    counters: list[tuple] = []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return rows, counters
    try:
        for sql, out in (("SELECT key, size, atime, value FROM entries", rows),
                         ("SELECT name, value FROM counters", counters)):
            with contextlib.suppress(sqlite3.Error):
                for row in db.execute(sql):
                    if out is rows and unseal(bytes(row[3])) is None:
                        continue
                    out.append(tuple(row))
    finally:
        db.close()
    return rows, counters
