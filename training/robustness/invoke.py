"""Run the ``rlopt`` CLI in-process (fast) or as a subprocess (real), capturing everything it does."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

RLOPT = Path(sys.executable).with_name("rlopt")


@dataclass(frozen=True)
class Invocation:
    """The observable result of one run: exit code, streams, any escaped exception, wall time."""

    returncode: int | None
    stdout: bytes
    stderr: str
    exception: str | None
    seconds: float
    timed_out: bool = False


def in_process(argv: list[str], stdin: bytes = b"") -> Invocation:
    """Call ``rlopt.cli.main(argv)`` with stdin/stdout/stderr redirected; an escaping exception is recorded."""
    from rlopt import cli

    out, err = io.BytesIO(), io.StringIO()
    fake_in = io.TextIOWrapper(io.BytesIO(stdin))
    fake_out = io.TextIOWrapper(out, write_through=True)
    saved = sys.stdin, sys.stdout, sys.stderr
    start = time.monotonic()
    rc, exc = None, None
    try:
        sys.stdin, sys.stdout, sys.stderr = fake_in, fake_out, err
        rc = cli.main(argv)
    except BaseException:  # noqa: BLE001 - the point is to catch whatever escapes main()
        exc = traceback.format_exc()
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved
    with contextlib.suppress(ValueError):
        fake_out.flush()
    return Invocation(rc, out.getvalue(), err.getvalue(), exc, time.monotonic() - start)


def subprocess_run(argv: list[str], stdin: bytes = b"", timeout: float = 60.0,
                   env: dict[str, str] | None = None) -> Invocation:
    """Run the installed ``rlopt`` entry point; a run past ``timeout`` is killed and marked timed out."""
    start = time.monotonic()
    proc = subprocess.Popen([str(RLOPT), *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return Invocation(None, out, err.decode(errors="replace"), None, time.monotonic() - start, True)
    text = err.decode(errors="replace")
    exc = text if "Traceback (most recent call last)" in text else None
    return Invocation(proc.returncode, out, text, exc, time.monotonic() - start)
