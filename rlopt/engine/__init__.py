"""In-process LLVM: run ``opt`` pipelines on modules held in memory, in milliseconds instead of a process per step.

- :class:`Engine` (use this): modules by handle in a worker process; crashes and hangs are contained.
- :class:`Module`: the same operations directly in this process (not crash-safe).
- :class:`Backend`: where a one-shot pipeline runs, the engine or :class:`OptBackend` (``opt`` processes), with
  the same calls; :func:`backend_for` picks one. Each entry point (``rlopt``, ``rlopt-cc``, its model server)
  builds one and passes it down, so a command runs all its LLVM work in one place.
"""

from __future__ import annotations

import re
from typing import Protocol

from rlopt import knobs as _knobs
from rlopt import toolchain as _toolchain
from rlopt.engine.llvm import Module, parse_error
from rlopt.engine.worker import Engine, StaleHandle, StepResult
from rlopt.errors import InputError, PipelineError, ToolError
from rlopt.ir import is_bitcode, with_module_id

__all__ = ["Backend", "Engine", "Module", "OptBackend", "StaleHandle", "StepResult", "backend_for"]


class Backend(Protocol):
    """What callers of a one-shot pipeline need, whichever process runs LLVM: :class:`Engine` or
    :class:`OptBackend`. ``options`` of a call are knobs (:mod:`rlopt.knobs`), on top of the backend's own."""

    toolchain: _toolchain.Toolchain
    timeout: float | None

    def optimize(self, data: bytes, pipeline: str, *, bitcode: bool = False, name: str = "<stdin>",
                 timeout: float | None = None, options: tuple[str, ...] = ()) -> bytes:
        """``opt -passes=PIPELINE``: parse, run, verify; text IR (or bitcode)."""
        ...

    def opt_options(self, options: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The options ``opt`` needs to do what a call with knob ``options`` does (replay commands)."""
        ...

    def start(self) -> None:
        """Begin any start-up now, so that it overlaps the caller's own work."""
        ...

    def close(self) -> None:
        """Release what the backend holds (the engine's worker)."""
        ...


_STDIN_PARSE_ERROR = re.compile(r"<stdin>(:\d+:\d+)?: error: ")
_STDIN_BROKEN = "-: error: input module is broken!"
#: opt's flags after which its standard output holds no module (nothing, or the pipeline's text).
_NO_MODULE = ("disable-output", "print-pipeline-passes")


def _prints_module(options: list[str]) -> bool:
    """Whether opt run with ``options`` writes a module (``-disable-output``, ``--disable-output=true`` and
    ``-print-pipeline-passes`` say it does not; a cl::opt flag is off with ``=false``/``=0``)."""
    for option in options:
        name, _, value = option.lstrip("-").partition("=")
        if name in _NO_MODULE and value.lower() not in ("false", "0"):
            return False
    return True


def _named(text: bytes, source: bytes, name: str) -> bytes:
    """opt's text output for a module it read on stdin, named as ``opt NAME`` (and the engine) name it: the
    ``ModuleID`` comment, and ``source_filename`` where the input had none (LLVM then takes the module's name)."""
    text = with_module_id(text, name)
    if b"source_filename" not in source:
        escaped = b"".join(bytes([b]) if 0x20 <= b < 0x7F and b not in b'\\"' else b"\\%02X" % b
                           for b in name.encode(errors="surrogateescape"))  # as LLVM's printEscapedString
        text = text.replace(b'\nsource_filename = "<stdin>"\n', b'\nsource_filename = "' + escaped + b'"\n', 1)
    return text


def _input_problem(detail: str, name: str) -> str | None:
    """What ``opt`` (reading stdin) said about its input, worded as the engine words it for ``name``; None when
    the failure is not the input's (a pass, the pipeline text)."""
    if _STDIN_PARSE_ERROR.match(detail):
        return parse_error(name, name + detail.removeprefix("<stdin>"))
    if detail.endswith(_STDIN_BROKEN):
        return f"{name}: input module is broken: {detail.splitlines()[0].strip()}"
    return None


class OptBackend:
    """The reference backend: each call is an ``opt`` process (~20 ms; no libLLVM needed). ``options`` are
    the user's LLVM options for every call; ``diagnostics`` are opt's own flags (``-time-passes``, ...) whose
    report goes to stderr, which only ``opt`` can give."""

    def __init__(self, toolchain: _toolchain.Toolchain | None = None,
                 timeout: float | None = _toolchain.DEFAULT_TIMEOUT, options: tuple[str, ...] = (),
                 diagnostics: tuple[str, ...] = (), show_stderr: bool = False):
        self.toolchain = toolchain or _toolchain.find()
        self.timeout = timeout
        self.options: tuple[str, ...] = tuple(_knobs.check_user_option(o) for o in options)
        self.diagnostics = diagnostics
        self.show_stderr = show_stderr or bool(diagnostics)  # what opt reports on stderr is the user's to see

    def optimize(self, data: bytes, pipeline: str, *, bitcode: bool = False, name: str = "<stdin>",
                 timeout: float | None = None, options: tuple[str, ...] = ()) -> bytes:
        """``opt -passes=PIPELINE`` with the backend's and the knob ``options``; opt reads stdin, so its parse
        errors are reported under ``name`` as the engine reports them."""
        try:
            extra = [*self.opt_options(options), *self.diagnostics]
            out = self.toolchain.opt(data, pipeline, bitcode=bitcode, timeout=timeout or self.timeout, extra=extra,
                                     show_stderr=self.show_stderr)
            if _prints_module(extra) and (
                    is_bitcode(out) != bitcode or not (bitcode or out.startswith(b"; ModuleID = "))):
                raise ToolError("opt", f"printed no {'bitcode' if bitcode else 'IR text'} module but "
                                       f"{out[:40]!r} ({self.toolchain.path('opt')})")
            return out if bitcode or name == "<stdin>" else _named(out, data, name)
        except ToolError as e:
            problem = _input_problem(e.detail, name)
            if problem:
                raise InputError(problem) from None
            first = e.detail.splitlines()[0].strip() if e.detail else ""  # (a -time-passes report may follow)
            if e.returncode == 1 and first and self._unparsable(pipeline) == first:
                raise PipelineError("opt", pipeline, first) from None
            raise

    def _unparsable(self, pipeline: str) -> str | None:
        """opt's message when it cannot parse ``pipeline`` (``-print-pipeline-passes`` parses it and runs no pass),
        else None: tells the user's pipeline text from a pass that failed, as the engine's C API does. (Its
        parse errors are one line; an opt that fails alike on everything says more, and is not taken for one.)"""
        try:
            self.toolchain.opt(b"", pipeline, extra=["-print-pipeline-passes", "-disable-output"],
                               timeout=self.timeout)
        except ToolError as e:
            return e.detail if "\n" not in e.detail else None
        return None

    def opt_options(self, options: tuple[str, ...] = ()) -> tuple[str, ...]:
        return _knobs.merge(self.options, _knobs.canonical(options))

    def start(self) -> None:
        """Nothing to start: each call starts its own process."""

    def close(self) -> None:
        """Nothing to release: each call's process is gone."""

    def __enter__(self) -> OptBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def backend_for(toolchain: _toolchain.Toolchain, timeout: float | None, options: tuple[str, ...] = (), *,
                engine: bool = True, fork: bool = False) -> Engine | OptBackend:
    """The engine (a new worker, started on first use; forked from this process with ``fork``, see
    :class:`Engine`) when ``engine`` and the toolchain has a shared libLLVM, else ``opt`` processes; either under
    the user's LLVM ``options``."""
    if engine and toolchain.libllvm is not None:
        return Engine(toolchain, timeout=timeout, options=options, fork=fork)
    return OptBackend(toolchain, timeout=timeout, options=options)
