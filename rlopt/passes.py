"""The action space: CompilerGym's 124 LLVM passes mapped onto LLVM 19's new pass manager, plus extensions.

Every :class:`Action` carries a pipeline *element* already nested for the top (module) level, so a sequence
of actions is simply their elements joined with commas; that joined string is what ``opt -passes=`` takes.
Passes that LLVM removed or renamed since LLVM 10 keep their CompilerGym name and get the closest modern
stand-in (or an explicit no-op); ``note`` says which and why, and ``docs/actions.md`` is generated from this
table (``python -m rlopt.passes --markdown``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rlopt import knobs as _knobs

Kind = Literal["optimization", "instrumentation", "utility", "macro"]
Level = Literal["module", "cgscc", "function", "loop", "loopnest", "loop-mssa"]

#: LLVM 19 plain ``instcombine`` aborts when it does not reach a fixpoint; the pipeline form avoids that.
INSTCOMBINE = "instcombine<no-verify-fixpoint>"


@dataclass(frozen=True)
class Action:
    """One action: a CompilerGym flag name and the LLVM 19 pipeline element that implements it."""

    name: str
    pass_name: str
    level: Level
    kind: Kind = "optimization"
    note: str = ""
    hazard: str = ""
    """A known LLVM 19 miscompile on some input: the action stays runnable but policies never pick it."""
    options: _knobs.Options = ()
    """Knobs (LLVM options, :mod:`rlopt.knobs`) in force while this action's pipeline runs."""

    @property
    def pipeline(self) -> str:
        """The element nested for the module level, e.g. ``function(loop-mssa(licm))``."""
        return nest(self.pass_name, self.level)

    @property
    def safe(self) -> bool:
        """Whether policies may pick it: the program still links without extra runtime libraries, and LLVM is
        not known to miscompile with it."""
        return self.kind != "instrumentation" and not self.hazard


def nest(element: str, level: Level) -> str:
    """Wrap a pass for the module-level pipeline, the way ``opt`` would infer it for a lone pass."""
    return {
        "module": element,
        "cgscc": f"cgscc({element})",
        "function": f"function({element})",
        "loop": f"function(loop({element}))",
        "loopnest": f"function(loop({element}))",
        "loop-mssa": f"function(loop-mssa({element}))",
    }[level]


def _a(name: str, pass_name: str | None, level: Level, kind: Kind = "optimization", note: str = "") -> Action:
    return Action(name=f"-{name}", pass_name=pass_name or name, level=level, kind=kind, note=note)


# CompilerGym's order (compiler_gym/envs/llvm/service/passes/10.0.0/flags.txt): action i here is action i there.
ACTIONS: tuple[Action, ...] = (
    _a("add-discriminators", None, "function", "utility", "Adds DWARF discriminators; changes only debug info."),
    _a("adce", None, "function"),
    _a("aggressive-instcombine", None, "function"),
    _a("alignment-from-assumptions", None, "function"),
    _a("always-inline", None, "module"),
    _a("argpromotion", None, "cgscc"),
    _a("attributor", None, "module"),
    _a("barrier", "no-op-module", "module", "utility",
       "Removed: the legacy BarrierNoop pass only split pass-manager runs. Stand-in: no-op-module."),
    _a("bdce", None, "function"),
    _a("break-crit-edges", None, "function"),
    _a("simplifycfg", None, "function"),
    _a("callsite-splitting", None, "function"),
    _a("called-value-propagation", None, "module"),
    _a("canonicalize-aliases", None, "module"),
    _a("consthoist", None, "function"),
    _a("constmerge", None, "module"),
    _a("constprop", "instsimplify", "function", note=(
        "Removed in LLVM 12 (ConstantPropagation). Stand-in: instsimplify, which does the same constant "
        "folding and more.")),
    _a("coro-cleanup", None, "module"),
    _a("coro-early", None, "module"),
    _a("coro-elide", None, "function"),
    _a("coro-split", None, "cgscc"),
    _a("correlated-propagation", None, "function"),
    _a("cross-dso-cfi", None, "module", "instrumentation",
       "Control-flow-integrity instrumentation; acts only on modules built with -fsanitize-cfi-cross-dso."),
    _a("deadargelim", None, "module"),
    _a("dce", None, "function"),
    _a("die", "dce", "function", note=(
        "Removed in LLVM 12 (DeadInstElimination). Stand-in: dce, its iterative superset.")),
    _a("dse", None, "function"),
    _a("reg2mem", None, "function"),
    _a("div-rem-pairs", None, "function"),
    _a("early-cse-memssa", "early-cse<memssa>", "function", note="Renamed: early-cse with the memssa parameter."),
    _a("early-cse", None, "function"),
    _a("elim-avail-extern", None, "module"),
    _a("ee-instrument", None, "function", "instrumentation",
       "Inserts mcount/__cyg_profile calls for functions carrying instrument-function-entry attributes."),
    _a("flattencfg", "flatten-cfg", "function", note="Renamed: flatten-cfg."),
    _a("float2int", None, "function"),
    _a("forceattrs", None, "module"),
    _a("inline", None, "cgscc"),
    _a("insert-gcov-profiling", None, "module", "instrumentation",
       "Adds gcov counters and calls into libgcov: the program then needs --coverage at link time."),
    _a("gvn-hoist", None, "function"),
    _a("gvn", None, "function"),
    _a("globaldce", None, "module"),
    _a("globalopt", None, "module"),
    _a("globalsplit", None, "module"),
    _a("guard-widening", None, "function"),
    _a("hotcoldsplit", None, "module"),
    _a("ipconstprop", "ipsccp", "module", note=(
        "Removed in LLVM 12 (IPConstantPropagation). Stand-in: ipsccp, which subsumes it.")),
    _a("ipsccp", None, "module"),
    _a("indvars", None, "loop"),
    _a("irce", None, "function"),
    _a("infer-address-spaces", None, "function"),
    _a("inferattrs", None, "module"),
    _a("inject-tli-mappings", None, "function"),
    _a("instsimplify", None, "function"),
    _a("instcombine", INSTCOMBINE, "function", note=(
        "LLVM 19's instcombine aborts when it misses its fixpoint; run with no-verify-fixpoint.")),
    _a("instnamer", None, "function", "utility", "Names anonymous values; no effect on code."),
    _a("jump-threading", None, "function"),
    _a("lcssa", None, "function"),
    _a("licm", None, "loop-mssa", note="A loop pass that needs MemorySSA: nested in loop-mssa."),
    _a("libcalls-shrinkwrap", None, "function"),
    _a("load-store-vectorizer", None, "function"),
    _a("loop-data-prefetch", None, "function"),
    _a("loop-deletion", None, "loop"),
    _a("loop-distribute", None, "function"),
    _a("loop-fusion", None, "function"),
    _a("loop-guard-widening", "guard-widening", "loop",
       note="Renamed: the loop-level form of guard-widening."),
    _a("loop-idiom", None, "loop"),
    _a("loop-instsimplify", None, "loop"),
    Action("-loop-interchange", "loop-interchange", "loopnest", "optimization", hazard=(
        "Masked for policies: LLVM 19's LoopInterchange (in no default pipeline) miscompiled 6 of 41 programs "
        "inside -O3's loop pipeline (the suite's editdist, five TSVC programs; plain opt-19 -passes='default<O3>' "
        "-enable-loopinterchange too), found by timing -O3's switches (docs/robustness.md).")),
    _a("loop-load-elim", None, "function"),
    _a("loop-predication", None, "loop"),
    _a("loop-reroll", "no-op-function", "function", "utility",
       "Removed in LLVM 19 (LoopReroll was deleted, unused by any pipeline). Stand-in: no-op-function."),
    _a("loop-rotate", None, "loop"),
    _a("loop-simplifycfg", None, "loop"),
    _a("loop-simplify", None, "function"),
    _a("loop-sink", None, "function"),
    _a("loop-reduce", None, "loop"),
    _a("loop-unroll-and-jam", None, "loopnest"),
    _a("loop-unroll", None, "function"),
    _a("loop-unswitch", "simple-loop-unswitch<nontrivial>", "loop-mssa", note=(
        "Removed in LLVM 15 (legacy LoopUnswitch). Stand-in: simple-loop-unswitch<nontrivial>, which also "
        "unswitches non-trivial conditions as the legacy pass did.")),
    _a("loop-vectorize", None, "function"),
    _a("loop-versioning-licm", None, "loop"),
    _a("loop-versioning", None, "function"),
    _a("loweratomic", "lower-atomic", "function", note="Renamed: lower-atomic."),
    _a("lower-constant-intrinsics", None, "function"),
    _a("lower-expect", None, "function"),
    _a("lower-guard-intrinsic", None, "function"),
    _a("lowerinvoke", "lower-invoke", "function", note="Renamed: lower-invoke."),
    _a("lower-matrix-intrinsics", None, "function"),
    _a("lowerswitch", "lower-switch", "function", note="Renamed: lower-switch."),
    _a("lower-widenable-condition", None, "function"),
    _a("memcpyopt", None, "function"),
    _a("mergefunc", None, "module"),
    _a("mergeicmps", None, "function"),
    _a("mldst-motion", None, "function"),
    _a("sancov", "sancov-module", "module", "instrumentation",
       "Renamed: sancov-module (SanitizerCoverage); inserts __sanitizer_cov calls only when coverage is enabled."),
    _a("name-anon-globals", None, "module", "utility", "Names anonymous globals; no effect on code."),
    _a("nary-reassociate", None, "function"),
    Action("-newgvn", "newgvn", "function", "optimization", hazard=(
        "Masked for policies: LLVM 19's NewGVN (in no default pipeline) miscompiled csmith seed 282 after "
        "early-cse<memssa>,dse; plain opt-19 does too (found by benchmarks/difftest.py). -gvn stands in.")),
    _a("pgo-memop-opt", None, "function", note="Acts only with profile data; a no-op without it."),
    _a("partial-inliner", None, "module"),
    _a("partially-inline-libcalls", None, "function"),
    _a("post-inline-ee-instrument", "ee-instrument<post-inline>", "function", "instrumentation",
       "Renamed: ee-instrument with the post-inline parameter."),
    _a("functionattrs", "function-attrs", "cgscc", note="Renamed: function-attrs."),
    _a("mem2reg", None, "function"),
    _a("prune-eh", "function-attrs,function(simplifycfg)", "cgscc", note=(
        "Removed in LLVM 16 (PruneEH). Stand-in: function-attrs (infers nounwind) then simplifycfg (turns "
        "invokes of nounwind callees into calls and drops dead landing pads), in one CGSCC walk.")),
    _a("reassociate", None, "function"),
    _a("redundant-dbg-inst-elim", None, "function", "utility", "Removes redundant debug intrinsics only."),
    _a("rpo-functionattrs", "rpo-function-attrs", "module", note="Renamed: rpo-function-attrs."),
    _a("rewrite-statepoints-for-gc", None, "module", note="Acts only on functions with a statepoint GC."),
    _a("sccp", None, "function"),
    _a("slp-vectorizer", None, "function"),
    _a("sroa", None, "function"),
    _a("scalarizer", None, "function"),
    _a("separate-const-offset-from-gep", None, "function"),
    _a("simple-loop-unswitch", None, "loop-mssa"),
    _a("sink", None, "function"),
    _a("speculative-execution", None, "function"),
    _a("slsr", None, "function"),
    _a("strip-dead-prototypes", None, "module"),
    _a("strip-debug-declare", None, "module", "utility", "Removes dbg.declare intrinsics only."),
    _a("strip-nondebug", None, "module", "utility", "Strips symbol names; no effect on code."),
    _a("strip", None, "module", "utility", "Strips symbol names and debug info; no effect on code."),
    _a("tailcallelim", None, "function"),
    _a("mergereturn", None, "function"),
)

#: Actions beyond CompilerGym's 124: whole standard pipelines and stronger parameterisations. A policy that
#: can pick ``-O3`` in one step starts from clang's own result and only has to find what beats it.
EXTENSIONS: tuple[Action, ...] = (
    Action("-O1", "default<O1>", "module", "macro", "clang's -O1 middle end."),
    Action("-O2", "default<O2>", "module", "macro", "clang's -O2 middle end."),
    Action("-O3", "default<O3>", "module", "macro", "clang's -O3 middle end."),
    Action("-Os", "default<Os>", "module", "macro", "clang's -Os middle end."),
    Action("-Oz", "default<Oz>", "module", "macro", "clang's -Oz middle end."),
    Action("-loop-unroll-O3", "loop-unroll<O3>", "function", "optimization", "loop-unroll at O3 thresholds."),
    Action("-loop-unroll-runtime", "loop-unroll<O3;runtime>", "function", "optimization",
           "loop-unroll at O3 thresholds with runtime trip counts."),
    Action("-simplifycfg-late", "simplifycfg<switch-to-lookup;hoist-common-insts;sink-common-insts>",
           "function", "optimization", "simplifycfg as the late -O3 pipeline runs it."),
    Action("-vectorize", "loop-vectorize,slp-vectorizer," + INSTCOMBINE, "function", "optimization",
           "Loop and SLP vectorisation followed by the clean-up instcombine."),
    Action("-scalar-cleanup", "sroa<modify-cfg>,early-cse<memssa>," + INSTCOMBINE + ",simplifycfg",
           "function", "optimization", "The -O3 function simplification core in one step."),
)

EXTENDED_ACTIONS: tuple[Action, ...] = ACTIONS + EXTENSIONS

#: Appended in ``rlopt-extended-v1`` (``rlopt-extended-v0`` stays as it is: older model cards name it). Each
#: was kept only if it verified and helped on the suite's *train* split (docs/policy.md has the screening).
EXTENSIONS_V1: tuple[Action, ...] = (
    Action("-O3-twice", "default<O3>,default<O3>", "module", "macro",
           "clang's -O3 middle end run twice: the second round inlines and unrolls what the first one shrank."),
)

EXTENDED_ACTIONS_V1: tuple[Action, ...] = EXTENDED_ACTIONS + EXTENSIONS_V1

_V1_BY_NAME: dict[str, Action] = {a.name: a for a in EXTENDED_ACTIONS_V1}


def _knob_action(host: Action, knob: _knobs.Knob, value: int) -> Action:
    """``host`` run with one knob set: ``-O3@inline-threshold=500``."""
    return Action(f"{host.name}{_knobs.SEPARATOR}{knob.name}={value}", host.pass_name, host.level, host.kind,
                  f"{host.name} with -{knob.name}={value}: {knob.what[0].lower()}{knob.what[1:]}",
                  options=(_knobs.option(knob.name, value),))


#: Appended in ``rlopt-extended-v2``: every knob (docs/knobs.md) at each of its values, on each action it acts in.
KNOB_ACTIONS: tuple[Action, ...] = tuple(_knob_action(_V1_BY_NAME[host], knob, value)
                                         for knob in _knobs.KNOBS.values() for host in knob.hosts
                                         for value in knob.values)

EXTENDED_ACTIONS_V2: tuple[Action, ...] = EXTENDED_ACTIONS_V1 + KNOB_ACTIONS

ACTION_SPACES: dict[str, tuple[Action, ...]] = {
    "compilergym-v0": ACTIONS,
    "rlopt-extended-v0": EXTENDED_ACTIONS,
    "rlopt-extended-v1": EXTENDED_ACTIONS_V1,
    "rlopt-extended-v2": EXTENDED_ACTIONS_V2,
}

_BY_NAME: dict[str, Action] = {a.name: a for a in EXTENDED_ACTIONS_V2}

#: The ``-O`` levels the CLI accepts, as LLVM 19 pipelines (``-O0`` still runs the always-inliner, as clang).
OPT_LEVELS: dict[str, str] = {
    "O0": "default<O0>", "O1": "default<O1>", "O2": "default<O2>",
    "O3": "default<O3>", "Os": "default<Os>", "Oz": "default<Oz>",
}


def get(name: str) -> Action:
    """Look up an action by name, with or without the leading dash (``adce`` or ``-adce``)."""
    key = name if name.startswith("-") else f"-{name}"
    try:
        return _BY_NAME[key]
    except KeyError:
        raise KeyError(f"unknown action '{name}' (see 'rlopt --list-actions')") from None


def _resolve(actions: Iterable[Action | str | int], space: Sequence[Action]) -> list[Action]:
    return [space[a] if isinstance(a, int) else get(a) if isinstance(a, str) else a for a in actions]


def sequence(pipelines: Iterable[str]) -> str:
    """Pipelines run one after another as the environment runs its steps, each in a pass manager of its own:
    no analysis one of them computed is reused by the next, which ``opt``'s one pass manager would do (after a
    loop pass, ``break-crit-edges`` split other edges with the loop info it had cached: one more block)."""
    return f",{_BETWEEN},".join(p for p in pipelines if p)


_BETWEEN = "invalidate<all>"


def pipeline(actions: Iterable[Action | str | int], space: Sequence[Action] = EXTENDED_ACTIONS_V2) -> str:
    """The ``opt -passes=`` string for a sequence of actions (objects, names, or indices into ``space``).

    Knob actions need their options beside the pipeline: they raise ``ValueError`` here (see :func:`stages`).
    """
    resolved = _resolve(actions, space)
    knobbed = [a.name for a in resolved if a.options]
    if knobbed:
        raise ValueError(f"{', '.join(knobbed)}: knob actions need their LLVM options, use passes.stages()")
    return sequence(a.pipeline for a in resolved)


def stages(actions: Iterable[Action | str | int],
           space: Sequence[Action] = EXTENDED_ACTIONS_V2) -> list[tuple[str, _knobs.Options]]:
    """A sequence of actions as ``opt`` runs it: (pipeline, knob options) per run of consecutive actions that
    share their options; one ``opt -passes=P OPTIONS`` after another (the module passed on as bitcode)."""
    out: list[tuple[str, _knobs.Options]] = []
    for a in _resolve(actions, space):
        if out and out[-1][1] == a.options:
            out[-1] = (sequence([out[-1][0], a.pipeline]), a.options)
        else:
            out.append((a.pipeline, a.options))
    return out


#: Elements that inline ``alwaysinline`` callees: the inliners and every standard pipeline (even ``default<O0>``).
_INLINES = re.compile(r"(?:^|[,(])(?:always-inline|inline|inliner-wrapper|module-inline|default<|thinlto|lto)")


def linkable(pipeline: str) -> str:
    """``pipeline`` with the always-inliner first if nothing in it inlines.

    Headers may declare ``always_inline`` functions that no library defines (libstdc++'s
    ``basic_string::_M_use_local_data``): a module that still calls them does not link. clang runs the
    always-inliner even at ``-O0``; a searched sequence of function passes must too."""
    return pipeline if _INLINES.search(pipeline) else f"always-inline,{pipeline}".rstrip(",")


def split_pipeline(pipeline: str) -> list[str]:
    """The top-level elements of a ``-passes=`` string: ``a,function(b,c)`` -> ``['a', 'function(b,c)']``."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(pipeline):
        depth += (c in "(<") - (c in ")>")
        if c == "," and depth == 0:
            parts.append(pipeline[start:i])
            start = i + 1
    tail = pipeline[start:]
    return [p for p in [*parts, tail] if p]


def actions_of_pipeline(pipeline: str, space: Sequence[Action], options: _knobs.Options = ()) -> list[int]:
    """Indices into ``space`` whose pipelines, in :func:`sequence`, are ``pipeline`` (what :func:`pipeline` built,
    or one of :func:`stages`, run with knob ``options``); the first action wins where several share one. Raises
    ``LookupError`` naming the element that no action runs."""
    table: dict[tuple[str, ...], int] = {}
    for i, a in enumerate(space):
        if a.options == options:
            table.setdefault(tuple(split_pipeline(a.pipeline)), i)
    if not table:
        raise LookupError(f"no action runs with the options {' '.join(options)}")
    longest = max(len(k) for k in table)
    elements, out, at = [e for e in split_pipeline(pipeline) if e != _BETWEEN], [], 0
    while at < len(elements):
        n = next((n for n in range(min(longest, len(elements) - at), 0, -1) if tuple(elements[at:at + n]) in table), 0)
        if not n:
            raise LookupError(f"'{elements[at]}' is not the pipeline of an action")
        out.append(table[tuple(elements[at:at + n])])
        at += n
    return out


def parse_action_list(text: str) -> list[Action]:
    """Parse ``-adce,-gvn,...`` (commas or whitespace) as the CLI's ``--actions`` takes it."""
    names = [t for t in text.replace(",", " ").split() if t]
    if not names:
        raise ValueError("empty action list")
    return [get(n) for n in names]


def markdown_table() -> str:
    """The generated ``docs/actions.md``: every action, its LLVM 19 pipeline and what changed."""
    lines = [
        "# Action space",
        "",
        "Generated by `python -m rlopt.passes --markdown > docs/actions.md`; do not edit by hand.",
        "",
        "Indices 0-123 are CompilerGym's LLVM action space (`compilergym-v0`) in its order, mapped onto LLVM 19's",
        f"new pass manager. Indices {len(ACTIONS)}-{len(EXTENDED_ACTIONS) - 1} are rlopt's extensions "
        f"(`rlopt-extended-v0`); indices from {len(EXTENDED_ACTIONS)} on",
        f"are appended in `rlopt-extended-v1` (a superset of v0; models name the space they were trained with), and "
        f"indices from {len(EXTENDED_ACTIONS_V1)} on",
        "in `rlopt-extended-v2`: knob actions, an action run with one LLVM option set (`-O3@inline-threshold=500`;",
        "[docs/knobs.md](knobs.md)).",
        "Kinds: *optimization*; *utility* (no effect on generated code, or a no-op stand-in); *instrumentation*",
        "(adds calls into runtime libraries, so it is masked for policies and the CC wrapper); *macro* (a whole",
        "standard pipeline). Actions with a known LLVM 19 miscompile (found by our differential testing and",
        "reproduced with plain `opt-19`) stay runnable but are masked for policies, like instrumentation.",
        "",
        "| # | action | LLVM 19 pipeline element | kind | note |",
        "|---|---|---|---|---|",
    ]
    for i, a in enumerate(EXTENDED_ACTIONS_V2):
        lines.append(f"| {i} | `{a.name}` | `{a.pipeline}` | {a.kind} | {a.note or a.hazard} |")
    changed = [a for a in ACTIONS if a.pass_name != a.name[1:] and a.note]
    lines += ["", f"{len(changed)} of the 124 CompilerGym passes needed a new name, nesting or stand-in.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["--markdown"]:
        print(markdown_table())
    else:
        for i, a in enumerate(EXTENDED_ACTIONS_V2):
            print(f"{i:3d} {a.name:32s} {a.pipeline} {' '.join(a.options)}".rstrip())
