/* CRC-32 (table-driven) over a pseudo-random buffer, with a switch-based dispatcher for variety. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t table[256];

static void init_table(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
}

static uint32_t crc32(const uint8_t *buf, size_t len, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < len; i++) crc = table[(crc ^ buf[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

static uint8_t mix(int op, uint8_t x) {
  switch (op & 3) {
  case 0: return (uint8_t)(x + 13);
  case 1: return (uint8_t)(x ^ 0x5A);
  case 2: return (uint8_t)((x << 1) | (x >> 7));
  default: return (uint8_t)~x;
  }
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? (size_t)atol(argv[1]) : 4000000;
  uint8_t *buf = malloc(n ? n : 1);
  uint32_t s = 1;
  for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 17; s ^= s << 5; buf[i] = mix((int)i, (uint8_t)s); }
  init_table();
  uint32_t crc = 0;
  for (int round = 0; round < 4; round++) crc = crc32(buf, n, crc);
  printf("crc n=%zu crc=%08x\n", n, (unsigned)crc);
  free(buf);
  return 0;
}
