/* strsearch: count pattern occurrences in generated DNA-like text with naive search, Knuth-Morris-Pratt
 * and Boyer-Moore-Horspool, cross-checking the three. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t st = 4242u;
static uint32_t rnd(void) { st = st * 1664525u + 1013904223u; return st >> 10; }

static long count_naive(const char *t, size_t n, const char *p, size_t m) {
    long c = 0;
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && t[i + j] == p[j]) j++;
        c += j == m;
    }
    return c;
}

static long count_kmp(const char *t, size_t n, const char *p, size_t m, int *fail) {
    fail[0] = 0;
    for (size_t i = 1, k = 0; i < m; i++) {
        while (k && p[i] != p[k]) k = (size_t)fail[k - 1];
        if (p[i] == p[k]) k++;
        fail[i] = (int)k;
    }
    long c = 0;
    for (size_t i = 0, k = 0; i < n; i++) {
        while (k && t[i] != p[k]) k = (size_t)fail[k - 1];
        if (t[i] == p[k]) k++;
        if (k == m) { c++; k = (size_t)fail[k - 1]; }
    }
    return c;
}

static long count_bmh(const char *t, size_t n, const char *p, size_t m) {
    size_t shift[256];
    for (int i = 0; i < 256; i++) shift[i] = m;
    for (size_t i = 0; i + 1 < m; i++) shift[(unsigned char)p[i]] = m - 1 - i;
    long c = 0;
    for (size_t i = 0; i + m <= n; i += shift[(unsigned char)t[i + m - 1]]) {
        size_t j = m;
        while (j > 0 && t[i + j - 1] == p[j - 1]) j--;
        c += j == 0;
    }
    return c;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 200000;
    if (n < 64) { fprintf(stderr, "strsearch: size must be >= 64\n"); return 1; }
    size_t sz = (size_t)n;
    char *text = malloc(sz + 1);
    int fail[64];
    char pat[65];
    if (!text) return 1;
    static const char alpha[] = "ACGT";
    for (size_t i = 0; i < sz; i++) text[i] = rnd() % 5 ? alpha[rnd() % 4] : text[i > 8 ? i - 8 : 0];
    text[sz] = '\0';
    long total = 0, mismatches = 0;
    uint32_t h = 0;
    for (int q = 0; q < 40; q++) {
        size_t m = 2 + rnd() % 24;
        if (q % 2) memcpy(pat, text + rnd() % (sz - m), m); /* present in the text */
        else for (size_t k = 0; k < m; k++) pat[k] = alpha[rnd() % 4];
        pat[m] = '\0';
        long a = count_naive(text, sz, pat, m), b = count_kmp(text, sz, pat, m, fail), c = count_bmh(text, sz, pat, m);
        mismatches += (a != b) + (a != c);
        total += a;
        h = h * 2654435761u + (uint32_t)a;
    }
    printf("strsearch n=%ld matches=%ld mismatches=%ld checksum=%08x\n", n, total, mismatches, h);
    free(text);
    return mismatches != 0;
}
