/* Pointers and control flow: structs, a linked list on the heap, recursion, a switch and function
   pointers (sroa, mem2reg, simplifycfg, inlining decisions). */
#include <stdio.h>
#include <stdlib.h>

struct node {
    int value;
    struct node *next;
};

struct pair {
    int a, b;
};

static struct node *push(struct node *head, int value) {
    struct node *n = malloc(sizeof *n);
    n->value = value;
    n->next = head;
    return n;
}

static int length(const struct node *n) { return n ? 1 + length(n->next) : 0; }

static int op_add(int x, int y) { return x + y; }
static int op_mul(int x, int y) { return x * y; }

static int apply(int (*f)(int, int), struct pair p) { return f(p.a, p.b); }

static int classify(int v) {
    switch (v % 5) {
    case 0: return 10;
    case 1: return v * 2;
    case 2: return v - 3;
    case 3: return -v;
    default: return 7;
    }
}

int fold(const struct node *n) {
    int acc = 0;
    for (; n; n = n->next)
        acc += classify(n->value);
    return acc;
}

int main(void) {
    struct node *head = NULL;
    for (int i = 0; i < 50; i++)
        head = push(head, i * 3);
    struct pair p = {length(head), fold(head)};
    printf("%d %d\n", apply(op_add, p), apply(op_mul, p));
    while (head) {
        struct node *next = head->next;
        free(head);
        head = next;
    }
    return 0;
}
