"""Discrete SAC: replay buffer, learning a task with a known best action, masking, resume."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from rlopt.training import sac
from rlopt.training.buffers import ReplayBuffer
from rlopt.training.export import load_policy
from rlopt.training.models import collate
from rlopt.training.sac import SACConfig, train
from rlopt.training.synthetic import VOCAB_SIZE, KeyTokenEnv, greedy_accuracy, trap_env

SAC_TINY = dict(num_envs=2, learning_starts=200, batch_size=32, vocab_size=VOCAB_SIZE, hidden=32, layers=2,
                policy_lr=1e-3, q_lr=1e-3, allowed_actions=(0, 1, 2), seed=0, gamma=0.5)


def test_replay_buffer_is_a_ring() -> None:
    rb = ReplayBuffer(3, num_actions=2)
    for i in range(5):
        rb.add({"i": i}, np.array([True, False]), i % 2, float(i), {"i": i + 1}, i == 4, np.array([True, True]))
    assert len(rb) == 3
    batch = rb.sample(50, np.random.default_rng(0))
    assert {o["i"] for o in batch["obs"]} == {2, 3, 4}
    for o, n, r in zip(batch["obs"], batch["next_obs"], batch["rewards"], strict=True):
        assert n["i"] == o["i"] + 1 and r == o["i"]
    assert batch["masks"].shape == (50, 2) and not batch["masks"][:, 1].any()
    assert set(batch["terminated"][[o["i"] == 4 for o in batch["obs"]]]) == {1.0}


def test_replay_buffer_stores_each_graph_once_and_drops_it_with_its_last_transition() -> None:
    rb = ReplayBuffer(2, num_actions=1)
    same, other = {"x": np.arange(3)}, {"x": np.arange(4)}
    yes = np.array([True])
    rb.add(same, yes, 0, 0.0, {"x": np.arange(3)}, False, yes)
    assert len(rb.graphs) == 1
    rb.add(same, yes, 0, 0.0, other, False, yes)
    assert len(rb.graphs) == 2
    rb.add(other, yes, 0, 0.0, other, False, yes)  # overwrites the first transition; `same` is still used
    rb.add(other, yes, 0, 0.0, other, True, yes)  # and now it is not
    assert len(rb.graphs) == 1
    batch = rb.sample(4, np.random.default_rng(0))
    assert all(o is rb.graphs[k] for o, k in zip(batch["obs"], batch["obs_keys"], strict=True))


def test_replay_buffer_keeps_graphs_in_half_the_memory() -> None:
    env = KeyTokenEnv()
    obs = [env.reset(seed=i)[0] for i in range(2)]
    rb = ReplayBuffer(4, num_actions=4)
    rb.add(obs[0], np.ones(4, dtype=bool), 1, 0.5, obs[1], False, np.ones(4, dtype=bool))
    stored = rb.sample(1, np.random.default_rng(0))
    assert all(v.dtype == np.int32 for v in stored["obs"][0].values())
    for a, b in zip(vars(collate(stored["obs"])).values(), vars(collate(obs[:1])).values(), strict=True):
        assert (a == b).all() if isinstance(a, torch.Tensor) else a == b  # the same batch, int64 again


def test_sac_train_frequency_and_time_limit(tmp_path, monkeypatch) -> None:
    calls = []
    real = sac._update
    monkeypatch.setattr(sac, "_update", lambda *a: calls.append(1) or real(*a))
    cfg = SACConfig(total_steps=400, **{**SAC_TINY, "learning_starts": 100, "train_frequency": 25,
                                       "gradient_steps": 2})
    train(cfg, KeyTokenEnv, out_dir=tmp_path / "freq", progress=False)
    assert len(calls) == 2 * 7  # 2 envs, so every 50 global steps: at 100, 150, ..., 400
    cfg = SACConfig(total_steps=10_000, **{**SAC_TINY, "time_limit": 1e-9})
    assert train(cfg, KeyTokenEnv, out_dir=tmp_path / "limit", progress=False).global_step < 10_000


def test_sac_learns_the_known_best_action(tmp_path) -> None:
    result = train(SACConfig(total_steps=1200, **SAC_TINY), trap_env, out_dir=tmp_path, progress=False)
    accuracy, trap = greedy_accuracy(load_policy(tmp_path / "checkpoint.pt")[0], [0, 1, 2])
    assert accuracy >= 0.9, f"greedy accuracy {accuracy} (chance: 1/3)"
    assert trap == 0
    assert result.best_return == 4.0
    assert (tmp_path / "learning_curve.png").stat().st_size > 0
    best = torch.load(tmp_path / "best.pt", weights_only=False)
    assert "replay" not in best and result.best_checkpoint == str(tmp_path / "best.pt")
    assert greedy_accuracy(load_policy(tmp_path / "best.pt")[0], [0, 1, 2])[0] >= 0.6


def test_sac_resume_keeps_the_replay_buffer(tmp_path) -> None:
    cfg = SACConfig(total_steps=100, **{**SAC_TINY, "learning_starts": 50, "checkpoint_every": 40})
    first = train(cfg, KeyTokenEnv, out_dir=tmp_path, progress=False)
    cfg.total_steps = 200
    read = torch.load(tmp_path / "checkpoint.pt", weights_only=False)  # as rlopt-train reads it to check it fits
    second = train(cfg, KeyTokenEnv, out_dir=tmp_path, progress=False, resume=read)
    assert (first.global_step, second.global_step) == (100, 200)
    state = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert len(state["replay"]) == 200 and state["global_step"] == 200


def test_an_interrupted_run_is_checkpointed_where_it_stopped(tmp_path, capsys) -> None:
    class Interrupting(KeyTokenEnv):
        left = 130  # over both environments: the Ctrl-C comes in the 66th vector step

        def step(self, action: int):  # type: ignore[override]
            type(self).left -= 1
            if type(self).left < 0:
                raise KeyboardInterrupt
            return super().step(action)

    cfg = SACConfig(total_steps=400, **{**SAC_TINY, "learning_starts": 50, "checkpoint_every": 1000})
    with pytest.raises(KeyboardInterrupt):
        train(cfg, Interrupting, out_dir=tmp_path, progress=False)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert saved["global_step"] == 130 and len(saved["replay"]) == 130
    assert f"{tmp_path / 'checkpoint.pt'} holds step 130" in capsys.readouterr().err
    assert train(cfg, KeyTokenEnv, out_dir=tmp_path, progress=False, resume=True).global_step == 400


def test_an_update_in_parts_is_the_update_at_once() -> None:
    """A batch over the node budget is encoded in parts; the critics', actor's and temperature's steps are the
    same as with the whole batch at once."""
    env = KeyTokenEnv()
    rb = ReplayBuffer(16, num_actions=4)
    data = np.random.default_rng(0)
    states = [env.reset(seed=i)[0] for i in range(6)]
    for i in range(12):  # states repeat, as they do when training on one program
        rb.add(states[i % 6], np.ones(4, dtype=bool), int(data.integers(4)), float(data.normal()),
               states[(i + 1) % 6], i % 5 == 4, np.ones(4, dtype=bool))
    results = []
    for budget in (1_000_000, 1):
        cfg = SACConfig(**{**SAC_TINY, "max_batch_nodes": budget})
        torch.manual_seed(0)
        agent = sac._Agent(cfg, num_actions=4)
        opts = [torch.optim.SGD(ps, lr=1.0) for ps in (agent.critic.parameters(), agent.actor.parameters(),
                                                       [agent.log_alpha])]
        stats = sac._update(agent, *opts, rb.sample(10, np.random.default_rng(1)), cfg, 1.0, torch.device("cpu"))
        results.append(([p.detach().clone() for p in agent.parameters()], stats))
    (whole, whole_stats), (parts, parts_stats) = results
    assert whole_stats["charts/parts"] == 1 and parts_stats["charts/parts"] == 10
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(whole, parts, strict=True))
    for key in ("losses/qf_loss", "losses/actor_loss", "losses/entropy"):
        assert whole_stats[key] == pytest.approx(parts_stats[key], abs=1e-5)
