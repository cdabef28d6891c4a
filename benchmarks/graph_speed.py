"""How fast are ProGraML graphs and features of LLVM 19 IR, against ``opt -passes='default<O3>'`` on the same module?

Modules from ~100 to ~50,000 instructions are made from csmith programs (several programs linked together for
the large ones). For each module this prints instructions/s of ``build(ir).arrays()`` (first call, and best of
three once the shape cache is warm, as in an environment loop), of ``build(ir).to_networkx()`` and of
``autophase``, and the ratio of the array time to the ``opt -O3`` time measured in the same run. Results go to
``benchmarks/results/graph_speed.json``; the peak RSS of this process is reported too.

    .venv/bin/python benchmarks/graph_speed.py [--seeds 1 2 3] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import subprocess
import tempfile
import time
from pathlib import Path

from rlopt import features, graph, irparse, toolchain
from rlopt.ir import write_file

RESULTS = Path(__file__).with_name("results") / "graph_speed.json"
CSMITH_INCLUDE = "/usr/include/csmith"


def csmith_ir(tc: toolchain.Toolchain, workdir: Path, seed: int, max_funcs: int, level: str) -> str:
    """IR of one csmith program, as clang hands it to the optimizer at ``level``."""
    src = workdir / f"cs{seed}-{max_funcs}.c"
    subprocess.run(["csmith", "--seed", str(seed), "--max-funcs", str(max_funcs), "-o", str(src)], check=True,
                   capture_output=True, timeout=120)
    return tc.run("clang", [f"-{level}", "-Xclang", "-disable-llvm-passes", "-w", f"-I{CSMITH_INCLUDE}",
                            "-S", "-emit-llvm", str(src), "-o", "-"]).decode()


def linked(tc: toolchain.Toolchain, workdir: Path, modules: list[str]) -> str:
    """Link modules into one, renaming each ``main`` so that the definitions do not clash."""
    paths = []
    for i, ir in enumerate(modules):
        p = workdir / f"part{i}.ll"
        p.write_text(re.sub(r"@main\b", f"@main{i}", ir))
        paths.append(str(p))
    return tc.run("llvm-link", ["-S", *paths, "-o", "-"]).decode()


def timed(fn, repeat: int = 1) -> tuple[float, float]:
    """Best wall time and best CPU time of this process over ``repeat`` runs (the machine may be shared)."""
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    return wall, cpu


def measure(tc: toolchain.Toolchain, name: str, ir: str) -> dict:
    n = irparse.instruction_count(ir)
    vocab = graph.Vocabulary.default()
    irparse.clear_templates()  # first call: nothing cached from earlier modules
    cold, _ = timed(lambda: graph.build(ir).arrays(vocab))
    warm, warm_cpu = timed(lambda: graph.build(ir).arrays(vocab), repeat=3)
    nx_time, _ = timed(lambda: graph.build(ir).to_networkx(), repeat=2)
    ap_time, _ = timed(lambda: features.autophase(ir), repeat=2)
    opt_time, _ = timed(lambda: tc.opt(ir.encode(), "default<O3>", timeout=600), repeat=2)
    g = graph.build(ir)
    row = {
        "module": name, "instructions": n, "nodes": g.num_nodes, "edges": g.num_edges,
        "arrays_s_cold": cold, "arrays_s": warm, "networkx_s": nx_time, "autophase_s": ap_time,
        "opt_O3_s": opt_time,
        "arrays_cpu_s": warm_cpu, "arrays_inst_per_cpu_s": n / warm_cpu,
        "arrays_inst_per_s_cold": n / cold, "arrays_inst_per_s": n / warm, "networkx_inst_per_s": n / nx_time,
        "autophase_inst_per_s": n / ap_time, "arrays_over_opt_O3": warm / opt_time,
    }
    print(f"{name:<22} {n:>7} {row['arrays_inst_per_s_cold']:>11,.0f} {row['arrays_inst_per_s']:>11,.0f} "
          f"{row['arrays_inst_per_cpu_s']:>11,.0f} {row['networkx_inst_per_s']:>11,.0f} "
          f"{row['autophase_inst_per_s']:>11,.0f} "
          f"{opt_time * 1e3:>9.1f} {row['arrays_over_opt_O3']:>8.2f}")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    ap.add_argument("--quick", action="store_true", help="small modules only (no linked ones)")
    args = ap.parse_args()
    tc = toolchain.find()
    print(f"{'module':<22} {'insts':>7} {'arrays/s 1st':>11} {'arrays/s':>11} {'arr/cpu-s':>11} {'networkx/s':>11} "
          f"{'autophase/s':>11} {'opt O3 ms':>9} {'arr/opt':>8}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small = {s: csmith_ir(tc, work, s, 1, "O0") for s in args.seeds[:2]}
        for s, ir in small.items():
            rows.append(measure(tc, f"csmith{s}-f1-O0", ir))
        big = {(s, level): csmith_ir(tc, work, s, 10, level) for s in args.seeds for level in ("O0", "O3")}
        for (s, level), ir in ((k, big[k]) for k in list(big)[:4]):
            rows.append(measure(tc, f"csmith{s}-{level}", ir))
            rows.append(measure(tc, f"csmith{s}-{level}-opt", tc.opt(ir.encode(), "default<O3>").decode()))
        if not args.quick:
            o0 = [big[s, "O0"] for s in args.seeds]
            total = 0
            for k in range(1, len(o0) + 1):
                total = sum(irparse.instruction_count(x) for x in o0[:k])
                if total >= 50_000 or k == len(o0):
                    break
            rows.append(measure(tc, f"linked{k}-O0", linked(tc, work, o0[:k])))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
    result = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
              "llvm": tc.version_string, "peak_rss_mb": peak_mb, "rows": rows}
    write_file(RESULTS, json.dumps(result, indent=1).encode())
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
