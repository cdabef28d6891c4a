/* matmul: dense matrix multiply in three loop orders (ijk, ikj, blocked) over doubles whose values are
 * multiples of 1/16, so all three give bit-identical results. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void mul_ijk(const double *a, const double *b, double *c, size_t n) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
}

static void mul_ikj(const double *a, const double *b, double *c, size_t n) {
    memset(c, 0, n * n * sizeof *c);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++) {
            double aik = a[i * n + k];
            for (size_t j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
        }
}

static void mul_blocked(const double *a, const double *b, double *c, size_t n) {
    enum { BS = 16 };
    memset(c, 0, n * n * sizeof *c);
    for (size_t ii = 0; ii < n; ii += BS)
        for (size_t kk = 0; kk < n; kk += BS)
            for (size_t jj = 0; jj < n; jj += BS)
                for (size_t i = ii; i < ii + BS && i < n; i++)
                    for (size_t k = kk; k < kk + BS && k < n; k++) {
                        double aik = a[i * n + k];
                        for (size_t j = jj; j < jj + BS && j < n; j++) c[i * n + j] += aik * b[k * n + j];
                    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 260;
    if (n < 1 || n > 2000) { fprintf(stderr, "matmul: size must be in 1..2000\n"); return 1; }
    size_t sz = (size_t)n;
    double *a = malloc(sz * sz * sizeof *a), *b = malloc(sz * sz * sizeof *b);
    double *c1 = malloc(sz * sz * sizeof *c1), *c2 = malloc(sz * sz * sizeof *c2), *c3 = malloc(sz * sz * sizeof *c3);
    if (!a || !b || !c1 || !c2 || !c3) return 1;
    uint32_t s = 11u;
    for (size_t i = 0; i < sz * sz; i++) {
        s = s * 1664525u + 1013904223u; a[i] = (double)((int)(s >> 24) - 128) / 16.0;
        s = s * 1664525u + 1013904223u; b[i] = (double)((int)(s >> 24) - 128) / 16.0;
    }
    mul_ijk(a, b, c1, sz);
    mul_ikj(a, b, c2, sz);
    mul_blocked(a, b, c3, sz);
    long diff = 0;
    double trace = 0, total = 0;
    for (size_t i = 0; i < sz * sz; i++) { diff += c1[i] != c2[i] || c1[i] != c3[i]; total += c1[i]; }
    for (size_t i = 0; i < sz; i++) trace += c1[i * sz + i];
    printf("matmul n=%ld trace=%.4f total=%.4f diff=%ld\n", n, trace, total, diff);
    free(a); free(b); free(c1); free(c2); free(c3);
    return diff != 0;
}
