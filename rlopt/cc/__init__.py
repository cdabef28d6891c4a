"""``rlopt-cc`` / ``rlopt-c++``: drop-in CC/CXX wrappers that optimise each translation unit through rlopt,
with ccache's manners (direct mode, a bounded cache, its own options). See ``docs/cc.md``.

- :mod:`rlopt.cc.options`: the flag table and the classifier (what to do with a command line).
- :mod:`rlopt.cc.stats`: the closed set of decisions and statistics, the log line, ``--show-stats``.
- :mod:`rlopt.cc.config`: settings from the environment, ``rlopt.conf`` and defaults.
- :mod:`rlopt.cc.store`: the bounded LRU cache shared by concurrent jobs.
- :mod:`rlopt.cc.direct`: direct mode (manifests of headers).
- :mod:`rlopt.cc.build`: frontend -> pipeline -> backend for one call, with fallback to plain clang.
- :mod:`rlopt.cc.server`: the background process that keeps models loaded during a build.
- :mod:`rlopt.cc.main`: the commands and the administration options.
- :mod:`rlopt.cc.native`: records that let the native launcher (``launcher.c``, built by :mod:`rlopt.cc.launcher`)
  answer repeated calls without starting Python.
"""

from rlopt.cc.build import OPT_TIMEOUT, Fallback
from rlopt.cc.main import NESTED_ENV, main, main_cc, main_cxx, real_compiler
from rlopt.cc.options import (
    OPTIONS,
    Invocation,
    Option,
    Source,
    classify,
    default_output,
    dependency_args,
    expand_response_files,
)
from rlopt.cc.stats import Decision, Statistic, format_stats

__all__ = ["OPTIONS", "OPT_TIMEOUT", "NESTED_ENV", "Decision", "Fallback", "Invocation", "Option", "Source",
           "Statistic", "classify", "default_output", "dependency_args", "expand_response_files", "format_stats",
           "main", "main_cc", "main_cxx", "real_compiler"]
