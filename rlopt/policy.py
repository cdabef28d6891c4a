"""Learned policies: find the shipped ONNX model and let it choose a pass pipeline for a module."""

from __future__ import annotations

import os
from pathlib import Path

from rlopt.errors import RloptError
from rlopt.toolchain import Toolchain

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
DEFAULT_MODEL = "speed"


def resolve_model(model: str | None) -> Path:
    """A model name (``speed`` -> ``models/speed.onnx``) or a path to an ``.onnx`` file."""
    model = model or os.environ.get("RLOPT_MODEL") or DEFAULT_MODEL
    path = Path(model)
    if path.suffix != ".onnx":
        path = MODELS_DIR / f"{model}.onnx"
    if not path.is_file():
        available = sorted(p.stem for p in MODELS_DIR.glob("*.onnx"))
        hint = f"available: {', '.join(available)}" if available else "no trained model is installed yet"
        raise RloptError(f"model '{model}' not found ({hint}); use -O3 or --passes= instead")
    return path


def choose_pipeline(data: bytes, *, model: str | None, toolchain: Toolchain, timeout: float) -> str:
    """Run the policy on the module and return the pipeline it chose."""
    resolve_model(model)
    raise RloptError("-O-rl inference is not available in this build yet")
