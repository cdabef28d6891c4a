/* editdist: dynamic programming on generated string pairs: Levenshtein distance (two rows), longest
 * common subsequence (full table with traceback) and longest common substring. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int min3(int a, int b, int c) { int m = a < b ? a : b; return m < c ? m : c; }

static int levenshtein(const char *a, int n, const char *b, int m, int *prev, int *cur) {
    for (int j = 0; j <= m; j++) prev[j] = j;
    for (int i = 1; i <= n; i++) {
        cur[0] = i;
        for (int j = 1; j <= m; j++) cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]));
        int *t = prev; prev = cur; cur = t;
    }
    return prev[m];
}

/* LCS length, then a traceback that rebuilds one subsequence and verifies it is common to both */
static int lcs(const char *a, int n, const char *b, int m, uint16_t *tab, char *out) {
    for (int i = 0; i <= n; i++)
        for (int j = 0; j <= m; j++) {
            uint16_t *t = &tab[i * (m + 1) + j];
            if (!i || !j) *t = 0;
            else if (a[i - 1] == b[j - 1]) *t = (uint16_t)(tab[(i - 1) * (m + 1) + j - 1] + 1);
            else { uint16_t u = tab[(i - 1) * (m + 1) + j], l = tab[i * (m + 1) + j - 1]; *t = u > l ? u : l; }
        }
    int len = tab[n * (m + 1) + m], k = len, i = n, j = m;
    while (i && j) {
        if (a[i - 1] == b[j - 1]) { out[--k] = a[i - 1]; i--; j--; }
        else if (tab[(i - 1) * (m + 1) + j] >= tab[i * (m + 1) + j - 1]) i--;
        else j--;
    }
    return len;
}

static int is_subseq(const char *s, int k, const char *t, int n) {
    int i = 0;
    for (int j = 0; j < n && i < k; j++) i += s[i] == t[j];
    return i == k;
}

static int longest_common_substring(const char *a, int n, const char *b, int m, int *row) {
    int best = 0;
    memset(row, 0, (size_t)(m + 1) * sizeof *row);
    for (int i = 1; i <= n; i++)
        for (int j = m; j >= 1; j--) {
            row[j] = a[i - 1] == b[j - 1] ? row[j - 1] + 1 : 0;
            if (row[j] > best) best = row[j];
        }
    return best;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1650;
    if (n < 4 || n > 20000) { fprintf(stderr, "editdist: size must be in 4..20000\n"); return 1; }
    int len = (int)n;
    char *a = malloc((size_t)len), *b = malloc((size_t)len), *sub = malloc((size_t)len);
    int *r1 = malloc((size_t)(len + 1) * sizeof *r1), *r2 = malloc((size_t)(len + 1) * sizeof *r2);
    uint16_t *tab = malloc((size_t)(len + 1) * (size_t)(len + 1) * sizeof *tab);
    if (!a || !b || !sub || !r1 || !r2 || !tab) return 1;
    uint32_t s = 555u;
    long lev = 0, lcs_total = 0, lsub = 0, bad = 0;
    for (int pair = 0; pair < 3; pair++) {
        for (int i = 0; i < len; i++) { s = s * 1664525u + 1013904223u; a[i] = (char)('a' + (s >> 24) % 8); }
        for (int i = 0; i < len; i++) { /* b is a mutated copy of a */
            s = s * 1664525u + 1013904223u;
            b[i] = (s >> 24) % 5 ? a[(i + pair) % len] : (char)('a' + (s >> 16) % 8);
        }
        int m = len - pair * 7;
        lev += levenshtein(a, len, b, m, r1, r2);
        int k = lcs(a, len, b, m, tab, sub);
        lcs_total += k;
        bad += !is_subseq(sub, k, a, len) || !is_subseq(sub, k, b, m);
        lsub += longest_common_substring(a, len, b, m, r1);
    }
    printf("editdist n=%ld levenshtein=%ld lcs=%ld substring=%ld bad=%ld\n", n, lev, lcs_total, lsub, bad);
    free(a); free(b); free(sub); free(r1); free(r2); free(tab);
    return bad != 0;
}
