/* CRC-32 (IEEE 802.3, reflected, poly 0xEDB88320) of an LCG-generated
 * buffer, computed bit by bit and with a 256-entry table; both must agree.
 * Each pass perturbs the buffer so every pass computes something new. */
#include "guest.h"

#ifndef ITERS
#define ITERS 12            /* passes over the buffer */
#endif
#define BUF_SIZE 16384

static uint8_t buf[BUF_SIZE];
static uint32_t table[256];

static uint32_t crc32_bitwise(const uint8_t *p, uint32_t n)
{
    uint32_t crc = 0xffffffffu;

    for (uint32_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

static void make_table(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
        table[i] = c;
    }
}

static uint32_t crc32_table(const uint8_t *p, uint32_t n)
{
    uint32_t crc = 0xffffffffu;

    for (uint32_t i = 0; i < n; i++)
        crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

int main(void)
{
    uint32_t seed = 12345, combined = 0;
    int mismatches = 0;

    make_table();
    printf("crc32: table[1]=%08x table[128]=%08x table[255]=%08x\n",
           table[1], table[128], table[255]);
    printf("crc32(\"123456789\") = %08x\n", crc32_table((const uint8_t *)"123456789", 9));
    for (uint32_t i = 0; i < BUF_SIZE; i += 4) {
        uint32_t r = lcg_next(&seed);
        buf[i] = r >> 24;
        buf[i + 1] = r >> 16;
        buf[i + 2] = r >> 8;
        buf[i + 3] = r;
    }
    for (int pass = 0; pass < ITERS; pass++) {
        uint32_t len = BUF_SIZE - (uint32_t)pass * 7 % 64;
        uint32_t a = crc32_bitwise(buf, len);
        uint32_t b = crc32_table(buf, len);
        printf("pass %2d len %5u bitwise %08x table %08x %s\n",
               pass, len, a, b, a == b ? "ok" : "MISMATCH");
        mismatches += a != b;
        combined = combined * 31 + a;
        buf[(a >> 8) % BUF_SIZE] ^= (uint8_t)a;     /* next pass differs */
    }
    printf("crc32: %d passes, combined %08x, %d mismatches\n", ITERS, combined, mismatches);
    return mismatches;
}
