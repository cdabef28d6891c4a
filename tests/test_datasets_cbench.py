"""The cbench-v1 importer on a small hand-made imitation of the two cTuning checkouts (no real checkout needed).

The tree holds four tiny programs under cBench names: ``qsort`` reads a data file and writes an output file,
``bitcount`` repeats its kernel CT_REPEAT_MAIN times and takes its argument from a dataset's properties,
``crc32`` reads stdin and calls an xOpenME hook without a guard (so it needs rlopt's stubs), and ``sha``
does not compile. Set RLOPT_CBENCH_SRC to a real checkout directory to also import one real program.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from rlopt.training import benchmarks, datasets, runtime
from rlopt.training.benchmarks import BenchmarkError
from rlopt.training.datasets import cbench

QSORT = r"""
#include <stdio.h>
#include <stdlib.h>
static int cmp(const void *a, const void *b) { int x = *(const int *)a, y = *(const int *)b; return (x > y) - (x < y); }
int main(int argc, char **argv) {
  int v[1000], n = 0, i;
  FILE *f, *o;
  if (argc < 2 || !(f = fopen(argv[1], "r"))) return 2;
  while (n < 1000 && fscanf(f, "%d", &v[n]) == 1) n++;
  fclose(f);
  qsort(v, n, sizeof v[0], cmp);
  o = fopen("tmp-output.tmp", "w");
  for (i = 0; i < n; i++) fprintf(o, "%d\n", v[i]);
  fclose(o);
  printf("sorted %d numbers\n", n);
  return 0;
}
"""
BITCOUNT = r"""
#include <stdio.h>
#include <stdlib.h>
volatile unsigned long sink;
static int bits(unsigned long x) { int n = 0; while (x) { n += (int)(x & 1); x >>= 1; } return n; }
int main(int argc, char **argv) {
  long repeat = 1, r, i, n = argc > 1 ? atol(argv[1]) : 1000;
  unsigned long total = 0;
  if (getenv("CT_REPEAT_MAIN") != NULL) repeat = atol(getenv("CT_REPEAT_MAIN"));
  for (r = 0; r < repeat; r++) {
    total = 0;
    for (i = 0; i < n; i++) total += bits((unsigned long)i * 2654435761u);
    sink = total;
  }
  printf("%lu bits in %ld numbers\n", total, n);
  return 0;
}
"""
CRC32 = r"""
#include <stdio.h>
int main(void) {
  unsigned long crc = 0xFFFFFFFFul;
  int c, k;
  xopenme_init(1, 0);
  while ((c = getchar()) != EOF) {
    crc ^= (unsigned long)c;
    for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320ul & (0ul - (crc & 1)));
  }
  printf("%08lx\n", crc ^ 0xFFFFFFFFul);
  xopenme_finish();
  return 0;
}
"""
BROKEN = "int main(void) { return 0 }\n"


def _run_cmd(cmd: str, tags: list[str], outputs: list[str]) -> dict:
    return {"dataset_tags": tags, "ignore_return_code": "no",
            "run_time": {"run_cmd_main": cmd, "run_cmd_out1": "tmp-output1.tmp", "run_cmd_out2": "tmp-output2.tmp",
                         "run_correctness_output_files": [*outputs, "tmp-output2.tmp"]}}


def _program(root: Path, directory: str, files: dict[str, str], runs: dict[str, dict], **meta) -> None:
    d = root / "program" / directory
    (d / ".cm").mkdir(parents=True)
    for name, text in files.items():
        (d / name).write_text(text)
    (d / "Makefile").write_text("# not used\n")
    (d / ".cm" / "meta.json").write_text(json.dumps(
        {"source_files": list(files), "run_cmds": runs, "run_vars": {"CT_REPEAT_MAIN": "1"},
         "build_compiler_vars": {"XOPENME": ""}, "main_language": "c", **meta}))


def _dataset(root: Path, name: str, tags: list[str], files: dict[str, bytes], **meta) -> None:
    d = root / "dataset" / name
    (d / ".cm").mkdir(parents=True)
    for f, body in files.items():
        (d / f).write_bytes(body)
    (d / ".cm" / "meta.json").write_text(json.dumps({"tags": tags, "dataset_files": list(files) or None, **meta}))


def make_tree(base: Path) -> Path:
    """Both checkouts, under names unlike the real ones (the importer finds them by content)."""
    progs, sets = base / "progs-checkout", base / "inputs"
    _program(progs, "cbench-automotive-qsort1", {"qsort_large.c": QSORT},
             {"default": _run_cmd("$#BIN_FILE#$ $#dataset_path#$$#dataset_filename#$", ["sorting", "qsort", "dataset"],
                                  ["tmp-output.tmp"])})
    _program(progs, "cbench-automotive-bitcount", {"bitcnts.c": BITCOUNT},
             {"default": _run_cmd("$#BIN_FILE#$ $#dataset_number#$", ["number", "dataset"], ["tmp-output1.tmp"])},
             build_compiler_vars={"XOPENME": "", "NeedFunctionPrototypes": 1})
    _program(progs, "cbench-telecom-crc32", {"crc_32.c": CRC32},
             {"default": _run_cmd("$#BIN_FILE#$ < $#dataset_path#$$#dataset_filename#$", ["dataset"], [])})
    _program(progs, "cbench-security-sha", {"sha_driver.c": BROKEN},
             {"default": _run_cmd("$#BIN_FILE#$ $#dataset_path#$$#dataset_filename#$", ["dataset"], [])})
    numbers = " ".join(str((i * 7919) % 1000) for i in range(300)).encode()
    _dataset(sets, "cdataset-qsort-0001", ["dataset", "sorting", "qsort"], {"data.txt": numbers})
    _dataset(sets, "aaa-sorting-only", ["dataset", "sorting"], {"other.txt": b"1 2 3"})
    _dataset(sets, "number-0001", ["dataset", "number", "cmd"], {},
             cm_properties={"run_time": {"run_cmd_main": {"dataset_number": "2000"}}})
    _dataset(sets, "pcm-0001", ["dataset", "audio", "pcm"], {"data.pcm": bytes(range(256)) * 8})
    _dataset(sets, "txt-0001", ["dataset", "doc", "txt"], {"data.txt": b"hello\n", "data.s.txt": b"he\n"})
    return base


@pytest.fixture(scope="module")
def imported(tmp_path_factory, fresh_cache) -> tuple[Path, dict, list[str]]:
    """One import through the registry (as `rlopt-train datasets import` does), with a 10x smaller time target."""
    mp = pytest.MonkeyPatch()
    mp.setattr(cbench, "TARGET_SECONDS", (0.01, 0.03))
    mp.setattr(cbench, "_AIM", 0.02)
    lines: list[str] = []
    try:
        dest = datasets.import_dataset("cbench-v1", make_tree(tmp_path_factory.mktemp("ctuning")), log=lines.append)
    finally:
        mp.undo()
    return dest, json.loads((dest / "rlopt-benchmarks.json").read_text()), lines


def test_runnable_and_excluded(imported):
    dest, m, lines = imported
    assert dest == datasets.root() / "cbench-v1"
    assert [e["name"] for e in m["benchmarks"]] == ["bitcount", "crc32", "qsort"]
    reasons = {e["name"]: e["reason"] for e in m["excluded"]}
    assert set(reasons) == set(cbench.PROGRAMS) - {"bitcount", "crc32", "qsort"}
    assert reasons["sha"].startswith("does not build at -O0:") and "\n" not in reasons["sha"]
    assert reasons["ghostscript"] == reasons["jpeg-c"] == cbench.NOT_IN_CHECKOUT
    assert not (dest / "sha").exists() and not (dest / "ghostscript").exists()
    assert any("sha: excluded" in ln for ln in lines) and lines[-1] == "cbench-v1: 3 runnable, 22 excluded"
    assert m["source"]["checkouts"]["ctuning-programs"]["path"].endswith("progs-checkout")
    assert m["source"]["checkouts"]["ctuning-datasets-min"]["commit"] is None
    for e in m["benchmarks"]:
        assert e["family"] == "cbench-v1" and e["split"] in benchmarks.SPLITS and e["o3_seconds"] > 0
        assert e["small_args"] == e["args"] and e["ldflags"] == ["-lm"] and e["data"] == f"{e['name']}/data"
        assert f"-I{e['name']}/src" in e["cflags"] and "-DXOPENME" not in e["cflags"]


def test_data_file_and_output_file(imported):
    dest, m, _ = imported
    q = next(e for e in m["benchmarks"] if e["name"] == "qsort")
    assert q["args"] == ["data.txt"] and q["outputs"] == ["tmp-output.tmp"]   # CK's stdout/stderr files dropped
    assert "env" not in q and "cdataset-qsort-0001" in q["description"]     # no CT_REPEAT_MAIN in its source
    data = dest / "qsort" / "data" / "data.txt"
    assert sorted(p.name for p in (dest / "qsort" / "data").iterdir()) == ["data.txt"]
    assert not data.stat().st_mode & stat.S_IWUSR       # a program cannot overwrite the dataset through a link
    assert (dest / "qsort" / "src" / "qsort_large.c").is_file() and not (dest / "qsort" / "src" / ".cm").exists()


def test_repeat_is_calibrated(imported):
    _, m, _ = imported
    b = next(e for e in m["benchmarks"] if e["name"] == "bitcount")
    assert b["args"] == ["2000"]                          # from the dataset's cm_properties
    assert int(b["env"]["CT_REPEAT_MAIN"]) > 1
    assert 0.004 < b["o3_seconds"] < 0.1
    assert "-DNeedFunctionPrototypes=1" in b["cflags"]
    assert "differs" not in b["description"]              # its output does not depend on the repeat count


def test_stdin_and_xopenme_stubs(imported):
    dest, m, _ = imported
    c = next(e for e in m["benchmarks"] if e["name"] == "crc32")
    assert c["stdin"] == "crc32/data/data.pcm" and c["args"] == []
    assert c["sources"] == ["crc32/src/crc_32.c", f"crc32/src/{cbench.STUB_FILE}"]
    assert "xopenme_init" in (dest / c["sources"][1]).read_text()


def test_installed_programs_run_as_checked(imported, tmp_path):
    """The manifest loads as Benchmarks whose -O3 build and front-end IR give the -O0 build's output."""
    progs = {b.name: b for b in datasets.load("cbench-v1")}
    assert set(progs) == {"bitcount", "crc32", "qsort"}
    q = progs["qsort"]
    r = runtime.run_benchmark(runtime.build_sources(q, tmp_path / "qsort-O3", opt_level="O3"), q)
    assert r.returncode == 0 and r.stdout.startswith(b"sorted 300 numbers\n")
    assert b"==> tmp-output.tmp" in r.stdout
    c = progs["crc32"]
    fe = runtime.build(benchmarks.ir(c, "O3"), tmp_path / "crc32-fe", extra_link=list(c.ldflags))
    want = runtime.run_benchmark(runtime.build_sources(c, tmp_path / "crc32-O0"), c)
    assert want.stdout.endswith(b"\n") and runtime.check_output(c, runtime.run_benchmark(fe, c), want) == ""


def test_program_found_by_main_source():
    """The checkout's tiff directories are shuffled: a program is found by its main file, not its directory."""
    metas = {"cbench-consumer-tiff2rgba": {"source_files": ["tiffmedian.c", "tif_aux.c"]},
             "cbench-consumer-tiff2dither": {"source_files": ["tiff2rgba.c", "tif_aux.c"]},
             "cbench-x-tiffmedian": {"source_files": ["tiffmedian.c"]}}
    co = cbench._Checkouts(Path("."), Path("."), metas, {})
    assert cbench._find_program(co, "tiff2rgba", cbench.PROGRAMS["tiff2rgba"]) == "cbench-consumer-tiff2dither"
    assert cbench._find_program(co, "tiffmedian", cbench.PROGRAMS["tiffmedian"]) == "cbench-x-tiffmedian"
    assert cbench._find_program(co, "mad", cbench.PROGRAMS["mad"]) is None


def _error(src: Path) -> str:
    with pytest.raises(BenchmarkError) as e:
        cbench.import_dataset(src, src.parent / "dest")
    msg = str(e.value)
    assert "\n" not in msg
    return msg


def test_missing_checkout(tmp_path):
    assert "no such directory" in _error(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    msg = _error(tmp_path / "empty")
    assert "no program/cbench-*/.cm/meta.json" in msg and "ChrisCummins/ctuning-programs" in msg
    _program(tmp_path / "only" / "progs", "cbench-telecom-crc32", {"crc_32.c": CRC32}, {})
    msg = _error(tmp_path / "only")
    assert "no dataset/*/.cm/meta.json" in msg and "ctuning/ctuning-datasets-min" in msg
    assert not (tmp_path / "dest").exists()


def test_broken_checkout(tmp_path):
    make_tree(tmp_path / "a")
    (tmp_path / "a" / "progs-checkout" / "program" / "cbench-telecom-crc32" / ".cm" / "meta.json").write_text("{oops")
    msg = _error(tmp_path / "a")
    assert "cbench-telecom-crc32/.cm/meta.json: invalid JSON" in msg and "looks broken" in msg
    make_tree(tmp_path / "b")
    (tmp_path / "b" / "inputs" / "dataset" / "pcm-0001" / ".cm" / "meta.json").write_text("[]")
    assert "pcm-0001/.cm/meta.json: not a JSON object" in _error(tmp_path / "b")
    make_tree(tmp_path / "c")
    (tmp_path / "c" / "progs-checkout" / "program" / "cbench-security-sha" / ".cm" / "meta.json").write_text("{}")
    assert "no 'source_files' list or 'run_cmds'" in _error(tmp_path / "c")


def test_malformed_run_command_excludes_only_that_program(tmp_path):
    make_tree(tmp_path)
    meta = tmp_path / "progs-checkout" / "program" / "cbench-telecom-crc32" / ".cm" / "meta.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text()), "run_cmds": {"default": "oops"}}))
    cbench.import_dataset(tmp_path, tmp_path / "dest", only=["crc32", "qsort"], log=lambda line: None)
    m = json.loads((tmp_path / "dest" / "rlopt-benchmarks.json").read_text())
    assert [e["name"] for e in m["benchmarks"]] == ["qsort"]
    assert m["excluded"][0]["reason"].startswith("cannot read its run command from meta.json (AttributeError")


def test_unknown_program_name(tmp_path):
    make_tree(tmp_path)
    assert "no program 'nope' in cbench-v1" in _error_only(tmp_path, ["nope"])


def _error_only(src: Path, only: list[str]) -> str:
    with pytest.raises(BenchmarkError) as e:
        cbench.import_dataset(src, src / "dest", only=only)
    return str(e.value)


@pytest.mark.skipif(not os.environ.get("RLOPT_CBENCH_SRC"),
                    reason="set RLOPT_CBENCH_SRC to a directory holding the ctuning checkouts to import from it")
def test_real_checkout_one_program(tmp_path):
    dest = tmp_path / "cbench"
    cbench.import_dataset(Path(os.environ["RLOPT_CBENCH_SRC"]), dest, only=["crc32"])
    m = json.loads((dest / "rlopt-benchmarks.json").read_text())
    assert [e["name"] for e in m["benchmarks"]] == ["crc32"]
    assert cbench.TARGET_SECONDS[0] / 2 <= m["benchmarks"][0]["o3_seconds"] <= cbench.TARGET_SECONDS[1] * 1.5
