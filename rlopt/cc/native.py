"""Records for the native launcher (``rlopt/cc/launcher.c``): what lets it answer a call without Python.

The launcher computes a key from everything it can see cheaply (argv, working directory, rlopt's version, the
program, ``PATH``, ``PYTHONPATH``/``PYTHONHOME`` and every ``RLOPT_*`` variable) and, when it cannot answer,
runs this implementation with that key in ``RLOPT_CC_NATIVE_KEY``. After a call whose answer provably depends
on nothing else, we store a record under the key: the files the answer depended on with their stat identity
(or their absence), the environment variables clang reads, and what to do: write a cached object (a direct
hit) or run the compiler unchanged (a pure link). Records are store entries like any other (bounded, LRU,
``--clear``), packed with :func:`rlopt.cc.build.pack` so that C reads them.

No record is written when the call's answer depends on what the launcher would not check: a response file,
a compiler found by a name that is not certain to be one, settings with problems, a log file named in
``rlopt.conf`` (the launcher writes the log only to ``$RLOPT_CC_LOG``), a warning about the model, or a file
changed so recently that its stat could belong to a content other than the one hashed (ctime within
:data:`rlopt.cc.direct.CLOCK_SLACK_NS` of the call's start). ``disable`` and ``direct_mode = false`` write none
either (the call never gets here), and changing them changes the key (environment) or ``rlopt.conf``'s stat.
"""

from __future__ import annotations

import os

from rlopt.cc import build, direct, options
from rlopt.cc.stats import Decision, Record, Statistic

KEY_ENV = "RLOPT_CC_NATIVE_KEY"


def take_key() -> str | None:
    """The key the launcher computed for this call (removed from the environment: clang must not see it)."""
    key = os.environ.pop(KEY_ENV, "")
    return key if key.startswith("n:") and len(key) == 66 else None


class Call:
    """What one call's record depends on besides its key, gathered while the call runs."""

    def __init__(self, key: str | None, argv: list[str], started_ns: int):
        self.key, self.argv, self.started_ns = key, list(argv), started_ns
        self.files: dict[str, str] = {}  # path -> stat identity, "absent" or "exists"
        self.ok = key is not None and not any(a.startswith("@") for a in argv)  # a response file's content

    def depend(self, path: str, how: str = "stat") -> None:
        """The answer depends on ``path``: its stat identity (and its absence, if absent), or only that it
        exists (``how="exists"``)."""
        if not self.ok:
            return
        if how == "exists":
            self.ok = os.path.exists(path)
            self.files[path] = "exists"
            return
        try:
            st = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            self.files[path] = "absent"
            return
        except OSError:
            self.ok = False
            return
        if max(st.st_mtime_ns, st.st_ctime_ns) >= self.started_ns - direct.CLOCK_SLACK_NS:
            self.ok = False  # changed too recently: this stat may not be the content we hashed
            return
        self.files[path] = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"

    def compiler(self, named: str | None, certain: bool, compiler: str, bin_dir: str, config) -> None:
        """How the compiler was found: ``rlopt.conf`` (settings), LLVM 19's ``opt`` (the remembered toolchain),
        the compiler itself, and for a bare name (``named`` on the command line or in the settings) every
        ``PATH`` directory (a new program could shadow it).
        ``certain``: whether the first word was a compiler or not could be told without the file system.
        Settings with problems (warned about on every call) write no record."""
        self.ok = (self.ok and certain and os.path.isabs(compiler) and not config.problems
                   and config.origins["log_file"] != config.path)  # the launcher logs to $RLOPT_CC_LOG only
        for path in (config.path, os.path.join(bin_dir, "opt"), compiler):
            self.depend(path)
        if named is not None and "/" not in named:
            for directory in os.environ.get("PATH", "").split(os.pathsep):
                self.depend(directory or ".")

    def write(self, store, kind: str, record: Record, fields: dict[str, bytes], touch: list[str],
              log: dict) -> None:
        """Store the record (counting what the Python side counted for this kind of call, and ``native``)."""
        if not self.ok or store.recovered:
            return
        counts = _counts(record)
        env = [part for name in direct.COMPILER_ENV for part in (name, os.environ.get(name, ""))]
        fragment = ", ".join(f"{_json(k)}: {_json(v)}" for k, v in {
            "cwd": os.getcwd(), "argv": log["argv"], "decision": record.decision.value,
            "reason": record.reason.value if record.reason else "", **log["fields"], "native": kind}.items())
        store.put(self.key, build.pack({
            "kind": _text([kind]), "files": _text(p for item in self.files.items() for p in item),
            "env": _text(env), "count": _text(counts), "touch": _text(touch), "log": _text([fragment]),
            **fields}))


def _counts(record: Record) -> list[str]:
    """The counters a call like ``record`` bumps, each as often as it does, and ``native``."""
    return [name for name, n in {**record.increments(), Statistic.NATIVE.key: 1}.items() for _ in range(n)]


def _json(value: str | int | list[str]) -> str:
    """``json.dumps`` for the few kinds of value a log line's static part holds (importing json would cost
    every call that writes a record ~5 ms)."""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(_json, value)) + "]"
    plain = (c if c >= " " and c not in '"\\' and not "\ud800" <= c <= "\udfff" else f"\\u{ord(c):04x}" for c in value)
    return '"' + "".join(plain) + '"'


def _text(parts) -> bytes:
    """NUL-terminated strings, as the launcher reads them (paths are bytes: surrogates stay as they were)."""
    return b"".join(os.fsencode(p) + b"\0" for p in parts)


def record_hit(call: Call, builder: build.Builder, log_argv: list[str]) -> None:
    """After a compile of one source answered through direct mode (a hit, or a miss it recorded): the record
    that lets the launcher serve the next identical call."""
    inv, ctx = builder.inv, builder.ctx
    if builder.served is None or len(inv.sources) != 1 or ctx.record.counts.get(Statistic.MODEL_UNUSABLE):
        return
    key, entry, tuned, out = builder.served
    if ctx.model:
        call.depend(ctx.model)
    if builder.objective:  # its entry for the module (or that there is none) is part of the answer
        for path in (builder.tuning_db, builder.tuning_db + "-wal"):
            call.depend(path)
    for path, _ in entry["files"]:
        call.depend(path)
    dep = options.dependency_file(inv.sources[0].path, inv)
    fields = {"output": _text([out]), "result": _text([entry["result"]]), "stderr": entry.get("stderr", b"")}
    if dep and entry.get("deps") is not None:
        fields.update(deps_path=_text([dep]), deps=entry["deps"])
    hit = Record()
    build.count_hit(hit, tuned, direct_hit=True)
    if inv.mode == "link":  # into a temporary directory, then the link with the object in the source's place
        if "" in inv.args:
            return  # the launcher marks the object's place with an empty argument
        for path in inv.inputs:  # all of them existing is what made it a compile-and-link (not a missing input)
            call.depend(path, how="exists")
        failed = Record()
        failed.counts = dict(hit.counts)
        failed.set(Decision.COMPILE_ERROR)
        fields.update(output=_text([os.path.basename(out)]), args=_text([ctx.compiler, *inv.link_args([""])]),
                      count_error=_text(_counts(failed)))
        if inv.output is not None:
            fields["link_output"] = _text([inv.output])
    notes = {"tuned_pipeline": tuned.pipeline} if tuned else {}
    if "pipeline" in ctx.record.notes:
        notes["pipeline"] = ctx.record.notes["pipeline"]
    call.write(ctx.store, "link" if inv.mode == "link" else "hit", hit, fields, [key, entry["result"]],
               {"argv": log_argv, "fields": {"hits": 1, "direct_hits": 1, "misses": 0, **notes}})


def record_exec(call: Call, store, record: Record, compiler: str, args: list[str], log_argv: list[str],
                link_output: str | None) -> None:
    """A call that runs the compiler unchanged because it only links: the launcher may do the same (into
    ``link_output`` through a temporary name, as :func:`rlopt.cc.build.run_link` does)."""
    if record.decision is not Decision.BYPASS or record.reason is not Statistic.LINK_ONLY:
        return  # (a link-only call is one by its arguments alone, whether its inputs exist or not)
    fields = {"args": _text([compiler, *args])}
    if link_output is not None:
        fields["link_output"] = _text([link_output])
    call.write(store, "exec", record, fields, [],
               {"argv": log_argv, "fields": {"hits": 0, "direct_hits": 0, "misses": 0}})
