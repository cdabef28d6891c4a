"""Soft Actor-Critic for discrete actions over program graphs, in one readable file (after CleanRL's
``sac_atari.py`` and Christodoulou 2019, "Soft Actor-Critic for Discrete Action Settings").

Twin Q-networks with Polyak-averaged target copies; with discrete actions every expectation over the policy is
computed exactly from the action probabilities instead of sampled. The temperature alpha is tuned
automatically towards a target entropy of ``target_entropy_scale * log(#allowed actions)``. Rewards are scaled
(the seed study needed x500 for runtime deltas). Transitions live in a replay buffer; disallowed actions are
masked out of the policy and out of the soft value of the next state.

Entry point: :func:`train` (``rlopt-train sac`` wires its options to :class:`SACConfig`).
"""

from __future__ import annotations

import copy
import functools
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from rlopt.errors import Terminated
from rlopt.training.buffers import ReplayBuffer
from rlopt.training.models import (
    Actor,
    GraphBatch,
    SacPolicy,
    TwinQ,
    collate,
    dedupe,
    gnn_config,
    masked_logits,
    node_chunks,
)
from rlopt.training.rollouts import EnvFn, action_masks, make_vec_env, static_mask
from rlopt.training.runlog import (
    RunLogger,
    TrainResult,
    check_ranges,
    out_of_time,
    resolve_device,
    resume_state,
    save_checkpoint,
    seed_everything,
)


@dataclass
class SACConfig:
    """Discrete SAC hyperparameters (defaults suit short runs on a 2-core machine)."""

    total_steps: int = 20_000
    """Environment steps to train for (summed over environments)."""
    num_envs: int = 1
    """Environments stepped in lock-step in this process (ignored when ``workers > 0``)."""
    workers: int = 0
    """Ray actors, one environment each; 0 = no Ray."""
    buffer_size: int = 100_000
    """Replay buffer capacity (transitions)."""
    learning_starts: int = 500
    """Uniformly random actions for this many steps before learning starts."""
    batch_size: int = 64
    """Transitions per gradient step."""
    gradient_steps: int = 1
    """Gradient steps per update (more when environment steps are expensive)."""
    train_frequency: int = 1
    """Update every this many (vectorised) environment steps (more when updates cost more than steps: on
    qsort-sized graphs one update takes ~1 s on one thread, a cached environment step a few ms)."""
    policy_lr: float = 3e-4
    """Adam step size of the actor and of the temperature."""
    q_lr: float = 3e-4
    """Adam step size of the critics."""
    gamma: float = 0.99
    """Discount factor."""
    tau: float = 0.01
    """Polyak coefficient: target <- tau * online + (1 - tau) * target after every gradient step."""
    alpha: float = 0.2
    """Initial entropy temperature (the fixed one when ``autotune`` is off)."""
    autotune: bool = True
    """Tune alpha so that the policy entropy tracks the target entropy."""
    target_entropy_scale: float = 0.89
    """Target entropy as a fraction of the maximum, log(#allowed actions) (CleanRL's 0.89)."""
    reward_scale: float = 1.0
    """Multiply rewards by this before learning (the seed used 500 for runtime deltas)."""
    max_grad_norm: float = 10.0
    """Global gradient-norm clip for actor and critics."""
    hidden: int = 64
    """GNN width."""
    layers: int = 3
    """GNN message-passing rounds."""
    autophase: bool = False
    """Use the Autophase branch (observations must carry ``autophase``)."""
    vocab_size: int = 0
    """Node-token vocabulary size; 0 = ``len(rlopt.vocab.Vocabulary.default())``."""
    allowed_actions: tuple[int, ...] | None = None
    """Action indices the policy may choose (e.g. the safe ones); None = all."""
    seed: int = 1
    """Seeds Python, numpy, torch and the environments."""
    torch_threads: int = 1
    """torch intra-op threads (the machine is shared; environments need the cores)."""
    checkpoint_every: int = 1_000
    """Write ``checkpoint.pt`` (with the replay buffer) every this many environment steps, and at the end."""
    time_limit: float = 0.0
    """Stop early after this many seconds of training in this call (0: no limit), so a run fits a wall-clock
    budget on a shared machine; the result's ``global_step`` says how far it got."""
    device: str = "cpu"
    """Where the networks train and act: ``cpu``, ``cuda``, ``cuda:1``, ``mps`` (environments stay on the CPU)."""
    max_batch_nodes: int = 100_000
    """Graph nodes encoded at once in an update (a bigger batch accumulates its gradients in parts): bounds the
    memory a run takes, about 2 GB per 100k nodes at the default width."""

    def __post_init__(self) -> None:
        check_ranges(self, positive=("total_steps", "num_envs", "buffer_size", "batch_size", "gradient_steps",
                                     "train_frequency", "policy_lr", "q_lr", "tau", "alpha", "reward_scale",
                                     "max_grad_norm", "hidden", "layers", "torch_threads", "checkpoint_every",
                                     "max_batch_nodes"),
                     non_negative=("seed", "workers", "learning_starts", "vocab_size", "time_limit"),
                     fractions=("gamma", "tau", "target_entropy_scale"))


class _Agent(nn.Module):
    """Everything SAC learns, as one module so that checkpoints are a single state dict."""

    def __init__(self, config: SACConfig, num_actions: int) -> None:
        super().__init__()
        cfg = gnn_config(config.vocab_size, num_actions, config.hidden, config.layers, config.autophase)
        self.cfg = cfg
        self.actor = Actor(cfg)
        self.critic = TwinQ(cfg)
        self.target = copy.deepcopy(self.critic).requires_grad_(False)
        self.log_alpha = nn.Parameter(torch.tensor(math.log(config.alpha)), requires_grad=config.autotune)

    def policy(self) -> SacPolicy:
        """The exportable policy (actor + critic, current temperature)."""
        return SacPolicy(self.actor, self.critic, float(self.log_alpha.detach().exp()))


def _probs(logits: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Action probabilities and log-probabilities with disallowed actions at probability 0."""
    logp = torch.log_softmax(masked_logits(logits, mask), dim=1)
    return logp.exp(), logp


def train(config: SACConfig, env_fn: EnvFn, *, out_dir: str | Path, progress: bool = True,
          resume: bool | dict[str, Any] = False) -> TrainResult:
    """Train a discrete SAC policy; writes ``checkpoint.pt``, ``best.pt``, ``progress.csv``, ``diagnostics.csv``,
    ``learning_curve.png`` and ``result.json`` into ``out_dir``; ``resume`` continues from its checkpoint (or from the
    checkpoint dict given)."""
    out = Path(out_dir)
    device = resolve_device(config.device)
    torch.set_num_threads(config.torch_threads)
    rng = seed_everything(config.seed)
    envs = make_vec_env(env_fn, config.num_envs, config.workers)
    try:
        n_env, n_act = envs.num_envs, envs.num_actions
        allowed = static_mask(config.allowed_actions, n_act)
        agent = _Agent(config, n_act).to(device)
        q_opt = torch.optim.Adam(agent.critic.parameters(), lr=config.q_lr)
        actor_opt = torch.optim.Adam(agent.actor.parameters(), lr=config.policy_lr)
        alpha_opt = torch.optim.Adam([agent.log_alpha], lr=config.policy_lr)
        target_entropy = config.target_entropy_scale * math.log(int(allowed.sum()))
        rb = ReplayBuffer(config.buffer_size, n_act)
        ckpt, best = out / "checkpoint.pt", out / "best.pt"
        state = resume_state(resume, ckpt)
        total = math.ceil(config.total_steps / n_env) * n_env
        logger = RunLogger(out, total, progress=progress, resume=state is not None,
                           hyperparameters=asdict(config))
        global_step, last_ckpt = 0, 0
        if state is not None:
            agent.load_state_dict(state["agent"])
            for opt, key in ((q_opt, "q_opt"), (actor_opt, "actor_opt"), (alpha_opt, "alpha_opt")):
                opt.load_state_dict(state[key])
            rb, global_step = state["replay"], state["global_step"]
            rng.bit_generator.state = state["numpy_rng"]
            torch.set_rng_state(state["torch_rng"])
            logger.restore(state["logger"], global_step)
            last_ckpt = global_step

        def checkpoint(path: Path = ckpt) -> None:
            """The full state at ``checkpoint.pt``; ``best.pt`` holds what export needs (no replay buffer)."""
            state = {"algorithm": "sac", "config": asdict(config), "gnn_config": agent.cfg.to_dict(),
                     "allowed_actions": np.flatnonzero(allowed).tolist(),
                     "policy_state": agent.policy().state_dict(), "global_step": global_step,
                     "mean_return": logger.mean_return()}
            if path == ckpt:
                state |= {"agent": agent.state_dict(), "q_opt": q_opt.state_dict(),
                          "actor_opt": actor_opt.state_dict(), "alpha_opt": alpha_opt.state_dict(), "replay": rb,
                          "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                          "logger": logger.state()}
            save_checkpoint(path, state)

        # A resumed run starts fresh episodes (environment state is not checkpointed).
        obs, infos = envs.reset(seed=config.seed + 7919 * (global_step // n_env))
        masks = action_masks(infos, allowed)
        start, start_step, stats = time.time(), global_step, {}
        try:
            while global_step < total and not out_of_time(config.time_limit, start):
                if global_step < config.learning_starts:
                    actions = [int(rng.choice(np.flatnonzero(m))) for m in masks]
                else:
                    with torch.no_grad():
                        logits = agent.actor(collate(obs, autophase=config.autophase).to(device))
                        probs, _ = _probs(logits, torch.as_tensor(masks, device=device))
                        actions = torch.multinomial(probs, 1).squeeze(1).tolist()
                next_obs, rewards, terminated, truncated, infos = envs.step(actions)
                next_masks = action_masks(infos, allowed)
                for i, info in enumerate(infos):
                    # After an automatic reset the transition still ends in the episode's real last observation;
                    # its mask is unknown, so use the static one (it only matters if not terminated).
                    final = "episode" in info
                    rb.add(obs[i], masks[i], actions[i], float(rewards[i]) * config.reward_scale,
                           info["final_observation"] if final else next_obs[i], bool(terminated[i]),
                           allowed if final else next_masks[i])
                global_step += n_env
                for info in infos:
                    if "episode" in info:
                        logger.episode(info["episode"], global_step)
                obs, masks = next_obs, next_masks
                logger.advance(n_env)
                if global_step >= config.learning_starts and (global_step // n_env) % config.train_frequency == 0:
                    for _ in range(config.gradient_steps):
                        stats = _update(agent, q_opt, actor_opt, alpha_opt, rb.sample(config.batch_size, rng),
                                        config, target_entropy, device)
                if stats and global_step % (100 * n_env) < n_env:
                    stats["charts/SPS"] = (global_step - start_step) / max(time.time() - start, 1e-9)
                    logger.diagnostics(global_step, stats)
                    if logger.improved():  # only once learning began: before, the network did not choose
                        checkpoint(best)
                if global_step - last_ckpt >= config.checkpoint_every:
                    checkpoint()
                    last_ckpt = global_step
        except (KeyboardInterrupt, Terminated):  # keep what was learnt, and say where it is
            checkpoint()
            logger.interrupted("sac", ckpt, global_step)
            raise
        checkpoint()
        return logger.finish("SAC", ckpt, global_step, best)
    finally:
        envs.close()


def _update(agent: _Agent, q_opt: torch.optim.Optimizer, actor_opt: torch.optim.Optimizer,
            alpha_opt: torch.optim.Optimizer, batch: dict, config: SACConfig,
            target_entropy: float, device: torch.device) -> dict[str, float]:
    """One gradient step of the critics, the actor and the temperature, then the Polyak target update.

    Each distinct graph of the batch is encoded once per network and role (:func:`dedupe`). A batch whose graphs
    exceed ``max_batch_nodes`` is encoded in parts (:func:`node_chunks`) whose gradients add up to the batch's:
    the critics' step first, over every part, then the actor's, with the critics' values from before their step.
    """
    n = len(batch["obs"])
    on = functools.partial(torch.as_tensor, device=device)
    masks, next_masks = on(batch["masks"]), on(batch["next_masks"])
    actions = on(batch["actions"]).unsqueeze(1)
    rewards, terminated = on(batch["rewards"]), on(batch["terminated"])
    alpha = agent.log_alpha.exp().detach()
    parts = node_chunks(list(zip(batch["obs"], batch["next_obs"], strict=True)),
                        list(zip(batch["obs_keys"], batch["next_keys"], strict=True)), config.max_batch_nodes)

    def encode(role: str, part: list[int]) -> tuple[GraphBatch, Tensor]:
        """The distinct ``obs`` or ``next_obs`` graphs of a part as one batch, and each transition's index in it."""
        keys = batch["obs_keys" if role == "obs" else "next_keys"]
        graphs, index = dedupe([batch[role][i] for i in part], [keys[i] for i in part])
        return collate(graphs, autophase=config.autophase).to(device), index.to(device)

    q_opt.zero_grad()
    q_loss, q1_sum, min_qs, encoded = 0.0, 0.0, [], []
    for part in parts:
        idx = on(part)
        now, now_index = encode("obs", part)
        encoded.append((now, now_index))  # (the actor's step below reads the same graphs)
        nxt, nxt_index = encode("next_obs", part)
        with torch.no_grad():
            next_p, next_logp = _probs(agent.actor(nxt)[nxt_index], next_masks[idx])
            tq1, tq2 = agent.target(nxt)
            next_v = (next_p * (torch.minimum(tq1[nxt_index], tq2[nxt_index]) - alpha * next_logp)).sum(1)
            target_q = rewards[idx] + (1.0 - terminated[idx]) * config.gamma * next_v
        q1, q2 = agent.critic(now)
        q1, q2 = q1[now_index], q2[now_index]
        q1_a, q2_a = q1.gather(1, actions[idx]).squeeze(1), q2.gather(1, actions[idx]).squeeze(1)
        loss = (F.mse_loss(q1_a, target_q, reduction="sum") + F.mse_loss(q2_a, target_q, reduction="sum")) / n
        loss.backward()
        q_loss += loss.item()
        q1_sum += q1_a.sum().item()
        min_qs.append(torch.minimum(q1, q2).detach())
    nn.utils.clip_grad_norm_(agent.critic.parameters(), config.max_grad_norm)
    q_opt.step()

    actor_opt.zero_grad()
    actor_loss, entropies = 0.0, []
    for part, (now, now_index), min_q in zip(parts, encoded, min_qs, strict=True):
        p, logp = _probs(agent.actor(now)[now_index], masks[on(part)])
        loss = (p * (alpha * logp - min_q)).sum(1).sum() / n
        loss.backward()
        actor_loss += loss.item()
        entropies.append(-(p.detach() * logp.detach()).sum(1))
    nn.utils.clip_grad_norm_(agent.actor.parameters(), config.max_grad_norm)
    actor_opt.step()

    entropy = torch.cat(entropies)
    if config.autotune:
        alpha_loss = (agent.log_alpha.exp() * (entropy - target_entropy)).mean()
        alpha_opt.zero_grad()
        alpha_loss.backward()
        alpha_opt.step()

    with torch.no_grad():
        for t, s in zip(agent.target.parameters(), agent.critic.parameters(), strict=True):
            t.lerp_(s, config.tau)
    return {"losses/qf_loss": q_loss / 2, "losses/qf1_values": q1_sum / n, "losses/actor_loss": actor_loss,
            "losses/alpha": float(alpha), "losses/entropy": entropy.mean().item(),
            "charts/parts": len(parts)}
