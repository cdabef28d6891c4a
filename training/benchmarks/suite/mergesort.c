/* mergesort: top-down recursive mergesort of integers and a stable bottom-up mergesort of records,
 * with a stability check. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t seed = 2024u;
static uint32_t lcg(void) { seed = seed * 1103515245u + 12345u; return (seed >> 1) & 0x7fffffffu; }

static void merge_rec(int32_t *a, int32_t *tmp, size_t lo, size_t hi) {
    if (hi - lo < 2) return;
    size_t mid = lo + (hi - lo) / 2;
    merge_rec(a, tmp, lo, mid);
    merge_rec(a, tmp, mid, hi);
    if (a[mid - 1] <= a[mid]) return;
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi) tmp[k++] = a[j] < a[i] ? a[j++] : a[i++];
    while (i < mid) tmp[k++] = a[i++];
    while (j < hi) tmp[k++] = a[j++];
    memcpy(a + lo, tmp + lo, (hi - lo) * sizeof *a);
}

struct rec { uint32_t key; uint32_t order; };

static void merge_bottom_up(struct rec *a, struct rec *tmp, size_t n) {
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = a[j].key < a[i].key ? a[j++] : a[i++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        struct rec *t = a; a = tmp; tmp = t;
        memcpy(tmp, a, n * sizeof *a);
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 520000;
    if (n < 1) { fprintf(stderr, "mergesort: size must be positive\n"); return 1; }
    int32_t *a = malloc((size_t)n * sizeof *a), *tmp = malloc((size_t)n * sizeof *tmp);
    struct rec *r = malloc((size_t)n * sizeof *r), *rt = malloc((size_t)n * sizeof *rt);
    if (!a || !tmp || !r || !rt) return 1;
    for (long i = 0; i < n; i++) a[i] = (int32_t)(lcg() % 2000001u) - 1000000;
    for (long i = 0; i < n; i++) { r[i].key = lcg() % 997u; r[i].order = (uint32_t)i; }

    merge_rec(a, tmp, 0, (size_t)n);
    merge_bottom_up(r, rt, (size_t)n);

    long bad = 0, unstable = 0;
    uint32_t h = 0;
    for (long i = 1; i < n; i++) {
        bad += a[i - 1] > a[i];
        bad += r[i - 1].key > r[i].key;
        unstable += r[i - 1].key == r[i].key && r[i - 1].order > r[i].order;
    }
    for (long i = 0; i < n; i++) h = h * 31u + (uint32_t)a[i] + r[i].order * 7u;
    printf("mergesort n=%ld unsorted=%ld unstable=%ld checksum=%08x\n", n, bad, unstable, h);
    free(a); free(tmp); free(r); free(rt);
    return bad || unstable;
}
