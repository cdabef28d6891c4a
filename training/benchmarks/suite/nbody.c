/* nbody: a softened gravitational N-body simulation with leapfrog integration in double precision,
 * reporting energy drift and the centre of mass. rlopt-suite-v0, written for rlopt. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct body { double x, y, z, vx, vy, vz, m; };

static double energy(const struct body *b, int n) {
    double e = 0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].m * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].m * b[j].m / sqrt(dx * dx + dy * dy + dz * dz + 1e-4);
        }
    }
    return e;
}

static void step(struct body *b, double *ax, double *ay, double *az, int n, double dt) {
    for (int i = 0; i < n; i++) ax[i] = ay[i] = az[i] = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dx = b[j].x - b[i].x, dy = b[j].y - b[i].y, dz = b[j].z - b[i].z;
            double r2 = dx * dx + dy * dy + dz * dz + 1e-4, inv = 1.0 / (r2 * sqrt(r2));
            ax[i] += dx * inv * b[j].m; ay[i] += dy * inv * b[j].m; az[i] += dz * inv * b[j].m;
            ax[j] -= dx * inv * b[i].m; ay[j] -= dy * inv * b[i].m; az[j] -= dz * inv * b[i].m;
        }
    for (int i = 0; i < n; i++) {
        b[i].vx += dt * ax[i]; b[i].vy += dt * ay[i]; b[i].vz += dt * az[i];
        b[i].x += dt * b[i].vx; b[i].y += dt * b[i].vy; b[i].z += dt * b[i].vz;
    }
}

int main(int argc, char **argv) {
    long steps = argc > 1 ? strtol(argv[1], NULL, 10) : 700;
    if (steps < 1) { fprintf(stderr, "nbody: size (steps) must be positive\n"); return 1; }
    enum { N = 160 };
    static struct body b[N];
    static double ax[N], ay[N], az[N];
    uint32_t s = 6u;
    for (int i = 0; i < N; i++) {
        double v[7];
        for (int k = 0; k < 7; k++) { s = s * 1664525u + 1013904223u; v[k] = (double)(s >> 8) / 16777216.0 - 0.5; }
        b[i] = (struct body){v[0], v[1], v[2], v[3] * 0.1, v[4] * 0.1, v[5] * 0.1, (v[6] + 0.5) * 0.01 + 0.001};
    }
    double e0 = energy(b, N);
    for (long t = 0; t < steps; t++) step(b, ax, ay, az, N, 0.001);
    double e1 = energy(b, N), cx = 0, mt = 0;
    for (int i = 0; i < N; i++) { cx += b[i].m * b[i].x; mt += b[i].m; }
    printf("nbody steps=%ld e0=%.9f e1=%.9f cx=%.9f\n", steps, e0, e1, cx / mt);
    return 0;
}
