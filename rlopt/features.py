"""CompilerGym's Autophase (56) and InstCount (70) feature vectors, computed from LLVM 19 IR text.

The counters follow CompilerGym's ``compiler_gym/third_party/autophase/InstCount.cc`` and
``compiler_gym/third_party/llvm/InstCount.cc`` (names and order included); ``docs/features.md`` lists the
features whose meaning moved between LLVM 10 and LLVM 19. The IR is read by :func:`rlopt.irparse.parse`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from rlopt.irparse import (
    BINARY_OPCODES,
    CONST,
    GLOBAL,
    OPCODES,
    Block,
    ParsedModule,
    collector_paused,
    instruction_count,
    parse,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = ["AUTOPHASE_NAMES", "INSTCOUNT_NAMES", "autophase", "autophase_values", "instcount", "instruction_count"]

AUTOPHASE_NAMES = (
    "BBNumArgsHi", "BBNumArgsLo", "onePred", "onePredOneSuc", "onePredTwoSuc", "oneSuccessor", "twoPred",
    "twoPredOneSuc", "twoEach", "twoSuccessor", "morePreds", "BB03Phi", "BBHiPhi", "BBNoPhi", "BeginPhi",
    "BranchCount", "returnInt", "CriticalCount", "NumEdges", "const32Bit", "const64Bit", "numConstZeroes",
    "numConstOnes", "UncondBranches", "binaryConstArg", "NumAShrInst", "NumAddInst", "NumAllocaInst",
    "NumAndInst", "BlockMid", "BlockLow", "NumBitCastInst", "NumBrInst", "NumCallInst",
    "NumGetElementPtrInst", "NumICmpInst", "NumLShrInst", "NumLoadInst", "NumMulInst", "NumOrInst",
    "NumPHIInst", "NumRetInst", "NumSExtInst", "NumSelectInst", "NumShlInst", "NumStoreInst", "NumSubInst",
    "NumTruncInst", "NumXorInst", "NumZExtInst", "TotalBlocks", "TotalInsts", "TotalMemInst", "TotalFuncs",
    "ArgsPhi", "testUnary",
)

# LLVM's class names of the opcodes in Instruction.def order: CompilerGym names InstCount features by them.
_OPCODE_CLASS_NAMES = (
    "Ret", "Br", "Switch", "IndirectBr", "Invoke", "Resume", "Unreachable", "CleanupRet", "CatchRet",
    "CatchSwitch", "CallBr", "FNeg", "Add", "FAdd", "Sub", "FSub", "Mul", "FMul", "UDiv", "SDiv", "FDiv",
    "URem", "SRem", "FRem", "Shl", "LShr", "AShr", "And", "Or", "Xor", "Alloca", "Load", "Store",
    "GetElementPtr", "Fence", "AtomicCmpXchg", "AtomicRMW", "Trunc", "ZExt", "SExt", "FPToUI", "FPToSI",
    "UIToFP", "SIToFP", "FPTrunc", "FPExt", "PtrToInt", "IntToPtr", "BitCast", "AddrSpaceCast", "CleanupPad",
    "CatchPad", "ICmp", "FCmp", "PHI", "Call", "Select", "UserOp1", "UserOp2", "VAArg", "ExtractElement",
    "InsertElement", "ShuffleVector", "ExtractValue", "InsertValue", "LandingPad", "Freeze",
)
INSTCOUNT_NAMES = ("TotalInsts", "TotalBlocks", "TotalFuncs", *_OPCODE_CLASS_NAMES)
_CLASS_OF = dict(zip(OPCODES, _OPCODE_CLASS_NAMES, strict=True))

# Subclasses of llvm::UnaryInstruction: UnaryOperator (fneg), casts, alloca, load, va_arg, extractvalue, freeze.
_UNARY = frozenset(("fneg", "alloca", "load", "va_arg", "extractvalue", "freeze", "trunc", "zext", "sext",
                    "fptoui", "fptosi", "uitofp", "sitofp", "fptrunc", "fpext", "ptrtoint", "inttoptr",
                    "bitcast", "addrspacecast"))
_SHAPE_COUNTERS = {(1, 1): "onePredOneSuc", (2, 1): "twoPredOneSuc", (1, 2): "onePredTwoSuc", (2, 2): "twoEach"}
_MEMORY = ("GetElementPtr", "Load", "Store", "Call", "Invoke", "Alloca")
_INT_CONSTANT_RE = re.compile(r"i(\d+) (-?\d+|true|false)$")
_INT_TYPE_RE = re.compile(r"i\d+$")
_CONSTANT_COUNTERS = ("const32Bit", "const64Bit", "numConstOnes", "numConstZeroes")


@lru_cache(maxsize=1 << 14)
def _constant_flags(ref: str) -> tuple[bool, bool, bool, bool] | None:
    """What a constant operand adds to each of :data:`_CONSTANT_COUNTERS` if it is a ConstantInt such as ``i32 7``
    or ``i1 true``, else None. Cached, as a module uses a few constants many times."""
    m = _INT_CONSTANT_RE.match(ref)
    if m is None:
        return None
    bits, v = int(m[1]), m[2]
    value = 1 if v == "true" else 0 if v == "false" else int(v)
    return bits == 32, bits == 64, value == 1, value == 0


def counters(module: ParsedModule, block_counts: Mapping[str, Sequence[float]] | None = None) -> Counter:
    """Every Autophase and InstCount counter of a parsed module, by CompilerGym's names.

    With ``block_counts`` (function name -> how often each of its blocks ran, in layout order: a profile), each
    block counts that many times and ``TotalFuncs`` counts function entries: what the program *executed*, not
    what it holds. A function missing from it counts as never run."""
    c: Counter = Counter()
    int_returning = {f.name for f in module.functions if _INT_TYPE_RE.match(f.return_type)}
    for fn in module.functions:
        preds = Counter([s for b in fn.blocks for s in b.instructions[-1].successors])
        if block_counts is None:
            c["TotalFuncs"] += 1  # as in CompilerGym: every function of the module, declarations included
            for b in fn.blocks:
                _count_block(c, b, preds, int_returning)
            continue
        runs = block_counts.get(fn.name, ())
        for i, b in enumerate(fn.blocks):
            n = runs[i] if i < len(runs) else 0
            if n:
                one: Counter = Counter()
                _count_block(one, b, preds, int_returning)
                c.update({k: v * n for k, v in one.items()})
                c["TotalFuncs"] += n if i == 0 else 0
    for cls in _OPCODE_CLASS_NAMES:
        c[f"Num{cls}Inst"] = c[cls]
    c["TotalInsts"] = sum(c[cls] for cls in _OPCODE_CLASS_NAMES)
    c["TotalMemInst"] = sum(c[cls] for cls in _MEMORY)
    return c


def _count_block(c: Counter, block: Block, preds: Counter, int_returning: set[str]) -> None:
    """CompilerGym's visitBasicBlock counters plus the opcode counts of one block."""
    insts = block.instructions
    succ = insts[-1].successors
    nsucc, npred = len(succ), preds[block.label]
    c["TotalBlocks"] += 1
    c["NumEdges"] += nsucc
    if nsucc > 1:  # llvm::isCriticalEdge: the successor has more than one predecessor
        c["CriticalCount"] += sum(preds[s] > 1 for s in succ)
    if nsucc:
        c["oneSuccessor" if nsucc == 1 else "twoSuccessor" if nsucc == 2 else "moreSuccessors"] += 1
    if npred:
        c["onePred" if npred == 1 else "twoPred" if npred == 2 else "morePreds"] += 1
    shape = _SHAPE_COUNTERS.get((npred, nsucc))
    if shape:
        c[shape] += 1
    elif npred > 2 and nsucc > 2:
        c["moreEach"] += 1
    # Each instruction updates only the counters of its opcode (the opcode sets are disjoint) and a constant's
    # text is read once (cached): updating every counter for every instruction took most of the time.
    phis = phi_args = unary = 0
    for inst in insts:
        op = inst.opcode
        c[_CLASS_OF[op]] += 1
        if op in _UNARY:
            unary += 1
        elif op == "br":
            c["BranchCount"] += 1
            c["UncondBranches"] += len(inst.successors) == 1
        elif op == "call":
            c["callLargeNumArgs"] += inst.nargs > 4
            c["returnInt"] += inst.callee in int_returning
        elif op == "phi":
            phis += 1
            phi_args += len(inst.operands)
        elif op in BINARY_OPCODES and any(k in (CONST, GLOBAL) for k, _, _ in inst.operands[:2]):
            c["binaryConstArg"] += 1
    c["testUnary"] += unary
    refs = [ref for inst in insts for kind, ref, _ in inst.operands if kind == CONST]
    constants = [flags for flags in map(_constant_flags, refs) if flags]
    if constants:  # each ConstantInt adds to all four counters, zeros included
        for name, n in zip(_CONSTANT_COUNTERS, map(sum, zip(*constants, strict=True)), strict=True):
            c[name] += n
    c["BeginPhi"] += insts[0].opcode == "phi"
    c["ArgsPhi"] += phi_args
    c["BBNoPhi" if phis == 0 else "BB03Phi" if phis <= 3 else "BBHiPhi"] += 1
    if phi_args > 5:
        c["BBNumArgsHi"] += 1
    elif phi_args >= 1:
        c["BBNumArgsLo"] += 1
    n = len(insts)
    c["BlockLow" if n < 15 else "BlockMid" if n <= 500 else "BlockHigh"] += 1


def _text_counters(ir_text: str) -> Counter:
    """:func:`counters` of a module's text. The parse is dropped before the garbage collector resumes, which
    then never scans its objects (it took about a fifth of a large module's time when it did)."""
    with collector_paused():
        return counters(parse(ir_text))


def autophase_values(ir_text: str) -> list[int]:
    """The 56 Autophase features as plain ints: what a selector feeds ONNX Runtime, without loading numpy."""
    c = _text_counters(ir_text)
    return [c[n] for n in AUTOPHASE_NAMES]


def autophase(ir_text: str) -> np.ndarray:
    """The 56 Autophase features (int64, in the order of :data:`AUTOPHASE_NAMES`)."""
    import numpy as np

    return np.array(autophase_values(ir_text), dtype=np.int64)


def instcount(ir_text: str) -> np.ndarray:
    """The 70 InstCount features (int64, in the order of :data:`INSTCOUNT_NAMES`)."""
    import numpy as np

    c = _text_counters(ir_text)
    return np.array([c[n] for n in INSTCOUNT_NAMES], dtype=np.int64)
