/* IR features csmith never generates, for the parser's oracle test (tests/test_graph_oracle.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <complex.h>

typedef int v4si __attribute__((vector_size(16)));
struct bits { unsigned a : 3, b : 5; int c; };
static _Atomic int counter;
static volatile int flag;
static jmp_buf env;

int sum(int n, ...) {
    va_list ap;
    va_start(ap, n);
    int s = 0;
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap);
    return s;
}

int atomics(int *p, int v) {
    atomic_fetch_add(&counter, v);
    atomic_fetch_sub_explicit(&counter, 1, memory_order_relaxed);
    int expected = v;
    atomic_compare_exchange_strong(&counter, &expected, v + 1);
    __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST);
    __atomic_exchange_n(p, v, __ATOMIC_ACQ_REL);
    __sync_fetch_and_or(p, 4);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    float f = 0;
    __atomic_fetch_add(&f, 1.0f, __ATOMIC_RELAXED);
    flag = 1;
    return atomic_load(&counter) + *p + (int)f;
}

int dispatch(int op, int x) {
    static void *labels[] = {&&add, &&mul, &&done};
    goto *labels[op % 3];
add:
    x += 3;
mul:
    x *= 5;
done:
    return x;
}

v4si vectors(v4si a, v4si b) {
    v4si c = a * b + (v4si){1, 2, 3, 4};
    return __builtin_shufflevector(c, a, 0, 5, 2, 7);
}

double complex cplx(double complex z) { return z * z + 1.0; }

__int128 wide(__int128 a, long double d) { return a * 3 + (__int128)d; }

int asm_and_bits(struct bits *s, int x) {
    int y;
    __asm__("movl %1, %0" : "=r"(y) : "r"(x));
    s->a = y;
    s->b += s->a;
    return s->b + s->c;
}

int jumps(int x) {
    if (setjmp(env)) return -1;
    switch (x) {
    case 0: return sum(3, 1, 2, 3);
    case 5: longjmp(env, 1);
    case 9: return dispatch(x, x);
    default: return x;
    }
}

int asm_goto(int x) {
    asm goto("testl %0, %0; jne %l[nonzero]" : : "r"(x) : : nonzero);
    return 0;
nonzero:
    return 1;
}

int tail_callee(int);
int tail(int x) { __attribute__((musttail)) return tail_callee(x + 1); }

_BitInt(37) odd_width(_BitInt(37) a) { return a * 5 + __builtin_popcount((unsigned)a); }
