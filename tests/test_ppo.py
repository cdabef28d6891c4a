"""PPO: GAE against a hand-written reference, learning a task with a known best action, masking, resume."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from rlopt.errors import RloptError
from rlopt.training.buffers import RolloutBuffer, compute_gae
from rlopt.training.export import load_policy
from rlopt.training.models import ActorCritic, collate, gnn_config, graph_key, node_chunks
from rlopt.training.ppo import PPOConfig, _optimise, explained_variance, train
from rlopt.training.runlog import resolve_device
from rlopt.training.synthetic import VOCAB_SIZE, KeyTokenEnv, greedy_accuracy, trap_env


def _reference_gae(rewards, values, dones, last_value, last_done, gamma, lam):
    """Single-environment GAE written directly from its definition."""
    t_max = len(rewards)
    nextv = [*values[1:], last_value]
    nextnonterm = [1 - d for d in [*dones[1:], last_done]]
    deltas = [rewards[t] + gamma * nextv[t] * nextnonterm[t] - values[t] for t in range(t_max)]
    adv = []
    for t in range(t_max):
        a, discount = 0.0, 1.0
        for k in range(t, t_max):
            a += discount * deltas[k]
            if not nextnonterm[k]:
                break
            discount *= gamma * lam
        adv.append(a)
    return np.array(adv)


@pytest.mark.parametrize("lam", [0.0, 0.9, 1.0])
def test_gae_matches_definition(lam: float) -> None:
    rng = np.random.default_rng(0)
    rewards, values = rng.normal(size=(7, 1)), rng.normal(size=(7, 1))
    dones = np.array([[0], [0], [0], [1], [0], [0], [1]], dtype=np.float32)
    adv, ret = compute_gae(rewards, values, dones, np.array([0.5]), np.array([0.0]), 0.9, lam)
    ref = _reference_gae(rewards[:, 0], values[:, 0], dones[:, 0], 0.5, 0.0, 0.9, lam)
    np.testing.assert_allclose(adv[:, 0], ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ret, adv + values, rtol=1e-5, atol=1e-5)


def test_gae_lambda_one_is_discounted_return_minus_value() -> None:
    rewards = np.array([[1.0], [2.0], [3.0]])
    values = np.array([[0.5], [0.1], [0.2]])
    adv, ret = compute_gae(rewards, values, np.zeros((3, 1)), np.array([0.0]), np.array([1.0]), 0.5, 1.0)
    np.testing.assert_allclose(ret[:, 0], [1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3], rtol=1e-6)


def test_explained_variance() -> None:
    y = np.array([1.0, 2.0, 3.0])
    assert explained_variance(y, y) == 1.0
    assert explained_variance(np.full(3, 2.0), y) == pytest.approx(0.0)


PPO_TINY = dict(num_envs=4, num_steps=32, vocab_size=VOCAB_SIZE, hidden=32, layers=2, learning_rate=3e-3,
                allowed_actions=(0, 1, 2), seed=0)


def test_ppo_learns_the_known_best_action(tmp_path) -> None:
    result = train(PPOConfig(total_steps=2560, **PPO_TINY), trap_env, out_dir=tmp_path, progress=False)
    accuracy, trap = greedy_accuracy(load_policy(tmp_path / "checkpoint.pt")[0], [0, 1, 2])
    assert accuracy >= 0.9, f"greedy accuracy {accuracy} (chance: 1/3)"
    assert trap == 0
    assert result.mean_return_last >= 3.0  # 4 steps per episode, reward 1 per right answer
    assert result.best_return == 4.0 and len(result.best_actions) == 4
    assert not set(result.best_actions) - {0, 1, 2}
    for name in ("progress.csv", "diagnostics.csv", "learning_curve.png", "result.json"):
        assert (tmp_path / name).stat().st_size > 0
    assert list(tmp_path.glob("events.out.tfevents.*")), "TensorBoard events beside the CSVs"
    # best.pt: the policy at the best mean return of recent episodes, exportable like the last checkpoint
    assert result.best_checkpoint == str(tmp_path / "best.pt")
    assert greedy_accuracy(load_policy(tmp_path / "best.pt")[0], [0, 1, 2])[0] >= 0.9
    with (tmp_path / "diagnostics.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert {"losses/approx_kl", "losses/clipfrac", "losses/explained_variance", "charts/SPS"} <= set(rows[0])
    assert json.loads((tmp_path / "result.json").read_text())["episodes"] == result.episodes


def test_ppo_resume_continues_the_run(tmp_path) -> None:
    cfg = PPOConfig(total_steps=256, **PPO_TINY)
    first = train(cfg, trap_env, out_dir=tmp_path, progress=False)
    cfg.total_steps = 512
    second = train(cfg, trap_env, out_dir=tmp_path, progress=False, resume=True)
    assert (first.global_step, second.global_step) == (256, 512)
    assert second.episodes == 2 * first.episodes
    with (tmp_path / "progress.csv").open() as f:
        steps = [int(r["global_step"]) for r in csv.DictReader(f)]
    assert len(steps) == second.episodes and steps == sorted(steps) and steps[-1] == 512


def test_ppo_resume_counts_steps_whatever_the_batch(tmp_path) -> None:
    """A resumed run may change num_steps: it goes on to the new total of steps (it used to compare update
    counts made with different batch sizes, and trained nothing or too much)."""
    first = train(PPOConfig(total_steps=256, **PPO_TINY), trap_env, out_dir=tmp_path, progress=False)
    smaller = PPOConfig(total_steps=384, **{**PPO_TINY, "num_steps": 8})  # batches of 32 steps instead of 128
    second = train(smaller, trap_env, out_dir=tmp_path, progress=False, resume=True)
    assert (first.global_step, second.global_step) == (256, 384)


class _Interrupting(KeyTokenEnv):
    """The trap task, with a Ctrl-C once ``left`` steps (over all instances) have been taken."""

    left = 0

    def step(self, action: int):  # type: ignore[override]
        type(self).left -= 1
        if type(self).left < 0:
            raise KeyboardInterrupt
        return super().step(action)


def test_an_interrupted_run_keeps_its_finished_updates(tmp_path, capsys) -> None:
    cfg = PPOConfig(total_steps=1024, **{**PPO_TINY, "checkpoint_every": 100})
    _Interrupting.left = 300  # two updates of 128 steps, then 44 steps into the third rollout
    with pytest.raises(KeyboardInterrupt):
        train(cfg, lambda: _Interrupting(trap_reward=2.0), out_dir=tmp_path, progress=False)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert (saved["global_step"], saved["update"]) == (256, 2)
    assert "interrupted; " in capsys.readouterr().err
    with (tmp_path / "progress.csv").open() as f:
        assert max(int(r["global_step"]) for r in csv.DictReader(f)) > 256  # logged, then dropped on resume
    result = train(PPOConfig(total_steps=512, **PPO_TINY), trap_env, out_dir=tmp_path, progress=False, resume=True)
    with (tmp_path / "progress.csv").open() as f:
        rows = list(csv.DictReader(f))
    steps = [int(r["global_step"]) for r in rows]
    assert result.global_step == 512 and steps == sorted(steps)
    assert [int(r["episode"]) for r in rows] == list(range(1, len(rows) + 1))  # no episode twice
    assert float(rows[-1]["wall_time"]) >= float(rows[0]["wall_time"])


def test_an_update_in_parts_is_the_update_at_once() -> None:
    """A minibatch over the node budget accumulates its gradient in parts: the same step as all at once."""
    env = KeyTokenEnv()
    buf = RolloutBuffer(num_steps=4, num_envs=2, num_actions=4)
    rng = np.random.default_rng(0)
    for t in range(4):
        buf.add(t, [env.reset(seed=2 * t + i)[0] for i in range(2)], np.ones((2, 4), dtype=bool), np.zeros(2),
                rng.integers(0, 4, 2), rng.normal(-1.4, 0.1, 2), rng.normal(size=2), rng.normal(size=2))
    advantages, returns = rng.normal(size=(4, 2)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)
    steps = []
    for budget in (1_000_000, 1):  # everything at once; one graph at a time
        cfg = PPOConfig(**{**PPO_TINY, "update_epochs": 1, "num_minibatches": 1, "max_batch_nodes": budget})
        torch.manual_seed(0)
        model = ActorCritic(gnn_config(VOCAB_SIZE, 4, cfg.hidden, cfg.layers, False))
        before = [p.detach().clone() for p in model.parameters()]
        stats = _optimise(model, torch.optim.SGD(model.parameters(), lr=1.0), cfg, buf, advantages, returns,
                          minibatch=8, rng=np.random.default_rng(1), device=torch.device("cpu"))
        steps.append(([p.detach() - b for p, b in zip(model.parameters(), before, strict=True)], stats))
    (whole, whole_stats), (parts, parts_stats) = steps
    assert any(d.abs().max() > 1e-4 for d in whole)  # a real step
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(whole, parts, strict=True))
    assert whole_stats["losses/policy_loss"] == pytest.approx(parts_stats["losses/policy_loss"], abs=1e-5)
    assert node_chunks([[o] for o in buf.flat_obs()], [[graph_key(o)] for o in buf.flat_obs()], 1) == \
        [[i] for i in range(8)]


def test_an_update_interrupted_half_way_is_not_saved(tmp_path, monkeypatch) -> None:
    """Ctrl-C during an update: the checkpoint holds the weights of the last finished one, not half a step."""
    import rlopt.training.ppo as ppo

    real, after_first = ppo._optimise, {}

    def optimise(model, *args, **kwargs):
        if not after_first:
            stats = real(model, *args, **kwargs)
            after_first.update({k: v.clone() for k, v in model.state_dict().items()})
            return stats
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)  # half an update's worth of change
        raise KeyboardInterrupt

    monkeypatch.setattr(ppo, "_optimise", optimise)
    with pytest.raises(KeyboardInterrupt):
        train(PPOConfig(total_steps=1024, **PPO_TINY), trap_env, out_dir=tmp_path, progress=False)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=False)
    assert saved["global_step"] == 128
    assert all(torch.equal(saved["policy_state"][k], v) for k, v in after_first.items())


def test_a_run_stopped_by_its_time_limit_saves_where_it_stopped(tmp_path) -> None:
    train(PPOConfig(total_steps=256, **PPO_TINY), trap_env, out_dir=tmp_path, progress=False)
    cfg = PPOConfig(total_steps=100_000, **{**PPO_TINY, "time_limit": 0.5, "checkpoint_every": 1000})
    result = train(cfg, trap_env, out_dir=tmp_path, progress=False, resume=True)
    assert result.global_step > 256  # (one update at least: the limit is checked before each)
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=False)["global_step"] == result.global_step


def test_device_is_checked_and_used(tmp_path) -> None:
    with pytest.raises(RloptError, match="not available"):
        resolve_device("cuda:99")
    with pytest.raises(RloptError, match="unknown device"):
        resolve_device("toaster")
    train(PPOConfig(total_steps=128, **{**PPO_TINY, "device": "cpu"}), trap_env, out_dir=tmp_path, progress=False)
    assert torch.load(tmp_path / "checkpoint.pt", weights_only=False)["config"]["device"] == "cpu"
    batch = collate([KeyTokenEnv()._observe()]).to("cpu")
    assert batch.node_tokens.device.type == "cpu"


def test_ppo_time_limit_stops_early(tmp_path) -> None:
    cfg = PPOConfig(total_steps=100_000, **{**PPO_TINY, "time_limit": 1e-9})
    result = train(cfg, trap_env, out_dir=tmp_path, progress=False)
    assert result.global_step == 0 and (tmp_path / "checkpoint.pt").exists()
