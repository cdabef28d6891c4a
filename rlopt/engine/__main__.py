"""Entry point of the engine worker process: ``python -m rlopt.engine LIBLLVM [OPTION...]`` (started by Engine)."""

import sys

from rlopt.engine.worker import serve

if __name__ == "__main__":
    serve(sys.argv[1], tuple(sys.argv[2:]))
