"""ONNX export of trained policies, their model cards, and an onnxruntime parity check.

The ONNX contract (what ``rlopt.policy`` runs): one graph per call; int64 inputs ``node_tokens`` [N],
``node_types`` [N], ``edge_index`` [2, E], ``edge_flow`` [E], ``edge_position`` [E] with N and E dynamic, plus
``autophase`` float32 [56] when the model has the Autophase branch; float32 outputs ``logits`` [num_actions]
(raw: the card's ``mask`` is applied by the caller) and ``value`` [] (PPO's critic; for SAC the soft state value
under the policy). The exporter is ``torch.onnx.export(..., dynamo=True)``: the TorchScript exporter produced
wrong logits for this network (``docs/training.md``); :func:`check_parity` compares the two runtimes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

from rlopt.errors import RloptError
from rlopt.ir import write_file
from rlopt.policy import GRAPH_INPUTS, graph_feeds
from rlopt.training.models import (
    AUTOPHASE_DIM,
    Actor,
    ActorCritic,
    GnnConfig,
    GraphBatch,
    SacPolicy,
    TwinQ,
    collate,
)
from rlopt.training.runlog import load_checkpoint

if TYPE_CHECKING:
    import onnxruntime

#: Bump when the ONNX inputs/outputs or the card's meaning change.
FORMAT_VERSION = 1
#: Card fields the caller must supply (``export_onnx`` adds format, dates, versions and I/O names).
CARD_FIELDS = ("action_space", "actions", "mask", "vocab_file", "vocab_sha256", "llvm_version", "max_steps",
               "reward", "training_data", "metrics")


class OnnxPolicy(nn.Module):
    """A trained network behind the single-graph ONNX signature (no batch dimension, no ``node_graph``)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.autophase = bool(model.cfg.autophase)

    def forward(self, node_tokens: Tensor, node_types: Tensor, edge_index: Tensor, edge_flow: Tensor,
                edge_position: Tensor, autophase: Tensor | None = None) -> tuple[Tensor, Tensor]:
        batch = GraphBatch(node_tokens, node_types, edge_index, edge_flow, edge_position, None, 1,
                           None if autophase is None else autophase.reshape(1, AUTOPHASE_DIM))
        logits, value = self.model(batch)
        return logits[0], value[0]


def read_checkpoint(checkpoint: str | os.PathLike) -> dict[str, Any]:
    """The dict of a PPO or SAC checkpoint; any other file is an :class:`RloptError` that says so."""
    try:
        state = load_checkpoint(Path(checkpoint))
    except RloptError:
        raise
    except Exception as e:  # unpickling a file that is no checkpoint (a CSV, say) can raise almost anything
        raise RloptError(f"{checkpoint} is not an rlopt training checkpoint: {type(e).__name__}: {e}") from None
    if not isinstance(state, dict) or "algorithm" not in state:
        raise RloptError(f"{checkpoint} is not an rlopt training checkpoint (no 'algorithm' in it)")
    return state


def load_policy(checkpoint: str | os.PathLike) -> tuple[nn.Module, dict[str, Any]]:
    """The exportable network of a PPO or SAC ``checkpoint.pt`` (in eval mode) and the checkpoint dict."""
    state = read_checkpoint(checkpoint)
    try:
        cfg = GnnConfig(**state["gnn_config"])
        if state["algorithm"] == "ppo":
            model: nn.Module = ActorCritic(cfg)
        elif state["algorithm"] == "sac":
            model = SacPolicy(Actor(cfg), TwinQ(cfg), 0.0)
        else:
            raise RloptError(f"{checkpoint}: unknown algorithm {state['algorithm']!r}")
        model.load_state_dict(state["policy_state"])
    except (KeyError, TypeError, RuntimeError) as e:
        raise RloptError(f"{checkpoint} is not an rlopt training checkpoint: {type(e).__name__}: {e}") from None
    return model.eval(), state


def _example_inputs(autophase: bool) -> tuple[Tensor, ...]:
    """A small graph to trace with: sizes above 1 so the exporter keeps N and E symbolic."""
    n, e = 5, 7
    g = torch.Generator().manual_seed(0)
    inputs = (torch.randint(0, 2, (n,), generator=g), torch.randint(0, 3, (n,), generator=g),
              torch.randint(0, n, (2, e), generator=g), torch.randint(0, 3, (e,), generator=g),
              torch.randint(0, 4, (e,), generator=g))
    return (*inputs, torch.rand(AUTOPHASE_DIM, generator=g)) if autophase else inputs


def export_onnx(model: nn.Module, path: str | os.PathLike, card: Mapping[str, Any]) -> tuple[Path, Path]:
    """Write ``path`` (.onnx) and its model card ``path`` with suffix .json; returns both paths.

    ``card`` must hold :data:`CARD_FIELDS`; this adds ``format_version``, ``created``, ``torch_version``,
    ``num_actions``, ``inputs``, ``outputs`` and the network shape (``gnn``).
    """
    path = Path(path)
    missing = [k for k in CARD_FIELDS if k not in card]
    if missing:
        raise RloptError(f"model card lacks {', '.join(missing)}")
    cfg: GnnConfig = model.cfg
    if len(card["actions"]) != cfg.num_actions:
        raise RloptError(f"card names {len(card['actions'])} actions, the model has {cfg.num_actions}")
    if not card["mask"] or not all(0 <= int(i) < cfg.num_actions for i in card["mask"]):
        raise RloptError("card mask must be a non-empty list of action indices")
    wrapper = OnnxPolicy(model).eval()
    nodes, edges = torch.export.Dim("nodes", min=1), torch.export.Dim("edges", min=0)
    dynamic = {"node_tokens": {0: nodes}, "node_types": {0: nodes}, "edge_index": {1: edges},
               "edge_flow": {0: edges}, "edge_position": {0: edges}}
    input_names = list(GRAPH_INPUTS)
    if cfg.autophase:
        dynamic["autophase"] = None
        input_names.append("autophase")
    with torch.no_grad(), _quiet_exporter():
        program = torch.onnx.export(wrapper, _example_inputs(cfg.autophase), dynamo=True,
                                    dynamic_shapes=dynamic, input_names=input_names,
                                    output_names=["logits", "value"], verbose=False)
    with tempfile.TemporaryDirectory(prefix="rlopt-export-") as d:  # the exporter writes to a path only
        program.save(os.path.join(d, "model.onnx"))
        onnx_bytes = Path(d, "model.onnx").read_bytes()
    write_file(path, onnx_bytes)
    full = {"format_version": FORMAT_VERSION, **card,
            "mask": [int(i) for i in card["mask"]], "num_actions": cfg.num_actions,
            "inputs": input_names, "outputs": ["logits", "value"], "gnn": cfg.to_dict(),
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "torch_version": torch.__version__}
    card_path = path.with_suffix(".json")
    write_file(card_path, (json.dumps(full, indent=1) + "\n").encode())
    return path, card_path


@contextlib.contextmanager
def _quiet_exporter() -> Iterator[None]:
    """Silence what torch's ONNX exporter says about itself and not about our model: that torchvision (which
    we do not use) is missing, a deprecation inside torch's own pytree code, and that two inputs sharing the
    axis ``nodes`` (or ``edges``) keep that one name. Everything else still shows."""
    registration = logging.getLogger("torch.onnx._internal.exporter._registration")
    level = registration.level
    registration.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", r"`isinstance\(treespec, LeafSpec\)` is deprecated", FutureWarning)
            warnings.filterwarnings("ignore", r"# The axis name: (nodes|edges) will not be used, since it shares "
                                    r"the same shape constraints with another axis: \1\.", UserWarning)
            yield
    finally:
        registration.setLevel(level)


def onnx_outputs(onnx_path: str | os.PathLike, obs: Mapping[str, np.ndarray],
                 session: onnxruntime.InferenceSession | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Logits and value from onnxruntime for one observation."""
    import onnxruntime as ort

    sess = session or ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    names = {i.name for i in sess.get_inputs()}
    logits, value = sess.run(["logits", "value"], graph_feeds(obs, obs["autophase"] if "autophase" in names else None))
    return logits, value


def check_parity(model: nn.Module, onnx_path: str | os.PathLike, observations: Sequence[Mapping[str, np.ndarray]],
                 atol: float = 1e-4) -> float:
    """Largest |onnxruntime - torch| over logits and values of ``observations``; raises if above ``atol``.

    Torch runs the batched (training) path, onnxruntime the single-graph export, so this also checks that
    the two paths agree.
    """
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    worst = 0.0
    autophase = bool(model.cfg.autophase)
    for i, obs in enumerate(observations):
        with torch.no_grad():
            logits, value = model(collate([obs], autophase=autophase))
        o_logits, o_value = onnx_outputs(onnx_path, obs, sess)
        err = max(float(np.abs(o_logits - logits[0].numpy()).max()), float(abs(o_value - value[0].item())))
        worst = max(worst, err)
        if err > atol:
            raise RloptError(f"ONNX parity failed on graph {i} ({len(obs['node_tokens'])} nodes): "
                             f"max abs error {err:.3g} > {atol}")
    return worst


def export(checkpoint: str | os.PathLike, out: str | os.PathLike) -> Path:
    """``rlopt-train export``: checkpoint -> ``out`` (.onnx) + card + vocabulary file beside it.

    The card's environment fields come from ``run.json`` next to the checkpoint (written by ``rlopt-train``);
    its metrics from ``result.json`` when present.
    """
    from rlopt import passes, toolchain
    from rlopt.vocab import Vocabulary

    ckpt = Path(checkpoint)
    model, state = load_policy(ckpt)
    run = _read_json(ckpt.parent / "run.json", required=True)
    result = _read_json(ckpt.parent / "result.json", required=False)
    space = passes.ACTION_SPACES.get(run.get("action_space", ""))
    if space is None:
        raise RloptError(f"{ckpt.parent / 'run.json'}: unknown action space {run.get('action_space')!r}")
    vocab = Vocabulary.default()
    if len(vocab) != model.cfg.vocab_size:
        raise RloptError(f"{ckpt}: trained with {model.cfg.vocab_size} tokens, the default vocabulary has "
                         f"{len(vocab)}")
    out = Path(out)
    vocab_file = f"{out.stem}.vocab.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    vocab.save(out.parent / vocab_file)
    metrics = {k: result[k] for k in ("global_step", "episodes", "best_return", "best_speedup",
                                      "mean_return_last") if k in result}
    card = {"action_space": run["action_space"], "actions": [a.name for a in space],
            "mask": state["allowed_actions"], "vocab_file": vocab_file, "vocab_sha256": vocab.sha256,
            "llvm_version": toolchain.find().version_string, "max_steps": int(run["episode_length"]),
            "reward": run["reward"], "training_data": run["benchmarks"], "metrics": metrics,
            "algorithm": state["algorithm"], "training_config": state["config"]}
    onnx_path, _ = export_onnx(model, out, card)
    return onnx_path


def _read_json(path: Path, *, required: bool) -> dict:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        if required:
            raise RloptError(f"{path} not found (written by rlopt-train ppo/sac)") from None
        return {}
    except (OSError, ValueError) as e:
        raise RloptError(f"{path} is unreadable: {e}") from None
