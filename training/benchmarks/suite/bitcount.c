/* bitcount: population count by six methods (shift loop, Kernighan, 8-bit table, 16-bit table,
 * SWAR, recursive nibbles) over generated words, cross-checked. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint8_t table8[256];
static uint8_t table16[65536];

static int by_shift(uint32_t x) { int c = 0; for (int i = 0; i < 32; i++) c += (x >> i) & 1u; return c; }
static int by_kernighan(uint32_t x) { int c = 0; while (x) { x &= x - 1; c++; } return c; }
static int by_table8(uint32_t x) { return table8[x & 0xff] + table8[(x >> 8) & 0xff] + table8[(x >> 16) & 0xff] + table8[x >> 24]; }
static int by_table16(uint32_t x) { return table16[x & 0xffff] + table16[x >> 16]; }
static int by_swar(uint32_t x) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0f0f0f0fu;
    return (int)((x * 0x01010101u) >> 24);
}
static int by_nibbles(uint32_t x) {
    static const int nib[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    return x ? nib[x & 0xf] + by_nibbles(x >> 4) : 0;
}

typedef int (*counter)(uint32_t);

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1500000;
    if (n < 1) { fprintf(stderr, "bitcount: size must be positive\n"); return 1; }
    for (int i = 0; i < 256; i++) table8[i] = (uint8_t)by_shift((uint32_t)i);
    for (int i = 0; i < 65536; i++) table16[i] = (uint8_t)(table8[i & 0xff] + table8[i >> 8]);
    static const counter methods[] = {by_shift, by_kernighan, by_table8, by_table16, by_swar, by_nibbles};
    enum { M = sizeof methods / sizeof methods[0] };
    long totals[M] = {0};
    uint32_t s = 1u;
    for (long i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        uint32_t x = s ^ (s >> (i & 15)); /* vary the density of set bits */
        if (i % 3 == 0) x &= x >> 3;
        for (int m = 0; m < M; m++) totals[m] += methods[m](x);
    }
    int ok = 1;
    for (int m = 1; m < M; m++) ok &= totals[m] == totals[0];
    printf("bitcount n=%ld bits=%ld ok=%d\n", n, totals[0], ok);
    return !ok;
}
