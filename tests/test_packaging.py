"""Dependencies: the package declares ranges (any torch >= 2.2, Python 3.11 and newer); the exact torch build
that this machine's `make setup` installs is pinned only in constraints.txt, which the Makefile passes to pip."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_package_declares_ranges_and_setup_pins_torch() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    train = project["optional-dependencies"]["train"]
    torch_requirement = next(r for r in train if r.startswith("torch"))
    assert "==" not in torch_requirement and ">=" in torch_requirement
    assert any(r.startswith("tensorboard") for r in train)
    pins = [line.strip() for line in (ROOT / "constraints.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    assert "torch==2.13.0" in pins
    assert "-c constraints.txt" in (ROOT / "Makefile").read_text()
    assert version("torch").startswith("2.13.0")
