"""CompilerGym's wrappers (``rlopt.training.compiler_gym.wrappers``) on the environment of
``compiler_gym.make``: the terminal and constrained action spaces, the benchmark iterators, ``ForkOnStep``'s
undo, ``Counter``, user wrappers built on the base classes, validation after every step, the runtime point
estimate reward and the sqlite logger (on two tiny programs of a manifest, which run in milliseconds)."""

from __future__ import annotations

import hashlib
import pickle
import sqlite3
import zlib
from collections.abc import Iterator
from pathlib import Path

import gymnasium
import networkx as nx
import numpy as np
import pytest

import rlopt.training.compiler_gym as compiler_gym
from rlopt import timing
from rlopt.engine import Engine
from rlopt.errors import InputError
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



# ------------------------------------------------------------------------- validation, runtime, logging

FAST = r"""
#include <stdio.h>
#include <stdlib.h>
static int data[4096];
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 10;
    for (int i = 0; i < 4096; i++) data[i] = i * 7 % 13;
    long long total = 0;
    for (int r = 0; r < n; r++)
        for (int i = 0; i < 4096; i++) total += data[i] * 3 + r;
    printf("%lld\n", total);
    return 0;
}
"""
# signed overflow: the -O0 build wraps and prints 1; instcombine folds the nsw compare to false and prints 0
OVERFLOW = r"""
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    int x = argc > 1 ? atoi(argv[1]) : 0;
    printf("%d\n", x + 1 < x);
    return 0;
}
"""
MANIFEST = """{"benchmarks": [
  {"name": "fast", "sources": ["fast.c"], "args": ["2000"], "small_args": ["20"]},
  {"name": "overflow", "sources": ["overflow.c"], "args": ["2147483647"], "small_args": ["2147483647"]}
]}"""


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URI of the manifest of two tiny runnable programs (``#fast``, ``#overflow``)."""
    d = tmp_path_factory.mktemp("programs")
    (d / "fast.c").write_text(FAST)
    (d / "overflow.c").write_text(OVERFLOW)
    (d / "rlopt-benchmarks.json").write_text(MANIFEST)
    return (d / "rlopt-benchmarks.json").as_uri()


def _make(uri: str, engine: Engine, **kwargs: object) -> compiler_gym.CompilerEnv:
    return compiler_gym.make("llvm-ic-v0", benchmark=uri, cache=False, engine=engine, **kwargs)


def test_validation_failure_forced_by_a_pipeline_ends_the_episode_with_the_penalty(programs: str,
                                                                                  engine: Engine) -> None:
    with W.ValidateBenchmarkAfterEveryStep(_make(f"{programs}#overflow", engine), reward_penalty=-5.0) as env:
        env.reset()
        _, reward, done, info = env.step("-mem2reg")
        assert not done and reward > 0 and "error_details" not in info
        _, reward, done, info = env.step("-instcombine")  # exposes the overflow: the output changes
        assert done and reward == -5.0
        assert "output differs" in info["error_details"] and info["validation_result"].status == "miscompile"
        assert env.episode_reward > 0  # the environment's return, without the penalty
        fork = env.fork()
        assert isinstance(fork, W.ValidateBenchmarkAfterEveryStep) and fork.reward_penalty == -5.0
        fork.close()


def test_validation_after_every_step_skips_done_steps_and_ignores_a_changed_return(
        env: compiler_gym.CompilerEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    negated = W.ValidateBenchmarkAfterEveryStep(_Negated(env))
    negated.reset()
    _, reward, done, info = negated.step("-mem2reg")  # bitcount still validates; its return is negated
    assert not done and reward < 0 and "error_details" not in info

    validated = []

    def failing(state: compiler_gym.CompilerEnvState | None = None) -> compiler_gym.ValidationResult:
        validated.append(state)
        return compiler_gym.ValidationResult(state, 0.0, actions_replay_failed=True,
                                             errors=["Action replay failed: boom"])

    monkeypatch.setattr(env.unwrapped, "validate", failing)
    wrapped = W.ValidateBenchmarkAfterEveryStep(W.TimeLimit(env, max_episode_steps=2))
    wrapped.reset()
    _, reward, done, info = wrapped.step("-mem2reg")
    assert done and reward == -1e3 and info["error_details"] == "Action replay failed: boom"
    assert validated[0].reward is None and validated[0].commandline == env.state.commandline
    wrapped.step("-gvn")  # the time limit ends the episode: not validated
    assert len(validated) == 1


def test_runtime_point_estimate_reward_rewards_a_faster_program(programs: str, engine: Engine,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    runs = []

    def counted(*args: object, **kwargs: object) -> timing.RunResult:
        runs.append(1)
        return real(*args, **kwargs)

    real = timing.run
    monkeypatch.setattr(timing, "run", counted)
    inner = _make(f"{programs}#fast", engine, action_space="rlopt-extended-v0")
    with W.RuntimePointEstimateReward(inner, runtime_count=3, warmup_count=1) as env:
        assert env.reward_space.name == "runtime" and env.unwrapped.reward_space is None
        assert (env.runtime_observation_count, env.runtime_warmup_runs_count) == (3, 1)
        env.reset()
        assert len(runs) == 4  # one warm-up, three timed
        start = env.reward_space.starting_runtime
        _, reward, done, info = env.step("-O3")  # vectorized: several times faster
        assert not done, info
        assert reward > 0.5 * start and reward == pytest.approx(start - env.reward_space.previous_runtime)
        assert env.episode_reward == pytest.approx(reward) and len(runs) == 8
        env.reset()
        assert len(runs) == 8 and env.episode_reward == 0  # the same benchmark: its first estimate is kept
        assert len(env.runtimes()) == 3


def test_runtime_point_estimate_reward_uses_the_estimator_and_takes_the_return_back_on_error(
        programs: str, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    # warm-up then timed runs: min(5, 4, 6) = 4 at reset, min(3, 2, 7) = 2 after a step, then a crash
    scripted = iter([(0, 9.0), (0, 5.0), (0, 4.0), (0, 6.0), (0, 9.0), (0, 3.0), (0, 2.0), (0, 7.0), (-11, 1.0)])

    def fake_run(*args: object, **kwargs: object) -> timing.RunResult:
        code, seconds = next(scripted)
        return timing.RunResult(b"", code, seconds, seconds)

    monkeypatch.setattr(timing, "run", fake_run)
    env = W.RuntimePointEstimateReward(_make(f"{programs}#fast", engine), runtime_count=3, warmup_count=1,
                                       estimator=np.min)
    env.reset()
    assert env.reward_space.starting_runtime == 4.0
    assert env.step("-mem2reg")[1] == 2.0 and env.episode_reward == 2.0
    fork = env.fork()
    assert fork.reward_space.previous_runtime == 2.0 and fork.reward_space is not env.reward_space
    fork.close()
    _, reward, done, info = env.step("-gvn")
    assert done and "ToolCrash" in info["error"] and reward == -2.0 and env.episode_reward == 0.0
    env.close()
    with pytest.raises(ValueError, match="runtime_count >= 1"):
        W.RuntimePointEstimateReward(_make(f"{programs}#fast", engine), runtime_count=0)


def test_runtime_point_estimate_reward_refuses_bare_ir(engine: Engine, example_ir: dict[str, Path]) -> None:
    with W.RuntimePointEstimateReward(_make(str(example_ir["crc.O0"]), engine)) as env, \
            pytest.raises(InputError, match="not bare IR"):
        env.reset()


def _rows(db: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(f"SELECT * FROM {table}").fetchall()


def test_sqlite_logger_writes_compiler_gyms_tables_on_close(env: compiler_gym.CompilerEnv, tmp_path: Path) -> None:
    db = tmp_path / "sub" / "log.db"
    logger = W.SynchronousSqliteLogger(env, db)
    logger.reset()
    logger.step("-mem2reg")
    logger.multistep(["-gvn", "-sroa"])
    assert _rows(db, "States") == [] and _rows(db, "Observations") == []  # buffered
    last = {name: env.observation[name] for name in ("Autophase", "InstCount", "IrInstructionCount")}
    episode_reward = env.episode_reward
    with pytest.raises(NotImplementedError):
        logger.fork()
    logger.close()

    states = _rows(db, "States")
    space = env.action_space
    assert [(uri, done, actions) for uri, done, _, _, actions in states] == [
        ("benchmark://rlopt-suite-v0/bitcount", 0, ""),
        ("benchmark://rlopt-suite-v0/bitcount", 0, f"{space['-mem2reg']}"),
        ("benchmark://rlopt-suite-v0/bitcount", 0, f"{space['-mem2reg']} {space['-gvn']} {space['-sroa']}")]
    assert states[0][2] == 0.0 and states[-1][2] == pytest.approx(episode_reward)  # llvm-ic-v0: Oz rewards
    observations = {row[0]: row[1:] for row in _rows(db, "Observations")}
    assert set(observations) == {row[3] for row in states}
    for state_id, (_, ir, programl, _, _) in observations.items():
        assert hashlib.sha1(zlib.decompress(ir)).hexdigest() == state_id
        assert isinstance(pickle.loads(zlib.decompress(programl)), nx.MultiDiGraph)
    count, _, _, autophase, instcount = observations[states[-1][3]]
    assert count == last["IrInstructionCount"]
    assert np.array_equal(np.array([int(x) for x in autophase.split()], dtype=np.int64), last["Autophase"])
    assert np.array_equal(np.array([int(x) for x in instcount.split()], dtype=np.int64), last["InstCount"])


def test_sqlite_logger_commits_on_buffer_length_and_frequency_and_appends(engine: Engine, tmp_path: Path) -> None:
    db = tmp_path / "log.db"
    with W.SynchronousSqliteLogger(_make("bitcount", engine), db, max_step_buffer_length=2) as logger:
        logger.reset()
        logger.step("-mem2reg")
        assert len(_rows(db, "States")) == 2  # the buffer was full
        logger.step("-gvn")
        assert len(_rows(db, "States")) == 2
    assert len(_rows(db, "States")) == 3  # close wrote the rest
    with W.SynchronousSqliteLogger(_make("crc32", engine), str(db), commit_frequency_in_seconds=0) as logger:
        logger.reset()
        assert len(_rows(db, "States")) == 4  # every record is due
        logger.reset(benchmark="bitcount")
        logger.step("-mem2reg")  # states logged before: the first rows stay
        assert len(_rows(db, "States")) == 4
    with pytest.raises(TypeError, match="LlvmEnv"):
        W.SynchronousSqliteLogger(type("Other", (), {"unwrapped": object()})(), db)
