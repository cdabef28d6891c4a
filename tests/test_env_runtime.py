"""Env observations and rewards that build and run the program: validation, miscompiles, Runtime, RuntimeProxy.

Uses a tiny user benchmark (a manifest in a temporary directory) that runs in milliseconds, so that timing
and callgrind stay fast; the suite programs are covered by benchmarks/env_speed.py.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from gymnasium.utils.env_checker import check_env

from rlopt.engine import Engine
from rlopt.errors import InputError
from rlopt.training import benchmarks
from rlopt.training.env import OBSERVATIONS, LlvmEnv, State

pytestmark = pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")

TINY = r"""
#include <stdio.h>
#include <stdlib.h>

static unsigned mix(unsigned x) { x ^= x >> 13; x *= 0x5bd1e995u; return x ^ (x >> 15); }

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int data[256];
    unsigned acc = 0;
    for (int i = 0; i < 256; i++) data[i] = i * 7;
    for (int i = 0; i < n; i++) acc += mix(acc + (unsigned)data[i & 255]);
    printf("%u\n", acc OFFSET);
    return 0;
}
"""
MANIFEST = """{"benchmarks": [
  {"name": "tiny", "sources": ["tiny.c"], "args": ["300000"], "small_args": ["2000"]},
  {"name": "unlinkable", "sources": ["tiny.c"], "args": ["10"], "ldflags": ["-lrlopt_no_such_library"]}
]}"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("tiny")
    (d / "tiny.c").write_text(TINY.replace(" OFFSET", ""))
    (d / "broken.c").write_text(TINY.replace(" OFFSET", " + 1"))
    (d / "rlopt-benchmarks.json").write_text(MANIFEST)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RLOPT_CACHE_DIR", str(d / "cache"))
        yield d


@pytest.fixture(scope="module")
def engine(workdir: Path) -> Iterator[Engine]:
    with Engine() as eng:
        yield eng


def tiny(workdir: Path, name: str = "tiny") -> benchmarks.Benchmark:
    return next(b for b in benchmarks.from_directory(workdir) if b.name == name)


def broken_state(workdir: Path) -> State:
    """The IR of a program that prints something else than ``tiny`` does: a deliberate miscompile."""
    bench = benchmarks.Benchmark("broken", "file:///broken", (workdir / "broken.c",), cwd=workdir)
    return State.of(benchmarks.ir(bench, "O3"))


def test_validate_accepts_optimized_and_catches_a_broken_program(workdir: Path, engine: Engine) -> None:
    env = LlvmEnv(tiny(workdir), "IrInstructionCount", None, cache=False, engine=engine)
    env.reset()
    for action in ("-mem2reg", "-gvn", "-loop-rotate", "-licm"):
        env.step(action)
    assert env.validate().ok
    env.ir_state = broken_state(workdir)
    verdict = env.validate()
    assert verdict.status == "miscompile" and "output differs" in verdict.message
    env.ir_state = State.of(env.ir_state.ir.replace(b"call i32 (ptr, ...) @printf", b"call i32 (ptr, ...) @nope", 1))
    assert env.validate().status == "build_error"


@pytest.mark.parametrize("reward", ["RuntimeProxy", "RuntimeProxyO3"])
def test_runtime_proxy_reward_is_deterministic(workdir: Path, engine: Engine, reward: str) -> None:
    results = []
    for _ in range(2):  # two fresh in-memory caches: each measures with callgrind again
        env = LlvmEnv(f"{(workdir / 'rlopt-benchmarks.json').as_uri()}#tiny", "RuntimeProxy", reward,
                      "rlopt-extended-v0", cache=False, engine=engine)
        env.reset()
        results.append([env.step(a)[:2] for a in ("-mem2reg", "-O3")])
    assert [(int(o), r) for o, r in results[0]] == [(int(o), r) for o, r in results[1]]
    (_, r_mem2reg), (proxy_o3, r_o3) = results[0]
    assert r_mem2reg > 0
    assert int(proxy_o3) == env.observation["RuntimeProxyO3"] < env.observation["RuntimeProxyO0"]
    if reward == "RuntimeProxyO3":
        assert r_mem2reg + r_o3 == pytest.approx(1.0)


def test_runtime_and_buildtime_observations(workdir: Path, engine: Engine) -> None:
    env = LlvmEnv(tiny(workdir), "Runtime", "Runtime", "rlopt-extended-v0", cache=False, engine=engine)
    obs, _ = env.reset()
    assert float(obs) == env.observation["RuntimeO0"] > 0
    assert 0 < env.observation["Buildtime"] < 60
    obs, reward, terminated, _, info = env.step("-O3")
    assert not terminated, info
    assert reward == pytest.approx((env.observation["RuntimeO0"] - float(obs)) / env.observation["RuntimeO0"])


def test_miscompile_ends_the_episode_unrewarded(workdir: Path, engine: Engine) -> None:
    env = LlvmEnv(tiny(workdir), "IrInstructionCount", "RuntimeProxy", cache=False, engine=engine)
    env.reset()
    env.ir_state = broken_state(workdir)  # as if an earlier pass had miscompiled the program
    _, reward, terminated, _, info = env.step("-mem2reg")
    assert terminated and reward == 0.0
    assert "Miscompile: miscompile" in info["error"]
    env.reset()
    assert env.step("-mem2reg")[4].get("error") is None


def test_benchmark_that_does_not_build_is_a_clear_error(workdir: Path, engine: Engine) -> None:
    env = LlvmEnv(tiny(workdir, "unlinkable"), "IrInstructionCount", "RuntimeProxy", cache=False, engine=engine)
    with pytest.raises(InputError, match="unlinkable: does not build"):
        env.reset()
    static = LlvmEnv(tiny(workdir, "unlinkable"), "IrInstructionCount", "IrInstructionCount", cache=False,
                     engine=engine)
    static.reset()  # static observations do not need a build
    assert static.step("-mem2reg")[1] > 0


@pytest.mark.parametrize("observation", [n for n in OBSERVATIONS if n.startswith(("Runtime", "Buildtime"))])
def test_check_env_passes_for_measured_observations(workdir: Path, engine: Engine, observation: str) -> None:
    env = LlvmEnv(tiny(workdir), observation, "RuntimeProxy", cache=workdir / "check-env-cache", engine=engine)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the checker's warnings count as failures too
        check_env(env, skip_render_check=True)
    env.close()
