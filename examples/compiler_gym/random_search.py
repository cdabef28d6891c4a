"""Parallel random search over LLVM pass sequences, the way CompilerGym's ``random_search`` does it.

Each worker thread owns an environment and runs random episodes; an episode ends when ``patience`` actions in
a row brought no new best return. The best sequence is written to ``--outdir`` and then replayed step by step.
Written against CompilerGym's API: with CompilerGym, only the import below changes (``import compiler_gym``).

    $ python random_search.py --benchmark=rlopt-suite-v0/qsort --reward=IrInstructionCountOz --runtime=60
"""

import argparse
import json
import threading
import time
from pathlib import Path

import rlopt.training.compiler_gym as compiler_gym


class RandomAgentWorker(threading.Thread):
    """Runs random episodes on its own environment until ``alive`` is cleared; remembers its best episode."""

    def __init__(self, make_env, patience):
        super().__init__(daemon=True)
        self.make_env, self.patience = make_env, patience
        self.alive = True
        self.episodes = self.steps = 0
        self.best_return, self.best_actions, self.best_commandline = -float("inf"), [], ""

    def run(self):
        with self.make_env() as env:
            patience = self.patience or env.action_space.n
            while self.alive or not self.episodes:
                self.episodes += 1
                env.reset()
                actions, episode_return, remaining = [], 0.0, patience
                while remaining > 0:
                    remaining -= 1
                    action = env.action_space.sample()
                    _, reward, done, _ = env.step(action)
                    self.steps += 1
                    if done:
                        break
                    actions.append(action)
                    episode_return += reward
                    if episode_return > self.best_return:
                        self.best_return, self.best_actions = episode_return, list(actions)
                        self.best_commandline = env.action_space.to_string(env.actions)
                        remaining = patience


def replay_actions(env, action_names, outdir):
    """Replay the best actions one at a time, logging each step's reward, and write the IR before and after."""
    env.write_bitcode(outdir / "unoptimized.bc")
    episode_return = 0.0
    with open(outdir / "random_search_best_actions_progress.csv", "w") as f:
        for i, name in enumerate(action_names, start=1):
            _, reward, done, _ = env.step(env.action_space.names.index(name))
            assert not done
            episode_return += reward
            print(f"Step [{i:03d} / {len(action_names):03d}]: reward={reward:.4f}   episode={episode_return:.4f}   "
                  f"action={name}")
            print(f"{i},{reward},{name}", file=f)
    env.write_bitcode(outdir / "optimized.bc")
    print(f"IR instruction count: -O0 {env.observation['IrInstructionCountO0']}, "
          f"-Oz {env.observation['IrInstructionCountOz']}, final {env.observation['IrInstructionCount']}")


def random_search(make_env, outdir, runtime, patience, nproc):
    with make_env() as env:
        env.reset()
        if not env.reward_space:
            raise ValueError("A reward space must be specified for random search")
        benchmark, reward_name = str(env.benchmark.uri), env.reward_space.name
        names = list(env.action_space.names)
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "random_search.json").write_text(json.dumps(
        {"benchmark": benchmark, "reward": reward_name, "patience": patience}, indent=2))

    workers = [RandomAgentWorker(make_env, patience) for _ in range(nproc)]
    for worker in workers:
        worker.start()
    print(f"Started {nproc} worker threads for {benchmark} using reward {reward_name}.")
    time.sleep(runtime)
    for worker in workers:
        worker.alive = False
    for worker in workers:
        worker.join()

    best = max(workers, key=lambda w: w.best_return)
    print(f"{sum(w.episodes for w in workers)} episodes, {sum(w.steps for w in workers)} steps; "
          f"best return {best.best_return:.4f} with {len(best.best_actions)} passes")
    best_names = [names[a] for a in best.best_actions]
    (outdir / "random_search_best_actions.txt").write_text("".join(f"{n}\n" for n in best_names))
    (outdir / "random_search_best_actions_commandline.txt").write_text(best.best_commandline + "\n")

    print("Replaying actions from best solution found:")
    with make_env() as env:
        env.reset()
        replay_actions(env, best_names, outdir)
    return best.best_return


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="rlopt-suite-v0/qsort")
    parser.add_argument("--reward", default="IrInstructionCountOz")
    parser.add_argument("--runtime", type=float, default=60, help="Seconds to search for.")
    parser.add_argument("--patience", type=int, default=0, help="0: the size of the action space.")
    parser.add_argument("--nproc", type=int, default=2)
    parser.add_argument("--outdir", type=Path, default=Path("random_search"))
    args = parser.parse_args()

    def make_env():
        return compiler_gym.make("llvm-v0", benchmark=args.benchmark, reward_space=args.reward)

    random_search(make_env, args.outdir, args.runtime, args.patience, args.nproc)


if __name__ == "__main__":
    main()
