"""What the LLVM environment remembers about IR states, content-addressed in one :class:`rlopt.cache.Cache`.

- :class:`Transitions`: (state, pipeline, options) -> the resulting state, or the failure the pass run gave,
  as a typed :class:`Transition` record; the IR text of every state reached (``env.ir``), so that repeated
  transitions never touch LLVM.
- :class:`ObservationCache`: observation values by (name, state): a memory LRU (small values and heavy ones
  apart), then the cache for the observations that have a codec, else computed.

Every key starts with a ``salt`` (cache format version and LLVM version), so stale entries are never read.
Both are shared by an environment and its forks; whatever depends on the environment (the program run, the
vocabulary) is passed in by the caller.
"""

from __future__ import annotations

import enum
import json
import zlib
from collections import OrderedDict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from rlopt.cache import Cache, digest
from rlopt.errors import ToolError, ToolTimeout
from rlopt.training.observations import OBSERVATIONS, ObservationSpec, fingerprint
from rlopt.training.programs import State

if TYPE_CHECKING:
    from rlopt.training.env import LlvmEnv

_MEMO_ITEMS = 2048  # small values (counts, feature vectors) of recent states
_HEAVY_MEMO_ITEMS = 8  # IR text and graphs: megabytes each for big modules


class Outcome(enum.Enum):
    OK = "ok"
    TIMEOUT = "timeout"
    ERROR = "error"


@dataclass(frozen=True)
class Transition:
    """The cached result of running a pipeline on a state: ``target`` (the resulting IR's digest) when OK; the
    time limit that was exceeded (``seconds``) for a TIMEOUT; the exception's class and message for an ERROR."""

    outcome: Outcome
    target: str = ""
    seconds: float = 0.0
    error: str = ""
    message: str = ""

    def encode(self) -> bytes:
        return json.dumps({**asdict(self), "outcome": self.outcome.value}).encode()

    @classmethod
    def decode(cls, data: bytes) -> Transition | None:
        """The record, or None for an entry this code cannot read (an older format: recompute it)."""
        try:
            raw = json.loads(data)
            return cls(Outcome(raw.pop("outcome")), **raw)
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


class Transitions:
    """Pass-run results and the IR text of the states they reach."""

    def __init__(self, cache: Cache, salt: str):
        self.cache = cache
        self.salt = salt

    def _key(self, state: State, pipeline: str, options: tuple[str, ...]) -> str:
        return digest(self.salt, state.digest, pipeline, *options)

    def replay(self, state: State, pipeline: str, options: tuple[str, ...], timeout: float | None) -> State | None:
        """The state a cached transition reaches; None when it must be recomputed (not cached, IR evicted, or it
        timed out under a shorter limit than ``timeout``). A cached failure is raised again."""
        stored = self.cache.get("env.step", self._key(state, pipeline, options))
        t = Transition.decode(stored) if stored is not None else None
        if t is None:
            return None
        if t.outcome is Outcome.OK:
            if t.target == state.digest:
                return state
            ir = self.cache.get("env.ir", t.target)
            return State(zlib.decompress(ir), t.target) if ir is not None else None
        if t.outcome is Outcome.TIMEOUT:
            if t.seconds >= (timeout or float("inf")):
                raise ToolTimeout("engine", t.seconds)
            return None
        raise ToolError("engine", f"{t.message} (cached result of an earlier {t.error})")

    def record(self, state: State, pipeline: str, options: tuple[str, ...], new: State) -> None:
        """A successful run: ``state`` became ``new``."""
        if new.digest != state.digest:
            self.cache.put("env.ir", new.digest, zlib.compress(new.ir, 1))
        self.cache.put("env.step", self._key(state, pipeline, options), Transition(Outcome.OK, new.digest).encode())

    def record_failure(self, state: State, pipeline: str, options: tuple[str, ...], error: ToolError,
                       timeout: float | None) -> None:
        """A failed run (``timeout`` is the limit a :class:`ToolTimeout` exceeded)."""
        if isinstance(error, ToolTimeout):
            t = Transition(Outcome.TIMEOUT, seconds=float(timeout or 0.0), message=str(error))
        else:
            t = Transition(Outcome.ERROR, error=type(error).__name__, message=str(error))
        self.cache.put("env.step", self._key(state, pipeline, options), t.encode())


class ObservationCache:
    """Observation values of states: memory first, then the cache, then computed by the observation's spec."""

    def __init__(self, cache: Cache, salt: str):
        self.cache = cache
        self.salt = salt
        self._memo: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._heavy_memo: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def get(self, env: LlvmEnv, name: str, state: State) -> Any:
        """Observation ``name`` of ``state`` in ``env``. Returns the memoised object itself: whatever hands it
        to a user wraps it in :func:`rlopt.training.observations.fresh`."""
        try:
            spec = OBSERVATIONS[name]
        except KeyError:
            raise KeyError(f"unknown observation '{name}'; known: {', '.join(OBSERVATIONS)}") from None
        if not spec.remembered:
            return spec.compute(env, state)
        memo = self._heavy_memo if spec.heavy else self._memo
        memo_key = (name, state.digest)
        if memo_key in memo:
            memo.move_to_end(memo_key)
            return memo[memo_key]
        if spec.codec is not None:
            stored = self.cache.get(f"env.obs.{name}", self._key(env, spec, state))
            if stored is not None:
                try:
                    value = spec.codec.decode(stored)
                except (ValueError, OSError, zlib.error):
                    pass  # an entry this code cannot read (older format, damaged file): recompute it
                else:
                    self._memoize(spec, state, value)
                    return value
        value = spec.compute(env, state)
        self.put(env, name, state, value)
        return value

    def put(self, env: LlvmEnv, name: str, state: State, value: Any) -> None:
        """Remember observation ``name`` of ``state`` in memory and (if it has a codec) in the cache."""
        spec = OBSERVATIONS[name]
        if (name, state.digest) in (self._heavy_memo if spec.heavy else self._memo):
            return  # known already (a step that left the module unchanged)
        if spec.codec is not None:
            self.cache.put(f"env.obs.{name}", self._key(env, spec, state), spec.codec.encode(value))
        self._memoize(spec, state, value)

    def _memoize(self, spec: ObservationSpec, state: State, value: Any) -> None:
        memo, capacity = (self._heavy_memo, _HEAVY_MEMO_ITEMS) if spec.heavy else (self._memo, _MEMO_ITEMS)
        memo[(spec.name, state.digest)] = value
        while len(memo) > capacity:
            memo.popitem(last=False)

    def _key(self, env: LlvmEnv, spec: ObservationSpec, state: State) -> str:
        """The cache key of one observation: state, code that computes it, and whatever else decides it."""
        parts = [self.salt, spec.name, state.digest, *(fingerprint(m) for m in spec.code())]
        if spec.needs_run:
            parts += env._run_context()
        if spec.name == "ProgramlArrays":
            parts.append(env.vocab.sha256)
        return digest(*parts)
