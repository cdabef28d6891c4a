"""``benchmarks/size_levels.py``: the size model's real path on a program's IR from two frontend levels, against
-Oz on the same IR; never more IR instructions nor a larger .text than -Oz."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import benchmark_script

ROOT = Path(__file__).resolve().parent.parent


def test_summary_counts_and_means():
    s = benchmark_script("size_levels").summary([
        {"chosen": "Oz", "ir": 100, "text": 400, "oz_ir": 100, "oz_text": 400},
        {"chosen": "Z21", "ir": 80, "text": 390, "oz_ir": 100, "oz_text": 400}])
    assert s["programs"] == 2 and s["fewer_ir"] == 1 and s["more_ir"] == 0 and s["text_larger"] == 0
    assert abs(s["ir_vs_oz"] - (100 / 80) ** 0.5) < 1e-4 and s["pipelines"] == {"Oz": 1, "Z21": 1}


def test_the_model_on_two_levels_never_loses_to_oz(tmp_path):
    out = tmp_path / "r.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "size_levels.py"), "--programs",
                           "benchmark://rlopt-suite-v0/qsort,benchmark://rlopt-suite-v0/lz77", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    levels = json.loads(out.read_text())["levels"]
    assert set(levels) == {"O3", "Oz"}
    for level in levels.values():
        assert level["summary"]["programs"] == 2
        for row in level["rows"]:
            assert row["ir"] <= row["oz_ir"] and row["text"] <= row["oz_text"]
    assert "| -Oz | 2 |" in proc.stdout and "| -O3 | 2 |" in proc.stdout
