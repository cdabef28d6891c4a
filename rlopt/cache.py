"""A content-addressed result store: an in-memory LRU in front of one sqlite file shared by processes.

Keys are SHA-256 digests of everything that determines a result (IR bytes, pipeline, flags, tool
version), so entries never go stale and any number of writers can race on the same key: they would write the
same value. sqlite in WAL mode serialises the writes; a killed writer leaves the last committed state.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import OrderedDict

try:  # the C module itself: the sqlite3 package also imports datetime for its adapters (unused here), which
    import _sqlite3 as sqlite3  # costs every rlopt-cc call ~2 ms
except ImportError:  # a Python without it
    import sqlite3

#: Seconds a writer waits for another process to finish its transaction on a shared sqlite file (the tuning
#: database, rlopt-cc's store).
BUSY_TIMEOUT = 60.0

TYPE_CHECKING = False  # pathlib, threading and typing load on first use: rlopt-cc's cache hits import this
if TYPE_CHECKING:
    from pathlib import Path



def _quick_sha256():
    """CPython's own SHA-256 (``_sha2`` from 3.12, ``_sha256`` before): it needs no OpenSSL, whose loading by
    ``hashlib`` costs a short-lived process such as ``rlopt-cc`` ~20 ms. OpenSSL's is faster on large inputs."""
    for module in ("_sha2", "_sha256"):
        with contextlib.suppress(ImportError):
            return __import__(module).sha256
    from hashlib import sha256

    return sha256


quick_sha256 = _quick_sha256()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def default_dir() -> Path:
    """``$RLOPT_CACHE_DIR``, else ``$XDG_CACHE_HOME/rlopt``, else ``~/.cache/rlopt``."""
    from pathlib import Path

    return Path(default_dir_name())


def default_dir_name() -> str:
    """:func:`default_dir` as a string, without importing pathlib."""
    env = os.environ.get("RLOPT_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "rlopt")


def digest(*parts: bytes | str, sha256=None) -> str:
    """A key from several parts; lengths are mixed in so that ('ab','c') and ('a','bc') differ.

    ``sha256`` may be another implementation (``rlopt-cc`` passes :data:`quick_sha256`: loading OpenSSL, which
    hashlib does on import, costs a cache hit ~20 ms; for large inputs OpenSSL's is ~10x faster).
    """
    if sha256 is None:
        from hashlib import sha256
    h = sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


class Cache:
    """``get``/``put`` of bytes by (namespace, key), memory first, then ``<dir>/cache.sqlite``.

    ``directory=None`` keeps everything in memory (no file at all). Safe to share between threads; each
    process opens its own connection.
    """

    def __init__(self, directory: str | os.PathLike | None = None, *, memory_items: int = 4096,
                 memory_bytes: int = 64 << 20, timeout: float = 30.0):
        self._memory: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._memory_items = memory_items
        self._memory_bytes = memory_bytes
        self._memory_used = 0
        import threading
        from pathlib import Path

        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.path: Path | None = None
        self.hits = 0
        self.misses = 0
        if directory is not None:
            Path(directory).mkdir(parents=True, exist_ok=True)
            self.path = Path(directory) / "cache.sqlite"
            self._db = sqlite3.connect(self.path, timeout=timeout, check_same_thread=False,
                                       isolation_level=None)
            self._retry(lambda: self._db.execute("PRAGMA journal_mode=WAL"))
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._retry(lambda: self._db.executescript(_SCHEMA))

    @staticmethod
    def _retry(fn, attempts: int = 50):
        """sqlite can report 'locked' while another process sets up WAL; wait and try again."""
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (i + 1))
        return None

    def get(self, namespace: str, key: str) -> bytes | None:
        """The stored value, or None."""
        with self._lock:
            value = self._memory.get((namespace, key))
            if value is not None:
                self._memory.move_to_end((namespace, key))
                self.hits += 1
                return value
            if self._db is not None:
                row = self._retry(lambda: self._db.execute(
                    "SELECT value FROM entries WHERE namespace=? AND key=?", (namespace, key)).fetchone())
                if row is not None:
                    self._remember(namespace, key, bytes(row[0]))
                    self.hits += 1
                    return bytes(row[0])
            self.misses += 1
            return None

    def put(self, namespace: str, key: str, value: bytes) -> None:
        """Store a value (the last writer wins; for content-addressed keys all writers agree)."""
        with self._lock:
            self._remember(namespace, key, value)
            if self._db is not None:
                self._retry(lambda: self._db.execute(
                    "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", (namespace, key, value, time.time())))

    def _remember(self, namespace: str, key: str, value: bytes) -> None:
        """Keep a value in the LRU, evicting the oldest until both the item and the byte budget hold."""
        old = self._memory.pop((namespace, key), None)
        if old is not None:
            self._memory_used -= len(old)
        if len(value) > self._memory_bytes:
            return
        self._memory[(namespace, key)] = value
        self._memory_used += len(value)
        while len(self._memory) > self._memory_items or self._memory_used > self._memory_bytes:
            _, evicted = self._memory.popitem(last=False)
            self._memory_used -= len(evicted)

    def increment(self, name: str, by: int = 1) -> None:
        """Bump a persistent counter (for ``--show-stats``); atomic across processes."""
        if self._db is None:
            return
        with self._lock:
            self._retry(lambda: self._db.execute(
                "INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                (name, by, by)))

    def counters(self) -> dict[str, int]:
        """All persistent counters."""
        if self._db is None:
            return {}
        with self._lock:
            return dict(self._retry(lambda: self._db.execute("SELECT name, value FROM counters").fetchall()))

    def zero_counters(self) -> None:
        if self._db is not None:
            with self._lock:
                self._retry(lambda: self._db.execute("DELETE FROM counters"))

    def entry_count(self, namespace: str | None = None) -> int:
        """How many entries are stored on disk (in one namespace, or in all)."""
        if self._db is None:
            return len(self._memory)
        sql, args = "SELECT COUNT(*) FROM entries", ()
        if namespace is not None:
            sql, args = sql + " WHERE namespace=?", (namespace,)
        with self._lock:
            return self._retry(lambda: self._db.execute(sql, args).fetchone()[0])

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()
            self._memory_used = 0
            if self._db is not None:
                self._retry(lambda: self._db.execute("DELETE FROM entries"))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._db.close()
                self._db = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
