/* floyd: all-pairs shortest paths with Floyd-Warshall on a generated dense digraph, with path
 * reconstruction through a next-hop matrix. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { INF = 1 << 29 };

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 380;
    if (n < 2 || n > 4000) { fprintf(stderr, "floyd: size must be in 2..4000\n"); return 1; }
    size_t nn = (size_t)n;
    int32_t *d = malloc(nn * nn * sizeof *d), *next = malloc(nn * nn * sizeof *next);
    if (!d || !next) return 1;
    uint32_t s = 5u;
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < nn; j++) {
            s = s * 1664525u + 1013904223u;
            int edge = (s >> 24) < 40 || j == (i + 1) % nn;
            d[i * nn + j] = i == j ? 0 : edge ? (int32_t)(1 + (s >> 8) % 500) : INF;
            next[i * nn + j] = edge || i == j ? (int32_t)j : -1;
        }
    for (size_t k = 0; k < nn; k++)
        for (size_t i = 0; i < nn; i++) {
            int32_t dik = d[i * nn + k];
            if (dik >= INF) continue;
            for (size_t j = 0; j < nn; j++) {
                int32_t alt = dik + d[k * nn + j];
                if (alt < d[i * nn + j]) { d[i * nn + j] = alt; next[i * nn + j] = next[i * nn + k]; }
            }
        }
    /* walk a few reconstructed paths and check their length against d */
    long bad = 0, hops = 0;
    uint64_t sum = 0;
    for (size_t i = 0; i < nn; i++)
        for (size_t j = 0; j < nn; j++) sum += (uint64_t)d[i * nn + j];
    for (size_t q = 0; q < nn; q++) {
        size_t u = q, v = (q * 7 + 3) % nn;
        int64_t len = 0;
        while (u != v) { size_t w2 = (size_t)next[u * nn + v]; len += d[u * nn + w2]; u = w2; hops++; }
        bad += len != d[q * nn + (q * 7 + 3) % nn];
    }
    printf("floyd n=%ld sum=%llu hops=%ld bad=%ld\n", n, (unsigned long long)sum, hops, bad);
    free(d); free(next);
    return bad != 0;
}
