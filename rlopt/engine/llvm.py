"""A small typed ctypes binding to LLVM 19's C API, and :class:`Module`, an IR module held in memory.

Everything here runs *in this process*: a pass that aborts or segfaults takes the process down with it. Use
:class:`rlopt.engine.Engine`, which runs this code in a worker process, unless you own the process.

Parity with ``opt-19 -passes=P`` (checked in tests): modules are parsed from a buffer named ``<stdin>`` (so the
``ModuleID`` line matches ``opt - -o -``), verified on input like ``opt`` does, and pipelines run with a target
machine for the module's triple at codegen level ``None`` (what ``opt`` builds when no ``-O`` codegen flag is
given), so target-dependent passes (unrolling, vectorization cost models) decide the same way.
"""

from __future__ import annotations

import ctypes
import functools
import os
import tempfile
import threading
import typing
from ctypes import POINTER, byref, c_bool, c_char_p, c_int, c_size_t, c_uint64, c_void_p
from pathlib import Path

from rlopt.errors import InputError, PipelineError, ToolchainError, ToolError

TOOL = "engine"
_RELOC_DEFAULT, _RELOC_PIC = 0, 2
_CODE_MODEL_DEFAULT = 0
_CODEGEN_NONE, _CODEGEN_DEFAULT = 0, 2
_OBJECT_FILE = 1
_VERIFY_RETURN_STATUS = 2
_TEXT_SECTIONS = (b".text", b"__text")
# Targets whose initializers libLLVM exports; missing ones are skipped (builds may enable fewer targets).
_TARGETS = ("X86", "AArch64", "ARM", "RISCV", "PowerPC", "SystemZ", "Mips", "WebAssembly", "NVPTX", "AMDGPU",
            "BPF", "Hexagon", "LoongArch", "Sparc")

# name -> (restype, argtypes): the subset of the C API the engine uses.
_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "LLVMContextCreate": (c_void_p, []),
    "LLVMIsMultithreaded": (c_int, []),
    "LLVMContextDispose": (None, [c_void_p]),
    "LLVMCreateMemoryBufferWithMemoryRangeCopy": (c_void_p, [c_char_p, c_size_t, c_char_p]),
    "LLVMDisposeMemoryBuffer": (None, [c_void_p]),
    "LLVMGetBufferStart": (c_void_p, [c_void_p]),
    "LLVMGetBufferSize": (c_size_t, [c_void_p]),
    "LLVMParseIRInContext": (c_int, [c_void_p, c_void_p, POINTER(c_void_p), POINTER(c_void_p)]),
    "LLVMCloneModule": (c_void_p, [c_void_p]),
    "LLVMDisposeModule": (None, [c_void_p]),
    "LLVMGetTarget": (c_char_p, [c_void_p]),
    "LLVMGetModuleFlag": (c_void_p, [c_void_p, c_char_p, c_size_t]),
    "LLVMCreatePassBuilderOptions": (c_void_p, []),
    "LLVMDisposePassBuilderOptions": (None, [c_void_p]),
    "LLVMRunPasses": (c_void_p, [c_void_p, c_char_p, c_void_p, c_void_p]),
    "LLVMGetErrorMessage": (c_void_p, [c_void_p]),
    "LLVMDisposeErrorMessage": (None, [c_void_p]),
    "LLVMVerifyModule": (c_int, [c_void_p, c_int, POINTER(c_void_p)]),
    "LLVMPrintModuleToString": (c_void_p, [c_void_p]),
    "LLVMPrintModuleToFile": (c_int, [c_void_p, c_char_p, POINTER(c_void_p)]),
    "LLVMDisposeMessage": (None, [c_void_p]),
    "LLVMWriteBitcodeToMemoryBuffer": (c_void_p, [c_void_p]),
    "LLVMGetFirstFunction": (c_void_p, [c_void_p]),
    "LLVMGetNextFunction": (c_void_p, [c_void_p]),
    "LLVMGetFirstBasicBlock": (c_void_p, [c_void_p]),
    "LLVMGetNextBasicBlock": (c_void_p, [c_void_p]),
    "LLVMGetFirstInstruction": (c_void_p, [c_void_p]),
    "LLVMGetNextInstruction": (c_void_p, [c_void_p]),
    "LLVMGetTargetFromTriple": (c_int, [c_char_p, POINTER(c_void_p), POINTER(c_void_p)]),
    "LLVMCreateTargetMachine": (c_void_p, [c_void_p, c_char_p, c_char_p, c_char_p, c_int, c_int, c_int]),
    "LLVMTargetMachineEmitToMemoryBuffer": (c_int, [c_void_p, c_void_p, c_int, POINTER(c_void_p),
                                                    POINTER(c_void_p)]),
    "LLVMCreateBinary": (c_void_p, [c_void_p, c_void_p, POINTER(c_void_p)]),
    "LLVMDisposeBinary": (None, [c_void_p]),
    "LLVMObjectFileCopySectionIterator": (c_void_p, [c_void_p]),
    "LLVMObjectFileIsSectionIteratorAtEnd": (c_int, [c_void_p, c_void_p]),
    "LLVMMoveToNextSection": (None, [c_void_p]),
    "LLVMDisposeSectionIterator": (None, [c_void_p]),
    "LLVMGetSectionName": (c_char_p, [c_void_p]),
    "LLVMGetSectionSize": (c_uint64, [c_void_p]),
}
# The C API's bitcode writer drops use-list order, which ``opt -o x.bc`` keeps (-preserve-bc-uselistorder is on
# by default there); these C++ entry points write what opt writes. Optional: without them the C API is used.
_CXX_SIGNATURES: dict[str, tuple[str, object, list[object]]] = {
    "fd_stream_ctor": ("_ZN4llvm14raw_fd_ostreamC1EibbNS_11raw_ostream11OStreamKindE", None,
                       [c_void_p, c_int, c_bool, c_bool, c_int]),
    "fd_stream_dtor": ("_ZN4llvm14raw_fd_ostreamD1Ev", None, [c_void_p]),
    "write_bitcode": ("_ZN4llvm18WriteBitcodeToFileERKNS_6ModuleERNS_11raw_ostreamEbPKNS_18ModuleSummaryIndexEb"
                      "PSt5arrayIjLm5EE", None, [c_void_p, c_void_p, c_bool, c_void_p, c_bool, c_void_p]),
}
# LLVM's command-line options (knobs such as -inline-threshold): the C API's LLVMParseCommandLineOptions swallows
# errors (an unknown option is silently ignored), so the C++ parser is called with an error stream, and
# ResetAllOptionOccurrences (what clang's driver calls before an in-process cc1) returns every option to its
# default before another set is applied.
_OPTION_SIGNATURES: dict[str, tuple[str, object, list[object]]] = {
    "parse": ("_ZN4llvm2cl23ParseCommandLineOptionsEiPKPKcNS_9StringRefEPNS_11raw_ostreamES2_b", c_bool,
              [c_int, POINTER(c_char_p), c_char_p, c_size_t, c_void_p, c_char_p, c_bool]),
    "reset": ("_ZN4llvm2cl25ResetAllOptionOccurrencesEv", None, []),
    "errs": ("_ZN4llvm4errsEv", c_void_p, []),
}
_FD_STREAM_BYTES = 1024  # room for an llvm::raw_fd_ostream (about 100 bytes in LLVM 19)


class Library:
    """libLLVM loaded once per path, with typed functions, initialized targets and cached target machines."""

    def __init__(self, path: Path):
        try:
            self.dll = ctypes.CDLL(str(path))
        except OSError as e:
            raise ToolchainError(f"cannot load {path}: {e}") from e
        for name, (restype, argtypes) in _SIGNATURES.items():
            try:
                fn = getattr(self.dll, name)
            except AttributeError:
                raise ToolchainError(f"{path} does not export {name}: not an LLVM 19 libLLVM") from None
            fn.restype, fn.argtypes = restype, argtypes
            setattr(self, name, fn)
        self.cxx: dict[str, object] | None = {}
        for key, (symbol, restype, argtypes) in _CXX_SIGNATURES.items():
            fn = getattr(self.dll, symbol, None)
            if fn is None:
                self.cxx = None
                break
            fn.restype, fn.argtypes = restype, argtypes
            self.cxx[key] = fn
        self.option_parser: dict[str, object] = {}
        for key, (symbol, restype, argtypes) in _OPTION_SIGNATURES.items():
            fn = getattr(self.dll, symbol, None)
            if fn is not None:
                fn.restype, fn.argtypes = restype, argtypes
                self.option_parser[key] = fn
        self._options_parsed = False
        self._option_log: typing.IO[bytes] | None = None
        for target in _TARGETS:
            for part in ("TargetInfo", "Target", "TargetMC", "AsmPrinter"):
                init = getattr(self.dll, f"LLVMInitialize{target}{part}", None)
                if init is not None:
                    init()
        self._threads = threading.local()  # each thread's target machines, see target_machine()

    def set_options(self, options: tuple[str, ...]) -> None:
        """Make ``options`` (``opt`` spellings, e.g. ``-inline-threshold=500``) the process's LLVM options, every
        other option back at its default. LLVM's own complaint about a bad option raises ``InputError``."""
        if len(self.option_parser) < len(_OPTION_SIGNATURES):
            raise ToolchainError("this libLLVM does not export LLVM's command-line parser: cannot set LLVM options")
        if self._options_parsed:
            self.option_parser["reset"]()
        self._options_parsed = True
        if not options:
            return
        argv = (c_char_p * (len(options) + 2))(b"LLVM", *(o.encode() for o in options), None)
        if self._option_log is None:  # LLVM's complaints land here: errs() is unbuffered, on file descriptor 2
            self._option_log = tempfile.TemporaryFile()  # noqa: SIM115  (lives as long as the library)
        log = self._option_log.fileno()
        os.ftruncate(log, 0)
        os.lseek(log, 0, os.SEEK_SET)
        saved = os.dup(2)
        os.dup2(log, 2)
        try:
            ok = self.option_parser["parse"](len(options) + 1, argv, b"", 0, self.option_parser["errs"](), None, False)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        if not ok:
            self.option_parser["reset"]()  # leave no half-applied set behind
            os.lseek(log, 0, os.SEEK_SET)
            message = os.read(log, 4096).decode(errors="replace").split("  Try: ")[0].strip()
            raise InputError(f"invalid LLVM option in {' '.join(options)}: {_first_line(message)}")

    def take_message(self, ptr: int | None) -> str:
        """Copy a C string that LLVM allocated with ``strdup`` and free it (``LLVMDisposeMessage``)."""
        if not ptr:
            return ""
        try:
            return ctypes.string_at(ptr).decode(errors="replace")
        finally:
            self.LLVMDisposeMessage(ptr)

    def take_error(self, err: int | None) -> str | None:
        """The message of an ``LLVMErrorRef`` (consuming it), or None for success."""
        if not err:
            return None
        msg = self.LLVMGetErrorMessage(err)
        try:
            return ctypes.string_at(msg).decode(errors="replace")
        finally:
            self.LLVMDisposeErrorMessage(msg)

    def take_buffer(self, buf: int) -> bytes:
        """Copy an ``LLVMMemoryBufferRef`` into Python bytes and dispose it."""
        try:
            return ctypes.string_at(self.LLVMGetBufferStart(buf), self.LLVMGetBufferSize(buf))
        finally:
            self.LLVMDisposeMemoryBuffer(buf)

    def target_machine(self, triple: bytes, level: int, reloc: int = _RELOC_DEFAULT) -> int | None:
        """A target machine for ``triple`` (generic CPU, no extra features; relocation model ``reloc``), None if
        unsupported.

        Cached per thread: a target machine is not thread-safe (it makes and caches a subtarget per function
        attribute set as passes and code generation ask), so threads working at once, each on a module of its
        own context, each need their own, as LLVM's ThinLTO backends have."""
        machines = self._threads.__dict__.setdefault("machines", {})
        key = (triple, level, reloc)
        if key not in machines:
            machines[key] = self._create_machine(triple, level, reloc)
        return machines[key]

    def _create_machine(self, triple: bytes, level: int, reloc: int) -> int | None:
        target, err = c_void_p(), c_void_p()
        if self.LLVMGetTargetFromTriple(triple, byref(target), byref(err)):
            self.take_message(err.value)
            return None
        return self.LLVMCreateTargetMachine(target, triple, b"", b"", level, reloc, _CODE_MODEL_DEFAULT) or None


@functools.lru_cache(maxsize=4)
def library(path: str | None = None) -> Library:
    """The libLLVM at ``path``, or the one next to the LLVM 19 toolchain that :func:`rlopt.toolchain.find` picks."""
    if path is None:
        from rlopt import toolchain

        lib = toolchain.find().libllvm
        if lib is None:
            raise ToolchainError(f"no libLLVM shared library next to {toolchain.find().bin_dir}")
        path = str(lib)
    return Library(Path(path))


class _Context:
    """An ``LLVMContext`` shared by a parsed module and its clones, disposed with the last of them.

    Constants and types live in the context until it is disposed, so one context per parsed module (rather
    than one per process) is what keeps memory flat over thousands of load/step/free cycles.
    """

    def __init__(self, lib: Library):
        self.lib = lib
        self.ref = lib.LLVMContextCreate()
        self.users = 0

    def release(self) -> None:
        self.users -= 1
        if self.users == 0:
            self.lib.LLVMContextDispose(self.ref)
            self.ref = None


class Module:
    """An LLVM module in memory. Not crash-safe: see :class:`rlopt.engine.Engine` for that."""

    def __init__(self, ctx: _Context, ref: int):
        self._ctx = ctx
        self._lib = ctx.lib
        self._ref: int | None = ref
        ctx.users += 1

    @classmethod
    def parse(cls, data: bytes, *, name: str = "<stdin>", verify: bool = True,
              lib: Library | None = None) -> Module:
        """Parse text IR or bitcode; like ``opt``, reject modules that fail the verifier (InputError)."""
        lib = lib or library()
        ctx = _Context(lib)
        ctx.users += 1  # held while parsing, so a failed parse still disposes the context below
        try:
            buf = lib.LLVMCreateMemoryBufferWithMemoryRangeCopy(data, len(data), name.encode())
            ref, msg = c_void_p(), c_void_p()
            if lib.LLVMParseIRInContext(ctx.ref, buf, byref(ref), byref(msg)):  # takes ownership of buf
                raise InputError(parse_error(name, lib.take_message(msg.value)))
            module = cls(ctx, ref.value)
        finally:
            ctx.release()
        problem = module._verifier_message() if verify else None
        if problem is not None:
            module.dispose()
            raise InputError(f"{name}: input module is broken: {_first_line(problem)}")
        triple = module._triple()
        if triple and lib.target_machine(triple, _CODEGEN_NONE) is None:
            module.dispose()  # opt refuses such a module too ("unrecognized architecture")
            raise InputError(f"{name}: unrecognized target triple {triple.decode(errors='replace')!r}")
        return module

    @property
    def context(self) -> int:
        """The ``LLVMContextRef`` this module lives in (shared with its clones): modules of one context must not
        be worked on from two threads at once."""
        return self._ctx.ref

    @property
    def ref(self) -> int:
        if self._ref is None:
            raise ToolError(TOOL, "module already disposed")
        return self._ref

    def clone(self) -> Module:
        """An independent copy in the same context."""
        return Module(self._ctx, self._lib.LLVMCloneModule(self.ref))

    def run(self, pipeline: str) -> None:
        """Run a new-pass-manager pipeline (``opt -passes=`` syntax) in place; bad pipelines raise ToolError.

        An empty pipeline runs nothing (like ``opt`` without ``-passes``), so an empty action sequence works.
        """
        if not pipeline.strip():
            return
        lib = self._lib
        options = lib.LLVMCreatePassBuilderOptions()
        try:
            machine = self._machine(_CODEGEN_NONE)
            err = lib.take_error(lib.LLVMRunPasses(self.ref, pipeline.encode(), machine, options))
        finally:
            lib.LLVMDisposePassBuilderOptions(options)
        if err is not None:
            raise PipelineError(TOOL, pipeline, err)

    def verify(self) -> None:
        """Raise ToolError with the verifier's message if the module is broken."""
        problem = self._verifier_message()
        if problem is not None:
            raise ToolError(TOOL, f"module is broken: {problem}")

    def _verifier_message(self) -> str | None:
        msg = c_void_p()
        broken = self._lib.LLVMVerifyModule(self.ref, _VERIFY_RETURN_STATUS, byref(msg))
        text = self._lib.take_message(msg.value)
        return text if broken else None

    def text(self) -> str:
        """Textual IR, as ``opt -S`` prints it."""
        return self._lib.take_message(self._lib.LLVMPrintModuleToString(self.ref))

    def text_bytes(self) -> bytes:
        """Textual IR byte for byte as ``opt -S`` writes it.

        :meth:`text` goes through a C string, which ends at a NUL and must be decoded; LLVM prints attribute
        strings raw, so only a file keeps every byte. Used for output, where fidelity matters more than 0.1 ms.
        """
        fd, path = tempfile.mkstemp(prefix="rlopt-engine-", suffix=".ll")
        os.close(fd)
        try:
            err = c_void_p()
            if self._lib.LLVMPrintModuleToFile(self.ref, path.encode(), byref(err)):
                raise ToolError(TOOL, f"cannot print the module: {self._lib.take_message(err.value)}")
            return Path(path).read_bytes()
        finally:
            os.unlink(path)

    def bitcode(self) -> bytes:
        """Bitcode byte for byte as ``opt -o x.bc`` writes it (with use-list order), when libLLVM exports the
        C++ writer; else the C API's bitcode (the same module, but use-list order is lost)."""
        cxx = self._lib.cxx
        if cxx is None:
            return self._lib.take_buffer(self._lib.LLVMWriteBitcodeToMemoryBuffer(self.ref))
        fd, path = tempfile.mkstemp(prefix="rlopt-engine-", suffix=".bc")
        try:
            stream = ctypes.create_string_buffer(_FD_STREAM_BYTES)
            cxx["fd_stream_ctor"](stream, fd, True, False, 0)  # owns fd from here: closes it when destroyed
            fd = -1
            try:
                cxx["write_bitcode"](self.ref, stream, True, None, False, None)
            finally:
                cxx["fd_stream_dtor"](stream)
            return Path(path).read_bytes()
        finally:
            if fd >= 0:
                os.close(fd)
            os.unlink(path)

    def instruction_count(self) -> int:
        """Number of IR instructions in all function bodies (CompilerGym's ``IrInstructionCount``)."""
        lib = self._lib
        next_fn, first_bb, next_bb = lib.LLVMGetNextFunction, lib.LLVMGetFirstBasicBlock, lib.LLVMGetNextBasicBlock
        first_inst, next_inst = lib.LLVMGetFirstInstruction, lib.LLVMGetNextInstruction
        count = 0
        fn = lib.LLVMGetFirstFunction(self.ref)
        while fn:
            bb = first_bb(fn)
            while bb:
                inst = first_inst(bb)
                while inst:
                    count += 1
                    inst = next_inst(inst)
                bb = next_bb(bb)
            fn = next_fn(fn)
        return count

    def object_text_size(self) -> int:
        """Size in bytes of the ``.text`` section of the object file ``llc -filetype=obj`` would emit, with
        ``-relocation-model=pic`` for a module compiled as position-independent code (a ``PIC Level`` module
        flag, which clang sets for ``-fPIC`` and ``-fPIE``, Debian's default): the code clang's own backend makes
        of it. Static code can differ in size either way (a smaller module by this count can be the larger PIE
        object: zlib's minigzip.c, 1,692 against 1,733 bytes static, 1,776 against 1,769 as PIE)."""
        lib = self._lib
        pic = lib.LLVMGetModuleFlag(self.ref, b"PIC Level", len(b"PIC Level"))
        machine = self._machine(_CODEGEN_DEFAULT, _RELOC_PIC if pic else _RELOC_DEFAULT)
        if machine is None:
            raise ToolError(TOOL, f"no code generator for target triple '{self._triple().decode()}'")
        # code generation rewrites the IR it is given, so it gets a copy: one read back from the module's bitcode,
        # not a clone, whose use-lists come in another order, which instruction selection and register
        # allocation follow (a clone of cBench-like code can come out 2-5% smaller or larger than the module
        # itself: tests/data/engine/sort.c at -Oz, 330 against 336 bytes)
        scratch = Module.parse(self.bitcode(), verify=False, lib=lib)
        try:
            err, buf = c_void_p(), c_void_p()
            if lib.LLVMTargetMachineEmitToMemoryBuffer(machine, scratch.ref, _OBJECT_FILE, byref(err), byref(buf)):
                raise ToolError(TOOL, f"code generation failed: {lib.take_message(err.value)}")
        finally:
            scratch.dispose()
        try:
            return self._text_section_size(buf.value)
        finally:
            lib.LLVMDisposeMemoryBuffer(buf.value)

    def _text_section_size(self, buf: int) -> int:
        lib = self._lib
        err = c_void_p()
        binary = lib.LLVMCreateBinary(buf, self._ctx.ref, byref(err))
        if not binary:
            raise ToolError(TOOL, f"cannot read the emitted object: {lib.take_message(err.value)}")
        try:
            sections = lib.LLVMObjectFileCopySectionIterator(binary)
            try:
                size = 0
                while not lib.LLVMObjectFileIsSectionIteratorAtEnd(binary, sections):
                    if lib.LLVMGetSectionName(sections) in _TEXT_SECTIONS:
                        size += lib.LLVMGetSectionSize(sections)
                    lib.LLVMMoveToNextSection(sections)
                return size
            finally:
                lib.LLVMDisposeSectionIterator(sections)
        finally:
            lib.LLVMDisposeBinary(binary)

    def _triple(self) -> bytes:
        return self._lib.LLVMGetTarget(self.ref) or b""

    def _machine(self, level: int, reloc: int = _RELOC_DEFAULT) -> int | None:
        """Like ``opt``: a target machine only when the module names a target triple."""
        triple = self._triple()
        return self._lib.target_machine(triple, level, reloc) if triple else None

    def dispose(self) -> None:
        """Free the module (and its context once no clone uses it); safe to call twice."""
        if self._ref is not None:
            self._lib.LLVMDisposeModule(self._ref)
            self._ref = None
            self._ctx.release()

    def __enter__(self) -> Module:
        return self

    def __exit__(self, *exc: object) -> None:
        self.dispose()


def _first_line(text: str) -> str:
    return next((ln.strip() for ln in text.splitlines() if ln.strip()), "parse error")


def parse_error(name: str, diagnostic: str) -> str:
    """LLVM's parse diagnostic as one line, ``x.ll:3:7: invalid LLVM IR: ...`` (the file named once); the source
    line and caret that LLVM quotes under it are dropped, as every rlopt error is one line."""
    where, sep, message = _first_line(diagnostic).partition(": error: ")
    return f"{where}: invalid LLVM IR: {message}" if sep else f"{name}: invalid LLVM IR: {where}"
