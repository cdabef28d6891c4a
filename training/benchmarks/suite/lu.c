/* lu: LU decomposition with partial pivoting of a generated diagonally dominant matrix, then forward and
 * back substitution for several right-hand sides, checking the residual. rlopt-suite-v0, written for rlopt. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int lu_decompose(double *a, int *perm, size_t n) {
    for (size_t i = 0; i < n; i++) perm[i] = (int)i;
    for (size_t k = 0; k < n; k++) {
        size_t p = k;
        double best = fabs(a[k * n + k]);
        for (size_t i = k + 1; i < n; i++)
            if (fabs(a[i * n + k]) > best) { best = fabs(a[i * n + k]); p = i; }
        if (best == 0.0) return -1;
        if (p != k) {
            for (size_t j = 0; j < n; j++) { double t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t; }
            int t = perm[k]; perm[k] = perm[p]; perm[p] = t;
        }
        for (size_t i = k + 1; i < n; i++) {
            double f = a[i * n + k] / a[k * n + k];
            a[i * n + k] = f;
            for (size_t j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
        }
    }
    return 0;
}

static void lu_solve(const double *lu, const int *perm, const double *b, double *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double s = b[perm[i]];
        for (size_t j = 0; j < i; j++) s -= lu[i * n + j] * x[j];
        x[i] = s;
    }
    for (size_t i = n; i-- > 0;) {
        double s = x[i];
        for (size_t j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
        x[i] = s / lu[i * n + i];
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 560;
    if (n < 2 || n > 3000) { fprintf(stderr, "lu: size must be in 2..3000\n"); return 1; }
    size_t sz = (size_t)n;
    double *a = malloc(sz * sz * sizeof *a), *lu = malloc(sz * sz * sizeof *lu);
    double *b = malloc(sz * sizeof *b), *x = malloc(sz * sizeof *x);
    int *perm = malloc(sz * sizeof *perm);
    if (!a || !lu || !b || !x || !perm) return 1;
    uint32_t s = 3u;
    for (size_t i = 0; i < sz; i++) {
        double rowsum = 0;
        for (size_t j = 0; j < sz; j++) {
            s = s * 1664525u + 1013904223u;
            a[i * sz + j] = (double)(s >> 8) / 16777216.0 - 0.5;
            rowsum += fabs(a[i * sz + j]);
        }
        a[i * sz + (i * 5) % sz] += rowsum; /* dominant entry off the diagonal forces pivoting */
    }
    for (size_t i = 0; i < sz * sz; i++) lu[i] = a[i];
    if (lu_decompose(lu, perm, sz)) { printf("lu singular\n"); return 1; }
    double worst = 0, xsum = 0;
    for (int rhs = 0; rhs < 4; rhs++) {
        for (size_t i = 0; i < sz; i++) b[i] = (double)((i * 13 + (size_t)rhs * 7) % 17) - 8.0;
        lu_solve(lu, perm, b, x, sz);
        for (size_t i = 0; i < sz; i++) {
            double r = -b[i];
            for (size_t j = 0; j < sz; j++) r += a[i * sz + j] * x[j];
            if (fabs(r) > worst) worst = fabs(r);
            xsum += x[i];
        }
    }
    int ok = worst < 1e-9;
    printf("lu n=%ld xsum=%.9f ok=%d\n", n, xsum, ok);
    free(a); free(lu); free(b); free(x); free(perm);
    return !ok;
}
