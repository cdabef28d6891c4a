"""CompilerGym's wrappers (``rlopt.training.compiler_gym.wrappers``) on the environment of
``compiler_gym.make``: the terminal and constrained action spaces, the benchmark iterators, ``ForkOnStep``'s
undo, ``Counter``, and user wrappers built on the base classes."""

from __future__ import annotations

from collections.abc import Iterator

import gymnasium
import numpy as np
import pytest

import rlopt.training.compiler_gym as compiler_gym
from rlopt.engine import Engine
from rlopt.training.env import InvalidActionError

W = compiler_gym.wrappers


pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture
def env(engine: Engine) -> Iterator[compiler_gym.CompilerEnv]:
    with compiler_gym.make("llvm-ic-v0", benchmark="bitcount", cache=False, engine=engine) as e:
        yield e


def _benchmark(env: object) -> str:
    return str(env.benchmark).rsplit("/", 1)[-1]  # type: ignore[attr-defined]


def test_terminal_action_ends_the_episode_without_running_the_rest(env: compiler_gym.CompilerEnv) -> None:
    wrapped = W.CommandlineWithTerminalAction(env)
    space = wrapped.action_space
    assert space.n == env.action_space.n + 1 and env.action_space.n == 124  # the wrapped space is unchanged
    assert (space.names[-1], space.flags[-1]) == ("end-of-episode", "# end-of-episode")
    assert space["-gvn"] == env.action_space["-gvn"]
    wrapped.reset()
    assert wrapped.step(space["-mem2reg"])[2] is False
    ir = wrapped.ir
    _, reward, done, info = wrapped.multistep([space["-gvn"], space.n - 1, space["-sroa"]])
    assert done and info["terminal_action"] and reward > 0  # -gvn ran and was rewarded, -sroa did not run
    assert wrapped.actions == [space["-mem2reg"], space["-gvn"]] and wrapped.ir != ir
    ir = wrapped.ir
    _, reward, done, info = wrapped.step("end-of-episode")
    assert done and info["terminal_action"] and reward == 0 and wrapped.ir == ir
    fork = wrapped.fork()
    assert isinstance(fork, W.CommandlineWithTerminalAction) and fork.action_space.n == space.n
    assert fork.actions == wrapped.actions
    fork.close()


def test_constrained_commandline_translates_actions_both_ways(env: compiler_gym.CompilerEnv) -> None:
    wrapped = W.ConstrainedCommandline(env, flags=["-mem2reg", "-gvn"], name="tiny")
    assert wrapped.action_space.n == 2 and wrapped.action_space.flags == ["-mem2reg", "-gvn"]
    assert wrapped.action_space.name == "ConstrainedCommandline<tiny, 2>"
    assert wrapped.action_space.descriptions == [env.action_space.descriptions[env.action_space[f]]
                                                 for f in ("-mem2reg", "-gvn")]
    wrapped.reset()
    wrapped.step(1)
    wrapped.multistep([0, np.int64(1)])
    assert wrapped.actions == [1, 0, 1]
    assert wrapped.unwrapped.actions == [env.action_space["-gvn"], env.action_space["-mem2reg"],
                                         env.action_space["-gvn"]]
    with pytest.raises(InvalidActionError, match=r"\[0, 2\)"):
        wrapped.step(2)
    with pytest.raises(InvalidActionError, match="not in action space"):
        wrapped.step("-sroa")
    with pytest.raises(LookupError, match="unknown flag '-no-such-pass'"):
        W.ConstrainedCommandline(env, flags=["-mem2reg", "-no-such-pass"])
    with pytest.raises(TypeError, match="no flags"):
        W.ConstrainedCommandline(env, flags=[])
    fork = wrapped.fork()
    assert fork.action_space.n == 2 and fork.actions == wrapped.actions
    fork.close()


def test_iterate_over_benchmarks_and_its_forks(env: compiler_gym.CompilerEnv) -> None:
    wrapped = W.IterateOverBenchmarks(env, ["bitcount", "crc32", "qsort"])
    wrapped.reset()
    assert _benchmark(wrapped) == "bitcount"
    independent = wrapped.fork()
    wrapped.reset()
    assert _benchmark(wrapped) == "crc32"
    independent.reset()
    assert _benchmark(independent) == "crc32"  # its own copy of the rest
    with pytest.raises(TypeError, match="chooses the benchmark"):
        wrapped.reset(benchmark="qsort")
    wrapped.reset()
    with pytest.raises(StopIteration):
        wrapped.reset()
    independent.close()

    shared = W.IterateOverBenchmarks(env, ["bitcount", "crc32", "qsort"], fork_shares_iterator=True)
    env.reset()
    other = shared.fork()
    shared.reset()
    other.reset()
    assert (_benchmark(shared), _benchmark(other)) == ("bitcount", "crc32")
    other.close()


def test_cycle_over_benchmarks(env: compiler_gym.CompilerEnv) -> None:
    cycle = W.CycleOverBenchmarks(env, ["bitcount", "crc32"])
    seen = []
    for _ in range(3):
        cycle.reset()
        seen.append(_benchmark(cycle))
    assert seen == ["bitcount", "crc32", "bitcount"]

    made = []
    cycle = W.CycleOverBenchmarksIterator(env, lambda: made.append(1) or iter(["crc32", "qsort"]))
    for _ in range(3):
        cycle.reset()
    assert _benchmark(cycle) == "crc32" and len(made) == 2  # a new iterator once the first was used up
    with pytest.raises(StopIteration):
        W.CycleOverBenchmarksIterator(env, lambda: iter([])).reset()


def test_random_order_benchmarks_is_seeded_and_forks_its_generator(env: compiler_gym.CompilerEnv) -> None:
    names = ["bitcount", "crc32", "qsort"]

    def draws(wrapped: W.RandomOrderBenchmarks, n: int) -> list[str]:
        out = []
        for _ in range(n):
            wrapped.reset()
            out.append(_benchmark(wrapped))
        return out

    env.reset()  # (a fork needs an episode to copy)
    wrapped = W.RandomOrderBenchmarks(env, names, rng=np.random.default_rng(3))
    fork = wrapped.fork()
    first = draws(wrapped, 8)
    assert set(first) <= set(names) and len(set(first)) > 1
    assert draws(fork, 8) == first
    again = W.RandomOrderBenchmarks(env, names, rng=np.random.default_rng(3))
    assert draws(again, 8) == first
    fork.close()
    with pytest.raises(ValueError, match="no benchmarks"):
        W.RandomOrderBenchmarks(env, [])


def test_time_limit_counts_multistep_actions_and_forks_with_its_count(env: compiler_gym.CompilerEnv) -> None:
    limited = W.TimeLimit(env, max_episode_steps=3)
    limited.reset()
    assert limited.multistep([0, 1])[2] is False
    fork = limited.fork()
    _, _, done, info = limited.step(0)
    assert done and info["TimeLimit.truncated"]
    assert fork.elapsed_steps == 2 and fork.step(0)[2] is True
    fork.close()


def test_fork_on_step_undoes_steps(env: compiler_gym.CompilerEnv) -> None:
    wrapped = W.ForkOnStep(env)
    wrapped.reset()
    wrapped.undo()  # nothing to undo
    wrapped.step("-mem2reg")
    after_one = wrapped.ir
    wrapped.multistep(["-gvn", "-sroa"])
    assert len(wrapped.stack) == 2 and len(wrapped.actions) == 3
    wrapped.undo()
    assert wrapped.ir == after_one and wrapped.actions == [env.action_space["-mem2reg"]]
    wrapped.undo()
    assert wrapped.actions == [] and wrapped.stack == []
    wrapped.step("-mem2reg")
    wrapped.reset()
    assert wrapped.stack == [] and wrapped.actions == []
    with pytest.raises(NotImplementedError):
        wrapped.fork()
    wrapped.close()


def test_counter_counts_calls(env: compiler_gym.CompilerEnv) -> None:
    counted = W.Counter(env)
    counted.reset()
    counted.step(0)
    counted.multistep([0, 1])
    counted.fork().close()
    assert counted.counters == {"close": 0, "reset": 1, "step": 2, "fork": 1}
    counted.reset()
    assert counted.counters["reset"] == 2  # reset does not clear the counts


class _Doubled(W.ObservationWrapper):
    def convert_observation(self, observation: int) -> int:
        return 2 * observation


class _Negated(W.RewardWrapper):
    def convert_reward(self, reward: float) -> float:
        return -reward


def test_user_wrappers_convert_default_observations_and_rewards(env: compiler_gym.CompilerEnv) -> None:
    wrapped = _Negated(_Doubled(env))
    assert wrapped.reset(observation_space="IrInstructionCount") == 2 * env.observation["IrInstructionCount"]
    returned = []
    for action in ("-mem2reg", "-gvn"):
        obs, reward, _, _ = wrapped.step(action)
        assert obs == 2 * env.observation["IrInstructionCount"] and reward < 0
        returned.append(reward)
    assert wrapped.episode_reward == pytest.approx(sum(returned))  # the converted rewards, not the original
    obs, reward, _, _ = wrapped.step("-sroa", observation_spaces=["IrInstructionCount"],
                                     reward_spaces=["IrInstructionCount"])
    assert obs == [env.observation["IrInstructionCount"]] and reward[0] > 0  # named ones are left as they are
    assert wrapped.episode_reward == pytest.approx(sum(returned))


def test_wrappers_import_as_in_compiler_gym() -> None:
    from rlopt.training.compiler_gym.wrappers import CycleOverBenchmarks, TimeLimit

    assert (TimeLimit, CycleOverBenchmarks) == (W.TimeLimit, W.CycleOverBenchmarks)


def test_wrapper_attributes(env: compiler_gym.CompilerEnv) -> None:
    wrapped = W.Counter(env)
    wrapped.observation_space = "Autophase"  # the environment's settable attributes are set on it
    assert env.observation_space.shape == (56,)
    wrapped.note = "mine"  # anything else stays with the wrapper
    assert not hasattr(env.unwrapped, "note")
    with pytest.raises(TypeError, match="Commandline"):
        W.CommandlineWithTerminalAction(type("Other", (), {"action_space": object()})())
    with pytest.raises(TypeError, match="not a Gymnasium one"):
        W.TimeLimit(gymnasium.make("rlopt/llvm-v0", benchmark="bitcount", cache=False))
    terminal = W.CommandlineWithTerminalAction(env)
    terminal.reset()
    with pytest.raises(InvalidActionError, match=r"\[0, 125\) for action space 'CommandlineWithTerminalAction"):
        terminal.step(125)


class _Normalized(W.ObservationWrapper):
    """CompilerGym's way to wrap a transformed observation space (its AutophaseNormalizedFeatures example)."""

    def __init__(self, env: compiler_gym.CompilerEnv):
        super().__init__(env)
        self.env.observation_space = self.env.unwrapped.observation.spaces["Autophase"]
        self.env.observation_space_spec.space = gymnasium.spaces.Box(0.0, 1.0, shape=(56,), dtype=np.float32)

    def convert_observation(self, observation: np.ndarray) -> np.ndarray:
        return (observation / max(int(observation.max()), 1)).astype(np.float32)


def test_an_observation_wrapper_sets_the_space_of_what_it_returns(env: compiler_gym.CompilerEnv) -> None:
    wrapped = _Normalized(env)
    assert wrapped.observation_space.dtype == np.float32 and env.observation_space_spec.id == "Autophase"
    obs = wrapped.reset()
    assert wrapped.observation_space.contains(obs) and obs.max() == 1.0
    assert wrapped.step("-mem2reg")[0].dtype == np.float32
