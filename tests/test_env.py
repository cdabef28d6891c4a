"""rlopt/llvm-v0: Gymnasium conformance, observations on several programs, caching, forks, command lines,
and containment of crashing and hanging passes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium
import networkx as nx
import numpy as np
import pytest
from gymnasium.vector.utils import batch_space

import rlopt.training  # noqa: F401  (registers rlopt/llvm-v0)
from rlopt import features, passes
from rlopt.cache import Cache
from rlopt.engine import Engine, StepResult
from rlopt.errors import InputError, RloptError
from rlopt.training import benchmarks
from rlopt.training.env import (
    OBSERVATIONS,
    InvalidActionError,
    LlvmEnv,
    ProgramlArraysSpace,
)
from tests.faulty_worker import FaultyEngine

PROGRAMS = ("bitcount", "crc32", "xtea")
STATIC = ("Ir", "IrSha256", "IrInstructionCount", "IrInstructionCountO0", "IrInstructionCountO3",
          "IrInstructionCountOz", "ObjectTextSize", "ObjectTextSizeO0", "ObjectTextSizeO3", "ObjectTextSizeOz",
          "Autophase", "InstCount", "Programl", "ProgramlArrays")
MEM2REG = next(i for i, a in enumerate(passes.ACTIONS) if a.name == "-mem2reg")
GVN = next(i for i, a in enumerate(passes.ACTIONS) if a.name == "-gvn")
SROA = next(i for i, a in enumerate(passes.ACTIONS) if a.name == "-sroa")


@pytest.fixture(scope="module", autouse=True)
def _cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Benchmark IR and every env cache go to a temporary directory, never to ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RLOPT_CACHE_DIR", str(tmp_path_factory.mktemp("rlopt-cache")))
        yield


def make(benchmark: object = "bitcount", engine: Engine | None = None, **kwargs: object) -> LlvmEnv:
    kwargs.setdefault("cache", False)
    return LlvmEnv(benchmark, engine=engine, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------- conformance

def test_gymnasium_make_registers_and_limits_episodes() -> None:
    env = gymnasium.make("rlopt/llvm-v0", benchmark="bitcount", observation_space="IrInstructionCount",
                         reward_space="IrInstructionCount", cache=False, max_episode_steps=3)
    obs, info = env.reset(seed=0)
    assert info["benchmark"] == "benchmark://rlopt-suite-v0/bitcount"
    assert env.observation_space.contains(obs)
    truncated = [env.step(MEM2REG)[3] for _ in range(3)]
    assert truncated == [False, False, True]
    assert env.unwrapped.commandline().count("mem2reg") == 3
    env.reset()  # a multistep is one step of the time limit (it went past every wrapper)
    truncated = [env.multistep([MEM2REG, GVN])[3] for _ in range(3)]
    assert truncated == [False, False, True] and env.unwrapped.actions == [MEM2REG, GVN] * 3
    env.close()


def test_compiler_gym_names_for_an_unknown_benchmark_and_the_text_size_reward() -> None:
    env = make(reward_space="ObjectTextSizeBytes", observation_space="ObjectTextSizeBytes")
    obs, _ = env.reset()
    _, reward, *_ = env.step(MEM2REG)
    assert reward == obs - env.observation["ObjectTextSize"] and env.reward_space.name == "ObjectTextSizeBytes"
    with pytest.raises(LookupError, match="no benchmark 'nosuch'"):  # CompilerGym's users catch LookupError
        env.reset(benchmark="nosuch")
    env.close()


def test_a_closed_environment_refuses_work_and_starts_no_worker() -> None:
    env = make(observation_space="IrInstructionCount")
    env.reset()
    env.close()
    def set_benchmark() -> None:
        env.benchmark = "susan"

    for use in (lambda: env.step(MEM2REG), env.reset, lambda: env.observation["IrInstructionCount"],
                lambda: env.state, env.commandline, lambda: env.benchmark, set_benchmark):
        with pytest.raises(gymnasium.error.ClosedEnvironmentError):
            use()
    assert not env.in_episode
    env.close()  # again: nothing
    assert env.engine._proc is None or env.engine._proc.poll() is not None


def test_a_fork_that_outlives_its_parent_stops_the_engine_last() -> None:
    """Keep the best fork, close the parent: the engine they share runs until the last of them closes (a fork
    once restarted a worker that nothing stopped)."""
    env = make(observation_space="IrInstructionCount")
    env.reset()
    fork = env.fork()
    env.close()
    assert fork.step(MEM2REG)[4].get("error") is None
    worker = fork.engine._proc
    assert worker is not None and worker.poll() is None
    fork.close()
    assert fork.engine._proc is None or worker.poll() is not None


def test_setting_the_reward_space_mid_episode_keeps_validation_true() -> None:
    env = make("crc32", observation_space="IrInstructionCount", reward_space="IrInstructionCountOz")
    env.reset()
    env.step(MEM2REG)
    before = env.episode_reward
    env.reward_space = "IrInstructionCountOz"  # the same space: it goes on counting
    assert env.episode_reward == before != 0 and env.state.reward == before
    env.reward_space = "IrInstructionCount"  # another: the return covers only what follows, so none is recorded
    env.step(GVN)
    assert env.state.reward is None and env.validate().okay()
    env.reset()
    env.step(MEM2REG)
    assert env.state.reward is not None and env.validate().okay()
    env.close()


def test_default_benchmark_is_drawn_from_the_training_split(engine: Engine) -> None:
    env = make(None, engine, observation_space="IrInstructionCount")
    train = {b.uri for b in benchmarks.suite("train")}
    seen = {env.reset(seed=s)[1]["benchmark"] for s in range(4)}
    assert seen <= train
    assert env.reset(seed=1)[1]["benchmark"] == env.reset(seed=1)[1]["benchmark"]


def test_extended_action_space_and_mask(engine: Engine) -> None:
    env = make("bitcount", engine, action_space="rlopt-extended-v0", observation_space="IrInstructionCount")
    assert env.action_space.n == len(passes.EXTENDED_ACTIONS)
    mask = env.action_mask()
    assert np.array_equal(env.reset()[1]["action_mask"], mask)
    assert mask.sum() == sum(a.safe for a in passes.EXTENDED_ACTIONS) < len(mask)
    assert make("bitcount", engine, mask_unsafe=False).action_mask().all()
    env.reset()
    o3 = env.step("-O3")[0]
    assert int(o3) == env.observation["IrInstructionCountO3"]
    unsafe = int(np.flatnonzero(mask == 0)[0])
    _, reward, terminated, _, info = env.step(unsafe)
    assert "skipped" in info and reward == 0.0 and not terminated and env.actions == [124 + 2]


@pytest.mark.parametrize("bad", [-1, 124, 3.5, "no-such-pass", None, True])
def test_invalid_actions_raise_clearly(engine: Engine, bad: object) -> None:
    env = make("bitcount", engine, observation_space="IrInstructionCount")
    env.reset()
    with pytest.raises(InvalidActionError, match="action"):
        env.step(bad)
    assert env.step(np.int64(MEM2REG))[4]["action_name"] == "-mem2reg"


def test_unknown_spaces_and_benchmarks_are_clear_errors(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown observation space 'Nope'"):
        make(observation_space="Nope")
    with pytest.raises(ValueError, match="unknown reward space 'Nope'"):
        make(reward_space="Nope")
    with pytest.raises(ValueError, match="unknown action space"):
        make(action_space="gcc-v0")
    with pytest.raises(InputError, match="no benchmark 'nope'"):
        make("nope", engine).reset()
    with pytest.raises(InputError, match="no such IR file"):
        make(str(tmp_path / "missing.ll"), engine).reset()
    (tmp_path / "bad.ll").write_text("define i32 @f( {\n")
    with pytest.raises(InputError, match="invalid LLVM IR"):
        make((tmp_path / "bad.ll").as_uri(), engine).reset()
    with pytest.raises(gymnasium.error.ResetNeeded):
        make("bitcount", engine).step(0)


@pytest.mark.parametrize("switch", [{"options": {"benchmark": "nope"}}, {"benchmark": "nope"}])
def test_failed_benchmark_switch_is_discarded(engine: Engine, switch: dict[str, Any]) -> None:
    env = make("bitcount", engine, observation_space="IrInstructionCount")
    env.reset()
    with pytest.raises(InputError, match="no benchmark 'nope'"):
        env.reset(**switch)
    assert env.benchmark == "benchmark://rlopt-suite-v0/bitcount"
    assert env.reset()[1]["benchmark"] == "benchmark://rlopt-suite-v0/bitcount"


# ---------------------------------------------------------------------------------------------- observations

@pytest.mark.parametrize("program", PROGRAMS)
def test_static_observations(engine: Engine, program: str) -> None:
    env = make(program, engine, reward_space=None)
    env.reset()
    ir = benchmarks.ir(benchmarks.get(program), "O3")
    spaces = env.observation.spaces
    for step in range(2):
        values = {name: env.observation[name] for name in STATIC}
        for name, value in values.items():
            assert spaces[name].contains(np.asarray(value) if isinstance(value, int | float) else value), name
        text = values["Ir"]
        assert values["IrInstructionCount"] == features.instruction_count(text)
        assert values["Autophase"].shape == (56,) and values["InstCount"].shape == (70,)
        assert values["InstCount"].tolist() == list(features.instcount(text))
        assert values["Programl"].number_of_nodes() == len(values["ProgramlArrays"]["node_types"])
        assert values["IrInstructionCountO3"] > 0 and 0 < values["ObjectTextSizeOz"] <= values["ObjectTextSizeO0"]
        if step == 0:
            assert values["IrInstructionCountO0"] == values["IrInstructionCount"]
            assert values["IrInstructionCount"] == features.instruction_count(ir.decode())
            env.step(MEM2REG)
        else:
            assert values["IrInstructionCount"] < values["IrInstructionCountO0"]


def test_compiler_gyms_derived_observations(engine: Engine) -> None:
    env = make("crc32", engine, observation_space="InstCountDict")
    obs, _ = env.reset()
    counts = env.observation["InstCount"]
    assert obs == {f"{n}Count": np.asarray(v) for n, v in zip(features.INSTCOUNT_NAMES, counts, strict=True)}
    assert all(v.dtype == np.int64 and v.shape == () for v in obs.values())  # 0-d arrays for Gymnasium
    assert env.observation["AutophaseDict"] == dict(zip(features.AUTOPHASE_NAMES,
                                                        env.observation["Autophase"].tolist(), strict=True))
    assert np.array_equal(env.observation.InstCount(), counts)  # CompilerGym's attribute spelling
    spec = env.observation.spaces["InstCountDict"]  # CompilerGym's ObservationSpaceSpec, and the space itself
    assert spec.id == "InstCountDict" and spec.deterministic and not spec.platform_dependent
    assert isinstance(spec.space, gymnasium.spaces.Dict) and spec.contains(obs) and spec.space.contains(obs)
    assert env.observation_space_spec.id == "InstCountDict" and env.observation.spaces["CpuInfo"].platform_dependent
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a plain count is in its space without Gymnasium's casting warning
        assert env.observation.spaces["IrInstructionCount"].contains(env.observation["IrInstructionCount"])
    with pytest.raises(AttributeError, match="no observation space 'Nope'"):
        env.observation.Nope()
    density = env.observation["InstCountNorm"]
    assert density.dtype == np.float32 and density.shape == (69,)
    assert np.allclose(density, counts[1:] / counts[0])
    assert env.observation["InstCountNormDict"]["TotalBlocksDensity"] == pytest.approx(counts[1] / counts[0])
    as_json = env.observation["ProgramlJson"]
    assert nx.utils.graphs_equal(nx.node_link_graph(as_json, edges="links"), env.observation["Programl"])
    assert env.observation["Bitcode"][:4] == b"BC\xc0\xde"
    assert env.observation["IsBuildable"] is True and env.observation["IsRunnable"] is True
    info = env.observation["CpuInfo"]
    assert info["cores_count"] == os.cpu_count() and info["name"] and info["l1d_cache_size"] != 0
    bare = make(env.observation["Ir"].encode(), engine)
    bare.reset()
    assert bare.observation["IsBuildable"] is False
    with pytest.raises(InputError, match="linked-size observations need a benchmark with C sources"):
        bare.observation["TextSizeBytes"]
    bare.close()
    env.close()


def test_bitcode_files_are_new_files_until_the_environment_closes(engine: Engine, tmp_path: Path) -> None:
    env = make("crc32", engine)
    env.reset()
    first, second = Path(env.observation["BitcodeFile"]), Path(env.observation["BitcodeFile"])
    assert first != second and first.read_bytes() == second.read_bytes() == env.observation["Bitcode"]
    kept = first.rename(tmp_path / "kept.bc")
    disassembled = subprocess.run([str(env.engine.toolchain.path("llvm-dis")), str(kept), "-o", "-"],
                                  capture_output=True, text=True, check=True).stdout
    assert "define" in disassembled
    env.close()
    assert not second.exists() and not second.parent.exists() and kept.exists()


def test_linked_text_size_observations_and_rewards(engine: Engine) -> None:
    env = make("crc32", engine, reward_space="TextSizeOz", observation_space="TextSizeBytes")
    obs, _ = env.reset()
    assert obs == env.observation["TextSizeO0"] and 0 < env.observation["TextSizeOz"] < obs
    assert env.observation["TextSize"] == obs  # TextSizeBytes is CompilerGym's name for it
    _, reward, *_ = env.step(MEM2REG)
    saved = obs - env.observation["TextSize"]
    assert saved > 0 and reward == pytest.approx(saved / (obs - env.observation["TextSizeOz"]))
    assert env.observation["TextSize"] > env.observation["ObjectTextSize"]  # linked: the C runtime's code too
    env.close()


def test_observations_are_fresh_objects(engine: Engine) -> None:
    env = make("bitcount", engine, observation_space="ProgramlArrays")
    first, _ = env.reset()
    first["node_types"][:] = 99
    again = env.observation["ProgramlArrays"]
    assert again["node_types"].max() < ProgramlArraysSpace.NODE_TYPES
    assert env.observation["Programl"] is not env.observation["Programl"]


def test_programl_arrays_space_checks_invariants() -> None:
    space = ProgramlArraysSpace(vocab_size=10, seed=0)
    sample = space.sample()
    assert space.contains(sample)
    broken = {**sample, "edge_index": sample["edge_index"] + 100}
    assert not space.contains(broken)
    assert not space.contains({**sample, "node_tokens": sample["node_tokens"].astype(np.int32)})
    assert not space.contains({k: v for k, v in sample.items() if k != "edge_flow"})


def test_ir_file_and_bytes_benchmarks(engine: Engine, tmp_path: Path) -> None:
    ir = benchmarks.ir(benchmarks.get("crc32"), "O3")
    path = tmp_path / "crc32.ll"
    path.write_bytes(ir)
    by_uri, by_bytes = make(path.as_uri(), engine), make(ir, engine)
    (a, info_a), (b, info_b) = by_uri.reset(), by_bytes.reset()
    assert info_a["benchmark"] == path.as_uri() and info_b["benchmark"].startswith("ir:")
    assert np.array_equal(a, b)
    bc = tmp_path / "crc32.bc"
    subprocess.run([str(engine.toolchain.path("llvm-as")), str(path), "-o", str(bc)], check=True)
    assert make(str(bc), engine, observation_space="Ir").reset()[0] == by_uri.observation["Ir"]
    with pytest.raises(InputError, match="not bare IR"):
        make(ir, engine, reward_space="RuntimeProxy").reset()


# ---------------------------------------------------------------------------------------- state and caching

class CountingEngine(Engine):
    """An engine that counts the pipelines it runs and its round trips to the worker."""

    runs = calls = 0

    def step(self, handle: int, pipeline: str, **kwargs: Any) -> StepResult:
        self.runs += 1
        return super().step(handle, pipeline, **kwargs)

    def _call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return super()._call(op, *args, **kwargs)


def test_a_new_state_costs_one_engine_round_trip() -> None:
    with CountingEngine() as eng:
        env = make("bitcount", eng, observation_space="IrInstructionCount", reward_space="IrInstructionCountNorm")
        env.reset()
        env.step(SROA)  # loads the module into the worker
        for action in (MEM2REG, GVN, MEM2REG):
            calls = eng.calls
            obs, reward, _, _, info = env.step(action)
            assert eng.calls - calls == 1 and "error" not in info
            assert int(obs) == eng.instruction_count(eng.load(env.ir_state.ir))  # type: ignore[union-attr]
        assert reward == 0.0  # the second mem2reg changed nothing


def test_commandline_reproduces_the_state(engine: Engine, tmp_path: Path) -> None:
    env = make("xtea", engine, observation_space="Ir", reward_space="IrInstructionCount")
    env.reset(seed=3)
    rng = np.random.default_rng(3)
    safe = np.flatnonzero(env.action_mask())
    for action in rng.choice(safe, 15):
        env.step(int(action))
    source = env.write_ir(tmp_path / "xtea.ll", initial=True)
    out = subprocess.run(env.commandline(source), shell=True, check=True, capture_output=True).stdout
    assert features.instruction_count(out.decode()) == env.observation["IrInstructionCount"]
    drop_module_id = lambda text: text.split("\n", 1)[1]  # noqa: E731  (opt names the module after the file)
    assert drop_module_id(out.decode()) == drop_module_id(env.observation["Ir"])
    assert env.pipeline == passes.pipeline(env.actions, passes.ACTIONS)


@pytest.mark.parametrize("name, actions", [("bfs_grid", ["-licm", "-dse", "-lcssa"])])
def test_commandline_runs_each_action_as_the_env_does(engine: Engine, tmp_path: Path, name: str,
                                                     actions: list[str]) -> None:
    """Each step runs in a pass manager of its own; one ``opt -passes=a,b,c`` would let a pass reuse an
    analysis an earlier action cached and change the code otherwise (here by a block or a few instructions)."""
    env = make(name, engine, observation_space="Ir", reward_space="IrInstructionCount")
    env.reset()
    env.multistep([passes.ACTIONS.index(passes.get(a)) for a in actions])
    source = env.write_ir(tmp_path / f"{name}.ll", initial=True)
    out = subprocess.run(env.commandline(source), shell=True, check=True, capture_output=True).stdout.decode()
    assert out.split("\n", 1)[1] == env.observation["Ir"].split("\n", 1)[1]
    rlopt = subprocess.run([sys.executable, "-m", "rlopt.cli", f"--actions={','.join(actions)}", str(source), "-S"],
                           check=True, capture_output=True).stdout.decode()
    assert rlopt.split("\n", 1)[1] == out.split("\n", 1)[1]


def test_fork_is_independent(engine: Engine) -> None:
    env = make("crc32", engine, observation_space="IrInstructionCount", reward_space="IrInstructionCount")
    env.reset(seed=0)
    env.step(MEM2REG)
    fork = env.fork()
    assert fork.actions == env.actions and fork.ir_state == env.ir_state and fork.episode_reward == env.episode_reward
    fork_reward = fork.step(GVN)[1]
    assert fork.actions == [MEM2REG, GVN] and env.actions == [MEM2REG]
    assert env.step(GVN)[1] == fork_reward  # the reward state was copied, not shared
    assert env.ir_state == fork.ir_state
    fork.close()
    assert env.step(SROA)[4].get("error") is None  # closing a fork leaves the shared engine running


def test_cache_replays_transitions_without_llvm(engine: Engine, tmp_path: Path) -> None:
    """A second environment on the same cache directory replays an episode without running a single pass."""
    plan = [MEM2REG, GVN, SROA, MEM2REG]
    first = make("bitcount", engine, cache=tmp_path / "c", reward_space="IrInstructionCountOz")
    first.reset()
    expected = [first.step(a)[:2] for a in plan]
    first.close()

    with CountingEngine() as counting:
        second = make("bitcount", counting, cache=tmp_path / "c", reward_space="IrInstructionCountOz")
        second.reset()
        got = [second.step(a)[:2] for a in plan]
        assert counting.runs == 0
        assert second.cache.hits > 0
    for (obs_a, r_a), (obs_b, r_b) in zip(expected, got, strict=True):
        assert np.array_equal(obs_a, obs_b) and r_a == r_b


def test_concurrent_envs_share_a_disk_cache(tmp_path: Path) -> None:
    """Two environments, each with its own engine, interleave steps on one sqlite cache."""
    envs = [make("bitcount", cache=tmp_path / "shared", observation_space="IrInstructionCount")
            for _ in range(2)]
    for env in envs:
        env.reset()
    for action in [MEM2REG, GVN, SROA]:
        results = [env.step(action)[:2] for env in envs]
        assert results[0][1] == results[1][1] and int(results[0][0]) == int(results[1][0])
    assert Cache(tmp_path / "shared").entry_count("env.step") >= 3
    for env in envs:
        env.close()


# ------------------------------------------------------------------------------------------- containment

class FaultyStepEngine(FaultyEngine):
    """An engine whose worker really segfaults (or hangs) when asked to run one chosen pipeline."""

    def __init__(self, fault: str, pipeline: str, timeout: float = 60.0):
        super().__init__(timeout=timeout)
        self.fault, self.pipeline = fault, pipeline

    def step(self, handle: int, pipeline: str, **kwargs: Any) -> StepResult:
        if pipeline == self.pipeline:
            self.crash() if self.fault == "crash" else self.hang()
        return super().step(handle, pipeline, **kwargs)


def test_crashing_pass_ends_the_episode_and_env_recovers() -> None:
    with FaultyStepEngine("crash", passes.ACTIONS[GVN].pipeline) as eng:
        env = make("bitcount", eng, observation_space="IrInstructionCount", reward_space="IrInstructionCount")
        env.reset()
        before = env.step(MEM2REG)[0]
        obs, reward, terminated, truncated, info = env.step(GVN)
        assert terminated and not truncated and reward == 0.0
        assert "ToolCrash" in info["error"] and "SIGSEGV" in info["error"]
        assert int(obs) == int(before) and env.actions == [MEM2REG]
        # the episode can go on from the unchanged state, and the crash is remembered, not repeated
        assert env.step(SROA)[4].get("error") is None
        starts = eng.starts
        env.reset()
        env.step(MEM2REG)
        assert "cached" in env.step(GVN)[4]["error"] and eng.starts == starts
        assert env.step(SROA)[4].get("error") is None


def test_hanging_pass_times_out_and_env_recovers() -> None:
    with FaultyStepEngine("hang", passes.ACTIONS[GVN].pipeline, timeout=1.0) as eng:
        env = make("bitcount", eng, observation_space="IrInstructionCount", timeout=1.0)
        env.reset()
        start = time.monotonic()
        _, _, terminated, _, info = env.step(GVN)
        assert terminated and "ToolTimeout" in info["error"] and time.monotonic() - start < 10
        obs, _ = env.reset()
        assert int(env.step(MEM2REG)[0]) < int(obs)


def test_cached_timeouts_count_only_for_equal_or_shorter_limits(tmp_path: Path) -> None:
    with FaultyStepEngine("hang", passes.ACTIONS[GVN].pipeline, timeout=1.0) as eng:
        env = make("bitcount", eng, cache=tmp_path / "c", observation_space="IrInstructionCount", timeout=1.0)
        env.reset()
        assert "ToolTimeout" in env.step(GVN)[4]["error"]
    with CountingEngine() as eng:
        same = make("bitcount", eng, cache=tmp_path / "c", observation_space="IrInstructionCount", timeout=1.0)
        same.reset()
        assert "ToolTimeout" in same.step(GVN)[4]["error"] and eng.runs == 0  # replayed from the cache
        longer = make("bitcount", eng, cache=tmp_path / "c", observation_space="IrInstructionCount", timeout=30.0)
        longer.reset()
        assert "error" not in longer.step(GVN)[4]  # a longer limit deserves another try


def test_engine_restart_by_another_user_is_transparent() -> None:
    """A crash in a fork (same engine) makes this env's module handle stale: it reloads the IR silently."""
    with FaultyEngine() as engine:
        env = make("crc32", engine, observation_space="IrInstructionCount")
        env.reset()
        env.step(MEM2REG)
        with pytest.raises(RloptError):
            engine.crash()
        _, _, terminated, _, info = env.step(GVN)
        assert not terminated and "error" not in info


def test_every_observation_is_registered_with_a_space(engine: Engine) -> None:
    env = make("bitcount", engine)
    spaces = env.observation.spaces
    assert set(spaces) == set(OBSERVATIONS) and set(STATIC) <= set(OBSERVATIONS)
    assert isinstance(spaces["Programl"].contains(nx.MultiDiGraph()), bool)


@pytest.mark.parametrize("name", sorted(set(OBSERVATIONS) - {"Programl"}))  # NetworkxSpace cannot sample
def test_every_observation_space_samples_what_it_contains(engine: Engine, name: str) -> None:
    space = make("bitcount", engine).observation.spaces[name].space
    for sampled in (space, batch_space(space, 2)):  # also as a vector environment batches it
        sampled.seed(0)
        assert sampled.contains(sampled.sample()), name


@pytest.mark.parametrize("name", ["ProgramlArrays", "Autophase", "ObjectTextSize"])
def test_observations_read_back_from_disk_equal_computed_ones(engine: Engine, tmp_path: Path, name: str) -> None:
    values = []
    for _ in range(2):  # the second environment reads what the first one stored
        env = make("crc32", engine, cache=tmp_path / "c", observation_space=name)
        env.reset()
        env.step(MEM2REG)
        values.append(env.observation[name])
        env.close()
    first, second = values
    if isinstance(first, dict):
        assert first.keys() == second.keys() and all(np.array_equal(first[k], second[k]) for k in first)
        assert all(second[k].dtype == np.int64 for k in second)
    else:
        assert np.array_equal(first, second)
    assert Cache(tmp_path / "c").entry_count(f"env.obs.{name}") == 2


@pytest.mark.slow
def test_memory_stays_flat_over_thousands_of_steps() -> None:
    """Parent and engine worker RSS after 3,000 random steps (after a warm-up that fills the memory cache)."""
    def rss_mb() -> float:
        status = Path("/proc/self/status").read_text()
        return int(next(ln for ln in status.splitlines() if ln.startswith("VmRSS")).split()[1]) / 1024

    env = make("heapsort", observation_space="IrInstructionCount", reward_space="IrInstructionCount")
    safe = np.flatnonzero(env.action_mask())
    rng = np.random.default_rng(0)

    def play(steps: int) -> None:
        for _ in range(steps // 50):
            env.reset()
            for action in rng.choice(safe, 50):
                if env.step(action)[2]:
                    break

    play(1500)
    parent, worker = rss_mb(), env.engine.memory()["rss"] / 2**20
    play(3000)
    assert rss_mb() - parent < 8 and env.engine.memory()["rss"] / 2**20 - worker < 8
    env.close()


def test_unreadable_cache_entry_is_recomputed(tmp_path):
    """A damaged or older-format observation entry is a miss, not a crash at reset."""
    from rlopt.cache import Cache
    from rlopt.training.env import LlvmEnv

    cache = Cache(tmp_path)
    env = LlvmEnv(benchmark="qsort", observation_space="ProgramlArrays", cache=cache)
    first, _ = env.reset()
    env.close()
    with cache._lock:
        cache._memory.clear()
        cache._db.execute("UPDATE entries SET value = x'00ff00ff' WHERE namespace LIKE 'env.obs.%'")
    env = LlvmEnv(benchmark="qsort", observation_space="ProgramlArrays", cache=cache)
    again, _ = env.reset()
    env.close()
    assert all((first[k] == again[k]).all() for k in first)
