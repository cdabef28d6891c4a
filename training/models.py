"""Message-passing GNN over ProGraML arrays, in plain PyTorch so that it exports to ONNX unchanged.

Architecture (GINE/GGNN style): node embedding = token embedding + node-type embedding; each of ``layers``
rounds sends a message ``MLP(h[src] + edge_embedding)`` along every edge (and a second, separately weighted one
against it, so information flows both ways as in ProGraML's GGNN), averages them per receiving node with
``index_add_`` and updates the node state with a ``GRUCell``. A readout concatenates mean and max pooling per
graph, optionally with an Autophase MLP branch (features are log1p-normalised, since counts span five orders of
magnitude). Heads: actor logits and a state value (:class:`ActorCritic`, PPO) or twin Q-values
(:class:`TwinQ`, SAC).

Many graphs are batched by concatenating nodes, offsetting edges and keeping a ``node_graph`` vector
(:func:`collate`); a single graph needs no ``node_graph`` (that is the ONNX path, see ``export.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
from torch import Tensor, nn

from rlopt.features import AUTOPHASE_NAMES

#: Width of the optional Autophase input (observation key ``autophase``).
AUTOPHASE_DIM = len(AUTOPHASE_NAMES)


@dataclass
class GnnConfig:
    """Shape of the network; stored in checkpoints so a model can be rebuilt without its training config."""

    vocab_size: int
    """Number of node-token ids (``len(rlopt.vocab.Vocabulary.default())``)."""
    num_actions: int
    """Size of the action space (124 for ``compilergym-v0``)."""
    hidden: int = 64
    """Width of node states, embeddings and MLPs."""
    layers: int = 3
    """Rounds of message passing (how far information travels along edges)."""
    num_node_types: int = 4
    """ProGraML node types (instruction, variable, constant, and type nodes of later releases)."""
    num_flows: int = 4
    """ProGraML edge flows (control, data, call, and type flow of later releases); larger ids are clipped."""
    max_position: int = 32
    """Edge positions (operand indices) are clipped to ``0..max_position-1`` before the embedding."""
    autophase: bool = False
    """Add an MLP branch over the 56 Autophase features (observation key ``autophase``)."""

    def to_dict(self) -> dict:
        return asdict(self)


def gnn_config(vocab_size: int, num_actions: int, hidden: int, layers: int, autophase: bool) -> GnnConfig:
    """The network shape for a run; vocabulary size 0 means the shipped default vocabulary."""
    if vocab_size <= 0:
        from rlopt.vocab import Vocabulary

        vocab_size = len(Vocabulary.default())
    return GnnConfig(vocab_size=vocab_size, num_actions=num_actions, hidden=hidden, layers=layers,
                     autophase=autophase)


@dataclass
class GraphBatch:
    """Several graphs as one disjoint graph: node and edge tensors concatenated, edges offset."""

    node_tokens: Tensor
    node_types: Tensor
    edge_index: Tensor
    edge_flow: Tensor
    edge_position: Tensor
    node_graph: Tensor | None
    """Graph id of every node; None when the batch is one graph (the ONNX export path)."""
    num_graphs: int
    autophase: Tensor | None = None

    def to(self, device: torch.device | str) -> GraphBatch:
        """The same batch on ``device`` (the network's, e.g. ``cuda``)."""
        moved = {f.name: getattr(self, f.name).to(device) for f in fields(self)
                 if isinstance(getattr(self, f.name), Tensor)}
        return replace(self, **moved)


def collate(observations: Sequence[Mapping[str, np.ndarray]], *, autophase: bool = False) -> GraphBatch:
    """Batch graph observations (dicts of numpy arrays) for one forward pass."""
    if not observations:
        raise ValueError("collate needs at least one observation")
    sizes = [len(o["node_tokens"]) for o in observations]
    offsets = np.cumsum([0, *sizes[:-1]])
    cat = np.concatenate
    edge_index = cat([np.asarray(o["edge_index"], dtype=np.int64).reshape(2, -1) + off
                      for o, off in zip(observations, offsets, strict=True)], axis=1)
    ap = None
    if autophase:
        ap = torch.as_tensor(np.stack([np.asarray(o["autophase"], dtype=np.float32) for o in observations]))
    return GraphBatch(
        node_tokens=torch.as_tensor(cat([o["node_tokens"] for o in observations]).astype(np.int64)),
        node_types=torch.as_tensor(cat([o["node_types"] for o in observations]).astype(np.int64)),
        edge_index=torch.as_tensor(edge_index),
        edge_flow=torch.as_tensor(cat([o["edge_flow"] for o in observations]).astype(np.int64)),
        edge_position=torch.as_tensor(cat([o["edge_position"] for o in observations]).astype(np.int64)),
        node_graph=torch.as_tensor(np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)),
        num_graphs=len(sizes),
        autophase=ap,
    )


def graph_key(obs: Mapping[str, np.ndarray]) -> bytes:
    """A content digest of one observation: equal graphs (a pass that changed nothing, a state met again in
    another episode) get equal keys, so batches and buffers can hold and encode each graph once."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(obs):
        a = np.ascontiguousarray(obs[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape};".encode())
        h.update(a.tobytes())
    return h.digest()


def dedupe(observations: Sequence[Mapping[str, np.ndarray]],
           keys: Sequence[bytes] | None = None) -> tuple[list[Mapping[str, np.ndarray]], Tensor]:
    """The distinct observations and, for every input, the index of its copy among them.

    ``net(collate(unique))[index]`` equals ``net(collate(observations))`` (gradients included) at the cost of
    the distinct graphs only: on one program most of a minibatch repeats a few states, and encoding
    qsort-sized graphs is what an update spends its time on. ``keys`` (from :func:`graph_key`) saves rehashing.
    """
    keys = [graph_key(o) for o in observations] if keys is None else keys
    first: dict[bytes, int] = {}
    unique: list[Mapping[str, np.ndarray]] = []
    index = []
    for obs, key in zip(observations, keys, strict=True):
        if key not in first:
            first[key] = len(unique)
            unique.append(obs)
        index.append(first[key])
    return unique, torch.as_tensor(index, dtype=torch.int64)


def node_chunks(item_graphs: Sequence[Sequence[Mapping[str, np.ndarray]]], item_keys: Sequence[Sequence[bytes]],
                budget: int) -> list[list[int]]:
    """The items (each one or more graphs, with their :func:`graph_key`) split into consecutive groups whose
    distinct graphs hold at most ``budget`` nodes together; an item bigger than that is a group of its own.

    A gradient step accumulates over the groups, so that the activations of one group at a time are in memory:
    a minibatch of 16 graphs of a mid-size program (cBench bzip2: 57k nodes each) took 5-12 GB at once."""
    groups: list[list[int]] = []
    current: list[int] = []
    seen: set[bytes] = set()
    total = 0
    for i, (graphs, keys) in enumerate(zip(item_graphs, item_keys, strict=True)):
        sizes = {k: len(g["node_tokens"]) for g, k in zip(graphs, keys, strict=True)}
        new = sum(n for k, n in sizes.items() if k not in seen)
        if current and total + new > budget:
            groups.append(current)
            current, seen, total, new = [], set(), 0, sum(sizes.values())
        current.append(i)
        seen.update(sizes)
        total += new
    if current:
        groups.append(current)
    return groups


def _mlp(inp: int, hidden: int, out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(inp, hidden), nn.ReLU(), nn.Linear(hidden, out))


class GraphEncoder(nn.Module):
    """Graph (batch) -> fixed-size embedding per graph, of width :attr:`out_dim`."""

    def __init__(self, cfg: GnnConfig) -> None:
        super().__init__()
        h = cfg.hidden
        self.cfg = cfg
        self.token = nn.Embedding(cfg.vocab_size, h)
        self.node_type = nn.Embedding(cfg.num_node_types, h)
        self.flow = nn.Embedding(cfg.num_flows, h)
        self.position = nn.Embedding(cfg.max_position, h)
        self.forward_msg = nn.ModuleList(_mlp(h, h, h) for _ in range(cfg.layers))
        self.backward_msg = nn.ModuleList(_mlp(h, h, h) for _ in range(cfg.layers))
        self.update = nn.ModuleList(nn.GRUCell(2 * h, h) for _ in range(cfg.layers))
        self.autophase = _mlp(AUTOPHASE_DIM, h, h) if cfg.autophase else None
        self.out_dim = 2 * h + (h if cfg.autophase else 0)

    def forward(self, node_tokens: Tensor, node_types: Tensor, edge_index: Tensor, edge_flow: Tensor,
                edge_position: Tensor, node_graph: Tensor | None = None, num_graphs: int = 1,
                autophase: Tensor | None = None) -> Tensor:
        """Embeddings [num_graphs, out_dim]; ``node_graph=None`` means all nodes form one graph."""
        cfg = self.cfg
        x = self.token(node_tokens) + self.node_type(node_types.clamp(0, cfg.num_node_types - 1))
        edge = (self.flow(edge_flow.clamp(0, cfg.num_flows - 1))
                + self.position(edge_position.clamp(0, cfg.max_position - 1)))
        src, dst = edge_index[0], edge_index[1]
        ones = torch.ones_like(edge_flow, dtype=x.dtype).unsqueeze(1)
        zeros = torch.zeros_like(x[:, :1])
        in_deg = zeros.index_add(0, dst, ones).clamp(min=1.0)
        out_deg = zeros.index_add(0, src, ones).clamp(min=1.0)
        for fwd, bwd, gru in zip(self.forward_msg, self.backward_msg, self.update, strict=True):
            m_in = torch.zeros_like(x).index_add(0, dst, fwd(x[src] + edge)) / in_deg
            m_out = torch.zeros_like(x).index_add(0, src, bwd(x[dst] + edge)) / out_deg
            x = gru(torch.cat([m_in, m_out], dim=1), x)
        if node_graph is None:
            pooled = torch.cat([x.mean(0, keepdim=True), x.amax(0, keepdim=True)], dim=1)
        else:
            pooled = _pool(x, node_graph, num_graphs)
        if self.autophase is not None:
            if autophase is None:
                raise ValueError("this model needs the 'autophase' observation")
            features = torch.log1p(autophase.clamp(min=0).reshape(-1, AUTOPHASE_DIM))
            pooled = torch.cat([pooled, self.autophase(features)], dim=1)
        return pooled

    def encode(self, batch: GraphBatch) -> Tensor:
        return self(batch.node_tokens, batch.node_types, batch.edge_index, batch.edge_flow,
                    batch.edge_position, batch.node_graph, batch.num_graphs, batch.autophase)


def _pool(x: Tensor, node_graph: Tensor, num_graphs: int) -> Tensor:
    """Mean and max of node states per graph."""
    h = x.shape[1]
    count = torch.zeros(num_graphs, 1, dtype=x.dtype).index_add(0, node_graph, torch.ones_like(x[:, :1]))
    mean = torch.zeros(num_graphs, h, dtype=x.dtype).index_add(0, node_graph, x) / count.clamp(min=1.0)
    mx = torch.full((num_graphs, h), float("-inf"), dtype=x.dtype).scatter_reduce(
        0, node_graph.unsqueeze(1).expand(-1, h), x, reduce="amax", include_self=True)
    return torch.cat([mean, mx], dim=1)


class ActorCritic(nn.Module):
    """PPO's network: one shared encoder, an actor head (logits) and a critic head (state value)."""

    def __init__(self, cfg: GnnConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = GraphEncoder(cfg)
        self.actor = _mlp(self.encoder.out_dim, cfg.hidden, cfg.num_actions)
        self.critic = _mlp(self.encoder.out_dim, cfg.hidden, 1)
        # Small initial logits: a near-uniform first policy explores every action (as CleanRL's 0.01 gain).
        nn.init.normal_(self.actor[-1].weight, std=0.01)
        nn.init.zeros_(self.actor[-1].bias)

    def forward(self, batch: GraphBatch) -> tuple[Tensor, Tensor]:
        """Logits [B, num_actions] and values [B]."""
        z = self.encoder.encode(batch)
        return self.actor(z), self.critic(z).squeeze(1)


class Actor(nn.Module):
    """SAC's policy network: its own encoder and a logits head (the critic's gradients do not reach it)."""

    def __init__(self, cfg: GnnConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = GraphEncoder(cfg)
        self.head = _mlp(self.encoder.out_dim, cfg.hidden, cfg.num_actions)
        nn.init.normal_(self.head[-1].weight, std=0.01)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, batch: GraphBatch) -> Tensor:
        return self.head(self.encoder.encode(batch))


class TwinQ(nn.Module):
    """SAC's critic: one encoder feeding two Q heads (Q-values for every action), as twin Q-learning needs."""

    def __init__(self, cfg: GnnConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = GraphEncoder(cfg)
        self.q1 = _mlp(self.encoder.out_dim, cfg.hidden, cfg.num_actions)
        self.q2 = _mlp(self.encoder.out_dim, cfg.hidden, cfg.num_actions)

    def forward(self, batch: GraphBatch) -> tuple[Tensor, Tensor]:
        z = self.encoder.encode(batch)
        return self.q1(z), self.q2(z)


class SacPolicy(nn.Module):
    """The exportable part of a SAC agent: actor logits, and as ``value`` the soft state value under the policy.

    ``value = sum_a pi(a) * (min(Q1, Q2)(a) - alpha * log pi(a))``, so the ONNX outputs mean the same thing for
    PPO and SAC models.
    """

    def __init__(self, actor: Actor, critic: TwinQ, alpha: float) -> None:
        super().__init__()
        self.cfg = actor.cfg
        self.actor = actor
        self.critic = critic
        self.register_buffer("alpha", torch.tensor(float(alpha)))

    def forward(self, batch: GraphBatch) -> tuple[Tensor, Tensor]:
        logits = self.actor(batch)
        q1, q2 = self.critic(batch)
        return logits, self._value(logits, torch.minimum(q1, q2))

    def _value(self, logits: Tensor, q: Tensor) -> Tensor:
        logp = torch.log_softmax(logits, dim=1)
        return (logp.exp() * (q - self.alpha * logp)).sum(1)


def masked_logits(logits: Tensor, mask: Tensor | None) -> Tensor:
    """Logits with disallowed actions (``mask`` False) set to a large negative number.

    A finite value rather than -inf keeps ``p * log p`` (entropy) free of NaNs; softmax still gives them 0.
    """
    if mask is None:
        return logits
    return logits.masked_fill(~mask, -1e9)
