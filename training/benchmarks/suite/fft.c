/* fft: iterative radix-2 complex FFT with precomputed twiddles; forward transform, spectrum checksum,
 * inverse transform and round-trip error, plus a circular convolution via FFT. rlopt-suite-v0, written for rlopt. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const double PI = 3.14159265358979323846;

static void fft(double *re, double *im, size_t n, const double *wr, const double *wi, int inverse) {
    for (size_t i = 1, j = 0; i < n; i++) { /* bit reversal */
        size_t bit = n >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j ^= bit;
        if (i < j) { double t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
    }
    for (size_t len = 2; len <= n; len <<= 1) {
        size_t step = n / len;
        for (size_t i = 0; i < n; i += len)
            for (size_t k = 0; k < len / 2; k++) {
                double c = wr[k * step], s = inverse ? -wi[k * step] : wi[k * step];
                size_t a = i + k, b = i + k + len / 2;
                double tr = re[b] * c - im[b] * s, ti = re[b] * s + im[b] * c;
                re[b] = re[a] - tr; im[b] = im[a] - ti;
                re[a] += tr; im[a] += ti;
            }
    }
    if (inverse)
        for (size_t i = 0; i < n; i++) { re[i] /= (double)n; im[i] /= (double)n; }
}

int main(int argc, char **argv) {
    long logn = argc > 1 ? strtol(argv[1], NULL, 10) : 18;
    if (logn < 2 || logn > 24) { fprintf(stderr, "fft: size (log2 of the length) must be in 2..24\n"); return 1; }
    size_t n = (size_t)1 << logn;
    double *re = malloc(n * sizeof(double)), *im = malloc(n * sizeof(double));
    double *x = malloc(n * sizeof(double)), *wr = malloc(n / 2 * sizeof(double)), *wi = malloc(n / 2 * sizeof(double));
    double *br = malloc(n * sizeof(double)), *bi = malloc(n * sizeof(double));
    if (!re || !im || !x || !wr || !wi || !br || !bi) return 1;
    for (size_t k = 0; k < n / 2; k++) { wr[k] = cos(-2 * PI * (double)k / (double)n); wi[k] = sin(-2 * PI * (double)k / (double)n); }
    uint32_t s = 17u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = sin(2 * PI * 5 * (double)i / (double)n) + 0.5 * cos(2 * PI * 40 * (double)i / (double)n)
               + ((double)(s >> 16) / 65536.0 - 0.5) * 0.1;
        re[i] = x[i]; im[i] = 0;
    }
    fft(re, im, n, wr, wi, 0);
    /* dominant bins and total energy */
    size_t peak = 0;
    double energy = 0, best = -1;
    for (size_t k = 0; k < n / 2; k++) {
        double m = re[k] * re[k] + im[k] * im[k];
        energy += m;
        if (m > best) { best = m; peak = k; }
    }
    /* circular convolution with a smoothing kernel, via FFT */
    for (size_t i = 0; i < n; i++) { br[i] = i < 8 ? 0.125 : 0; bi[i] = 0; }
    fft(br, bi, n, wr, wi, 0);
    for (size_t i = 0; i < n; i++) {
        double r = re[i] * br[i] - im[i] * bi[i], m = re[i] * bi[i] + im[i] * br[i];
        br[i] = r; bi[i] = m;
    }
    fft(br, bi, n, wr, wi, 1);
    fft(re, im, n, wr, wi, 1);
    double err = 0, conv = 0;
    for (size_t i = 0; i < n; i++) { double e = fabs(re[i] - x[i]); if (e > err) err = e; conv += br[i] * (double)(i % 3); }
    int ok = err < 1e-9;
    printf("fft n=%zu peak=%zu energy=%.6e conv=%.6f ok=%d\n", n, peak, energy, conv, ok);
    free(re); free(im); free(x); free(wr); free(wi); free(br); free(bi);
    return !ok;
}
