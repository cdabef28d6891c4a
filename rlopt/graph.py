"""ProGraML program graphs of LLVM 19 IR, built from the parse of :mod:`rlopt.irparse`.

The graph follows ProGraML v0.3.2 without type nodes (see ``docs/graph.md``): instruction (0), variable (1)
and constant (2) nodes; control (0), data (1) and call (2) edges with a ``position``; a root ``[external]``
instruction node with call edges to every function entry and from every function exit. The ``programl``
package cannot read modern IR, hence this builder. Node texts map to token ids through a
:class:`~rlopt.vocab.Vocabulary` (:meth:`ProgramGraph.arrays`).

Only the standard library, numpy and networkx are used: this module is on the inference path.
"""

from __future__ import annotations

import os
from collections import deque
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rlopt.errors import InputError
from rlopt.ir import is_bitcode
from rlopt.irparse import CONST, GLOBAL, LOCAL, NAMED_TYPE_RE, Function, ParsedModule, parse
from rlopt.vocab import DECLARATION_TEXT, ROOT_TEXT, Vocabulary

if TYPE_CHECKING:
    import networkx

__all__ = ["CALL", "CONSTANT", "CONTROL", "DATA", "DECLARATION_TEXT", "INSTRUCTION", "ROOT_TEXT", "VARIABLE",
           "ProgramGraph", "Vocabulary", "build", "build_from_file", "graph_of", "node_type_text"]

# Node types and edge flows of the ProGraML schema (programl/proto/program_graph.proto).
INSTRUCTION, VARIABLE, CONSTANT = 0, 1, 2
CONTROL, DATA, CALL = 0, 1, 2


@lru_cache(maxsize=1 << 14)
def node_type_text(typ: str) -> str:
    """ProGraML's text for a type: struct types (and pointers to them) become ``struct``.

    Named struct types inside arrays and vectors are replaced by ``struct`` as well, so that the vocabulary
    does not grow with every program's type names. Memoised (bounded): a module repeats a few types.
    """
    if typ[0] == "%" or typ[0] == "{" or typ.startswith("<{"):
        return "struct"
    return NAMED_TYPE_RE.sub("struct", typ)


class ProgramGraph:
    """A ProGraML program graph held as flat lists; convert with :meth:`arrays` or :meth:`to_networkx`."""

    def __init__(self) -> None:
        self.node_type: list[int] = []
        self.node_text: list[str] = []
        self.node_full_text: list[str] = []
        self.node_function: list[int] = []
        self.node_block: list[int] = []
        self.edge_source: list[int] = []
        self.edge_target: list[int] = []
        self.edge_flow: list[int] = []
        self.edge_position: list[int] = []
        self.function_names: list[str] = []
        self.num_instructions = 0

    @property
    def num_nodes(self) -> int:
        return len(self.node_type)

    @property
    def num_edges(self) -> int:
        return len(self.edge_flow)

    def _node(self, type_: int, text: str, full_text: str, function: int, block: int) -> int:
        self.node_type.append(type_)
        self.node_text.append(text)
        self.node_full_text.append(full_text)
        self.node_function.append(function)
        self.node_block.append(block)
        return len(self.node_type) - 1

    def _edge(self, flow: int, source: int, target: int, position: int) -> None:
        self.edge_source.append(source)
        self.edge_target.append(target)
        self.edge_flow.append(flow)
        self.edge_position.append(position)

    def arrays(self, vocab: Vocabulary | None = None) -> dict[str, np.ndarray]:
        """Compact arrays for the model; node tokens come from ``vocab`` (default: :meth:`Vocabulary.default`)."""
        vocab = vocab or Vocabulary.default()
        ids = vocab.ids
        return {
            "node_tokens": np.array([ids.get(t, 0) for t in self.node_text], dtype=np.int64),
            "node_types": np.array(self.node_type, dtype=np.int64),
            "edge_index": np.array((self.edge_source, self.edge_target), dtype=np.int64).reshape(2, -1),
            "edge_flow": np.array(self.edge_flow, dtype=np.int64),
            "edge_position": np.array(self.edge_position, dtype=np.int64),
            "node_function": np.array(self.node_function, dtype=np.int64),
        }

    def to_networkx(self, graph_class: type[networkx.MultiDiGraph] | None = None) -> networkx.MultiDiGraph:
        """The graph with ProGraML's node-link attribute names (``features`` values are lists, as there), as a
        ``graph_class`` (a ``MultiDiGraph`` subclass) if given."""
        import networkx as nx  # imported here: ~100 ms that -O-rl and rlopt-cc never need

        g = (graph_class or nx.MultiDiGraph)(function=[{"name": n, "module": 0} for n in self.function_names],
                            module=[{"name": ""}])
        g.add_nodes_from(
            (i, {"type": t, "text": x, "function": f, "block": b, "features": {"full_text": [ft]}})
            for i, (t, x, ft, f, b) in enumerate(zip(self.node_type, self.node_text, self.node_full_text,
                                                      self.node_function, self.node_block, strict=True)))
        g.add_edges_from(
            (s, d, {"flow": fl, "position": p})
            for s, d, fl, p in zip(self.edge_source, self.edge_target, self.edge_flow, self.edge_position,
                                   strict=True))
        return g


def build(ir_text: str) -> ProgramGraph:
    """Build the ProGraML graph of a textual LLVM module."""
    return graph_of(parse(ir_text))


def build_from_file(path: str | os.PathLike) -> ProgramGraph:
    """Build the graph of a ``.ll`` or ``.bc`` file (bitcode is disassembled with LLVM 19's ``llvm-dis``)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read {p}: {e.strerror}") from e
    if is_bitcode(data):
        from rlopt import toolchain

        data = toolchain.find().run("llvm-dis", ["-", "-o", "-"], input=data)
    return build(data.decode("utf-8", errors="replace"))


def graph_of(module: ParsedModule) -> ProgramGraph:
    """The ProGraML graph of a parsed module."""
    g = ProgramGraph()
    # Bound methods of the flat lists: this loop runs once per instruction and operand.
    add_type, add_text = g.node_type.append, g.node_text.append
    add_full, add_fn, add_block = g.node_full_text.append, g.node_function.append, g.node_block.append
    add_src, add_dst = g.edge_source.append, g.edge_target.append
    add_flow, add_pos = g.edge_flow.append, g.edge_position.append
    root = g._node(INSTRUCTION, ROOT_TEXT, "", -1, -1)
    functions = module.function_names
    entry_exits: dict[str, tuple[int, list[int]]] = {}
    call_sites: list[tuple[int, str]] = []
    constants: dict[str, list[tuple[int, int]]] = {}
    constant_types: dict[str, str] = {}
    block_count = 0
    for index, fn in enumerate(module.functions):
        g.function_names.append(fn.name)
        if fn.declaration:
            node = g._node(INSTRUCTION, DECLARATION_TEXT, "", index, -1)
            entry_exits[fn.name] = (node, [node])
            continue
        defs: dict[str, tuple[int, str]] = {}
        uses: list[tuple[int, str]] = []
        arg_uses: dict[str, list[tuple[int, int]]] = {}
        args = dict(fn.args)
        bounds: dict[str, tuple[int, int]] = {}
        for block in fn.blocks:
            if not block.instructions:
                raise InputError(f"empty basic block in function {fn.name}")
            first = prev = len(g.node_type)
            for inst in block.instructions:
                node = len(g.node_type)
                add_type(INSTRUCTION)
                add_text(inst.opcode)
                add_full(inst.text)
                add_fn(index)
                add_block(block_count)
                if node != first:
                    add_src(prev)
                    add_dst(node)
                    add_flow(CONTROL)
                    add_pos(0)
                prev = node
                if inst.name is not None:
                    defs[inst.name] = (node, inst.type)
                pos = -1
                for kind, ref, typ in inst.operands:
                    pos += 1
                    if kind == LOCAL:
                        if ref in args:
                            arg_uses.setdefault(ref, []).append((node, pos))
                        else:
                            var = len(g.node_type)
                            add_type(VARIABLE)
                            add_text("")
                            add_full(ref)
                            add_fn(index)
                            add_block(block_count)
                            add_src(var)
                            add_dst(node)
                            add_flow(DATA)
                            add_pos(pos)
                            uses.append((var, ref))
                    elif kind == CONST or (kind == GLOBAL and ref not in functions):
                        key = ref if kind == CONST else f"{typ} {ref}"
                        sites = constants.get(key)
                        if sites is None:
                            constants[key] = sites = []
                            constant_types[key] = typ
                        sites.append((node, pos))
                if inst.callee is not None and inst.callee in functions:
                    call_sites.append((node, inst.callee))
            bounds[block.label or ""] = (first, prev)
            block_count += 1
        g.num_instructions += sum(len(b.instructions) for b in fn.blocks)
        entry_block = block_count - len(fn.blocks)
        for arg, sites in arg_uses.items():
            var = g._node(VARIABLE, node_type_text(args[arg]), f"{args[arg]} {arg}", index, entry_block)
            for node, pos in sites:
                g._edge(DATA, var, node, pos)
        for var, ref in uses:
            producer = defs.get(ref)
            if producer is None:
                raise InputError(f"use of undefined value {ref} in function {fn.name}")
            g.node_text[var] = node_type_text(producer[1])
            g.node_full_text[var] = f"{producer[1]} {ref}"
            add_src(producer[0])
            add_dst(var)
            add_flow(DATA)
            add_pos(0)
        entry_exits[fn.name] = _control_flow(g, fn, bounds)
    for fn in module.functions:  # module order: the arrays must not depend on the process's string hashing
        entry, exits = entry_exits[fn.name]
        g._edge(CALL, root, entry, 0)
        for e in exits:
            g._edge(CALL, e, root, 0)
    for site, callee in call_sites:
        entry, exits = entry_exits[callee]
        g._edge(CALL, site, entry, 0)
        for e in exits:
            g._edge(CALL, e, site, 0)
    for key, sites in constants.items():
        node = g._node(CONSTANT, node_type_text(constant_types[key]), key, -1, -1)
        for target, pos in sites:
            g._edge(DATA, node, target, pos)
    return g


def _control_flow(g: ProgramGraph, fn: Function, bounds: dict[str, tuple[int, int]]) -> tuple[int, list[int]]:
    """Add control edges between blocks reachable from the entry (breadth first, as ProGraML does)."""
    successors = {b.label or "": b.instructions[-1].successors for b in fn.blocks}
    entry = fn.blocks[0].label or ""
    seen = {entry}
    queue = deque([entry])
    exits = []
    while queue:
        label = queue.popleft()
        exit_node = bounds[label][1]
        succ = successors[label]
        if not succ:
            exits.append(exit_node)
        for pos, s in enumerate(succ):
            target = bounds.get(s)
            if target is None:
                raise InputError(f"branch to unknown block {s} in function {fn.name}")
            g._edge(CONTROL, exit_node, target[0], pos)
            if s not in seen:
                seen.add(s)
                queue.append(s)
    return bounds[entry][0], exits

