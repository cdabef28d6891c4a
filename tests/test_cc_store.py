"""rlopt-cc's bounded cache: LRU eviction at the size limit, concurrent writers and readers, damaged values, and
a corrupt file rebuilt (once, keeping what can be read)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

from rlopt.cc.stats import Statistic
from rlopt.cc.store import CLEAN_TO, Store


def test_lru_eviction_at_the_size_limit(tmp_path):
    with Store(str(tmp_path), max_size=20_000) as store:
        for i in range(40):
            store.put(f"k{i}", bytes([i]) * 1000)
            if i % 5 == 0:
                assert store.get("k0") == b"\0" * 1000  # k0 is used all the time ...
                store.finish_call({}, ["k0"])
        entries, size = store.usage()
        assert size <= 20_000 and entries < 40
        assert store.get("k0") is not None  # ... so it survives
        assert store.get("k1") is None and store.get("k39") is not None  # the oldest unused went first
        counters = store.counters()
        assert counters[Statistic.CLEANUP.key] >= 1 and counters[Statistic.EVICTED.key] == 40 - entries
        assert store.put("huge", b"x" * 20_000) == 0 and store.get("huge") is None  # never fits: not stored
        store.max_size = 5_000  # as after `rlopt-cc -M` lowered the limit
        store.cleanup()
        assert store.usage()[1] <= 5_000 * CLEAN_TO


def test_a_writer_never_evicts_its_own_new_entry(tmp_path):
    with Store(str(tmp_path), max_size=10_000) as store:
        for i in range(9):
            store.put(f"old{i}", b"o" * 1000)
        assert store.put("new", b"n" * 8000) == 9  # everything else had to go to make room ...
        assert store.get("new") == b"n" * 8000  # ... but not the entry being written


LIMIT = 300_000  # about 250 entries: a cleanup happens, yet a writer reads its entry back before it ages out
_WORKER = """
import sys
from rlopt.cc.store import Store
directory, worker, limit = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with Store(directory, max_size=limit) as store:
    for i in range(60):
        key, value = f"w{worker}-{i}", bytes([worker, i % 256]) * (400 + 37 * (i % 11))
        store.put(key, value)
        if store.get(key) != value:
            sys.exit(f"lost {key}")
        store.finish_call({"calls": 1}, [key])
        if i % 7 == 0:
            store.get(f"w{(worker + 1) % 6}-{i // 2}")  # read what other jobs wrote (may be gone: LRU)
"""


def test_concurrent_writers_and_readers_with_cleanups(tmp_path):
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(tmp_path), str(w), str(LIMIT)], stderr=subprocess.PIPE,
                                text=True) for w in range(6)]
    for w in workers:
        assert w.wait(timeout=120) == 0, w.stderr.read()
    with Store(str(tmp_path), max_size=LIMIT) as store:
        assert store.counters()["calls"] == 6 * 60 and store.counters()[Statistic.CLEANUP.key] >= 1
        entries, size = store.usage()
        assert 0 < size <= LIMIT
        total = int(store._db.execute("SELECT value FROM meta WHERE name='total_size'").fetchone()[0])
        assert total == size  # the running total agrees with the entries after every racing cleanup
    db = sqlite3.connect(tmp_path / "store.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()


def test_a_damaged_value_reads_as_a_miss(tmp_path):
    with Store(str(tmp_path)) as store:
        store.put("a", b"object bytes")
        blob = bytearray(store._db.execute("SELECT value FROM entries WHERE key='a'").fetchone()[0])
        blob[-1] ^= 1  # one flipped bit
        store._db.execute("UPDATE entries SET value=? WHERE key='a'", (bytes(blob),))
        assert store.get("a") is None
        assert store.usage() == (0, 0)


def test_a_corrupt_file_is_rebuilt_once(tmp_path, capsys):
    with Store(str(tmp_path)) as store:
        for i in range(30):
            store.put(f"k{i}", bytes([i]) * 3000)
        store.finish_call({"calls": 5}, [])
    path = tmp_path / "store.sqlite"
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = b"\xff" * 4096  # a page in the middle
    path.write_bytes(bytes(data))
    with Store(str(tmp_path)) as store:
        readable = [store.get(f"k{i}") for i in range(30)]
        store.usage()
        store.put("new", b"value")
        assert store.get("new") == b"value"
        assert all(v is None or v == bytes([i]) * 3000 for i, v in enumerate(readable))
    path.write_bytes(b"this is not a database at all" * 100)
    with Store(str(tmp_path)) as store:
        assert store.recovered and store.usage() == (0, 0)
        store.put("again", b"x")
    err = capsys.readouterr().err
    assert err.count("was corrupt; rebuilt it") in (1, 2)  # the page damage may only have hit values
    assert err.strip().splitlines()[-1].endswith("keeping 0 readable entries")
    with Store(str(tmp_path)) as store:  # no warning forever after
        assert store.get("again") == b"x" and not store.recovered
    assert capsys.readouterr().err == ""
