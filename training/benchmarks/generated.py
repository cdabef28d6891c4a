"""A large, valid C program (and its clang -O3 pre-optimisation IR) of a chosen size: memory and latency checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

from rlopt import toolchain


def c_source(functions: int) -> str:
    """A program of ``functions`` small kernels (loops, arrays, branches, calls) plus a main that uses them all."""
    parts = ["#include <stdio.h>", "static unsigned st = 1;",
             "static unsigned rnd(void) { st = st * 1103515245u + 12345u; return st >> 8; }"]
    for i in range(functions):
        parts.append(f"""
static int kernel{i}(int *a, int n) {{
  int acc = {i};
  for (int j = 0; j < n; j++) {{
    int x = a[j] * {i % 7 + 1} + (int)(rnd() & 15);
    if (x % 3 == {i % 3}) acc += x ^ (acc >> 2); else acc -= x / {i % 5 + 1};
    switch ((x + j) & 3) {{ case 0: acc += 3; break; case 1: acc ^= j; break; default: acc += a[(j + 1) % n]; }}
    a[j] = acc & 1023;
  }}
  return acc;
}}""")
    calls = "\n".join(f"  sum += kernel{i}(a, 64);" for i in range(functions))
    parts.append(f"""
int main(void) {{
  int a[64]; long sum = 0;
  for (int j = 0; j < 64; j++) a[j] = (int)(rnd() & 255);
{calls}
  printf("%ld\\n", sum);
  return 0;
}}""")
    return "\n".join(parts)


def write_module(directory: Path, functions: int = 160) -> Path:
    """Write ``big.c`` and its ``clang -O3 -Xclang -disable-llvm-passes`` IR; return the ``.ll`` path."""
    src, ll = directory / "big.c", directory / "big.ll"
    src.write_text(c_source(functions))
    clang = toolchain.find().path("clang")
    subprocess.run([str(clang), "-O3", "-Xclang", "-disable-llvm-passes", "-S", "-emit-llvm", str(src), "-o",
                    str(ll)], check=True)
    return ll
