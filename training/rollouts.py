"""Vectorised environments for training: in-process (:class:`LocalVecEnv`) or one Ray actor per environment
(:class:`RayVecEnv`, the ``distributed`` extra, ``--workers N``).

Both step every environment once per call with actions chosen centrally by the learner, reset finished
episodes automatically and report each finished episode once, as an :class:`Episode` in that step's info
(``info["episode"]``, with the last observation in ``info["final_observation"]``). Environment steps (running
passes, building and timing programs) dominate the cost, so moving them into actors is what parallelises.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import gymnasium as gym
import numpy as np

from rlopt import passes
from rlopt.errors import RloptError

if TYPE_CHECKING:
    from rlopt.training.benchmarks import Benchmark

EnvFn = Callable[[], gym.Env]


def trainable_actions(space: str) -> tuple[int, ...]:
    """Indices a policy may choose: safe optimizations and whole pipelines; instrumentation, no-ops and passes
    with a known LLVM miscompile are masked."""
    return tuple(i for i, a in enumerate(passes.ACTION_SPACES[space])
                 if a.kind in ("optimization", "macro") and a.safe)


def env_factory(bench: Sequence[Benchmark], *, reward: str, episode_length: int, action_space: str) -> EnvFn:
    """A function making one LLVM environment that draws one of ``bench`` at every reset (Ray ships it to actors)."""
    uris = [b.uri for b in bench]

    def make() -> gym.Env:
        import rlopt.training  # noqa: F401  (registers rlopt/llvm-v0)

        env = gym.make("rlopt/llvm-v0", benchmark=uris[0], reward_space=reward, action_space=action_space,
                       observation_space="ProgramlArrays", max_episode_steps=episode_length)
        return DrawBenchmark(env, uris) if len(uris) > 1 else env

    return make


class DrawBenchmark(gym.Wrapper):
    """An environment drawing one of ``uris`` at every reset (seeded by ``reset(seed=...)``, like the
    environment)."""

    def __init__(self, env: gym.Env, uris: Sequence[str]):
        super().__init__(env)
        self.uris = list(uris)
        self.rng = np.random.default_rng()

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict]:
        if seed is not None:
            self.rng = np.random.default_rng(seed)
        pick = self.uris[int(self.rng.integers(len(self.uris)))]
        return self.env.reset(seed=seed, options={**(options or {}), "benchmark": pick})


@dataclass
class Episode:
    """A finished episode: return, length, chosen actions and the environment's last ``info``."""

    total_return: float
    length: int
    actions: list[int]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def speedup(self) -> float:
        """The environment's reported speedup over its baseline at the end (NaN if it reports none)."""
        return float(self.info.get("speedup", float("nan")))


#: What ``gymnasium.Env.step`` returns: observation, reward, terminated, truncated, info.
GymStep = tuple[Any, float, bool, bool, dict]


class EnvSlot:
    """One environment with automatic reset and episode bookkeeping; lives in the learner or in a Ray actor."""

    def __init__(self, env_fn: EnvFn) -> None:
        self.env = env_fn()
        self._return, self._actions = 0.0, []

    def reset(self, seed: int | None = None) -> tuple[Any, dict]:
        self._return, self._actions = 0.0, []
        return self.env.reset(seed=seed)

    def step(self, action: int) -> GymStep:
        obs, reward, terminated, truncated, info = self.env.step(int(action))
        self._return += float(reward)
        self._actions.append(int(action))
        info = dict(info)
        if terminated or truncated:
            info["episode"] = Episode(self._return, len(self._actions), self._actions, dict(info))
            info["final_observation"] = obs
            obs, reset_info = self.reset()
            info["reset_info"] = reset_info
        return obs, float(reward), bool(terminated), bool(truncated), info

    def num_actions(self) -> int:
        space = self.env.action_space
        if not isinstance(space, gym.spaces.Discrete):
            raise RloptError(f"training needs a discrete action space, got {space}")
        return int(space.n)

    def close(self) -> None:
        self.env.close()


class VecEnv(Protocol):
    """What the algorithms need from a set of environments."""

    num_envs: int
    num_actions: int

    def reset(self, seed: int) -> tuple[list[Any], list[dict]]: ...

    def step(self, actions: Sequence[int]) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray, list[dict]]: ...

    def close(self) -> None: ...


def _stack(results: Sequence[GymStep]) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray, list[dict]]:
    obs, rewards, terminated, truncated, infos = zip(*results, strict=True)
    return (list(obs), np.asarray(rewards, dtype=np.float32), np.asarray(terminated),
            np.asarray(truncated), list(infos))


class LocalVecEnv:
    """``num_envs`` environments stepped one after another in this process."""

    def __init__(self, env_fn: EnvFn, num_envs: int) -> None:
        self.slots = [EnvSlot(env_fn) for _ in range(num_envs)]
        self.num_envs = num_envs
        self.num_actions = self.slots[0].num_actions()

    def reset(self, seed: int) -> tuple[list[Any], list[dict]]:
        obs, infos = zip(*(s.reset(seed + i) for i, s in enumerate(self.slots)), strict=True)
        return list(obs), list(infos)

    def step(self, actions: Sequence[int]) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        return _stack([s.step(a) for s, a in zip(self.slots, actions, strict=True)])

    def close(self) -> None:
        for s in self.slots:
            s.close()


class RayVecEnv:
    """One Ray actor (a separate process) per environment; steps run in parallel.

    Starts a local Ray runtime sized to the number of workers if none is running; ``env_fn`` must be picklable
    (a module-level function or a ``functools.partial`` of one).
    """

    def __init__(self, env_fn: EnvFn, num_envs: int) -> None:
        try:
            import ray
        except ImportError as e:
            raise RloptError("--workers needs Ray: pip install 'rlopt[distributed]'") from e
        self._ray = ray
        if not ray.is_initialized():
            ray.init(num_cpus=max(num_envs, os.cpu_count() or 1), include_dashboard=False,
                     log_to_driver=False, configure_logging=False)
        actor = ray.remote(num_cpus=1)(EnvSlot)
        self.actors = [actor.remote(env_fn) for _ in range(num_envs)]
        self.num_envs = num_envs
        self.num_actions = int(ray.get(self.actors[0].num_actions.remote()))

    def reset(self, seed: int) -> tuple[list[Any], list[dict]]:
        results = self._ray.get([a.reset.remote(seed + i) for i, a in enumerate(self.actors)])
        obs, infos = zip(*results, strict=True)
        return list(obs), list(infos)

    def step(self, actions: Sequence[int]) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray, list[dict]]:
        return _stack(self._ray.get([a.step.remote(int(x)) for a, x in zip(self.actors, actions, strict=True)]))

    def close(self) -> None:
        self._ray.get([a.close.remote() for a in self.actors])
        for a in self.actors:
            self._ray.kill(a)


def make_vec_env(env_fn: EnvFn, num_envs: int, workers: int = 0) -> VecEnv:
    """``workers > 0``: that many Ray actors (one environment each); otherwise ``num_envs`` local ones."""
    if workers > 0:
        return RayVecEnv(env_fn, workers)
    if num_envs < 1:
        raise RloptError(f"need at least one environment, got {num_envs}")
    return LocalVecEnv(env_fn, num_envs)


def action_masks(infos: Sequence[dict], static: np.ndarray) -> np.ndarray:
    """Allowed actions for each environment's current observation: the static mask, narrowed by the
    environment's ``info["action_mask"]`` where given (after an automatic reset, the reset's info counts)."""
    masks = np.repeat(static[None, :], len(infos), axis=0)
    for i, info in enumerate(infos):
        current = info.get("reset_info", info)
        if "action_mask" in current:
            masks[i] &= np.asarray(current["action_mask"], dtype=bool)
    return masks


def static_mask(allowed: tuple[int, ...] | list[int] | None, num_actions: int) -> np.ndarray:
    """Boolean mask of the allowed actions (all if ``allowed`` is None)."""
    mask = np.ones(num_actions, dtype=bool)
    if allowed is not None:
        bad = [a for a in allowed if not 0 <= a < num_actions]
        if bad or not allowed:
            raise RloptError(f"allowed_actions must be a non-empty subset of 0..{num_actions - 1}, got {bad}")
        mask[:] = False
        mask[list(allowed)] = True
    return mask
