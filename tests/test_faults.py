"""Faults: LLVM tools that crash, hang or die half-way, processes killed mid-write, and a killed cache writer.

Whatever fails, rlopt must end with one clear error, leave no output (and keep an older output intact), leave
no stray process behind, and never let a reader see a partial output file or cache entry.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_fake_llvm

from rlopt.cache import Cache
from rlopt.cc.build import unpack
from rlopt.cc.store import unseal
from rlopt.training.robustness import fuzz, invoke

ROOT = Path(__file__).resolve().parent.parent


def _old_output(tmp_path: Path) -> Path:
    out = tmp_path / "out" / "result.ll"
    out.parent.mkdir()
    out.write_text("OLD")
    return out


def _assert_failed_cleanly(inv: invoke.Invocation, out: Path, *, contains: str) -> None:
    assert inv.exception is None and not inv.timed_out, inv
    assert fuzz.error_problems(inv) == [] and contains in inv.stderr, inv.stderr
    assert out.read_text() == "OLD" and sorted(p.name for p in out.parent.iterdir()) == [out.name]


@pytest.mark.parametrize("body,message", [
    ("kill -SEGV $$", "crashed with SIGSEGV"),
    ("kill -ABRT $$", "crashed with SIGABRT"),
    ("head -c 3000 \"$RLOPT_TEST_IR\"; kill -SEGV $$", "crashed with SIGSEGV"),  # dies half-way through output
    ("head -c 3000 \"$RLOPT_TEST_IR\"; echo 'opt: error: out of luck' >&2; exit 3", "out of luck"),
    ("printf 'LLVM ERROR: x\\n%.0s' 1 2 3 4 5 6 7 8 >&2; exit 1", "LLVM ERROR"),  # many lines, one reported
])
def test_failing_opt(tmp_path, example_ir, monkeypatch, body, message) -> None:
    monkeypatch.setenv("RLOPT_TEST_IR", str(example_ir["crc.O3"]))
    fake = make_fake_llvm(tmp_path / "bin", body)
    out = _old_output(tmp_path)
    inv = invoke.subprocess_run(["--llvm-bin", str(fake), "-O2", "-S", str(example_ir["crc.O0"]), "-o", str(out)])
    _assert_failed_cleanly(inv, out, contains=message)


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.parametrize("in_process", [True, False])
def test_hanging_opt_times_out_and_leaves_no_process(tmp_path, example_ir, in_process) -> None:
    pids = tmp_path / "pids"
    # the shell forks a child that ignores SIGTERM: only a process-group SIGKILL gets rid of both
    fake = make_fake_llvm(tmp_path / "bin", f"echo $$ >> {pids}; (trap '' TERM; echo $$ >> {pids}; "
                                            f"exec sleep 600) & wait")
    out = _old_output(tmp_path)
    argv = ["--llvm-bin", str(fake), "--timeout", "1", "-O2", "-S", str(example_ir["crc.O0"]), "-o", str(out)]
    inv = invoke.in_process(argv) if in_process else invoke.subprocess_run(argv, timeout=30)
    _assert_failed_cleanly(inv, out, contains="timed out after 1 s")
    assert inv.seconds < 10
    time.sleep(0.2)
    assert pids.read_text().split() and not [p for p in pids.read_text().split() if _alive(int(p))]


def test_wrong_llvm_version_is_refused(tmp_path, example_ir) -> None:
    """A fake bin dir whose opt reports another LLVM version is refused before anything runs."""
    fake = make_fake_llvm(tmp_path / "bin", "exit 0")
    (fake / "opt").write_text("#!/bin/sh\necho 'LLVM version 14.0.6'\n")
    out = _old_output(tmp_path)
    inv = invoke.in_process(["--llvm-bin", str(fake), "-O2", "-S", str(example_ir["crc.O0"]), "-o", str(out)])
    _assert_failed_cleanly(inv, out, contains="LLVM 14.0.6")


# --- killed mid-write ---------------------------------------------------------------------------------------

def _big_module(path: Path, functions: int = 60_000) -> Path:
    """A valid module of ~5 MB: large enough that writing the output takes a while."""
    with path.open("w") as f:
        for i in range(functions):
            f.write(f"define i32 @f{i}(i32 %x) {{\n  %a = add i32 %x, {i}\n  %b = mul i32 %a, 3\n  ret i32 %b\n}}\n\n")
    return path


def _kill_while_writing(argv: list[str], outdir: Path, name: str, delay: float) -> bool:
    """Start rlopt, SIGKILL it ``delay`` s after its temporary output appears; True if it was still running."""
    proc = subprocess.Popen([str(invoke.RLOPT), *argv], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if any(n.startswith(f".{name}.") for n in os.listdir(outdir)):
            break
        time.sleep(0.0002)
    time.sleep(delay)
    landed = proc.poll() is None
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return landed


def test_killed_mid_write_leaves_old_or_complete_output(tmp_path) -> None:
    src = _big_module(tmp_path / "big.ll")
    outdir = tmp_path / "out"
    outdir.mkdir()
    target = outdir / "result.bc"
    reference = tmp_path / "reference.bc"
    assert invoke.subprocess_run([str(src), "-o", str(reference)]).returncode == 0
    new = reference.read_bytes()
    landed = tries = 0
    while landed < 2 and tries < 12:  # a kill may come too late (the write is a few ms): try again, a little sooner
        delay = (0.01, 0.002, 0.0005, 0)[min(tries, 3)]
        target.write_bytes(b"OLD")
        landed += _kill_while_writing([str(src), "-o", str(target)], outdir, target.name, delay)
        tries += 1
        assert target.read_bytes() in (b"OLD", new), "a reader would see a partial file"
        for stray in outdir.glob(f".{target.name}.*"):  # SIGKILL cannot clean its temporary file up
            stray.unlink()
    print(f"{landed} of {tries} kills landed while the output was being written")
    assert landed >= 2, "the kills never hit a write in progress: the test proved nothing"


# --- cache: killed writers, every entry verified ------------------------------------------------------------

_WRITER = """
import hashlib, os, random, sys
from rlopt.cache import Cache
cache = Cache(sys.argv[1])
rng = random.Random(int(sys.argv[2]))
while True:
    value = rng.randbytes(rng.choice((100, 10_000, 1_000_000)))
    cache.put("verify", hashlib.sha256(value).hexdigest(), value)
"""


def _verify_every_entry(directory: Path) -> int:
    """Every stored value hashes to its key and sqlite finds the file intact; returns the entry count."""
    db = sqlite3.connect(directory / "cache.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = db.execute("SELECT key, value FROM entries WHERE namespace='verify'").fetchall()
    finally:
        db.close()
    bad = [k for k, v in rows if hashlib.sha256(v).hexdigest() != k]
    assert not bad, f"{len(bad)} of {len(rows)} entries do not match their key"
    return len(rows)


def test_cache_writers_killed_at_random_keep_every_entry_valid(tmp_path) -> None:
    rng = random.Random(5)
    counts = []
    for round_ in range(4):
        writers = [subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), str(round_ * 10 + i)])
                   for i in range(3)]
        time.sleep(rng.uniform(0.5, 1.5))
        for w in writers:
            w.send_signal(signal.SIGKILL)
            w.wait()
        counts.append(_verify_every_entry(tmp_path))
    assert counts[-1] > counts[0] > 0
    with Cache(tmp_path) as cache:  # still usable by a new process after all the kills
        cache.put("verify", hashlib.sha256(b"x").hexdigest(), b"x")
    assert _verify_every_entry(tmp_path) == counts[-1] + 1


@pytest.mark.skipif(not (invoke.RLOPT.parent / "rlopt-cc").exists(), reason="rlopt-cc is not installed")
def test_make_killed_mid_build_then_rebuilt_matches_a_clean_build(tmp_path, tc) -> None:
    project = ROOT / "examples" / "project"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLOPT_")}
    env.update(RLOPT_CACHE_DIR=str(tmp_path / "cache"), RLOPT_CC_SERVER_IDLE="10",
               PATH=f"{invoke.RLOPT.parent}{os.pathsep}{env['PATH']}")
    clean_env = {**env, "RLOPT_CACHE_DIR": str(tmp_path / "clean-cache")}

    # GNU ar writes the archive in place: killed midway it leaves a stub newer than its objects, whatever CC is;
    # llvm-ar renames a finished archive into place, as rlopt-cc does with its objects and links
    ar = f"AR={tc.path('llvm-ar')}"

    def make(build: str, environ: dict[str, str]) -> subprocess.Popen:
        return subprocess.Popen(["make", "-j8", "CC=rlopt-cc", ar, f"BUILD={tmp_path / build}", "test"], cwd=project,
                                env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, text=True)

    for delay in (0.3, 0.8, 1.5):
        proc = make("b", env)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    results = [make("b", env), make("clean", clean_env)]
    for p in results:
        out = p.communicate(timeout=300)[0]
        assert p.returncode == 0 and "all tests passed" in out, out
    assert (tmp_path / "b" / "rlbench").read_bytes() == (tmp_path / "clean" / "rlbench").read_bytes()
    db = sqlite3.connect(tmp_path / "cache" / "cc" / "store.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        values = [v for (v,) in db.execute("SELECT value FROM entries WHERE key LIKE 'r:%'")]
    finally:
        db.close()
    assert values
    for v in values:  # every cached object is a complete ELF file that LLVM can read
        obj = tmp_path / "entry.o"
        obj.write_bytes(unpack(unseal(v))["object"])
        tc.run("llvm-readobj", ["--file-headers", str(obj)])


def test_rlopt_cc_output_to_a_device_node(tmp_path) -> None:
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("cannot create device nodes here")
    src = tmp_path / "s.c"
    src.write_text("int f(int x) { return x + 1; }\n")
    env = {**os.environ, "RLOPT_CACHE_DIR": str(tmp_path / "cache"), "RLOPT_CC_SERVER_IDLE": "10"}
    proc = subprocess.run([str(invoke.RLOPT.parent / "rlopt-cc"), "-O2", "-c", str(src), "-o", str(null)],
                          env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(null.stat().st_mode), "the device node was replaced by a regular file"
