"""The action space: CompilerGym's 124 names in order, each running and verifying on real IR."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from rlopt import passes, space

COMPILERGYM_HEAD = ["-add-discriminators", "-adce", "-aggressive-instcombine", "-alignment-from-assumptions"]
COMPILERGYM_TAIL = ["-strip-nondebug", "-strip", "-tailcallelim", "-mergereturn"]


def test_compilergym_order_and_size():
    names = [a.name for a in passes.ACTIONS]
    assert len(names) == 124 == len(set(names))
    assert names[:4] == COMPILERGYM_HEAD and names[-4:] == COMPILERGYM_TAIL
    assert names.index("-instcombine") == 53 and names.index("-mem2reg") == 103


def test_renamed_passes_are_documented():
    for name in ("-constprop", "-die", "-ipconstprop", "-loop-reroll", "-loop-unswitch", "-prune-eh",
                 "-barrier", "-functionattrs", "-lowerswitch"):
        a = passes.get(name)
        assert a.pass_name != name[1:] and a.note, name


def test_pipeline_joins_and_nests():
    assert passes.pipeline(["-licm", "adce", 53]) == (  # each action in a pass manager of its own, as the env runs it
        "function(loop-mssa(licm)),invalidate<all>,function(adce),invalidate<all>,"
        "function(instcombine<no-verify-fixpoint>)")
    assert passes.actions_of_pipeline(passes.pipeline(["-licm", "adce", 53]), passes.ACTIONS) == [
        passes.ACTIONS.index(passes.get(a)) for a in ("-licm", "-adce", "-instcombine")]
    assert passes.get("-inline").pipeline == "cgscc(inline)"
    assert passes.get("-indvars").pipeline == "function(loop(indvars))"


def test_unknown_action():
    with pytest.raises(KeyError, match="unknown action '-nope'"):
        passes.get("-nope")
    with pytest.raises(ValueError, match="empty"):
        passes.parse_action_list(" , ")


def test_instrumentation_is_unsafe():
    unsafe = {a.name for a in passes.ACTIONS if not a.safe}
    assert {"-insert-gcov-profiling", "-sancov", "-ee-instrument"} <= unsafe
    assert "-gvn" not in unsafe


def test_docs_table_is_current():
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "actions.md"
    assert doc.read_text() == passes.markdown_table() + "\n", "regenerate: python -m rlopt.passes --markdown"


@pytest.fixture(scope="module")
def engine(tc):
    from rlopt.engine import Engine

    e = Engine(tc, timeout=60)
    yield e
    e.close()


@pytest.mark.parametrize("module", ["sort.O3", "matmul.O0", "crc.O1"])
def test_every_action_runs_verifies_and_matches_opt(tc, engine, example_ir, module):
    """Each action alone on real IR: the engine's verified result is exactly what opt-19 produces."""
    data = example_ir[module].read_bytes()
    failures = []
    for a in passes.EXTENDED_ACTIONS:
        try:
            ours = engine.optimize(data, a.pipeline)  # verifies the result, raises if broken
            reference = tc.opt(data, a.pipeline)
            if ours != reference:
                failures.append(f"{a.name}: engine output differs from opt")
        except Exception as e:  # collect all failures for one readable report
            failures.append(f"{a.name}: {e}")
    assert not failures, "\n".join(failures)


def test_known_llvm_miscompiles_are_masked_for_policies():
    for name, pipeline in (("-newgvn", "function(newgvn)"), ("-loop-interchange", "function(loop(loop-interchange))")):
        action = passes.get(name)
        assert action.hazard and not action.safe
        assert action.pipeline == pipeline  # still runnable when asked for explicitly


def test_linkable_adds_the_always_inliner_only_where_nothing_inlines():
    assert passes.linkable("function(sroa)") == "always-inline,function(sroa)"
    assert passes.linkable("function(loop(loop-instsimplify))").startswith("always-inline,")
    assert passes.linkable("partial-inliner").startswith("always-inline,")  # it ignores always_inline
    for inlines in ("default<O0>", "cgscc(inline),function(sroa)", "ipsccp,always-inline", "default<Oz>,globaldce"):
        assert passes.linkable(inlines) == inlines
    assert space.pipeline(("-sroa", "-gvn")).startswith("always-inline,")  # what the tuner and search build


STRING_USER = "#include <string>\nint main(int c, char **v) { std::string s(v[0]); return s.size() == 0; }\n"


def test_function_passes_alone_leave_libstdcxx_unlinkable_and_linkable_mends_it(tc, tmp_path: Path):
    """libstdc++ (GCC 13+) declares ``_M_use_local_data`` always_inline and exports no body: a module that
    still calls it does not link when the backend runs no passes, as ``rlopt-cc`` and the table's builds do."""
    src = tmp_path / "s.cpp"
    src.write_text(STRING_USER)
    ir = subprocess.run([str(tc.path("clang++")), "-O2", "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c",
                         str(src), "-o", "-"], check=True, capture_output=True).stdout

    def links(pipeline: str) -> bool:
        (tmp_path / "m.bc").write_bytes(tc.opt(ir, pipeline, bitcode=True))
        done = subprocess.run([str(tc.path("clang++")), "-O2", "-Xclang", "-disable-llvm-passes",
                               str(tmp_path / "m.bc"), "-o", str(tmp_path / "m")], capture_output=True, text=True)
        return done.returncode == 0

    if links("function(sroa)"):
        pytest.skip("this libstdc++ defines every always_inline function it declares")
    assert links(passes.linkable("function(sroa)"))
