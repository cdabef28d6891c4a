"""Rewards: the cost-delta arithmetic on fake observations, and every reward on real programs in the env."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from rlopt.engine import Engine
from rlopt.training import rewards
from rlopt.training.env import OBSERVATIONS, LlvmEnv


class Fake:
    """An observation source whose values the test sets directly."""

    def __init__(self, **values: float):
        self.observation: dict[str, Any] = dict(values)


def test_raw_reward_is_the_cost_decrease() -> None:
    env = Fake(IrInstructionCount=100)
    r = rewards.make("IrInstructionCount")
    r.reset(env)
    env.observation["IrInstructionCount"] = 90
    assert r.update(env) == 10
    env.observation["IrInstructionCount"] = 95
    assert r.update(env) == -5


def test_normalized_reward_divides_by_the_unoptimized_cost() -> None:
    env = Fake(ObjectTextSize=200, ObjectTextSizeO0=200)
    r = rewards.make("ObjectTextSizeNorm")
    r.reset(env)
    env.observation["ObjectTextSize"] = 150
    assert r.update(env) == pytest.approx(0.25)


@pytest.mark.parametrize("name,cost", [("IrInstructionCountOz", "IrInstructionCount"),
                                       ("ObjectTextSizeO3", "ObjectTextSize"),
                                       ("RuntimeProxyO3", "RuntimeProxy")])
def test_baseline_rewards_sum_to_one_at_the_baseline(name: str, cost: str) -> None:
    baseline = name[-2:]
    env = Fake(**{cost: 1000, f"{cost}O0": 1000, f"{cost}{baseline}": 600})
    r = rewards.make(name)
    r.reset(env)
    total = 0.0
    for value in (900, 950, 700, 600):  # any path: the rewards telescope
        env.observation[cost] = value
        total += r.update(env)
    assert total == pytest.approx(1.0)


def test_baseline_that_saves_nothing_falls_back_to_o0_units() -> None:
    env = Fake(IrInstructionCount=50, IrInstructionCountO0=50, IrInstructionCountO3=60)
    r = rewards.make("IrInstructionCountO3")
    r.reset(env)
    env.observation["IrInstructionCount"] = 40
    assert r.update(env) == pytest.approx(10 / 50)


def test_update_before_reset_and_unknown_names_are_errors() -> None:
    with pytest.raises(RuntimeError, match="before reset"):
        rewards.make("IrInstructionCount").update(Fake(IrInstructionCount=1))
    with pytest.raises(ValueError, match="unknown reward space 'Speed'.*IrInstructionCount"):
        rewards.make("Speed")


def test_every_reward_reads_existing_observations() -> None:
    for name, cls in rewards.REWARDS.items():
        assert cls.name == name
        needed = {cls.cost, f"{cls.cost}O0", f"{cls.cost}{getattr(cls, 'baseline', 'O0')}"}
        assert needed <= set(OBSERVATIONS), name
        assert cls.needs_run == OBSERVATIONS[cls.cost].needs_run
        assert cls.deterministic == OBSERVATIONS[cls.cost].deterministic


def test_compiler_gyms_reward_attributes() -> None:
    oz = rewards.make("IrInstructionCountOz")
    assert oz.success_threshold == 1.0 and not oz.platform_dependent and oz.range == (-np.inf, np.inf)
    assert oz.observation_spaces == ["IrInstructionCount", "IrInstructionCountO0", "IrInstructionCountOz"]
    assert oz.reward_on_error(episode_reward=0.7) == 0.0  # as the environment does: the return is kept
    norm = rewards.make("ObjectTextSizeNorm")
    assert norm.success_threshold is None and norm.platform_dependent
    assert norm.observation_spaces == ["ObjectTextSize", "ObjectTextSizeO0"]
    assert all(rewards.make(n).platform_dependent for n in ("TextSizeBytes", "Runtime", "RuntimeProxyO3"))


# --------------------------------------------------------------------------------- static rewards in the env

@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RLOPT_CACHE_DIR", str(tmp_path_factory.mktemp("rlopt-cache")))
        with Engine() as eng:
            yield eng


@pytest.mark.parametrize("program", ["bitcount", "hashes", "xtea"])
@pytest.mark.parametrize("reward,macro", [("IrInstructionCountOz", "-Oz"), ("IrInstructionCountO3", "-O3"),
                                          ("ObjectTextSizeOz", "-Oz")])
def test_reaching_the_baseline_in_one_step_earns_exactly_one(engine: Engine, program: str, reward: str,
                                                             macro: str) -> None:
    env = LlvmEnv(program, "IrInstructionCount", reward, "rlopt-extended-v0", cache=False, engine=engine)
    env.reset()
    _, r, terminated, _, info = env.step(macro)
    assert not terminated, info
    o0, target = (env.observation[f"{rewards.REWARDS[reward].cost}{level}"] for level in ("O0", reward[-2:]))
    assert r == pytest.approx(1.0) if o0 > target else r <= 0
    assert info["speedup"] == 1.0


@pytest.mark.parametrize("program", ["bitcount", "crc32"])
def test_episode_return_telescopes(engine: Engine, program: str) -> None:
    env = LlvmEnv(program, "IrInstructionCount", "IrInstructionCountNorm", cache=False, engine=engine)
    env.reset(seed=0)
    start = env.observation["IrInstructionCount"]
    rng = np.random.default_rng(0)
    total = sum(env.step(int(a))[1] for a in rng.choice(np.flatnonzero(env.action_mask()), 20))
    assert total == pytest.approx((start - env.observation["IrInstructionCount"]) / start)
    assert env.episode_reward == pytest.approx(total)
