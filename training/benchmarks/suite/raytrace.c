/* raytrace: a small fixed-point (16.16) ray tracer: spheres over a checkered plane, one point light,
 * diffuse shading, hard shadows and one mirror bounce, rendered to a checksum. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef int32_t fx;
#define FX(x) ((fx)((x) * 65536))
static fx fmul(fx a, fx b) { return (fx)(((int64_t)a * b) / 65536); }
static fx fdiv(fx a, fx b) { return (fx)(((int64_t)a * 65536) / b); }

static fx fsqrt(fx a) { /* integer square root of a * 2^16 */
    if (a <= 0) return 0;
    uint64_t v = (uint64_t)a << 16, r = 0, bit = (uint64_t)1 << 46;
    while (bit > v) bit >>= 2;
    while (bit) {
        if (v >= r + bit) { v -= r + bit; r = (r >> 1) + bit; } else r >>= 1;
        bit >>= 2;
    }
    return (fx)r;
}

struct vec { fx x, y, z; };
static struct vec vsub(struct vec a, struct vec b) { return (struct vec){a.x - b.x, a.y - b.y, a.z - b.z}; }
static struct vec vadd(struct vec a, struct vec b) { return (struct vec){a.x + b.x, a.y + b.y, a.z + b.z}; }
static struct vec vscale(struct vec a, fx s) { return (struct vec){fmul(a.x, s), fmul(a.y, s), fmul(a.z, s)}; }
static fx vdot(struct vec a, struct vec b) { return fmul(a.x, b.x) + fmul(a.y, b.y) + fmul(a.z, b.z); }
static struct vec vnorm(struct vec a) { fx l = fsqrt(vdot(a, a)); return l ? (struct vec){fdiv(a.x, l), fdiv(a.y, l), fdiv(a.z, l)} : a; }

struct sphere { struct vec c; fx r; int color; };
static const struct sphere SPHERES[] = {
    {{FX(0), FX(1), FX(6)}, FX(1), 200}, {{FX(-2.2), FX(0.7), FX(7)}, FX(0.7), 140},
    {{FX(2), FX(0.5), FX(5)}, FX(0.5), 250}, {{FX(0.8), FX(2.5), FX(9)}, FX(1.2), 90}};
enum { NS = sizeof SPHERES / sizeof SPHERES[0] };
static const struct vec LIGHT = {FX(-4), FX(6), FX(0)};

/* nearest hit: returns t (0 if none), object index in *obj (-1 = plane y=0) */
static fx intersect(struct vec o, struct vec d, int *obj) {
    fx best = 0;
    *obj = -2;
    for (int i = 0; i < NS; i++) {
        struct vec oc = vsub(o, SPHERES[i].c);
        fx b = vdot(oc, d), c = vdot(oc, oc) - fmul(SPHERES[i].r, SPHERES[i].r), disc = fmul(b, b) - c;
        if (disc <= 0) continue;
        fx t = -b - fsqrt(disc);
        if (t > FX(0.01) && (best == 0 || t < best)) { best = t; *obj = i; }
    }
    if (d.y < -FX(0.001)) {
        fx t = fdiv(-o.y, d.y);
        if (t > FX(0.01) && t < FX(100) && (best == 0 || t < best)) { best = t; *obj = -1; }
    }
    return best;
}

static int shade(struct vec o, struct vec d, int depth) {
    int obj;
    fx t = intersect(o, d, &obj);
    if (obj == -2) return 30 + (d.y > 0 ? (int)(d.y >> 11) : 0); /* sky gradient */
    struct vec p = vadd(o, vscale(d, t)), n;
    int base;
    if (obj == -1) {
        n = (struct vec){0, FX(1), 0};
        base = (((p.x >> 16) + (p.z >> 16)) & 1) ? 200 : 60;
    } else {
        n = vnorm(vsub(p, SPHERES[obj].c));
        base = SPHERES[obj].color;
    }
    struct vec l = vnorm(vsub(LIGHT, p));
    fx diff = vdot(n, l);
    int shadow_obj;
    struct vec po = vadd(p, vscale(n, FX(0.02)));
    if (diff > 0 && intersect(po, l, &shadow_obj) && shadow_obj >= 0) diff /= 4;
    int color = 20 + (int)(((int64_t)base * (diff > 0 ? diff : 0)) >> 16);
    if (depth < 2 && obj >= 0) { /* mirror bounce */
        struct vec r = vsub(d, vscale(n, 2 * vdot(d, n)));
        color = (color * 3 + shade(po, vnorm(r), depth + 1)) / 4;
    }
    return color > 255 ? 255 : color;
}

int main(int argc, char **argv) {
    long side = argc > 1 ? strtol(argv[1], NULL, 10) : 600;
    if (side < 4 || side > 4096) { fprintf(stderr, "raytrace: size must be in 4..4096\n"); return 1; }
    int w = (int)side, h = (int)side * 3 / 4;
    uint32_t chk = 0;
    long sum = 0;
    struct vec eye = {0, FX(1.2), FX(-1)};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            struct vec d = {fdiv(FX(2) * x - FX(1) * w, FX(1) * w), fdiv(FX(1) * (h - 2 * y), FX(1) * w) , FX(1)};
            int c = shade(eye, vnorm(d), 0);
            sum += c;
            chk = chk * 16777619u ^ (uint32_t)c;
        }
    printf("raytrace %dx%d mean=%ld checksum=%08x\n", w, h, sum / ((long)w * h), chk);
    return 0;
}
