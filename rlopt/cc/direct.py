"""Direct mode, as ccache does it: find a cached object from the source and its headers without running the
frontend.

The *direct key* digests everything the frontend's input is made of except the headers: the compiler, the
arguments (without the output name), the working directory, the source's content, the environment variables
clang reads, the pipeline choice. Under it the store keeps a *manifest*: the headers one compile read, each
with its content hash, and the object that compile made. A later call with the same direct key hashes those
headers again; if all match, the object is the answer and the frontend never runs. If one changed, the
frontend runs and the object is looked up by the bitcode it produces (the result key), which is the analogue
of ccache's preprocessor mode; the manifest then gains an entry for the new set of headers.

Like ccache, a manifest entry is not written when a file contains ``__DATE__``, ``__TIME__`` or
``__TIMESTAMP__`` (the object depends on the clock; the bitcode key still catches real repeats), or when a
file was modified after the compile started (it may have changed under the frontend). Known limits, shared
with ccache: a new header that would shadow a recorded one earlier in the include path is not noticed; and
with ``-MMD`` (system headers are not dependencies, for the build system either) only the user's headers are
recorded, as in ccache's depend mode, because clang has one switch for both lists.
"""

from __future__ import annotations

import marshal
import os

from rlopt.cache import quick_sha256 as sha256

#: Environment variables that change what clang's frontend reads or writes.
COMPILER_ENV = ("CPATH", "C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH", "SOURCE_DATE_EPOCH",
                "CCC_OVERRIDE_OPTIONS", "SDKROOT", "MACOSX_DEPLOYMENT_TARGET")
_TIME_MACROS = (b"__DATE__", b"__TIME__", b"__TIMESTAMP__")
#: File times come from the kernel's coarse clock, which can lag the one we read by a few milliseconds: a file
#: modified this close to the compile's start counts as modified during it.
CLOCK_SLACK_NS = 50_000_000
#: Manifest entries kept per direct key (different header versions, e.g. after switching branches).
MAX_ENTRIES = 8


class FileHashes:
    """Content hashes of files, each file read once per call; records whether any holds a time macro."""

    def __init__(self) -> None:
        self._known: dict[str, str | None] = {}
        self.time_macros = False

    def __call__(self, path: str) -> str | None:
        """The file's hash, or None if it cannot be read."""
        if path not in self._known:
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                self._known[path] = None
                return None
            self._known[path] = sha256(data).hexdigest()
            self.time_macros |= any(m in data for m in _TIME_MACROS)
        return self._known[path]


def read_header_list(path: str) -> list[str]:
    """The files clang's frontend opened (``-header-include-file``: one path a line), each once, in order."""
    try:
        with open(path, errors="surrogateescape") as f:
            return list(dict.fromkeys(line for line in f.read().splitlines() if line))
    except OSError:
        return []


class Manifest:
    """The entries recorded under one direct key: newest first, at most :data:`MAX_ENTRIES`."""

    def __init__(self, entries: list[dict] | None = None):
        self.entries = entries or []

    @classmethod
    def parse(cls, data: bytes | None) -> Manifest:
        if not data:
            return cls()
        try:
            entries = marshal.loads(data)
            return cls([e for e in entries if isinstance(e, dict) and {"files", "result"} <= e.keys()])
        except (ValueError, EOFError, TypeError):
            return cls()

    def dump(self) -> bytes:
        return marshal.dumps(self.entries)

    def match(self, hashes: FileHashes) -> dict | None:
        """The newest entry whose every recorded file still has its recorded content."""
        for entry in self.entries:
            if all(hashes(path) == h for path, h in entry["files"]):
                return entry
        return None

    def add(self, entry: dict) -> None:
        files = entry["files"]
        self.entries = [entry, *(e for e in self.entries if e["files"] != files)][:MAX_ENTRIES]


def record_files(source: str, headers: list[str], hashes: FileHashes, started_ns: int) -> list[list] | None:
    """``[[path, hash], ...]`` for the source and its headers, or None when direct mode must not remember
    this compile: a file is unreadable, holds a time macro, or changed after ``started_ns``."""
    files = []
    for path in [source, *headers]:
        h = hashes(path)
        if h is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        if max(st.st_mtime_ns, st.st_ctime_ns) >= started_ns - CLOCK_SLACK_NS:
            return None
        files.append([path, h])
    return None if hashes.time_macros else files
