"""ProGraML program graphs of LLVM 19 IR, built by scanning the IR text.

The graph follows ProGraML v0.3.2 without type nodes (see ``docs/graph.md``): instruction (0), variable (1)
and constant (2) nodes; control (0), data (1) and call (2) edges with a ``position``; a root ``[external]``
instruction node with call edges to every function entry and from every function exit. The ``programl``
package cannot read modern IR, and walking a module through LLVM bindings instruction by instruction is far too
slow for one observation per environment step, so this module parses the printed IR with a line scanner and
a few regular expressions.

Only the standard library, numpy and networkx are used: this module is on the inference path.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from rlopt.errors import InputError

if TYPE_CHECKING:
    import networkx

# Node types and edge flows of the ProGraML schema (programl/proto/program_graph.proto).
INSTRUCTION, VARIABLE, CONSTANT = 0, 1, 2
CONTROL, DATA, CALL = 0, 1, 2
ROOT_TEXT = "[external]"
DECLARATION_TEXT = "; undefined function"

# Operand kinds. Every LLVM operand gets one entry so that list indices are LLVM operand positions.
LOCAL, CONST, GLOBAL, IGNORED = 0, 1, 2, 3

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
_BINARY = frozenset(("add", "fadd", "sub", "fsub", "mul", "fmul", "udiv", "sdiv", "fdiv", "urem", "srem",
                     "frem", "shl", "lshr", "ashr", "and", "or", "xor"))
_CASTS = frozenset(("trunc", "zext", "sext", "fptoui", "fptosi", "uitofp", "sitofp", "fptrunc", "fpext",
                    "ptrtoint", "inttoptr", "bitcast", "addrspacecast"))

_NAME = r'(?:"[^"]*"|[-\w.$]+)'
_LOCAL_RE = re.compile(r"%" + _NAME)
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
_NAMED_TYPE_RE = re.compile(r"%" + _NAME)
_CONTINUATION_RE = re.compile(r"\n(?: {3,}(?!#dbg_)| *\])")
_FUNCTION_NAME_RE = re.compile(r'^(?:define|declare) [^@]*@(' + _NAME + r')\(', re.M)
_STRUCT_DEF_RE = re.compile(r'^(%' + _NAME + r') = type (.*)$', re.M)
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
    operands: list[tuple[int, str, str]]
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
class Module:
    functions: list[Function]
    structs: dict[str, str]

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


def _operand(typ: str, value: str) -> tuple[int, str, str]:
    """Classify one operand value of type ``typ``."""
    c = value[0]
    if c == "%":
        return (LOCAL, value, typ)
    if typ == "metadata" or typ == "label":
        return (IGNORED, typ, typ)
    if c == "@":
        return (GLOBAL, value, typ)
    return (CONST, f"{typ} {value}", typ)


def _typed(piece: str, attrs: bool = False) -> tuple[int, str, str]:
    """Parse ``"<type> [attributes] <value>"``."""
    typ, rest = _split_type(piece)
    if typ == "metadata":
        return _METADATA_OP
    if attrs:
        rest = rest[_PARAM_ATTRS_RE.match(rest).end():]
    return _operand(typ, _take_value(rest))


def _untyped(typ: str, piece: str) -> tuple[int, str, str]:
    return _operand(typ, _take_value(piece))


def _strip_flags(s: str) -> str:
    return s[_FLAGS_RE.match(s).end():]


def _element_type(typ: str) -> str:
    """Element type of a vector or array type (``<4 x i32>``, ``<vscale x 4 x i32>``, ``[2 x [3 x i8]]``)."""
    start = len("<vscale x ") if typ.startswith("<vscale x ") else 1
    return typ[typ.index(" x ", start) + 3:-1]


def _member_type(typ: str, index: int, structs: dict[str, str]) -> str:
    """Type of member ``index`` of an aggregate (array or struct) type."""
    typ = structs.get(typ, typ)
    if typ[0] == "[":
        return _element_type(typ)
    inner = typ[2:-2] if typ.startswith("<{") else typ[1:-1]
    return _split(inner.strip())[index]


def _call(opcode: str, body: str, ops: list) -> tuple[str, str | None, int, str, tuple[int, str, str]]:
    """Parse a call-like body and append its argument operands.

    Returns the result type, the callee name (None for inline asm), the number of arguments, the text after
    the argument list and the callee operand (LLVM puts it last, after any successor labels).
    """
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
    for a in args:
        ops.append(_typed(a, attrs=True))
    rest = body[close:]
    if '[ "' in rest:  # operand bundles: their inputs follow the arguments
        for bundle in _BUNDLE_RE.finditer(rest, rest.index('[ "')):
            ops.extend(_typed(x) for x in _split(bundle.group(1)) if x)
    return _return_type(prefix.strip()), callee, len(args), rest, callee_op


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


_SHAPES: dict[str, tuple | None] = {}
_MAX_SHAPES = 200_000


def _parse_line(line: str, structs: dict[str, str]) -> Instruction:
    """Parse one (joined) instruction line without its leading indentation.

    Most instructions differ from one seen before only in their value names, so the parse of each "shape"
    (the text with local names blanked out) is kept as a template and re-instantiated with the new names.
    """
    name = None
    rhs = line
    if line[0] == "%":
        eq = line.find(" = ")
        name, rhs = line[:eq], line[eq + 3:]
    cut = _METADATA_ATTACHMENT_RE.search(rhs)
    if cut:
        rhs = rhs[:cut.start()]
    names = _LOCAL_RE.findall(rhs)
    shape = _LOCAL_RE.sub("%", rhs) if names else rhs
    try:
        template = _SHAPES[shape]
    except KeyError:
        if len(_SHAPES) >= _MAX_SHAPES:
            _SHAPES.clear()
        template = _SHAPES[shape] = _template(rhs, structs)
    if template is None:
        opcode, typ, ops, succ, callee, nargs = _parse_rhs(rhs, structs)
    else:
        opcode, typ, tops, tsucc, tcallee, nargs = template
        ops = [(k, names[r], t) if k == LOCAL else (k, r, t) for k, r, t in tops]
        succ = [names[i] for i in tsucc]
        callee = names[tcallee] if type(tcallee) is int else tcallee
    return Instruction(opcode, name, typ, ops, succ, line, callee, nargs)


def _template(rhs: str, structs: dict[str, str]) -> tuple | None:
    """Parse ``rhs`` with its local names numbered ``%0, %1, ...`` in order of appearance, giving a template
    whose local operands are indices into the names; None if the parse depends on the names themselves
    (named struct types, names inside constants or strings)."""
    counter = iter(range(1 << 30))
    try:
        opcode, typ, ops, succ, callee, nargs = _parse_rhs(
            _LOCAL_RE.sub(lambda _: f"%{next(counter)}", rhs), structs)
    except (InputError, IndexError, ValueError):  # a named type was numbered too: no template
        return None
    if "%" in typ or any(("%" in r and k != LOCAL) or "%" in t for k, r, t in ops):
        return None
    tops = tuple((k, int(r[1:]), t) if k == LOCAL else (k, r, t) for k, r, t in ops)
    tcallee = int(callee[1:]) if callee and callee[0] == "%" else callee
    return opcode, typ, tops, tuple(int(x[1:]) for x in succ), tcallee, nargs


def _parse_rhs(line: str, structs: dict[str, str]) -> tuple:
    """Parse an instruction after ``%name = `` and without metadata attachments.

    Returns (opcode, result type, operands, successors, callee, number of call arguments).
    """
    text = line
    m = _CALL_PREFIX_RE.match(line)
    if m:
        opcode, body = "call", line[m.end():]
    else:
        opcode, _, body = line.partition(" ")
    ops: list[tuple[int, str, str]] = []
    succ: list[str] = []
    typ = "void"
    callee = None
    nargs = 0
    if opcode in _BINARY or opcode == "fneg" or opcode == "freeze":
        parts = _split(_strip_flags(body))
        first = _typed(parts[0])
        typ = first[2]
        ops.append(first)
        if len(parts) > 1:
            ops.append(_untyped(typ, parts[1]))
    elif opcode == "load":
        parts = _split(_strip_flags(body))
        typ = parts[0]
        ops.append(_typed(parts[1]))
    elif opcode == "store":
        parts = _split(_strip_flags(body))
        ops.append(_typed(parts[0]))
        ops.append(_typed(parts[1]))
    elif opcode == "getelementptr":
        parts = _split(_strip_flags(body))
        ops.extend(_typed(p) for p in parts[1:])
        vec = next((o[2] for o in ops if o[2][0] == "<"), None)
        typ = "ptr" if vec is None else vec[:vec.rindex(" x ")] + " x ptr>"
        if ops and ops[0][2].startswith("ptr addrspace"):
            typ = ops[0][2]
    elif opcode in ("icmp", "fcmp"):
        parts = _split(_strip_flags(body))
        first = _typed(parts[0])
        ops.append(first)
        ops.append(_untyped(first[2], parts[1]))
        t = first[2]
        typ = t[:t.rindex(" x ")] + " x i1>" if t[0] == "<" else "i1"
    elif opcode in _CASTS:
        head, _, typ = _strip_flags(body).rpartition(" to ")
        ops.append(_typed(head))
    elif opcode == "br":
        parts = _split(body)
        if len(parts) == 3:
            ops.append(_typed(parts[0]))
            ops.append(_LABEL_OP)
            ops.append(_LABEL_OP)
            succ = [parts[1][6:], parts[2][6:]]
        else:
            ops.append(_LABEL_OP)
            succ = [parts[0][6:]]
    elif opcode == "phi":
        parts = _split(_strip_flags(body))
        typ, first = _split_type(parts[0])
        for p in (first, *parts[1:]):
            value = _split(p[1:-1].strip())[0]
            ops.append(_untyped(typ, value))
    elif opcode == "call" or opcode == "invoke" or opcode == "callbr":
        typ, callee, nargs, rest, callee_op = _call(opcode, _strip_flags(body), ops)
        succ = _LABEL_RE.findall(rest)
        ops.extend(_LABEL_OP for _ in succ)
        ops.append(callee_op)
    elif opcode == "ret":
        if body != "void":
            ops.append(_typed(body))
    elif opcode == "alloca":
        parts = _split(_strip_flags(body))
        typ = "ptr"
        size = (CONST, "i32 1", "i32")
        for p in parts[1:]:
            if p.startswith("addrspace("):
                typ = "ptr " + p
            elif not p.startswith("align"):
                size = _typed(p)
        ops.append(size)
    elif opcode == "select":
        parts = _split(_strip_flags(body))
        ops.extend(_typed(p) for p in parts[:3])
        typ = ops[1][2]
    elif opcode == "switch":
        head, _, cases = body.partition("[")
        parts = _split(head.strip().rstrip(","))
        ops.append(_typed(parts[0]))
        ops.append(_LABEL_OP)
        succ = [parts[1][6:]]
        for value, label in _CASE_RE.findall(cases):
            ops.append((CONST, value, value.partition(" ")[0]))
            ops.append(_LABEL_OP)
            succ.append(label)
    elif opcode == "unreachable" or opcode == "fence":
        pass
    elif opcode == "extractvalue":
        parts = _split(body)
        ops.append(_typed(parts[0]))
        typ = ops[0][2]
        for idx in parts[1:]:
            typ = _member_type(typ, int(idx), structs)
    elif opcode == "insertvalue":
        parts = _split(body)
        ops.append(_typed(parts[0]))
        ops.append(_typed(parts[1]))
        typ = ops[0][2]
    elif opcode == "extractelement":
        parts = _split(body)
        ops.extend(_typed(p) for p in parts[:2])
        typ = _element_type(ops[0][2])
    elif opcode == "insertelement":
        parts = _split(body)
        ops.extend(_typed(p) for p in parts[:3])
        typ = ops[0][2]
    elif opcode == "shufflevector":
        parts = _split(body)
        ops.extend(_typed(p) for p in parts[:2])
        mask = _split_type(parts[2])[0]
        typ = mask[:mask.rindex(" x ")] + " x " + _element_type(ops[0][2]) + ">"
    elif opcode == "va_arg":
        parts = _split(body)
        ops.append(_typed(parts[0]))
        typ = parts[1]
    elif opcode == "atomicrmw":
        parts = _split(_strip_flags(body))
        ops.append(_typed(parts[0]))
        ops.append(_typed(parts[1]))
        typ = ops[1][2]
    elif opcode == "cmpxchg":
        parts = _split(_strip_flags(body))
        ops.extend(_typed(p) for p in parts[:3])
        typ = "{ " + ops[1][2] + ", i1 }"
    elif opcode == "landingpad":
        typ, rest = _split_type(body)
        for clause in _CLAUSE_RE.split(rest)[1:]:
            ops.append(_typed(clause.strip()))
    elif opcode == "resume":
        ops.append(_typed(body))
    elif opcode == "indirectbr":
        head, _, labels = body.partition("[")
        ops.append(_typed(head.strip().rstrip(",")))
        succ = _LABEL_RE.findall(labels)
        ops.extend(_LABEL_OP for _ in succ)
    elif opcode in ("cleanuppad", "catchpad"):
        within, _, args = body[len("within "):].partition(" [")
        inner = args.rstrip()[:-1].strip()
        ops.extend(_typed(a) for a in (_split(inner) if inner else []))
        ops.append(_pad(within))
        typ = "token"
    elif opcode == "catchswitch":
        within, _, rest = body[len("within "):].partition(" [")
        ops.append(_pad(within))
        handlers, _, unwind = rest.partition("]")
        succ = _LABEL_RE.findall(unwind) + _LABEL_RE.findall(handlers)
        ops.extend(_LABEL_OP for _ in succ)
        typ = "token"
    elif opcode in ("catchret", "cleanupret"):
        pad, _, rest = body[len("from "):].partition(" ")
        ops.append(_pad(pad))
        succ = _LABEL_RE.findall(rest)
        ops.extend(_LABEL_OP for _ in succ)
    else:
        raise InputError(f"unknown LLVM instruction '{opcode}' in: {text[:80]!r}")
    return opcode, typ, ops, succ, callee, nargs


def _pad(value: str) -> tuple[int, str, str]:
    """The parent pad operand of an exception-handling pad (``none`` is a token constant)."""
    return (LOCAL, value, "token") if value[0] == "%" else (CONST, "token none", "token")


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


def parse(ir_text: str) -> Module:
    """Parse the functions of a textual LLVM module (globals, metadata and attributes are skipped)."""
    if "define " not in ir_text and "declare " not in ir_text and not ir_text.lstrip().startswith(
            ("; ModuleID", "source_filename", "target")):
        raise InputError("input is not textual LLVM IR (no function, no module header)")
    text = _CONTINUATION_RE.sub(" ", ir_text)
    structs = dict(_STRUCT_DEF_RE.findall(text))
    functions: list[Function] = []
    fn: Function | None = None
    block: Block | None = None
    for line in text.split("\n"):
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
    return Module(functions, structs)


def instruction_count(ir_text: str) -> int:
    """Number of instructions in the module (LLVM's ``Module::getInstructionCount``), by a line count."""
    return len(_INSTRUCTION_LINE_RE.findall(ir_text))


# ------------------------------------------------------------------------------------------------ the graph

_TYPE_CACHE: dict[str, str] = {}


def node_type_text(typ: str) -> str:
    """ProGraML's text for a type: struct types (and pointers to them) become ``struct``.

    Named struct types inside arrays and vectors are replaced by ``struct`` as well, so that the vocabulary
    does not grow with every program's type names.
    """
    t = _TYPE_CACHE.get(typ)
    if t is None:
        if typ[0] == "%" or typ[0] == "{" or typ.startswith("<{"):
            t = "struct"
        else:
            t = _NAMED_TYPE_RE.sub("struct", typ)
        _TYPE_CACHE[typ] = t
    return t


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
    if data[:4] in (b"BC\xc0\xde", b"\xde\xc0\x17\x0b"):
        from rlopt import toolchain

        data = toolchain.find().run("llvm-dis", ["-", "-o", "-"], input=data)
    return build(data.decode("utf-8", errors="replace"))


def graph_of(module: Module) -> ProgramGraph:
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
    for name in module.function_names:
        entry, exits = entry_exits[name]
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


# ----------------------------------------------------------------------------------------------- vocabulary

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
        from rlopt.ir import write_output

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
    def build(cls, graphs: list[ProgramGraph], min_count: int = 1, version: str = "v1") -> Vocabulary:
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
