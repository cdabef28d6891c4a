/* Sorting and searching: nested loops, array indexing, loop-invariant loads (licm, gvn, loop passes). */
#include <stdio.h>
#include <stdlib.h>

static void insertion_sort(int *a, int n) {
    for (int i = 1; i < n; i++) {
        int key = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > key) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = key;
    }
}

static int binary_search(const int *a, int n, int key) {
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] == key)
            return mid;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

int checksum(const int *a, int n, const int *scale) {
    int sum = 0;
    for (int i = 0; i < n; i++)
        sum += a[i] * *scale + i;
    return sum;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int *a = malloc(sizeof(int) * (size_t)n);
    unsigned seed = 12345;
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        a[i] = (int)(seed >> 16) % 10000;
    }
    insertion_sort(a, n);
    int scale = 3;
    int found = binary_search(a, n, a[n / 2]);
    printf("%d %d\n", found >= 0, checksum(a, n, &scale));
    free(a);
    return 0;
}
