/* bfs_grid: breadth-first search on a generated maze-like grid from several starts, plus connected
 * component labelling with an explicit stack. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    long side = argc > 1 ? strtol(argv[1], NULL, 10) : 800;
    if (side < 4 || side > 10000) { fprintf(stderr, "bfs_grid: size must be in 4..10000\n"); return 1; }
    int w = (int)side, h = (int)side;
    size_t cells = (size_t)w * (size_t)h;
    uint8_t *wall = malloc(cells);
    int32_t *dist = malloc(cells * sizeof *dist), *queue = malloc(cells * sizeof *queue), *label = malloc(cells * sizeof *label);
    if (!wall || !dist || !queue || !label) return 1;
    uint32_t s = 31u;
    for (size_t i = 0; i < cells; i++) { s = s * 1664525u + 1013904223u; wall[i] = (s >> 24) < 80; }
    wall[0] = 0;
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    uint64_t total = 0;
    int32_t far = 0;
    long reached = 0;
    for (int run = 0; run < 6; run++) {
        int start = run == 0 ? 0 : (int)((s = s * 1664525u + 1013904223u) >> 8) % (int)cells;
        if (wall[start]) continue;
        for (size_t i = 0; i < cells; i++) dist[i] = -1;
        size_t head = 0, tail = 0;
        queue[tail++] = start; dist[start] = 0;
        while (head < tail) {
            int c = queue[head++], x = c % w, y = c / w;
            for (int d = 0; d < 4; d++) {
                int nx = x + dx[d], ny = y + dy[d];
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                int nc = ny * w + nx;
                if (wall[nc] || dist[nc] >= 0) continue;
                dist[nc] = dist[c] + 1;
                if (dist[nc] > far) far = dist[nc];
                queue[tail++] = nc;
            }
        }
        reached += (long)tail;
        for (size_t i = 0; i < cells; i++) if (dist[i] > 0) total += (uint64_t)dist[i];
    }
    /* connected components by depth-first flood fill, reusing queue as the stack */
    int components = 0, largest = 0;
    for (size_t i = 0; i < cells; i++) label[i] = -1;
    for (size_t i = 0; i < cells; i++) {
        if (wall[i] || label[i] >= 0) continue;
        int size = 0, sp = 0;
        queue[sp++] = (int32_t)i; label[i] = components;
        while (sp) {
            int c = queue[--sp], x = c % w, y = c / w;
            size++;
            for (int d = 0; d < 4; d++) {
                int nx = x + dx[d], ny = y + dy[d];
                if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                int nc = ny * w + nx;
                if (!wall[nc] && label[nc] < 0) { label[nc] = components; queue[sp++] = nc; }
            }
        }
        if (size > largest) largest = size;
        components++;
    }
    printf("bfs_grid %dx%d reached=%ld total=%llu farthest=%d components=%d largest=%d\n", w, h, reached,
           (unsigned long long)total, far, components, largest);
    free(wall); free(dist); free(queue); free(label);
    return 0;
}
