"""Every example and suite program parses into a consistent graph at every IR level, before and after -O3."""

from __future__ import annotations

import pytest

from rlopt import features, graph
from rlopt.engine import Engine
from rlopt.training import benchmarks

pytestmark = pytest.mark.usefixtures("fresh_cache")


@pytest.fixture(scope="module")
def engine(tc):
    e = Engine(tc)
    yield e
    e.close()


def check(ir_text: str) -> None:
    g = graph.build(ir_text)
    arrays = g.arrays()
    assert g.num_instructions == features.instruction_count(ir_text) > 0
    assert arrays["edge_index"].max() < g.num_nodes == len(arrays["node_tokens"])


@pytest.mark.parametrize("bench", benchmarks.suite(), ids=lambda b: b.name)
def test_suite_program_at_every_level(bench, engine):
    for level in ("O0", "O1", "O3", "Oz"):
        text = benchmarks.ir(bench, level)
        check(text.decode())
        check(engine.optimize(text, "default<O3>").decode())


def test_examples(example_ir, engine):
    for path in example_ir.values():
        check(path.read_text())
        check(engine.optimize(path.read_bytes(), "default<O3>").decode())
