/* heapsort: in-place binary-heap sort of 64-bit keys and a priority-queue merge of sorted runs.
 * rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) { rng = rng * 6364136223846793005ull + 1442695040888963407ull; return rng >> 11; }

static void sift_down(uint64_t *a, size_t start, size_t end) {
    size_t root = start;
    while (2 * root + 1 < end) {
        size_t child = 2 * root + 1;
        if (child + 1 < end && a[child] < a[child + 1]) child++;
        if (a[root] >= a[child]) return;
        uint64_t t = a[root]; a[root] = a[child]; a[child] = t;
        root = child;
    }
}

static void heap_sort(uint64_t *a, size_t n) {
    for (size_t i = n / 2; i-- > 0;) sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        uint64_t t = a[0]; a[0] = a[end]; a[end] = t;
        sift_down(a, 0, end);
    }
}

/* k-way merge of sorted runs with a min-heap of (value, run) pairs */
struct item { uint64_t value; uint32_t run; };

static void heap_push(struct item *h, size_t *len, struct item it) {
    size_t i = (*len)++;
    while (i > 0 && h[(i - 1) / 2].value > it.value) { h[i] = h[(i - 1) / 2]; i = (i - 1) / 2; }
    h[i] = it;
}

static struct item heap_pop(struct item *h, size_t *len) {
    struct item top = h[0], last = h[--*len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *len) break;
        if (c + 1 < *len && h[c + 1].value < h[c].value) c++;
        if (h[c].value >= last.value) break;
        h[i] = h[c]; i = c;
    }
    if (*len) h[i] = last;
    return top;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 400000;
    if (n < 16) { fprintf(stderr, "heapsort: size must be >= 16\n"); return 1; }
    uint64_t *a = malloc((size_t)n * sizeof *a), *out = malloc((size_t)n * sizeof *out);
    if (!a || !out) return 1;
    for (long i = 0; i < n; i++) a[i] = next() % 100000007ull;
    heap_sort(a, (size_t)n);
    long bad = 0;
    uint64_t h = 1469598103934665603ull;
    for (long i = 1; i < n; i++) bad += a[i - 1] > a[i];
    for (long i = 0; i < n; i += 5) h = (h ^ a[i]) * 1099511628211ull;

    /* runs: sort 8 independent slices, then merge them */
    const size_t runs = 8, len = (size_t)n / runs;
    for (size_t i = 0; i < (size_t)n; i++) a[i] = next() % 1000003ull;
    for (size_t r = 0; r < runs; r++) heap_sort(a + r * len, len);
    struct item heap[8];
    size_t hl = 0, pos[8] = {0}, m = 0;
    for (size_t r = 0; r < runs; r++) heap_push(heap, &hl, (struct item){a[r * len], (uint32_t)r});
    while (hl) {
        struct item it = heap_pop(heap, &hl);
        out[m++] = it.value;
        if (++pos[it.run] < len) heap_push(heap, &hl, (struct item){a[it.run * len + pos[it.run]], it.run});
    }
    for (size_t i = 1; i < m; i++) bad += out[i - 1] > out[i];
    for (size_t i = 0; i < m; i += 3) h = (h ^ out[i]) * 1099511628211ull;
    printf("heapsort n=%ld merged=%zu unsorted=%ld checksum=%016llx\n", n, m, bad, (unsigned long long)h);
    free(a); free(out);
    return bad != 0;
}
