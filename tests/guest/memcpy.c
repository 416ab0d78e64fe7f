/* Memory-heavy work over two 192 KiB buffers: LCG fill, byte / word /
 * unrolled / backward-overlapping copies, strided byte, halfword and
 * word loads and stores, and hashes of the result.  Loads and stores
 * dominate; every access is naturally aligned (the MMU is off, so data
 * memory is Strongly-ordered).  Every round does the same amount of work,
 * so time grows linearly with ITERS. */
#include "guest.h"

#ifndef ITERS
#define ITERS 2             /* rounds over the buffers */
#endif

#define NOINLINE __attribute__((noinline, noclone))
#define WORDS (48 * 1024)   /* 192 KiB per buffer */
#define BYTES (WORDS * 4)
#define HALVES (WORDS * 2)

/* the buffers are read as bytes, halfwords and words */
typedef uint16_t __attribute__((may_alias)) u16a;
typedef uint32_t __attribute__((may_alias)) u32a;
typedef uint64_t __attribute__((may_alias)) u64a;

static uint32_t src_buf[WORDS] __attribute__((aligned(8)));
static uint32_t dst_buf[WORDS] __attribute__((aligned(8)));
#define SRC8 ((uint8_t *)src_buf)
#define DST8 ((uint8_t *)dst_buf)
#define SRC16 ((u16a *)src_buf)
#define DST16 ((u16a *)dst_buf)

NOINLINE static void fill(u32a *w, uint32_t n, uint32_t seed)
{
    for (uint32_t i = 0; i < n; i++)
        w[i] = lcg_next(&seed);
}

NOINLINE static void copy_bytes(uint8_t *d, const uint8_t *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        d[i] = s[i];
}

NOINLINE static void copy_words(u32a *d, const u32a *s, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        d[i] = s[i];
}

/* four words per step through pointers (gcc makes ldm/stm or ldrd/strd) */
NOINLINE static void copy_unrolled(u32a *d, const u32a *s, uint32_t n)
{
    const u32a *end = s + (n & ~3u);

    while (s < end) {
        uint32_t a = s[0], b = s[1], c = s[2], e = s[3];
        d[0] = a; d[1] = b; d[2] = c; d[3] = e;
        d += 4;
        s += 4;
    }
    for (uint32_t i = 0; i < (n & 3); i++)
        d[i] = s[i];
}

/* memmove to a higher address inside one buffer: copies from the end */
NOINLINE static void move_up(uint8_t *base, uint32_t from, uint32_t to, uint32_t n)
{
    for (uint32_t i = n; i-- > 0;)
        base[to + i] = base[from + i];
}

NOINLINE static uint32_t sum_bytes(const uint8_t *b, uint32_t n, uint32_t stride)
{
    uint32_t s = 0;

    for (uint32_t i = 0; i < n; i += stride)
        s += b[i] * (i | 1);
    return s;
}

NOINLINE static uint32_t sum_halves(const u16a *h, uint32_t n, uint32_t stride)
{
    uint32_t s = 0;

    for (uint32_t i = 0; i < n; i += stride)
        s = (s << 1 | s >> 31) + h[i];
    return s;
}

/* visits every word once in a scattered order (stride odd, n a power of 2) */
NOINLINE static uint32_t sum_words_scattered(const u32a *w, uint32_t n, uint32_t stride)
{
    uint32_t s = 0, j = 0;

    for (uint32_t i = 0; i < n; i++) {
        s ^= w[j] + i;
        j = (j + stride) & (n - 1);
    }
    return s;
}

NOINLINE static void scatter_stores(uint8_t *b, u16a *h, u32a *w, uint32_t round)
{
    for (uint32_t i = 0; i < BYTES; i += 7)
        b[i] ^= (uint8_t)(i + round);
    for (uint32_t i = 1; i < HALVES; i += 11)
        h[i] += (uint16_t)(i * 3);
    for (uint32_t i = 2; i < WORDS; i += 5)
        w[i] = w[i - 2] - w[i - 1];
}

/* 64-bit stores and loads through uint64_t (ldrd/strd: 8-byte stride) */
NOINLINE static uint64_t swap_halves64(uint32_t *w, uint32_t n)
{
    u64a *q = (u64a *)w;
    uint64_t acc = 0;

    for (uint32_t i = 0; i < n / 2; i++) {
        uint64_t v = q[i];
        q[i] = v << 32 | v >> 32;
        acc += v;
    }
    return acc;
}

NOINLINE static uint32_t fnv1a(const uint8_t *b, uint32_t n)
{
    uint32_t h = 2166136261u;

    for (uint32_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

int main(void)
{
    uint32_t combined = 0;

    printf("memcpy: %u bytes per buffer\n", (uint32_t)BYTES);
    for (int round = 0; round < ITERS; round++) {
        uint32_t r = (uint32_t)round;
        uint32_t off = r % 4;

        fill(src_buf, WORDS, 99 + r);
        copy_bytes(DST8, SRC8 + off, BYTES - off);
        uint32_t h1 = fnv1a(DST8, BYTES);
        copy_words(dst_buf, src_buf + 3, WORDS - 3);
        uint32_t sb = sum_bytes(DST8, BYTES, 3 + r % 8);
        copy_unrolled(dst_buf + 1, src_buf, WORDS - 1);
        uint32_t sh = sum_halves(DST16, HALVES, 5);
        move_up(DST8, 1 + r % 8, 1000 + 3 * (r % 64), BYTES / 2);
        uint32_t sw = sum_words_scattered(dst_buf, WORDS, 4099);
        memcpy(SRC8 + 1, DST8 + 5, BYTES / 4);    /* the libc one, bytewise */
        memcpy(src_buf + 100, dst_buf, BYTES / 4); /* wordwise */
        scatter_stores(DST8, DST16, dst_buf, r);
        uint64_t q = swap_halves64(dst_buf, WORDS);
        uint32_t h2 = fnv1a(DST8, BYTES);
        uint32_t h3 = fnv1a(SRC8, BYTES / 2);
        printf("round %d loads:  fnv %08x bytes %08x halves %08x words %08x\n",
               round, h1, sb, sh, sw);
        printf("round %d stores: q %08x%08x fnv dst %08x src %08x\n",
               round, (uint32_t)(q >> 32), (uint32_t)q, h2, h3);
        combined = (combined << 5 | combined >> 27) ^ h1 ^ h2 ^ h3 ^ sb ^ sh ^ sw;
    }
    printf("memcpy: %d rounds, combined %08x\n", ITERS, combined);
    return 0;
}
