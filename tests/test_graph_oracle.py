"""The text scanner against LLVM itself: operands, successors and opcodes read through LLVM's C API (ctypes).

LLVM is the oracle here only; the inference path never loads it.
"""

from __future__ import annotations

import ctypes
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from rlopt import irparse, toolchain
from rlopt.features import INSTCOUNT_NAMES, instcount
from rlopt.irparse import CONST, GLOBAL, IGNORED, LOCAL

CSMITH_INCLUDE = "/usr/include/csmith"
DATA = Path(__file__).resolve().parent / "data" / "parse"
_KIND = {0: LOCAL, 24: LOCAL, 1: IGNORED, 22: IGNORED, 23: IGNORED, 5: GLOBAL, 6: GLOBAL, 7: GLOBAL,
         8: GLOBAL}  # LLVMValueKind -> our operand kind; every other kind is a constant
# llvm-c/Core.h LLVMOpcode values (not Instruction.def order).
_C_OPCODE = {
    "Ret": 1, "Br": 2, "Switch": 3, "IndirectBr": 4, "Invoke": 5, "Unreachable": 7, "CallBr": 67, "FNeg": 66,
    "Add": 8, "FAdd": 9, "Sub": 10, "FSub": 11, "Mul": 12, "FMul": 13, "UDiv": 14, "SDiv": 15, "FDiv": 16,
    "URem": 17, "SRem": 18, "FRem": 19, "Shl": 20, "LShr": 21, "AShr": 22, "And": 23, "Or": 24, "Xor": 25,
    "Alloca": 26, "Load": 27, "Store": 28, "GetElementPtr": 29, "Trunc": 30, "ZExt": 31, "SExt": 32,
    "FPToUI": 33, "FPToSI": 34, "UIToFP": 35, "SIToFP": 36, "FPTrunc": 37, "FPExt": 38, "PtrToInt": 39,
    "IntToPtr": 40, "BitCast": 41, "AddrSpaceCast": 60, "ICmp": 42, "FCmp": 43, "PHI": 44, "Call": 45,
    "Select": 46, "UserOp1": 47, "UserOp2": 48, "VAArg": 49, "ExtractElement": 50, "InsertElement": 51,
    "ShuffleVector": 52, "ExtractValue": 53, "InsertValue": 54, "Freeze": 68, "Fence": 55,
    "AtomicCmpXchg": 56, "AtomicRMW": 57, "Resume": 58, "LandingPad": 59, "CleanupRet": 61, "CatchRet": 62,
    "CatchPad": 63, "CleanupPad": 64, "CatchSwitch": 65,
}


def _llvm():
    try:
        tc = toolchain.find()
    except Exception as e:  # noqa: BLE001 - any toolchain problem means: skip
        pytest.skip(f"no LLVM 19: {e}")
    if tc.libllvm is None:
        pytest.skip("no libLLVM")
    lib = ctypes.CDLL(str(tc.libllvm))
    vp = ctypes.c_void_p
    for name, res, args in [
        ("LLVMContextCreate", vp, []), ("LLVMCreateMemoryBufferWithMemoryRangeCopy", vp,
                                        [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p]),
        ("LLVMParseIRInContext", ctypes.c_int, [vp, vp, ctypes.POINTER(vp), ctypes.POINTER(ctypes.c_char_p)]),
        ("LLVMGetFirstFunction", vp, [vp]), ("LLVMGetNextFunction", vp, [vp]),
        ("LLVMGetFirstBasicBlock", vp, [vp]), ("LLVMGetNextBasicBlock", vp, [vp]),
        ("LLVMGetFirstInstruction", vp, [vp]), ("LLVMGetNextInstruction", vp, [vp]),
        ("LLVMGetNumOperands", ctypes.c_int, [vp]), ("LLVMGetOperand", vp, [vp, ctypes.c_uint]),
        ("LLVMGetValueKind", ctypes.c_int, [vp]), ("LLVMGetNumSuccessors", ctypes.c_uint, [vp]),
        ("LLVMIsATerminatorInst", vp, [vp]), ("LLVMGetInstructionOpcode", ctypes.c_int, [vp]),
    ]:
        f = getattr(lib, name)
        f.restype, f.argtypes = res, args
    return tc, lib


def _llvm_view(lib, ir: str) -> list[list[tuple[int, list[int], int]]]:
    """Per function: (opcode id, operand kinds, number of successors) of every instruction."""
    ctx = lib.LLVMContextCreate()
    data = ir.encode()
    buf = lib.LLVMCreateMemoryBufferWithMemoryRangeCopy(data, len(data), b"ir")
    mod, err = ctypes.c_void_p(), ctypes.c_char_p()
    assert lib.LLVMParseIRInContext(ctx, buf, ctypes.byref(mod), ctypes.byref(err)) == 0, err.value
    out = []
    fn = lib.LLVMGetFirstFunction(mod)
    while fn:
        insts = []
        bb = lib.LLVMGetFirstBasicBlock(fn)
        while bb:
            i = lib.LLVMGetFirstInstruction(bb)
            while i:
                kinds = [_KIND.get(lib.LLVMGetValueKind(lib.LLVMGetOperand(i, k)), CONST)
                         for k in range(lib.LLVMGetNumOperands(i))]
                nsucc = lib.LLVMGetNumSuccessors(i) if lib.LLVMIsATerminatorInst(i) else 0
                insts.append((lib.LLVMGetInstructionOpcode(i), kinds, nsucc))
                i = lib.LLVMGetNextInstruction(i)
            bb = lib.LLVMGetNextBasicBlock(bb)
        out.append(insts)
        fn = lib.LLVMGetNextFunction(fn)
    return out


def _csmith_ir(tc, tmp: Path, seed: int, level: str) -> str:
    src = tmp / f"cs{seed}.c"
    if not src.exists():
        subprocess.run(["csmith", "--seed", str(seed), "--max-funcs", "4", "-o", str(src)], check=True,
                       capture_output=True, timeout=60)
    return tc.run("clang", [f"-{level}", "-Xclang", "-disable-llvm-passes", "-w", f"-I{CSMITH_INCLUDE}",
                            "-S", "-emit-llvm", str(src), "-o", "-"]).decode()


@pytest.mark.parametrize("seed", [3, 8])
@pytest.mark.parametrize("level", ["O0", "O3"])
@pytest.mark.parametrize("optimized", [False, True])
def test_operands_and_successors_match_llvm(tmp_path, seed, level, optimized):
    if not Path(CSMITH_INCLUDE).is_dir():
        pytest.skip("csmith not installed")
    tc, lib = _llvm()
    ir = _csmith_ir(tc, tmp_path, seed, level)
    _assert_parse_matches_llvm(lib, tc.opt(ir.encode(), "default<O3>").decode() if optimized else ir)


@pytest.mark.parametrize("source", ["features.c", "features.cpp"])
@pytest.mark.parametrize("level", ["O0", "O3"])
@pytest.mark.parametrize("optimized", [False, True])
def test_what_csmith_never_generates_matches_llvm(source, level, optimized):
    """Atomics (every atomicrmw once failed to parse), computed goto, inline asm and asm goto (callbr), musttail,
    vectors, i128, _BitInt(37) and x86_fp80, setjmp, virtual calls, exceptions, shared_ptr and a coroutine, at
    both levels, before and after -O3."""
    tc, lib = _llvm()
    path = DATA / source
    tool, std = ("clang++", ["-std=c++20"]) if path.suffix == ".cpp" else ("clang", [])
    ir = tc.run(tool, [*std, f"-{level}", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", str(path),
                       "-o", "-"]).decode()
    _assert_parse_matches_llvm(lib, tc.opt(ir.encode(), "default<O3>").decode() if optimized else ir)


def _assert_parse_matches_llvm(lib, ir: str) -> None:
    """Our parse of ``ir`` (operand kinds, successors, instruction counts) is LLVM's."""
    ours = irparse.parse(ir)
    theirs = _llvm_view(lib, ir)
    assert len(ours.functions) == len(theirs)
    for fn, ref in zip(ours.functions, theirs, strict=True):
        insts = [i for b in fn.blocks for i in b.instructions]
        assert len(insts) == len(ref), fn.name
        for inst, (_, kinds, nsucc) in zip(insts, ref, strict=True):
            assert [k for k, _, _ in inst.operands] == kinds, inst.text
            assert len(inst.successors) == nsucc, inst.text
    counts = dict(zip(INSTCOUNT_NAMES, instcount(ir).tolist(), strict=True))
    opcodes = Counter(op for insts in theirs for op, _, _ in insts)
    assert {n: counts[n] for n in INSTCOUNT_NAMES[3:]} == {n: opcodes[_C_OPCODE[n]] for n in INSTCOUNT_NAMES[3:]}
    assert counts["TotalInsts"] == sum(opcodes.values()) == irparse.instruction_count(ir)
