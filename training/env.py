"""``LlvmEnv``: a CompilerGym-style Gymnasium environment over LLVM 19, registered as ``rlopt/llvm-v0``.

State: the current IR module, held in the crash-isolated :class:`rlopt.engine.Engine` (so a step costs a pass
run, not an ``opt`` process) and identified by the SHA-256 of its text. Everything derived from a state is
content-addressed in one :class:`rlopt.cache.Cache` (memory LRU over a sqlite file shared by workers):

- ``env.step``: (IR digest, pipeline) -> digest of the resulting IR, or the error the pass raised;
- ``env.ir``: IR digest -> the IR text (zlib), so repeated transitions never touch LLVM;
- ``env.obs.<Name>``: IR digest -> observation value (counts, sizes, feature vectors, graphs, measurements).

Keys include the LLVM version and a fingerprint of the code that computes each value, so stale entries are
never read. A crashing or hanging pass, a program that no longer builds, or a miscompile ends the episode
(``terminated=True`` with ``info["error"]``); the environment keeps working and ``reset`` starts afresh.
See ``docs/env.md``.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import inspect
import io
import shlex
import string
import tempfile
import time
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlparse

import gymnasium
import networkx as nx
import numpy as np
from gymnasium import spaces

from rlopt import passes
from rlopt.cache import Cache, default_dir, digest
from rlopt.engine import Engine, StaleHandle
from rlopt.errors import InputError, RloptError, ToolError, ToolTimeout
from rlopt.training import rewards as _rewards

#: Bump when the meaning of a cached value changes (it is part of every cache key).
CACHE_VERSION = "env-v2"
#: Seconds one engine call (a pass, code generation) may take before the step fails with a timeout.
DEFAULT_TIMEOUT = 60.0
#: Episode length used by the registered ``rlopt/llvm-v0`` (``gymnasium.make(..., max_episode_steps=N)``).
MAX_EPISODE_STEPS = 200
_MEMO_ITEMS = 2048  # small values (counts, feature vectors) of recent states
_HEAVY_MEMO_ITEMS = 8  # IR text and graphs: megabytes each for big modules
_CACHE_MEMORY_ITEMS = 1024  # the in-memory layer of a cache the env creates itself
_INT_MAX = np.iinfo(np.int64).max


class InvalidActionError(RloptError, ValueError):
    """An action that is not in the environment's action space."""


class Miscompile(RloptError):
    """The optimized program no longer builds, crashes, or prints something else than its -O0 build."""


class ProgramlArraysSpace(spaces.Space[dict]):
    """The ``ProgramlArrays`` observation: a ProGraML graph as named int64 arrays (what the GNN consumes).

    A custom space because a graph of variable size with several integer attributes per node and edge fits
    neither ``Box``/``Dict`` (fixed shapes) nor ``spaces.Graph`` (one feature array per node and per edge,
    returned as an unnamed ``GraphInstance``). ``contains`` checks every invariant the model relies on.
    """

    NODE_KEYS = ("node_tokens", "node_types", "node_function")
    EDGE_KEYS = ("edge_flow", "edge_position")
    NODE_TYPES = 4  # instruction, variable, constant, type
    EDGE_FLOWS = 4  # control, data, call, type

    def __init__(self, vocab_size: int, seed: int | np.random.Generator | None = None):
        super().__init__(None, None, seed)
        self.vocab_size = vocab_size

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        keys = {*self.NODE_KEYS, *self.EDGE_KEYS, "edge_index"}
        if not isinstance(x, Mapping) or set(x) != keys:
            return False
        if not all(isinstance(v, np.ndarray) and v.dtype == np.int64 for v in x.values()):
            return False
        n, e = len(x["node_types"]), len(x["edge_flow"])
        return (all(x[k].shape == (n,) for k in self.NODE_KEYS) and all(x[k].shape == (e,) for k in self.EDGE_KEYS)
                and x["edge_index"].shape == (2, e)
                and _within(x["edge_index"], n) and _within(x["node_tokens"], self.vocab_size)
                and _within(x["node_types"], self.NODE_TYPES) and _within(x["edge_flow"], self.EDGE_FLOWS)
                and bool((x["edge_position"] >= 0).all()) and bool((x["node_function"] >= -1).all()))

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, np.ndarray]:
        """A random graph of 1-32 nodes and 0-64 edges (for tests of code that consumes the space)."""
        rng = self.np_random
        n, e = int(rng.integers(1, 33)), int(rng.integers(0, 65))
        ints = functools.partial(rng.integers, dtype=np.int64)
        return {"node_tokens": ints(0, self.vocab_size, n), "node_types": ints(0, self.NODE_TYPES, n),
                "node_function": ints(0, 4, n), "edge_index": ints(0, n, (2, e)),
                "edge_flow": ints(0, self.EDGE_FLOWS, e), "edge_position": ints(0, 8, e)}

    def __repr__(self) -> str:
        return f"ProgramlArraysSpace(vocab_size={self.vocab_size})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProgramlArraysSpace) and other.vocab_size == self.vocab_size


class NetworkxSpace(spaces.Space[nx.MultiDiGraph]):
    """The ``Programl`` observation: a ``networkx.MultiDiGraph`` with ProGraML's attributes (not sampleable)."""

    def __init__(self, seed: int | np.random.Generator | None = None):
        super().__init__(None, None, seed)

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def contains(self, x: Any) -> bool:
        return isinstance(x, nx.MultiDiGraph)

    def sample(self, mask: Any = None, probability: Any = None) -> nx.MultiDiGraph:
        raise NotImplementedError("Programl graphs cannot be sampled; use ProgramlArraysSpace.sample")

    def __repr__(self) -> str:
        return "NetworkxSpace(MultiDiGraph)"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NetworkxSpace)


def _within(a: np.ndarray, upper: int) -> bool:
    return a.size == 0 or (int(a.min()) >= 0 and int(a.max()) < upper)


# ------------------------------------------------------------------------------------------- states, programs

@dataclass(frozen=True)
class State:
    """One IR module as text, with its SHA-256 (the key of everything cached about it)."""

    ir: bytes
    digest: str

    @classmethod
    def of(cls, ir: bytes) -> State:
        return cls(ir, hashlib.sha256(ir).hexdigest())


@dataclass(frozen=True)
class Program:
    """A benchmark resolved for the environment: where it came from, its initial state, how to run it."""

    name: str
    uri: str
    initial: State
    benchmark: Any = None  # rlopt.training.benchmarks.Benchmark, when the program can be built and run
    path: Path | None = None  # the IR file it was read from, if any


# ----------------------------------------------------------------------------------------------- observations

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
    ``heavy`` values (IR text, graphs: up to megabytes each) are kept in memory for the last few states only.
    """

    name: str
    space: Callable[[LlvmEnv], spaces.Space]
    compute: Callable[[LlvmEnv, State], Any]
    codec: _Codec | None = None
    code: Callable[[], Sequence[ModuleType]] = tuple
    needs_run: bool = False
    deterministic: bool = True
    heavy: bool = False


def _count_space(env: LlvmEnv) -> spaces.Space:
    return spaces.Box(0, _INT_MAX, shape=(), dtype=np.int64)


def _seconds_space(env: LlvmEnv) -> spaces.Space:
    return spaces.Box(0.0, np.inf, shape=(), dtype=np.float64)


def _vector_space(size: int) -> Callable[[LlvmEnv], spaces.Space]:
    return lambda env: spaces.Box(0, _INT_MAX, shape=(size,), dtype=np.int64)


def _features() -> ModuleType:
    from rlopt import features

    return features


def _graph() -> ModuleType:
    from rlopt import graph

    return graph


def _runtime() -> ModuleType:
    from rlopt.training import runtime

    return runtime


def _specs() -> dict[str, ObservationSpec]:
    text_space = lambda env: spaces.Text(max_length=1 << 31, charset=string.printable)  # noqa: E731
    base = [
        ObservationSpec("Ir", text_space, lambda env, s: s.ir.decode(), heavy=True),
        ObservationSpec("IrSha256", lambda env: spaces.Text(64, min_length=64, charset="0123456789abcdef"),
                        lambda env, s: s.digest),
        ObservationSpec("IrInstructionCount", _count_space,
                        lambda env, s: env._with_module(s, env.engine.instruction_count), _INT),
        ObservationSpec("ObjectTextSize", _count_space,
                        lambda env, s: env._with_module(s, env.engine.object_text_size), _INT),
        ObservationSpec("Autophase", _vector_space(56),
                        lambda env, s: np.asarray(_features().autophase(s.ir.decode()), dtype=np.int64),
                        _NPY, lambda: (_features(),)),
        ObservationSpec("InstCount", _vector_space(70),
                        lambda env, s: np.asarray(_features().instcount(s.ir.decode()), dtype=np.int64),
                        _NPY, lambda: (_features(),)),
        ObservationSpec("Programl", lambda env: NetworkxSpace(),
                        lambda env, s: _graph().build(s.ir.decode()).to_networkx(), heavy=True),
        ObservationSpec("ProgramlArrays", lambda env: ProgramlArraysSpace(len(env.vocab)),
                        lambda env, s: _graph().build(s.ir.decode()).arrays(env.vocab), _NPZ,
                        lambda: (_graph(),), heavy=True),
        ObservationSpec("Runtime", _seconds_space, lambda env, s: env._measure(s, "Runtime"), _FLOAT,
                        lambda: (_runtime(),), needs_run=True, deterministic=False),
        ObservationSpec("Buildtime", _seconds_space, lambda env, s: env._measure(s, "Buildtime"), _FLOAT,
                        lambda: (_runtime(),), needs_run=True, deterministic=False),
        ObservationSpec("RuntimeProxy", _count_space, lambda env, s: env._measure(s, "RuntimeProxy"), _INT,
                        lambda: (_runtime(),), needs_run=True),
    ]
    specs = {s.name: s for s in base}
    for name in ("IrInstructionCount", "ObjectTextSize", "Runtime", "RuntimeProxy"):
        for level in ("O0", "O3", "Oz"):
            s = specs[name]
            specs[f"{name}{level}"] = ObservationSpec(
                f"{name}{level}", s.space,
                lambda env, _s, name=name, level=level: env._observe(name, env._baseline(level)),
                needs_run=s.needs_run, deterministic=s.deterministic)
    return specs


#: Every observation by its CompilerGym name (plus ``IrSha256`` and the ``RuntimeProxy`` family).
OBSERVATIONS: dict[str, ObservationSpec] = _specs()


@functools.cache
def _fingerprint(module: ModuleType) -> str:
    """The hash of a module's source: cached values computed by older code are never read back."""
    try:
        return digest(inspect.getsource(module))
    except (OSError, TypeError):
        return getattr(module, "__version__", "unknown")


class ObservationView(Mapping[str, Any]):
    """``env.observation["Autophase"]``: any observation of the current state, computed on demand and cached."""

    def __init__(self, env: LlvmEnv):
        self._env = env

    def __getitem__(self, name: str) -> Any:
        if self._env.state is None:
            raise gymnasium.error.ResetNeeded("call reset() first")
        return _fresh(self._env._observe(name, self._env.state))

    def __iter__(self) -> Iterator[str]:
        return iter(OBSERVATIONS)

    def __len__(self) -> int:
        return len(OBSERVATIONS)

    @property
    def spaces(self) -> dict[str, spaces.Space]:
        """The space of every observation."""
        return {name: spec.space(self._env) for name, spec in OBSERVATIONS.items()}


# -------------------------------------------------------------------------------------------- the environment

class LlvmEnv(gymnasium.Env):
    """Choose LLVM passes one at a time to minimise a cost of one program (see the module docstring).

    ``benchmark``: a suite name or URI (``qsort``, ``benchmark://rlopt-suite-v0/qsort``,
    ``generator://csmith-v0/7``, ``file:///x.c``), an IR file (``file:///x.ll``, ``.bc``, or a path), IR bytes,
    a :class:`~rlopt.training.benchmarks.Benchmark`, or None to draw a training-split program at each reset.
    ``action_space``: ``compilergym-v0`` (124 actions), ``rlopt-extended-v0`` or ``rlopt-extended-v1``. With ``mask_unsafe``
    instrumentation actions are no-ops (``info["skipped"]``) and :meth:`action_mask` excludes them.
    ``cache``: a :class:`Cache`, a directory, True (``$RLOPT_CACHE_DIR``) or False (memory only).
    ``engine``: share an engine (e.g. between environments in one process); by default each env has its own.
    """

    metadata = {"render_modes": ["human", "ansi"]}

    def __init__(self, benchmark: Any = None, observation_space: str = "Autophase",
                 reward_space: str | None = "IrInstructionCountNorm", action_space: str = "compilergym-v0",
                 mask_unsafe: bool = True, *, ir_level: str = "O3", timeout: float = DEFAULT_TIMEOUT,
                 cache: Cache | str | Path | bool = True, engine: Engine | None = None, vocab: Any = None,
                 render_mode: str | None = None):
        if action_space not in passes.ACTION_SPACES:
            raise ValueError(f"unknown action space '{action_space}'; known: {', '.join(passes.ACTION_SPACES)}")
        if observation_space not in OBSERVATIONS:
            raise ValueError(f"unknown observation space '{observation_space}'; known: {', '.join(OBSERVATIONS)}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render mode '{render_mode}'")
        self.action_space_name = action_space
        self.action_list: tuple[passes.Action, ...] = passes.ACTION_SPACES[action_space]
        self.mask_unsafe = mask_unsafe
        self.observation_space_name = observation_space
        self.reward_space_name = reward_space
        self.reward_spec = _rewards.make(reward_space) if reward_space else None
        self.ir_level = ir_level
        self.timeout = timeout
        self.render_mode = render_mode
        self._owns_engine = engine is None
        self.engine = engine or Engine(timeout=timeout)
        self._owns_cache = not isinstance(cache, Cache)
        self.cache = cache if isinstance(cache, Cache) else Cache(
            default_dir() if cache is True else None if cache is False else cache, memory_items=_CACHE_MEMORY_ITEMS)
        self._vocab = vocab
        self._salt = digest(CACHE_VERSION, self.engine.toolchain.version_string)
        self._source = benchmark
        self._programs: dict[str, Program] = {}
        self._memo: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._heavy_memo: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._handle: int | None = None
        self._handle_digest: str | None = None
        self.program: Program | None = None
        self.state: State | None = None
        self.actions: list[int] = []
        self.episode_reward = 0.0
        self._last_obs: Any = None
        self.observation = ObservationView(self)
        self.action_space = spaces.Discrete(len(self.action_list))
        self.observation_space = OBSERVATIONS[observation_space].space(self)

    # -- Gymnasium API ------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        """Start from the benchmark's initial IR; ``options={"benchmark": ...}`` switches benchmark."""
        super().reset(seed=seed)
        if options and "benchmark" in options:
            self._source = options["benchmark"]
        self.program = self._resolve(self._source)
        self.state = self.program.initial
        self.actions = []
        self.episode_reward = 0.0
        if self.reward_spec is not None:
            self.reward_spec.reset(self)
        self._last_obs = self._observe(self.observation_space_name, self.state)
        return self._gym_observation(), {"benchmark": self.program.uri, "action_mask": self.action_mask()}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict]:
        """Apply one action; a failing pass or measurement ends the episode with ``info["error"]``."""
        index = self._action_index(action)
        if self.state is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        act = self.action_list[index]
        info: dict[str, Any] = {"action_name": act.name, "pipeline": act.pipeline}
        if self.mask_unsafe and not act.safe:
            info["skipped"] = f"{act.name} is an instrumentation action, masked by mask_unsafe=True"
            return self._gym_observation(), 0.0, False, False, info
        previous = self.state
        try:
            self.state = self._apply(previous, act.pipeline)
            obs = self._observe(self.observation_space_name, self.state)
            reward = 0.0
            if self.reward_spec is not None:
                info["speedup"] = self.reward_spec.speedup(self)  # first: it may fail, update() must not
                reward = self.reward_spec.update(self)
        except RloptError as e:
            self.state = previous
            info["error"] = f"{type(e).__name__}: {e}"
            return self._gym_observation(), 0.0, True, False, info
        self.actions.append(index)
        self.episode_reward += reward
        self._last_obs = obs
        return self._gym_observation(), float(reward), False, False, info

    def _gym_observation(self) -> Any:
        """The last observation as Gymnasium wants it: a fresh object, scalars as 0-d arrays of the space's dtype.

        (``env.observation[name]`` returns plain ``int``/``float`` scalars, as CompilerGym does.)
        """
        space = self.observation_space
        if isinstance(space, spaces.Box) and space.shape == ():
            return np.asarray(self._last_obs, dtype=space.dtype)
        return _fresh(self._last_obs)

    def render(self) -> str | None:
        """The current IR (``ansi`` returns it, ``human`` prints it)."""
        if self.state is None or self.render_mode is None:
            return None
        text = self.state.ir.decode()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        """Release the module and, if this environment created them, the engine and the cache."""
        self._drop_module()
        if self._owns_engine:
            self.engine.close()
        if self._owns_cache:
            self.cache.close()

    # -- CompilerGym-style API ----------------------------------------------------------------------------
    @property
    def vocab(self) -> Any:
        """The node vocabulary for ``ProgramlArrays`` (default: the one shipped with rlopt)."""
        if self._vocab is None:
            self._vocab = _graph().Vocabulary.default()
        return self._vocab

    @property
    def benchmark(self) -> str | None:
        """The current program's URI."""
        return self.program.uri if self.program else None

    @property
    def pipeline(self) -> str:
        """The ``opt -passes=`` pipeline of the actions applied so far in this episode."""
        return passes.pipeline([self.action_list[i] for i in self.actions], self.action_list)

    def commandline(self, input: str | Path | None = None, output: str = "-") -> str:
        """The ``opt`` command that turns the benchmark's IR into the current state.

        ``input`` defaults to the IR file the benchmark came from, else ``<name>.ll`` (write it with
        :meth:`write_ir` using ``initial=True``).
        """
        program = self._require_program()
        source = input or program.path or f"{program.name}.ll"
        opt = self.engine.toolchain.path("opt")
        return shlex.join([str(opt), f"-passes={self.pipeline}", str(source), "-S", "-o", output])

    def write_ir(self, path: str | Path, *, initial: bool = False) -> Path:
        """Write the current (or the benchmark's initial) IR text to ``path`` atomically."""
        from rlopt.ir import write_output

        program = self._require_program()
        write_output((program.initial if initial else self.state).ir, str(path))  # type: ignore[union-attr]
        return Path(path)

    def action_mask(self) -> np.ndarray:
        """1 for actions a policy may choose, 0 for masked ones (instrumentation when ``mask_unsafe``)."""
        return np.array([1 if a.safe or not self.mask_unsafe else 0 for a in self.action_list], dtype=np.int8)

    def fork(self) -> LlvmEnv:
        """An independent copy of this environment in its current state (shares the engine and the cache)."""
        program = self._require_program()
        other = LlvmEnv(program.benchmark or program.initial.ir, self.observation_space_name,
                        self.reward_space_name, self.action_space_name, self.mask_unsafe, ir_level=self.ir_level,
                        timeout=self.timeout, cache=self.cache, engine=self.engine, vocab=self._vocab,
                        render_mode=self.render_mode)
        other._programs = self._programs
        other._memo, other._heavy_memo = self._memo, self._heavy_memo
        other.program, other.state, other.actions = program, self.state, list(self.actions)
        other.episode_reward, other._last_obs = self.episode_reward, self._last_obs
        other._source = self._source
        other.reward_spec = copy.copy(self.reward_spec)
        if self._np_random is not None:
            other._np_random = np.random.Generator(type(self._np_random.bit_generator)())
            other._np_random.bit_generator.state = self._np_random.bit_generator.state
        return other

    def validate(self) -> Any:
        """Build the current IR, run it and compare with the benchmark's -O0 build (a ``ValidationResult``)."""
        program = self._require_program()
        return _runtime().validate(self.state.ir, self._runnable(program))  # type: ignore[union-attr]

    # -- transitions --------------------------------------------------------------------------------------
    def _apply(self, state: State, pipeline: str) -> State:
        """The state after running ``pipeline`` on ``state``: from the cache, else in the engine."""
        key = digest(self._salt, state.digest, pipeline)
        cached = self.cache.get("env.step", key)
        if cached is not None:
            result = self._replay(cached, state)
            if result is not None:
                return result
        try:
            new, count = self._with_module(state, lambda h: self._run(h, pipeline, state))
        except ToolError as e:
            self._drop_module()
            if isinstance(e, ToolTimeout):
                self.cache.put("env.step", key, f"timeout:{self.timeout!r}:{e}".encode())
            elif not isinstance(e, StaleHandle):
                self.cache.put("env.step", key, f"error:{type(e).__name__}:{e}".encode())
            raise
        self._handle_digest = new.digest
        if new.digest != state.digest:
            self.cache.put("env.ir", new.digest, zlib.compress(new.ir, 1))
        self.cache.put("env.step", key, b"ok:" + new.digest.encode())
        self._store("IrInstructionCount", new, count)  # came with the step: spares a round trip to the worker
        return new

    def _run(self, handle: int, pipeline: str, state: State) -> tuple[State, int]:
        """One engine round trip: run, verify, and the new state with its instruction count."""
        self._handle_digest = None  # the module changes in place; it no longer holds the old state
        result = self.engine.step(handle, pipeline, previous=state.digest)
        new = State(result.text.encode(), result.digest) if result.text is not None else state
        return new, result.instruction_count

    def _replay(self, cached: bytes, state: State) -> State | None:
        """A cached transition, or None when it must be recomputed (IR evicted, or a shorter timeout then)."""
        kind, _, rest = cached.partition(b":")
        if kind == b"ok":
            target = rest.decode()
            if target == state.digest:
                return state
            ir = self.cache.get("env.ir", target)
            return State(zlib.decompress(ir), target) if ir is not None else None
        if kind == b"timeout":
            seconds, _, message = rest.decode().partition(":")
            if float(seconds) >= (self.timeout or float("inf")):
                raise ToolTimeout("engine", float(seconds))
            return None
        cls_name, _, message = rest.decode().partition(":")
        raise ToolError("engine", f"{message} (cached result of an earlier {cls_name})")

    def _baseline(self, level: str) -> State:
        """The benchmark after no passes (``O0``) or after ``default<O3>``/``default<Oz>``."""
        initial = self._require_program().initial
        return initial if level == "O0" else self._apply(initial, passes.OPT_LEVELS[level])

    # -- engine modules -----------------------------------------------------------------------------------
    def _with_module(self, state: State, fn: Callable[[int], Any]) -> Any:
        """Call ``fn(handle)`` with ``state`` loaded in the engine (reloading after a worker restart)."""
        for attempt in range(2):
            if self._handle is None or self._handle_digest != state.digest:
                self._drop_module()
                self._handle = self.engine.load(state.ir, verify=False)
                self._handle_digest = state.digest
            try:
                return fn(self._handle)
            except StaleHandle:
                self._handle = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _drop_module(self) -> None:
        handle, self._handle, self._handle_digest = self._handle, None, None
        if handle is not None:
            with contextlib.suppress(ToolError):  # the worker is gone, and the module with it
                self.engine.free(handle)

    # -- observations -------------------------------------------------------------------------------------
    def _observe(self, name: str, state: State) -> Any:
        """Observation ``name`` of ``state``: memory, then disk cache, then computed (and stored).

        Returns the memoised object itself: whatever hands it to a user wraps it in :func:`_fresh`.
        """
        try:
            spec = OBSERVATIONS[name]
        except KeyError:
            raise KeyError(f"unknown observation '{name}'; known: {', '.join(OBSERVATIONS)}") from None
        memo = self._heavy_memo if spec.heavy else self._memo
        memo_key = (name, state.digest)
        if memo_key in memo:
            memo.move_to_end(memo_key)
            return memo[memo_key]
        if spec.codec is not None:
            stored = self.cache.get(f"env.obs.{name}", self._observation_key(spec, state))
            if stored is not None:
                try:
                    value = spec.codec.decode(stored)
                except (ValueError, OSError, zlib.error):
                    pass  # an entry this code cannot read (older format, damaged file): recompute it
                else:
                    self._memoize(spec, state, value)
                    return value
        value = spec.compute(self, state)
        self._store(name, state, value)
        return value

    def _store(self, name: str, state: State, value: Any) -> None:
        """Remember observation ``name`` of ``state`` in memory and (if it has a codec) in the cache."""
        spec = OBSERVATIONS[name]
        if (name, state.digest) in (self._heavy_memo if spec.heavy else self._memo):
            return  # known already (a step that left the module unchanged)
        if spec.codec is not None:
            self.cache.put(f"env.obs.{name}", self._observation_key(spec, state), spec.codec.encode(value))
        self._memoize(spec, state, value)

    def _memoize(self, spec: ObservationSpec, state: State, value: Any) -> None:
        memo, capacity = (self._heavy_memo, _HEAVY_MEMO_ITEMS) if spec.heavy else (self._memo, _MEMO_ITEMS)
        memo[(spec.name, state.digest)] = value
        while len(memo) > capacity:
            memo.popitem(last=False)

    def _observation_key(self, spec: ObservationSpec, state: State) -> str:
        """The cache key of one observation: state, code that computes it, and whatever else decides it."""
        parts = [self._salt, spec.name, state.digest, *(_fingerprint(m) for m in spec.code())]
        if spec.needs_run:
            parts += self._run_context()
        if spec.name == "ProgramlArrays":
            parts.append(self.vocab.sha256)
        return digest(*parts)

    def _run_context(self) -> list[str]:
        """What else than the IR decides a measurement: the program's arguments and working directory."""
        bench = self._runnable(self._require_program())
        return [" ".join(bench.args), " ".join(bench.small_args), " ".join(bench.ldflags), str(bench.cwd),
                repr(bench.env), str(bench.stdin), str(bench.data), " ".join(bench.outputs)]

    def _measure(self, state: State, what: str) -> float | int:
        """Build ``state`` and measure it; a program that fails validation is a :class:`Miscompile`."""
        runtime = _runtime()
        bench = self._runnable(self._require_program())
        verdict = self._validation(state, bench)
        if not verdict.ok:
            raise Miscompile(f"{verdict.status}: {verdict.message}")
        with tempfile.TemporaryDirectory(prefix="rlopt-env-") as d:
            start = time.perf_counter()
            exe = runtime.build(state.ir, Path(d) / bench.name, extra_link=bench.ldflags)
            buildtime = time.perf_counter() - start
            if what == "Buildtime":
                return buildtime
            with runtime.run_directory(bench) as cwd:
                if what == "RuntimeProxy":  # without the calibration's env: callgrind wants the small input
                    return runtime.callgrind_instructions(exe, bench.small_args, cwd=cwd, stdin=bench.stdin)
                return runtime.measure_runtime(exe, bench.args, cwd=cwd, stdin=bench.stdin, env=bench.env).median

    def _validation(self, state: State, bench: Any) -> Any:
        """``runtime.validate`` of a state, cached by IR digest (a miscompile is a property of the IR)."""
        runtime = _runtime()
        key = digest(self._salt, state.digest, _fingerprint(runtime), *self._run_context())
        stored = self.cache.get("env.validate", key)
        if stored is not None:
            status, _, message = stored.decode().partition(":")
            return runtime.ValidationResult(status, message)
        verdict = runtime.validate(state.ir, bench)
        self.cache.put("env.validate", key, f"{verdict.status}:{verdict.message}".encode())
        return verdict

    # -- helpers ------------------------------------------------------------------------------------------
    def _action_index(self, action: Any) -> int:
        """An action given as an index (int or numpy integer) or a name such as ``-mem2reg``."""
        if isinstance(action, str):
            names = [a.name for a in self.action_list]
            key = action if action.startswith("-") else f"-{action}"
            if key in names:
                return names.index(key)
            raise InvalidActionError(f"unknown action '{action}' in action space '{self.action_space_name}'")
        if isinstance(action, np.ndarray) and action.shape == ():
            action = action.item()
        if isinstance(action, int | np.integer) and not isinstance(action, bool) and \
                0 <= int(action) < len(self.action_list):
            return int(action)
        raise InvalidActionError(f"invalid action {action!r}: expected an integer in [0, {len(self.action_list)}) "
                                 f"for action space '{self.action_space_name}'")

    def _require_program(self) -> Program:
        if self.program is None or self.state is None:
            raise gymnasium.error.ResetNeeded("call reset() first")
        return self.program

    @staticmethod
    def _runnable(program: Program) -> Any:
        if program.benchmark is None:
            raise InputError(f"{program.name}: runtime observations need a benchmark with C sources and "
                             "arguments (a suite name, a csmith seed or a user manifest), not bare IR")
        return program.benchmark

    def _resolve(self, source: Any) -> Program:
        """Turn whatever ``benchmark`` was given into a :class:`Program` (memoised per URI)."""
        if source is None:
            from rlopt.training import benchmarks

            train = benchmarks.suite("train")
            source = train[int(self.np_random.integers(len(train)))]
        if isinstance(source, bytes | bytearray):
            data = bytes(source)
            key = "ir:" + hashlib.sha256(data).hexdigest()
            if key not in self._programs:
                self._programs[key] = self._program_from_ir(f"ir-{key[3:15]}", key, data, None, None)
            return self._programs[key]
        key = getattr(source, "uri", None) or str(source)
        if key not in self._programs:
            self._programs[key] = self._load_program(source)
        return self._programs[key]

    def _load_program(self, source: Any) -> Program:
        from rlopt.training import benchmarks

        if isinstance(source, str | Path):
            path = _ir_path(source)
            if path is not None:
                from rlopt.ir import read_input

                return self._program_from_ir(path.stem, path.resolve().as_uri(), read_input(str(path)), None, path)
            source = benchmarks.get(str(source))
        if not isinstance(source, benchmarks.Benchmark):
            raise InputError(f"cannot use {type(source).__name__} as a benchmark (expected a name, URI, IR file, "
                             "IR bytes or Benchmark)")
        return self._program_from_ir(source.name, source.uri, benchmarks.ir(source, self.ir_level), source, None)

    def _program_from_ir(self, name: str, uri: str, data: bytes, bench: Any, path: Path | None) -> Program:
        """Parse and verify the IR once (bad input fails here, clearly) and keep LLVM's own text of it."""
        handle = self.engine.load(data, name=name)
        try:
            text = self.engine.text(handle).encode()
        finally:
            self.engine.free(handle)
        return Program(name, uri, State.of(text), bench, path)


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


def _fresh(value: Any) -> Any:
    """A copy of a mutable observation, so that callers can keep or modify what they were given."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if isinstance(value, nx.Graph):
        return value.copy()
    return value
