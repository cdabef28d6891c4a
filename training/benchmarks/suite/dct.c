/* dct: JPEG-like transform coding of a generated image: level shift, separable 8x8 forward DCT,
 * quantization with the standard luminance table, dequantization, inverse DCT, and error statistics.
 * rlopt-suite-v0, written for rlopt. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const int QTABLE[64] = {16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
                               14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
                               18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
                               49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
static double C[8][8]; /* C[u][x] = alpha(u) * cos((2x+1) u pi / 16) */

static void init_cos(void) {
    for (int u = 0; u < 8; u++)
        for (int x = 0; x < 8; x++)
            C[u][x] = (u ? sqrt(2.0 / 8) : sqrt(1.0 / 8)) * cos((2 * x + 1) * u * 3.14159265358979323846 / 16);
}

static void fdct(const double in[64], double out[64]) {
    double tmp[64];
    for (int y = 0; y < 8; y++)
        for (int u = 0; u < 8; u++) {
            double s = 0;
            for (int x = 0; x < 8; x++) s += C[u][x] * in[y * 8 + x];
            tmp[y * 8 + u] = s;
        }
    for (int u = 0; u < 8; u++)
        for (int v = 0; v < 8; v++) {
            double s = 0;
            for (int y = 0; y < 8; y++) s += C[v][y] * tmp[y * 8 + u];
            out[v * 8 + u] = s;
        }
}

static void idct(const double in[64], double out[64]) {
    double tmp[64];
    for (int v = 0; v < 8; v++)
        for (int x = 0; x < 8; x++) {
            double s = 0;
            for (int u = 0; u < 8; u++) s += C[u][x] * in[v * 8 + u];
            tmp[v * 8 + x] = s;
        }
    for (int x = 0; x < 8; x++)
        for (int y = 0; y < 8; y++) {
            double s = 0;
            for (int v = 0; v < 8; v++) s += C[v][y] * tmp[v * 8 + x];
            out[y * 8 + x] = s;
        }
}

int main(int argc, char **argv) {
    long side = argc > 1 ? strtol(argv[1], NULL, 10) : 1024;
    if (side < 8 || side > 8192) { fprintf(stderr, "dct: size must be in 8..8192\n"); return 1; }
    int w = (int)side / 8 * 8, h = w;
    uint8_t *img = malloc((size_t)w * h);
    if (!img) return 1;
    uint32_t s = 8u;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            s = s * 1664525u + 1013904223u;
            int v = 128 + (int)(60 * sin(x * 0.05) * cos(y * 0.03)) + (int)(s >> 29) + ((x ^ y) & 32);
            img[y * w + x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    init_cos();
    long zeros = 0, sq_err = 0;
    uint32_t chk = 0;
    double in[64], coef[64], rec[64];
    for (int by = 0; by < h; by += 8)
        for (int bx = 0; bx < w; bx += 8) {
            for (int i = 0; i < 64; i++) in[i] = img[(by + i / 8) * w + bx + i % 8] - 128.0;
            fdct(in, coef);
            for (int i = 0; i < 64; i++) {
                int q = (int)lround(coef[i] / QTABLE[i]);
                zeros += q == 0;
                chk = chk * 33u + (uint32_t)(q + 1024);
                coef[i] = (double)(q * QTABLE[i]);
            }
            idct(coef, rec);
            for (int i = 0; i < 64; i++) {
                long p = lround(rec[i] + 128.0);
                p = p < 0 ? 0 : p > 255 ? 255 : p;
                long d = p - img[(by + i / 8) * w + bx + i % 8];
                sq_err += d * d;
            }
        }
    printf("dct %dx%d zeros=%ld sqerr=%ld checksum=%08x\n", w, h, zeros, sq_err, chk);
    free(img);
    return 0;
}
