"""``python -m rlopt.cc PROGRAM [ARGS...]``: the Python wrapper as the native launcher runs it, by hand (see
:func:`rlopt.cc.main.launched`)."""

from rlopt.cc.main import launched

launched()
