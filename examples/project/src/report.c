#include <inttypes.h>
#include <stdio.h>

#include "report.h"

void report(size_t n, uint32_t crc, uint64_t fnv, double mean, double median) {
    printf("n=%zu crc32=%08" PRIx32 " fnv1a=%016" PRIx64 " mean=%.3f median=%.1f\n", n, crc, fnv, mean, median);
}
