/* qsort: a generic quicksort with a comparison callback (the shape of libc qsort), applied to
 * integers, fixed-width strings and two-key records. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t lcg_state = 12345u;
static uint32_t lcg(void) { lcg_state = lcg_state * 1664525u + 1013904223u; return lcg_state >> 8; }

typedef int (*cmp_fn)(const void *, const void *);

static void swap_bytes(char *a, char *b, size_t size) {
    while (size--) { char t = *a; *a++ = *b; *b++ = t; }
}

static void insertion_sort(char *base, size_t n, size_t size, cmp_fn cmp) {
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && cmp(base + (j - 1) * size, base + j * size) > 0; j--)
            swap_bytes(base + (j - 1) * size, base + j * size, size);
}

static void quick_sort(void *vbase, size_t n, size_t size, cmp_fn cmp) {
    char *base = vbase;
    while (n > 12) {
        char *lo = base, *mid = base + (n / 2) * size, *hi = base + (n - 1) * size;
        if (cmp(mid, lo) < 0) swap_bytes(mid, lo, size);
        if (cmp(hi, mid) < 0) { swap_bytes(hi, mid, size); if (cmp(mid, lo) < 0) swap_bytes(mid, lo, size); }
        swap_bytes(mid, lo, size); /* pivot to the front */
        size_t i = 1, j = n - 1;
        for (;;) {
            while (i <= j && cmp(base + i * size, base) < 0) i++;
            while (j >= i && cmp(base + j * size, base) > 0) j--;
            if (i >= j) break;
            swap_bytes(base + i * size, base + j * size, size);
            i++; j--;
        }
        swap_bytes(base, base + j * size, size);
        /* recurse into the smaller part, loop on the larger one */
        size_t left = j, right = n - j - 1;
        if (left < right) { quick_sort(base, left, size, cmp); base += (j + 1) * size; n = right; }
        else { quick_sort(base + (j + 1) * size, right, size, cmp); n = left; }
    }
    insertion_sort(base, n, size, cmp);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

#define STR_W 12
static int cmp_str(const void *a, const void *b) { return strncmp(a, b, STR_W); }

struct record { uint16_t group; uint32_t key; uint32_t id; };
static int cmp_record(const void *a, const void *b) {
    const struct record *x = a, *y = b;
    if (x->group != y->group) return x->group < y->group ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static uint32_t mix(uint32_t h, uint32_t v) { return (h ^ v) * 16777619u; }

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 160000;
    if (n < 1) { fprintf(stderr, "qsort: size must be positive\n"); return 1; }
    uint32_t h = 2166136261u;

    int *ints = malloc((size_t)n * sizeof *ints);
    char *strs = malloc((size_t)n * STR_W);
    struct record *recs = malloc((size_t)n * sizeof *recs);
    if (!ints || !strs || !recs) return 1;
    for (long i = 0; i < n; i++) ints[i] = (int)(lcg() % 2000003u) - 1000000;
    for (long i = 0; i < n; i++) {
        int len = 3 + (int)(lcg() % (STR_W - 4));
        for (int k = 0; k < STR_W; k++) strs[i * STR_W + k] = k < len ? (char)('a' + lcg() % 26) : '\0';
    }
    for (long i = 0; i < n; i++) {
        recs[i].group = (uint16_t)(lcg() % 64); recs[i].key = lcg() % 1000; recs[i].id = (uint32_t)i;
    }

    quick_sort(ints, (size_t)n, sizeof *ints, cmp_int);
    quick_sort(strs, (size_t)n, STR_W, cmp_str);
    quick_sort(recs, (size_t)n, sizeof *recs, cmp_record);

    long bad = 0;
    for (long i = 1; i < n; i++) {
        bad += ints[i - 1] > ints[i];
        bad += strncmp(strs + (i - 1) * STR_W, strs + i * STR_W, STR_W) > 0;
        bad += cmp_record(&recs[i - 1], &recs[i]) > 0;
    }
    for (long i = 0; i < n; i += 7) {
        h = mix(h, (uint32_t)ints[i]);
        h = mix(h, (uint32_t)(unsigned char)strs[i * STR_W] | (uint32_t)(unsigned char)strs[i * STR_W + 1] << 8);
        h = mix(h, recs[i].id);
    }
    printf("qsort n=%ld unsorted=%ld checksum=%08x\n", n, bad, h);
    free(ints); free(strs); free(recs);
    return bad != 0;
}
