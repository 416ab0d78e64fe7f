/* vfp: floating point with VFPv4 hard-float code (-mfloat-abi=hard
 * -mfpu=vfpv4), no libm: double and float arithmetic in numeric kernels
 * (series for exp/sin/log, Newton square roots against VSQRT, a float
 * matrix product, a Mandelbrot set (both scale with ITERS), a small sort), fused multiply-add,
 * conversions to and from integers and between precisions, subnormals,
 * overflow, infinities and NaNs, and a printf of doubles written here.
 *
 * The native build computes the same IEEE operations in the same order
 * (both builds use -ffp-contract=off; x86-64 has no excess precision), so
 * its output is the expected one.  Results that are NaNs are printed as
 * "nan" without their bits: ARM's default NaN is positive, x86's negative.
 * Float-to-integer conversions stay in range (C leaves the rest undefined
 * and the two CPUs saturate differently). */
#include "guest.h"

#ifndef ITERS
#define ITERS 2
#endif

typedef union { double d; uint64_t u; } dbits;
typedef union { float f; uint32_t u; } fbits;

static void put_bits(double x)
{
    dbits b;
    b.d = x;
    printf("%08x%08x", (uint32_t)(b.u >> 32), (uint32_t)b.u);
}

static void put_fbits(float x)
{
    fbits b;
    b.f = x;
    printf("%08x", b.u);
}

/* x in scientific notation with `digits` significant digits (truncated) */
static void put_double(double x, int digits)
{
    int e = 0, i, neg;
    if (x != x) {
        printf("nan");
        return;
    }
    neg = x < 0 || (x == 0 && 1 / x < 0);
    if (neg) {
        uart_putc('-');
        x = -x;
    }
    if (x == 1.0 / 0.0) {
        printf("inf");
        return;
    }
    if (x != 0) {
        while (x >= 10.0) { x /= 10.0; e++; }
        while (x < 1.0) { x *= 10.0; e--; }
    }
    for (i = 0; i < digits; i++) {
        int dg = (int)x;
        if (dg > 9) dg = 9;
        uart_putc('0' + dg);
        if (i == 0) uart_putc('.');
        x = (x - dg) * 10.0;
    }
    printf("e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
}

static void show(const char *name, double x)
{
    printf("%-10s ", name);
    put_double(x, 15);
    if (x == x) {
        uart_putc(' ');
        put_bits(x);
    }
    uart_putc('\n');
}

/* ---- series, libm-free --------------------------------------------------- */
static const double LN2 = 0.69314718055994530942;
static const double PI = 3.14159265358979323846;

static double my_exp(double x)
{
    int n = (int)(x / LN2), i;
    double r = x - n * LN2, term = 1, sum = 1;
    for (i = 1; i < 30; i++) {
        term = term * r / i;
        sum = sum + term;
    }
    for (; n > 0; n--) sum = sum * 2;
    for (; n < 0; n++) sum = sum / 2;
    return sum;
}

static double my_sin(double x)
{
    int i;
    double term, sum, x2;
    while (x > PI) x = x - 2 * PI;
    while (x < -PI) x = x + 2 * PI;
    term = x;
    sum = x;
    x2 = x * x;
    for (i = 1; i < 20; i++) {
        term = -term * x2 / ((2 * i) * (2 * i + 1));
        sum = sum + term;
    }
    return sum;
}

/* log(x) = 2 atanh((x - 1) / (x + 1)) after scaling x into [0.5, 2) */
static double my_log(double x)
{
    int k = 0, i;
    double y, y2, term, sum;
    while (x >= 2) { x = x / 2; k++; }
    while (x < 0.5) { x = x * 2; k--; }
    y = (x - 1) / (x + 1);
    y2 = y * y;
    term = y;
    sum = 0;
    for (i = 1; i < 60; i += 2) {
        sum = sum + term / i;
        term = term * y2;
    }
    return 2 * sum + k * LN2;
}

static double newton_sqrt(double a)
{
    double x = a > 1 ? a : 1;
    int i;
    for (i = 0; i < 60; i++)
        x = 0.5 * (x + a / x);
    return x;
}

static void series(void)
{
    static const double xs[] = {0.5, 1.0, -1.0, 2.5, 10.0, -7.25, 0.001, 100.0};
    int i;
    for (i = 0; i < 8; i++) {
        printf("x=");
        put_double(xs[i], 6);
        uart_putc('\n');
        show("exp", my_exp(xs[i]));
        show("sin", my_sin(xs[i]));
        if (xs[i] > 0) {
            show("log", my_log(xs[i]));
            show("sqrt", __builtin_sqrt(xs[i]));
            show("newton", newton_sqrt(xs[i]));
        }
    }
}

/* ---- float kernels -------------------------------------------------------- */
#define N 12
static float fa[N][N], fb[N][N], fc[N][N];

static void float_matmul(void)
{
    uint32_t seed = 12345;
    int i, j, k, round;
    float sum = 0;
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++) {
            lcg_next(&seed);
            fa[i][j] = (float)(int32_t)(seed >> 8) / 16777216.0f;
            lcg_next(&seed);
            fb[i][j] = (float)(seed >> 9) / 1048576.0f - 2.0f;
        }
    for (round = 0; round < 4 * ITERS; round++) {
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++) {
                float acc = 0;
                for (k = 0; k < N; k++)
                    acc = acc + fa[i][k] * fb[k][j];
                fc[i][j] = acc;
            }
        for (i = 0; i < N; i++)
            for (j = 0; j < N; j++)
                fa[i][j] = fc[i][j] / (1.0f + (fc[i][j] < 0 ? -fc[i][j] : fc[i][j]));
    }
    for (i = 0; i < N; i++)
        for (j = 0; j < N; j++)
            sum = sum + fa[i][j];
    printf("matmul sum ");
    put_fbits(sum);
    printf(" = ");
    put_double(sum, 8);
    printf(" fa[3][7] ");
    put_fbits(fa[3][7]);
    uart_putc('\n');
}

/* run `passes` times (the work scales with ITERS), printed once */
static void mandelbrot(int passes)
{
    int row, col, total = 0, pass;
    static char rows[16][49];
    for (pass = 0; pass < passes; pass++) {
        total = 0;
        for (row = 0; row < 16; row++) {
            for (col = 0; col < 48; col++) {
                double cr = -2.2 + col * (3.2 / 48), ci = -1.2 + row * (2.4 / 16);
                double zr = 0, zi = 0;
                int it = 0;
                while (it < 80 && zr * zr + zi * zi <= 4.0) {
                    double t = zr * zr - zi * zi + cr;
                    zi = 2 * zr * zi + ci;
                    zr = t;
                    it++;
                }
                total += it;
                rows[row][col] = " .:-=+*#%@"[it * 9 / 80];
            }
            rows[row][48] = 0;
        }
    }
    for (row = 0; row < 16; row++)
        printf("|%s|\n", rows[row]);
    printf("mandelbrot iterations %d\n", total);
}

static void sort_doubles(void)
{
    double v[24];
    uint32_t seed = 777;
    int i, j;
    for (i = 0; i < 24; i++) {
        lcg_next(&seed);
        v[i] = ((int32_t)seed) / 3.0e7;
    }
    for (i = 1; i < 24; i++)
        for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    printf("sorted:");
    for (i = 0; i < 24; i += 5) {
        uart_putc(' ');
        put_double(v[i], 5);
    }
    uart_putc('\n');
}

/* ---- conversions and special values ----------------------------------------- */
static volatile double vzero = 0.0, vone = 1.0, vtiny = 4.9406564584124654e-324;
static volatile float vfzero = 0.0f;

static void conversions(void)
{
    static const double ds[] = {2.5, -2.5, 3.99999, -3.99999, 2147483647.0, -2147483648.0,
                                0.49999999999999994, 1e-300, 123456789.987};
    static const uint32_t us[] = {0, 1, 0x7FFFFFFF, 0x80000000u, 0xFFFFFFFFu, 0x7FFFFFC1,
                                  0x01000001, 16777217};
    int i;
    for (i = 0; i < 9; i++) {
        float f = (float)ds[i];
        printf("d2i %d d2u %u d2f ", (int32_t)ds[i], ds[i] >= 0 ? (uint32_t)ds[i] : 0u);
        put_fbits(f);
        printf(" f2d ");
        put_bits((double)f);
        uart_putc('\n');
    }
    for (i = 0; i < 8; i++) {
        printf("u2f ");
        put_fbits((float)us[i]);
        printf(" i2f ");
        put_fbits((float)(int32_t)us[i]);
        printf(" u2d ");
        put_bits((double)us[i]);
        printf(" i2d ");
        put_bits((double)(int32_t)us[i]);
        uart_putc('\n');
    }
}

static void specials(void)
{
    double inf = vone / vzero, big = 1e308, a, b;
    show("1/0", inf);
    show("-1/0", -vone / vzero);
    show("0/0", vzero / vzero);
    show("inf-inf", inf - inf);
    show("inf*0", inf * vzero);
    show("big*10", big * 10);
    show("-big*10", -big * 10);
    show("tiny*3", vtiny * 3);
    show("tiny/2", vtiny / 2);
    show("tiny*1.5", vtiny * 1.5);
    show("1e-310*7", 1e-310 * (vone * 7));
    show("sub+sub", 2.2250738585072009e-308 + 2.2250738585072009e-308);
    show("f(1e-40)", (double)(float)(1e-40 * vone));
    show("f(1e-50)", (double)(float)(1e-50 * vone));
    show("f(3.4e38*2)", (double)(float)(3.4e38 * (vone * 2)));
    show("-0+0", -vzero + vzero);
    show("-0*5", -vzero * 5);
    show("sqrt(-0)", __builtin_sqrt(-vzero));
    show("sqrt(-1)", __builtin_sqrt(-vone));
    show("sqrt(inf)", __builtin_sqrt(inf));
    show("sqrtf(2)", (double)__builtin_sqrtf(2.0f + vfzero));
    /* fused: a*b+c exactly, where the separate product rounds to 1 */
    a = 1 + 1.0 / (1 << 30);
    b = 1 - 1.0 / (1 << 30);
    show("fma", __builtin_fma(a * vone, b, -1.0));
    show("mul+add", a * vone * b - 1.0);
    show("fmaf", (double)__builtin_fmaf(1.0f + 1.0f / 4096 + vfzero, 1.0f - 1.0f / 4096, -1.0f));
    show("fms", __builtin_fma(-(a * vone), b, 1.0));
    printf("cmp nan: %d %d %d %d\n", vzero / vzero < 1, vzero / vzero > 1,
           vzero / vzero == vzero / vzero, vzero / vzero != vzero / vzero);
    printf("cmp: %d %d %d\n", -vzero == vzero, inf > big, -inf < -big);
}

int main(void)
{
    printf("vfp guest\n");
    series();
    float_matmul();
    mandelbrot(2 * ITERS);
    sort_doubles();
    conversions();
    specials();
    printf("vfp: done\n");
    return 0;
}
