"""Find a supported LLVM installation and run its tools with timeouts and typed errors.

Search order: an explicit ``--llvm-bin`` directory, then ``$RLOPT_LLVM_BIN``, then known install prefixes,
then versioned tools on PATH (``opt-19``). A plain ``opt`` on PATH is only taken when it reports a supported
version: on Debian it is often an older LLVM whose pass names differ, and picking it silently would give
wrong results rather than an error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from rlopt.cache import default_dir_name
from rlopt.errors import OutputError, ToolchainError, ToolCrash, ToolError, ToolTimeout
from rlopt.output import write_file

SUPPORTED_MAJORS = (19,)
#: Seconds one tool run or engine call may take unless its caller says otherwise.
DEFAULT_TIMEOUT = 60.0
#: Seconds each LLVM step of an ``rlopt`` command may take (``--timeout``); ``rlopt-train eval`` uses the same.
COMMAND_TIMEOUT = 120.0
KNOWN_PREFIXES = (
    "/usr/lib/llvm-{v}/bin",
    "/usr/local/opt/llvm@{v}/bin",
    "/opt/homebrew/opt/llvm@{v}/bin",
    "/opt/llvm-{v}/bin",
    "/usr/local/llvm-{v}/bin",
)
_VERSION_RE = re.compile(r"LLVM version (\d+)\.(\d+)\.(\d+)")


@dataclass(frozen=True)
class Toolchain:
    """One LLVM installation: a ``bin`` directory whose ``opt`` reports a supported version."""

    bin_dir: Path
    version: tuple[int, int, int]

    @property
    def version_string(self) -> str:
        return ".".join(map(str, self.version))

    def path(self, tool: str) -> Path:
        """Path of ``tool`` (``opt``, ``clang``, ``llvm-dis``, ...) in this installation."""
        p = self.bin_dir / tool
        if not (p.is_file() and os.access(p, os.X_OK)):
            raise ToolchainError(f"LLVM tool '{tool}' not found in {self.bin_dir}")
        return p

    @property
    def libllvm(self) -> Path | None:
        """The shared ``libLLVM`` that the in-process engine loads, if this installation has one."""
        libdir = self.bin_dir.parent / "lib"
        for name in (f"libLLVM.so.{self.version[0]}.{self.version[1]}", "libLLVM.so.1",
                     f"libLLVM-{self.version[0]}.so", "libLLVM.so"):
            if (libdir / name).exists():
                return libdir / name
        return None

    def run(self, tool: str, args: list[str], *, input: bytes | None = None,
            timeout: float | None = DEFAULT_TIMEOUT, env: dict[str, str] | None = None) -> bytes:
        """Run an LLVM tool and return its stdout; failures become :class:`ToolError` subclasses."""
        return run_command([str(self.path(tool)), *args], name=tool, input=input, timeout=timeout, env=env)

    def opt(self, ir: bytes, pipeline: str, *, bitcode: bool = False,
            timeout: float | None = DEFAULT_TIMEOUT, extra: list[str] | None = None,
            show_stderr: bool = False) -> bytes:
        """Run ``opt -passes=PIPELINE`` on IR (text or bitcode) and return text IR (or bitcode).

        ``show_stderr`` copies what a successful ``opt`` printed on stderr (``-time-passes`` reports) to ours;
        with ``-disable-output`` in ``extra`` nothing is written and the result is empty.
        """
        extra = extra or []
        args = [f"-passes={pipeline}", *extra, "-", *([] if "-disable-output" in extra else ["-o", "-"])]
        if not bitcode:
            args.insert(0, "-S")
        return run_command([str(self.path("opt")), *args], name="opt", input=ir, timeout=timeout,
                           show_stderr=show_stderr)


def run_command(argv: list[str], *, name: str | None = None, input: bytes | None = None,
                timeout: float | None = DEFAULT_TIMEOUT, env: dict[str, str] | None = None,
                cwd: str | Path | None = None, show_stderr: bool = False) -> bytes:
    """:func:`run_capture`'s stdout; with ``show_stderr`` a successful command's stderr is copied to ours."""
    out, err = run_capture(argv, name=name, input=input, timeout=timeout, env=env, cwd=cwd)
    if show_stderr and err:
        sys.stderr.write(err.decode(errors="replace"))
        sys.stderr.flush()
    return out


def run_capture(argv: list[str], *, name: str | None = None, input: bytes | None = None,
                timeout: float | None = DEFAULT_TIMEOUT, env: dict[str, str] | None = None,
                cwd: str | Path | None = None) -> tuple[bytes, bytes]:
    """Run a command in its own process group so that a timeout kills it and all its children; its stdout and
    stderr (where LLVM's analysis printers write). A failure raises :class:`ToolError` with its stderr."""
    name = name or Path(argv[0]).name
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
                                start_new_session=True)
    except OSError as e:
        raise ToolError(name, f"cannot run {argv[0]}: {e.strerror}") from e
    try:
        out, err = proc.communicate(input, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise ToolTimeout(name, timeout or 0) from None
    except BaseException:
        _kill_group(proc)
        raise
    message = err.decode(errors="replace").replace(f"{argv[0]}: ", "")
    if proc.returncode < 0:
        sig = signal.Signals(-proc.returncode).name
        raise ToolCrash(name, f"crashed with {sig}\n{message}", proc.returncode)
    if proc.returncode != 0:
        raise ToolError(name, message, proc.returncode)
    return out, err


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


def probe_version(opt_path: Path) -> tuple[int, int, int] | None:
    """The LLVM version an ``opt`` binary reports, or None if it does not run.

    Running ``opt --version`` costs every ``rlopt`` call ~20 ms (a process that loads libLLVM), so a version
    is remembered in ``$RLOPT_CACHE_DIR/llvm-versions``, keyed by the binary's real path, size and mtime: a
    reinstalled or replaced ``opt`` is asked again.
    """
    try:
        st = os.stat(opt_path)
    except OSError:
        return None
    key = f"{os.path.realpath(opt_path)}:{st.st_size}:{st.st_mtime_ns}"
    known = _remembered_versions()
    if key in known:
        return known[key]
    try:
        out = subprocess.run([str(opt_path), "--version"], capture_output=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = _VERSION_RE.search(out.decode(errors="replace"))
    version = (int(m[1]), int(m[2]), int(m[3])) if m else None
    if version:
        known[key] = version
        lines = "".join(f"{k}\t{'.'.join(map(str, v))}\n" for k, v in known.items())
        with contextlib.suppress(OSError, OutputError):  # a read-only cache directory: the next call probes again
            write_file(_versions_path(), lines.encode(), durable=False)  # a memo: lost, it costs one probe
    return version


def _versions_path() -> str:
    return os.path.join(default_dir_name(), "llvm-versions")


def _remembered_versions() -> dict[str, tuple[int, int, int]]:
    """``opt`` binaries (real path, size, mtime) and the versions they reported; unreadable lines are skipped."""
    known: dict[str, tuple[int, int, int]] = {}
    with contextlib.suppress(OSError, UnicodeDecodeError), open(_versions_path(), encoding="utf-8") as f:
        for line in f:
            key, _, version = line.rstrip("\n").rpartition("\t")
            parts = version.split(".")
            if key and len(parts) == 3 and all(p.isdigit() for p in parts):
                known[key] = (int(parts[0]), int(parts[1]), int(parts[2]))
    return known


def _candidates() -> list[tuple[Path, str]]:
    """(bin dir, where it came from) in search order, after the explicit ones."""
    found: list[tuple[Path, str]] = []
    for v in SUPPORTED_MAJORS:
        found += [(Path(p.format(v=v)), "known location") for p in KNOWN_PREFIXES]
        versioned = shutil.which(f"opt-{v}")
        if versioned:
            found.append((Path(versioned).resolve().parent, f"opt-{v} on PATH"))
    plain = shutil.which("opt")
    if plain:
        found.append((Path(plain).resolve().parent, "opt on PATH"))
    return found


def _check(bin_dir: Path, origin: str, strict: bool) -> Toolchain | None:
    opt = bin_dir / "opt"
    if not opt.is_file():
        if strict:
            raise ToolchainError(f"no 'opt' in {bin_dir} (from {origin})")
        return None
    version = probe_version(opt)
    if version is None or version[0] not in SUPPORTED_MAJORS:
        if strict:
            got = ".".join(map(str, version)) if version else "unknown"
            raise ToolchainError(f"{opt} (from {origin}) is LLVM {got}; rlopt needs LLVM "
                                 f"{'/'.join(map(str, SUPPORTED_MAJORS))}")
        return None
    return Toolchain(bin_dir=bin_dir.resolve(), version=version)


@functools.lru_cache(maxsize=8)
def _find_cached(llvm_bin: str | None, env_bin: str | None) -> Toolchain:
    if llvm_bin:
        return _check(Path(llvm_bin), "--llvm-bin", strict=True)  # type: ignore[return-value]
    if env_bin:
        return _check(Path(env_bin), "RLOPT_LLVM_BIN", strict=True)  # type: ignore[return-value]
    for bin_dir, origin in _candidates():
        tc = _check(bin_dir, origin, strict=False)
        if tc:
            return tc
    raise ToolchainError(
        "no supported LLVM found (need LLVM 19): install it with 'apt-get install clang-19 llvm-19' "
        "or point --llvm-bin / RLOPT_LLVM_BIN at its bin directory")


def find(llvm_bin: str | os.PathLike | None = None) -> Toolchain:
    """Locate the LLVM toolchain (``--llvm-bin``, ``$RLOPT_LLVM_BIN``, known locations, PATH)."""
    return _find_cached(str(llvm_bin) if llvm_bin else None, os.environ.get("RLOPT_LLVM_BIN") or None)
