"""Benchmark loading for the LLVM environment: whatever a user passes as ``benchmark`` becomes a
:class:`Program` (a name, a URI, its verified initial IR, and how to build and run it, when it can be).

Accepted: a suite name or URI (``qsort``, ``benchmark://rlopt-suite-v0/qsort``, CompilerGym's
``dataset/program`` form), an imported dataset's program (``cbench-v1/qsort``), ``generator://csmith-v0/7``,
``file:///x.c``, a manifest entry (``file:///dir/rlopt-benchmarks.json#name``), an IR file (``file:///x.ll``,
a ``.ll``/``.bc`` path), IR bytes, a :class:`~rlopt.training.benchmarks.Benchmark`, or a :class:`Program`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias
from urllib.parse import unquote, urlparse

import numpy as np

from rlopt.engine import Engine
from rlopt.errors import InputError

if TYPE_CHECKING:
    from rlopt.training.benchmarks import Benchmark


@dataclass(frozen=True)
class State:
    """One IR module as text, with its SHA-256 (the key of everything cached about it)."""

    ir: bytes
    digest: str

    @classmethod
    def of(cls, ir: bytes) -> State:
        return cls(ir, hashlib.sha256(ir).hexdigest())


class BenchmarkUri(str):
    """A benchmark URI (it is the string) with CompilerGym's parts: ``scheme``, ``dataset``, ``path``."""

    @property
    def scheme(self) -> str:
        return urlparse(self).scheme

    @property
    def dataset(self) -> str:
        u = urlparse(self)
        return f"{u.scheme}://{u.netloc}" if u.netloc else u.scheme

    @property
    def path(self) -> str:
        return urlparse(self).path


@dataclass(frozen=True, eq=False)
class Program:
    """A benchmark resolved for the environment (``env.benchmark``, CompilerGym's ``Benchmark``): where it
    came from, its initial state, how to run it. ``str()`` is its URI and it compares equal to that string,
    as CompilerGym's benchmarks do."""

    name: str
    uri: BenchmarkUri
    initial: State
    benchmark: Benchmark | None = None  # when the program can be built and run
    path: Path | None = None  # the IR file it was read from, if any

    def __str__(self) -> str:
        return str(self.uri)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Program):
            return self.uri == other.uri and self.initial == other.initial
        return isinstance(other, str) and self.uri == other

    def __hash__(self) -> int:
        return hash(str(self.uri))

    def is_validatable(self) -> bool:
        """Whether the program can be built and run, so that ``env.validate()`` checks its behaviour."""
        return self.benchmark is not None


#: What ``LlvmEnv(benchmark=...)`` accepts; None draws a training-split program at each reset.
BenchmarkSource: TypeAlias = "str | Path | bytes | bytearray | Benchmark | Program | None"


def canonical(name: str) -> str:
    """CompilerGym's ``dataset/program`` form (``rlopt-suite-v0/qsort``) as a URI; anything else unchanged."""
    from rlopt.training.benchmarks import CSMITH

    dataset, sep, _ = name.partition("/")
    if sep and "://" not in name and "-v" in dataset and not name.endswith((".ll", ".bc", ".c")):
        return f"{'generator' if dataset == CSMITH else 'benchmark'}://{name}"
    return name


class ProgramLoader:
    """Resolves and memoises programs by URI; parses each one's IR once in ``engine`` (bad input fails here)."""

    def __init__(self, engine: Engine, ir_level: str, programs: dict[str, Program] | None = None):
        self.engine = engine
        self.ir_level = ir_level
        self.programs: dict[str, Program] = {} if programs is None else programs

    def resolve(self, source: BenchmarkSource, rng: np.random.Generator) -> Program:
        """The :class:`Program` of ``source``; None draws a training-split suite program with ``rng``."""
        if isinstance(source, Program):
            return source
        if source is None:
            from rlopt.training import benchmarks

            train = benchmarks.suite("train")
            source = train[int(rng.integers(len(train)))]
        if isinstance(source, bytes | bytearray):
            data = bytes(source)
            key = "ir:" + hashlib.sha256(data).hexdigest()
            if key not in self.programs:
                self.programs[key] = self._from_ir(f"ir-{key[3:15]}", key, data, None, None)
            return self.programs[key]
        if isinstance(source, str):
            source = canonical(source)
        key = getattr(source, "uri", None) or str(source)
        if key not in self.programs:
            self.programs[key] = self._load(source)
        return self.programs[key]

    def _load(self, source: str | Path | Benchmark) -> Program:
        from rlopt.training import benchmarks

        if isinstance(source, str | Path):
            path = _ir_path(source)
            if path is not None:
                from rlopt.ir import read_input

                file = IrFile(path)
                return self._from_ir(file.name, file.uri, read_input(str(path)), None, path)
            source = benchmarks.get(str(source))
        if not isinstance(source, benchmarks.Benchmark):
            raise InputError(f"cannot use {type(source).__name__} as a benchmark (expected a name, URI, IR file, "
                             "IR bytes or Benchmark)")
        return self._from_ir(source.name, source.uri, benchmarks.ir(source, self.ir_level), source, None)

    def _from_ir(self, name: str, uri: str, data: bytes, bench: Benchmark | None, path: Path | None) -> Program:
        """Parse and verify the IR once and keep LLVM's own text of it."""
        handle = self.engine.load(data, name=name)
        try:
            text = self.engine.text(handle).encode()
        finally:
            self.engine.free(handle)
        return Program(name, BenchmarkUri(uri), State.of(text), bench, path)


@dataclass(frozen=True)
class IrFile:
    """An IR file named as a benchmark (bare IR: no C sources, so no runtime observations)."""

    path: Path

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def uri(self) -> str:
        """An absolute ``file://`` URI, so that it means the same file in every process."""
        return self.path.resolve().as_uri()


def find(name: str) -> Benchmark | IrFile:
    """What ``LlvmEnv(benchmark=name)`` trains on for a string, without loading it: an IR file (``file:///x.ll``,
    ``x.ll``, ``x.bc``), else the benchmark :func:`rlopt.training.benchmarks.get` finds by name or URI."""
    path = _ir_path(canonical(name))
    if path is not None:
        return IrFile(path)
    from rlopt.training import benchmarks

    return benchmarks.get(name)


def _ir_path(source: str | Path) -> Path | None:
    """The IR file a ``file://`` URI or a path names (``.ll``/``.bc``), else None (a benchmark name or URI)."""
    if isinstance(source, Path):
        path = source
    elif source.startswith("file://"):
        u = urlparse(source)
        if u.fragment:
            return None
        path = Path(unquote(u.path))
    elif source.endswith((".ll", ".bc")):
        path = Path(source)
    else:
        return None
    if path.suffix not in (".ll", ".bc"):
        return None
    if not path.is_file():
        raise InputError(f"{path}: no such IR file")
    return path
