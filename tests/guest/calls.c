/* Call-heavy work: recursion (Fibonacci, Ackermann, a recursive tree
 * walk), function-pointer dispatch through a table of tiny operations,
 * a chain of small non-inlined calls with stack arguments and 64-bit
 * results.  Every callee is noinline/noclone so each one is a real BL,
 * BLX or BX LR; return addresses, pushes and pops dominate.  The work of
 * a round depends only on round % 8, so time grows linearly with ITERS. */
#include "guest.h"

#ifndef ITERS
#define ITERS 8             /* rounds */
#endif

#define NOINLINE __attribute__((noinline, noclone))

/* ---- plain recursion ---------------------------------------------------- */

NOINLINE static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

static uint32_t ack_calls;

NOINLINE static uint32_t ack(uint32_t m, uint32_t n)
{
    ack_calls++;
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

/* a perfect binary "tree" of the given depth, walked recursively: each
 * node's value comes from its path, combined on the way back up */
NOINLINE static uint32_t tree(uint32_t depth, uint32_t path)
{
    if (depth == 0)
        return path * 2654435761u;
    uint32_t l = tree(depth - 1, path * 2);
    uint32_t r = tree(depth - 1, path * 2 + 1);
    return (l ^ (r << 3 | r >> 29)) + depth;
}

/* ---- function-pointer dispatch ------------------------------------------ */

typedef uint32_t (*op_fn)(uint32_t acc, uint32_t arg);

NOINLINE static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
NOINLINE static uint32_t op_sub(uint32_t a, uint32_t b) { return a - b * 3; }
NOINLINE static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ (b << 7); }
NOINLINE static uint32_t op_rot(uint32_t a, uint32_t b) { b &= 31; return b ? a << b | a >> (32 - b) : a; }
NOINLINE static uint32_t op_mul(uint32_t a, uint32_t b) { return a * (b | 1); }
NOINLINE static uint32_t op_min(uint32_t a, uint32_t b) { return a < b ? a + 1 : b ^ a; }
NOINLINE static uint32_t op_div(uint32_t a, uint32_t b) { return a / ((b & 0xff) + 1) + a; }
NOINLINE static uint32_t op_not(uint32_t a, uint32_t b) { return ~a + (b >> 5); }

static op_fn const ops[8] = { op_add, op_sub, op_xor, op_rot, op_mul, op_min, op_div, op_not };

#define PROG_LEN 64
static uint8_t prog_op[PROG_LEN];
static uint32_t prog_arg[PROG_LEN];

NOINLINE static uint32_t run_program(uint32_t acc, int steps)
{
    for (int i = 0; i < steps; i++) {
        int pc = i % PROG_LEN;
        acc = ops[prog_op[pc]](acc, prog_arg[pc] + (uint32_t)i);
    }
    return acc;
}

/* a second dispatcher: the callee returns the next function to call */
struct state;
typedef const void *(*state_fn)(struct state *s);
struct state { uint32_t x, steps; };

NOINLINE static const void *st_a(struct state *s);
NOINLINE static const void *st_b(struct state *s);
NOINLINE static const void *st_c(struct state *s);

NOINLINE static const void *st_a(struct state *s)
{
    s->x = s->x * 3 + 1;
    return s->x & 4 ? (const void *)st_b : (const void *)st_c;
}

NOINLINE static const void *st_b(struct state *s)
{
    s->x ^= s->x >> 3;
    return s->x & 2 ? (const void *)st_c : (const void *)st_a;
}

NOINLINE static const void *st_c(struct state *s)
{
    s->x += 0x9e3779b9u;
    return (const void *)st_a;
}

NOINLINE static uint32_t run_states(uint32_t x, uint32_t steps)
{
    struct state s = { x, 0 };
    state_fn f = st_a;

    while (s.steps++ < steps)
        f = (state_fn)f(&s);
    return s.x;
}

/* ---- small calls: stack arguments, 64-bit results, a call chain --------- */

NOINLINE static uint32_t mix6(uint32_t a, uint32_t b, uint32_t c,
                              uint32_t d, uint32_t e, uint32_t f)
{
    return (a ^ b) + (c << 1) - d + (e ^ (f >> 2));
}

NOINLINE static uint64_t widen(uint32_t a, uint32_t b)
{
    return (uint64_t)a * b + a;
}

NOINLINE static uint32_t level3(uint32_t x) { return x * 5 + 1; }
NOINLINE static uint32_t level2(uint32_t x) { return level3(x) ^ level3(x >> 1); }
NOINLINE static uint32_t level1(uint32_t x) { return level2(x) + level2(x + 7); }

NOINLINE static uint32_t small_calls(uint32_t seed, int n)
{
    uint32_t acc = 0;

    for (int i = 0; i < n; i++) {
        uint32_t r = lcg_next(&seed);
        uint64_t w = widen(r, acc | 1);
        acc += mix6(r, acc, (uint32_t)w, (uint32_t)(w >> 32), (uint32_t)i, r >> 16);
        acc ^= level1(acc);
    }
    return acc;
}

int main(void)
{
    uint32_t seed = 2024, combined = 0;

    for (int i = 0; i < PROG_LEN; i++) {
        uint32_t r = lcg_next(&seed);
        prog_op[i] = r >> 29;
        prog_arg[i] = r;
    }
    printf("calls: fib(10)=%u ack(2,3)=%u ack(3,3)=%u tree(3,1)=%08x\n",
           fib(10), ack(2, 3), ack(3, 3), tree(3, 1));
    for (int round = 0; round < ITERS; round++) {
        uint32_t n = 19 + (uint32_t)round % 4;
        uint32_t f = fib(n);
        ack_calls = 0;
        uint32_t a = ack(2, 20 + (uint32_t)round % 8) + ack(3, 3 + (uint32_t)round % 2);
        uint32_t t = tree(12, (uint32_t)round);
        uint32_t p = run_program(seed ^ (uint32_t)round, 8000);
        uint32_t s = run_states((uint32_t)round, 8000);
        uint32_t c = small_calls(seed + (uint32_t)round, 1500);
        printf("round %2d fib(%u)=%5u ack=%4u (%5u calls) tree=%08x prog=%08x states=%08x small=%08x\n",
               round, n, f, a, ack_calls, t, p, s, c);
        combined = combined * 33 + (f ^ a ^ t ^ p ^ s ^ c);
    }
    printf("calls: %d rounds, combined %08x\n", ITERS, combined);
    return 0;
}
