"""Malformed input and hostile paths (fast slice): rlopt ends with a valid module or one clear error line.

The long run is ``benchmarks/fuzz_cli.py --n 10000``; this slice runs ~160 generated inputs plus the special
files and paths that a mutation cannot produce (directories, FIFOs, unreadable files, full disks).
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import shutil
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from rlopt.training.robustness import fuzz, invoke

IN_PROCESS_CASES = 150
SUBPROCESS_CASES = 10


@pytest.fixture(scope="module")
def seeds(tc) -> list[bytes]:
    return fuzz.seed_corpus(tc)


@pytest.fixture
def module_text(example_ir) -> bytes:
    return example_ir["crc.O0"].read_bytes()


def _assert_clean(tally: fuzz.Tally, both_outcomes: bool = True) -> None:
    summary = tally.summary()
    assert all(summary[p] == 0 for p in fuzz.PROBLEMS), summary
    assert not both_outcomes or (tally.succeeded and tally.errors), f"the corpus should hit both: {summary}"


def test_generated_corpus_in_process(tc, seeds, tmp_path) -> None:
    _assert_clean(fuzz.fuzz(tc, IN_PROCESS_CASES, seed=11, workdir=tmp_path, seeds=seeds))


def test_generated_corpus_through_the_entry_point(tc, seeds, tmp_path) -> None:
    _assert_clean(fuzz.fuzz(tc, SUBPROCESS_CASES, seed=12, workdir=tmp_path, subprocess_every=1, seeds=seeds),
                  both_outcomes=False)


def _expect_error(argv: list[str], *, contains: str = "", code: int = 1, stdin: bytes = b"") -> None:
    inv = invoke.in_process(argv, stdin)
    assert inv.exception is None, inv.exception
    assert inv.returncode == code and fuzz.error_problems(inv) == [], inv
    assert contains in inv.stderr, inv.stderr


def _entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


@pytest.mark.parametrize("content", [b"", b" \n\t\n"])
def test_empty_files_are_empty_modules_like_opt(tmp_path, content) -> None:
    src, out = tmp_path / "in.ll", tmp_path / "out.ll"
    src.write_bytes(content)
    inv = invoke.in_process([str(src), "-S", "-o", str(out)])
    assert inv.returncode == 0 and "define" not in out.read_text() and _entries(tmp_path) == ["in.ll", "out.ll"]


@pytest.mark.parametrize("content", [b"\xff\xfe\x00junk", b"BC\xc0\xde"])
def test_junk_files(tmp_path, content) -> None:
    src = tmp_path / "in.ll"
    src.write_bytes(content)
    _expect_error([str(src), "-o", str(tmp_path / "out.bc")])
    assert _entries(tmp_path) == ["in.ll"]


def test_junk_on_stdin(tmp_path) -> None:
    _expect_error(["-", "-o", str(tmp_path / "out.bc")], stdin=b"\x00\x01 not ir", contains="<stdin>")
    assert _entries(tmp_path) == []


def test_directory_missing_and_unreadable_inputs(tmp_path) -> None:
    _expect_error([str(tmp_path), "-o", str(tmp_path / "o.bc")], contains="is a directory")
    _expect_error([str(tmp_path / "missing.ll"), "-o", str(tmp_path / "o.bc")], contains="No such file")
    # Tests run as root, so chmod 000 does not stop reading; /proc/self/mem fails with EIO instead.
    _expect_error(["/proc/self/mem", "-o", str(tmp_path / "o.bc")], contains="error")
    assert _entries(tmp_path) == []


def _feed_fifo(path: Path, data: bytes) -> threading.Thread:
    def write() -> None:
        with contextlib.suppress(OSError), open(path, "wb") as f:
            f.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("valid", [True, False])
def test_fifo_input(tmp_path, module_text, valid) -> None:
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, module_text if valid else b"garbage")
    out = tmp_path / "out.ll"
    inv = invoke.in_process(["-S", "-O1", str(fifo), "-o", str(out)])
    writer.join(timeout=5)
    assert inv.exception is None
    if valid:
        assert inv.returncode == 0 and "define" in out.read_text()
    else:
        assert inv.returncode == 1 and fuzz.error_problems(inv) == [] and not out.exists()


@pytest.mark.parametrize("where", ["under-a-file", "missing-dir", "is-a-dir"])
def test_output_path_that_cannot_be_written(tmp_path, example_ir, where) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "adir").mkdir()
    out = {"under-a-file": tmp_path / "file.txt" / "out.ll", "missing-dir": tmp_path / "nope" / "out.ll",
           "is-a-dir": tmp_path / "adir"}[where]
    _expect_error(["-S", str(example_ir["sort.O0"]), "-o", str(out)])
    assert _entries(tmp_path) == ["adir", "file.txt"] and _entries(tmp_path / "adir") == []
    assert (tmp_path / "file.txt").read_text() == "x"


def test_failed_run_keeps_the_previous_output(tmp_path) -> None:
    src, out = tmp_path / "in.ll", tmp_path / "out.ll"
    src.write_text("define i32 @f( {")
    out.write_text("OLD")
    _expect_error(["-S", str(src), "-o", str(out)])
    assert out.read_text() == "OLD" and _entries(tmp_path) == ["in.ll", "out.ll"]


def test_output_over_its_own_input(tc, tmp_path, example_ir) -> None:
    path = tmp_path / "m.ll"
    shutil.copy(example_ir["matmul.O0"], path)
    inv = invoke.in_process(["-S", "-O2", str(path), "-o", str(path)])
    assert inv.returncode == 0, inv.stderr
    assert fuzz.valid_module(tc, path) and _entries(tmp_path) == ["m.ll"]


@pytest.fixture
def read_only_dir(tmp_path):
    """A directory bind-mounted read-only: even root cannot create files in it."""
    d = tmp_path / "ro"
    d.mkdir()
    if subprocess.run(["mount", "--bind", str(d), str(d)], capture_output=True).returncode != 0:
        pytest.skip("cannot bind-mount here")
    try:
        if subprocess.run(["mount", "-o", "remount,ro,bind", str(d)], capture_output=True).returncode != 0:
            pytest.skip("cannot remount read-only here")
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True)


def test_read_only_output_directory(read_only_dir, example_ir) -> None:
    _expect_error(["-S", str(example_ir["sort.O0"]), "-o", str(read_only_dir / "out.ll")],
                  contains="Read-only file system")
    assert _entries(read_only_dir) == []


@pytest.fixture
def tiny_fs(tmp_path):
    """An 8 KiB tmpfs, or None where mounting is not allowed (the test then limits the file size instead)."""
    d = tmp_path / "full"
    d.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "tmpfs", str(d)],
                      capture_output=True).returncode != 0:
        yield None
        return
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], capture_output=True)


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_disk_full(tiny_fs, tmp_path, example_ir) -> None:
    src = str(example_ir["matmul.O0"])  # ~13 KB of text: more than either limit allows
    if tiny_fs is not None:
        _expect_error(["-S", src, "-o", str(tiny_fs / "out.ll")], contains="No space left on device")
        assert _entries(tiny_fs) == []
        return
    out = tmp_path / "out.ll"  # fallback: RLIMIT_FSIZE makes writes fail with EFBIG (Python ignores SIGXFSZ)
    proc = subprocess.run([str(invoke.RLOPT), "-S", src, "-o", str(out)], capture_output=True, text=True,
                          preexec_fn=_limit_file_size, timeout=60)
    assert proc.returncode == 1 and proc.stderr.startswith("rlopt: error:"), proc.stderr
    assert _entries(tmp_path) == []


def test_output_to_a_device_node(tmp_path, example_ir) -> None:
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a private copy of /dev/null
    except PermissionError:
        pytest.skip("cannot create device nodes here")
    inv = invoke.in_process(["-S", str(example_ir["sort.O0"]), "-o", str(null)])
    assert inv.returncode == 0, inv.stderr
    assert stat.S_ISCHR(null.stat().st_mode), "the device node was replaced by a regular file"
    assert _entries(tmp_path) == ["null"]


def test_bad_options_are_usage_errors(example_ir, tmp_path) -> None:
    src = str(example_ir["sort.O0"])
    _expect_error([src, "--timeout", "0", "-o", str(tmp_path / "o")], code=2)
    _expect_error([src, "-O7", "-o", str(tmp_path / "o")], code=2)
    _expect_error([src, "-O2", "--passes=sroa", "-o", str(tmp_path / "o")], code=2)
    _expect_error([src, "--actions=-sroa,-nonsense", "-o", str(tmp_path / "o")], code=2)
    assert _entries(tmp_path) == []


def test_random_options_never_traceback(example_ir, tmp_path) -> None:
    rng = random.Random(3)
    words = ["-O", "-S", "-o", "--passes", "--passes=", "--actions=-", "--timeout", "nan", "-1", "--llvm-bin",
             "/nonexistent", "--model", "-", "--print-passes", "--strip-optnone", "-f", "\udcff", "=", "-O-rl"]
    for _ in range(40):
        argv = [rng.choice(words) for _ in range(rng.randint(1, 5))]
        inv = invoke.in_process([*argv, str(example_ir["sort.O0"]), "-o", str(tmp_path / "o.bc")])
        assert inv.exception is None, (argv, inv.exception)
        assert inv.returncode == 0 or fuzz.error_problems(inv) == [], (argv, inv)
        with contextlib.suppress(FileNotFoundError):
            (tmp_path / "o.bc").unlink()


@pytest.mark.parametrize("raw", [b"\x00", b"\xff"])
def test_raw_bytes_in_attribute_strings_survive_like_opt(tc, tmp_path, example_ir, raw) -> None:
    src = tmp_path / "raw.ll"
    src.write_bytes(example_ir["sort.O0"].read_bytes().replace(
        b'"target-cpu"="x86-64"', b'"target-cpu"="x86-64" "k' + raw + b'"="v"', 1))
    out = tmp_path / "out.ll"
    inv = invoke.in_process(["-S", "-O0", str(src), "-o", str(out)])
    assert inv.returncode == 0, inv.stderr
    expected = tc.opt(src.read_bytes(), "default<O0>")
    assert out.read_bytes().split(b"\n", 1)[1] == expected.split(b"\n", 1)[1]


def test_garbled_target_triple_is_an_error_or_a_loadable_result(tc, tmp_path) -> None:
    src, out = tmp_path / "triple.ll", tmp_path / "out.ll"
    src.write_text('target triple = "\\04\\02"\ndefine i32 @f(i32 %x) {\n  ret i32 %x\n}\n')
    inv = invoke.in_process(["-S", "-Oz", str(src), "-o", str(out)])
    assert inv.returncode != 0 or fuzz.valid_module(tc, out), "exit 0 with a module LLVM cannot load"
