"""A leaderboard-style evaluation of an epsilon-greedy policy for LLVM code size, in the manner of
CompilerGym's ``llvm_instcount`` leaderboard: the policy gets an environment reset to each test benchmark
(reward ``IrInstructionCountOz``), acts on it in place, and the resulting states are written to a CSV file and
then validated.

Written against CompilerGym's API: with CompilerGym, only the import below changes (``import compiler_gym``).

    $ python leaderboard.py --dataset=rlopt-suite-v0 --max_benchmarks=5 --epsilon=0.1
"""

import argparse
import itertools
import random
import sys
import time
from pathlib import Path

import numpy as np

import rlopt.training.compiler_gym as compiler_gym


def e_greedy(env, epsilon, max_steps):
    """Take a random action with probability epsilon, else try every action on a fork and take the best;
    stop when no action gains anything or after ``max_steps``."""
    for _ in range(max_steps):
        if random.random() < epsilon:
            _, _, done, _ = env.step(env.action_space.sample())
        else:
            rewards = []
            for action in range(env.action_space.n):
                fork = env.fork()
                _, reward, done, _ = fork.step(action)
                fork.close()
                rewards.append(-float("inf") if done else reward)
            best = int(np.argmax(rewards))
            if rewards[best] <= 0:
                return
            _, reward, done, _ = env.step(best)
            if env.reward_space.deterministic and reward != rewards[best]:
                print(f"warning: {env.action_space.flags[best]} gave {reward} on replay, {rewards[best]} on the fork")
        if done:
            return


def evaluate(policy, dataset, max_benchmarks, n, results):
    with compiler_gym.make("llvm-ic-v0") as env:
        benchmarks = list(itertools.islice(env.datasets[dataset].benchmark_uris(), max_benchmarks or None)) * n
        print(f"=== Evaluating policy on {len(benchmarks)} {dataset} benchmarks ===")
        with compiler_gym.CompilerEnvStateWriter(open(results, "w")) as writer:
            for benchmark in benchmarks:
                env.reset(benchmark=benchmark)
                start = time.time()
                policy(env)
                assert env.in_episode and env.benchmark == benchmark, "the policy changed the benchmark"
                assert env.reward_space.name == "IrInstructionCountOz", "the policy changed the reward space"
                state = env.state.copy()
                state.walltime = time.time() - start
                writer.write_state(state, flush=True)
                print(f"{benchmark}: reward {state.reward:.4f} in {state.walltime:.2f}s, {state.commandline}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="rlopt-suite-v0")
    parser.add_argument("--max_benchmarks", type=int, default=0)
    parser.add_argument("--n", type=int, default=1, help="Repetitions per benchmark.")
    parser.add_argument("--epsilon", type=float, default=0.0)
    parser.add_argument("--max_steps", type=int, default=20)
    parser.add_argument("--leaderboard_results", type=Path, default=Path("llvm_instcount-results.csv"))
    args = parser.parse_args()

    evaluate(lambda env: e_greedy(env, args.epsilon, args.max_steps), args.dataset, args.max_benchmarks, args.n,
             args.leaderboard_results)
    states = list(compiler_gym.CompilerEnvStateReader.read_paths([str(args.leaderboard_results)]))
    results = list(compiler_gym.validate_states(lambda: compiler_gym.make("llvm-ic-v0"), states, nproc=1))
    for result in results:
        print(result)
    rewards = [r.state.reward for r in results if r.okay()]
    print(f"Geometric mean reward: {np.exp(np.mean(np.log(np.clip(rewards, 1e-9, None)))):.4f}")
    sys.exit(0 if all(r.okay() for r in results) else 1)


if __name__ == "__main__":
    main()
