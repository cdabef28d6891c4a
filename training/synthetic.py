"""A tiny graph-observation environment with a known best action, for testing the learners end to end.

Every step shows a fresh random graph in ``ProgramlArrays`` form. Exactly one node carries a *key* token
``KEY_BASE + k``; the rewarded action is ``k``. Everything else (other tokens, node types, edges) is noise, so a
learner must read node tokens through the GNN to beat ``1 / num_keys`` accuracy. Action ``num_actions - 1``
is a *trap* (the stand-in for an unsafe pass) paying more than the right answer when ``trap_reward`` is set:
only action masking keeps a learner away from it. It lives in the package (not in a test file) so that Ray
actors can import it.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np
import torch
from torch import nn

KEY_BASE = 10
VOCAB_SIZE = 16


class KeyTokenEnv(gym.Env):
    """Contextual bandit over random graphs; episodes of ``horizon`` steps."""

    def __init__(self, num_keys: int = 3, horizon: int = 4, trap_reward: float = 0.0) -> None:
        if not 1 <= num_keys <= VOCAB_SIZE - KEY_BASE:
            raise ValueError(f"num_keys must be in 1..{VOCAB_SIZE - KEY_BASE}")
        self.num_keys, self.horizon, self.trap_reward = num_keys, horizon, trap_reward
        self.action_space = gym.spaces.Discrete(num_keys + 1)
        self._rng = np.random.default_rng()
        self._t, self._key, self._correct = 0, 0, 0

    def _observe(self) -> dict[str, np.ndarray]:
        rng = self._rng
        n = int(rng.integers(3, 9))
        tokens = rng.integers(1, KEY_BASE, size=n)
        self._key = int(rng.integers(self.num_keys))
        tokens[rng.integers(n)] = KEY_BASE + self._key
        chain = np.stack([np.arange(n - 1), np.arange(1, n)])
        extra = rng.integers(0, n, size=(2, n))
        edges = np.concatenate([chain, extra], axis=1)
        e = edges.shape[1]
        return {
            "node_tokens": tokens.astype(np.int64),
            "node_types": rng.integers(0, 3, size=n).astype(np.int64),
            "edge_index": edges.astype(np.int64),
            "edge_flow": np.concatenate([np.zeros(n - 1), np.ones(n)]).astype(np.int64),
            "edge_position": rng.integers(0, 3, size=e).astype(np.int64),
            "node_function": np.zeros(n, dtype=np.int64),
        }

    def best_action(self) -> int:
        """The rewarded action for the current observation."""
        return self._key

    def reset(self, *, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        super().reset(seed=seed)
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self._t, self._correct = 0, 0
        return self._observe(), {}

    def step(self, action: int) -> tuple[dict, float, bool, bool, dict[str, Any]]:
        reward = self.trap_reward if action == self.num_keys else float(action == self._key)
        self._correct += int(action == self._key)
        self._t += 1
        done = self._t >= self.horizon
        info = {"speedup": 1.0 + self._correct / self.horizon} if done else {}
        return self._observe(), reward, done, False, info


def trap_env() -> KeyTokenEnv:
    """The default task with a trap action worth twice the right answer (so masking must hold)."""
    return KeyTokenEnv(trap_reward=2.0)


def greedy_accuracy(model: nn.Module, allowed: list[int], steps: int = 25, seed: int = 12345) -> tuple[float, int]:
    """How often a trained network's masked argmax is the rewarded action on fresh observations, and how
    often it picked the trap."""
    from rlopt.training.models import collate, masked_logits

    env = KeyTokenEnv()
    obs, _ = env.reset(seed=seed)
    mask = torch.zeros(int(env.action_space.n), dtype=torch.bool)
    mask[allowed] = True
    right = trap = 0
    for _ in range(steps):
        with torch.no_grad():
            logits = model(collate([obs]))[0][0]
        action = int(masked_logits(logits, mask).argmax())
        right += action == env.best_action()
        trap += action == env.num_keys
        obs = env.step(action)[0]
    return right / steps, trap
