"""The fork server of ``rlopt-cc``: a call that the native launcher cannot answer from the cache runs in a fork of
a process that has already imported the wrapper, instead of in a new Python process. A fork costs ~3 ms of CPU;
a Python start-up with the wrapper's imports ~40-55 ms, about what clang needs for a whole small file. So, as
sccache's client hands its compiles to its server, the launcher hands its misses to this one.

The launcher (``launcher.c``, ``via_fork_server``) starts it when none listens (under a lock, so that of the
jobs of a ``make -j`` one starts it and the others wait for it), as a process of its own session: ``python -c
'from rlopt.cc.forkserver import serve; serve()' SOCKET``. The socket's name digests the interpreter, rlopt-cc's
cache directory, ``PYTHONPATH`` and ``PYTHONHOME``. It exits after ``server_idle_timeout`` seconds without
calls, on ``rlopt-cc --stop-server``, when rlopt's code changed, or at once when ``server`` is off (then the
launcher runs Python for a minute before it tries again).

For each call the launcher passes its standard input, output and error (``SCM_RIGHTS``) and its state: working
directory, umask, priority, resource limits, arguments and environment. A fork takes them on and runs
:func:`rlopt.cc.main.main`. Becoming the compiler (a bypass, ``disable``) is the launcher's part, since its
process is the one ``make`` waits for; it also forwards SIGINT, SIGTERM, SIGHUP and SIGQUIT to the fork's
process group (the fork and the compilers it runs).

Request: an 8-byte little-endian length (sent with the three descriptors), then NUL-terminated strings:
:data:`FORMAT`, the working directory, the umask, the priority, the number of resource limits and each as
``"soft hard"`` (``-1``: unlimited), the argument count, the arguments (the first is the name called), the
environment. Replies, each a tag byte, a 4-byte little-endian length and the payload: ``p`` the fork's pid, then
one of ``x`` the exit status (negative: the signal the call died of), ``e`` a program to become (path, argument
count, arguments, environment: NUL-terminated strings), or ``s``: this fork server cannot take the call (a limit
or priority it cannot give, changed code or settings), so the launcher runs Python as without one. A launcher
that reads no final reply (the fork died) runs Python too, unless it forwarded a signal, which it then dies of.
"""

from __future__ import annotations

import contextlib
import functools
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback

TYPE_CHECKING = False  # typing costs the fork server's start-up
if TYPE_CHECKING:
    from collections.abc import Iterable

FORMAT = "rlopt-cc fork server 1"  # launcher.c's FORK_FORMAT: both change together
MODEL_SERVER = "rlopt-cc fork server 1: model server"  # a fork asks for a fork that becomes the model server
POLL = 0.2  # seconds between looks at the clock (idle time) and at finished forks
NAME = "rlopt-cc-fork"  # the process's name (comm)
REGISTRY = "fork-servers"  # in the cache directory: a file named by each running fork server's pid
_server: int | None = None  # in a fork: the fork server's pid
_path: str | None = None  # in the fork server and its forks: its socket


class _Refused(Exception):
    """The fork cannot be the caller's process faithfully: the launcher runs Python instead."""


def serve() -> None:
    """The fork server's loop (``sys.argv[1]``: its socket)."""
    # what calls import, once here instead of once per call (the first call of a build also finds the toolchain
    # and starts the model server)
    import fcntl  # noqa: F401
    import json  # noqa: F401
    import resource  # noqa: F401
    import subprocess  # noqa: F401
    import zlib  # noqa: F401

    import rlopt.cc.main  # noqa: F401
    import rlopt.cc.store  # noqa: F401
    import rlopt.models  # noqa: F401
    import rlopt.output  # noqa: F401
    import rlopt.toolchain  # noqa: F401
    import rlopt.tuning  # noqa: F401
    from rlopt.cc.config import Config
    from rlopt.cc.main import cache_dir
    from rlopt.cc.server import code_id, name_process

    name_process(NAME)
    global _path
    path = _path = sys.argv[1]
    code, identity, registered = code_id(), None, ""
    try:
        config = Config(cache_dir())
        if not config.flag("server"):
            return
        idle = config.number("server_idle_timeout")
        os.chdir("/")
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        old_umask = os.umask(0o077)
        try:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
        finally:
            os.umask(old_umask)
        identity = os.stat(path).st_ino
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path + ".failed")
        registered = _register(config.cache_dir)
        listener.listen(64)
        listener.settimeout(POLL)
        _loop(listener, code, idle)
    finally:
        if registered:
            with contextlib.suppress(OSError):
                os.unlink(registered)
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == identity:  # not one a newer fork server made meanwhile
                os.unlink(path)
        with contextlib.suppress(OSError):
            if os.stat(path + ".log").st_size == 0:  # nothing went wrong: leave no litter behind
                os.unlink(path + ".log")
        with contextlib.suppress(OSError):
            os.unlink(path + ".spawn")  # a launcher starting a new fork server meanwhile makes it again


def _loop(listener: socket.socket, code: str, idle: float) -> None:
    """Fork for each call until ``idle`` seconds pass without one (and no fork is running)."""
    forks: set[int] = set()
    last = time.monotonic()
    while forks or time.monotonic() - last < idle:
        _reap(forks)
        try:
            conn, _ = listener.accept()
        except TimeoutError:
            continue
        last = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                listener.close()
                _call(conn, code)
            except BaseException:  # noqa: BLE001 - reported, and never back into this loop
                traceback.print_exc()
            finally:
                os._exit(1)
        forks.add(pid)
        conn.close()


def spawn_model_server(path: str, idle: float, env: dict[str, str]) -> int | None:
    """In a fork: have the fork server fork the model server for ``path`` (``python -m rlopt.cc.server`` without
    the interpreter's start-up and the imports the two share); its pid, or None outside a fork server or if
    the fork server does not answer (the caller then starts it as a new process)."""
    if _path is None:
        return None
    strings = [MODEL_SERVER, path, str(idle), *(f"{k}={v}" for k, v in env.items())]
    payload = b"".join(os.fsencode(s) + b"\0" for s in strings)
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(10)
            sock.connect(_path)
            socket.send_fds(sock, [len(payload).to_bytes(8, "little")], [0, 1, 2])
            sock.sendall(payload)
            from rlopt.cc.server import recv_exact

            head = recv_exact(sock, 5)
            pid = recv_exact(sock, int.from_bytes(head[1:], "little"))
            return int(pid) if head[:1] == b"p" else None
    except (OSError, ValueError, ConnectionError):
        return None


def _register(cache_dir: str) -> str:
    """Record this fork server's pid in its cache directory, where ``rlopt-cc --stop-server`` finds it (also
    from a call that runs in no fork server, or for another interpreter's); "" where the directory is read-only
    (the server still serves; only a call running in it can stop it then)."""
    directory = os.path.join(cache_dir, REGISTRY)
    path = os.path.join(directory, str(os.getpid()))
    try:
        os.makedirs(directory, exist_ok=True)
        open(path, "w").close()  # noqa: SIM115 - an empty marker
    except OSError:
        return ""
    return path


def stop_servers(cache_dir: str) -> int:
    """Stop every fork server of ``cache_dir`` (``rlopt-cc --stop-server``); how many were running."""
    directory, stopped = os.path.join(cache_dir, REGISTRY), 0
    try:
        names = os.listdir(directory)
    except OSError:
        return 0
    for name in names:
        try:
            with open(f"/proc/{int(name)}/comm") as f:
                running = f.read().strip() == NAME
        except (OSError, ValueError):
            running = False
        if running:
            with contextlib.suppress(OSError):
                os.kill(int(name), signal.SIGTERM)
                stopped += 1
        else:  # a server that was killed: its marker stayed
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))
    return stopped


def stop_server() -> bool:
    """Stop the fork server this call runs in (its code or settings changed); False if it runs in none."""
    if _server is None:
        return False
    with contextlib.suppress(OSError):
        os.kill(_server, signal.SIGTERM)
    return True


def _reap(forks: set[int]) -> None:
    """Collect finished forks (their CPU time then counts as this process's children's, as with any parent)."""
    with contextlib.suppress(ChildProcessError):
        while (pid := os.waitpid(-1, os.WNOHANG)[0]) > 0:
            forks.discard(pid)


def _reply(conn: socket.socket, tag: bytes, payload: bytes = b"") -> None:
    conn.sendall(tag + len(payload).to_bytes(4, "little") + payload)


def _last_reply(conn: socket.socket, tag: bytes, payload: bytes) -> None:
    """The call's outcome. The launcher then closes its end, and the orphan watch sends SIGTERM to the group:
    with nothing left to unwind, that must end the fork quietly, not raise in the middle of this reply."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _reply(conn, tag, payload)


def _call(conn: socket.socket, code: str) -> None:
    """One call, in a fork of the fork server: take on the caller's state, run the wrapper, reply; never returns."""
    from rlopt.cc import build
    from rlopt.cc.config import Config
    from rlopt.cc.main import cache_dir
    from rlopt.cc.server import code_id, recv_exact

    global _server
    _server = os.getppid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        conn.settimeout(None)
        uid = int.from_bytes(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)[4:8], sys.byteorder)
        if uid != os.getuid():
            os._exit(0)
        head, fds, _, _ = socket.recv_fds(conn, 8, 3)
        head += recv_exact(conn, 8 - len(head))
        fields = recv_exact(conn, int.from_bytes(head, "little")).split(b"\0")
        if fields[0] == MODEL_SERVER.encode():
            for fd in fds:
                os.close(fd)
            _become_model_server(conn, fields[1:])
        try:
            argv = _take_on(fields, fds)
        except (_Refused, ValueError, IndexError, OSError):
            _reply(conn, b"s")
            os._exit(0)
        if code_id() != code or not Config(cache_dir()).flag("server"):  # a new server (if any) for the next call
            stop_server()
            _reply(conn, b"s")
            os._exit(0)
        os.setpgid(0, 0)  # the launcher forwards its signals to this group: this fork and the compilers it runs
        _reply(conn, b"p", str(os.getpid()).encode())
        build.caller_alive = functools.partial(_connected, conn)
        threading.Thread(target=_stop_when_orphaned, args=(conn,), daemon=True).start()
    except OSError:  # the launcher went away: nothing to do
        os._exit(0)
    status = _run(conn, argv)
    with contextlib.suppress(OSError):
        _last_reply(conn, b"x", str(status).encode())
    os._exit(0)


def _stop_when_orphaned(conn: socket.socket) -> None:
    """SIGTERM to this call's group as soon as the launcher dies (make killed with SIGKILL, which no launcher can
    forward): a linker left running would write the program while the next build writes it too."""
    _launcher_gone(conn, None)
    with contextlib.suppress(OSError):
        os.killpg(0, signal.SIGTERM)


def _connected(conn: socket.socket) -> bool:
    return not _launcher_gone(conn, 0)


def _launcher_gone(conn: socket.socket, timeout_ms: int | None) -> bool:
    """Whether the launcher closed its end within ``timeout_ms`` (None: wait for it). It sends nothing after its
    request, so readable means closed."""
    ready = select.poll()
    ready.register(conn, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(ready.poll(timeout_ms))


def _become_model_server(conn: socket.socket, fields: list[bytes]) -> None:
    """Fork the model server (a daemon of its own session, as ``python -m rlopt.cc.server`` would be), reply
    with its pid; never returns."""
    from rlopt.cc import server

    path, idle, env = os.fsdecode(fields[0]), float(fields[1]), _environment(fields[2:])
    pid = os.fork()
    if pid:
        _reply(conn, b"p", str(pid).encode())
        os._exit(0)
    try:
        conn.close()
        os.setsid()
        log = os.open(path + ".log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.close(log)
        os.environ.clear()
        os.environ.update(env)
        server.serve(path, idle)
    finally:
        os._exit(0)


def _environment(fields: Iterable[bytes]) -> dict[str, str]:
    return dict(os.fsdecode(e).partition("=")[::2] for e in fields if b"=" in e)


def _take_on(fields: list[bytes], fds: list[int]) -> list[str]:
    """Become the caller: its descriptors, directory, umask, priority, limits and environment; its arguments."""
    import resource

    it = iter(fields)
    if next(it).decode() != FORMAT or len(fds) != 3:
        raise _Refused("another protocol")
    cwd = os.fsdecode(next(it))
    umask, priority = int(next(it)), int(next(it))
    limits = [tuple(map(int, next(it).split())) for _ in range(int(next(it)))]
    argv = [os.fsdecode(next(it)) for _ in range(int(next(it)))]
    env = _environment(it)
    for resource_id, limit in enumerate(limits):
        if resource.getrlimit(resource_id) != limit:
            resource.setrlimit(resource_id, limit)  # ValueError: above our hard limit
    if os.getpriority(os.PRIO_PROCESS, 0) != priority:
        os.setpriority(os.PRIO_PROCESS, 0, priority)  # PermissionError: a higher priority than ours
    os.chdir(cwd)
    os.umask(umask)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdout.reconfigure(line_buffering=os.isatty(1))
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    return argv


def _run(conn: socket.socket, argv: list[str]) -> int:
    """:func:`rlopt.cc.main.main` as ``launched`` runs it; its exit status (negative: the signal it died of)."""
    from importlib import import_module

    from rlopt.cc.build import Orphaned
    from rlopt.errors import Terminated

    main = import_module("rlopt.cc.main")  # the module (the package exports its function of the same name)

    def become(path: str, args: list[str], env: dict[str, str]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        strings = [path, str(len(args)), *args, *(f"{k}={v}" for k, v in env.items())]
        _last_reply(conn, b"e", b"".join(os.fsencode(s) + b"\0" for s in strings))
        os._exit(0)

    main.execve = become
    sys.argv = argv
    try:
        status = main.main(argv[1:], cxx=argv[0].endswith("++"))
    except SystemExit as e:
        if e.code is None or isinstance(e.code, int):
            status = e.code or 0
        else:
            print(e.code, file=sys.stderr)
            status = 1
    except KeyboardInterrupt:
        status = -signal.SIGINT
    except Terminated as e:  # the launcher dies of it (as the fork would by the signal's default action)
        status = -e.signum
    except Orphaned:  # nobody waits for the status
        status = -signal.SIGKILL
    except BaseException:  # noqa: BLE001 - as Python reports an uncaught exception
        traceback.print_exc()
        status = 1
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    return status
