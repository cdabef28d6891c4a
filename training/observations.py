"""The observations of the LLVM environment, by CompilerGym's names: how each is computed, its space, and how
it is stored in the cache. ``env.observation[name]`` (:class:`ObservationView`) computes any of them on demand.

Each :class:`ObservationSpec` says what to compute from a state (``compute(env, state)``), the space it lives in,
whether it is written to the disk cache (``codec``) and which modules' source fingerprints its cache key.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import inspect
import io
import os
import platform
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import gymnasium
import networkx as nx
import numpy as np
from gymnasium import spaces
from networkx.readwrite import json_graph

from rlopt.cache import digest
from rlopt.features import AUTOPHASE_NAMES, INSTCOUNT_NAMES
from rlopt.training.spaces import (
    INT_HIGH,
    BytesSpace,
    JsonSpace,
    LongText,
    NetworkxSpace,
    ProgramlArraysSpace,
    ProgramlGraphSpace,
    ProgramlNetworkx,
    graph_instance,
)

if TYPE_CHECKING:
    from rlopt.training.env import LlvmEnv
    from rlopt.training.programs import State

_HEX = "0123456789abcdef"


@dataclass(frozen=True)
class _Codec:
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], Any]


def _npy_encode(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def _npz_encode(d: dict[str, np.ndarray]) -> bytes:
    """Arrays as a zlib-compressed ``.npz`` (graph arrays shrink ~10x; zlib level 1 takes ~1 ms)."""
    buf = io.BytesIO()
    np.savez(buf, **d)
    return zlib.compress(buf.getvalue(), 1)


def _npz_decode(b: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(zlib.decompress(b)), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


_INT = _Codec(lambda v: str(int(v)).encode(), lambda b: int(b))
_FLOAT = _Codec(lambda v: repr(float(v)).encode(), lambda b: float(b))
_NPY = _Codec(_npy_encode, lambda b: np.load(io.BytesIO(b), allow_pickle=False))
_NPZ = _Codec(_npz_encode, _npz_decode)


@dataclass(frozen=True)
class ObservationSpec:
    """How one named observation is computed, which space it lives in, and how it is cached on disk.

    ``compute(env, state)`` may use the engine and the program; ``codec`` None means the value is only kept in
    memory (cheap, or not serialisable); ``code`` lists the modules whose source fingerprints the cache key;
    ``heavy`` values (IR text, graphs: up to megabytes each) are kept in memory for the last few states only;
    a value that is not ``remembered`` is computed at every read (``BitcodeFile``: a new file each time, which
    the caller owns).
    """

    name: str
    space: Callable[[LlvmEnv], spaces.Space]
    compute: Callable[[LlvmEnv, State], Any]
    codec: _Codec | None = None
    code: Callable[[], Sequence[ModuleType]] = tuple
    needs_run: bool = False
    deterministic: bool = True
    heavy: bool = False
    remembered: bool = True


def _count_box(shape: tuple[int, ...] = ()) -> spaces.Box:
    return spaces.Box(0, INT_HIGH, shape=shape, dtype=np.int64)


def _count_space(shape: tuple[int, ...] = ()) -> Callable[[LlvmEnv], spaces.Space]:
    return lambda env: _count_box(shape)


def _density_box(shape: tuple[int, ...] = ()) -> spaces.Box:
    """Per instruction: functions can outnumber the instructions (declarations count), so the bound is not 1."""
    return spaces.Box(0.0, float(np.finfo(np.float32).max), shape=shape, dtype=np.float32)


def _dict_space(names: Sequence[str], box: Callable[[], spaces.Box]) -> Callable[[LlvmEnv], spaces.Space]:
    return lambda env: spaces.Dict({n: box() for n in names})


def _flag_space(env: LlvmEnv) -> spaces.Space:
    return spaces.Box(0, 1, shape=(), dtype=np.bool_)


def _density(counts: np.ndarray) -> np.ndarray:
    """CompilerGym's ``InstCountNorm``: every InstCount feature but the first, per instruction."""
    return (counts[1:] / max(int(counts[0]), 1)).astype(np.float32)


def _cpu_info_space(env: LlvmEnv) -> spaces.Space:
    return spaces.Dict({"name": LongText(), **{k: spaces.Box(-1, INT_HIGH, shape=(), dtype=np.int64)
                                               for k in _CPU_COUNTS}})


_CPU_COUNTS = ("cores_count", *(f"{level}_cache_{what}" for level in ("l1i", "l1d", "l2", "l3", "l4")
                                for what in ("size", "count")))


@functools.cache
def cpu_info() -> dict[str, Any]:
    """CompilerGym's ``CpuInfo``: the processor's name, its logical cores, and the size in bytes and number of its
    caches at each level (-1 where Linux's ``/sys`` does not say)."""
    info: dict[str, Any] = {"name": platform.processor() or platform.machine(), "cores_count": os.cpu_count() or -1}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["name"] = line.split(":", 1)[1].strip()
                break
    caches: dict[str, set[str]] = {}
    sizes: dict[str, int] = {}
    for index in sorted(Path("/sys/devices/system/cpu").glob("cpu[0-9]*/cache/index[0-9]*")):
        try:
            level, kind, size, shared = ((index / f).read_text().strip()
                                         for f in ("level", "type", "size", "shared_cpu_list"))
        except OSError:
            continue
        key = f"l{level}" + {"Data": "d", "Instruction": "i"}.get(kind, "")
        key = {"l1": "l1d"}.get(key, key)  # (a unified first level counts as data)
        caches.setdefault(key, set()).add(shared)
        sizes[key] = _bytes(size)
    for level in ("l1i", "l1d", "l2", "l3", "l4"):
        info[f"{level}_cache_size"] = sizes.get(level, -1)
        info[f"{level}_cache_count"] = len(caches[level]) if level in caches else -1
    return info


def _bytes(size: str) -> int:
    """A cache size as ``/sys`` writes it (``32K``), or -1."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    try:
        return int(size[:-1]) * units[size[-1]] if size[-1:] in units else int(size)
    except ValueError:
        return -1


def _has_sources(env: LlvmEnv, state: State) -> bool:
    """Whether the benchmark can be built and run (C sources and a run configuration), not only IR."""
    return env._require_program().benchmark is not None


def _seconds_space(limit: str) -> Callable[[LlvmEnv], spaces.Space]:
    """Seconds, up to the time limit in :mod:`rlopt.training.runtime` (a longer run or build fails instead)."""
    return lambda env: spaces.Box(0.0, getattr(runtime_module(), limit), shape=(), dtype=np.float64)


def _features() -> ModuleType:
    from rlopt import features

    return features


def _parser() -> ModuleType:
    from rlopt import irparse

    return irparse


def graph_module() -> ModuleType:
    from rlopt import graph

    return graph


def runtime_module() -> ModuleType:
    from rlopt.training import runtime

    return runtime


def _specs() -> dict[str, ObservationSpec]:
    base = [
        ObservationSpec("Ir", lambda env: LongText(), lambda env, s: s.ir.decode(), heavy=True),
        ObservationSpec("Bitcode", lambda env: BytesSpace(), lambda env, s: env._with_module(s, env.engine.bitcode),
                        heavy=True),
        ObservationSpec("BitcodeFile", lambda env: LongText(), lambda env, s: str(env._bitcode_file(s)),
                        deterministic=False, remembered=False),
        ObservationSpec("IrSha256", lambda env: spaces.Text(64, min_length=64, charset=_HEX),
                        lambda env, s: s.digest),
        ObservationSpec("IrSha1", lambda env: spaces.Text(40, min_length=40, charset=_HEX),
                        lambda env, s: hashlib.sha1(s.ir).hexdigest()),
        ObservationSpec("IrInstructionCount", _count_space(),
                        lambda env, s: env._with_module(s, env.engine.instruction_count), _INT),
        ObservationSpec("ObjectTextSize", _count_space(),
                        lambda env, s: env._with_module(s, env.engine.object_text_size), _INT),
        ObservationSpec("ObjectTextSizeBytes", _count_space(), lambda env, s: env._observe("ObjectTextSize", s)),
        ObservationSpec("TextSize", _count_space(), lambda env, s: env._text_size(s), _INT,
                        lambda: (runtime_module(),), needs_run=True),
        ObservationSpec("TextSizeBytes", _count_space(), lambda env, s: env._observe("TextSize", s)),
        ObservationSpec("Autophase", _count_space((len(AUTOPHASE_NAMES),)),
                        lambda env, s: np.asarray(_features().autophase(s.ir.decode()), dtype=np.int64),
                        _NPY, lambda: (_features(), _parser())),
        ObservationSpec("InstCount", _count_space((len(INSTCOUNT_NAMES),)),
                        lambda env, s: np.asarray(_features().instcount(s.ir.decode()), dtype=np.int64),
                        _NPY, lambda: (_features(), _parser())),
        ObservationSpec("AutophaseDict", _dict_space(AUTOPHASE_NAMES, _count_box),
                        lambda env, s: dict(zip(AUTOPHASE_NAMES, map(int, env._observe("Autophase", s)), strict=True))),
        ObservationSpec("InstCountDict", _dict_space([f"{n}Count" for n in INSTCOUNT_NAMES], _count_box),
                        lambda env, s: {f"{n}Count": int(v) for n, v in
                                        zip(INSTCOUNT_NAMES, env._observe("InstCount", s), strict=True)}),
        ObservationSpec("InstCountNorm", lambda env: _density_box((len(INSTCOUNT_NAMES) - 1,)),
                        lambda env, s: _density(env._observe("InstCount", s))),
        ObservationSpec("InstCountNormDict", _dict_space([f"{n}Density" for n in INSTCOUNT_NAMES[1:]], _density_box),
                        lambda env, s: {f"{n}Density": float(v) for n, v in
                                        zip(INSTCOUNT_NAMES[1:], env._observe("InstCountNorm", s), strict=True)}),
        ObservationSpec("Programl", lambda env: NetworkxSpace(),
                        lambda env, s: graph_module().build(s.ir.decode()).to_networkx(ProgramlNetworkx), heavy=True),
        ObservationSpec("ProgramlJson", lambda env: JsonSpace(),
                        lambda env, s: json_graph.node_link_data(env._observe("Programl", s), edges="links"),
                        heavy=True),
        ObservationSpec("ProgramlArrays", lambda env: ProgramlArraysSpace(len(env.vocab)),
                        lambda env, s: graph_module().build(s.ir.decode()).arrays(env.vocab), _NPZ,
                        lambda: (graph_module(), _parser()), heavy=True),
        ObservationSpec("ProgramlGraph", lambda env: ProgramlGraphSpace(len(env.vocab)),
                        lambda env, s: graph_instance(env._observe("ProgramlArrays", s)), heavy=True),
        ObservationSpec("Runtime", _seconds_space("RUN_TIMEOUT"), lambda env, s: env._measure(s, "Runtime"),
                        _FLOAT, lambda: (runtime_module(),), needs_run=True, deterministic=False),
        ObservationSpec("Buildtime", _seconds_space("BUILD_TIMEOUT"), lambda env, s: env._measure(s, "Buildtime"),
                        _FLOAT, lambda: (runtime_module(),), needs_run=True, deterministic=False),
        ObservationSpec("RuntimeProxy", _count_space(), lambda env, s: env._measure(s, "RuntimeProxy"), _INT,
                        lambda: (runtime_module(),), needs_run=True),
        ObservationSpec("IsBuildable", _flag_space, _has_sources),
        ObservationSpec("IsRunnable", _flag_space, _has_sources),
        ObservationSpec("CpuInfo", _cpu_info_space, lambda env, s: cpu_info()),
    ]
    specs = {s.name: s for s in base}
    for name in ("IrInstructionCount", "ObjectTextSize", "TextSize", "Runtime", "RuntimeProxy"):
        for level in ("O0", "O3", "Oz"):
            s = specs[name]
            specs[f"{name}{level}"] = ObservationSpec(
                f"{name}{level}", s.space,
                lambda env, _s, name=name, level=level: env._observe(name, env._baseline(level)),
                needs_run=s.needs_run, deterministic=s.deterministic)
    return specs


#: Every observation by its CompilerGym name (plus ``IrSha256``, ``ProgramlArrays``, ``ProgramlGraph`` and the
#: ``RuntimeProxy`` family).
OBSERVATIONS: dict[str, ObservationSpec] = _specs()


@functools.cache
def fingerprint(module: ModuleType) -> str:
    """The hash of a module's source: cached values computed by older code are never read back."""
    try:
        return digest(inspect.getsource(module))
    except (OSError, TypeError):
        return getattr(module, "__version__", "unknown")


class ObservationView(Mapping[str, Any]):
    """``env.observation["Autophase"]``: any observation of the current state (or of a fixed ``state``, for a
    reward that starts from the episode's first state), computed on demand and cached."""

    def __init__(self, env: LlvmEnv, state: State | None = None):
        self._env = env
        self._state = state

    def __getitem__(self, name: str) -> Any:
        state = self._state or self._env.ir_state
        if state is None:
            raise gymnasium.error.ResetNeeded("call reset() first")
        return fresh(self._env._observe(name, state))

    def __getattr__(self, name: str) -> Callable[[], Any]:
        """CompilerGym's other spelling: ``env.observation.Autophase()`` is ``env.observation["Autophase"]``."""
        if name in OBSERVATIONS:
            return lambda: self[name]
        raise AttributeError(f"no observation space '{name}'")

    def __iter__(self) -> Iterator[str]:
        return iter(OBSERVATIONS)

    def __len__(self) -> int:
        return len(OBSERVATIONS)

    @property
    def spaces(self) -> dict[str, ObservationSpaceSpec]:
        """Every observation's :class:`ObservationSpaceSpec` (which also acts as its space)."""
        return {name: space_spec(self._env, name) for name in OBSERVATIONS}


@dataclass(eq=False)
class ObservationSpaceSpec:
    """CompilerGym's description of an observation space: ``id``, the Gymnasium ``space``, whether a state's value
    is ``deterministic`` and whether it is ``platform_dependent``. Anything else is read from ``space``, so that the
    spec serves as the space itself (``contains``, ``sample``, ``shape``); Gymnasium's functions that dispatch on
    the space's type (``batch_space``) want ``spec.space``. The environment's own spec
    (``env.observation_space_spec``) takes another ``space`` for a wrapper that transforms the observation."""

    id: str
    space: spaces.Space
    deterministic: bool
    platform_dependent: bool

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.space, name)

    def contains(self, x: Any) -> bool:
        """Whether ``x`` is in the space; a plain scalar (what ``env.observation[name]`` gives) counts as the
        0-d array ``reset``/``step`` give (Gymnasium warns about casting it)."""
        if isinstance(self.space, spaces.Box) and self.space.shape == () and isinstance(x, int | float | bool):
            x = np.asarray(x, dtype=self.space.dtype)
        return self.space.contains(x)


#: Observations whose value depends on the machine: code generation, linking, timing, the processor itself.
_PLATFORM_DEPENDENT = ("ObjectTextSize", "TextSize", "Runtime", "Buildtime", "CpuInfo")


def space_spec(env: LlvmEnv, name: str) -> ObservationSpaceSpec:
    """The :class:`ObservationSpaceSpec` of observation ``name`` in ``env``."""
    spec = OBSERVATIONS[name]
    return ObservationSpaceSpec(name, spec.space(env), spec.deterministic, name.startswith(_PLATFORM_DEPENDENT))




def fresh(value: Any) -> Any:
    """A copy of a mutable observation, so that callers can keep or modify what they were given."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: fresh(v) for k, v in value.items()}
    if isinstance(value, nx.Graph):
        return value.copy()
    if isinstance(value, spaces.GraphInstance):
        return spaces.GraphInstance(*(fresh(a) for a in value))
    return value
