"""Long differential-testing run: csmith programs (and the example/suite programs) through rlopt vs -O0.

    .venv/bin/python benchmarks/difftest.py --n 1000 [--jobs 2] [--sequences 4] [--fresh] [--dataset cbench-v1]

Each program runs at every -O level, ``-O3`` with its switches on (``knobs.O3_SWITCHED``), ``--sequences``
random safe action sequences and ``-O-rl`` when a model is installed (``RLOPT_MODEL`` picks it; ``--sequences
-1`` runs only ``-O-rl``); ``--dataset`` adds an installed dataset's programs, ``-O-rl`` judged by their reference outputs. Progress is appended to
``benchmarks/results/difftest.state.jsonl`` so that an interrupted run resumes where it stopped, for the same
model (by content) and ``--sequences`` only: another model tests every program again. The summary (every
program tested so far with this model and setting) goes to ``benchmarks/results/difftest.json``. A mismatch is minimised
(shortest failing sub-sequence, then optionally ``llvm-reduce`` with ``--reduce-ir``) and given a verdict;
its files are kept under ``--keep``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rlopt import policy, toolchain
from rlopt.cache import digest
from rlopt.errors import RloptError
from rlopt.training.robustness import difftest, programs, reduce

ROOT = Path(__file__).resolve().parent.parent

RESULTS = ROOT / "benchmarks" / "results"


def _variants(name: str, sequences: int) -> list[difftest.Variant]:
    """Every -O level, -O3 with its switches, ``sequences`` random sequences and -O-rl; ``sequences < 0`` means
    -O-rl only."""
    rng = random.Random(name)
    rl, _ = difftest.rl_variant()
    if sequences < 0:
        return [rl] if rl else []
    return [*difftest.level_variants(), difftest.switched_variant(),
            *(difftest.random_variant(rng) for _ in range(sequences))] + ([rl] if rl else [])


def _minimise(tc: toolchain.Toolchain, prep: difftest.Prepared, result: difftest.Result, reduce_ir: bool,
              keep: Path) -> dict:
    """Shrink a failing action sequence, attribute it, and keep the files needed to reproduce it."""
    pipeline, names = result.pipeline, None
    if result.variant.startswith("actions:"):
        names = reduce.shrink_sequence(
            result.variant.removeprefix("actions:").split(","),
            lambda seq: difftest.check(tc, prep, difftest.actions_variant(seq), "shrink").status == "mismatch")
        pipeline = difftest.actions_variant(names).pipeline
    record = {**result.to_json(), "minimal_actions": names, "minimal_pipeline": pipeline,
              "verdict": difftest.verdict(tc, prep, pipeline)}
    dest = keep / prep.program.name.replace("/", "-")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(prep.program.source, dest)
    shutil.copy(prep.ir, dest / "input.ll")
    if reduce_ir:
        try:
            record["reduced_ir"] = str(reduce.reduce_ir(tc, prep.ir, pipeline, dest / "reduced.ll"))
        except Exception as e:  # noqa: BLE001 - a failed reduction must not lose the finding
            record["reduced_ir"] = f"llvm-reduce failed: {e}"
    record["files"] = str(dest)
    return record


def run_program(job: tuple[str, int | None, int, bool, str]) -> dict:
    """Worker: test one program (a csmith seed, or an example/suite program by name)."""
    name, seed, sequences, reduce_ir, keep = job
    tc = toolchain.find()
    with tempfile.TemporaryDirectory(prefix="rlopt-difftest-") as tmp:
        work = Path(tmp)
        if seed is not None:
            prog = programs.csmith_program(seed, work)
        else:
            prog = next(p for p in programs.example_programs() if p.name == name)
        try:
            prep = difftest.prepare(tc, prog, work / "w")
        except Exception as e:  # noqa: BLE001 - e.g. csmith output clang rejects: count it, do not stop
            return {"program": name, "state": "setup-error", "detail": str(e)[:300]}
        if prep is None:
            return {"program": name, "state": "skipped", "detail": "-O0 build did not finish"}
        results = [difftest.check(tc, prep, v, tag=f"v{i}") for i, v in enumerate(_variants(name, sequences))]
        mismatches = [_minimise(tc, prep, r, reduce_ir, Path(keep)) for r in results if r.status == "mismatch"]
        return {"program": name, "state": "tested", "results": [r.to_json() for r in results],
                "mismatches": mismatches}


def run_dataset_program(job: tuple[str, str]) -> dict:
    """Worker: ``-O-rl`` on an installed dataset's program (a URI), judged by the dataset's own check (its
    reference output, files and exit status; the protocol of the pipeline table, docs/data.md)."""
    uri, keep = job
    from rlopt.training import benchmarks, runtime

    bench = benchmarks.get(uri)
    with tempfile.TemporaryDirectory(prefix="rlopt-difftest-") as tmp:
        work = Path(tmp)
        ir = work / "input.ll"
        ir.write_bytes(benchmarks.ir(bench, "O3"))
        variant, _ = difftest.rl_variant()
        assert variant is not None
        out = work / "rl.ll"
        error = difftest.optimize_with_rlopt(ir, variant, out)
        status, detail = ("rlopt-error", error) if error else ("ok", "")
        if not error:
            try:
                expected = None if bench.reference is not None else runtime.reference_output(bench, bench.args)
                exe = runtime.build(out.read_bytes(), work / "prog", extra_link=bench.ldflags)
                why = runtime.check_output(bench, runtime.run_benchmark(exe, bench, timeout=120), expected)
                status, detail = ("mismatch", why) if why else ("ok", "")
            except Exception as e:  # noqa: BLE001 - a build or run failure is a finding, not a crash of the run
                status, detail = "mismatch", f"{type(e).__name__}: {e}"[:300]
        result = difftest.Result(uri, variant.label, variant.pipeline, status, detail)  # type: ignore[arg-type]
        mismatches = []
        if status == "mismatch":
            dest = Path(keep) / bench.name.replace("/", "-")
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy(ir, dest / "input.ll")
            mismatches.append({**result.to_json(), "minimal_pipeline": variant.pipeline, "verdict": "not minimised",
                               "files": str(dest)})
        return {"program": uri, "state": "tested", "results": [result.to_json()], "mismatches": mismatches}


def run_key(sequences: int) -> str:
    """What a record's verdict depends on besides its program: the model ``-O-rl`` runs (its name and the digest
    of its files) and the random sequences per program. Progress is resumed for the same key only."""
    try:
        path = policy.resolve_model(None)
    except RloptError:
        return f"no model|{sequences}"
    files = b"".join(p.read_bytes() for p in (path, path.with_suffix(".json")) if p.is_file())
    return f"{path.stem}:{digest(files)[:12]}|{sequences}"


def summarise(records: list[dict]) -> dict:
    """Counts over all programs so far."""
    results = [r for rec in records for r in rec.get("results", [])]

    def count(status: str) -> int:
        return sum(r["status"] == status for r in results)

    return {
        "programs_tested": sum(r["state"] == "tested" for r in records),
        "programs_skipped_timeout": sum(r["state"] == "skipped" for r in records),
        "programs_setup_error": sum(r["state"] == "setup-error" for r in records),
        "sequences": len(results), "ok": count("ok"), "mismatches": count("mismatch"),
        "timeouts": count("timeout"), "rlopt_errors": count("rlopt-error"),
        "mismatch_details": [m for rec in records for m in rec.get("mismatches", [])],
        "timeout_details": [r for r in results if r["status"] == "timeout"][:50],
        "rlopt_error_details": [r for r in results if r["status"] == "rlopt-error"][:50],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="csmith programs (seeds --first .. --first+n-1)")
    ap.add_argument("--first", type=int, default=0, help="first csmith seed")
    ap.add_argument("--sequences", type=int, default=4,
                    help="random action sequences per program (-1: only -O-rl, e.g. to test one model)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-examples", action="store_true", help="csmith programs only")
    ap.add_argument("--dataset", action="append", default=[], metavar="NAME",
                    help="also every program of an installed dataset (e.g. cbench-v1), -O-rl only, judged by "
                         "its reference output (repeatable)")
    ap.add_argument("--reduce-ir", action="store_true", help="also llvm-reduce each mismatch (slow)")
    ap.add_argument("--fresh", action="store_true", help="ignore the saved progress")
    ap.add_argument("--state", type=Path, default=RESULTS / "difftest.state.jsonl")
    ap.add_argument("--out", type=Path, default=RESULTS / "difftest.json")
    ap.add_argument("--keep", type=Path, default=Path(tempfile.gettempdir()) / "rlopt-difftest-mismatches")
    args = ap.parse_args(argv)

    args.state.parent.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        args.state.unlink(missing_ok=True)
    key = run_key(args.sequences)
    done = [json.loads(line) for line in args.state.read_text().splitlines()] if args.state.exists() else []
    done = [r for r in done if r.get("run") == key]
    seen = {r["program"] for r in done}
    jobs = [] if args.no_examples else [(p.name, None) for p in programs.example_programs()]
    jobs += [(f"csmith-{s}", s) for s in range(args.first, args.first + args.n)]
    todo = [(name, seed, args.sequences, args.reduce_ir, str(args.keep)) for name, seed in jobs if name not in seen]
    if args.dataset:
        if difftest.rl_variant()[0] is None:
            sys.exit(f"difftest: --dataset tests -O-rl, but {difftest.rl_variant()[1]}")
        from rlopt.training import datasets

        uris = [b.uri for name in args.dataset for b in datasets.load(name)]
        jobs += [(u, None) for u in uris]
        todo_data = [(u, str(args.keep)) for u in uris if u not in seen]
    else:
        todo_data = []
    print(f"difftest: {len(jobs)} programs, {len(jobs) - len(todo) - len(todo_data)} already done, {args.jobs} jobs")

    start = time.monotonic()
    with args.state.open("a") as state, multiprocessing.Pool(args.jobs) as pool:
        records = itertools.chain(pool.imap_unordered(run_program, todo),
                                  pool.imap_unordered(run_dataset_program, todo_data))
        for i, rec in enumerate(records, 1):
            rec["run"] = key
            state.write(json.dumps(rec) + "\n")
            state.flush()
            done.append(rec)
            for m in rec.get("mismatches", []):
                print(f"MISMATCH {m['program']} {m['variant']}: {m['detail']}\n  minimal: {m['minimal_pipeline']}"
                      f"\n  verdict: {m['verdict']}\n  files: {m['files']}", flush=True)
            if i % 25 == 0:
                print(f"  {i}/{len(todo) + len(todo_data)} programs in {time.monotonic() - start:.0f} s", flush=True)

    summary = summarise(done)
    summary["seconds_this_run"] = round(time.monotonic() - start, 1)
    summary["model"] = difftest.rl_variant()[1] or key.partition("|")[0]
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"programs tested      {summary['programs_tested']}\n"
          f"skipped (-O0 timeout) {summary['programs_skipped_timeout']}\n"
          f"setup errors          {summary['programs_setup_error']}\n"
          f"sequences             {summary['sequences']}\n"
          f"mismatches            {summary['mismatches']}\n"
          f"timeouts              {summary['timeouts']}\n"
          f"rlopt errors          {summary['rlopt_errors']}\n"
          f"-O-rl                 {summary['model']}\n"
          f"written to {args.out}")
    return 1 if summary["mismatches"] else 0


if __name__ == "__main__":
    sys.exit(main())
