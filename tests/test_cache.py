"""rlopt.cache: memory and disk behaviour, keys, and correctness with several processes writing at once."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from rlopt.cache import Cache, default_dir, digest


def value_of(key: str) -> bytes:
    """Content-addressed values: every writer of a key writes the same bytes (of varying length)."""
    return digest("value", key).encode() * (1 + int(key[-1], 16))


def test_memory_only_cache(tmp_path: Path) -> None:
    cache = Cache(None, memory_items=2)
    assert cache.path is None and cache.get("ns", "a") is None
    cache.put("ns", "a", b"1")
    cache.put("other", "a", b"2")
    assert cache.get("ns", "a") == b"1" and cache.get("other", "a") == b"2"
    cache.put("ns", "b", b"3")  # evicts the least recently used entry, ("ns", "a")
    assert cache.get("ns", "a") is None and cache.get("other", "a") == b"2"
    assert (cache.hits, cache.misses) == (3, 2)
    assert cache.counters() == {} and not list(tmp_path.iterdir())


def test_disk_cache_persists_and_backs_the_memory(tmp_path: Path) -> None:
    with Cache(tmp_path / "c", memory_items=1) as cache:
        cache.put("ns", "a", b"x" * 100_000)
        cache.put("ns", "b", b"y")
        assert cache.get("ns", "a") == b"x" * 100_000  # evicted from memory, read back from disk
        assert cache.entry_count() == 2 and cache.entry_count("ns") == 2 and cache.entry_count("no") == 0
    with Cache(tmp_path / "c") as again:
        assert again.get("ns", "b") == b"y"
        again.clear()
        assert again.get("ns", "a") is None and again.entry_count() == 0


def test_counters_are_persistent(tmp_path: Path) -> None:
    with Cache(tmp_path) as cache:
        cache.increment("hits")
        cache.increment("hits", 4)
        cache.increment("misses")
    with Cache(tmp_path) as cache:
        assert cache.counters() == {"hits": 5, "misses": 1}
        cache.zero_counters()
        assert cache.counters() == {}


def test_digest_separates_parts() -> None:
    assert digest("ab", "c") != digest("a", "bc")
    assert digest("ab") == digest(b"ab") != digest("ab", "")
    assert len(digest()) == 64


def test_default_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_dir() == tmp_path / "explicit"
    monkeypatch.delenv("RLOPT_CACHE_DIR")
    assert default_dir() == tmp_path / "xdg" / "rlopt"


def test_threads_share_one_cache(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    keys = [digest(str(i)) for i in range(200)]

    def work(offset: int) -> None:
        for k in keys[offset:] + keys[:offset]:
            got = cache.get("t", k)
            assert got is None or got == value_of(k)
            cache.put("t", k, value_of(k))

    threads = [threading.Thread(target=work, args=(i * 50,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(cache.get("t", k) == value_of(k) for k in keys) and cache.entry_count("t") == 200
    cache.close()


def _writer(directory: str, worker: int, keys: list[str], results: multiprocessing.Queue) -> None:
    """One process: read-check-write every key (in its own order), bump a shared counter per write."""
    wrong = 0
    with Cache(directory, memory_items=8) as cache:
        for k in keys[worker * 37:] + keys[:worker * 37]:
            got = cache.get("w", k)
            wrong += got is not None and got != value_of(k)
            cache.put("w", k, value_of(k))
            cache.increment("writes")
    results.put(wrong)


def test_concurrent_writer_processes(tmp_path: Path) -> None:
    """Four processes race on the same 300 keys: no error, no torn value, no lost counter update."""
    ctx = multiprocessing.get_context("spawn")
    keys = [digest("k", str(i)) for i in range(300)]
    results = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, keys, results)) for w in range(4)]
    for p in procs:
        p.start()
    wrong = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    assert wrong == [0, 0, 0, 0]
    with Cache(tmp_path) as cache:
        assert cache.entry_count("w") == len(keys)
        assert all(cache.get("w", k) == value_of(k) for k in keys)
        assert cache.counters() == {"writes": 4 * len(keys)}


def _endless_writer(directory: str, ready: multiprocessing.Event) -> None:
    with Cache(directory) as cache:
        i = 0
        while True:
            k = digest("kill", str(i))
            cache.put("k", k, value_of(k))
            i += 1
            if i == 50:
                ready.set()


def test_killed_writer_leaves_a_consistent_cache(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready = ctx.Event()
    proc = ctx.Process(target=_endless_writer, args=(str(tmp_path), ready))
    proc.start()
    assert ready.wait(60)
    time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    with Cache(tmp_path) as cache:
        n = cache.entry_count("k")
        assert n >= 50
        assert all(cache.get("k", digest("kill", str(i))) == value_of(digest("kill", str(i))) for i in range(n))
        cache.put("k", "after", b"still writable")
        assert cache.get("k", "after") == b"still writable"


def test_memory_layer_respects_its_byte_budget():
    from rlopt.cache import Cache

    cache = Cache(None, memory_items=1000, memory_bytes=1000)
    for i in range(10):
        cache.put("ns", str(i), bytes(300))
    assert cache.get("ns", "9") == bytes(300) and cache.get("ns", "0") is None
    assert cache._memory_used <= 1000
    cache.put("ns", "huge", bytes(5000))  # larger than the whole budget: not kept in memory at all
    assert cache.get("ns", "huge") is None and cache.get("ns", "9") == bytes(300)
