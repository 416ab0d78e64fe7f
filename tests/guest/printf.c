/* Exercise the guests' printf: widths, padding, signs, hex, 64-bit
 * values, strings, characters; then ITERS lines of LCG values in several
 * formats (which also exercises 64-bit division by 10 in libgcc). */
#include "guest.h"

#ifndef ITERS
#define ITERS 300           /* lines of formatted LCG values */
#endif

static const char *const words[] = {"", "a", "arm", "cortex-a15", "translation block"};

static void fixed_cases(void)
{
    printf("plain text, percent %% sign\n");
    printf("[%d] [%d] [%d] [%d]\n", 0, 1, -1, 42);
    printf("[%d] [%d]\n", 2147483647, (int)0x80000000u);
    printf("[%u] [%u]\n", 0u, 4294967295u);
    printf("[%i] [%i]\n", 123, -456);
    printf("[%5d] [%-5d] [%05d] [%-05d]\n", 42, 42, 42, 42);
    printf("[%5d] [%-5d] [%05d]\n", -42, -42, -42);
    printf("[%1d] [%2d] [%012d]\n", 12345, -12345, -12345);
    printf("[%x] [%X] [%08x] [%8x] [%-8x]\n", 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu, 0xbeefu);
    printf("[%x] [%08x] [%x]\n", 0u, 0u, 0xffffffffu);
    printf("[%c%c%c] [%3c] [%-3c]\n", 'a', 'R', 'M', 'x', 'y');
    for (unsigned i = 0; i < NELEMS(words); i++)
        printf("[%s] [%12s] [%-12s] [%*s]\n", words[i], words[i], words[i], (int)i * 3, words[i]);
    printf("[%lld] [%lld] [%lld]\n", 0LL, 9223372036854775807LL, (long long)0x8000000000000000ull);
    printf("[%llu] [%llu]\n", 18446744073709551615ull, 4294967296ull);
    printf("[%llx] [%016llx] [%llX]\n", 0x123456789abcdefull, 0xfedcba98ull, 0xdeadbeefcafef00dull);
    printf("[%20lld] [%-20lld] [%020lld]\n", -1234567890123LL, -1234567890123LL, -1234567890123LL);
    printf("[%d %lld %d %llx %s]\n", 1, 2LL, 3, 4ull, "five");  /* 64-bit args after 32-bit */
    printf("unknown %q conversion, trailing percent %");
    printf("\n");
}

int main(void)
{
    uint32_t seed = 99;
    uint32_t digits = 0;

    fixed_cases();
    for (int i = 0; i < ITERS; i++) {
        uint32_t r = lcg_next(&seed);
        uint64_t w = (uint64_t)lcg_next(&seed) << 32 | lcg_next(&seed);
        int shift = r & 63;
        int64_t s = (int64_t)(w >> shift) * (r & 1 ? -1 : 1);
        digits += printf("%4d %11d %10u %08x %-6x|%*lld %llu %llx %c\n", i, (int32_t)r, r, r,
                         r >> 12, (int)(r % 24), s, w, w >> shift, 'A' + (int)(r % 26));
    }
    printf("printf: %d lines, %u characters\n", ITERS, digits);
    return 0;
}
