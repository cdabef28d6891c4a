"""`rlopt` behaves like `opt` where it matters, and fails cleanly: one line, non-zero, nothing half-written."""

from __future__ import annotations

import contextlib
import hashlib
import json
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import make_fake_llvm

from rlopt import __version__, tuning
from rlopt.engine import Engine
from rlopt.errors import InputError
from rlopt.policy import MODELS_DIR
from rlopt.training.robustness import fuzz
from rlopt.training.robustness.invoke import in_process

RLOPT = [sys.executable, "-m", "rlopt.cli"]


def rlopt(*args: str, input: bytes | None = None, env: dict | None = None,
          cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*RLOPT, *args], input=input, capture_output=True, timeout=120, env=env, cwd=cwd)


def body(ir: bytes) -> bytes:
    """IR without the ModuleID comment, which names the input file and so differs between tools."""
    return b"\n".join(ln for ln in ir.splitlines() if not ln.startswith(b"; ModuleID"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_clean_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert fuzz.clear_error(err), err
    assert "Traceback" not in err
    for f in fragments:
        assert f in err, err


@pytest.mark.parametrize("engine", ["--engine", "--no-engine"])
@pytest.mark.parametrize("pipeline", ["default<O3>", "function(sroa,gvn),cgscc(inline)", "adce"])
def test_same_ir_as_opt(tc, example_ir, tmp_path, pipeline, engine):
    src = example_ir["sort.O3"]
    ours, theirs = tmp_path / "ours.ll", tmp_path / "theirs.ll"
    proc = rlopt(f"--passes={pipeline}", engine, str(src), "-S", "-o", str(ours))
    assert proc.returncode == 0, proc.stderr
    subprocess.run([str(tc.path("opt")), "-S", f"-passes={pipeline}", str(src), "-o", str(theirs)], check=True)
    if engine == "--engine":  # the engine names the module after its input file, as opt does
        assert ours.read_bytes() == theirs.read_bytes()
    assert body(ours.read_bytes()) == body(theirs.read_bytes())


def test_single_dash_long_options_like_opt(example_ir, tmp_path):
    out = tmp_path / "o.ll"
    proc = rlopt("-passes=mem2reg", "-S", str(example_ir["sort.O0"]), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().count(b"alloca") < example_ir["sort.O0"].read_bytes().count(b"alloca") / 2


def test_print_passes_replays_with_plain_opt(example_ir, tmp_path):
    out, replay = tmp_path / "rl.ll", tmp_path / "replay.ll"
    proc = rlopt("--actions=-sroa,-gvn,-licm,-instcombine", str(example_ir["matmul.O3"]), "-S", "-o", str(out),
                 "--print-passes")
    assert proc.returncode == 0, proc.stderr
    cmd = shlex.split(proc.stderr.decode().strip().splitlines()[-1])
    assert Path(cmd[0]).name == "opt" and "19" in cmd[0]
    cmd[cmd.index("-o") + 1] = str(replay)
    subprocess.run(cmd, check=True)
    assert body(out.read_bytes()) == body(replay.read_bytes())


def test_print_passes_replays_mtriple_and_says_what_strip_optnone_did(tc, example_ir, tmp_path):
    out, replay = tmp_path / "out.ll", tmp_path / "replay.ll"
    proc = rlopt("-O1", "--mtriple=aarch64-linux-gnu", str(example_ir["sort.O3"]), "-S", "-o", str(out),
                 "--print-passes")
    assert proc.returncode == 0, proc.stderr
    cmd = shlex.split(proc.stderr.decode().strip().splitlines()[-1])
    cmd[cmd.index("-o") + 1] = str(replay)
    subprocess.run(cmd, check=True)
    assert "aarch64" in replay.read_text() and body(out.read_bytes()) == body(replay.read_bytes())
    proc = rlopt("-O1", "--strip-optnone", str(example_ir["sort.optnone"]), "-S", "-o", str(out), "--print-passes")
    assert proc.returncode == 0 and b"--strip-optnone removed them first" in proc.stderr
    bitcode = tmp_path / "sort0.bc"  # bitcode too (it was passed on with its optnone functions)
    tc.run("llvm-as", [str(example_ir["sort.optnone"]), "-o", str(bitcode)])
    proc = rlopt("-O1", "--strip-optnone", str(bitcode), "-S", "-o", str(out))
    assert proc.returncode == 0 and "optnone" not in out.read_text()


@pytest.mark.parametrize("args", [["--passes=function(print<domtree>)", "-disable-output"],
                                  ["--passes=function(print<loops>)", "-S"],
                                  ["-O3", "--llvm-option=-pass-remarks=inline", "-S"]])
def test_what_opt_reports_on_stderr_is_shown(tc, example_ir, args):
    """Analysis printers and LLVM's reporting options print on stderr what opt prints (they printed nothing)."""
    src = str(example_ir["sort.O3"])
    out = [] if "-disable-output" in args else ["-o", "-"]
    proc = rlopt(*args, src, *out)
    opt_args = [a.replace("--passes=", "-passes=").replace("--llvm-option=", "") for a in args]
    want = subprocess.run([str(tc.path("opt")), *opt_args, src, *out], capture_output=True, check=True)
    assert proc.returncode == 0 and proc.stderr.strip() and proc.stderr == want.stderr
    assert body(proc.stdout) == body(want.stdout)


@pytest.mark.parametrize("spelling", [["-O1", "-S", "-o=OUT"], ["-O1", "-S", "--o=OUT"], ["--O1", "--S", "-o", "OUT"]])
def test_cl_opt_spellings(example_ir, tmp_path, spelling):
    """LLVM's command-line library takes any option with one dash or two, and a value after '='."""
    out = tmp_path / "out.ll"
    proc = rlopt(*[a.replace("OUT", str(out)) for a in spelling], str(example_ir["sort.O3"]))
    assert proc.returncode == 0 and out.read_text().startswith("; ModuleID"), proc.stderr


def test_an_action_name_is_not_a_pass_pipeline(example_ir):
    """opt refuses -passes=-sroa; rlopt took it for the action -sroa."""
    assert_clean_error(rlopt("--passes=-sroa", str(example_ir["sort.O3"]), "-S"), "unknown pass name '-sroa'")


def test_opt_processes_name_the_module_as_opt_does(tc, tmp_path):
    """Through opt processes (--no-engine) the module read on stdin is named as ``opt FILE`` names it: the same
    bytes as the engine's output and opt's (it said '<stdin>')."""
    src = tmp_path / 'n é"x.ll'  # no source_filename: LLVM takes the name, escaped
    src.write_text("define i32 @f(i32 %x) {\n  ret i32 %x\n}\n")
    outs = []
    for i, how in enumerate(("--engine", "--no-engine")):
        outs.append(tmp_path / f"{i}.ll")
        assert rlopt("-O1", how, "-S", str(src), "-o", str(outs[-1])).returncode == 0
    want = tc.run("opt", ["-O1", "-S", str(src), "-o", "-"])
    assert outs[0].read_bytes() == outs[1].read_bytes() == want


def test_print_passes_with_disable_output_still_tells_the_choice(example_ir, tmp_path):
    """`-disable-output --print-passes` is how one asks for the choice alone: it must print it, and write nothing."""
    proc = rlopt("-O-rl", str(example_ir["crc.O3"]), "-disable-output", "--print-passes", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cmd = shlex.split(proc.stderr.decode().strip().splitlines()[-1])
    assert Path(cmd[0]).name == "opt" and cmd[-1] == "-disable-output" and cmd[1].startswith("-passes=")
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    assert proc.stdout == b"" and list(tmp_path.iterdir()) == []


def test_bitcode_in_and_out(tc, example_ir, tmp_path):
    bc, ll = tmp_path / "x.bc", tmp_path / "x.ll"
    assert rlopt("-O2", str(example_ir["crc.O3"]), "-o", str(bc)).returncode == 0
    assert bc.read_bytes()[:4] == b"BC\xc0\xde"
    proc = rlopt("--passes=adce", str(bc), "-S", "-o", str(ll))
    assert proc.returncode == 0, proc.stderr
    assert b"define" in ll.read_bytes()


def test_stdin_to_stdout(example_ir):
    proc = rlopt("-O1", "-S", "-", "-o", "-", input=example_ir["sort.O3"].read_bytes())
    assert proc.returncode == 0 and b"define" in proc.stdout
    proc = rlopt("-O1", "-S", input=example_ir["sort.O3"].read_bytes())
    assert proc.returncode == 0 and b"define" in proc.stdout


def test_no_pipeline_just_verifies(example_ir):
    proc = rlopt("-S", str(example_ir["sort.O3"]))
    src = example_ir["sort.O3"].read_bytes()
    assert proc.returncode == 0 and proc.stdout.count(b"\ndefine ") == src.count(b"\ndefine ") > 0


def test_missing_input(tmp_path):
    assert_clean_error(rlopt("-O2", str(tmp_path / "nope.ll"), "-o", str(tmp_path / "o.bc")),
                       "nope.ll: No such file or directory")
    assert not (tmp_path / "o.bc").exists()


def test_directory_input(tmp_path):
    assert_clean_error(rlopt("-O2", str(tmp_path), "-o", str(tmp_path / "o.bc")), "is a directory")


def test_empty_input_is_an_empty_module_like_opt(tc, tmp_path):
    empty = tmp_path / "empty.ll"
    empty.write_bytes(b" \n")
    for src in ("/dev/null", str(empty)):
        inv = in_process(["-O2", src, "-S"])
        assert inv.returncode == 0, inv.stderr
        assert inv.stdout == tc.run("opt", ["-O2", src, "-S", "-o", "-"])


@pytest.mark.parametrize("model, baseline", [("speed", "default<O3>"), ("size", "default<Oz>")])
def test_valid_ir_the_model_cannot_read_gets_the_baseline_with_a_warning(monkeypatch, example_ir, tmp_path,
                                                                         model, baseline):
    """What LLVM accepts and rlopt's own reader does not is rlopt's failing, not the input's: -O-rl warns and
    runs the model's baseline (every atomicrmw was once such a module); what LLVM rejects stays an error."""
    from rlopt import features

    def unreadable(*args, **kwargs):
        raise InputError("cannot parse a type in IR: 'add ptr %7'")

    monkeypatch.setattr(features, "parse", unreadable)
    out = tmp_path / "o.ll"
    inv = in_process(["-O-rl", "--model", model, "--no-engine", str(example_ir["crc.O3"]), "-S", "-o", str(out),
                      "--print-passes"])
    assert inv.returncode == 0, inv.stderr + (inv.exception or "")
    assert "warning:" in inv.stderr and "cannot read this module" in inv.stderr
    assert f"-passes={baseline}" in inv.stderr and b"define" in out.read_bytes()
    bad = tmp_path / "bad.ll"
    bad.write_text("define i32 @f() {\n  ret i32 %x\n}\n")
    inv = in_process(["-O-rl", "--model", model, "--no-engine", str(bad), "-S"])
    assert inv.returncode == 1 and "use of undefined value" in inv.stderr and "warning" not in inv.stderr


@pytest.mark.parametrize("layout", ["crlf", "tabs", "unindented", "blank lines", "empty", "globals only"])
def test_valid_ir_laid_out_otherwise_is_read_as_llvm_prints_it(example_ir, tmp_path, layout):
    """Text LLVM accepts in any layout gets the choice its canonical printing gets, without a warning (CRLF line
    ends, tabs, unindented instructions and whitespace-only lines once gave tracebacks; an empty or
    globals-only module a warning)."""
    canonical = example_ir["sort.O3"].read_text()
    lines = canonical.splitlines()
    text = {"crlf": "\r\n".join(lines) + "\r\n",
            "tabs": "\n".join("\t" + ln[2:] if ln.startswith("  ") else ln for ln in lines) + "\n",
            "unindented": "\n".join(ln.lstrip() for ln in lines) + "\n",
            "blank lines": "\n".join(f"{ln}\n   " if ln.startswith("  ") else ln for ln in lines) + "\n",
            "empty": "", "globals only": "@x = global i32 0\n"}[layout]
    src = tmp_path / "in.ll"
    src.write_text(text)
    inv = in_process(["-O-rl", str(src), "-S", "-o", str(tmp_path / "out.ll"), "--print-passes"])
    assert inv.returncode == 0 and "warning" not in inv.stderr, inv.stderr + (inv.exception or "")
    if layout not in ("empty", "globals only"):
        want = in_process(["-O-rl", str(example_ir["sort.O3"]), "-S", "-o", str(tmp_path / "want.ll"),
                           "--print-passes"])
        assert inv.stderr.splitlines()[-1].split("-passes=")[1].split()[0] == \
            want.stderr.splitlines()[-1].split("-passes=")[1].split()[0]


def test_o_rl_runs_the_baseline_while_the_selector_decides(tc, example_ir, tmp_path, monkeypatch):
    """-O-rl begins -O3 in the engine while the speed selector reads the module; the output is the chosen
    pipeline's all the same, whether the choice was -O3 (its result taken) or another one (it was stopped)."""
    begun: list[str] = []
    real = Engine.head_start
    monkeypatch.setattr(Engine, "head_start", lambda self, data, pipeline, **kw: (begun.append(pipeline),
                                                                                 real(self, data, pipeline, **kw)))
    monkeypatch.setenv("RLOPT_TUNING_DB", str(tmp_path / "none.sqlite"))
    cautious = json.loads((MODELS_DIR / "speed.json").read_text()) | {"margin": 1.0}  # never leaves -O3
    (tmp_path / "cautious.json").write_text(json.dumps(cautious))
    shutil.copy(MODELS_DIR / "speed.onnx", tmp_path / "cautious.onnx")
    tc.run("llvm-as", [str(example_ir["sort.O3"]), "-o", str(tmp_path / "sort.bc")])
    chosen = set()
    for prog, model, src in (("crc", "speed", example_ir["crc.O3"]), ("sort", "speed", example_ir["sort.O3"]),
                             ("matmul", str(tmp_path / "cautious.onnx"), example_ir["matmul.O3"]),
                             ("sort-bc", str(tmp_path / "cautious.onnx"), tmp_path / "sort.bc")):
        out, replay = tmp_path / f"{prog}.ll", tmp_path / f"{prog}.replay.ll"
        inv = in_process(["-O-rl", "--model", model, str(src), "-S", "-o", str(out), "--print-passes"])
        assert inv.returncode == 0, inv.stderr + (inv.exception or "")
        cmd = shlex.split(inv.stderr.strip().splitlines()[-1])
        chosen.add(next(a for a in cmd if a.startswith("-passes=")))
        cmd[cmd.index("-o") + 1] = str(replay)
        subprocess.run(cmd, check=True)
        assert body(out.read_bytes()) == body(replay.read_bytes())
    assert begun == ["default<O3>"] * 4 and "-passes=default<O3>" in chosen and len(chosen) > 1
    assert in_process(["-O-rl", str(example_ir["crc.O3"]), "--print-pipeline-passes"]).returncode == 0
    assert len(begun) == 4  # nothing runs in the engine's output format when nothing is written


@pytest.mark.parametrize("line", ["%x = load", "%x = br", "%x = atomicrmw", "%x = icmp ptr %p,",
                                  "%x = extractvalue i32 %a, label", "%x = cleanuppad"])
def test_a_line_rlopts_reader_trips_on_gets_llvms_error(tmp_path, line):
    """-O-rl reads a text module with its own reader before LLVM does: a malformed line it cannot read is LLVM's
    one-line error, not a traceback (these once raised IndexError, ValueError or AttributeError)."""
    bad = tmp_path / "bad.ll"
    bad.write_text(f"define void @f(ptr %p) {{\n  {line}\n  ret void\n}}\n")
    out = tmp_path / "out.ll"
    inv = in_process(["-O-rl", str(bad), "-S", "-o", str(out)])
    assert (inv.returncode, inv.stdout) == (1, b""), inv.stderr + (inv.exception or "")
    [message] = inv.stderr.splitlines()
    assert message.startswith(f"rlopt: error: {bad}:") and "invalid LLVM IR: " in message and not out.exists()


def test_parse_error_is_one_line_naming_the_file_once(tmp_path):
    bad = tmp_path / "bad.ll"
    bad.write_text("define i32 @f() {\n  ret i32 %x\n}\n")
    inv = in_process(["-O2", str(bad), "-S"])
    assert inv.returncode == 1 and inv.stdout == b""
    assert inv.stderr.splitlines() == [f"rlopt: error: {bad}:2:11: invalid LLVM IR: use of undefined value '%x'"]


@pytest.mark.parametrize("args", [["-O2", "-S"], ["--passes=default<O2>", "-o", "OUT"], ["-O-rl", "-o", "OUT"],
                                  ["-O-rl", "-S", "-o", "-"], ["tune", "--objective", "size", "--evals", "1", "-o", "OUT"],
                                  ["-O2", "--no-engine", "-S"], ["-O-rl", "--no-engine", "-o", "OUT"]])
def test_bad_input_is_one_error_line_on_every_path(tmp_path, monkeypatch, args):
    """LLVM quotes the source line and a caret under its parse error: rlopt shows only the first line, wherever
    the module is parsed (here also -O-rl's tuning-database key, the tuner and ``opt`` reading stdin under
    --no-engine), for a file or stdin."""
    monkeypatch.setenv("RLOPT_TUNING_DB", str(tmp_path / "tuning.sqlite"))
    tuning.record("some other module", "size", "function(mem2reg)")  # -O-rl parses to look this module up
    bad = tmp_path / "bad.ll"
    bad.write_text("define i32 @f( {\n")
    out = tmp_path / "out.ll"
    argv = [str(out) if a == "OUT" else a for a in args]
    prog = "rlopt tune" if args[0] == "tune" else "rlopt"
    for src, stdin, where in ((str(bad), b"", f"{bad}:2:1"), ("-", bad.read_bytes(), "<stdin>:2:1")):
        inv = in_process([*argv, src], stdin=stdin)
        assert (inv.returncode, inv.stdout) == (1, b""), inv.stderr
        assert inv.stderr.splitlines() == [f"{prog}: error: {where}: invalid LLVM IR: expected type"]
        assert not out.exists() and bad.read_text() == "define i32 @f( {\n"


@pytest.mark.parametrize("engine", ["--engine", "--no-engine"])
def test_a_module_that_fails_the_verifier_is_one_error_line(tmp_path, engine):
    bad = tmp_path / "bad.ll"
    bad.write_text("define i32 @f(i1 %c) {\nentry:\n  br i1 %c, label %a, label %b\na:\n  %x = add i32 1, 2\n"
                   "  br label %b\nb:\n  ret i32 %x\n}\n")
    inv = in_process(["-O2", engine, str(bad), "-S"])
    assert (inv.returncode, inv.stdout) == (1, b"")
    assert inv.stderr.splitlines() == [
        f"rlopt: error: {bad}: input module is broken: Instruction does not dominate all uses!"]


@pytest.mark.parametrize("engine", ["--engine", "--no-engine"])
def test_truncated_bitcode_is_one_error_line(tc, example_ir, tmp_path, engine):
    full, cut = tmp_path / "full.bc", tmp_path / "cut.bc"
    tc.run("llvm-as", [str(example_ir["sort.O3"]), "-o", str(full)])
    cut.write_bytes(full.read_bytes()[:300])
    inv = in_process(["-O2", engine, str(cut), "-o", str(tmp_path / "out.bc")])
    assert inv.returncode == 1 and not (tmp_path / "out.bc").exists()
    [line] = inv.stderr.splitlines()
    assert line.startswith(f"rlopt: error: {cut}: invalid LLVM IR: "), line


# opt's own flags run the pipeline in opt: its -time-passes report follows the error; -print-pipeline-passes runs none
@pytest.mark.parametrize("engine", ["--engine", "--no-engine", "-time-passes", "-print-pipeline-passes"])
@pytest.mark.parametrize("pipeline, reason", [("no-such-pass", ": unknown pass name 'no-such-pass'"),
                                              ("loop-unroll<bad>", ": invalid LoopUnrollPass parameter 'bad'"),
                                              ("function(instcombine", "")])
def test_a_bad_pipeline_is_the_same_error_line_on_both_backends(example_ir, engine, pipeline, reason):
    src = example_ir["crc.O3"]
    inv = in_process([engine, f"--passes={pipeline}", str(src), "-S"])
    assert (inv.returncode, inv.stdout) == (1, b"")
    assert inv.stderr.splitlines() == [f"rlopt: error: {src}: invalid pipeline '{pipeline}'{reason}"]


@pytest.mark.parametrize("engine", ["--engine", "--no-engine"])
def test_a_pass_that_fails_is_not_called_a_bad_pipeline(example_ir, engine):
    """A pipeline LLVM parses whose pass fails (here the profile reader, given no profile) keeps LLVM's message."""
    inv = in_process([engine, "--passes=pgo-instr-use", str(example_ir["crc.O3"]), "-S"])
    assert (inv.returncode, inv.stdout) == (1, b"")
    [line] = inv.stderr.splitlines()
    assert "No such file or directory" in line and "invalid pipeline" not in line, line


def test_malformed_ir_leaves_nothing(example_ir, tmp_path):
    bad = tmp_path / "bad.ll"
    bad.write_bytes(example_ir["sort.O3"].read_bytes().replace(b"ret i32", b"ret i64", 1))
    before = sha(bad)
    out = tmp_path / "out.ll"
    assert_clean_error(rlopt("-O2", str(bad), "-S", "-o", str(out)), "bad.ll:", "error")
    assert sha(bad) == before and not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_failure_keeps_existing_output(example_ir, tmp_path):
    out = tmp_path / "out.ll"
    out.write_text("previous result\n")
    proc = rlopt("--passes=no-such-pass", str(example_ir["sort.O3"]), "-S", "-o", str(out))
    assert_clean_error(proc, "unknown pass name")
    assert out.read_text() == "previous result\n"


def test_output_through_a_symbolic_link_replaces_its_target(example_ir, tmp_path):
    """As opt writes through ``-o link``: the link stays, its target gets the module (it was replaced by a file)."""
    target, link = tmp_path / "target.ll", tmp_path / "link.ll"
    target.write_text("old\n")
    link.symlink_to(target.name)
    proc = rlopt("-O1", str(example_ir["sort.O3"]), "-S", "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and target.read_text().startswith("; ModuleID")


@pytest.mark.parametrize("closed", [">&-", "2>&-", "<&-"])
def test_a_closed_standard_stream_is_dev_null_as_for_opt(example_ir, tmp_path, closed):
    """``rlopt ... >&-`` once ended in a traceback (Python makes a closed stream None) and wrote no output."""
    out = tmp_path / "out.ll"
    src = "-" if closed == "<&-" else shlex.quote(str(example_ir["sort.O3"]))
    cmd = f"{shlex.join(RLOPT)} -O-rl -S {src} -o {shlex.quote(str(out))} {closed}"
    proc = subprocess.run(["/bin/sh", "-c", cmd], capture_output=True, timeout=120)
    assert proc.returncode == 0 and b"Traceback" not in proc.stderr, proc.stderr
    assert out.read_text().startswith("; ModuleID")


def test_a_full_stdout_is_one_line_naming_it():
    proc = subprocess.run(["/bin/sh", "-c", f"{shlex.join(RLOPT)} -O1 -S - > /dev/full"], input=b"",
                          capture_output=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr.decode().strip() == "rlopt: error: <stdout>: No space left on device"


@pytest.mark.parametrize("where", ["missing/dir/out.ll", "afile/out.ll"])
def test_unwritable_output(example_ir, tmp_path, where):
    (tmp_path / "afile").write_text("x")
    proc = rlopt("-O1", str(example_ir["sort.O3"]), "-S", "-o", str(tmp_path / where))
    assert_clean_error(proc, "out.ll")


def test_disk_full_output(example_ir):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    proc = rlopt("-O1", str(example_ir["sort.O3"]), "-S", "-o", "/dev/full/out.ll")
    assert_clean_error(proc)


def test_crashing_pass_is_contained(example_ir, crashing_llvm, tmp_path):
    out = tmp_path / "o.ll"
    proc = rlopt("--llvm-bin", str(crashing_llvm), "-O2", str(example_ir["sort.O3"]), "-S", "-o", str(out))
    assert_clean_error(proc, "crashed with SIGSEGV")
    assert not out.exists()


@pytest.mark.parametrize("form", [["-S"], []], ids=["text", "bitcode"])
def test_an_opt_that_prints_no_module_is_an_error(example_ir, tmp_path, form):
    """An ``opt`` that exits 0 having printed something else than a module (a wrapper script's banner) is an
    error, not the output."""
    junk = make_fake_llvm(tmp_path / "junk-bin", "cat >/dev/null; echo 'optimised!'")
    out = tmp_path / "o.ll"
    proc = rlopt("--llvm-bin", str(junk), "-O2", str(example_ir["sort.O3"]), *form, "-o", str(out))
    assert_clean_error(proc, f"printed no {'IR text' if form else 'bitcode'} module but b'optimised!")
    assert not out.exists()


@pytest.mark.parametrize("option", ["-disable-output=true", "--disable-output=1", "-print-pipeline-passes=true"])
def test_opt_flags_with_a_value_that_print_no_module_are_not_an_error(example_ir, option):
    proc = rlopt("-O2", "-S", "--no-engine", f"--llvm-option={option}", str(example_ir["sort.O3"]))
    assert proc.returncode == 0 and b"ModuleID" not in proc.stdout, proc.stderr


def _descendants(pid: int) -> set[int]:
    """The live processes under ``pid`` (from /proc)."""
    parent: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        with contextlib.suppress(OSError):
            fields = dict(ln.split(":\t", 1) for ln in status.read_text().splitlines() if ":\t" in ln)
            if not fields["State"].startswith("Z"):
                parent[int(status.parent.name)] = int(fields["PPid"])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found


def _running(pids: set[int]) -> set[int]:
    """Those of ``pids`` still alive and not zombies."""
    out = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            if "State:\tZ" not in Path(f"/proc/{pid}/status").read_text():
                out.add(pid)
    return out


@pytest.mark.parametrize("engine", ["--engine", "--no-engine"])
def test_sigterm_stops_the_workers_and_leaves_no_output(tmp_path, engine):
    """``timeout N rlopt ...`` (SIGTERM) stops the engine worker or opt with rlopt, and SIGKILL the forked worker
    too (before, they ran on for half a minute with nobody to answer); no output is left."""
    from rlopt.training.benchmarks.generated import write_module

    big = write_module(tmp_path, functions=1000)  # -O3 takes ~5 s
    out = tmp_path / "out.bc"
    for sig, status in ((signal.SIGTERM, 143), (signal.SIGKILL, -9))[:2 if engine == "--engine" else 1]:
        proc = subprocess.Popen([*RLOPT, "-O3", engine, str(big), "-o", str(out)], stderr=subprocess.PIPE)
        # the worker, or opt, started (0.7-1.1 s after the command on a loaded machine: a fixed wait of 1.5 s had
        # little to spare); then -O3 running (~5 s)
        deadline = time.monotonic() + 60
        while not _descendants(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        children = _descendants(proc.pid)
        assert children  # the worker, or opt
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=30)
        assert proc.returncode == status, err
        assert status < 0 or err.decode().strip() == "rlopt: error: terminated"
        deadline = time.monotonic() + 5
        while _running(children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(children) and not out.exists()


def test_hanging_pass_times_out(example_ir, hanging_llvm, tmp_path):
    out = tmp_path / "o.ll"
    proc = rlopt("--llvm-bin", str(hanging_llvm), "--timeout", "1", "-O2", str(example_ir["sort.O3"]), "-S",
                 "-o", str(out))
    assert_clean_error(proc, "timed out after 1 s")
    assert not out.exists()


def test_old_llvm_is_refused(example_ir):
    if not Path("/usr/bin/opt").exists():
        pytest.skip("no system opt")
    assert_clean_error(rlopt("--llvm-bin", "/usr/bin", "-O2", str(example_ir["sort.O3"]), "-S"), "LLVM 19")


def test_usage_errors(example_ir):
    proc = rlopt("-O3", "--passes=adce", str(example_ir["sort.O3"]), "-S")
    assert proc.returncode == 2 and b"cannot combine" in proc.stderr
    assert rlopt("-O7", str(example_ir["sort.O3"]), "-S").returncode == 2
    proc = rlopt("--actions=-adce,-bogus", str(example_ir["sort.O3"]), "-S")
    assert proc.returncode == 2 and b"unknown action '-bogus'" in proc.stderr


def test_optnone_input_warns_and_can_be_stripped(example_ir, tmp_path):
    src = example_ir["sort.optnone"]
    proc = rlopt("-O2", str(src), "-S", "-o", str(tmp_path / "a.ll"))
    assert proc.returncode == 0 and b"optnone" in proc.stderr and b"--strip-optnone" in proc.stderr
    proc = rlopt("-O2", "--strip-optnone", str(src), "-S", "-o", str(tmp_path / "b.ll"))
    assert proc.returncode == 0 and proc.stderr == b""
    stripped = (tmp_path / "b.ll").read_text()
    assert " optnone" not in stripped and stripped.count("alloca") < src.read_text().count("alloca") / 2


def test_optnone_bitcode_warns_under_o_rl(tc, example_ir, tmp_path):
    bitcode = tmp_path / "sort0.bc"
    tc.run("llvm-as", [str(example_ir["sort.optnone"]), "-o", str(bitcode)])
    proc = rlopt("-O-rl", str(bitcode), "-o", str(tmp_path / "out.bc"))
    assert proc.returncode == 0 and b"function(s) are optnone" in proc.stderr
    assert proc.stderr.count(b"function(s) are optnone") == 1
    proc = rlopt("-O-rl", str(example_ir["sort.O3"]), "-S", "-o", str(tmp_path / "clean.ll"))
    assert proc.returncode == 0 and b"optnone" not in proc.stderr


def test_version_and_help(tc):
    assert rlopt("--version").stdout.decode().splitlines() == [
        f"rlopt {__version__}", f"LLVM version {tc.version_string} ({tc.bin_dir})"]
    assert b"-O-rl" in rlopt("--help").stdout
    assert b"-mem2reg" in rlopt("--list-actions").stdout


def test_unreadable_bitcode_is_an_error_not_an_output(example_ir, tmp_path):
    """LLVM writes a NUL in an attribute string into bitcode it cannot read back: refuse, leave nothing."""
    src = tmp_path / "nul.ll"
    src.write_bytes(example_ir["sort.O3"].read_bytes().replace(
        b'"target-cpu"="x86-64"', b'"target-cpu"="x86-64" "k\x00"="v"', 1))
    out = tmp_path / "out.bc"
    assert_clean_error(rlopt("-O1", str(src), "-o", str(out)), "cannot read back")
    assert not out.exists()
    assert rlopt("-O1", str(src), "-S", "-o", str(tmp_path / "out.ll")).returncode == 0


def test_o_rl_on_non_utf8_bytes(example_ir, tmp_path):
    """Raw bytes in attribute strings reach the policy's observation without a traceback."""
    src = tmp_path / "ff.ll"
    src.write_bytes(example_ir["sort.O3"].read_bytes().replace(
        b'"target-cpu"="x86-64"', b'"target-cpu"="x86-64" "k\xff"="v"', 1))
    proc = rlopt("-O-rl", str(src), "-S", "-o", str(tmp_path / "out.ll"))
    assert proc.returncode == 0, proc.stderr
    assert b'"k\xff"="v"' in (tmp_path / "out.ll").read_bytes()


def test_opt_daily_flags(tc, example_ir, tmp_path):
    """-disable-output, -p, -print-pipeline-passes and opt's diagnostics (run in an opt process) work."""
    src, out = str(example_ir["crc.O0"]), tmp_path / "o.ll"
    inv = in_process(["-O2", "-disable-output", src, "-o", str(out)])
    assert inv.returncode == 0 and inv.stdout == b"" and not out.exists()
    assert in_process(["-p", "sroa", src, "-S"]).stdout == in_process(["-passes=sroa", src, "-S"]).stdout
    inv = in_process(["-O2", "-print-pipeline-passes", src, "-o", str(out)])
    expanded = tc.run("opt", ["-passes=default<O2>", "-disable-output", "-print-pipeline-passes", src])
    assert inv.returncode == 0 and inv.stdout == expanded and not out.exists()
    inv = in_process(["-p=instcombine", "-time-passes", "-disable-output", src])
    assert inv.returncode == 0 and "Pass execution timing report" in inv.stderr
    inv = in_process(["-p", "instcombine", "-debug-pass-manager", src, "-S", "-o", str(out)])
    assert "Running pass: InstCombinePass" in inv.stderr and "define" in out.read_text()
    assert in_process(["-O1", "-stats", "-disable-output", src]).returncode == 0
    inv = in_process(["-O1", "-mtriple=aarch64-linux-gnu", src, "-S"])
    assert inv.returncode == 0 and b'target triple = "aarch64-unknown-linux-gnu"' in inv.stdout


@pytest.mark.parametrize(("argv", "message"), [
    (["-disable-outptu"], "unknown option '-disable-outptu'; did you mean '-disable-output'?"),
    (["-verify-each"], "unknown option '-verify-each'"),
    (["-ofile.ll"], "unknown option '-ofile.ll'"),
    (["-O3", "-O2"], "Cannot specify multiple -O#"),
])
def test_refused_options_are_named_whole(example_ir, argv, message):
    inv = in_process([*argv, str(example_ir["crc.O0"]), "-S"])
    assert inv.returncode == 2 and fuzz.clear_error(inv.stderr) and message in inv.stderr, inv.stderr


@pytest.mark.parametrize("options", [["-O2"], ["-O-rl"]])
def test_print_passes_bitcode_replay_is_byte_identical(example_ir, tmp_path, options):
    ours, replay = tmp_path / "ours.bc", tmp_path / "replay.bc"
    inv = in_process([*options, str(example_ir["sort.O1"]), "-o", str(ours), "--print-passes"])
    assert inv.returncode == 0, inv.stderr
    cmd = shlex.split(inv.stderr.strip().splitlines()[-1])
    cmd[cmd.index("-o") + 1] = str(replay)
    subprocess.run(cmd, check=True)
    assert ours.read_bytes() == replay.read_bytes()
