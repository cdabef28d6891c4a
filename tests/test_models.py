"""The GNN: batching, permutation invariance, that edges matter, masking, the Autophase branch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rlopt.training.models import (
    Actor,
    ActorCritic,
    GnnConfig,
    SacPolicy,
    TwinQ,
    collate,
    dedupe,
    graph_key,
    masked_logits,
)
from rlopt.training.synthetic import VOCAB_SIZE, KeyTokenEnv


def _graphs(n: int, seed: int = 0) -> list[dict]:
    env = KeyTokenEnv()
    obs, _ = env.reset(seed=seed)
    out = [obs]
    for _ in range(n - 1):
        out.append(env.step(0)[0])
    return out


def _cfg(**kw) -> GnnConfig:
    return GnnConfig(vocab_size=VOCAB_SIZE, num_actions=5, hidden=16, layers=2, **kw)


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.mark.parametrize("make", [lambda c: ActorCritic(c), lambda c: SacPolicy(Actor(c), TwinQ(c), 0.3)])
def test_batch_matches_single_graphs(make) -> None:
    model = make(_cfg()).eval()
    graphs = _graphs(4)
    with torch.no_grad():
        logits, value = model(collate(graphs))
        for i, g in enumerate(graphs):
            b = collate([g])
            b.node_graph = None  # the single-graph (ONNX) path
            l1, v1 = model(b)
            torch.testing.assert_close(l1[0], logits[i], atol=1e-5, rtol=1e-5)
            torch.testing.assert_close(v1[0], value[i], atol=1e-5, rtol=1e-5)
    assert logits.shape == (4, 5) and value.shape == (4,)


def test_node_order_does_not_matter() -> None:
    model = ActorCritic(_cfg()).eval()
    g = _graphs(1)[0]
    n = len(g["node_tokens"])
    perm = np.random.default_rng(1).permutation(n)
    inv = np.argsort(perm)
    h = dict(g, node_tokens=g["node_tokens"][perm], node_types=g["node_types"][perm],
             edge_index=inv[g["edge_index"]])
    with torch.no_grad():
        a, b = model(collate([g])), model(collate([h]))
    torch.testing.assert_close(a[0], b[0], atol=1e-5, rtol=1e-5)


def test_edges_and_their_features_matter() -> None:
    model = ActorCritic(_cfg()).eval()
    g = _graphs(1)[0]
    variants = [dict(g, edge_flow=(g["edge_flow"] + 1) % 3), dict(g, edge_position=g["edge_position"] + 1),
                dict(g, edge_index=g["edge_index"][::-1].copy())]
    with torch.no_grad():
        base = model(collate([g]))[0]
        for v in variants:
            assert not torch.allclose(model(collate([v]))[0], base)


def test_out_of_range_positions_and_flows_are_clipped() -> None:
    model = ActorCritic(_cfg()).eval()
    g = _graphs(1)[0]
    big = dict(g, edge_position=g["edge_position"] + 1000, edge_flow=g["edge_flow"] + 10)
    with torch.no_grad():
        logits, _ = model(collate([big]))
    assert torch.isfinite(logits).all()


def test_autophase_branch() -> None:
    model = ActorCritic(_cfg(autophase=True)).eval()
    g = dict(_graphs(1)[0], autophase=np.arange(56, dtype=np.float32) * 1000)
    with torch.no_grad():
        a = model(collate([g], autophase=True))[0]
        b = model(collate([dict(g, autophase=np.zeros(56, dtype=np.float32))], autophase=True))[0]
    assert torch.isfinite(a).all() and not torch.allclose(a, b)
    with pytest.raises(ValueError, match="autophase"):
        model(collate([g]))


def test_masked_logits_give_zero_probability_and_finite_entropy() -> None:
    logits = torch.randn(2, 4, requires_grad=True)
    mask = torch.tensor([[True, False, True, False], [False, False, False, True]])
    dist = torch.distributions.Categorical(logits=masked_logits(logits, mask))
    assert (dist.probs[~mask] == 0).all()
    assert torch.isfinite(dist.entropy()).all()
    dist.entropy().sum().backward()
    assert logits.grad is not None and (logits.grad[~mask] == 0).all()
    assert masked_logits(logits, None) is logits


def test_graph_key_is_by_content() -> None:
    g, h = _graphs(2)
    copy = {k: v.copy() for k, v in g.items()}
    assert graph_key(g) == graph_key(copy) != graph_key(h)
    assert graph_key(g) != graph_key(dict(g, edge_position=g["edge_position"] + 1))
    assert graph_key(g) != graph_key(dict(g, node_tokens=g["node_tokens"].astype(np.int32)))


def test_dedupe_gives_the_same_outputs_and_gradients() -> None:
    g, h = _graphs(2)
    batch = [g, h, {k: v.copy() for k, v in g.items()}, g, h]
    unique, index = dedupe(batch)
    assert len(unique) == 2 and index.tolist() == [0, 1, 0, 0, 1]
    grads = []
    for run in ("full", "dedupe"):
        model = ActorCritic(_cfg())
        torch.manual_seed(0)
        model.load_state_dict(ActorCritic(_cfg()).state_dict())
        if run == "full":
            logits, value = model(collate(batch))
        else:
            logits, value = model(collate(unique))
            logits, value = logits[index], value[index]
        weights = torch.arange(1.0, 6.0)  # distinct per row, so each copy's gradient counts
        ((logits.sum(1) + value) * weights).sum().backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for a, b in zip(*grads, strict=True):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-4)
