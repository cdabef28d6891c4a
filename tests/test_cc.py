"""Unit tests of rlopt-cc's argument classification and bookkeeping: pure functions, no compiler runs."""

from __future__ import annotations

import pytest

from rlopt import cc


def test_compile_only_takes_the_rlopt_path():
    inv = cc.classify(["-O2", "-g", "-fPIC", "-DX=1", "-I", "inc", "-Wall", "-c", "a.c", "-o", "a.o"])
    assert inv.bypass is None
    assert (inv.mode, inv.level, inv.output) == ("object", "O2", "a.o")
    assert [s.path for s in inv.sources] == ["a.c"]
    assert inv.frontend == ["-O2", "-g", "-fPIC", "-DX=1", "-I", "inc", "-Wall"]
    # preprocessor flags never reach the backend; codegen flags and the level do
    assert inv.backend == ["-O2", "-g", "-fPIC", "-Wall"]


def test_separate_arguments_are_not_inputs():
    inv = cc.classify(["-O2", "-c", "-include", "config.h", "-isystem", "sys", "-MF", "x.d", "-D", "Y",
                       "-target", "x86_64-linux-gnu", "a.c"])
    assert inv.inputs == ["a.c"]
    assert inv.bypass is None
    assert "-target" in inv.backend and "x86_64-linux-gnu" in inv.backend


def test_compile_and_link_replaces_sources_in_place():
    args = ["-O3", "main.c", "-lm", "util.c", "libx.a", "-Wl,--as-needed", "-o", "prog"]
    inv = cc.classify(args)
    assert inv.bypass is None and inv.mode == "link"
    assert [s.path for s in inv.sources] == ["main.c", "util.c"]
    assert inv.inputs == ["main.c", "util.c", "libx.a"]
    assert inv.link_only == ["-lm", "-Wl,--as-needed"]
    assert "-lm" not in inv.frontend  # link flags stay out of the compile steps of a link
    assert inv.link_args(["t/0.o", "t/1.o"]) == ["-O3", "t/0.o", "-lm", "t/1.o", "libx.a", "-Wl,--as-needed",
                                                  "-o", "prog"]


def test_link_flags_reach_the_frontend_of_a_compile_only_call():
    """So that clang's own 'argument unused' warnings appear exactly as without the wrapper."""
    inv = cc.classify(["-O2", "-c", "a.c", "-lm"])
    assert "-lm" in inv.frontend


def test_language_from_x_applies_until_x_none():
    inv = cc.classify(["-O2", "-x", "c", "prog.txt", "-x", "none", "obj.o", "-o", "p"])
    assert [(s.path, s.language, s.explicit) for s in inv.sources] == [("prog.txt", "c", True)]
    assert inv.link_args(["tmp.o"]) == ["-O2", "tmp.o", "obj.o", "-o", "p"]
    assert cc.classify(["-O2", "-c", "-xc++", "a.inl"]).sources[0].language == "c++"


def test_levels():
    levels = {flag: cc.classify([flag, "-c", "a.c"]).level
              for flag in ("-O", "-O1", "-O2", "-O3", "-O4", "-Os", "-Oz", "-Og", "-Ofast")}
    assert levels == {"-O": "O1", "-O1": "O1", "-O2": "O2", "-O3": "O3", "-O4": "O3", "-Os": "Os", "-Oz": "Oz",
                      "-Og": "O1", "-Ofast": "O3"}
    assert cc.classify(["-O3", "-O0", "-c", "a.c"]).level == "O0"  # the last -O wins, as in clang
    assert cc.classify(["-Ofoo", "-c", "a.c"]).bypass == "unknown -O level"


def test_every_level_name_is_one_of_rlopts_levels():
    """clang's -O values, the levels a model serves and the tuned objectives all name passes.OPT_LEVELS."""
    from rlopt import passes, tuning
    from rlopt.cc import build, options

    assert set(options.CLANG_LEVELS.values()) <= set(passes.OPT_LEVELS)
    assert set(build.MODEL_LEVELS) | set(tuning.OBJECTIVES) <= set(passes.OPT_LEVELS)


def test_mode_and_outputs():
    assert cc.classify(["-O2", "-S", "a.c"]).mode == "asm"
    assert cc.classify(["-O2", "-c", "-S", "a.c"]).mode == "asm"  # -S stops earlier than -c
    inv = cc.classify(["-O2", "-c", "-emit-llvm", "src/a.c"])
    assert inv.emit_llvm and cc.default_output("src/a.c", inv) == "a.bc"
    assert cc.default_output("dir/b.cpp", cc.classify(["-O2", "-S", "x.c"])) == "b.s"
    assert cc.default_output("b.c", cc.classify(["-O2", "-c", "x.c"])) == "b.o"


@pytest.mark.parametrize(("args", "reason"), [
    (["-O2", "-E", "a.c"], "preprocess or dependency only"),
    (["-O2", "-M", "a.c"], "preprocess or dependency only"),
    (["-O2", "-MM", "a.c"], "preprocess or dependency only"),
    (["-O2", "-fsyntax-only", "a.c"], "no object wanted"),
    (["-O2", "-c", "-flto", "a.c"], "LTO"),
    (["-O2", "-c", "-flto=thin", "a.c"], "LTO"),
    (["-O2", "-c", "-fsanitize=address", "a.c"], "instrumentation"),
    (["-O2", "-c", "--coverage", "a.c"], "instrumentation"),
    (["-O2", "-c", "-fprofile-instr-use=x.profdata", "a.c"], "profile-guided optimisation"),
    (["-O2", "-c", "-fno-vectorize", "a.c"], "pipeline option"),
    (["-O2", "-c", "-Xclang", "-foo", "a.c"], "raw frontend or LLVM option"),
    (["-O2", "-c", "-mllvm", "-inline-threshold=9", "a.c"], "raw frontend or LLVM option"),
    (["-O2", "-c", "a.s"], "assembler input"),
    (["-O2", "-c", "a.S"], "assembler input"),
    (["-O2", "-c", "-x", "assembler-with-cpp", "a.txt"], "assembler input"),
    (["-O2", "-c", "a.h"], "precompiled header"),
    (["-O2", "-c", "a.ll"], "IR input"),
    (["-O2", "-c", "a.m"], "unsupported language"),
    (["-O2", "-c", "-"], "input from stdin"),
    (["-O2", "-c", "-arch", "x86_64", "-arch", "arm64", "a.c"], "several -arch"),
    (["-O2", "-c", "a.c", "-o", "-"], "output to stdout"),
    (["-O2", "-c", "a.c", "b.c", "-o", "x.o"], "-o with several outputs"),
    (["-O2", "a.o", "b.o", "-o", "prog"], "link only"),
    (["-dumpmachine"], "no input files"),
    (["-O2", "a.c", "-MD", "-o", "prog"], "dependency file while linking"),
    (["-O2", "a.c", "-emit-llvm", "-o", "prog"], "LTO"),
    (["-c", "a.c"], "-O0: nothing to optimise"),
    (["-O2", "-c", "a.c", "-o"], "option without its argument"),
    (["-O2", "-c", "--some-long-thing", "a.c"], "unknown long option"),
    (["-O2", "-c", "-Wp,-MD,a.d", "a.c"], "dependency flags through -Wp"),
])
def test_bypass_reasons(args, reason):
    assert cc.classify(args).bypass == reason


def test_unknown_flags_pass_through_to_every_step():
    inv = cc.classify(["-O2", "-c", "-fsome-new-flag", "-mavx2", "-march=native", "a.c"])
    assert inv.bypass is None
    for flag in ("-fsome-new-flag", "-mavx2", "-march=native"):
        assert flag in inv.frontend and flag in inv.backend


def test_dependency_args_match_clang_defaults():
    inv = cc.classify(["-O2", "-MD", "-c", "src/a.c", "-o", "obj/a.o"])
    assert cc.dependency_args("src/a.c", inv) == ["-MF", "obj/a.d", "-MQ", "obj/a.o"]
    inv = cc.classify(["-O2", "-MMD", "-c", "src/a.c"])
    assert cc.dependency_args("src/a.c", inv) == ["-MF", "a.d", "-MQ", "a.o"]
    inv = cc.classify(["-O2", "-MD", "-MF", "x.d", "-MT", "t", "-c", "a.c"])
    assert cc.dependency_args("a.c", inv) == []
    assert cc.dependency_args("a.c", cc.classify(["-O2", "-c", "a.c"])) == []


def test_response_files_expand_nested_with_quotes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "inner.rsp").write_text("-DNAME='a b' -c\n")
    (tmp_path / "outer.rsp").write_text('-O2 @inner.rsp "my file.c"\n')
    assert cc.expand_response_files(["@outer.rsp", "-g", "@missing.rsp"]) == [
        "-O2", "-DNAME=a b", "-c", "my file.c", "-g", "@missing.rsp"]


def test_real_compiler_does_not_recurse_into_a_wrapper(monkeypatch, tmp_path):
    monkeypatch.delenv(cc.NESTED_ENV, raising=False)
    monkeypatch.setenv("RLOPT_CC", "/usr/local/bin/rlopt-cc")
    assert cc.real_compiler(False).endswith("/clang")
    monkeypatch.setenv("RLOPT_CC", "/opt/my/clang")
    assert cc.real_compiler(False) == "/opt/my/clang"
    monkeypatch.setenv(cc.NESTED_ENV, "1")  # nested under another rlopt-cc: always the real clang
    assert cc.real_compiler(False).endswith("/clang")
    monkeypatch.setenv("RLOPT_CXX", "/opt/my/clang++")
    monkeypatch.delenv(cc.NESTED_ENV)
    assert cc.real_compiler(True) == "/opt/my/clang++"


def test_format_stats_lists_every_reason():
    text = cc.format_stats({"calls": 7, "rlopt": 4, "hit": 3, "miss": 1, "bypass:link only": 2,
                            "fallback:crash": 1}, entries=5, location=None)
    assert "link only" in text and "crash" in text
    assert "75.0%" in text  # 3 hits of 4 lookups
    lines = {ln.split("  ")[1].strip(): ln.split()[-1] for ln in text.splitlines()[1:]}
    assert lines["calls"] == "7" and lines["ran the real compiler unchanged"] == "2"


def test_flag_table_invariants():
    """Like ccache's compopt test: the table agrees with itself and with the closed set of reasons."""
    from rlopt.cc.options import _LANGUAGE_BYPASS, _TABLE, _match

    names = [o.name for o in _TABLE]
    assert len(names) == len(set(names)), "a row would silently shadow another"
    for o in _TABLE:
        assert o.name.startswith("-") and o.arity in ("flag", "joined", "separate", "either")
        assert (o.role == "bypass") == (o.reason is not None), o
        assert o.reason is None or o.reason.group == "bypass", o
        row, _, span = _match([o.name, "value"], 0)  # every spelling finds its own row ...
        assert row is o and span == (2 if o.arity in ("separate", "either") else 1), o
        if o.arity in ("joined", "either"):  # ... and with a glued value, its own row or a longer match
            row, value, span = _match([o.name + "v"], 0)
            assert span == 1 and row.name.startswith(o.name) and value.endswith("v"), o
    assert all(r.group == "bypass" for r in _LANGUAGE_BYPASS.values())


def test_statistics_are_a_closed_set_documented_in_cc_md():
    from pathlib import Path

    stats = list(cc.Statistic)
    assert len({s.value for s in stats}) == len(stats) == len(cc.Statistic.__members__), "no aliases"
    assert len({s.key for s in stats}) == len(stats)
    assert {s.group for s in stats} == {"counter", "bypass", "fallback"}
    assert all(cc.Statistic(d.value).group == "counter" for d in (cc.Decision.RLOPT, cc.Decision.COMPILE_ERROR))
    doc = (Path(__file__).resolve().parent.parent / "docs" / "cc.md").read_text()
    missing = [s.value for s in stats if s.group == "bypass" and s.value not in doc]
    assert not missing, f"bypass reasons not in docs/cc.md: {missing}"


def test_show_stats_has_a_line_for_every_statistic():
    """A counter that ``-s`` does not show is one nobody sees: each member of the closed set is listed by its
    label, and a bypass or fallback reason under its group's total."""
    for stat in cc.Statistic:
        text = cc.format_stats({stat.key: 12345}, entries=0, location=None)
        lines = [ln.strip() for ln in text.splitlines() if ln.rstrip().endswith("12345")]
        assert lines, f"-s does not show {stat!r}"
        if stat.group != "counter":
            assert [ln for ln in lines if ln.startswith(stat.value)], stat
            assert len(lines) == 2, (stat, lines)  # the reason and its group's total


@pytest.mark.parametrize(("argv", "ops"), [
    (["-s"], [("show-stats", None)]),
    (["-z", "-s"], [("zero-stats", None), ("show-stats", None)]),
    (["-M", "5G"], [("max-size", "5G")]),
    (["-M5G"], [("max-size", "5G")]),
    (["--max-size=500M"], [("max-size", "500M")]),
    (["-C", "-p", "--help", "-V", "--stop-server"],
     [("clear", None), ("show-config", None), ("help", None), ("version", None), ("stop-server", None)]),
    (["--version"], None),  # the compiler's: build scripts ask $(CC) --version which compiler they have
    (["-s", "main.o", "-o", "prog"], None),  # clang's -s (strip) in a link
    (["-M", "a.c"], None),  # clang's -M
    (["-C", "-E", "a.c"], None),
    ([], None),
])
def test_admin_options_only_when_every_argument_is_one(argv, ops):
    from rlopt.cc.main import parse_admin

    assert parse_admin(argv) == ops


def test_config_sizes_and_precedence(tmp_path):
    from rlopt.cc.config import Config, parse_size

    assert parse_size("5G") == 5 * 10**9 and parse_size("2Gi") == 2 * 2**30 and parse_size("500 MB") == 5 * 10**8
    assert parse_size("0") == 0
    with pytest.raises(ValueError, match="invalid size"):
        parse_size("5X")
    (tmp_path / "rlopt.conf").write_text("# comment\nmax_size = 1G\ndirect_mode = false\nbogus = 1\nno equals\n")
    config = Config(str(tmp_path), environ={"RLOPT_CC_MAX_SIZE": "2G"})
    assert config.max_size == 2 * 10**9 and config.origins["max_size"] == "environment"
    assert not config.flag("direct_mode") and config.origins["direct_mode"] == str(tmp_path / "rlopt.conf")
    assert config.origins["server"] == "default"
    assert len(config.problems) == 2  # the unknown key and the line without '='
    config.save("max_size", "3G")
    assert "max_size = 3G" in (tmp_path / "rlopt.conf").read_text()
    assert "# comment" in (tmp_path / "rlopt.conf").read_text()
    assert Config(str(tmp_path), environ={}).max_size == 3 * 10**9
