/* dijkstra: single-source shortest paths with a binary heap on a generated sparse graph (adjacency
 * arrays), from several sources, with a path-length checksum. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint32_t st = 77u;
static uint32_t rnd(void) { st = st * 1664525u + 1013904223u; return st >> 8; }

struct heap { uint32_t *key; int32_t *node; int32_t *where; int len; };

static void swap_at(struct heap *h, int i, int j) {
    uint32_t k = h->key[i]; h->key[i] = h->key[j]; h->key[j] = k;
    int32_t v = h->node[i]; h->node[i] = h->node[j]; h->node[j] = v;
    h->where[h->node[i]] = i; h->where[h->node[j]] = j;
}

static void up(struct heap *h, int i) {
    while (i > 0 && h->key[(i - 1) / 2] > h->key[i]) { swap_at(h, i, (i - 1) / 2); i = (i - 1) / 2; }
}

static void down(struct heap *h, int i) {
    for (;;) {
        int c = 2 * i + 1;
        if (c >= h->len) return;
        if (c + 1 < h->len && h->key[c + 1] < h->key[c]) c++;
        if (h->key[i] <= h->key[c]) return;
        swap_at(h, i, c); i = c;
    }
}

static void decrease(struct heap *h, int32_t v, uint32_t key) {
    int i = h->where[v];
    if (i < 0) { i = h->len++; h->node[i] = v; h->where[v] = i; }
    h->key[i] = key;
    up(h, i);
}

static int32_t pop(struct heap *h) {
    int32_t v = h->node[0];
    swap_at(h, 0, --h->len);
    h->where[v] = -2; /* settled */
    down(h, 0);
    return v;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 32000;
    if (n < 2) { fprintf(stderr, "dijkstra: size must be >= 2\n"); return 1; }
    const int deg = 6, sources = 12;
    int32_t nv = (int32_t)n;
    int32_t *adj = malloc((size_t)nv * deg * sizeof *adj);
    uint32_t *w = malloc((size_t)nv * deg * sizeof *w), *dist = malloc((size_t)nv * sizeof *dist);
    struct heap h = {malloc((size_t)nv * 4), malloc((size_t)nv * 4), malloc((size_t)nv * 4), 0};
    if (!adj || !w || !dist || !h.key || !h.node || !h.where) return 1;
    for (int32_t v = 0; v < nv; v++)
        for (int e = 0; e < deg; e++) {
            /* one ring edge keeps the graph connected; the rest are random */
            adj[v * deg + e] = e == 0 ? (v + 1) % nv : (int32_t)(rnd() % (uint32_t)nv);
            w[v * deg + e] = 1 + rnd() % 1000;
        }
    uint64_t total = 0;
    uint32_t far = 0;
    for (int s = 0; s < sources; s++) {
        int32_t src = (int32_t)(rnd() % (uint32_t)nv);
        for (int32_t v = 0; v < nv; v++) { dist[v] = UINT32_MAX; h.where[v] = -1; }
        h.len = 0;
        dist[src] = 0;
        decrease(&h, src, 0);
        while (h.len) {
            int32_t u = pop(&h);
            for (int e = 0; e < deg; e++) {
                int32_t v = adj[u * deg + e];
                uint32_t nd = dist[u] + w[u * deg + e];
                if (h.where[v] != -2 && nd < dist[v]) { dist[v] = nd; decrease(&h, v, nd); }
            }
        }
        for (int32_t v = 0; v < nv; v++) { total += dist[v]; if (dist[v] > far) far = dist[v]; }
    }
    printf("dijkstra n=%ld total=%llu farthest=%u\n", n, (unsigned long long)total, far);
    free(adj); free(w); free(dist); free(h.key); free(h.node); free(h.where);
    return 0;
}
