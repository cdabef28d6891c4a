#include "rl.h"

static void insertion(uint32_t *a, size_t n) {
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void quick(uint32_t *a, size_t n) {
    while (n > 16) {
        uint32_t pivot = a[n / 2];
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i >= j) break;
            uint32_t t = a[i]; a[i] = a[j]; a[j] = t;
            i++; j--;
        }
        /* recurse into the smaller half, loop on the larger one */
        if (j + 1 < n - j - 1) {
            quick(a, j + 1);
            a += j + 1; n -= j + 1;
        } else {
            quick(a + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    insertion(a, n);
}

void rl_sort_u32(uint32_t *a, size_t n) { quick(a, n); }

int rl_is_sorted_u32(const uint32_t *a, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (a[i - 1] > a[i]) return 0;
    return 1;
}
