"""CompilerGym's ``compiler_gym.wrappers`` for the environment of :func:`rlopt.training.compiler_gym.make`
(CompilerGym's calling convention: ``reset() -> observation``, ``step() -> (observation, reward, done, info)``).

Scripts that wrap CompilerGym environments keep working: the base classes (:class:`CompilerEnvWrapper`,
:class:`ActionWrapper`, :class:`ObservationWrapper`, :class:`RewardWrapper`), the action spaces
(:class:`CommandlineWithTerminalAction`, :class:`ConstrainedCommandline`), the benchmark iterators
(:class:`IterateOverBenchmarks`, :class:`CycleOverBenchmarks`, :class:`CycleOverBenchmarksIterator`,
:class:`RandomOrderBenchmarks`), :class:`TimeLimit`, :class:`ForkOnStep`, :class:`Counter`,
:class:`ValidateBenchmarkAfterEveryStep`, and the LLVM ones: :class:`RuntimePointEstimateReward` and
:class:`SynchronousSqliteLogger`.
As in CompilerGym, a wrapper's ``step`` is its ``multistep`` of one action, so a subclass overrides
``multistep`` alone; ``fork()`` forks the wrapped environment and wraps it the same way.
"""

from __future__ import annotations

import copy
import itertools
import pickle
import sqlite3
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np

from rlopt import timing
from rlopt.errors import RloptError, ToolCrash
from rlopt.training import rewards
from rlopt.training.spaces import Commandline

StepResult = tuple[Any, Any, bool, dict]


class Delegating:
    """What it does not define, it reads from the environment it holds (``env``); closing it closes that."""

    env: Any

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "env":  # (copy and pickle probe dunders before __init__ ran)
            raise AttributeError(name)
        return getattr(self.env, name)

    def close(self) -> None:
        self.env.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CompilerEnvWrapper(Delegating):
    """The base of every wrapper: what it does not define, it reads from the wrapped environment, and the
    environment's settable attributes (spaces, benchmark, episode reward) are set there; anything else a
    wrapper sets is its own."""

    _SET_ON_ENV = frozenset({"observation_space", "reward_space", "action_space", "benchmark", "episode_reward"})

    def __init__(self, env: Any):
        if isinstance(env, gymnasium.Env):
            raise TypeError(f"{type(self).__name__} wraps the environment of compiler_gym.make() (CompilerGym's "
                            "calling convention), not a Gymnasium one: use Gymnasium's own wrappers there")
        self.env = env

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._SET_ON_ENV and not isinstance(getattr(type(self), name, None), property):
            setattr(self.env, name, value)
        else:
            object.__setattr__(self, name, value)

    @property
    def unwrapped(self) -> Any:
        return self.env.unwrapped

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        return self.env.reset(*args, **kwargs)

    def step(self, action: Any, observation_spaces: Iterable[str] | None = None,
             reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
             rewards: Iterable[str] | None = None) -> StepResult:
        return self.multistep([action], observation_spaces, reward_spaces, observations, rewards)

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
                  rewards: Iterable[str] | None = None) -> StepResult:
        return self.env.multistep(list(actions), observation_spaces, reward_spaces, observations, rewards)

    def fork(self) -> CompilerEnvWrapper:
        return type(self)(self.env.fork())

    def __repr__(self) -> str:
        return f"<{type(self).__name__}{self.env!r}>"


class ActionWrapper(CompilerEnvWrapper):
    """Translates each action of ``multistep``/``step`` with :meth:`action` before the wrapped environment sees
    it."""

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        return self.env.multistep([self.action(a) for a in actions], *args, **kwargs)

    def action(self, action: Any) -> Any:
        """The wrapped environment's action for ``action``."""
        raise NotImplementedError

    def reverse_action(self, action: Any) -> Any:
        """The action of this wrapper's space for the wrapped environment's ``action``."""
        raise NotImplementedError


class ObservationWrapper(CompilerEnvWrapper):
    """Converts the default observation of ``reset`` and ``step`` with :meth:`convert_observation` (the
    observations a step names in ``observation_spaces`` come back as they are)."""

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        return self.convert_observation(self.env.reset(*args, **kwargs))

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
                  rewards: Iterable[str] | None = None) -> StepResult:
        obs, reward, done, info = self.env.multistep(list(actions), observation_spaces, reward_spaces,
                                                     observations, rewards)
        named = observation_spaces is not None or observations is not None
        return (obs if named else self.convert_observation(obs)), reward, done, info

    def convert_observation(self, observation: Any) -> Any:
        raise NotImplementedError


class RewardWrapper(CompilerEnvWrapper):
    """Converts the default reward of ``step`` with :meth:`convert_reward`; ``episode_reward`` adds the converted
    reward instead of the original (the rewards a step names in ``reward_spaces`` come back as they are)."""

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
                  rewards: Iterable[str] | None = None) -> StepResult:
        obs, reward, done, info = self.env.multistep(list(actions), observation_spaces, reward_spaces,
                                                     observations, rewards)
        if reward_spaces is None and rewards is None and reward is not None:
            converted = self.convert_reward(reward)
            self.unwrapped.episode_reward += converted - reward
            reward = converted
        return obs, reward, done, info

    def convert_reward(self, reward: float) -> float:
        raise NotImplementedError


# ------------------------------------------------------------------------------------------ action spaces

class _OwnActionSpace(CompilerEnvWrapper):
    """A wrapper with an action space of its own (set on it, not on the wrapped environment)."""

    @property
    def action_space(self) -> Commandline:
        return self._action_space

    @action_space.setter
    def action_space(self, space: Commandline) -> None:
        self._action_space = space


class CommandlineWithTerminalAction(_OwnActionSpace):
    """The action space plus a last action, ``end-of-episode``, that ends the episode without running a pass
    (``done`` is True and ``info["terminal_action"]`` says why); the actions before it in a ``multistep``
    run."""

    TERMINAL_NAME, TERMINAL_FLAG, TERMINAL_DESCRIPTION = "end-of-episode", "# end-of-episode", "End the episode"

    def __init__(self, env: Any):
        super().__init__(env)
        inner = _commandline(env)
        self.action_space = Commandline(
            [*inner.flags, self.TERMINAL_FLAG], f"{type(self).__name__}<{inner.name}>",
            descriptions=[*inner.descriptions, self.TERMINAL_DESCRIPTION],
            names=[*inner.names, self.TERMINAL_NAME])

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        actions = list(actions)
        for a in actions:
            if not isinstance(a, str) and not 0 <= _index(a) < self.action_space.n:
                raise _invalid(f"invalid action {a!r}: expected an integer in [0, {self.action_space.n}) for "
                               f"action space '{self.action_space.name}'")
        ends = [i for i, a in enumerate(actions) if self._is_terminal(a)]
        obs, reward, done, info = self.env.multistep(actions[:ends[0]] if ends else actions, *args, **kwargs)
        if ends and not done:
            done, info["terminal_action"] = True, True
        return obs, reward, done, info

    def _is_terminal(self, action: Any) -> bool:
        if isinstance(action, str):
            return action in (self.TERMINAL_NAME, self.TERMINAL_FLAG)
        return _index(action) == self.action_space.n - 1


class ConstrainedCommandline(_OwnActionSpace, ActionWrapper):
    """The action space cut down to ``flags`` (names of the wrapped space, e.g. ``["-mem2reg", "-gvn"]``), in
    that order; ``actions`` reads the episode's actions in the smaller space."""

    def __init__(self, env: Any, flags: Iterable[str], name: str | None = None):
        super().__init__(env)
        self._flags = list(flags)
        if not self._flags:
            raise TypeError("no flags given")
        inner = _commandline(env)
        unknown = [f for f in self._flags if f not in inner.flags]
        if unknown:
            raise LookupError(f"unknown flag '{unknown[0]}' in action space '{inner.name}'")
        self._forward = [inner[f] for f in self._flags]
        self._reverse = {full: i for i, full in enumerate(self._forward)}
        self._name = name
        self.action_space = Commandline(
            self._flags, f"{type(self).__name__}<{name or inner.name}, {len(self._flags)}>",
            descriptions=[inner.descriptions[i] for i in self._forward],
            names=[inner.names[i] for i in self._forward])

    def action(self, action: Any) -> Any:
        if isinstance(action, str):
            if action not in self.action_space.flags:
                raise _invalid(f"action '{action}' is not in action space '{self.action_space.name}'")
            return action
        index = _index(action)
        if not 0 <= index < len(self._forward):
            raise _invalid(f"invalid action {action!r}: expected an integer in [0, {len(self._forward)}) for "
                           f"action space '{self.action_space.name}'")
        return self._forward[index]

    def reverse_action(self, action: Any) -> Any:
        return self._reverse[_index(action)]

    @property
    def actions(self) -> list[int]:
        return [self.reverse_action(a) for a in self.env.actions]

    def fork(self) -> ConstrainedCommandline:
        return ConstrainedCommandline(self.env.fork(), self._flags, self._name)


def _commandline(env: Any) -> Commandline:
    space = env.action_space
    if not isinstance(space, Commandline):
        raise TypeError(f"unsupported action space: {type(space).__name__} (expected a Commandline)")
    return space


def _index(action: Any) -> int:
    if isinstance(action, np.ndarray) and action.shape == ():
        action = action.item()
    if isinstance(action, int | np.integer) and not isinstance(action, bool):
        return int(action)
    raise _invalid(f"invalid action {action!r}: expected an integer")


def _invalid(message: str) -> Exception:
    from rlopt.training.env import InvalidActionError  # (the environment's module imports this one's parent)

    return InvalidActionError(message)


# ------------------------------------------------------------------------------------------ benchmarks

class IterateOverBenchmarks(CompilerEnvWrapper):
    """Each ``reset()`` takes the next benchmark of ``benchmarks`` (URIs, names or benchmark objects);
    ``StopIteration`` once they are used up. A fork iterates over the rest on its own, unless
    ``fork_shares_iterator``: then each environment's reset advances both."""

    def __init__(self, env: Any, benchmarks: Iterable[Any], fork_shares_iterator: bool = False):
        super().__init__(env)
        self.benchmarks = benchmarks if isinstance(benchmarks, _Shared) else _Shared(iter(benchmarks))
        self.fork_shares_iterator = fork_shares_iterator

    def reset(self, benchmark: Any = None, **kwargs: Any) -> Any:
        if benchmark is not None:
            raise TypeError(f"{type(self).__name__} chooses the benchmark: reset() takes none")
        return self.env.reset(benchmark=next(self.benchmarks), **kwargs)

    def fork(self) -> IterateOverBenchmarks:
        other = copy.copy(self)
        other.env = self.env.fork()
        if not self.fork_shares_iterator:
            other.benchmarks = self.benchmarks.tee()
        return other


class CycleOverBenchmarks(IterateOverBenchmarks):
    """Each ``reset()`` takes the next of ``benchmarks``, starting over after the last."""

    def __init__(self, env: Any, benchmarks: Iterable[Any], fork_shares_iterator: bool = False):
        super().__init__(env, itertools.cycle(benchmarks), fork_shares_iterator)


class CycleOverBenchmarksIterator(IterateOverBenchmarks):
    """Each ``reset()`` takes the next benchmark of ``make_benchmark_iterator()``, and a new iterator from it once
    one is used up (for benchmarks too many to hold in a list, such as a generator's)."""

    def __init__(self, env: Any, make_benchmark_iterator: Callable[[], Iterable[Any]]):
        def forever() -> Iterator[Any]:
            while True:
                empty = True
                for benchmark in make_benchmark_iterator():
                    empty = False
                    yield benchmark
                if empty:
                    return
        super().__init__(env, forever())


class RandomOrderBenchmarks(IterateOverBenchmarks):
    """Each ``reset()`` takes a benchmark of ``benchmarks`` uniformly at random (``rng``: a
    ``numpy.random.Generator``); a fork draws from a copy of the generator's state."""

    def __init__(self, env: Any, benchmarks: Iterable[Any], rng: np.random.Generator | None = None):
        self._all = list(benchmarks)
        if not self._all:
            raise ValueError("no benchmarks to choose from")
        self._rng = rng if rng is not None else np.random.default_rng()
        super().__init__(env, _draws(self._all, self._rng))

    def fork(self) -> RandomOrderBenchmarks:
        rng = np.random.Generator(type(self._rng.bit_generator)())
        rng.bit_generator.state = self._rng.bit_generator.state
        return RandomOrderBenchmarks(self.env.fork(), self._all, rng)


def _draws(items: list[Any], rng: np.random.Generator) -> Iterator[Any]:
    while True:
        yield items[int(rng.integers(len(items)))]


class _Shared(Iterator[Any]):
    """An iterator that several threads (and environments) may advance, and that :meth:`tee` copies."""

    def __init__(self, it: Iterator[Any]):
        self._it, self._lock = it, threading.Lock()

    def __next__(self) -> Any:
        with self._lock:
            return next(self._it)

    def tee(self) -> _Shared:
        with self._lock:
            self._it, other = itertools.tee(self._it)
        return _Shared(other)


# ------------------------------------------------------------------------------------------ episodes

class TimeLimit(CompilerEnvWrapper):
    """The episode is done after ``max_episode_steps`` actions (``info["TimeLimit.truncated"]`` says it was the
    limit); ``multistep`` counts each of its actions."""

    def __init__(self, env: Any, max_episode_steps: int | None = None):
        super().__init__(env)
        self.max_episode_steps = max_episode_steps
        self.elapsed_steps: int | None = None

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        self.elapsed_steps = 0
        return self.env.reset(*args, **kwargs)

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        if self.elapsed_steps is None:
            raise gymnasium.error.ResetNeeded("call reset() before step()")
        actions = list(actions)
        obs, reward, done, info = self.env.multistep(actions, *args, **kwargs)
        self.elapsed_steps += len(actions)
        if self.max_episode_steps is not None and self.elapsed_steps >= self.max_episode_steps:
            info["TimeLimit.truncated"] = not done
            done = True
        return obs, reward, done, info

    def fork(self) -> TimeLimit:
        other = TimeLimit(self.env.fork(), self.max_episode_steps)
        other.elapsed_steps = self.elapsed_steps
        return other


class ForkOnStep(CompilerEnvWrapper):
    """Forks the environment before every step, so that :meth:`undo` can take the step back; ``stack`` holds
    the forks, oldest first (``reset()`` and ``close()`` close them)."""

    def __init__(self, env: Any):
        super().__init__(env)
        self.stack: list[Any] = []

    def undo(self) -> Any:
        """Go back to the state before the last step (nothing to undo: nothing happens); returns the wrapped
        environment."""
        if self.stack:
            self.env.close()
            self.env = self.stack.pop()
        return self.env

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        self._drop_stack()
        return self.env.reset(*args, **kwargs)

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        self.stack.append(self.env.fork())
        return self.env.multistep(list(actions), *args, **kwargs)

    def close(self) -> None:
        self._drop_stack()
        self.env.close()

    def fork(self) -> ForkOnStep:
        raise NotImplementedError("ForkOnStep cannot be forked (as in CompilerGym)")

    def _drop_stack(self) -> None:
        while self.stack:
            self.stack.pop().close()


class Counter(CompilerEnvWrapper):
    """Counts calls of ``close``, ``reset``, ``step`` (a ``multistep`` counts once) and ``fork`` in
    ``counters``; ``reset()`` does not clear them."""

    def __init__(self, env: Any):
        super().__init__(env)
        self.counters = {"close": 0, "reset": 0, "step": 0, "fork": 0}

    def close(self) -> None:
        self.counters["close"] += 1
        self.env.close()

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        self.counters["reset"] += 1
        return self.env.reset(*args, **kwargs)

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        self.counters["step"] += 1
        return self.env.multistep(list(actions), *args, **kwargs)

    def fork(self) -> Any:
        self.counters["fork"] += 1
        return self.env.fork()


# ------------------------------------------------------------------------------------------ validation

class ValidateBenchmarkAfterEveryStep(CompilerEnvWrapper):
    """Validates the state after every step (``env.validate(env.state)`` without its return: the episode's
    actions replay, and the program still behaves as its -O0 build where the benchmark can run; CompilerGym
    checks the program alone), so that a policy is never rewarded for a miscompile.
    A failure ends the episode: ``done`` is True, the reward is ``reward_penalty`` (it replaces the step's
    reward, as in CompilerGym), ``info["error_details"]`` says what failed and ``info["validation_result"]`` is
    the :class:`~rlopt.training.compiler_gym.ValidationResult`. A step that ended the episode already is not
    validated; ``episode_reward`` and ``env.state`` keep the environment's return (the penalty is not in it)."""

    def __init__(self, env: Any, reward_penalty: float = -1e3):
        super().__init__(env)
        self.reward_penalty = reward_penalty

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        obs, reward, done, info = self.env.multistep(list(actions), *args, **kwargs)
        if done:
            return obs, reward, done, info
        state = self.env.state.copy()
        state.reward = None  # a reward wrapper may have changed the return: the program and its actions count
        result = self.env.validate(state)
        if result.okay():
            return obs, reward, done, info
        info["error_details"], info["validation_result"] = result.error_details, result
        return obs, self.reward_penalty, True, info

    def fork(self) -> ValidateBenchmarkAfterEveryStep:
        return ValidateBenchmarkAfterEveryStep(self.env.fork(), self.reward_penalty)


# ------------------------------------------------------------------------------------------ LLVM

class RuntimeReward(rewards.Reward):
    """CompilerGym's ``runtime`` reward space (``compiler_gym.spaces.RuntimeReward``): the change in a point
    estimate (``estimator``) of ``runtime_count`` runtimes, previous minus current, so that a faster program
    earns a positive reward; a failed step takes the episode's return back, as CompilerGym's does. The starting
    estimate is kept while the benchmark stays the same, as there. A cost delta over ``Runtime`` like the
    others of :mod:`rewards`, with the runtimes measured by :class:`RuntimePointEstimateReward`."""

    name = "runtime"
    cost = "Runtime"
    deterministic = False
    needs_run = True
    default_negates_returns = True

    def __init__(self, runtime_count: int, warmup_count: int, estimator: Callable[[Iterable[float]], float]):
        super().__init__()
        self.runtime_count, self.warmup_count, self.estimator = runtime_count, warmup_count, estimator
        self.starting_runtime: float | None = None
        self.current_benchmark: str | None = None

    @property
    def observation_spaces(self) -> list[str]:
        return [self.cost]

    @property
    def previous_runtime(self) -> float | None:
        return self.previous

    def start(self, benchmark: str, measure: Callable[[], list[float]]) -> None:
        """Start an episode of ``benchmark``; ``measure()`` gives the runtimes (only when the benchmark changed:
        each measurement runs the program ``warmup_count + runtime_count`` times)."""
        if benchmark != self.current_benchmark:
            self.current_benchmark, self.starting_runtime = benchmark, None
        if self.starting_runtime is None:
            self.starting_runtime = float(self.estimator(measure()))
        self.reset(_Estimate(self.starting_runtime))

    def update_from(self, runtimes: list[float]) -> float:
        """The reward for the state whose runtimes are ``runtimes``."""
        return self.update(_Estimate(float(self.estimator(runtimes))))


class _Estimate:
    """A runtime estimate as the ``Runtime`` observation :class:`rewards.Reward` reads."""

    def __init__(self, seconds: float):
        self.observation = {"Runtime": seconds}


class RuntimePointEstimateReward(CompilerEnvWrapper):
    """The step's reward is the change in a point estimate of the program's runtime (CompilerGym's wrapper of
    the same name): before each estimate the program is built from the current IR, validated against its -O0
    build, run ``warmup_count`` times untimed and ``runtime_count`` times timed, and ``estimator`` (default: the
    median) turns the times into one number. It replaces the environment's reward space (set to None, so the
    environment computes no other reward); ``episode_reward`` adds these rewards.

    Each time is the run's CPU time (user + system), as rlopt's ``Runtime`` observation measures it (stable on a
    loaded machine, docs/suite.md); CompilerGym's are wall times. The environment's own ``Runtime`` observation
    stays rlopt's one noise-controlled median: the counts (also readable as CompilerGym's
    ``runtime_observation_count``/``runtime_warmup_runs_count``) apply to this wrapper's :meth:`runtimes`.
    A benchmark that cannot run (bare IR) raises rlopt's ``InputError`` at ``reset``, as the other run-time
    rewards do; a build, a run or a validation that fails during a step ends the episode with
    ``info["error"]`` and the reward takes the episode's return back (the state is not rolled back)."""

    def __init__(self, env: Any, runtime_count: int = 30, warmup_count: int = 0,
                 estimator: Callable[[Iterable[float]], float] = np.median):
        super().__init__(env)
        if runtime_count < 1 or warmup_count < 0:
            raise ValueError(f"need runtime_count >= 1 and warmup_count >= 0, got {runtime_count}, {warmup_count}")
        self._reward = RuntimeReward(runtime_count, warmup_count, estimator)
        self.env.reward_space = None

    @property
    def reward_space(self) -> RuntimeReward:
        return self._reward

    @property
    def runtime_observation_count(self) -> int:
        return self._reward.runtime_count

    @property
    def runtime_warmup_runs_count(self) -> int:
        return self._reward.warmup_count

    def runtimes(self) -> list[float]:
        """CompilerGym's ``Runtime`` observation: ``runtime_count`` CPU times in seconds of the program built
        from the current IR, after ``warmup_count`` untimed runs (``Miscompile`` if it fails validation)."""
        from rlopt.training.env import Miscompile

        runtime = _runtime_module()
        env = self.unwrapped
        bench = env._runnable(env._require_program())  # InputError: bare IR cannot run
        state = env.ir_state
        verdict = env._validation(state, bench)
        if not verdict.ok:
            raise Miscompile(f"{verdict.status}: {verdict.message}")
        times: list[float] = []
        with tempfile.TemporaryDirectory(prefix="rlopt-runtime-", dir=timing.tmpfs_dir()) as d:
            exe = runtime.build(state.ir, Path(d) / Path(bench.name).name, extra_link=bench.ldflags)
            with runtime.run_directory(bench) as cwd:
                for i in range(self._reward.warmup_count + self._reward.runtime_count):
                    r = timing.run(exe, bench.args, cwd=cwd, stdin=bench.stdin, env=bench.env)
                    if r.returncode < 0:
                        raise ToolCrash(exe.name, f"killed by signal {-r.returncode}", r.returncode)
                    if i >= self._reward.warmup_count:
                        times.append(r.cpu_seconds)
        return times

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        observation = self.env.reset(*args, **kwargs)
        env = self.unwrapped
        self._reward.start(f"{env.benchmark.uri}@{env.ir_state.digest}", self.runtimes)
        return observation

    def multistep(self, actions: Iterable[Any], observation_spaces: Iterable[str] | None = None,
                  reward_spaces: Iterable[str] | None = None, observations: Iterable[str] | None = None,
                  rewards: Iterable[str] | None = None) -> StepResult:
        obs, reward, done, info = self.env.multistep(list(actions), observation_spaces, reward_spaces,
                                                     observations, rewards)
        if reward_spaces is not None or rewards is not None:
            return obs, reward, done, info  # named rewards come back as they are
        env = self.unwrapped
        mine = None
        if "error" not in info:
            try:
                mine = self._reward.update_from(self.runtimes())
            except RloptError as e:
                info["error"], done = f"{type(e).__name__}: {e}", True
        if mine is None:
            mine = self._reward.reward_on_error(env.episode_reward - (reward or 0.0))
        env.episode_reward += mine - (reward or 0.0)
        return obs, mine, done, info

    def fork(self) -> RuntimePointEstimateReward:
        other = copy.copy(self)
        other.env = self.env.fork()
        other._reward = copy.copy(self._reward)  # goes on from this episode's estimate
        return other


def _runtime_module() -> Any:
    from rlopt.training import runtime  # (imports the benchmarks: only when a program is built)

    return runtime


#: CompilerGym's schema (``compiler_gym/wrappers/sqlite_logger.py``): the same tables, columns and keys.
DB_CREATION_SCRIPT = """
CREATE TABLE IF NOT EXISTS States (
  benchmark_uri TEXT NOT NULL,         -- The URI of the benchmark.
  done INTEGER NOT NULL,               -- 0 = False, 1 = True.
  ir_instruction_count_oz_reward REAL NULLABLE,
  state_id TEXT NOT NULL,              -- 40-char sha1.
  actions TEXT NOT NULL,               -- Decode: [int(x) for x in field.split()]
  PRIMARY KEY (benchmark_uri, actions),
  FOREIGN KEY (state_id) REFERENCES Observations(state_id) ON UPDATE CASCADE
);

CREATE TABLE IF NOT EXISTS Observations (
  state_id TEXT NOT NULL,              -- 40-char sha1.
  ir_instruction_count INTEGER NOT NULL,
  compressed_llvm_ir BLOB NOT NULL,           -- Decode: zlib.decompress(...)
  pickled_compressed_programl BLOB NOT NULL,  -- Decode: pickle.loads(zlib.decompress(...))
  autophase TEXT NOT NULL,                    -- Decode: np.array([int(x) for x in field.split()], dtype=np.int64)
  instcount TEXT NOT NULL,                    -- Decode: np.array([int(x) for x in field.split()], dtype=np.int64)
  PRIMARY KEY (state_id)
);
"""


class SynchronousSqliteLogger(CompilerEnvWrapper):
    """Logs every state an episode reaches (after ``reset`` and after each ``step``/``multistep``) to the
    sqlite database ``db_path``, in CompilerGym's schema (:data:`DB_CREATION_SCRIPT`), so that datasets of
    transitions logged by CompilerGym and by rlopt read alike:

    - ``States``: one row per benchmark and action sequence (the first one logged wins): ``benchmark_uri``,
      ``done``, ``ir_instruction_count_oz_reward`` (the episode's return so far in ``IrInstructionCountOz``,
      whatever the environment's own reward space), ``state_id`` (``IrSha1``) and ``actions`` (the episode's
      action indices, space-separated);
    - ``Observations``: one row per state: ``IrInstructionCount``, the zlib-compressed IR text, the
      pickled then zlib-compressed ``Programl`` graph, and ``Autophase``/``InstCount`` as space-separated
      integers.

    Every column is filled; the values are rlopt's on LLVM 19: the IR is LLVM 19's, the ``Programl`` graph is
    rlopt's own builder's networkx ``MultiDiGraph`` in ProGraML's schema (docs/graph.md), and ``Autophase``/
    ``InstCount`` are rlopt's implementations (docs/features.md). Rows are buffered and written in one
    transaction when ``max_step_buffer_length`` rows wait or ``commit_frequency_in_seconds`` passed since the
    last write, on :meth:`flush`, and on ``close()``. The environment needs no observation or reward space
    (CompilerGym's needs both) and steps may name their own spaces (CompilerGym refuses them); it cannot be
    forked, as in CompilerGym."""

    def __init__(self, env: Any, db_path: str | Path, commit_frequency_in_seconds: float = 300,
                 max_step_buffer_length: int = 5000):
        super().__init__(env)
        from rlopt.training.env import LlvmEnv

        if not isinstance(self.unwrapped, LlvmEnv):
            raise TypeError("Requires LlvmEnv base environment")
        db_path = Path(db_path)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self.db_path = db_path
        self.connection: sqlite3.Connection | None = sqlite3.connect(str(db_path))
        self.cursor = self.connection.cursor()
        self.cursor.executescript(DB_CREATION_SCRIPT)
        self.connection.commit()
        self.commit_frequency = commit_frequency_in_seconds
        self.max_step_buffer_length = max_step_buffer_length
        self.last_commit = time.monotonic()
        self.step_buffer: list[tuple[str, int, float, str, str]] = []
        self.observations_buffer: dict[str, tuple[int, bytes, bytes, str, str]] = {}
        self._logged: set[str] = set()  # states already written by this logger: their observations are not read
        self._oz = rewards.make("IrInstructionCountOz")  # its own: the env's reward views are the user's
        self._oz_total = 0.0

    def flush(self) -> None:
        """Write the buffered rows in one transaction."""
        if not self.step_buffer or self.connection is None:
            return
        self.cursor.executemany("INSERT OR IGNORE INTO States VALUES (?, ?, ?, ?, ?)", self.step_buffer)
        self.cursor.executemany("INSERT OR IGNORE INTO Observations VALUES (?, ?, ?, ?, ?, ?)",
                                ((k, *v) for k, v in self.observations_buffer.items()))
        self.connection.commit()
        self._logged.update(self.observations_buffer)
        self.step_buffer, self.observations_buffer = [], {}
        self.last_commit = time.monotonic()

    def reset(self, *args: Any, **kwargs: Any) -> Any:
        observation = self.env.reset(*args, **kwargs)
        self._oz.reset(self.unwrapped)
        self._oz_total = 0.0
        self._record(done=False)
        return observation

    def multistep(self, actions: Iterable[Any], *args: Any, **kwargs: Any) -> StepResult:
        obs, reward, done, info = self.env.multistep(list(actions), *args, **kwargs)
        self._oz_total += self._oz.update(self.unwrapped)
        self._record(done=done)
        return obs, reward, done, info

    def _record(self, done: bool) -> None:
        env = self.unwrapped
        view = env.observation
        state_id = view["IrSha1"]
        self.step_buffer.append((str(env.benchmark.uri), int(bool(done)), float(self._oz_total), state_id,
                                 " ".join(str(a) for a in env.actions)))
        if state_id not in self.observations_buffer and state_id not in self._logged:
            self.observations_buffer[state_id] = (
                int(view["IrInstructionCount"]), zlib.compress(view["Ir"].encode()),
                zlib.compress(pickle.dumps(view["Programl"])), " ".join(str(int(x)) for x in view["Autophase"]),
                " ".join(str(int(x)) for x in view["InstCount"]))
        if len(self.step_buffer) >= self.max_step_buffer_length or \
                time.monotonic() - self.last_commit >= self.commit_frequency:
            self.flush()

    def close(self) -> None:
        """Write what is buffered, close the database, then the environment."""
        if self.connection is not None:
            self.flush()
            self.connection.close()
            self.connection = None
        self.env.close()

    def fork(self) -> SynchronousSqliteLogger:
        raise NotImplementedError("SynchronousSqliteLogger cannot be forked (as in CompilerGym)")
