"""Replay environment states from a CSV file (as ``CompilerEnvStateWriter`` writes them) and check that each
reproduces its recorded reward; print the opt command line that rebuilds the result.

Written against CompilerGym's API: with CompilerGym, only the import below changes (``import compiler_gym``).

    $ python replay_states.py results.csv --reward=IrInstructionCountOz
"""

import argparse
import math
import sys

import rlopt.training.compiler_gym as compiler_gym


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("states", nargs="+", help="CSV files of states ('-' for stdin).")
    parser.add_argument("--reward", default="IrInstructionCountOz")
    parser.add_argument("--outdir", default=None, help="Write each replayed module here as <n>.bc.")
    args = parser.parse_args()

    mismatches = 0
    with compiler_gym.make("llvm-v0", reward_space=args.reward) as env:
        for i, state in enumerate(compiler_gym.CompilerEnvStateReader.read_paths(args.states)):
            env.reset(benchmark=state.benchmark)
            env.apply(state)
            same = state.reward is None or math.isclose(env.episode_reward, state.reward, rel_tol=1e-5)
            mismatches += not same
            print(f"{'✅' if same else '❌'}  {state.benchmark}  recorded {state.reward}  "
                  f"replayed {env.episode_reward:.4f}  ({len(env.actions)} actions)")
            print(f"    {env.commandline()}")
            assert env.state == compiler_gym.CompilerEnvState(state.benchmark, env.state.commandline,
                                                              reward=env.episode_reward)
            if args.outdir:
                env.write_bitcode(f"{args.outdir}/{i}.bc")
    sys.exit(1 if mismatches else 0)


if __name__ == "__main__":
    main()
