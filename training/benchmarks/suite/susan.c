/* susan: SUSAN-style corner detection on a generated image: for each pixel, the area of the circular
 * 37-pixel mask whose brightness is similar to the nucleus (via a lookup table), a geometric threshold,
 * centroid test and 5x5 non-maximum suppression. rlopt-suite-v0, written for rlopt. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int mask_dx[37], mask_dy[37];

static void make_mask(void) {
    int k = 0;
    for (int y = -3; y <= 3; y++)
        for (int x = -3; x <= 3; x++)
            if (x * x + y * y <= 11) { mask_dx[k] = x; mask_dy[k] = y; k++; }
}

int main(int argc, char **argv) {
    long side = argc > 1 ? strtol(argv[1], NULL, 10) : 960;
    if (side < 16 || side > 8192) { fprintf(stderr, "susan: size must be in 16..8192\n"); return 1; }
    int w = (int)side, h = (int)side;
    uint8_t *img = malloc((size_t)w * h);
    int *resp = calloc((size_t)w * h, sizeof *resp);
    if (!img || !resp) return 1;
    uint32_t s = 404u;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            s = s * 1664525u + 1013904223u;
            int v = 40 + (int)(s >> 29);
            if ((x / 24 + y / 24) % 3 == 0) v += 120;           /* blocks give corners */
            if (x > w / 3 && x < 2 * w / 3 && y > x / 2) v += 60; /* a slanted edge */
            img[y * w + x] = (uint8_t)(v > 255 ? 255 : v);
        }
    make_mask();
    uint8_t lut[511]; /* similarity 0..100 for brightness differences -255..255 */
    const double t = 20.0;
    for (int d = -255; d <= 255; d++) lut[d + 255] = (uint8_t)(100.0 * exp(-pow(d / t, 6)) + 0.5);
    const int max_area = 37 * 100, geom = max_area / 2;
    for (int y = 3; y < h - 3; y++)
        for (int x = 3; x < w - 3; x++) {
            int c = img[y * w + x], area = 0, cx = 0, cy = 0;
            for (int k = 0; k < 37; k++) {
                int sim = lut[img[(y + mask_dy[k]) * w + x + mask_dx[k]] - c + 255];
                area += sim; cx += sim * mask_dx[k]; cy += sim * mask_dy[k];
            }
            if (area < geom) {
                /* reject if the USAN centroid is too close to the nucleus (an edge, not a corner) */
                long dist2 = (long)cx * cx + (long)cy * cy;
                if (dist2 * 4 > (long)area * area / 25) resp[y * w + x] = geom - area;
            }
        }
    int corners = 0;
    uint32_t chk = 0;
    for (int y = 5; y < h - 5; y++)
        for (int x = 5; x < w - 5; x++) {
            int r = resp[y * w + x], keep = r > 0;
            for (int dy = -2; dy <= 2 && keep; dy++)
                for (int dx = -2; dx <= 2 && keep; dx++) {
                    int o = resp[(y + dy) * w + x + dx];
                    if (o > r || (o == r && (dy < 0 || (dy == 0 && dx < 0)))) keep = 0;
                }
            if (keep) { corners++; chk = chk * 131u + (uint32_t)(y * w + x); }
        }
    printf("susan %dx%d corners=%d checksum=%08x\n", w, h, corners, chk);
    free(img); free(resp);
    return 0;
}
