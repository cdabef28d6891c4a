"""``rlopt tune --make CMD --run './prog ARGS'``: tune the translation units of a Makefile project that matter,
judged by runs of the whole program, and remember the answers for the next ``make CC=rlopt-cc``.

1. **One build in place, through rlopt-cc**: the user's command runs in the current directory with
   ``CC=rlopt-cc``, ``CXX=rlopt-c++`` and ``MAKEFLAGS=B`` (GNU make's ``--always-make``), so that every compile
   goes through the wrapper and lands in a session log (``RLOPT_CC_LOG``: the wrapper's own log lines). In
   place, not in a copy: a module's key depends on the tree's path (``source_filename``, ``-g``'s directory),
   so a copy would tune modules that the user's build never compiles.
2. **Units**: every source that a logged call compiled on the rlopt path, classified again by
   :mod:`rlopt.cc.options`. Its module is the frontend's (:func:`rlopt.cc.build.frontend_argv`, run again in the
   call's directory); its key is the one the wrapper looks up.
3. **Which matter** (speed): the largest units by IR instructions (at most :data:`PROBED_UNITS`) are each
   built alone at ``-O0``, and the other units all together, and timed against the build as it is, in
   interleaved rounds with a noise twin (more rounds while the noise decides a unit's verdict); while the
   other units together pass the bar below, the next largest are timed the same way. A
   unit whose ``-O0`` build is at least ``max(HOT_SLOWDOWN, 1 + 2 x the twin's deviation)`` slower holds a
   share of the run worth tuning. The slowest ``--units`` are tuned, in that order, no more than an explicit
   ``--evals`` gives :data:`MIN_UNIT_RUNS` each. (A project with one unit skips this.) Size: every unit at
   ``-Os``/``-Oz``.
4. **Candidates** (speed): :class:`rlopt.tune.SpeedTuner` as for one module, where building a candidate means
   writing its pipeline for that unit into the session's copy of the tuning database, removing the unit's
   output and running the user's command again (rlopt-cc compiles the unit with it, make relinks), then
   copying the program that ``--run`` starts, with the tree's shared libraries it loads (run through a script
   that points ``LD_LIBRARY_PATH`` at the copies). The log must show the unit compiled with that pipeline.
   Size: :func:`rlopt.tune.tune_size` per unit, exact counts, no build and no run.
5. **Remembered**: each unit's answer goes into the user's tuning database as soon as its session ends
   (one transaction; Ctrl-C keeps the units already done). At the end the tuned units are compiled again
   with the user's database, so that the tree holds the tuned build.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from rlopt import timing, toolchain, tune, tuning
from rlopt.cache import digest
from rlopt.cc import build, options
from rlopt.cc.main import looks_like_compiler
from rlopt.errors import RloptError, ToolError

#: Seconds one run of the user's build command may take.
BUILD_TIMEOUT = 1800.0
#: Speed: how many of the largest units each round of the -O0 probe times one by one (the others together), in
#: how many rounds, and the slowdown that makes a unit worth tuning.
PROBED_UNITS = 6
PROBE_ROUNDS = 2
PROBE_PIPELINE = "default<O0>"
HOT_SLOWDOWN = 1.10
#: Further rounds (up to PROBE_MAX_ROUNDS, within --evals) while the twin's deviation lifts the bar above a unit
#: that is at least HOT_SLOWDOWN slower: on a busy machine two rounds put the bar at 2.52x (76% deviation).
PROBE_MAX_ROUNDS = 6
#: The probe's rounds after the first stop where they would take more than this share of the runs (--evals, else
#: one unit's default budget).
PROBE_SHARE = 0.5
#: Below this much CPU a run is a few of the kernel's accounting ticks: its times cannot tell units apart.
MIN_PROBE_SECONDS = 0.05
#: Runs below which a speed session of one unit finds little (the confirmation alone reserves 15).
MIN_UNIT_RUNS = 30


@dataclass(eq=False)  # a unit is itself: compared and hashed by identity
class Unit:
    """One source of one logged rlopt-cc call, and what the session learnt about it."""

    cwd: str
    inv: options.Invocation
    src: options.Source
    cxx: bool
    output: str  # what the call wrote (an object, or the program of a compile-and-link call), absolute
    module: bytes = b""
    key: str = ""
    instructions: int = 0
    slowdown: float | None = None
    status: str = "not tuned"
    result: tune.Result | None = None
    shared_library: str = ""  # the shared library its code is linked into, when no program links it directly

    @property
    def name(self) -> str:
        return os.path.relpath(os.path.join(self.cwd, self.src.path))

    @property
    def objective(self) -> str | None:
        """What rlopt-cc looks up for this unit (its ``-O`` level's objective)."""
        return tuning.OBJECTIVES.get(self.inv.level)

    def compiled_in(self, line: dict[str, Any]) -> bool:
        return line.get("cwd") == self.cwd and self.src.path in (line.get("argv") or [])[1:]

    def row(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.name, "output": os.path.relpath(self.output), "level": self.inv.level,
                               "module": self.key, "ir_instructions": self.instructions, "status": self.status}
        if self.slowdown is not None:
            out["slowdown_at_O0"] = round(self.slowdown, 4)
        if self.result is not None:
            out["tuning"] = self.result.report()
        return out


def read_log(path: Path, start: int = 0) -> list[dict[str, Any]]:
    """rlopt-cc's log lines from byte ``start`` on (a line that is not JSON is skipped)."""
    if not path.exists():
        return []
    with open(path, "rb") as f:
        f.seek(start)
        data = f.read()
    out = []
    for line in data.splitlines():
        with contextlib.suppress(ValueError):
            out.append(json.loads(line))
    return out


def units_of(lines: list[dict[str, Any]]) -> tuple[list[Unit], set[str], list[str]]:
    """The units compiled on the rlopt path (the last call per source and output), the programs linked (real
    paths) and the objects those links name that no call of this build wrote (a tree built before: its units
    are not seen), from the wrapper's log lines; a unit whose object only shared libraries link (``-shared``)
    knows which."""
    units: dict[tuple[str, str], Unit] = {}
    programs: set[str] = set()
    written: set[str] = set()  # every output a call of this build wrote
    in_library: dict[str, str] = {}  # object or source linked with -shared -> the library (real paths)
    in_program: set[str] = set()
    for line in lines:
        argv, cwd, decision = line.get("argv") or [], line.get("cwd", ""), line.get("decision")
        if not argv or not os.path.isdir(cwd) or decision in ("compile error", "disabled"):
            continue
        with contextlib.chdir(cwd):  # response files and a named compiler are relative to the call's directory
            args = argv[1:]
            named = args.pop(0) if args and looks_like_compiler(args[0]) else ""  # rlopt-cc clang++ -c a.cc
            inv = options.classify(options.expand_response_files(args))
        if inv.mode == "link":
            output = os.path.realpath(os.path.join(cwd, inv.output or "a.out"))
            programs.add(output)
            linked = {os.path.realpath(os.path.join(cwd, f)) for f in inv.inputs}
            if "-shared" in inv.args:
                in_library.update(dict.fromkeys(linked, output))
            else:
                in_program.update(linked)
        outputs = [(src, inv.output or ("a.out" if inv.mode == "link" else options.default_output(src.path, inv)))
                   for src in inv.sources]
        written.update(os.path.realpath(os.path.join(cwd, out)) for _, out in outputs)
        if decision != "rlopt":
            continue
        for src, out in outputs:
            if not os.path.exists(os.path.join(cwd, src.path)):  # gone since: a configure test (conftest.c)
                continue
            # C++ as rlopt-cc compiles it: with the named compiler (clang++-19) if any, else as rlopt-c++
            unit = Unit(cwd, inv, src, "++" in os.path.basename(named or argv[0]), os.path.join(cwd, out))
            units[(unit.name, unit.output)] = unit
    for u in units.values():
        code = os.path.realpath(u.output if u.inv.mode != "link" else os.path.join(u.cwd, u.src.path))
        if code in in_library and code not in in_program:
            u.shared_library = in_library[code]
    old = sorted(f for f in in_program | set(in_library) if f.endswith(".o") and f not in written)
    return list(units.values()), programs, old


def load_modules(units: list[Unit], engine: Any, tc: toolchain.Toolchain, scratch: Path) -> None:
    """Each unit's module as rlopt-cc's frontend makes it (run again in the call's directory), its key and size."""
    bc = scratch / "frontend.bc"
    for u in units:
        quiet_deps = ["-MF", str(scratch / "frontend.d")] if u.inv.dep_file else []  # not the user's .d file
        argv = build.frontend_argv(str(tc.path("clang++" if u.cxx else "clang")), u.inv, u.src, str(bc), quiet_deps)
        toolchain.run_command(argv, name="clang", cwd=u.cwd, timeout=BUILD_TIMEOUT)
        u.module = engine.optimize(bc.read_bytes(), "verify", name=u.name)
        u.key = tuning.module_key(u.module)
        handle = engine.load(u.module)
        try:
            u.instructions = engine.instruction_count(handle)
        finally:
            engine.free(handle)


def wrapper(name: str) -> str:
    """The path of ``rlopt-cc``/``rlopt-c++`` (on PATH, else beside this interpreter)."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise RloptError(f"{name} not found on PATH (rlopt tune --make builds through it)")
    return found


class Project:
    """The user's tree, built by the user's command through rlopt-cc with the session's log and database."""

    def __init__(self, make: str, work: Path, user_db: str):
        self.make, self.user_db = make, user_db
        self.log, self.db = work / "cc.log", str(work / "tuning.sqlite")
        self.builds = work / "builds"  # programs with their libraries, by content (see snapshot)
        tuning.copy(user_db, self.db)  # the project's earlier answers stay in force while others are tuned
        self.env = {**os.environ, "CC": wrapper("rlopt-cc"), "CXX": wrapper("rlopt-c++"),
                    "RLOPT_CC_LOG": str(self.log)}
        self.program: Path | None = None  # what --run starts
        self.libraries: dict[str, str] = {}  # the tree's shared libraries it loads: name it needs -> real path
        self.unpinned = ""  # why snapshots cannot carry those libraries ("": they can, or there are none)
        self.touched: dict[str, Unit] = {}  # units whose output a probe or a candidate rebuilt, by output

    def build(self, *, always: bool = False, db: str | None = None) -> list[dict[str, Any]]:
        """Run the user's command (``always``: every target, as ``make -B``); the log lines it wrote."""
        start = self.log.stat().st_size if self.log.exists() else 0
        env = {**self.env, "RLOPT_TUNING_DB": db or self.db}
        if always:
            env["MAKEFLAGS"] = f"B {os.environ.get('MAKEFLAGS', '')}".strip()
        try:
            toolchain.run_command(["/bin/sh", "-c", self.make], name="make", env=env, timeout=BUILD_TIMEOUT)
        except ToolError as e:
            last = (e.detail.strip().splitlines() or [f"exit status {e.returncode}"])[-1]
            raise ToolError("make", f"'{self.make}' failed: {last}") from None
        return read_log(self.log, start)

    def set(self, unit: Unit, pipeline: str | None) -> None:
        """The unit's pipeline in the session's database (None: rlopt-cc's own choice), and its output removed,
        so that the next build compiles it again."""
        assert unit.objective is not None
        self.touched[unit.output] = unit
        if pipeline is None:
            tuning.forget(unit.key, unit.objective, self.db)
        else:
            tuning.record(unit.key, unit.objective, pipeline, self.db)
        remove_output(unit)

    def build_with(self, units: Sequence[Unit], pipeline: str, dest: Path) -> Path:
        """The whole program built with ``units`` compiled by ``pipeline``, copied into ``dest``."""
        for unit in units:
            self.set(unit, pipeline)
        log = self.build()
        for unit in units:
            lines = [line for line in log if unit.compiled_in(line)]
            if not any(line.get("decision") == "rlopt" and line.get("tuned_pipeline") == pipeline for line in lines):
                seen = lines[-1].get("reason") or lines[-1].get("decision") if lines else "it was not compiled again"
                raise ToolError("rlopt-cc", f"{unit.name} was not built with the pipeline under test ({seen})")
        return self.snapshot(dest)

    def snapshot(self, dest: Path) -> Path:
        """A copy of the program that runs as built now. With shared libraries of the tree: a script that runs a
        copy of the program with copies of them (``LD_LIBRARY_PATH``), kept by content (the tuner's timing
        rounds copy the script, not what it runs), so that the same build gives the same script and a build
        that changes only a library another one."""
        assert self.program is not None
        dest.mkdir(parents=True, exist_ok=True)
        if not self.libraries or self.unpinned:
            shutil.copy2(self.program, dest / "prog")
            return dest / "prog"
        home = self._stored()
        lib, prog = shlex.quote(str(home / "lib")), shlex.quote(str(home / "prog"))
        script = dest / "run"
        script.write_text("#!/bin/sh\n# rlopt tune: the program and the tree's libraries as built\n"
                          f"LD_LIBRARY_PATH={lib}${{LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}}; export LD_LIBRARY_PATH\n"
                          f'exec {prog} "$@"\n')
        script.chmod(0o755)
        return script

    def _stored(self) -> Path:
        """The program and the libraries as built now, copied under their digest (once)."""
        assert self.program is not None
        files = {"prog": Path(self.program), **{f"lib/{n}": Path(p) for n, p in self.libraries.items()}}
        home = self.builds / digest(*(f.read_bytes() for f in files.values()))[:24]
        if not home.exists():
            (home / "lib").mkdir(parents=True)
            for name, path in files.items():
                shutil.copy2(path, home / name)
        return home

    def pin_libraries(self, linked: set[str]) -> None:
        """Find the shared libraries of the tree (among ``linked``, what the build linked) that the program
        loads, and check that a snapshot's copies are the ones a run loads (a ``DT_RPATH`` naming the tree
        would win over them); else :attr:`unpinned` says why."""
        assert self.program is not None
        ldd = shutil.which("ldd")
        if ldd is None:
            self.unpinned = "no ldd to list the libraries the program loads"
            return
        built = {name: path for path in linked if ".so" in os.path.basename(path)  # shared libraries, by the
                 for name in _library_names(path)}                                # names programs need them by
        self.libraries = {name: built[name] for name in _loaded(ldd, self.program) if name in built}
        if not self.libraries:
            return
        home = self._stored()
        loaded = _loaded(ldd, home / "prog", {**os.environ, "LD_LIBRARY_PATH": str(home / "lib")})
        wrong = sorted(n for n in self.libraries if loaded.get(n) != os.path.realpath(home / "lib" / n))
        if wrong:
            self.unpinned = f"the program loads {', '.join(wrong)} from the tree whatever the run's LD_LIBRARY_PATH"


class UnitProgram(tune.Program):
    """A unit under the speed tuner: a candidate's executable is the whole program, rebuilt by the user's command
    with this unit's pipeline changed (:meth:`Project.build_with`)."""

    def __init__(self, unit: Unit, project: Project, engine: Any, workdir: Path, **kwargs: Any):
        super().__init__(unit.module, engine, workdir, **kwargs)
        self.unit, self.project = unit, project
        self.pipelines: dict[str, str] = {}  # the tuner hands backend() a module; the build needs its pipeline

    def optimize(self, text: str, *, bitcode: bool = True) -> bytes:
        code = super().optimize(text, bitcode=bitcode)
        self.pipelines[digest(code)] = text
        return code

    def backend(self, code: bytes) -> Path:
        key = digest(code)
        return self.project.build_with([self.unit], self.pipelines[key], self.workdir / key[:16])


def profile(project: Project, groups: list[list[Unit]], run_cmd: str, work: Path,
            max_runs: int | None) -> tuple[list[float | None], float, int, float]:
    """Each group's :func:`slowdown` when its units alone are built at ``-O0``, against the build as it is
    (interleaved rounds with a noise twin, :func:`probe_rounds`, within ``max_runs``; 1.0 when the ``-O0`` build
    leaves the program unchanged, None when it fails); the twin's deviation, the runs spent and the build's own
    CPU seconds (the least)."""
    project.build()  # the build as it is: an earlier round's probe builds are undone (nothing to do otherwise)
    base = project.snapshot(work / "base")
    problem = tune.run_failure(tune.run_program(run_cmd, base), tune.RUN_TIMEOUT)
    if problem:  # before its CPU time is taken for a measurement ("too little to time" for a crash at once)
        raise RloptError(f"the build's run {problem} (check --run)")
    slowdowns: list[float | None] = [None] * len(groups)
    timed: list[tuple[int, Path]] = []
    for i, group in enumerate(groups):
        try:
            exe = project.build_with(group, PROBE_PIPELINE, work / str(i))
        except ToolError as e:
            for u in group:
                u.status = f"skipped: {e}"
            continue
        finally:
            for u in group:
                project.set(u, None)
        if digest(exe.read_bytes()) == digest(base.read_bytes()):
            slowdowns[i] = 1.0
            for u in group:
                u.status = "not in the program (its -O0 build changes nothing)"
        else:
            timed.append((i, exe))
    if not timed:
        return slowdowns, 0.0, 0, math.inf
    exes = [base, *(exe for _, exe in timed), base]  # the last: a noise twin of the build as it is
    most = PROBE_MAX_ROUNDS if max_runs is None else min(PROBE_MAX_ROUNDS, max_runs // len(exes))
    probe = probe_rounds(exes, lambda exe: tune.run_program(run_cmd, exe).cpu_seconds, most)
    for k, (i, _) in enumerate(timed, 1):
        slowdowns[i] = slowdown(probe, k)
    return slowdowns, probe.noise, len(probe.samples[0]) * len(exes), min(probe.samples[0])


def slowdown(probe: timing.Timing, k: int) -> float:
    """How much slower binary ``k`` ran than the build: the smaller of the ratio of minima and the median ratio, so
    that one loaded round of two cannot make a unit hot (a unit 25% slower in one round, as fast in the other:
    1.11x by the median, 1.0x by the minima)."""
    return 1 / max(probe.speedup(k))


def probe_rounds(exes: list[Path], cpu_seconds: Callable[[Path], float], max_rounds: int) -> timing.Timing:
    """:data:`PROBE_ROUNDS` interleaved rounds of ``exes`` (the build, units at ``-O0``, a twin of the build),
    then more (up to ``max_rounds``) while a unit's verdict hangs on the noise: under the bar the twin's
    deviation sets, yet within that deviation of :data:`HOT_SLOWDOWN` (a short run under load once measured
    Lua's VM at 1.06x slower at -O0 with a 23% deviation, 1.45x on a quiet machine)."""
    samples: list[list[float]] = [[] for _ in exes]
    with timing.Rounds() as rounds:
        while True:
            for v, seconds in enumerate(rounds.run(exes, cpu_seconds)):
                samples[v].append(max(seconds, 1e-6))
            probe = timing.Timing(tuple(map(tuple, samples)))
            done, bar = len(samples[0]), max(HOT_SLOWDOWN, 1 + 2 * probe.noise)
            slowdowns = [slowdown(probe, k) for k in range(1, len(exes) - 1)]
            undecided = any(s * (1 + probe.noise) >= HOT_SLOWDOWN and s < bar for s in slowdowns)
            if done >= PROBE_ROUNDS and (not undecided or done >= max_rounds):
                return probe


def _loaded(ldd: str, program: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The shared libraries ``program`` loads, as ``ldd`` resolves them: needed name -> real path ("" when not
    found: a libtool build's program finds the tree's libraries only through its wrapper script); none for a
    static program, which ldd refuses."""
    try:
        out, _ = toolchain.run_capture([ldd, str(program)], name="ldd", env=env, timeout=60)
    except ToolError:
        return {}
    found = re.findall(r"^\s*(\S+) => (?:(/\S+) \(0x|not found)", out.decode(errors="replace"), re.M)
    return {name: os.path.realpath(path) if path else "" for name, path in found}


def _library_names(path: str) -> set[str]:
    """The names a program may need the library ``path`` by: its own, and its symlinks' beside it
    (``liblzma.so.5`` -> ``liblzma.so.5.8.3``)."""
    folder, names = os.path.dirname(path), {os.path.basename(path)}
    with contextlib.suppress(OSError):
        names |= {e for e in os.listdir(folder) if os.path.realpath(os.path.join(folder, e)) == path}
    return names


def remove_output(unit: Unit) -> None:
    """Remove what the unit's call wrote, so that the next build compiles it again; for libtool, also the
    libtool object (``x.lo``) that stands for ``x.o`` and ``.libs/x.o`` in make's rules."""
    out = Path(unit.output)
    lo = (out.parent.parent if out.parent.name == ".libs" else out.parent) / (out.stem + ".lo")
    made = [out]
    with contextlib.suppress(OSError), open(lo, "rb") as f:
        if b"libtool" in f.read(512):
            made.append(lo)
    for path in made:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _libtool_program(path: Path, programs: set[str]) -> Path | None:
    """The program a libtool wrapper script runs (``.libs/NAME``, which the build linked), if ``path`` is one."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return None
    if not head.startswith(b"#!") or b"libtool" not in head:
        return None
    real = path.parent / ".libs" / path.name
    return real if os.path.realpath(real) in programs else None


def program_of(run_cmd: str, programs: set[str]) -> tuple[Path, str]:
    """The program ``--run`` starts (its first word, which the build must link) and the command with ``{exe}``."""
    m = re.match(r"\s*(\S+)(.*)", run_cmd, re.S)
    first = m[1] if m else ""
    real = _libtool_program(Path(first), programs) if first else None
    if real is not None:  # its libraries come with every copy (Project.pin_libraries), as the wrapper finds them
        return real, "{exe}" + (m[2] if m else "")
    if os.path.realpath(first) not in programs:
        linked = ", ".join(sorted(os.path.relpath(p) for p in programs)) or "none"
        raise click.UsageError(f"with --make, --run must start with a program the build links through rlopt-cc "
                               f"('{first}' is not one; it linked: {linked})")
    return Path(first), "{exe}" + (m[2] if m else "")


def session(*, make: str, run_cmd: str | None, check_cmd: str | None, objective: str, evals: int | None,
            seconds: float | None, max_units: int, json_path: str | None, explain: bool, quiet: bool,
            no_record: bool, model: str | None, strategy: str, seed: int, llvm_bin: str | None) -> None:
    """The whole ``--make`` session (module docstring); exits 130 when interrupted."""
    if objective == "speed" and not run_cmd:
        raise click.UsageError("--make with --objective speed needs --run './prog ARGS' (how to run the program)")
    if run_cmd and "{exe}" in run_cmd:
        raise click.UsageError("with --make, --run names the program as you run it in the project ('./prog ARGS'), "
                               "without {exe}")
    from rlopt.engine import Engine

    tc = toolchain.find(llvm_bin)
    started, db = time.monotonic(), tuning.default_path()
    deadline = started + seconds if seconds else None
    report: dict[str, Any] = {"make": make, "run": run_cmd, "check": check_cmd, "objective": objective,
                              "directory": os.getcwd(), "date": time.strftime("%Y-%m-%d %H:%M:%S"), "runs": 0,
                              "units": []}
    units: list[Unit] = []
    interrupted = False
    say = (lambda msg: None) if quiet else (lambda msg: click.echo(f"rlopt tune: {msg}", err=True))
    with Engine(tc, timeout=tune.ENGINE_TIMEOUT) as engine, \
            tempfile.TemporaryDirectory(prefix="rlopt-tune-make-") as tmp:
        work = Path(tmp)
        project = Project(make, work, db)
        try:
            say(f"building in place through rlopt-cc ({make}, every target): the tree's objects and programs are "
                "rebuilt, and at the end they are the tuned build")
            units, programs, old = units_of(project.build(always=True))
            if old:  # make -B rebuilds everything; ninja and others only what is out of date
                click.echo(f"rlopt tune: warning: {len(old)} object(s) the build links were not compiled by it "
                           f"({Path(old[0]).name}{', ...' if len(old) > 1 else ''}): their units are not considered; "
                           "clean the tree first (e.g. 'ninja -t clean') to tune every unit", err=True)
            if not units:
                raise RloptError("the build compiled nothing through rlopt-cc: does it take CC from the environment?"
                                 " (try --make 'make CC=rlopt-cc'; with a build tool other than make, clean the tree"
                                 " first, e.g. 'ninja -t clean')")
            if run_cmd:
                project.program, run_cmd = program_of(run_cmd, programs)
                report["program"] = str(project.program)
                project.pin_libraries(programs)
            load_modules(units, engine, tc, work)
            chosen = _choose(units, objective, project, run_cmd, max_units, evals, work, report, say)
            for n, u in enumerate(chosen):
                left = len(chosen) - n  # an explicit budget is the session's: what is left, split evenly
                budget_evals = None if evals is None else max(1, (evals - report["runs"]) // left)
                budget_seconds = None if deadline is None else max(1.0, (deadline - time.monotonic()) / left)
                say(f"tuning {u.name} ({objective}, {left} unit(s) to go)")
                u.result = _tune_unit(u, project, engine, tc, work, run_cmd=run_cmd, check_cmd=check_cmd,
                                      objective=objective, evals=budget_evals, seconds=budget_seconds, quiet=quiet,
                                      model=model, strategy=strategy, seed=seed)
                report["runs"] += u.result.runs
                if explain:
                    tune.show_history(u.result)
                say(f"{u.name}: {u.result.verdict}")
                if u.result.interrupted:
                    u.status, interrupted = "interrupted: not recorded", True
                    break
                u.status = "tuned: improved" if u.result.improved else "tuned: kept the baseline"
                project.set(u, u.result.pipeline)  # speed: the next units are tuned with this one's answer
                if not no_record:
                    tune.remember(u.key, u.name, u.result, db)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            report["units"] = [u.row() for u in units]
            report.update(seconds=round(time.monotonic() - started, 2), interrupted=interrupted)
            if json_path:
                from rlopt.output import write_file

                write_file(json_path, (json.dumps(report, indent=1) + "\n").encode())
            _restore(project, db, say)
    tuned = [u for u in units if u.status.startswith("tuned")]
    improved = sum(u.status == "tuned: improved" for u in tuned)
    click.echo(f"rlopt tune: {len(tuned)} unit(s) tuned, {improved} improved"
               + ("" if no_record or not tuned else f", recorded in {db}: the next build with CC=rlopt-cc uses them"),
               err=True)
    if interrupted:
        click.echo("rlopt tune: interrupted: the units finished before are recorded", err=True)
        raise click.exceptions.Exit(130)


def _choose(units: list[Unit], objective: str, project: Project, run_cmd: str | None, max_units: int,
            evals: int | None, work: Path, report: dict[str, Any], say: Any) -> list[Unit]:
    """The units to tune (module docstring, step 3)."""
    # speed: runs time a copy of the program, with copies of the tree's shared libraries when they can be pinned
    untimed = [u for u in units if objective == "speed" and u.shared_library and project.unpinned]
    fit = [u for u in units if u.objective == objective and u.instructions > 0 and u not in untimed]
    for u in units:
        if u.objective != objective:
            u.status = (f"not tuned: compiled at -{u.inv.level} (rlopt-cc consults {objective} answers at "
                        f"{' and '.join('-' + lv for lv, o in tuning.OBJECTIVES.items() if o == objective)})")
        elif u.instructions == 0:
            u.status = "not tuned: no code"
        elif u in untimed:
            u.status = (f"not tuned: in the shared library {os.path.relpath(u.shared_library)} ({project.unpinned}); "
                        "build it static to tune it (e.g. --disable-shared, -DBUILD_SHARED_LIBS=OFF)")
    libraries = sorted({os.path.relpath(u.shared_library) for u in untimed})
    hint = f"; the code in {', '.join(libraries)} is not timed: build it static to tune it" if libraries else ""
    if not fit:
        levels = sorted({f"-{u.inv.level}" for u in units if u.objective != objective})
        at = f": the units are compiled at {', '.join(levels)}" if levels else ""
        wanted = " and ".join("-" + lv for lv, o in tuning.OBJECTIVES.items() if o == objective)
        raise RloptError(f"no unit of the build can take a {objective} answer{at} ({objective} answers are for "
                         f"{wanted}){hint}")
    if objective == "size":
        return fit
    if len(fit) == 1:
        return fit
    assert run_cmd is not None
    try:
        hot = _probe(fit, project, run_cmd, evals, work, report, say)
    except RloptError as e:  # nothing hot among the units timed: the time may be in a library's
        if not hint or isinstance(e, ToolError):
            raise
        raise RloptError(f"{e}{hint}") from None
    report["runs"] = report["profile_runs"]
    if evals is not None:  # a unit's race needs MIN_UNIT_RUNS runs: fewer units rather than none tuned well
        max_units = min(max_units, max(1, (evals - report["runs"]) // MIN_UNIT_RUNS))
    for u in hot[max_units:]:
        u.status = f"not tuned: beyond the {max_units} hottest (--units, --evals)"
    return hot[:max_units]


def _probe(fit: list[Unit], project: Project, run_cmd: str, evals: int | None, work: Path, report: dict[str, Any],
           say: Any) -> list[Unit]:
    """The -O0 probe (module docstring, step 3): the units above the bar, slowest first. The largest units are
    timed one by one, the others all together as one more build; while those together pass the bar, the next
    largest are timed one by one in another round, within :data:`PROBE_SHARE` of the runs (many units a little
    slower at -O0 add up: the others together can pass the bar with no hot unit among them)."""
    spare = None if evals is None else evals - MIN_UNIT_RUNS  # the probe's extra rounds leave one unit its race
    cap = min(PROBE_SHARE * (tune.DEFAULT_EVALS["speed"] if evals is None else evals),
              math.inf if spare is None else spare)
    order = sorted(fit, key=lambda u: -u.instructions)
    hot: list[Unit] = []
    bars: list[float] = []
    report["profile_runs"], report["profile_noise"] = 0, 0.0
    for n in itertools.count():
        batch, order = order[:PROBED_UNITS], order[PROBED_UNITS:]
        groups = [[u] for u in batch] + ([order] if order else [])
        say(f"timing {len(batch)} unit(s) each built at -O0 against the build"
            + (f", and the other {len(order)} together" if order else "") + ", to find where the run spends its time")
        budget = None if spare is None else spare - report["profile_runs"]
        slowdowns, noise, runs, base_seconds = profile(project, groups, run_cmd, work / f"probe{n}", budget)
        report["profile_runs"] += runs
        report["profile_noise"] = round(max(report["profile_noise"], noise), 4)
        if base_seconds < MIN_PROBE_SECONDS:
            raise RloptError(f"the run takes {base_seconds * 1000:.0f} ms of CPU, too little to time: nothing "
                             f"worth tuning (give --run an input that runs {MIN_PROBE_SECONDS:g} s or more)")
        bar = max(HOT_SLOWDOWN, 1 + 2 * noise)
        bars.append(bar)
        for u, slowdown in zip(batch, slowdowns, strict=False):
            u.slowdown = slowdown
            if slowdown is not None and slowdown >= bar:
                hot.append(u)
            elif slowdown is not None and u.status == "not tuned":
                u.status = f"not tuned: {slowdown:.2f}x slower at -O0 (needs {bar:.2f}x)"
        rest = slowdowns[-1] if order else None
        next_round = PROBE_ROUNDS * (min(PROBED_UNITS, len(order)) + (len(order) > PROBED_UNITS) + 2)  # + base, twin
        if not order or rest is None or rest < bar or report["profile_runs"] + next_round > cap:
            why = ("its -O0 build failed" if rest is None else f"together {rest:.2f}x slower at -O0 (needs {bar:.2f}x)"
                   if rest < bar else "no runs left for another probe")
            for u in order:
                if u.status == "not tuned":
                    u.status = f"not probed: one of the {len(order)} smaller units ({why})"
            break
    if not hot:
        raise RloptError(f"no unit's -O0 build made the program {min(bars):.2f}x slower: nothing worth tuning "
                         "(see --json: slowdown_at_O0)")
    return sorted(hot, key=lambda u: -(u.slowdown or 0))


def _tune_unit(u: Unit, project: Project, engine: Any, tc: toolchain.Toolchain, work: Path, *, run_cmd: str | None,
               check_cmd: str | None, objective: str, evals: int | None, seconds: float | None, quiet: bool,
               model: str | None, strategy: str, seed: int) -> tune.Result:
    """One unit's session: the speed tuner on whole-program builds, or the exact size search."""
    first = tune.first_candidates(u.module.decode(errors="replace"), objective, model, strategy, tc)
    progress = tune.Progress(not quiet, prog=f"rlopt tune {u.name}")
    unit_work = work / digest(u.key)[:8]
    try:
        if objective == "size":
            program = tune.Program(u.module, engine, unit_work, tc=tc)
            return tune.tune_size(program, first, evals=evals, seconds=seconds, seed=seed, strategy=strategy,
                                  progress=progress)
        program = UnitProgram(u, project, engine, unit_work, run=run_cmd, check=check_cmd, tc=tc)
        if evals is None and seconds is None:
            evals = tune.DEFAULT_EVALS["speed"]
        return tune.SpeedTuner(program, first, evals=evals, seconds=seconds, seed=seed, strategy=strategy,
                               level=u.inv.level, progress=progress).tune()
    finally:
        progress.done()


def _restore(project: Project, db: str, say: Any) -> None:
    """Build the tree once more with the user's database: the tuned build, not the last candidate's."""
    if not project.touched:
        return
    say("building the tree with the tuning database")
    try:
        for u in project.touched.values():
            remove_output(u)
        project.build(db=db)
    except KeyboardInterrupt:
        raise RloptError("interrupted while restoring the build: run the build command again") from None
