"""Training code for rlopt, installed as ``rlopt.training`` (needs the ``train`` extra).

Importing it registers the Gymnasium environment ``rlopt/llvm-v0`` (:class:`rlopt.training.env.LlvmEnv`);
the environment module itself is only imported by ``gymnasium.make``.
"""

import contextlib

with contextlib.suppress(ImportError):  # without gymnasium the rest of the package still imports
    from gymnasium.envs.registration import register, registry

    if "rlopt/llvm-v0" not in registry:
        register(id="rlopt/llvm-v0", entry_point="rlopt.training.env:LlvmEnv", max_episode_steps=200)
