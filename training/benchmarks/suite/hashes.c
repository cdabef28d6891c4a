/* hashes: Adler-32, FNV-1a and a Murmur3-style 32-bit hash over many generated keys of varying length,
 * with a bucket histogram as a quality check. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t adler32(const uint8_t *p, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) { a = (a + p[i]) % 65521u; b = (b + a) % 65521u; }
    return (b << 16) | a;
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) { h ^= p[i]; h *= 16777619u; }
    return h;
}

static uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

static uint32_t murmur_like(const uint8_t *p, size_t n, uint32_t seed) {
    uint32_t h = seed;
    size_t blocks = n / 4;
    for (size_t i = 0; i < blocks; i++) {
        uint32_t k;
        memcpy(&k, p + 4 * i, 4);
        k *= 0xcc9e2d51u; k = rotl(k, 15); k *= 0x1b873593u;
        h ^= k; h = rotl(h, 13); h = h * 5u + 0xe6546b64u;
    }
    uint32_t k = 0;
    const uint8_t *tail = p + 4 * blocks;
    switch (n & 3u) {
    case 3: k ^= (uint32_t)tail[2] << 16; /* fall through */
    case 2: k ^= (uint32_t)tail[1] << 8;  /* fall through */
    case 1: k ^= tail[0]; k *= 0xcc9e2d51u; k = rotl(k, 15); k *= 0x1b873593u; h ^= k;
    default: break;
    }
    h ^= (uint32_t)n;
    h ^= h >> 16; h *= 0x85ebca6bu; h ^= h >> 13; h *= 0xc2b2ae35u; h ^= h >> 16;
    return h;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 360000;
    if (n < 1) { fprintf(stderr, "hashes: size must be positive\n"); return 1; }
    enum { MAXLEN = 64, BUCKETS = 1024 };
    static uint32_t hist[3][BUCKETS];
    uint8_t key[MAXLEN];
    uint32_t s = 99u, acc = 0;
    for (long i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        size_t len = 1 + (s >> 10) % MAXLEN;
        for (size_t k = 0; k < len; k++) { s = s * 1664525u + 1013904223u; key[k] = (uint8_t)(s >> 24); }
        uint32_t a = adler32(key, len), f = fnv1a(key, len), m = murmur_like(key, len, (uint32_t)i);
        hist[0][a % BUCKETS]++; hist[1][f % BUCKETS]++; hist[2][m % BUCKETS]++;
        acc = rotl(acc, 5) ^ a ^ (f * 3u) ^ (m * 7u);
    }
    /* chi-square-like spread of each hash over the buckets (integer arithmetic) */
    uint64_t spread[3] = {0, 0, 0};
    for (int h = 0; h < 3; h++)
        for (int b = 0; b < BUCKETS; b++) {
            int64_t d = (int64_t)hist[h][b] * BUCKETS - n;
            spread[h] += (uint64_t)(d * d / n / BUCKETS);
        }
    printf("hashes n=%ld acc=%08x spread=%llu/%llu/%llu\n", n, acc, (unsigned long long)spread[0],
           (unsigned long long)spread[1], (unsigned long long)spread[2]);
    return 0;
}
