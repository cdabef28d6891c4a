"""Storage shared by the algorithms: PPO's rollout buffer with GAE(lambda), SAC's replay buffer.

Observations are graph dicts of different sizes, so both buffers keep them as Python objects and batch them with
:func:`rlopt.training.models.collate` only when a minibatch is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from rlopt.training.models import graph_key

Obs = Mapping[str, np.ndarray]


def compute_gae(rewards: np.ndarray, values: np.ndarray, dones: np.ndarray, last_values: np.ndarray,
                last_dones: np.ndarray, gamma: float, gae_lambda: float) -> tuple[np.ndarray, np.ndarray]:
    """Generalised advantage estimates and returns for arrays shaped [T, num_envs].

    ``dones[t]`` says whether the observation at step t started a new episode (CleanRL's convention), so the
    value after step t is bootstrapped only if ``dones[t + 1]`` (or ``last_dones``) is false. Episodes cut by a
    time limit are treated as ended, as CleanRL does.
    """
    steps = rewards.shape[0]
    advantages = np.zeros_like(rewards, dtype=np.float64)
    last = np.zeros(rewards.shape[1:], dtype=np.float64)
    for t in reversed(range(steps)):
        if t == steps - 1:
            nonterminal, next_values = 1.0 - last_dones, last_values
        else:
            nonterminal, next_values = 1.0 - dones[t + 1], values[t + 1]
        delta = rewards[t] + gamma * next_values * nonterminal - values[t]
        last = delta + gamma * gae_lambda * nonterminal * last
        advantages[t] = last
    return advantages.astype(np.float32), (advantages + values).astype(np.float32)


@dataclass
class RolloutBuffer:
    """One PPO rollout: ``num_steps`` steps of ``num_envs`` environments, flattened for minibatches."""

    num_steps: int
    num_envs: int
    num_actions: int
    obs: list[list[Obs]] = field(default_factory=list)
    masks: np.ndarray = field(init=False)
    actions: np.ndarray = field(init=False)
    logprobs: np.ndarray = field(init=False)
    rewards: np.ndarray = field(init=False)
    dones: np.ndarray = field(init=False)
    values: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        shape = (self.num_steps, self.num_envs)
        self.masks = np.ones((*shape, self.num_actions), dtype=bool)
        self.actions = np.zeros(shape, dtype=np.int64)
        self.logprobs = np.zeros(shape, dtype=np.float32)
        self.rewards = np.zeros(shape, dtype=np.float32)
        self.dones = np.zeros(shape, dtype=np.float32)
        self.values = np.zeros(shape, dtype=np.float32)
        self.obs = [[{} for _ in range(self.num_envs)] for _ in range(self.num_steps)]

    def add(self, t: int, obs: list[Obs], masks: np.ndarray, dones: np.ndarray, actions: np.ndarray,
            logprobs: np.ndarray, values: np.ndarray, rewards: np.ndarray) -> None:
        """Record step ``t`` for every environment."""
        self.obs[t] = list(obs)
        self.masks[t], self.dones[t], self.actions[t] = masks, dones, actions
        self.logprobs[t], self.values[t], self.rewards[t] = logprobs, values, rewards

    def flat_obs(self) -> list[Obs]:
        """Observations in the same (step-major) order as ``array.reshape(-1)`` of the other fields."""
        return [o for row in self.obs for o in row]


class ReplayBuffer:
    """A fixed-capacity ring of transitions for off-policy learning (SAC).

    Observations are interned by content (:func:`rlopt.training.models.graph_key`): training on one program
    revisits the same few hundred IR states, and a qsort-sized graph is ~100 kB, so a buffer of distinct
    copies would grow by gigabytes. Each distinct graph is stored once and dropped with its last transition.
    """

    def __init__(self, capacity: int, num_actions: int) -> None:
        self.capacity = capacity
        self.obs_keys: list[bytes | None] = [None] * capacity
        self.next_keys: list[bytes | None] = [None] * capacity
        self.graphs: dict[bytes, Obs] = {}
        self._refs: dict[bytes, int] = {}
        self.actions = np.zeros(capacity, dtype=np.int64)
        self.rewards = np.zeros(capacity, dtype=np.float32)
        self.terminated = np.zeros(capacity, dtype=np.float32)
        self.masks = np.ones((capacity, num_actions), dtype=bool)
        self.next_masks = np.ones((capacity, num_actions), dtype=bool)
        self.pos = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def _intern(self, obs: Obs) -> bytes:
        key = graph_key(obs)
        if key not in self.graphs:
            self.graphs[key] = _compact(obs)
        self._refs[key] = self._refs.get(key, 0) + 1
        return key

    def _release(self, key: bytes | None) -> None:
        if key is None:
            return
        self._refs[key] -= 1
        if not self._refs[key]:
            del self._refs[key], self.graphs[key]

    def add(self, obs: Obs, mask: np.ndarray, action: int, reward: float, next_obs: Obs, terminated: bool,
            next_mask: np.ndarray) -> None:
        """Store one transition; ``terminated`` (not a time-limit truncation) stops bootstrapping."""
        i = self.pos
        self._release(self.obs_keys[i])
        self._release(self.next_keys[i])
        self.obs_keys[i], self.next_keys[i] = self._intern(obs), self._intern(next_obs)
        self.actions[i], self.rewards[i], self.terminated[i] = action, reward, float(terminated)
        self.masks[i], self.next_masks[i] = mask, next_mask
        self.pos = (self.pos + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, batch_size: int, rng: np.random.Generator) -> dict:
        """A uniformly drawn minibatch (with replacement); ``obs_keys``/``next_keys`` are the content keys."""
        idx = rng.integers(0, self.size, size=batch_size)
        obs_keys = [self.obs_keys[i] for i in idx]
        next_keys = [self.next_keys[i] for i in idx]
        return {
            "obs": [self.graphs[k] for k in obs_keys],
            "next_obs": [self.graphs[k] for k in next_keys],
            "obs_keys": obs_keys,
            "next_keys": next_keys,
            "masks": self.masks[idx],
            "actions": self.actions[idx],
            "rewards": self.rewards[idx],
            "terminated": self.terminated[idx],
            "next_masks": self.next_masks[idx],
        }


def _compact(obs: Obs) -> Obs:
    """A stored graph's int64 arrays as int32 (``collate`` widens them again): half the memory of a replay
    buffer, whose distinct states of a mid-size program take megabytes each."""
    return {k: v.astype(np.int32) if isinstance(v, np.ndarray) and v.dtype == np.int64 and
            (v.size == 0 or int(np.abs(v).max()) < 2**31) else v for k, v in obs.items()}
