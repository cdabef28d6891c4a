"""The in-process LLVM engine: parity with opt-19, crash/hang containment, and flat memory over many steps."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rlopt import toolchain
from rlopt.engine import Engine, Module, OptBackend, StaleHandle, StepResult, backend_for
from rlopt.errors import InputError, ToolchainError, ToolCrash, ToolError, ToolTimeout
from tests.faulty_worker import HANGING_NAME, FaultyEngine

DATA = Path(__file__).parent / "data" / "engine"
PIPELINES = ["adce", "function(gvn)", "sroa", "default<O3>", "mem2reg", "instcombine<no-verify-fixpoint>",
             "loop-mssa(licm)"]
# An instruction used where its definition does not dominate: parses, but fails the verifier.
BROKEN_IR = b"""define i32 @f(i1 %c) {
entry:
  br i1 %c, label %a, label %b
a:
  %x = add i32 1, 2
  br label %b
b:
  ret i32 %x
}
"""
MB = 1 << 20


@pytest.fixture(scope="module")
def tc() -> toolchain.Toolchain:
    try:
        found = toolchain.find()
    except ToolchainError as e:
        pytest.skip(str(e))
    if found.libllvm is None:
        pytest.skip("this LLVM has no shared libLLVM")
    return found


@pytest.fixture(scope="module")
def modules(tc: toolchain.Toolchain) -> dict[str, bytes]:
    """Each C file under tests/data/engine as the IR clang -O3 hands to its optimizer."""
    out = {}
    for src in sorted(DATA.glob("*.c")):
        out[src.stem] = tc.run("clang", ["-O3", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", "-w",
                                         "-I/usr/include/csmith", str(src), "-o", "-"])
    return out


@pytest.fixture(scope="module")
def engine(tc: toolchain.Toolchain):
    with Engine(tc, timeout=60.0) as eng:
        yield eng


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_text_matches_opt(engine: Engine, tc: toolchain.Toolchain, modules: dict[str, bytes],
                          pipeline: str) -> None:
    for name, ir in modules.items():
        handle = engine.load(ir)
        engine.run(handle, pipeline)
        engine.verify(handle)
        assert engine.text(handle) == tc.opt(ir, pipeline).decode(), f"{name}: {pipeline}"
        engine.free(handle)


def test_optimize_bitcode_matches_opt(engine: Engine, tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    """Byte for byte, use-list order included (opt keeps it in bitcode by default; so does the engine)."""
    ir = modules["csmith_42"]
    ours = engine.optimize(ir, "default<O3>", bitcode=True)
    assert ours.startswith(b"BC\xc0\xde")
    assert ours == tc.opt(ir, "default<O3>", bitcode=True)


def test_bitcode_input_gives_same_module(engine: Engine, tc: toolchain.Toolchain,
                                         modules: dict[str, bytes]) -> None:
    ir = modules["list"]
    bc = tc.run("llvm-as", ["-", "-o", "-"], input=ir)
    assert engine.optimize(bc, "sroa") == engine.optimize(ir, "sroa") == tc.opt(bc, "sroa")


def test_instruction_count_matches_printed_text(engine: Engine, modules: dict[str, bytes]) -> None:
    for ir in modules.values():
        handle = engine.load(ir)
        for pipeline in ("", "default<O3>"):
            if pipeline:
                engine.run(handle, pipeline)
            # one instruction per line indented by two spaces (a switch continues at four and ends with "  ]")
            body_lines = re.findall(r"^  [^ ;\]]", engine.text(handle), flags=re.MULTILINE)
            assert engine.instruction_count(handle) == len(body_lines) > 0
        engine.free(handle)


def test_step_is_run_verify_print_and_count_in_one_call(engine: Engine, tc: toolchain.Toolchain,
                                                        modules: dict[str, bytes]) -> None:
    ir = modules["sort"]
    handle = engine.load(ir)
    same = engine.step(handle, "")
    text = engine.text(handle)
    assert same == StepResult(hashlib.sha256(text.encode()).hexdigest(), engine.instruction_count(handle), False)
    moved = engine.step(handle, "mem2reg", previous=same.digest)
    assert moved.changed and moved.text == tc.opt(ir, "mem2reg").decode()
    assert moved.digest == hashlib.sha256(moved.text.encode()).hexdigest()
    assert moved.instruction_count == engine.instruction_count(handle) < same.instruction_count
    # nothing left to promote: the same state, no text sent
    assert engine.step(handle, "mem2reg") == StepResult(moved.digest, moved.instruction_count, False)
    # "changed" is relative to what the caller holds
    assert engine.step(handle, "", previous=same.digest).text == moved.text
    engine.free(handle)


def test_step_verifies_its_result(engine: Engine) -> None:
    handle = engine.load(BROKEN_IR, verify=False)
    with pytest.raises(ToolError, match="module is broken"):
        engine.step(handle, "")
    engine.free(handle)


@pytest.mark.parametrize("pic", [True, False])
def test_object_text_size_matches_llc(engine: Engine, tc: toolchain.Toolchain, modules: dict[str, bytes],
                                      tmp_path: Path, pic: bool) -> None:
    """As llc makes the object: position-independent for a module clang compiled so (``-fPIE``, Debian's
    default, or ``-fPIC``: a "PIC Level" module flag), as clang's own backend does; static for ``-fno-pic``."""
    if not pic:
        modules = {name: tc.run("clang", ["-O3", "-fno-pic", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm",
                                          "-w", "-I/usr/include/csmith", str(DATA / f"{name}.c"), "-o", "-"])
                   for name in modules}
    for name, ir in modules.items():
        assert (b'"PIC Level"' in ir) == pic
        obj = tmp_path / f"{name}.o"
        tc.run("llc", ["-filetype=obj", *(["-relocation-model=pic"] if pic else []), "-", "-o", str(obj)], input=ir)
        sizes = tc.run("llvm-size", ["-A", str(obj)]).decode().splitlines()
        expected = next(int(ln.split()[1]) for ln in sizes if ln.startswith(".text "))
        handle = engine.load(ir)
        assert engine.object_text_size(handle) == expected, name
        engine.free(handle)


@pytest.mark.parametrize("pipeline", ["default<Oz>", "default<O1>"])
def test_object_text_size_is_the_size_of_the_module_as_written(engine: Engine, tc: toolchain.Toolchain,
                                                               tmp_path: Path, pipeline: str) -> None:
    """After a pipeline, .text is that of the module as its bitcode has it (what rlopt-cc hands clang's backend),
    not of a clone: a clone's use-lists come in another order, and code generation follows them (sort.c at -Oz
    measured 330 bytes through a clone, 336 as written)."""
    ir = tc.run("clang", ["-Oz", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", "-w", str(DATA / "sort.c"),
                          "-o", "-"])
    h = engine.load(ir)
    engine.run(h, pipeline)
    (tmp_path / "m.bc").write_bytes(engine.bitcode(h))
    tc.run("llc", ["-filetype=obj", "-relocation-model=pic", str(tmp_path / "m.bc"), "-o", str(tmp_path / "m.o")])
    sizes = tc.run("llvm-size", ["-A", str(tmp_path / "m.o")]).decode().splitlines()
    assert engine.object_text_size(h) == next(int(ln.split()[1]) for ln in sizes if ln.startswith(".text "))
    engine.free(h)


def test_clone_is_independent(engine: Engine, modules: dict[str, bytes]) -> None:
    original = engine.load(modules["sort"])
    before = engine.text(original)
    copy = engine.clone(original)
    engine.run(copy, "default<O3>")
    assert engine.text(original) == before
    assert engine.instruction_count(copy) < engine.instruction_count(original)
    engine.free(original)
    assert engine.instruction_count(copy) > 0  # a clone outlives its source (shared context kept alive)
    engine.free(copy)


def _threads(eng: Engine) -> int:
    assert eng._proc is not None
    return len(list(Path(f"/proc/{eng._proc.pid}/task").iterdir()))


@pytest.mark.parametrize("cpus, knobs, parallel", [("all", (), True), ("one", (), False),
                                                   ("all", ("unroll-count=2",), False)])
def test_run_each_builds_what_opt_writes(tc: toolchain.Toolchain, modules: dict[str, bytes], cpus: str,
                                         knobs: tuple[str, ...], parallel: bool) -> None:
    """run_each: a handle per pipeline, each module byte for byte what opt writes (not a clone's use-list
    order), None for a pipeline that fails; in lane threads only where the worker has cores and the runs share
    LLVM's options; object_text_sizes as object_text_size, None where no code can be generated."""
    available = os.sched_getaffinity(0)
    if parallel and len(available) < 2:
        pytest.skip("one core: run_each goes in order")
    ir, runs = modules["sort"], [("default<Oz>", knobs), ("no-such-pass", knobs), ("sroa,instcombine", knobs)]
    try:
        if cpus == "one":
            os.sched_setaffinity(0, {min(available)})  # the worker inherits it
        eng = Engine(tc, timeout=60.0)
        eng.start()
    finally:
        os.sched_setaffinity(0, available)
    with eng:
        handles = eng.run_each(ir, runs)
        assert handles[1] is None and None not in (handles[0], handles[2])
        assert (_threads(eng) > 1) == parallel
        for h, (pipeline, _) in zip(handles, runs, strict=True):
            if h is not None:
                assert eng.bitcode(h) == tc.opt(ir, pipeline, bitcode=True, extra=[f"-{k}" for k in knobs]), pipeline
        built = [h for h in handles if h is not None]
        no_triple = eng.load(b"define i32 @f() {\n  ret i32 0\n}\n")
        assert eng.object_text_sizes([*built, no_triple]) == [*map(eng.object_text_size, built), None]
        with pytest.raises(InputError, match="invalid LLVM IR"):
            eng.run_each(b"this is not IR", runs)
        assert eng.instruction_count(built[0]) > 0 and eng.starts == 1


def test_a_kept_module_answers_the_same_optimize_once(engine: Engine, modules: dict[str, bytes]) -> None:
    """keep(): the exact size selector's chosen module is not built twice, and what comes back is what a fresh
    optimize gives (text IR; bitcode may differ only in use-list order, a property of the clone)."""
    data, pipe = modules["sort"], "default<Oz>"
    fresh = engine.optimize(data, pipe, name="sort.ll")

    def kept() -> int:
        h = engine.load(data, name="sort.ll")
        engine.run(h, pipe)
        engine.keep(h, data, pipe, name="sort.ll")
        return h

    h = kept()
    assert engine.optimize(data, pipe, name="sort.ll") == fresh
    with pytest.raises(StaleHandle):  # given once, then freed
        engine.text(h)
    h = kept()
    assert engine.optimize(data, "default<O1>", name="sort.ll") != fresh  # another call drops it
    with pytest.raises(StaleHandle):
        engine.text(h)
    kept()
    assert engine.optimize(data, pipe, name="other.ll") != fresh  # the name is part of the output


def test_bad_inputs_raise_one_line_errors(engine: Engine, modules: dict[str, bytes]) -> None:
    with pytest.raises(InputError, match="invalid LLVM IR"):
        engine.load(b"this is not IR")
    with pytest.raises(InputError, match="input module is broken: Instruction does not dominate"):
        engine.load(BROKEN_IR)
    handle = engine.load(modules["list"])
    with pytest.raises(ToolError, match="unknown pass name 'no-such-pass'") as err:
        engine.run(handle, "no-such-pass")
    assert "\n" not in str(err.value)
    engine.free(handle)
    engine.free(handle)  # freeing twice is harmless
    with pytest.raises(StaleHandle):
        engine.text(handle)


def test_forced_crash_is_contained(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    with FaultyEngine(tc) as eng:
        handle = eng.load(modules["list"])
        with pytest.raises(ToolCrash, match="SIGSEGV"):
            eng.crash()
        with pytest.raises(StaleHandle, match="load the IR again"):
            eng.instruction_count(handle)
        fresh = eng.load(modules["list"])
        assert eng.instruction_count(fresh) > 0
        assert eng.starts == 2


def test_a_head_start_is_the_answer_to_the_same_call(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    data = modules["list"]
    with Engine(tc) as eng:
        eng.head_start(data, "default<O3>", bitcode=True, name="m.ll")
        assert eng.optimize(data, "default<O3>", bitcode=True, name="m.ll") == \
            tc.opt(data, "default<O3>", bitcode=True).replace(b"<stdin>", b"m.ll")
        eng.head_start(data, "default<O3>", name="m.ll")
        assert eng.optimize(data, "default<O3>", name="m.ll") == tc.opt(data, "default<O3>").replace(b"<stdin>", b"m.ll")
        assert eng.starts == 1  # nothing was stopped


def test_a_head_start_that_fails_is_that_calls_error(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    """The same call gets the head start's error instead of running again: a hanging pipeline times out once."""
    data = modules["list"]
    with FaultyEngine(tc, timeout=3.0) as eng:
        eng.head_start(data, "default<O3>", name=HANGING_NAME)
        started = time.monotonic()
        with pytest.raises(ToolTimeout):
            eng.optimize(data, "default<O3>", name=HANGING_NAME)
        assert time.monotonic() - started < 5.5  # two timeouts would take 6 s
        eng.head_start(BROKEN_IR, "default<O3>")
        with pytest.raises(InputError, match="input module is broken"):
            eng.optimize(BROKEN_IR, "default<O3>")


def test_a_head_start_stopped_after_its_answer_leaves_no_dying_worker(tc: toolchain.Toolchain,
                                                                       modules: dict[str, bytes],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The thread may have its answer and not have ended when another call stops it: the worker it kills must
    not take that call (once seen on cBench patricia: 'worker crashed with SIGKILL during optimize')."""
    answered, killed = threading.Event(), threading.Event()
    real = Engine._run_head_start

    def ends_when_killed(self: Engine, head) -> None:
        real(self, head)
        answered.set()
        killed.wait(10)  # then ends at once: the other call goes on while the killed worker may still live

    monkeypatch.setattr(Engine, "_run_head_start", ends_when_killed)
    data = modules["list"]
    with Engine(tc) as eng:
        eng.head_start(data, "default<O3>")
        assert answered.wait(60)
        proc = eng._proc
        kill = proc.kill
        monkeypatch.setattr(proc, "kill", lambda: (kill(), killed.set()))
        assert eng.optimize(data, "adce") == tc.opt(data, "adce")


def test_any_other_call_stops_a_head_start(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    """-O-rl begins -O3 while its selector decides; when it chooses something else, the worker still running
    -O3 is killed at once (here it would never finish) and the chosen pipeline runs in a new one."""
    data = modules["list"]
    with FaultyEngine(tc) as eng:
        eng.head_start(data, "default<O3>", name=HANGING_NAME)
        time.sleep(0.5)  # the worker is inside the hanging call
        started = time.monotonic()
        assert eng.optimize(data, "adce", name="other.ll") == tc.opt(data, "adce").replace(b"<stdin>", b"other.ll")
        assert eng.instruction_count(eng.load(data)) > 0
        eng.head_start(data, "default<O3>", name=HANGING_NAME)
        time.sleep(0.5)
        eng.close()  # closing stops it too
        assert time.monotonic() - started < 20 and eng.starts == 2  # one restart: after the first kill


def test_llvm_fatal_error_is_contained(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    """A real LLVM abort: the verifier pass on a broken module calls report_fatal_error."""
    with Engine(tc) as eng:
        handle = eng.load(BROKEN_IR, verify=False)
        with pytest.raises(ToolCrash, match="LLVM ERROR: Broken module found") as err:
            eng.run(handle, "verify")
        assert "during run 'verify'" in err.value.detail
        with pytest.raises(ToolCrash, match="LLVM ERROR: Broken module found") as err:
            eng.step(eng.load(BROKEN_IR, verify=False), "verify")
        assert "during run 'verify'" in err.value.detail
        assert eng.optimize(modules["list"], "adce") == tc.opt(modules["list"], "adce")


def test_forced_hang_times_out_and_recovers(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    with FaultyEngine(tc, timeout=1.0) as eng:
        eng.load(modules["list"])  # start the worker outside the timed call
        start = time.monotonic()
        with pytest.raises(ToolTimeout, match="timed out after 1 s"):
            eng.hang()
        assert time.monotonic() - start < 5
        assert eng.instruction_count(eng.load(modules["list"])) > 0


def test_worker_killed_between_calls_is_restarted(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    with Engine(tc) as eng:
        handle = eng.load(modules["list"])
        eng._proc.kill()  # type: ignore[union-attr]
        eng._proc.wait()  # type: ignore[union-attr]
        with pytest.raises(StaleHandle):
            eng.run(handle, "adce")
        assert eng.instruction_count(eng.load(modules["list"])) > 0


@pytest.mark.parametrize("fork", [True, False])
def test_a_killed_workers_temporary_files_go_with_it(tc: toolchain.Toolchain, modules: dict[str, bytes],
                                                     fork: bool) -> None:
    """The worker prints modules through temporary files; one killed mid-print (a timeout) cannot remove its
    own, so they live in a directory of the engine's, removed with the worker (they piled up in /tmp)."""
    with Engine(tc, fork=fork) as eng:
        assert eng.bitcode(eng.load(modules["list"]))  # (written through a temporary file)
        first = Path(eng._scratch.name)  # type: ignore[union-attr]
        (first / "rlopt-engine-left.ll").write_text("")  # what a worker killed while printing leaves
        eng._proc.kill()  # type: ignore[union-attr]
        eng._proc.wait()  # type: ignore[union-attr]
        assert eng.instruction_count(eng.load(modules["list"])) > 0  # a new worker
        assert not first.exists()
        second = Path(eng._scratch.name)  # type: ignore[union-attr]
    assert not second.exists()


_FORKED = """
import os, sys
from rlopt import toolchain
from rlopt.errors import ToolCrash, ToolTimeout
from tests.faulty_worker import HANGING_NAME, FaultyEngine

module = open(sys.argv[1], "rb").read()
eng = FaultyEngine(toolchain.find(), timeout=1.0, fork=True)
eng.start()
assert type(eng._proc).__name__ == "_Forked", type(eng._proc)
assert eng.instruction_count(eng.load(module)) > 0
for fault, error in ((eng.crash, ToolCrash), (eng.hang, ToolTimeout)):
    try:
        fault()
        raise AssertionError(f"{fault.__name__} did not fail")
    except error as e:
        print(type(e).__name__, str(e).splitlines()[0])
    assert eng.instruction_count(eng.load(module)) > 0  # a new worker: forked again (one thread still)
    assert type(eng._proc).__name__ == "_Forked"
pid = eng._proc.pid
eng.close()
try:
    os.waitpid(pid, os.WNOHANG)
    raise AssertionError("the worker was not reaped")
except ChildProcessError:
    print("reaped", eng.starts)
"""


def test_forked_worker_is_contained_like_a_new_one(modules: dict[str, bytes], tmp_path: Path) -> None:
    """``fork=True`` (rlopt's command line): in a process with one thread the worker is a fork of it, and a
    crash or a hang in it is contained and recovered from as in a worker that is a new interpreter."""
    module = tmp_path / "list.ll"
    module.write_bytes(modules["list"])
    proc = subprocess.run([sys.executable, "-c", _FORKED, str(module)], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parent.parent)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["ToolCrash engine: worker crashed with SIGSEGV during crash",
                                        "ToolTimeout engine: timed out after 1 s", "reaped 3"]


def test_fork_needs_a_single_thread(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    """A process with another thread gets a new interpreter as its worker: a fork could inherit a lock that
    no thread of the child would ever release."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with Engine(tc, fork=True) as eng:
            eng.start()
            assert isinstance(eng._proc, subprocess.Popen)
            assert eng.instruction_count(eng.load(modules["list"])) > 0
    finally:
        stop.set()
        thread.join()


def test_started_early_worker_serves_the_first_call(tc: toolchain.Toolchain, modules: dict[str, bytes]) -> None:
    """``start`` spawns the worker without waiting; the first call waits for it; a second start is a no-op,
    and a worker started but never used closes cleanly."""
    with Engine(tc) as eng:
        eng.start()
        proc = eng._proc
        eng.start()
        assert eng._proc is proc and eng.starts == 1
        assert eng.instruction_count(eng.load(modules["list"])) > 0 and eng.starts == 1
    unused = Engine(tc)
    unused.start()
    proc = unused._proc
    unused.close()
    assert proc is not None and proc.poll() is not None


def test_empty_pipeline_runs_nothing(engine: Engine, modules: dict[str, bytes]) -> None:
    handle = engine.load(modules["list"])
    before = engine.text(handle)
    engine.run(handle, "")
    assert engine.text(handle) == before
    engine.free(handle)


def test_module_in_process(modules: dict[str, bytes], tc: toolchain.Toolchain) -> None:
    with Module.parse(modules["sort"]) as module, module.clone() as copy:
        copy.run("mem2reg")
        copy.verify()
        assert copy.text() == tc.opt(modules["sort"], "mem2reg").decode()
        assert Module.parse(copy.bitcode()).instruction_count() == copy.instruction_count()
    with pytest.raises(ToolError, match="disposed"):
        module.text()
    module.dispose()  # idempotent


def test_backends_agree_and_opt_is_the_fallback(monkeypatch: pytest.MonkeyPatch, modules: dict[str, bytes],
                                                tc: toolchain.Toolchain) -> None:
    """The engine and opt processes are one interface with one output; without libLLVM, opt is chosen."""
    ir = modules["matrix"]
    expected = tc.opt(ir, "function(gvn)", extra=["-unroll-count=4"])
    backends = [(backend_for(tc, 60), Engine), (backend_for(tc, 60, engine=False), OptBackend)]
    monkeypatch.setattr(toolchain.Toolchain, "libllvm", property(lambda self: None))
    backends.append((backend_for(tc, 60), OptBackend))
    for backend, kind in backends:
        with backend:
            assert type(backend) is kind
            assert backend.optimize(ir, "function(gvn)", options=("-unroll-count=4",)) == expected
            assert backend.opt_options(("-unroll-count=4",)) == ("-unroll-count=4",)


def _steps(eng: Engine, ir: bytes, steps: int, episode: int = 20) -> None:
    """Environment-like use: load, then a pass + instruction count per step, free after each episode."""
    pipelines = ["sroa", "function(gvn)", "adce", "instcombine<no-verify-fixpoint>", "loop-mssa(licm)",
                 "mem2reg", "simplifycfg"]
    handle = eng.load(ir)
    for step in range(steps):
        if step and step % episode == 0:
            eng.free(handle)
            handle = eng.load(ir)
        eng.run(handle, pipelines[step % len(pipelines)])
        eng.instruction_count(handle)
    eng.free(handle)


@pytest.mark.parametrize("steps, bound_mb", [
    pytest.param(600, 8, id="600-steps"),
    pytest.param(10_000, 8, id="10000-steps", marks=pytest.mark.slow),
])
def test_memory_stays_flat(tc: toolchain.Toolchain, modules: dict[str, bytes], steps: int, bound_mb: int) -> None:
    with Engine(tc) as eng:
        _steps(eng, modules["csmith_42"], 200)  # warm up allocator pools and target-machine caches
        warm = eng.memory()["rss"]
        _steps(eng, modules["csmith_42"], steps)
        grown = eng.memory()["rss"] - warm
        assert grown < bound_mb * MB, f"worker RSS grew {grown / MB:.1f} MB over {steps} steps"
