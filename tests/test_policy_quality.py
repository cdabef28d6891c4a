"""The ``rlopt-extended-v1`` action space and ``benchmarks/policy_quality.py`` (side-by-side candidates vs -O3)."""

from __future__ import annotations

import pytest

from rlopt import passes
from rlopt.errors import RloptError

pytest.importorskip("onnx")
pytest.importorskip("rlopt.training.evaluate")
from conftest import benchmark_script  # noqa: E402
from test_policy import write_model  # noqa: E402

from rlopt.training import benchmarks  # noqa: E402


@pytest.fixture(scope="module")
def pq():
    return benchmark_script("policy_quality")


def test_v1_appends_to_v0_and_leaves_it_alone():
    v0, v1 = passes.ACTION_SPACES["rlopt-extended-v0"], passes.ACTION_SPACES["rlopt-extended-v1"]
    # Shipped cards name v0 with exactly these 134 actions; v1 only appends.
    assert len(v0) == 134 and v0[-1].name == "-scalar-cleanup"
    assert v1[:len(v0)] == v0 and len(v1) > len(v0)
    assert len({a.name for a in v1}) == len(v1)
    for a in v1[len(v0):]:
        assert passes.get(a.name) is a and a.safe


def test_v1_actions_and_candidates_run_and_verify(pq, tc, example_ir):
    ir = example_ir["sort.O3"].read_bytes()
    o3 = tc.opt(ir, "default<O3>")
    for pipeline in [a.pipeline for a in passes.EXTENDED_ACTIONS_V1[len(passes.EXTENDED_ACTIONS):]] + list(
            pq.CANDIDATES.values()):
        out = tc.opt(ir, pipeline + ",verify")
        assert out.startswith(b"; ModuleID") and out != ir
    # -O3-twice really does more than one -O3 on this module (else it would be a useless action).
    assert tc.opt(ir, passes.get("-O3-twice").pipeline) != o3


def test_named(pq):
    assert pq.named("O3x2=default<O3>,default<O3>") == ("O3x2", "default<O3>,default<O3>")
    assert pq.named("runs/a/policy.onnx") == ("policy", "runs/a/policy.onnx")
    assert pq.named("speed") == ("speed", "speed")
    assert pq.named("new=runs/a/policy.onnx") == ("new", "runs/a/policy.onnx")


def test_compare_pipelines_and_policies_side_by_side(pq, tmp_path):
    model = write_model(tmp_path, {"-O3-twice": 3.0}, space="rlopt-extended-v1")
    bench = [benchmarks.get("bitcount")]
    report = pq.compare(bench, {"O3x2": "default<O3>,default<O3>"}, {"toy": str(model)},
                        metrics=("instructions",), progress=False)
    assert report.candidates == ["O0", "O3", "Oz", "O3x2", "toy"]
    cands = report.results["bitcount"]
    assert cands["toy"].actions[0] == "-O3-twice"
    # One -O3-twice step is the O3x2 pipeline, so both count the same instructions.
    if cands["toy"].actions == ["-O3-twice"]:
        assert report.ratio("bitcount", "toy", "instructions") == report.ratio("bitcount", "O3x2", "instructions")
    assert report.config["loadavg"] and report.ratio("bitcount", "O3", "instructions") == 1.0
    with pytest.raises(RloptError, match="used twice"):
        pq.compare(bench, {"O3": "default<O2>"}, {}, metrics=("instructions",), progress=False)
