"""A generated C project for build benchmarks: N translation units of ordinary code (loops over arrays, sorting,
hashing, string formatting, small matrices, linked lists) with a shared header, the C library's headers, a
Makefile with ``-MMD -MP`` dependency tracking, and a ``prog`` whose output is a deterministic checksum.

    python benchmarks/cc_project.py DIR [--units 60]

Used by ``benchmarks/cc_overhead.py``; the code is deterministic in N, so runs compare like with like.
"""

from __future__ import annotations

import argparse
from pathlib import Path

_KERNELS = [
    """static double poly{k}(const double *x, int n) {{
    double s = 0;
    for (int i = 0; i < n; i++) {{
        double v = x[i], p = {c1}.0;
        for (int d = 0; d < {deg}; d++) p = p * v + (double)(d + {k}) / {c2}.0;
        s += p / (1.0 + fabs(p));
    }}
    return s;
}}""",
    """static int isort{k}(int *a, int n) {{
    for (int i = 1; i < n; i++) {{
        int v = a[i], j = i - 1;
        while (j >= 0 && a[j] > v) {{ a[j + 1] = a[j]; j--; }}
        a[j + 1] = v;
    }}
    int lo = 0, hi = n - 1, key = a[n / {c1}], steps = 0;
    while (lo <= hi) {{ int mid = (lo + hi) / 2; steps++; if (a[mid] < key) lo = mid + 1; else hi = mid - 1; }}
    return steps + a[0] - a[n - 1];
}}""",
    """static unsigned strhash{k}(int n) {{
    char buf[64];
    unsigned h = 2166136261u;
    for (int i = 0; i < n; i++) {{
        int len = snprintf(buf, sizeof buf, "item-%d-%d-{k}", i * {c1}, i ^ {c2});
        for (int j = 0; j < len; j++) h = (h ^ (unsigned char)buf[j]) * 16777619u;
        if (strstr(buf, "7-") != NULL) h += (unsigned)strlen(buf);
    }}
    return h;
}}""",
    """static double matmul{k}(int n) {{
    enum {{ M = {dim} }};
    static double a[M][M], b[M][M], c[M][M];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {{ a[i][j] = (i * {c1} + j) % 17 / 7.0; b[i][j] = (j * {c2} - i) % 13 / 5.0; }}
    double t = 0;
    for (int r = 0; r < n; r++) {{
        for (int i = 0; i < M; i++)
            for (int j = 0; j < M; j++) {{
                double s = 0;
                for (int l = 0; l < M; l++) s += a[i][l] * b[l][j];
                c[i][j] = s;
            }}
        t += c[r % M][(r * 3) % M];
        a[r % M][r % M] += 0.001;
    }}
    return t;
}}""",
    """static int sieve{k}(int n) {{
    char *composite = calloc((size_t)n + 1, 1);
    int count = 0;
    if (!composite) return -1;
    for (int i = 2; i <= n; i++) {{
        if (composite[i]) continue;
        count++;
        for (long j = (long)i * i; j <= n; j += i) composite[j] = 1;
    }}
    free(composite);
    return count * {c1} % 100003;
}}""",
    """static unsigned histo{k}(const int *a, int n) {{
    unsigned bins[{bins}] = {{0}};
    for (int i = 0; i < n; i++) {{
        switch (a[i] & 7) {{
        case 0: bins[(a[i] >> 3) % {bins}] += 3; break;
        case 1: case 2: bins[(a[i] >> 4) % {bins}] += 1; break;
        case 5: bins[{c1} % {bins}] ^= (unsigned)a[i]; break;
        default: bins[i % {bins}] += (unsigned)(a[i] % {c2});
        }}
    }}
    unsigned h = 0;
    for (int i = 0; i < {bins}; i++) h = h * 31 + bins[i];
    return h;
}}""",
    """typedef struct {{ int key; double weight; char tag[12]; }} rec{k};
static int reccmp{k}(const void *x, const void *y) {{
    const rec{k} *a = x, *b = y;
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    return strcmp(a->tag, b->tag);
}}
static double records{k}(int n) {{
    rec{k} *r = malloc((size_t)n * sizeof *r);
    if (!r) return -1;
    for (int i = 0; i < n; i++) {{
        r[i].key = (i * {c1}) % {c2};
        r[i].weight = i / {c2}.0;
        snprintf(r[i].tag, sizeof r[i].tag, "t%d", (i * 7) % 97);
    }}
    qsort(r, (size_t)n, sizeof *r, reccmp{k});
    double s = 0;
    for (int i = 0; i < n; i += 3) s += r[i].weight * (r[i].key + 1);
    free(r);
    return s;
}}""",
    """static unsigned crc{k}(const unsigned char *p, int n) {{
    static unsigned table[256];
    if (!table[1])
        for (unsigned i = 0; i < 256; i++) {{
            unsigned c = i;
            for (int j = 0; j < 8; j++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }}
    unsigned c = 0xFFFFFFFFu ^ {k}u;
    for (int i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}}""",
    """static double newton{k}(int n) {{
    double s = 0;
    for (int i = 1; i <= n; i++) {{
        double x = i * {c1}.0, r = x;
        for (int it = 0; it < {iters}; it++) r = 0.5 * (r + x / r);
        s += r - sqrt(x);
        s += sin(r / {c2}.0) * cos(x / (i + {c1}.0));
    }}
    return s;
}}""",
    """struct node{k} {{ int value; struct node{k} *next; }};
static long list{k}(int n) {{
    struct node{k} *head = NULL;
    for (int i = 0; i < n; i++) {{
        struct node{k} *p = malloc(sizeof *p);
        if (!p) break;
        p->value = (i * {c1}) ^ {c2};
        p->next = head;
        head = p;
    }}
    struct node{k} *prev = NULL;
    while (head) {{ struct node{k} *next = head->next; head->next = prev; prev = head; head = next; }}
    long s = 0;
    int pos = 0;
    while (prev) {{ struct node{k} *next = prev->next; s += (long)prev->value * (pos++ % 7); free(prev); prev = next; }}
    return s;
}}""",
]
_CALLS = ["dsum += poly{k}(x, n);", "isum += (unsigned)isort{k}(ia, n < 400 ? n : 400);",
          "isum += strhash{k}(n / 8);", "dsum += matmul{k}(n / 64 + 1);", "isum += (unsigned)sieve{k}(n * 4);",
          "isum += histo{k}(ia, n);", "dsum += records{k}(n / 4 + 1);",
          "isum += crc{k}((const unsigned char *)ia, n * (int)sizeof *ia);", "dsum += newton{k}(n / 16 + 1);",
          "isum += (unsigned)list{k}(n / 4 + 1);"]


def unit(i: int, kernels: int = 5) -> str:
    """Translation unit ``i``: ``kernels`` of the templates above with constants of its own, and its entry."""
    chosen = [(i + 3 * j) % len(_KERNELS) for j in range(kernels)]
    chosen = list(dict.fromkeys(chosen))
    parts = ['#include "common.h"', "#include <math.h>", "#include <stdio.h>", "#include <stdlib.h>",
             "#include <string.h>", ""]
    for j, t in enumerate(chosen):
        k = i * 16 + j
        parts.append(_KERNELS[t].format(k=k, c1=3 + (i * 7 + j) % 11, c2=5 + (i * 5 + j) % 13, deg=4 + i % 5,
                                        dim=8 + (i + j) % 9, bins=16 + (i % 4) * 8, iters=6 + j % 4))
        parts.append("")
    body = "\n    ".join(_CALLS[t].format(k=i * 16 + j) for j, t in enumerate(chosen))
    parts.append(f"""unsigned unit{i}_run(int n) {{
    double *x = malloc((size_t)n * sizeof *x);
    int *ia = malloc((size_t)n * sizeof *ia);
    if (!x || !ia) return 0;
    unsigned seed = {i + 1}u;
    for (int j = 0; j < n; j++) {{ seed = seed * 1103515245u + 12345u; ia[j] = (int)(seed >> 8) % 100000;
                                   x[j] = (ia[j] % 1000) / 250.0 - 2.0; }}
    double dsum = 0;
    unsigned isum = 0;
    {body}
    free(x);
    free(ia);
    return isum ^ checksum_double(dsum);
}}
""")
    return "\n".join(parts)


def generate(directory: Path, units: int = 60) -> Path:
    """Write the project into ``directory`` (created); returns it."""
    src = directory / "src"
    src.mkdir(parents=True, exist_ok=True)
    decls = "\n".join(f"unsigned unit{i}_run(int n);" for i in range(units))
    (src / "common.h").write_text(f"""#ifndef COMMON_H
#define COMMON_H
#include <stdint.h>
#include <string.h>
static inline unsigned checksum_double(double d) {{
    uint64_t bits;
    d = (double)(long long)(d * 1000.0); /* rounded, so tiny differences in the last bit do not matter */
    memcpy(&bits, &d, sizeof bits);
    return (unsigned)(bits ^ (bits >> 32));
}}
{decls}
#endif
""")
    for i in range(units):
        (src / f"unit{i}.c").write_text(unit(i))
    calls = "\n    ".join(f"h = h * 31u + unit{i}_run(n);" for i in range(units))
    (src / "main.c").write_text(f"""#include <stdio.h>
#include <stdlib.h>
#include "common.h"

int main(int argc, char **argv) {{
    int n = argc > 1 ? atoi(argv[1]) : 2000;
    int rounds = argc > 2 ? atoi(argv[2]) : 1;
    unsigned h = 0;
    for (int r = 0; r < rounds; r++) {{
    {calls}
    }}
    printf("%u\\n", h);
    return 0;
}}
""")
    (directory / "Makefile").write_text("""CC ?= cc
CFLAGS ?= -O2
BUILD ?= build
SRCS = $(sort $(wildcard src/*.c))
OBJS = $(SRCS:%.c=$(BUILD)/%.o)

$(BUILD)/prog: $(OBJS)
\t$(CC) $(CFLAGS) -o $@ $^ -lm

$(BUILD)/%.o: %.c
\t@mkdir -p $(dir $@)
\t$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

clean:
\trm -rf $(BUILD)

.PHONY: clean
-include $(OBJS:.o=.d)
""")
    return directory


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--units", type=int, default=60)
    args = ap.parse_args()
    generate(args.directory, args.units)
    print(f"wrote {args.units} translation units to {args.directory}")


if __name__ == "__main__":
    main()
