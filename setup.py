"""The native launcher (rlopt/cc/launcher.c) becomes the ``rlopt-cc`` and ``rlopt-c++`` programs of an install,
built here with LLVM 19's clang (or the system's C compiler); it runs the Python wrapper
(``rlopt.cc.main.launched``) for every call it does not answer itself. Without a C compiler or sqlite3's
headers those two commands are the Python console scripts, as before. Everything else is in pyproject.toml."""

import os
import runpy
from distutils.command.build_scripts import build_scripts

from setuptools import Distribution, setup

HERE = os.path.dirname(os.path.abspath(__file__))
launcher = runpy.run_path(os.path.join(HERE, "rlopt", "cc", "launcher.py"))
scripts, why = launcher["build"](os.path.join(HERE, "build", "launcher"))
if why:
    print(f"rlopt: native launcher not built ({why}); rlopt-cc and rlopt-c++ are the Python scripts")

console = ["rlopt = rlopt.cli:main", "rlopt-train = rlopt.training.cli:main"]
if not scripts:
    console += ["rlopt-cc = rlopt.cc:main_cc", "rlopt-c++ = rlopt.cc:main_cxx"]


class Native(Distribution):
    """With the launcher the wheel holds a compiled program: tag it for this platform."""

    def has_ext_modules(self) -> bool:
        return bool(scripts)


class CopyPrograms(build_scripts):
    """The launcher is a program, not a Python script whose first line names the interpreter: copied as is."""

    def copy_scripts(self) -> tuple[list[str], list[str]]:
        self.mkpath(self.build_dir)
        outfiles = [os.path.join(self.build_dir, os.path.basename(p)) for p in self.scripts]
        for script, out in zip(self.scripts, outfiles, strict=True):
            self.copy_file(script, out)
        return outfiles, outfiles


setup(scripts=[os.path.relpath(p, HERE) for p in scripts], entry_points={"console_scripts": console},
      distclass=Native, cmdclass={"build_scripts": CopyPrograms})
