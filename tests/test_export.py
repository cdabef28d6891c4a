"""ONNX export: onnxruntime logits match PyTorch within 1e-4 on 20 real graphs; the model card."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from rlopt import passes, toolchain
from rlopt.errors import RloptError
from rlopt.graph import Vocabulary, build
from rlopt.training.export import CARD_FIELDS, check_parity, export_onnx, onnx_outputs
from rlopt.training.models import Actor, ActorCritic, GnnConfig, SacPolicy, TwinQ

ROOT = Path(__file__).resolve().parents[1]
SAFE = [a for a in passes.ACTIONS if a.safe and a.kind == "optimization"]


def _real_graphs(vocab: Vocabulary) -> list[dict]:
    """The example IR files as they are, and each after a random sequence of 5 passes: 20 graphs."""
    files = sorted((ROOT / "examples" / "ir").glob("*.ll"))[:10]
    assert len(files) == 10
    tc = toolchain.find()
    rng = np.random.default_rng(0)
    texts = [f.read_text() for f in files]
    for text in list(texts):
        seq = rng.choice(len(SAFE), size=5, replace=False)
        pipeline = ",".join(SAFE[i].pipeline for i in seq)
        texts.append(tc.opt(text.encode(), pipeline).decode())
    return [build(t).arrays(vocab) for t in texts]


@pytest.fixture(scope="module")
def graphs() -> list[dict]:
    return _real_graphs(Vocabulary.default())


def _card(num_actions: int) -> dict:
    vocab = Vocabulary.default()
    return {"action_space": "test", "actions": [f"-a{i}" for i in range(num_actions)],
            "mask": list(range(num_actions - 1)), "vocab_file": "v.json", "vocab_sha256": vocab.sha256,
            "llvm_version": "19.1", "max_steps": 10, "reward": "IrInstructionCountNorm",
            "training_data": ["benchmark://rlopt-suite-v0/qsort"], "metrics": {"best_return": 1.0}}


def test_onnx_matches_torch_on_real_graphs(tmp_path, graphs, capfd) -> None:
    torch.manual_seed(0)
    model = ActorCritic(GnnConfig(vocab_size=len(Vocabulary.default()), num_actions=124)).eval()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        onnx_path, card_path = export_onnx(model, tmp_path / "m.onnx", _card(124))
    assert not caught, [str(w.message) for w in caught]  # no noise from the exporter (torchvision, FutureWarning)
    assert "torchvision" not in capfd.readouterr().err
    assert len(graphs) == 20 and len({len(g["node_tokens"]) for g in graphs}) > 5
    worst = check_parity(model, onnx_path, graphs, atol=1e-4)
    assert worst < 1e-4
    logits, value = onnx_outputs(onnx_path, graphs[0])
    assert logits.shape == (124,) and logits.dtype == np.float32 and value.shape == ()
    # A graph with a single node and no edges still runs (dynamic sizes down to N=1, E=0).
    lone = {k: v[:1] for k, v in graphs[0].items()}
    lone |= {"edge_index": np.zeros((2, 0), np.int64), "edge_flow": np.zeros(0, np.int64),
             "edge_position": np.zeros(0, np.int64)}
    assert check_parity(model, onnx_path, [lone]) < 1e-4
    card = json.loads(card_path.read_text())
    assert set(CARD_FIELDS) <= set(card)
    assert card["format_version"] == 1 and card["num_actions"] == 124 and card["torch_version"]
    assert card["inputs"] == ["node_tokens", "node_types", "edge_index", "edge_flow", "edge_position"]
    assert card["outputs"] == ["logits", "value"] and card["created"]


def test_sac_policy_with_autophase_exports(tmp_path, graphs) -> None:
    torch.manual_seed(1)
    cfg = GnnConfig(vocab_size=len(Vocabulary.default()), num_actions=7, hidden=16, layers=2, autophase=True)
    model = SacPolicy(Actor(cfg), TwinQ(cfg), 0.1).eval()
    onnx_path, card_path = export_onnx(model, tmp_path / "sac.onnx", _card(7))
    rng = np.random.default_rng(0)
    obs = [dict(g, autophase=rng.integers(0, 5000, 56).astype(np.float32)) for g in graphs[:5]]
    assert check_parity(model, onnx_path, obs) < 1e-4
    assert json.loads(card_path.read_text())["inputs"][-1] == "autophase"


def test_card_is_checked(tmp_path) -> None:
    model = ActorCritic(GnnConfig(vocab_size=10, num_actions=3, hidden=8, layers=1))
    with pytest.raises(RloptError, match="lacks"):
        export_onnx(model, tmp_path / "m.onnx", {"actions": ["a", "b", "c"]})
    with pytest.raises(RloptError, match="actions"):
        export_onnx(model, tmp_path / "m.onnx", _card(4))
    assert not list(tmp_path.iterdir())
