"""Gymnasium conformance of every observation space and CompilerGym's API on rlopt/llvm-v0: spaces and benchmark
by name, env.reward[...], env.state/apply/validate, multistep, datasets, command lines, the gym-0.21 calling
convention of ``rlopt.training.compiler_gym.make``, and CompilerGym-style example scripts run end to end."""

from __future__ import annotations

import io
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from gymnasium.vector import AsyncVectorEnv

import rlopt.training  # noqa: F401  (registers rlopt/llvm-v0)
import rlopt.training.compiler_gym as compiler_gym
from rlopt.engine import Engine
from rlopt.training import runtime
from rlopt.training.env import OBSERVATIONS, InvalidActionError, LlvmEnv, UnknownSpaceError
from rlopt.training.spaces import NoObservation, ProgramlArraysSpace

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "compiler_gym"
MEASURED = ("Runtime", "Buildtime")  # built and run: tests/test_env_runtime.py checks those with a tiny program
NEW_FILE_EACH_TIME = "BitcodeFile"  # deterministic contents, a new path each time (tests/test_env.py)


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("rlopt-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RLOPT_CACHE_DIR", str(d))
        yield d


def make(engine: Engine, benchmark: str = "bitcount", **kwargs: object) -> LlvmEnv:
    kwargs.setdefault("reward_space", "IrInstructionCountOz")
    return LlvmEnv(benchmark, engine=engine, cache=False, **kwargs)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------- Gymnasium

@pytest.mark.parametrize("observation", [None, *(n for n in OBSERVATIONS
                                                 if not n.startswith(MEASURED) and n != NEW_FILE_EACH_TIME)])
def test_check_env_passes_for_every_observation_space(engine: Engine, observation: str | None) -> None:
    env = make(engine, observation_space=observation)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker's warnings count as failures too
        check_env(env, skip_render_check=True)
    env.close()


def test_gymnasium_make_without_observation() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # also the passive checker's warnings
        env = gymnasium.make("rlopt/llvm-v0", benchmark="bitcount", observation_space=None, cache=False)
        obs, _ = env.reset(seed=0)
        assert obs is None and env.step("-mem2reg")[0] is None
    assert isinstance(env.observation_space, NoObservation) and env.observation_space.contains(obs)
    assert env.observation_space.sample() is None
    env.observation_space = "IrInstructionCount"
    assert env.observation_space.contains(env.reset()[0])
    env.close()


@pytest.mark.parametrize("observation", ["ProgramlArrays", "Programl"])
def test_async_vector_env_with_default_shared_memory(observation: str) -> None:
    fns = [lambda b=b: gymnasium.make("rlopt/llvm-v0", benchmark=b, observation_space=observation, cache=False,
                                      max_episode_steps=2) for b in ("bitcount", "crc32")]
    envs = AsyncVectorEnv(fns)  # shared_memory=True, Gymnasium's default
    try:
        obs, _ = envs.reset(seed=0)
        for _ in range(3):  # past an automatic reset
            obs, _, _, _, _ = envs.step(np.array([0, 1]))
        assert isinstance(obs, tuple) and len(obs) == 2
        assert all(envs.single_observation_space.contains(o) for o in obs)
    finally:
        envs.close()


def test_shared_memory_slot_too_small_is_a_clear_error() -> None:
    from gymnasium.vector.utils import create_shared_memory, write_to_shared_memory

    space = ProgramlArraysSpace(10)
    space.shared_memory_bytes = 64
    memory = create_shared_memory(space, n=1)
    with pytest.raises(ValueError, match="does not fit the 64-byte shared-memory slot"):
        write_to_shared_memory(space, 0, space.sample(), memory)


def test_gymnasium_make_by_module_id_without_importing_rlopt_training(cache_dir: Path) -> None:
    """Gymnasium 1.x dropped entry-point plugins; 'module:id' imports the module that registers the env."""
    code = ("import gymnasium, sys; env = gymnasium.make('rlopt.training:rlopt/llvm-v0', benchmark='bitcount', "
            "cache=False); env.reset(seed=0); env.step(0); assert 'rlopt.training' in sys.modules; "
            "print(env.commandline())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert "-passes=" in out.stdout


def test_environment_attributes_through_gymnasium_wrappers() -> None:
    env = gymnasium.make("rlopt/llvm-v0", benchmark="bitcount", observation_space="IrInstructionCount",
                         reward_space="IrInstructionCount", cache=False, max_episode_steps=3)
    env.reset(seed=0)
    env.step("-mem2reg")
    assert "mem2reg" in env.commandline() and env.state.commandline == "opt -mem2reg input.bc -o output.bc"
    env.observation_space = "Autophase"
    assert env.observation_space.shape == (56,) and env.unwrapped.observation_space_name == "Autophase"
    obs, reward, _, truncated, _ = env.step("-gvn", observation_spaces=["IrInstructionCount"],
                                            reward_spaces=["IrInstructionCountNorm"])
    assert isinstance(obs[0], int) and isinstance(reward[0], float) and not truncated
    obs, _, _, truncated, _ = env.step("-sroa")
    assert obs.shape == (56,) and truncated  # the keyword step counted toward the time limit
    env.close()


def test_fork_through_gymnasium_make_keeps_the_wrappers_and_their_state() -> None:
    env = gymnasium.make("rlopt/llvm-v0", benchmark="bitcount", observation_space="IrInstructionCount",
                         cache=False, max_episode_steps=3)
    env.reset(seed=0)
    env.step("-mem2reg")
    fork = env.fork()
    assert isinstance(fork, gymnasium.Wrapper) and fork.actions == env.actions
    assert not fork.step("-gvn")[3] and fork.step("-sroa")[3]  # TimeLimit's count went on from the parent's
    assert not env.step("-gvn")[3] and env.actions != fork.actions
    fork.close()
    assert env.step("-sroa")[3]  # the parent outlives its fork
    env.close()


# --------------------------------------------------------------------------------------- spaces and benchmark

def test_spaces_settable_by_name(engine: Engine) -> None:
    env = make(engine, observation_space=None, reward_space=None)
    obs, _ = env.reset()
    assert obs is None and env.reward_space is None and env.step("-mem2reg")[:2] == (None, 0.0)
    env.observation_space = "IrInstructionCount"
    env.reward_space = "IrInstructionCount"
    assert env.reward_space.name == "IrInstructionCount" and env.reward_space.deterministic
    obs, reward, *_ = env.step("-gvn")
    assert int(obs) == env.observation["IrInstructionCount"] and reward > 0
    assert env.episode_reward == reward  # restarted when the reward space was set
    for bad in ("observation_space", "reward_space"):
        with pytest.raises(LookupError, match="unknown"):
            setattr(env, bad, "NoSuchSpace")
    with pytest.raises(UnknownSpaceError):
        env.reset(reward_space="NoSuchSpace")
    env.close()


def test_benchmark_is_a_settable_benchmark(engine: Engine) -> None:
    env = make(engine, benchmark=None)
    assert env.benchmark is None
    env.benchmark = "rlopt-suite-v0/crc32"  # CompilerGym's dataset/program form
    assert env.benchmark == "benchmark://rlopt-suite-v0/crc32"
    env.reset()
    assert str(env.benchmark) == "benchmark://rlopt-suite-v0/crc32" and env.benchmark.uri.path == "/crc32"
    assert env.benchmark.uri.scheme == "benchmark" and env.benchmark.uri.dataset == "benchmark://rlopt-suite-v0"
    env.reset(benchmark="bitcount")
    assert env.benchmark.name == "bitcount" and env.benchmark.is_validatable()
    env.close()


def test_reward_view_counts_from_the_start_or_the_last_read(engine: Engine) -> None:
    env = make(engine, observation_space="IrInstructionCount", reward_space="IrInstructionCount")
    env.reset()
    start = env.observation["IrInstructionCount"]
    _, step_reward, *_ = env.step("-mem2reg")
    assert env.reward["IrInstructionCount"] == step_reward == start - env.observation["IrInstructionCount"]
    assert env.reward["IrInstructionCount"] == 0.0  # nothing changed since the last read
    assert env.reward["IrInstructionCountO3"] > 0 and "RuntimeProxy" in env.reward.spaces
    with pytest.raises(KeyError):
        env.reward["Speed"]
    env.close()


# ------------------------------------------------------------------------------- actions, state, replay

def test_action_space_names_flags_and_command_lines(engine: Engine) -> None:
    env = make(engine)
    env.reset()
    space = env.action_space
    assert isinstance(space, gymnasium.spaces.Discrete) and space.names == space.flags and space.n == 124
    env.multistep(["-mem2reg", "-gvn", "-simplifycfg"])
    expected = "opt -mem2reg -gvn -simplifycfg input.bc -o output.bc"
    assert space.to_string(env.actions) == env.state.commandline == expected
    assert env.commandline_to_actions(env.state.commandline) == env.actions
    assert env.commandline_to_actions(env.commandline()) == env.actions
    with pytest.raises(LookupError, match="-no-such-pass"):
        env.commandline_to_actions("opt -no-such-pass input.bc -o output.bc")
    env.close()


def test_knob_episodes_read_back_from_their_command_line(engine: Engine) -> None:
    """With knob actions ``commandline()`` is a shell pipeline of opt runs, each with its options: every stage
    reads back, to the actions with those options (the first stage alone, without its knobs, was read before)."""
    env = compiler_gym.make("llvm-v0", benchmark="benchmark://rlopt-suite-v0/hashtable", engine=engine,
                            action_space="rlopt-extended-v2", cache=False)
    env.reset()
    env.multistep(["-O3@inline-threshold=50", "-loop-instsimplify", "-sroa", "-O3@unroll-count=4", "-gvn"])
    assert env.commandline().count(" | ") == 3
    assert env.commandline_to_actions(env.commandline()) == env.actions
    assert env.commandline_to_actions(env.state.commandline) == env.actions
    env.close()


def test_state_apply_and_multistep(engine: Engine, tmp_path: Path) -> None:
    env = make(engine)
    env.reset()
    for action in ("-sroa", "-gvn", "-instcombine"):
        env.step(action)
    state = env.state
    assert state.benchmark == "benchmark://rlopt-suite-v0/bitcount" and state.reward == env.episode_reward > 0
    assert 0 < state.walltime == pytest.approx(env.episode_walltime, abs=1.0)
    other = make(engine)
    other.apply(state)  # resets to the state's benchmark first
    assert other.state == state and other.ir_sha1 == env.ir_sha1 and other.ir == env.ir
    third = make(engine)
    third.reset()
    _, reward, terminated, _, info = third.multistep(third.commandline_to_actions(state.commandline))
    assert reward == pytest.approx(state.reward) and not terminated and third.ir_sha1 == env.ir_sha1
    with pytest.raises(InvalidActionError):
        third.multistep(["-gvn", 999])  # checked before anything runs
    assert third.ir_sha1 == env.ir_sha1
    bitcode = env.write_bitcode(tmp_path / "x.bc")
    assert bitcode.read_bytes()[:4] == b"BC\xc0\xde" and env.compiler_version.startswith("19.")
    for e in (env, other, third):
        e.close()


def test_validate_states(engine: Engine) -> None:
    env = make(engine)
    env.reset()
    env.multistep(["-mem2reg", "-gvn"])
    good = env.validate()
    assert good.okay() and good.reward_validated and good.benchmark_semantics_validated and good.semantics.okay()
    assert env.validate(env.state).okay()
    wrong = env.state.copy()
    wrong.reward += 1
    bad = env.validate(wrong)
    assert not bad.okay() and bad.reward_validation_failed and "Expected reward" in bad.error_details
    unknown = compiler_gym.CompilerEnvState(env.state.benchmark, "opt -no-such-pass input.bc -o output.bc")
    assert env.validate(unknown).actions_replay_failed
    nowhere = compiler_gym.CompilerEnvState("benchmark://rlopt-suite-v0/nosuch", "opt -gvn input.bc -o output.bc")
    missing = env.validate(nowhere)  # a state of a benchmark that is not there fails, as a state (it raised)
    assert missing.actions_replay_failed and "'nosuch'" in missing.error_details
    assert runtime.ValidationResult("miscompile", "differs").okay() is False
    env.close()


def test_state_csv_round_trip() -> None:
    states = [compiler_gym.CompilerEnvState("benchmark://rlopt-suite-v0/qsort", "opt -gvn input.bc -o output.bc",
                                            1.5, 0.25),
              compiler_gym.CompilerEnvState("benchmark://rlopt-suite-v0/crc32", "opt  input.bc -o output.bc", 0.0)]
    buf = io.StringIO()
    writer = compiler_gym.CompilerEnvStateWriter(buf)
    for s in states:
        writer.write_state(s)
    assert list(compiler_gym.CompilerEnvStateReader(io.StringIO(buf.getvalue()))) == states
    headless = buf.getvalue().split("\n", 1)[1]
    assert list(compiler_gym.CompilerEnvStateReader(io.StringIO(headless))) == states


def test_datasets(engine: Engine) -> None:
    env = make(engine)
    names = [d.name for d in env.datasets]
    assert "benchmark://rlopt-suite-v0" in names
    suite = env.datasets["rlopt-suite-v0"]
    assert suite is not None and len(list(suite.benchmark_uris())) == suite.size == 25
    assert env.datasets["benchmark://rlopt-suite-v0"].benchmark("qsort").uri == "benchmark://rlopt-suite-v0/qsort"
    assert env.datasets.benchmark("rlopt-suite-v0/crc32").name == "crc32"
    assert env.datasets.random_benchmark(np.random.default_rng(0)).uri.startswith("benchmark://")
    with pytest.raises(LookupError, match="unknown dataset"):
        env.datasets["no-such-dataset-v0"]
    env.close()


def test_make_gives_compiler_gyms_calling_convention() -> None:
    with compiler_gym.make("llvm-autophase-ic-v0", benchmark="bitcount", cache=False) as env:
        obs = env.reset()
        assert obs.shape == (56,) and env.reward_space.name == "IrInstructionCountOz"
        obs, reward, done, info = env.step(env.action_space["-mem2reg"])
        assert reward > 0 and not done and info["action_had_no_effect"] is False
        limited = compiler_gym.wrappers.TimeLimit(env.fork(), max_episode_steps=2)
        limited.reset()
        assert limited.step(0)[2] is False and limited.step(0)[2] is True
        limited.close()
    with pytest.raises(LookupError, match="unknown environment"):
        compiler_gym.make("gcc-v0")


# ----------------------------------------------------------------------------------------------- examples

def _example(name: str, *args: str, cwd: Path) -> str:
    proc = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_compiler_gym_examples_run(tmp_path: Path) -> None:
    """Random search, a leaderboard-style evaluation, state replay and validation, chained on their files."""
    out = _example("random_search.py", "--benchmark=rlopt-suite-v0/bitcount", "--runtime=1", "--patience=4",
                   "--nproc=1", "--outdir=rs", cwd=tmp_path)
    assert "Replaying actions from best solution found" in out and (tmp_path / "rs" / "optimized.bc").is_file()
    out = _example("leaderboard.py", "--max_benchmarks=1", "--max_steps=2", "--leaderboard_results=lb.csv",
                   cwd=tmp_path)
    assert "✅  rlopt-suite-v0/qsort" in out and "Geometric mean reward" in out
    assert "✅" in _example("replay_states.py", "lb.csv", cwd=tmp_path)
    assert "Number of validated results: 1 of 1" in _example("validate.py", "lb.csv", cwd=tmp_path)
    tampered = tmp_path / "bad.csv"
    tampered.write_text((tmp_path / "lb.csv").read_text().replace(",opt ", ",opt -gvn ", 1))
    proc = subprocess.run([sys.executable, str(EXAMPLES / "validate.py"), str(tampered)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 1 and "❌" in proc.stdout
