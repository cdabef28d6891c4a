/* Unit tests of librl: known answers, so that a miscompiled library fails `make test`. */
#include <stdio.h>
#include <string.h>

#include "rl.h"

static int failures;
#define CHECK(cond) do { if (!(cond)) { printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

int main(void) {
    CHECK(rl_crc32("123456789", 9) == 0xCBF43926u);
    CHECK(rl_crc32("", 0) == 0);
    CHECK(rl_fnv1a("", 0) == 0xcbf29ce484222325ull);
    CHECK(rl_fnv1a("a", 1) == 0xaf63dc4c8601ec8cull);

    uint32_t a[1000];
    uint64_t s = 1;
    for (int i = 0; i < 1000; i++) a[i] = rl_rand(&s) % 100;
    rl_sort_u32(a, 1000);
    CHECK(rl_is_sorted_u32(a, 1000));
    uint32_t b[3] = {3, 1, 2};
    rl_sort_u32(b, 3);
    CHECK(b[0] == 1 && b[1] == 2 && b[2] == 3);

    double x[5] = {5, 1, 4, 2, 3};
    CHECK(rl_mean(x, 5) == 3.0);
    CHECK(rl_median(x, 5) == 3.0);
    double y[4] = {4, 1, 3, 2};
    CHECK(rl_median(y, 4) == 2.5);

    printf("%s: %d failure(s)\n", failures ? "FAILED" : "ok", failures);
    return failures != 0;
}
