"""The versioned node vocabulary: a stable mapping from graph node text to token id (``data/vocab-v1.json``).

A model is trained against one vocabulary and its card records the vocabulary's hash, so the mapping is part
of the ONNX contract. Only the standard library is used: this module is on the inference path.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from rlopt.errors import InputError
from rlopt.ir import write_output
from rlopt.irparse import OPCODES

if TYPE_CHECKING:
    from rlopt.graph import ProgramGraph

__all__ = ["DECLARATION_TEXT", "ROOT_TEXT", "Vocabulary"]

#: Text of the graph's root node (ProGraML's ``[external]``) and of a declared function's node: every
#: vocabulary holds them, after the unknown token and before the opcodes.
ROOT_TEXT = "[external]"
DECLARATION_TEXT = "; undefined function"

_DATA_DIR = Path(__file__).with_name("data")


class Vocabulary:
    """A stable, versioned mapping from node text to token id; id 0 is the unknown token."""

    UNKNOWN = "<unk>"

    def __init__(self, tokens: list[str], version: str = "v1") -> None:
        if len(set(tokens)) != len(tokens):
            raise InputError("vocabulary has duplicate tokens")
        self.version = version
        self.tokens = [self.UNKNOWN, *[t for t in tokens if t != self.UNKNOWN]]
        self.ids = {t: i for i, t in enumerate(self.tokens)}
        self.ids.pop(self.UNKNOWN)

    def __len__(self) -> int:
        return len(self.tokens)

    def __getitem__(self, text: str) -> int:
        return self.ids.get(text, 0)

    def _payload(self) -> dict:
        return {"format": "rlopt-vocabulary", "version": self.version, "tokens": self.tokens}

    @property
    def sha256(self) -> str:
        """Hash of the version and token list, to stamp model cards with the vocabulary they were trained on."""
        blob = json.dumps(self._payload(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

    def save(self, path: str | os.PathLike) -> None:
        """Write the vocabulary as JSON, atomically and readable by every user (it ships with models)."""
        write_output((json.dumps(self._payload(), indent=1) + "\n").encode(), str(path))

    @classmethod
    def load(cls, path: str | os.PathLike) -> Vocabulary:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read vocabulary {path}: {e}") from e
        if not isinstance(data, dict) or data.get("format") != "rlopt-vocabulary":
            raise InputError(f"{path} is not an rlopt vocabulary")
        tokens = data["tokens"]
        if not tokens or tokens[0] != cls.UNKNOWN:
            raise InputError(f"vocabulary {path} does not start with the unknown token")
        return cls(tokens[1:], data["version"])

    @classmethod
    def default(cls) -> Vocabulary:
        """The vocabulary shipped with rlopt (``rlopt/data/vocab-v1.json``)."""
        global _DEFAULT
        if _DEFAULT is None:
            _DEFAULT = cls.load(_DATA_DIR / "vocab-v1.json")
        return _DEFAULT

    @classmethod
    def build(cls, graphs: Iterable[ProgramGraph], min_count: int = 1, version: str = "v1") -> Vocabulary:
        """A vocabulary of every LLVM opcode plus the node texts seen at least ``min_count`` times."""
        counts: dict[str, int] = {}
        for g in graphs:
            for t in g.node_text:
                counts[t] = counts.get(t, 0) + 1
        fixed = [ROOT_TEXT, DECLARATION_TEXT, *OPCODES]
        seen = sorted((t for t, c in counts.items() if c >= min_count and t not in fixed),
                      key=lambda t: (-counts[t], t))
        return cls(fixed + seen, version)


_DEFAULT: Vocabulary | None = None
