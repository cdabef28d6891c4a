"""The environment's transition records: what a cached pass run replays, and what it refuses to."""

from __future__ import annotations

import pytest

from rlopt.cache import Cache
from rlopt.errors import ToolError, ToolTimeout

pytest.importorskip("gymnasium")
from rlopt.training.programs import State  # noqa: E402
from rlopt.training.statecache import Outcome, Transition, Transitions  # noqa: E402

A, B = State.of(b"; a\n"), State.of(b"; b\n")


def test_transition_record_round_trip_and_old_entries() -> None:
    for t in (Transition(Outcome.OK, B.digest), Transition(Outcome.TIMEOUT, seconds=1.5, message="slow"),
              Transition(Outcome.ERROR, error="ToolCrash", message="opt: boom: x")):
        assert Transition.decode(t.encode()) == t
    # Entries of the old "ok:/timeout:/error:" strings (or damaged ones) are recomputed, not misread.
    for old in (b"ok:" + B.digest.encode(), b"timeout:60.0:x", b"error:ToolCrash:x", b"{}", b"\xff"):
        assert Transition.decode(old) is None


def test_transitions_replay_results_and_failures() -> None:
    t = Transitions(Cache(None), salt="s")
    assert t.replay(A, "p", (), 10.0) is None
    t.record(A, "p", (), B)
    assert t.replay(A, "p", (), 10.0) == B
    assert t.replay(A, "p", ("-knob=1",), 10.0) is None  # knob options are part of the key
    t.record(A, "same", (), A)
    assert t.replay(A, "same", (), 10.0) == A
    t.record_failure(A, "slow", (), ToolTimeout("engine", 5.0), 5.0)
    with pytest.raises(ToolTimeout):
        t.replay(A, "slow", (), 5.0)  # the same limit: it would time out again
    assert t.replay(A, "slow", (), 30.0) is None  # a longer limit: worth trying again
    t.record_failure(A, "bad", (), ToolError("engine", "pass crashed"), 5.0)
    with pytest.raises(ToolError, match="pass crashed .cached result of an earlier ToolError"):
        t.replay(A, "bad", (), 5.0)
