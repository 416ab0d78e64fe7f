/* printf for the guests: portable C, compiled for both guest and host so
 * that the formatter is itself part of what the guests exercise. */
#include "guest.h"

int puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
    uart_putc('\n');
    return 0;
}

/* Digits of v in base `base`, least significant first, into buf. */
static int utoa_rev(uint64_t v, unsigned base, int upper, char *buf)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0;

    if (v <= 0xffffffffu) {          /* 32-bit division is much cheaper */
        uint32_t w = (uint32_t)v;
        do {
            buf[n++] = digits[w % base];
            w /= base;
        } while (w);
    } else {
        do {
            buf[n++] = digits[v % base];
            v /= base;
        } while (v);
    }
    return n;
}

static void pad(int c, int count)
{
    while (count-- > 0)
        uart_putc(c);
}

struct spec {
    int left;       /* '-' */
    int zero;       /* '0' */
    int width;
    int longs;      /* number of 'l' */
};

static int emit_number(const struct spec *sp, uint64_t mag, int negative,
                       unsigned base, int upper)
{
    char buf[24];
    int n = utoa_rev(mag, base, upper, buf);
    int len = n + negative;
    int fill = sp->width > len ? sp->width - len : 0;

    if (!sp->left && !sp->zero)
        pad(' ', fill);
    if (negative)
        uart_putc('-');
    if (!sp->left && sp->zero)
        pad('0', fill);
    while (n > 0)
        uart_putc(buf[--n]);
    if (sp->left)
        pad(' ', fill);
    return len + fill;
}

static int emit_string(const struct spec *sp, const char *s)
{
    int len = (int)strlen(s);
    int fill = sp->width > len ? sp->width - len : 0;

    if (!sp->left)
        pad(' ', fill);
    for (const char *p = s; *p; p++)
        uart_putc(*p);
    if (sp->left)
        pad(' ', fill);
    return len + fill;
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
    if (sp->longs >= 2)
        return va_arg(*ap, long long);
    if (sp->longs == 1)
        return va_arg(*ap, long);
    return va_arg(*ap, int);
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
    if (sp->longs >= 2)
        return va_arg(*ap, unsigned long long);
    if (sp->longs == 1)
        return va_arg(*ap, unsigned long);
    return va_arg(*ap, unsigned int);
}

int vprintf(const char *fmt, va_list ap_in)
{
    va_list ap;
    int total = 0;

    va_copy(ap, ap_in);
    for (; *fmt; fmt++) {
        struct spec sp = {0, 0, 0, 0};
        char one[2] = {0, 0};

        if (*fmt != '%') {
            uart_putc(*fmt);
            total++;
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                sp.left = 1;
            else if (*fmt == '0')
                sp.zero = 1;
            else
                break;
        }
        if (*fmt == '*') {
            sp.width = va_arg(ap, int);
            if (sp.width < 0) {
                sp.left = 1;
                sp.width = -sp.width;
            }
            fmt++;
        }
        while (*fmt >= '0' && *fmt <= '9')
            sp.width = sp.width * 10 + (*fmt++ - '0');
        while (*fmt == 'l') {
            sp.longs++;
            fmt++;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = arg_signed(&sp, &ap);
            uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
            total += emit_number(&sp, mag, v < 0, 10, 0);
            break;
        }
        case 'u':
            total += emit_number(&sp, arg_unsigned(&sp, &ap), 0, 10, 0);
            break;
        case 'x':
        case 'X':
            total += emit_number(&sp, arg_unsigned(&sp, &ap), 0, 16, *fmt == 'X');
            break;
        case 'p':
            /* pointers differ between guest and host: print them 32-bit */
            total += emit_string(&sp, "0x");
            sp.zero = 1;
            sp.width = 8;
            total += emit_number(&sp, (uint32_t)(uintptr_t)va_arg(ap, void *), 0, 16, 0);
            break;
        case 'c':
            one[0] = (char)va_arg(ap, int);
            total += emit_string(&sp, one);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            total += emit_string(&sp, s ? s : "(null)");
            break;
        }
        case '%':
            uart_putc('%');
            total++;
            break;
        case '\0':
            fmt--;          /* a lone '%' at the end: stop at the NUL */
            break;
        default:            /* unknown conversion: print it verbatim */
            uart_putc('%');
            uart_putc(*fmt);
            total += 2;
            break;
        }
    }
    va_end(ap);
    return total;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}
