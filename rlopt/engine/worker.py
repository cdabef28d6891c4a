"""The crash-isolated engine: LLVM runs in a long-lived worker process that holds modules by handle.

A pass that aborts (LLVM fatal errors call ``abort``/``exit``), segfaults or hangs kills only the worker: the
call raises :class:`~rlopt.errors.ToolCrash` or :class:`~rlopt.errors.ToolTimeout`, the next call starts a
fresh worker, and handles from the dead worker raise :class:`StaleHandle` so callers reload their last IR.

Protocol: the parent writes ``(op, args)`` and the worker answers ``(status, value)``, each frame an 8-byte
little-endian length followed by a pickle, over the worker's stdin/stdout pipes. The worker moves its stdout
to stderr first, so nothing LLVM prints can corrupt the protocol; stderr goes to a temporary file whose tail
becomes the crash message ("LLVM ERROR: ..."). Uses ``select`` on pipes, so POSIX only.

A worker is a new interpreter (``python -S -m rlopt.engine``), or, for an engine made with ``fork=True`` in a
process that has a single thread (``rlopt``'s command line), a fork of the caller: its interpreter and imports
come ready, which saves a short-lived ``rlopt`` ~0.1 s of CPU. Either way it is a process of its own.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import itertools
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import rlopt
from rlopt import knobs as _knobs
from rlopt import toolchain as _toolchain
from rlopt.engine.llvm import TOOL, Library, Module, library
from rlopt.errors import (
    InputError,
    PipelineError,
    RloptError,
    ToolchainError,
    ToolCrash,
    ToolError,
    ToolTimeout,
)
from rlopt.knobs import Options

_HEADER = struct.Struct("<Q")
_READ_CHUNK = 1 << 20
_STARTUP_TIMEOUT = 60.0
_CLOSE_GRACE = 2.0
_STDERR_TAIL = 4096


class StaleHandle(ToolError):
    """A module handle that is unknown to the current worker: freed, or lost when the worker restarted."""


@dataclass(frozen=True)
class StepResult:
    """What an environment needs after a pass, from one message (see :meth:`Engine.step`).

    ``digest`` is the SHA-256 of the module's text (UTF-8, as :meth:`Engine.text` returns it, encoded), the
    state's identity; ``changed`` says whether that text differs from before the pipeline; ``text`` is the
    new text when it changed and was asked for, else None.
    """

    digest: str
    instruction_count: int
    changed: bool
    text: str | None = None


class Engine:
    """Run LLVM passes in memory, in a worker process that a crash or a hang cannot take down with it.

    Thread-safe (calls are serialized). The worker starts on the first call and restarts after it dies.

    ``options``: LLVM command-line options for every call (a user's ``--llvm-option``s, any option LLVM accepts),
    applied when the worker starts. ``run``/``step``/``optimize`` take ``options=`` *knobs* besides
    (:mod:`rlopt.knobs`); the worker switches between knob sets in place (LLVM's options reset to their defaults,
    then the new set parsed: microseconds), so one worker serves every knob set and no module changes process.
    Where a user's option and a knob name the same option, the user's wins.
    """

    #: The module the worker runs (``python -m MODULE LIBLLVM [OPTION...]``) and the class a forked worker
    #: serves with (None: :class:`_Worker`); the containment tests substitute a worker that can be told to crash
    #: or hang.
    worker_module = "rlopt.engine"
    worker_class: type[_Worker] | None = None

    def __init__(self, toolchain: _toolchain.Toolchain | None = None,
                 timeout: float | None = _toolchain.DEFAULT_TIMEOUT,
                 options: tuple[str, ...] = (), *, fork: bool = False):
        """``fork``: start workers as forks of this process whenever it has a single thread (see the module
        docstring); a process that may have threads by then (a restart after a crash) gets a new interpreter."""
        self.toolchain = toolchain or _toolchain.find()
        lib = self.toolchain.libllvm
        if lib is None:
            raise ToolchainError(f"no libLLVM shared library next to {self.toolchain.bin_dir}")
        self.libllvm: Path = lib
        self.timeout = timeout
        self.options: tuple[str, ...] = tuple(_knobs.check_user_option(o) for o in options)
        self.fork = fork
        self.starts = 0  # worker processes started so far (more than one means a crash, hang or close)
        self._proc: subprocess.Popen | _Forked | None = None
        self._ready = False  # the running worker has answered its start-up handshake
        self._stderr: Any = None
        # the worker's temporary files: a worker killed while printing a module cannot remove its own
        self._scratch: tempfile.TemporaryDirectory | None = None
        self._handles: set[int] = set()
        self._kept: tuple[bytes, str, tuple[str, ...], str, int] | None = None  # see keep()
        self._head: _HeadStart | None = None  # see head_start()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker now without waiting for it, so that its start-up (an interpreter and libLLVM,
        ~0.1 s) overlaps the caller's own work, such as choosing a pipeline; the first call waits for it."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._spawn()

    def load(self, data: bytes, *, name: str = "<stdin>", verify: bool = True) -> int:
        """Parse text IR or bitcode into the worker; returns a handle. Broken input raises InputError."""
        return self._new_handle("load", data, name, verify)

    def clone(self, handle: int) -> int:
        """A new handle holding a copy of ``handle``'s module."""
        self._check(handle)
        return self._new_handle("clone", handle)

    def run(self, handle: int, pipeline: str, *, options: tuple[str, ...] = (), timeout: float | None = None) -> None:
        """Run an ``opt -passes=`` pipeline on the module in place, under knob ``options``; ``timeout``
        overrides the engine's (a timeout restarts the worker: every handle goes stale)."""
        self._call("run", self._check(handle), pipeline, _knobs.canonical(options), timeout=timeout)

    def verify(self, handle: int) -> None:
        """Raise ToolError with the verifier's message if the module is broken."""
        self._call("verify", self._check(handle))

    def step(self, handle: int, pipeline: str, *, previous: str | None = None,
             options: tuple[str, ...] = ()) -> StepResult:
        """Run a pipeline, verify the result, and return its digest and instruction count in one round trip.

        An environment step used to take four calls (run, verify, text, instruction_count); under load most
        of a step was waiting for the worker to be scheduled. The text comes back only when it changed, since
        many passes leave a module as it was. ``previous`` is the digest the caller holds for the module
        (default: the worker's own print of it before the pipeline); ``changed`` is relative to it. A broken
        result raises ToolError as :meth:`verify` does. ``options``: knobs for this pipeline.
        """
        return StepResult(*self._call("step", self._check(handle), pipeline, _knobs.canonical(options), previous))

    def text(self, handle: int) -> str:
        return self._call("text", self._check(handle))

    def bitcode(self, handle: int) -> bytes:
        return self._call("bitcode", self._check(handle))

    def instruction_count(self, handle: int) -> int:
        return self._call("instruction_count", self._check(handle))

    def object_text_size(self, handle: int) -> int:
        return self._call("object_text_size", self._check(handle))

    def run_each(self, data: bytes, runs: Sequence[tuple[str, tuple[str, ...]]], *,
                 name: str = "<stdin>") -> list[int | None]:
        """Load ``data`` once per ``(pipeline, knob options)`` of ``runs`` and run each on its own module: a handle
        per run, None where its pipeline failed (a crash or hang still fails the whole call). Broken input
        raises InputError.

        The runs go in parallel, in threads of the worker with a module, LLVM context and target machine each,
        when the worker may use more than one core and nothing makes LLVM's process-wide options differ
        between them (no knobs, no user options): the exact size selector builds a whole ``-Oz`` and two short
        pipelines per module, and the short ones need not wait. Else one after another. Either way each module
        is ``data`` parsed anew, so its bitcode is byte for byte what ``opt`` writes (a clone's is not)."""
        runs = [(pipeline, _knobs.canonical(options)) for pipeline, options in runs]
        handles = [next(self._ids) for _ in runs]
        built = self._call("run_each", handles, data, name, runs, timeout=(self.timeout or 0) * len(runs) or None)
        made = [h if ok else None for h, ok in zip(handles, built, strict=True)]
        self._handles.update(h for h in made if h is not None)
        return made

    def object_text_sizes(self, handles: Sequence[int]) -> list[int | None]:
        """:meth:`object_text_size` of each module (None where no code can be generated), generated in parallel
        for modules of different contexts (from :meth:`run_each`) where the worker may use more than one core."""
        handles = [self._check(h) for h in handles]
        return self._call("object_text_sizes", handles, timeout=(self.timeout or 0) * len(handles) or None)

    def free(self, handle: int) -> None:
        """Dispose a module; freeing an unknown or stale handle is a no-op (the worker is what owned it)."""
        if handle in self._handles:
            self._handles.discard(handle)
            self._call("free", handle)

    def optimize(self, data: bytes, pipeline: str, *, bitcode: bool = False, name: str = "<stdin>",
                 timeout: float | None = None, options: tuple[str, ...] = ()) -> bytes:
        """One-shot ``opt -passes=PIPELINE [OPTIONS]``: parse, run, verify, and return text IR (or bitcode).

        ``name`` becomes the ModuleID (``opt`` uses the input path); ``timeout`` overrides the engine's;
        ``options``: knobs for this pipeline.
        """
        done = self._settle_head_start((data, pipeline, bitcode, name) if not options else None)
        if done is not None:
            return done
        handle = self._take_kept(data, pipeline, options, name)
        if handle is not None:
            try:
                return self._call("output", self._check(handle), bitcode, name, timeout=timeout)
            except StaleHandle:  # the worker restarted since: build it again
                pass
            finally:
                self.free(handle)
        return self._call("optimize", data, pipeline, _knobs.canonical(options), bitcode, name, timeout=timeout)

    def head_start(self, data: bytes, pipeline: str, *, bitcode: bool = False, name: str = "<stdin>") -> None:
        """Begin ``optimize(data, pipeline, bitcode=bitcode, name=name)`` in the worker now, while the caller still
        decides (``-O-rl``'s selector reads the module's features meanwhile, and most modules keep ``-O3``): that
        call then takes its result. Any other call first stops it, killing the worker if it is still running it
        (the next worker starts in ~30 ms); at worst the caller's decision time was spent on a second core.
        For an engine used from one thread (its head start runs in a thread of its own)."""
        self._settle_head_start(None)
        head = _HeadStart((data, pipeline, bitcode, name))
        head.thread = threading.Thread(target=self._run_head_start, args=(head,), name="rlopt-head-start",
                                       daemon=True)
        self._head = head
        head.thread.start()

    def _run_head_start(self, head: _HeadStart) -> None:
        data, pipeline, bitcode, name = head.call
        try:
            head.result = self._call("optimize", data, pipeline, (), bitcode, name, unless=head)
        except (ToolError, ToolchainError, InputError) as e:  # the same call's answer (a hang not waited twice)
            head.error = e

    def _settle_head_start(self, call: tuple[bytes, str, bool, str] | None) -> bytes | None:
        """The head start's output (or its error, raised) if it was ``call``; None if it was another call: then
        it is stopped, its worker killed if still busy with it. Called before anything else uses the worker."""
        head = self._head
        if head is None or head.thread is threading.current_thread():
            return None
        self._head = None
        assert head.thread is not None
        if head.call == call:
            head.thread.join()
            if head.error is not None:
                raise head.error
            return head.result
        head.cancelled = True  # read under the lock: a call the thread has not sent yet is never sent
        proc = self._proc
        killed = head.thread.is_alive() and proc is not None
        if killed:
            with contextlib.suppress(OSError):
                proc.kill()  # the thread's call ends with EOF: a ToolCrash, kept in the discarded head
        head.thread.join()
        if killed:
            with self._lock:  # the thread may have had its answer already: the worker is dying all the same
                if self._proc is proc:
                    self._stop(graceful=False)
        return None

    def opt_options(self, options: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The options ``opt`` needs to do what a call with knob ``options`` does (replay commands)."""
        return _knobs.merge(self.options, _knobs.canonical(options))

    def keep(self, handle: int, data: bytes, pipeline: str, *, options: tuple[str, ...] = (),
             name: str = "<stdin>") -> None:
        """Hold ``handle`` (loaded from ``data`` as ``name``, then run through ``pipeline`` under ``options``) as
        the answer to the next :meth:`optimize` with the same arguments, instead of running the pipeline again:
        the exact size selector has just built it (a whole ``-Oz`` on a large module). Any other call to
        :meth:`optimize` drops it."""
        self._drop_kept()
        self._kept = (data, pipeline, _knobs.canonical(options), name, handle)

    def _take_kept(self, data: bytes, pipeline: str, options: tuple[str, ...], name: str) -> int | None:
        kept, self._kept = self._kept, None
        if kept is None:
            return None
        if kept[1:4] == (pipeline, _knobs.canonical(options), name) and kept[0] == data:
            return kept[4]
        self.free(kept[4])
        return None

    def _drop_kept(self) -> None:
        if self._kept is not None:
            self.free(self._kept[4])
            self._kept = None

    def memory(self) -> dict[str, int]:
        """The worker's current and peak resident memory in bytes (Linux ``/proc``), empty if unavailable."""
        if self._proc is None or self._proc.poll() is not None:
            return {}
        try:
            status = Path(f"/proc/{self._proc.pid}/status").read_text()
        except OSError:
            return {}
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {key: int(fields[f].split()[0]) * 1024
                for key, f in (("rss", "VmRSS"), ("peak_rss", "VmHWM")) if f in fields}

    def cpu_seconds(self) -> float | None:
        """User + system CPU time of the current worker (Linux ``/proc``), None if unavailable.

        On a shared machine CPU time per step is a steadier measure than steps per second.
        """
        if self._proc is None or self._proc.poll() is not None:
            return None
        try:
            fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime in clock ticks

    def close(self) -> None:
        """Stop the worker (it exits on end of input; killed if it does not within a grace period)."""
        self._settle_head_start(None)
        with self._lock:
            self._stop(graceful=True)
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None
            self._drop_scratch()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- machinery --------------------------------------------------------------------------------------
    def _check(self, handle: int) -> int:
        if handle not in self._handles:
            raise StaleHandle(TOOL, _stale_message(handle))
        return handle

    def _new_handle(self, op: str, *args: Any) -> int:
        handle = next(self._ids)
        self._call(op, handle, *args)
        self._handles.add(handle)
        return handle

    def _call(self, op: str, *args: Any, timeout: float | None = None, unless: _HeadStart | None = None) -> Any:
        timeout = timeout or self.timeout
        self._settle_head_start(None)  # (a no-op in the head start's own thread)
        with self._lock:
            if unless is not None and unless.cancelled:
                raise ToolError(TOOL, "cancelled")
            if self._proc is None or self._proc.poll() is not None:
                self._spawn()
            if not self._ready:
                self._handshake()
            assert self._proc is not None
            stderr_mark = os.fstat(self._stderr.fileno()).st_size  # what the worker logged before this call
            try:
                self._send((op, args))
                status, value = self._receive(timeout)
            except TimeoutError:
                self._stop(graceful=False)
                raise ToolTimeout(TOOL, timeout or 0) from None
            except (EOFError, BrokenPipeError):
                returncode = self._stop(graceful=False)
                raise ToolCrash(TOOL, f"worker {_death(returncode)} during {_describe(op, args)}\n"
                                      f"{self._stderr_since(stderr_mark)}", returncode) from None
            except BaseException:  # e.g. KeyboardInterrupt mid-call: the reply would desynchronize the pipe
                self._stop(graceful=False)
                raise
        return _unwrap(status, value)

    def _spawn(self) -> None:
        self._stop(graceful=False)
        if self._stderr is not None:
            self._stderr.close()
        # lives as long as the worker: closed when the next one starts
        self._stderr = tempfile.TemporaryFile(prefix="rlopt-engine-", suffix=".log")  # noqa: SIM115
        self._drop_scratch()
        self._scratch = tempfile.TemporaryDirectory(prefix="rlopt-engine-", ignore_cleanup_errors=True)
        self.starts += 1
        if self.fork and _single_threaded():
            self._proc = _fork_worker(str(self.libllvm), self.options, self._stderr.fileno(), self.worker_class,
                                      self._scratch.name)
            return
        env = {**os.environ, "TMPDIR": self._scratch.name}
        package_root = str(Path(rlopt.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        # -S: the worker needs only the standard library and rlopt (on PYTHONPATH), and site-packages (.pth files,
        # editable-install finders) would cost every start ~15 ms
        argv = [sys.executable, "-S", "-m", self.worker_module, str(self.libllvm), *self.options]
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                                      env=env, start_new_session=True)

    def _drop_scratch(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None

    def _handshake(self) -> None:
        """Wait for the spawned worker's first message: ready, or why it could not start."""
        try:
            status, value = self._receive(max(self.timeout or 0, _STARTUP_TIMEOUT))
        except (TimeoutError, EOFError):
            returncode = self._stop(graceful=False)
            raise ToolchainError(f"the LLVM engine worker did not start ({_death(returncode)}): "
                                 f"{self._stderr_since(0).strip()[-500:]}") from None
        if status != "ok":
            self._stop(graceful=True)  # it refused its options (or its libLLVM): it is exiting
        _unwrap(status, value)
        self._ready = True

    def _send(self, message: tuple[str, tuple]) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        self._proc.stdin.write(_HEADER.pack(len(body)) + body)
        self._proc.stdin.flush()

    def _receive(self, timeout: float | None) -> tuple[str, Any]:
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        deadline = None if timeout is None else time.monotonic() + timeout
        (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size, deadline))
        return pickle.loads(_read_exact(fd, size, deadline))

    def _stop(self, *, graceful: bool) -> int | None:
        """End the worker; its handles become stale. Returns its exit status."""
        proc, self._proc, self._ready = self._proc, None, False
        self._handles.clear()
        if proc is None:
            return None
        if graceful and proc.poll() is None:
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                proc.stdin.close()  # type: ignore[union-attr]
                proc.wait(_CLOSE_GRACE)
        if proc.poll() is None:
            proc.kill()
        returncode = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        return returncode

    def _stderr_since(self, mark: int) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(max(mark, self._stderr.seek(0, os.SEEK_END) - _STDERR_TAIL))
        return self._stderr.read().decode(errors="replace")


@dataclass
class _HeadStart:
    """A call begun ahead (:meth:`Engine.head_start`): ``(data, pipeline, bitcode, name)`` of ``optimize``."""

    call: tuple[bytes, str, bool, str]
    thread: threading.Thread | None = None
    result: bytes | None = None
    error: RloptError | None = None
    cancelled: bool = False


class _Forked:
    """A forked worker, with the part of :class:`subprocess.Popen` that the engine uses."""

    def __init__(self, pid: int, stdin: IO[bytes], stdout: IO[bytes]):
        self.pid, self.stdin, self.stdout = pid, stdin, stdout
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None and self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        deadline, delay = time.monotonic() + (timeout or 0), 0.0005
        while self.poll() is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0)
            time.sleep(delay)
            delay = min(2 * delay, 0.05)
        return self.returncode

    def kill(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGKILL)


def _single_threaded() -> bool:
    """Whether this process has one thread, native ones included (Linux; False where unknown): forking a
    process with other threads can leave the child holding a lock that no thread will release."""
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return False


def _fork_worker(libllvm: str, options: tuple[str, ...], stderr: int, worker_class: type[_Worker] | None,
                 scratch: str) -> _Forked:
    """Fork a worker on fresh pipes, in a session of its own as the exec'd one, with its temporary files in
    ``scratch``. The child serves until its stdin closes and then exits at once: it never returns into the
    caller's code, nor runs its exit handlers."""
    child_in, to_child = os.pipe()
    from_child, child_out = os.pipe()
    for stream in (sys.stdout, sys.stderr):  # output still buffered would be written twice
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            os.setsid()
            _die_with(parent)
            for fd, target in ((child_in, 0), (child_out, 1), (stderr, 2)):
                os.dup2(fd, target)
            os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the caller's files (its output, too) are not the worker's
            tempfile.tempdir = scratch
            gc.freeze()  # collections leave the caller's objects alone: their pages stay shared
            serve(libllvm, options, worker_class)
            status = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(status)
    os.close(child_in)
    os.close(child_out)
    return _Forked(pid, os.fdopen(to_child, "wb"), os.fdopen(from_child, "rb"))


def _die_with(parent: int) -> None:
    """Be killed when ``parent`` dies (Linux's parent-death signal): a worker busy in a long pass would otherwise
    notice its closed stdin only after it, running on with nobody to answer (``timeout 5 rlopt ...``)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _read_exact(fd: int, size: int, deadline: float | None) -> bytes:
    """Read ``size`` bytes from a pipe; TimeoutError past ``deadline``, EOFError if the writer died."""
    data = bytearray()
    while len(data) < size:
        remaining = None if deadline is None else deadline - time.monotonic()
        if remaining is not None and remaining <= 0:
            raise TimeoutError
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(size - len(data), _READ_CHUNK))
        if not chunk:
            raise EOFError
        data += chunk
    return bytes(data)


def _unwrap(status: str, value: Any) -> Any:
    """Turn a worker reply back into a value or the typed error the worker reported."""
    if status == "ok":
        return value
    if status == "input":
        raise InputError(value)
    if status == "stale":
        raise StaleHandle(TOOL, value)
    if status == "toolchain":
        raise ToolchainError(value)
    if status == "pipeline":
        raise PipelineError(TOOL, *value)
    raise ToolError(TOOL, value)


def _stale_message(handle: int) -> str:
    return (f"module handle {handle} is not loaded (freed, or lost when the engine worker restarted): "
            "load the IR again")


def _describe(op: str, args: tuple) -> str:
    if op in ("run", "step", "optimize"):
        with_options = f" with {' '.join(args[2])}" if args[2] else ""
        return f"{'optimize' if op == 'optimize' else 'run'} '{args[1]}'{with_options}"
    return op


def _death(returncode: int | None) -> str:
    if returncode is None:
        return "did not answer"
    if returncode < 0:
        try:
            return f"crashed with {signal.Signals(-returncode).name}"
        except ValueError:
            return f"crashed with signal {-returncode}"
    return f"exited with status {returncode}"


# -- worker side -----------------------------------------------------------------------------------------
class _Worker:
    """Modules by handle; one method per protocol operation."""

    def __init__(self, lib: Library, options: tuple[str, ...]):
        self.lib = lib
        self.options = options  # the user's options, applied at start and kept under every knob set
        self.knobs: Options | None = ()  # the knob set in force (None: unknown, after a failed switch)
        self.modules: dict[int, Module] = {}
        # handle -> (digest of its text, instruction count) of the verified state a step left it in, so that
        # a step that changes nothing (most of them) skips the verifier and the count
        self.verified: dict[int, tuple[str, int]] = {}
        self._lanes: Any = None  # the thread pool of run_each and object_text_sizes, made on first use

    def _get(self, handle: int) -> Module:
        try:
            return self.modules[handle]
        except KeyError:
            raise StaleHandle(TOOL, _stale_message(handle)) from None

    def load(self, handle: int, data: bytes, name: str, verify: bool) -> None:
        self.modules[handle] = Module.parse(data, name=name, verify=verify, lib=self.lib)

    def clone(self, handle: int, source: int) -> None:
        self.modules[handle] = self._get(source).clone()
        if source in self.verified:
            self.verified[handle] = self.verified[source]

    def _configure(self, knobs: Options) -> None:
        """Put ``knobs`` (with the user's options) in force for the passes that run next."""
        if knobs == self.knobs:
            return
        self.knobs = None
        try:
            self.lib.set_options(_knobs.merge(self.options, knobs))
        except InputError:
            self.lib.set_options(self.options)
            self.knobs = ()
            raise
        self.knobs = knobs

    def run(self, handle: int, pipeline: str, knobs: Options) -> None:
        module = self._get(handle)
        self._configure(knobs)
        self.verified.pop(handle, None)
        module.run(pipeline)

    def step(self, handle: int, pipeline: str, knobs: Options,
             previous: str | None) -> tuple[str, int, bool, str | None]:
        module = self._get(handle)
        self._configure(knobs)
        known = self.verified.pop(handle, None)  # the module is about to change
        before = previous or (known[0] if known else _sha256(module.text()))
        module.run(pipeline)
        text = module.text()
        digest = _sha256(text)
        if known is not None and digest == known[0]:
            count = known[1]  # the same text as a verified state: still valid, same count
        else:
            module.verify()
            count = module.instruction_count()
        self.verified[handle] = (digest, count)
        changed = digest != before
        return digest, count, changed, text if changed else None

    def verify(self, handle: int) -> None:
        self._get(handle).verify()

    def text(self, handle: int) -> str:
        return self._get(handle).text()

    def bitcode(self, handle: int) -> bytes:
        return self._get(handle).bitcode()

    def instruction_count(self, handle: int) -> int:
        return self._get(handle).instruction_count()

    def object_text_size(self, handle: int) -> int:
        return self._get(handle).object_text_size()

    def run_each(self, handles: list[int], data: bytes, name: str, runs: list[tuple[str, Options]]) -> list[bool]:
        parallel = len(runs) > 1 and self._lanes_allowed() and not self.options and not any(k for _, k in runs)
        if parallel:
            self._configure(())  # in force before the lanes start: they only read LLVM's options
        built = self._tasks([functools.partial(self._built, data, name, *run) for run in runs], parallel)
        for handle, module in zip(handles, built, strict=True):
            if module is not None:
                self.modules[handle] = module
        return [module is not None for module in built]

    def _built(self, data: bytes, name: str, pipeline: str, knobs: Options) -> Module | None:
        """``data`` parsed anew (a lane needs a context of its own, and a clone's use-lists come in another order,
        which bitcode records: parsed, the module is byte for byte what ``opt`` writes) and run through
        ``pipeline`` under ``knobs``; None if the pipeline fails."""
        self._configure(knobs)
        module = Module.parse(data, name=name, lib=self.lib)
        try:
            module.run(pipeline)
        except ToolError:
            module.dispose()
            return None
        return module

    def object_text_sizes(self, handles: list[int]) -> list[int | None]:
        modules = [self._get(h) for h in handles]
        by_context: dict[int, list[int]] = {}  # modules of one context must not be worked on at once
        for i, module in enumerate(modules):
            by_context.setdefault(module.context, []).append(i)

        def sizes(indices: list[int]) -> list[tuple[int, int | None]]:
            out: list[tuple[int, int | None]] = []
            for i in indices:
                try:
                    out.append((i, modules[i].object_text_size()))
                except ToolError:
                    out.append((i, None))
            return out

        groups = list(by_context.values())
        done = self._tasks([functools.partial(sizes, g) for g in groups], len(groups) > 1 and self._lanes_allowed())
        return [size for _, size in sorted(pair for group in done for pair in group)]

    def _lanes_allowed(self) -> bool:
        """More than one core for this process (``taskset``, cpusets), and a libLLVM built with threads."""
        return len(os.sched_getaffinity(0)) > 1 and bool(self.lib.LLVMIsMultithreaded())

    def _tasks(self, tasks: list[Callable[[], Any]], parallel: bool) -> list[Any]:
        """Each task's result, the tasks run in the worker's lane threads (``parallel``; kept for the worker's
        life, as target machines are cached per thread) or in order. If a task raises, every module the others
        returned is disposed and the first error is raised."""
        if parallel and self._lanes is None:
            from concurrent.futures import ThreadPoolExecutor

            self._lanes = ThreadPoolExecutor(len(os.sched_getaffinity(0)), thread_name_prefix="rlopt-lane")
        results: list[Any] = []
        errors: list[BaseException] = []
        for task in [self._lanes.submit(task) for task in tasks] if parallel else tasks:
            try:
                results.append(task.result() if parallel else task())
            except Exception as e:  # noqa: BLE001  (raised below, once the other tasks' modules are freed)
                errors.append(e)
                if not parallel:
                    break
        if errors:
            for result in results:
                if isinstance(result, Module):
                    result.dispose()
            raise errors[0]
        return results

    def free(self, handle: int) -> None:
        self.verified.pop(handle, None)
        module = self.modules.pop(handle, None)
        if module is not None:
            module.dispose()

    def optimize(self, data: bytes, pipeline: str, knobs: Options, bitcode: bool, name: str) -> bytes:
        self._configure(knobs)
        with Module.parse(data, name=name, lib=self.lib) as module:
            module.run(pipeline)
            return self._output(module, bitcode, name)

    def output(self, handle: int, bitcode: bool, name: str) -> bytes:
        return self._output(self._get(handle), bitcode, name)

    def _output(self, module: Module, bitcode: bool, name: str) -> bytes:
        """A module as :meth:`optimize` returns it: verified, then text IR or bitcode that reads back."""
        module.verify()
        if not bitcode:
            return module.text_bytes()
        data = module.bitcode()
        # LLVM can write bitcode it cannot read back (e.g. a NUL in an attribute string): check, as output
        # promised to be valid must be loadable.
        try:
            Module.parse(data, name=name, verify=False, lib=self.lib).dispose()
        except InputError as e:
            reason = str(e).rsplit("error: ", 1)[-1]
            raise ToolError(TOOL, f"LLVM wrote bitcode that it cannot read back ({reason}); try -S") from None
        return data


def serve(libllvm: str, options: tuple[str, ...] = (), worker_class: type[_Worker] | None = None) -> None:
    """Worker main loop (``python -m rlopt.engine LIBLLVM [OPTION...]``): apply the LLVM options before any
    pass runs, then answer requests until stdin closes."""
    protocol_out = os.dup(1)
    os.dup2(2, 1)  # anything printed to stdout by LLVM or Python now lands in the stderr log
    try:
        lib = library(libllvm)
        if options:
            lib.set_options(options)
        worker = (worker_class or _Worker)(lib, options)
        _write_frame(protocol_out, ("ok", None))
    except ToolchainError as e:
        _write_frame(protocol_out, ("toolchain", str(e)))
        return
    except InputError as e:
        _write_frame(protocol_out, ("input", str(e)))
        return
    while True:
        try:
            op, args = pickle.loads(_read_exact(0, _HEADER.unpack(_read_exact(0, _HEADER.size, None))[0], None))
        except EOFError:
            return
        _write_frame(protocol_out, _dispatch(worker, op, args))


def _dispatch(worker: _Worker, op: str, args: tuple) -> tuple[str, Any]:
    try:
        return "ok", getattr(worker, op)(*args)
    except InputError as e:
        return "input", str(e)
    except StaleHandle as e:
        return "stale", e.detail
    except PipelineError as e:
        return "pipeline", (e.pipeline, e.reason)
    except ToolError as e:
        return "tool", e.detail
    except Exception as e:  # a bug here must come back as an error, not kill the worker silently
        return "tool", f"internal error in {op}: {type(e).__name__}: {e}"


def _sha256(text: str) -> str:
    import hashlib  # OpenSSL's, fast on large modules; loading it costs rlopt's start-up ~5 ms: only when used

    return hashlib.sha256(text.encode()).hexdigest()


def _write_frame(fd: int, message: tuple[str, Any]) -> None:
    body = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(body)) + body)
    while view:
        view = view[os.write(fd, view):]
