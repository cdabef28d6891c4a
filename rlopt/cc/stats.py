"""What ``rlopt-cc`` decided and counted: a closed set of statistics (like ccache's ``Statistic``), the record
of one call, its line in ``$RLOPT_CC_LOG`` and the ``--show-stats`` report.

Every bypass reason, fallback category and counter is a :class:`Statistic` member, so a reason cannot be
misspelt in one place and counted under another name elsewhere; ``tests/test_cc.py`` checks the flag table
against this set.
"""

from __future__ import annotations

import contextlib
import enum
import os
import sys
import time


class Decision(enum.StrEnum):
    """What one call did as a whole (the ``decision`` of a log line)."""

    RLOPT = "rlopt"
    BYPASS = "bypass"
    FALLBACK = "fallback"
    COMPILE_ERROR = "compile error"
    DISABLED = "disabled"


class Statistic(enum.StrEnum):
    """A counter of ``--show-stats``: its value is the reason or counter name shown to users.

    ``group`` says where it is listed: ``counter`` (totals), ``bypass`` (the real compiler ran unchanged) or
    ``fallback`` (the rlopt path failed after the frontend and plain clang compiled instead).
    """

    group: str

    def __new__(cls, value: str, group: str = "counter") -> Statistic:
        member = str.__new__(cls, value)
        member._value_ = value
        member.group = group
        return member

    @property
    def key(self) -> str:
        """The name under which the store keeps the count (bypass and fallback reasons carry their group)."""
        return self.value if self.group == "counter" else f"{self.group}:{self.value}"

    # totals
    CALLS = "calls"
    NATIVE = "native"  # served by the native launcher without starting Python (a direct hit or a pure link)
    RLOPT = "rlopt"
    HIT = "hit"  # the object came from the cache (direct or after the frontend)
    DIRECT_HIT = "direct hit"  # ... without running the frontend
    TUNED_HIT = "tuned hit"  # ... and it was made with a tuning-database pipeline
    TUNED = "tuned"  # a compile whose pipeline came from the tuning database (hit or miss)
    MISS = "miss"
    COMPILE_ERROR = "compile error"
    MODEL_UNUSABLE = "model unusable"
    CACHE_RECOVERED = "cache recovered"
    CLEANUP = "cleanup"
    EVICTED = "evicted"
    # the real compiler runs unchanged
    PREPROCESS_ONLY = "preprocess or dependency only", "bypass"
    NO_OBJECT = "no object wanted", "bypass"
    DRIVER_CONTROL = "driver control", "bypass"
    LTO = "LTO", "bypass"
    INSTRUMENTATION = "instrumentation", "bypass"
    PGO = "profile-guided optimisation", "bypass"
    PIPELINE_OPTION = "pipeline option", "bypass"
    RAW_OPTION = "raw frontend or LLVM option", "bypass"
    TOO_HARD = "too hard", "bypass"
    ASSEMBLER_INPUT = "assembler input", "bypass"
    PRECOMPILED_HEADER = "precompiled header", "bypass"
    IR_INPUT = "IR input", "bypass"
    UNSUPPORTED_LANGUAGE = "unsupported language", "bypass"
    STDIN = "input from stdin", "bypass"
    SEVERAL_ARCH = "several -arch", "bypass"
    STDOUT = "output to stdout", "bypass"
    SEVERAL_OUTPUTS = "-o with several outputs", "bypass"
    NO_INPUT = "no input files", "bypass"
    LINK_ONLY = "link only", "bypass"
    DEPFILE_WHILE_LINKING = "dependency file while linking", "bypass"
    LEVEL_O0 = "-O0: nothing to optimise", "bypass"
    UNKNOWN_LONG_OPTION = "unknown long option", "bypass"
    MISSING_ARGUMENT = "option without its argument", "bypass"
    UNKNOWN_LEVEL = "unknown -O level", "bypass"
    MISSING_INPUT = "missing input file", "bypass"
    DEPFLAGS_THROUGH_WP = "dependency flags through -Wp", "bypass"
    UNSUPPORTED_COMPILER = "unsupported compiler", "bypass"
    LOOP_PRAGMA = "loop transformation pragma", "bypass"  # clang's optimiser warns where it cannot follow one
    # the rlopt path failed after the frontend; plain clang compiled instead
    FRONTEND_CRASH = "frontend crash", "fallback"
    TIMEOUT = "timeout", "fallback"
    CRASH = "crash", "fallback"
    TOOLCHAIN = "toolchain", "fallback"
    BACKEND_ERROR = "backend error", "fallback"
    BACKEND_DIAGNOSTICS = "backend diagnostics", "fallback"  # clang's own compile shows them (no warning of ours)
    PASS_ERROR = "pass error", "fallback"
    RLOPT_ERROR = "rlopt error", "fallback"
    IO_ERROR = "I/O error", "fallback"
    INTERNAL_ERROR = "internal error", "fallback"


class Record:
    """What one call did: becomes a line of ``$RLOPT_CC_LOG`` and bumps the ``--show-stats`` counters."""

    def __init__(self) -> None:
        self.decision = Decision.RLOPT
        self.reason: Statistic | None = None
        self.counts: dict[Statistic, int] = {}
        self.times: dict[str, float] = {}
        self.touched: list[str] = []  # cache keys read, so that their LRU time moves on
        self.notes: dict[str, str] = {}  # extra facts for the log line (where the pipeline ran, ...)

    def set(self, decision: Decision, reason: Statistic | None = None) -> None:
        self.decision, self.reason = decision, reason

    def bump(self, stat: Statistic, by: int = 1) -> None:
        self.counts[stat] = self.counts.get(stat, 0) + by

    def timed(self, step: str, start: float) -> None:
        self.times[step] = round(self.times.get(step, 0.0) + time.perf_counter() - start, 4)

    def increments(self) -> dict[str, int]:
        """The counter changes of this call, by store key."""
        out = {Statistic.CALLS.key: 1}
        if self.decision in (Decision.RLOPT, Decision.COMPILE_ERROR):
            out[Statistic(self.decision.value).key] = 1
        if self.reason is not None:
            out[self.reason.key] = out.get(self.reason.key, 0) + 1
        for stat, n in self.counts.items():
            out[stat.key] = out.get(stat.key, 0) + n
        return out


def write_log(path: str | None, record: Record, argv: list[str], started: float) -> None:
    """Append one JSON line to the log (a single O_APPEND write, so parallel jobs do not mix)."""
    if not path:
        return
    import json
    import resource

    usage = {"self": resource.getrusage(resource.RUSAGE_SELF), "children": resource.getrusage(resource.RUSAGE_CHILDREN)}
    line = json.dumps({
        "time": time.strftime("%Y-%m-%dT%H:%M:%S"), "pid": os.getpid(), "cwd": os.getcwd(), "argv": argv,
        "decision": record.decision.value, "reason": record.reason.value if record.reason else "",
        "hits": record.counts.get(Statistic.HIT, 0), "direct_hits": record.counts.get(Statistic.DIRECT_HIT, 0),
        "misses": record.counts.get(Statistic.MISS, 0), **record.notes,
        "seconds": {**record.times, "total": round(time.perf_counter() - started, 4)},
        # CPU time (user + system) of this process since it started, and of the programs it ran: unlike the
        # seconds above, not inflated by other jobs of a loaded machine
        "cpu_seconds": {who: round(u.ru_utime + u.ru_stime, 4) for who, u in usage.items()},
        "peak_rss_kb": {who: u.ru_maxrss for who, u in usage.items()},
    }) + "\n"
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)


def human_size(n: float) -> str:
    """ccache's way of showing a size: decimal units, one decimal."""
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return ""  # unreachable


_TOTALS = [(Statistic.CALLS, "calls"), (Statistic.NATIVE, "  served by the native launcher (no Python)"),
           (Statistic.RLOPT, "compiled through rlopt"),
           (Statistic.HIT, "  cache hits"), (Statistic.DIRECT_HIT, "    direct (frontend skipped)"),
           (Statistic.TUNED_HIT, "    made with a tuning-database pipeline"), (Statistic.MISS, "  cache misses"),
           (Statistic.TUNED, "tuned pipelines used (rlopt tune's database)"),
           (Statistic.COMPILE_ERROR, "compile errors (clang's diagnostics)"),
           (Statistic.MODEL_UNUSABLE, "calls warned: model missing or unusable")]


def format_stats(counters: dict[str, int], entries: int, location: str | os.PathLike | None, *,
                 size: int | None = None, limit: int | None = None) -> str:
    """ccache-style statistics: totals, every bypass and fallback reason with its count, the cache's size."""
    lines = [f"rlopt-cc statistics (cache: {location or 'none'})"]
    for stat, label in _TOTALS:
        lines.append(f"  {label:<44}{counters.get(stat.key, 0):>8}")
        if stat is Statistic.MISS:
            looked = counters.get(Statistic.HIT.key, 0) + counters.get(Statistic.MISS.key, 0)
            if looked:
                lines.append(f"  {'  hit rate':<44}{100 * counters.get(Statistic.HIT.key, 0) / looked:>7.1f}%")
    for group, title in (("bypass", "ran the real compiler unchanged"), ("fallback", "fell back to plain clang")):
        items = sorted((k.split(":", 1)[1], v) for k, v in counters.items() if k.startswith(group + ":"))
        lines.append(f"  {title:<44}{sum(v for _, v in items):>8}")
        lines += [f"    {reason:<42}{v:>8}" for reason, v in items]
    lines.append(f"  {'cached outputs':<44}{entries:>8}")
    if size is not None:
        bound = f" of {human_size(limit)}" if limit else " (no limit)"
        lines.append(f"  {'cache size':<44}{human_size(size):>8}{bound}")
    for stat, label in ((Statistic.CLEANUP, "cleanups"), (Statistic.EVICTED, "entries evicted"),
                        (Statistic.CACHE_RECOVERED, "corrupt cache files rebuilt")):
        if counters.get(stat.key):
            lines.append(f"  {label:<44}{counters[stat.key]:>8}")
    return "\n".join(lines)


def warn(message: str) -> None:
    """One line on stderr, named after the program the user called."""
    print(f"{program()}: warning: {message}", file=sys.stderr, flush=True)


def program() -> str:
    prog = os.path.basename(sys.argv[0]) if sys.argv else ""
    return prog if prog.startswith("rlopt-c") else "rlopt-cc"
