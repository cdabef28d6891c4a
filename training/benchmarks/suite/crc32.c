/* crc32: table-driven and bitwise CRC-32 (IEEE, reflected) and CRC-16/CCITT over generated data,
 * the bitwise forms cross-checking the table forms. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t table32[256];
static uint16_t table16[256];

static void make_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1u ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table32[i] = c;
        uint16_t d = (uint16_t)(i << 8);
        for (int k = 0; k < 8; k++) d = (uint16_t)(d & 0x8000u ? (d << 1) ^ 0x1021u : d << 1);
        table16[i] = d;
    }
}

static uint32_t crc32_table(const uint8_t *p, size_t n, uint32_t crc) {
    crc = ~crc;
    while (n--) crc = table32[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint16_t crc16_table(const uint8_t *p, size_t n) {
    uint16_t crc = 0xffffu;
    while (n--) crc = (uint16_t)((crc << 8) ^ table16[((crc >> 8) ^ *p++) & 0xffu]);
    return crc;
}

static uint16_t crc16_bitwise(const uint8_t *p, size_t n) {
    uint16_t crc = 0xffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= (uint16_t)(p[i] << 8);
        for (int k = 0; k < 8; k++) crc = (uint16_t)(crc & 0x8000u ? (crc << 1) ^ 0x1021u : crc << 1);
    }
    return crc;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 5500000;
    if (n < 64) { fprintf(stderr, "crc32: size must be >= 64\n"); return 1; }
    uint8_t *buf = malloc((size_t)n);
    if (!buf) return 1;
    uint32_t s = 7u;
    for (long i = 0; i < n; i++) { s = s * 22695477u + 1u; buf[i] = (uint8_t)(s >> 16); }
    make_tables();

    uint32_t whole = crc32_table(buf, (size_t)n, 0);
    /* incremental CRC over chunks must equal the one-shot CRC */
    uint32_t inc = 0;
    for (long off = 0; off < n; off += 4093) inc = crc32_table(buf + off, (size_t)(n - off < 4093 ? n - off : 4093), inc);
    long check = n / 8;
    uint32_t bw = crc32_bitwise(buf, (size_t)check), tb = crc32_table(buf, (size_t)check, 0);
    uint16_t c16 = crc16_table(buf, (size_t)n), c16b = crc16_bitwise(buf, (size_t)check);
    uint16_t c16t = crc16_table(buf, (size_t)check);
    int ok = whole == inc && bw == tb && c16b == c16t;
    printf("crc32 n=%ld crc32=%08x crc16=%04x ok=%d\n", n, whole, c16, ok);
    free(buf);
    return !ok;
}
