/* The tiny libc shared by every guest program.
 *
 * The same program sources build for two targets:
 *   guest: arm-none-eabi-gcc, start.S + uart.c + string.c + format.c
 *   host:  gcc, host_shim.c + format.c (expected output = native run)
 * so programs must only use fixed-width types (uint32_t, int64_t, ...),
 * never `long` (32 bits on ARM, 64 on the host), and print through
 * the functions below.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* target layer: uart.c (guest) or host_shim.c (host) */
void uart_putc(int c);
void guest_exit(int code) __attribute__((noreturn));

/* format.c: portable, so the formatter itself is under test */
int puts(const char *s);          /* appends '\n' like the standard one */
int printf(const char *fmt, ...); /* %d %i %u %x %X %c %s %p %%, ll, width, '-' '0' */
int vprintf(const char *fmt, va_list ap);

/* string.c on the guest, the host's libc natively */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
size_t strlen(const char *s);

/* Default work size; each program's ITERS scales its run time linearly. */
#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A 32-bit LCG (Numerical Recipes constants): same sequence everywhere. */
static inline uint32_t lcg_next(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state;
}

#endif
