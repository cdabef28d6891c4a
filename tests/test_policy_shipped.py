"""The shipped model: it loads with this build, and ``rlopt -O-rl`` works end to end with it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from rlopt import passes, policy, toolchain


@pytest.fixture(scope="module")
def shipped() -> policy.Policy:
    return policy.Policy.load(policy.DEFAULT_MODEL, toolchain=toolchain.find())


def test_shipped_model_card_fits_this_build(shipped):
    card = json.loads(shipped.path.with_suffix(".json").read_text())
    assert card["action_space"] in passes.ACTION_SPACES
    assert all(shipped.space[i].safe for i in card["mask"])
    assert card["training_data"] and card["reward"] and card["max_steps"] >= 1
    # Package data: the model, its card and vocabulary are single files readable by everyone.
    for p in (shipped.path, shipped.path.with_suffix(".json"), shipped.path.parent / card["vocab_file"]):
        assert p.stat().st_mode & 0o444 == 0o444, p
    assert not list(shipped.path.parent.glob("*.onnx.data"))


def test_rlopt_o_rl_end_to_end(example_ir, tmp_path, tc):
    out = tmp_path / "out.ll"
    proc = subprocess.run([sys.executable, "-m", "rlopt.cli", "-O-rl", str(example_ir["sort.O3"]), "-S",
                           "-o", str(out), "--print-passes"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    replay = proc.stderr.strip().splitlines()[-1]
    assert "-passes=" in replay
    pipeline = replay.split("-passes=", 1)[1].split()[0].strip("'")
    # What -O-rl wrote is verified IR, and exactly what opt makes of the printed pipeline.
    def body(ir: bytes) -> bytes:  # the ModuleID line names the input (a path, or <stdin> for opt)
        return ir.split(b"\n", 1)[1]

    assert body(out.read_bytes()) == body(tc.opt(example_ir["sort.O3"].read_bytes(), pipeline))


@pytest.mark.slow
def test_o_rl_peak_rss_under_500_mb(tmp_path):
    from test_memory import LIMIT_KB, peak_rss_kb

    from rlopt.training.benchmarks.generated import write_module

    big = write_module(tmp_path, functions=100)
    kb = peak_rss_kb([sys.executable, "-m", "rlopt.cli", "-O-rl", str(big), "-o", str(tmp_path / "o.bc")])
    assert 0 < kb < LIMIT_KB, f"peak RSS {kb / 1024:.0f} MB"


def test_shipped_policy_never_allows_unsafe_actions():
    from rlopt import policy

    p = policy.Policy.load("speed")
    assert not any(p.allowed()[i] for i, a in enumerate(p.space) if not a.safe)
