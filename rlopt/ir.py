"""Read and write LLVM IR files safely: format detection, stdin/stdout, atomic output, ``optnone`` handling."""

from __future__ import annotations

import os
import re
import sys

from rlopt.errors import InputError
from rlopt.output import write_file as write_file  # re-exported: callers import them from here
from rlopt.output import write_output as write_output

_BITCODE_MAGIC = b"BC\xc0\xde"
_WRAPPER_MAGIC = b"\xde\xc0\x17\x0b"
_ATTR_GROUP_RE = re.compile(r"^attributes #(\d+) = \{([^}]*)\}", re.M)
_DEFINE_RE = re.compile(r'^define [^@]*@("[^"]+"|[\w.$-]+)\([^\n]*?\)[^{\n]*?#(\d+)', re.M)


def is_bitcode(data: bytes) -> bool:
    """True for raw or wrapped LLVM bitcode; everything else is treated as IR text."""
    return data[:4] in (_BITCODE_MAGIC, _WRAPPER_MAGIC)


def read_input(path: str) -> bytes:
    """Read an input file (``-`` is stdin); failures become one-line :class:`InputError`s."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as e:
        raise InputError(f"{path}: {e.strerror}") from None


def with_module_id(text: bytes, name: str) -> bytes:
    """Text IR whose ``; ModuleID`` comment names ``name``, as ``opt NAME`` and ``clang NAME`` write it, where the
    module was made from stdin or a temporary file."""
    first, newline, rest = text.partition(b"\n")
    if not first.startswith(b"; ModuleID = "):
        return text
    return b"; ModuleID = '" + os.fsencode(name) + b"'" + newline + rest


def optnone_functions(ir_text: str) -> list[str]:
    """Names of defined functions marked ``optnone``: every pass skips them, so optimizing does nothing."""
    groups = {m[1] for m in _ATTR_GROUP_RE.finditer(ir_text) if "optnone" in m[2].split()}
    if not groups:
        return []
    return [m[1].strip('"') for m in _DEFINE_RE.finditer(ir_text) if m[2] in groups]


def strip_optnone(ir_text: str) -> str:
    """Remove ``optnone`` and ``noinline`` from the attribute groups that carry ``optnone``.

    ``clang -O0`` emits both on every function; without them the IR is ordinary unoptimized IR that the
    passes can work on (clang's ``-Xclang -disable-O0-optnone`` gives the same, except for ``noinline``).
    """

    def fix(m: re.Match[str]) -> str:
        words = m[2].split()
        if "optnone" not in words:
            return m[0]
        kept = [w for w in words if w not in ("optnone", "noinline")]
        return f"attributes #{m[1]} = {{ {' '.join(kept)} }}"

    return _ATTR_GROUP_RE.sub(fix, ir_text)
