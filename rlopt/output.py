"""Atomic output files: a reader never sees half a file, an interrupted run leaves the old file or none.

Apart from its own error type this needs only ``os`` and ``sys``, so that ``rlopt-cc``'s cache hits can
write objects without the start-up cost of ``pathlib``, ``re`` or ``tempfile``. ``rlopt.ir`` re-exports both
functions.
"""

from __future__ import annotations

import contextlib
import os
import sys

from rlopt.errors import OutputError


def write_output(data: bytes, path: str, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (``-`` is stdout).

    The bytes go to a temporary file beside the target which is then renamed over it, so a reader never
    sees half a file and an interrupted run leaves the old file (or none) rather than a truncated one.
    Special files (``/dev/null``, a FIFO) are written in place: renaming over them would destroy them. A
    symbolic link is written through, as ``opt`` does: its target is replaced, the link stays.
    ``durable=False`` skips the fsync (~8 ms here): build outputs, like clang's own, need no more than the
    atomic rename.
    """
    if path == "-":
        try:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            raise
        except OSError as e:
            raise OutputError(f"<stdout>: {e.strerror or e}") from None
        return
    if os.path.isdir(path):
        raise OutputError(f"{path}: is a directory")
    if os.path.exists(path) and not os.path.isfile(path):  # a device or FIFO (-o /dev/null): never replace it
        try:
            with open(path, "wb") as f:
                f.write(data)
        except OSError as e:
            raise OutputError(f"{path}: {e.strerror or e}") from None
        return
    target = os.path.realpath(path) if os.path.islink(path) else path
    directory, name = os.path.split(target)
    tmp_name = None
    try:
        fd, tmp_name = _create_temporary(os.path.join(directory or ".", f".{name}."))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if durable:
                os.fsync(f.fileno())
        if os.path.exists(target):
            os.chmod(tmp_name, os.stat(target).st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, target)
        tmp_name = None
    except OSError as e:
        raise OutputError(f"{path}: {e.strerror or e}") from None
    finally:
        if tmp_name:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def temporary_name(path: str) -> str | None:
    """A fresh name beside ``path`` for a tool to write it under before :func:`os.replace` moves it into place
    (as :func:`write_output` does with our own bytes); None where ``path`` is not written so: stdout, a special
    file or a symbolic link (written through, not replaced), or a directory we cannot write in (the tool then
    reports the error in its own words)."""
    if path == "-" or (os.path.lexists(path) and (os.path.islink(path) or not os.path.isfile(path))):
        return None
    directory, name = os.path.split(path)
    if not os.access(directory or ".", os.W_OK | os.X_OK):
        return None
    return _fresh_name(os.path.join(directory, f".{name}."))


def _fresh_name(prefix: str) -> str:
    return f"{prefix}{os.urandom(6).hex()}.tmp"


def _create_temporary(prefix: str) -> tuple[int, str]:
    """``tempfile.mkstemp`` without importing ``tempfile`` (~17 ms of every ``rlopt-cc`` cache hit)."""
    for _ in range(100):
        name = _fresh_name(prefix)
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {prefix}")


def write_file(path: str | os.PathLike, data: bytes, *, durable: bool = True) -> None:
    """Atomically write a file rlopt owns (a cache entry, a run's results), creating its directory first;
    ``durable`` as in :func:`write_output`."""
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    write_output(data, path, durable=durable)
