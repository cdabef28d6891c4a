"""What ``rlopt-cc`` costs in a real build, and what the programs it builds run like, against plain clang -O3.

Builds ``examples/project`` and a generated project of 60 translation units (``benchmarks/cc_project.py``)
(and, with ``--third-party DIR``, a configure/make project such as zlib): plain clang, rlopt-cc with a cold
cache and no model or fork server running, and rlopt-cc warm (after ``make clean``); the three alternate for
``--rounds`` rounds (3), and the fastest of each counts (after one unmeasured build that compiles the Python bytecode the builds need,
as an installed package has it). Then runs the programs (min of N interleaved runs), compiles a
generated ~10k-instruction module to measure the wrapper's peak memory, and measures the floor a cache hit
cannot go below (the interpreter's start-up) beside plain clang's compile of each examples/project file.
Prints a table with the ratios to plain clang, wall and CPU (the model and fork servers' included, from /proc), and
writes ``benchmarks/results/cc_overhead.json`` (``cc_overhead-installed.json`` with
``--installed``).

By default the wrapper is this venv's (an editable install, as ``make setup`` makes), with its bytecode cached
(``PYTHONPYCACHEPREFIX`` in the run's directory; this sandbox sets ``PYTHONDONTWRITEBYTECODE``, which would
make every call compile rlopt's modules from source). ``--installed`` measures a regular install of this tree
in a fresh venv instead, as ``pip install`` makes it.

    taskset -c 0 python benchmarks/cc_overhead.py [--installed] [--rounds 3] [--model M.onnx] [--third-party DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import cc_project

from rlopt import toolchain
from rlopt.output import write_file

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "cc_overhead.json"


def sh(argv: list[str], cwd: Path, env: dict[str, str], cpu: list[float] | None = None) -> float:
    """Run a build command; its wall time in seconds (a failure aborts the benchmark). ``cpu`` receives the
    user+system seconds of everything it waited for (not the detached model and fork servers)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"cc_overhead: {' '.join(argv)} failed in {cwd}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 3))
    return wall


MODEL: str | None = None  # --model: the policy the rlopt-cc builds use (default: the shipped one)
WRAPPER_BIN = BIN  # --installed: the bin directory of a regular install instead of this (editable) venv's
ROUNDS = 3  # --rounds: rounds of clang, cold and warm builds per project (the fastest of each counts)


def environment(tmp: Path, name: str) -> dict[str, str]:
    """Fresh cache and log per configuration, the wrapper on PATH, bytecode cached."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLOPT_") and k != "PYTHONDONTWRITEBYTECODE"}
    env.update(RLOPT_CACHE_DIR=str(tmp / f"cache-{name}"), RLOPT_CC_LOG=str(tmp / f"log-{name}.jsonl"),
               PATH=f"{WRAPPER_BIN}{os.pathsep}{env.get('PATH', '')}")
    if WRAPPER_BIN == BIN:  # an editable install has no compiled bytecode of its own
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
    if MODEL:
        env["RLOPT_MODEL"] = MODEL
    return env


def install(tmp: Path) -> Path:
    """A regular install of this tree, as ``pip install rlopt`` makes one, in a fresh venv (its dependencies
    come from this venv through a ``.pth`` line); returns its bin directory. An editable install, as ``make
    setup`` makes, starts every Python process through setuptools' import hook, which costs ``rlopt-cc``
    more than anything it does on a cache hit."""
    src, wheels, venv = tmp / "src", tmp / "wheels", tmp / "venv"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):  # setup.py builds the native launcher
        shutil.copy(ROOT / name, src / name)
    for name in ("rlopt", "training", "models"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "tables"))
    quiet = {"capture_output": True, "check": True}
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q",
                    "-w", str(wheels), str(src)], **quiet)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], **quiet)  # with pip, from ensurepip: offline
    site = next(venv.glob("lib/python*/site-packages"))
    (site / "rlopt-deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    *map(str, wheels.glob("*.whl"))], **quiet)
    return venv / "bin"


def peak_rss_mb(log: Path) -> dict[str, float]:
    """Largest peak RSS of a wrapper process and of any process it ran (clang, opt), from RLOPT_CC_LOG."""
    lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    return {k: round(max((x["peak_rss_kb"][k] for x in lines), default=0) / 1024, 1)
            for k in ("self", "children")}


def call_times(log: Path) -> dict:
    """Median seconds inside the wrapper per compile call (misses, direct hits), and where a cold build's time
    went: frontend, pipeline (the model's choice and its passes) and backend, summed over its misses."""
    lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    miss = [x for x in lines if x["misses"]]
    hit = [x for x in lines if x.get("direct_hits")]

    def median(rows: list[dict], field) -> float | None:
        return round(statistics.median(map(field, rows)), 4) if rows else None

    return {"miss": median(miss, lambda x: x["seconds"]["total"]),
            "direct hit": median(hit, lambda x: x["seconds"]["total"]),
            # CPU seconds of the whole wrapper process (interpreter start-up included) and of what it ran
            "direct hit cpu": median(hit, lambda x: x["cpu_seconds"]["self"]),
            "miss cpu": {who: median(miss, lambda x, who=who: x["cpu_seconds"][who]) for who in ("self", "children")},
            "cold sums": {step: round(sum(x["seconds"].get(step, 0) for x in miss), 2)
                          for step in ("frontend", "pipeline", "backend", "total")}}


def cpu_of(argv: list[str], cwd: Path, env: dict[str, str], runs: int = 15) -> float:
    """Least CPU seconds (user + system, the process and its children) of ``runs`` runs of a short command."""
    best = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return round(best, 4)


def floor(tmp: Path, clang: str) -> dict:
    """What a cache hit cannot go below, in CPU seconds: the wrapper's interpreter starting with nothing
    (``python -S``), and starting as a console script does (``site``, then the ``import re`` of pip's script
    template), against plain clang compiling each file of examples/project."""
    project = ROOT / "examples" / "project"
    python, env = str(WRAPPER_BIN / "python"), environment(tmp, "floor")  # the builds' bytecode cache
    sources = sorted(str(p.relative_to(project)) for p in project.glob("*/*.c") if p.parent.name != "tests")
    compiles = [cpu_of([clang, "-Ilib", "-Isrc", "-O3", "-c", src, "-o", str(tmp / "floor.o")], project, env)
                for src in sources]
    return {"python -S": cpu_of([python, "-S", "-c", "pass"], tmp, env),
            "console script start-up": cpu_of([python, "-c", "import re, sys"], tmp, env),
            "clang -O3 -c, examples/project files": dict(zip(sources, compiles, strict=True))}


def warm_bytecode(tmp: Path, jobs: int) -> None:
    """One unmeasured rlopt-cc build of examples/project (its own cache, its server stopped after), so that every
    measured build finds the bytecode of the wrapper, the model server and the modules they import compiled, as
    an installed package has it: the editable venv's bytecode cache is this run's own (``PYTHONPYCACHEPREFIX``),
    and the first cold build would otherwise compile rlopt's and the standard library's modules in each of its
    concurrent processes (~0.5-0.8 s of CPU on examples/project)."""
    project, env = ROOT / "examples" / "project", environment(tmp, "bytecode")
    sh(["make", f"-j{jobs}", "CC=rlopt-cc", "CFLAGS=-O3", f"BUILD={tmp / 'bytecode-build'}", "all"], project, env)
    sh(["rlopt-cc", "--stop-server"], project, env)


def build_three_ways(name: str, project: Path, tmp: Path, clang: str, jobs: int, make_vars: list[str],
                     program: list[str]) -> dict:
    """Plain clang, rlopt-cc cold, rlopt-cc warm (after make clean), each with make -jN in ``project``.

    The three alternate, :data:`ROUNDS` rounds, and the fastest of each counts (CPU: the least), so that the other
    jobs on this shared machine weigh on all three alike. Each round's cold build has an empty cache of its own
    (so no model or fork server is running for it), and its warm build rebuilds from that cache.
    """
    slug = name.split()[0].replace("/", "-")
    runs: dict[str, list[float]] = {"clang": [], "rlopt-cc cold": [], "rlopt-cc warm": []}
    cpu: dict[str, list[float]] = {**{k: [] for k in runs}, "servers": []}
    builds = {config: tmp / f"{slug}-{config}" for config in ("clang", "rlopt-cc")}
    clang_env, logs = environment(tmp, f"{slug}-clang"), []
    for n in range(ROUNDS):
        wrapper_env = environment(tmp, f"{slug}-rlopt-cc-{n}")
        logs.append(Path(wrapper_env["RLOPT_CC_LOG"]))
        for label in ("clang", "rlopt-cc cold", "rlopt-cc warm"):
            config, env = ("clang", clang_env) if label == "clang" else ("rlopt-cc", wrapper_env)
            sh(["make", "clean", f"BUILD={builds[config]}"], project, env)
            make = ["make", f"-j{jobs}", f"CC={clang if config == 'clang' else 'rlopt-cc'}", "CFLAGS=-O3",
                    f"BUILD={builds[config]}", *make_vars]
            runs[label].append(sh(make, project, env, cpu[label]))
            if label == "rlopt-cc cold":  # the servers are no children of make: add what they and theirs used
                cpu["servers"].append(server_cpu(env["RLOPT_CACHE_DIR"]))
        sh(["rlopt-cc", "--stop-server"], project, wrapper_env)
    best = min(range(ROUNDS), key=lambda n: cpu["rlopt-cc cold"][n] + cpu["servers"][n])
    peaks = [peak_rss_mb(log) for log in logs]
    return {"name": name, "raw_seconds": runs, "cpu_seconds": cpu, "seconds": {k: min(v) for k, v in runs.items()},
            "peak_rss_mb": {k: max(p[k] for p in peaks) for k in peaks[0]}, "call_seconds": call_times(logs[best]),
            "programs": {config: [str(builds[config] / program[0]), *program[1:]] for config in builds}}


def server_cpu(cache_dir: str) -> float:
    """CPU seconds used so far by the model server and the fork server of ``cache_dir`` (found by their names and
    environment) and every process under them (engine workers, the calls forked and their compilers), from
    /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, float]] = {}  # pid -> (parent, CPU seconds incl. children it waited for)
    servers = set()
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            procs[int(entry.name)] = (int(fields[1]), sum(map(int, fields[11:15])) / tick)
            if ((entry / "comm").read_text().strip() in ("rlopt-cc-server", "rlopt-cc-fork")
                    and f"RLOPT_CACHE_DIR={cache_dir}".encode() in (entry / "environ").read_bytes().split(b"\0")):
                servers.add(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue

    def under_server(pid: int) -> bool:  # a process's CPU includes its reaped children's: no double count
        while pid > 1 and pid not in servers:
            pid = procs[pid][0] if pid in procs else 0
        return pid in servers

    return round(sum(cpu for pid, (_, cpu) in procs.items() if under_server(pid)), 3)


def build_project(tmp: Path, clang: str, jobs: int) -> dict:
    """examples/project: a library, a program, a test program compiled and linked in one step."""
    return build_three_ways("examples/project", ROOT / "examples" / "project", tmp, clang, jobs, ["all"],
                            ["rlbench", "1000000", "3"])


def build_generated(tmp: Path, clang: str, jobs: int, units: int) -> dict:
    """The generated project of ``units`` translation units."""
    project = cc_project.generate(tmp / "generated", units)
    return build_three_ways(f"generated ({units} TUs)", project, tmp, clang, jobs, [], ["prog", "20000", "3"])


def build_third_party(src: Path, tmp: Path, clang: str, jobs: int) -> dict:
    """A configure/make project (copied, never modified in place): make time only, configure excluded."""
    out: dict = {"name": str(src), "seconds": {}}
    data = tmp / "zdata"
    data.write_bytes(b"".join(ROOT.joinpath(p).read_bytes() for p in ("rlopt/cc/build.py", "rlopt/passes.py")) * 400)
    for config, cc in (("clang", clang), ("rlopt-cc", "rlopt-cc")):
        env, tree = environment(tmp, f"tp-{config}"), tmp / f"tp-{config}"
        shutil.copytree(src, tree)
        if config == "rlopt-cc":
            sh(["rlopt-cc", "--stop-server"], tree, env)
        sh(["./configure"], tree, {**env, "CC": cc, "CFLAGS": "-O3"})
        out["seconds"][config if config == "clang" else "rlopt-cc cold"] = sh(["make", f"-j{jobs}"], tree, env)
        if config == "rlopt-cc":
            sh(["make", "clean"], tree, env)
            out["seconds"]["rlopt-cc warm"] = sh(["make", f"-j{jobs}"], tree, env)
            out["peak_rss_mb"] = peak_rss_mb(Path(env["RLOPT_CC_LOG"]))
            sh(["rlopt-cc", "--stop-server"], tree, env)
        sh(["make", "test"], tree, env)
        if (tree / "minigzip").exists():
            out.setdefault("programs", {})[config] = [str(tree / "minigzip"), "-c", str(data)]
    return out


def runtimes(programs: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Min wall time of interleaved runs (interleaving spreads the other core's load over both builds)."""
    best = dict.fromkeys(programs, float("inf"))
    outputs: dict[str, bytes] = {}
    for _ in range(runs):
        for config, argv in programs.items():
            start = time.perf_counter()
            outputs[config] = subprocess.run(argv, capture_output=True, check=True).stdout
            best[config] = min(best[config], time.perf_counter() - start)
    if len(set(outputs.values())) != 1:
        sys.exit(f"cc_overhead: outputs differ between builds of {programs}")
    return {k: round(v, 4) for k, v in best.items()}


def big_module(tmp: Path, clang: str, functions: int = 220) -> dict:
    """Compile one generated ~10k-instruction C file with rlopt-cc -O3 (the model in the wrapper's own process,
    as without the server) and report the peak memory."""
    body = "".join(
        f"double f{i}(double *a, int n) {{ double s = {i}; for (int j = 0; j < n; j++) {{ if (a[j] > s) "
        f"s += a[j] * {i % 7 + 1}; else s -= a[(j * {i % 5 + 1}) % n] / {i + 1}.0; a[j] = s; }} "
        f"switch (n & 3) {{ case 0: return s * 2; case 1: return s + n; case 2: return s - {i}; }} "
        f"return s; }}\n" for i in range(functions))
    (tmp / "big.c").write_text(body)
    ir = subprocess.run([clang, "-O3", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-S", "-o", "-",
                         str(tmp / "big.c")], capture_output=True, text=True, check=True).stdout
    instructions = sum(1 for line in ir.splitlines()
                       if line.startswith("  ") and not line.lstrip().startswith(("!", ";")))
    env = {**environment(tmp, "big"), "RLOPT_CC_SERVER": "0"}  # the model in the wrapper: its peak memory
    seconds = sh(["rlopt-cc", "-O3", "-c", "big.c", "-o", "big.o"], tmp, env)
    return {"ir_instructions": instructions, "seconds": round(seconds, 3),
            "peak_rss_mb": peak_rss_mb(Path(env["RLOPT_CC_LOG"]))}


def main() -> None:
    global MODEL, WRAPPER_BIN, ROUNDS
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--third-party", type=Path, help="a configure/make source tree (e.g. zlib) to build too")
    ap.add_argument("--jobs", type=int, default=2, help="make -j")
    ap.add_argument("--runs", type=int, default=5, help="runs per program (min is reported)")
    ap.add_argument("--units", type=int, default=60, help="translation units of the generated project")
    ap.add_argument("--rounds", type=int, default=ROUNDS,
                    help="rounds of clang, cold and warm builds per project (the fastest of each counts)")
    ap.add_argument("--model", help="the model the rlopt-cc builds use (default: the shipped speed model)")
    ap.add_argument("--installed", action="store_true",
                    help="measure a regular install of this tree (as pip makes it) instead of this editable venv")
    args = ap.parse_args()
    ROUNDS = args.rounds
    MODEL = str(Path(args.model).resolve()) if args.model else None
    clang = str(toolchain.find().path("clang"))
    with tempfile.TemporaryDirectory(prefix="rlopt-cc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        if args.installed:
            WRAPPER_BIN = install(tmp)
        warm_bytecode(tmp, args.jobs)
        projects = [build_project(tmp, clang, args.jobs), build_generated(tmp, clang, args.jobs, args.units)]
        if args.third_party:
            projects.append(build_third_party(args.third_party, tmp, clang, args.jobs))
        for p in projects:
            p["seconds"] = {k: round(v, 3) for k, v in p["seconds"].items()}
            p["ratio_to_clang"] = {k: round(v / p["seconds"]["clang"], 2) for k, v in p["seconds"].items()
                                   if k != "clang"}
            if "programs" in p:
                p["runtime_seconds"] = runtimes(p.pop("programs"), args.runs)
        memory = big_module(tmp, clang)
        lower = floor(tmp, clang)
    result = {"jobs": args.jobs, "runs": args.runs, "rounds": ROUNDS, "install": "regular" if args.installed else "editable",
              "projects": projects, "big_module": memory, "floor_cpu_seconds": lower,
              "model": model_description(), "load_average": os.getloadavg(),
              "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    print(f"{'project':<22}{'clang -O3':>10}{'rlopt cold':>16}{'rlopt warm':>16}{'run clang':>11}"
          f"{'run rlopt':>11}{'hit call':>10}{'wrapper MB':>11}{'child MB':>9}")
    for p in projects:
        s, q, r, m = p["seconds"], p["ratio_to_clang"], p.get("runtime_seconds", {}), p.get("peak_rss_mb", {})
        hit = (p.get("call_seconds") or {}).get("direct hit")
        print(f"{p['name'][:21]:<22}{s['clang']:>9.2f}s{s['rlopt-cc cold']:>8.2f}s ({q['rlopt-cc cold']:.2f}x)"
              f"{s['rlopt-cc warm']:>8.2f}s ({q['rlopt-cc warm']:.2f}x){r.get('clang', float('nan')):>10.3f}s"
              f"{r.get('rlopt-cc', float('nan')):>10.3f}s{(hit or float('nan')) * 1000:>8.0f}ms"
              f"{m.get('self', 0):>11.1f}{m.get('children', 0):>9.1f}")
    print(f"big module: {memory['ir_instructions']} IR instructions, rlopt-cc -O3 -c in {memory['seconds']} s, "
          f"peak RSS wrapper {memory['peak_rss_mb']['self']} MB, largest child "
          f"{memory['peak_rss_mb']['children']} MB; model {result['model']}; load average "
          f"{result['load_average'][0]:.1f}")
    for p in projects:
        cpu = p.get("cpu_seconds")
        if cpu:
            c, w = min(cpu["clang"]), min(cpu["rlopt-cc warm"])
            cold, server = min(zip(cpu["rlopt-cc cold"], cpu["servers"], strict=True), key=sum)
            p["cpu_ratio_to_clang"] = {"rlopt-cc cold": round((cold + server) / c, 2), "rlopt-cc warm": round(w / c, 2)}
            print(f"{p['name']}: CPU seconds (user+sys of make and all it waited for, and of the model and fork servers): "
                  f"clang {c:.2f}, rlopt-cc warm {w:.2f} ({w / c:.2f}x), cold {cold:.2f} + server {server:.2f} "
                  f"({(cold + server) / c:.2f}x)")
        calls = p.get("call_seconds") or {}
        if calls.get("direct hit cpu") is not None:
            print(f"{p['name']}: CPU seconds per call: direct hit {calls['direct hit cpu']}, miss {calls['miss cpu']}")
        sums = calls.get("cold sums")
        if sums:
            print(f"{p['name']}: cold build's wrapper time summed over compiles: frontend {sums['frontend']} s, "
                  f"pipeline {sums['pipeline']} s, backend {sums['backend']} s, total {sums['total']} s")
    per_file = lower["clang -O3 -c, examples/project files"]
    print(f"floor (CPU seconds): python -S {lower['python -S']}, console script start-up "
          f"{lower['console script start-up']}; clang -O3 -c per examples/project file "
          f"{min(per_file.values())}-{max(per_file.values())}")
    out = RESULTS.with_name("cc_overhead-installed.json") if args.installed else RESULTS
    write_file(out, (json.dumps(result, indent=2) + "\n").encode())
    print(f"wrote {out.relative_to(ROOT)}")


def model_description() -> str:
    """Which model the rlopt-cc builds used, and its kind, for the record."""
    path = Path(MODEL) if MODEL else ROOT / "models" / "speed.onnx"
    card = json.loads(path.with_suffix(".json").read_text())
    return f"{path} ({card.get('kind', 'policy')} {card.get('algorithm', card.get('model', ''))})"


if __name__ == "__main__":
    main()
