"""Vectorised rollouts: automatic reset, episode records, masks; Ray actors (skipped without Ray)."""

from __future__ import annotations

import numpy as np
import pytest

from rlopt.errors import RloptError
from rlopt.training.rollouts import LocalVecEnv, action_masks, make_vec_env, static_mask
from rlopt.training.synthetic import KeyTokenEnv


def _run(vec, steps: int) -> tuple[list, list]:
    obs, _ = vec.reset(seed=3)
    tokens, episodes = [o["node_tokens"].tolist() for o in obs], []
    for t in range(steps):
        obs, rewards, term, trunc, infos = vec.step([t % 3] * vec.num_envs)
        tokens += [o["node_tokens"].tolist() for o in obs]
        episodes += [(i, info["episode"].total_return, info["episode"].actions)
                     for i, info in enumerate(infos) if "episode" in info]
    return tokens, episodes


def test_local_vec_env_resets_and_records_episodes() -> None:
    vec = LocalVecEnv(lambda: KeyTokenEnv(horizon=3), 2)
    assert vec.num_actions == 4
    _, episodes = _run(vec, 7)
    assert [e[0] for e in episodes] == [0, 1, 0, 1]
    assert all(actions == [0, 1, 2] for _, _, actions in episodes[:2])
    assert all(actions == [0, 1, 2] for _, _, actions in episodes[2:])  # steps 3,4,5 -> 0,1,2
    vec.close()


def test_masks() -> None:
    static = static_mask((0, 2), 4)
    assert static.tolist() == [True, False, True, False]
    infos = [{}, {"action_mask": [False, True, True, True]},
             {"episode": None, "action_mask": [False] * 4, "reset_info": {}}]
    assert action_masks(infos, static).tolist() == [[True, False, True, False], [False, False, True, False],
                                                    [True, False, True, False]]
    with pytest.raises(RloptError):
        static_mask((5,), 4)
    with pytest.raises(RloptError):
        make_vec_env(KeyTokenEnv, 0)


def test_ray_workers_step_like_local_envs() -> None:
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        vec = make_vec_env(KeyTokenEnv, num_envs=1, workers=2)
        assert vec.num_envs == 2 and vec.num_actions == 4
        remote = _run(vec, 9)
        vec.close()
        assert remote == _run(LocalVecEnv(KeyTokenEnv, 2), 9)
        assert len(remote[1]) == 4 and np.isfinite([r for _, r, _ in remote[1]]).all()
    finally:
        ray.shutdown()
