"""Headroom in the measured pipeline table: what a policy that picks one candidate per program could gain.

Speed: a program's oracle headroom is its best candidate's speedup over -O3 if that candidate wins beyond
the program's noise margin (and is not flagged as having deleted the benchmark's work), else 1.0, since -O3
is always available. Programs marked noisy or too short to time are left out of speed figures. Size: the
smallest IR instruction count and ``.text`` among candidates against ``-Oz``'s (exact, so no noise margin).
When the table has knob candidates (``PIPELINE@NAME=VALUE``, docs/knobs.md), the speed oracle is also given
without them, so that what knobs add is measured within the same timing sessions.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from rlopt.knobs import SEPARATOR


def geomean(xs: Iterable[float]) -> float:
    """The geometric mean, NaN for no values (a family without timed programs)."""
    xs = list(xs)
    return statistics.geometric_mean(xs) if xs else math.nan


def quiet_timed(row: dict[str, Any]) -> bool:
    """Whether a table row is a timed program whose -O3 timing was quiet: the programs speed is judged on."""
    return "error" not in row and bool(row.get("rounds")) and not row.get("noisy")


def program_headroom(row: dict[str, Any]) -> dict[str, Any]:
    """One program's oracle figures (speed and size)."""
    cands = {n: c for n, c in row["candidates"].items() if not c.get("error")}
    out: dict[str, Any] = {"uri": row["uri"], "family": row["family"], "split": row.get("split")}
    timed = bool(row.get("rounds")) and not row.get("noisy")
    if timed:
        wins = {n: c for n, c in cands.items() if c.get("win") and not c.get("suspect")}
        best = max(wins, key=lambda n: wins[n]["speedup"]) if wins else "O3"
        out.update(timed=True, best=best, speedup=wins[best]["speedup"] if wins else 1.0,
                   ci=cands[best].get("ci"), margin=row.get("margin"), noise=row.get("noise"),
                   wins=len(wins), suspect=sorted(n for n, c in cands.items() if c.get("suspect")))
    else:
        out.update(timed=False, reason="noisy" if row.get("noisy") else "not timed")
    oz = cands.get("Oz", {})
    if oz.get("ir_instructions") and oz.get("text_size"):
        best_ir = min(cands, key=lambda n: cands[n]["ir_instructions"] or math.inf)
        best_text = min(cands, key=lambda n: cands[n]["text_size"] or math.inf)
        out.update(size_best=best_ir, ir_vs_oz=oz["ir_instructions"] / cands[best_ir]["ir_instructions"],
                   text_best=best_text, text_vs_oz=oz["text_size"] / cands[best_text]["text_size"])
    return out


def headroom(table: dict[str, Any]) -> dict[str, Any]:
    """Per-program and per-family headroom, plus every candidate's record across programs."""
    rows = [program_headroom(r) for r in table["programs"].values() if "error" not in r]
    families: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        families[r["family"]].append(r)

    def summary(rs: list[dict[str, Any]]) -> dict[str, Any]:
        timed = [r for r in rs if r["timed"]]
        sized = [r for r in rs if "ir_vs_oz" in r]
        return {"programs": len(rs), "timed": len(timed),
                "speed_oracle": geomean(r["speedup"] for r in timed) if timed else None,
                "beat_o3": sum(1 for r in timed if r["speedup"] > 1),
                "ir_vs_oz": geomean(r["ir_vs_oz"] for r in sized) if sized else None,
                "beat_oz_ir": sum(1 for r in sized if r["ir_vs_oz"] > 1),
                "text_vs_oz": geomean(r["text_vs_oz"] for r in sized) if sized else None}

    per_candidate: dict[str, dict[str, Any]] = {}
    for name in table["candidates"]:
        speeds, wins, losses, suspect = [], 0, 0, 0
        for row in table["programs"].values():
            c = row.get("candidates", {}).get(name)
            if not c or c.get("error") or not row.get("rounds") or row.get("noisy") or "speedup" not in c:
                continue
            if c.get("suspect"):  # deleted the benchmark's own work: no speed figure to average
                suspect += 1
                continue
            speeds.append(c["speedup"])
            wins += bool(c.get("win"))
            losses += bool(c.get("loss"))
        per_candidate[name] = {"geomean_speedup": geomean(speeds) if speeds else None, "wins": wins,
                               "losses": losses, "programs": len(speeds), "suspect": suspect}
    return {"all": summary(rows), "families": {f: summary(rs) for f, rs in sorted(families.items())},
            "programs": rows, "candidates": per_candidate, "knobs": knob_headroom(table),
            "errors": {r["uri"]: r["error"] for r in table["programs"].values() if "error" in r}}


def knob_headroom(table: dict[str, Any]) -> dict[str, Any] | None:
    """Per family: the speed oracle over the candidates without knobs, and over all of them (None when the
    table has no knob candidates)."""
    if not any(SEPARATOR in n for n in table["candidates"]):
        return None
    families: dict[str, list[tuple[float, float, bool]]] = defaultdict(list)
    for row in table["programs"].values():
        if not quiet_timed(row):
            continue
        plain = {**row, "candidates": {n: c for n, c in row["candidates"].items() if SEPARATOR not in n}}
        without, with_knobs = program_headroom(plain), program_headroom(row)
        families[row["family"]].append((without["speedup"], with_knobs["speedup"], SEPARATOR in with_knobs["best"]))

    def summary(xs: list[tuple[float, float, bool]]) -> dict[str, Any]:
        return {"timed": len(xs), "without_knobs": geomean(x[0] for x in xs), "with_knobs": geomean(x[1] for x in xs),
                "knob_best": sum(x[2] for x in xs), "knob_gain": geomean(x[1] / x[0] for x in xs)}

    return {"all": summary([x for xs in families.values() for x in xs]),
            "families": {f: summary(xs) for f, xs in sorted(families.items())}}


def _fmt(x: float | None, spec: str = ".3f") -> str:
    return "-" if x is None else format(x, spec)


def markdown(h: dict[str, Any]) -> str:
    """The headroom report as Markdown tables (docs/data.md)."""
    lines = ["| family | programs | timed | speed oracle vs -O3 | beat -O3 beyond noise | "
             "IR vs -Oz (best) | beat -Oz IR | .text vs -Oz (best) |", "|---|---|---|---|---|---|---|---|"]
    for name, s in [*h["families"].items(), ("**all**", h["all"])]:
        lines.append(f"| {name} | {s['programs']} | {s['timed']} | {_fmt(s['speed_oracle'])}x | {s['beat_o3']} | "
                     f"{_fmt(s['ir_vs_oz'])}x | {s['beat_oz_ir']} | {_fmt(s['text_vs_oz'])}x |")
    lines += ["", "| candidate | programs timed | geomean speedup vs -O3 | wins | losses | suspect |",
              "|---|---|---|---|---|---|"]
    for name, c in sorted(h["candidates"].items(), key=lambda kv: -(kv[1]["geomean_speedup"] or 0)):
        lines.append(f"| {name} | {c['programs']} | {_fmt(c['geomean_speedup'])}x | {c['wins']} | {c['losses']} | "
                     f"{c['suspect']} |")
    lines += ["", "| program | split | noise | margin | best | speedup vs -O3 | 90% CI | size best | IR vs -Oz |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(h["programs"], key=lambda r: r["uri"]):
        name = r["uri"].split("://", 1)[-1]
        if r["timed"]:
            ci = r.get("ci") or [None, None]
            speed = (f"{_fmt(r['noise'], '.1%')} | {_fmt(r['margin'], '.1%')} | {r['best']} | {r['speedup']:.3f}x | "
                     f"{_fmt(ci[0])}-{_fmt(ci[1])}")
        else:
            speed = f"{r['reason']} | | | |"
        lines.append(f"| {name} | {r['split']} | {speed} | {r.get('size_best', '-')} | "
                     f"{_fmt(r.get('ir_vs_oz'))}x |")
    if h.get("knobs"):
        lines += ["", "| family | timed | speed oracle without knobs | with knobs | gain | best is a knob candidate |",
                  "|---|---|---|---|---|---|"]
        for name, k in [*h["knobs"]["families"].items(), ("**all**", h["knobs"]["all"])]:
            lines.append(f"| {name} | {k['timed']} | {_fmt(k['without_knobs'])}x | {_fmt(k['with_knobs'])}x | "
                         f"{_fmt(k['knob_gain'])}x | {k['knob_best']} |")
    if h["errors"]:
        lines += ["", "Programs without a row (error while measuring):", ""]
        lines += [f"- {u.split('://', 1)[-1]}: {e}" for u, e in sorted(h["errors"].items())]
    return "\n".join(lines)
