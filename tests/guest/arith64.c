/* 64-bit integer arithmetic on LCG values: add, sub, mul, div, mod and
 * shifts, signed and unsigned (division goes through libgcc's
 * __aeabi_ldivmod/__aeabi_uldivmod on the guest).  The first values are
 * printed in full, then per-operation checksums. */
#include "guest.h"

#ifndef ITERS
#define ITERS 12000         /* value pairs */
#endif
#define SHOWN 12            /* pairs printed in full */

enum { OP_ADD, OP_SUB, OP_MUL, OP_UDIV, OP_UMOD, OP_SDIV, OP_SMOD,
       OP_SHL, OP_LSR, OP_ASR, OP_MULHI, OP_CMP, NUM_OPS };
static const char *const op_names[NUM_OPS] = {
    "add", "sub", "mul", "udiv", "umod", "sdiv", "smod",
    "shl", "lsr", "asr", "mulhi", "cmp",
};

static uint64_t rand64(uint32_t *seed)
{
    uint64_t hi = lcg_next(seed), lo = lcg_next(seed);
    uint32_t r = lcg_next(seed);
    /* vary the magnitude so divisions see small and large operands,
     * and the sign so signed operations see negative ones */
    uint64_t v = (hi << 32 | lo) >> (r % 64);
    return r & 0x100 ? (uint64_t)-(int64_t)v : v;
}

/* high 64 bits of a 64x64 unsigned product, from 32-bit halves */
static uint64_t mulhi64(uint64_t a, uint64_t b)
{
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    return hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

static void compute(uint64_t a, uint64_t b, uint64_t r[NUM_OPS])
{
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    unsigned sh = (unsigned)(b % 64);

    if (b == 0)
        b = sb = 1;                            /* no division by zero */
    if (sa == (int64_t)0x8000000000000000ull && sb == -1)
        sb = 1;                                /* no INT64_MIN / -1 */
    r[OP_ADD] = a + b;
    r[OP_SUB] = a - b;
    r[OP_MUL] = a * b;
    r[OP_UDIV] = a / b;
    r[OP_UMOD] = a % b;
    r[OP_SDIV] = (uint64_t)(sa / sb);
    r[OP_SMOD] = (uint64_t)(sa % sb);
    r[OP_SHL] = a << sh;
    r[OP_LSR] = a >> sh;
    r[OP_ASR] = (uint64_t)(sa >> sh);          /* arithmetic on both compilers */
    r[OP_MULHI] = mulhi64(a, b);
    r[OP_CMP] = (uint64_t)((sa < sb) | (a < b) << 1 | (sa == sb) << 2 | (sa >= sb) << 3);
}

int main(void)
{
    uint32_t seed = 0x5eed;
    uint64_t sums[NUM_OPS] = {0};
    uint64_t r[NUM_OPS];

    for (int i = 0; i < ITERS; i++) {
        uint64_t a = rand64(&seed), b = rand64(&seed);
        if (i % 8 == 7)
            b = (uint64_t)-(int64_t)(b >> 40);  /* small negative divisors */
        compute(a, b, r);
        for (int k = 0; k < NUM_OPS; k++)
            sums[k] = (sums[k] ^ r[k]) * 0x100000001b3ull;   /* FNV-style mix */
        if (i < SHOWN) {
            printf("a=%016llx b=%016llx (%lld, %lld)\n", a, b, (int64_t)a, (int64_t)b);
            for (int k = 0; k < NUM_OPS; k++)
                printf("  %-5s %016llx %lld\n", op_names[k], r[k], (int64_t)r[k]);
        }
    }
    for (int k = 0; k < NUM_OPS; k++)
        printf("sum %-5s %016llx\n", op_names[k], sums[k]);
    printf("arith64: %d pairs\n", ITERS);
    return 0;
}
