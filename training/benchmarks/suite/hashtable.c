/* hashtable: an open-addressing table (linear probing, tombstones, growth) of integer keys and a
 * chained table of short strings, under a mixed insert/lookup/delete workload. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EMPTY = 0, TOMB = 1 }; /* keys are >= 2 */

struct itable { uint32_t *keys; uint32_t *vals; size_t cap, used, live; };

static size_t slot_of(uint32_t k, size_t cap) { return (size_t)((k * 2654435761u) >> 7) & (cap - 1); }

static void itable_init(struct itable *t, size_t cap) {
    t->keys = calloc(cap, sizeof *t->keys); t->vals = calloc(cap, sizeof *t->vals);
    t->cap = cap; t->used = t->live = 0;
}

static void itable_put(struct itable *t, uint32_t k, uint32_t v);

static void itable_grow(struct itable *t) {
    struct itable old = *t;
    itable_init(t, old.cap * 2);
    for (size_t i = 0; i < old.cap; i++) if (old.keys[i] > TOMB) itable_put(t, old.keys[i], old.vals[i]);
    free(old.keys); free(old.vals);
}

static void itable_put(struct itable *t, uint32_t k, uint32_t v) {
    if ((t->used + 1) * 4 > t->cap * 3) itable_grow(t);
    size_t i = slot_of(k, t->cap), tomb = SIZE_MAX;
    while (t->keys[i] != EMPTY) {
        if (t->keys[i] == k) { t->vals[i] = v; return; }
        if (t->keys[i] == TOMB && tomb == SIZE_MAX) tomb = i;
        i = (i + 1) & (t->cap - 1);
    }
    if (tomb != SIZE_MAX) i = tomb; else t->used++;
    t->keys[i] = k; t->vals[i] = v; t->live++;
}

static int itable_get(const struct itable *t, uint32_t k, uint32_t *v) {
    for (size_t i = slot_of(k, t->cap); t->keys[i] != EMPTY; i = (i + 1) & (t->cap - 1))
        if (t->keys[i] == k) { *v = t->vals[i]; return 1; }
    return 0;
}

static int itable_del(struct itable *t, uint32_t k) {
    for (size_t i = slot_of(k, t->cap); t->keys[i] != EMPTY; i = (i + 1) & (t->cap - 1))
        if (t->keys[i] == k) { t->keys[i] = TOMB; t->live--; return 1; }
    return 0;
}

struct entry { char key[16]; int count; struct entry *next; };

static uint32_t str_hash(const char *s) { uint32_t h = 5381; while (*s) h = h * 33u ^ (uint8_t)*s++; return h; }

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 600000;
    if (n < 1) { fprintf(stderr, "hashtable: size must be positive\n"); return 1; }
    struct itable t;
    itable_init(&t, 16);
    uint32_t s = 1234u, hits = 0, sum = 0;
    long deleted = 0;
    for (long i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        uint32_t k = 2 + (s >> 8) % (uint32_t)(n / 2 + 1), v;
        switch (s >> 30) {
        case 0: case 1: itable_put(&t, k, (uint32_t)i); break;
        case 2: if (itable_get(&t, k, &v)) { hits++; sum += v; } break;
        default: deleted += itable_del(&t, k); break;
        }
    }
    /* word counting with separate chaining */
    enum { BUCKETS = 1 << 16 };
    struct entry **buckets = calloc(BUCKETS, sizeof *buckets);
    struct entry *pool = malloc((size_t)n * sizeof *pool);
    if (!buckets || !pool) return 1;
    size_t npool = 0;
    int maxcount = 0;
    for (long i = 0; i < n; i++) {
        char w[16];
        s = s * 1664525u + 1013904223u;
        int len = 2 + (int)(s >> 29);
        uint32_t r = s;
        for (int c = 0; c < len; c++) { w[c] = (char)('a' + r % 6); r /= 6; }
        w[len] = '\0';
        uint32_t b = str_hash(w) % BUCKETS;
        struct entry *e = buckets[b];
        while (e && strcmp(e->key, w) != 0) e = e->next;
        if (!e) { e = &pool[npool++]; memcpy(e->key, w, (size_t)len + 1); e->count = 0; e->next = buckets[b]; buckets[b] = e; }
        if (++e->count > maxcount) maxcount = e->count;
    }
    printf("hashtable n=%ld live=%zu cap=%zu hits=%u sum=%u deleted=%ld words=%zu maxcount=%d\n",
           n, t.live, t.cap, hits, sum, deleted, npool, maxcount);
    free(t.keys); free(t.vals); free(buckets); free(pool);
    return 0;
}
