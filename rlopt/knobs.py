"""Knobs: LLVM command-line options (thresholds of inlining, unrolling, vectorization, if-conversion) as part
of an action or a pipeline, written ``PIPELINE@NAME=VALUE[@NAME=VALUE...]``.

A pass pipeline cannot say how much to inline or unroll: LLVM reads that from process-global command-line
options (``opt -passes=default<O3> -inline-threshold=500``). A knob binds such an option to a pipeline, e.g.
``-O3@inline-threshold=500`` (an action name) or ``default<O3>@unroll-count=4`` (pipeline text).

Knobs are a fixed, documented set (:data:`KNOBS`) of options that only change *how much* a transformation
does, never what the program computes: options that change semantics (fast-math and the like) are refused
with a clear error. A user's own ``rlopt --llvm-option=...`` is not a knob: like ``opt``'s flags, it may name
any option LLVM accepts, and is the user's explicit choice (docs/knobs.md).

    >>> parse("-O3@inline-threshold=500")
    ('default<O3>', ('-inline-threshold=500',))

The engine runs a pipeline under knobs with ``Engine.run/step/optimize(..., options=OPTIONS)`` and ``opt`` with
the same options after ``-passes=`` (:func:`opt_arguments`).
"""

from __future__ import annotations

from dataclasses import dataclass

#: LLVM options as ``opt`` takes them, e.g. ``('-inline-threshold=500',)``: knobs sorted by name, one per name.
Options = tuple[str, ...]

SEPARATOR = "@"


@dataclass(frozen=True)
class Knob:
    """One LLVM option that is a knob: its LLVM 19 default, the values the action space offers, and why."""

    name: str
    default: str
    values: tuple[int, ...]
    hosts: tuple[str, ...]
    """The actions (of ``rlopt-extended-v1``) that the action space pairs with this knob: where it acts."""
    what: str
    minimum: int = 0
    maximum: int | None = None


#: Each checked to exist in LLVM 19's ``opt --help-hidden``; values chosen around the default, one below and
#: two above, so that a policy can ask for less or (much) more than ``-O3`` does.
KNOBS: dict[str, Knob] = {k.name: k for k in (
    Knob("inline-threshold", "225 (-O3: 250)", (50, 500, 1000), ("-O3", "-inline"),
         "Inline cost threshold: how big a callee may be and still be inlined."),
    Knob("unroll-threshold", "150 (-O3: 300)", (50, 600, 1200), ("-O3", "-loop-unroll-O3"),
         "Loop unrolling cost threshold: the largest unrolled loop body."),
    Knob("unroll-count", "0 (the cost model decides)", (2, 4, 8), ("-O3", "-loop-unroll-O3"),
         "Unroll every unrollable loop this many times.", minimum=1),
    Knob("two-entry-phi-node-folding-threshold", "4", (1, 8, 16), ("-O3", "-simplifycfg"),
         "How much simplifycfg speculates to turn a branch diamond into selects (branch versus select)."),
    Knob("force-vector-width", "0 (the cost model decides)", (1, 4, 8), ("-O3", "-vectorize"),
         "The loop vectorizer's SIMD width; 1 keeps loops scalar (interleaving may still happen)."),
    Knob("force-vector-interleave", "0 (the cost model decides)", (1, 2, 4), ("-O3", "-vectorize"),
         "The loop vectorizer's interleave count; 1 disables interleaving.", minimum=1),
)}

#: Switches: options that turn on a pass ``-O3`` leaves off, at the place LLVM's pipeline builder gives it (a
#: pipeline cannot insert a pass inside ``default<O3>``). Each is 0 or 1, validated like a knob and replayable with
#: ``opt-19``, but not in the action spaces nor the tuner's knob screen: they enter as the one candidate
#: :data:`O3_SWITCHED` (docs/knobs.md, "Switches"; the study of their effect is in docs/policy.md).
SWITCHES: dict[str, Knob] = {k.name: k for k in (
    Knob("enable-dfa-jump-thread", "0", (1,), ("-O3",),
         "DFA jump threading: a switch in a loop whose next case is known from this one becomes direct jumps.",
         maximum=1),
    Knob("enable-unroll-and-jam", "0", (1,), ("-O3",),
         "Unroll-and-jam: unroll an outer loop and fuse the copies of its inner loop.", maximum=1),
    Knob("enable-loop-flatten", "0", (1,), ("-O3",), "Loop flattening: a nest of two loops becomes one.",
         maximum=1),
    Knob("enable-loop-versioning-licm", "0", (1,), ("-O3",),
         "Loop versioning for LICM: a loop copy, guarded by a no-alias check, where invariant loads hoist.",
         maximum=1),
    Knob("extra-vectorizer-passes", "0", (1,), ("-O3",),
         "Clean-up passes (early-cse, LICM, instcombine, ...) after the loop vectorizer.", maximum=1),
)}

#: ``-O3`` with every switch on: the candidate through which switches reach the tuner.
O3_SWITCHED = "default<O3>" + "".join(f"{SEPARATOR}{name}=1" for name in SWITCHES)

#: Options LLVM 19 is known to miscompile with (found by measuring, docs/robustness.md): never knobs.
HAZARDOUS_OPTIONS = {"enable-loopinterchange": "LLVM 19's LoopInterchange miscompiles (docs/robustness.md)"}

#: Options that change what a program computes (floating-point semantics): never knobs.
SEMANTIC_OPTIONS = ("enable-unsafe-fp-math", "enable-no-nans-fp-math", "enable-no-infs-fp-math",
                    "enable-no-signed-zeros-fp-math", "enable-no-trapping-fp-math", "enable-approx-func-fp-math",
                    "fp-contract", "denormal-fp-math", "denormal-fp-math-f32", "ffast-math", "fast-math")


class KnobError(ValueError):
    """Text that is not a valid knob (unknown option, bad value, semantics-changing option)."""


def option(name: str, value: int | str) -> str:
    """The validated ``opt`` spelling of knob ``name`` set to ``value``: ``-inline-threshold=500``."""
    name = name.lstrip("-")
    if name in SEMANTIC_OPTIONS or name.endswith("fp-math"):
        raise KnobError(f"'{name}' changes program semantics (floating point): it can never be a knob")
    if name in HAZARDOUS_OPTIONS:
        raise KnobError(f"'{name}': {HAZARDOUS_OPTIONS[name]}: it can never be a knob")
    knob = KNOBS.get(name) or SWITCHES.get(name)
    if knob is None:
        raise KnobError(f"'{name}' is not a knob (knobs: {', '.join(KNOBS)}; switches: {', '.join(SWITCHES)}); "
                        "other LLVM options go through rlopt --llvm-option")
    try:
        number = int(str(value), 10)
    except ValueError:
        raise KnobError(f"knob '{name}' takes an integer, not '{value}'") from None
    if number < knob.minimum or (knob.maximum is not None and number > knob.maximum):
        bounds = f">= {knob.minimum}" if knob.maximum is None else f"from {knob.minimum} to {knob.maximum}"
        raise KnobError(f"knob '{name}' takes an integer {bounds}, not {number}")
    return f"-{name}={number}"


def option_name(text: str) -> str:
    """The name an option sets: ``-inline-threshold=500`` -> ``inline-threshold``."""
    return text.lstrip("-").partition("=")[0]


def canonical(options: tuple[str, ...] | list[str]) -> Options:
    """Knob options validated, sorted by name, one per name (the form engines and caches key on)."""
    by_name: dict[str, str] = {}
    for text in options:
        name, sep, value = text.lstrip("-").partition("=")
        if not sep:
            raise KnobError(f"knob '{text}' needs a value: {name}=N")
        if name in by_name:
            raise KnobError(f"knob '{name}' given twice")
        by_name[name] = option(name, value)
    return tuple(by_name[n] for n in sorted(by_name))


def parse(text: str) -> tuple[str, Options]:
    """``PIPELINE@NAME=VALUE...`` -> (``opt -passes=`` pipeline, knob options).

    The pipeline part is either pipeline text (``default<O3>``) or action names (``-O3``, ``-sroa,-gvn``);
    text without ``@`` is returned as it is with no options, so any pipeline string can go through here.
    """
    head, *knobs = text.strip().split(SEPARATOR)
    if head.startswith("-"):
        from rlopt import passes

        try:
            head = passes.pipeline(passes.parse_action_list(head))
        except (KeyError, ValueError) as e:
            raise KnobError(str(e).strip("'\"")) from None
    return head, canonical(knobs)


def to_text(pipeline: str, options: tuple[str, ...]) -> str:
    """The text :func:`parse` reads back: ``default<O3>@inline-threshold=500``."""
    return SEPARATOR.join([pipeline, *(o.lstrip("-") for o in canonical(options))])


def merge(user: tuple[str, ...], knobs: Options) -> tuple[str, ...]:
    """The options one LLVM run gets: the knobs, then the user's own options, which win where both name the
    same option (LLVM refuses an option given twice)."""
    named = {option_name(u) for u in user}
    return (*(k for k in knobs if option_name(k) not in named), *user)


def check_user_option(text: str) -> str:
    """A user's ``--llvm-option`` value, as opt spells it (``-name`` or ``-name=value``); LLVM itself checks the
    name and value when the engine or ``opt`` starts."""
    stripped = text.strip()
    name = option_name(stripped)
    if not stripped.startswith("-") or not name or any(c.isspace() for c in stripped):
        raise KnobError(f"'{text}' is not an LLVM option: expected -name or -name=value")
    return stripped


def markdown_table(switches: bool = False) -> str:
    """The knob table of docs/knobs.md (or, with ``switches``, its switch table)."""
    table, where = (SWITCHES, "in `O3_SWITCHED`") if switches else (KNOBS, "in `rlopt-extended-v2`")
    lines = [f"| {'switch' if switches else 'knob'} | LLVM 19 default | values {where} | paired with | "
             "what it controls |", "|---|---|---|---|---|"]
    for k in table.values():
        lines.append(f"| `-{k.name}` | {k.default} | {', '.join(map(str, k.values))} | "
                     f"{', '.join(f'`{h}`' for h in k.hosts)} | {k.what} |")
    return "\n".join(lines)
