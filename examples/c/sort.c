/* Sort pseudo-random integers with a hand-written quicksort and print a checksum. */
#include <stdio.h>
#include <stdlib.h>

static unsigned lcg(unsigned *s) { *s = *s * 1103515245u + 12345u; return *s >> 8; }

static void quicksort(int *a, int lo, int hi) {
  while (lo < hi) {
    int p = a[(lo + hi) / 2], i = lo, j = hi;
    while (i <= j) {
      while (a[i] < p) i++;
      while (a[j] > p) j--;
      if (i <= j) { int t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (j - lo < hi - i) { quicksort(a, lo, j); lo = i; } else { quicksort(a, i, hi); hi = j; }
  }
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 200000;
  if (n < 1) n = 1;
  int *a = malloc(sizeof(int) * (size_t)n);
  unsigned s = 42;
  for (int i = 0; i < n; i++) a[i] = (int)(lcg(&s) % 1000000);
  quicksort(a, 0, n - 1);
  unsigned long sum = 0;
  for (int i = 0; i < n; i++) sum = sum * 31 + (unsigned long)a[i] * (unsigned long)(i + 1);
  for (int i = 1; i < n; i++) if (a[i - 1] > a[i]) { puts("unsorted"); return 1; }
  printf("sort n=%d checksum=%lu\n", n, sum);
  free(a);
  return 0;
}
