"""The ``rlopt-cc`` / ``rlopt-c++`` commands: their own options, the two call forms, and one compile call from
the command line to the exit status.

A call is either administration (every argument is one of the wrapper's own options, in ccache's spelling:
``rlopt-cc -s``, ``rlopt-cc -M 10G``) or a compiler command line, as ``CC=rlopt-cc`` (the default compiler,
LLVM 19's clang) or ``CC="rlopt-cc clang"`` / ``CC="rlopt-cc /path/to/clang-19"`` (the named compiler). This
module imports only what a direct-mode hit needs; the frontend, the pipeline and the backend load on a miss.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Sequence

from rlopt import __version__
from rlopt.cache import default_dir_name
from rlopt.cc import build, native, options, stats
from rlopt.cc.config import SETTINGS, Config, parse_size
from rlopt.cc.stats import Decision, Record, Statistic
from rlopt.errors import RloptError, Terminated

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

NESTED_ENV = build.NESTED_ENV
_ADMIN = {"-s": "show-stats", "--show-stats": "show-stats", "-z": "zero-stats", "--zero-stats": "zero-stats",
          "-C": "clear", "--clear": "clear", "--clear-cache": "clear", "-p": "show-config",
          "--show-config": "show-config", "-h": "help", "--help": "help", "-V": "version",
          "--stop-server": "stop-server"}
#: Inputs, never compilers, when they come first on the command line.
_INPUT_EXTENSIONS = {".c", ".cc", ".cp", ".cxx", ".cpp", ".CPP", ".c++", ".C", ".i", ".ii", ".o", ".a", ".so",
                     ".s", ".S", ".h", ".hpp", ".ll", ".bc", ".m", ".mm", ".obj", ".lib", ".dylib"}
USAGE = """\
usage: rlopt-cc [compiler] [compiler options]     (compile through rlopt; CC=rlopt-cc or CC="rlopt-cc clang")
       rlopt-cc OPTION...                          (administration)

Options (ccache's spelling):
  -s, --show-stats      statistics: calls, cache hits (direct, tuned), misses, bypasses and fallbacks by
                        reason, cache size and limit
  -z, --zero-stats      zero the statistics
  -C, --clear           remove every cached object (statistics and settings stay)
  -M, --max-size SIZE   set the cache size limit in rlopt.conf (500M, 5G, 2Gi; 0: no limit) and clean up
  -p, --show-config     every setting, its value and where it came from
      --stop-server     stop the model server (and the fork server) of this cache directory
  -V                    rlopt's and LLVM's versions (--version is the compiler's: build scripts ask
                        $(CC) --version which compiler they have)
  -h, --help            this text

Settings: environment variables, then rlopt.conf in the cache directory ($RLOPT_CACHE_DIR/cc), then
defaults. See docs/cc.md."""


class UsageError(RloptError):
    """A malformed administration command (exit status 2)."""


# -- the command line ------------------------------------------------------------------------------------
def parse_admin(argv: Sequence[str]) -> list[tuple[str, str | None]] | None:
    """The administration operations if every argument is one of the wrapper's options, else None (then
    it is a compiler command line: ``rlopt-cc -s main.o`` links with ``-s``)."""
    ops: list[tuple[str, str | None]] = []
    i = 0
    while i < len(argv):
        arg, value, step = argv[i], None, 1
        if arg in ("-M", "--max-size"):
            value, step = (argv[i + 1] if i + 1 < len(argv) else ""), 2
        elif arg.startswith("--max-size="):
            value = arg.split("=", 1)[1]
        elif arg.startswith("-M") and arg[2:3].isdigit():
            value = arg[2:]
        elif arg not in _ADMIN:
            return None
        if value is not None and not value[:1].isdigit():
            return None  # "-M file.c" is clang's -M
        ops.append(("max-size", value) if value is not None else (_ADMIN[arg], None))
        i += step
    return ops or None


def looks_like_compiler(arg: str, *, syntax_only: bool = False) -> bool:
    """``rlopt-cc clang ...``: the first word names a compiler when it is no option or input file and is an
    executable (``clang`` and ``clang++`` also when only LLVM 19's bin directory has them). ``syntax_only``:
    whether it could be one, without looking at the file system."""
    if arg.startswith(("-", "@")) or os.path.splitext(arg)[1] in _INPUT_EXTENSIONS:
        return False
    return syntax_only or arg in ("clang", "clang++") or _which(arg) is not None


def _which(name: str) -> str | None:
    if "/" in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = os.path.join(directory or ".", name)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


# -- compilers and toolchain (remembered in the store: a hit must not run `opt --version`) ---------------
def _file_id(path: str) -> str:
    st = os.stat(path)
    return f"{os.path.realpath(path)}:{st.st_size}:{st.st_mtime_ns}"


def _plain_bin_dir() -> str:
    """Where plain clang is when the toolchain cannot be used: LLVM 19's known install locations, else ``clang``
    on PATH ("": none). Not ``RLOPT_LLVM_BIN``, nor the toolchain search, which are what failed."""
    from rlopt import toolchain

    for major in toolchain.SUPPORTED_MAJORS:
        for prefix in toolchain.KNOWN_PREFIXES:
            if os.path.isfile(os.path.join(prefix.format(v=major), "clang")):
                return prefix.format(v=major)
    found = _which("clang")
    return os.path.dirname(found) if found else ""


class Tools:
    """LLVM 19's bin directory and version, found once and remembered in the store (validated by a stat of
    its ``opt``), and the compilers this call may use."""

    def __init__(self, store) -> None:
        self.store = store
        #: why the toolchain cannot be used (a wrong ``RLOPT_LLVM_BIN``, ...): the call then runs plain clang
        self.problem: str | None = None
        key = f"toolchain:{os.environ.get('RLOPT_LLVM_BIN', '')}:{os.environ.get('PATH', '')}"
        try:
            found = self._remembered(key)
            if found is None:  # on an empty cache every first job of a build gets here: one finds it, the rest wait
                with contextlib.ExitStack() as held:
                    if store:
                        with contextlib.suppress(OSError):  # no lock where its file cannot be made
                            held.enter_context(store.exclusive("toolchain"))
                    found = self._remembered(key) or self._find(key)
        except RloptError as e:
            self.problem, found = str(e), (_plain_bin_dir(), "")
        self.bin_dir, self.version = found
        self.id = f"{self.bin_dir}:{self.version}"

    def _remembered(self, key: str) -> tuple[str, str] | None:
        """The bin directory and version remembered under ``key``, if its ``opt`` is still the same file."""
        memo = self._memo(key)
        try:
            bin_dir, version, opt_id = (memo or "").split("\n")
            return (bin_dir, version) if _file_id(os.path.join(bin_dir, "opt")) == opt_id else None
        except (OSError, ValueError):
            return None

    def _find(self, key: str) -> tuple[str, str]:
        """Find the toolchain (importing ``rlopt.toolchain`` and running ``opt --version``: ~60 ms) and remember it."""
        from rlopt import toolchain

        tc = toolchain.find()
        bin_dir, version = str(tc.bin_dir), tc.version_string
        self._remember(key, "\n".join([bin_dir, version, _file_id(os.path.join(bin_dir, "opt"))]))
        return bin_dir, version

    def _memo(self, key: str) -> str | None:
        return self.store.memo(key) if self.store else None

    def _remember(self, key: str, value: str) -> None:
        if self.store:
            self.store.remember(key, value)

    def clang(self, cxx: bool) -> str:
        return os.path.join(self.bin_dir, "clang++" if cxx else "clang")

    def resolve(self, name: str, cxx: bool) -> str:
        """A compiler named on the command line, as a path (``clang`` off PATH: LLVM 19's)."""
        if os.path.basename(name).startswith("rlopt-c"):
            return self.clang(cxx)  # a wrapper naming itself would recurse
        found = _which(name)
        if found is None and name in ("clang", "clang++"):
            return self.clang(name == "clang++")
        return found or name

    def unsupported(self, compiler: str) -> str | None:
        """Why ``compiler`` cannot take the rlopt path (None: it is LLVM 19's clang). A compiler's
        ``--version`` runs once per binary; the answer is remembered."""
        try:
            ident = _file_id(compiler)
        except OSError:
            return f"{compiler}: not found"
        if os.path.realpath(compiler).startswith(os.path.realpath(self.bin_dir) + os.sep):
            return None
        memo = self._memo(f"compiler:{ident}")
        if memo is None:
            import re
            import subprocess

            try:
                out = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30,
                                     env=build.child_env()).stdout
            except (OSError, subprocess.TimeoutExpired):
                out = ""
            m = re.search(r"clang version (\d+)\.", out)
            first = (out.splitlines() or ["no --version output"])[0]
            major = self.version.split(".")[0]
            memo = "" if m and m[1] == major else f"{os.path.basename(compiler)} is '{first}', not LLVM {major}'s clang"
            self._remember(f"compiler:{ident}", memo)
        return memo or None


def real_compiler(cxx: bool, config: Config | None = None, tools: Tools | None = None) -> str:
    """The configured compiler (``RLOPT_CXX``/``RLOPT_CC``, ``cc``/``cxx`` in rlopt.conf) unless that is a
    wrapper itself or we are nested; else LLVM 19's clang or clang++."""
    config = config or Config(cache_dir())
    configured = config.values["cxx" if cxx else "cc"]
    if configured and not os.environ.get(NESTED_ENV) and not os.path.basename(configured).startswith("rlopt-c"):
        return _which(configured) or configured  # a bare name is found on PATH, as execvp would find it
    return (tools or Tools(None)).clang(cxx)


def model_for(level: str, config: Config) -> tuple[str, str] | None:
    """The policy model for this level (:data:`build.MODEL_LEVELS`): (absolute path, identity for cache keys),
    or None when the setting says ``none``. Raises :class:`build.ModelUnusable` when it does not exist. The same
    resolution as :func:`rlopt.policy.resolve_model`, whose import (~40 ms) only the rare names that are neither
    a shipped model nor an ``.onnx`` file (a training run's directory) pay: not a cache hit."""
    key = build.MODEL_LEVELS[level]
    name = config.values[key] or SETTINGS[key][1]
    if name == "none":
        return None
    import rlopt.models

    path = os.path.join(os.path.dirname(rlopt.models.__file__), f"{name}.onnx")
    if name.endswith(".onnx"):
        path = os.path.abspath(name)
    elif not os.path.isfile(path):
        from rlopt.policy import resolve_model

        try:
            path = str(resolve_model(name).resolve())
        except RloptError as e:
            raise build.ModelUnusable(str(e)) from None
    try:
        return path, _file_id(path)
    except OSError:
        raise build.ModelUnusable(f"model '{name}' not found ({path})") from None


# -- administration --------------------------------------------------------------------------------------
def cache_dir() -> str:
    """The wrapper's own directory inside rlopt's cache directory (so --clear leaves rlopt's alone)."""
    return os.path.join(default_dir_name(), "cc")


def open_store(config: Config, *, required: bool = False):
    """The shared store; if it cannot be opened a compile goes on without it (one warning)."""
    from rlopt.cc.store import Store, sqlite3

    try:
        return Store(config.cache_dir, max_size=config.max_size)
    except (OSError, sqlite3.Error) as e:
        if required:
            raise RloptError(f"cannot open the cache in {config.cache_dir}: {e}") from None
        stats.warn(f"cache unavailable ({e}); compiling without it")
        return None


def admin(ops: list[tuple[str, str | None]], config: Config) -> int:
    """Run the administration operations in order, as ccache does (``rlopt-cc -z -s``)."""
    from rlopt.cc.stats import format_stats, human_size

    for op, value in ops:
        if op == "help":
            print(USAGE)
        elif op == "version":
            tools = Tools(None)
            if tools.problem:
                stats.warn(tools.problem)
            print(f"{stats.program()} (rlopt) {__version__}\nLLVM {tools.version or 'unusable'} ({tools.bin_dir})")
        elif op == "show-config":
            print(f"({'environment' if 'RLOPT_CACHE_DIR' in os.environ else 'default'}) "
                  f"{'cache_dir':<{max(map(len, SETTINGS))}} = {config.cache_dir}\n{config.show()}")
        elif op == "stop-server":
            from rlopt.cc import forkserver, server

            stopped = forkserver.stop_servers(config.cache_dir)  # the one this call runs in exits after it
            if not stopped and forkserver.stop_server():  # unrecorded: its cache directory is read-only
                stopped = 1
            if stopped:
                print("fork server stopped" if stopped == 1 else f"{stopped} fork servers stopped")
            print("model server stopped" if server.stop(config.cache_dir) else "no model server was running")
        elif op == "max-size":
            try:
                limit = parse_size(value or "")
            except ValueError as e:
                raise UsageError(str(e)) from None
            config.save("max_size", value or "")
            with open_store(config, required=True) as store:
                evicted = store.cleanup()
            print(f"Set cache size limit to {human_size(limit) if limit else 'no limit'}"
                  + (f"; evicted {evicted} entries" if evicted else ""))
        else:
            with open_store(config, required=True) as store:
                if op == "show-stats":
                    size = store.usage()[1]
                    print(format_stats(store.counters(), store.usage("r:")[0], store.path, size=size,
                                       limit=config.max_size))
                elif op == "zero-stats":
                    store.zero_counters()
                    print("Statistics zeroed")
                else:
                    store.clear()
                    print("Cleared cache")
    config.report_problems()
    return 0


# -- one compile call ------------------------------------------------------------------------------------
#: How a call becomes the real compiler. The fork server (:mod:`rlopt.cc.forkserver`) replaces it: there the
#: launcher's process, the one ``make`` waits for, becomes the compiler.
execve = os.execve


def _exec(compiler: str, args: Sequence[str]) -> NoReturn:
    """Become the real compiler: its exit status, output and diagnostics are exactly its own."""
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        execve(compiler, [compiler, *args], build.child_env())
    except OSError as e:
        print(f"{stats.program()}: error: cannot run {compiler}: {e.strerror}", file=sys.stderr)
        raise SystemExit(127) from None


def _finish(store, record: Record, logged: list[str], started: float, config: Config) -> None:
    """Count the call (a statistics failure must not fail the build), log it (``logged``: the command line as
    called, a named compiler included), close the store."""
    if store is not None:
        from rlopt.cc.store import sqlite3

        if store.recovered:
            record.bump(Statistic.CACHE_RECOVERED)
        try:
            store.finish_call(record.increments(), record.touched)
        except sqlite3.Error as e:
            stats.warn(f"statistics not recorded ({e})")
        store.close()
    stats.write_log(config.values["log_file"], record, logged, started)


def main(argv: Sequence[str], *, cxx: bool = False) -> int:
    """Run one ``rlopt-cc`` command line; returns the exit status."""
    started, started_ns = time.perf_counter(), time.time_ns()
    argv = list(argv)
    call = native.Call(native.take_key(), argv, started_ns)
    config = Config(cache_dir())
    try:
        ops = parse_admin(argv)
        if ops:
            return admin(ops, config)
    except UsageError as e:
        print(f"{stats.program()}: error: {e}", file=sys.stderr)
        return 2
    except RloptError as e:
        print(f"{stats.program()}: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `rlopt-cc -s | head`: the reader has gone, as a C program dies of SIGPIPE
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the final flush is silent
        return 141  # 128 + SIGPIPE, what a shell reports for such a program
    record = Record()
    store = open_store(config)
    tools = Tools(store)
    first = argv[0] if argv else ""
    logged = [stats.program(), *argv]
    named = argv.pop(0) if argv and looks_like_compiler(argv[0]) else None
    # for a record: whether the first word is a compiler is known without the file system, or it is one
    certain = named is not None or not looks_like_compiler(first, syntax_only=True)
    compiler = tools.resolve(named, cxx) if named else real_compiler(cxx, config, tools)
    call.compiler(named or config.values["cxx" if cxx else "cc"] or None, certain, compiler, tools.bin_dir, config)
    config.report_problems()
    if os.environ.get(NESTED_ENV) or config.flag("disable"):
        if store is not None:
            store.close()
        record.set(Decision.DISABLED)
        stats.write_log(config.values["log_file"], record, logged, started)
        _exec(compiler, argv)
    if tools.problem:  # a build never breaks because of the wrapper
        stats.warn(f"{tools.problem}; running {compiler} without rlopt")
        record.set(Decision.FALLBACK, Statistic.TOOLCHAIN)
        _finish(store, record, logged, started, config)
        _exec(compiler, argv)
    inv = options.classify(options.expand_response_files(argv))
    if not inv.bypass and any(not os.path.exists(p) for p in inv.inputs):
        inv.bypass = Statistic.MISSING_INPUT
    why = None if inv.bypass else tools.unsupported(compiler)
    if why:
        inv.bypass = Statistic.UNSUPPORTED_COMPILER
        record.notes["compiler"] = why
    if inv.bypass:
        record.set(Decision.BYPASS, inv.bypass)
        link = inv.output if inv.bypass is Statistic.LINK_ONLY else None  # see build.run_link
        if store is not None:
            native.record_exec(call, store, record, compiler, argv, logged, link)
        _finish(store, record, logged, started, config)
        if link is not None:
            _unwind_on_signals()
            return build.run_link([compiler, *argv], link)
        _exec(compiler, argv)
    return compile_call(inv, argv, compiler, tools, store, config, record, started, call, logged)


def _unwind_on_signals() -> None:
    """From here on SIGTERM, SIGHUP and SIGQUIT raise :class:`Terminated`, so temporary files go."""
    import _signal

    for signum in (_signal.SIGTERM, _signal.SIGHUP, _signal.SIGQUIT):
        if _signal.getsignal(signum) == _signal.SIG_DFL:  # one the caller ignores (nohup) stays ignored
            _signal.signal(signum, Terminated.handler)


def die_of(signum: int) -> NoReturn:
    """End this process by ``signum``'s default action, so that the caller sees the signal, not a status."""
    import _signal  # the C module: ``signal`` builds enums on import

    sys.stdout.flush()
    sys.stderr.flush()
    _signal.signal(signum, _signal.SIG_DFL)
    os.kill(os.getpid(), signum)
    raise SystemExit(128 + signum)  # a signal whose default is to go on (none of the ones caught)


def compile_call(inv: options.Invocation, argv: list[str], compiler: str, tools: Tools, store, config: Config,
                 record: Record, started: float, call: native.Call | None, logged: list[str]) -> int:
    """The rlopt path for a classified call; any failure in rlopt reruns the command with plain clang.
    ``logged``: the command line as called, for the log."""
    _unwind_on_signals()
    model = None
    if inv.level in build.MODEL_LEVELS:
        try:
            model = model_for(inv.level, config)
        except build.ModelUnusable as e:
            record.bump(Statistic.MODEL_UNUSABLE)
            stats.warn(f"{e}; compiling with the -O pipeline instead")
    tmp = _TempDir()
    ctx = build.Context(compiler=compiler, compiler_id=_file_id(compiler), toolchain_id=tools.id,
                        store=store or _NoStore(), config=config, record=record, model=model, tmp=tmp)
    builder = build.Builder(inv, ctx)
    try:
        status = builder.run()
    except Exception as e:  # whatever went wrong in rlopt, the build must go on with clang
        fallback = e if isinstance(e, build.Fallback) else build.Fallback(
            ", ".join(s.path for s in inv.sources), f"internal error: {type(e).__name__}: {e}",
            Statistic.INTERNAL_ERROR)
        stats.warn(f"{fallback.source}: {fallback.reason}; compiled with plain clang")
        record.set(Decision.FALLBACK, fallback.category)
        build.check_caller()
        status = build.run_status([compiler, *argv])[0]
    finally:
        tmp.cleanup()
    if status and record.decision is Decision.RLOPT:
        record.set(Decision.COMPILE_ERROR)
    if not status and record.decision is Decision.RLOPT and store is not None and call is not None:
        native.record_hit(call, builder, logged)
    _finish(store, record, logged, started, config)
    return status


class _TempDir(os.PathLike):
    """A private temporary directory made on first use: a direct hit needs none. (Not ``tempfile``: importing
    it costs more than a cache hit's work; the directory only ever holds plain files.)"""

    def __init__(self) -> None:
        self.path: str | None = None

    def __fspath__(self) -> str:
        while self.path is None:
            path = os.path.join(os.environ.get("TMPDIR") or "/tmp", f"rlopt-cc-{os.urandom(8).hex()}")
            try:
                os.mkdir(path, 0o700)
                self.path = path
            except FileExistsError:
                continue
        return self.path

    def cleanup(self) -> None:
        if self.path is not None:
            for name in os.listdir(self.path):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.path, name))
            with contextlib.suppress(OSError):
                os.rmdir(self.path)


class _NoStore:
    """Stands in for an unavailable store: every lookup misses, nothing is kept."""

    recovered = False

    def get(self, key: str) -> None:
        return None

    def put(self, key: str, value: bytes) -> int:
        return 0


def launched() -> NoReturn:
    """``python -c 'from rlopt.cc.main import launched; launched()' PROGRAM ARGS...``, as the native launcher
    runs the Python wrapper for a call it does not answer (``-c``, not ``-m``: runpy's imports cost ~10 ms), or
    ``python -m rlopt.cc PROGRAM ARGS...``. ``PROGRAM`` is the name the user called (``rlopt-cc`` or
    ``rlopt-c++``: the language, and the name in messages), as a console script sees it in ``sys.argv[0]``."""
    if len(sys.argv) < 2:
        sys.exit("usage: python -m rlopt.cc rlopt-cc|rlopt-c++ [ARGS...]")
    sys.argv = sys.argv[1:]
    sys.exit(_entry(sys.argv[1:], cxx=sys.argv[0].endswith("++")))


def _entry(argv: list[str], *, cxx: bool) -> int:
    try:
        status = main(argv, cxx=cxx)
    except Terminated as e:
        die_of(e.signum)
    if status < 0:  # the linker died of a signal: so does this call, as clang's driver would
        die_of(-status)
    return status


def main_cc() -> int:
    """Console entry point of ``rlopt-cc``."""
    return _entry(sys.argv[1:], cxx=False)


def main_cxx() -> int:
    """Console entry point of ``rlopt-c++``."""
    return _entry(sys.argv[1:], cxx=True)
