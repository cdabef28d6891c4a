"""``rlopt-train``: argument wiring of ppo/sac (trainers mocked), eval end to end, one-line errors."""

from __future__ import annotations

import dataclasses
import json
import sys
import types
from pathlib import Path

import pytest
import torch

from rlopt import passes
from rlopt.training.models import gnn_config
from rlopt.training.ppo import PPOConfig

pytest.importorskip("onnx")
cli = pytest.importorskip("rlopt.training.cli")
from test_policy import write_model  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class FakeTrainer(types.ModuleType):
    """Stands in for ppo/sac: records the config and environment factory it was called with."""

    def __init__(self, name: str):
        super().__init__(name)
        self.calls: list[tuple] = []
        config_name = "PPOConfig" if name.endswith("ppo") else "SACConfig"
        setattr(self, config_name, dataclasses.make_dataclass(config_name, [
            ("total_steps", int, 0), ("seed", int, 0), ("workers", int, 0), ("allowed_actions", tuple, ()),
            ("num_steps", int, 64), ("learning_rate", float, 3e-4), ("norm_adv", bool, True),
            ("device", str, "cpu"), ("hidden", int, 64), ("layers", int, 3), ("autophase", bool, False),
            ("vocab_size", int, 0)]))

    def train(self, config, env_fn, *, out_dir, progress, resume):
        """Records the call and writes a checkpoint with what a resumed run is checked against."""
        self.calls.append((config, env_fn, out_dir, progress, resume))
        space = passes.ACTION_SPACES[json.loads((out_dir / "run.json").read_text())["action_space"]]
        cfg = gnn_config(config.vocab_size, len(space), config.hidden, config.layers, config.autophase)
        torch.save({"algorithm": self.__name__.rpartition(".")[2], "gnn_config": cfg.to_dict(),
                    "config": dataclasses.asdict(config), "global_step": 8}, out_dir / cli.CHECKPOINT)
        return types.SimpleNamespace(global_step=8, episodes=2, best_return=0.5, best_actions=[124, 1],
                                     mean_return_last=0.25, checkpoint=str(out_dir / cli.CHECKPOINT),
                                     best_checkpoint=None)


@pytest.fixture(params=["ppo", "sac"])
def trainer(request, monkeypatch):
    fake = FakeTrainer(f"rlopt.training.{request.param}")
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    import rlopt.training

    monkeypatch.setattr(rlopt.training, request.param, fake, raising=False)
    return request.param, fake


def test_train_wires_options(trainer, tmp_path, capsys):
    algo, fake = trainer
    out = tmp_path / "run"
    assert cli.main([algo, "--benchmarks", "qsort,crc32", "--reward", "RuntimeProxyO3", "--episode-length", "7",
                     "--steps", "64", "--seed", "3", "--workers", "2", "--out", str(out), "--quiet",
                     "--set", "num_steps=32", "--set", "learning_rate=1e-3", "--set", "norm_adv=false"]) == 0
    config, env_fn, out_dir, progress, resume = fake.calls[0]
    assert (config.total_steps, config.seed, config.workers) == (64, 3, 2)
    assert (config.num_steps, config.learning_rate, config.norm_adv) == (32, 1e-3, False)
    space = passes.ACTION_SPACES[cli.DEFAULT_SPACE]
    assert {space[i].kind for i in config.allowed_actions} == {"optimization", "macro"}
    assert (out_dir, progress, resume) == (out, False, False)
    assert callable(env_fn)
    info = json.loads((out / "run.json").read_text())
    assert info["reward"] == "RuntimeProxyO3" and info["episode_length"] == 7
    assert info["benchmarks"] == ["benchmark://rlopt-suite-v0/qsort", "benchmark://rlopt-suite-v0/crc32"]
    printed = capsys.readouterr().out
    assert "best return 0.5000 (-O1 -adce)" in printed
    # The whole configuration is printed first and saved beside the run.
    config = json.loads((out / "config.json").read_text())
    assert config["hyperparameters"]["num_steps"] == 32 and config["hyperparameters"]["device"] == "cpu"
    assert config["environment"]["reward"] == "RuntimeProxyO3" and config["versions"]["llvm"].startswith("19.")
    assert printed.index('"num_steps": 32') < printed.index("best return")
    n = len(config["hyperparameters"]["allowed_actions"])  # all of them in config.json, their count on screen
    assert f'"allowed_actions": "{n} actions"' in printed and n > 100
    # A second run into the same directory needs --resume; --resume continues it.
    assert cli.main([algo, "--out", str(out), "--quiet"]) == 2
    assert cli.main([algo, "--out", str(out), "--quiet", "--resume", "--split", "validation"]) == 0
    assert fake.calls[-1][4]["algorithm"] == algo  # the checkpoint, read once: checked, then resumed


def test_train_takes_ir_files_as_the_env_does(trainer, tmp_path, monkeypatch):
    algo, fake = trainer
    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    ir = tmp_path / "hot.ll"
    ir.write_bytes(sorted((ROOT / "examples" / "ir").glob("*.ll"))[0].read_bytes())
    uri = ir.resolve().as_uri()
    assert cli.main([algo, "--benchmarks", f"{uri},hot.ll", "--out", str(tmp_path / "run"), "--quiet"]) == 0
    assert json.loads((tmp_path / "run" / "run.json").read_text())["benchmarks"] == [uri, uri]
    env = fake.calls[0][1]()
    try:
        assert env.reset(seed=0)[1]["benchmark"] == uri
    finally:
        env.close()


@pytest.mark.parametrize(("args", "message"), [
    (["--reward", "Speed"], "unknown reward space 'Speed'"),
    (["--benchmarks", "nope"], "no benchmark 'nope'"),
    (["--benchmarks", "missing.ll"], "missing.ll: no such IR file"),
    (["--benchmarks", "qsort", "--split", "test"], "not both"),
    (["--resume"], "--resume: no checkpoint.pt"),
    (["--action-space", "gym"], "Invalid value for '--action-space'"),
    (["--set", "gamme=0.9"], "expected FIELD=VALUE with FIELD one of total_steps"),
    (["--set", "num_steps=many"], "'many' is not a valid int"),
    (["--set", "allowed_actions=1"], "cannot be set from the command line"),
    (["--device", "cuda:7"], "Invalid value for --device: device 'cuda:7' is not available"),
    (["--device", "toaster"], "unknown device 'toaster'"),
    (["--set", "device=cuda:7"], "Invalid value for --device: device 'cuda:7' is not available"),
    (["--benchmarks", "../examples/ir/sort.O3.ll", "--reward", "RuntimeProxyO3"], "sort.O3 is bare IR"),
])
def test_train_errors_are_one_line(trainer, tmp_path, capsys, monkeypatch, args, message):
    algo, fake = trainer
    monkeypatch.chdir(ROOT / "tests")
    code = cli.main([algo, "--out", str(tmp_path / "r"), "--quiet", *args])
    err = capsys.readouterr().err
    assert code != 0 and message in err and err.count("\n") == 1 and not fake.calls
    assert not (tmp_path / "r").exists()  # refused before the run directory was made


@pytest.mark.parametrize(("algo", "args", "message"), [
    ("ppo", ["--set", "num_steps=0"], "num_steps must be positive, not 0"),
    ("ppo", ["--set", "seed=1", "--set", "hidden=-3"], "hidden must be positive, not -3"),
    ("ppo", ["--set", "gamma=-5"], "gamma must be between 0 and 1, not -5.0"),
    ("sac", ["--set", "batch_size=0"], "batch_size must be positive, not 0"),
    ("sac", ["--set", "train_frequency=0"], "train_frequency must be positive"),
    ("ppo", ["--seed", "-1"], "seed must not be negative, not -1"),
    ("sac", ["--seed", str(2**64)], "seed is out of range"),
    ("ppo", ["--set", "learning_rate=inf"], "learning_rate must be finite, not inf"),
    ("ppo", ["--set", "vocab_size=5"], "vocab_size must be 0 (the vocabulary's"),
])
def test_hyperparameters_that_cannot_work_are_refused_up_front(tmp_path, capsys, algo, args, message):
    """The real trainers' configurations check their ranges (these divided by zero or made negative tensors
    once the run had started, leaving a half-made run directory)."""
    code = cli.main([algo, "--benchmarks", "qsort", "--out", str(tmp_path / "r"), "--quiet", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and not (tmp_path / "r").exists()


def test_target_kl_can_be_set_back_to_none():
    config = cli._override(PPOConfig(), ("target_kl=0.02",))
    assert config.target_kl == 0.02 and cli._override(config, ("target_kl=none",)).target_kl is None


def test_a_broken_ir_file_is_refused_before_the_run_starts(trainer, tmp_path, capsys):
    algo, fake = trainer
    broken = tmp_path / "broken.ll"
    broken.write_text("define i32 @f( {\n")
    assert cli.main([algo, "--benchmarks", str(broken), "--out", str(tmp_path / "r"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and err.count("\n") == 1 and not (tmp_path / "r").exists() and not fake.calls


def test_workers_without_ray_is_refused_before_the_run_starts(trainer, tmp_path, capsys, monkeypatch):
    import importlib.util

    algo, fake = trainer
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a))
    assert cli.main([algo, "--workers", "2", "--out", str(tmp_path / "r"), "--quiet"]) == 2
    assert "--workers needs Ray" in capsys.readouterr().err and not (tmp_path / "r").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "hidden=32"], "hidden=32, the checkpoint hidden=64"),
    (["--action-space", "compilergym-v0"], "--action-space compilergym-v0 has 124 actions, the checkpoint 135"),
])
def test_incompatible_resume_is_refused_before_writing(trainer, tmp_path, capsys, args, message):
    algo, fake = trainer
    out = tmp_path / "run"
    assert cli.main([algo, "--benchmarks", "qsort", "--out", str(out), "--quiet"]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    capsys.readouterr()
    code = cli.main([algo, "--benchmarks", "crc32", "--out", str(out), "--quiet", "--resume", *args])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1 and len(fake.calls) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # config.json and run.json untouched


def test_resume_continues_the_runs_environment(trainer, tmp_path):
    """``--out RUN --resume`` alone goes on with the run's benchmarks, reward, episode length and action space
    (it went back to the defaults, mixing two rewards in one run); an option given again wins."""
    algo, fake = trainer
    out = tmp_path / "run"
    first = ["--benchmarks", "qsort", "--reward", "IrInstructionCount", "--episode-length", "5"]
    assert cli.main([algo, *first, "--out", str(out), "--quiet"]) == 0
    saved = json.loads((out / "run.json").read_text())
    assert cli.main([algo, "--out", str(out), "--quiet", "--resume"]) == 0
    assert json.loads((out / "run.json").read_text()) == saved
    assert cli.main([algo, "--out", str(out), "--quiet", "--resume", "--episode-length", "7"]) == 0
    assert json.loads((out / "run.json").read_text()) == {**saved, "episode_length": 7}


def test_resume_goes_on_with_the_runs_hyperparameters(trainer, tmp_path, capsys):
    """A resumed run keeps its --set values (it went back to the defaults) unless they are given again."""
    algo, fake = trainer
    out = tmp_path / "run"
    assert cli.main([algo, "--benchmarks", "qsort", "--steps", "64", "--seed", "5", "--set", "num_steps=32",
                     "--set", "learning_rate=1e-3", "--out", str(out), "--quiet"]) == 0
    assert cli.main([algo, "--out", str(out), "--quiet", "--resume", "--steps", "128"]) == 0
    config = fake.calls[-1][0]
    assert (config.total_steps, config.seed, config.num_steps, config.learning_rate) == (128, 5, 32, 1e-3)
    assert cli.main([algo, "--out", str(out), "--quiet", "--resume", "--set", "num_steps=16"]) == 0
    assert (fake.calls[-1][0].num_steps, fake.calls[-1][0].total_steps) == (16, 128)
    capsys.readouterr()
    assert cli.main([algo, "--out", str(out), "--quiet", "--resume", "--steps", "8"]) == 2
    assert "the run has done 8 of its 8 steps: give a larger total with --steps" in capsys.readouterr().err


@pytest.mark.parametrize("content", [b"global_step,episode,return\n1,1,0.5\n", b"\x80\x02junk", None])
def test_export_of_a_file_that_is_no_checkpoint_is_one_line(tmp_path, capsys, content):
    path = tmp_path / "progress.csv"
    if content is None:
        torch.save([1, 2], path)  # a torch file, but no checkpoint
    else:
        path.write_bytes(content)
    assert cli.main(["export", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"rlopt-train: error: {path} is not an rlopt training checkpoint") and err.count("\n") == 1
    assert not (tmp_path / cli.RUN_MODEL).exists()


def test_eval_prints_table_and_writes_files(tmp_path, capsys):
    model = write_model(tmp_path / "m", {"-O3": 3.0})
    out = tmp_path / "eval"
    assert cli.main(["eval", str(model), "--benchmarks", "bitcount", "--budget", "1", "--random-trials", "1",
                     "--metrics", "instructions", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "instructions (ratio to -O3" in text and "bitcount" in text
    assert "random: the fewest IR instructions of 1 random pipeline of 1 step, or no passes" in text  # legend
    assert f"policy: the model ({model}), at most 1 step" in text
    data = json.loads((out / "eval.json").read_text())
    assert data["benchmarks"]["bitcount"]["policy"]["actions"] == ["-O3"]
    assert (out / "eval.csv").is_file()


def test_eval_takes_ir_files_for_size_metrics(tmp_path, capsys):
    model = write_model(tmp_path / "m", {"-O3": 3.0})
    ir = ROOT / "examples" / "ir" / "sort.O3.ll"
    assert cli.main(["eval", str(model), "--benchmarks", str(ir), "--budget", "1", "--random-trials", "1"]) == 0
    captured = capsys.readouterr()
    text = captured.out
    assert "sort.O3" in text and "text_size (ratio to -O3" in text and "runtime (ratio" not in text
    assert "eval: bare IR among the benchmarks: metrics instructions, text_size only" in captured.err
    broken = tmp_path / "broken.ll"
    broken.write_text("define i32 @f( {\n")
    assert cli.main(["eval", str(model), "--benchmarks", f"bitcount,{broken}"]) == 2  # before bitcount's work
    assert str(broken) in capsys.readouterr().err
    assert cli.main(["eval", str(model), "--benchmarks", str(ir), "--metrics", "runtime"]) == 2
    assert "sort.O3 is bare IR (no sources to build and run): metrics instructions, text_size only" in \
        capsys.readouterr().err


def test_eval_errors(tmp_path, capsys):
    model = write_model(tmp_path / "m", {"-O3": 3.0})
    assert cli.main(["eval", str(model), "--benchmarks", "bitcount", "--metrics", "speed"]) == 2
    assert "unknown metric" in capsys.readouterr().err
    assert cli.main(["eval", str(tmp_path)]) == 1
    assert f"has no {cli.RUN_MODEL}: run 'rlopt-train export {tmp_path}' first" in capsys.readouterr().err
    assert cli.main(["eval", "no-such-model"]) == 1
    assert "model 'no-such-model' not found" in capsys.readouterr().err


def test_env_factory_draws_benchmarks_reproducibly(tmp_path, monkeypatch):
    from rlopt.training import benchmarks, rollouts

    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path))  # hermetic: no entries from other runs

    make = rollouts.env_factory([benchmarks.get("bitcount"), benchmarks.get("crc32")], reward="IrInstructionCount",
                           episode_length=2, action_space="rlopt-extended-v0")
    env = make()
    try:
        drawn = [env.reset(seed=s)[1]["benchmark"] for s in range(8)]
        assert set(drawn) == {"benchmark://rlopt-suite-v0/bitcount", "benchmark://rlopt-suite-v0/crc32"}
        assert drawn == [env.reset(seed=s)[1]["benchmark"] for s in range(8)]
        obs, _ = env.reset(seed=0)
        assert obs["node_tokens"].dtype.kind == "i" and obs["edge_index"].shape[0] == 2
        assert env.action_space.n == len(passes.EXTENDED_ACTIONS)
        sroa = passes.EXTENDED_ACTIONS.index(passes.get("-sroa"))
        assert env.step(sroa)[3] is False and env.step(sroa)[3] is True  # truncated at the episode length
    finally:
        env.close()


@pytest.mark.parametrize("content", [b"junk", b"", b"[1, 2]", b'{"version": 1}', b"\x80\x02\xff"])
@pytest.mark.parametrize("command", [["headroom"], ["portfolio"], ["select"], ["eval", "speed"],
                                     ["measure", "--benchmarks", "crc32"]])
def test_a_file_that_is_no_table_is_one_line_and_stays(tmp_path, capsys, content, command):
    table = tmp_path / "t.json"
    table.write_bytes(content)
    code = cli.main([*command, "--table", str(table)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith(f"rlopt-train: error: {table}: not a pipeline table") and err.count("\n") == 1
    assert table.read_bytes() == content


@pytest.mark.parametrize("args, message", [
    (["datasets", "list", "--programs", "nosuch"], "no programs to list for 'nosuch'"),
    (["ppo", "--benchmarks", ",", "--out", "RUN"], "--benchmarks ',' names no benchmark"),
    (["measure", "--benchmarks", ",", "--table", "RUN/t.json"], "--benchmarks ',' names no benchmark"),
    (["eval", "speed", "--benchmarks", "crc32", "--metrics", ","], "',' names no metric"),
    (["search", "--programs", "1", "--out", "AFILE/x.json"], "AFILE is not a directory"),
    (["headroom", "--json", "AFILE/h.json"], "AFILE is not a directory"),
    (["select", "--out", "model.txt"], "a model is NAME.onnx"),
    (["select", "--out", "m.onnx", "--report", "m.json"], "is where the model or its card goes"),
])
def test_arguments_that_cannot_work_are_refused_before_any_work(tmp_path, capsys, args, message):
    """(an empty list ran nothing and exited 0 or crashed; an output under a file failed after the work)"""
    (tmp_path / "afile").write_text("x")
    args = [a.replace("RUN", str(tmp_path / "run")).replace("AFILE", str(tmp_path / "afile")) for a in args]
    code = cli.main(args)
    err = capsys.readouterr().err.replace(str(tmp_path / "afile"), "AFILE")
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not (tmp_path / "run").exists()
