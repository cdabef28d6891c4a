/* huffman: a Huffman coder with canonical codes: frequency count, tree build with a min-heap,
 * bit-level encoding and table-free decoding, and a round-trip check. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SYMS = 256, MAXBITS = 32 };

struct node { uint64_t weight; int left, right, symbol; };

static uint32_t st = 31337u;
static uint32_t rnd(void) { st ^= st << 13; st ^= st >> 17; st ^= st << 5; return st; }

static void heap_push(int *heap, int *len, const struct node *nodes, int v) {
    int i = (*len)++;
    while (i > 0 && nodes[heap[(i - 1) / 2]].weight > nodes[v].weight) { heap[i] = heap[(i - 1) / 2]; i = (i - 1) / 2; }
    heap[i] = v;
}

static int heap_pop(int *heap, int *len, const struct node *nodes) {
    int top = heap[0], last = heap[--*len], i = 0;
    for (;;) {
        int c = 2 * i + 1;
        if (c >= *len) break;
        if (c + 1 < *len && nodes[heap[c + 1]].weight < nodes[heap[c]].weight) c++;
        if (nodes[heap[c]].weight >= nodes[last].weight) break;
        heap[i] = heap[c]; i = c;
    }
    if (*len) heap[i] = last;
    return top;
}

static void depths(const struct node *nodes, int v, int d, uint8_t *len) {
    if (nodes[v].symbol >= 0) { len[nodes[v].symbol] = (uint8_t)(d ? d : 1); return; }
    depths(nodes, nodes[v].left, d + 1, len);
    depths(nodes, nodes[v].right, d + 1, len);
}

/* canonical codes from code lengths (same rule as DEFLATE) */
static void canonical(const uint8_t *len, uint32_t *code) {
    uint32_t count[MAXBITS + 1] = {0}, next[MAXBITS + 1] = {0};
    for (int s = 0; s < SYMS; s++) count[len[s]]++;
    count[0] = 0;
    uint32_t c = 0;
    for (int b = 1; b <= MAXBITS; b++) { c = (c + count[b - 1]) << 1; next[b] = c; }
    for (int s = 0; s < SYMS; s++) if (len[s]) code[s] = next[len[s]]++;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1900000;
    if (n < 1) { fprintf(stderr, "huffman: size must be positive\n"); return 1; }
    size_t sz = (size_t)n;
    uint8_t *data = malloc(sz), *back = malloc(sz), *bits = calloc(sz * 4 + 8, 1);
    if (!data || !back || !bits) return 1;
    /* skewed distribution: a geometric-like mix so code lengths vary */
    for (size_t i = 0; i < sz; i++) {
        uint32_t r = rnd();
        data[i] = (uint8_t)(r % 4 ? 'a' + (r >> 8) % 8 : (r >> 8) % 200);
    }
    uint64_t freq[SYMS] = {0};
    for (size_t i = 0; i < sz; i++) freq[data[i]]++;

    struct node nodes[2 * SYMS];
    int heap[2 * SYMS], hl = 0, nn = 0;
    for (int s = 0; s < SYMS; s++)
        if (freq[s]) { nodes[nn] = (struct node){freq[s], -1, -1, s}; heap_push(heap, &hl, nodes, nn++); }
    while (hl > 1) {
        int a = heap_pop(heap, &hl, nodes), b = heap_pop(heap, &hl, nodes);
        nodes[nn] = (struct node){nodes[a].weight + nodes[b].weight, a, b, -1};
        heap_push(heap, &hl, nodes, nn++);
    }
    uint8_t len[SYMS] = {0};
    uint32_t code[SYMS] = {0};
    depths(nodes, heap[0], 0, len);
    canonical(len, code);

    /* encode MSB-first */
    uint64_t nbits = 0;
    for (size_t i = 0; i < sz; i++) {
        uint8_t s = data[i];
        for (int b = len[s] - 1; b >= 0; b--, nbits++)
            if ((code[s] >> b) & 1u) bits[nbits >> 3] |= (uint8_t)(0x80u >> (nbits & 7));
    }
    /* decode canonically: extend the code bit by bit and compare with the first code of each length */
    uint32_t first[MAXBITS + 2] = {0}, cnt[MAXBITS + 2] = {0};
    int sorted[SYMS], ns = 0;
    for (int b = 1; b <= MAXBITS; b++)
        for (int s = 0; s < SYMS; s++) if (len[s] == b) { if (!cnt[b]) first[b] = code[s]; cnt[b]++; sorted[ns++] = s; }
    uint64_t pos = 0;
    for (size_t i = 0; i < sz; i++) {
        uint32_t c = 0;
        int idx = 0;
        for (int b = 1; b <= MAXBITS; b++) {
            c = (c << 1) | ((bits[pos >> 3] >> (7 - (pos & 7))) & 1u);
            pos++;
            if (cnt[b] && c - first[b] < cnt[b]) { back[i] = (uint8_t)sorted[idx + (int)(c - first[b])]; break; }
            idx += (int)cnt[b];
        }
    }
    int ok = pos == nbits && memcmp(data, back, sz) == 0;
    uint32_t h = 0;
    for (size_t i = 0; i < (nbits + 7) / 8; i++) h = h * 131u + bits[i];
    printf("huffman n=%ld bits=%llu ok=%d checksum=%08x\n", n, (unsigned long long)nbits, ok, h);
    free(data); free(back); free(bits);
    return !ok;
}
