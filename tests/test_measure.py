"""The pipeline table: timing statistics, one measured program, resuming, and the runtime-judged search."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from conftest import benchmark_script

from rlopt.training import benchmarks as B
from rlopt.training import measure as M
from rlopt.training import search as S
from rlopt.training.cli import main as train_main

# A loop whose body runtime unrolling and vectorization change, and a function that inlining removes.
PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
static int mix(int a, int b) { return (a * 31) ^ (b >> 3); }
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    unsigned *v = malloc(sizeof *v * n), acc = 0;
    for (int i = 0; i < n; i++) v[i] = (unsigned)i * 2654435761u;
    for (int r = 0; r < 400; r++)
        for (int i = 0; i < n; i++) acc += mix((int)v[i], r) + (v[i] >> (r & 7));
    printf("%u\n", acc);
    free(v);
    return 0;
}
"""


@pytest.fixture(scope="module")
def toy(tmp_path_factory) -> B.Benchmark:
    d = tmp_path_factory.mktemp("toy")
    (d / "toy.c").write_text(PROGRAM)
    (d / B.USER_MANIFEST).write_text(json.dumps([{"name": "toy", "sources": ["toy.c"], "args": ["200000"],
                                                  "split": "train"}]))
    return B.from_directory(d)[0]


def test_timing_statistics():
    t = M.Timing(((1.0, 1.1, 1.0), (0.5, 0.55, 0.5), (1.0, 1.0, 1.01)))
    assert t.rounds == 3
    assert t.speedup(1) == (2.0, 2.0)
    assert t.noise == pytest.approx(0.0)  # min of twin equals min of baseline; median ratio 1
    lo, hi = t.interval(1)
    assert lo <= 2.0 <= hi
    noisy = M.Timing(((1.0, 1.0, 1.0), (1.0, 1.0, 1.0), (1.2, 1.25, 1.3)))
    assert noisy.noise == pytest.approx(1 / 1.2 - 1, abs=1e-9) or noisy.noise > 0.15


def test_time_binaries_adds_a_twin_and_bounds_rounds(toy, tmp_path):
    from rlopt.training import runtime as R

    exe = R.build_sources(toy, tmp_path / "o2", opt_level="O2")
    t = M.time_binaries([exe], toy, min_rounds=2, max_rounds=3)
    assert len(t.samples) == 2 and 2 <= t.rounds <= 3
    assert all(s > 0 for s in t.samples[0] + t.samples[1])


def test_measure_program_row(toy, tmp_path):
    table_path = tmp_path / "table.json"
    pipes = {"O3": "default<O3>", "O3x1": "default<O3>", "O1": "default<O1>", "none": "verify"}
    table = M.measure([toy], table_path, pipelines=pipes, min_rounds=2, max_rounds=2, log=lambda s: None)
    row = table["programs"][toy.uri]
    c = row["candidates"]
    assert set(c) == set(pipes)
    assert c["O3x1"]["same_as"] == "O3" and c["O3x1"]["binary"] == c["O3"]["binary"]
    assert c["O3"]["speedup"] == 1.0 and not c["O3"]["win"]
    assert c["none"]["ir_instructions"] > c["O3"]["ir_instructions"] > 0
    assert c["none"]["speedup"] < 0.9 and c["none"]["loss"]  # unoptimized code is clearly slower
    assert row["rounds"] == 2 and row["noise"] >= 0 and row["distinct_binaries"] == 3
    assert row["o3_seconds"] > 0 and row["repeat"] >= 1
    saved = json.loads(table_path.read_text())
    assert saved["llvm"] and saved["machine"]["cores"] and saved["programs"][toy.uri]["candidates"]
    # Resuming measures nothing new; a new candidate re-measures the program with all its candidates.
    assert M.missing(saved, toy, pipes) == {}
    more = {**pipes, "O2": "default<O2>"}
    assert M.missing(saved, toy, more) == {"O2": "default<O2>"}
    table = M.measure([toy], table_path, pipelines=more, min_rounds=2, max_rounds=2, log=lambda s: None)
    assert set(table["programs"][toy.uri]["candidates"]) == set(more)


def test_a_pipeline_that_kills_the_worker_costs_only_its_own_column(toy, tmp_path):
    """A candidate whose pipeline crashes (or times out) the engine worker is an error; the worker restarts
    without the program's module, and the candidates after it are still built from it (loaded again)."""
    from rlopt import toolchain
    from tests.faulty_worker import FaultyEngine

    class Killing(FaultyEngine):
        def run(self, handle, pipeline, **kw):
            if pipeline == "function(adce)":
                self.crash()
            return super().run(handle, pipeline, **kw)

    pipes = {"O3": "default<O3>", "boom": "function(adce)", "O1": "default<O1>"}
    with Killing(toolchain.find()) as eng:
        built = M.build_candidates(toy, pipes, tmp_path, eng, jobs=1)
        assert eng.starts == 2
    assert "optimization failed" in built["boom"].error and "SIGSEGV" in built["boom"].error
    assert built["O1"].error is None and built["O1"].exe.is_file() and built["O3"].exe.is_file()


def test_wrong_reference_is_an_error_row(toy, tmp_path):
    d = Path(toy.cwd)
    (d / "wrong.out").write_text("42\nexit 0\n")
    manifest = json.loads((d / B.USER_MANIFEST).read_text())
    manifest[0].update(name="wrong", reference="wrong.out")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / B.USER_MANIFEST).write_text(json.dumps(manifest).replace('"toy.c"', f'"{d / "toy.c"}"')
                                                  .replace('"wrong.out"', f'"{d / "wrong.out"}"'))
    (bad,) = B.from_directory(tmp_path / "m")
    table = M.measure([bad], tmp_path / "t.json", pipelines={"O3": "default<O3>"}, log=lambda s: None)
    assert "wrong output" in table["programs"][bad.uri]["error"]


def test_search_scores_and_keeps_sequences(toy, tmp_path, monkeypatch):
    monkeypatch.setattr(S, "RANDOM_SEQUENCES", 3)
    monkeypatch.setattr(S, "GENERATIONS", 1)
    monkeypatch.setattr(S, "CHILDREN_PER_GENERATION", 2)
    monkeypatch.setattr(S, "ROUNDS", 2)
    scored = S.search([toy], seed=3, log=lambda s: None)
    assert 3 <= len(scored) <= 5 and all(c.fitness is not None for c in scored)
    assert [c.fitness for c in scored] == sorted((c.fitness for c in scored), reverse=True)
    with pytest.raises(Exception, match="only"):
        S.write_searched(scored, [toy], tmp_path / "s.json", keep=50)
    kept = S.write_searched(scored, [toy], tmp_path / "s.json", keep=1)
    doc = json.loads((tmp_path / "s.json").read_text())
    assert doc["pipelines"][0]["pipeline"] == kept[0].pipeline and doc["programs"] == [toy.uri]


def test_measure_cli(toy, tmp_path, capsys):
    assert train_main(["measure", "--benchmarks", toy.uri, "--table", str(tmp_path / "t.json"), "--no-time"]) == 0
    row = json.loads((tmp_path / "t.json").read_text())["programs"][toy.uri]
    assert row["rounds"] == 0 and set(M.candidates()) <= set(row["candidates"])
    assert train_main(["measure", "--benchmarks", toy.uri, "--min-rounds", "5", "--max-rounds", "3"]) == 2


def test_an_installed_packages_committed_files_are_not_rewritten(toy, tmp_path, capsys, monkeypatch):
    """Outside a source checkout the committed table and sequence files are package data: no default there."""
    (tmp_path / ".git").mkdir()  # an installed package in a virtualenv inside some git project
    (tmp_path / "pyproject.toml").write_text("")
    installed = tmp_path / ".venv" / "lib" / "site-packages" / "rlopt" / "training" / "tables"
    installed.mkdir(parents=True)
    monkeypatch.setattr(M, "TABLE_FILE", installed / "pipeline-table.json")
    monkeypatch.setattr(M, "SEARCHED_FILE", installed / "searched.json")
    for args, option in ((["measure", "--benchmarks", toy.uri, "--no-time"], "--table"),
                         (["search", "--programs", "1"], "--out")):
        assert train_main(args) == 2
        assert f"{option}: give a FILE (the default, {installed}" in capsys.readouterr().err
    assert list(installed.iterdir()) == []


def test_headroom_counts_only_wins_beyond_noise():
    from rlopt.training import headroom as H

    def cand(speed: float, win: bool, ir: int, text: int, **kw) -> dict:
        return {"pipeline": "p", "speedup": speed, "win": win, "loss": speed < 0.9, "ir_instructions": ir,
                "text_size": text, "ci": [speed, speed], **kw}

    table = {"candidates": {"O3": "default<O3>", "Oz": "default<Oz>", "X": "x"}, "programs": {
        "benchmark://f1/a": {"uri": "benchmark://f1/a", "family": "f1", "rounds": 5, "noisy": False, "noise": 0.01,
                             "margin": 0.03, "candidates": {"O3": cand(1.0, False, 100, 1000),
                                                            "Oz": cand(0.8, False, 80, 700),
                                                            "X": cand(1.2, True, 90, 800)}},
        "benchmark://f1/b": {"uri": "benchmark://f1/b", "family": "f1", "rounds": 5, "noisy": False, "noise": 0.01,
                             "margin": 0.03, "candidates": {"O3": cand(1.0, False, 100, 1000),
                                                            "Oz": cand(0.9, False, 80, 700),
                                                            "X": cand(1.02, False, 60, 720),
                                                            "Y": cand(3.0, True, 10, 10, suspect=True)}},
        "benchmark://f2/c": {"uri": "benchmark://f2/c", "family": "f2", "rounds": 10, "noisy": True,
                             "candidates": {"O3": cand(1.0, False, 10, 10), "X": cand(1.5, True, 10, 10)}},
        "benchmark://f2/d": {"uri": "benchmark://f2/d", "family": "f2", "error": "does not build"}}}
    h = H.headroom(table)
    a, b = sorted((r for r in h["programs"] if r["family"] == "f1"), key=lambda r: r["uri"])
    assert (a["best"], a["speedup"]) == ("X", 1.2)
    assert (b["best"], b["speedup"]) == ("O3", 1.0)  # X is within noise, Y deleted the work: neither counts
    assert b["suspect"] == ["Y"]
    assert h["families"]["f1"]["speed_oracle"] == pytest.approx(math.sqrt(1.2))
    assert h["families"]["f1"]["beat_o3"] == 1 and h["families"]["f2"]["timed"] == 0
    assert a["ir_vs_oz"] == 1.0 and b["ir_vs_oz"] == pytest.approx(80 / 10)
    assert h["errors"] == {"benchmark://f2/d": "does not build"}
    assert "| f1 | 2 | 2 | 1.095x | 1 |" in H.markdown(h)


def test_size_search_and_untimed_candidates(toy, tmp_path, monkeypatch):
    monkeypatch.setattr(S, "SIZE_RANDOM_SEQUENCES", 4)
    monkeypatch.setattr(S, "SIZE_GENERATIONS", 1)
    monkeypatch.setattr(S, "SIZE_CHILDREN_PER_GENERATION", 3)
    scored = S.search([toy], objective="size", seed=1, log=lambda s: None)
    assert all(c.fitness and c.fitness > 0 for c in scored) and "-Oz" in {a for c in scored for a in c.actions}
    table_path = tmp_path / "t.json"
    timed = {"O3": "default<O3>", "O2": "default<O2>"}
    M.measure([toy], table_path, pipelines=timed, untimed={}, min_rounds=2, max_rounds=2, log=lambda s: None)
    first = json.loads(table_path.read_text())["programs"][toy.uri]
    sizes = {"Oz": "default<Oz>", "Z1": scored[0].pipeline, "O3again": "default<O3>"}
    table = M.measure([toy], table_path, pipelines=timed, untimed=sizes, log=lambda s: None)
    row = table["programs"][toy.uri]
    assert row["date"] == first["date"] and row["rounds"] == first["rounds"]  # no new timing session
    assert set(row["candidates"]) == set(timed) | set(sizes) and table["untimed"] == sorted(sizes)
    assert row["candidates"]["Oz"]["ir_instructions"] > 0 and "speedup" not in row["candidates"]["Oz"]
    assert row["candidates"]["O3again"]["same_as"] == "O3" and row["candidates"]["O3again"]["speedup"] == 1.0


def test_cover_prefers_sequences_that_complement_each_other():
    """The exact size selector keeps the smallest of its candidates, so two that each win big where the other
    does not beat one that is slightly better everywhere (which a geometric-mean search would keep)."""
    everywhere = S.Scored(("-A",), per_program={"p1": 1.02, "p2": 1.02, "p3": 1.02})
    first = S.Scored(("-B",), per_program={"p1": 2.0, "p2": 1.0, "p3": 0.5})
    second = S.Scored(("-C",), per_program={"p1": 1.0, "p2": 3.0, "p3": 1.0})
    worse = S.Scored(("-D",), per_program={"p1": 0.9, "p2": 0.9, "p3": 0.9})
    kept = S.cover([everywhere, first, second, worse], keep=5)
    assert kept == [second, first, everywhere]  # -D adds nothing; -A only its 2% on p3
    assert second.fitness == pytest.approx(3 ** (1 / 3)) and everywhere.fitness == pytest.approx(1.02 ** (1 / 3))
    assert S.cover([everywhere, first, second], keep=1) == [second]


# main inlines both functions and keeps them (they are external): without the inliner the module is smaller.
SIZE_PROGRAM = r"""
#include <stdio.h>
#include <stdlib.h>
unsigned work(unsigned n) {
    unsigned acc = 0;
    for (unsigned i = 0; i < n; i++) acc += (i * 2654435761u) >> (i & 7);
    return acc;
}
unsigned more(unsigned n) {
    unsigned acc = 1;
    for (unsigned i = 0; i < n; i++) acc = acc * 31 + work(i & 15);
    return acc;
}
int main(int argc, char **argv) {
    unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
    printf("%u %u\n", work(n), more(n));
    return 0;
}
"""


def test_size_portfolio_finds_each_programs_winner_and_appends_it(tmp_path):
    (tmp_path / "inl.c").write_text(SIZE_PROGRAM)
    (tmp_path / B.USER_MANIFEST).write_text(json.dumps([{"name": "inl", "sources": ["inl.c"], "args": ["100"],
                                                         "split": "train"}]))
    prog = B.from_directory(tmp_path)[0]
    got = S.size_portfolio([prog], seconds=1.0, log=lambda s: None)
    ratio = got[0].per_program[prog.uri.removeprefix("benchmark://")]  # unique across datasets
    assert len(got) == 1 and ratio > 1.1 and got[0].fitness == ratio
    path = tmp_path / "searched.json"
    path.write_text(json.dumps({"date": "2026-01-01", "programs": [], "rounds": 3, "pipelines": [
        {"name": "Z01", "actions": ["-Oz"], "pipeline": "default<Oz>,globaldce", "search_fitness": 1.0}]}))
    S.write_searched(got, [prog], path, keep=12, prefix="Z", append=True)
    doc = json.loads(path.read_text())
    assert [e["name"] for e in doc["pipelines"]] == ["Z01", "Z02"]
    assert doc["pipelines"][1]["pipeline"] == got[0].pipeline and M.searched(path)["Z02"] == got[0].pipeline
    before = path.read_bytes()
    with pytest.raises(Exception, match="no sequence searched.json does not have already: nothing written"):
        S.write_searched(got, [prog], path, keep=12, prefix="Z", append=True)
    assert path.read_bytes() == before


def test_merge_tables(tmp_path):
    a = {"version": 1, "llvm": "19.1.7", "candidates": {"O3": "x"}, "programs": {
        "u1": {"date": "2026-01-01", "candidates": {}}, "u2": {"date": "2026-01-01", "error": "boom"}}}
    b = {"version": 1, "llvm": "19.1.7", "candidates": {"S": "y"}, "untimed": ["S"], "programs": {
        "u1": {"date": "2025-01-01", "candidates": {}}, "u2": {"date": "2025-01-01", "candidates": {}},
        "u3": {"date": "2026-02-01", "candidates": {}}}}
    assert M.merge_tables(a, b) == 2  # u2 (a row beats an error) and u3 (new); u1 stays (ours is newer)
    assert a["programs"]["u1"]["date"] == "2026-01-01" and "error" not in a["programs"]["u2"]
    assert set(a["candidates"]) == {"O3", "S"} and a["untimed"] == ["S"]
    with pytest.raises(Exception, match="LLVM"):
        M.merge_tables(a, {**b, "llvm": "18.1.0"})


def test_measure_spreads_over_ray_like_here(toy, tmp_path):
    """The same rows come back from a Ray node (here a local one-node cluster) as from this process."""
    pytest.importorskip("ray")
    import socket

    pipes = {"O3": "default<O3>", "O1": "default<O1>"}
    here = M.measure([toy], tmp_path / "here.json", pipelines=pipes, time_runs=False, log=lambda s: None)
    lines: list[str] = []
    there = M.measure([toy], tmp_path / "ray.json", pipelines=pipes, time_runs=False, ray_address="",
                      log=lines.append)
    row, ref = there["programs"][toy.uri], here["programs"][toy.uri]
    assert "error" not in row and row["node"] == socket.gethostname()
    assert {n: c["ir_instructions"] for n, c in row["candidates"].items()} == \
        {n: c["ir_instructions"] for n, c in ref["candidates"].items()}
    assert lines[0] == "measuring on 1 Ray node(s)" and lines[1] == f"[1/1] {toy.uri}"
    assert json.loads((tmp_path / "ray.json").read_text())["programs"][toy.uri]["candidates"]


def test_replicate_wins_retimes_the_oracles_choice_and_counts_what_holds():
    """The oracle's pick (a fastest win, never one that deleted the work), and wins counted only where they were."""
    rw = benchmark_script("replicate_wins")

    def cand(speedup: float, win: bool = False, suspect: bool = False) -> dict:
        return {"speedup": speedup, "speedup_median": speedup, "win": win, "loss": False, "suspect": suspect}

    row = {"uri": "u", "family": "f", "rounds": 5, "noisy": False, "margin": 0.03,
           "candidates": {"O3": cand(1.0), "A": cand(1.2, win=True), "B": cand(3.0, win=True, suspect=True),
                          "C": cand(1.1, win=True)}}
    quiet = {**row, "candidates": {"O3": cand(1.0), "A": cand(1.01), "B": cand(0.9)}}
    assert rw.best_candidate(row)[0] == "A" and rw.best_candidate(quiet)[0] == "A"
    table = {"programs": {"u": row, "v": quiet, "w": {**quiet, "noisy": True}}}
    assert [(u, n) for u, n, _ in rw.chosen(table, everything=True)] == [("u", "A"), ("v", "A")]
    assert [u for u, _, _ in rw.chosen(table, everything=False)] == ["u"]

    done = {"u": {"table": {"speedup": 1.2, "win": True}, "again": {"speedup": 1.1, "win": False, "loss": False}},
            "v": {"table": {"speedup": 1.01, "win": False}, "again": {"speedup": 1.0, "win": False, "loss": False}}}
    s = rw.summary(done, ["u", "v"], 2)
    assert (s["table_wins"], s["wins_again"], s["losses_again"]) == (1, 0, 0)
    assert s["headroom_table"] == pytest.approx(1.2 ** 0.5) and s["headroom_both"] == pytest.approx(1.0)
    done["u"]["again"]["win"] = True
    assert rw.summary(done, ["u", "v"], 2)["headroom_both"] == pytest.approx(1.1 ** 0.5)
