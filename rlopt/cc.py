"""``rlopt-cc`` / ``rlopt-c++``: CC/CXX wrappers (not yet available)."""

from __future__ import annotations

import sys


def _unavailable(name: str) -> int:
    print(f"{name}: not yet available", file=sys.stderr)
    return 2


def main_cc() -> int:
    return _unavailable("rlopt-cc")


def main_cxx() -> int:
    return _unavailable("rlopt-c++")
