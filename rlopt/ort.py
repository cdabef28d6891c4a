"""ONNX Runtime through its C API (ctypes), for the one-shot selectors that ``rlopt -O-rl`` runs.

Why: ``import onnxruntime`` loads numpy and a 36 MB pybind module, ~0.13 s of a short-lived ``rlopt`` whose
whole start-up budget is 0.3 s. The onnxruntime wheel also ships ``libonnxruntime``, the same runtime behind
its stable C API; calling it directly costs a ``dlopen``. A selector's model has one float input and one
float output, which is all :class:`Session` runs. Where the wheel has no such library, :func:`session` falls
back on the Python binding with the same options and the same results.

The C API is a table of function pointers (``OrtApi``) that only ever grows: the indices below are those of
``onnxruntime_c_api.h`` and hold for every version since the table's first (API version 1, requested here).
"""

from __future__ import annotations

import ctypes
import functools
import importlib.util
import os
from collections.abc import Sequence
from ctypes import POINTER, byref, c_char_p, c_int, c_int64, c_size_t, c_void_p
from pathlib import Path
from typing import Any

from rlopt.errors import RloptError

_API_VERSION = 1
_LOG_ERROR = 3  # OrtLoggingLevel: errors only, as the Python sessions are configured
_FLOAT = 1  # ONNXTensorElementDataType
_ARENA_ALLOCATOR, _MEM_DEFAULT = 1, 0  # OrtAllocatorType, OrtMemType: plain CPU memory

_Status = c_void_p
# OrtApi member -> (index in the table, return type, argument types)
_FUNCTIONS: dict[str, tuple[int, Any, list[Any]]] = {
    "GetErrorMessage": (2, c_char_p, [c_void_p]),
    "CreateEnv": (3, _Status, [c_int, c_char_p, POINTER(c_void_p)]),
    "CreateSession": (7, _Status, [c_void_p, c_char_p, c_void_p, POINTER(c_void_p)]),
    "Run": (9, _Status, [c_void_p, c_void_p, POINTER(c_char_p), POINTER(c_void_p), c_size_t, POINTER(c_char_p),
                         c_size_t, POINTER(c_void_p)]),
    "CreateSessionOptions": (10, _Status, [POINTER(c_void_p)]),
    "DisableMemPattern": (17, _Status, [c_void_p]),
    "DisableCpuMemArena": (19, _Status, [c_void_p]),
    "SetSessionLogSeverityLevel": (22, _Status, [c_void_p, c_int]),
    "SetIntraOpNumThreads": (24, _Status, [c_void_p, c_int]),
    "SetInterOpNumThreads": (25, _Status, [c_void_p, c_int]),
    "CreateTensorWithDataAsOrtValue": (49, _Status, [c_void_p, c_void_p, c_size_t, POINTER(c_int64), c_size_t,
                                                     c_int, POINTER(c_void_p)]),
    "GetTensorMutableData": (51, _Status, [c_void_p, POINTER(c_void_p)]),
    "GetTensorElementType": (60, _Status, [c_void_p, POINTER(c_int)]),
    "GetTensorShapeElementCount": (64, _Status, [c_void_p, POINTER(c_size_t)]),
    "GetTensorTypeAndShape": (65, _Status, [c_void_p, POINTER(c_void_p)]),
    "CreateCpuMemoryInfo": (69, _Status, [c_int, c_int, POINTER(c_void_p)]),
    "ReleaseStatus": (93, None, [c_void_p]),
    "ReleaseMemoryInfo": (94, None, [c_void_p]),
    "ReleaseSession": (95, None, [c_void_p]),
    "ReleaseValue": (96, None, [c_void_p]),
    "ReleaseTensorTypeAndShapeInfo": (99, None, [c_void_p]),
    "ReleaseSessionOptions": (100, None, [c_void_p]),
}


class _ApiBase(ctypes.Structure):
    _fields_ = [("GetApi", ctypes.CFUNCTYPE(c_void_p, ctypes.c_uint32)),
                ("GetVersionString", ctypes.CFUNCTYPE(c_char_p))]


def library_path() -> Path | None:
    """The C API library inside the installed onnxruntime package (found without importing it), if any."""
    spec = importlib.util.find_spec("onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    capi = Path(next(iter(spec.submodule_search_locations))) / "capi"
    found = sorted(capi.glob("libonnxruntime.so*")) + sorted(capi.glob("libonnxruntime*.dylib"))
    return found[0] if found else None


class _Api:
    """The ``OrtApi`` functions :class:`Session` calls, bound once per process, and its one ``OrtEnv``."""

    def __init__(self, path: Path):
        lib = ctypes.CDLL(str(path))
        lib.OrtGetApiBase.restype = POINTER(_ApiBase)
        table = lib.OrtGetApiBase().contents.GetApi(_API_VERSION)
        if not table:
            raise RloptError(f"{path}: ONNX Runtime does not offer C API version {_API_VERSION}")
        slots = ctypes.cast(table, POINTER(c_void_p))
        for name, (index, restype, argtypes) in _FUNCTIONS.items():
            setattr(self, name, ctypes.CFUNCTYPE(restype, *argtypes)(slots[index]))
        self.lib = lib  # keeps the library loaded as long as the functions may be called
        self.env = self.out("CreateEnv", _LOG_ERROR, b"rlopt")
        self.cpu = self.out("CreateCpuMemoryInfo", _ARENA_ALLOCATOR, _MEM_DEFAULT)

    def check(self, status: int | None) -> None:
        """Turn a returned ``OrtStatus*`` into an exception (NULL means success)."""
        if status:
            message = self.GetErrorMessage(status).decode(errors="replace")
            self.ReleaseStatus(status)
            raise RloptError(message.splitlines()[0] if message else "ONNX Runtime error")

    def out(self, name: str, *args: Any) -> int:
        """Call an API function whose last argument is a pointer it fills; return that pointer."""
        result = c_void_p()
        self.check(getattr(self, name)(*args, byref(result)))
        return result.value or 0


@functools.lru_cache(maxsize=1)
def _api() -> _Api | None:
    path = library_path()
    return _Api(path) if path else None


class Session:
    """An ONNX model with one float32 input of shape ``(1, n)`` and one float32 output, on the C API."""

    def __init__(self, api: _Api, path: Path, threads: int):
        self.api = api
        options = api.out("CreateSessionOptions")
        try:
            for name, value in (("SetIntraOpNumThreads", threads), ("SetInterOpNumThreads", 1),
                                ("SetSessionLogSeverityLevel", _LOG_ERROR)):
                api.check(getattr(api, name)(options, value))
            api.check(api.DisableCpuMemArena(options))
            api.check(api.DisableMemPattern(options))
            self.handle = api.out("CreateSession", api.env, os.fsencode(path), options)
        finally:
            api.ReleaseSessionOptions(options)

    def run(self, output: str, input_name: str, values: Sequence[float]) -> list[float]:
        """The output tensor, flattened, for one input row ``values``."""
        api = self.api
        data = (ctypes.c_float * len(values))(*values)
        shape = (c_int64 * 2)(1, len(values))
        tensor = api.out("CreateTensorWithDataAsOrtValue", api.cpu, data, ctypes.sizeof(data), shape, 2, _FLOAT)
        result = c_void_p()
        try:
            api.check(api.Run(self.handle, None, (c_char_p * 1)(input_name.encode()), (c_void_p * 1)(tensor), 1,
                              (c_char_p * 1)(output.encode()), 1, byref(result)))
        finally:
            api.ReleaseValue(tensor)
        try:
            info = api.out("GetTensorTypeAndShape", result)
            try:
                kind, count = c_int(), c_size_t()
                api.check(api.GetTensorElementType(info, byref(kind)))
                api.check(api.GetTensorShapeElementCount(info, byref(count)))
            finally:
                api.ReleaseTensorTypeAndShapeInfo(info)
            if kind.value != _FLOAT:
                raise RloptError(f"output '{output}' is not float32 (ONNX type {kind.value})")
            buffer = ctypes.cast(api.out("GetTensorMutableData", result), POINTER(ctypes.c_float))
            return buffer[:count.value]
        finally:
            api.ReleaseValue(result)

    def __del__(self) -> None:
        if getattr(self, "handle", None):
            self.api.ReleaseSession(self.handle)


class PythonSession:
    """The same calls on the onnxruntime Python binding (which needs numpy): the fallback, and the reference
    the C API session is tested against."""

    def __init__(self, path: Path, threads: int):
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = _LOG_ERROR
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        self.inner = onnxruntime.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def run(self, output: str, input_name: str, values: Sequence[float]) -> list[float]:
        import numpy as np

        x = np.asarray(values, dtype=np.float32).reshape(1, -1)
        return [float(v) for v in np.asarray(self.inner.run([output], {input_name: x})[0]).reshape(-1)]


def session(path: Path, threads: int, *, python: bool = False) -> Session | PythonSession:
    """A session for a one-input, one-output float model: on the C API when the wheel has it and not ``python``
    (a step-by-step policy's many int64 inputs need the Python binding's :attr:`PythonSession.inner`)."""
    try:
        api = None if python else _api()
        return Session(api, path, threads) if api else PythonSession(path, threads)
    except Exception as e:  # either binding: a corrupt or foreign file, a library that does not load
        raise RloptError(f"{path}: not a usable ONNX model: {str(e).splitlines()[0]}") from None
