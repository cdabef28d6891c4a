"""CompilerGym's ``compiler_gym.wrappers`` for the environment of :func:`rlopt.training.compiler_gym.make`
(CompilerGym's calling convention: ``reset() -> observation``, ``step() -> (observation, reward, done, info)``).

Scripts that wrap CompilerGym environments keep working: the base classes (:class:`CompilerEnvWrapper`,
:class:`ActionWrapper`, :class:`ObservationWrapper`, :class:`RewardWrapper`), the action spaces
(:class:`CommandlineWithTerminalAction`, :class:`ConstrainedCommandline`), the benchmark iterators
(:class:`IterateOverBenchmarks`, :class:`CycleOverBenchmarks`, :class:`CycleOverBenchmarksIterator`,
:class:`RandomOrderBenchmarks`), :class:`TimeLimit`, :class:`ForkOnStep` and :class:`Counter`.
As in CompilerGym, a wrapper's ``step`` is its ``multistep`` of one action, so a subclass overrides
``multistep`` alone; ``fork()`` forks the wrapped environment and wraps it the same way.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import gymnasium
import numpy as np

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
