"""The flag table of ``rlopt-cc`` and the classifier that decides, from a command line alone, what to do.

Like ccache, the wrapper takes the rlopt path only for what it fully understands: compiling C/C++ sources to
objects, assembly or IR, optionally followed by a link. Each row of :data:`OPTIONS` says whether a flag takes
an argument, which steps see it, and whether it is too hard (then the real compiler runs unchanged, with a
named :class:`~rlopt.cc.stats.Statistic` as the reason). Pure functions: nothing here touches a file except
:func:`expand_response_files`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from rlopt.cc.stats import Statistic as S

TYPE_CHECKING = False  # typing (and the re it imports) would cost every call of the wrapper ~3 ms
if TYPE_CHECKING:
    from typing import Literal

    # How an option takes its value: none, glued (-DX), next word (-MF f), or both (-o f / -of).
    Arity = Literal["flag", "joined", "separate", "either"]
    # Which steps see an option: common all, preprocess/depend the frontend only, link the link step (and the
    # frontend of a compile-only call, so clang warns about it exactly as it would), level all steps and it
    # picks the pipeline; bypass means too hard: run the real compiler unchanged.
    Role = Literal["common", "level", "preprocess", "depend", "link", "output", "language", "mode", "bypass"]
    Mode = Literal["object", "asm", "link"]


class Option:
    """One row of the flag table (a plain class: ``dataclasses`` costs the wrapper's start-up ~7 ms)."""

    __slots__ = ("name", "arity", "role", "reason")

    def __init__(self, name: str, arity: Arity = "flag", role: Role = "common", reason: S | None = None):
        self.name, self.arity, self.role, self.reason = name, arity, role, reason

    def __repr__(self) -> str:
        return f"Option({self.name!r}, {self.arity!r}, {self.role!r}, {self.reason!r})"


def _rows(role: Role, arity: Arity, names: str, reason: S | None = None) -> list[Option]:
    return [Option(n, arity, role, reason) for n in names.split()]


_TABLE: list[Option] = [
    *_rows("output", "either", "-o"),
    *_rows("language", "either", "-x"),
    *_rows("mode", "flag", "-c -S -emit-llvm"),
    *_rows("level", "joined", "-O"),
    *_rows("preprocess", "either", "-D -U -I -include -imacros -isystem -iquote -idirafter -iprefix "
                                   "-iwithprefix -iwithprefixbefore -include-pch -Xpreprocessor"),
    *_rows("preprocess", "joined", "-std= -Wp,"),
    *_rows("preprocess", "flag", "-nostdinc -nostdinc++ -undef -trigraphs -ansi -H -C -CC -P"),
    *_rows("depend", "flag", "-MD -MMD -MP -MG -MV"),
    *_rows("depend", "either", "-MF -MT -MQ"),
    *_rows("depend", "separate", "-dependency-file"),
    *_rows("link", "either", "-L -l -u -T"),
    *_rows("link", "separate", "-Xlinker -z -e -framework"),
    *_rows("link", "joined", "-Wl, -fuse-ld= --ld-path= --rtlib= -rtlib="),
    *_rows("link", "flag", "-shared -static -rdynamic -pie -no-pie -s -r -nostdlib -nodefaultlibs "
                           "-nostartfiles -static-libgcc -static-libstdc++ -shared-libgcc -static-pie"),
    *_rows("common", "separate", "-target -arch -Xassembler --param"),
    *_rows("common", "either", "-B -F"),
    *_rows("common", "joined", "-Wa, --sysroot= --target="),
    *_rows("common", "separate", "--sysroot -isysroot"),
    *_rows("bypass", "flag", "-E -M -MM", S.PREPROCESS_ONLY),
    *_rows("bypass", "flag", "-fsyntax-only --analyze -### -v -save-temps", S.NO_OBJECT),
    *_rows("bypass", "joined", "-save-temps= --driver-mode= -ccc-", S.DRIVER_CONTROL),
    *_rows("bypass", "joined", "-flto", S.LTO),
    *_rows("bypass", "joined", "-fsanitize= -fsanitize-coverage= -fxray-instrument -finstrument-function "
                               "-fprofile-arcs -ftest-coverage --coverage -coverage -fcoverage-mapping "
                               "-fprofile-generate -fprofile-instr-generate -fcs-profile-generate",
           S.INSTRUMENTATION),
    *_rows("bypass", "joined", "-fprofile-use -fprofile-instr-use -fprofile-sample-use -fauto-profile",
           S.PGO),
    *_rows("bypass", "joined", "-fvectorize -fno-vectorize -fslp-vectorize -fno-slp-vectorize -funroll-loops "
                               "-fno-unroll-loops -fpass-plugin= -fplugin= -fembed-bitcode "
                               "-fsave-optimization-record -Rpass", S.PIPELINE_OPTION),
    *_rows("bypass", "separate", "-Xclang -mllvm -MJ", S.RAW_OPTION),
    *_rows("bypass", "joined", "-Xarch_ -fmodules -fcxx-modules -fopenmp-targets= -gsplit-dwarf --cuda",
           S.TOO_HARD),
]
#: The flag table, by exact spelling. Unknown ``-flags`` pass through to every step (``common``).
OPTIONS: dict[str, Option] = {o.name: o for o in _TABLE}
_PREFIXED = sorted((o for o in _TABLE if o.arity in ("joined", "either")), key=lambda o: -len(o.name))

#: Source languages the rlopt path compiles, by ``-x`` name, and the file extensions that imply them.
COMPILED_LANGUAGES = {"c", "c++", "cpp-output", "c++-cpp-output"}
_EXTENSIONS = {
    **dict.fromkeys([".c"], "c"), ".i": "cpp-output", ".ii": "c++-cpp-output",
    **dict.fromkeys([".cc", ".cp", ".cxx", ".cpp", ".CPP", ".c++", ".C"], "c++"),
    **dict.fromkeys([".s", ".S", ".sx", ".asm"], "assembler"),
    **dict.fromkeys([".h", ".hh", ".hpp", ".hxx", ".H", ".h++"], "c-header"),
    **dict.fromkeys([".ll", ".bc"], "ir"),
    **dict.fromkeys([".m", ".mm", ".M", ".cu", ".cl", ".hip", ".f", ".f90", ".F"], "other"),
}
_LANGUAGE_BYPASS = {"assembler": S.ASSEMBLER_INPUT, "assembler-with-cpp": S.ASSEMBLER_INPUT,
                    "c-header": S.PRECOMPILED_HEADER, "c++-header": S.PRECOMPILED_HEADER, "ir": S.IR_INPUT}
#: clang's ``-O`` values (with its aliases: ``-O`` alone, ``-Og``, ``-Ofast``) as the names of
#: ``rlopt.passes.OPT_LEVELS`` (not imported here: the action table would cost every call of the wrapper).
CLANG_LEVELS = {"": "O1", "0": "O0", "1": "O1", "2": "O2", "3": "O3", "s": "Os", "z": "Oz", "g": "O1",
                "fast": "O3"}


class Source:
    """A source the rlopt path compiles: its path, language, and whether ``-x`` named the language."""

    __slots__ = ("path", "language", "explicit", "index")

    def __init__(self, path: str, language: str, explicit: bool, index: int):
        self.path, self.language, self.explicit = path, language, explicit
        self.index = index  # position in Invocation.args, so the link step keeps the input order


class Invocation:
    """A classified command line: what to do, and the arguments each step gets."""

    def __init__(self, args: list[str]):
        self.args = args
        self.mode: Mode = "link"
        self.level = "O0"
        self.emit_llvm = False
        self.output: str | None = None
        self.sources: list[Source] = []
        self.inputs: list[str] = []  # every input file, sources included
        self.frontend: list[str] = []  # options only; sources and outputs are added later
        self.backend: list[str] = []
        self.link_only: list[str] = []
        self.dep_file = False  # -MD/-MMD given
        self.dep_user_only = False  # the last of them was -MMD: system headers are not dependencies
        self.dep_file_named: str | None = None  # the -MF value
        self.dep_target_named = False  # -MT/-MQ given
        self.bypass: S | None = None  # why the real compiler runs unchanged (None: take the rlopt path)

    def link_args(self, objects: Sequence[str]) -> list[str]:
        """The user's command with each source replaced by its object (in place: link order matters)."""
        by_index = {s.index: obj for s, obj in zip(self.sources, objects, strict=True)}
        out, skip = [], 0
        for i, a in enumerate(self.args):
            if skip:
                skip -= 1
            elif a == "-x":
                skip = 1
            elif not a.startswith("-x"):
                out.append(by_index.get(i, a))
        return out


def _match(args: Sequence[str], i: int) -> tuple[Option | None, str | None, int]:
    """The table row for ``args[i]``, its value, and how many words it spans (1 or 2)."""
    arg = args[i]
    opt = OPTIONS.get(arg)
    if opt is not None:
        if opt.arity in ("separate", "either"):
            return opt, (args[i + 1] if i + 1 < len(args) else None), 2
        return opt, ("" if opt.arity == "joined" else None), 1
    for opt in _PREFIXED:
        if arg.startswith(opt.name):
            return opt, arg[len(opt.name):], 1
    return None, None, 1


def classify(args: Sequence[str]) -> Invocation:
    """Classify an (already response-file expanded) compiler command line; pure, touches no files."""
    inv = Invocation(list(args))
    language: str | None = None
    arch_count = 0
    roles: list[tuple[Role, list[str]]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-":
            inv.bypass = inv.bypass or S.STDIN
            i += 1
            continue
        if not arg.startswith("-"):
            inv.inputs.append(arg)
            lang = language or _EXTENSIONS.get(os.path.splitext(arg)[1], "object")
            if lang in COMPILED_LANGUAGES:
                inv.sources.append(Source(arg, lang, language is not None, i))
            elif lang != "object" and lang != "none":
                inv.bypass = inv.bypass or _LANGUAGE_BYPASS.get(lang, S.UNSUPPORTED_LANGUAGE)
            i += 1
            continue
        opt, value, span = _match(args, i)
        words = list(args[i:i + span])
        i += span
        if opt is None:
            if arg.startswith("--") and "=" not in arg:
                inv.bypass = inv.bypass or S.UNKNOWN_LONG_OPTION
            roles.append(("common", words))
            continue
        if value is None and opt.arity != "flag":
            inv.bypass = inv.bypass or S.MISSING_ARGUMENT
            continue
        if opt.role == "bypass":
            inv.bypass = inv.bypass or opt.reason
        elif opt.role == "output":
            inv.output = value
        elif opt.role == "language":
            language = None if value == "none" else value
        elif opt.role == "mode":
            if arg == "-c":
                inv.mode = "asm" if inv.mode == "asm" else "object"
            elif arg == "-S":
                inv.mode = "asm"
            else:
                inv.emit_llvm = True
        elif opt.role == "level":
            if value not in CLANG_LEVELS and not (value or "").isdigit():
                inv.bypass = inv.bypass or S.UNKNOWN_LEVEL
            inv.level = CLANG_LEVELS.get(value or "", "O3")
            roles.append(("level", words))
        else:
            if opt.name == "-arch":
                arch_count += 1
            if opt.name == "-Wp," and "-M" in (value or ""):
                inv.bypass = inv.bypass or S.DEPFLAGS_THROUGH_WP
            if opt.name in ("-MD", "-MMD"):
                inv.dep_file, inv.dep_user_only = True, opt.name == "-MMD"
            if opt.name in ("-MF", "-dependency-file"):
                inv.dep_file_named = value
            inv.dep_target_named |= opt.name in ("-MT", "-MQ")
            roles.append((opt.role, words))
    for role, words in roles:
        if role in ("common", "level", "preprocess", "depend") or (role == "link" and inv.mode != "link"):
            inv.frontend += words
        if role in ("common", "level"):
            inv.backend += words
        if role == "link":
            inv.link_only += words
    inv.bypass = inv.bypass or _whole_command_bypass(inv, arch_count)
    return inv


def _whole_command_bypass(inv: Invocation, arch_count: int) -> S | None:
    """Reasons that depend on the command as a whole rather than on one flag."""
    if not inv.inputs:
        return S.NO_INPUT
    if not inv.sources:
        return S.LINK_ONLY
    if arch_count > 1:
        return S.SEVERAL_ARCH
    if inv.output == "-":
        return S.STDOUT
    if inv.mode != "link" and inv.output is not None and len(inv.sources) > 1:
        return S.SEVERAL_OUTPUTS
    if inv.mode == "link" and inv.emit_llvm:
        return S.LTO
    if inv.mode == "link" and inv.dep_file:
        return S.DEPFILE_WHILE_LINKING
    if inv.level == "O0":
        return S.LEVEL_O0
    return None


def expand_response_files(args: Sequence[str], depth: int = 0) -> list[str]:
    """Replace ``@file`` with the words in it (GNU quoting, nested); a missing file stays a literal input."""
    out: list[str] = []
    for arg in args:
        path = arg[1:]
        if arg.startswith("@") and depth < 16 and os.path.isfile(path):
            import shlex  # only response files need it

            try:
                with open(path, errors="replace") as f:
                    words = shlex.split(f.read())
            except ValueError:  # unbalanced quotes: let clang read it and complain
                out.append(arg)
                continue
            out += expand_response_files(words, depth + 1)
        else:
            out.append(arg)
    return out


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def default_output(source: str, inv: Invocation) -> str:
    """Where clang writes a compile-only output without ``-o``: the source's stem in the current directory."""
    ext = {("object", False): ".o", ("asm", False): ".s", ("object", True): ".bc", ("asm", True): ".ll"}
    return _stem(source) + ext[(inv.mode, inv.emit_llvm)]  # type: ignore[index]


def dependency_args(source: str, inv: Invocation) -> list[str]:
    """``-MF``/``-MQ`` that make the frontend write the dependency file clang would (its name and target
    default to the ``-o`` given by the user, not to our temporary bitcode)."""
    if not inv.dep_file:
        return []
    extra = []
    if inv.dep_file_named is None:
        base = inv.output if inv.output is not None else os.path.basename(source)
        extra += ["-MF", os.path.splitext(base)[0] + ".d"]
    if not inv.dep_target_named:
        extra += ["-MQ", inv.output if inv.output is not None else _stem(source) + ".o"]
    return extra


def dependency_file(source: str, inv: Invocation) -> str | None:
    """The dependency file the frontend writes for ``source`` (None without ``-MD``/``-MMD``)."""
    if not inv.dep_file:
        return None
    if inv.dep_file_named is not None:
        return inv.dep_file_named
    return dependency_args(source, inv)[1]
