"""rlopt-suite-v0: manifest consistency, every program's IR builds and agrees at -O0/-O3, csmith, user dirs."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rlopt import toolchain
from rlopt.training import benchmarks as B
from rlopt.training import runtime as R

SUITE_DIR = Path(B.__file__).parent / "suite"


pytestmark = pytest.mark.usefixtures("fresh_cache")


def test_manifest_is_consistent():
    bms = B.suite()
    names = [b.name for b in bms]
    assert len(names) == len(set(names)) >= 22
    assert {p.stem for p in SUITE_DIR.glob("*.c")} == set(names), "every C file is in the manifest"
    counts = {s: len(B.suite(s)) for s in B.SPLITS}
    assert counts["validation"] >= 4 and counts["test"] >= 4 and counts["train"] >= 14
    assert sum(counts.values()) == len(bms)
    assert B.get("qsort").split == "train", "the seed-reproduction target must be trainable"
    for b in bms:
        assert b.uri == f"benchmark://rlopt-suite-v0/{b.name}" and B.get(b.uri) == b
        assert all(s.is_file() for s in b.sources) and b.args and b.small_args and b.description
        assert int(b.small_args[0]) < int(b.args[0])


def test_bad_lookups_are_clear_errors():
    for bad in ("nosuch", "benchmark://other-v0/qsort", "generator://csmith-v0/x", "ftp://x/y"):
        with pytest.raises(B.BenchmarkError):
            B.get(bad)
    with pytest.raises(B.BenchmarkError, match="split"):
        B.suite("training")
    with pytest.raises(B.BenchmarkError, match="optimization level"):
        B.ir(B.get("qsort"), "O4")


def _run_ir(ir: bytes, b: B.Benchmark, tmp: Path, tag: str) -> R.RunResult:
    return R.run(R.build(ir, tmp / f"{b.name}-{tag}"), b.small_args, timeout=30)


@pytest.mark.parametrize("name", [b.name for b in B.suite()])
def test_program_agrees_at_O0_and_O3(name, tmp_path):
    """Unoptimized and -O3-optimized IR of each program print the reference output (no UB, no miscompile)."""
    b = B.get(name)
    ref = R.reference_output(b)
    assert ref.returncode == 0 and ref.stdout.startswith(name.encode())
    o0 = _run_ir(B.ir(b, "O0"), b, tmp_path, "O0")
    o3 = _run_ir(toolchain.find().opt(B.ir(b, "O3"), "default<O3>"), b, tmp_path, "O3")
    assert (o0.stdout, o0.returncode) == (ref.stdout, 0)
    assert (o3.stdout, o3.returncode) == (ref.stdout, 0)


def test_ir_is_the_clang_O3_pre_optimization_module_and_cached():
    b = B.get("crc32")
    text = B.ir(b)
    assert b"ModuleID = 'suite/crc32.c'" in text and b"!tbaa" in text and b"optnone" not in text
    assert b"noinline" not in text.split(b"attributes #0")[1].split(b"\n")[0]
    assert B.ir(b) == text
    assert len(list((B.cache_dir() / "ir").glob("*.ll"))) >= 1
    o0 = B.ir(b, "O0")
    assert o0 != text and b"optnone" not in o0
    with ThreadPoolExecutor(4) as pool:  # concurrent first requests of the same key agree
        assert len(set(pool.map(lambda _: B.ir(B.get("fft"), "Os"), range(4)))) == 1


def test_multi_source_benchmark_is_linked(tmp_path):
    (tmp_path / "src" / "inc").mkdir(parents=True)
    (tmp_path / "src" / "inc" / "lib.h").write_text("int twice(int);\n")
    (tmp_path / "src" / "main.c").write_text('#include <stdio.h>\n#include "lib.h"\n'
                                            'int main(int c, char **v) { printf("%d\\n", twice(c)); return 0; }\n')
    (tmp_path / "lib.c").write_text("int twice(int x) { return 2 * x; }\n")
    (tmp_path / B.USER_MANIFEST).write_text(json.dumps({"benchmarks": [
        {"name": "two", "sources": ["src/main.c", "lib.c"], "args": ["a", "b"], "split": "test",
         "cflags": ["-Isrc/inc"]}]}))
    (b,) = B.from_directory(tmp_path)
    assert b.small_args == ("a", "b") and b.split == "test" and b.cwd == tmp_path.resolve()
    assert B.get(b.uri) == b
    text = B.ir(b)
    assert b"define dso_local i32 @twice" in text and b"define dso_local i32 @main" in text
    assert R.validate(text, b).ok
    assert R.reference_output(b).stdout == b"6\n"


@pytest.mark.parametrize("manifest, message", [
    ("{", "invalid JSON"),
    ('{"benchmarks": []}', "non-empty"),
    ('[{"sources": ["a.c"]}]', "name"),
    ('[{"name": "x", "sources": ["missing.c"]}]', "not found"),
    ('[{"name": "x", "sources": ["a.c"]}, {"name": "x", "sources": ["a.c"]}]', "duplicate"),
    ('[{"name": "x", "sources": ["a.c"], "split": "dev"}]', "split"),
    ('[{"name": "x", "sources": ["a.c"], "args": {"n": 1}}]', "list of strings"),
])
def test_user_manifest_errors(tmp_path, manifest, message):
    (tmp_path / "a.c").write_text("int main(void) { return 0; }\n")
    (tmp_path / B.USER_MANIFEST).write_text(manifest)
    with pytest.raises(B.BenchmarkError, match=message) as e:
        B.from_directory(tmp_path)
    assert "\n" not in str(e.value)


def test_user_program_that_does_not_compile(tmp_path):
    (tmp_path / "bad.c").write_text("int main(void) { return nope; }\n")
    (tmp_path / B.USER_MANIFEST).write_text('[{"name": "bad", "sources": ["bad.c"]}]')
    with pytest.raises(B.BenchmarkError, match="does not compile"):
        B.ir(B.from_directory(tmp_path)[0])
    with pytest.raises(B.BenchmarkError, match="no rlopt-benchmarks.json"):
        B.from_directory(tmp_path / "nowhere")


def test_csmith_two_seeds():
    bms = B.csmith_dataset(2, start_seed=10)
    assert len(bms) == 2 and bms[0].uri.startswith("generator://csmith-v0/")
    for b in bms:
        assert B.get(b.uri) == b
        ref = R.reference_output(b, ())
        assert ref.returncode == 0 and ref.stdout.startswith(b"checksum = ")
        assert R.validate(toolchain.find().opt(B.ir(b), "default<O2>"), b).ok


def test_csmith_rejects_long_running_programs(monkeypatch):
    monkeypatch.setattr(B, "CSMITH_MAX_SECONDS", 1e-6)
    with pytest.raises(B.BenchmarkError, match="runs longer"):
        B.csmith(12345)
    assert B.csmith(12345, check=False).name == "csmith-12345"


@pytest.mark.slow
@pytest.mark.parametrize("name", [b.name for b in B.suite()])
def test_default_size_runs_between_50_and_500_ms_at_O0(name, tmp_path):
    b = B.get(name)
    exe = R.build_sources(b, tmp_path / name, opt_level="O0")
    runs = [R.run(exe, b.args, timeout=10) for _ in range(3)]
    assert all(r.returncode == 0 for r in runs)
    best = min(r.cpu_seconds for r in runs)  # CPU time: elapsed time depends on the machine's load
    assert 0.05 <= best <= 0.5, f"{name}: {best:.3f} s"
