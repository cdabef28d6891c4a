#ifndef REPORT_H
#define REPORT_H
#include <stddef.h>
#include <stdint.h>
void report(size_t n, uint32_t crc, uint64_t fnv, double mean, double median);
#endif
