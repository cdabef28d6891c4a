"""In-process LLVM: run ``opt`` pipelines on modules held in memory, in milliseconds instead of a process per step.

- :class:`Engine` (use this): modules by handle in a worker process; crashes and hangs are contained.
- :class:`Module`: the same operations directly in this process (not crash-safe).
- :func:`optimize`: one-shot ``opt -passes=...`` through the shared :func:`default_engine`, falling back to
  the ``opt`` subprocess when this LLVM has no shared ``libLLVM``.
"""

from __future__ import annotations

import atexit
import collections
import logging
import os
import threading

from rlopt import toolchain as _toolchain
from rlopt.engine.llvm import Module
from rlopt.engine.worker import Engine, StaleHandle, StepResult
from rlopt.errors import ToolchainError
from rlopt.knobs import canonical

__all__ = ["Engine", "Module", "StaleHandle", "StepResult", "default_engine", "optimize", "backend_counts"]

log = logging.getLogger(__name__)

#: How many :func:`optimize` calls ran on each backend ("engine" or "opt"), for statistics and tests.
backend_counts: collections.Counter[str] = collections.Counter()

_default: Engine | None = None
_default_pid = 0
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The process-wide engine, created on first use and closed at exit (a forked child gets its own)."""
    global _default, _default_pid
    with _default_lock:
        if _default is None or _default_pid != os.getpid():
            _default, _default_pid = Engine(), os.getpid()
        return _default


@atexit.register
def _close_default() -> None:
    """Stop this process's default worker (a forked child must not stop its parent's)."""
    if _default is not None and _default_pid == os.getpid():
        _default.close()


def engine_for(toolchain: _toolchain.Toolchain, timeout: float | None,
               options: tuple[str, ...] = ()) -> Engine | None:
    """A new engine for ``toolchain`` under the user's LLVM ``options``, or None when it has no shared libLLVM
    (callers then use ``opt``)."""
    return Engine(toolchain, timeout=timeout, options=options) if toolchain.libllvm is not None else None


def optimize(data: bytes, pipeline: str, *, bitcode: bool = False,
             timeout: float | None = _toolchain.DEFAULT_TIMEOUT, use_engine: bool = True,
             options: tuple[str, ...] = ()) -> bytes:
    """``opt -passes=PIPELINE [OPTIONS]`` on IR bytes (text or bitcode), returning text IR (or bitcode).

    ``options`` are knobs (:mod:`rlopt.knobs`). Runs in the engine worker when libLLVM is available, else in an
    ``opt`` subprocess (same output); :data:`backend_counts` records which one ran.
    """
    options = canonical(options)
    if use_engine:
        try:
            engine = default_engine()
        except ToolchainError as e:
            log.debug("in-process engine unavailable, using the opt subprocess: %s", e)
        else:
            backend_counts["engine"] += 1
            return engine.optimize(data, pipeline, bitcode=bitcode, timeout=timeout, options=options)
    backend_counts["opt"] += 1
    return _toolchain.find().opt(data, pipeline, bitcode=bitcode, timeout=timeout, extra=list(options))
