/* lz77: an LZ77 compressor with hash chains (4 KiB window) plus a run-length pre-pass, their
 * decompressors, and a round-trip check on generated word-like text. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WINDOW = 4096, MIN_MATCH = 3, MAX_MATCH = 258, HASH_BITS = 12, MAX_CHAIN = 32 };

static uint32_t state = 1u;
static uint32_t rnd(void) { state = state * 1664525u + 1013904223u; return state >> 9; }

static size_t make_text(uint8_t *out, size_t n) {
    static const char *words[] = {"the", "compiler", "pass", "loop", "vector", "inline", "register", "value",
                                  "memory", "branch", "    ", "\n", "aaaaaaaa", "zz", "function", "block"};
    size_t len = 0;
    while (len < n) {
        const char *w = words[rnd() % 16];
        size_t wl = strlen(w);
        for (size_t k = 0; k < wl && len < n; k++) out[len++] = (uint8_t)w[k];
        if (len < n) out[len++] = rnd() % 7 ? ' ' : (uint8_t)('A' + rnd() % 26);
    }
    return len;
}

static unsigned hash3(const uint8_t *p) { return ((p[0] << 8) ^ (p[1] << 4) ^ p[2]) & ((1u << HASH_BITS) - 1); }

/* token stream: literal = 0x00 byte; match = 0x01 len-3 (1 byte) dist (2 bytes) */
static size_t lz_compress(const uint8_t *in, size_t n, uint8_t *out) {
    static int32_t head[1 << HASH_BITS];
    static int32_t prev[WINDOW];
    for (size_t i = 0; i < (1u << HASH_BITS); i++) head[i] = -1;
    size_t i = 0, o = 0;
    while (i < n) {
        size_t best_len = 0, best_dist = 0;
        if (i + MIN_MATCH <= n) {
            unsigned h = hash3(in + i);
            int32_t cand = head[h];
            for (int chain = 0; cand >= 0 && chain < MAX_CHAIN && i - (size_t)cand <= WINDOW - 1; chain++) {
                size_t len = 0, max = n - i < MAX_MATCH ? n - i : MAX_MATCH;
                while (len < max && in[(size_t)cand + len] == in[i + len]) len++;
                if (len > best_len) { best_len = len; best_dist = i - (size_t)cand; }
                int32_t nx = prev[(size_t)cand % WINDOW];
                if (nx >= cand) break;
                cand = nx;
            }
            prev[i % WINDOW] = head[h];
            head[h] = (int32_t)i;
        }
        if (best_len >= MIN_MATCH) {
            out[o++] = 1; out[o++] = (uint8_t)(best_len - MIN_MATCH);
            out[o++] = (uint8_t)(best_dist & 0xff); out[o++] = (uint8_t)(best_dist >> 8);
            for (size_t k = 1; k < best_len; k++) {
                size_t j = i + k;
                if (j + MIN_MATCH <= n) { unsigned h = hash3(in + j); prev[j % WINDOW] = head[h]; head[h] = (int32_t)j; }
            }
            i += best_len;
        } else {
            out[o++] = 0; out[o++] = in[i++];
        }
    }
    return o;
}

static size_t lz_decompress(const uint8_t *in, size_t n, uint8_t *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        if (in[i] == 0) { out[o++] = in[i + 1]; i += 2; continue; }
        size_t len = (size_t)in[i + 1] + MIN_MATCH, dist = in[i + 2] | (size_t)in[i + 3] << 8;
        for (size_t k = 0; k < len; k++, o++) out[o] = out[o - dist];
        i += 4;
    }
    return o;
}

static size_t rle_compress(const uint8_t *in, size_t n, uint8_t *out) {
    size_t i = 0, o = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && run < 255 && in[i + run] == in[i]) run++;
        out[o++] = (uint8_t)run; out[o++] = in[i];
        i += run;
    }
    return o;
}

static size_t rle_decompress(const uint8_t *in, size_t n, uint8_t *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i += 2) { memset(out + o, in[i + 1], in[i]); o += in[i]; }
    return o;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1300000;
    if (n < 1) { fprintf(stderr, "lz77: size must be positive\n"); return 1; }
    size_t sz = (size_t)n;
    uint8_t *text = malloc(sz), *rle = malloc(2 * sz), *lz = malloc(4 * 2 * sz), *back = malloc(sz);
    uint8_t *rle_back = malloc(2 * sz);
    if (!text || !rle || !lz || !back || !rle_back) return 1;
    make_text(text, sz);
    size_t rle_n = rle_compress(text, sz, rle);
    size_t lz_n = lz_compress(rle, rle_n, lz);
    size_t r_n = lz_decompress(lz, lz_n, rle_back);
    size_t t_n = rle_decompress(rle_back, r_n, back);
    int ok = r_n == rle_n && t_n == sz && memcmp(back, text, sz) == 0;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < lz_n; i++) h = (h ^ lz[i]) * 16777619u;
    printf("lz77 n=%ld rle=%zu lz=%zu ok=%d checksum=%08x\n", n, rle_n, lz_n, ok, h);
    free(text); free(rle); free(lz); free(back); free(rle_back);
    return !ok;
}
