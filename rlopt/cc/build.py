"""The rlopt path of one call: per source, direct-mode lookup, frontend, result lookup, pipeline, backend.

Per source::

    direct key -> manifest -> every recorded header unchanged?  -> the cached object (no clang at all)
    clang <flags> -O<n> -Xclang -disable-llvm-passes -emit-llvm -c src -o tmp.bc      (frontend, reports errors)
    result key = digest(compiler, pipeline choice, backend flags, tuning entry, tmp.bc) -> the cached object
    pipeline(tmp.bc): a tuned pipeline, the policy's, or the user's -O level, all of it in one backend
                      (rlopt.engine.Backend): the model server's engine worker, else in the wrapper
                      an engine worker for a model's steps or one opt process for a given pipeline
    clang <codegen flags> -O<n> -Xclang -disable-llvm-passes -c -x ir opt.bc -o out.o       (backend only)
    clang <codegen flags> -O<n> -c -x ir tmp.bc -o out.o      (the level's own pipeline: clang runs it, no step)

Any failure after the frontend raises :class:`Fallback`; the caller reruns the command with plain clang. What
only clang may say to the user (the backend's diagnostics, an output that cannot be written) raises
:class:`PlainClang`: that source alone is compiled with plain clang, its messages and status passed through.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import time

from rlopt import __version__, tuning
from rlopt.cache import digest
from rlopt.cc import direct
from rlopt.cc.options import Invocation, Source, default_output, dependency_args, dependency_file
from rlopt.cc.stats import Decision, Record, Statistic, program, warn
from rlopt.errors import OutputError, RloptError, ToolchainError, ToolCrash, ToolError, ToolTimeout

TYPE_CHECKING = False  # typing would cost every call of the wrapper, a direct hit too
if TYPE_CHECKING:
    from rlopt.engine import Backend

OPT_TIMEOUT = 300.0
NESTED_ENV = "RLOPT_CC_ACTIVE"  # set for the compilers we run, so a wrapper under a wrapper does not recurse
#: The setting that names each level's policy: the speed model at -O2/-O3, the size model at -Oz. -O1 and -Os
#: keep their own pipeline: neither policy's goal is what they ask for (fast compiles; size at little cost).
MODEL_LEVELS = {"O2": "model", "O3": "model", "Oz": "size_model"}


class Fallback(Exception):
    """The rlopt path failed for a source; the command reruns with plain clang."""

    def __init__(self, source: str, reason: str, category: Statistic):
        super().__init__(f"{source}: {reason}")
        self.source, self.reason, self.category = source, reason, category


class PlainClang(Exception):
    """A unit whose outcome only clang may tell the user (its backend printed a diagnostic, an output cannot be
    written, a loop pragma its optimiser may warn about): plain clang compiles it and its own messages and exit
    status go through. If clang then succeeds, it is counted under ``category`` (a fallback, or a bypass), and
    said as ``reason`` unless None (a warning is clang's to print, not a wrapper's failure)."""

    def __init__(self, reason: str | None, category: Statistic):
        super().__init__(reason or category.value)
        self.reason, self.category = reason, category


class ModelUnusable(RloptError):
    """The configured model is missing or cannot be loaded: compile with the ``-O`` pipeline and say so."""


class Orphaned(BaseException):
    """The process that called this one has died (``make`` killed with SIGKILL, so that no signal reached this
    call in the fork server): write nothing more. An object written later than an edit made meanwhile would
    look newer than the edited source to the next build."""


def _always() -> bool:
    return True


#: Whether the caller still waits for this call: always in a process of its own; the fork server asks its
#: launcher's connection. Checked before each output is written and before linking.
caller_alive = _always


def check_caller() -> None:
    if not caller_alive():
        raise Orphaned


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, NESTED_ENV: "1", **(extra or {})}


def run(argv: list[str], **kwargs):
    import subprocess

    return subprocess.run(argv, env=kwargs.pop("env", None) or child_env(), **kwargs)


def run_status(argv: list[str], *, stderr: bool = False) -> tuple[int, bytes]:
    """Run ``argv`` (its first word a path) with its output going where ours goes, or its stderr collected;
    its exit status (negative for a signal, as with ``subprocess``) and that stderr. Not ``subprocess``
    itself: importing it costs every call that runs clang ~7 ms, a direct hit that links more than its work."""
    if not stderr:
        pid = os.posix_spawn(argv[0], argv, child_env())
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), b""
    read_end, write_end = os.pipe()  # both close on exec; the child's fd 2, a dup, does not
    try:
        pid = os.posix_spawn(argv[0], argv, child_env(), file_actions=[(os.POSIX_SPAWN_DUP2, write_end, 2)])
    except BaseException:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    with open(read_end, "rb") as pipe:
        data = pipe.read()
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), data


def run_link(argv: list[str], output: str | None) -> int:
    """Run the link ``argv`` (objects and libraries only: nothing it writes is named after its output) into
    ``output`` through a temporary name beside it, renamed over ``output`` once the link succeeds; its status as
    :func:`run_status` gives it. A linker writes its output in place and makes it executable last, so a link
    killed midway (``make`` killed with SIGKILL) would leave a partial file newer than its objects, which the next
    ``make`` takes as up to date; this way it leaves the old program, or none. ``output`` None: in place."""
    from rlopt.output import temporary_name

    tmp = temporary_name(output) if output else None
    if tmp is None:
        return run_status(argv)[0]
    try:
        status = run_status([*argv, "-o", tmp])[0]
        if status == 0 and os.path.lexists(tmp):
            os.replace(tmp, output)
        return status
    except OSError as e:  # the output became a directory meanwhile, say
        print(f"{program()}: error: cannot write {output}: {e.strerror}", file=sys.stderr)
        return 1
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def emit_stderr(data: bytes, colour: bool = False) -> None:
    """Show diagnostics recorded earlier; colour codes only when stderr is a terminal or the command asks for
    them (``colour``: :func:`colour_forced`)."""
    if not data:
        return
    if not (colour or sys.stderr.isatty()):
        import re  # here, not for every call: a hit without diagnostics never needs it (re caches the pattern)

        data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)
    sys.stderr.flush()
    sys.stderr.buffer.write(data)
    sys.stderr.buffer.flush()


def colour_forced(args: list[str]) -> bool:
    """Whether the command's last colour flag asks for colours whatever stderr is (``-fcolor-diagnostics``,
    ``-fdiagnostics-color[=always]``, as CMake adds for Ninja, which pipes stderr), as clang reads them."""
    forced = False
    for a in args:
        if a in ("-fcolor-diagnostics", "-fdiagnostics-color", "-fdiagnostics-color=always"):
            forced = True
        elif a in ("-fno-color-diagnostics", "-fno-diagnostics-color", "-fdiagnostics-color=never",
                   "-fdiagnostics-color=auto"):
            forced = False
    return forced


PACK_MAGIC = b"RLF1"


def pack(fields: dict[str, bytes]) -> bytes:
    """Named byte strings in one value: ``RLF1``, then per field its name's length (4 bytes), the name, the
    value's length (8 bytes, little endian) and the value. Readable from C (the native launcher reads objects
    and its records this way); the store checks a CRC."""
    parts = [PACK_MAGIC]
    for name, value in fields.items():
        raw = name.encode()
        parts += [len(raw).to_bytes(4, "little"), raw, len(value).to_bytes(8, "little"), value]
    return b"".join(parts)


def unpack(value: bytes) -> dict[str, bytes] | None:
    """The fields of :func:`pack`, or None for anything else (an entry of an older format reads as a miss)."""
    if not value.startswith(PACK_MAGIC):
        return None
    fields, i = {}, len(PACK_MAGIC)
    while i < len(value):
        name_len = int.from_bytes(value[i:i + 4], "little")
        name = value[i + 4:i + 4 + name_len]
        size = int.from_bytes(value[i + 4 + name_len:i + 12 + name_len], "little")
        i += 12 + name_len
        if i + size > len(value):
            return None
        fields[name.decode(errors="replace")] = value[i:i + size]
        i += size
    return fields if i == len(value) else None


class Context:
    """What every source of a call shares: compiler, toolchain, store, settings, the call's record."""

    def __init__(self, *, compiler: str, compiler_id: str, toolchain_id: str, store, config, record: Record,
                 model: tuple[str, str] | None, tmp: str):
        self.compiler, self.compiler_id, self.toolchain_id = compiler, compiler_id, toolchain_id
        self.store, self.config, self.record, self.tmp = store, config, record, tmp
        # the model for this call's level: (path, identity for keys: path, size and mtime), or None
        self.model, self.model_id = (model[0], model[1]) if model else (None, "")
        self.model_failed = False

    def model_unusable(self, message: str) -> None:
        """Warn once per call and count it: the user must not believe the policy ran when it did not."""
        if not self.model_failed:
            self.model_failed = True
            self.record.bump(Statistic.MODEL_UNUSABLE)
            warn(f"{message}; compiling with the -O pipeline instead")


class Builder:
    """Compiles the sources of one classified invocation through the rlopt path."""

    def __init__(self, inv: Invocation, ctx: Context):
        self.inv, self.ctx = inv, ctx
        self.colour = colour_forced(inv.frontend)  # diagnostics keep their colour codes in a pipe too
        self.objective = tuning.OBJECTIVES.get(inv.level)
        self.tuning_db = ctx.config.values["tuning_db"] or tuning.default_path()
        #: the last source's manifest entry that answered this call, for the native launcher's record
        #: (rlopt.cc.native): (direct key, entry, tuning entry, output), or None when direct mode did not apply
        self.served: tuple[str, dict, tuning.Entry | None, str] | None = None

    def run(self) -> int:
        """Compile every source (continuing past errors, like clang), then link if asked; clang's status."""
        inv = self.inv
        status, objects = 0, []
        for n, src in enumerate(inv.sources):
            if inv.mode == "link":
                out = os.path.join(self.ctx.tmp, f"{n}-{os.path.basename(src.path)}.o")
            else:
                out = inv.output if inv.output is not None else default_output(src.path, inv)
            status = self.compile(src, out) or status
            objects.append(out)
        if status or inv.mode != "link":
            return status
        start = time.perf_counter()
        sys.stdout.flush()
        sys.stderr.flush()
        check_caller()
        rc = run_link([self.ctx.compiler, *inv.link_args(objects)], inv.output)
        self.ctx.record.timed("link", start)
        return rc

    # -- keys ----------------------------------------------------------------------------------------------
    def _choice(self, model: str | None) -> str:
        # (model results of -O2 before a kept baseline became the level's own pipeline are not reused)
        return f"model:{self.ctx.model_id}:baseline-is-level" if model else f"level:{self.inv.level}"

    def _common(self, model: str | None) -> list[str]:
        inv = self.inv
        out_kind = f"{inv.mode if inv.mode != 'link' else 'object'}:{'ir' if inv.emit_llvm else 'native'}"
        return [f"rlopt-cc {__version__}", self.ctx.compiler_id, self.ctx.toolchain_id, self._choice(model),
                out_kind, repr(inv.backend)]

    def direct_key(self, src: Source, source_hash: str) -> str:
        inv = self.inv
        args = [inv.frontend, dependency_args(src.path, inv), src.path, src.language if src.explicit else "",
                inv.mode]
        env = [os.environ.get(name, "") for name in direct.COMPILER_ENV]
        return "d:" + digest(*self._common(self.ctx.model), os.getcwd(), repr(args), repr(env), source_hash,
                             sha256=direct.sha256)

    def result_key(self, model: str | None, tuned: tuning.Entry | None, bitcode: bytes) -> str:
        return "r:" + digest(*self._common(model), tuned.digest if tuned else "", bitcode, sha256=direct.sha256)

    def _tuned(self, module: str) -> tuning.Entry | None:
        """The tuning-database entry for this module, which :func:`rlopt.tuning.resolve` would pick (looked up
        before the pipeline runs, possibly in the model server, because its digest is part of the cache key)."""
        tuned = tuning.lookup(module, self.objective, self.tuning_db) if module and self.objective else None
        if tuned is not None:
            self.ctx.record.notes["tuned_pipeline"] = tuned.pipeline
        return tuned

    def _module_key(self, bitcode_path: str) -> str:
        """:func:`rlopt.tuning.module_key` of the frontend's module ("" when there is no database to look in):
        its text as ``llvm-dis`` prints it, which is what ``rlopt tune in.ll`` hashes (~30 ms)."""
        if not self.objective or not tuning.exists(self.tuning_db):
            return ""
        from rlopt import toolchain

        proc = run([str(toolchain.find().path("llvm-dis")), bitcode_path, "-o", "-"], capture_output=True)
        return tuning.module_key(proc.stdout) if proc.returncode == 0 else ""

    # -- one source ----------------------------------------------------------------------------------------
    def compile(self, src: Source, out: str) -> int:
        """The rlopt path for one source, or plain clang's compile of it when only clang may answer."""
        try:
            return self._compile(src, out)
        except PlainClang as e:
            return self.plain(src, out, e)

    def plain(self, src: Source, out: str, why: PlainClang) -> int:
        """Compile ``src`` into ``out`` with plain clang (its diagnostics and status are the user's)."""
        inv = self.inv
        mode = ["-S" if inv.mode == "asm" else "-c", *(["-emit-llvm"] if inv.emit_llvm else [])]
        check_caller()
        argv = unit_argv(self.ctx.compiler, inv, src, out, [*dependency_args(src.path, inv), *mode])
        status = run_status(argv)[0]
        if status == 0:
            self.ctx.record.set(Decision.BYPASS if why.category.group == "bypass" else Decision.FALLBACK,
                                why.category)
            if why.reason:
                warn(f"{src.path}: {why.reason}; compiled with plain clang")
        return status

    def _compile(self, src: Source, out: str) -> int:
        """Direct hit, else frontend (its diagnostics go to the user) then result hit or pipeline + backend."""
        ctx, inv = self.ctx, self.inv
        hashes = direct.FileHashes()
        key = manifest = None
        dep = dependency_file(src.path, inv)
        if ctx.config.flag("direct_mode") and _replayable(dep):
            source_hash = hashes(src.path)
            if source_hash is not None:
                key = self.direct_key(src, source_hash)
                manifest = direct.Manifest.parse(self._get(key))
                entry = manifest.match(hashes)
                if entry is not None and self._direct_hit(src, out, key, entry):
                    return 0

        bc = os.path.join(ctx.tmp, "frontend.bc")
        headers = os.path.join(ctx.tmp, "headers.txt")
        color = ["-fcolor-diagnostics"] if sys.stderr.isatty() and not any(
            "color" in a for a in inv.frontend) else []
        # the files the frontend reads, for direct mode (system headers too, unless -MMD says they are
        # not dependencies: the same switch of clang's also controls the .d file)
        listing = ["-Xclang", "-header-include-file", "-Xclang", headers,
                   *([] if inv.dep_user_only else ["-Xclang", "-sys-header-deps"])] if key else []
        argv = frontend_argv(ctx.compiler, inv, src, bc, [*dependency_args(src.path, inv), *color, *listing])
        if os.path.exists(headers):
            os.unlink(headers)
        started_ns = time.time_ns()
        start = time.perf_counter()
        status, diagnostics = run_status(argv, stderr=True)
        ctx.record.timed("frontend", start)
        if status < 0:
            emit_stderr(diagnostics, self.colour)
            raise Fallback(src.path, f"the frontend died from signal {-status}", Statistic.FRONTEND_CRASH)
        if status:
            emit_stderr(diagnostics, self.colour)
            if inv.mode != "link" and os.path.isfile(out):  # clang removes a failed compile's output, so that
                with contextlib.suppress(OSError):       # make cannot take an old one as up to date
                    os.unlink(out)
            return status
        with open(bc, "rb") as f:
            bitcode = f.read()
        if _forces_a_loop_transform(bitcode):  # -Wpass-failed is clang's optimiser's to give, with its location
            raise PlainClang(None, Statistic.LOOP_PRAGMA)
        module = self._module_key(bc)
        tuned = self._tuned(module)
        fields, result_key = self.result(src, bitcode, tuned)
        self._write(out, fields["object"])
        # (shown only now: a unit that goes to plain clang shows clang's own diagnostics instead)
        emit_stderr(diagnostics + fields.get("stderr", b""), self.colour)
        if key is not None and not ctx.model_failed:  # else the next call must warn again
            files = direct.record_files(src.path, direct.read_header_list(headers), hashes, started_ns)
            if files is not None:
                entry = {"files": files, "result": result_key, "module_key": module,
                         "tuning": tuned.digest if tuned else "", "stderr": diagnostics,
                         "deps": _read_bytes(dep) if dep else None}
                manifest.add(entry)
                ctx.store.put(key, manifest.dump())
                self.served = (key, entry, tuned, out)
        return 0

    def _direct_hit(self, src: Source, out: str, key: str, entry: dict) -> bool:
        """Serve a manifest entry if its object is still cached and its tuning entry still current."""
        module = entry.get("module_key", "")
        if not module and self.objective and tuning.exists(self.tuning_db):
            return False  # recorded before there was a database: its module key is unknown
        tuned = self._tuned(module)
        if (tuned.digest if tuned else "") != entry.get("tuning", ""):
            return False
        fields = unpack(self._get(entry["result"]) or b"")
        if fields is None or "object" not in fields:
            return False
        self._note_pipeline(fields)
        dep = dependency_file(src.path, self.inv)
        if dep and entry.get("deps") is not None:
            self._write(dep, entry["deps"])
        self._write(out, fields["object"])
        emit_stderr(entry.get("stderr", b"") + fields.get("stderr", b""), self.colour)
        count_hit(self.ctx.record, tuned, direct_hit=True)
        self.served = (key, entry, tuned, out)
        return True

    def result(self, src: Source, bitcode: bytes, tuned: tuning.Entry | None) -> tuple[dict, str]:
        """The object for this bitcode (its fields) and its key: cached, else made and stored."""
        model = None if tuned else self.ctx.model
        key = self.result_key(model, tuned, bitcode)
        fields = unpack(self._get(key) or b"")
        if fields is not None:
            count_hit(self.ctx.record, tuned)
            self._note_pipeline(fields)
            return fields, key
        self.ctx.record.bump(Statistic.MISS)
        if tuned is not None:
            self.ctx.record.bump(Statistic.TUNED)
        try:
            fields = self.optimize_and_generate(src, bitcode, model, tuned)
        except ModelUnusable as e:
            self.ctx.model_unusable(str(e))
            key = self.result_key(None, tuned, bitcode)
            fields = unpack(self._get(key) or b"") or self.optimize_and_generate(src, bitcode, None, tuned)
        self.ctx.store.put(key, pack(fields))
        return fields, key

    def _note_pipeline(self, fields: dict[str, bytes]) -> None:
        """A hit's log line names the pipeline its object was made with, as the miss's did."""
        if "pipeline" in fields:
            self.ctx.record.notes["pipeline"] = fields["pipeline"].decode()

    def _get(self, key: str) -> bytes | None:
        value = self.ctx.store.get(key)
        if value is not None:
            self.ctx.record.touched.append(key)
        return value

    def _write(self, path: str, data: bytes) -> None:
        """Write an output; one we cannot write is clang's to report (``-o`` into a missing directory)."""
        from rlopt.output import write_output

        check_caller()
        try:
            write_output(data, path, durable=False)
        except OutputError as e:
            raise PlainClang(f"I/O error: {e}", Statistic.IO_ERROR) from e

    # -- pipeline and backend ------------------------------------------------------------------------------
    def optimize_and_generate(self, src: Source, bitcode: bytes, model: str | None,
                              tuned: tuning.Entry | None) -> dict[str, bytes]:
        """Pipeline then backend; any failure but an unusable model becomes a :class:`Fallback`."""
        inv = self.inv
        try:
            start = time.perf_counter()
            text = inv.emit_llvm and inv.mode == "asm"
            optimized = run_pipeline(bitcode, inv.level, model=model, pipeline=tuned.pipeline if tuned else None,
                                     text=text, config=self.ctx.config, record=self.ctx.record,
                                     defer_level=not inv.emit_llvm)
            self.ctx.record.timed("pipeline", start)
            made_by = {"pipeline": self.ctx.record.notes["pipeline"].encode()}
            if inv.emit_llvm:
                from rlopt.ir import with_module_id

                return {"object": with_module_id(optimized, src.path) if text else optimized, **made_by}
            start = time.perf_counter()
            fields = self.backend(bitcode, optimize=True) if optimized is None else self.backend(optimized)
            self.ctx.record.timed("backend", start)
            return {**fields, **made_by}
        except ModelUnusable:
            raise
        except ToolTimeout as e:
            raise Fallback(src.path, str(e), Statistic.TIMEOUT) from e
        except ToolCrash as e:
            raise Fallback(src.path, str(e), Statistic.CRASH) from e
        except ToolchainError as e:
            raise Fallback(src.path, str(e), Statistic.TOOLCHAIN) from e
        except ToolError as e:
            category = Statistic.BACKEND_ERROR if e.tool == "backend" else Statistic.PASS_ERROR
            raise Fallback(src.path, str(e), category) from e
        except RloptError as e:
            raise Fallback(src.path, str(e), Statistic.RLOPT_ERROR) from e
        except OSError as e:
            raise Fallback(src.path, f"I/O error: {e}", Statistic.IO_ERROR) from e

    def backend(self, module: bytes, *, optimize: bool = False) -> dict[str, bytes]:
        """Code generation with the user's codegen flags and -O level: of an optimised module, or with
        ``optimize`` of the frontend's module through the level's own pipeline first (clang's ``-save-temps``
        split: what plain clang does, in one process instead of a pipeline step and a backend)."""
        inp, out = os.path.join(self.ctx.tmp, "optimized.bc"), os.path.join(self.ctx.tmp, "backend.out")
        with open(inp, "wb") as f:
            f.write(module)
        argv = [self.ctx.compiler, *self.inv.backend, "-Wno-unused-command-line-argument",
                *([] if optimize else ["-Xclang", "-disable-llvm-passes"]),
                "-S" if self.inv.mode == "asm" else "-c", "-x", "ir", inp, "-o", out]
        status, diagnostics = run_status(argv, stderr=True)
        diagnostics = _without_driver_warnings(diagnostics)  # the frontend step showed them already
        if diagnostics:
            # said about our temporary module (no source location, bitcode shown as the source line): the unit is
            # plain clang's, whose own diagnostics name the source; an error it does not repeat was ours
            said = ToolError("backend", diagnostics.decode(errors="replace"), status)
            raise PlainClang(str(said) if status else None,
                             Statistic.BACKEND_ERROR if status else Statistic.BACKEND_DIAGNOSTICS)
        if status:
            raise ToolError("backend", "", status)
        with open(out, "rb") as f:
            # (no "stderr" field: entries of earlier versions may carry the backend's warnings, still replayed)
            return {"object": f.read()}


def count_hit(record: Record, tuned: tuning.Entry | None, direct_hit: bool = False) -> None:
    """The counters of a cache hit (the native launcher's records carry the same for theirs)."""
    record.bump(Statistic.HIT)
    if direct_hit:
        record.bump(Statistic.DIRECT_HIT)
    if tuned is not None:
        record.bump(Statistic.TUNED_HIT)
        record.bump(Statistic.TUNED)


def frontend_argv(compiler: str, inv: Invocation, src: Source, out: str, extra: list[str] | None = None) -> list[str]:
    """clang's frontend step of the rlopt path: the module clang's own optimiser would get, as bitcode in ``out``.
    ``extra``: flags that change no code (dependency files, header listing, colours). ``rlopt tune --make``
    runs it again on a build's logged calls to get their modules."""
    return unit_argv(compiler, inv, src, out, [*(extra or []), "-Xclang", "-disable-llvm-passes", "-emit-llvm", "-c"])


def unit_argv(compiler: str, inv: Invocation, src: Source, out: str, extra: list[str]) -> list[str]:
    """clang compiling the one source ``src`` of the user's command into ``out`` with ``extra`` flags. Such a call
    gets every flag of the command, as each of clang's own per-source jobs does: when the command has other
    sources or links, flags only they use (``-I`` beside a ``.i``, ``-L``) must not warn as unused."""
    split = inv.mode == "link" or len(inv.sources) > 1
    return [compiler, *inv.frontend, *extra, *(["-Wno-unused-command-line-argument"] if split else []),
            "-o", out, *(["-x", src.language] if src.explicit else []), src.path]


def _without_driver_warnings(stderr: bytes) -> bytes:
    """``stderr`` without the driver's warnings about the command line (``clang: warning: argument '-Ofast' is
    deprecated``): every clang process of a unit prints them, and clang's own compile prints them once."""
    import re  # (on a miss only: the wrapper's hits do not import it; re caches the compiled pattern)

    return b"".join(line for line in stderr.splitlines(keepends=True)
                    if not re.match(rb"[\w.+-]*clang[\w.+-]*: warning: ", line))


def _forces_a_loop_transform(bitcode: bytes) -> bool:
    """Whether the module carries loop metadata of ``#pragma clang loop vectorize(enable)``, ``unroll_count(4)``
    and the like (kept verbatim in the bitcode's metadata strings): where the optimiser cannot follow one, clang
    warns at the loop (an error with ``-Werror``), which only clang's own optimiser run can say."""
    import re  # (on a miss only, as above)

    return re.search(rb"llvm\.loop\.(?:vectorize\.(?:enable|width|scalable\.enable)|interleave\.count|"
                     rb"unroll\.(?:enable|count|full)|unroll_and_jam\.(?:enable|count)|distribute\.enable)",
                     bitcode) is not None


def _replayable(dep: str | None) -> bool:
    """Whether a dependency file can be kept for direct hits: none, or a regular file (or none yet). Not stdout
    (``-MF -``) nor a special file (``-MF /dev/stdout``): reading it back would block or read something else,
    and a hit could not show it as clang does on every call."""
    if dep is None:
        return True
    if dep == "-":
        return False
    try:
        return stat.S_ISREG(os.lstat(dep).st_mode)
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _read_bytes(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def run_pipeline(bitcode: bytes, level: str, *, model: str | None, pipeline: str | None, text: bool,
                 config, record: Record, defer_level: bool = False) -> bytes | None:
    """Run the chosen pipeline: a given one, the model's choice, or the user's level. In the model server
    when it is enabled (the model stays loaded across the build; its engine worker runs the model's steps and
    the pipeline), else in this process (an engine worker for a model, else one ``opt`` process). With
    ``defer_level``, None when the choice is the level's own pipeline: the backend runs it (see
    :meth:`Builder.backend`)."""
    if defer_level and model is None and pipeline is None:
        from rlopt.passes import OPT_LEVELS

        record.notes.update(pipeline=OPT_LEVELS[level], pipeline_in="backend")
        return None
    from rlopt.cc import server

    where = "process"
    if config.flag("server"):
        try:
            chosen, out = server.choose_and_run(bitcode, level, model=model, pipeline=pipeline, text=text,
                                                config=config, timeout=OPT_TIMEOUT, defer_level=defer_level)
            where = "server"
        except server.Unavailable as e:
            record.notes["server_unavailable"] = str(e)
    if where == "process":
        from rlopt import toolchain
        from rlopt.engine import backend_for

        # a model's steps are many LLVM calls, for which the engine's worker (~120 ms to start) pays; one given
        # or level pipeline costs less in an opt process (~20 ms)
        backend = backend_for(toolchain.find(), OPT_TIMEOUT, engine=model is not None and pipeline is None)
        try:
            chosen, out = choose_and_run(bitcode, level, model=model, pipeline=pipeline, text=text,
                                         backend=backend, defer_level=defer_level)
        finally:
            backend.close()
    record.notes.update(pipeline=chosen, pipeline_in=where if out is not None else "backend")
    if model is not None and pipeline is None:
        record.notes["chosen_in"] = where
    return out


def choose_and_run(bitcode: bytes, level: str, *, model: str | None, pipeline: str | None, text: bool,
                  backend: Backend, models=None, defer_level: bool = False) -> tuple[str, bytes | None]:
    """Choose the pipeline (the given one, the model's, or the level's) and run it, all in ``backend``: the
    wrapper's own (:func:`run_pipeline`) or one of the model server's, which also passes its loaded ``models``.
    The pipeline and the module it made; with ``defer_level``, None for the module when the pipeline is the
    level's own (the backend clang runs that one)."""
    from rlopt import knobs, passes, policy

    if pipeline is None and model is not None:
        try:
            chooser = models(model, backend.toolchain) if models else policy.load_model(model,
                                                                                        toolchain=backend.toolchain)
        except RloptError as e:
            raise ModelUnusable(f"model {model}: {e}") from None
        pipeline = policy.choose_pipeline(bitcode, model=chooser, backend=backend)
        if isinstance(chooser, policy.Selector) and pipeline == chooser.pipelines[0]:
            # it kept its baseline (-O3 for speed): no predicted gain, so the level the user asked for (-O2 stays
            # -O2, byte for byte clang's; the same pipeline at -O3)
            pipeline = passes.OPT_LEVELS[level]
    elif pipeline is None:
        pipeline = passes.OPT_LEVELS[level]
    if defer_level and pipeline == passes.OPT_LEVELS[level]:
        return pipeline, None
    # a tuned or chosen pipeline may carry knobs (PIPELINE@NAME=VALUE): LLVM options of this optimizer run only,
    # never of the frontend or the backend
    passes_only, options = knobs.parse(pipeline)
    return pipeline, backend.optimize(bitcode, passes_only, bitcode=not text, options=options)
