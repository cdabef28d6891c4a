"""What ``rlopt-cc`` costs in a real build, and what the programs it builds run like, against plain clang -O3.

Builds ``examples/project`` (and, with ``--third-party DIR``, a configure/make project such as zlib) three
ways: plain clang, rlopt-cc with a cold cache, rlopt-cc with a warm cache (after ``make clean``). Then runs
the resulting programs (min of N interleaved runs) and compiles a generated ~10k-instruction module to
measure the wrapper's peak memory. Prints a table and writes ``benchmarks/results/cc_overhead.json``.

    python benchmarks/cc_overhead.py [--third-party /tmp/zlib] [--jobs 2] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rlopt import toolchain

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "cc_overhead.json"


def sh(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Run a build command; its wall time in seconds (a failure aborts the benchmark)."""
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"cc_overhead: {' '.join(argv)} failed in {cwd}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return time.perf_counter() - start


def environment(tmp: Path, name: str) -> dict[str, str]:
    """Fresh cache and log per configuration, the wrapper on PATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RLOPT_")}
    env.update(RLOPT_CACHE_DIR=str(tmp / f"cache-{name}"), RLOPT_CC_LOG=str(tmp / f"log-{name}.jsonl"),
               PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}")
    return env


def peak_rss_mb(log: Path) -> dict[str, float]:
    """Largest peak RSS of a wrapper process and of any process it ran (clang, opt), from RLOPT_CC_LOG."""
    lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
    return {k: round(max((x["peak_rss_kb"][k] for x in lines), default=0) / 1024, 1)
            for k in ("self", "children")}


def build_project(tmp: Path, clang: str, jobs: int) -> dict:
    """examples/project: plain clang, rlopt-cc cold, rlopt-cc warm; returns times and binaries."""
    project = ROOT / "examples" / "project"
    out: dict = {"name": "examples/project", "seconds": {}}
    for config, cc in (("clang", clang), ("rlopt-cc", "rlopt-cc")):
        env, build = environment(tmp, f"project-{config}"), tmp / f"project-{config}"
        make = ["make", f"-j{jobs}", f"CC={cc}", "CFLAGS=-O3", f"BUILD={build}"]
        out["seconds"][config if config == "clang" else "rlopt-cc cold"] = sh(make, project, env)
        if config == "rlopt-cc":
            sh(["make", "clean", f"BUILD={build}"], project, env)
            out["seconds"]["rlopt-cc warm"] = sh(make, project, env)
            out["peak_rss_mb"] = peak_rss_mb(Path(env["RLOPT_CC_LOG"]))
        sh(["make", f"CC={cc}", "CFLAGS=-O3", f"BUILD={build}", "test"], project, env)
        out.setdefault("programs", {})[config] = [str(build / "rlbench"), "1000000", "3"]
    return out


def build_third_party(src: Path, tmp: Path, clang: str, jobs: int) -> dict:
    """A configure/make project (copied, never modified in place): make time only, configure excluded."""
    out: dict = {"name": str(src), "seconds": {}}
    data = tmp / "zdata"
    data.write_bytes(b"".join(ROOT.joinpath(p).read_bytes() for p in ("rlopt/cc.py", "rlopt/passes.py")) * 400)
    for config, cc in (("clang", clang), ("rlopt-cc", "rlopt-cc")):
        env, tree = environment(tmp, f"tp-{config}"), tmp / f"tp-{config}"
        shutil.copytree(src, tree)
        sh(["./configure"], tree, {**env, "CC": cc, "CFLAGS": "-O3"})
        out["seconds"][config if config == "clang" else "rlopt-cc cold"] = sh(["make", f"-j{jobs}"], tree, env)
        if config == "rlopt-cc":
            sh(["make", "clean"], tree, env)
            out["seconds"]["rlopt-cc warm"] = sh(["make", f"-j{jobs}"], tree, env)
            out["peak_rss_mb"] = peak_rss_mb(Path(env["RLOPT_CC_LOG"]))
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
    """Compile one generated ~10k-instruction C file with rlopt-cc -O3 and report the peak memory."""
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
    env = environment(tmp, "big")
    seconds = sh(["rlopt-cc", "-O3", "-c", "big.c", "-o", "big.o"], tmp, env)
    return {"ir_instructions": instructions, "seconds": round(seconds, 3),
            "peak_rss_mb": peak_rss_mb(Path(env["RLOPT_CC_LOG"]))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--third-party", type=Path, help="a configure/make source tree (e.g. zlib) to build too")
    ap.add_argument("--jobs", type=int, default=2, help="make -j")
    ap.add_argument("--runs", type=int, default=5, help="runs per program (min is reported)")
    args = ap.parse_args()
    clang = str(toolchain.find().path("clang"))
    with tempfile.TemporaryDirectory(prefix="rlopt-cc-bench-") as tmp_name:
        tmp = Path(tmp_name)
        projects = [build_project(tmp, clang, args.jobs)]
        if args.third_party:
            projects.append(build_third_party(args.third_party, tmp, clang, args.jobs))
        for p in projects:
            p["seconds"] = {k: round(v, 3) for k, v in p["seconds"].items()}
            if "programs" in p:
                p["runtime_seconds"] = runtimes(p.pop("programs"), args.runs)
        memory = big_module(tmp, clang)
    result = {"jobs": args.jobs, "runs": args.runs, "projects": projects, "big_module": memory,
              "load_average": os.getloadavg(), "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    print(f"{'project':<24}{'clang -O3':>11}{'rlopt cold':>12}{'rlopt warm':>12}{'run clang':>11}"
          f"{'run rlopt':>11}{'wrapper MB':>12}{'child MB':>10}")
    for p in projects:
        s, r, m = p["seconds"], p.get("runtime_seconds", {}), p.get("peak_rss_mb", {})
        print(f"{Path(p['name']).name:<24}{s['clang']:>10.2f}s{s['rlopt-cc cold']:>11.2f}s"
              f"{s['rlopt-cc warm']:>11.2f}s{r.get('clang', float('nan')):>10.3f}s"
              f"{r.get('rlopt-cc', float('nan')):>10.3f}s{m.get('self', 0):>12.1f}{m.get('children', 0):>10.1f}")
    print(f"big module: {memory['ir_instructions']} IR instructions, rlopt-cc -O3 -c in {memory['seconds']} s, "
          f"peak RSS wrapper {memory['peak_rss_mb']['self']} MB, largest child "
          f"{memory['peak_rss_mb']['children']} MB; load average {result['load_average'][0]:.1f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = RESULTS.with_suffix(".json.tmp")
    tmp_out.write_text(json.dumps(result, indent=2) + "\n")
    os.replace(tmp_out, RESULTS)
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
