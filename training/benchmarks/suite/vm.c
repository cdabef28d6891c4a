/* vm: a small stack-based bytecode interpreter (switch dispatch, locals, calls) running bytecode
 * programs for primes, Collatz lengths and a recursive Fibonacci. rlopt-suite-v0, written for rlopt. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum op { PUSH, LOAD, STORE, ADD, SUB, MUL, MOD, DIV2, LT, EQ, JMP, JZ, CALL, RET, PRINT_ACC, HALT, DUP, POP };

struct frame { int ret_pc; int base; };

static int64_t run(const int *code, int entry, int64_t arg, long *steps) {
    int64_t stack[1024], locals[4096];
    struct frame frames[256];
    int sp = 0, pc = entry, fp = 0, base = 0;
    int64_t acc = 0;
    locals[0] = arg;
    for (;;) {
        ++*steps;
        int op = code[pc++];
        switch (op) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case LOAD: stack[sp++] = locals[base + code[pc++]]; break;
        case STORE: locals[base + code[pc++]] = stack[--sp]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case MOD: sp--; stack[sp - 1] %= stack[sp]; break;
        case DIV2: stack[sp - 1] /= 2; break;
        case LT: sp--; stack[sp - 1] = stack[sp - 1] < stack[sp]; break;
        case EQ: sp--; stack[sp - 1] = stack[sp - 1] == stack[sp]; break;
        case JMP: pc = code[pc]; break;
        case JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
        case CALL: /* callee's local 0 = argument popped from the stack */
            frames[fp++] = (struct frame){pc + 1, base};
            base += 8;
            locals[base] = stack[--sp];
            pc = code[pc];
            break;
        case RET:
            if (fp == 0) return stack[sp - 1];
            fp--; pc = frames[fp].ret_pc; base = frames[fp].base;
            break;
        case PRINT_ACC: acc += stack[--sp]; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case POP: sp--; break;
        case HALT: return acc;
        default: return -1;
        }
    }
}

/* A tiny assembler with back-patched labels keeps the bytecode programs readable. */
struct asm_buf { int code[512]; int len; };
static int emit(struct asm_buf *a, int v) { a->code[a->len] = v; return a->len++; }

static int build_primes(struct asm_buf *a) {
    int entry = a->len;
    emit(a, PUSH); emit(a, 0); emit(a, STORE); emit(a, 1);          /* count = 0 */
    emit(a, PUSH); emit(a, 2); emit(a, STORE); emit(a, 2);          /* i = 2 */
    int outer = a->len;
    emit(a, LOAD); emit(a, 2); emit(a, LOAD); emit(a, 0); emit(a, LT);
    emit(a, JZ); int exit_fix = emit(a, 0);
    emit(a, PUSH); emit(a, 2); emit(a, STORE); emit(a, 3);          /* d = 2 */
    int inner = a->len;
    emit(a, LOAD); emit(a, 3); emit(a, LOAD); emit(a, 3); emit(a, MUL);
    emit(a, LOAD); emit(a, 2); emit(a, PUSH); emit(a, 1); emit(a, ADD); emit(a, LT);
    emit(a, JZ); int prime_fix = emit(a, 0);                        /* d*d > i: prime */
    emit(a, LOAD); emit(a, 2); emit(a, LOAD); emit(a, 3); emit(a, MOD);
    emit(a, JZ); int composite_fix = emit(a, 0);
    emit(a, LOAD); emit(a, 3); emit(a, PUSH); emit(a, 1); emit(a, ADD); emit(a, STORE); emit(a, 3);
    emit(a, JMP); emit(a, inner);
    a->code[prime_fix] = a->len;
    emit(a, LOAD); emit(a, 1); emit(a, PUSH); emit(a, 1); emit(a, ADD); emit(a, STORE); emit(a, 1);
    a->code[composite_fix] = a->len;
    emit(a, LOAD); emit(a, 2); emit(a, PUSH); emit(a, 1); emit(a, ADD); emit(a, STORE); emit(a, 2);
    emit(a, JMP); emit(a, outer);
    a->code[exit_fix] = a->len;
    emit(a, LOAD); emit(a, 1); emit(a, RET);
    return entry;
}

/* fib(n) = n < 2 ? n : fib(n-1) + fib(n-2), with real CALL/RET frames */
static int build_fib(struct asm_buf *a) {
    int entry = a->len;
    emit(a, LOAD); emit(a, 0); emit(a, PUSH); emit(a, 2); emit(a, LT);
    emit(a, JZ); int rec_fix = emit(a, 0);
    emit(a, LOAD); emit(a, 0); emit(a, RET);
    a->code[rec_fix] = a->len;
    emit(a, LOAD); emit(a, 0); emit(a, PUSH); emit(a, 1); emit(a, SUB); emit(a, CALL); emit(a, entry);
    emit(a, LOAD); emit(a, 0); emit(a, PUSH); emit(a, 2); emit(a, SUB); emit(a, CALL); emit(a, entry);
    emit(a, ADD); emit(a, RET);
    return entry;
}

/* sum of Collatz sequence lengths for 1..n-1 */
static int build_collatz(struct asm_buf *a) {
    int entry = a->len;
    emit(a, PUSH); emit(a, 0); emit(a, STORE); emit(a, 1);          /* total = 0 */
    emit(a, PUSH); emit(a, 1); emit(a, STORE); emit(a, 2);          /* k = 1 */
    int outer = a->len;
    emit(a, LOAD); emit(a, 2); emit(a, LOAD); emit(a, 0); emit(a, LT);
    emit(a, JZ); int exit_fix = emit(a, 0);
    emit(a, LOAD); emit(a, 2); emit(a, STORE); emit(a, 3);          /* x = k */
    int inner = a->len;
    emit(a, LOAD); emit(a, 3); emit(a, PUSH); emit(a, 1); emit(a, EQ);
    emit(a, JZ); int body_fix = emit(a, 0);
    emit(a, LOAD); emit(a, 2); emit(a, PUSH); emit(a, 1); emit(a, ADD); emit(a, STORE); emit(a, 2);
    emit(a, JMP); emit(a, outer);
    a->code[body_fix] = a->len;
    emit(a, LOAD); emit(a, 1); emit(a, PUSH); emit(a, 1); emit(a, ADD); emit(a, STORE); emit(a, 1);
    emit(a, LOAD); emit(a, 3); emit(a, PUSH); emit(a, 2); emit(a, MOD);
    emit(a, JZ); int even_fix = emit(a, 0);
    emit(a, LOAD); emit(a, 3); emit(a, PUSH); emit(a, 3); emit(a, MUL); emit(a, PUSH); emit(a, 1); emit(a, ADD);
    emit(a, STORE); emit(a, 3); emit(a, JMP); emit(a, inner);
    a->code[even_fix] = a->len;
    emit(a, LOAD); emit(a, 3); emit(a, DIV2); emit(a, STORE); emit(a, 3); emit(a, JMP); emit(a, inner);
    a->code[exit_fix] = a->len;
    emit(a, LOAD); emit(a, 1); emit(a, RET);
    return entry;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 30000;
    if (n < 2 || n > 10000000) { fprintf(stderr, "vm: size must be in 2..10000000\n"); return 1; }
    static struct asm_buf a;
    int primes = build_primes(&a), collatz = build_collatz(&a), fib = build_fib(&a);
    long steps = 0;
    int64_t p = run(a.code, primes, n, &steps);
    int64_t c = run(a.code, collatz, n / 2, &steps);
    int64_t f = run(a.code, fib, 10 + (n > 100 ? 10 : n / 10), &steps);
    printf("vm n=%ld primes=%lld collatz=%lld fib=%lld steps=%ld\n", n, (long long)p, (long long)c, (long long)f, steps);
    return 0;
}
