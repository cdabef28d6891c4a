"""Evaluation tables: baselines, random search and the size tuner with the policy's budget, the policy, ratios and
geomeans."""

from __future__ import annotations

import csv
import dataclasses
import json
import math

import numpy as np
import pytest

from rlopt import passes
from rlopt.policy import Policy

pytest.importorskip("onnx")
evaluate = pytest.importorskip("rlopt.training.evaluate")
from test_policy import write_model  # noqa: E402

from rlopt.training import benchmarks  # noqa: E402


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    model = write_model(tmp_path_factory.mktemp("m"), {"-O3": 3.0, "-Oz": 2.0})
    bench = [benchmarks.get("bitcount"), benchmarks.get("crc32")]
    return evaluate.evaluate(bench, Policy.load(model), budget=2, random_trials=2,
                             metrics=("instructions", "text_size"))


def test_candidates_and_ratios(report):
    assert report.candidates == ["O0", "O3", "Oz", "random", "tuner", "policy"]
    for bench, cands in report.results.items():
        assert report.ratio(bench, "O3", "instructions") == 1.0
        # -O3 beats no passes on instruction count; -Oz makes the smallest .text of the baselines.
        assert report.ratio(bench, "O0", "instructions") > 1.0
        assert cands["Oz"].text_size <= cands["O3"].text_size
        # The toy policy prefers -O3 and keeps choosing it while it changes the IR: -O3 at least once.
        assert cands["policy"].actions[0] == "-O3" and 1 <= len(cands["policy"].actions) <= 2
        assert len(cands["random"].actions) in (0, 2)
        # the size tuner at the random search's budget never ends with more IR instructions than -Oz
        assert cands["tuner"].instructions <= cands["Oz"].instructions
    g = report.geomean("O0", "instructions")
    ratios = [report.ratio(b, "O0", "instructions") for b in report.results]
    assert g == pytest.approx(math.exp(np.mean(np.log(ratios))))


def test_table_json_csv(report, tmp_path):
    text = report.table()
    assert "instructions (ratio to -O3" in text and "geomean" in text and "bitcount" in text
    assert "proxy" not in text
    js, cs = report.write(tmp_path)
    data = json.loads(js.read_text())
    assert data["geomean_ratio_to_O3"]["instructions"]["O3"] == 1.0
    assert data["benchmarks"]["crc32"]["policy"]["pipeline"].startswith("default<O3>")
    rows = list(csv.DictReader(cs.open()))
    assert len(rows) == 2 * 6 * 2 and {r["metric"] for r in rows} == {"instructions", "text_size"}


def test_table_columns_line_up_under_long_names(report):
    """llvm-test-suite's benchmark names are long paths: the columns stay aligned."""
    long = dataclasses.replace(report, results={"SingleSource/Benchmarks/Shootout-C++/matrix": report.results["crc32"],
                                                **report.results})
    block = long.table().strip().split("\n\n")[0].splitlines()[1:]  # the instructions block without its title
    assert len(block) == 5 and len({len(line.rstrip()) for line in block}) == 1, block  # header, 3 rows, geomean


def test_random_search_keeps_the_best_valid_trial(tc):
    from rlopt.engine import Engine

    ir = benchmarks.ir(benchmarks.get("bitcount"), "O3")
    space = passes.EXTENDED_ACTIONS
    allowed = np.zeros(len(space), dtype=bool)
    allowed[[space.index(passes.get("-sroa")), space.index(passes.get("-barrier"))]] = True
    with Engine() as engine:
        best = evaluate.random_search(ir, space, allowed, budget=3, trials=6, engine=engine,
                                      rng=np.random.default_rng(1))
    assert "-sroa" in best.actions


def test_unknown_metric_is_rejected():
    with pytest.raises(ValueError, match="unknown metric"):
        evaluate.evaluate([], None, metrics=("speed",))


@pytest.mark.slow
def test_runtime_and_proxy_metrics(tmp_path):
    model = write_model(tmp_path, {"-O3": 3.0})
    r = evaluate.evaluate([benchmarks.get("bitcount")], Policy.load(model), budget=1, random_trials=1,
                          metrics=("proxy", "runtime"), runtime_rounds=2)
    c = r.results["bitcount"]
    assert c["O0"].proxy > c["O3"].proxy and c["policy"].status == "ok"
    assert r.ratio("bitcount", "O3", "runtime") == 1.0


def test_a_selector_is_evaluated_by_its_one_shot_choice():
    """The shipped speed model (a selector) is evaluated by what -O-rl would run: its choice for the module."""
    from rlopt.policy import load_model

    model = load_model("speed")
    r = evaluate.evaluate([benchmarks.get("rlopt-suite-v0/bitcount")], model, random_trials=1,
                          metrics=("instructions",))
    ir = benchmarks.ir(benchmarks.get("bitcount"), "O3")
    expected = model.choose(ir.decode())
    assert r.results["bitcount"]["policy"].pipeline == expected.pipeline
    assert r.results["bitcount"]["policy"].actions == [expected.chosen]
    assert r.config["budget"] == 10 and r.ratio("bitcount", "policy", "instructions") > 0


def test_the_exact_size_selector_is_evaluated_by_its_measurement():
    """The shipped size model decides by measuring while compiling; evaluation must judge that, not the kNN
    prediction it only falls back on without the engine (which may pick more instructions than -Oz)."""
    from rlopt.policy import load_model

    model = load_model("size")
    names = ["strsearch", "lu"]
    r = evaluate.evaluate([benchmarks.get(f"rlopt-suite-v0/{n}") for n in names], model, random_trials=1,
                          metrics=("instructions", "text_size"))
    for n in names:
        cands = r.results[n]
        assert cands["policy"].instructions <= cands["Oz"].instructions
        assert cands["policy"].text_size <= cands["Oz"].text_size


def test_runtime_and_proxy_run_the_program_as_the_env_does(tmp_path):
    """A program that reads a data file by bare name and its stdin is measured on them (it fails without);
    two programs that share a name keep a row each."""
    from dataclasses import replace

    from test_datasets import make_dataset_dir

    (b,) = benchmarks.from_directory(make_dataset_dir(tmp_path))
    twin = replace(b, uri="benchmark://other-v0/p")
    r = evaluate.evaluate([b, twin, b], None, budget=1, random_trials=1, metrics=("proxy", "runtime"),
                          runtime_rounds=1)
    assert list(r.results) == [b.uri.split("://", 1)[-1], "other-v0/p"]
    for row in r.results.values():
        assert all(c.status == "ok" for c in row.values())
        assert row["O0"].proxy > 0 and row["O3"].runtime > 0
