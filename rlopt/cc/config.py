"""Settings of ``rlopt-cc``, read as ccache reads its own: environment variables first, then ``rlopt.conf`` in
the cache directory, then the defaults. ``rlopt-cc -p`` shows every value and where it came from.

The file has ``key = value`` lines (``#`` starts a comment); ``rlopt-cc -M SIZE`` rewrites its ``max_size``
line. A bad line never breaks a build: it is reported once per call and the default is used.
"""

from __future__ import annotations

import os

from rlopt.cc import stats

#: key -> (environment variable, default, meaning). RLOPT_CACHE_DIR itself says where the file is.
SETTINGS: dict[str, tuple[str, str, str]] = {
    "max_size": ("RLOPT_CC_MAX_SIZE", "5G", "cache size limit (k/M/G/T decimal, Ki/Mi/Gi/Ti binary; 0: none)"),
    "direct_mode": ("RLOPT_CC_DIRECT", "true", "skip the frontend when the source and its headers are unchanged"),
    "disable": ("RLOPT_CC_DISABLE", "false", "run the real compiler at once"),
    "model": ("RLOPT_MODEL", "speed", "policy used at -O2/-O3 (name or .onnx path; none: the level's pipeline)"),
    "size_model": ("RLOPT_SIZE_MODEL", "size", "policy used at -Oz (name or .onnx path; none: -Oz's pipeline)"),
    "cc": ("RLOPT_CC", "", "C compiler (default: LLVM 19's clang)"),
    "cxx": ("RLOPT_CXX", "", "C++ compiler (default: LLVM 19's clang++)"),
    "log_file": ("RLOPT_CC_LOG", "", "append one JSON line per call to this file"),
    "server": ("RLOPT_CC_SERVER", "true", "background processes shared by the build: the model server (models "
               "stay loaded) and the fork server (no Python start-up per call)"),
    "server_idle_timeout": ("RLOPT_CC_SERVER_IDLE", "300", "seconds before an idle server (either) exits"),
    "tuning_db": ("RLOPT_TUNING_DB", "", "tuning database (default: tuning.sqlite in RLOPT_CACHE_DIR)"),
}
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
_UNITS = {"": 1, "k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
          "ki": 2**10, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def parse_size(text: str) -> int:
    """``5G`` -> 5,000,000,000 (ccache's units); raises ValueError with a message fit for users.
    (No regular expression: every call of the wrapper parses this, and ``re`` costs its start-up.)"""
    number = text.strip().removesuffix("B").rstrip()
    unit = next((u for u in sorted(_UNITS, key=len, reverse=True) if u and number.endswith(u)), "")
    number = number[:len(number) - len(unit)].rstrip()
    if not number.replace(".", "", 1).isdigit():
        raise ValueError(f"invalid size '{text}' (examples: 500M, 5G, 2Gi, 0 for no limit)")
    return int(float(number) * _UNITS[unit])


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value not in _TRUE + _FALSE:
        raise ValueError(f"invalid boolean '{text}' (use true or false)")
    return value in _TRUE


class Config:
    """The effective settings and where each came from (``environment``, the file, or ``default``)."""

    def __init__(self, cache_dir: str, environ: dict[str, str] | None = None):
        self.cache_dir = cache_dir
        self.path = os.path.join(cache_dir, "rlopt.conf")
        self.values: dict[str, str] = {}
        self.origins: dict[str, str] = {}
        self.problems: list[str] = []
        environ = os.environ if environ is None else environ
        in_file = self._read_file()
        for key, (env, default, _) in SETTINGS.items():
            if env in environ:
                self.values[key], self.origins[key] = environ[env], "environment"
            elif key in in_file:
                self.values[key], self.origins[key] = in_file[key], self.path
            else:
                self.values[key], self.origins[key] = default, "default"
        # checked now, not when first used: report_problems() runs before most calls read them
        self.flags = {key: self._flag(key) for key, (_, default, _) in SETTINGS.items()
                      if default in ("true", "false")}

    def _read_file(self) -> dict[str, str]:
        try:
            with open(self.path, errors="replace") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return {}
        except OSError as e:
            self.problems.append(f"{self.path}: {e.strerror}")
            return {}
        found = {}
        for n, line in enumerate(lines, 1):
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            key, eq, value = (p.strip() for p in text.partition("="))
            if not eq or key not in SETTINGS:
                self.problems.append(f"{self.path}:{n}: " + (f"unknown setting '{key}'" if eq else
                                                             f"expected 'key = value', got '{text}'"))
                continue
            found[key] = value
        return found

    def flag(self, key: str) -> bool:
        """A boolean setting (a bad value was reported; its default is used)."""
        return self.flags[key]

    def _flag(self, key: str) -> bool:
        try:
            return parse_bool(self.values[key])
        except ValueError as e:
            self.problems.append(f"{key}: {e}")
            return parse_bool(SETTINGS[key][1])

    def number(self, key: str, parse=float) -> float:
        """A numeric setting (``max_size`` through :func:`parse_size`); a bad value falls back to the default."""
        try:
            return parse(self.values[key])
        except ValueError as e:
            self.problems.append(f"{key}: {e}")
            return parse(SETTINGS[key][1])

    @property
    def max_size(self) -> int:
        return int(self.number("max_size", parse_size))

    def report_problems(self) -> None:
        """Warn about bad settings once per call (never an error: a build must not break over them)."""
        for problem in dict.fromkeys(self.problems):
            stats.warn(f"config: {problem}; using the default")
        self.problems.clear()

    def show(self) -> str:
        """``rlopt-cc -p``: every setting, its value and its origin, like ``ccache -p``."""
        width = max(map(len, SETTINGS))
        return "\n".join(f"({self.origins[k]}) {k:<{width}} = {self.values[k]}" for k in SETTINGS)

    def save(self, key: str, value: str) -> None:
        """Set ``key`` in ``rlopt.conf``, keeping the file's other lines and comments (atomic rewrite)."""
        try:
            with open(self.path, errors="replace") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            lines = []
        kept = [line for line in lines if line.split("=", 1)[0].strip() != key]
        os.makedirs(self.cache_dir, exist_ok=True)
        from rlopt.ir import write_file

        write_file(self.path, ("\n".join([*kept, f"{key} = {value}"]) + "\n").encode())
        self.values[key], self.origins[key] = value, self.path
