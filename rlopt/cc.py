"""``rlopt-cc`` / ``rlopt-c++``: drop-in CC/CXX wrappers that optimise each translation unit through rlopt.

Put them into builds with ``make CC=rlopt-cc CXX=rlopt-c++``. Like ccache, the wrapper classifies the
command line with a table of flags (:data:`OPTIONS`) and takes the rlopt path only for what it fully
understands: compiling C/C++ sources to objects, assembly or IR, optionally followed by a link. Everything
else (preprocessing, LTO, sanitizers, assembly input, ...) runs the real compiler unchanged, with a named
reason counted in ``--show-stats``. Per source the rlopt path is::

    clang <flags> -O<n> -Xclang -disable-llvm-passes -emit-llvm -c src -o tmp.bc   (frontend; reports errors)
    pipeline(tmp.bc)                       (the policy, else the user's -O level, through rlopt's engine)
    clang <codegen flags> -O<n> -Xclang -disable-llvm-passes -c -x ir opt.bc -o out.o      (backend only)

and the object is cached under a digest of the frontend's bitcode, the pipeline choice, the backend flags
and the compiler. Any failure after the frontend (a crashing or hanging pass, a verifier error, a backend
error) reruns the user's command with plain clang and prints one warning: a build never breaks because of
rlopt. Environment: ``RLOPT_CC_DISABLE``, ``RLOPT_CC_LOG``, ``RLOPT_CC``/``RLOPT_CXX``, ``RLOPT_MODEL``,
``RLOPT_CACHE_DIR``, ``RLOPT_LLVM_BIN`` (see ``docs/cc.md``).
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NoReturn

from rlopt import __version__, passes, toolchain
from rlopt.cache import Cache, default_dir, digest
from rlopt.errors import RloptError, ToolchainError, ToolCrash, ToolError, ToolTimeout
from rlopt.ir import write_output

# ---------------------------------------------------------------------------------------------------------
# Argument classification
# ---------------------------------------------------------------------------------------------------------

Arity = Literal["flag", "joined", "separate", "either"]
"""How an option takes its value: none, glued (``-DX``), next word (``-MF f``), or both (``-o f``/``-of``)."""

Role = Literal["common", "level", "preprocess", "depend", "link", "output", "language", "mode", "bypass"]
"""Which steps see an option: ``common`` all, ``preprocess``/``depend`` the frontend only, ``link`` the
link step (and the frontend of a compile-only call, so clang warns about it exactly as it would), ``level``
all steps and it picks the pipeline; ``bypass`` means too hard: run the real compiler unchanged."""

Mode = Literal["object", "asm", "link"]


@dataclass(frozen=True)
class Option:
    """One row of the flag table."""

    name: str
    arity: Arity = "flag"
    role: Role = "common"
    reason: str = ""  # for role "bypass": the named reason counted in --show-stats


def _rows(role: Role, arity: Arity, names: str, reason: str = "") -> list[Option]:
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
    *_rows("bypass", "flag", "-E -M -MM", "preprocess or dependency only"),
    *_rows("bypass", "flag", "-fsyntax-only --analyze -### -v -save-temps", "no object wanted"),
    *_rows("bypass", "joined", "-save-temps= --driver-mode= -ccc-", "driver control"),
    *_rows("bypass", "joined", "-flto", "LTO"),
    *_rows("bypass", "joined", "-fsanitize= -fsanitize-coverage= -fxray-instrument -finstrument-function "
                               "-fprofile-arcs -ftest-coverage --coverage -coverage -fcoverage-mapping "
                               "-fprofile-generate -fprofile-instr-generate -fcs-profile-generate",
           "instrumentation"),
    *_rows("bypass", "joined", "-fprofile-use -fprofile-instr-use -fprofile-sample-use -fauto-profile",
           "profile-guided optimisation"),
    *_rows("bypass", "joined", "-fvectorize -fno-vectorize -fslp-vectorize -fno-slp-vectorize -funroll-loops "
                               "-fno-unroll-loops -fpass-plugin= -fplugin= -fembed-bitcode "
                               "-fsave-optimization-record", "pipeline option"),
    *_rows("bypass", "separate", "-Xclang -mllvm -MJ", "raw frontend or LLVM option"),
    *_rows("bypass", "joined", "-Xarch_ -fmodules -fcxx-modules -fopenmp-targets= -gsplit-dwarf --cuda",
           "too hard"),
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
_LANGUAGE_BYPASS = {"assembler": "assembler input", "assembler-with-cpp": "assembler input",
                    "c-header": "precompiled header", "c++-header": "precompiled header", "ir": "IR input"}
_LEVELS = {"": "O1", "0": "O0", "1": "O1", "2": "O2", "3": "O3", "s": "Os", "z": "Oz", "g": "O1",
           "fast": "O3"}


@dataclass(frozen=True)
class Source:
    """A source the rlopt path compiles: its path, language, and whether ``-x`` named the language."""

    path: str
    language: str
    explicit: bool
    index: int  # position in Invocation.args, so the link step keeps the input order


@dataclass
class Invocation:
    """A classified command line: what to do, and the arguments each step gets."""

    args: list[str]
    mode: Mode = "link"
    level: str = "O0"
    emit_llvm: bool = False
    output: str | None = None
    sources: list[Source] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)  # every input file, sources included
    frontend: list[str] = field(default_factory=list)  # options only; sources and outputs are added later
    backend: list[str] = field(default_factory=list)
    link_only: list[str] = field(default_factory=list)
    dep_file: bool = False  # -MD/-MMD given
    dep_file_named: bool = False  # -MF given
    dep_target_named: bool = False  # -MT/-MQ given
    bypass: str | None = None  # why the real compiler runs unchanged (None: take the rlopt path)

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
    inv = Invocation(args=list(args))
    language: str | None = None
    arch_count = 0
    roles: list[tuple[Role, list[str]]] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-":
            inv.bypass = inv.bypass or "input from stdin"
            i += 1
            continue
        if not arg.startswith("-"):
            inv.inputs.append(arg)
            lang = language or _EXTENSIONS.get(os.path.splitext(arg)[1], "object")
            if lang in COMPILED_LANGUAGES:
                inv.sources.append(Source(arg, lang, language is not None, i))
            elif lang != "object" and lang != "none":
                inv.bypass = inv.bypass or _LANGUAGE_BYPASS.get(lang, "unsupported language")
            i += 1
            continue
        opt, value, span = _match(args, i)
        words = list(args[i:i + span])
        i += span
        if opt is None:
            if arg.startswith("--") and "=" not in arg:
                inv.bypass = inv.bypass or "unknown long option"
            roles.append(("common", words))
            continue
        if value is None and opt.arity != "flag":
            inv.bypass = inv.bypass or "option without its argument"
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
            if value not in _LEVELS and not (value or "").isdigit():
                inv.bypass = inv.bypass or "unknown -O level"
            inv.level = _LEVELS.get(value or "", "O3")
            roles.append(("level", words))
        else:
            if opt.name == "-arch":
                arch_count += 1
            if opt.name == "-Wp," and "-M" in (value or ""):
                inv.bypass = inv.bypass or "dependency flags through -Wp"
            inv.dep_file |= opt.name in ("-MD", "-MMD")
            inv.dep_file_named |= opt.name in ("-MF", "-dependency-file")
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


def _whole_command_bypass(inv: Invocation, arch_count: int) -> str | None:
    """Reasons that depend on the command as a whole rather than on one flag."""
    if not inv.inputs:
        return "no input files"
    if not inv.sources:
        return "link only"
    if arch_count > 1:
        return "several -arch"
    if inv.output == "-":
        return "output to stdout"
    if inv.mode != "link" and inv.output is not None and len(inv.sources) > 1:
        return "-o with several outputs"
    if inv.mode == "link" and inv.emit_llvm:
        return "LTO"
    if inv.mode == "link" and inv.dep_file:
        return "dependency file while linking"
    if inv.level == "O0":
        return "-O0: nothing to optimise"
    return None


def expand_response_files(args: Sequence[str], depth: int = 0) -> list[str]:
    """Replace ``@file`` with the words in it (GNU quoting, nested); a missing file stays a literal input."""
    out: list[str] = []
    for arg in args:
        path = arg[1:]
        if arg.startswith("@") and depth < 16 and os.path.isfile(path):
            try:
                words = shlex.split(Path(path).read_text(errors="replace"))
            except ValueError:  # unbalanced quotes: let clang read it and complain
                out.append(arg)
                continue
            out += expand_response_files(words, depth + 1)
        else:
            out.append(arg)
    return out


def default_output(source: str, inv: Invocation) -> str:
    """Where clang writes a compile-only output without ``-o``: the source's stem in the current directory."""
    ext = {("object", False): ".o", ("asm", False): ".s", ("object", True): ".bc", ("asm", True): ".ll"}
    return Path(source).stem + ext[(inv.mode, inv.emit_llvm)]  # type: ignore[index]


def dependency_args(source: str, inv: Invocation) -> list[str]:
    """``-MF``/``-MQ`` that make the frontend write the dependency file clang would (its name and target
    default to the ``-o`` given by the user, not to our temporary bitcode)."""
    if not inv.dep_file:
        return []
    extra = []
    if not inv.dep_file_named:
        base = inv.output if inv.output is not None else Path(source).name
        extra += ["-MF", os.path.splitext(base)[0] + ".d"]
    if not inv.dep_target_named:
        extra += ["-MQ", inv.output if inv.output is not None else Path(source).stem + ".o"]
    return extra


# ---------------------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------------------

OPT_TIMEOUT = 300.0
NESTED_ENV = "RLOPT_CC_ACTIVE"  # set for the compilers we run, so a wrapper under a wrapper does not recurse
NAMESPACE = "cc-output"
MODEL_LEVELS = ("O2", "O3")  # -O1/-Os/-Oz keep their own pipeline: a speed policy is not what they ask for


class Fallback(Exception):
    """The rlopt path failed for a source; the command reruns with plain clang."""

    def __init__(self, source: str, reason: str, category: str):
        super().__init__(f"{source}: {reason}")
        self.source, self.reason, self.category = source, reason, category


@dataclass
class Record:
    """What one invocation did: becomes a line of ``$RLOPT_CC_LOG`` and bumps the ``--show-stats`` counters."""

    decision: str = "rlopt"
    reason: str = ""
    hits: int = 0
    misses: int = 0
    times: dict[str, float] = field(default_factory=dict)

    def timed(self, step: str, start: float) -> None:
        self.times[step] = round(self.times.get(step, 0.0) + time.perf_counter() - start, 4)


def real_compiler(cxx: bool) -> str:
    """``$RLOPT_CXX``/``$RLOPT_CC`` unless that is a wrapper itself (or we are nested), else LLVM 19's clang."""
    env = os.environ.get("RLOPT_CXX" if cxx else "RLOPT_CC")
    if env and not os.environ.get(NESTED_ENV) and not Path(env).name.startswith("rlopt-c"):
        return env
    return str(toolchain.find().path("clang++" if cxx else "clang"))


def _child_env() -> dict[str, str]:
    return {**os.environ, NESTED_ENV: "1"}


def _compiler_id(compiler: str) -> str:
    """Identity of the compiler for cache keys: path, size and mtime (ccache's 'mtime' check, no process)."""
    st = os.stat(compiler)
    return f"{os.path.realpath(compiler)}:{st.st_size}:{st.st_mtime_ns}"


def _pipeline_choice(level: str) -> tuple[str, Path | None]:
    """The cache-key part of the pipeline choice, and the policy model if one applies to this level."""
    if level in MODEL_LEVELS:
        from rlopt import policy

        try:
            model = policy.resolve_model(None)
        except RloptError:
            return f"level:{level}", None
        st = model.stat()
        return f"model:{model}:{st.st_size}:{st.st_mtime_ns}", model
    return f"level:{level}", None


def choose_pipeline(bitcode: bytes, level: str, model: Path | None) -> str:
    """The policy's pipeline when a model applies, else the user's ``-O`` level.

    A policy failure raises: the caller then falls back to plain clang, says so, and caches nothing, so a
    result made without the policy is never stored under the policy's key.
    """
    if model is not None:
        from rlopt import policy

        return policy.choose_pipeline(bitcode, model=str(model), toolchain=toolchain.find(), timeout=OPT_TIMEOUT)
    return passes.OPT_LEVELS[level]


def optimize(bitcode: bytes, pipeline: str, *, text: bool) -> bytes:
    """Run the pipeline through rlopt's engine entry point. A wrapper process optimises one module, so it
    uses the ``opt`` subprocess (~20 ms) rather than starting the in-process engine's worker (~120 ms);
    both verify the module and contain crashes."""
    from rlopt import engine

    return engine.optimize(bitcode, pipeline, bitcode=not text, timeout=OPT_TIMEOUT, use_engine=False)


class Builder:
    """Compiles the sources of one classified invocation through the rlopt path."""

    def __init__(self, inv: Invocation, compiler: str, cache: Cache, record: Record, tmp: str):
        self.inv, self.compiler, self.cache, self.record, self.tmp = inv, compiler, cache, record, tmp
        self.key_prefix: list[str] = []

    def run(self) -> int:
        """Compile every source (continuing past errors, like clang), then link if asked; clang's status."""
        inv = self.inv
        choice, model = _pipeline_choice(inv.level)
        out_kind = f"{inv.mode if inv.mode != 'link' else 'object'}:{'ir' if inv.emit_llvm else 'native'}"
        self.key_prefix = [f"rlopt-cc {__version__}", _compiler_id(self.compiler), choice, out_kind,
                           json.dumps(inv.backend)]
        status, objects = 0, []
        for n, src in enumerate(inv.sources):
            if inv.mode == "link":
                out = os.path.join(self.tmp, f"{n}-{Path(src.path).stem}.o")
            else:
                out = inv.output if inv.output is not None else default_output(src.path, inv)
            status = self.compile(src, out, model) or status
            objects.append(out)
        if status or inv.mode != "link":
            return status
        start = time.perf_counter()
        rc = subprocess.run([self.compiler, *inv.link_args(objects)], env=_child_env()).returncode
        self.record.timed("link", start)
        return rc

    def compile(self, src: Source, out: str, model: Path | None) -> int:
        """One source: frontend (its diagnostics go straight to the user), cache or pipeline + backend."""
        inv = self.inv
        bc = os.path.join(self.tmp, "frontend.bc")
        lang = ["-x", src.language] if src.explicit else []
        argv = [self.compiler, *inv.frontend, *dependency_args(src.path, inv),
                *(["-Wno-unused-command-line-argument"] if inv.mode == "link" else []),
                "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c", "-o", bc, *lang, src.path]
        start = time.perf_counter()
        rc = subprocess.run(argv, env=_child_env()).returncode
        self.record.timed("frontend", start)
        if rc < 0:
            raise Fallback(src.path, f"the frontend died from signal {-rc}", "frontend crash")
        if rc:
            return rc
        bitcode = Path(bc).read_bytes()
        key = digest(*self.key_prefix, bitcode)
        data = self.cache.get(NAMESPACE, key)
        if data is not None:
            self.record.hits += 1
        else:
            self.record.misses += 1
            data = self.optimize_and_generate(src, bitcode, model)
            self.cache.put(NAMESPACE, key, data)
        write_output(data, out)
        return 0

    def optimize_and_generate(self, src: Source, bitcode: bytes, model: Path | None) -> bytes:
        """Pipeline then backend; any failure becomes a :class:`Fallback`."""
        inv = self.inv
        try:
            start = time.perf_counter()
            pipeline = choose_pipeline(bitcode, inv.level, model)
            optimized = optimize(bitcode, pipeline, text=inv.emit_llvm and inv.mode == "asm")
            self.record.timed("pipeline", start)
            if inv.emit_llvm:
                return optimized
            start = time.perf_counter()
            data = self.backend(optimized)
            self.record.timed("backend", start)
            return data
        except ToolTimeout as e:
            raise Fallback(src.path, str(e), "timeout") from e
        except ToolCrash as e:
            raise Fallback(src.path, str(e), "crash") from e
        except ToolchainError as e:
            raise Fallback(src.path, str(e), "toolchain") from e
        except ToolError as e:
            raise Fallback(src.path, str(e), "backend error" if e.tool == "backend" else "pass error") from e
        except RloptError as e:
            raise Fallback(src.path, str(e), "rlopt error") from e
        except OSError as e:
            raise Fallback(src.path, f"I/O error: {e}", "I/O error") from e

    def backend(self, optimized: bytes) -> bytes:
        """Code generation only: the user's codegen flags and -O level, with IR optimisation disabled."""
        inp, out = os.path.join(self.tmp, "optimized.bc"), os.path.join(self.tmp, "backend.out")
        Path(inp).write_bytes(optimized)
        argv = [self.compiler, *self.inv.backend, "-Wno-unused-command-line-argument", "-Xclang",
                "-disable-llvm-passes", "-S" if self.inv.mode == "asm" else "-c", "-x", "ir", inp, "-o", out]
        proc = subprocess.run(argv, env=_child_env(), capture_output=True)
        if proc.returncode:
            raise ToolError("backend", proc.stderr.decode(errors="replace"), proc.returncode)
        sys.stderr.buffer.write(proc.stderr)  # backend warnings (e.g. -Wframe-larger-than), shown once
        return Path(out).read_bytes()


# ---------------------------------------------------------------------------------------------------------
# Statistics, log, entry points
# ---------------------------------------------------------------------------------------------------------

def cache_dir() -> Path:
    """The wrapper's own store inside rlopt's cache directory (so --clear-cache leaves rlopt's alone)."""
    return default_dir() / "cc"


def open_cache() -> Cache:
    """The shared on-disk cache; if it cannot be opened the build goes on without one."""
    try:
        return Cache(cache_dir(), memory_items=16)
    except (OSError, sqlite3.Error) as e:
        _warn(f"cache unavailable ({e}); compiling without it")
        return Cache(None)


def _warn(message: str) -> None:
    print(f"{_name()}: warning: {message}", file=sys.stderr, flush=True)


def _name() -> str:
    prog = Path(sys.argv[0]).name if sys.argv else ""
    return prog if prog.startswith("rlopt-c") else "rlopt-cc"


def count(cache: Cache, record: Record) -> None:
    """Bump the persistent counters for one invocation (a stats failure must not fail the build)."""
    names = ["calls", f"{record.decision}" + (f":{record.reason}" if record.reason else "")]
    names += ["hit"] * record.hits + ["miss"] * record.misses
    with contextlib.suppress(sqlite3.Error):
        for name in names:
            cache.increment(name)


def write_log(record: Record, args: Sequence[str], started: float) -> None:
    """Append one JSON line to ``$RLOPT_CC_LOG`` (a single O_APPEND write, so parallel jobs do not mix)."""
    path = os.environ.get("RLOPT_CC_LOG")
    if not path:
        return
    usage_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    usage_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    line = json.dumps({
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "pid": os.getpid(), "cwd": os.getcwd(),
        "argv": [_name(), *args], "decision": record.decision, "reason": record.reason,
        "hits": record.hits, "misses": record.misses,
        "seconds": {**record.times, "total": round(time.perf_counter() - started, 4)},
        "peak_rss_kb": {"self": usage_self, "children": usage_children},
    }) + "\n"
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


_STAT_LINES = [("calls", "calls"), ("rlopt", "compiled through rlopt"), ("hit", "  cache hits"),
               ("miss", "  cache misses"), ("compile error", "compile errors (clang's diagnostics)")]


def format_stats(counters: dict[str, int], entries: int, location: Path | None) -> str:
    """ccache-style statistics: totals, then every bypass and fallback reason with its count."""
    lines = [f"rlopt-cc statistics (cache: {location or 'none'})"]
    totals = {"rlopt": counters.get("rlopt", 0), "compile error": counters.get("compile error", 0)}
    for key, label in _STAT_LINES:
        lines.append(f"  {label:<44}{totals.get(key, counters.get(key, 0)):>8}")
        if key == "miss":
            looked = counters.get("hit", 0) + counters.get("miss", 0)
            if looked:
                lines.append(f"  {'  hit rate':<44}{100 * counters.get('hit', 0) / looked:>7.1f}%")
    for group, title in (("bypass", "ran the real compiler unchanged"), ("fallback", "fell back to plain clang")):
        items = sorted((k.split(":", 1)[1], v) for k, v in counters.items() if k.startswith(group + ":"))
        lines.append(f"  {title:<44}{sum(v for _, v in items):>8}")
        lines += [f"    {reason:<42}{v:>8}" for reason, v in items]
    lines.append(f"  {'cached outputs':<44}{entries:>8}")
    return "\n".join(lines)


def admin(command: str) -> int:
    """``--show-stats``, ``--zero-stats``, ``--clear-cache``."""
    with open_cache() as cache:
        if command == "--show-stats":
            print(format_stats(cache.counters(), cache.entry_count(NAMESPACE), cache.path))
        elif command == "--zero-stats":
            cache.zero_counters()
            print("statistics zeroed")
        else:
            cache.clear()
            print("cache cleared")
    return 0


_ADMIN = ("--show-stats", "--zero-stats", "--clear-cache")


def _exec(compiler: str, args: Sequence[str]) -> NoReturn:
    """Become the real compiler: its exit status, output and diagnostics are exactly clang's."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(compiler, [compiler, *args], _child_env())


def main(argv: Sequence[str], *, cxx: bool = False) -> int:
    """Run one compiler command line through the wrapper; returns the exit status."""
    started = time.perf_counter()
    argv = list(argv)
    if len(argv) == 1 and argv[0] in _ADMIN:
        return admin(argv[0])
    try:
        compiler = real_compiler(cxx)
    except RloptError as e:
        print(f"{_name()}: error: {e}", file=sys.stderr)
        return 1
    record = Record()
    if os.environ.get(NESTED_ENV) or os.environ.get("RLOPT_CC_DISABLE", "") not in ("", "0"):
        record.decision, record.reason = "disabled", "nested" if os.environ.get(NESTED_ENV) else "RLOPT_CC_DISABLE"
        write_log(record, argv, started)
        _exec(compiler, argv)
    inv = classify(expand_response_files(argv))
    missing = [p for p in inv.inputs if not os.path.exists(p)]
    inv.bypass = inv.bypass or ("missing input file" if missing else None)
    cache = open_cache()
    if inv.bypass:
        record.decision, record.reason = "bypass", inv.bypass
        count(cache, record)
        cache.close()
        write_log(record, argv, started)
        _exec(compiler, argv)
    try:
        with tempfile.TemporaryDirectory(prefix="rlopt-cc-") as tmp:
            status = Builder(inv, compiler, cache, record, tmp).run()
    except Exception as e:  # whatever went wrong in rlopt, the build must go on with clang
        fallback = e if isinstance(e, Fallback) else Fallback(
            ", ".join(s.path for s in inv.sources), f"internal error: {type(e).__name__}: {e}", "internal error")
        _warn(f"{fallback.source}: {fallback.reason}; compiled with plain clang")
        record.decision, record.reason = "fallback", fallback.category
        status = subprocess.run([compiler, *argv], env=_child_env()).returncode
    if status and record.decision == "rlopt":
        record.decision = "compile error"
    count(cache, record)
    cache.close()
    write_log(record, argv, started)
    return status


def main_cc() -> int:
    """Console entry point of ``rlopt-cc``."""
    return main(sys.argv[1:], cxx=False)


def main_cxx() -> int:
    """Console entry point of ``rlopt-c++``."""
    return main(sys.argv[1:], cxx=True)
