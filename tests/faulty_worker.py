"""An engine whose worker can be told to segfault or hang inside a call: the containment tests' fault.

The worker is the real one plus two operations; :class:`FaultyEngine` starts it instead of ``rlopt.engine``
(this directory is put on the worker's ``PYTHONPATH``), so production code carries no test hooks.
"""

from __future__ import annotations

import ctypes
import os
import sys
import time
from pathlib import Path

from rlopt.engine import Engine
from rlopt.engine.worker import _Worker, serve

HERE = str(Path(__file__).resolve().parent)
HANGING_NAME = "hangs.ll"  # optimize() of a module under this name hangs
CRASHING_PIPELINE = "crash"  # run_each() segfaults on it
if HERE not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (HERE, os.environ.get("PYTHONPATH")) if p)


class _FaultyWorker(_Worker):
    def crash(self) -> None:
        ctypes.string_at(0)  # reads address 0: SIGSEGV, like a crashing pass

    def hang(self) -> None:
        while True:
            time.sleep(3600)

    def optimize(self, data: bytes, pipeline: str, knobs, bitcode: bool, name: str) -> bytes:
        if name == HANGING_NAME:  # a pipeline that never ends, for the head start's cancellation
            self.hang()
        return super().optimize(data, pipeline, knobs, bitcode, name)

    def crash_in_codegen(self) -> None:
        self.codegen_crashes = True

    def object_text_sizes(self, handles: list[int]) -> list[int | None]:
        if getattr(self, "codegen_crashes", False):
            self.crash()
        return super().object_text_sizes(handles)

    def _built(self, data: bytes, name: str, pipeline: str, knobs):
        if pipeline == CRASHING_PIPELINE:
            self.crash()
        return super()._built(data, name, pipeline, knobs)


class FaultyEngine(Engine):
    """:class:`rlopt.engine.Engine` with ``crash()`` and ``hang()``: the next call segfaults or hangs."""

    worker_module = "faulty_worker"
    worker_class = _FaultyWorker

    def crash(self) -> None:
        self._call("crash")

    def hang(self) -> None:
        self._call("hang")

    def crash_in_codegen(self) -> None:
        """The worker's next code generation (object_text_sizes) segfaults."""
        self._call("crash_in_codegen")


if __name__ == "__main__":
    serve(sys.argv[1], tuple(sys.argv[2:]), worker_class=_FaultyWorker)
