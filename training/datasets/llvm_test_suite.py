"""Import ``llvm-test-suite-v0``: the runnable C and C++ benchmark programs of a local llvm-test-suite checkout.

The suite describes its programs in ``CMakeLists.txt`` files: which sources make a program, its flags, run
options (with ``< file`` for standard input), input files (``llvm_test_data``), FP tolerances, hashed outputs
and ``SMALL_PROBLEM_SIZE`` variants. Running CMake itself would need the suite's whole build machinery, so a
small interpreter reads the subset of CMake that ``SingleSource/Benchmarks`` and ``MultiSource/Benchmarks``
use (``set``, ``list``, ``if``/``else``, ``add_subdirectory``, ``llvm_singlesource``, ``llvm_multisource``,
``llvm_test_data``, ``set_property``, ...) once for the normal and once for the small configuration.
``OVERRIDES`` fixes or excludes, by name, the few programs this description does not capture.

Every candidate is then copied into the dataset directory and checked: built at -O0 and -O3 with plain clang,
run as the suite runs it (fresh run directory holding links to its inputs), compared with its reference output
(the suite's own, which holds stdout *and* stderr plus an ``exit N`` line, or an md5 of that), run twice for
determinism, and built once more the way rlopt builds it (each unit compiled to IR, ``llvm-link``-ed, ``opt
-O3``). The configuration whose -O3 run is closest to 0.1-0.3 s is kept. Polybench (kept for blind evaluation)
and MiBench (a duplicate of cBench) are never read.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rlopt import toolchain
from rlopt.errors import RloptError, ToolTimeout
from rlopt.training import benchmarks, runtime
from rlopt.training.benchmarks import Benchmark, BenchmarkError

NAME = "llvm-test-suite-v0"
DESCRIPTION = "C/C++ programs of llvm-test-suite's SingleSource and MultiSource Benchmarks, with reference outputs"
HOW_TO_GET = """a checkout of https://github.com/llvm/llvm-test-suite (with SingleSource/ and MultiSource/)
  git clone --depth 1 https://github.com/llvm/llvm-test-suite
  rlopt-train datasets import llvm-test-suite-v0 --from llvm-test-suite
Only SingleSource/Benchmarks and MultiSource/Benchmarks are used; Polybench and MiBench are skipped."""

ROOTS = ("SingleSource/Benchmarks", "MultiSource/Benchmarks")
#: Directories never read: PolyBench is reserved for blind evaluation, MiBench duplicates cBench.
SKIPPED = ("polybench", "mibench")
#: Calibration: the wanted -O3 run time per run, and the longest run still worth timing.
TARGET = (0.1, 0.3)
MAX_O3_SECONDS = 3.0
CALIBRATE_TIMEOUT = 60.0
O0_TIMEOUT = 300.0
BUILD_TIMEOUT = 600.0
#: Flags the suite's top-level CMakeLists.txt gives every program (``add_definitions``).
GLOBAL_FLAGS = ("-w", "-DNDEBUG")
#: What the suite's CMake sees on this host (the interpreter's preset variables).
HOST = {"ARCH": "x86", "TARGET_OS": "Linux", "CMAKE_SYSTEM_NAME": "Linux", "ENDIAN": "little",
        "CMAKE_C_COMPILER_ID": "Clang", "CMAKE_CXX_COMPILER_ID": "Clang"}

#: Per-program fixes for what the CMake description does not capture, and exclusions with their reason.
#: Keys: ``exclude`` (reason), ``args`` (replace the run options), ``cflags`` (added), ``configs`` (allowed
#: configurations: "normal", "small"), ``patch`` ((file below the program's directory, old, new) applied to
#: the dataset's copy of the sources).
OVERRIDES: dict[str, dict[str, Any]] = {
    # appends to Output/sim.res, a directory the suite's lit runner happens to create in the run directory
    "MultiSource/Benchmarks/sim": {"patch": [("sim.c", '"Output/sim.res"', '"sim.res"')]},
}

_C_EXT = {".c"}
_CXX_EXT = {".cpp", ".cc", ".cxx"}
_FORTRAN_EXT = {".f", ".F", ".f90", ".F90", ".f95", ".F95", ".f03", ".F03", ".f08", ".F08", ".for", ".FOR",
                ".fpp", ".FPP"}
_HEADER_EXT = {".h", ".hh", ".hpp", ".hxx", ".H", ".inc", ".def", ".tbl"}
_NOT_COPIED = re.compile(r"(\.reference_output.*|CMakeLists\.txt|Makefile.*|\.test|lit\.local\.cfg)$")
_STD = {"c": {"90": "gnu89", "99": "gnu99", "11": "gnu11", "17": "gnu17", "23": "gnu2x"},
        "c++": {"98": "gnu++98", "11": "gnu++11", "14": "gnu++14", "17": "gnu++17", "20": "gnu++20"}}


class _Excluded(Exception):
    """A program that cannot be part of the dataset; the message is the one-line reason."""


# ---------------------------------------------------------------- CMake: tokens

@dataclass(frozen=True)
class _Arg:
    text: str
    quoted: bool


@dataclass(frozen=True)
class _Command:
    name: str
    args: tuple[_Arg, ...]
    line: int


def _skip_blank(text: str, i: int, line: int) -> tuple[int, int]:
    """Past one white-space character or a ``#`` comment; counts newlines."""
    if text[i] == "#":
        end = text.find("\n", i)
        return (len(text) if end < 0 else end), line
    return i + 1, line + (text[i] == "\n")


def _parse_cmake(text: str, where: str) -> list[_Command]:
    """The commands of a CMake file: ``name(args)`` with quoted, unquoted and nested-parenthesis arguments."""
    out, i, n, line = [], 0, len(text), 1
    while i < n:
        c = text[i]
        if c.isspace() or c == "#":
            i, line = _skip_blank(text, i, line)
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            name, start = text[i:j].lower(), line
            while j < n and text[j] in " \t":
                j += 1
            if j >= n or text[j] != "(":
                raise BenchmarkError(f"{where}:{line}: expected '(' after '{text[i:j].strip()}'")
            args, i, line = _parse_args(text, j + 1, line, where)
            out.append(_Command(name, tuple(args), start))
        else:
            raise BenchmarkError(f"{where}:{line}: unexpected character {c!r}")
    return out


def _parse_args(text: str, i: int, line: int, where: str) -> tuple[list[_Arg], int, int]:
    args: list[_Arg] = []
    depth, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace() or c == "#":
            i, line = _skip_blank(text, i, line)
        elif c == "(":
            depth += 1
            args.append(_Arg("(", False))
            i += 1
        elif c == ")":
            if depth == 0:
                return args, i + 1, line
            depth -= 1
            args.append(_Arg(")", False))
            i += 1
        elif c == '"':
            j, buf = i + 1, []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    buf.append({"n": "\n", "t": "\t"}.get(text[j + 1], text[j + 1]))
                    j += 2
                    continue
                line += text[j] == "\n"
                buf.append(text[j])
                j += 1
            if j >= n:
                raise BenchmarkError(f"{where}:{line}: unterminated string")
            args.append(_Arg("".join(buf), True))
            i = j + 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in '()#':
                if text[j] == '"':  # legacy unquoted argument with an embedded string: -DX="a b"
                    k = text.find('"', j + 1)
                    j = n if k < 0 else k + 1
                else:
                    j += 1
            args.append(_Arg(text[i:j], False))
            i = j
    raise BenchmarkError(f"{where}:{line}: missing ')'")


# ---------------------------------------------------------------- CMake: evaluation

_VAR_RE = re.compile(r"\$\{([^${}]*)\}")
_FALSE = {"", "0", "OFF", "NO", "FALSE", "N", "IGNORE", "NOTFOUND"}


def _truthy(value: str) -> bool:
    v = value.strip().upper()
    if v in _FALSE or v.endswith("-NOTFOUND"):
        return False
    with suppress(ValueError):
        return float(v) != 0.0
    return True


def _expand(text: str, env: dict[str, str]) -> str:
    """``${VAR}`` references replaced by their values, innermost first (undefined variables are empty)."""
    while True:
        new = _VAR_RE.sub(lambda m: env.get(m.group(1), ""), text)
        if new == text:
            return new
        text = new


def _values(args: tuple[_Arg, ...], env: dict[str, str]) -> list[str]:
    """Arguments after expansion: an unquoted argument splits into list elements at ';'."""
    out: list[str] = []
    for a in args:
        v = _expand(a.text, env)
        if a.quoted:
            out.append(v)
        else:
            out += [x for x in v.split(";") if x]
    return out


class _Condition:
    """CMake's ``if()`` for the operators the suite uses (NOT/AND/OR, DEFINED, EXISTS, STREQUAL, MATCHES, ...)."""

    _BINARY = {"STREQUAL", "EQUAL", "LESS", "GREATER", "MATCHES", "IN_LIST", "VERSION_LESS", "VERSION_GREATER",
               "VERSION_EQUAL", "LESS_EQUAL", "GREATER_EQUAL"}

    def __init__(self, args: tuple[_Arg, ...], env: dict[str, str]):
        self.toks: list[_Arg] = []
        for a in args:
            v = _expand(a.text, env)
            self.toks += [_Arg(v, True)] if a.quoted else [_Arg(x, False) for x in (v.split(";") if v else [""])]
        self.env, self.i = env, 0

    def value(self) -> bool:
        v = self._or()
        if self.i != len(self.toks):
            raise ValueError(f"unexpected '{self.toks[self.i].text}'")
        return v

    def _peek(self) -> str | None:
        t = self.toks[self.i] if self.i < len(self.toks) else None
        return t.text if t is not None and not t.quoted else None

    def _or(self) -> bool:
        v = self._and()
        while self._peek() == "OR":
            self.i += 1
            v = self._and() or v
        return v

    def _and(self) -> bool:
        v = self._not()
        while self._peek() == "AND":
            self.i += 1
            v = self._not() and v
        return v

    def _not(self) -> bool:
        if self._peek() == "NOT":
            self.i += 1
            return not self._not()
        return self._binary()

    def _deref(self, t: _Arg) -> str:
        return self.env[t.text] if not t.quoted and t.text in self.env else t.text

    def _binary(self) -> bool:
        op = self._peek()
        if op in ("DEFINED", "EXISTS", "IS_DIRECTORY", "COMMAND", "TARGET"):
            self.i += 2
            arg = self.toks[self.i - 1].text if self.i <= len(self.toks) else ""
            if op == "DEFINED":
                return arg in self.env
            if op in ("EXISTS", "IS_DIRECTORY"):
                return Path(arg).is_dir() if op == "IS_DIRECTORY" else Path(arg).exists()
            return False
        if op == "(":
            self.i += 1
            v = self._or()
            if self._peek() != ")":
                raise ValueError("missing ')'")
            self.i += 1
            return v
        if self.i >= len(self.toks):
            raise ValueError("missing operand")
        left = self.toks[self.i]
        self.i += 1
        op = self._peek()
        if op in self._BINARY:
            right = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else _Arg("", True)
            self.i += 2
            a, b = self._deref(left), self._deref(right)
            if op == "STREQUAL":
                return a == b
            if op == "MATCHES":
                return re.search(b, a) is not None
            if op == "IN_LIST":
                return a in self.env.get(right.text, "").split(";")
            try:
                x, y = float(a), float(b)
            except ValueError:
                return False
            return {"EQUAL": x == y, "LESS": x < y, "GREATER": x > y, "LESS_EQUAL": x <= y,
                    "GREATER_EQUAL": x >= y}.get(op.removeprefix("VERSION_"), False)
        if left.quoted:
            return _truthy(left.text)
        if left.text.upper() in _FALSE or left.text.upper().endswith("-NOTFOUND"):
            return False
        if left.text.upper() in ("1", "ON", "YES", "TRUE", "Y") or re.fullmatch(r"[-+]?[\d.]+", left.text):
            return _truthy(left.text)
        return left.text in self.env and _truthy(self.env[left.text])


# ---------------------------------------------------------------- CMake: the suite's functions

@dataclass
class _Target:
    """A program as one ``llvm_singlesource``/``llvm_multisource`` call declares it, before its directory ends."""

    target: str
    name: str              # the dataset name: the program's path below the suite
    test_name: str         # stem of its reference output file
    directory: Path
    sources: list[Path]
    env: dict[str, str]    # the variables when it was declared
    data: list[tuple[Path, str]] = field(default_factory=list)
    std: dict[str, str] = field(default_factory=dict)
    includes: list[Path] = field(default_factory=list)
    multi: bool = False    # llvm_multisource: its directory is on the include path


@dataclass(frozen=True)
class Config:
    """One program in one configuration ("normal" or "small"), as the suite's CMake describes it."""

    name: str
    family: str
    directory: Path
    config: str
    sources: tuple[Path, ...]
    cflags: tuple[str, ...]          # with -I paths absolute (in the checkout)
    ldflags: tuple[str, ...]
    language: str
    args: tuple[str, ...]
    stdin: str | None                # a name in the run directory
    data: tuple[tuple[Path, str], ...]
    reference: Path | None
    hashed: bool
    fp_tolerance: tuple[float, float] | None
    problem: str = ""                # why it cannot be used as described ("" if it can)


class _Interpreter:
    """Walks ``add_subdirectory`` from the Benchmarks roots, collecting every program of one configuration."""

    def __init__(self, suite: Path, small: bool):
        self.suite, self.small = suite, small
        self.configs: list[Config] = []
        self.visited: set[Path] = set()
        self._checks: dict[str, bool] = {}

    def walk(self, rel: str) -> None:
        env = dict(HOST)
        env["__DEFS"] = ";".join(GLOBAL_FLAGS)
        if self.small:
            env["SMALL_PROBLEM_SIZE"] = "1"
        self._directory(self.suite / rel, env)

    def _directory(self, d: Path, env: dict[str, str]) -> None:
        if _skipped(d.name):
            return  # never read
        cmake = d / "CMakeLists.txt"
        self.visited.add(d)
        where = str(cmake.relative_to(self.suite))
        commands = _parse_cmake(cmake.read_text(errors="replace"), where)
        env = dict(env, CMAKE_CURRENT_SOURCE_DIR=str(d), CMAKE_CURRENT_BINARY_DIR=str(d),
                   CMAKE_SOURCE_DIR=str(self.suite))
        targets: dict[str, _Target] = {}
        stack: list[tuple[bool, bool]] = []  # (active, taken) per open if()
        skip_block: list[str] = []
        for cmd in commands:
            if skip_block:  # bodies of function/macro/foreach/while: not used by program directories
                if cmd.name == "end" + skip_block[-1]:
                    skip_block.pop()
                elif cmd.name in ("function", "macro", "foreach", "while"):
                    skip_block.append(cmd.name)
                continue
            active = all(a for a, _ in stack)
            if cmd.name == "if":
                v = active and self._cond(cmd, env, where)
                stack.append((v, v))
                continue
            if cmd.name in ("elseif", "else", "endif"):
                if not stack:
                    raise BenchmarkError(f"{where}:{cmd.line}: {cmd.name}() without if()")
                _, taken = stack.pop()
                parent = all(a for a, _ in stack)
                if cmd.name == "elseif":
                    v = parent and not taken and self._cond(cmd, env, where)
                    stack.append((v, taken or v))
                elif cmd.name == "else":
                    stack.append((parent and not taken, True))
                continue
            if not active:
                if cmd.name in ("function", "macro", "foreach", "while"):
                    skip_block.append(cmd.name)
                continue
            self._command(cmd, d, env, targets, where)
        if stack:
            raise BenchmarkError(f"{where}: if() without endif()")
        for t in targets.values():
            self.configs.append(self._config(t))

    def _cond(self, cmd: _Command, env: dict[str, str], where: str) -> bool:
        try:
            return _Condition(cmd.args, env).value()
        except (ValueError, IndexError, re.error) as e:
            raise BenchmarkError(f"{where}:{cmd.line}: cannot evaluate if(): {e}") from e

    def _command(self, cmd: _Command, d: Path, env: dict[str, str], targets: dict[str, _Target],
                 where: str) -> None:
        name, vals = cmd.name, _values(cmd.args, env)
        if name == "set":
            if vals and "CACHE" in vals[1:]:
                vals = vals[:vals.index("CACHE", 1)]
                if vals[0] in env:
                    return
            if len(vals) == 1:
                env.pop(vals[0], None)
            elif vals:
                env[vals[0]] = ";".join(vals[1:])
        elif name == "unset" and vals:
            env.pop(vals[0], None)
        elif name == "option" and vals:
            env.setdefault(vals[0], vals[2] if len(vals) > 2 else "OFF")
        elif name == "list" and len(vals) >= 2:
            op, var, items = vals[0].upper(), vals[1], vals[2:]
            old = [x for x in env.get(var, "").split(";") if x]
            if op == "APPEND":
                env[var] = ";".join(old + items)
            elif op == "PREPEND":
                env[var] = ";".join(items + old)
            elif op == "REMOVE_ITEM":
                env[var] = ";".join(x for x in old if x not in items)
        elif name == "add_definitions":
            env["__DEFS"] = ";".join([x for x in env.get("__DEFS", "").split(";") if x] + vals)
        elif name == "include_directories":
            env["__INCS"] = ";".join([x for x in env.get("__INCS", "").split(";") if x] + vals)
        elif name == "add_subdirectory" and vals:
            sub = (d / vals[0]).resolve()
            if _skipped(sub.name):
                return
            if not (sub / "CMakeLists.txt").is_file():
                raise BenchmarkError(f"{where}:{cmd.line}: add_subdirectory({vals[0]}): no CMakeLists.txt")
            self._directory(sub, dict(env))
        elif name in ("check_include_files", "check_include_file") and len(vals) >= 2:
            env[vals[1]] = "1" if all(self._header(h) for h in vals[0].split(";")) else ""
        elif name in ("check_function_exists", "check_symbol_exists") and len(vals) >= 2:
            env[vals[-1]] = "1" if self._function(vals[0]) else ""
        elif name == "llvm_singlesource":
            prefix = vals[vals.index("PREFIX") + 1] if "PREFIX" in vals[:-1] else ""
            srcs = ([d / s for s in env["Source"].split(";") if s] if "Source" in env
                    else _glob_sources(d))
            for src in srcs:
                stem = src.name.rsplit(".", 1)[0]
                rel = src.parent.relative_to(self.suite).as_posix()
                targets[prefix + stem] = _Target(prefix + stem, f"{rel}/{stem}", stem, d, [src], dict(env))
        elif name == "llvm_multisource" and vals:
            srcs = [(d / s) for s in vals[1:]] or _glob_sources(d)
            targets[vals[0]] = _Target(vals[0], d.relative_to(self.suite).as_posix(), vals[0], d,
                                       [Path(os.path.normpath(s)) for s in srcs], dict(env), multi=True)
        elif name == "llvm_test_data" and vals and vals[0] in targets:
            rest, src_dir = vals[1:], d
            if "SOURCE_DIR" in rest[:-1]:
                k = rest.index("SOURCE_DIR")
                src_dir = Path(os.path.normpath(rest[k + 1]))
                rest = rest[:k] + rest[k + 2:]
            rest = [r for r in rest if r != "MUST_COPY"]
            if "DEST_SUFFIX" in rest[:-1]:
                k = rest.index("DEST_SUFFIX")
                rest = rest[:k] + rest[k + 2:]
            targets[vals[0]].data += [(src_dir / f, f) for f in rest]
        elif name == "set_property" and "TARGET" in vals and "PROPERTY" in vals:
            names = vals[vals.index("TARGET") + 1:vals.index("PROPERTY")]
            prop = vals[vals.index("PROPERTY") + 1:]
            if len(prop) >= 2 and prop[0] in ("C_STANDARD", "CXX_STANDARD"):
                for t in names:
                    if t in targets:
                        targets[t].std["c" if prop[0] == "C_STANDARD" else "c++"] = prop[1]
        elif name == "target_include_directories" and vals and vals[0] in targets:
            targets[vals[0]].includes += [Path(v) if os.path.isabs(v) else d / v for v in vals[1:]
                                          if v not in ("PRIVATE", "PUBLIC", "INTERFACE", "SYSTEM", "BEFORE")]
        # everything else (include, message, file, mark_as_advanced, ...) does not describe programs

    def _header(self, header: str) -> bool:
        return any(Path(p, header).is_file() for p in ("/usr/include", "/usr/local/include",
                                                        "/usr/include/x86_64-linux-gnu"))

    def _function(self, fn: str) -> bool:
        """Whether the C library links ``fn`` (CMake's check_function_exists), asked of clang once."""
        if fn not in self._checks:
            with tempfile.TemporaryDirectory(prefix="rlopt-check-") as t:
                c = Path(t, "check.c")
                c.write_text(f"char {fn}(void);\nint main(void) {{ return (int){fn}(); }}\n")
                try:
                    toolchain.run_command([str(toolchain.find().path("clang")), "-w", str(c), "-o",
                                           str(Path(t, "a.out"))], name="clang",
                                          timeout=toolchain.DEFAULT_TIMEOUT)
                    self._checks[fn] = True
                except RloptError:
                    self._checks[fn] = False
        return self._checks[fn]

    def _config(self, t: _Target) -> Config:
        env, d = t.env, t.directory
        family = "/".join(t.name.split("/")[:3])
        problem = ""
        lang = "c++" if any(s.suffix in _CXX_EXT for s in t.sources) else "c"
        if any(s.suffix in _FORTRAN_EXT for s in t.sources):
            problem = "Fortran program (no Fortran compiler)"
        flags = [x for x in env.get("__DEFS", "").split(";") if x]
        if self.small:
            flags.append("-DSMALL_PROBLEM_SIZE")
        for var in ("CFLAGS", "CPPFLAGS", "CXXFLAGS"):
            flags += [x for x in env.get(var, "").split(";") if x]
        # Mixed C and C++ sources share one flag list: a per-language -std cannot be given; the default is used.
        mixed = lang == "c++" and any(s.suffix in _C_EXT for s in t.sources)
        std = t.std.get(lang) or (env.get("CMAKE_CXX_STANDARD") if lang == "c++" else env.get("CMAKE_C_STANDARD"))
        if std and not mixed:
            flags.append(f"-std={_STD[lang].get(std, ('gnu++' if lang == 'c++' else 'gnu') + std)}")
        if any(f.startswith("-fopenmp") for f in flags):
            problem = problem or "needs OpenMP"
        cflags = _absolute_includes(flags, d)
        incs = [Path(x) if os.path.isabs(x) else d / x for x in env.get("__INCS", "").split(";") if x]
        if t.multi or t.includes:
            incs = [d, *t.includes, *incs]
        cflags += [f"-I{os.path.normpath(inc)}" for inc in incs]
        cflags = list(dict.fromkeys(cflags))  # C, C++ and preprocessor flags often repeat each other
        ld = env.get("LDFLAGS", "").split(";")
        ldflags = [x for x in ld if x.startswith("-l") or x == "-pthread"]
        if lang == "c++":
            ldflags.append("-lstdc++")
        if "-lm" not in ldflags:
            ldflags.insert(0, "-lm")

        run = [w for x in env.get("RUN_OPTIONS", "").split(";") if x for w in x.split()]
        stdin = env.get("STDIN_FILENAME") or None
        data = list(t.data)
        if "<" in run:
            k = run.index("<")
            if k + 1 >= len(run):
                problem = problem or "RUN_OPTIONS ends with '<'"
            else:
                stdin = run[k + 1]
                run = run[:k] + run[k + 2:]
        if (d / f"{t.test_name}.reference_input").is_file():
            stdin = f"{t.test_name}.reference_input"
            data.append((d / stdin, stdin))
        if stdin:
            stdin = stdin.removeprefix("./")
            if not any(rel == stdin for _, rel in data):
                data.append((d / stdin, stdin))
        if _truthy(env.get("NO_REFERENCE_OUTPUT", "")):
            reference, problem = None, problem or "no reference output"
        else:
            reference = _reference(d, t.test_name, self.small)
            if reference is None:
                problem = problem or "no reference output"
        fp = None
        if "FP_TOLERANCE" in env or "FP_ABSTOLERANCE" in env:
            try:
                fp = (float(env.get("FP_TOLERANCE") or 0), float(env.get("FP_ABSTOLERANCE") or 0))
            except ValueError:
                problem = problem or "unreadable FP_TOLERANCE"
        if _truthy(env.get("PROGRAM_IS_NONDETERMINISTIC", "")):
            problem = problem or "not deterministic (PROGRAM_IS_NONDETERMINISTIC)"
        return Config(name=t.name, family=family, directory=d, config="small" if self.small else "normal",
                      sources=tuple(t.sources), cflags=tuple(cflags), ldflags=tuple(ldflags), language=lang,
                      args=tuple(run), stdin=stdin, data=tuple(data), reference=reference,
                      hashed=_truthy(env.get("HASH_PROGRAM_OUTPUT", "")), fp_tolerance=fp, problem=problem)


def _skipped(dirname: str) -> bool:
    return any(s in dirname.lower() for s in SKIPPED)


def _glob_sources(d: Path) -> list[Path]:
    return sorted(p for p in d.iterdir() if p.is_file() and (p.suffix in _C_EXT | _CXX_EXT | _FORTRAN_EXT))


def _absolute_includes(flags: list[str], d: Path) -> list[str]:
    """-I flags made absolute (relative ones are relative to the program's directory, as for the suite)."""
    out, it = [], iter(flags)
    for f in it:
        if f == "-I":
            f = "-I" + next(it, ".")
        if f.startswith("-I"):
            p = Path(f[2:])
            f = f"-I{os.path.normpath(p if p.is_absolute() else d / p)}"
        out.append(f)
    return out


def _reference(d: Path, test: str, small: bool) -> Path | None:
    """The suite's choice of reference output for this configuration and a little-endian Linux host."""
    names = ([f"{test}.reference_output.little-endian.small", f"{test}.reference_output.small"] if small else [])
    names += [f"{test}.reference_output.little-endian", f"{test}.reference_output.Linux", f"{test}.reference_output"]
    return next((d / n for n in names if (d / n).is_file()), None)


# ---------------------------------------------------------------- candidates

@dataclass
class Candidate:
    """A program with its configurations (normal first), or the reason it is not even tried."""

    name: str
    configs: list[Config]
    problem: str = ""


def check_checkout(src: Path) -> None:
    """Raise a one-line :class:`BenchmarkError` unless ``src`` looks like an llvm-test-suite checkout."""
    hint = "expected a checkout of llvm/llvm-test-suite (see `rlopt-train datasets list`)"
    if not src.is_dir():
        raise BenchmarkError(f"{src}: no such directory: {hint}")
    if not any((src / r / "CMakeLists.txt").is_file() for r in ROOTS):
        raise BenchmarkError(f"{src}: no {ROOTS[0]}/CMakeLists.txt or {ROOTS[1]}/CMakeLists.txt: {hint}")


def candidates(src: Path) -> list[Candidate]:
    """Every program the suite's CMake describes below the Benchmarks roots, in both configurations, plus the
    directories with a CMakeLists.txt that the suite does not build (excluded)."""
    check_checkout(src)
    found: dict[str, Candidate] = {}
    visited: set[Path] = set()
    for small in (False, True):
        it = _Interpreter(src, small)
        for root in ROOTS:
            if (src / root / "CMakeLists.txt").is_file():
                it.walk(root)
        visited |= it.visited
        for c in it.configs:
            over = OVERRIDES.get(c.name, {})
            if "args" in over:
                c = replace(c, args=tuple(over["args"]))
            if "cflags" in over:
                c = replace(c, cflags=(*c.cflags, *over["cflags"]))
            if c.config not in over.get("configs", ("normal", "small")):
                continue
            cand = found.setdefault(c.name, Candidate(c.name, []))
            cand.configs.append(c)
            if "exclude" in over:
                cand.problem = over["exclude"]
    for root in ROOTS:
        for d in _unbuilt(src / root, visited):
            name = d.relative_to(src).as_posix()
            if name not in found:
                found[name] = Candidate(name, [], "not built by the suite (no add_subdirectory)")
    return sorted(found.values(), key=lambda c: c.name)


def _unbuilt(root: Path, visited: set[Path]) -> Iterator[Path]:
    """Directories holding programs (sources and a CMakeLists.txt) that the walk did not reach."""
    if not root.is_dir():
        return
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = sorted(x for x in dirnames if not _skipped(x))  # never descend into them
        p = Path(dirpath)
        if ("CMakeLists.txt" in files and p not in visited
                and any(Path(f).suffix in _C_EXT | _CXX_EXT | _FORTRAN_EXT for f in files)):
            yield p


# ---------------------------------------------------------------- copying into the dataset

def _copy_program(cand: Candidate, dest: Path) -> Path:
    """Copy the program's sources (and headers) to ``DEST/<name>/src`` and its inputs to ``.../data``."""
    prog = dest / cand.name
    for c in cand.configs:
        for path, rel in c.data:
            if not path.exists():
                raise _Excluded(f"input file missing from checkout: {rel}")
            target = prog / "data" / rel
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if path.is_dir():
                shutil.copytree(path, target)
            else:
                shutil.copy2(path, target)
    root = _src_root(cand)
    c0 = cand.configs[0]
    for c in cand.configs:
        for s in c.sources:
            if not s.is_file():
                raise _Excluded(f"source file missing from checkout: {s.name}")
    if cand.name.startswith("SingleSource/"):
        for c in cand.configs:
            for s in c.sources:
                _copy_file(s, prog / "src" / s.relative_to(root))
                for h in s.parent.iterdir():
                    if h.is_file() and h.suffix in _HEADER_EXT:
                        _copy_file(h, prog / "src" / h.relative_to(root))
    else:
        _copy_tree(cand, prog, root)
    for rel, old, new in OVERRIDES.get(cand.name, {}).get("patch", ()):
        f = prog / "src" / (c0.directory / rel).relative_to(root)
        text = f.read_text(errors="surrogateescape")
        if old not in text:
            raise _Excluded(f"override patch of {rel} does not apply")
        f.write_text(text.replace(old, new), errors="surrogateescape")
    return prog


def _copy_tree(cand: Candidate, prog: Path, root: Path) -> None:
    """A MultiSource program: its directory tree, and what it needs from outside it (sources, headers)."""
    c0 = cand.configs[0]
    data_names = {rel for c in cand.configs for _, rel in c.data}
    sources = {s.resolve() for c in cand.configs for s in c.sources}
    skip = {(c0.directory / n).resolve() for n in data_names} - sources  # inputs go to data/ (unless compiled)
    dirs = {c0.directory} | {s.parent for c in cand.configs for s in c.sources} | _outside_includes(c0.directory)
    dirs |= {Path(f[2:]) for c in cand.configs for f in c.cflags if f.startswith("-I")}
    for d in sorted(dirs):
        if not d.is_dir() or not d.is_relative_to(root):
            continue
        if d != c0.directory and c0.directory.is_relative_to(d):  # an ancestor: its headers only
            for h in d.iterdir():
                if h.is_file() and h.suffix in _HEADER_EXT:
                    _copy_file(h, prog / "src" / h.relative_to(root))
            continue
        for f in d.rglob("*"):
            if (f.is_file() and not _NOT_COPIED.search(f.name) and f.resolve() not in skip
                    and not any(_skipped(p) for p in f.relative_to(d).parts)):
                _copy_file(f, prog / "src" / f.relative_to(root))


def _copy_file(src: Path, dst: Path) -> None:
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


_INCLUDE_RE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*"([^"]+)"', re.MULTILINE)


def _outside_includes(d: Path) -> set[Path]:
    """Directories outside ``d`` that its sources include from by relative path (``#include "../x.inc"``)."""
    out = set()
    for f in d.rglob("*"):
        if f.suffix in _C_EXT | _CXX_EXT | _HEADER_EXT and f.is_file():
            for inc in _INCLUDE_RE.findall(f.read_bytes()):
                target = Path(os.path.normpath(f.parent / inc.decode(errors="replace")))
                if inc.startswith(b"..") and target.is_file() and not target.is_relative_to(d):
                    out.add(target.parent)
    return out


def _src_root(cand: Candidate) -> Path:
    """The deepest directory holding the program's directory, its sources and its include directories."""
    c0 = cand.configs[0]
    paths = [c0.directory] + [s.parent for c in cand.configs for s in c.sources]
    if not cand.name.startswith("SingleSource/"):
        paths += sorted(_outside_includes(c0.directory))
    suite = c0.directory
    while suite.name not in ("SingleSource", "MultiSource") and suite != suite.parent:
        suite = suite.parent
    suite = suite.parent
    for c in cand.configs:
        for f in c.cflags:
            p = Path(f[2:]) if f.startswith("-I") else None
            if p is not None and p.is_relative_to(suite) and p.is_dir():
                paths.append(p)
    return Path(os.path.commonpath([str(p) for p in paths]))


def _entry(c: Config, cand: Candidate, dest: Path, root: Path) -> dict[str, Any]:
    """The manifest entry of configuration ``c`` (paths relative to DEST), before calibration."""
    prog = cand.name
    cflags = []
    for f in c.cflags:
        if f.startswith("-I"):
            p = Path(f[2:])
            if p.is_relative_to(root):
                rel = p.relative_to(root).as_posix()
                f = f"-I{prog}/src" if rel == "." else f"-I{prog}/src/{rel}"
        cflags.append(f)
    e: dict[str, Any] = {
        "name": c.name, "family": c.family,
        "sources": [f"{prog}/src/{s.relative_to(root).as_posix()}" for s in c.sources],
        "args": list(c.args), "small_args": list(c.args), "language": c.language,
        "cflags": cflags, "ldflags": list(c.ldflags),
        "description": f"llvm-test-suite {c.name}" + (" (SMALL_PROBLEM_SIZE)" if c.config == "small" else ""),
        "reference": f"{prog}/reference.out",
    }
    if c.data:
        e["data"] = f"{prog}/data"
    if c.stdin:
        e["stdin"] = f"{prog}/data/{c.stdin}"
    if c.fp_tolerance is not None:
        e["fp_tolerance"] = list(c.fp_tolerance)
    return e


# ---------------------------------------------------------------- checking one program

@contextmanager
def _bench(dest: Path, entry: dict[str, Any]) -> Iterator[Benchmark]:
    """``entry`` as the dataset's users will see it: parsed by the manifest reader from a scratch manifest."""
    path = dest / f".check-{hashlib.sha1(entry['name'].encode()).hexdigest()[:16]}.json"
    path.write_text(json.dumps({"benchmarks": [entry]}))
    try:
        yield benchmarks.from_directory(path)[0]
    finally:
        path.unlink(missing_ok=True)


def _run_merged(exe: Path, bench: Benchmark, timeout: float) -> runtime.RunResult:
    """One run with stdout and stderr in one file, as the suite's ``timeit --redirect-output`` runs it."""
    with runtime.run_directory(bench) as d, tempfile.TemporaryFile() as out, \
            (open(bench.stdin, "rb") if bench.stdin else open(os.devnull, "rb")) as inp:
        proc = subprocess.Popen([str(exe), *bench.args], stdin=inp, stdout=out, stderr=out, cwd=d,
                                start_new_session=True, env={**os.environ, **dict(bench.env)})
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, 9)
            proc.wait()
            raise ToolTimeout(exe.name, timeout) from None
        out.seek(0)
        return runtime.RunResult(out.read(), rc, 0.0, 0.0)


def _suite_form(r: runtime.RunResult) -> bytes:
    """The output file of the suite's ``timeit --append-exitstatus``: output, then ``exit N``."""
    return r.stdout + b"exit %d\n" % r.returncode


_NUMBER_RE = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?(?:nan|inf)", re.IGNORECASE)


def _fpcmp_equal(want: bytes, have: bytes, rel: float, abs_: float) -> bool:
    """The suite's fpcmp: the same text between numbers, every number pair within tolerance. Unlike an
    exact comparison it accepts 1.5e+05 for 1.5E+05 even with no tolerance (TSVC's references rely on it)."""
    if want == have:
        return True
    wt, ht = _NUMBER_RE.split(want), _NUMBER_RE.split(have)
    wn, hn = _NUMBER_RE.findall(want), _NUMBER_RE.findall(have)
    if wt != ht or len(wn) != len(hn):
        return False
    for a, b in zip(wn, hn, strict=True):
        x, y = float(a), float(b)
        if x == y or (math.isnan(x) and math.isnan(y)):
            continue
        diff = abs(x - y)
        if diff > abs_ and diff > rel * max(abs(x), abs(y)):
            return False
    return True


def _matches_suite(c: Config, r: runtime.RunResult) -> bool:
    """Whether a run's stdout+stderr passes the suite's own check against its reference."""
    assert c.reference is not None
    want, (rel, abs_) = c.reference.read_bytes(), c.fp_tolerance or (0.0, 0.0)
    # timeit appends "exit N" right after the output, even one without a final newline
    return any(_fpcmp_equal(want, form, rel, abs_) for form in (_suite_form(r), runtime.with_exit_line(r)))


def _matches_hash(reference: Path, r: runtime.RunResult) -> bool:
    want = reference.read_text().split()
    forms = (_suite_form(r), runtime.with_exit_line(r))
    return bool(want) and any(hashlib.md5(f).hexdigest() == want[0] for f in forms)


def _distance(seconds: float) -> float:
    """How far a run time is from the calibration target, in log space (0 inside it)."""
    lo, hi = TARGET
    if seconds <= 0:
        return math.inf
    return 0.0 if lo <= seconds <= hi else abs(math.log(seconds / (lo if seconds < lo else hi)))


def _build(bench: Benchmark, out: Path, level: str) -> Path:
    try:
        return runtime.build_sources(bench, out, opt_level=level, timeout=BUILD_TIMEOUT)
    except BenchmarkError as e:
        raise _Excluded(_one_line(f"does not build at -{level}: {e}".replace(f"{bench.name}: ", ""))) from e


def _one_line(text: str, limit: int = 240) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[:limit - 3] + "..."


def _check_program(cand: Candidate, dest: Path, work: Path) -> dict[str, Any]:
    """Copy, calibrate and check one program; its manifest entry, or :class:`_Excluded`."""
    if cand.problem:
        raise _Excluded(cand.problem)
    configs = []
    for c in cand.configs:  # a configuration whose input is absent is dropped; the other may still work
        missing = [rel for path, rel in c.data if not path.exists()]
        if missing and not c.problem:
            c = replace(c, problem=f"input file missing from checkout: {missing[0]}")
        configs.append(c)
    usable = [c for c in configs if not c.problem]
    if not usable:
        raise _Excluded(configs[0].problem)
    cand = Candidate(cand.name, usable)
    prog = _copy_program(cand, dest)
    root = _src_root(cand)
    configs = _distinct(cand.configs)
    # Calibrate: the -O3 run time of each configuration, the normal one first.
    timed: list[tuple[float, Config, Path]] = []
    errors: list[str] = []
    for c in configs:
        entry = _entry(c, cand, dest, root)
        shutil.copyfile(c.reference, prog / "reference.out")  # type: ignore[arg-type]
        with _bench(dest, entry) as b:
            try:
                exe = _build(b, work / f"{c.config}.O3", "O3")
                secs = _cpu(exe, b, CALIBRATE_TIMEOUT)
            except _Excluded as e:
                errors.append(str(e))
                continue
        timed.append((secs, c, exe))
        if _distance(secs) == 0 or secs < TARGET[0]:
            break  # a smaller configuration cannot be closer
    if not timed:
        raise _Excluded(errors[0])
    fits = sorted((t for t in timed if t[0] <= MAX_O3_SECONDS), key=lambda t: _distance(t[0]))
    if not fits:
        fastest = min(t[0] for t in timed)
        raise _Excluded(f"too long to time ({fastest:.1f} s at -O3)" if math.isfinite(fastest)
                        else f"too long to time (more than {CALIBRATE_TIMEOUT:g} s at -O3)")
    problems = []
    for secs, c, exe in fits:
        try:
            return _verify(c, cand, dest, root, prog, exe, secs, work)
        except _Excluded as e:
            problems.append(str(e))
    raise _Excluded(problems[0])


def _distinct(configs: list[Config]) -> list[Config]:
    """The configurations that can behave differently (the small one only if something about it differs)."""
    out = [configs[0]]
    for c in configs[1:]:
        base = out[0]
        differs = (c.args, c.stdin, c.data, c.reference) != (base.args, base.stdin, base.data, base.reference)
        flags = [f for f in c.cflags if f != "-DSMALL_PROBLEM_SIZE"]
        differs = differs or tuple(flags) != base.cflags or _mentions_small(c)
        if differs:
            out.append(c)
    return out


def _mentions_small(c: Config) -> bool:
    """Whether the sources (or headers next to them) test SMALL_PROBLEM_SIZE themselves."""
    files = {p for s in c.sources for p in s.parent.iterdir() if p.is_file() and p.suffix in _HEADER_EXT}
    files |= set(c.sources)
    return any(b"SMALL_PROBLEM_SIZE" in f.read_bytes() for f in files if f.is_file())


def _cpu(exe: Path, bench: Benchmark, timeout: float) -> float:
    try:
        r = runtime.run_benchmark(exe, bench, timeout=timeout)
    except ToolTimeout:
        return math.inf
    if r.returncode < 0:
        raise _Excluded(f"the -O3 build is killed by signal {-r.returncode}")
    return r.cpu_seconds


def _verify(c: Config, cand: Candidate, dest: Path, root: Path, prog: Path, o3: Path, o3_first: float,
            work: Path) -> dict[str, Any]:
    """Check configuration ``c`` against the suite's reference and write ``reference.out`` (stdout only)."""
    entry = _entry(c, cand, dest, root)
    assert c.reference is not None
    shutil.copyfile(c.reference, prog / "reference.out")
    o0_timeout = O0_TIMEOUT  # wall time, on a shared machine: generous (tramp3d-v4 runs 30x longer at -O0)
    with _bench(dest, entry) as b:
        o0 = _build(b, work / f"{c.config}.O0", "O0")
        try:
            merged = _run_merged(o0, b, o0_timeout)
            if merged.returncode < 0:
                raise _Excluded(f"the -O0 build is killed by signal {-merged.returncode}")
            if c.hashed:
                if not _matches_hash(c.reference, merged):
                    raise _Excluded("-O0 output does not match the reference (md5 of the output differs)")
            elif not _matches_suite(c, merged):
                problem = runtime.check_output(b, merged)
                raise _Excluded(_one_line(f"-O0 output does not match the reference: {problem}"))
            first = runtime.run_benchmark(o0, b, timeout=o0_timeout)
            if (first.stdout, first.returncode) != (merged.stdout, merged.returncode):  # stderr, or not the same
                second = runtime.run_benchmark(o0, b, timeout=o0_timeout)
                if (first.stdout, first.returncode) != (second.stdout, second.returncode):
                    raise _Excluded("not deterministic: two runs of the -O0 build print different output")
        except ToolTimeout as e:
            raise _Excluded(f"the -O0 build runs longer than {o0_timeout:g} s") from e
        keep = not c.hashed and not runtime.check_output(b, first)
    if not keep:
        # The suite's reference holds stderr too, or only a hash, or lacks the newline before "exit N": the
        # checked -O0 stdout becomes the reference, in the form check_output reads.
        (prog / "reference.out").write_bytes(runtime.with_exit_line(first))
    with _bench(dest, entry) as b:
        times = [o3_first]
        for _ in range(2):
            try:
                r = runtime.run_benchmark(o3, b, timeout=CALIBRATE_TIMEOUT)
            except ToolTimeout as e:
                raise _Excluded(f"the -O3 build runs longer than {CALIBRATE_TIMEOUT:g} s") from e
            problem = runtime.check_output(b, r)
            if problem:
                raise _Excluded(_one_line(f"-O3 output does not match the reference: {problem}"))
            times.append(r.cpu_seconds)
        _check_linked_ir(b, work)
    entry["o3_seconds"] = round(min(times), 6)
    return entry


def _check_linked_ir(b: Benchmark, work: Path) -> None:
    """Build the program as rlopt does (IR per unit, llvm-link, opt -O3, fixed backend) and check its output."""
    tc = toolchain.find()
    try:
        ir = benchmarks.ir(b, "O3")
    except BenchmarkError as e:
        raise _Excluded(_one_line(f"does not compile to one linked IR module: {e}".replace(f"{b.name}: ", ""))) from e
    try:
        optimized = tc.opt(ir, "default<O3>", timeout=BUILD_TIMEOUT)
        exe = runtime.build(optimized, work / "linked", extra_link=list(b.ldflags), timeout=BUILD_TIMEOUT)
        r = runtime.run_benchmark(exe, b, timeout=CALIBRATE_TIMEOUT)
    except RloptError as e:
        raise _Excluded(_one_line(f"the linked IR module fails at -O3: {e}")) from e
    problem = runtime.check_output(b, r)
    if problem:
        raise _Excluded(_one_line(f"the linked IR module at -O3 does not match the reference: {problem}"))


# ---------------------------------------------------------------- import

def _source_info(src: Path) -> dict[str, Any]:
    commit = None
    if (src / ".git").exists():
        with suppress(OSError, subprocess.SubprocessError):
            commit = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True,
                                    timeout=30).stdout.strip() or None
    return {"path": str(src), "commit": commit, "repository": "https://github.com/llvm/llvm-test-suite",
            "roots": list(ROOTS), "skipped": ["Polybench", "MiBench"]}


def import_dataset(src: Path, dest: Path, *, jobs: int = 2, log: Callable[[str], None] = print) -> None:
    """Check every candidate program of the checkout ``src`` and write the dataset into ``dest``."""
    from rlopt.training import datasets  # the registry imports this module

    src = Path(src).resolve()
    cands = candidates(src)
    entries: list[dict[str, Any]] = []
    excluded: list[dict[str, str]] = []
    lock, done = threading.Lock(), [0]

    def one(cand: Candidate) -> None:
        with tempfile.TemporaryDirectory(prefix="rlopt-lts-") as work:
            try:
                e = _check_program(cand, dest, Path(work))
                result, msg = e, f"ok ({e['o3_seconds']:.3f} s at -O3)"
            except _Excluded as x:
                result, msg = None, f"excluded: {x}"
                shutil.rmtree(dest / cand.name, ignore_errors=True)
            except Exception as x:  # one broken program must not end a long import
                result, msg = None, f"excluded: internal error: {type(x).__name__}: {x}"
                shutil.rmtree(dest / cand.name, ignore_errors=True)
        with lock:
            done[0] += 1
            if result is None:
                excluded.append({"name": cand.name, "reason": _one_line(msg.removeprefix("excluded: "))})
            else:
                entries.append(result)
            log(f"[{done[0]}/{len(cands)}] {cand.name}: {_one_line(msg)}")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, cands))
    _prune_empty_dirs(dest)
    log(f"{NAME}: {len(entries)} runnable programs, {len(excluded)} excluded")
    datasets.write_manifest(dest, NAME, entries, excluded, source=_source_info(src))


def _prune_empty_dirs(dest: Path) -> None:
    """Remove the family directories that excluded programs left empty."""
    for dirpath, _, _ in sorted(os.walk(dest), key=lambda t: -len(t[0])):
        if Path(dirpath) != dest:
            with suppress(OSError):
                Path(dirpath).rmdir()


__all__ = ["DESCRIPTION", "HOW_TO_GET", "NAME", "OVERRIDES", "Candidate", "Config", "candidates",
           "check_checkout", "import_dataset"]
