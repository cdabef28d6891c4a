/* librl: a tiny library of hashing, sorting and statistics used by the rlopt-cc example project. */
#ifndef RL_H
#define RL_H

#include <stddef.h>
#include <stdint.h>

uint32_t rl_crc32(const void *data, size_t len);
uint64_t rl_fnv1a(const void *data, size_t len);

void rl_sort_u32(uint32_t *a, size_t n);
int rl_is_sorted_u32(const uint32_t *a, size_t n);

/* xorshift pseudo-random numbers: deterministic across compilers and optimisation levels */
uint32_t rl_rand(uint64_t *state);

double rl_mean(const double *x, size_t n);
double rl_median(double *x, size_t n); /* sorts x in place */

#endif
