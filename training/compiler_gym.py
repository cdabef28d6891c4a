"""CompilerGym's API for rlopt's LLVM environment: scripts written for CompilerGym run with one changed import,
``import rlopt.training.compiler_gym as compiler_gym``.

- :class:`CompilerGymMixin`, part of :class:`~rlopt.training.env.LlvmEnv`: ``env.state`` (a
  :class:`CompilerEnvState`), ``apply``, ``validate``, ``reward[...]``, ``datasets``, ``commandline_to_actions``,
  ``write_bitcode``, ``ir``, ``ir_sha1``, ``episode_walltime``, ``compiler_version``, ``in_episode``.
- :func:`make` returns a :class:`CompilerEnv`: the same environment with CompilerGym's (gym 0.21) calling
  convention, ``reset() -> observation`` and ``step() -> (observation, reward, done, info)``;
  ``wrappers`` holds CompilerGym's wrappers for it (:mod:`rlopt.training.compiler_gym_wrappers`).
- :class:`CompilerEnvState` with its CSV :class:`CompilerEnvStateWriter`/:class:`CompilerEnvStateReader`,
  :class:`ValidationResult` and :func:`validate_states`; :class:`Datasets` of :class:`Dataset` over the
  suite, csmith and the imported datasets.
- :class:`CompilerGymAttributes`, the outermost wrapper of ``gymnasium.make("rlopt/llvm-v0")``, which makes the
  environment's attributes (``env.commandline()``, ``env.state``, ``env.reward_space = ...``) reachable through
  Gymnasium's wrappers, which no longer forward them.

What differs from CompilerGym is listed in the README ("CompilerGym compatibility").
"""

from __future__ import annotations

import copy
import csv
import itertools
import math
import sys
import time
import types
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import gymnasium
import numpy as np

from rlopt.errors import InputError
from rlopt.training import compiler_gym_wrappers as wrappers
from rlopt.training.observations import ObservationView
from rlopt.training.programs import canonical

if TYPE_CHECKING:
    from rlopt.training.env import LlvmEnv

# ``from rlopt.training.compiler_gym.wrappers import TimeLimit``, as CompilerGym's scripts import them (as
# ``os.path``, a module registered under its parent's name: the import system looks there first)
sys.modules[f"{__name__}.wrappers"] = wrappers

#: "Leave as it is" for ``reset(observation_space=..., reward_space=...)`` (None means "no space").
UNCHANGED: Any = type("Unchanged", (), {"__repr__": lambda self: "UNCHANGED"})()

#: CompilerGym's LLVM environment ids and the spaces they start with (``llvm-v0`` has none, as there).
ENVS: dict[str, dict[str, str | None]] = {
    "llvm-v0": {"observation_space": None, "reward_space": None},
    "llvm-ic-v0": {"observation_space": None, "reward_space": "IrInstructionCountOz"},
    "llvm-autophase-ic-v0": {"observation_space": "Autophase", "reward_space": "IrInstructionCountOz"},
    "llvm-ir-ic-v0": {"observation_space": "Ir", "reward_space": "IrInstructionCountOz"},
}


# ------------------------------------------------------------------------------------------------ states

@dataclass
class CompilerEnvState:
    """A benchmark and the actions that reproduce a state (``commandline``), the episode's wall time and
    return. Equality ignores ``walltime`` and allows 1e-5 of reward difference, as in CompilerGym."""

    benchmark: str
    commandline: str
    walltime: float = 0.0
    reward: float | None = None

    @property
    def has_reward(self) -> bool:
        return self.reward is not None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompilerEnvState):
            return False
        rewards_match = not (self.has_reward and other.has_reward) or abs(self.reward - other.reward) < 1e-5
        return self.benchmark == other.benchmark and self.commandline == other.commandline and rewards_match

    def copy(self) -> CompilerEnvState:
        return replace(self)

    def dict(self) -> dict[str, Any]:
        return asdict(self)


_COLUMNS = ("benchmark", "reward", "walltime", "commandline")


class CompilerEnvStateWriter:
    """Writes states as CSV rows (``benchmark,reward,walltime,commandline``), with a header unless told not to."""

    def __init__(self, f: TextIO, header: bool = True):
        self.f, self.header = f, header
        self.writer = csv.writer(f, lineterminator="\n")

    def write_state(self, state: CompilerEnvState, flush: bool = False) -> None:
        if self.header:
            self.writer.writerow(_COLUMNS)
            self.header = False
        self.writer.writerow((state.benchmark, "" if state.reward is None else state.reward, state.walltime,
                              state.commandline))
        if flush:
            self.f.flush()

    def __enter__(self) -> CompilerEnvStateWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


class CompilerEnvStateReader:
    """Reads the states a :class:`CompilerEnvStateWriter` wrote (the header, if any, orders the columns)."""

    def __init__(self, f: TextIO):
        self.f = f

    def __iter__(self) -> Iterator[CompilerEnvState]:
        rows = csv.reader(self.f)
        first = next(rows, None)
        if first is None:
            return
        if len(first) != len(_COLUMNS):
            raise ValueError(f"expected {len(_COLUMNS)} columns ({','.join(_COLUMNS)}), got {len(first)}")
        header = [c.strip().lower() for c in first]
        if set(header) == set(_COLUMNS):
            order, body = [header.index(c) for c in _COLUMNS], rows
        else:
            order, body = list(range(len(_COLUMNS))), itertools.chain([first], rows)
        for row in body:
            benchmark, reward, walltime, commandline = (row[i] for i in order)
            yield CompilerEnvState(benchmark, commandline, float(walltime or 0), float(reward) if reward else None)

    @staticmethod
    def read_paths(paths: Iterable[str]) -> Iterator[CompilerEnvState]:
        """States from CSV files (``-`` is stdin)."""
        import sys

        for path in paths:
            if path == "-":
                yield from CompilerEnvStateReader(sys.stdin)
            else:
                with open(path) as f:
                    yield from CompilerEnvStateReader(f)

    def __enter__(self) -> CompilerEnvStateReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.f.close()


@dataclass
class ValidationResult:
    """What :meth:`CompilerGymMixin.validate` found: whether the state's actions replay, whether they give its
    reward, and whether the program still behaves as its -O0 build (``semantics``: the build-and-run verdict,
    a :class:`rlopt.training.runtime.ValidationResult`, when the benchmark can run)."""

    state: CompilerEnvState
    walltime: float
    reward_validated: bool = False
    actions_replay_failed: bool = False
    reward_validation_failed: bool = False
    benchmark_semantics_validated: bool = False
    benchmark_semantics_validation_failed: bool = False
    errors: list[str] = field(default_factory=list)
    semantics: Any = None

    def okay(self) -> bool:
        return not (self.actions_replay_failed or self.reward_validation_failed
                    or self.benchmark_semantics_validation_failed)

    @property
    def ok(self) -> bool:
        return self.okay()

    @property
    def status(self) -> str:
        """The build-and-run verdict (``ok``, ``miscompile``, ``crash``, ``timeout``, ``build_error``), else
        ``replay_failed``, ``reward_mismatch`` or ``ok``."""
        if self.semantics is not None and not self.semantics.ok:
            return self.semantics.status
        return ("replay_failed" if self.actions_replay_failed else "reward_mismatch" if self.reward_validation_failed
                else "ok")

    @property
    def error_details(self) -> str:
        return ", ".join(self.errors)

    message = error_details

    def dict(self) -> dict[str, Any]:
        d = {k: v for k, v in asdict(self).items() if k != "semantics"}
        d["state"] = self.state.dict()
        return d

    def __str__(self) -> str:
        name = self.state.benchmark.removeprefix("benchmark://")
        if not self.okay():
            return f"❌  {name}  {self.error_details}"
        return f"✅  {name}" + ("" if self.state.reward is None else f"  {self.state.reward:.4f}")


def validate_states(make_env: Callable[[], Any], states: Iterable[CompilerEnvState], nproc: int | None = None,
                    inorder: bool = True) -> Iterator[ValidationResult]:
    """Validate each state in a fresh environment from ``make_env`` (``nproc`` threads; results in order)."""

    def one(state: CompilerEnvState) -> ValidationResult:
        with make_env() as env:
            return env.validate(state)

    if nproc == 1:
        yield from map(one, states)
        return
    with ThreadPoolExecutor(nproc) as pool:
        yield from pool.map(one, states)


# ------------------------------------------------------------------------------------------------ rewards

class RewardView(Mapping[str, float]):
    """``env.reward["IrInstructionCountOz"]``: that reward for the change since the episode began, or since
    it was last read in this episode (CompilerGym's semantics). Independent of the reward ``step`` returns."""

    def __init__(self, env: LlvmEnv):
        self._env = env

    def __getitem__(self, name: str) -> float:
        from rlopt.training import rewards

        env = self._env
        program = env._require_program()
        reward = env._reward_views.get(name)
        if reward is None:
            if name not in rewards.REWARDS:
                raise KeyError(f"unknown reward space '{name}'; known: {', '.join(rewards.REWARDS)}")
            reward = rewards.make(name)
            reward.reset(types.SimpleNamespace(observation=ObservationView(env, program.initial)))
            env._reward_views[name] = reward
        return float(reward.update(env))

    def __iter__(self) -> Iterator[str]:
        from rlopt.training import rewards

        return iter(rewards.REWARDS)

    def __len__(self) -> int:
        from rlopt.training import rewards

        return len(rewards.REWARDS)

    @property
    def spaces(self) -> dict[str, Any]:
        """Every reward space by name (``.name``, ``.deterministic``)."""
        from rlopt.training import rewards

        return {name: cls() for name, cls in rewards.REWARDS.items()}


# ------------------------------------------------------------------------------------------- the env API

class CompilerGymMixin:
    """CompilerGym's environment API, as part of :class:`~rlopt.training.env.LlvmEnv` (Gymnasium calling
    convention there; :func:`make` gives CompilerGym's)."""

    @property
    def in_episode(self: LlvmEnv) -> bool:
        return self.ir_state is not None and not self._closed

    @property
    def episode_walltime(self: LlvmEnv) -> float:
        """Seconds since ``reset``."""
        return time.time() - self.episode_start

    @property
    def compiler_version(self: LlvmEnv) -> str:
        """The LLVM version the environment runs, e.g. ``19.1.7``."""
        return self.engine.toolchain.version_string

    @property
    def state(self: LlvmEnv) -> CompilerEnvState:
        """This episode as CompilerGym records it: benchmark URI, CompilerGym's command line of the actions,
        wall time, and the return (None without a reward space, or when it changed during the episode: then the
        return covers only the steps since)."""
        program = self._require_program()
        whole = self.reward_spec is not None and not self._partial_return
        return CompilerEnvState(str(program.uri), self.action_space.to_string(self.actions), self.episode_walltime,
                                self.episode_reward if whole else None)

    @property
    def reward(self: LlvmEnv) -> RewardView:
        return RewardView(self)

    @property
    def datasets(self) -> Datasets:
        return Datasets()

    @property
    def ir(self: LlvmEnv) -> str:
        return self.observation["Ir"]

    @property
    def ir_sha1(self: LlvmEnv) -> str:
        return self.observation["IrSha1"]

    def write_bitcode(self: LlvmEnv, path: str | Path) -> Path:
        """Write the current module as bitcode (as ``opt -o`` writes it) to ``path`` atomically."""
        from rlopt.ir import write_output

        self._require_program()
        path = Path(path).expanduser()
        write_output(self._with_module(self.ir_state, self.engine.bitcode), str(path))
        return path

    def commandline_to_actions(self: LlvmEnv, commandline: str) -> list[int]:
        """The actions of a command line: CompilerGym's (``opt -sroa -gvn input.bc -o output.bc``, as in
        ``env.state``) or rlopt's ``env.commandline()`` (``opt -passes=...``, or with knob actions a shell
        pipeline of such ``opt`` runs, each with its knob options)."""
        import shlex

        from rlopt import knobs, passes

        if "-passes=" not in commandline:
            return self.action_space.from_string(commandline)
        actions: list[int] = []
        for stage in commandline.split(" | "):
            words = shlex.split(stage)
            pipeline = next((w.split("=", 1)[1] for w in words if w.startswith("-passes=")), None)
            if pipeline is None:
                raise LookupError(f"no -passes= in '{stage}'")
            options = [w for w in words if w.startswith("-") and "=" in w and not w.startswith("-passes=")]
            actions += passes.actions_of_pipeline(pipeline, self.action_list, knobs.canonical(options))
        return actions

    def apply(self: LlvmEnv, state: CompilerEnvState) -> None:
        """Replay ``state``'s actions (resetting to its benchmark first when not in an episode); a replay that
        ends the episode raises ``ValueError``."""
        if not self.in_episode:
            self.reset(benchmark=state.benchmark)
        if self.benchmark != canonical(state.benchmark):
            warnings.warn(f"applying a state of '{state.benchmark}' to an episode of '{self.benchmark}'",
                          stacklevel=2)
        *_, terminated, _, info = self.multistep(self.commandline_to_actions(state.commandline))
        if terminated:
            raise ValueError(f"Environment terminated with error: `{info.get('error')}`")

    def validate(self: LlvmEnv, state: CompilerEnvState | None = None) -> ValidationResult:
        """CompilerGym's validation of ``state`` (default: this episode): its actions replay on a fork from its
        benchmark, give its reward (deterministic rewards), and the program (the current one, for this
        episode) still builds and behaves as its -O0 build, when the benchmark can run."""
        start = time.time()
        current = state is None
        state = self.state if current else state
        result = ValidationResult(state, 0.0)
        replay = self.fork() if self.in_episode else self._fresh_copy()
        try:
            replay.reset(benchmark=state.benchmark)
            replay.apply(state)
        except (ValueError, LookupError, OSError, InputError, gymnasium.error.Error) as e:  # InputError: no such
            result.actions_replay_failed = True                                                  # benchmark
            result.errors.append(f"Action replay failed: {type(e).__name__}: {e}")
        else:
            if state.reward is not None and self.reward_spec is not None and self.reward_spec.deterministic:
                result.reward_validated = True
                if not math.isclose(state.reward, replay.episode_reward, rel_tol=1e-5, abs_tol=1e-10):
                    result.reward_validation_failed = True
                    result.errors.append(f"Expected reward {state.reward} but received reward "
                                         f"{replay.episode_reward}")
            target = self if current else replay
            program = target._require_program()
            if program.is_validatable():
                result.semantics = target._validation(target.ir_state, program.benchmark)
                result.benchmark_semantics_validated = True
                if not result.semantics.ok:
                    result.benchmark_semantics_validation_failed = True
                    result.errors.append(f"{result.semantics.status}: {result.semantics.message}")
        finally:
            replay.close()
        result.walltime = time.time() - start
        return result

    def _fresh_copy(self: LlvmEnv) -> LlvmEnv:
        """A new environment with this one's settings, engine and cache (to validate before any episode)."""
        from rlopt.training.env import LlvmEnv

        return LlvmEnv(None, self.observation_space_name, self.reward_space_name, self.action_space_name,
                       self.mask_unsafe, ir_level=self.ir_level, timeout=self.timeout, cache=self.cache,
                       engine=self.engine, vocab=self._vocab)


# ----------------------------------------------------------------------------------------------- datasets

class Dataset:
    """One dataset as CompilerGym shows it: ``name`` (``benchmark://cbench-v1``), ``description``, ``size``
    (0: unbounded, the csmith generator), and its benchmarks by URI or as
    :class:`~rlopt.training.benchmarks.Benchmark` objects."""

    def __init__(self, info: Any):
        from rlopt.training import benchmarks

        self._info = info
        self.generator = info.name == benchmarks.CSMITH
        self.name = f"{'generator' if self.generator else 'benchmark'}://{info.name}"
        self.description = info.description
        self.installed = info.installed
        self.size = 0 if self.generator else info.programs

    def _programs(self) -> list[Any]:
        from rlopt.training import benchmarks
        from rlopt.training import datasets as ds

        return benchmarks.suite() if self._info.name == benchmarks.SUITE else list(ds.load(self._info.name))

    def benchmark_uris(self) -> Iterator[str]:
        if self.generator:
            return (f"{self.name}/{seed}" for seed in itertools.count())
        return (b.uri for b in self._programs())

    def benchmarks(self) -> Iterator[Any]:
        return (self.benchmark(uri) for uri in self.benchmark_uris())

    def benchmark(self, uri: str) -> Any:
        from rlopt.training import benchmarks

        return benchmarks.get(canonical(uri if "/" in uri else f"{self.name}/{uri}"))

    def random_benchmark(self, random_state: np.random.Generator | None = None) -> Any:
        rng = random_state or np.random.default_rng()
        if self.generator:
            return self.benchmark(f"{self.name}/{int(rng.integers(2**31))}")
        programs = self._programs()
        return programs[int(rng.integers(len(programs)))]

    def __iter__(self) -> Iterator[Any]:
        return self.benchmarks()

    def __len__(self) -> int:
        return self.size

    def __repr__(self) -> str:
        return f"Dataset({self.name}, {self.size or 'unbounded'})"


class Datasets:
    """``env.datasets``: the installed datasets (iterating skips the ones not installed; asking for one by name
    says how to install it). Names with or without scheme: ``cbench-v1``, ``benchmark://cbench-v1``."""

    def __init__(self) -> None:
        from rlopt.training import datasets as ds

        self._all = {d.name: Dataset(d) for d in ds.info()}

    def __getitem__(self, name: str) -> Dataset:
        from rlopt.training import datasets as ds

        key = name.split("://", 1)[-1].rstrip("/")
        if key not in self._all:
            raise LookupError(f"unknown dataset '{name}'; known: {', '.join(self._all)}")
        if not self._all[key].installed and key in ds.IMPORTERS:
            ds.manifest(key)  # raises with the install instructions
        return self._all[key]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.split("://", 1)[-1].rstrip("/") in self._all

    def __iter__(self) -> Iterator[Dataset]:
        return (d for d in self._all.values() if d.installed)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def datasets(self) -> Iterator[Dataset]:
        return iter(self)

    def benchmark(self, uri: str) -> Any:
        """A benchmark by URI or CompilerGym's ``dataset/program`` name."""
        from rlopt.training import benchmarks

        return benchmarks.get(canonical(uri))

    def benchmark_uris(self) -> Iterator[str]:
        """Every benchmark URI, the unbounded generator last."""
        return itertools.chain.from_iterable(d.benchmark_uris() for d in sorted(self, key=lambda d: d.generator))

    def benchmarks(self) -> Iterator[Any]:
        return (self.benchmark(uri) for uri in self.benchmark_uris())

    def random_benchmark(self, random_state: np.random.Generator | None = None) -> Any:
        """A random benchmark of a random finite dataset."""
        rng = random_state or np.random.default_rng()
        finite = [d for d in self if not d.generator and d.size]
        return finite[int(rng.integers(len(finite)))].random_benchmark(rng)


# ----------------------------------------------------------------------------- CompilerGym's calling style

class CompilerEnv(wrappers.Delegating):
    """An :class:`~rlopt.training.env.LlvmEnv` with CompilerGym's calling convention: ``reset()`` returns the
    observation, ``step``/``multistep`` return ``(observation, reward, done, info)``. Every other attribute is
    the environment's, read and written."""

    def __init__(self, env: LlvmEnv):
        object.__setattr__(self, "env", env)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.env, name, value)

    @property
    def unwrapped(self) -> LlvmEnv:
        return self.env.unwrapped

    def reset(self, benchmark: Any = None, observation_space: Any = UNCHANGED, reward_space: Any = UNCHANGED,
              seed: int | None = None) -> Any:
        return self.env.reset(seed=seed, benchmark=benchmark, observation_space=observation_space,
                              reward_space=reward_space)[0]

    def step(self, action: Any, observation_spaces: Iterable[str] | None = None,
             reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
             rewards: Iterable[str] | None = None) -> tuple[Any, Any, bool, dict]:
        return _done(self.env.step(action, observation_spaces, reward_spaces, observations, rewards))

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
                  rewards: Iterable[str] | None = None) -> tuple[Any, Any, bool, dict]:
        return _done(self.env.multistep(actions, observation_spaces, reward_spaces, observations, rewards))

    def fork(self) -> CompilerEnv:
        return CompilerEnv(self.env.fork())


def _done(result: tuple[Any, Any, bool, bool, dict]) -> tuple[Any, Any, bool, dict]:
    obs, reward, terminated, truncated, info = result
    return obs, reward, terminated or truncated, info


def make(id: str = "llvm-v0", **kwargs: Any) -> CompilerEnv:
    """``compiler_gym.make("llvm-v0", benchmark=..., observation_space=..., reward_space=...)``: an LLVM
    environment with CompilerGym's calling convention (other keywords as :class:`LlvmEnv` takes them)."""
    from rlopt.training.env import LlvmEnv

    if id not in ENVS:
        raise LookupError(f"unknown environment '{id}'; known: {', '.join(ENVS)}")
    return CompilerEnv(LlvmEnv(**{**ENVS[id], **kwargs}))


# ----------------------------------------------------------------------- through gymnasium.make's wrappers

class CompilerGymAttributes(gymnasium.Wrapper, gymnasium.utils.RecordConstructorArgs):
    """The outermost wrapper of ``gymnasium.make("rlopt/llvm-v0")``: Gymnasium 1.x wrappers hide the
    environment's attributes, so this one forwards them (``env.commandline()``, ``env.state``) and the
    settable spaces and benchmark to it; ``env.fork()`` keeps the wrappers. CompilerGym's ``step`` keywords
    pass through the inner wrappers, so ``TimeLimit`` still counts the step (``multistep`` counts as one step
    there)."""

    _SETTABLE = ("observation_space", "reward_space", "benchmark")

    def __init__(self, env: gymnasium.Env):
        gymnasium.utils.RecordConstructorArgs.__init__(self)
        gymnasium.Wrapper.__init__(self, env)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.env.unwrapped, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._SETTABLE:
            setattr(self.env.unwrapped, name, value)
        else:
            super().__setattr__(name, value)

    @property
    def observation_space(self) -> Any:
        return self.env.unwrapped.observation_space

    @property
    def reward_space(self) -> Any:
        return self.env.unwrapped.reward_space

    def fork(self) -> CompilerGymAttributes:
        """A fork of the environment inside copies of the wrappers around it, in their state (``TimeLimit``'s
        count of steps)."""
        layers: list[gymnasium.Wrapper] = []
        env: gymnasium.Env = self
        while isinstance(env, gymnasium.Wrapper):
            layers.append(env)
            env = env.env
        forked = env.fork()  # type: ignore[attr-defined]
        for layer in reversed(layers):
            clone = copy.copy(layer)
            clone.env = forked
            forked = clone
        return forked

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None, benchmark: Any = None,
              observation_space: Any = UNCHANGED, reward_space: Any = UNCHANGED) -> tuple[Any, dict]:
        env = self.env.unwrapped
        if observation_space is not UNCHANGED:
            env.observation_space = observation_space
        if reward_space is not UNCHANGED:
            env.reward_space = reward_space
        if benchmark is not None:
            options = {**(options or {}), "benchmark": benchmark}
        return self.env.reset(seed=seed, options=options)

    def step(self, action: Any, observation_spaces: Iterable[str] | None = None,
             reward_spaces: Iterable[str] | None = None) -> tuple[Any, Any, bool, bool, dict]:
        return self._through_wrappers(action, None, observation_spaces, reward_spaces)

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None) -> tuple[Any, Any, bool, bool, dict]:
        """The environment's ``multistep`` as one step of the inner wrappers (``TimeLimit`` counts it once; the
        order enforcer and the checker see its first action)."""
        actions = list(actions)
        return self._through_wrappers(actions[0] if actions else 0, actions, observation_spaces, reward_spaces)

    def _through_wrappers(self, action: Any, actions: list[Any] | None, observation_spaces: Iterable[str] | None,
                          reward_spaces: Iterable[str] | None) -> tuple[Any, Any, bool, bool, dict]:
        """``step(action)`` through the inner wrappers, the env told what it really runs (the wrappers' step
        takes no keywords)."""
        env = self.env.unwrapped
        env._step_overrides = {k: v for k, v in (("observation_spaces", observation_spaces),
                                                 ("reward_spaces", reward_spaces), ("actions", actions))
                               if v is not None}
        try:
            return self.env.step(action)
        finally:
            env._step_overrides = {}  # also when an inner wrapper refused the step before it reached the env
