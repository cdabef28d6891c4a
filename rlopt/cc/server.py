"""The model server: one background process per cache directory that keeps models loaded and LLVM's engine
running across a build, so that a compile pays a socket round trip instead of starting rlopt's inference
path, ONNX Runtime, the model and libLLVM (~0.2 s of CPU on a 2-core machine, more than clang takes for a
small file).

The first compile that needs a pipeline starts it (``python -m rlopt.cc.server SOCKET IDLE``, or, from a call
running in the fork server, a fork of that: see :mod:`rlopt.cc.forkserver`); it exits
after ``server_idle_timeout`` seconds without requests, or on ``rlopt-cc --stop-server``. The socket lives in
a directory only the user can enter (``$XDG_RUNTIME_DIR`` or ``$TMPDIR/rlopt-cc-UID``) and is named after the
cache directory, the Python interpreter and rlopt's code, so a changed rlopt never talks to an old server.
Each request is served in its own thread with an engine worker of its own (crash-isolated as everywhere
else); the first workers are forks of the server made before its first thread (see :func:`_prefork`). If the
server cannot be reached or started, the caller optimises in its own process; if it dies during a request,
that compile falls back to plain clang like any other crash.

Frames: a 4-byte length and a header (a dict, ``marshal``: client and server are the same code), then an
8-byte length and the payload (the module).
"""

from __future__ import annotations

import _socket  # the C module: ``socket`` builds its enums on import, ~4 ms of every compile that optimises
import contextlib
import marshal
import os
import sys
import time

from rlopt import __version__
from rlopt.cache import digest, quick_sha256
from rlopt.errors import RloptError, ToolchainError, ToolCrash, ToolError, ToolTimeout

TYPE_CHECKING = False  # typing would cost every compile that optimises
if TYPE_CHECKING:
    from rlopt.engine import Engine
    from rlopt.toolchain import Toolchain

START_WAIT = 60.0  # seconds a client waits for a new server to listen (it imports onnxruntime first)
PREFORK_MAX = 8  # engine workers forked at start-up (one per CPU up to this; see _prefork)


class Unavailable(Exception):
    """No server could be reached or started: optimise in this process instead."""


# -- framing ---------------------------------------------------------------------------------------------
def _send(sock: _socket.socket, header: dict, payload: bytes = b"") -> None:
    head = marshal.dumps(header)
    sock.sendall(len(head).to_bytes(4, "little") + head + len(payload).to_bytes(8, "little") + payload)


def recv_exact(sock: _socket.socket, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise ConnectionError("connection closed")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(sock: _socket.socket) -> tuple[dict, bytes]:
    header = marshal.loads(recv_exact(sock, int.from_bytes(recv_exact(sock, 4), "little")))
    return header, recv_exact(sock, int.from_bytes(recv_exact(sock, 8), "little"))


# -- client ----------------------------------------------------------------------------------------------
def socket_path(cache_dir: str) -> str:
    """Where the server for ``cache_dir`` listens; raises Unavailable if the directory is not private."""
    base = os.environ.get("XDG_RUNTIME_DIR") or os.path.join(os.environ.get("TMPDIR") or "/tmp",
                                                             f"rlopt-cc-{os.getuid()}")
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        st = os.stat(base)
    except OSError as e:
        raise Unavailable(str(e)) from None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise Unavailable(f"{base} is not private to this user")
    name = digest(os.path.abspath(cache_dir), sys.executable, os.environ.get("RLOPT_LLVM_BIN", ""), code_id(),
                  sha256=quick_sha256)
    return os.path.join(base, f"srv-{name[:24]}.sock")


def code_id() -> str:
    """rlopt's version and the newest modification of its modules: a changed tree gets a new server."""
    import rlopt

    root = os.path.dirname(rlopt.__file__)
    newest = 0
    for sub in ("", "cc", "engine"):
        with contextlib.suppress(OSError), os.scandir(os.path.join(root, sub)) as it:
            newest = max([newest, *(e.stat().st_mtime_ns for e in it if e.name.endswith(".py"))])
    return f"{__version__}:{newest}"


def _connect(path: str, timeout: float) -> _socket.socket:
    """Connect, waiting while the server's backlog is full (a unix socket says EAGAIN at once then)."""
    deadline = time.monotonic() + START_WAIT
    while True:
        sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            return sock
        except BlockingIOError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)
        except OSError:
            sock.close()
            raise


def _start_and_connect(path: str, idle: float, timeout: float) -> _socket.socket:
    """Start the server and connect to it. Jobs queue on a lock, so that of many jobs finding no server one
    starts it and the others connect to that one; a server that failed to start is not retried for a
    minute (those compiles optimise in their own process)."""
    import fcntl
    import subprocess

    from rlopt.cc import forkserver

    failed = path + ".failed"
    with open(path + ".spawn", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError, ConnectionRefusedError):
            return _connect(path, timeout)  # another job started it while we waited
        with contextlib.suppress(OSError):
            if time.time() - os.stat(failed).st_mtime < 60:
                raise Unavailable("the model server failed to start a moment ago")
        env = {k: v for k, v in os.environ.items() if k != "RLOPT_CC_ACTIVE"}
        pid = forkserver.spawn_model_server(path, idle, env)  # in a fork of the fork server: a fork of it
        if pid is None:
            with open(path + ".log", "ab") as log:
                proc = subprocess.Popen([sys.executable, "-m", "rlopt.cc.server", path, str(idle)],
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                        env=env)
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline and (proc.poll() is None if pid is None else _alive(pid)):
            with contextlib.suppress(FileNotFoundError, ConnectionRefusedError):
                return _connect(path, timeout)
            time.sleep(0.01)
        open(failed, "w").close()
    raise Unavailable(f"the model server did not start (see {path}.log)")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except (ProcessLookupError, PermissionError):  # gone (or another user's process now has this pid)
        return False


def request(cache_dir: str, header: dict, payload: bytes, *, idle: float, timeout: float) -> tuple[dict, bytes]:
    """Send one request, starting the server if none listens; Unavailable if it cannot be reached."""
    path = socket_path(cache_dir)
    try:
        try:
            sock = _connect(path, timeout)
        except (FileNotFoundError, ConnectionRefusedError):
            sock = _start_and_connect(path, idle, timeout)
    except OSError as e:
        raise Unavailable(str(e)) from None
    with contextlib.closing(sock):
        try:
            _send(sock, header, payload)
            return _recv(sock)
        except TimeoutError:
            raise ToolTimeout("model server", timeout) from None
        except (OSError, ValueError, EOFError) as e:  # it died while working on this module: treat it as a crash
            raise ToolCrash("model server", f"died during the request ({e})") from None


def choose_and_run(bitcode: bytes, level: str, *, model: str | None, pipeline: str | None, text: bool, config,
             timeout: float, defer_level: bool = False) -> tuple[str, bytes | None]:
    """:func:`rlopt.cc.build.choose_and_run` in the server (the pipeline, and None for the module when it is the
    level's own, left to the backend clang); its errors come back as the exceptions the caller expects."""
    from rlopt.cc.build import ModelUnusable

    header, payload = request(config.cache_dir, {"op": "choose_and_run", "level": level, "model": model,
                                                 "pipeline": pipeline, "text": text, "timeout": timeout,
                                                 "defer_level": defer_level},
                              bitcode, idle=config.number("server_idle_timeout"), timeout=2 * timeout + 30)
    if header.get("ok"):
        return header["pipeline"], None if header.get("deferred") else payload
    kind, tool, message = header.get("kind"), header.get("tool", "opt"), header.get("message", "")
    if kind == "model":
        raise ModelUnusable(message)
    if kind == "timeout":
        raise ToolTimeout(tool, float(header.get("seconds", timeout)))
    if kind == "crash":
        raise ToolCrash(tool, message)
    if kind == "tool":
        raise ToolError(tool, message)
    if kind == "toolchain":
        raise ToolchainError(message)
    raise RloptError(f"model server: {message}")


def stop(cache_dir: str) -> bool:
    """Ask the server of ``cache_dir`` to exit and wait until it has (so that the next compile starts a new one
    rather than reaching the old one as it goes); False if none was running."""
    try:
        path = socket_path(cache_dir)
        with contextlib.closing(_connect(path, 10.0)) as sock, open(path + ".lock", "rb") as lock:
            _send(sock, {"op": "stop"})
            _recv(sock)
            _wait_unlocked(lock)  # the server holds its lock until it has exited
        return True
    except (OSError, Unavailable, ValueError, EOFError):
        return False


def _wait_unlocked(lock) -> None:
    import fcntl

    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.01)


# -- server ----------------------------------------------------------------------------------------------
def _error_reply(e: BaseException) -> dict:
    from rlopt.cc.build import ModelUnusable

    kinds = [(ModelUnusable, "model"), (ToolTimeout, "timeout"), (ToolCrash, "crash"), (ToolError, "tool"),
             (ToolchainError, "toolchain"), (RloptError, "rlopt")]
    kind = next((k for cls, k in kinds if isinstance(e, cls)), "internal")
    reply = {"ok": False, "kind": kind, "message": str(e) if kind != "internal" else f"{type(e).__name__}: {e}"}
    if isinstance(e, ToolError):
        reply.update(tool=e.tool, message=e.detail, seconds=getattr(e, "seconds", 0))
    return reply


def _prefork(tc: Toolchain) -> list[Engine]:
    """Engine workers forked now, while the server has one thread, from a process that has loaded libLLVM: each
    costs a fork instead of a new interpreter that imports rlopt and loads libLLVM (~0.1 s of CPU, per
    concurrent job of a build). One per CPU, at most :data:`PREFORK_MAX`; further ones (more concurrent jobs, a
    restart after a crash) are new interpreters, since a process with threads must not fork."""
    from rlopt.engine import Engine
    from rlopt.engine.llvm import library

    if tc.libllvm is None:
        return []
    try:
        library(str(tc.libllvm))  # the forks inherit it loaded, its targets initialized
    except ToolchainError:
        return []  # each request's own backend says why
    engines: list[Engine] = []
    for _ in range(min(os.cpu_count() or 1, PREFORK_MAX)):
        engine = Engine(tc, fork=True)
        try:
            engine.start()
        except OSError:  # out of processes or memory: requests start their own workers when they can
            engine.close()
            break
        engines.append(engine)
    return engines


def name_process(name: str) -> None:
    """Name this process (``ps -o comm``, ``top``, ``pgrep NAME``): the model server may be a fork of the fork
    server, whose command line it then shows."""
    with contextlib.suppress(OSError), open("/proc/self/comm", "w") as f:
        f.write(name)


def serve(path: str, idle: float) -> None:
    """Listen on ``path`` until idle for ``idle`` seconds or asked to stop; one instance per socket."""
    import fcntl

    name_process("rlopt-cc-server")

    with open(path + ".lock", "w") as lock:  # held while serving: a second server exits at once
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        _serve(path, idle)


def _serve(path: str, idle: float) -> None:
    import socketserver
    import threading

    os.chdir("/")
    state = {"last": time.monotonic(), "busy": 0}
    guard = threading.Lock()
    backends: list = []  # idle backends (engine workers); a request takes one or starts one
    loaded: dict[str, tuple] = {}  # model path -> ((size, mtime), loaded model)

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            with guard:
                state["busy"] += 1
            try:
                header, payload = _recv(self.request)
                if header.get("op") == "stop":
                    _send(self.request, {"ok": True})
                    threading.Thread(target=server.shutdown, daemon=True).start()
                    return
                _send(self.request, *work(header, payload))
            except (OSError, ValueError, EOFError):
                pass  # the client went away
            finally:
                with guard:
                    state["busy"] -= 1
                    state["last"] = time.monotonic()

    class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
        daemon_threads = True
        request_queue_size = 256  # a make -j64 connecting while the server still loads

    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    old_umask = os.umask(0o077)
    try:
        server = Server(path, Handler)
    finally:
        os.umask(old_umask)
    identity = os.stat(path).st_ino

    from rlopt import policy, toolchain  # after listening: waiting clients queue on the socket meanwhile
    from rlopt.cc.build import choose_and_run
    from rlopt.engine import backend_for

    tc = toolchain.find()
    backends.extend(_prefork(tc))  # before any thread starts (the model's ONNX Runtime session makes one too)

    def models(model: str, tc_: toolchain.Toolchain):
        """The loaded model at this path, loaded again when the file changed (a retrained model)."""
        st = os.stat(model)
        version, chooser = loaded.get(model, (None, None))
        if version != (st.st_size, st.st_mtime_ns):
            chooser = policy.load_model(model, toolchain=tc_)
            loaded[model] = ((st.st_size, st.st_mtime_ns), chooser)
        return chooser

    def work(header: dict, payload: bytes) -> tuple[dict, bytes]:
        timeout = float(header["timeout"])
        with guard:
            backend = backends.pop() if backends else None
        try:
            backend = backend or backend_for(tc, timeout)
            backend.timeout = timeout  # the pool's backends are the server's own; this request's limit
            chosen, out = choose_and_run(payload, header["level"], model=header["model"],
                                         pipeline=header["pipeline"], text=header["text"], backend=backend,
                                         models=models, defer_level=header.get("defer_level", False))
            return {"ok": True, "deferred": out is None, "pipeline": chosen}, out or b""
        except Exception as e:  # every failure goes back to the client as a reply
            return _error_reply(e), b""
        finally:
            if backend is not None:
                with guard:
                    backends.append(backend)

    def watchdog() -> None:
        while True:
            time.sleep(0.5)
            with guard:
                if state["busy"] == 0 and time.monotonic() - state["last"] > idle:
                    break
        server.shutdown()

    threading.Thread(target=watchdog, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == identity:
                os.unlink(path)
        with contextlib.suppress(OSError):
            if os.stat(path + ".log").st_size == 0:  # nothing went wrong: leave no litter behind
                os.unlink(path + ".log")
        for suffix in (".spawn", ".lock"):  # a job starting a new server meanwhile makes them again
            with contextlib.suppress(OSError):
                os.unlink(path + suffix)
        for backend in backends:
            backend.close()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        serve(sys.argv[1], float(sys.argv[2]))
