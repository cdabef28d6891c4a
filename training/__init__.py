"""Training code for rlopt, installed as ``rlopt.training`` (needs the ``train`` extra).

Importing it registers the Gymnasium environment ``rlopt/llvm-v0`` (:class:`rlopt.training.env.LlvmEnv`);
the environment module itself is only imported by ``gymnasium.make``. Gymnasium 1.x has no plugin entry
points, so a program that does not import this package names it in the id instead:
``gymnasium.make("rlopt.training:rlopt/llvm-v0")``.
"""

import contextlib

#: Episode length of the registered ``rlopt/llvm-v0`` (override with ``gymnasium.make(..., max_episode_steps=N)``).
MAX_EPISODE_STEPS = 200

with contextlib.suppress(ImportError):  # without gymnasium the rest of the package still imports
    from gymnasium.envs.registration import WrapperSpec, register, registry

    if "rlopt/llvm-v0" not in registry:
        # The outermost wrapper forwards the environment's own attributes (env.commandline(), env.state, ...)
        # through Gymnasium's wrappers, which hide them.
        register(id="rlopt/llvm-v0", entry_point="rlopt.training.env:LlvmEnv", max_episode_steps=MAX_EPISODE_STEPS,
                 additional_wrappers=(WrapperSpec("CompilerGymAttributes",
                                                  "rlopt.training.compiler_gym:CompilerGymAttributes", {}),))
