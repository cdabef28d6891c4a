"""Per-program pipeline selection learned from the measured table (the ``speed`` and ``size`` models).

Approach (Coreset-NVP style, see docs/policy.md): a *coreset* of a few pipelines that together cover most
of the table's headroom on the training programs, and a model that looks at a program's Autophase features
and predicts each coreset pipeline's gain over the baseline (``-O3`` for speed, ``-Oz`` for size). The
baseline is always a candidate, and the policy leaves it only when the predicted gain beats a margin
calibrated on validation programs: never lose by guessing.

Two models are compared (``rlopt-train select``): ``mlp``, a small network regressing log gains, and
``knn``, the mean gain of the nearest training programs in feature space. Both export to ONNX with the
feature normalisation inside, so inference is one Autophase scan and one ONNX call.

For size, where the objective can be measured exactly while compiling, a third kind, ``exact``, does not
guess: it builds every coreset pipeline in the engine and keeps the one with the fewest IR instructions among
those whose ``.text`` is no larger than the baseline's (the baseline always qualifies, so it never loses).
Its coreset is chosen for that rule; its kNN part only orders the candidates for ``--explain``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from rlopt.features import AUTOPHASE_NAMES

# ---------------------------------------------------------------- hyperparameters
CORESET_SIZE = 6
MIN_COVERAGE_GAIN = 0.002  # mean log gain a coreset member must add over the ones before it
CLIP = 0.4  # log gains are clipped to +-CLIP: a few huge ratios must not dominate the regression
MLP_HIDDEN = 32
MLP_EPOCHS = 400
MLP_LR = 3e-3
MLP_WEIGHT_DECAY = 0.05
KNN_K = 5
MARGINS = (0.0, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 1.0)
BASELINES = {"speed": "O3", "size": "Oz"}


# ---------------------------------------------------------------- data from the table

@dataclass
class Data:
    """Programs (rows) x candidates (columns) of one objective, with features and verdicts."""

    uris: list[str]
    families: list[str]
    splits: list[str]
    candidates: list[str]
    pipelines: dict[str, str]
    gain: np.ndarray  # log(baseline cost / candidate cost); -CLIP where the candidate failed
    text_gain: np.ndarray  # log(baseline .text / candidate .text); -CLIP where the candidate failed
    win: np.ndarray  # bool: beyond the program's noise margin (speed) or strictly smaller (size)
    loss: np.ndarray
    features: np.ndarray

    def subset(self, rows: Sequence[int] | np.ndarray) -> Data:
        rows = list(rows)
        return Data([self.uris[i] for i in rows], [self.families[i] for i in rows], [self.splits[i] for i in rows],
                    self.candidates, self.pipelines, self.gain[rows], self.text_gain[rows], self.win[rows],
                    self.loss[rows], self.features[rows])

    def columns(self, names: Sequence[str]) -> Data:
        """The same programs with only the candidates ``names``."""
        cols = [self.candidates.index(n) for n in names]
        return Data(self.uris, self.families, self.splits, list(names), self.pipelines, self.gain[:, cols],
                    self.text_gain[:, cols], self.win[:, cols], self.loss[:, cols], self.features)

    def rows(self, pred: Callable[[int], bool]) -> list[int]:
        return [i for i in range(len(self.uris)) if pred(i)]


def load_data(table: dict[str, Any], objective: str) -> Data:
    """The table as arrays for ``objective`` (``speed``: timed, quiet programs; ``size``: every program)."""
    if objective not in BASELINES:
        raise ValueError(f"objective must be one of {', '.join(BASELINES)}")
    base = BASELINES[objective]
    untimed = set(table.get("untimed", ()))
    cands = [c for c in table["candidates"] if objective == "size" or c not in untimed]
    rows = []
    for uri, row in sorted(table["programs"].items()):
        if "error" in row or "autophase" not in row:
            continue
        c = row["candidates"]
        if objective == "speed" and (not row.get("rounds") or row.get("noisy")):
            continue
        if base not in c or c[base].get("error") or any(name not in c for name in cands):
            continue  # a row measured before some candidates existed: not comparable column by column
        rows.append((uri, row))
    n, k = len(rows), len(cands)
    gain = np.full((n, k), -CLIP)
    text_gain = np.full((n, k), -CLIP)
    win = np.zeros((n, k), dtype=bool)
    loss = np.zeros((n, k), dtype=bool)
    for i, (_, row) in enumerate(rows):
        for j, name in enumerate(cands):
            c = row["candidates"].get(name)
            if not c or c.get("error"):
                loss[i, j] = True
                continue
            if objective == "speed":
                if c.get("suspect") or "speedup" not in c:
                    continue  # never learn from a build that deleted the benchmark's work
                g, win[i, j], loss[i, j] = math.log(c["speedup"]), c["win"], c["loss"]
            else:
                b, m = row["candidates"][base]["ir_instructions"], c["ir_instructions"]
                g, win[i, j], loss[i, j] = math.log(b / m), m < b, m > b
            gain[i, j] = max(-CLIP, min(CLIP, g))
            t = math.log(row["candidates"][base]["text_size"] / c["text_size"]) if c.get("text_size") else -CLIP
            text_gain[i, j] = max(-CLIP, min(CLIP, t))
    return Data([u for u, _ in rows], [r["family"] for _, r in rows], [r.get("split") or "train" for _, r in rows],
                cands, dict(table["candidates"]), gain, text_gain, win, loss,
                np.array([r["autophase"] for _, r in rows], dtype=np.float64).reshape(n, len(AUTOPHASE_NAMES)))


def credited(data: Data) -> np.ndarray:
    """The gain a choice is credited with when judging coverage: real wins only, so noise is never a gain."""
    return np.where(data.win, data.gain, np.minimum(data.gain, 0.0))


def full_pipelines(pipeline: str) -> int:
    """How many of clang's whole pipelines (``default<On>``) a candidate runs: its compile-time cost in -O3s."""
    return pipeline.count("default<")


def choose_coreset(data: Data, baseline: str, size: int = CORESET_SIZE, max_full: int | None = None,
                   min_gain: float = MIN_COVERAGE_GAIN) -> list[str]:
    """Greedy max-coverage: the baseline, then the pipelines that add most to the per-program best.

    ``max_full`` keeps out candidates that run more than that many whole clang pipelines, so that the
    chosen pipeline compiles in about the time of ``-O3`` (issue: -O-rl within 1.5x of opt -O3).
    """
    value = credited(data)
    chosen = [data.candidates.index(baseline)]
    best = value[:, chosen[0]].copy()
    too_costly = [j for j, c in enumerate(data.candidates)
                  if max_full is not None and full_pipelines(data.pipelines[c]) > max_full]
    while len(chosen) < size:
        adds = np.maximum(value, best[:, None]).mean(axis=0) - best.mean()
        adds[chosen + too_costly] = -np.inf
        j = int(np.argmax(adds))
        if adds[j] < min_gain:
            break
        chosen.append(j)
        best = np.maximum(best, value[:, j])
    return [data.candidates[j] for j in chosen]


def exact_picks(data: Data, cols: Sequence[int]) -> np.ndarray:
    """The ``exact`` rule per program, over columns ``cols`` (the baseline first): the fewest IR
    instructions among the candidates whose ``.text`` is no larger than the baseline's."""
    cols = np.asarray(cols)
    eligible = data.text_gain[:, cols] >= 0
    eligible[:, 0] = True
    score = np.where(eligible, data.gain[:, cols] + 1e-6 * data.text_gain[:, cols], -np.inf)
    return cols[np.argmax(score, axis=1)]


def choose_exact_coreset(data: Data, baseline: str, size: int = CORESET_SIZE, max_full: int | None = None) -> list[str]:
    """Greedy: the baseline, then the pipelines that most raise the mean gain of :func:`exact_picks`.

    The exact rule runs every member while compiling: ``max_full`` caps the whole clang pipelines they run
    together (the baseline's included), so that ``-O-rl`` compiles in about the time of that many ``-Oz``s."""
    chosen = [data.candidates.index(baseline)]
    rows = np.arange(len(data.uris))

    def value(cols: list[int]) -> float:
        return float(data.gain[rows, exact_picks(data, cols)].mean()) if len(rows) else 0.0

    def cost(cols: list[int]) -> int:
        return sum(full_pipelines(data.pipelines[data.candidates[j]]) for j in cols)

    while len(chosen) < size:
        adds = [(value(chosen + [j]), j) for j in range(len(data.candidates))
                if j not in chosen and (max_full is None or cost(chosen + [j]) <= max_full)]
        if not adds:
            break
        best, j = max(adds)
        if best - value(chosen) < MIN_COVERAGE_GAIN:
            break
        chosen.append(j)
    return [data.candidates[j] for j in chosen]


# ---------------------------------------------------------------- models

@dataclass
class Model:
    """A fitted selector: predicts log gains of ``coreset`` (the baseline first, always 0) from features."""

    kind: str
    coreset: list[str]
    mean: np.ndarray
    std: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    margin: float = 0.0

    def normalise(self, x: np.ndarray) -> np.ndarray:
        return (np.log1p(np.maximum(x, 0)) - self.mean) / self.std

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Predicted log gain per coreset pipeline for each row of raw Autophase features."""
        z = self.normalise(np.atleast_2d(x))
        if self.kind in ("knn", "exact"):
            d = ((z[:, None, :] - self.params["train_z"][None, :, :]) ** 2).sum(-1)
            near = np.argsort(d, axis=1, kind="stable")[:, :self.params["k"]]
            out = self.params["train_y"][near].mean(axis=1)
        else:
            h = np.maximum(z @ self.params["w1"] + self.params["b1"], 0)
            out = h @ self.params["w2"] + self.params["b2"]
        out[:, 0] = 0.0
        return out

    def choose(self, x: np.ndarray, margin: float | None = None) -> np.ndarray:
        """Index into the coreset per row: the best predicted pipeline if it beats the margin, else 0."""
        p = self.predict(x)
        j = np.argmax(p, axis=1)
        return np.where(p[np.arange(len(j)), j] > (self.margin if margin is None else margin), j, 0)


def fit(data: Data, coreset: list[str], kind: str, *, seed: int = 0) -> Model:
    """Fit a ``knn`` or ``mlp`` selector on ``data`` for ``coreset``."""
    cols = [data.candidates.index(c) for c in coreset]
    y = data.gain[:, cols]
    logx = np.log1p(np.maximum(data.features, 0))
    # One scale for all features (not one per feature): a feature that barely varies stays small instead of
    # being blown up to the size of the ones that tell programs apart.
    mean = logx.mean(axis=0)
    std = np.full_like(mean, math.sqrt(float(logx.var(axis=0).mean())) + 1e-6)
    model = Model(kind, list(coreset), mean, std)
    z = model.normalise(data.features)
    if kind in ("knn", "exact"):
        model.params = {"train_z": z, "train_y": y, "k": min(KNN_K, len(y))}
        return model
    if kind != "mlp":
        raise ValueError(f"unknown selector kind '{kind}' (knn, mlp or exact)")
    import torch

    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(z.shape[1], MLP_HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(MLP_HIDDEN, len(coreset)))
    opt = torch.optim.AdamW(net.parameters(), lr=MLP_LR, weight_decay=MLP_WEIGHT_DECAY)
    zt, yt = torch.tensor(z, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
    for _ in range(MLP_EPOCHS):
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(zt), yt).backward()
        opt.step()
    l1, l2 = net[0], net[2]
    model.params = {"w1": l1.weight.detach().numpy().T.astype(np.float64), "b1": l1.bias.detach().numpy(),
                    "w2": l2.weight.detach().numpy().T.astype(np.float64), "b2": l2.bias.detach().numpy()}
    return model


# ---------------------------------------------------------------- judging choices

@dataclass
class Outcome:
    """Choices judged against the table: per program the chosen pipeline and its measured gain."""

    uris: list[str]
    chosen: list[str]
    gain: np.ndarray
    win: np.ndarray
    loss: np.ndarray

    @property
    def geomean(self) -> float:
        return float(math.exp(self.gain.mean())) if len(self.gain) else float("nan")

    def summary(self) -> dict[str, Any]:
        return {"programs": len(self.uris), "geomean": round(self.geomean, 4), "wins": int(self.win.sum()),
                "losses": int(self.loss.sum()), "worst": round(float(math.exp(self.gain.min())), 4) if len(self.gain)
                else None, "distinct": len(set(self.chosen))}


def judge(data: Data, model: Model, margin: float | None = None) -> Outcome:
    """What the model's choices measured in the table (no re-timing: the table is the judge)."""
    if model.kind == "exact":
        cols = list(exact_picks(data, [data.candidates.index(n) for n in model.coreset]))
        names = [data.candidates[j] for j in cols]
    else:
        picks = model.choose(data.features, margin) if len(data.uris) else np.zeros(0, dtype=int)
        names = [model.coreset[j] for j in picks]
        cols = [data.candidates.index(n) for n in names]
    rows = np.arange(len(cols))
    return Outcome(list(data.uris), names, data.gain[rows, cols], data.win[rows, cols], data.loss[rows, cols])


def calibrate(data: Data, model: Model) -> float:
    """The margin with the best measured geomean on ``data`` (ties: the larger, more cautious margin)."""
    scores = [(judge(data, model, m).gain.mean() if len(data.uris) else 0.0, m) for m in MARGINS]
    best = max(s for s, _ in scores)
    return max(m for s, m in scores if s >= best - 1e-12)


def train(data: Data, objective: str, kind: str, *, train_rows: Sequence[int], val_rows: Sequence[int],
          seed: int = 0, max_full: int | None = None) -> Model:
    """Coreset from ``train_rows``, model fitted on them, margin calibrated on ``val_rows``."""
    tr = data.subset(train_rows)
    if kind == "exact":
        if objective != "size":
            raise ValueError("the exact selector measures its candidates while compiling: size only")
        return fit(tr, choose_exact_coreset(tr, BASELINES[objective], max_full=max_full), kind, seed=seed)
    coreset = choose_coreset(tr, BASELINES[objective], max_full=max_full)
    model = fit(tr, coreset, kind, seed=seed)
    model.margin = calibrate(data.subset(val_rows), model) if len(val_rows) else MARGINS[-1]
    return model


Trainer = Callable[[Data, Sequence[int], Sequence[int]], Model]


def leave_family_out_problem(data: Data) -> str | None:
    """Why :func:`leave_family_out` cannot run on ``data`` (a fold with nothing to train on), or None."""
    for fam in sorted(set(data.families)):
        if not any(f != fam and s != "validation" for f, s in zip(data.families, data.splits, strict=True)):
            return (f"leave-family-out needs programs of another family to train on: without {fam} the table has "
                    f"none outside the validation split")
    return None


def leave_family_out(data: Data, objective: str, kind: str, max_full: int | None = None,
                     trainer: Trainer | None = None) -> dict[str, Any]:
    """For every family: train on the others (validation split of the others calibrates), judge on it.

    ``trainer(data, train_rows, val_rows)`` replaces :func:`train` for a selector this module does not fit
    (benchmarks/selector_features.py compares feature sets this way); it returns a :class:`Model`-like object."""
    if trainer is None:
        def trainer(d: Data, tr: Sequence[int], val: Sequence[int]) -> Model:
            return train(d, objective, kind, train_rows=tr, val_rows=val, max_full=max_full)
    problem = leave_family_out_problem(data)
    if problem:
        raise ValueError(problem)
    results: dict[str, Any] = {}
    per_program: list[tuple[str, str, float, bool, bool]] = []
    for fam in sorted(set(data.families)):
        test = data.rows(lambda i, fam=fam: data.families[i] == fam)
        others = data.rows(lambda i, fam=fam: data.families[i] != fam)
        val = [i for i in others if data.splits[i] == "validation"]
        tr = [i for i in others if data.splits[i] != "validation"]
        model = trainer(data, tr, val)
        out = judge(data.subset(test), model)
        results[fam] = {**out.summary(), "coreset": model.coreset, "margin": model.margin}
        per_program += list(zip(out.uris, out.chosen, out.gain.tolist(), out.win.tolist(), out.loss.tolist(),
                                strict=True))
    gains = np.array([g for _, _, g, _, _ in per_program])
    overall = {"programs": len(per_program), "geomean": round(float(math.exp(gains.mean())), 4),
               "wins": sum(w for *_, w, _ in per_program), "losses": sum(lo for *_, lo in per_program),
               "worst": round(float(math.exp(gains.min())), 4),
               "distinct": len({c for _, c, *_ in per_program})}
    return {"families": results, "overall": overall,
            "programs": [{"uri": u, "chosen": c, "ratio": round(math.exp(g), 4), "win": w, "loss": lo}
                         for u, c, g, w, lo in per_program]}


def split_rows(data: Data) -> tuple[list[int], list[int], list[int]]:
    return tuple(data.rows(lambda i, s=s: data.splits[i] == s) for s in ("train", "validation", "test"))


# ---------------------------------------------------------------- export

def export_onnx(model: Model, path: Path, card: dict[str, Any]) -> tuple[Path, Path]:
    """Write ``path`` (ONNX: ``autophase`` float32[1,56] -> ``gains`` float32[1,K]) and its card beside it."""
    import torch

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            f32 = torch.float32
            self.register_buffer("mean", torch.tensor(model.mean, dtype=f32))
            self.register_buffer("std", torch.tensor(model.std, dtype=f32))
            mask = torch.ones(len(model.coreset), dtype=f32)
            mask[0] = 0.0
            self.register_buffer("mask", mask)
            for k, v in model.params.items():
                if isinstance(v, np.ndarray):
                    self.register_buffer(k, torch.tensor(v, dtype=f32))
            self.k = int(model.params.get("k", 0))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            z = (torch.log1p(torch.relu(x)) - self.mean) / self.std
            if model.kind in ("knn", "exact"):
                d = ((z[:, None, :] - self.train_z[None, :, :]) ** 2).sum(-1)
                _, near = torch.topk(-d, self.k, dim=1)
                out = self.train_y[near[0]].mean(0, keepdim=True)
            else:
                out = torch.relu(z @ self.w1 + self.b1) @ self.w2 + self.b2
            return out * self.mask

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".onnx.tmp")
    net = Net().eval()
    with warnings.catch_warnings():  # the TorchScript exporter is deprecated but exact for these plain ops
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(net, (torch.zeros(1, len(AUTOPHASE_NAMES)),), str(tmp), input_names=["autophase"],
                          output_names=["gains"], dynamo=False, opset_version=17)
    tmp.replace(path)
    from rlopt.ir import write_file

    card_path = path.with_suffix(".json")
    full = {"kind": "selector", "features": "autophase-v1", "margin": model.margin, "model": model.kind,
            "candidates": [{"name": n, "pipeline": card["pipelines"][n]} for n in model.coreset],
            **{k: v for k, v in card.items() if k != "pipelines"}}
    write_file(card_path, (json.dumps(full, indent=1) + "\n").encode())
    return path, card_path


def report_markdown(report: dict[str, Any]) -> str:
    """The comparison ``rlopt-train select --report`` writes, as Markdown tables (docs/policy.md)."""
    base = BASELINES[report["objective"]]
    lines = [f"Objective **{report['objective']}** (ratios to `-{base}`, geometric means; wins and losses beyond "
             f"each program's noise margin), {report['programs']} programs"
             + (f", coreset limited to {report['max_full']} whole clang pipeline(s)" if report.get("max_full") else "")
             + ".", "",
             "| model | coreset | margin | validation | test split | leave-family-out | LFO wins / losses | LFO worst "
             "| LFO distinct pipelines |", "|---|---|---|---|---|---|---|---|---|"]
    for kind, r in report["kinds"].items():
        lfo = r["leave_family_out"]["overall"]
        lines.append(f"| {kind} | {' '.join(r['coreset'])} | {r['margin']:g} | {r['validation']['geomean']:.4f}x "
                     f"({r['validation']['programs']}) | {r['test']['geomean']:.4f}x ({r['test']['programs']}) | "
                     f"{lfo['geomean']:.4f}x ({lfo['programs']}) | {lfo['wins']} / {lfo['losses']} | {lfo['worst']} | "
                     f"{lfo['distinct']} |")
    best = max(report["kinds"], key=lambda k: report["kinds"][k]["validation"]["geomean"])
    fams = report["kinds"][best]["leave_family_out"]["families"]
    lines += ["", f"Leave-family-out by family ({best}):", "", "| family held out | programs | geomean | wins | "
              "losses | distinct pipelines chosen |", "|---|---|---|---|---|---|"]
    for fam, f in sorted(fams.items()):
        lines.append(f"| {fam} | {f['programs']} | {f['geomean']:.4f}x | {f['wins']} | {f['losses']} | {f['distinct']} |")
    return "\n".join(lines)
