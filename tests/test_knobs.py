"""Knobs (LLVM options as part of an action or pipeline): parsing, parity with opt-19, the worker staying one
process with flat memory across knob switches, and every path that passes them on (CLI, env, rlopt-cc, table)."""

from __future__ import annotations

import os
import shlex
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rlopt import knobs, passes
from rlopt.engine import Engine, OptBackend
from rlopt.errors import InputError
from rlopt.training.robustness import fuzz
from tests.faulty_worker import FaultyEngine
from tests.test_cli import in_process

ROOT = Path(__file__).resolve().parent.parent
#: Three real modules on which, between them, every knob changes -O3's output.
PARITY_SOURCES = ("tests/data/engine/list.c", "tests/data/engine/sort.c", "tests/data/engine/matrix.c")


@pytest.fixture(scope="module")
def modules(tc) -> dict[str, bytes]:
    return {Path(p).stem: tc.run("clang", ["-O3", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", "-w",
                                            str(ROOT / p), "-o", "-"]) for p in PARITY_SOURCES}


def test_parse_and_text_round_trip():
    assert knobs.parse("-O3@inline-threshold=500") == ("default<O3>", ("-inline-threshold=500",))
    assert knobs.parse("default<O3>") == ("default<O3>", ())
    pipeline, options = knobs.parse("default<O3>,function(gvn)@unroll-count=4@-inline-threshold=50")
    assert options == ("-inline-threshold=50", "-unroll-count=4")  # canonical: sorted by name
    assert knobs.parse(knobs.to_text(pipeline, options)) == (pipeline, options)
    assert knobs.parse("-sroa,-gvn@unroll-count=2")[0] == passes.pipeline(["-sroa", "-gvn"])


@pytest.mark.parametrize(("text", "message"), [
    ("-O3@enable-unsafe-fp-math=1", "changes program semantics"),
    ("-O3@enable-no-nans-fp-math=1", "changes program semantics"),
    ("-O3@fp-contract=fast", "changes program semantics"),
    ("-O3@licm-max-num-uses-traversed=4", "is not a knob"),
    ("-O3@unroll-count=0", ">= 1"),
    ("-O3@inline-threshold=lots", "takes an integer"),
    ("-O3@unroll-count", "needs a value"),
    ("-O3@unroll-count=2@unroll-count=4", "given twice"),
    ("-O3@enable-loopinterchange=1", "miscompiles"),
    ("-O3@extra-vectorizer-passes=2", "from 0 to 1"),
    ("-nope@unroll-count=2", "unknown action"),
])
def test_bad_knobs_are_refused(text, message):
    with pytest.raises(knobs.KnobError, match=message):
        knobs.parse(text)


def test_docs_list_the_knobs():
    doc = (ROOT / "docs" / "knobs.md").read_text()
    assert knobs.markdown_table() in doc and knobs.markdown_table(switches=True) in doc


def test_switches_equal_opt_and_turn_on_a_pass_o3_leaves_off(tc, modules):
    """Each switch, and all at once (the tuner's candidate), run in the engine as opt-19 runs them; each adds
    its pass to -O3's pipeline (so the option reached LLVM), and they are not actions of any space."""
    added = {"enable-dfa-jump-thread": "dfa-jump-threading", "enable-unroll-and-jam": "loop-unroll-and-jam",
             "enable-loop-flatten": "loop-flatten", "enable-loop-versioning-licm": "loop-versioning-licm",
             "extra-vectorizer-passes": "early-cse"}
    assert set(added) == set(knobs.SWITCHES)
    plain = tc.run("opt", ["-passes=default<O3>", "-print-pipeline-passes", "-disable-output", "/dev/null"]).decode()
    for name, pass_name in added.items():
        text = tc.run("opt", ["-passes=default<O3>", f"-{name}=1", "-print-pipeline-passes", "-disable-output",
                              "/dev/null"]).decode()
        assert text.count(pass_name) > plain.count(pass_name), name
    pipeline, options = knobs.parse(knobs.O3_SWITCHED)
    assert pipeline == "default<O3>" and len(options) == len(knobs.SWITCHES)
    runs = [(knobs.option(n, 1),) for n in knobs.SWITCHES] + [options]
    with Engine() as engine:
        for name, ir in modules.items():
            for opts in runs:
                assert engine.optimize(ir, pipeline, options=opts) == tc.opt(ir, pipeline, extra=list(opts)), (name, opts)
    assert not any(set(a.options) & {knobs.option(n, 1) for n in knobs.SWITCHES}
                   for space in passes.ACTION_SPACES.values() for a in space)


def test_action_space_v2_extends_v1_with_knob_actions():
    v1, v2 = passes.ACTION_SPACES["rlopt-extended-v1"], passes.ACTION_SPACES["rlopt-extended-v2"]
    assert v2[:len(v1)] == v1 and passes.ACTION_SPACES["compilergym-v0"] == passes.ACTIONS
    added = v2[len(v1):]
    assert {a.options for a in added} == {(knobs.option(k.name, v),) for k in knobs.KNOBS.values() for v in k.values}
    a = passes.get("-O3@inline-threshold=500")
    assert a.pipeline == "default<O3>" and a.options == ("-inline-threshold=500",) and a.safe
    with pytest.raises(ValueError, match="stages"):
        passes.pipeline(["-sroa", a])
    assert passes.stages(["-sroa", "-gvn", a, "-inline@inline-threshold=500", "-dse"]) == [
        ("function(sroa),invalidate<all>,function(gvn)", ()),
        ("default<O3>,invalidate<all>,cgscc(inline)", ("-inline-threshold=500",)),
        ("function(dse)", ())]


def test_engine_equals_opt_for_every_knob_value(tc, modules):
    """Every knob at each of its action-space values on three modules, in one worker switching between option
    sets (plain runs between them prove the switch resets): byte-identical to opt-19 with the same options."""
    runs: list[tuple[str, ...]] = []
    for k in knobs.KNOBS.values():
        runs += [(knobs.option(k.name, v),) for v in k.values] + [()]  # a plain run after each knob's values
    jobs = [(name, options) for name in modules for options in runs]
    with ThreadPoolExecutor(4) as pool:  # opt processes in parallel where there are cores
        theirs = list(pool.map(lambda job: tc.opt(modules[job[0]], "default<O3>", extra=list(job[1])), jobs))
    changed = set()
    with Engine() as engine:
        for (name, options), expected in zip(jobs, theirs, strict=True):
            ours = engine.optimize(modules[name], "default<O3>", options=options)
            assert ours == expected, (name, options)
            if ours != theirs[jobs.index((name, ()))]:
                changed.add(options[0].partition("=")[0])
        assert engine.starts == 1
    assert changed == {f"-{k}" for k in knobs.KNOBS}  # each knob acted somewhere: the options were applied


def test_user_options_at_start_and_knobs_on_top(tc, modules):
    ir = modules["matrix"]
    with Engine(options=("-inline-threshold=1000",)) as engine:
        expected = tc.opt(ir, "default<O3>", extra=["-inline-threshold=1000", "-unroll-count=4"])
        assert engine.optimize(ir, "default<O3>", options=("-unroll-count=4",)) == expected
        # the user's option wins over a knob naming the same option
        assert engine.opt_options(("-inline-threshold=50",)) == ("-inline-threshold=1000",)
        assert engine.optimize(ir, "default<O3>", options=("-inline-threshold=50",)) == \
            tc.opt(ir, "default<O3>", extra=["-inline-threshold=1000"])
    with pytest.raises(InputError, match="Unknown command line argument '-inline-threshhold=5'"), \
            Engine(options=("-inline-threshhold=5",)) as engine:
        engine.optimize(ir, "default<O1>")


def test_a_crash_under_knobs_is_contained(modules, tc):
    ir = modules["list"]
    with FaultyEngine() as engine:
        engine.optimize(ir, "default<O1>", options=("-unroll-count=4",))
        with pytest.raises(Exception, match="crashed"):
            engine.crash()
        assert engine.optimize(ir, "default<O3>", options=("-unroll-count=2",)) == \
            tc.opt(ir, "default<O3>", extra=["-unroll-count=2"])
        assert engine.starts == 2


def _engine_workers() -> list[int]:
    """Live engine worker processes started by this process."""
    out = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and b"rlopt.engine" in cmd and stat[0] != "Z":
            out.append(int(pid))
    return out


def test_a_thousand_mixed_steps_keep_one_worker_and_flat_memory(modules):
    """Steps with and without knobs (all knobs, all values, cheap hosts) on modules loaded and freed in turn."""
    space = passes.ACTION_SPACES["rlopt-extended-v2"]
    cheap = [a for a in space if a.name.split("@")[0] in ("-inline", "-simplifycfg", "-loop-unroll-O3", "-vectorize")
             or a.name in ("-sroa", "-gvn", "-instcombine", "-loop-rotate", "-mem2reg", "-licm")]
    assert len({a.options for a in cheap}) == 1 + sum(len(k.values) for k in knobs.KNOBS.values())
    irs = list(modules.values())
    rss = []
    others = _engine_workers()  # e.g. the process-wide default engine an earlier test module left running
    with Engine() as engine:
        handle = None
        for i in range(1000):
            if i % 25 == 0:
                if handle is not None:
                    engine.free(handle)
                handle = engine.load(irs[(i // 25) % len(irs)])
            action = cheap[(i * 7) % len(cheap)]
            engine.step(handle, action.pipeline, options=action.options)
            if i % 100 == 99:
                assert sorted(set(_engine_workers()) - set(others)) == [engine._proc.pid]  # type: ignore[union-attr]
                rss.append(engine.memory()["rss"])
        assert engine.starts == 1
    assert rss[-1] - rss[1] < 8 << 20, [r >> 20 for r in rss]
    assert set(_engine_workers()) <= set(others)


@pytest.mark.parametrize(("argv", "options"), [
    (["-O3", "-unroll-count=4", "--llvm-option=-inline-threshold=1000"], ["-unroll-count=4", "-inline-threshold=1000"]),
    (["--passes=default<O2>@two-entry-phi-node-folding-threshold=16"], ["-two-entry-phi-node-folding-threshold=16"]),
    (["--actions=-O3@force-vector-width=4"], ["-force-vector-width=4"]),
])
@pytest.mark.parametrize("text", [True, False])
def test_cli_knobs_replay_byte_for_byte(example_ir, tmp_path, argv, options, text):
    ours, replay = tmp_path / "ours", tmp_path / "replay"
    inv = in_process([*argv, str(example_ir["sort.O1"]), "-o", str(ours), "--print-passes", *(["-S"] if text else [])])
    assert inv.returncode == 0, inv.stderr
    cmd = shlex.split(inv.stderr.strip().splitlines()[-1])
    assert cmd[0].endswith("opt") and [c for c in cmd if c.lstrip("-").partition("=")[0] in knobs.KNOBS] == options
    cmd[cmd.index("-o") + 1] = str(replay)
    subprocess.run(cmd, check=True)
    assert ours.read_bytes() == replay.read_bytes()


def test_cli_spellings_and_errors(example_ir):
    src = str(example_ir["sort.O1"])
    direct = in_process(["-O3", "-unroll-count=4", src, "-S"])
    assert direct.returncode == 0 and direct.stdout == in_process(["-O3", "--llvm-option", "-unroll-count=4",
                                                                   src, "-S"]).stdout
    by_opt = in_process(["-O3", "--no-engine", "--unroll-count=4", src, "-S"]).stdout
    assert direct.stdout.split(b"\n", 1)[1] == by_opt.split(b"\n", 1)[1]  # opt reads stdin: another ModuleID
    switched = in_process(["-O3", "-extra-vectorizer-passes", src, "-S"])  # a switch in opt's spelling
    assert switched.returncode == 0 and switched.stdout == in_process(
        ["--passes=default<O3>@extra-vectorizer-passes=1", src, "-S"]).stdout
    for argv, code, message in [
        (["-O3", "--llvm-option=-inline-threshhold=5"], 1, "Unknown command line argument '-inline-threshhold=5'"),
        (["--passes=default<O3>@enable-unsafe-fp-math=1"], 2, "changes program semantics"),
        (["--llvm-option=inline"], 2, "not an LLVM option"),
        (["--actions=-O3@unroll-count=4,-gvn"], 2, "different knobs"),
        (["--passes=default<O3>@enable-loopinterchange=1"], 2, "miscompiles"),
        (["-O3", "-enable-loopinterchange"], 2, "unknown option"),
    ]:
        inv = in_process([*argv, src, "-S"])
        assert inv.returncode == code and fuzz.clear_error(inv.stderr) and message in inv.stderr, inv.stderr


def test_env_knob_episode_commandline_reproduces_the_state(tmp_path):
    from rlopt.training.env import LlvmEnv

    env = LlvmEnv("qsort", observation_space=None, reward_space="IrInstructionCount",
                  action_space="rlopt-extended-v2", cache=False)
    try:
        env.reset()
        episode = ["-sroa", "-O3@inline-threshold=1000", "-inline@inline-threshold=1000", "-gvn",
                   "-loop-unroll-O3@unroll-count=4", "-simplifycfg"]
        for action in episode:
            assert "error" not in env.step(action)[4]
        command = env.commandline(env.write_ir(tmp_path / "qsort.ll", initial=True))
        assert command.count(" | ") == 4 and "-inline-threshold=1000" in command
        out = subprocess.run(command, shell=True, check=True, capture_output=True).stdout
        assert out == env.ir_state.ir  # type: ignore[union-attr]
        assert env.engine.starts == 1
    finally:
        env.close()


def test_cc_optimizer_step_gets_the_knobs(modules, tc):
    from rlopt.cc.build import choose_and_run

    bitcode = tc.run("llvm-as", ["-", "-o", "-"], input=modules["sort"])
    expected = tc.opt(bitcode, "default<O3>", extra=["-two-entry-phi-node-folding-threshold=16"])
    tuned = "default<O3>@two-entry-phi-node-folding-threshold=16"
    for backend in (OptBackend(tc), Engine(tc)):
        with backend:
            assert choose_and_run(bitcode, "O3", model=None, pipeline=tuned, text=True, backend=backend) == \
                (tuned, expected)
    assert expected != tc.opt(bitcode, "default<O3>")


def test_merge_unions_candidate_columns():
    from rlopt.training import measure

    main = {"llvm": "19", "candidates": {"O3": "default<O3>", "O2": "default<O2>"}, "programs": {
        "u": {"date": "2026-01-01", "candidates": {"O3": {"speedup": 1.0}, "O2": {"speedup": 0.97}}}}}
    knob_table = {"llvm": "19", "candidates": {"O3": "default<O3>", "O3@unroll-count=4": "default<O3>@unroll-count=4"},
                  "programs": {"u": {"date": "2026-02-01", "candidates": {
                      "O3": {"speedup": 1.0}, "O3@unroll-count=4": {"speedup": 1.08}}}}}
    assert measure.merge_tables(main, knob_table) == 1
    row = main["programs"]["u"]
    assert set(row["candidates"]) == {"O3", "O2", "O3@unroll-count=4"} and row["date"] == "2026-02-01"
    assert row["candidates"]["O2"] == {"speedup": 0.97, "session": "2026-01-01"}
    assert "session" not in row["candidates"]["O3@unroll-count=4"]
    assert measure.merge_tables(main, knob_table) == 0  # nothing new the second time
    assert all(knobs.parse(p)[1] for n, p in measure.KNOB_CANDIDATES.items())


def test_headroom_with_and_without_knobs():
    from rlopt.training import headroom

    def row(family, cands):
        return {"uri": f"u-{family}-{len(cands)}", "family": family, "rounds": 5, "noisy": False, "margin": 0.03,
                "candidates": {n: {"speedup": s, "win": s > 1.03} for n, s in cands.items()}}

    table = {"candidates": {"O3": "default<O3>", "O2": "default<O2>", "O3@unroll-count=4": "default<O3>@unroll-count=4"},
             "programs": {"a": row("f", {"O3": 1.0, "O2": 1.10, "O3@unroll-count=4": 1.21}),
                          "b": row("f", {"O3": 1.0, "O2": 1.05, "O3@unroll-count=4": 1.02}),
                          "c": row("g", {"O3": 1.0, "O2": 0.9})}}
    k = headroom.knob_headroom(table)
    assert k["families"]["f"]["knob_best"] == 1 and k["families"]["g"]["knob_gain"] == 1.0
    assert k["families"]["f"]["knob_gain"] == pytest.approx(1.1 ** 0.5)  # 1.21/1.10 on a, 1.05/1.05 on b
    assert headroom.knob_headroom({**table, "candidates": {"O3": "default<O3>"}}) is None
