"""Peak memory of one `rlopt` process (and its engine worker) on a ~10k-instruction module stays < 500 MB."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rlopt.training.benchmarks.generated import write_module

LIMIT_KB = 500 * 1024
_MEASURE = """
import resource, subprocess, sys
proc = subprocess.run(sys.argv[1:], capture_output=True)
sys.stderr.write(proc.stderr.decode())
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(proc.returncode)
"""


def peak_rss_kb(argv: list[str]) -> int:
    """Largest RSS of any process in the tree (rlopt, its engine worker, opt), in KiB."""
    proc = subprocess.run([sys.executable, "-c", _MEASURE, *argv], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.strip())


@pytest.fixture(scope="module")
def big_module(tmp_path_factory):
    return write_module(tmp_path_factory.mktemp("big"), functions=100)


@pytest.mark.parametrize("level", [["-O3"], ["-Oz"], ["-O-rl"], ["-O-rl", "--model", "size"]])
def test_rlopt_peak_rss_under_limit(big_module, tmp_path, level):
    """The models too: the size model holds its three candidates at once, built side by side."""
    kb = peak_rss_kb([sys.executable, "-m", "rlopt.cli", *level, str(big_module), "-o", str(tmp_path / "o.bc")])
    assert 0 < kb < LIMIT_KB, f"peak RSS {kb / 1024:.0f} MB"
