/* sobel: a 2-D image pipeline on a generated grayscale image: 5x5 Gaussian blur (integer), Sobel
 * gradient magnitude, thresholding and a histogram. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint8_t clamp_px(const uint8_t *img, int w, int h, int x, int y) {
    x = x < 0 ? 0 : x >= w ? w - 1 : x;
    y = y < 0 ? 0 : y >= h ? h - 1 : y;
    return img[y * w + x];
}

static void blur5(const uint8_t *in, uint8_t *out, int w, int h) {
    static const int k[5] = {1, 4, 6, 4, 1};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int acc = 0;
            for (int dy = -2; dy <= 2; dy++)
                for (int dx = -2; dx <= 2; dx++) acc += k[dy + 2] * k[dx + 2] * clamp_px(in, w, h, x + dx, y + dy);
            out[y * w + x] = (uint8_t)((acc + 128) / 256);
        }
}

static void sobel(const uint8_t *in, uint16_t *mag, int w, int h) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int gx = 0, gy = 0;
            if (x > 0 && y > 0 && x < w - 1 && y < h - 1) {
                const uint8_t *p = in + y * w + x;
                gx = -p[-w - 1] - 2 * p[-1] - p[w - 1] + p[-w + 1] + 2 * p[1] + p[w + 1];
                gy = -p[-w - 1] - 2 * p[-w] - p[-w + 1] + p[w - 1] + 2 * p[w] + p[w + 1];
            }
            mag[y * w + x] = (uint16_t)((gx < 0 ? -gx : gx) + (gy < 0 ? -gy : gy));
        }
}

int main(int argc, char **argv) {
    long side = argc > 1 ? strtol(argv[1], NULL, 10) : 940;
    if (side < 8 || side > 8192) { fprintf(stderr, "sobel: size must be in 8..8192\n"); return 1; }
    int w = (int)side, h = (int)side * 3 / 4;
    uint8_t *img = malloc((size_t)w * h), *tmp = malloc((size_t)w * h);
    uint16_t *mag = malloc((size_t)w * h * sizeof *mag);
    if (!img || !tmp || !mag) return 1;
    uint32_t s = 99u;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            s = s * 1664525u + 1013904223u;
            int v = ((x / 16 + y / 16) % 2) * 120 + (x * 60) / w + (int)(s >> 28); /* checkerboard + ramp + noise */
            if ((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < h * h / 9) v = 230 - v / 4;
            img[y * w + x] = (uint8_t)v;
        }
    blur5(img, tmp, w, h);
    sobel(tmp, mag, w, h);
    uint32_t hist[16] = {0}, edges = 0, chk = 0;
    for (int i = 0; i < w * h; i++) {
        hist[mag[i] >> 7 < 15 ? mag[i] >> 7 : 15]++;
        edges += mag[i] > 200;
        chk = chk * 31u + mag[i] + tmp[i];
    }
    printf("sobel %dx%d edges=%u hist0=%u hist1=%u checksum=%08x\n", w, h, edges, hist[0], hist[1], chk);
    free(img); free(tmp); free(mag);
    return 0;
}
