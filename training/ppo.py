"""Proximal Policy Optimization over program graphs, in one readable file (after CleanRL's ``ppo.py``).

Actor-critic GNN (:class:`rlopt.training.models.ActorCritic`), GAE(lambda) advantages, clipped surrogate
objective, optionally clipped value loss, entropy bonus, per-minibatch advantage normalisation, several epochs of
minibatch updates with gradient-norm clipping, and action masking (disallowed actions get a -1e9 logit, so they
are never sampled and carry no gradient). Diagnostics per update: ``losses/approx_kl``, ``losses/clipfrac``,
``losses/explained_variance``, ``charts/SPS``.

Entry point: :func:`train` (``rlopt-train ppo`` wires its options to :class:`PPOConfig`).
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
from torch import nn

from rlopt.errors import Terminated
from rlopt.training.buffers import RolloutBuffer, compute_gae
from rlopt.training.models import (
    ActorCritic,
    collate,
    dedupe,
    gnn_config,
    graph_key,
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
class PPOConfig:
    """PPO hyperparameters (defaults suit short runs on a 2-core machine)."""

    total_steps: int = 20_000
    """Environment steps to train for (summed over environments)."""
    num_envs: int = 1
    """Environments stepped in lock-step in this process (ignored when ``workers > 0``)."""
    workers: int = 0
    """Ray actors, one environment each; 0 = no Ray."""
    num_steps: int = 64
    """Steps per environment per rollout; the batch is ``num_steps * num_envs`` transitions."""
    learning_rate: float = 3e-4
    """Adam step size."""
    anneal_lr: bool = True
    """Decay the learning rate linearly to 0 over the run."""
    gamma: float = 0.99
    """Discount factor."""
    gae_lambda: float = 0.95
    """GAE lambda: 0 = one-step TD advantages, 1 = Monte-Carlo returns minus the value."""
    num_minibatches: int = 4
    """Minibatches per epoch."""
    update_epochs: int = 4
    """Passes over each rollout."""
    norm_adv: bool = True
    """Normalise advantages per minibatch."""
    clip_coef: float = 0.2
    """Surrogate clipping range epsilon."""
    clip_vloss: bool = True
    """Clip the value update to the same range around the old value."""
    ent_coef: float = 0.01
    """Entropy bonus weight (keeps exploring)."""
    vf_coef: float = 0.5
    """Value loss weight."""
    max_grad_norm: float = 0.5
    """Global gradient-norm clip."""
    target_kl: float | None = None
    """Stop an update's epochs early once approx_kl exceeds this (None: never)."""
    reward_scale: float = 1.0
    """Multiply rewards by this before learning (runtime deltas are small fractions)."""
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
    checkpoint_every: int = 10
    """Write ``checkpoint.pt`` every this many updates (and at the end)."""
    time_limit: float = 0.0
    """Stop early after this many seconds of training in this call (0: no limit), so a run fits a wall-clock
    budget on a shared machine; the result's ``global_step`` says how far it got."""
    device: str = "cpu"
    """Where the network trains and acts: ``cpu``, ``cuda``, ``cuda:1``, ``mps`` (environments stay on the CPU)."""
    max_batch_nodes: int = 100_000
    """Graph nodes encoded at once in an update (a bigger minibatch accumulates its gradient in parts): bounds
    the memory a run takes, about 2 GB per 100k nodes at the default width."""

    def __post_init__(self) -> None:
        check_ranges(self, positive=("total_steps", "num_envs", "num_steps", "learning_rate", "num_minibatches",
                                     "update_epochs", "clip_coef", "max_grad_norm", "reward_scale", "hidden",
                                     "layers", "torch_threads", "checkpoint_every", "max_batch_nodes"),
                     non_negative=("seed", "workers", "ent_coef", "vf_coef", "vocab_size", "time_limit"),
                     fractions=("gamma", "gae_lambda"))
        if self.target_kl is not None and not self.target_kl > 0:
            raise ValueError(f"target_kl must be positive or None, not {self.target_kl!r}")


def explained_variance(pred: np.ndarray, target: np.ndarray) -> float:
    """1 - Var(target - pred) / Var(target): 1 is a perfect critic, 0 no better than a constant."""
    var = np.var(target)
    return float("nan") if var == 0 else float(1 - np.var(target - pred) / var)


def train(config: PPOConfig, env_fn: EnvFn, *, out_dir: str | Path, progress: bool = True,
          resume: bool | dict[str, Any] = False) -> TrainResult:
    """Train a PPO policy; writes ``checkpoint.pt``, ``best.pt``, ``progress.csv``, ``diagnostics.csv``,
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
        gcfg = gnn_config(config.vocab_size, n_act, config.hidden, config.layers, config.autophase)
        model = ActorCritic(gcfg).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, eps=1e-5)
        batch_size = n_env * config.num_steps
        minibatch = max(1, batch_size // config.num_minibatches)
        ckpt, best = out / "checkpoint.pt", out / "best.pt"
        state = resume_state(resume, ckpt)
        global_step, update = (state["global_step"], state["update"]) if state is not None else (0, 0)
        # Progress is counted in steps (a resumed run may have another batch size): whole rollouts up to the total.
        planned = global_step + max(0, math.ceil((config.total_steps - global_step) / batch_size)) * batch_size
        logger = RunLogger(out, planned, progress=progress, resume=state is not None,
                           hyperparameters=asdict(config))
        if state is not None:
            model.load_state_dict(state["policy_state"])
            optimizer.load_state_dict(state["optimizer"])
            rng.bit_generator.state = state["numpy_rng"]
            torch.set_rng_state(state["torch_rng"])
            logger.restore(state["logger"], global_step)

        # The state as of the last finished update: what a checkpoint holds, also one written when the run is
        # interrupted mid-rollout or mid-update (what the unfinished update did is lost with it).
        def snapshot() -> dict[str, Any]:
            return {"policy_state": copy.deepcopy(model.state_dict()),
                    "optimizer": copy.deepcopy(optimizer.state_dict()), "global_step": global_step,
                    "update": update, "numpy_rng": rng.bit_generator.state, "torch_rng": torch.get_rng_state(),
                    "logger": logger.state()}

        last = snapshot()

        def checkpoint(path: Path = ckpt) -> None:
            save_checkpoint(path, {"algorithm": "ppo", "config": asdict(config), "gnn_config": gcfg.to_dict(),
                                   "allowed_actions": np.flatnonzero(allowed).tolist(), **last})

        # A resumed run starts fresh episodes (environment state is not checkpointed).
        obs, infos = envs.reset(seed=config.seed + 7919 * update)
        masks = action_masks(infos, allowed)
        dones = np.zeros(n_env, dtype=np.float32)
        began, saved_step = time.time(), global_step
        try:
            while global_step < planned and not out_of_time(config.time_limit, began):
                start = time.time()
                if config.anneal_lr:
                    optimizer.param_groups[0]["lr"] = config.learning_rate * (1.0 - global_step / planned)
                buf = RolloutBuffer(config.num_steps, n_env, n_act)
                for t in range(config.num_steps):
                    with torch.no_grad():
                        logits, value = model(collate(obs, autophase=config.autophase).to(device))
                        dist = torch.distributions.Categorical(
                            logits=masked_logits(logits, torch.as_tensor(masks, device=device)))
                        action = dist.sample()
                    next_obs, rewards, terminated, truncated, infos = envs.step(action.tolist())
                    buf.add(t, obs, masks, dones, action.cpu().numpy(), dist.log_prob(action).cpu().numpy(),
                            value.cpu().numpy(), rewards * config.reward_scale)
                    global_step += n_env
                    for info in infos:
                        if "episode" in info:
                            logger.episode(info["episode"], global_step)
                    obs, masks = next_obs, action_masks(infos, allowed)
                    dones = (terminated | truncated).astype(np.float32)
                    logger.advance(n_env)
                with torch.no_grad():
                    last_values = model(collate(obs, autophase=config.autophase).to(device))[1].cpu().numpy()
                advantages, returns = compute_gae(buf.rewards, buf.values, buf.dones, last_values, dones,
                                                  config.gamma, config.gae_lambda)
                stats = _optimise(model, optimizer, config, buf, advantages, returns, minibatch, rng, device)
                update += 1
                stats["charts/SPS"] = batch_size / max(time.time() - start, 1e-9)
                stats["charts/learning_rate"] = optimizer.param_groups[0]["lr"]
                logger.diagnostics(global_step, stats)
                improved = logger.improved()
                last = snapshot()
                if improved:
                    checkpoint(best)
                if update % config.checkpoint_every == 0 or global_step >= planned:
                    checkpoint()
                    saved_step = global_step
        except (KeyboardInterrupt, Terminated):  # keep what the finished updates learnt, and say where it is
            if last["global_step"] > saved_step or not ckpt.exists():
                checkpoint()
            logger.interrupted("ppo", ckpt, last["global_step"])
            raise
        if global_step > saved_step or not ckpt.exists():  # (a time limit stops between checkpoints)
            checkpoint()
        return logger.finish("PPO", ckpt, global_step, best)
    finally:
        envs.close()


def _optimise(model: ActorCritic, optimizer: torch.optim.Optimizer, config: PPOConfig, buf: RolloutBuffer,
              advantages: np.ndarray, returns: np.ndarray, minibatch: int, rng: np.random.Generator,
              device: torch.device) -> dict[str, float]:
    """The PPO update: ``update_epochs`` passes of clipped-objective minibatch steps over one rollout. A minibatch
    whose graphs exceed ``max_batch_nodes`` is encoded in parts whose gradients add up to the minibatch's."""
    obs = buf.flat_obs()
    keys = [graph_key(o) for o in obs]
    on = functools.partial(torch.as_tensor, device=device)
    b_masks = on(buf.masks.reshape(len(obs), -1))
    b_actions, b_logprobs, b_values = on(buf.actions.reshape(-1)), on(buf.logprobs.reshape(-1)), \
        on(buf.values.reshape(-1))
    b_adv, b_ret = on(advantages.reshape(-1)), on(returns.reshape(-1))
    clipfracs, approx_kl = [], 0.0
    pg_loss = v_loss = entropy = 0.0
    for _ in range(config.update_epochs):
        order = rng.permutation(len(obs))
        for start in range(0, len(obs), minibatch):
            mb = order[start:start + minibatch]
            adv = b_adv[on(mb)]
            mean, std = (adv.mean(), adv.std() + 1e-8) if config.norm_adv and len(mb) > 1 else (0.0, 1.0)
            optimizer.zero_grad()
            pg_loss = v_loss = entropy = approx_kl = clipfrac = 0.0
            for part in node_chunks([[obs[i]] for i in mb], [[keys[i]] for i in mb], config.max_batch_nodes):
                idx = on(mb[part])
                weight = len(part) / len(mb)
                graphs, index = dedupe([obs[i] for i in mb[part]], [keys[i] for i in mb[part]])  # repeats once
                logits, value = model(collate(graphs, autophase=config.autophase).to(device))
                logits, value = logits[index.to(device)], value[index.to(device)]
                dist = torch.distributions.Categorical(logits=masked_logits(logits, b_masks[idx]))
                logratio = dist.log_prob(b_actions[idx]) - b_logprobs[idx]
                ratio = logratio.exp()
                with torch.no_grad():
                    approx_kl += weight * ((ratio - 1) - logratio).mean().item()  # the low-variance k3 estimator
                    clipfrac += weight * ((ratio - 1.0).abs() > config.clip_coef).float().mean().item()
                a = (b_adv[idx] - mean) / std
                part_pg = torch.max(-a * ratio, -a * ratio.clamp(1 - config.clip_coef, 1 + config.clip_coef)).mean()
                ret = b_ret[idx]
                if config.clip_vloss:
                    clipped = b_values[idx] + (value - b_values[idx]).clamp(-config.clip_coef, config.clip_coef)
                    part_v = 0.5 * torch.max((value - ret) ** 2, (clipped - ret) ** 2).mean()
                else:
                    part_v = 0.5 * ((value - ret) ** 2).mean()
                part_entropy = dist.entropy().mean()
                (weight * (part_pg - config.ent_coef * part_entropy + config.vf_coef * part_v)).backward()
                pg_loss += weight * part_pg.item()
                v_loss += weight * part_v.item()
                entropy += weight * part_entropy.item()
            clipfracs.append(clipfrac)
            nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
            optimizer.step()
        if config.target_kl is not None and approx_kl > config.target_kl:
            break
    return {
        "losses/policy_loss": pg_loss, "losses/value_loss": v_loss, "losses/entropy": entropy,
        "losses/approx_kl": approx_kl, "losses/clipfrac": float(np.mean(clipfracs)) if clipfracs else 0.0,
        "losses/explained_variance": explained_variance(buf.values.reshape(-1), returns.reshape(-1)),
    }
