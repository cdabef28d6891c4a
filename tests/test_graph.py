"""ProGraML graphs of hand-written IR with exactly known structure, plus properties on csmith programs."""

from __future__ import annotations

import subprocess
from collections import Counter, deque
from pathlib import Path

import numpy as np
import pytest

from rlopt import graph, irparse, toolchain
from rlopt.errors import InputError
from rlopt.features import AUTOPHASE_NAMES, INSTCOUNT_NAMES, autophase, instcount

TINY = """\
define i32 @f(i32 %a, i32 %unused) {
entry:
  %c = icmp sgt i32 %a, 0
  br i1 %c, label %pos, label %done

pos:
  %x = add nsw i32 %a, 1
  br label %done

done:
  %r = phi i32 [ %x, %pos ], [ 0, %entry ]
  ret i32 %r
}

define i32 @main() {
  %v = call i32 @f(i32 1, i32 2)
  ret i32 %v
}

declare void @g(...)
"""


def _edges(g: graph.ProgramGraph) -> Counter:
    """Multiset of (source text, target text, flow, position) for readable assertions."""
    full = g.node_full_text
    return Counter((full[s], full[d], f, p) for s, d, f, p in
                   zip(g.edge_source, g.edge_target, g.edge_flow, g.edge_position, strict=True))


def test_tiny_module_exact_graph():
    g = graph.build(TINY)
    # 1 root + 8 instructions + 1 declaration; variables: %c, %x, %r, %v, and %a (one node, used twice);
    # constants: i32 0 (icmp and phi), i32 1 (add and call), i32 2.
    assert g.num_instructions == 8
    assert Counter(g.node_type) == Counter({0: 10, 1: 5, 2: 3})
    assert g.num_nodes == 18
    e = _edges(g)
    ctrl = {(s, d, p) for (s, d, f, p) in e if f == graph.CONTROL}
    assert ctrl == {
        ("%c = icmp sgt i32 %a, 0", "br i1 %c, label %pos, label %done", 0),
        ("br i1 %c, label %pos, label %done", "%x = add nsw i32 %a, 1", 0),
        ("br i1 %c, label %pos, label %done", "%r = phi i32 [ %x, %pos ], [ 0, %entry ]", 1),
        ("%x = add nsw i32 %a, 1", "br label %done", 0),
        ("br label %done", "%r = phi i32 [ %x, %pos ], [ 0, %entry ]", 0),
        ("%r = phi i32 [ %x, %pos ], [ 0, %entry ]", "ret i32 %r", 0),
        ("%v = call i32 @f(i32 1, i32 2)", "ret i32 %v", 0),
    }
    assert e["i32 %a", "%c = icmp sgt i32 %a, 0", 1, 0] == 1
    assert e["i32 %a", "%x = add nsw i32 %a, 1", 1, 0] == 1
    assert e["i32 0", "%c = icmp sgt i32 %a, 0", 1, 1] == 1
    assert e["i32 0", "%r = phi i32 [ %x, %pos ], [ 0, %entry ]", 1, 1] == 1
    assert e["%x = add nsw i32 %a, 1", "i32 %x", 1, 0] == 1
    assert e["i32 %x", "%r = phi i32 [ %x, %pos ], [ 0, %entry ]", 1, 0] == 1
    assert e["i32 2", "%v = call i32 @f(i32 1, i32 2)", 1, 1] == 1
    # The callee @f is a function: no data edge at its operand position 2, call edges instead.
    assert not any(d == "%v = call i32 @f(i32 1, i32 2)" and p == 2 for (s, d, f, p) in e)
    calls = {(s, d) for (s, d, f, p) in e if f == graph.CALL}
    assert calls == {
        ("", "%c = icmp sgt i32 %a, 0"), ("ret i32 %r", ""),
        ("", "%v = call i32 @f(i32 1, i32 2)"), ("ret i32 %v", ""),
        ("%v = call i32 @f(i32 1, i32 2)", "%c = icmp sgt i32 %a, 0"),
        ("ret i32 %r", "%v = call i32 @f(i32 1, i32 2)"),
        ("", ""),  # root <-> the declaration @g (both have an empty full_text)
    }
    # root and declaration both have empty full_text; the declaration gets root -> decl and decl -> root.
    assert e["", "", graph.CALL, 0] == 2
    assert g.num_edges == sum(e.values()) == 7 + 15 + 8  # control, data (11 in, 4 out), call


def test_root_call_edges_follow_module_order():
    """The root's edges go to the functions in module order, not in a set's (hash-seeded) order, so that the
    same IR gives the same arrays in every process."""
    ir = "".join(f"define void @f{i}() {{\n  ret void\n}}\n" for i in range(20))
    g = graph.build(ir)
    targets = [d for s, d, f in zip(g.edge_source, g.edge_target, g.edge_flow, strict=True)
               if s == 0 and f == graph.CALL]
    assert [g.node_full_text[d] for d in targets] == ["ret void"] * 20
    assert targets == sorted(targets) and len(set(targets)) == 20


def test_node_texts_and_networkx_schema():
    g = graph.build(TINY)
    nxg = g.to_networkx()
    assert nxg.number_of_nodes() == g.num_nodes and nxg.number_of_edges() == g.num_edges
    root = nxg.nodes[0]
    assert root["text"] == "[external]" and root["type"] == 0
    texts = {(d["type"], d["text"]) for _, d in nxg.nodes(data=True)}
    assert {(0, "icmp"), (0, "br"), (0, "phi"), (0, "call"), (0, "; undefined function"), (1, "i1"),
            (1, "i32"), (2, "i32")} <= texts
    phi = next(n for n, d in nxg.nodes(data=True) if d["text"] == "phi")
    assert nxg.nodes[phi]["features"]["full_text"] == ["%r = phi i32 [ %x, %pos ], [ 0, %entry ]"]
    assert nxg.nodes[phi]["function"] == 0
    assert [f["name"] for f in nxg.graph["function"]] == ["@f", "@main", "@g"]
    for _, _, d in nxg.edges(data=True):
        assert d["flow"] in (0, 1, 2) and d["position"] >= 0


def test_arrays_shapes_and_vocabulary(tmp_path):
    g = graph.build(TINY)
    vocab = graph.Vocabulary(["add", "i32"])
    a = g.arrays(vocab)
    assert set(a) == {"node_tokens", "node_types", "edge_index", "edge_flow", "edge_position", "node_function"}
    assert a["edge_index"].shape == (2, g.num_edges) and a["edge_index"].dtype == np.int64
    assert a["node_tokens"][g.node_text.index("add")] == vocab["add"] == 1
    assert a["node_tokens"][g.node_text.index("icmp")] == 0  # unknown
    assert a["node_function"][0] == -1 and a["node_types"].tolist() == g.node_type
    vocab.save(tmp_path / "v.json")
    again = graph.Vocabulary.load(tmp_path / "v.json")
    assert again.sha256 == vocab.sha256 and len(again) == 3
    default = graph.Vocabulary.default()
    assert default["add"] > 0 and default["ptr"] > 0 and default["no such token"] == 0


def test_switch_invoke_landingpad_and_vectors():
    ir = """\
%struct.S = type { i32, [2 x float] }

define void @h(i32 %n, ptr %p, <4 x i32> %v) personality ptr @__gxx_personality_v0 {
  switch i32 %n, label %d [
    i32 0, label %a
    i32 7, label %b
  ]

a:
  invoke void @g(ptr getelementptr inbounds (%struct.S, ptr @gs, i64 0, i32 1))
          to label %d unwind label %lp

b:
  %e = extractelement <4 x i32> %v, i64 1
  %s = load %struct.S, ptr %p, align 4
  %f = extractvalue %struct.S %s, 1
  %q = tail call noundef i32 (ptr, ...) @printf(ptr noundef nonnull @"quoted name", i32 noundef %e) #3, !dbg !4
  br label %d

lp:
  %l = landingpad { ptr, i32 }
          catch ptr null
  resume { ptr, i32 } %l

d:
  ret void
}

@gs = global %struct.S zeroinitializer
@"quoted name" = constant [3 x i8] c"%d\\00"
declare void @g(ptr)
declare i32 @printf(ptr, ...)
declare i32 @__gxx_personality_v0(...)
"""
    m = irparse.parse(ir)
    insts = {i.opcode: i for b in m.functions[0].blocks for i in b.instructions}
    assert insts["switch"].successors == ["%d", "%a", "%b"]
    assert [k for k, _, _ in insts["switch"].operands] == [irparse.LOCAL, irparse.IGNORED, irparse.CONST,
                                                            irparse.IGNORED, irparse.CONST, irparse.IGNORED]
    assert insts["invoke"].successors == ["%d", "%lp"]
    assert insts["invoke"].operands[0][0] == irparse.CONST and insts["invoke"].operands[-1] == (
        irparse.GLOBAL, "@g", "ptr")
    assert insts["extractelement"].type == "i32" and insts["extractvalue"].type == "[2 x float]"
    assert insts["call"].type == "i32" and insts["call"].nargs == 2
    assert insts["call"].operands[0] == (irparse.GLOBAL, '@"quoted name"', "ptr")
    assert insts["landingpad"].operands == [(irparse.CONST, "ptr null", "ptr")]
    g = graph.build(ir)
    assert g.node_text.count("struct") >= 2  # %s (a struct) and %l (a literal struct)
    calls = [(s, d) for s, d, f in zip(g.edge_source, g.edge_target, g.edge_flow, strict=True) if f == 2]
    invoke = g.node_text.index("invoke")
    assert any(s == invoke for s, _ in calls)  # invoke gets call edges too (documented deviation)
    assert instcount(ir)[INSTCOUNT_NAMES.index("Invoke")] == 1


def test_atomics_volatile_weak_and_syncscope():
    """Every atomicrmw used to fail ('cannot parse a type': its operation word was read as a type), so -O-rl
    and rlopt-cc fell back on any module with atomics (C++'s shared_ptr, for one)."""
    ir = """\
define i32 @f(ptr %p, i32 %v) {
entry:
  %a = atomicrmw add ptr %p, i32 %v seq_cst, align 4
  %b = atomicrmw volatile sub ptr %p, i32 %a acq_rel, align 4
  %c = atomicrmw volatile fadd ptr %p, float 1.0 monotonic, align 4
  %d = atomicrmw uinc_wrap ptr %p, i32 %b syncscope("singlethread") monotonic, align 4
  %e = cmpxchg weak volatile ptr %p, i32 %a, i32 %v seq_cst seq_cst, align 4
  %h = load atomic volatile i32, ptr %p seq_cst, align 4
  store atomic volatile i32 %h, ptr %p seq_cst, align 4
  ret i32 %d
}
"""
    insts = [i for b in irparse.parse(ir).functions[0].blocks for i in b.instructions]
    rmw = [i for i in insts if i.opcode == "atomicrmw"]
    assert [i.type for i in rmw] == ["i32", "i32", "float", "i32"]
    assert [op[1] for op in rmw[1].operands] == ["%p", "%a"] and rmw[2].operands[1][0] == irparse.CONST
    cmpxchg = next(i for i in insts if i.opcode == "cmpxchg")
    assert cmpxchg.type == "{ i32, i1 }" and [op[1] for op in cmpxchg.operands] == ["%p", "%a", "%v"]
    assert graph.build(ir).node_text.count("atomicrmw") == 4


def test_bad_input_is_a_clear_error():
    with pytest.raises(InputError):
        graph.build("this is not IR")
    with pytest.raises(InputError):
        graph.build("define void @f() {\n  %x = frobnicate i32 1\n  ret void\n}\n")
    with pytest.raises(InputError):
        graph.build("define void @f() {\n  ret void\n")


def test_autophase_of_tiny_module():
    a = dict(zip(AUTOPHASE_NAMES, autophase(TINY).tolist(), strict=True))
    assert a["TotalFuncs"] == 3 and a["TotalBlocks"] == 4 and a["TotalInsts"] == 8
    assert a["NumEdges"] == 3 and a["BranchCount"] == 2 and a["UncondBranches"] == 1
    assert a["CriticalCount"] == 1  # entry -> done: entry has 2 successors, done has 2 predecessors
    assert a["NumPHIInst"] == 1 and a["ArgsPhi"] == 2 and a["BeginPhi"] == 1 and a["BBNumArgsLo"] == 1
    assert a["returnInt"] == 1 and a["binaryConstArg"] == 1
    # constants: icmp 0, add 1, phi 0, call 1 and 2 (all i32)
    assert a["const32Bit"] == 5 and a["numConstZeroes"] == 2 and a["numConstOnes"] == 2


def test_autophase_counted_per_execution_with_block_counts():
    """With a profile each block counts as often as it ran, a function as often as it was entered; a function
    the profile does not name never ran."""
    from rlopt.features import counters
    from rlopt.irparse import parse

    module = parse(TINY)
    c = counters(module, {"@f": [10, 3, 10], "@main": [1]})
    assert c["TotalInsts"] == 10 * 2 + 3 * 2 + 10 * 2 + 2 and c["NumAddInst"] == 3 and c["NumPHIInst"] == 10
    assert c["TotalFuncs"] == 11 and c["BranchCount"] == 13 and c["NumCallInst"] == 1
    assert counters(module, {"@main": [1]})["TotalInsts"] == 2
    assert counters(module, {})["TotalInsts"] == 0


# --------------------------------------------------------------------------------- properties on csmith

CSMITH_INCLUDE = "/usr/include/csmith"


def _csmith_modules(tmp: Path) -> list[str]:
    try:
        tc = toolchain.find()
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"no LLVM 19: {e}")
    if not Path(CSMITH_INCLUDE).is_dir():
        pytest.skip("csmith not installed")
    out = []
    for seed in range(1, 6):
        src = tmp / f"cs{seed}.c"
        subprocess.run(["csmith", "--seed", str(seed), "--max-funcs", "4", "-o", str(src)], check=True,
                       capture_output=True, timeout=60)
        for level in ("-O0", "-O3"):
            out.append(tc.run("clang", [level, "-Xclang", "-disable-llvm-passes", "-w", f"-I{CSMITH_INCLUDE}",
                                        "-S", "-emit-llvm", str(src), "-o", "-"]).decode())
    return out


def _reachable_blocks(fn: irparse.Function) -> set[str]:
    succ = {b.label or "": b.instructions[-1].successors for b in fn.blocks}
    seen, queue = {fn.blocks[0].label or ""}, deque([fn.blocks[0].label or ""])
    while queue:
        for s in succ[queue.popleft()]:
            if s not in seen:
                seen.add(s)
                queue.append(s)
    return seen


def test_properties_on_csmith(tmp_path):
    for ir in _csmith_modules(tmp_path):
        m = irparse.parse(ir)
        g = graph.graph_of(m)
        a = g.arrays()
        n = g.num_nodes
        src, dst = a["edge_index"]
        assert src.min() >= 0 and dst.max() < n
        ctrl = a["edge_flow"] == graph.CONTROL
        data = a["edge_flow"] == graph.DATA
        types = a["node_types"]
        # control and call edges join instructions; data edges join an instruction and a variable/constant
        assert (types[src[~data]] == 0).all() and (types[dst[~data]] == 0).all()
        assert ((types[src[data]] == 0) != (types[dst[data]] == 0)).all()
        # every variable has exactly one producer (or is an argument) and one consumer
        consumers = Counter(src[data & (types[src] == 1)].tolist())
        assert all(consumers[v] >= 1 for v in np.flatnonzero(types == 1))
        # control-flow reachability from the function entry matches the CFG of the text
        adj: dict[int, list[int]] = {}
        for s, d in zip(src[ctrl].tolist(), dst[ctrl].tolist(), strict=True):
            adj.setdefault(s, []).append(d)
        node_function = np.asarray(g.node_function)
        for index, fn in enumerate(m.functions):
            if fn.declaration:
                continue
            first = int(np.flatnonzero((types == 0) & (node_function == index))[0])
            seen, queue = {first}, deque([first])
            while queue:
                for d in adj.get(queue.popleft(), []):
                    if d not in seen:
                        seen.add(d)
                        queue.append(d)
            reachable = _reachable_blocks(fn)
            expect = sum(len(b.instructions) for b in fn.blocks if (b.label or "") in reachable)
            assert len(seen) == expect, fn.name
        # data edges into an instruction match its operand list: positions in range, kinds as parsed
        insts = [i for f in m.functions for b in f.blocks for i in b.instructions]
        inst_nodes = [i for i in range(n) if types[i] == 0 and g.node_text[i] != graph.ROOT_TEXT
                      and g.node_text[i] != graph.DECLARATION_TEXT]
        assert len(inst_nodes) == len(insts)
        into: dict[int, list[int]] = {}
        for d, p in zip(dst[data].tolist(), a["edge_position"][data].tolist(), strict=True):
            if types[d] == 0:
                into.setdefault(d, []).append(p)
        functions = m.function_names
        for node_id, inst in zip(inst_nodes, insts, strict=True):
            expected = [p for p, (k, ref, _) in enumerate(inst.operands)
                        if k in (irparse.LOCAL, irparse.CONST) or (k == irparse.GLOBAL and ref not in functions)]
            assert sorted(into.get(node_id, [])) == expected, inst.text
        assert autophase(ir).shape == (56,) and instcount(ir).shape == (70,)
