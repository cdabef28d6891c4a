"""cbench-v1: CompilerGym's cBench programs, imported from cTuning's Collective Knowledge checkouts.

The sources come from ChrisCummins/ctuning-programs (``program/cbench-*/`` with a ``.cm/meta.json`` naming
the sources, build defines and run commands) and the inputs from ctuning/ctuning-datasets-min
(``dataset/<name>/`` whose ``.cm/meta.json`` tags are matched against a run command's ``dataset_tags``).
A program is identified by its main source file rather than by its directory: the checkout's three tiff
directories are shuffled (``cbench-consumer-tiff2dither`` builds ``tiff2rgba.c``, ``...-tiff2median`` builds
``tiffdither.c`` and ``...-tiff2rgba`` builds ``tiffmedian.c``), and a benchmark's name must say what it runs.

Every program is copied into the dataset, built with plain clang at -O0 and -O3, run with its standard
input, and kept only if it exits 0, is deterministic and gives the same output at both levels and through
the front-end IR path that training uses (per-TU ``-emit-llvm`` + ``llvm-link`` + the fixed backend).
``CT_REPEAT_MAIN`` (the programs' own kernel-repeat loop) is calibrated so one -O3 run takes 0.1-0.3 s of CPU.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from rlopt.errors import RloptError, ToolError
from rlopt.training import benchmarks, datasets, runtime
from rlopt.training.benchmarks import Benchmark, BenchmarkError
from rlopt.training.runtime import RunResult

NAME = "cbench-v1"
DESCRIPTION = "CompilerGym's cBench C programs (cTuning CK versions) with their standard inputs"
HOW_TO_GET = """\
a directory holding checkouts of ChrisCummins/ctuning-programs and ctuning/ctuning-datasets-min:
  git clone https://github.com/ChrisCummins/ctuning-programs DIR/ctuning-programs
  git clone https://github.com/ctuning/ctuning-datasets-min DIR/ctuning-datasets-min
(any directory names: they are found by their content, program/cbench-*/ and dataset/*/).
ghostscript, ispell and stringsearch are not in ctuning-programs."""

TARGET_SECONDS = (0.1, 0.3)
_AIM = 0.2                   # CPU seconds per -O3 run that the CT_REPEAT_MAIN calibration aims for
MAX_REPEAT = 1_000_000
BUILD_TIMEOUT = 300.0        # a program's build from its sources with plain clang (larger than the suite's)
CHECK_TIMEOUT = 120.0        # one run while checking a program (an -O0 run of a calibrated program is ~1-3 s)
STUB_FILE = "rlopt-xopenme-stubs.c"
# Why: programs call xOpenME's timer hooks (CK's instrumentation library), some without #ifdef XOPENME.
# These no-op definitions are rlopt's own code; they are added to a program's sources only if it needs them.
STUB_TEXT = """\
/* rlopt: no-op stand-ins for the xOpenME hooks that cBench programs call (CK instrumentation). */
int xopenme_init(int a, int b) { (void)a; (void)b; return 0; }
int xopenme_clock_start(int t) { (void)t; return 0; }
int xopenme_clock_end(int t) { (void)t; return 0; }
int xopenme_add_var_i(int n, const char *f, int v) { (void)n; (void)f; (void)v; return 0; }
int xopenme_dump_state(void) { return 0; }
int xopenme_finish(void) { return 0; }
"""
# Old C (K&R prototypes, implicit declarations, int<->pointer mixing) that clang 19 rejects by default.
OLD_C_FLAGS = ("-w", "-Wno-error=implicit-function-declaration", "-Wno-error=implicit-int",
               "-Wno-error=int-conversion", "-Wno-error=incompatible-pointer-types",
               "-Wno-error=incompatible-function-pointer-types", "-Wno-error=return-type")
NOT_IN_CHECKOUT = "not in the ctuning-programs checkout"
_EXPECT_PROGRAMS = "expected a checkout of ChrisCummins/ctuning-programs (see `rlopt-train datasets list`)"
_EXPECT_DATASETS = "expected a checkout of ctuning/ctuning-datasets-min (see `rlopt-train datasets list`)"


@dataclass(frozen=True)
class _Spec:
    """How one cbench-v1 program is found in ctuning-programs and run (what its meta.json leaves open)."""

    main: str                        # a source file that identifies the program
    run: str = ""                    # which of its run_cmds ("" = its only one, or "default")
    dataset: str = ""                # the dataset directory to use when several match the dataset_tags
    cflags: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()       # sources left out of the build
    known: str = ""                  # the known cause, added to the reason if the program is excluded


# CompilerGym's 23 cbench-v1 programs under CompilerGym's names (its ``adpcm`` is the encoder), plus two that
# ctuning-programs also has (``adpcm-d``, the decoder, and ``mad``), with the run commands CompilerGym
# validates them with where ctuning-programs has several.
PROGRAMS: dict[str, _Spec] = {
    "adpcm": _Spec("rawcaudio.c", run="encode"),
    "adpcm-d": _Spec("rawdaudio.c", run="decode"),
    "bitcount": _Spec("bitcnts.c"),
    "blowfish": _Spec("bf.c", run="decode"),
    "bzip2": _Spec("bzip2.c", run="decode"),
    "crc32": _Spec("crc_32.c", dataset="pcm-0001"),
    "dijkstra": _Spec("dijkstra_large.c"),
    "ghostscript": _Spec("gs.c"),
    "gsm": _Spec("toast.c"),
    "ispell": _Spec("ispell.c"),
    "jpeg-c": _Spec("cjpeg.c", run="encode"),
    "jpeg-d": _Spec("djpeg.c", run="decode"),
    "lame": _Spec("lame.c"),
    "mad": _Spec("madplay.c", cflags=("-DHAVE_UNISTD_H",)),
    "patricia": _Spec("patricia_test.c"),
    "qsort": _Spec("qsort_large.c"),
    "rijndael": _Spec("aesxam.c", run="decode",
                      known="aes.h's 'word' must be 32 bits but is unsigned long: undefined behaviour on LP64"),
    "sha": _Spec("sha_driver.c", dataset="txt-0001",
                 known="sha.h's LONG is unsigned long (64 bits), so the digest includes uninitialized bytes"),
    "stringsearch": _Spec("pbmsrch_large.c"),
    "stringsearch2": _Spec("fgg_search.c"),
    "susan": _Spec("susan.c", run="corners"),
    "tiff2bw": _Spec("tiff2bw.c", run="convert"),
    "tiffdither": _Spec("tiffdither.c", run="convert"),
    "tiffmedian": _Spec("tiffmedian.c", run="convert"),
    "tiff2rgba": _Spec("tiff2rgba.c", run="convert"),
}


@dataclass(frozen=True)
class _Dataset:
    name: str
    tags: frozenset[str]
    files: tuple[Path, ...]
    values: dict = field(default_factory=dict)   # cm_properties.run_time.run_cmd_main (e.g. dataset_number)


@dataclass(frozen=True)
class _Checkouts:
    programs: Path                   # the ctuning-programs checkout (holds program/)
    datasets: Path                   # the ctuning-datasets-min checkout (holds dataset/)
    metas: dict[str, dict]           # program directory name -> its meta.json
    sets: dict[str, _Dataset]


class _Excluded(Exception):
    """A program is not usable; the message is the one-line reason recorded in the manifest."""


# ---------------------------------------------------------------- the checkouts

def _has_programs(d: Path) -> bool:
    return any((p / ".cm" / "meta.json").is_file() for p in (d / "program").glob("cbench-*"))


def _has_datasets(d: Path) -> bool:
    return any((p / ".cm" / "meta.json").is_file() for p in (d / "dataset").glob("*"))


def _read_meta(path: Path) -> dict:
    try:
        meta = json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except OSError as e:
        raise BenchmarkError(f"{path}: cannot read: {e.strerror}: the checkout looks broken") from e
    except json.JSONDecodeError as e:
        raise BenchmarkError(f"{path}: invalid JSON ({e.msg} at line {e.lineno}): the checkout looks broken") from e
    if not isinstance(meta, dict):
        raise BenchmarkError(f"{path}: not a JSON object: the checkout looks broken")
    return meta


def locate(src: Path) -> _Checkouts:
    """Find both checkouts in ``src`` (itself or its subdirectories) and read their metadata up front,
    so that a wrong ``--from`` fails with one clear line before anything is built."""
    src = Path(src)
    if not src.is_dir():
        what = "not a directory" if src.exists() else "no such directory"
        raise BenchmarkError(f"{src}: {what}: expected a directory holding checkouts of "
                             "ChrisCummins/ctuning-programs and ctuning/ctuning-datasets-min "
                             "(see `rlopt-train datasets list`)")
    candidates = [src, *sorted(p for p in src.iterdir() if p.is_dir() and not p.name.startswith("."))]
    programs = next((d for d in candidates if _has_programs(d)), None)
    datasets = next((d for d in candidates if _has_datasets(d)), None)
    if programs is None:
        raise BenchmarkError(f"{src}: no program/cbench-*/.cm/meta.json in it or its subdirectories: "
                             f"{_EXPECT_PROGRAMS}")
    if datasets is None:
        raise BenchmarkError(f"{src}: no dataset/*/.cm/meta.json in it or its subdirectories: {_EXPECT_DATASETS}")
    metas = {}
    for p in sorted((programs / "program").glob("cbench-*")):
        if (p / ".cm" / "meta.json").is_file():
            meta = _read_meta(p / ".cm" / "meta.json")
            if not isinstance(meta.get("source_files"), list) or not isinstance(meta.get("run_cmds"), dict):
                raise BenchmarkError(f"{p / '.cm' / 'meta.json'}: no 'source_files' list or 'run_cmds': "
                                     f"the checkout looks broken ({_EXPECT_PROGRAMS})")
            metas[p.name] = meta
    sets = {}
    for p in sorted((datasets / "dataset").iterdir()):
        if (p / ".cm" / "meta.json").is_file():
            meta = _read_meta(p / ".cm" / "meta.json")
            values = meta.get("cm_properties", {}).get("run_time", {}).get("run_cmd_main", {})
            sets[p.name] = _Dataset(p.name, frozenset(map(str, meta.get("tags", []))),
                                    tuple(p / str(f) for f in meta.get("dataset_files") or []),
                                    values if isinstance(values, dict) else {})
    return _Checkouts(programs, datasets, metas, sets)


def _git_commit(d: Path) -> str | None:
    if not (d / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(d), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=30, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def _find_program(co: _Checkouts, name: str, spec: _Spec) -> str | None:
    """The program directory whose sources include ``spec.main`` (preferring one named after ``name``)."""
    dirs = [d for d, m in co.metas.items() if spec.main in m["source_files"]]
    if not dirs:
        return None
    return next((d for d in dirs if d.endswith(f"-{name}")), dirs[0])


def _pick_dataset(co: _Checkouts, spec: _Spec, tags: Iterable[str]) -> _Dataset:
    want = {t for t in tags if t}
    if spec.dataset and spec.dataset in co.sets:
        return co.sets[spec.dataset]
    matches = [d for n, d in sorted(co.sets.items()) if want <= d.tags]
    if not matches:
        raise _Excluded(f"no dataset in ctuning-datasets-min has the tags {sorted(want)}")
    return matches[0]


# ---------------------------------------------------------------- one program

@dataclass
class _Prepared:
    """A program copied into the dataset: its manifest entry (so far) and the Benchmark to check it with."""

    entry: dict
    bench: Benchmark
    repeatable: bool                 # reads CT_REPEAT_MAIN


def _copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns(".cm", ".git"), symlinks=False)


def _prepare(co: _Checkouts, dest: Path, name: str, spec: _Spec) -> _Prepared:
    """Copy one program's sources and input into ``dest/<name>/`` and describe how it runs."""
    directory = _find_program(co, name, spec)
    if directory is None:
        raise _Excluded(NOT_IN_CHECKOUT)
    meta = co.metas[directory]
    runs = meta["run_cmds"]
    kind = spec.run or ("default" if "default" in runs else next(iter(runs), ""))
    if kind not in runs:
        raise _Excluded(f"{directory}: no run command '{kind}' (has {', '.join(runs)})")
    run = runs[kind]
    rt = run.get("run_time", {})
    cmd = rt.get("run_cmd_main")
    if not isinstance(cmd, str):
        raise _Excluded(f"{directory}: run command '{kind}' has no run_cmd_main")
    ds = _pick_dataset(co, spec, run.get("dataset_tags", []))
    missing = [f.name for f in ds.files if not f.is_file()]
    if missing:
        raise _Excluded(f"dataset {ds.name}: {missing[0]} is missing from the checkout")

    root = dest / name
    _copy_tree(co.programs / "program" / directory, root / "src")
    data = root / "data"
    data.mkdir(parents=True)
    for f in ds.files:
        shutil.copyfile(f, data / f.name)

    def subst(m: re.Match) -> str:
        key = m.group(1)
        if key == "BIN_FILE" or key == "dataset_path":
            return ""
        if key.startswith("dataset_filename"):
            i = int(key.rsplit("_", 1)[1]) if key != "dataset_filename" else 0
            if i >= len(ds.files):
                raise _Excluded(f"the run command needs {key} but dataset {ds.name} has {len(ds.files)} files")
            return ds.files[i].name
        if key in ds.values:
            return str(ds.values[key])
        raise _Excluded(f"the run command uses ${key}$, which rlopt does not know how to fill in")

    argv = shlex.split(re.sub(r"\$#([A-Za-z0-9_]+)#\$", subst, cmd))
    stdin = None
    if "<" in argv:
        i = argv.index("<")
        stdin = f"{name}/data/{argv[i + 1]}"
        del argv[i:i + 2]
    if any(a in (">", "2>", "|") for a in argv):
        raise _Excluded(f"unsupported redirection in run command: {cmd}")
    captured = {rt.get("run_cmd_out1", ""), rt.get("run_cmd_out2", "")}  # CK's stdout / stderr files
    outputs = [f for f in rt.get("run_correctness_output_files", []) if f not in captured]
    if set(outputs) & {f.name for f in ds.files}:
        raise _Excluded(f"an output file has the name of an input file: {outputs}")
    for f in data.iterdir():   # read-only, so that a program writing to an input link cannot change the dataset
        f.chmod(f.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))

    src_dir = f"{name}/src"
    sources = [f"{src_dir}/{s}" for s in meta["source_files"] if s not in spec.drop]
    missing = [s for s in sources if not (dest / s).is_file()]
    if missing:
        raise _Excluded(f"{directory}: source {Path(missing[0]).name} is missing from the checkout")
    defines = []
    for k, v in (meta.get("build_compiler_vars") or {}).items():
        if k in ("XOPENME", "OPENME"):   # CK's instrumentation; its library is not part of the dataset
            continue
        defines.append(f"-D{k}" if v in ("", None) else f"-D{k}={v}")
    cflags = [f"-I{src_dir}", *defines, *spec.cflags, *OLD_C_FLAGS]
    language = "c++" if str(meta.get("main_language", "c")) in ("cpp", "c++") else "c"
    entry = {
        "name": name, "family": NAME, "sources": sources, "args": argv, "small_args": argv,
        "language": language, "cflags": cflags, "ldflags": ["-lm"],
        "description": f"cBench {name} (ctuning-programs {directory}, run '{kind}', "
                       f"input {ds.name})",
        "data": f"{name}/data",
        **({"stdin": stdin} if stdin else {}),
        **({"outputs": outputs} if outputs else {}),
    }
    texts = [(dest / s).read_text(errors="replace") for s in sources]
    return _Prepared(entry, _bench(dest, entry), any("CT_REPEAT_MAIN" in t for t in texts))


def _bench(dest: Path, entry: dict) -> Benchmark:
    """The Benchmark a manifest entry will become, so that checks run the program exactly as training will."""
    return Benchmark(
        name=entry["name"], uri=f"benchmark://{NAME}/{entry['name']}",
        sources=tuple((dest / s).resolve() for s in entry["sources"]), args=tuple(entry["args"]),
        small_args=tuple(entry["small_args"]), language=entry["language"], cflags=tuple(entry["cflags"]),
        ldflags=tuple(entry["ldflags"]), description=entry["description"], cwd=dest.resolve(), family=NAME,
        data=(dest / entry["data"]).resolve(),
        stdin=(dest / entry["stdin"]).resolve() if "stdin" in entry else None,
        outputs=tuple(entry.get("outputs", ())),
        env=tuple(sorted(entry.get("env", {}).items())))


def _with_env(b: Benchmark, repeat: int | None) -> Benchmark:
    return replace(b, env=() if repeat is None else (("CT_REPEAT_MAIN", str(repeat)),))


def _build(p: _Prepared, dest: Path, out: Path, level: str) -> Path:
    """Build with plain clang, fixing the two link failures old cBench code has with a modern toolchain:
    undefined xOpenME hooks (add rlopt's no-op stubs to the sources) and tentative definitions of one
    global in several files (``-fcommon``, the default before clang 11). Each fix is recorded in the entry,
    so the front-end IR build gets it too."""
    try:
        return runtime.build_sources(p.bench, out, opt_level=level, timeout=BUILD_TIMEOUT)
    except BenchmarkError as e:
        detail = e.__cause__.detail if isinstance(e.__cause__, ToolError) else str(e)
        failure = f"does not build at -{level}: {_first_error(detail)}"
        stubs = f"{p.entry['name']}/src/{STUB_FILE}"
        if "xopenme_" in detail and stubs not in p.entry["sources"]:
            (dest / stubs).write_text(STUB_TEXT)
            p.entry["sources"].append(stubs)
        elif "multiple definition" in detail and "-fcommon" not in p.entry["cflags"]:
            p.entry["cflags"].append("-fcommon")
        else:
            raise _Excluded(failure) from e
    p.bench = _bench(dest, p.entry)
    return _build(p, dest, out, level)


def _first_error(detail: str) -> str:
    lines = [ln.strip() for ln in detail.splitlines() if ln.strip()]
    line = next((ln for ln in lines if "error" in ln.lower()), lines[0] if lines else "failed")
    return re.sub(r"^\S*/", "", line)[:300]


def _short(why: str, limit: int = 160) -> str:
    return why if len(why) <= limit else why[:limit] + "..."


def _differs(build: str, why: str) -> str:
    """One line saying how a build disagrees with the -O0 build (the reference)."""
    if why.startswith("output differs: "):
        return f"the {build} build's output differs from the -O0 build's: {_short(why[16:])}"
    return f"the {build} build: {_short(why)} (the -O0 build is the reference)"


def _run(exe: Path, b: Benchmark) -> RunResult:
    try:
        return runtime.run_benchmark(exe, b, timeout=CHECK_TIMEOUT)
    except RloptError as e:
        raise _Excluded(f"{exe.name} build: {e}") from e


def _ok(r: RunResult, level: str) -> None:
    if r.returncode < 0:
        raise _Excluded(f"the -{level} build is killed by signal {-r.returncode}")
    if r.returncode != 0:
        raise _Excluded(f"the -{level} build exits with status {r.returncode}")


def _check(p: _Prepared, dest: Path, log: Callable[[str], None]) -> dict:
    """Build and run one program; return its manifest entry with env and o3_seconds, or raise _Excluded."""
    name = p.entry["name"]
    with tempfile.TemporaryDirectory(prefix=f"rlopt-cbench-{name}-") as tmp:
        o0 = _build(p, dest, Path(tmp) / "O0", "O0")
        o3 = _build(p, dest, Path(tmp) / "O3", "O3")
        repeat = 1 if p.repeatable else None
        b = _with_env(p.bench, repeat)
        first = _run(o3, b)
        _ok(first, "O3")
        seconds = first.cpu_seconds
        for _ in range(6):   # scale CT_REPEAT_MAIN until one -O3 run takes 0.1-0.3 s of CPU
            if repeat is None or TARGET_SECONDS[0] <= seconds <= TARGET_SECONDS[1]:
                break
            new = min(MAX_REPEAT, max(1, round(repeat * _AIM / max(seconds, 1e-4))))
            if new == repeat:
                break
            runs = 1 if seconds * new / repeat > 0.05 else 2   # short runs are noisy: take the min of two
            repeat, b = new, _with_env(p.bench, new)
            seconds = min(_run(o3, b).cpu_seconds for _ in range(runs))
        ref = _run(o0, b)
        _ok(ref, "O0")
        again = _run(o0, b)
        why = runtime.check_output(b, again, ref)
        if why:
            raise _Excluded(f"not deterministic: two -O0 runs differ: {_short(why)}")
        o3_runs = [_run(o3, b) for _ in range(3)]
        for r in o3_runs:
            why = runtime.check_output(b, r, ref)
            if why:
                raise _Excluded(_differs("-O3", why))
        # Some programs' output depends on CT_REPEAT_MAIN (gsm prints its result once per repeat, mad appends
        # to its output file, susan draws corners into the image it repeats on): fine, as the reference is
        # the -O0 build run with the same env, but say so in the description.
        if repeat is not None and repeat != 1 and runtime.check_output(b, first, ref):
            p.entry["description"] += f"; its output with CT_REPEAT_MAIN={repeat} differs from a single run's"
        # The front-end IR path training uses: per-TU IR, llvm-link, the fixed backend.
        try:
            ir = benchmarks.ir(b, "O3")
            fe = runtime.build(ir, Path(tmp) / "fe", extra_link=list(b.ldflags))
        except RloptError as e:
            raise _Excluded(f"the front-end IR does not build: {e}") from e
        why = runtime.check_output(b, _run(fe, b), ref)
        if why:
            raise _Excluded(_differs("front-end IR", why))
    entry = dict(p.entry)
    if repeat is not None:
        entry["env"] = {"CT_REPEAT_MAIN": str(repeat)}
    entry["o3_seconds"] = round(min(r.cpu_seconds for r in o3_runs), 4)
    if entry["o3_seconds"] > TARGET_SECONDS[1] * 1.5 or entry["o3_seconds"] < TARGET_SECONDS[0] / 2:
        log(f"{NAME}: {name}: note: {entry['o3_seconds']:.3f} s per -O3 run is outside the "
            f"{TARGET_SECONDS[0]:g}-{TARGET_SECONDS[1]:g} s target")
    return entry


def _one(co: _Checkouts, dest: Path, name: str, log: Callable[[str], None]) -> dict:
    try:
        try:
            p = _prepare(co, dest, name, PROGRAMS[name])
        except (KeyError, TypeError, AttributeError, ValueError) as e:   # a meta.json of an unexpected shape
            raise _Excluded(f"cannot read its run command from meta.json ({type(e).__name__}: {e})") from e
        entry = _check(p, dest, log)
    except _Excluded as e:
        shutil.rmtree(dest / name, ignore_errors=True)
        reason = str(e)
        if PROGRAMS[name].known and reason != NOT_IN_CHECKOUT:
            reason += f" (known cause: {PROGRAMS[name].known})"
        log(f"{NAME}: {name}: excluded: {reason}")
        return {"name": name, "reason": reason}
    env = entry.get("env", {}).get("CT_REPEAT_MAIN")
    log(f"{NAME}: {name}: ok ({entry['o3_seconds']:.3f} s per -O3 run"
        + (f", CT_REPEAT_MAIN={env})" if env else ")"))
    return entry


# ---------------------------------------------------------------- the importer

def import_dataset(src: Path, dest: Path, *, jobs: int = 2, log: Callable[[str], None] = print,
                   only: Iterable[str] | None = None) -> None:
    """Import cbench-v1 from the checkouts in ``src`` into the empty directory ``dest``.

    ``only`` restricts the import to some programs (the others are not listed at all).
    """
    co = locate(Path(src))
    names = list(PROGRAMS) if only is None else [n for n in PROGRAMS if n in set(only)]
    if only is not None and (unknown := sorted(set(only) - set(PROGRAMS))):
        raise BenchmarkError(f"no program {unknown[0]!r} in {NAME} (known: {', '.join(PROGRAMS)})")
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    lock = threading.Lock()

    def say(line: str) -> None:
        with lock:
            log(line)

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda n: _one(co, dest, n, say), names))
    entries = [r for r in results if "reason" not in r]
    excluded = [r for r in results if "reason" in r]
    if not entries:
        raise BenchmarkError(f"{src}: no runnable {NAME} program ({excluded[0]['name']}: {excluded[0]['reason']})"
                             if excluded else f"{src}: no {NAME} program selected")
    source = {
        "path": str(Path(src).resolve()), "commit": None,
        "checkouts": {
            "ctuning-programs": {"path": str(co.programs.resolve()), "commit": _git_commit(co.programs)},
            "ctuning-datasets-min": {"path": str(co.datasets.resolve()), "commit": _git_commit(co.datasets)},
        },
    }
    datasets.write_manifest(dest, NAME, entries, excluded, source=source)
    say(f"{NAME}: {len(entries)} runnable, {len(excluded)} excluded")
