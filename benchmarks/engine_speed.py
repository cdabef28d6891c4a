"""Engine vs ``opt`` subprocess on the same modules in one run: per-action latency, env steps/s, peak memory.

Three latencies per action (minimum over ``--reps``, milliseconds):
  opt      ``opt-19 -S -passes=ACTION`` as a subprocess (parse + run + print + process start-up)
  oneshot  ``Engine.optimize`` (the same work in the worker: parse + run + verify + print)
  step     ``Engine.step`` on a module already in the worker (run + verify + print + digest + instruction
           count in one round trip: what an environment step costs)
plus whether the engine's text equals opt's. Then environment steps/s with the instruction-count reward on
the median program (by instruction count), random actions, 50-step episodes, for both paths. Then knobs: the
same random sequences of ``rlopt-extended-v2`` actions run with their LLVM options (switched in the worker,
the module reloaded from text where they change, as ``LlvmEnv`` does) and without them (the same pipelines),
interleaved in blocks; the ratio of time per step is the cost of knobs (``all``: every safe action; ``cheap``:
the knobs' cheap host actions and a few cheap passes, where a switch weighs most).

    .venv/bin/python benchmarks/engine_speed.py [--actions core|all] [--reps 3] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

from rlopt import passes, toolchain
from rlopt.engine import Engine
from rlopt.errors import ToolError
from rlopt.ir import write_file

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INPUTS = sorted((ROOT / "tests" / "data" / "engine").glob("*.c")) + sorted((ROOT / "examples" / "c").glob("*.c"))
CORE = ["adce", "function(gvn)", "sroa", "mem2reg", "instcombine<no-verify-fixpoint>", "loop-mssa(licm)",
        "default<O3>"]
EPISODE = 50
CHEAP_KNOB_HOSTS = ("-inline", "-simplifycfg", "-loop-unroll-O3", "-vectorize")
CHEAP_PASSES = ("-sroa", "-gvn", "-instcombine", "-loop-rotate", "-mem2reg", "-licm", "-early-cse", "-dse")
_INSTRUCTION = re.compile(r"^  [^ ;\]]", re.MULTILINE)


def compile_inputs(tc: toolchain.Toolchain, paths: list[Path]) -> dict[str, bytes]:
    """C files become the IR clang -O3 hands its optimizer; .ll/.bc files are read as they are."""
    out = {}
    for path in paths:
        if path.suffix == ".c":
            out[path.stem] = tc.run("clang", ["-O3", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", "-w",
                                              "-I/usr/include/csmith", str(path), "-o", "-"])
        else:
            out[path.stem] = path.read_bytes()
    return out


def best_ms(fn, reps: int) -> float:
    """Minimum wall time of ``fn()`` over ``reps`` runs: the least noisy estimate on a shared machine."""
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1e3


def measure_action(eng: Engine, tc: toolchain.Toolchain, ir: bytes, handle: int, pipeline: str,
                   reps: int) -> dict:
    try:
        reference = tc.opt(ir, pipeline)
    except ToolError as e:
        return {"pipeline": pipeline, "error": f"opt: {e}"}
    try:
        identical = eng.optimize(ir, pipeline) == reference
        row = {"pipeline": pipeline, "identical": identical,
               "opt_ms": best_ms(lambda: tc.opt(ir, pipeline), reps),
               "oneshot_ms": best_ms(lambda: eng.optimize(ir, pipeline), reps)}
        step_times = []
        for _ in range(reps):
            scratch = eng.clone(handle)
            start = time.perf_counter()
            eng.step(scratch, pipeline)
            step_times.append(time.perf_counter() - start)
            eng.free(scratch)
        row["step_ms"] = min(step_times) * 1e3
    except ToolError as e:
        return {"pipeline": pipeline, "error": f"engine: {e}"}
    row["speedup_step"] = row["opt_ms"] / row["step_ms"]
    row["speedup_oneshot"] = row["opt_ms"] / row["oneshot_ms"]
    return row


def engine_steps_per_second(eng: Engine, ir: bytes, pipelines: list[str], seconds: float, seed: int) -> dict:
    """A random-policy environment loop on the engine: reset = load, step = ``Engine.step``."""
    rng = random.Random(seed)
    steps = errors = 0
    handle = eng.load(ir)
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if steps and steps % EPISODE == 0:
            eng.free(handle)
            handle = eng.load(ir)
        try:
            eng.step(handle, rng.choice(pipelines))
        except ToolError:  # a crashed or timed-out step ends the episode, as in the environment
            errors += 1
            handle = eng.load(ir)
        steps += 1
    elapsed = time.perf_counter() - start
    eng.free(handle)
    return {"steps": steps, "steps_per_s": steps / elapsed, "errors": errors}


def opt_steps_per_second(tc: toolchain.Toolchain, ir: bytes, pipelines: list[str], seconds: float,
                         seed: int) -> dict:
    """The same loop through an opt subprocess per step, counting instructions in the printed text."""
    rng = random.Random(seed)
    steps = errors = 0
    current = ir
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if steps and steps % EPISODE == 0:
            current = ir
        try:
            current = tc.opt(current, rng.choice(pipelines))
            len(_INSTRUCTION.findall(current.decode()))
        except ToolError:
            errors += 1
            current = ir
        steps += 1
    elapsed = time.perf_counter() - start
    return {"steps": steps, "steps_per_s": steps / elapsed, "errors": errors}


def knob_steps(eng: Engine, ir: bytes, actions: list[passes.Action], *, count_switches: bool) -> float:
    """Seconds spent on ``actions`` stepped with their options in 50-step episodes, as ``LlvmEnv`` steps them
    (the module reloaded from its text where the options change). With ``count_switches`` the reload and the
    switch of LLVM options count; without, both happen untimed before the step, so only the steps count."""
    spent, handle, text, options = 0.0, None, ir, None
    for i, action in enumerate(actions):
        start = time.perf_counter()
        if i % EPISODE == 0 or action.options != options:
            if not count_switches:
                start = None
            if handle is not None:
                eng.free(handle)
            text = ir if i % EPISODE == 0 else text
            handle = eng.load(text, verify=False)
            if not count_switches:
                eng.run(handle, "", options=action.options)  # the worker switches its options, runs nothing
                start = time.perf_counter()
        options = action.options
        result = eng.step(handle, action.pipeline, options=options)
        spent += time.perf_counter() - start
        text = result.text.encode() if result.text is not None else text
    eng.free(handle)
    return spent


def knob_overhead(eng: Engine, ir: bytes, actions: list[passes.Action], steps: int, blocks: int,
                  seed: int) -> dict:
    """Time per step of random action sequences with the cost of knobs (switching options, reloading the module)
    and without it (the same steps, switches done untimed beforehand), in alternating blocks."""
    rng = random.Random(seed)
    totals = {True: 0.0, False: 0.0}
    switches = 0
    for b in range(blocks):
        sequence = [rng.choice(actions) for _ in range(steps // blocks)]
        switches += sum(a.options != p.options for a, p in zip(sequence[1:], sequence, strict=False))
        for counted in ((True, False) if b % 2 else (False, True)):
            totals[counted] += knob_steps(eng, ir, sequence, count_switches=counted)
    n = blocks * (steps // blocks)
    return {"steps": n, "knob_actions": sum(bool(a.options) for a in actions), "actions": len(actions),
            "switches": switches, "with_ms": totals[True] / n * 1e3, "without_ms": totals[False] / n * 1e3,
            "ratio": totals[True] / totals[False]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", type=Path, help="C, .ll or .bc files (default: engine test "
                                                              "data and examples/c)")
    parser.add_argument("--actions", choices=["core", "all"], default="core",
                        help="core: 7 representative pipelines; all: the 124 CompilerGym actions")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each steps/s loop")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--knob-steps", type=int, default=400, help="steps of each knob comparison (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "engine_speed.json")
    args = parser.parse_args(argv)

    tc = toolchain.find()
    modules = compile_inputs(tc, args.inputs or DEFAULT_INPUTS)
    pipelines = CORE if args.actions == "core" else [a.pipeline for a in passes.ACTIONS]
    with Engine(tc) as eng:
        sizes = {}
        for name, ir in modules.items():
            handle = eng.load(ir)
            sizes[name] = eng.instruction_count(handle)
            eng.free(handle)
        ordered = sorted(sizes, key=sizes.__getitem__)
        median = ordered[(len(ordered) - 1) // 2]
        targets = ordered if args.actions == "core" else [median]
        rows = []
        for name in targets:
            handle = eng.load(modules[name])
            eng.step(handle, "")  # the worker learns the module's digest; clones start from a known state
            for pipeline in pipelines:
                rows.append({"module": name, "instructions": sizes[name],
                             **measure_action(eng, tc, modules[name], handle, pipeline, args.reps)})
            eng.free(handle)
        env_pipelines = [a.pipeline for a in passes.ACTIONS if a.safe]
        engine_env = engine_steps_per_second(eng, modules[median], env_pipelines, args.seconds, args.seed)
        v2 = [a for a in passes.ACTION_SPACES["rlopt-extended-v2"] if a.safe]
        mixes = {"all": v2, "cheap": [a for a in v2 if a.name.split("@")[0] in CHEAP_KNOB_HOSTS
                                      or a.name in CHEAP_PASSES]}
        knob_rows = {mix: knob_overhead(eng, modules[median], actions, args.knob_steps, 4, args.seed)
                     for mix, actions in mixes.items()} if args.knob_steps else {}
        memory = eng.memory()
    opt_env = opt_steps_per_second(tc, modules[median], env_pipelines, args.seconds, args.seed)

    print(f"{'module':<12} {'insts':>6} {'pipeline':<34} {'opt ms':>8} {'oneshot':>8} {'step ms':>8} "
          f"{'x step':>7} {'x 1shot':>7} same")
    for r in rows:
        if "error" in r:
            print(f"{r['module']:<12} {r['instructions']:>6} {r['pipeline'][:34]:<34} {r['error']}")
            continue
        print(f"{r['module']:<12} {r['instructions']:>6} {r['pipeline'][:34]:<34} {r['opt_ms']:>8.2f} "
              f"{r['oneshot_ms']:>8.2f} {r['step_ms']:>8.2f} {r['speedup_step']:>7.1f} "
              f"{r['speedup_oneshot']:>7.1f} {'yes' if r['identical'] else 'NO'}")
    ok = [r for r in rows if "error" not in r]
    summary = {
        "median_speedup_step": statistics.median(r["speedup_step"] for r in ok),
        "median_speedup_oneshot": statistics.median(r["speedup_oneshot"] for r in ok),
        "identical": sum(r["identical"] for r in ok), "compared": len(ok), "errors": len(rows) - len(ok),
        "env_module": median, "env_module_instructions": sizes[median],
        "engine_env": engine_env, "opt_env": opt_env,
        "env_speedup": engine_env["steps_per_s"] / opt_env["steps_per_s"],
        "knobs": knob_rows,
        "worker_peak_rss_mb": memory.get("peak_rss", 0) / 2**20,
        "parent_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(f"\nmedian speedup: step {summary['median_speedup_step']:.1f}x, one-shot "
          f"{summary['median_speedup_oneshot']:.1f}x; identical to opt: {summary['identical']}/{summary['compared']}"
          f" ({summary['errors']} errors)")
    print(f"env on {median} ({sizes[median]} instructions), random actions, instruction-count reward: engine "
          f"{engine_env['steps_per_s']:.0f} steps/s, opt subprocess {opt_env['steps_per_s']:.1f} steps/s "
          f"({summary['env_speedup']:.1f}x)")
    for mix, k in knob_rows.items():
        print(f"knobs ({mix}: {k['knob_actions']} of {k['actions']} actions carry options), {k['steps']} steps, "
              f"{k['switches']} option switches, on {median}: {k['with_ms']:.2f} ms/step with the cost of knobs, "
              f"{k['without_ms']:.2f} without ({k['ratio']:.3f}x)")
    print(f"peak RSS: worker {summary['worker_peak_rss_mb']:.0f} MB, this process "
          f"{summary['parent_peak_rss_mb']:.0f} MB")
    write_file(args.out, json.dumps({"llvm": tc.version_string, "python": sys.version.split()[0], "args": {
        "actions": args.actions, "reps": args.reps, "seconds": args.seconds, "seed": args.seed,
        "knob_steps": args.knob_steps},
        "modules": sizes, "summary": summary, "rows": rows}, indent=2).encode() + b"\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
