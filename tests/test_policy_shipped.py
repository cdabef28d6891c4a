"""The shipped models (``speed``, the default of ``-O-rl``, and ``size``): they load with this build, look at
the program, and ``rlopt -O-rl`` works end to end with them."""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest

from rlopt import policy, toolchain

MODELS = ("speed", "size")


@pytest.fixture(scope="module", params=MODELS)
def shipped(request) -> policy.Selector:
    model = policy.load_model(request.param, toolchain=toolchain.find())
    assert isinstance(model, policy.Selector)
    return model


def test_shipped_model_card_fits_this_build(shipped):
    card = shipped.card
    assert card["kind"] == "selector" and card["objective"] in MODELS
    assert shipped.names[0] == card["baseline"] == {"speed": "O3", "size": "Oz"}[card["objective"]]
    assert card["training_data"]["train_programs"] > 0 and card["metrics"]["leave_family_out"]["overall"]
    assert shipped.margin >= 0 and len(shipped.names) >= 2
    # Package data: the model and its card are single files readable by everyone.
    for p in (shipped.path, shipped.path.with_suffix(".json")):
        assert p.stat().st_mode & 0o444 == 0o444, p
    assert not list(shipped.path.parent.glob("*.onnx.data"))


def test_shipped_models_choose_per_program(shipped):
    """A model that gives every program the same answer has learned nothing: over the suite's programs the
    model must make more than one choice, and always one of its candidates."""
    from rlopt.training import benchmarks

    chosen = {shipped.choose(benchmarks.ir(b, "O3").decode()).chosen for b in benchmarks.suite()}
    assert chosen <= set(shipped.names) and len(chosen) >= 2, chosen


@pytest.mark.parametrize("model", MODELS)
def test_rlopt_o_rl_end_to_end(example_ir, tmp_path, tc, model):
    out = tmp_path / "out.ll"
    proc = subprocess.run([sys.executable, "-m", "rlopt.cli", "-O-rl", "--model", model, "--explain",
                           str(example_ir["sort.O3"]), "-S", "-o", str(out), "--print-passes"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # the speed model predicts; the size model (exact) measures its candidates
    assert ("predicted" if model == "speed" else "measured: fewest IR instructions") in proc.stderr and "chose" in proc.stderr
    replay = proc.stderr.strip().splitlines()[-1]
    assert "-passes=" in replay
    pipeline = replay.split("-passes=", 1)[1].split()[0].strip("'")

    def body(ir: bytes) -> bytes:  # the ModuleID line names the input (a path, or <stdin> for opt)
        return ir.split(b"\n", 1)[1]

    # What -O-rl wrote is verified IR, and exactly what opt makes of the printed pipeline.
    assert body(out.read_bytes()) == body(tc.opt(example_ir["sort.O3"].read_bytes(), pipeline))


@pytest.mark.slow
def test_o_rl_peak_rss_under_500_mb(tmp_path):
    from test_memory import LIMIT_KB, peak_rss_kb

    from rlopt.training.benchmarks.generated import write_module

    big = write_module(tmp_path, functions=900)  # about 50k instructions
    kb = peak_rss_kb([sys.executable, "-m", "rlopt.cli", "-O-rl", str(big), "-o", str(tmp_path / "o.bc")])
    assert 0 < kb < LIMIT_KB, f"peak RSS {kb / 1024:.0f} MB"


def test_model_card_names_its_candidates_pipelines(shipped):
    card = json.loads(shipped.path.with_suffix(".json").read_text())
    assert [c["pipeline"] for c in card["candidates"]] == shipped.pipelines
    assert all(p for p in shipped.pipelines)


def test_shipped_candidates_use_no_unsafe_pass(shipped):
    from rlopt import passes

    unsafe = {a.pass_name for a in passes.EXTENDED_ACTIONS_V1 if not a.safe}
    for pipeline in shipped.pipelines:
        used = {p.split("<")[0] for p in pipeline.replace("(", ",").replace(")", ",").split(",") if p}
        assert not used & unsafe, pipeline


#: What ``rlopt -O-rl`` with a shipped model must not load: ~0.13 s of a 0.3 s start-up budget (numpy and
#: onnxruntime's Python module; the C API runs the model) and the graph stack the selectors do not use.
HEAVY = ("numpy", "onnxruntime", "networkx", "torch", "rlopt.graph")


@pytest.mark.parametrize("model", MODELS)
def test_o_rl_loads_no_heavy_module(example_ir, tmp_path, model):
    code = ("import sys\nfrom rlopt.cli import main\nstatus = main(sys.argv[1:])\n"
            "print(' '.join(sys.modules))\nsys.exit(status)")
    proc = subprocess.run([sys.executable, "-c", code, "-O-rl", "--model", model, str(example_ir["sort.O3"]),
                           "-o", str(tmp_path / "out.bc")], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert not [m for m in proc.stdout.split() if m in HEAVY or m.split(".")[0] in HEAVY]


def test_c_api_session_matches_the_python_binding(shipped, tmp_path):
    """The selectors run on ONNX Runtime's C API (:mod:`rlopt.ort`); they must give what onnxruntime's Python
    binding gives, bit for bit, and fail as clearly."""
    from rlopt import ort
    from rlopt.errors import RloptError

    assert isinstance(shipped.session, ort.Session)  # the wheel has the C API library: no silent fallback
    reference = ort.PythonSession(shipped.path, 1)
    rng = random.Random(0)
    rows = [[0] * 56, *([rng.randrange(10 ** rng.randrange(1, 7)) for _ in range(56)] for _ in range(100))]
    for row in rows:
        assert shipped.session.run("gains", "autophase", row) == reference.run("gains", "autophase", row)
    with pytest.raises(RloptError, match="Invalid output name"):
        shipped.session.run("logits", "autophase", rows[1])
    with pytest.raises(RloptError, match="invalid dimensions"):
        shipped.session.run("gains", "autophase", rows[1][:5])
    (tmp_path / "bad.onnx").write_bytes(b"not a model")
    with pytest.raises(RloptError, match="bad.onnx: not a usable ONNX model"):
        ort.session(tmp_path / "bad.onnx", 1)
