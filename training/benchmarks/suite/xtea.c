/* xtea: the XTEA block cipher in CBC mode: encrypt and decrypt a generated buffer with several keys,
 * check the round trip, and checksum the ciphertext. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ROUNDS = 32 };

static void encipher(uint32_t v[2], const uint32_t key[4]) {
    uint32_t v0 = v[0], v1 = v[1], sum = 0;
    const uint32_t delta = 0x9E3779B9u;
    for (int i = 0; i < ROUNDS; i++) {
        v0 += (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + key[sum & 3]);
        sum += delta;
        v1 += (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + key[(sum >> 11) & 3]);
    }
    v[0] = v0; v[1] = v1;
}

static void decipher(uint32_t v[2], const uint32_t key[4]) {
    const uint32_t delta = 0x9E3779B9u;
    uint32_t v0 = v[0], v1 = v[1], sum = delta * ROUNDS;
    for (int i = 0; i < ROUNDS; i++) {
        v1 -= (((v0 << 4) ^ (v0 >> 5)) + v0) ^ (sum + key[(sum >> 11) & 3]);
        sum -= delta;
        v0 -= (((v1 << 4) ^ (v1 >> 5)) + v1) ^ (sum + key[sum & 3]);
    }
    v[0] = v0; v[1] = v1;
}

static void cbc_encrypt(uint32_t *buf, size_t blocks, const uint32_t key[4], const uint32_t iv[2]) {
    uint32_t c0 = iv[0], c1 = iv[1];
    for (size_t b = 0; b < blocks; b++) {
        uint32_t *v = buf + 2 * b;
        v[0] ^= c0; v[1] ^= c1;
        encipher(v, key);
        c0 = v[0]; c1 = v[1];
    }
}

static void cbc_decrypt(uint32_t *buf, size_t blocks, const uint32_t key[4], const uint32_t iv[2]) {
    uint32_t p0 = iv[0], p1 = iv[1];
    for (size_t b = 0; b < blocks; b++) {
        uint32_t *v = buf + 2 * b, c0 = v[0], c1 = v[1];
        decipher(v, key);
        v[0] ^= p0; v[1] ^= p1;
        p0 = c0; p1 = c1;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 130000;
    if (n < 1) { fprintf(stderr, "xtea: size (blocks) must be positive\n"); return 1; }
    size_t blocks = (size_t)n;
    uint32_t *plain = malloc(blocks * 8), *buf = malloc(blocks * 8);
    if (!plain || !buf) return 1;
    uint32_t s = 2718u;
    for (size_t i = 0; i < 2 * blocks; i++) { s = s * 1664525u + 1013904223u; plain[i] = s; }
    uint32_t h = 0;
    int ok = 1;
    for (int k = 0; k < 3; k++) {
        uint32_t key[4] = {0x01234567u * (uint32_t)(k + 1), 0x89abcdefu ^ (uint32_t)k, 0xfedcba98u, 0x76543210u + (uint32_t)k};
        uint32_t iv[2] = {0xdeadbeefu, (uint32_t)k};
        memcpy(buf, plain, blocks * 8);
        cbc_encrypt(buf, blocks, key, iv);
        for (size_t i = 0; i < 2 * blocks; i++) h = (h << 3 | h >> 29) ^ buf[i];
        cbc_decrypt(buf, blocks, key, iv);
        ok &= memcmp(buf, plain, blocks * 8) == 0;
    }
    printf("xtea blocks=%ld ok=%d checksum=%08x\n", n, ok, h);
    free(plain); free(buf);
    return !ok;
}
