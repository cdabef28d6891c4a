#!/usr/bin/env python3
"""Which program features tell the speed selector which candidate beats ``-O3``? Leave-family-out on the knob table.

The shipped speed selector looks at the Autophase counts of the module clang hands its optimizer, and on the
knob table it calibrates to ``-O3`` everywhere (docs/policy.md). Counts of the *input* may simply not show what
a knob will do; the modules the candidates produce might. This compares, with the selector's own
leave-family-out protocol (``rlopt.training.selector.leave_family_out``: train on the other families, margin
calibrated on their validation programs, judged by the table):

* ``input``: Autophase of the input module (what ships);
* ``post-O3``: Autophase of ``-O3``'s output (free at ``-O-rl`` time: ``-O3`` is the fallback anyway);
* ``input+post-O3``: both;
* ``graph-wl``: the ProGraML graph of the input (``rlopt.graph``), as histograms of Weisfeiler-Lehman labels
  (a node's text, then twice its label with its neighbours' labels and edge kinds, hashed into
  :data:`WL_BUCKETS` buckets per round): the graph's structure that a GNN would read, without a GNN's training
  cost per fold; alone and beside Autophase;
* ``delta``: per (program, candidate), the change in Autophase counts from ``-O3``'s output to the candidate's
  output plus the candidate's identity, one model over all pairs (k nearest pairs, or ridge regression), a
  candidate whose counts equal ``-O3``'s predicted to gain nothing. Costs one pipeline run per candidate at
  compile time: a bound on what output features can tell, not something ``-O-rl`` could afford;
* ``gnn``, ``gnn+autophase`` (with ``--gnn``: ~30 min each on two cores): the ProGraML GNN of the PPO/SAC policies
  (SAC's actor, ``rlopt.training.models.Actor``: its ``GraphEncoder``, :data:`GNN_HIDDEN` wide, :data:`GNN_LAYERS`
  rounds), trained per fold to regress the coreset's log gains from the input's graph (and Autophase), the
  selector's own margin on top;
* ``static-cost`` (with ``--static-cost``): no learning, LLVM's own view: each output's cost as LLVM 19 estimates
  it (:func:`static_cost`: x86 throughput cost of every instruction, times its block's static frequency, times
  its function's frequency along the call graph from ``main``), the candidate's gain predicted as ``-O3``'s
  cost over its own, on :data:`COST_CANDIDATES` (beside ``knn input`` on the same columns). A cost model is what
  ``-O3``'s heuristics already consult; this asks whether, summed over the module, it ranks whole pipelines.
* ``remarks`` (with ``--remarks``): what ``-O3`` itself reports doing and declining on the input
  (:func:`o3_remarks`: its optimisation remarks counted by pass and kind, inlining refused by how far over the
  threshold, loops vectorized by factor and interleave count, unroll counts): the decisions the knob candidates
  change, alone and beside Autophase.
* ``profile`` (with ``--profile``): what the program *executes* on its input, from one instrumented run
  (:func:`profile_run`: LLVM's own PGO instrumentation and profile reader): Autophase counted per executed block
  (per thousand executed instructions), and ``hot-remarks``, ``-O3``'s remarks weighted by their function's
  share of the executed instructions: where the time goes, which the counts of the module cannot show.

Features are extracted once per program (the engine runs every candidate) into ``--features`` and reused.
Prints a table and writes ``benchmarks/results/selector_features.json``.
``.venv/bin/python benchmarks/selector_features.py [--table training/tables/knob-table.json]``
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import re
import resource
import tempfile
import time
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from rlopt import graph, toolchain
from rlopt.engine import Engine
from rlopt.errors import ToolError
from rlopt.features import AUTOPHASE_NAMES, autophase_values, counters
from rlopt.graph import ProgramGraph
from rlopt.irparse import parse
from rlopt.output import write_file
from rlopt.training import benchmarks, measure, runtime
from rlopt.training import selector as sel

RESULTS = Path(__file__).resolve().parent / "results" / "selector_features.json"
DELTA_K = 7  # nearest (program, candidate) pairs averaged by the delta kNN
RIDGE_L2 = 3.0  # ridge penalty per pair, on standardised features
ONE_HOT_SCALE = 2.0  # weight of the candidate's identity beside the count deltas
NF = len(AUTOPHASE_NAMES)
WL_BUCKETS, WL_ROUNDS = 256, 2
GNN_HIDDEN, GNN_LAYERS = 32, 2
GNN_EPOCHS, GNN_BATCH, GNN_LR, GNN_WEIGHT_DECAY = 30, 16, 3e-3, 0.01
GNN_MAX_NODES = 10_000  # a larger graph keeps its first functions up to this size: bounds a fold's time
COST_CANDIDATES = ["O3", "O1", "O2", "O3x2", "O3x3", "inline+O3", "O3@inline-threshold=1000", "O3@unroll-count=4",
                   "O3@force-vector-width=4", "O3@force-vector-width=8", "O3@force-vector-interleave=4",
                   "O3@unroll+interleave", "O3@inline+unroll"]  # the levels, re-runs and seven knob candidates that win often
COST_TIMEOUT = 60.0  # seconds for LLVM's cost printer on one output (it takes minutes on a few unrolled ones)
REMARK_ARGS = {"Cost", "Threshold", "VectorizationFactor", "InterleaveCount", "UnrollCount"}
PROFILE_TIMEOUT = 300.0  # seconds for one instrumented run of a program on its input
REMARK_MIN_PROGRAMS = 5  # a remark feature seen in fewer programs is left out of the ``remarks`` rows
_TERMINATOR = re.compile(r"^\s*(%\S+ = )?(br|ret|switch|unreachable|indirectbr|resume|callbr|catchswitch|catchret|"
                         r"cleanupret|invoke)\b")
_CALLEE = re.compile(r"\b(?:call|invoke)\s[^@]*@([\w.$]+|\"[^\"]+\")\(")


def wl_histogram(g: ProgramGraph) -> list[int]:
    """Weisfeiler-Lehman label counts of ``g``: ``WL_ROUNDS + 1`` histograms of ``WL_BUCKETS`` buckets."""
    labels = [zlib.crc32(text.encode()) for text in g.node_text]
    around: list[list[tuple[int, int, int]]] = [[] for _ in labels]
    for src, dst, flow in zip(g.edge_source, g.edge_target, g.edge_flow, strict=True):
        around[dst].append((flow, 0, src))
        around[src].append((flow, 1, dst))
    counts: list[int] = []
    for done in range(WL_ROUNDS + 1):
        counts += np.bincount(np.array(labels, dtype=np.int64) % WL_BUCKETS, minlength=WL_BUCKETS).tolist()
        if done < WL_ROUNDS:
            labels = [zlib.crc32(repr((labels[i], sorted((f, way, labels[j]) for f, way, j in around[i]))).encode())
                      for i in range(len(labels))]
    return counts


def output_features(bench: benchmarks.Benchmark, pipelines: dict[str, str], engine: Engine) -> dict[str, Any]:
    """Autophase of the input module and of every pipeline's output (None where the pipeline failed), and the
    input's graph as :func:`wl_histogram`."""
    ir = benchmarks.ir(bench, "O3")
    text = ir.decode(errors="replace")
    row: dict[str, Any] = {"input": autophase_values(text), "graph-wl": wl_histogram(graph.build(text))}
    for name, h, error in measure.optimized(engine, ir, bench.name, pipelines):
        try:
            row[name] = None if error else autophase_values(engine.text(h))
        except ToolError:
            row[name] = None
    return row


def static_cost(text: str, tc: toolchain.Toolchain) -> float:
    """LLVM 19's static estimate of a module's run time: ``print<cost-model>`` (the target's throughput cost per
    instruction) weighted by ``print<block-freq>`` (block frequency relative to its function's entry) and by each
    function's frequency, propagated from ``main`` along calls (a call closing a cycle adds nothing)."""
    _, report = toolchain.run_capture([str(tc.path("opt")), "-passes=print<block-freq>,print<cost-model>",
                                       "-disable-output", "-"], name="opt", input=text.encode(), timeout=COST_TIMEOUT)
    freqs: dict[str, list[float]] = collections.defaultdict(list)
    blocks: dict[str, list[list[tuple[float, str | None]]]] = {}  # function -> blocks -> (cost, callee)
    fn, section = "", ""
    for line in report.decode(errors="replace").splitlines():
        if line.startswith("block-frequency-info: "):
            fn, section = line.split(": ", 1)[1], "bfi"
        elif line.startswith("Printing analysis 'Cost Model Analysis' for function '"):
            fn, section = line.split("'")[3], "cost"
            blocks[fn] = [[]]
        elif section == "bfi" and line.startswith(" - "):
            m = re.search(r"float = ([0-9.e+-]+)", line)
            freqs[fn].append(float(m.group(1)) if m else 1.0)
        elif section == "cost" and (m := re.match(r"Cost Model: Found an estimated cost of (\S+) for instruction:(.*)",
                                                   line)):
            callee = _CALLEE.search(m.group(2))
            blocks[fn][-1].append((1.0 if m.group(1) == "Invalid" else float(m.group(1)),
                                   callee.group(1).strip('"') if callee else None))
            if _TERMINATOR.match(m.group(2)):
                blocks[fn].append([])
    own: dict[str, float] = {}
    calls: dict[str, list[tuple[str, float]]] = collections.defaultdict(list)
    for f, bbs in blocks.items():
        bbs = [b for b in bbs if b]
        freq = freqs[f] if len(freqs[f]) == len(bbs) else [1.0] * len(bbs)  # both list blocks in layout order
        own[f] = sum(w * sum(c for c, _ in b) for w, b in zip(freq, bbs, strict=True))
        calls[f] += [(callee, w) for w, b in zip(freq, bbs, strict=True) for _, callee in b if callee in blocks]
    roots = ["main"] if "main" in own else list(own)
    order: list[str] = []  # depth-first post-order from the roots: callees before callers, cycles cut
    seen: set[str] = set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(calls[root]))]
        while stack:
            f, pending = stack[-1]
            for callee, _ in pending:
                if callee not in seen:
                    seen.add(callee)
                    stack.append((callee, iter(calls[callee])))
                    break
            else:
                stack.pop()
                order.append(f)
    rank = {f: i for i, f in enumerate(order)}
    weight = collections.defaultdict(float, dict.fromkeys(roots, 1.0))
    for f in reversed(order):  # callers first
        for callee, w in calls[f]:
            if rank[callee] < rank[f]:
                weight[callee] += weight[f] * w
    return sum(weight[f] * own[f] for f in own)


def o3_remarks(text: str, tc: toolchain.Toolchain, weight: Callable[[str], float] | None = None) -> dict[str, float]:
    """``-O3``'s optimisation remarks on a module as counts: ``KIND/pass/name`` (``Passed/inline/Inlined``), refused
    or done inlining by how far the cost was over the threshold (``inline/gap<250/Missed``: a higher threshold
    would take it), ``vec/VF4``, ``vec/IC2`` per vectorized loop, and ``unroll/NAME/count`` (iterations summed).
    ``weight`` (of the function a remark is about, by its IR name) scales each remark: how hot that code is."""
    with tempfile.TemporaryDirectory() as tmp:
        yaml = Path(tmp) / "remarks.yaml"
        toolchain.run_capture([str(tc.path("opt")), "-passes=default<O3>", f"-pass-remarks-output={yaml}",
                               "-disable-output", "-"], name="opt", input=text.encode(), timeout=COST_TIMEOUT)
        lines = yaml.read_text(errors="replace").splitlines()
    counts: collections.Counter[str] = collections.Counter()
    remarks: list[dict[str, Any]] = []
    for line in lines:  # one remark per YAML document: "--- !Passed", "Pass: inline", "  - Cost: '40'", ...
        if line.startswith("--- !"):
            remarks.append({"kind": line[5:].strip()})
        elif remarks and (m := re.match(r"(Pass|Name|Function):\s+'?([^']*)'?$", line)):
            remarks[-1][m.group(1)] = m.group(2)
        elif remarks and (m := re.match(r"  - (\w+):\s+'?([-0-9.]+)'?$", line)) and m.group(1) in REMARK_ARGS:
            remarks[-1][m.group(1)] = float(m.group(2))
    for r in remarks:
        w = 1.0 if weight is None else weight(ir_name(r.get("Function", "")))
        if not w:
            continue
        counts[f"{r['kind']}/{r.get('Pass')}/{r.get('Name')}"] += w
        if "Cost" in r and "Threshold" in r:
            gap = r["Cost"] - r["Threshold"]
            counts[f"inline/gap<{250 if gap < 250 else 1000 if gap < 1000 else 'inf'}/{r['kind']}"] += w
        if "VectorizationFactor" in r:
            counts[f"vec/VF{int(r['VectorizationFactor'])}"] += w
            counts[f"vec/IC{int(r.get('InterleaveCount', 0))}"] += w
        if "UnrollCount" in r:
            counts[f"unroll/{r.get('Name')}/count"] += w * r["UnrollCount"]
    return dict(counts)


def ir_name(name: str) -> str:
    """A function's name as the IR text (and ``rlopt.irparse``) spells it: ``@main``, ``@"a b"``."""
    return f"@{name}" if re.fullmatch(r"[-a-zA-Z$._][-a-zA-Z$._0-9]*", name) else f'@"{name}"'


def block_counts(annotated: bytes, tc: toolchain.Toolchain) -> dict[str, list[float]]:
    """How often each block of each function ran, in layout order, by IR name: ``print<block-freq>`` of a module
    annotated with a profile (``pgo-instr-use``), whose counts are the profile's."""
    _, report = toolchain.run_capture([str(tc.path("opt")), "-passes=print<block-freq>", "-disable-output", "-"],
                                      name="opt", input=annotated, timeout=COST_TIMEOUT)
    out: dict[str, list[float]] = {}
    fn = ""
    for line in report.decode(errors="replace").splitlines():
        if line.startswith("block-frequency-info: "):
            fn = ir_name(line.split(": ", 1)[1])
            out[fn] = []
        elif line.startswith(" - ") and fn:
            m = re.search(r"count = (\d+)", line)
            out[fn].append(float(m.group(1)) if m else 0.0)
    return out


def profile_run(bench: benchmarks.Benchmark, ir: bytes, tc: toolchain.Toolchain) -> tuple[str, dict[str, list[float]]]:
    """The program's module ``ir`` annotated with its profile on its own input, and that module's block counts: the
    module instrumented (``pgo-instr-gen``), built with the profile runtime, run as the table runs it, and its
    profile read back onto the module (``pgo-instr-use``, which may split a few edges: the counts are the
    annotated module's)."""
    opt = str(tc.path("opt"))
    with tempfile.TemporaryDirectory(prefix="rlopt-profile-") as tmp:
        raw, data = Path(tmp) / "run.profraw", Path(tmp) / "run.profdata"
        instrumented, _ = toolchain.run_capture([opt, "-passes=pgo-instr-gen,instrprof,default<O2>", "-", "-o", "-"],
                                                name="opt", input=ir, timeout=COST_TIMEOUT)
        exe = runtime.build(instrumented, Path(tmp) / "exe", extra_link=[*bench.ldflags, "-fprofile-generate"])
        os.environ["LLVM_PROFILE_FILE"] = str(raw)
        try:
            r = runtime.run_benchmark(exe, bench, timeout=PROFILE_TIMEOUT)
        finally:
            del os.environ["LLVM_PROFILE_FILE"]
        if r.returncode < 0 or not raw.exists():  # some programs exit non-zero by design: the table checks output
            raise ToolError("profile", f"the instrumented run failed (exit {r.returncode})")
        toolchain.run_command([str(tc.path("llvm-profdata")), "merge", "-o", str(data), str(raw)],
                              name="llvm-profdata", timeout=COST_TIMEOUT)
        annotated, _ = toolchain.run_capture([opt, "-passes=pgo-instr-use", f"-pgo-test-profile-file={data}", "-",
                                              "-S", "-o", "-"], name="opt", input=ir, timeout=COST_TIMEOUT)
    return annotated.decode(errors="replace"), block_counts(annotated, tc)


def input_profile(bench: benchmarks.Benchmark, pipelines: dict[str, str], engine: Engine) -> dict[str, Any]:
    """What the program executes on its input (:func:`profile_run`): Autophase counted per execution
    (``profile``: per thousand executed instructions, ``TotalInsts`` itself as the log of the count, ``TotalFuncs``
    as calls), and ``-O3``'s remarks weighted by their function's share of executed instructions
    (``hot-remarks``). ``profile`` is None where the program could not be profiled."""
    tc = toolchain.find()
    ir = benchmarks.ir(bench, "O3")
    try:
        annotated, counts = profile_run(bench, ir, tc)
        module = parse(annotated)
        if any(len(counts.get(f.name, f.blocks)) != len(f.blocks) for f in module.functions):
            raise ToolError("profile", "block counts do not match the module's blocks")
        executed = counters(module, counts)
        total = max(executed["TotalInsts"], 1.0)
        dyn = [1000.0 * executed[n] / total for n in AUTOPHASE_NAMES]
        dyn[AUTOPHASE_NAMES.index("TotalInsts")] = math.log(total)
        share = {f.name: sum(n * len(b.instructions) for n, b in zip(counts[f.name], f.blocks, strict=True)) / total
                 for f in module.functions if f.name in counts}
        return {"profile": dyn, "hot-remarks": o3_remarks(ir.decode(errors="replace"), tc,
                                                          lambda f: share.get(f, 0.0))}
    except ToolError as e:
        print(f"  {bench.name}: not profiled: {e}", flush=True)
        return {"profile": None}


def input_remarks(bench: benchmarks.Benchmark, pipelines: dict[str, str], engine: Engine) -> dict[str, Any]:
    """:func:`o3_remarks` of the program's input (``{}`` where ``opt`` failed)."""
    try:
        return {"remarks": o3_remarks(benchmarks.ir(bench, "O3").decode(errors="replace"), toolchain.find())}
    except ToolError:
        return {"remarks": {}}


def output_costs(bench: benchmarks.Benchmark, pipelines: dict[str, str], engine: Engine) -> dict[str, Any]:
    """:func:`static_cost` of each of :data:`COST_CANDIDATES`' outputs (None where the pipeline or the analysis
    failed)."""
    tc = toolchain.find()
    costs: dict[str, float | None] = {}
    wanted = {c: pipelines.get(c, "default<O3>") for c in COST_CANDIDATES}
    for name, h, error in measure.optimized(engine, benchmarks.ir(bench, "O3"), bench.name, wanted):
        try:
            costs[name] = None if error else static_cost(engine.text(h), tc)
        except ToolError:
            costs[name] = None
    return {"static-cost": costs}


def extract(data: sel.Data, table: dict[str, Any], path: Path, key: str,
            compute: Callable[[benchmarks.Benchmark, dict[str, str], Engine], dict[str, Any]]) -> dict[str, Any]:
    """Features of every program of ``data`` that lacks ``key``, by ``compute`` (``output_features`` or
    ``output_costs``), resuming from ``path`` (written after each program)."""
    done = json.loads(path.read_text()) if path.exists() else {}
    todo = [u for u in data.uris if key not in done.get(u, {})]
    with Engine(timeout=measure.ENGINE_TIMEOUT) as engine:
        for i, uri in enumerate(todo, 1):
            t0 = time.time()
            done.setdefault(uri, {}).update(compute(benchmarks.get(uri), table["candidates"], engine))
            write_file(path, json.dumps(done).encode())
            print(f"[{i}/{len(todo)}] {uri}: {time.time() - t0:.1f} s", flush=True)
    return done


class DeltaModel(sel.Model):
    """Predicts each coreset candidate's log gain from how its output's counts differ from ``-O3``'s.

    Rows of features are ``[O3 output, candidate 1 output, ...]`` (the table's candidate order, log1p counts)."""

    def pair_features(self, x: np.ndarray, j: int) -> np.ndarray:
        delta = x[:, (j + 1) * NF:(j + 2) * NF] - x[:, :NF]
        onehot = np.zeros((len(x), self.params["n_candidates"]))
        onehot[:, j] = ONE_HOT_SCALE
        return np.hstack([delta, onehot])

    def predict(self, x: np.ndarray) -> np.ndarray:
        x = np.atleast_2d(x)
        out = np.zeros((len(x), len(self.coreset)))
        for c, j in enumerate(self.params["cols"][1:], start=1):
            z = self.pair_features(x, j)
            if self.kind == "delta-knn":
                d = ((z[:, None, :] - self.params["train_z"][None, :, :]) ** 2).sum(-1)
                pred = self.params["train_y"][np.argsort(d, axis=1, kind="stable")[:, :DELTA_K]].mean(axis=1)
            else:
                pred = ((z - self.params["mu"]) / self.params["sd"]) @ self.params["w"] + self.params["y0"]
            same = np.all(z[:, :NF] == 0, axis=1)  # the candidate's counts equal -O3's: nothing to gain
            out[:, c] = np.where(same, 0.0, pred)
        return out


def delta_trainer(kind: str) -> sel.Trainer:
    """A ``leave_family_out`` trainer for the delta models (coreset from the training rows, as ``train``)."""

    def trainer(data: sel.Data, train_rows: Any, val_rows: Any) -> sel.Model:
        tr = data.subset(train_rows)
        coreset = sel.choose_coreset(tr, "O3")
        cols = [data.candidates.index(c) for c in coreset]
        model = DeltaModel(kind, coreset, np.zeros(1), np.ones(1),
                           {"cols": cols, "n_candidates": len(data.candidates)})
        pairs = [(model.pair_features(tr.features, j), tr.gain[:, j]) for j in cols[1:]]
        z = np.vstack([p for p, _ in pairs])
        y = np.concatenate([g for _, g in pairs])
        differs = ~np.all(z[:, :NF] == 0, axis=1)  # pairs equal to -O3 teach nothing
        z, y = z[differs], y[differs]
        if kind == "delta-knn":
            model.params.update(train_z=z, train_y=y)
        else:
            mu, sd = z.mean(axis=0), z.std(axis=0) + 1e-6
            a = (z - mu) / sd
            w = np.linalg.solve(a.T @ a + RIDGE_L2 * len(a) * np.eye(a.shape[1]), a.T @ (y - y.mean()))
            model.params.update(mu=mu, sd=sd, w=w, y0=float(y.mean()))
        model.margin = sel.calibrate(data.subset(val_rows), model) if len(val_rows) else sel.MARGINS[-1]
        return model

    return trainer


def capped(arrays: dict[str, np.ndarray], max_nodes: int = GNN_MAX_NODES) -> dict[str, np.ndarray]:
    """``arrays`` (``ProgramGraph.arrays``) restricted to the module's first functions that fit in ``max_nodes``
    nodes, with every constant (constants belong to no function), and the edges between kept nodes."""
    fn = arrays["node_function"]
    if len(fn) <= max_nodes:
        return arrays
    fits = int(np.searchsorted(np.cumsum(np.bincount(fn[fn >= 0])), max_nodes, side="right"))
    keep = (fn < max(fits, 1))  # constants are -1
    new_id = np.cumsum(keep) - 1
    src, dst = arrays["edge_index"]
    kept_edge = keep[src] & keep[dst]
    out = {k: v[keep] for k, v in arrays.items() if k in ("node_tokens", "node_types", "node_function")}
    out["edge_index"] = np.stack([new_id[src[kept_edge]], new_id[dst[kept_edge]]])
    out |= {k: arrays[k][kept_edge] for k in ("edge_flow", "edge_position")}
    return out


class GnnModel(sel.Model):
    """Predicts the coreset's log gains from a program's graph; a feature row is the program's index in
    ``params["graphs"]`` (predictions are kept per program: calibration asks for the same rows many times)."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        import torch

        from rlopt.training.models import collate

        rows = [int(r) for r in np.atleast_2d(x)[:, 0]]
        cache, net = self.params["cache"], self.params["net"]
        todo = [r for r in rows if r not in cache]
        with torch.no_grad():
            for b in range(0, len(todo), GNN_BATCH):
                batch = todo[b:b + GNN_BATCH]
                g = collate([self.params["graphs"][r] for r in batch], autophase=self.params["autophase"])
                cache.update(zip(batch, net(g).numpy().astype(np.float64), strict=True))
        out = np.array([cache[r] for r in rows]).reshape(len(rows), len(self.coreset))
        out[:, 0] = 0.0
        return out


def gnn_trainer(graphs: list[dict[str, np.ndarray]], autophase: bool) -> sel.Trainer:
    """A ``leave_family_out`` trainer for :class:`GnnModel` (coreset from the training rows, as ``train``)."""
    import torch

    from rlopt.training.models import Actor, collate, gnn_config

    def trainer(data: sel.Data, train_rows: Any, val_rows: Any) -> sel.Model:
        tr = data.subset(train_rows)
        coreset = sel.choose_coreset(tr, "O3")
        y = torch.tensor(tr.gain[:, [data.candidates.index(c) for c in coreset]], dtype=torch.float32)
        rows = tr.features[:, 0].astype(int)
        torch.manual_seed(0)
        rng = np.random.default_rng(0)
        # SAC's actor network, its outputs read as gains: its small last layer starts every prediction near 0
        net = Actor(gnn_config(0, len(coreset), GNN_HIDDEN, GNN_LAYERS, autophase))
        opt = torch.optim.AdamW(net.parameters(), lr=GNN_LR, weight_decay=GNN_WEIGHT_DECAY)
        for _ in range(GNN_EPOCHS):
            order = rng.permutation(len(rows))
            for b in range(0, len(order), GNN_BATCH):
                idx = order[b:b + GNN_BATCH]
                pred = net(collate([graphs[r] for r in rows[idx]], autophase=autophase))
                loss = torch.nn.functional.mse_loss(pred[:, 1:], y[idx, 1:])  # the baseline's gain is 0
                opt.zero_grad()
                loss.backward()
                opt.step()
        net.eval()
        model = GnnModel("gnn", coreset, np.zeros(1), np.ones(1),
                         {"net": net, "graphs": graphs, "autophase": autophase, "cache": {}})
        fit = float(((model.predict(tr.features)[:, 1:] - y[:, 1:].numpy()) ** 2).mean() / y[:, 1:].var())
        print(f"  gnn fold: {len(rows)} programs, training MSE {fit:.2f} of the gains' variance", flush=True)
        model.margin = sel.calibrate(data.subset(val_rows), model) if len(val_rows) else sel.MARGINS[-1]
        return model

    return trainer


def graphs_of(data: sel.Data, feats: dict[str, Any]) -> list[dict[str, np.ndarray]]:
    """The input graph of every program of ``data`` (:func:`capped`), with its Autophase counts."""
    out = []
    for uri in data.uris:
        text = benchmarks.ir(benchmarks.get(uri), "O3").decode(errors="replace")
        g = capped(graph.build(text).arrays())
        g["autophase"] = np.asarray(feats[uri]["input"], dtype=np.float32)
        out.append(g)
    return out


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho (ties ranked in order of appearance)."""
    return float(np.corrcoef(np.argsort(np.argsort(a)), np.argsort(np.argsort(b)))[0, 1])


class CostModel(sel.Model):
    """Predicted gains are the features themselves (one column per candidate of the data, in its order)."""

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = np.atleast_2d(x)[:, self.params["cols"]].copy()
        out[:, 0] = 0.0
        return out


def cost_trainer(data: sel.Data, train_rows: Any, val_rows: Any) -> sel.Model:
    """Nothing to fit: the coreset from the training rows, the margin calibrated on the validation rows."""
    coreset = sel.choose_coreset(data.subset(train_rows), "O3")
    model = CostModel("static-cost", coreset, np.zeros(1), np.ones(1),
                      {"cols": [data.candidates.index(c) for c in coreset]})
    model.margin = sel.calibrate(data.subset(val_rows), model) if len(val_rows) else sel.MARGINS[-1]
    return model


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, default=measure.KNOB_TABLE_FILE)
    ap.add_argument("--features", type=Path, default=benchmarks.cache_dir() / "selector-features.json",
                    help="where extracted features are kept between runs")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--gnn", action="store_true", help="also train the GNN per fold (~1 h in all)")
    ap.add_argument("--static-cost", action="store_true", help="also rank candidates by LLVM's static cost")
    ap.add_argument("--remarks", action="store_true", help="also select from -O3's optimisation remarks")
    ap.add_argument("--profile", action="store_true",
                    help="also select from what each program executes on its input (an instrumented run)")
    args = ap.parse_args()
    started = time.time()
    table = json.loads(args.table.read_text())
    data = sel.load_data(table, "speed")
    feats = extract(data, table, args.features, "input", output_features)
    complete = [i for i, u in enumerate(data.uris) if all(feats[u].get(c) is not None for c in data.candidates)]
    skipped = sorted(set(data.uris) - {data.uris[i] for i in complete})
    data = data.subset(complete)
    raw_in = np.array([feats[u]["input"] for u in data.uris], dtype=np.float64)
    raw_o3 = np.array([feats[u]["O3"] for u in data.uris], dtype=np.float64)
    wl = np.array([feats[u]["graph-wl"] for u in data.uris], dtype=np.float64)
    outputs = np.log1p(np.array([[feats[u]["O3"]] + [feats[u][c] for c in data.candidates] for u in data.uris],
                                dtype=np.float64)).reshape(len(data.uris), -1)
    runs = {f"{kind} {name}": (replace(data, features=x), kind, None)
            for name, x in (("input", raw_in), ("post-O3", raw_o3), ("input+post-O3", np.hstack([raw_in, raw_o3])),
                            ("graph-wl", wl), ("graph-wl+input", np.hstack([wl, raw_in])))
            for kind in ("mlp", "knn")}
    runs |= {kind: (replace(data, features=outputs), kind, delta_trainer(kind))
             for kind in ("delta-knn", "delta-ridge")}
    notes: dict[str, Any] = {}
    if args.static_cost:
        feats = extract(data, table, args.features, "static-cost", output_costs)
        costed = [i for i, u in enumerate(data.uris) if all(feats[u]["static-cost"].get(c) for c in COST_CANDIDATES)]
        cols = data.subset(costed).columns(COST_CANDIDATES)
        predicted = np.array([[math.log(feats[u]["static-cost"]["O3"] / feats[u]["static-cost"][c])
                               for c in COST_CANDIDATES] for u in cols.uris])
        differs = np.abs(predicted[:, 1:]) > 1e-12  # pairs whose output's cost is -O3's predict nothing
        rho = rank_correlation(predicted[:, 1:][differs], cols.gain[:, 1:][differs])
        notes["static-cost"] = {"pairs": int(differs.sum()), "rank_correlation": round(rho, 4)}
        print(f"static cost: rank correlation of predicted and measured gains {rho:+.3f} over the "
              f"{int(differs.sum())} (program, candidate) pairs whose cost differs from -O3's")
        runs |= {"knn input, static-cost columns": (replace(cols, features=raw_in[costed]), "knn", None),
                 "static-cost": (replace(cols, features=predicted), "static-cost", cost_trainer)}
    if args.remarks:
        feats = extract(data, table, args.features, "remarks", input_remarks)
        keys = collections.Counter(k for u in data.uris for k in feats[u]["remarks"])
        names = sorted(k for k, n in keys.items() if n >= REMARK_MIN_PROGRAMS)
        remarks = np.array([[feats[u]["remarks"].get(k, 0.0) for k in names] for u in data.uris])
        notes["remarks"] = {"features": len(names)}
        runs |= {f"{kind} {name}": (replace(data, features=x), kind, None)
                 for name, x in (("remarks", remarks), ("remarks+input", np.hstack([remarks, raw_in])))
                 for kind in ("mlp", "knn")}
    if args.profile:
        feats = extract(data, table, args.features, "profile", input_profile)
        profiled = [i for i, u in enumerate(data.uris) if feats[u]["profile"] is not None]
        prof = data.subset(profiled)
        keys = collections.Counter(k for u in prof.uris for k in feats[u]["hot-remarks"])
        names = sorted(k for k, n in keys.items() if n >= REMARK_MIN_PROGRAMS)
        dyn = np.array([feats[u]["profile"] for u in prof.uris])
        hot = np.array([[1000.0 * feats[u]["hot-remarks"].get(k, 0.0) for k in names] for u in prof.uris])
        notes["profile"] = {"programs": len(profiled), "hot_remark_features": len(names)}
        runs |= {f"{kind} {name}": (replace(prof, features=x), kind, None)
                 for name, x in (("input, profiled programs", raw_in[profiled]), ("profile", dyn),
                                 ("profile+input", np.hstack([dyn, raw_in[profiled]])), ("hot-remarks", hot),
                                 ("hot-remarks+profile", np.hstack([hot, dyn])))
                 for kind in ("mlp", "knn")}
    if args.gnn:
        graphs = graphs_of(data, feats)
        index = replace(data, features=np.arange(len(data.uris), dtype=np.float64)[:, None])
        runs |= {name: (index, "gnn", gnn_trainer(graphs, autophase))
                 for name, autophase in (("gnn", False), ("gnn+autophase", True))}
    results: dict[str, Any] = {}
    for name, (d, kind, trainer) in runs.items():
        results[name] = sel.leave_family_out(d, "speed", kind, trainer=trainer)
    oracle = math.exp(float(sel.credited(data).max(axis=1).mean()))
    print(f"{len(data.uris)} programs of {args.table.name} ({len(skipped)} left out: a candidate failed), "
          f"{len(data.candidates)} candidates; oracle {oracle:.4f}x -O3, {int(data.win.any(axis=1).sum())} "
          "programs with a win")
    print("| features, model | leave-family-out | wins / losses | worst | distinct | moved off -O3 |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        o = r["overall"]
        moved = sum(p["chosen"] != "O3" for p in r["programs"])
        print(f"| {name} | {o['geomean']:.4f}x | {o['wins']} / {o['losses']} | {o['worst']:.3f} | "
              f"{o['distinct']} | {moved} |")
    run = {"wall_seconds": round(time.time() - started, 1),
           "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    report = {"table": str(args.table), "programs": len(data.uris), "left_out": skipped, "oracle": round(oracle, 4),
              "results": results, "notes": notes, "run": run}
    write_file(args.out, (json.dumps(report, indent=1) + "\n").encode())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
