/* rlbench: sort and hash N pseudo-random numbers and print checksums (deterministic output). */
#include <stdio.h>
#include <stdlib.h>

#include "rl.h"
#include "report.h"

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 100000;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    uint32_t *a = malloc(n * sizeof *a);
    double *d = malloc(n * sizeof *d);
    if (!a || !d) {
        fprintf(stderr, "rlbench: out of memory\n");
        return 1;
    }
    uint64_t state = 88172645463325252ull;
    uint32_t crc = 0;
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n; i++) a[i] = rl_rand(&state);
        rl_sort_u32(a, n);
        if (!rl_is_sorted_u32(a, n)) {
            fprintf(stderr, "rlbench: not sorted\n");
            return 1;
        }
        crc ^= rl_crc32(a, n * sizeof *a);
    }
    for (size_t i = 0; i < n; i++) d[i] = (double)(a[i] % 1000);
    report(n, crc, rl_fnv1a(a, n * sizeof *a), rl_mean(d, n), rl_median(d, n));
    free(a);
    free(d);
    return 0;
}
