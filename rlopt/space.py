"""The space of pass pipelines that searches explore: ``rlopt tune`` and the table's searches
(``training/search.py``) draw from the same blocks, macros and moves.

Uniformly random pass sequences are far slower than -O3 (docs/data.md), so sequences are compositions of
*blocks*: clang's pipelines, rlopt's macro and extension actions, and the single passes that move runtime
(or size) most. A sequence is a tuple of tokens; a token is an action name (``-O3``, ``-licm``, see
docs/actions.md) or a raw top-level pipeline element (``default<O3>``, as a model's coreset may spell it).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from rlopt import passes

_CLEANUP = f"function(gvn<pre;load-pre>,{passes.INSTCOMBINE},simplifycfg)"
#: clang's standard pipelines.
STANDARD: dict[str, str] = {f"O{x}": f"default<O{x}>" for x in ("1", "2", "3", "s", "z")}
#: Macro pipelines screened earlier (docs/policy.md): each is what a one- or two-step policy could produce.
SPEED_MACROS: dict[str, str] = {
    "O2x2": "default<O2>,default<O2>",
    "O3x2": "default<O3>,default<O3>",
    "O3+unroll": f"default<O3>,function(loop-unroll<O3;runtime>,{passes.INSTCOMBINE},simplifycfg)",
    "O3+clean": f"default<O3>,{_CLEANUP}",
    "O3x3": "default<O3>,default<O3>,default<O3>",
    "inline+O3": "cgscc(inline),default<O3>",
}
#: Macro pipelines aimed at size.
SIZE_MACROS: dict[str, str] = {
    "Ozx2": "default<Oz>,default<Oz>",
    "Oz+clean": f"default<Oz>,{_CLEANUP}",
    "O2+Oz": "default<O2>,default<Oz>",
}

#: The speed tuner's first candidates after the policy's ranking: the pipelines that together cover most of the
#: wins measured on the table's 127 training programs (greedy, in order; `rlopt-train portfolio --size 12` on
#: training/tables/pipeline-table.json at commit a90481f). A tuner races them, so, unlike a selector's
#: coreset, none is kept out for its losses or its compile time.
SPEED_PORTFOLIO: dict[str, str] = {
    "S05": "default<O2>,function(loop-mssa(simple-loop-unswitch)),function(loop-unroll<O3;runtime>),default<O3>",
    "O1": "default<O1>",
    "S18": "function(gvn),default<Os>,default<O2>,function(tailcallelim)",
    "S17": "default<O3>,default<O1>,function(loop-mssa(licm)),function(loop-unroll)",
    "S03": f"function(loop-distribute),function(memcpyopt),function({passes.INSTCOMBINE}),default<O3>",
    "inline+O3": SPEED_MACROS["inline+O3"],
    "Ozx2": SIZE_MACROS["Ozx2"],
    "O3x3": SPEED_MACROS["O3x3"],
    "Os": "default<Os>",
    "O3+clean": SPEED_MACROS["O3+clean"],
    "S12": "default<O2>,function(dse),default<O3>",
    "O3+unroll": SPEED_MACROS["O3+unroll"],
}
#: The tuner's knob screen, first values: -O3 under the knob values that together cover most of the wins beyond
#: noise on the knob table's 98 timed training programs (greedy, in order; `rlopt-train portfolio --knobs` on
#: training/tables/knob-table.json, 2026-12-04). The values after these added under 0.01% there; they follow in
#: rlopt.knobs' order.
SPEED_KNOB_CANDIDATES: tuple[str, ...] = tuple(f"default<O3>@{k}" for k in (
    "unroll-count=4", "force-vector-width=4", "force-vector-interleave=4", "unroll-threshold=1200",
    "inline-threshold=1000", "unroll-count=2", "two-entry-phi-node-folding-threshold=1", "unroll-count=8",
    "force-vector-width=1", "force-vector-interleave=2"))

_SINGLE = ("inline", "sroa", "gvn", "licm", "loop-unroll", "simple-loop-unswitch", "jump-threading",
           "loop-rotate", "indvars", "dse", "early-cse-memssa", "instcombine", "simplifycfg", "loop-idiom",
           "memcpyopt", "sccp", "tailcallelim", "argpromotion", "ipsccp", "loop-distribute", "mldst-motion")
_SIZE_SINGLE = ("mergefunc", "constmerge", "globaldce", "deadargelim", "ipsccp", "simplifycfg", "instcombine",
                "early-cse-memssa", "gvn", "sroa", "reassociate", "loop-deletion", "licm", "dse", "adce",
                "functionattrs", "argpromotion", "jump-threading", "correlated-propagation", "instsimplify",
                "loop-simplifycfg", "memcpyopt", "sccp", "aggressive-instcombine", "dce", "loop-instsimplify",
                "bdce", "float2int", "strip-dead-prototypes", "simplifycfg-late")
#: The blocks of a speed sequence, as action names; -O3/-O2 weighted up.
BLOCKS: tuple[str, ...] = (
    "-O1", "-O2", "-O3", "-Os", "-O3", "-O2",
    "-loop-unroll-O3", "-loop-unroll-runtime", "-simplifycfg-late", "-vectorize", "-scalar-cleanup",
    *(f"-{p}" for p in _SINGLE),
)
#: Size search: exact and cheap, so longer sequences.
SIZE_BLOCKS: tuple[str, ...] = ("-Oz", "-Oz", "-Os", "-O2", *(f"-{p}" for p in _SIZE_SINGLE))


@dataclass(frozen=True)
class Space:
    """What sequences are made of, per objective."""

    blocks: tuple[str, ...]
    anchors: tuple[str, ...]  # one of these is always in a fresh sequence (a full clang pipeline)
    max_blocks: int


SPEED = Space(BLOCKS, ("-O2", "-O3"), 4)
SIZE = Space(SIZE_BLOCKS, ("-Oz",), 8)


def is_full_pipeline(token: str) -> bool:
    """Whether a token runs one of clang's whole pipelines (``-O3``, ``default<O2>``)."""
    return token.startswith("-O") or token.startswith("default<")


def random_sequence(rng: random.Random, space: Space = SPEED) -> tuple[str, ...]:
    """1 to ``max_blocks`` random blocks, with a clang pipeline among them (without one nothing reaches -O3)."""
    n = rng.randint(1, space.max_blocks)
    seq = [rng.choice(space.blocks) for _ in range(n)]
    if not any(is_full_pipeline(a) for a in seq):
        seq.insert(rng.randrange(len(seq) + 1), rng.choice(space.anchors))
    return tuple(seq)


def mutate(seq: tuple[str, ...], rng: random.Random, space: Space = SPEED) -> tuple[str, ...]:
    """One move around ``seq``: add, drop, swap (neighbours) or replace a block."""
    s = list(seq)
    op = rng.choice(("add", "drop", "swap", "replace"))
    if op == "add" and len(s) < space.max_blocks:
        s.insert(rng.randrange(len(s) + 1), rng.choice(space.blocks))
    elif op == "drop" and len(s) > 1:
        s.pop(rng.randrange(len(s)))
    elif op == "swap" and len(s) > 1:
        i = rng.randrange(len(s) - 1)
        s[i], s[i + 1] = s[i + 1], s[i]
    else:
        s[rng.randrange(len(s))] = rng.choice(space.blocks)
    return tuple(s)


def tokens(pipeline: str) -> tuple[str, ...]:
    """A pipeline as tokens: action names where a run of elements is an action's pipeline, else raw elements."""
    try:
        return tuple(passes.EXTENDED_ACTIONS_V1[i].name
                     for i in passes.actions_of_pipeline(pipeline, passes.EXTENDED_ACTIONS_V1))
    except LookupError:
        return tuple(passes.split_pipeline(pipeline))


def pipeline(seq: tuple[str, ...]) -> str:
    """The ``-passes=`` text of a token sequence, always linkable (:func:`rlopt.passes.linkable`)."""
    return passes.linkable(",".join(passes.get(t).pipeline if t.startswith("-") else t for t in seq))
