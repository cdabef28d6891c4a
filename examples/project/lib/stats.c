#include "rl.h"

double rl_mean(const double *x, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += x[i];
    return n ? s / (double)n : 0.0;
}

static void sort_doubles(double *x, size_t n) {
    for (size_t gap = n / 2; gap > 0; gap /= 2) /* shell sort: small and allocation-free */
        for (size_t i = gap; i < n; i++) {
            double v = x[i];
            size_t j = i;
            for (; j >= gap && x[j - gap] > v; j -= gap) x[j] = x[j - gap];
            x[j] = v;
        }
}

double rl_median(double *x, size_t n) {
    if (n == 0) return 0.0;
    sort_doubles(x, n);
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2.0;
}
