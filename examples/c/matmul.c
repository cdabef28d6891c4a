/* Multiply two pseudo-random matrices of doubles and print a checksum. */
#include <stdio.h>
#include <stdlib.h>

static void matmul(int n, const double *a, const double *b, double *c) {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) c[i * n + j] = 0.0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      double aik = a[i * n + k];
      for (int j = 0; j < n; j++) c[i * n + j] += aik * b[k * n + j];
    }
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 160;
  if (n < 1) n = 1;
  double *a = malloc(sizeof(double) * (size_t)n * n), *b = malloc(sizeof(double) * (size_t)n * n);
  double *c = malloc(sizeof(double) * (size_t)n * n);
  unsigned s = 7;
  for (int i = 0; i < n * n; i++) {
    s = s * 1664525u + 1013904223u; a[i] = (double)(s >> 16) / 65536.0;
    s = s * 1664525u + 1013904223u; b[i] = (double)(s >> 16) / 65536.0;
  }
  matmul(n, a, b, c);
  double sum = 0;
  for (int i = 0; i < n * n; i++) sum += c[i] * (double)((i % 7) + 1);
  printf("matmul n=%d checksum=%.6f\n", n, sum);
  free(a); free(b); free(c);
  return 0;
}
