"""Benchmarks for rlopt: the ``rlopt-suite-v0`` C programs, a seeded csmith dataset, and users' directories.

A :class:`Benchmark` names C sources plus the arguments to run them with; :func:`ir` turns it into the
text IR module that rlopt optimizes. That IR is what ``clang -O<level> -Xclang -disable-llvm-passes``
hands to its own optimizer, so that ``opt -passes='default<O3>'`` on it reproduces real ``clang -O3``
(an optimizer starting from ``-O0`` IR cannot inline and knows less about aliasing). The ``O0`` variant
(``clang -O0 -Xclang -disable-O0-optnone``) exists only for CompilerGym-compatible experiments.

IR is cached on disk under ``$RLOPT_CACHE_DIR`` (default ``~/.cache/rlopt``), keyed by the sources'
contents, the clang version and the flags; files are written atomically, so parallel workers can share
the cache without locks (racing writers write identical bytes).

URIs: ``benchmark://rlopt-suite-v0/<name>``, ``generator://csmith-v0/<seed>``, ``file:///path/prog.c``
(one C file, no arguments) and ``file:///dir/rlopt-benchmarks.json#<name>`` (an entry of a user manifest).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlparse

from rlopt import passes, toolchain
from rlopt.cache import default_dir, digest
from rlopt.errors import InputError, ToolError, ToolTimeout
from rlopt.ir import write_file

SUITE = "rlopt-suite-v0"
CSMITH = "csmith-v0"
SPLITS = ("train", "validation", "test")
USER_MANIFEST = "rlopt-benchmarks.json"
CSMITH_MAX_SECONDS = 1.0
COMPILE_TIMEOUT = 120.0
_HERE = Path(__file__).resolve().parent
_CSMITH_INCLUDES = ("/usr/include/csmith", "/usr/local/include/csmith")


class BenchmarkError(InputError):
    """A benchmark is unknown, malformed, fails to compile, or (csmith) does not terminate quickly."""


class UnknownBenchmark(BenchmarkError, LookupError):
    """No benchmark or dataset by that name: a ``LookupError`` too, as CompilerGym raises (``except LookupError``)."""


@dataclass(frozen=True)
class Benchmark:
    """A runnable C program: its sources, how to run it, and which split it belongs to.

    ``args`` is the full-size input (suite programs run 0.05-0.5 s at -O0 with it); ``small_args`` is a
    tiny input for fast proxies such as callgrind and for output validation. ``cwd`` is where the program
    compiles, and runs unless it has ``data`` (a user's benchmark may read files relative to its directory).

    Imported programs (cbench-v1, llvm-test-suite-v0) also say how they are run and checked: ``data`` (a
    directory linked into a fresh run directory for each run), ``stdin``, ``outputs`` (files the program
    writes that count as output), ``reference`` (expected stdout plus an ``exit N`` line; without it the
    ``-O0`` build is the reference), ``fp_tolerance`` (relative, absolute, as llvm-test-suite's fpcmp),
    ``env``, and the calibration: ``o3_seconds`` per run and ``repeat`` runs per timing sample.
    """

    name: str
    uri: str
    sources: tuple[Path, ...]
    args: tuple[str, ...] = ()
    small_args: tuple[str, ...] = ()
    split: str | None = None
    language: str = "c"
    cflags: tuple[str, ...] = ()
    ldflags: tuple[str, ...] = ()
    description: str = ""
    cwd: Path | None = None
    family: str = ""
    data: Path | None = None
    stdin: Path | None = None
    outputs: tuple[str, ...] = ()
    reference: Path | None = None
    fp_tolerance: tuple[float, float] = (0.0, 0.0)
    env: tuple[tuple[str, str], ...] = ()
    o3_seconds: float | None = None
    repeat: int = 1


def cache_dir() -> Path:
    """Root of rlopt's on-disk cache (``$RLOPT_CACHE_DIR`` or ``~/.cache/rlopt``)."""
    return default_dir()


# ---------------------------------------------------------------- manifests (suite and user directories)

def _str_list(entry: dict, key: str, where: str) -> tuple[str, ...]:
    value = entry.get(key, [])
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise BenchmarkError(f"{where}: '{key}' must be a list of strings")
    return tuple(str(v) for v in value)


def _parse_manifest(path: Path, uri_of) -> list[Benchmark]:
    """Benchmarks described by a manifest file (the suite's ``manifest.json`` or a user's manifest)."""
    try:
        data = json.loads(path.read_text())
    except OSError as e:
        raise BenchmarkError(f"cannot read {path}: {e.strerror}") from e
    except json.JSONDecodeError as e:
        raise BenchmarkError(f"{path}: invalid JSON ({e.msg} at line {e.lineno})") from e
    entries = data.get("benchmarks") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise BenchmarkError(f"{path}: expected a non-empty list of benchmarks (or {{\"benchmarks\": [...]}})")
    root, seen, out = path.parent, set(), []
    for i, entry in enumerate(entries):
        where = f"{path}: benchmark #{i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"]:
            raise BenchmarkError(f"{where}: needs a 'name' string")
        name = entry["name"]
        where = f"{path}: benchmark '{name}'"
        if name in seen:
            raise BenchmarkError(f"{where}: duplicate name")
        seen.add(name)
        sources = tuple((root / s).resolve() for s in _str_list(entry, "sources", where))
        if not sources:
            raise BenchmarkError(f"{where}: needs at least one source")
        missing = [str(s) for s in sources if not s.is_file()]
        if missing:
            raise BenchmarkError(f"{where}: source not found: {missing[0]}")
        split = entry.get("split")
        if split is not None and split not in SPLITS:
            raise BenchmarkError(f"{where}: split must be one of {', '.join(SPLITS)}")
        args = _str_list(entry, "args", where)
        out.append(Benchmark(
            name=name, uri=uri_of(name), sources=sources, args=args,
            small_args=_str_list(entry, "small_args", where) if "small_args" in entry else args,
            split=split, language=str(entry.get("language", "c")), cflags=_str_list(entry, "cflags", where),
            ldflags=_str_list(entry, "ldflags", where), description=str(entry.get("description", "")),
            cwd=root, **_run_fields(entry, root, where)))
    return out


def _run_fields(entry: dict, root: Path, where: str) -> dict:
    """The optional fields that say how an imported program runs and how its output is checked."""
    def path(key: str) -> Path | None:
        value = entry.get(key)
        if value is None:
            return None
        p = (root / str(value)).resolve()
        if not p.exists():
            raise BenchmarkError(f"{where}: {key} not found: {p}")
        return p

    env = entry.get("env", {})
    tolerance = entry.get("fp_tolerance", [0.0, 0.0])
    repeat = entry.get("repeat", 1)
    if not isinstance(env, dict) or not all(isinstance(v, str | int) for v in env.values()):
        raise BenchmarkError(f"{where}: 'env' must map names to strings")
    if not (isinstance(tolerance, list) and len(tolerance) == 2
            and all(isinstance(t, int | float) and t >= 0 for t in tolerance)):
        raise BenchmarkError(f"{where}: 'fp_tolerance' must be [relative, absolute], both >= 0")
    if not isinstance(repeat, int) or repeat < 1:
        raise BenchmarkError(f"{where}: 'repeat' must be a positive integer")
    o3 = entry.get("o3_seconds")
    return dict(family=str(entry.get("family", "")), data=path("data"), stdin=path("stdin"),
                outputs=_str_list(entry, "outputs", where), reference=path("reference"),
                fp_tolerance=(float(tolerance[0]), float(tolerance[1])),
                env=tuple(sorted((str(k), str(v)) for k, v in env.items())),
                o3_seconds=float(o3) if isinstance(o3, int | float) else None, repeat=repeat)


@cache
def _suite() -> tuple[Benchmark, ...]:
    return tuple(_parse_manifest(_HERE / "manifest.json", lambda n: f"benchmark://{SUITE}/{n}"))


def suite(split: str | None = None) -> list[Benchmark]:
    """The ``rlopt-suite-v0`` programs, optionally only one split (``train``, ``validation``, ``test``)."""
    if split is not None and split not in SPLITS:
        raise BenchmarkError(f"unknown split '{split}' (expected one of {', '.join(SPLITS)})")
    return [b for b in _suite() if split is None or b.split == split]


def from_directory(path: str | os.PathLike, *, uri_of: Callable[[str], str] | None = None) -> list[Benchmark]:
    """Benchmarks of a user's directory, described by its ``rlopt-benchmarks.json`` (see docs/suite.md).

    ``uri_of`` names a program (default: ``file://.../rlopt-benchmarks.json#<name>``)."""
    p = Path(path).resolve()
    manifest = p if p.is_file() else p / USER_MANIFEST
    if not manifest.is_file():
        raise BenchmarkError(f"{p}: no {USER_MANIFEST} (see docs/suite.md for its format)")
    return _parse_manifest(manifest, uri_of or (lambda n: f"{manifest.as_uri()}#{n}"))


def get(name_or_uri: str) -> Benchmark:
    """Look a benchmark up by suite name (``qsort``), by URI (suite, imported dataset, csmith generator or
    ``file://``), or as ``DATASET/PROGRAM`` (``cbench-v1/qsort``)."""
    from rlopt.training import datasets  # datasets builds on this module

    dataset, sep, program = name_or_uri.partition("/")
    if sep and dataset in datasets.IMPORTERS:
        return datasets.get(dataset, program)
    if sep and dataset == SUITE:
        name_or_uri = program
    u = urlparse(name_or_uri)
    if u.scheme == "benchmark" and u.netloc in datasets.IMPORTERS:
        return datasets.get(u.netloc, unquote(u.path).lstrip("/"))
    if u.scheme == "generator":
        if u.netloc != CSMITH or not u.path.strip("/").isdigit():
            raise UnknownBenchmark(f"unknown generator URI '{name_or_uri}' (expected generator://{CSMITH}/<seed>)")
        return csmith(int(u.path.strip("/")))
    if u.scheme == "file":
        return _from_file_uri(Path(unquote(u.path)), u.fragment, name_or_uri)
    if u.scheme == "benchmark":
        if u.netloc != SUITE:
            known = ", ".join([SUITE, *datasets.IMPORTERS])
            raise UnknownBenchmark(f"unknown dataset '{u.netloc}' in '{name_or_uri}' (known: {known})")
        name = u.path.strip("/")
    elif u.scheme:
        raise BenchmarkError(f"unsupported benchmark URI scheme '{u.scheme}' in '{name_or_uri}'")
    else:
        name = name_or_uri
    for b in _suite():
        if b.name == name:
            return b
    raise UnknownBenchmark(f"no benchmark '{name}' in {SUITE} (known: {', '.join(b.name for b in _suite())})")


def _from_file_uri(path: Path, fragment: str, uri: str) -> Benchmark:
    if fragment:
        for b in from_directory(path):
            if b.name == fragment:
                return b
        raise UnknownBenchmark(f"no benchmark '{fragment}' in {path}")
    if path.suffix != ".c" or not path.is_file():
        raise BenchmarkError(f"'{uri}' is not a C file (use file:///dir/{USER_MANIFEST}#name for a directory)")
    return Benchmark(name=path.stem, uri=path.as_uri(), sources=(path,), cwd=path.parent)


# ---------------------------------------------------------------- IR

def _clang_flags(opt_level: str) -> list[str]:
    if opt_level not in passes.OPT_LEVELS:
        raise BenchmarkError(f"unknown optimization level '{opt_level}' "
                             f"(expected one of {', '.join(passes.OPT_LEVELS)})")
    if opt_level == "O0":
        return ["-O0", "-Xclang", "-disable-O0-optnone"]
    return [f"-{opt_level}", "-Xclang", "-disable-llvm-passes"]


def content_key(*parts: bytes | str) -> str:
    """A short content hash of length-prefixed parts, for file names in the cache."""
    return digest(*parts)[:32]


def ir(benchmark: Benchmark, opt_level: str = "O3") -> bytes:
    """The benchmark's text IR module as ``clang -<opt_level>`` hands it to its optimizer (cached on disk)."""
    tc = toolchain.find()
    flags = [*_clang_flags(opt_level), "-emit-llvm", "-S", *benchmark.cflags]
    parts: list[bytes | str] = [tc.version_string, " ".join(flags)]
    for src in benchmark.sources:
        try:
            parts += [src.name, src.read_bytes()]
        except OSError as e:
            raise BenchmarkError(f"{benchmark.name}: cannot read {src}: {e.strerror}") from e
    path = cache_dir() / "ir" / f"{content_key(*parts)}.ll"
    if path.is_file():
        return path.read_bytes()
    modules = [_compile_one(tc, benchmark, src, flags) for src in benchmark.sources]
    text = modules[0] if len(modules) == 1 else _link(tc, benchmark, modules)
    write_file(path, text)
    return text


def _compile_one(tc: toolchain.Toolchain, benchmark: Benchmark, src: Path, flags: list[str]) -> bytes:
    # Run in the benchmark's directory (relative -I flags) with a relative source name, so that the IR
    # does not embed the checkout path.
    cwd = benchmark.cwd or src.parent
    try:
        return toolchain.run_command([str(tc.path("clang")), *flags, os.path.relpath(src, cwd), "-o", "-"],
                                     name="clang", cwd=cwd, timeout=COMPILE_TIMEOUT)
    except ToolError as e:
        raise BenchmarkError(f"{benchmark.name}: {src.name} does not compile: {e}") from e


def _link(tc: toolchain.Toolchain, benchmark: Benchmark, modules: list[bytes]) -> bytes:
    with tempfile.TemporaryDirectory(prefix="rlopt-link-") as d:
        files = []
        for i, m in enumerate(modules):
            files.append(Path(d) / f"m{i}.ll")
            files[-1].write_bytes(m)
        try:
            return tc.run("llvm-link", ["-S", *map(str, files), "-o", "-"], timeout=COMPILE_TIMEOUT)
        except ToolError as e:
            raise BenchmarkError(f"{benchmark.name}: llvm-link failed: {e}") from e


# ---------------------------------------------------------------- csmith

def _csmith_include() -> str:
    for d in _CSMITH_INCLUDES:
        if Path(d, "csmith.h").is_file():
            return d
    raise BenchmarkError("csmith headers not found (install the Debian package 'libcsmith-dev')")


def _csmith_exe() -> str:
    exe = shutil.which("csmith")
    if not exe:
        raise BenchmarkError("csmith not found (install the Debian package 'csmith')")
    return exe


@cache
def _csmith_version() -> str:
    """csmith's version, so that a newer csmith (different program for the same seed) gets a new cache."""
    out = toolchain.run_command([_csmith_exe(), "--version"], name="csmith", timeout=20).decode()
    return content_key(out)[:12]


def csmith(seed: int, *, check: bool = True) -> Benchmark:
    """The csmith program for ``seed`` (generated once into the cache).

    With ``check`` the program's plain ``clang -O0`` build must exit 0 within ``CSMITH_MAX_SECONDS``:
    csmith programs can loop for a very long time, and such a program is useless as a benchmark.
    """
    b = _csmith_benchmark(seed)
    reason = _csmith_rejection(b) if check else ""
    if reason:
        raise BenchmarkError(f"csmith seed {seed}: {reason}")
    return b


def csmith_dataset(n: int, start_seed: int = 0) -> list[Benchmark]:
    """The first ``n`` csmith programs from ``start_seed`` on whose -O0 build exits 0 within 1 s."""
    out, seed = [], start_seed
    while len(out) < n:
        b = _csmith_benchmark(seed)
        if not _csmith_rejection(b):
            out.append(b)
        seed += 1
    return out


def _csmith_benchmark(seed: int) -> Benchmark:
    if seed < 0:
        raise BenchmarkError(f"csmith seed must be non-negative, got {seed}")
    include = _csmith_include()
    src = cache_dir() / "csmith" / _csmith_version() / f"{seed}.c"
    if not src.is_file():
        try:  # csmith writes a platform.info file into its working directory: keep it out of the user's
            with tempfile.TemporaryDirectory(prefix="rlopt-csmith-") as d:
                text = toolchain.run_command([_csmith_exe(), "--seed", str(seed)], name="csmith",
                                             timeout=toolchain.DEFAULT_TIMEOUT, cwd=d)
        except ToolError as e:
            raise BenchmarkError(f"csmith seed {seed}: generation failed: {e}") from e
        write_file(src, text)
    return Benchmark(name=f"csmith-{seed}", uri=f"generator://{CSMITH}/{seed}", sources=(src,),
                     cflags=("-I" + include, "-w"), description=f"csmith program, seed {seed}", cwd=src.parent)


def _csmith_rejection(b: Benchmark) -> str:
    """Why ``b`` is not a usable benchmark ("" if it is); the verdict is cached next to the source."""
    verdict = b.sources[0].with_suffix(".json")
    if verdict.is_file():
        return str(json.loads(verdict.read_text())["reason"])
    from rlopt.training import runtime  # runtime builds on this module; a late import avoids the cycle

    with tempfile.TemporaryDirectory(prefix="rlopt-csmith-") as d:
        exe = runtime.build_sources(b, Path(d) / "prog", opt_level="O0")
        try:
            rc = runtime.run(exe, b.args, timeout=CSMITH_MAX_SECONDS).returncode
            reason = f"the -O0 build exits with status {rc}" if rc else ""
        except ToolTimeout:
            reason = f"the -O0 build runs longer than {CSMITH_MAX_SECONDS:g} s"
    write_file(verdict, json.dumps({"reason": reason}).encode())
    return reason


__all__ = ["SPLITS", "SUITE", "Benchmark", "BenchmarkError", "cache_dir", "content_key", "csmith",
           "csmith_dataset", "from_directory", "get", "ir", "suite"]
