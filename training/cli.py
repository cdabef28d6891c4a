"""``rlopt-train``: training, evaluation and export (not yet available)."""

from __future__ import annotations

import sys


def main() -> int:
    print("rlopt-train: not yet available", file=sys.stderr)
    return 2
