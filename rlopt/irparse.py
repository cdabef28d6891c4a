"""A fast parser of LLVM 19 IR text: functions, blocks and instructions with their operands in LLVM's order.

The graph (:mod:`rlopt.graph`) and the feature counters (:mod:`rlopt.features`) read a module through
:func:`parse`. Walking a module through LLVM bindings instruction by instruction is far too slow for one
observation per environment step, so this module scans the printed IR line by line with a few regular
expressions; each opcode's operand syntax has its own handler (:data:`_HANDLERS`). Globals, metadata and
attributes are skipped.

Only the standard library is used: this module is on the inference path.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

from rlopt.errors import InputError

__all__ = ["BINARY_OPCODES", "CONST", "GLOBAL", "IGNORED", "LOCAL", "NAMED_TYPE_RE", "OPCODES", "Block", "Function",
           "Instruction", "Operand", "ParsedModule", "Structs", "clear_templates", "collector_paused",
           "instruction_count", "parse"]

# Operand kinds. Every LLVM operand gets one entry so that list indices are LLVM operand positions.
LOCAL, CONST, GLOBAL, IGNORED = 0, 1, 2, 3
#: One operand: (kind, ref, type); see :class:`Instruction`.
Operand = tuple[int, str, str]
#: Named struct types of a module: ``%name`` -> its body.
Structs = dict[str, str]

# The LLVM 19 opcodes in ``llvm/IR/Instruction.def`` order (text spelling, as getOpcodeName prints them).
OPCODES = (
    "ret", "br", "switch", "indirectbr", "invoke", "resume", "unreachable", "cleanupret", "catchret",
    "catchswitch", "callbr", "fneg", "add", "fadd", "sub", "fsub", "mul", "fmul", "udiv", "sdiv", "fdiv",
    "urem", "srem", "frem", "shl", "lshr", "ashr", "and", "or", "xor", "alloca", "load", "store",
    "getelementptr", "fence", "cmpxchg", "atomicrmw", "trunc", "zext", "sext", "fptoui", "fptosi", "uitofp",
    "sitofp", "fptrunc", "fpext", "ptrtoint", "inttoptr", "bitcast", "addrspacecast", "cleanuppad",
    "catchpad", "icmp", "fcmp", "phi", "call", "select", "UserOp1", "UserOp2", "va_arg", "extractelement",
    "insertelement", "shufflevector", "extractvalue", "insertvalue", "landingpad", "freeze",
)
#: The binary operators (``llvm::BinaryOperator``).
BINARY_OPCODES = frozenset(("add", "fadd", "sub", "fsub", "mul", "fmul", "udiv", "sdiv", "fdiv", "urem",
                            "srem", "frem", "shl", "lshr", "ashr", "and", "or", "xor"))
_CASTS = ("trunc", "zext", "sext", "fptoui", "fptosi", "uitofp", "sitofp", "fptrunc", "fpext", "ptrtoint",
          "inttoptr", "bitcast", "addrspacecast")

_NAME = r'(?:"[^"]*"|[-\w.$]+)'
_LOCAL_RE = re.compile(r"%" + _NAME)
#: A local value or named type (``%name``, ``%"quoted name"``).
NAMED_TYPE_RE = _LOCAL_RE
# Splits a text at its local names, which are the odd items: the names and the text without them in one pass.
_LOCAL_SPLIT_RE = re.compile(f"({_LOCAL_RE.pattern})")
_SIMPLE_TYPE_RE = re.compile(
    r'(?:i\d+|ptr(?: addrspace\(\d+\))?|half|bfloat|float|double|fp128|x86_fp80|ppc_fp128|x86_amx|'
    r'x86_mmx|void|label|metadata|token|target\("[^"]*"[^)]*\)|%' + _NAME + r')(?![-\w.$])')
_SIMPLE_VALUE_RE = re.compile(
    r'(?:[%@]' + _NAME + r'|0x[KLMHR]?[0-9A-Fa-f]+|-?\d+(?:\.\d+(?:[eE][-+]?\d+)?)?|(?:true|false|null|none|'
    r'undef|poison|zeroinitializer)(?![-\w.$]))')
# Flags and keywords that may precede a type: wrap/exact flags, fast-math flags, compare predicates, atomics.
_FLAGS_RE = re.compile(
    r'(?:(?:nuw|nsw|exact|disjoint|nneg|fast|nnan|ninf|nsz|arcp|contract|afn|reassoc|inbounds|nusw|'
    r'inrange\([^)]*\)|volatile|atomic|weak|inalloca|eq|ne|ugt|uge|ult|ule|sgt|sge|slt|sle|oeq|ogt|oge|olt|'
    r'ole|one|ord|ueq|une|uno|true|false|xchg|nand|max|min|umax|umin|fmax|fmin|uinc_wrap|udec_wrap|'
    r'usub_cond|usub_sat) )*')
_CALL_PREFIX_RE = re.compile(r"^(?:(?:tail|musttail|notail) )?call ")
_CALLEE_RE = re.compile(r'(?:^| )([@%]' + _NAME + r')\(')
_ASM_RE = re.compile(r'(?:^| )asm (?:[a-z]+ )*"[^"]*", "[^"]*"\(')
# Parameter attributes that may sit between an argument's type and its value.
_PARAM_ATTRS_RE = re.compile(
    r'(?:(?:zeroext|signext|noext|inreg|noalias|nocapture|nofree|nest|returned|nonnull|swiftself|'
    r'swiftasync|swifterror|immarg|noundef|allocalign|allocptr|readnone|readonly|writeonly|writable|'
    r'dead_on_unwind|align \d+|(?:byval|byref|preallocated|inalloca|sret|elementtype|align|dereferenceable|'
    r'dereferenceable_or_null|alignstack|nofpclass|range|initializes|captures)\((?:[^()]|\([^()]*\))*\)) )*')
_LABEL_RE = re.compile(r"label (%" + _NAME + ")")
_METADATA_ATTACHMENT_RE = re.compile(r", ![A-Za-z_]")
_BRACKETS_RE = re.compile(r'[()\[\]{}<>"]')
_SPLIT_RE = re.compile(r'[()\[\]{}<>",]')
_CONTINUATION_RE = re.compile(r"\n(?: {3,}(?!#dbg_)| *\])")
# A named struct's definition, at the start of a line: matched after a newline (a text is searched with one in
# front), since a pattern that starts with a literal lets the regex engine skip to where that occurs.
_STRUCT_DEF_RE = re.compile(r'\n(%' + _NAME + r') = type (.*)$', re.M)
_INSTRUCTION_LINE_RE = re.compile(r"^  (?! |;|#dbg_|\]|uselistorder)", re.M)
_ADDRSPACE_END_RE = re.compile(r"ptr addrspace\(\d+\)$")
_BUNDLE_RE = re.compile(r'"[^"]*"\(([^)]*)\)')
_CASE_RE = re.compile(r"(i\d+ -?\w+), label (%" + _NAME + ")")
_GLOBAL_NAME_RE = re.compile(r"@" + _NAME)
_CLAUSE_RE = re.compile(r"(?:^| )(?:catch|filter) ")
_OPEN, _CLOSE = "([{<", ")]}>"
_LABEL_OP = (IGNORED, "label", "label")
_METADATA_OP = (IGNORED, "metadata", "metadata")
_ASM_OP = (IGNORED, "asm", "asm")


@dataclass(slots=True)
class Instruction:
    """One parsed IR instruction.

    ``operands`` lists every LLVM operand in LLVM's operand order as ``(kind, ref, type)``: ``kind`` is LOCAL
    (``ref`` = ``%name``), CONST (``ref`` = ``"type value"``), GLOBAL (``ref`` = ``@name``) or IGNORED
    (labels, metadata, inline asm). ``successors`` are the labels of a terminator in LLVM successor order.
    """

    opcode: str
    name: str | None
    type: str
    operands: list[Operand]
    successors: list[str]
    text: str
    callee: str | None = None
    nargs: int = 0


@dataclass(slots=True)
class Block:
    label: str | None
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(slots=True)
class Function:
    name: str
    args: list[tuple[str, str]]
    blocks: list[Block]
    declaration: bool
    return_type: str


@dataclass(slots=True)
class ParsedModule:
    """The functions of a module as :func:`parse` reads them, and its named struct types."""

    functions: list[Function]
    structs: Structs

    @property
    def function_names(self) -> set[str]:
        return {f.name for f in self.functions}


# ---------------------------------------------------------------------------------------------- text scanning


def _match_bracket(s: str, start: int) -> int:
    """Index just past the bracket group opening at ``s[start]``; quotes are skipped, all kinds nest."""
    return _match_bracket_from(s, start, 0)


def _match_bracket_from(s: str, pos: int, depth: int) -> int:
    """Index just past the point where the nesting ``depth`` at ``pos`` returns to zero."""
    while True:
        m = _BRACKETS_RE.search(s, pos)
        if m is None:
            raise InputError(f"unbalanced brackets in IR: {s[:80]!r}")
        c = m.group()
        if c == '"':
            q = s.find('"', m.end())
            if q < 0:
                raise InputError(f"unterminated string in IR: {s[:80]!r}")
            pos = q + 1
            continue
        depth += 1 if c in _OPEN else -1
        if depth == 0:
            return m.end()
        pos = m.end()


def _split(s: str) -> list[str]:
    """Split at top-level commas (outside brackets and strings)."""
    if not _BRACKETS_RE.search(s):
        return s.split(", ")
    parts, depth, last, pos = [], 0, 0, 0
    while True:
        m = _SPLIT_RE.search(s, pos)
        if m is None:
            break
        c = m.group()
        pos = m.end()
        if c == '"':
            q = s.find('"', pos)
            pos = len(s) if q < 0 else q + 1
        elif c == ",":
            if depth == 0:
                parts.append(s[last:m.start()].strip())
                last = pos
        else:
            depth += 1 if c in _OPEN else -1
    parts.append(s[last:].strip())
    return parts


def _split_type(s: str) -> tuple[str, str]:
    """Split ``"<type> <rest>"`` into the type and the rest."""
    m = _SIMPLE_TYPE_RE.match(s)
    if m:
        end = m.end()
    elif s and s[0] in "[<{":
        end = _match_bracket(s, 0)
    else:
        raise InputError(f"cannot parse a type in IR: {s[:80]!r}")
    if s.startswith(" (", end):  # function type: return type followed by parameter types
        end = _match_bracket(s, end + 1)
    return s[:end], s[end:].lstrip()


def _take_value(s: str) -> str:
    """The value at the start of ``s`` (a name, literal, aggregate or constant expression)."""
    m = _SIMPLE_VALUE_RE.match(s)
    if m:
        return m.group()
    if not s:
        raise InputError("missing operand value in IR")
    c = s[0]
    if c in "[<{":
        return s[:_match_bracket(s, 0)]
    if s.startswith('c"'):
        return s[:s.index('"', 2) + 1]
    if s.startswith(("dso_local_equivalent ", "no_cfi ")):
        head, _, rest = s.partition(" ")
        return f"{head} {_take_value(rest)}"
    paren = s.find("(")
    if paren < 0:
        raise InputError(f"cannot parse an operand in IR: {s[:80]!r}")
    return s[:_match_bracket(s, paren)]


def _operand(typ: str, value: str) -> Operand:
    """Classify one operand value of type ``typ``."""
    c = value[0]
    if c == "%":
        return (LOCAL, value, typ)
    if typ == "metadata" or typ == "label":
        return (IGNORED, typ, typ)
    if c == "@":
        return (GLOBAL, value, typ)
    return (CONST, f"{typ} {value}", typ)


def _typed(piece: str, attrs: bool = False) -> Operand:
    """Parse ``"<type> [attributes] <value>"``."""
    typ, rest = _split_type(piece)
    if typ == "metadata":
        return _METADATA_OP
    if attrs:
        rest = rest[_PARAM_ATTRS_RE.match(rest).end():]
    return _operand(typ, _take_value(rest))


def _untyped(typ: str, piece: str) -> Operand:
    return _operand(typ, _take_value(piece))


def _strip_flags(s: str) -> str:
    return s[_FLAGS_RE.match(s).end():]


def _element_type(typ: str) -> str:
    """Element type of a vector or array type (``<4 x i32>``, ``<vscale x 4 x i32>``, ``[2 x [3 x i8]]``)."""
    start = len("<vscale x ") if typ.startswith("<vscale x ") else 1
    return typ[typ.index(" x ", start) + 3:-1]


def _member_type(typ: str, index: int, structs: Structs) -> str:
    """Type of member ``index`` of an aggregate (array or struct) type."""
    typ = structs.get(typ, typ)
    if typ[0] == "[":
        return _element_type(typ)
    inner = typ[2:-2] if typ.startswith("<{") else typ[1:-1]
    return _split(inner.strip())[index]


def _open_of_last_group(text: str) -> int:
    """Index of the bracket that opens the group ending ``text`` (which ends with a closing bracket), or -1."""
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _CLOSE:
            depth += 1
        elif text[i] in _OPEN:
            depth -= 1
            if depth == 0:
                return i
    return -1


def _return_type(prefix: str) -> str:
    """The return type at the end of a call's prefix (after flags, calling convention, attributes)."""
    if prefix.endswith(")") and not _ADDRSPACE_END_RE.search(prefix):
        i = _open_of_last_group(prefix)
        if i >= 0:
            prefix = prefix[:i].rstrip()  # drop a function type's parameter list
    if prefix.endswith(("}", "]", ">")):
        i = _open_of_last_group(prefix)
        if i >= 0:
            return prefix[i - 1 if i > 0 and prefix[i - 1] == "<" else i:]
    m = _ADDRSPACE_END_RE.search(prefix)
    if m:
        return m.group()
    return prefix.rpartition(" ")[2]


# ------------------------------------------------------------------------------------------------ instructions

_SHAPES: dict[str, tuple | None] = {}
_MAX_SHAPES = 200_000


def clear_templates() -> None:
    """Forget the instruction templates (for a benchmark of a first parse; the cache is bounded anyway)."""
    _SHAPES.clear()


def _parse_line(line: str, structs: Structs) -> Instruction:
    """Parse one (joined) instruction line without its leading indentation.

    Most instructions differ from one seen before only in their value names, so the parse of each "shape"
    (the text with local names blanked out) is kept as a template and re-instantiated with the new names.
    """
    name = None
    rhs = line
    if line[0] == "%":
        eq = line.find(" = ")
        name, rhs = line[:eq], line[eq + 3:]
    if ", !" in rhs:  # cheaper than the search on the many lines without attachments
        cut = _METADATA_ATTACHMENT_RE.search(rhs)
        if cut:
            rhs = rhs[:cut.start()]
    parts = _LOCAL_SPLIT_RE.split(rhs)
    names = parts[1::2]
    shape = "%".join(parts[::2])
    try:
        template = _SHAPES[shape]
    except KeyError:
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        template = _SHAPES[shape] = _template(rhs, structs)
    if template is None:
        opcode, (typ, ops, succ, callee, nargs) = _parse_rhs(rhs, structs)
        succ = list(succ)
    else:
        opcode, typ, tops, tsucc, tcallee, nargs = template
        ops = [(k, names[r], t) if k == LOCAL else (k, r, t) for k, r, t in tops]
        succ = [names[i] for i in tsucc]
        callee = names[tcallee] if type(tcallee) is int else tcallee
    return Instruction(opcode, name, typ, ops, succ, line, callee, nargs)


def _template(rhs: str, structs: Structs) -> tuple | None:
    """Parse ``rhs`` with its local names numbered ``%0, %1, ...`` in order of appearance, giving a template
    whose local operands are indices into the names; None if the parse depends on the names themselves
    (named struct types, names inside constants or strings)."""
    counter = iter(range(1 << 30))
    try:
        opcode, (typ, ops, succ, callee, nargs) = _parse_rhs(
            _LOCAL_RE.sub(lambda _: f"%{next(counter)}", rhs), structs)
    except (InputError, IndexError, ValueError):  # a named type was numbered too: no template
        return None
    if "%" in typ or any(("%" in r and k != LOCAL) or "%" in t for k, r, t in ops):
        return None
    if not all(x[1:].isdigit() for x in succ):  # a successor that is not a numbered local: malformed, no template
        return None
    tops = tuple((k, int(r[1:]), t) if k == LOCAL else (k, r, t) for k, r, t in ops)
    tcallee = int(callee[1:]) if callee and callee[0] == "%" else callee
    return opcode, typ, tops, tuple(int(x[1:]) for x in succ), tcallee, nargs


class _Parsed(NamedTuple):
    """What an opcode handler reads from an instruction's text after the opcode."""

    type: str
    operands: list[Operand]
    successors: Sequence[str] = ()
    callee: str | None = None
    nargs: int = 0


def _parse_rhs(line: str, structs: Structs) -> tuple[str, _Parsed]:
    """The opcode and the parse of an instruction after ``%name = `` and without metadata attachments."""
    m = _CALL_PREFIX_RE.match(line)
    if m:
        opcode, body = "call", line[m.end():]
    else:
        opcode, _, body = line.partition(" ")
    handler = _HANDLERS.get(opcode)
    if handler is None:
        raise InputError(f"unknown LLVM instruction '{opcode}' in: {line[:80]!r}")
    try:
        return opcode, handler(body, structs)
    except (IndexError, ValueError) as e:  # a handler indexing or converting the parts of a line it cannot read
        raise InputError(f"cannot parse a '{opcode}' instruction in IR: {line[:80]!r}") from e


# One handler per opcode (or family): ``handler(text after the opcode, named struct types) -> _Parsed``.


def _arithmetic(body: str, structs: Structs) -> _Parsed:
    """Binary operators, ``fneg`` and ``freeze``: the type comes with the first operand only."""
    parts = _split(_strip_flags(body))
    first = _typed(parts[0])
    ops = [first]
    if len(parts) > 1:
        ops.append(_untyped(first[2], parts[1]))
    return _Parsed(first[2], ops)


def _load(body: str, structs: Structs) -> _Parsed:
    parts = _split(_strip_flags(body))
    return _Parsed(parts[0], [_typed(parts[1])])


def _store(body: str, structs: Structs) -> _Parsed:
    parts = _split(_strip_flags(body))
    return _Parsed("void", [_typed(parts[0]), _typed(parts[1])])


def _getelementptr(body: str, structs: Structs) -> _Parsed:
    """A pointer, or a vector of pointers when an index is a vector; the base's address space is kept."""
    parts = _split(_strip_flags(body))
    ops = [_typed(p) for p in parts[1:]]
    vec = next((o[2] for o in ops if o[2][0] == "<"), None)
    typ = "ptr" if vec is None else vec[:vec.rindex(" x ")] + " x ptr>"
    if ops and ops[0][2].startswith("ptr addrspace"):
        typ = ops[0][2]
    return _Parsed(typ, ops)


def _compare(body: str, structs: Structs) -> _Parsed:
    parts = _split(_strip_flags(body))
    first = _typed(parts[0])
    t = first[2]
    return _Parsed(t[:t.rindex(" x ")] + " x i1>" if t[0] == "<" else "i1", [first, _untyped(t, parts[1])])


def _cast(body: str, structs: Structs) -> _Parsed:
    head, _, typ = _strip_flags(body).rpartition(" to ")
    return _Parsed(typ, [_typed(head)])


def _br(body: str, structs: Structs) -> _Parsed:
    parts = _split(body)
    if len(parts) == 3:
        return _Parsed("void", [_typed(parts[0]), _LABEL_OP, _LABEL_OP], [parts[1][6:], parts[2][6:]])
    return _Parsed("void", [_LABEL_OP], [parts[0][6:]])


def _phi(body: str, structs: Structs) -> _Parsed:
    """Incoming values only: the incoming blocks are not operands in LLVM."""
    parts = _split(_strip_flags(body))
    typ, first = _split_type(parts[0])
    return _Parsed(typ, [_untyped(typ, _split(p[1:-1].strip())[0]) for p in (first, *parts[1:])])


def _call(opcode: str, body: str, structs: Structs) -> _Parsed:
    """``call``, ``invoke``, ``callbr``: arguments, bundle inputs, successor labels, then the callee (LLVM's
    operand order); the callee is None for inline asm."""
    body = _strip_flags(body)
    m = _CALLEE_RE.search(body)
    asm = _ASM_RE.search(body)
    if asm and (m is None or asm.start() < m.start()):
        prefix, callee_op, open_paren = body[:asm.start()], _ASM_OP, asm.end() - 1
        callee = None
    elif m:
        prefix, open_paren = body[:m.start()], m.end() - 1
        callee = m.group(1)
        callee_op = (LOCAL, callee, "ptr") if callee[0] == "%" else (GLOBAL, callee, "ptr")
    else:
        raise InputError(f"cannot find the callee of a {opcode}: {body[:80]!r}")
    close = _match_bracket(body, open_paren)
    inner = body[open_paren + 1:close - 1]
    args = _split(inner) if inner else []
    ops = [_typed(a, attrs=True) for a in args]
    rest = body[close:]
    if '[ "' in rest:  # operand bundles: their inputs follow the arguments
        for bundle in _BUNDLE_RE.finditer(rest, rest.index('[ "')):
            ops.extend(_typed(x) for x in _split(bundle.group(1)) if x)
    succ = _LABEL_RE.findall(rest)
    ops.extend(_LABEL_OP for _ in succ)
    ops.append(callee_op)
    return _Parsed(_return_type(prefix.strip()), ops, succ, callee, len(args))


def _ret(body: str, structs: Structs) -> _Parsed:
    return _Parsed("void", [] if body == "void" else [_typed(body)])


def _alloca(body: str, structs: Structs) -> _Parsed:
    """The one operand is the element count (``i32 1`` when not written)."""
    parts = _split(_strip_flags(body))
    typ = "ptr"
    size = (CONST, "i32 1", "i32")
    for p in parts[1:]:
        if p.startswith("addrspace("):
            typ = "ptr " + p
        elif not p.startswith("align"):
            size = _typed(p)
    return _Parsed(typ, [size])


def _select(body: str, structs: Structs) -> _Parsed:
    ops = [_typed(p) for p in _split(_strip_flags(body))[:3]]
    return _Parsed(ops[1][2], ops)


def _switch(body: str, structs: Structs) -> _Parsed:
    """Condition, default label, then a (value, label) pair per case."""
    head, _, cases = body.partition("[")
    parts = _split(head.strip().rstrip(","))
    ops = [_typed(parts[0]), _LABEL_OP]
    succ = [parts[1][6:]]
    for value, label in _CASE_RE.findall(cases):
        ops.append((CONST, value, value.partition(" ")[0]))
        ops.append(_LABEL_OP)
        succ.append(label)
    return _Parsed("void", ops, succ)


def _no_operands(body: str, structs: Structs) -> _Parsed:
    return _Parsed("void", [])


def _extractvalue(body: str, structs: Structs) -> _Parsed:
    parts = _split(body)
    ops = [_typed(parts[0])]
    typ = ops[0][2]
    for idx in parts[1:]:
        typ = _member_type(typ, int(idx), structs)
    return _Parsed(typ, ops)


def _insertvalue(body: str, structs: Structs) -> _Parsed:
    parts = _split(body)
    ops = [_typed(parts[0]), _typed(parts[1])]
    return _Parsed(ops[0][2], ops)


def _extractelement(body: str, structs: Structs) -> _Parsed:
    ops = [_typed(p) for p in _split(body)[:2]]
    return _Parsed(_element_type(ops[0][2]), ops)


def _insertelement(body: str, structs: Structs) -> _Parsed:
    ops = [_typed(p) for p in _split(body)[:3]]
    return _Parsed(ops[0][2], ops)


def _shufflevector(body: str, structs: Structs) -> _Parsed:
    """Two vector operands (the mask is not an operand); the result has the mask's length."""
    parts = _split(body)
    ops = [_typed(p) for p in parts[:2]]
    mask = _split_type(parts[2])[0]
    return _Parsed(mask[:mask.rindex(" x ")] + " x " + _element_type(ops[0][2]) + ">", ops)


def _va_arg(body: str, structs: Structs) -> _Parsed:
    parts = _split(body)
    return _Parsed(parts[1], [_typed(parts[0])])


_ATOMICRMW_OP_RE = re.compile(r"(?:volatile )?[a-z_]+ ")  # the operation: add, sub, ..., fadd, uinc_wrap, ...


def _atomicrmw(body: str, structs: Structs) -> _Parsed:
    op = _ATOMICRMW_OP_RE.match(body)
    if op is None:
        raise InputError(f"cannot parse an atomicrmw operation in IR: {body[:80]!r}")
    parts = _split(body[op.end():])
    ops = [_typed(parts[0]), _typed(parts[1])]
    return _Parsed(ops[1][2], ops)


def _cmpxchg(body: str, structs: Structs) -> _Parsed:
    ops = [_typed(p) for p in _split(_strip_flags(body))[:3]]
    return _Parsed("{ " + ops[1][2] + ", i1 }", ops)


def _landingpad(body: str, structs: Structs) -> _Parsed:
    typ, rest = _split_type(body)
    return _Parsed(typ, [_typed(clause.strip()) for clause in _CLAUSE_RE.split(rest)[1:]])


def _resume(body: str, structs: Structs) -> _Parsed:
    return _Parsed("void", [_typed(body)])


def _indirectbr(body: str, structs: Structs) -> _Parsed:
    head, _, labels = body.partition("[")
    succ = _LABEL_RE.findall(labels)
    return _Parsed("void", [_typed(head.strip().rstrip(",")), *(_LABEL_OP for _ in succ)], succ)


def _funclet_pad(body: str, structs: Structs) -> _Parsed:
    """``cleanuppad``/``catchpad within %parent [args]``: the arguments, then the parent pad."""
    within, _, args = body[len("within "):].partition(" [")
    inner = args.rstrip()[:-1].strip()
    ops = [_typed(a) for a in (_split(inner) if inner else [])]
    ops.append(_pad(within))
    return _Parsed("token", ops)


def _catchswitch(body: str, structs: Structs) -> _Parsed:
    """The parent pad, then the unwind destination (if any) before the handlers, as LLVM orders successors."""
    within, _, rest = body[len("within "):].partition(" [")
    handlers, _, unwind = rest.partition("]")
    succ = _LABEL_RE.findall(unwind) + _LABEL_RE.findall(handlers)
    return _Parsed("token", [_pad(within), *(_LABEL_OP for _ in succ)], succ)


def _funclet_return(body: str, structs: Structs) -> _Parsed:
    """``catchret``/``cleanupret from %pad ...``: the pad, then the successor labels."""
    pad, _, rest = body[len("from "):].partition(" ")
    succ = _LABEL_RE.findall(rest)
    return _Parsed("void", [_pad(pad), *(_LABEL_OP for _ in succ)], succ)


def _pad(value: str) -> Operand:
    """The parent pad operand of an exception-handling pad (``none`` is a token constant)."""
    return (LOCAL, value, "token") if value[0] == "%" else (CONST, "token none", "token")


_HANDLERS: dict[str, Callable[[str, Structs], _Parsed]] = {
    **dict.fromkeys((*BINARY_OPCODES, "fneg", "freeze"), _arithmetic),
    **dict.fromkeys(_CASTS, _cast),
    **{op: partial(_call, op) for op in ("call", "invoke", "callbr")},
    "load": _load, "store": _store, "getelementptr": _getelementptr, "icmp": _compare, "fcmp": _compare,
    "br": _br, "phi": _phi, "ret": _ret, "alloca": _alloca, "select": _select, "switch": _switch,
    "unreachable": _no_operands, "fence": _no_operands, "extractvalue": _extractvalue,
    "insertvalue": _insertvalue, "extractelement": _extractelement, "insertelement": _insertelement,
    "shufflevector": _shufflevector, "va_arg": _va_arg, "atomicrmw": _atomicrmw, "cmpxchg": _cmpxchg,
    "landingpad": _landingpad, "resume": _resume, "indirectbr": _indirectbr, "cleanuppad": _funclet_pad,
    "catchpad": _funclet_pad, "catchswitch": _catchswitch, "catchret": _funclet_return,
    "cleanupret": _funclet_return,
}


# ---------------------------------------------------------------------------------------------------- module


def _parse_header(line: str, declaration: bool) -> Function:
    """The function (without blocks) of a ``define``/``declare`` line."""
    at = line.index("@")
    m = _GLOBAL_NAME_RE.match(line, at)
    name = m.group()
    close = _match_bracket(line, m.end())
    inner = line[m.end() + 1:close - 1]
    args = []
    for piece in _split(inner) if inner else []:
        if piece == "...":
            continue
        typ, rest = _split_type(piece)
        arg = rest.rpartition(" ")[2] if rest else ""
        args.append((arg if arg.startswith("%") else "", typ))
    return Function(name, args, [], declaration, _return_type(line[:at].rstrip()))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector; it is resumed only if this pause stopped it (the caller, or a
    parse in another thread, may have).

    A parse makes a few objects per instruction and no reference cycles, yet their number set off full
    collections that took more than half of a large module's parse. A caller that drops the parse before the
    pause ends (the feature counters) spares the collector its objects altogether."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse(ir_text: str) -> ParsedModule:
    """Parse the functions of a textual LLVM module (globals, metadata and attributes are skipped)."""
    if "define " not in ir_text and "declare " not in ir_text and not ir_text.lstrip().startswith(
            ("; ModuleID", "source_filename", "target")):
        raise InputError("input is not textual LLVM IR (no function, no module header)")
    text = _CONTINUATION_RE.sub(" ", ir_text)
    structs = dict(_STRUCT_DEF_RE.findall("\n" + text))
    try:
        with collector_paused():
            return ParsedModule(_functions(text.split("\n"), structs), structs)
    except (IndexError, ValueError, KeyError, AttributeError) as e:  # laid out otherwise than LLVM prints it
        raise InputError(f"not laid out as LLVM prints IR ({type(e).__name__}: {e})") from e


def _functions(lines: list[str], structs: dict[str, str]) -> list[Function]:
    """The functions of a module's lines, as LLVM prints them (two-space indented instructions, labels at the
    start of a line, ``}`` alone)."""
    functions: list[Function] = []
    fn: Function | None = None
    block: Block | None = None
    for line in lines:
        if fn is None:
            if line.startswith("define "):
                fn = _parse_header(line, False)
                block = Block(None)
                fn.blocks.append(block)
            elif line.startswith("declare "):
                functions.append(_parse_header(line, True))
            continue
        if line.startswith("  "):
            body = line[2:]
            if body[0] in ";#" or body.startswith("uselistorder"):
                continue
            block.instructions.append(_parse_line(body, structs))  # type: ignore[union-attr]
        elif line.startswith("}"):
            if not fn.blocks[0].instructions:
                fn.blocks.pop(0)
            functions.append(fn)
            fn = None
        elif line and line[0] != ";":
            label = line.partition(":")[0] if line[0] != '"' else line[:line.index('"', 1) + 1]
            block = Block("%" + label)
            fn.blocks.append(block)
    if fn is not None:
        raise InputError(f"function {fn.name} is not terminated by '}}' (truncated IR?)")
    for f in functions:
        if any(not b.instructions for b in f.blocks):
            raise InputError(f"function {f.name} has a block without instructions")
    return functions


def instruction_count(ir_text: str) -> int:
    """Number of instructions in the module (LLVM's ``Module::getInstructionCount``), by a line count."""
    return len(_INSTRUCTION_LINE_RE.findall(ir_text))

