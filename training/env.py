"""``LlvmEnv``: a CompilerGym-style Gymnasium environment over LLVM 19, registered as ``rlopt/llvm-v0``.

State: the current IR module, held in the crash-isolated :class:`rlopt.engine.Engine` (so a step costs a pass
run, not an ``opt`` process) and identified by the SHA-256 of its text. Everything derived from a state is
content-addressed in one :class:`rlopt.cache.Cache` (memory LRU over a sqlite file shared by workers):

- ``env.step``: (IR digest, pipeline, knob options) -> a ``Transition``: the resulting IR's digest, or the failure;
- ``env.ir``: IR digest -> the IR text (zlib), so repeated transitions never touch LLVM;
- ``env.obs.<Name>``: IR digest -> observation value (counts, sizes, feature vectors, graphs, measurements).

Keys include the LLVM version and a fingerprint of the code that computes each value, so stale entries are
never read. A crashing or hanging pass, a program that no longer builds, or a miscompile ends the episode
(``terminated=True`` with ``info["error"]``); the environment keeps working and ``reset`` starts afresh.

Observations are defined in :mod:`rlopt.training.observations`, their spaces in :mod:`rlopt.training.spaces`,
benchmark loading in :mod:`rlopt.training.programs`, the transition and observation caches in
:mod:`rlopt.training.statecache`, and CompilerGym's API (``env.state``, ``apply``,
``validate``, ``datasets``, ``reward[...]``, ...) in :mod:`rlopt.training.compiler_gym`. See ``docs/env.md``.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import shlex
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium
import numpy as np
from gymnasium import spaces

from rlopt import passes
from rlopt.cache import Cache, default_dir, digest
from rlopt.engine import Engine, StaleHandle
from rlopt.errors import InputError, RloptError, ToolError
from rlopt.toolchain import DEFAULT_TIMEOUT
from rlopt.training import rewards as _rewards
from rlopt.training.compiler_gym import UNCHANGED, CompilerGymMixin
from rlopt.training.observations import (
    OBSERVATIONS,
    ObservationSpaceSpec,
    ObservationView,
    fingerprint,
    fresh,
    runtime_module,
    space_spec,
)
from rlopt.training.programs import BenchmarkSource, Program, ProgramLoader, State
from rlopt.training.spaces import (
    Commandline,
    NetworkxSpace,
    NoObservation,
    ProgramlArraysSpace,
    ProgramlGraphSpace,
)
from rlopt.training.statecache import ObservationCache, Transitions
from rlopt.vocab import Vocabulary

if TYPE_CHECKING:
    from rlopt.training.benchmarks import Benchmark
    from rlopt.training.runtime import ValidationResult

__all__ = ["OBSERVATIONS", "InvalidActionError", "LlvmEnv", "Miscompile", "NetworkxSpace", "NoObservation",
           "Program", "ProgramlArraysSpace", "ProgramlGraphSpace", "State", "UnknownSpaceError"]

#: Bump when the meaning of a cached value changes (it is part of every cache key).
CACHE_VERSION = "env-v2"
_CACHE_MEMORY_ITEMS = 1024  # the in-memory layer of a cache the env creates itself


class InvalidActionError(RloptError, ValueError):
    """An action that is not in the environment's action space."""


class UnknownSpaceError(RloptError, ValueError, LookupError):
    """An observation, reward or action space name that does not exist (CompilerGym raises LookupError)."""


class Miscompile(RloptError):
    """The optimized program no longer builds, crashes, or prints something else than its -O0 build."""


class LlvmEnv(CompilerGymMixin, gymnasium.Env[Any, int]):
    """Choose LLVM passes one at a time to minimise a cost of one program (see the module docstring).

    ``benchmark``: a suite name or URI (``qsort``, ``benchmark://rlopt-suite-v0/qsort``,
    ``generator://csmith-v0/7``, ``file:///x.c``), an IR file (``file:///x.ll``, ``.bc``, or a path), IR bytes,
    a :class:`~rlopt.training.benchmarks.Benchmark`, or None to draw a training-split program at each reset.
    ``observation_space``/``reward_space``: names, or None (``step`` then returns ``None``/``0.0``); both can
    be set later by name, as in CompilerGym.
    ``action_space``: ``compilergym-v0`` (124 actions), ``rlopt-extended-v0`` or ``rlopt-extended-v1``. With
    ``mask_unsafe`` instrumentation actions are no-ops (``info["skipped"]``) and :meth:`action_mask` excludes them.
    ``cache``: a :class:`Cache`, a directory, True (``$RLOPT_CACHE_DIR``) or False (memory only).
    ``engine``: share an engine (e.g. between environments in one process); by default each env has its own.
    """

    metadata = {"render_modes": ["human", "ansi"]}

    def __init__(self, benchmark: BenchmarkSource = None, observation_space: str | None = "Autophase",
                 reward_space: str | None = "IrInstructionCountNorm", action_space: str = "compilergym-v0",
                 mask_unsafe: bool = True, *, ir_level: str = "O3", timeout: float = DEFAULT_TIMEOUT,
                 cache: Cache | str | Path | bool = True, engine: Engine | None = None, vocab: Vocabulary | None = None,
                 render_mode: str | None = None):
        if action_space not in passes.ACTION_SPACES:
            known = ", ".join(passes.ACTION_SPACES)
            raise UnknownSpaceError(f"unknown action space '{action_space}'; known: {known}")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"unknown render mode '{render_mode}'")
        self.action_space_name = action_space
        self.action_list: tuple[passes.Action, ...] = passes.ACTION_SPACES[action_space]
        self.mask_unsafe = mask_unsafe
        self.ir_level = ir_level
        self.timeout = timeout
        self.render_mode = render_mode
        self.engine = engine or Engine(timeout=timeout)
        self.cache = cache if isinstance(cache, Cache) else Cache(
            default_dir() if cache is True else None if cache is False else cache, memory_items=_CACHE_MEMORY_ITEMS)
        self._owned = _Owned(None if engine is not None else self.engine, None if isinstance(cache, Cache) else self.cache)
        self._closed = False
        self._vocab = vocab
        self._salt = digest(CACHE_VERSION, self.engine.toolchain.version_string)
        self._source = benchmark
        self.loader = ProgramLoader(self.engine, ir_level)
        self.transitions = Transitions(self.cache, self._salt)
        self.observations = ObservationCache(self.cache, self._salt)
        self._handle: int | None = None
        self._handle_digest: str | None = None
        self._handle_options: tuple[str, ...] = ()  # the knobs of the last step run on the module
        self.program: Program | None = None
        self.ir_state: State | None = None
        self.actions: list[int] = []
        self.episode_reward = 0.0
        self._partial_return = False  # the reward space changed during the episode: the return covers a part
        self.episode_start = time.time()
        self._last_obs: Any = None
        self._reward_views: dict[str, _rewards.Reward] = {}
        self._step_overrides: dict[str, Any] = {}
        self._scratch: tempfile.TemporaryDirectory | None = None  # BitcodeFile's files (gone at close or exit)
        self.observation = ObservationView(self)
        self.action_space = Commandline.of_actions(self.action_list, action_space)
        self.reward_spec: _rewards.Reward | None = None
        self.reward_space_name: str | None = None
        self.observation_space = observation_space  # type: ignore[assignment]  (set by name, see the setter)
        self.reward_space = reward_space  # type: ignore[assignment]

    # -- spaces by name, as in CompilerGym ----------------------------------------------------------------
    @property
    def observation_space(self) -> spaces.Space:  # type: ignore[override]
        """The space of the observation ``reset``/``step`` return; set it by name (or CompilerGym's
        :class:`ObservationSpaceSpec`), or None for no observation (the space is then :class:`NoObservation`,
        which contains only ``None``)."""
        spec = self._observation_space_spec
        return spec.space if spec is not None else NoObservation()

    @observation_space.setter
    def observation_space(self, space: str | ObservationSpaceSpec | None) -> None:
        name = space.id if isinstance(space, ObservationSpaceSpec) else space
        if name is not None and name not in OBSERVATIONS:
            raise UnknownSpaceError(f"unknown observation space '{name}'; known: {', '.join(OBSERVATIONS)}")
        self.observation_space_name = name
        self._observation_space_spec = space_spec(self, name) if name else None
        # the space observations are made in (a wrapper may give the spec the space of what it makes of them)
        self._native_space = self.observation_space
        self._last_obs = None  # the next observation is computed in the new space

    @property
    def observation_space_spec(self) -> ObservationSpaceSpec | None:
        """CompilerGym's description of the observation space (None without one). A wrapper that transforms
        the observation may set its ``space`` to the transformed one's, which ``observation_space`` then is."""
        return self._observation_space_spec

    @property
    def reward_space(self) -> _rewards.Reward | None:
        """The reward ``step`` returns (``.name``, ``.deterministic``); set it by name, or None for reward 0.

        Set to another space during an episode, it starts counting from the current state, ``episode_reward``
        restarts at 0 and ``state`` records no return for the episode (validate() then checks the rest); set to
        the same space, nothing changes.
        """
        return self.reward_spec

    @reward_space.setter
    def reward_space(self, reward: str | _rewards.Reward | None) -> None:
        name = reward.name if isinstance(reward, _rewards.Reward) else reward
        if name is not None and name not in _rewards.REWARDS:
            raise UnknownSpaceError(f"unknown reward space '{name}'; known: {', '.join(_rewards.REWARDS)}")
        if name == self.reward_space_name:
            return  # the same space: it goes on counting
        self.reward_space_name = name
        self.reward_spec = _rewards.make(name) if name else None
        if self.reward_spec is not None and self.in_episode:
            self.reward_spec.reset(self)
            self.episode_reward = 0.0
            self._partial_return = bool(self.actions)  # ``state`` then records no return: validate() has none

    @property
    def benchmark(self) -> Program | None:
        """The benchmark of this episode (a :class:`Program`: ``.uri``, and ``str()`` is the URI), or the one the
        next ``reset`` uses. Setting it (a name, URI, IR file or bytes, ``Benchmark``) takes effect at reset."""
        self._require_open()
        if self.program is not None:
            return self.program
        return None if self._source is None else self.loader.resolve(self._source, self.np_random)

    @benchmark.setter
    def benchmark(self, source: BenchmarkSource) -> None:
        self._require_open()
        self._source = self.loader.resolve(source, self.np_random) if source is not None else None

    # -- Gymnasium API ------------------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None, benchmark: BenchmarkSource = None,
              observation_space: Any = UNCHANGED, reward_space: Any = UNCHANGED) -> tuple[Any, dict]:
        """Start from the benchmark's initial IR. ``benchmark=`` (or ``options={"benchmark": ...}``) switches
        benchmark; ``observation_space=``/``reward_space=`` switch spaces, as in CompilerGym."""
        self._require_open()
        super().reset(seed=seed)
        source = options["benchmark"] if options and "benchmark" in options else self._source
        source = source if benchmark is None else benchmark
        program = self.loader.resolve(source, self.np_random)  # a bad benchmark fails before anything changes
        if observation_space is not UNCHANGED:
            self.observation_space = observation_space
        self._source, self.program = source, program
        self.ir_state = self.program.initial
        self.actions = []
        self.episode_reward = 0.0
        self.episode_start = time.time()
        self._reward_views = {}
        self._last_obs = None
        if reward_space is not UNCHANGED:
            self.reward_space = reward_space
        if self.reward_spec is not None:  # (again, if the setter did: it is cheap, the observations are cached)
            self.reward_spec.reset(self)
        self._partial_return = False
        return self._gym_observation(), {"benchmark": str(self.program.uri), "action_mask": self.action_mask()}

    def step(self, action: Any, observation_spaces: Iterable[str] | None = None,
             reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
             rewards: Iterable[str] | None = None) -> tuple[Any, Any, bool, bool, dict]:
        """Apply one action; a failing pass or measurement ends the episode with ``info["error"]``.

        ``observation_spaces``/``reward_spaces`` (CompilerGym; ``observations``/``rewards`` are its old names)
        return lists of those observations and rewards instead of the default ones.
        """
        actions = self._step_overrides.pop("actions", [action])  # a multistep through Gymnasium's wrappers
        return self.multistep(actions, observation_spaces, reward_spaces, observations, rewards)

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
                  rewards: Iterable[str] | None = None) -> tuple[Any, Any, bool, bool, dict]:
        """Apply several actions, then observe and reward once (the reward covers them all). All or nothing:
        if one fails, the state is left as before the call and the episode ends with ``info["error"]``."""
        overrides, self._step_overrides = self._step_overrides, {}
        obs_names = _first(observation_spaces, observations, overrides.get("observation_spaces"))
        reward_names = _first(reward_spaces, rewards, overrides.get("reward_spaces"))
        indices = [self._action_index(a) for a in actions]
        self._require_open()
        if self.ir_state is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        chosen = [self.action_list[i] for i in indices]
        info: dict[str, Any] = {"action_name": " ".join(a.name for a in chosen),
                                "pipeline": passes.sequence(a.pipeline for a in chosen)}
        run = [i for i in indices if self.action_list[i].safe or not self.mask_unsafe]
        if len(run) < len(indices):
            skipped = [a.name for a in chosen if not (a.safe or not self.mask_unsafe)]
            info["skipped"] = f"{', '.join(skipped)}: instrumentation, masked by mask_unsafe=True"
            if not run and obs_names is None and reward_names is None:
                return self._gym_observation(), 0.0, False, False, info
        previous = self.ir_state
        try:
            for i in run:
                self.ir_state = self._apply(self.ir_state, self.action_list[i].pipeline, self.action_list[i].options)
            values = None if obs_names is not None or self.observation_space_name is None else \
                self._observe(self.observation_space_name, self.ir_state)
            obs = [self.observation[n] for n in obs_names] if obs_names is not None else None
            reward = self._step_reward(reward_names, info)
        except RloptError as e:
            self.ir_state = previous
            info["error"] = f"{type(e).__name__}: {e}"
            failed = [0.0] * len(reward_names) if reward_names is not None else \
                self.reward_spec.reward_on_error(self.episode_reward) if self.reward_spec is not None else 0.0
            return (None if obs_names is not None else self._gym_observation()), failed, True, False, info
        self.actions += run
        info["action_had_no_effect"] = self.ir_state.digest == previous.digest
        self._last_obs = values  # None after named observations: the default one is computed when needed
        if obs_names is None:
            obs = self._gym_observation()
        return obs, reward, False, False, info

    def _step_reward(self, names: Iterable[str] | None, info: dict[str, Any]) -> Any:
        """The default reward (added to ``episode_reward``, ``info["speedup"]`` beside it) or a list of named
        rewards (``env.reward[name]``)."""
        if names is not None:
            return [self.reward[n] for n in names]
        if self.reward_spec is None:
            return 0.0
        info["speedup"] = self.reward_spec.speedup(self)  # first: it may fail, update() must not
        reward = float(self.reward_spec.update(self))
        self.episode_reward += reward
        return reward

    def _gym_observation(self) -> Any:
        """The current observation as Gymnasium wants it: a fresh object, scalars (also in a ``Dict``) as 0-d
        arrays of the space's dtype (``env.observation[name]`` returns plain scalars, as CompilerGym does)."""
        if self.observation_space_name is None:
            return None
        if self._last_obs is None:
            self._last_obs = self._observe(self.observation_space_name, self.ir_state)  # type: ignore[arg-type]
        return _in_space(self._last_obs, self._native_space)

    def render(self) -> str | None:
        """The current IR (``ansi`` returns it, ``human`` prints it)."""
        if self.ir_state is None or self.render_mode is None:
            return None
        text = self.ir_state.ir.decode()
        if self.render_mode == "human":
            print(text)
            return None
        return text

    def close(self) -> None:
        """Release the module and, if this environment created them, the engine and the cache (with the last of
        this environment and its forks to close, which share them). Using it afterwards raises
        ``gymnasium.error.ClosedEnvironmentError``; closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        self._drop_module()
        self._owned.release()
        if self._scratch is not None:
            self._scratch.cleanup()

    # -- rlopt's additions ---------------------------------------------------------------------------------
    @property
    def vocab(self) -> Vocabulary:
        """The node vocabulary for ``ProgramlArrays`` (default: the one shipped with rlopt)."""
        if self._vocab is None:
            self._vocab = Vocabulary.default()
        return self._vocab

    @property
    def pipeline(self) -> str:
        """The ``opt -passes=`` pipeline of the actions applied so far in this episode."""
        return passes.pipeline([self.action_list[i] for i in self.actions], self.action_list)

    def commandline(self, input: str | Path | None = None, output: str = "-") -> str:
        """The ``opt`` command that turns the benchmark's IR into the current state (runnable with LLVM 19;
        ``env.state.commandline`` is CompilerGym's flag form, ``opt -sroa ... input.bc -o output.bc``).

        Knob actions carry LLVM options, which hold for a whole ``opt`` run: an episode that changes them is a
        shell pipeline of ``opt`` runs, one per run of actions with the same options, passing IR text on (as
        the environment reloads its module from text where the options change). Its output equals the state
        up to value-name suffixes (``%x.reg2mem1`` vs ``%x.reg2mem2``) where the environment went on from text
        instead (a step replayed from the cache): LLVM's name counters restart in a parsed module (docs/env.md).
        ``input`` defaults to the IR file the benchmark came from, else ``<name>.ll`` (write it with
        :meth:`write_ir` using ``initial=True``).
        """
        program = self._require_program()
        source = input or program.path or f"{program.name}.ll"
        opt = str(self.engine.toolchain.path("opt"))
        runs = passes.stages([self.action_list[i] for i in self.actions], self.action_list) or [("", ())]
        commands = [[opt, f"-passes={p}", *options, "-S", "-o", "-"] for p, options in runs]
        commands[0][-3:-3] = [str(source)]
        commands[-1][-1] = output
        return " | ".join(shlex.join(c) for c in commands)

    def write_ir(self, path: str | Path, *, initial: bool = False) -> Path:
        """Write the current (or the benchmark's initial) IR text to ``path`` atomically."""
        from rlopt.ir import write_output

        program = self._require_program()
        write_output((program.initial if initial else self.ir_state).ir, str(path))  # type: ignore[union-attr]
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
        other._owned = self._owned.share()  # a fork may outlive this environment: the last to close stops them
        other.loader = ProgramLoader(self.engine, self.ir_level, self.loader.programs)
        other.transitions, other.observations = self.transitions, self.observations
        other.program, other.ir_state, other.actions = program, self.ir_state, list(self.actions)
        other.episode_reward, other.episode_start, other._last_obs = self.episode_reward, self.episode_start, \
            self._last_obs
        other._partial_return = self._partial_return
        other._source = self._source
        other.reward_spec = copy.copy(self.reward_spec)
        other._reward_views = {k: copy.copy(v) for k, v in self._reward_views.items()}
        if self._np_random is not None:
            other._np_random = np.random.Generator(type(self._np_random.bit_generator)())
            other._np_random.bit_generator.state = self._np_random.bit_generator.state
        return other

    # -- transitions --------------------------------------------------------------------------------------
    def _apply(self, state: State, pipeline: str, options: tuple[str, ...] = ()) -> State:
        """The state after running ``pipeline`` (under knob ``options``) on ``state``: from the cache, else in
        the engine."""
        cached = self.transitions.replay(state, pipeline, options, self.timeout)
        if cached is not None:
            return cached
        if self._handle is not None and options != self._handle_options:
            self._drop_module()  # another opt run in commandline(): the module goes on as text
        try:
            new, count = self._with_module(state, lambda h: self._run(h, pipeline, state, options))
        except ToolError as e:
            self._drop_module()
            if not isinstance(e, StaleHandle):
                self.transitions.record_failure(state, pipeline, options, e, self.timeout)
            raise
        self._handle_digest = new.digest
        self.transitions.record(state, pipeline, options, new)
        self.observations.put(self, "IrInstructionCount", new, count)  # came with the step: no extra round trip
        return new

    def _run(self, handle: int, pipeline: str, state: State, options: tuple[str, ...]) -> tuple[State, int]:
        """One engine round trip: run, verify, and the new state with its instruction count."""
        self._handle_digest = None  # the module changes in place; it no longer holds the old state
        self._handle_options = options
        result = self.engine.step(handle, pipeline, previous=state.digest, options=options)
        new = State(result.text.encode(), result.digest) if result.text is not None else state
        return new, result.instruction_count

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
        """Observation ``name`` of ``state`` (see :meth:`ObservationCache.get`)."""
        self._require_open()
        return self.observations.get(self, name, state)

    def _run_context(self) -> list[str]:
        """What else than the IR decides a measurement: the program's arguments and working directory."""
        bench = self._runnable(self._require_program())
        return [" ".join(bench.args), " ".join(bench.small_args), " ".join(bench.ldflags), str(bench.cwd),
                repr(bench.env), str(bench.stdin), str(bench.data), " ".join(bench.outputs)]

    def _measure(self, state: State, what: str) -> float | int:
        """Build ``state`` and measure it; a program that fails validation is a :class:`Miscompile`."""
        runtime = runtime_module()
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

    def _text_size(self, state: State) -> int:
        """Bytes of ``.text`` in the program built from ``state`` (CompilerGym's ``TextSizeBytes``: linked with
        the benchmark's libraries, neither validated nor run)."""
        runtime = runtime_module()
        bench = self._runnable(self._require_program())
        with tempfile.TemporaryDirectory(prefix="rlopt-env-") as d:
            return runtime.text_size(runtime.build(state.ir, Path(d) / bench.name, extra_link=bench.ldflags))

    def _bitcode_file(self, state: State) -> Path:
        """A new file holding the state's bitcode (CompilerGym's ``BitcodeFile``), in a directory that
        :meth:`close` removes, as CompilerGym's service did: the caller moves or deletes it."""
        bitcode = self._with_module(state, self.engine.bitcode)
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="rlopt-env-", ignore_cleanup_errors=True)
        fd, path = tempfile.mkstemp(prefix="bitcode-", suffix=".bc", dir=self._scratch.name)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(bitcode)
        except OSError:
            os.unlink(path)
            raise
        return Path(path)

    def _validation(self, state: State, bench: Benchmark) -> ValidationResult:
        """``runtime.validate`` of a state, cached by IR digest (a miscompile is a property of the IR)."""
        runtime = runtime_module()
        key = digest(self._salt, state.digest, fingerprint(runtime), *self._run_context())
        stored = self.cache.get("env.validate", key)
        with contextlib.suppress(ValueError, TypeError):  # an entry of an older format is recomputed
            if stored is not None:
                return runtime.ValidationResult(**json.loads(stored))
        verdict = runtime.validate(state.ir, bench)
        self.cache.put("env.validate", key, json.dumps(dataclasses.asdict(verdict)).encode())
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

    def _require_open(self) -> None:
        if self._closed:  # else a step would start a new engine worker that nothing stops
            raise gymnasium.error.ClosedEnvironmentError("the environment is closed")

    def _require_program(self) -> Program:
        self._require_open()
        if self.program is None or self.ir_state is None:
            raise gymnasium.error.ResetNeeded("call reset() first")
        return self.program

    @staticmethod
    def _runnable(program: Program) -> Benchmark:
        if program.benchmark is None:
            raise InputError(f"{program.name}: runtime and linked-size observations need a benchmark with C "
                             "sources and arguments (a suite name, a csmith seed or a user manifest), not bare IR")
        return program.benchmark


class _Owned:
    """The engine and cache an environment created (None where the caller gave them), shared with its forks:
    stopped when the last of them closes."""

    def __init__(self, engine: Engine | None, cache: Cache | None):
        self.engine, self.cache, self.users = engine, cache, 1

    def share(self) -> _Owned:
        self.users += 1
        return self

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            if self.engine is not None:
                self.engine.close()
            if self.cache is not None:
                self.cache.close()


def _first(*values: Any) -> Any:
    """The first of ``values`` that is not None (CompilerGym's old and new keyword names, or an override)."""
    return next((v for v in values if v is not None), None)


def _in_space(value: Any, space: spaces.Space) -> Any:
    """A fresh copy of ``value`` with its scalars as 0-d arrays of their ``Box``'s dtype, also inside a
    ``Dict``."""
    if isinstance(space, spaces.Box) and space.shape == ():
        return np.asarray(value, dtype=space.dtype)
    if isinstance(space, spaces.Dict) and isinstance(value, dict):
        return {k: _in_space(v, space[k]) if k in space.spaces else fresh(v) for k, v in value.items()}
    return fresh(value)
