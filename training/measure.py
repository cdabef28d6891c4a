"""The measured pipeline table: for every program, how each candidate pipeline compares with ``-O3``.

Per program, every candidate starts from the IR ``clang -O3`` hands its optimizer, runs in the engine, and
is built with the fixed backend of :mod:`rlopt.training.runtime`. IR instructions and ``.text`` bytes are
exact. Runtime is where care is needed (see docs/data.md): candidates whose binaries are byte-identical are
timed once; every distinct binary is checked against the program's reference output; the distinct binaries
and a *noise twin* (a second copy of the ``-O3`` binary) are timed in interleaved rounds, each round on fresh
copies of every binary (a copy that lands on unlucky physical pages runs 2-3x slower for as long as it
exists) at equal-length paths, in a rotating order, by CPU time; the number of rounds grows until the twin
agrees with ``-O3`` (or a cap is reached, and the program is marked noisy). A candidate wins (or loses) only
beyond ``max(3%, twice the twin's deviation)`` on both the ratio of minima and the median per-round ratio.

The table is a JSON file written atomically after every program, so a run can stop at any point and resume.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rlopt import knobs, timing, toolchain
from rlopt.cache import digest
from rlopt.engine import Engine, StaleHandle
from rlopt.errors import RloptError, ToolError
from rlopt.ir import write_file
from rlopt.space import SIZE_MACROS, SPEED_MACROS, STANDARD
from rlopt.timing import NOISY, QUIET, Timing
from rlopt.training import benchmarks, datasets, runtime
from rlopt.training.benchmarks import Benchmark

TABLE_VERSION = 1
BASELINE = "O3"
MIN_ROUNDS = 5
MAX_ROUNDS = 10
#: A candidate this much faster than -O3 probably deleted the benchmark's own work: flagged, not a win.
SUSPECT_SPEEDUP = 2.0
#: Programs shorter than this per run at -O3 are not timed (process start-up would dominate).
TOO_SHORT_SECONDS = 0.005
ENGINE_TIMEOUT = 300.0

MACROS: dict[str, str] = {**SPEED_MACROS, **SIZE_MACROS}
#: Sequences found by runtime-judged search on training programs (``rlopt-train measure --search``).
SEARCHED_FILE = Path(__file__).resolve().parent / "tables" / "searched-pipelines.json"
#: Sequences found by the exact size search (``rlopt-train search --objective size``): untimed candidates.
SIZE_SEARCHED_FILE = Path(__file__).resolve().parent / "tables" / "searched-size-pipelines.json"
TABLE_FILE = Path(__file__).resolve().parent / "tables" / "pipeline-table.json"
#: The knob table (``measure --knobs``): plain and knob candidates timed side by side, training programs first.
KNOB_TABLE_FILE = TABLE_FILE.with_name("knob-table.json")


def searched(path: Path = SEARCHED_FILE) -> dict[str, str]:
    """Committed searched sequences, by name (empty before the search has run)."""
    if not path.is_file():
        return {}
    return {s["name"]: s["pipeline"] for s in json.loads(path.read_text())["pipelines"]}


def size_candidates() -> dict[str, str]:
    """Candidates for code size only: measured (sizes, output check) but not timed."""
    return searched(SIZE_SEARCHED_FILE)


def candidates() -> dict[str, str]:
    """Every candidate of the table: standard levels, screened macros, searched sequences."""
    return {**STANDARD, **MACROS, **searched()}


#: ``-O3`` under one knob (docs/knobs.md) at each of its values, and two settings that turn several up at once.
KNOB_CANDIDATES: dict[str, str] = {
    **{f"O3@{k.name}={v}": knobs.to_text(STANDARD["O3"], (knobs.option(k.name, v),))
       for k in knobs.KNOBS.values() for v in k.values},
    "O3@inline+unroll": knobs.to_text(STANDARD["O3"], ("-inline-threshold=500", "-unroll-threshold=600")),
    "O3@unroll+interleave": knobs.to_text(STANDARD["O3"], ("-unroll-count=4", "-force-vector-interleave=2")),
}


def single_knob_values(pipelines: dict[str, str]) -> dict[str, str]:
    """The candidates that run ``-O3`` under exactly one knob value, with that value (``unroll-count=4``):
    what the tuner's knob screen orders (``rlopt-train portfolio --knobs``)."""
    base = knobs.parse(pipelines["O3"])[0]
    out = {}
    for name, text in pipelines.items():
        passes, options = knobs.parse(text)
        if passes == base and len(options) == 1:
            out[name] = options[0].lstrip("-")
    return out


def knob_candidates() -> dict[str, str]:
    """What the knob table times side by side: the standard levels and speed macros (no knobs) and the knob
    candidates, in one session per program, so that the headroom knobs add is measured against the same
    baseline (docs/data.md)."""
    return {**STANDARD, **SPEED_MACROS, **KNOB_CANDIDATES}


# ---------------------------------------------------------------- building candidates

@dataclass
class Built:
    """One candidate of one program after optimization and the backend."""

    pipeline: str
    ir_instructions: int | None = None
    text_size: int | None = None
    exe: Path | None = None
    binary: str | None = None
    error: str | None = None


def optimized(engine: Engine, ir: bytes, name: str, pipelines: dict[str, str]
              ) -> Iterator[tuple[str, int, ToolError | None]]:
    """Each pipeline's output: its name, a handle to the module in ``engine`` (freed when the caller moves on)
    and the error that stopped the pipeline, if any. A pipeline that hangs or crashes the worker costs only
    itself: the input is loaded again for the next one."""
    base = engine.load(ir, name=name)
    try:
        for cand, text in pipelines.items():
            try:
                h = engine.clone(base)
            except StaleHandle:  # a pipeline before this one hung or crashed the worker
                base = engine.load(ir, name=name)
                h = engine.clone(base)
            try:
                pipeline, options = knobs.parse(text)
                try:
                    engine.run(h, pipeline, options=options)
                except ToolError as e:
                    yield cand, h, e
                else:
                    yield cand, h, None
            finally:
                engine.free(h)
    finally:
        engine.free(base)


def build_candidates(bench: Benchmark, pipelines: dict[str, str], workdir: Path, engine: Engine,
                     *, jobs: int = 2) -> dict[str, Built]:
    """Optimize ``bench``'s IR with every pipeline (in the engine) and build each result (``jobs`` at once).

    Many pipelines end in the same module: code generation (``.text`` size, the executable) runs once per
    distinct module, and candidates with the same module share its figures.
    """
    out: dict[str, Built] = {}
    modules: dict[str, bytes] = {}  # module digest -> bitcode, for the distinct modules
    first: dict[str, str] = {}  # module digest -> the first candidate that produced it
    module_of: dict[str, str] = {}
    for name, h, error in optimized(engine, benchmarks.ir(bench, "O3"), bench.name, pipelines):
        b = out[name] = Built(pipelines[name])
        try:
            if error is not None:
                raise error
            b.ir_instructions = engine.instruction_count(h)
            code = engine.bitcode(h)
            key = digest(code)
            module_of[name] = key
            if key not in modules:
                modules[key], first[key] = code, name
                b.text_size = engine.object_text_size(h)
            else:
                b.text_size = out[first[key]].text_size
        except ToolError as e:
            b.error = f"optimization failed: {e}"

    def backend(key: str) -> None:
        b = out[first[key]]
        try:
            b.exe = runtime.build(modules[key], workdir / key[:16] / "prog", extra_link=bench.ldflags)
            b.binary = digest(b.exe.read_bytes())[:16]
        except ToolError as e:
            b.error = f"build failed: {e}"

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(backend, modules))
    for name, key in module_of.items():
        src = out[first[key]]
        out[name].exe, out[name].binary = src.exe, src.binary
        out[name].error = out[name].error or src.error
    return out


# ---------------------------------------------------------------- timing

def time_binaries(exes: Sequence[Path], bench: Benchmark, *, repeat: int = 1, min_rounds: int = MIN_ROUNDS,
                  max_rounds: int = MAX_ROUNDS, quiet: float = QUIET, timeout: float = runtime.RUN_TIMEOUT) -> Timing:
    """:func:`rlopt.timing.time_binaries` for a benchmark: each sample is ``repeat`` back-to-back runs as the
    benchmark runs (args, stdin, environment, one run directory shared by the session)."""
    with runtime.run_directory(bench) as cwd:
        def once(exe: Path) -> float:
            return runtime.run_benchmark(exe, bench, timeout=timeout, cwd=cwd).cpu_seconds

        return timing.time_binaries(exes, lambda exe: sum(once(exe) for _ in range(repeat)), warm_up=once,
                                    min_rounds=min_rounds, max_rounds=max_rounds, quiet=quiet)


def verdict_margin(timing: Timing) -> float:
    """How far from 1.0 a speedup must be to count: twice the twin's deviation, at least ``NOISY``."""
    return max(NOISY, 2 * timing.noise)


def verdict(timing: Timing, i: int, margin: float) -> dict[str, Any]:
    """Binary ``i``'s speedup over the baseline, its interval, and whether both the ratio of minima and the
    median ratio clear ``margin`` (a win), or fall below it (a loss)."""
    by_min, by_median = timing.speedup(i)
    lo, hi = timing.interval(i)
    return {"speedup": round(by_min, 4), "speedup_median": round(by_median, 4), "ci": [round(lo, 4), round(hi, 4)],
            "win": by_min > 1 + margin and by_median > 1 + margin,
            "loss": by_min < 1 / (1 + margin) and by_median < 1 / (1 + margin),
            "suspect": by_min > SUSPECT_SPEEDUP}


# ---------------------------------------------------------------- one program

_VERDICT = ("speedup", "speedup_median", "ci", "win", "loss", "suspect")


def check_candidates(bench: Benchmark, built: dict[str, Built],
                     known: dict[str, str] | None = None) -> tuple[dict[str, dict[str, Any]], dict[str, str],
                                                                     runtime.RunResult | None]:
    """Rows for ``built`` after an output check of every distinct binary (the first name seen for a binary
    is its representative; ``known`` maps binaries measured earlier to their representatives).

    Returns the rows, the binaries new here (digest -> representative), and one run of the first binary
    (the baseline's, when it is first: its CPU time calibrates programs that were not calibrated at import).
    """
    expected = None if bench.reference is not None else runtime.reference_output(bench, bench.args)
    known = dict(known or {})
    first_run: runtime.RunResult | None = None
    distinct: dict[str, str] = {}
    checked: dict[str, str] = {}  # binary digest -> "" or why its output is wrong
    rows: dict[str, dict[str, Any]] = {}
    for name, b in built.items():
        row: dict[str, Any] = {"pipeline": b.pipeline, "ir_instructions": b.ir_instructions,
                               "text_size": b.text_size, "binary": b.binary}
        rows[name] = row
        if b.error:
            row["error"] = b.error
            continue
        assert b.exe is not None and b.binary is not None
        if b.binary in known:
            row["same_as"] = known[b.binary]
            continue
        if b.binary not in checked:
            try:
                got = runtime.run_benchmark(b.exe, bench, timeout=_check_timeout(bench))
                checked[b.binary] = runtime.check_output(bench, got, expected)
                first_run = first_run or got
            except ToolError as e:
                checked[b.binary] = str(e)
        if checked[b.binary]:
            row["error"] = f"wrong output: {checked[b.binary]}"
        elif b.binary in distinct:
            row["same_as"] = distinct[b.binary]
        else:
            distinct[b.binary] = name
    return rows, distinct, first_run


def measure_program(bench: Benchmark, pipelines: dict[str, str], engine: Engine, *, jobs: int = 2,
                    min_rounds: int = MIN_ROUNDS, max_rounds: int = MAX_ROUNDS, time_runs: bool = True,
                    untimed: Iterable[str] = (), log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """One row of the table: every candidate's size figures, output check and (if timed) speedup over -O3.

    Candidates named in ``untimed`` (size candidates) are checked but not timed unless their binary is
    identical to a timed one's.
    """
    pipelines = {BASELINE: STANDARD[BASELINE], **{n: p for n, p in pipelines.items() if n != BASELINE}}
    untimed = set(untimed) - {BASELINE}
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="rlopt-measure-") as d:
        built = build_candidates(bench, pipelines, Path(d), engine, jobs=jobs)
        if built[BASELINE].error:
            raise RloptError(f"{bench.name}: the -O3 build failed: {built[BASELINE].error}")
        timed_built = {n: b for n, b in built.items() if n not in untimed}
        rows, distinct, baseline_run = check_candidates(bench, timed_built)
        if rows[BASELINE].get("error") or baseline_run is None:
            raise RloptError(f"{bench.name}: the -O3 build is wrong: {rows[BASELINE].get('error')}")
        extra, _, _ = check_candidates(bench, {n: b for n, b in built.items() if n in untimed}, known=distinct)
        o3, repeat = bench.o3_seconds, bench.repeat
        if o3 is None:  # not calibrated at import (the built-in suite): calibrate from the check run
            o3 = baseline_run.cpu_seconds
            repeat = datasets.repeat_for(o3)
        timed = time_runs and o3 >= TOO_SHORT_SECONDS
        result: dict[str, Any] = {"uri": bench.uri, "family": bench.family or _family(bench), "split": bench.split,
                                  "autophase": program_features(bench),
                                  "node": socket.gethostname(), "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                                  "distinct_binaries": len(distinct), "repeat": repeat, "o3_seconds": round(o3, 5)}
        if timed:
            names = list(distinct.values())
            log(f"  timing {len(names)} distinct binaries (+ twin)")
            timing = time_binaries([built[n].exe for n in names], bench, repeat=repeat,
                                   min_rounds=min_rounds, max_rounds=max_rounds)
            margin = verdict_margin(timing)
            result.update(rounds=timing.rounds, noise=round(timing.noise, 4), noisy=timing.noise > NOISY,
                          margin=round(margin, 4), o3_sample_seconds=round(min(timing.samples[0]), 5))
            for i, n in enumerate(names):
                rows[n].update(verdict(timing, i, margin))
        else:
            result.update(rounds=0, noisy=None, too_short=time_runs)
        rows.update(extra)
        _share_verdicts(rows)
        result["candidates"] = rows
        result["seconds"] = round(time.time() - started, 1)
    return result


def _share_verdicts(rows: dict[str, dict[str, Any]]) -> None:
    """Identical binaries share the timing verdict of the one that was timed."""
    for row in rows.values():
        src = rows.get(row.get("same_as", ""), {})
        row.update({k: src[k] for k in _VERDICT if k in src})


def extend_untimed(bench: Benchmark, row: dict[str, Any], pipelines: dict[str, str], engine: Engine, *,
                   jobs: int = 2) -> dict[str, Any]:
    """Add untimed (size) candidates to an existing row: sizes and output checks, no new timing session."""
    with tempfile.TemporaryDirectory(prefix="rlopt-measure-") as d:
        built = build_candidates(bench, pipelines, Path(d), engine, jobs=jobs)
        known = {c["binary"]: n for n, c in row["candidates"].items() if "same_as" not in c and not c.get("error")}
        extra, _, _ = check_candidates(bench, built, known=known)
    row["candidates"].update(extra)
    _share_verdicts(row["candidates"])
    return row


def program_features(bench: Benchmark) -> list[int]:
    """Autophase features of the program's IR as ``clang -O3`` hands it over: what a selector looks at."""
    from rlopt.features import autophase

    return [int(v) for v in autophase(benchmarks.ir(bench, "O3").decode(errors="replace"))]


def _check_timeout(bench: Benchmark) -> float:
    return max(30.0, 20 * (bench.o3_seconds or 1.0) * bench.repeat)


def _family(bench: Benchmark) -> str:
    return bench.uri.split("://", 1)[-1].split("/", 1)[0]


# ---------------------------------------------------------------- the table

def machine() -> dict[str, Any]:
    """What the table was measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(), "system": platform.platform()}


def load_table(path: Path) -> dict[str, Any]:
    """The table at ``path``, or a new empty one; a file that is not a table is an error that says so."""
    if path.is_file():
        try:
            table = json.loads(path.read_bytes())
        except (OSError, ValueError) as e:  # ValueError: not JSON, not UTF-8
            raise RloptError(f"{path}: not a pipeline table ({e})") from None
        if not isinstance(table, dict) or not isinstance(table.get("programs"), dict) \
                or not isinstance(table.get("candidates"), dict):
            raise RloptError(f"{path}: not a pipeline table (no 'programs' and 'candidates')")
        if table.get("version") != TABLE_VERSION:
            raise RloptError(f"{path}: table version {table.get('version')}, expected {TABLE_VERSION}")
        return table
    return {"version": TABLE_VERSION, "llvm": toolchain.find().version_string, "machine": machine(),
            "created": time.strftime("%Y-%m-%d"), "backend": " ".join(runtime.BACKEND_FLAGS),
            "candidates": {}, "programs": {}}


def save_table(table: dict[str, Any], path: Path) -> None:
    table["updated"] = time.strftime("%Y-%m-%d %H:%M:%S")
    write_file(path, (json.dumps(table, indent=1, sort_keys=False) + "\n").encode())


def missing(table: dict[str, Any], bench: Benchmark, pipelines: dict[str, str]) -> dict[str, str]:
    """The candidates ``bench`` still lacks in ``table`` (all of them if it has no row)."""
    return _lacking(table["programs"].get(bench.uri), pipelines)


def _lacking(row: dict[str, Any] | None, pipelines: dict[str, str]) -> dict[str, str]:
    """The candidates a program's ``row`` lacks (all of them for no row or an error row)."""
    if row is None or "error" in row or "candidates" not in row:
        return dict(pipelines)
    have = row["candidates"]
    return {n: p for n, p in pipelines.items() if n not in have or have[n]["pipeline"] != p}


def interleave_families(bench_list: Sequence[Benchmark]) -> list[Benchmark]:
    """One program of each family in turn, so that a run stopped half-way has covered every family."""
    by_family: dict[str, list[Benchmark]] = {}
    for b in bench_list:
        by_family.setdefault(b.family or _family(b), []).append(b)
    rank = {id(b): i for group in by_family.values() for i, b in enumerate(group)}
    return sorted(bench_list, key=lambda b: (rank[id(b)], b.family or _family(b)))


@dataclass(frozen=True)
class Plan:
    """What to measure for every program: the candidates and the timing settings (shipped to Ray nodes)."""

    pipelines: dict[str, str]
    untimed: dict[str, str]
    jobs: int = 2
    min_rounds: int = MIN_ROUNDS
    max_rounds: int = MAX_ROUNDS
    time_runs: bool = True


def measure_row(bench: Benchmark, old: dict[str, Any] | None, plan: Plan, engine: Engine,
                log: Callable[[str], None] = lambda s: None) -> dict[str, Any]:
    """``bench``'s new row: a whole timing session when it lacks timed candidates (so that all of them share
    one baseline and twin), else only the size candidates it lacks; an error row when it cannot be measured."""
    try:
        if old is None or _lacking(old, plan.pipelines):
            kept = {n: c["pipeline"] for n, c in (old or {}).get("candidates", {}).items()}
            return measure_program(bench, {**kept, **plan.pipelines, **plan.untimed}, engine, jobs=plan.jobs,
                                   min_rounds=plan.min_rounds, max_rounds=plan.max_rounds,
                                   time_runs=plan.time_runs, untimed=set(plan.untimed), log=log)
        return extend_untimed(bench, old, _lacking(old, plan.untimed), engine, jobs=plan.jobs)
    except (RloptError, OSError) as e:
        return _error_row(bench, str(e), node=socket.gethostname())


def _error_row(bench: Benchmark, error: str, **extra: str) -> dict[str, Any]:
    """The row of a program that could not be measured (the next run measures it again)."""
    return {"uri": bench.uri, "family": bench.family or _family(bench), "split": bench.split, "error": error,
            **extra, "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def _measure_here(todo: Sequence[Benchmark], table: dict[str, Any], plan: Plan,
                  log: Callable[[str], None]) -> Iterator[tuple[Benchmark, dict[str, Any]]]:
    with Engine(timeout=ENGINE_TIMEOUT) as engine:
        for k, bench in enumerate(todo, 1):
            log(f"[{k}/{len(todo)}] {bench.uri}")
            yield bench, measure_row(bench, table["programs"].get(bench.uri), plan, engine, log)


class _NodeMeasurer:
    """One per Ray node: measures one program at a time, so that timing on a node stays serial."""

    def __init__(self) -> None:
        self.engine = Engine(timeout=ENGINE_TIMEOUT)

    def measure(self, uri: str, old: dict[str, Any] | None, plan: Plan) -> dict[str, Any]:
        return measure_row(benchmarks.get(uri), old, plan, self.engine)


def _measure_on_ray(todo: Sequence[Benchmark], table: dict[str, Any], plan: Plan, address: str,
                    log: Callable[[str], None]) -> Iterator[tuple[Benchmark, dict[str, Any]]]:
    """Spread programs over the nodes of a Ray cluster (``address``: ``auto``, ``ray://...``, or '' for a
    local one): each node measures its programs one after another and records its name in the row. Every node
    needs rlopt, LLVM 19 and the datasets at the driver's ``RLOPT_CACHE_DIR``."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    env = {k: os.environ[k] for k in ("RLOPT_CACHE_DIR", "RLOPT_LLVM_BIN") if k in os.environ}
    ray.init(address=address or None, include_dashboard=False, log_to_driver=False, configure_logging=False,
             runtime_env={"env_vars": env})
    try:
        node = ray.remote(num_cpus=0)(_NodeMeasurer)
        idle = [node.options(scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)).remote()
                for n in ray.nodes() if n["Alive"]]
        log(f"measuring on {len(idle)} Ray node(s)")
        queue, pending, done = list(todo), {}, 0
        while queue or pending:
            while idle and queue:
                actor, bench = idle.pop(), queue.pop(0)
                pending[actor.measure.remote(bench.uri, table["programs"].get(bench.uri), plan)] = (actor, bench)
            ready, _ = ray.wait(list(pending), num_returns=1)
            actor, bench = pending.pop(ready[0])
            done += 1
            log(f"[{done}/{len(todo)}] {bench.uri}")
            try:
                row = ray.get(ready[0])
                idle.append(actor)
            except ray.exceptions.RayError as e:  # the node died or the actor crashed: record it, drop the node
                row = _error_row(bench, f"Ray node failed: {str(e).splitlines()[0]}")
                if not idle and not pending and queue:
                    raise RloptError(f"every Ray node failed; {len(queue)} programs left unmeasured") from e
            yield bench, row
    finally:
        ray.shutdown()


def measure(bench_list: Iterable[Benchmark], table_path: Path, *, pipelines: dict[str, str] | None = None,
            untimed: dict[str, str] | None = None, jobs: int = 2, min_rounds: int = MIN_ROUNDS,
            max_rounds: int = MAX_ROUNDS, time_runs: bool = True, ray_address: str | None = None,
            log: Callable[[str], None] = print) -> dict[str, Any]:
    """Measure every program that lacks candidates in the table at ``table_path``; save after each program.

    Programs run here one after another, or spread over a Ray cluster when ``ray_address`` is given (see
    :func:`_measure_on_ray`); either way the table is written by this process only.
    """
    if pipelines is None:  # the committed candidates, timed and untimed
        pipelines, untimed = candidates(), size_candidates() if untimed is None else untimed
    pipelines, untimed = dict(pipelines), dict(untimed or {})
    table = load_table(table_path)
    bench_list = list(bench_list)
    backfill = [b for b in bench_list if b.uri in table["programs"] and "error" not in table["programs"][b.uri]
                and "autophase" not in table["programs"][b.uri]]
    for b in backfill:  # rows measured before features were recorded
        table["programs"][b.uri]["autophase"] = program_features(b)
    if backfill:
        save_table(table, table_path)
    todo = [b for b in bench_list if missing(table, b, {**pipelines, **untimed})]
    plan = Plan(pipelines, {**{n: table["candidates"][n] for n in table.get("untimed", []) if n in table["candidates"]},
                            **untimed}, jobs, min_rounds, max_rounds, time_runs)
    rows = (_measure_here(todo, table, plan, log) if ray_address is None
            else _measure_on_ray(todo, table, plan, ray_address, log))
    for bench, row in rows:
        log(f"  error: {row['error']}" if "error" in row else "  " + summary_line(row))
        table["programs"][bench.uri] = row
        table["candidates"].update({**pipelines, **untimed})
        table["untimed"] = sorted(set(table.get("untimed", [])) | set(untimed))
        save_table(table, table_path)
    return table


def merge_tables(table: dict[str, Any], other: dict[str, Any]) -> int:
    """Take ``other``'s rows (measured elsewhere: another core, node or session) that ``table`` lacks or that
    are newer; both must come from the same LLVM. Where both have a row for a program, the newer row also gains
    the candidate columns only the older one has (each keeps the speedup over -O3 of its own session, and says
    so in ``session``). Returns how many rows were taken or extended."""
    if other.get("llvm") != table.get("llvm"):
        raise RloptError(f"cannot merge a table measured with LLVM {other.get('llvm')} into one of {table.get('llvm')}")
    taken = 0
    for uri, row in other["programs"].items():
        mine = table["programs"].get(uri)
        if mine is None or ("error" in mine and "error" not in row):
            merged = row
        elif "error" in row:
            merged = mine
        else:
            newer, older = (row, mine) if row.get("date", "") > mine.get("date", "") else (mine, row)
            merged = _with_columns_of(newer, older)
        if merged is not mine:
            table["programs"][uri] = merged
            taken += 1
    table["candidates"].update(other.get("candidates", {}))
    table["untimed"] = sorted(set(table.get("untimed", [])) | set(other.get("untimed", [])))
    return taken


def _with_columns_of(newer: dict[str, Any], older: dict[str, Any]) -> dict[str, Any]:
    """``newer`` plus the candidate columns that only ``older`` has (``newer`` itself when there are none)."""
    mine = newer.get("candidates", {})
    extra = {n: {**c, "session": c.get("session", older.get("date", ""))}
             for n, c in older.get("candidates", {}).items() if n not in mine}
    return {**newer, "candidates": {**mine, **extra}} if extra else newer


def summary_line(row: dict[str, Any]) -> str:
    """One line about a measured program: noise, rounds and its best candidate."""
    cands = row["candidates"]
    timed = [(c.get("speedup", 0), n) for n, c in cands.items() if c.get("speedup") and not c.get("suspect")]
    best = max(timed) if timed else None
    noise = f"noise {row['noise']:.1%} in {row['rounds']} rounds" if row.get("rounds") else "not timed"
    wins = sum(1 for c in cands.values() if c.get("win") and not c.get("suspect"))
    suspect = sum(1 for c in cands.values() if c.get("suspect"))
    return (f"{noise}; {row.get('distinct_binaries', '?')} distinct binaries; "
            + (f"best {best[1]} {best[0]:.3f}x -O3; " if best else "") + f"{wins} wins beyond noise; "
            + (f"{suspect} suspect (over {SUSPECT_SPEEDUP:g}x: the benchmark's work removed?); " if suspect else "")
            + f"{row.get('seconds', 0):.0f} s")
