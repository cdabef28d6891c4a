"""Toolchain discovery picks LLVM 19 only, and tool failures become typed errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rlopt import toolchain
from rlopt.errors import ToolchainError, ToolCrash, ToolError, ToolTimeout


def test_finds_llvm19(tc):
    assert tc.version[0] == 19
    assert tc.path("opt").is_file() and tc.path("clang").is_file()
    assert tc.libllvm is not None and tc.libllvm.exists()


def test_env_variable_is_honoured(monkeypatch, tc):
    monkeypatch.setenv("RLOPT_LLVM_BIN", str(tc.bin_dir))
    assert toolchain.find().bin_dir == tc.bin_dir


@pytest.mark.skipif(not Path("/usr/bin/opt").exists(), reason="no system opt to refuse")
def test_old_llvm_is_refused_not_picked():
    version = toolchain.probe_version(Path("/usr/bin/opt").resolve())
    if version and version[0] == 19:
        pytest.skip("system opt is LLVM 19")
    with pytest.raises(ToolchainError, match="rlopt needs LLVM 19"):
        toolchain.find("/usr/bin")


def test_bad_env_dir_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("RLOPT_LLVM_BIN", str(tmp_path))
    with pytest.raises(ToolchainError, match="no 'opt' in"):
        toolchain.find()


def test_nothing_found(monkeypatch):
    monkeypatch.delenv("RLOPT_LLVM_BIN", raising=False)
    monkeypatch.setattr(toolchain, "_candidates", lambda: [])
    toolchain._find_cached.cache_clear()
    try:
        with pytest.raises(ToolchainError, match="apt-get install clang-19 llvm-19"):
            toolchain.find()
    finally:
        toolchain._find_cached.cache_clear()


def test_opt_error_carries_llvm_message(tc):
    with pytest.raises(ToolError, match="expected top-level entity") as info:
        tc.opt(b"this is not IR", "adce")
    assert str(tc.path("opt")) not in str(info.value)


def test_unknown_pass_is_reported(tc, example_ir):
    with pytest.raises(ToolError, match="unknown pass name 'no-such-pass'"):
        tc.opt(example_ir["sort.O3"].read_bytes(), "no-such-pass")



def test_analysis_report_on_stderr_is_returned(tc):
    """LLVM's printers write to stderr: run_capture hands it back; run_command keeps it out of stdout."""
    argv = [str(tc.path("opt")), "-passes=print<cost-model>", "-disable-output", "-"]
    ir = b"define i32 @f(i32 %a) {\n  %b = mul i32 %a, 3\n  ret i32 %b\n}\n"
    out, err = toolchain.run_capture(argv, input=ir)
    assert out == b"" and b"Cost Model Analysis' for function 'f'" in err and b"mul i32 %a, 3" in err
    assert toolchain.run_command(argv, input=ir) == b""

def test_crash_and_timeout_are_typed(crashing_llvm, hanging_llvm, example_ir):
    data = example_ir["sort.O3"].read_bytes()
    with pytest.raises(ToolCrash, match="SIGSEGV"):
        toolchain.find(crashing_llvm).opt(data, "adce")
    with pytest.raises(ToolTimeout, match="timed out after 1 s"):
        toolchain.find(hanging_llvm).opt(data, "adce", timeout=1)


def test_missing_tool(tmp_path, tc):
    shutil.copy(tc.path("opt"), tmp_path / "opt")
    # The copied opt cannot find its shared library at a relative rpath only on some systems; the check
    # we want is about a missing *other* tool, so build a Toolchain directly.
    broken = toolchain.Toolchain(bin_dir=tmp_path, version=tc.version)
    with pytest.raises(ToolchainError, match="'clang' not found"):
        broken.path("clang")


def test_fatal_message_is_preferred_over_warnings(tc, tmp_path):
    bad_triple = b'target triple = "\\04\\02"\ndefine i32 @f(i32 %x) {\n  ret i32 %x\n}\n'
    with pytest.raises(ToolError, match="unrecognized architecture"):
        tc.opt(bad_triple, "default<Oz>")


def test_version_is_remembered_per_binary(monkeypatch, tmp_path):
    """``opt --version`` runs once per binary (a process every ``rlopt`` call would pay), again when the binary
    changes, and an unwritable cache only costs the probe."""
    opt, calls = tmp_path / "opt", tmp_path / "calls"

    def install(version: str, mtime_ns: int) -> None:
        opt.write_text(f"#!/bin/sh\necho run >> '{calls}'\necho 'LLVM version {version}'\n")
        opt.chmod(0o755)
        os.utime(opt, ns=(mtime_ns, mtime_ns))

    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path / "cache"))
    install("19.1.7", 1_700_000_000 * 10**9)
    assert [toolchain.probe_version(opt) for _ in range(3)] == [(19, 1, 7)] * 3
    assert calls.read_text().split() == ["run"]
    install("19.1.8", 1_700_000_001 * 10**9)  # reinstalled: same size, newer mtime
    assert [toolchain.probe_version(opt) for _ in range(2)] == [(19, 1, 8)] * 2
    assert calls.read_text().split() == ["run"] * 2
    monkeypatch.setenv("RLOPT_CACHE_DIR", str(opt))  # a file: nothing can be written under it
    assert [toolchain.probe_version(opt) for _ in range(2)] == [(19, 1, 8)] * 2
    assert calls.read_text().split() == ["run"] * 4
    assert toolchain.probe_version(tmp_path / "missing") is None


def test_a_version_memo_that_cannot_be_written_costs_nothing_but_the_memo(monkeypatch, tmp_path, tc):
    """An empty read-only cache directory (the memo's write fails): the toolchain is found all the same (before,
    every rlopt-cc call in such a directory failed)."""
    from rlopt.errors import OutputError

    def read_only(path, data, **kwargs):
        raise OutputError(f"{path}: Read-only file system")

    monkeypatch.setattr(toolchain, "write_file", read_only)
    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path / "cache"))
    assert toolchain.probe_version(tc.path("opt"))[0] == 19
