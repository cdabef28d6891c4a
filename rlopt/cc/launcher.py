"""Build the native launcher of ``rlopt-cc``/``rlopt-c++`` (``launcher.c``, see docs/cc.md).

Standard library only, so that ``setup.py`` can run it before rlopt is installed (``runpy``); also
``python rlopt/cc/launcher.py DIR`` builds the two programs into DIR by hand. Without a C compiler or sqlite3's
headers it builds nothing and says why: the Python console scripts then stay, and nothing breaks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = ("rlopt-cc", "rlopt-c++")
#: LLVM 19's clang (rlopt's toolchain) first, then whatever C compiler the system has.
COMPILERS = ("/usr/lib/llvm-19/bin/clang", "clang", "cc", "gcc")


def version() -> str:
    """rlopt's version, from its ``__init__.py`` (part of the launcher's keys: a new rlopt never serves an old
    record)."""
    with open(os.path.join(HERE, "..", "__init__.py")) as f:
        return re.search(r'__version__ = "([^"]+)"', f.read())[1]


def build(out_dir: str) -> tuple[list[str], str]:
    """Compile the launcher into ``out_dir`` as both programs; (their paths, "") or ([], why not)."""
    compiler = next((c for c in COMPILERS if shutil.which(c)), None)
    if compiler is None:
        return [], "no C compiler found"
    os.makedirs(out_dir, exist_ok=True)
    first = os.path.join(out_dir, PROGRAMS[0])
    proc = subprocess.run([compiler, "-O2", "-std=gnu11", f'-DRLOPT_VERSION="{version()}"', "-o", first,
                           os.path.join(HERE, "launcher.c"), "-lsqlite3"], capture_output=True, text=True)
    if proc.returncode:
        return [], f"{compiler} failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}"
    paths = [first]
    for name in PROGRAMS[1:]:  # copies, not links: a wheel holds plain files
        shutil.copy2(first, os.path.join(out_dir, name))
        paths.append(os.path.join(out_dir, name))
    return paths, ""


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python rlopt/cc/launcher.py DIR")
    built, why = build(sys.argv[1])
    print("\n".join(built) or f"launcher.py: native launcher not built: {why}", file=sys.stderr if why else sys.stdout)
    sys.exit(1 if why else 0)
