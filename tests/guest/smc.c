/* Self-modifying code.  The program writes A32 instructions into RAM,
 * makes them visible to instruction fetch the way the architecture asks
 * (ARM ARM DDI0406C B2.2.9: DCCMVAU per line, DSB, ICIMVAU per line or
 * ICIALLU, BPIALL, DSB, ISB), runs them and compares what they return
 * with a C model of the same instructions:
 *
 *   fresh    ITERS rounds that each rewrite the same 48 small functions
 *            with other instructions and constants (every slot changes),
 *            with a literal word next to the code that C updates as data
 *            between calls (no maintenance needed: it is only loaded);
 *   hot      a loop that runs thousands of times per phase, then has an
 *            instruction of its body (and sometimes the next one)
 *            patched, 2*ITERS times: a JIT will have compiled it;
 *   self     self_patch (smc_asm.S) rewrites an instruction of its own
 *            code, in the page it runs from, then the patched code runs
 *            ~1000 times unchanged before the next patch.
 *
 * Each line prints the model's value ("expected") and the executed one
 * ("got").  The native build of this file (tests/guest/common/host_shim.c)
 * cannot run A32 code: there "got" is the model too, so the native output
 * is the expected output of the guest, and QEMU must print the same. */
#include "guest.h"

#ifndef ITERS
#define ITERS 4             /* fresh rounds; hot and self phases are 2*ITERS */
#endif

#define NOINLINE __attribute__((noinline, noclone))

/* ---- A32 encodings (ARM ARM A8.8) ---------------------------------------- */

enum { OP_AND = 0, OP_EOR = 1, OP_SUB = 2, OP_RSB = 3, OP_ADD = 4, OP_ORR = 12, OP_MOV = 13,
       OP_MVN = 15 };
enum { SH_LSL = 0, SH_LSR = 1, SH_ASR = 2, SH_ROR = 3 };
#define COND_AL 0xE0000000u
#define COND_NE 0x10000000u
#define S_BIT (1u << 20)

/* data processing, immediate: imm12 = rotation/2 << 8 | imm8 */
static uint32_t dp_imm(uint32_t op, uint32_t rd, uint32_t rn, uint32_t rot, uint32_t imm8)
{
    return COND_AL | 1u << 25 | op << 21 | rn << 16 | rd << 12 | (rot / 2) << 8 | imm8;
}

/* data processing, register shifted by an immediate */
static uint32_t dp_reg(uint32_t op, uint32_t rd, uint32_t rn, uint32_t rm,
                       uint32_t type, uint32_t amount)
{
    return COND_AL | op << 21 | rn << 16 | rd << 12 | amount << 7 | type << 5 | rm;
}

#define INSN_BX_LR 0xE12FFF1Eu
#define INSN_NOP 0xE1A00000u                       /* mov r0, r0 */

static uint32_t ldr_literal(uint32_t rt, uint32_t offset)   /* ldr rt, [pc, #offset] */
{
    return COND_AL | 0x05900000u | 15u << 16 | rt << 12 | offset;
}

static uint32_t branch(uint32_t cond, uint32_t from_word, uint32_t to_word)
{
    uint32_t offset = (to_word - from_word - 2) & 0xFFFFFFu;  /* words from pc = insn + 8 */
    return cond | 0x0A000000u | offset;
}

static uint32_t ror32(uint32_t v, uint32_t n)
{
    n &= 31;
    return n ? v >> n | v << (32 - n) : v;
}

/* ---- making code visible to instruction fetch ----------------------------- */

#ifdef __arm__
typedef uint32_t (*code_fn)(uint32_t a, uint32_t b);
uint32_t self_patch(uint32_t x, uint32_t insn, uint32_t patch);   /* smc_asm.S */

static uint32_t line_sizes(uint32_t *iline)
{
    uint32_t ctr;

    __asm__ volatile("mrc p15, 0, %0, c0, c0, 1" : "=r"(ctr));     /* CTR */
    *iline = 4u << (ctr & 15);                                     /* IminLine */
    return 4u << ((ctr >> 16) & 15);                               /* DminLine */
}

/* by address: DCCMVAU, DSB, ICIMVAU, BPIALL, DSB, ISB */
static void sync_code(const volatile void *start, const volatile void *end)
{
    uint32_t iline, dline = line_sizes(&iline);
    uintptr_t a;

    for (a = (uintptr_t)start & ~(uintptr_t)(dline - 1); a < (uintptr_t)end; a += dline)
        __asm__ volatile("mcr p15, 0, %0, c7, c11, 1" : : "r"(a) : "memory");
    __asm__ volatile("dsb" : : : "memory");
    for (a = (uintptr_t)start & ~(uintptr_t)(iline - 1); a < (uintptr_t)end; a += iline)
        __asm__ volatile("mcr p15, 0, %0, c7, c5, 1" : : "r"(a) : "memory");
    __asm__ volatile("mcr p15, 0, %0, c7, c5, 6" : : "r"(0) : "memory");
    __asm__ volatile("dsb\n\tisb" : : : "memory");
}

/* the whole instruction cache: DCCMVAU by line, DSB, ICIALLU, BPIALL, DSB, ISB */
static void sync_code_all(const volatile void *start, const volatile void *end)
{
    uint32_t iline, dline = line_sizes(&iline);

    for (uintptr_t a = (uintptr_t)start & ~(uintptr_t)(dline - 1); a < (uintptr_t)end; a += dline)
        __asm__ volatile("mcr p15, 0, %0, c7, c11, 1" : : "r"(a) : "memory");
    __asm__ volatile("dsb" : : : "memory");
    __asm__ volatile("mcr p15, 0, %0, c7, c5, 0" : : "r"(0) : "memory");
    __asm__ volatile("mcr p15, 0, %0, c7, c5, 6" : : "r"(0) : "memory");
    __asm__ volatile("dsb\n\tisb" : : : "memory");
}

static uint32_t call(volatile uint32_t *code, uint32_t a, uint32_t b)
{
    return ((code_fn)(uintptr_t)code)(a, b);
}
#endif

/* one page per kind of test, all in RAM (.bss) */
static volatile uint32_t code_page[2][1024] __attribute__((aligned(4096)));

static int failures;

static uint32_t hash(uint32_t h, uint32_t v)
{
    return (h ^ v) * 16777619u;
}

static void report(const char *what, int index, uint32_t insn, uint32_t expected, uint32_t got)
{
    int ok = expected == got;

    printf("%-5s %2d insn %08x: expected %08x got %08x %s\n",
           what, index, insn, expected, got, ok ? "ok" : "WRONG");
    failures += !ok;
}

/* ---- fresh: 48 functions of 4 words, all rewritten every round ------------ */

#define NFUNC 48
#define FRESH_CALLS 16

/* slot kinds:
 *   0: ldr r0, [pc, #4]; add r0, r0, r1; bx lr; .word literal  -> lit + x
 *   1: mov r0, #k; eor r0, r0, r1; bx lr                        -> k ^ x
 *   2: mov r0, #k; sub r0, r1, r0; bx lr                        -> x - k
 *   3: mov r0, #ror(k, 8); orr r0, r0, r1, lsl #3; bx lr        -> ror(k, 8) | x << 3 */
static uint32_t fresh_model(uint32_t kind, uint32_t k, uint32_t lit, uint32_t x)
{
    switch (kind) {
    case 0: return lit + x;
    case 1: return k ^ x;
    case 2: return x - k;
    default: return ror32(k, 8) | x << 3;
    }
}

static void fresh_emit(volatile uint32_t *w, uint32_t kind, uint32_t k)
{
    switch (kind) {
    case 0:
        w[0] = ldr_literal(0, 4);
        w[1] = dp_reg(OP_ADD, 0, 0, 1, SH_LSL, 0);
        break;
    case 1:
        w[0] = dp_imm(OP_MOV, 0, 0, 0, k);
        w[1] = dp_reg(OP_EOR, 0, 0, 1, SH_LSL, 0);
        break;
    case 2:
        w[0] = dp_imm(OP_MOV, 0, 0, 0, k);
        w[1] = dp_reg(OP_SUB, 0, 1, 0, SH_LSL, 0);
        break;
    default:
        w[0] = dp_imm(OP_MOV, 0, 0, 8, k);
        w[1] = dp_reg(OP_ORR, 0, 0, 1, SH_LSL, 3);
        break;
    }
    w[2] = INSN_BX_LR;
    w[3] = 0;
}

NOINLINE static void fresh_round(int round, uint32_t *seed)
{
    volatile uint32_t *page = code_page[0];
    uint32_t expected = 2166136261u, got = expected;

    for (uint32_t i = 0; i < NFUNC; i++)
        fresh_emit(page + 4 * i, (i + (uint32_t)round) % 4, (i * 37 + (uint32_t)round * 11) & 0xff);
#ifdef __arm__
    if (round % 2)
        sync_code(page, page + 4 * NFUNC);
    else
        sync_code_all(page, page + 4 * NFUNC);
#endif
    for (int c = 0; c < FRESH_CALLS; c++)
        for (uint32_t i = 0; i < NFUNC; i++) {
            uint32_t kind = (i + (uint32_t)round) % 4, k = (i * 37 + (uint32_t)round * 11) & 0xff;
            uint32_t x = lcg_next(seed), lit = x >> 7 ^ i;
            page[4 * i + 3] = lit;                  /* data next to the code */
            uint32_t want = fresh_model(kind, k, lit, x);
            expected = hash(expected, want);
#ifdef __arm__
            got = hash(got, call(page + 4 * i, 0, x));
#else
            got = hash(got, want);
#endif
        }
    report("fresh", round, page[4 * (round % NFUNC)], expected, got);
}

/* ---- hot: a loop patched after it has run thousands of times -------------- */

#define HOT_N 200           /* loop iterations per call */
#define HOT_CALLS 40        /* calls per phase: 8000 runs of the loop body */

/*  0: mov r2, #0
 *  1: loop: <body>                      r2 = body(r2, r1)     (patched)
 *  2: add r2, r2, r2, ror #rot                                (patched)
 *  3: subs r0, r0, #1
 *  4: bne loop
 *  5: mov r0, r2
 *  6: bx lr                                 f(n, x) */
static uint32_t hot_body(uint32_t v)
{
    uint32_t imm = (v * 29 + 5) & 0xff;

    switch (v % 8) {
    case 0: return dp_reg(OP_ADD, 2, 2, 1, SH_LSL, 0);
    case 1: return dp_reg(OP_EOR, 2, 2, 1, SH_LSL, 0);
    case 2: return dp_reg(OP_SUB, 2, 2, 1, SH_LSL, 0);
    case 3: return dp_imm(OP_ADD, 2, 2, 0, imm);
    case 4: return dp_imm(OP_EOR, 2, 2, 0, imm);
    case 5: return dp_imm(OP_RSB, 2, 2, 0, imm);
    case 6: return dp_reg(OP_ORR, 2, 2, 1, SH_LSL, 4);
    default: return dp_reg(OP_ADD, 2, 1, 2, SH_LSR, 1);
    }
}

static uint32_t hot_rot(uint32_t v)
{
    return v % 2 ? (v * 3 + 1) % 31 + 1 : 27;      /* 1..31: ror #0 would be RRX */
}

static uint32_t hot_model(uint32_t v, uint32_t n, uint32_t x)
{
    uint32_t r2 = 0, imm = (v * 29 + 5) & 0xff;

    while (n--) {
        switch (v % 8) {
        case 0: r2 = r2 + x; break;
        case 1: r2 = r2 ^ x; break;
        case 2: r2 = r2 - x; break;
        case 3: r2 = r2 + imm; break;
        case 4: r2 = r2 ^ imm; break;
        case 5: r2 = imm - r2; break;
        case 6: r2 = r2 | x << 4; break;
        default: r2 = x + (r2 >> 1); break;
        }
        r2 = r2 + ror32(r2, hot_rot(v));
    }
    return r2;
}

NOINLINE static void hot_phase(uint32_t v, uint32_t *seed)
{
    volatile uint32_t *w = code_page[1] + 512;     /* mid-page */
    uint32_t expected = 2166136261u, got = expected;

    if (v == 0) {
        w[0] = dp_imm(OP_MOV, 2, 0, 0, 0);
        w[3] = dp_imm(OP_SUB, 0, 0, 0, 1) | S_BIT;
        w[4] = branch(COND_NE, 4, 1);
        w[5] = dp_reg(OP_MOV, 0, 0, 2, SH_LSL, 0);
        w[6] = INSN_BX_LR;
    }
    w[1] = hot_body(v);
    w[2] = dp_reg(OP_ADD, 2, 2, 2, SH_ROR, hot_rot(v));
#ifdef __arm__
    if (v == 0)
        sync_code(w, w + 7);
    else
        sync_code(w + 1, w + 3);
#endif
    uint32_t x = lcg_next(seed);
    for (int c = 0; c < HOT_CALLS; c++) {
        uint32_t want = hot_model(v, HOT_N, x);
        expected = hash(expected, want);
#ifdef __arm__
        uint32_t r = call(w, HOT_N, x);
#else
        uint32_t r = want;
#endif
        got = hash(got, r);
        x = r ^ (uint32_t)c;
    }
    report("hot", (int)v, w[1], expected, got);
}

/* ---- self: self_patch rewrites the instruction it then runs -------------- */

#define SELF_CALLS 1000

/* the patched instruction works on r0 = x */
static uint32_t self_insn(uint32_t p)
{
    uint32_t k = (p * 53 + 7) & 0xff;

    switch (p % 6) {
    case 0: return INSN_NOP;
    case 1: return dp_imm(OP_ADD, 0, 0, 0, k);
    case 2: return dp_imm(OP_EOR, 0, 0, 0, k);
    case 3: return dp_imm(OP_RSB, 0, 0, 0, k);
    case 4: return dp_reg(OP_MOV, 0, 0, 0, SH_ROR, k % 31 + 1);
    default: return dp_imm(OP_SUB, 0, 0, 8, k);
    }
}

static uint32_t self_model(uint32_t p, uint32_t x)
{
    uint32_t k = (p * 53 + 7) & 0xff;

    switch (p % 6) {
    case 0: return x;
    case 1: return x + k;
    case 2: return x ^ k;
    case 3: return k - x;
    case 4: return ror32(x, k % 31 + 1);
    default: return x - ror32(k, 8);
    }
}

NOINLINE static void self_phase(uint32_t p, uint32_t *seed)
{
    uint32_t insn = self_insn(p), expected = 2166136261u, got = expected;

    for (int c = 0; c < SELF_CALLS; c++) {
        uint32_t x = lcg_next(seed), want = self_model(p, x);
        expected = hash(expected, want);
#ifdef __arm__
        got = hash(got, self_patch(x, insn, c == 0));   /* patches on the first call */
#else
        got = hash(got, want);
#endif
    }
    report("self", (int)p, insn, expected, got);
}

int main(void)
{
    uint32_t seed = 4242;

    printf("smc: code pages at +%x, +%x from the first\n", 0u,
           (uint32_t)((uintptr_t)code_page[1] - (uintptr_t)code_page[0]));
    for (int round = 0; round < ITERS; round++)
        fresh_round(round, &seed);
    for (uint32_t v = 0; v < 2 * ITERS; v++)
        hot_phase(v, &seed);
    for (uint32_t p = 0; p < 2 * ITERS; p++)
        self_phase(p, &seed);
    printf("smc: %s (%d wrong)\n", failures ? "FAIL" : "PASS", failures);
    return failures;
}
