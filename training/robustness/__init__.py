"""Correctness and robustness harness shared by the tests and ``benchmarks/difftest.py``/``fuzz_cli.py``.

``programs`` builds and runs C programs and IR, ``difftest`` compares optimized builds with -O0,
``reduce`` minimises a mismatch, ``fuzz`` feeds malformed input to the CLI and checks its contract.
"""
