"""The dataset registry (install, list, URIs) and the run/check protocol of imported programs."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from rlopt.training import benchmarks as B
from rlopt.training import datasets as D
from rlopt.training import runtime as R
from rlopt.training.cli import main as train_main

PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv) {
    FILE *in = fopen(argv[1], "r");           /* a data file, by bare name */
    int n = 0, x, sum = 0;
    while (fscanf(in, "%d", &x) == 1) { sum += x; n++; }
    fclose(in);
    int y; if (scanf("%d", &y) != 1) return 3;  /* stdin */
    const char *scale = getenv("SCALE");
    FILE *out = fopen("result.txt", "w");      /* an output file */
    fprintf(out, "sum=%d\n", sum * (scale ? atoi(scale) : 1));
    fclose(out);
    printf("n=%d y=%d mean=%.6f\n", n, y, (double)sum / n);
    return 0;
}
"""


def make_dataset_dir(root: Path, *, reference: str | None = None, tolerance: list[float] | None = None) -> Path:
    """A dataset directory as an importer writes it, with one program using every run field."""
    (root / "p" / "src").mkdir(parents=True)
    (root / "p" / "data").mkdir()
    (root / "p" / "src" / "main.c").write_text(PROGRAM)
    (root / "p" / "data" / "numbers.txt").write_text("1 2 3 4\n")
    (root / "p" / "stdin.txt").write_text("7\n")
    entry = {"name": "p", "sources": ["p/src/main.c"], "args": ["numbers.txt"], "data": "p/data",
             "stdin": "p/stdin.txt", "outputs": ["result.txt"], "env": {"SCALE": "10"}, "family": "fam",
             "o3_seconds": 0.001}
    if reference is not None:
        (root / "p" / "reference.out").write_text(reference)
        entry["reference"] = "p/reference.out"
        del entry["outputs"]
    if tolerance is not None:
        entry["fp_tolerance"] = tolerance
    D.write_manifest(root, "toy-v0", [entry], [{"name": "q", "reason": "does not build"}], source={"path": "x"})
    return root


def test_split_and_repeat_rules():
    assert D.split_for("a") == D.split_for("a")
    splits = [D.split_for(f"prog{i}") for i in range(400)]
    assert 0.6 < splits.count("train") / 400 < 0.8 and splits.count("test") > 30
    assert D.repeat_for(0.2) == 1 and D.repeat_for(0.01) == 10 and D.repeat_for(1e-6) == D.MAX_REPEAT


def test_imported_program_runs_with_data_stdin_env_and_outputs(tmp_path):
    (b,) = B.from_directory(make_dataset_dir(tmp_path))
    assert (b.family, b.split, b.repeat, b.env) == ("fam", D.split_for("p"), D.repeat_for(0.001), (("SCALE", "10"),))
    exe = R.build_sources(b, tmp_path / "exe", opt_level="O1")
    got = R.run_benchmark(exe, b)
    assert got.returncode == 0
    assert got.stdout.startswith(b"n=4 y=7 mean=2.500000\n") and b"sum=100\n" in got.stdout
    assert not (b.data / "result.txt").exists()  # ran in a fresh directory, not among the data
    assert R.check_output(b, got, R.reference_output(b, b.args)) == ""
    wrong = R.RunResult(got.stdout.replace(b"sum=100", b"sum=101"), 0, 0, 0)
    assert "output differs" in R.check_output(b, wrong, got)
    assert "exit status 1" in R.check_output(b, R.RunResult(got.stdout, 1, 0, 0), got)


def test_reference_file_and_fp_tolerance(tmp_path):
    ref = "n=4 y=7 mean=2.500001\nexit 0\n"
    (strict,) = B.from_directory(make_dataset_dir(tmp_path / "a", reference=ref))
    (loose,) = B.from_directory(make_dataset_dir(tmp_path / "b", reference=ref, tolerance=[1e-5, 0.0]))
    exe = R.build_sources(strict, tmp_path / "exe")
    got = R.run_benchmark(exe, strict)
    assert R.with_exit_line(got) == b"n=4 y=7 mean=2.500000\nexit 0\n"
    assert "output differs" in R.check_output(strict, got)
    assert R.check_output(loose, got) == ""
    assert "output differs" in R.check_output(loose, R.RunResult(b"n=4 y=7 mean=2.6\n", 0, 0, 0))
    assert "output differs" in R.check_output(loose, R.RunResult(b"n=5 y=7 mean=2.500000\n", 0, 0, 0))


@pytest.fixture
def toy_importer(monkeypatch):
    """A registered importer that writes the toy dataset, or fails when asked to."""
    mod = types.ModuleType("toy_importer")
    mod.NAME, mod.DESCRIPTION = "toy-v0", "a toy dataset"
    mod.HOW_TO_GET = "a directory with a file named OK:\n  touch DIR/OK"

    def import_dataset(src: Path, dest: Path, *, jobs: int = 2, log=print) -> None:
        if not (src / "OK").is_file():
            raise B.BenchmarkError(f"{src}: no OK file: expected {mod.HOW_TO_GET}")
        if (src / "FAIL").is_file():
            (dest / "half-written").write_text("x")
            raise B.BenchmarkError("failed half-way")
        make_dataset_dir(dest)

    mod.import_dataset = import_dataset
    monkeypatch.setitem(sys.modules, "toy_importer", mod)
    monkeypatch.setitem(D.IMPORTERS, "toy-v0", "toy_importer")
    return mod


def test_import_installs_atomically_and_uris_resolve(toy_importer, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path / "cache"))
    D.load.cache_clear()
    src = tmp_path / "checkout"
    src.mkdir()
    with pytest.raises(B.BenchmarkError, match="is not installed: run 'rlopt-train datasets import toy-v0") as e:
        B.get("benchmark://toy-v0/p")
    assert str(e.value).endswith("(DIR: a directory with a file named OK; 'rlopt-train datasets list' shows how "
                                 "to get it)")  # one line, not cut at the ':' that leads to the commands
    assert train_main(["datasets", "list"]) == 0
    assert "toy-v0: not installed: a directory with a file named OK:\n  touch DIR/OK" in capsys.readouterr().out
    assert train_main(["datasets", "import", "toy-v0", "--from", str(src)]) == 1
    assert "no OK file" in capsys.readouterr().err
    (src / "OK").write_text("")
    assert train_main(["datasets", "import", "toy-v0", "--from", str(src)]) == 0
    assert "1 runnable programs, 1 left out" in capsys.readouterr().out
    b = B.get("toy-v0/p")
    assert b.uri == "benchmark://toy-v0/p" and B.get("benchmark://toy-v0/p") == b
    with pytest.raises(B.BenchmarkError, match="not runnable here: does not build"):
        B.get("toy-v0/q")
    # A failing re-import keeps the installed dataset and leaves no temporary directory behind.
    (src / "FAIL").write_text("")
    assert train_main(["datasets", "import", "toy-v0", "--from", str(src)]) == 1
    assert sorted(p.name for p in D.root().iterdir()) == ["toy-v0"]
    assert not (D.root() / "toy-v0" / "half-written").exists()
    assert train_main(["datasets", "list"]) == 0
    out = capsys.readouterr().out
    assert "toy-v0" in out and "rlopt-suite-v0" in out
    assert train_main(["datasets", "list", "--programs", "toy-v0"]) == 0
    out = capsys.readouterr().out
    assert "benchmark://toy-v0/p  fam" in out and "excluded: q: does not build" in out
    manifest = json.loads((D.root() / "toy-v0" / B.USER_MANIFEST).read_text())
    assert manifest["llvm"].startswith("19") or "19." in manifest["llvm"]


def test_import_errors_are_one_line(tmp_path, capsys):
    assert train_main(["datasets", "import", "nope-v0", "--from", str(tmp_path)]) == 1
    assert "unknown dataset 'nope-v0'" in capsys.readouterr().err
    assert train_main(["datasets", "import", "cbench-v1", "--from", str(tmp_path / "missing")]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "missing" in err


def test_environment_runs_an_imported_program_with_the_runtime_reward(toy_importer, tmp_path, monkeypatch):
    import gymnasium as gym

    import rlopt.training  # noqa: F401  (registers rlopt/llvm-v0)

    monkeypatch.setenv("RLOPT_CACHE_DIR", str(tmp_path / "cache"))
    D.load.cache_clear()
    (tmp_path / "checkout").mkdir()
    (tmp_path / "checkout" / "OK").write_text("")
    D.import_dataset("toy-v0", tmp_path / "checkout", log=lambda s: None)
    env = gym.make("rlopt/llvm-v0", benchmark="toy-v0/p", reward_space="Runtime", observation_space="Autophase")
    try:
        _, info = env.reset(seed=0)
        assert info["benchmark"] == "benchmark://toy-v0/p"
        _, reward, terminated, _, info = env.step("-sroa")  # validated against -O0 with data, stdin, env, outputs
        assert not terminated and "error" not in info and isinstance(reward, float)
    finally:
        env.close()
        D.load.cache_clear()
