"""Policy loading, card checks, masked action choice, and the shared optimisation loop on real IR.

The models here are tiny hand-written ONNX graphs with a fixed preference over actions (plus an optional
Autophase input), so the loop's behaviour is known exactly without any training.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rlopt import graph, irparse, passes, policy
from rlopt.engine import Engine, OptBackend, backend_for
from rlopt.errors import RloptError, ToolError

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402

SPACE = "rlopt-extended-v0"
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "ir" / "sort.O0.ll"


def write_model(directory: Path, preferences: dict[str, float], *, name: str = "toy",
                space: str = SPACE, autophase: bool = False, card: dict | None = None) -> Path:
    """An ONNX policy whose logits are fixed preferences (other actions -10) and a ``NAME.json`` card.

    The logits still read ``node_tokens`` (times zero) so that the graph inputs are genuinely consumed.
    """
    actions = passes.ACTION_SPACES[space]
    index = {a.name: i for i, a in enumerate(actions)}
    bias = np.full(len(actions), -10.0, dtype=np.float32)
    for action, value in preferences.items():
        bias[index[action]] = value
    int_inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, shape)
                  for n, shape in (("node_tokens", ["N"]), ("node_types", ["N"]), ("edge_index", [2, "E"]),
                                   ("edge_flow", ["E"]), ("edge_position", ["E"]))]
    inputs = int_inputs + ([helper.make_tensor_value_info("autophase", TensorProto.FLOAT, [56])]
                           if autophase else [])
    nodes = [
        helper.make_node("Cast", ["node_tokens"], ["tok_f"], to=TensorProto.FLOAT),
        helper.make_node("ReduceSum", ["tok_f"], ["tok_sum"], keepdims=0),
        helper.make_node("Mul", ["tok_sum", "zero"], ["tok_zero"]),
        helper.make_node("Add", ["bias", "tok_zero"], ["logits"]),
        helper.make_node("ReduceMean", ["logits"], ["value"], keepdims=0),
    ]
    inits = [helper.make_tensor("bias", TensorProto.FLOAT, [len(bias)], bias.tolist()),
             helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [len(bias)]),
               helper.make_tensor_value_info("value", TensorProto.FLOAT, [])]
    model = helper.make_model(helper.make_graph(nodes, "toy", inputs, outputs, inits),
                              opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.onnx"
    onnx.save(model, str(path))
    vocab = graph.Vocabulary.build([graph.build(EXAMPLE.read_text())])
    vocab.save(directory / f"{name}.vocab.json")
    fields = {"action_space": space, "actions": [a.name for a in actions],
              "mask": [i for i, a in enumerate(actions) if a.safe],
              "vocab_file": f"{name}.vocab.json", "vocab_sha256": vocab.sha256, "llvm_version": "19.1.7",
              "max_steps": 10, "reward": "none", "training_data": "hand-written test model", "metrics": {}}
    fields.update(card or {})
    path.with_suffix(".json").write_text(json.dumps(fields))
    return path


def _apply(tc):
    return OptBackend(tc, timeout=60).optimize


@pytest.fixture
def sort_o0(example_ir) -> bytes:
    return example_ir["sort.O0"].read_bytes()


def test_resolve_model_by_name_env_and_path(tmp_path, monkeypatch):
    path = write_model(tmp_path, {"-O3": 1.0})
    assert policy.resolve_model(str(path)) == path
    monkeypatch.setenv("RLOPT_MODEL", str(path))
    assert policy.resolve_model(None) == path
    monkeypatch.setattr(policy, "MODELS_DIR", tmp_path)
    assert policy.resolve_model("toy") == path
    with pytest.raises(RloptError, match="model 'nope' not found .*available: toy"):
        policy.resolve_model("nope")
    run = tmp_path / "run"  # a training run: its exported model, or a pointer to the export
    run.mkdir()
    (run / "checkpoint.pt").write_bytes(b"")
    with pytest.raises(RloptError, match=f"{run} has no policy.onnx: run 'rlopt-train export {run}' first"):
        policy.resolve_model(str(run))
    with pytest.raises(RloptError, match="checkpoint.pt is a training checkpoint, not a model: export it first"):
        policy.resolve_model(str(run / "checkpoint.pt"))
    (run / "policy.onnx").write_bytes(path.read_bytes())
    assert policy.resolve_model(str(run)) == run / "policy.onnx"
    (run / "progress.csv").write_text("")
    with pytest.raises(RloptError, match="progress.csv is not a model"):
        policy.resolve_model(str(run / "progress.csv"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "toy").mkdir()  # a directory named as a shipped model does not hide it
    assert policy.resolve_model("toy") == path


@pytest.mark.parametrize(("card", "message"), [
    ({"action_space": "gym-v9"}, "unknown action space 'gym-v9'"),
    ({"actions": ["-adce"]}, "action names differ"),
    ({"mask": [10_000]}, "mask out of range"),
    ({"vocab_sha256": "0" * 64}, "does not match the card's sha256"),
    ({"llvm_version": "17.0.6"}, "trained with LLVM 17.0.6"),
])
def test_load_rejects_a_card_that_does_not_fit(tmp_path, tc, card, message):
    path = write_model(tmp_path, {"-O3": 1.0}, card=card)
    with pytest.raises(RloptError, match=message):
        policy.Policy.load(path, toolchain=tc)


def test_load_rejects_missing_card_and_corrupt_model(tmp_path):
    path = write_model(tmp_path, {"-O3": 1.0})
    path.write_bytes(b"not onnx")
    with pytest.raises(RloptError, match="not a usable ONNX model"):
        policy.Policy.load(path)
    path.with_suffix(".json").unlink()
    with pytest.raises(RloptError, match="model card .* not found"):
        policy.Policy.load(path)


def test_act_is_argmax_over_card_mask_and_caller_mask(tmp_path):
    # The instrumentation action is the favourite but the card masks it (kind "instrumentation").
    p = policy.Policy.load(write_model(tmp_path, {"-insert-gcov-profiling": 9.0, "-gvn": 2.0, "-adce": 1.0}))
    arrays = graph.build("define void @f() {\n  ret void\n}\n").arrays(p.vocab)
    assert p.space[p.act(arrays)].name == "-gvn"
    mask = np.ones(len(p.space), dtype=bool)
    mask[passes.EXTENDED_ACTIONS.index(passes.get("-gvn"))] = False
    assert p.space[p.act(arrays, mask)].name == "-adce"
    rng = np.random.default_rng(0)
    sampled = {p.space[p.act(arrays, greedy=False, rng=rng)].name for _ in range(50)}
    assert sampled <= {"-gvn", "-adce"} | {a.name for a in p.space if a.safe}
    assert "-insert-gcov-profiling" not in sampled


def test_act_feeds_autophase_when_the_model_takes_it(tmp_path):
    pytest.importorskip("rlopt.features")
    p = policy.Policy.load(write_model(tmp_path, {"-gvn": 1.0}, autophase=True))
    text = "define i32 @f(i32 %x) {\n  %y = add i32 %x, 1\n  ret i32 %y\n}\n"
    arrays = graph.build(text).arrays(p.vocab)
    assert p.space[p.act(arrays, ir_text=text)].name == "-gvn"
    with pytest.raises(RloptError, match="needs Autophase"):
        p.act(arrays)


def test_loop_masks_no_op_actions_and_stops_when_out_of_ideas(tmp_path, tc, sort_o0):
    # Preferences: -sroa first; once it no longer changes anything, -instcombine; then both are no-ops
    # and after `patience` unchanged steps the loop stops well before max_steps.
    p = policy.Policy.load(write_model(tmp_path, {"-sroa": 3.0, "-instcombine": 2.0, "-barrier": 1.0}))
    result = policy.optimize_module(sort_o0, p, max_steps=50, apply=_apply(tc))
    assert result.actions[:2] == ["-sroa", "-instcombine"]
    assert result.steps < 50 and not result.fell_back
    assert result.pipeline == passes.pipeline(result.actions)
    # The IR is what opt makes of the whole pipeline, and it is verified.
    assert result.ir == tc.opt(sort_o0, result.pipeline)
    assert irparse.instruction_count(result.ir.decode()) < irparse.instruction_count(sort_o0.decode())


def test_loop_explains_each_step(tmp_path, tc, sort_o0):
    p = policy.Policy.load(write_model(tmp_path, {"-sroa": 3.0, "-instcombine": 2.0, "-barrier": 1.0}))
    lines: list[str] = []
    policy.optimize_module(sort_o0, p, max_steps=3, apply=_apply(tc), explain=lines.append)
    assert len(lines) == 3 and lines[0].startswith("step 1: -sroa 0.") and ", -instcombine 0." in lines[0]
    assert lines[0].endswith("-> -sroa: changed the IR")
    assert any(line.endswith("left the IR as it was, masked until it changes") for line in lines[1:])


def test_loop_respects_max_steps(tmp_path, tc, sort_o0):
    p = policy.Policy.load(write_model(tmp_path, {"-sroa": 3.0, "-instcombine": 2.0}))
    result = policy.optimize_module(sort_o0, p, max_steps=1, apply=_apply(tc))
    assert (result.actions, result.steps) == (["-sroa"], 1)


def test_loop_on_bitcode_gives_text_ir(tmp_path, tc, sort_o0):
    bitcode = tc.opt(sort_o0, "verify", bitcode=True)
    p = policy.Policy.load(write_model(tmp_path, {"-sroa": 3.0}))
    result = policy.optimize_module(bitcode, p, apply=_apply(tc))
    assert result.actions == ["-sroa"]
    assert result.ir.startswith(b"; ModuleID")


def test_crashing_action_is_masked_and_a_broken_final_pipeline_falls_back(tmp_path, tc, sort_o0):
    p = policy.Policy.load(write_model(tmp_path, {"-gvn": 3.0, "-sroa": 2.0}))
    real = _apply(tc)

    def gvn_crashes(data: bytes, pipeline: str) -> bytes:
        if "gvn" in pipeline:
            raise ToolError("opt", "LLVM ERROR: simulated crash")
        return real(data, pipeline)

    result = policy.optimize_module(sort_o0, p, apply=gvn_crashes)
    assert result.actions == ["-sroa"]

    def whole_pipeline_breaks(data: bytes, pipeline: str) -> bytes:
        if pipeline.count(",") >= 1:
            raise ToolError("opt", "error: broken module")
        return real(data, pipeline)

    p2 = policy.Policy.load(write_model(tmp_path / "b", {"-sroa": 3.0, "-instcombine": 2.0}))
    result = policy.optimize_module(sort_o0, p2, apply=whole_pipeline_breaks)
    assert result.fell_back and result.pipeline == "" and result.actions == []
    assert result.ir == real(sort_o0, "verify")


@pytest.mark.parametrize("engine", [True, False])
def test_choose_pipeline_runs_in_the_backend_and_checks_llvm(tmp_path, tc, sort_o0, engine):
    path = write_model(tmp_path, {"-O3": 3.0, "-gvn": 1.0})
    with backend_for(tc, 60, engine=engine) as backend:
        pipeline = policy.choose_pipeline(sort_o0, model=str(path), backend=backend)
        assert isinstance(backend, Engine) == engine and (not engine or backend.starts == 1)
    assert pipeline.startswith("default<O3>")


def test_cli_o_rl_writes_verified_ir(tmp_path, example_ir, capsys):
    from rlopt import cli

    model = write_model(tmp_path / "m", {"-sroa": 3.0, "-instcombine": 2.0})
    out = tmp_path / "out.ll"
    assert cli.main(["-O-rl", "--model", str(model), str(example_ir["sort.O0"]), "-S", "-o", str(out),
                     "--print-passes"]) == 0
    assert "-passes=function(sroa),invalidate<all>,function(instcombine" in capsys.readouterr().err
    assert out.read_text().startswith("; ModuleID")
    assert cli.main(["-O-rl", "--model", str(tmp_path / "missing.onnx"), str(example_ir["sort.O0"])]) == 1
    assert "model '" in capsys.readouterr().err
