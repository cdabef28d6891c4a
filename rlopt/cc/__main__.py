"""``python -m rlopt.cc PROGRAM [ARGS...]``: what the native launcher runs for every call it does not answer
itself. ``PROGRAM`` is the name it was called by (``rlopt-cc`` or ``rlopt-c++``: the language and the name in
messages), as a console script would see it in ``sys.argv[0]``."""

import sys

from rlopt.cc.main import main

if len(sys.argv) < 2:
    sys.exit("usage: python -m rlopt.cc rlopt-cc|rlopt-c++ [ARGS...]")
sys.argv = sys.argv[1:]
sys.exit(main(sys.argv[1:], cxx=sys.argv[0].endswith("++")))
