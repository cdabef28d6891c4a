"""Validate environment states: replay each, check its reward, and check that the optimized program still
behaves as its unoptimized build. Prints one line per state and a summary; exits 1 if any state fails.

Written against CompilerGym's API (``compiler_gym.bin.validate``): with CompilerGym, only the import below
changes (``import compiler_gym``).

    $ python validate.py --reward=IrInstructionCountOz results.csv
"""

import argparse
import sys

import numpy as np

import rlopt.training.compiler_gym as compiler_gym


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("states", nargs="+", help="CSV files of states ('-' for stdin).")
    parser.add_argument("--reward", default="IrInstructionCountOz")
    parser.add_argument("--nproc", type=int, default=1)
    args = parser.parse_args()

    states = list(compiler_gym.CompilerEnvStateReader.read_paths(args.states))
    if not states:
        print("No inputs to validate. Pass a CSV file path as an argument, or use - to read from stdin.",
              file=sys.stderr)
        sys.exit(1)

    def make_env():
        return compiler_gym.make("llvm-v0", reward_space=args.reward)

    errors, rewards, walltimes = 0, [], []
    for result in compiler_gym.validate_states(make_env, states, nproc=args.nproc):
        print(result)
        if not result.okay():
            errors += 1
        elif result.reward_validated:
            rewards.append(result.state.reward)
            walltimes.append(result.state.walltime)
    print(f"Number of validated results: {len(rewards)} of {len(states)}")
    if rewards:
        print(f"Mean walltime per benchmark: {np.mean(walltimes):.3f}s")
        print(f"Geometric mean {args.reward}: {np.exp(np.mean(np.log(np.clip(rewards, 1e-9, None)))):.3f}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
