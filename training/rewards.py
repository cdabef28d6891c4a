"""Rewards of the LLVM environment, one small class each, named as in CompilerGym.

Every reward here is a *cost delta*: ``(previous cost - current cost) / scale``, where the cost is one of the
environment's observations (lower is better) and ``scale`` is fixed at reset. Summed over an episode the
rewards telescope to ``(initial cost - final cost) / scale``, so an episode's return says directly how much was
gained, in the same units whatever the path. Three scalings are used:

- none (raw units: instructions, bytes, seconds);
- ``Norm``: the benchmark's unoptimized (``O0``) cost, so the return is the fraction saved;
- ``O3``/``Oz``: the improvement that ``-O3``/``-Oz`` achieves over ``O0``, so a return of 1.0 means "as good
  as the baseline pipeline" and more than 1.0 beats it (CompilerGym's ``IrInstructionCountOz`` convention).

A reward only reads ``env.observation[name]`` (a lazily computed, cached mapping), so it works for any object
offering that mapping; the environment computes, caches and validates the measurements themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Protocol

#: Smallest scale: keeps a zero-cost baseline from dividing by zero.
_TINY = 1e-9


class ObservationSource(Protocol):
    """What a reward needs from an environment: named observations of the current state."""

    @property
    def observation(self) -> Mapping[str, Any]: ...


class Reward:
    """A cost-delta reward over one observation; subclasses choose the cost and the scale."""

    #: Registry name (the ``reward_space=`` argument).
    name: ClassVar[str]
    #: The observation that is the cost (lower is better).
    cost: ClassVar[str]
    #: Whether the same state always yields the same value (False for wall-clock measurements).
    deterministic: ClassVar[bool] = True
    #: Whether the cost is measured on the built program (needs a benchmark with sources, not bare IR).
    needs_run: ClassVar[bool] = False
    #: The level (``O0``, ``O3``, ``Oz``) that :meth:`speedup` compares with.
    baseline: ClassVar[str] = "O0"
    #: CompilerGym's: the episode return that counts as success (matching the baseline), if any.
    success_threshold: ClassVar[float | None] = None
    #: CompilerGym's: a failed step's reward (the episode then ends); it does not take the return back.
    default_value: ClassVar[float] = 0.0
    default_negates_returns: ClassVar[bool] = False
    #: CompilerGym's bounds of one reward.
    min: ClassVar[float] = -float("inf")
    max: ClassVar[float] = float("inf")

    def __init__(self) -> None:
        self.previous: float | None = None
        self.scale = 1.0

    def reset(self, env: ObservationSource) -> None:
        """Record the initial cost and fix the scale for the episode."""
        self.previous = float(env.observation[self.cost])
        self.scale = self.scale_for(env)

    def scale_for(self, env: ObservationSource) -> float:
        """The divisor that makes rewards comparable across benchmarks (1 for raw rewards)."""
        return 1.0

    def update(self, env: ObservationSource) -> float:
        """The reward for reaching the environment's current state from the previous one."""
        if self.previous is None:
            raise RuntimeError(f"reward {self.name}: update() before reset()")
        current = float(env.observation[self.cost])
        reward = (self.previous - current) / self.scale
        self.previous = current
        return reward

    @property
    def platform_dependent(self) -> bool:
        """CompilerGym's: whether the cost depends on the machine (IR counts do not; code and time do)."""
        return self.cost != "IrInstructionCount"

    @property
    def range(self) -> tuple[float, float]:
        return self.min, self.max

    @property
    def observation_spaces(self) -> list[str]:
        """The observations the reward reads (CompilerGym's attribute)."""
        return [self.cost, *(f"{self.cost}{level}" for level in dict.fromkeys(("O0", self.baseline)))]

    def reward_on_error(self, episode_reward: float) -> float:
        """The reward of a step that failed (CompilerGym's method)."""
        return -episode_reward if self.default_negates_returns else self.default_value

    def speedup(self, env: ObservationSource) -> float:
        """Baseline cost / current cost: above 1 the current state beats the baseline (O0, O3 or Oz)."""
        current = float(env.observation[self.cost])
        return float(env.observation[f"{self.cost}{self.baseline}"]) / current if current > 0 else float("inf")


class _Normalized(Reward):
    """Scaled by the benchmark's unoptimized cost: the episode return is the fraction of the cost removed."""

    def scale_for(self, env: ObservationSource) -> float:
        return max(float(env.observation[f"{self.cost}O0"]), _TINY)


class _AgainstBaseline(Reward):
    """Scaled by what a baseline pipeline saves over O0: a return of 1.0 matches the baseline."""

    success_threshold = 1.0

    def scale_for(self, env: ObservationSource) -> float:
        o0 = float(env.observation[f"{self.cost}O0"])
        target = float(env.observation[f"{self.cost}{self.baseline}"])
        # A baseline that saves nothing (or makes things worse) gives no yardstick; fall back to O0 units.
        return o0 - target if o0 - target > _TINY else max(o0, _TINY)



class IrInstructionCount(Reward):
    """Instructions removed by the step."""

    name = "IrInstructionCount"
    cost = "IrInstructionCount"


class IrInstructionCountNorm(_Normalized):
    """Instructions removed, as a fraction of the unoptimized count."""

    name = "IrInstructionCountNorm"
    cost = "IrInstructionCount"


class IrInstructionCountO3(_AgainstBaseline):
    """Instructions removed, relative to what ``-O3`` removes."""

    name = "IrInstructionCountO3"
    cost = "IrInstructionCount"
    baseline = "O3"


class IrInstructionCountOz(_AgainstBaseline):
    """Instructions removed, relative to what ``-Oz`` removes (CompilerGym's ``llvm-ic-v0`` reward)."""

    name = "IrInstructionCountOz"
    cost = "IrInstructionCount"
    baseline = "Oz"


class ObjectTextSize(Reward):
    """Bytes of machine code (``.text``) removed by the step."""

    name = "ObjectTextSize"
    cost = "ObjectTextSize"


class ObjectTextSizeBytes(ObjectTextSize):
    """CompilerGym's name for :class:`ObjectTextSize` (as for the observation)."""

    name = "ObjectTextSizeBytes"


class ObjectTextSizeNorm(_Normalized):
    """``.text`` bytes removed, as a fraction of the unoptimized size."""

    name = "ObjectTextSizeNorm"
    cost = "ObjectTextSize"


class ObjectTextSizeO3(_AgainstBaseline):
    """``.text`` bytes removed, relative to what ``-O3`` removes."""

    name = "ObjectTextSizeO3"
    cost = "ObjectTextSize"
    baseline = "O3"


class ObjectTextSizeOz(_AgainstBaseline):
    """``.text`` bytes removed, relative to what ``-Oz`` removes."""

    name = "ObjectTextSizeOz"
    cost = "ObjectTextSize"
    baseline = "Oz"


class TextSize(Reward):
    """Bytes of ``.text`` removed from the linked program by the step."""

    name = "TextSize"
    cost = "TextSize"
    needs_run = True


class TextSizeBytes(TextSize):
    """CompilerGym's name for :class:`TextSize` (as for the observation)."""

    name = "TextSizeBytes"


class TextSizeNorm(_Normalized):
    """The linked program's ``.text`` bytes removed, as a fraction of the unoptimized size."""

    name = "TextSizeNorm"
    cost = "TextSize"
    needs_run = True


class TextSizeO3(_AgainstBaseline):
    """The linked program's ``.text`` bytes removed, relative to what ``-O3`` removes."""

    name = "TextSizeO3"
    cost = "TextSize"
    baseline = "O3"
    needs_run = True


class TextSizeOz(_AgainstBaseline):
    """The linked program's ``.text`` bytes removed, relative to what ``-Oz`` removes."""

    name = "TextSizeOz"
    cost = "TextSize"
    baseline = "Oz"
    needs_run = True


class Runtime(_Normalized):
    """Wall time saved, as a fraction of the unoptimized runtime (noise-controlled repeated measurement)."""

    name = "Runtime"
    cost = "Runtime"
    deterministic = False
    needs_run = True


class RuntimeProxy(_Normalized):
    """Executed instructions (callgrind) saved, as a fraction of the unoptimized count: deterministic."""

    name = "RuntimeProxy"
    cost = "RuntimeProxy"
    needs_run = True


class RuntimeProxyO3(_AgainstBaseline):
    """Executed instructions saved, relative to what ``-O3`` saves: 1.0 matches ``clang -O3``."""

    name = "RuntimeProxyO3"
    cost = "RuntimeProxy"
    baseline = "O3"
    needs_run = True


REWARDS: dict[str, type[Reward]] = {cls.name: cls for cls in (
    IrInstructionCount, IrInstructionCountNorm, IrInstructionCountO3, IrInstructionCountOz,
    ObjectTextSize, ObjectTextSizeBytes, ObjectTextSizeNorm, ObjectTextSizeO3, ObjectTextSizeOz,
    TextSize, TextSizeBytes, TextSizeNorm, TextSizeO3, TextSizeOz,
    Runtime, RuntimeProxy, RuntimeProxyO3,
)}


def make(name: str) -> Reward:
    """A fresh reward by name; unknown names raise a ValueError listing the known ones."""
    try:
        return REWARDS[name]()
    except KeyError:
        raise ValueError(f"unknown reward space '{name}'; known: {', '.join(REWARDS)}") from None
