/* armtcg: VFPv4 arithmetic as the ARM ARM's floating-point pseudocode says
 * (DDI 0406C A2.7: FPUnpack, FPProcessNaN(s)(3), FPRound, FPAdd, FPSub,
 * FPMul, FPDiv, FPSqrt, FPMulAdd, FPCompare, FPToFixed, FixedToFP,
 * FPSingleToDouble, FPDoubleToSingle, FPHalfToSingle, FPSingleToHalf).
 *
 * Everything is integer arithmetic on the encodings: no host FPU, so the
 * results, the FPSCR cumulative flags (IOC DZC OFC UFC IXC IDC), the four
 * rounding modes, flush-to-zero (FZ, tininess detected before rounding),
 * default NaN (DN), ARM's NaN propagation (first signalling NaN, then
 * first quiet NaN, operands in pseudocode order) and the alternative
 * half-precision format (AHP) are ARM's whatever the host does.
 *
 * A value is unpacked to sign, type and, when finite and nonzero,
 * mant * 2^exp.  An operation computes its exact result as a 128-bit
 * mantissa, with every bit below it that it drops ORed into bit 0
 * ("jamming"; the operations keep > 60 bits below the rounding position,
 * so that is exact for rounding), and fp_round() rounds it once.
 *
 * The helpers at the end are the functions of the IR op `vfp`
 * (runtime/helpers_vfp.pxi): they read and write env->vfp_d and
 * env->fpscr; the register numbers come packed in one word (VFP_REGS_*).
 */
#ifndef ARMTCG_VFP_H
#define ARMTCG_VFP_H

#include <stdint.h>
#include <string.h>
#include "cpu.h"

typedef unsigned __int128 vfp_u128;

/* FPSCR (B6.1.6) */
#define FPSCR_IOC (1u << 0)
#define FPSCR_DZC (1u << 1)
#define FPSCR_OFC (1u << 2)
#define FPSCR_UFC (1u << 3)
#define FPSCR_IXC (1u << 4)
#define FPSCR_IDC (1u << 7)
#define FPSCR_RMODE_SHIFT 22
#define FPSCR_FZ  (1u << 24)
#define FPSCR_DN  (1u << 25)
#define FPSCR_AHP (1u << 26)

enum { RM_TIEEVEN = 0, RM_PINF = 1, RM_MINF = 2, RM_ZERO = 3 };
enum { FPT_ZERO, FPT_NONZERO, FPT_INF, FPT_QNAN, FPT_SNAN };

typedef struct {
    int type;
    int sign;
    int exp;            /* value = mant * 2^exp (FPT_NONZERO) */
    uint64_t mant;
} fp_unpacked;

/* format parameters by width N = 16, 32, 64 */
static inline int fp_ebits(int N) { return N == 16 ? 5 : N == 32 ? 8 : 11; }
static inline int fp_fbits(int N) { return N == 16 ? 10 : N == 32 ? 23 : 52; }
static inline uint64_t fp_mask(int N) { return N == 64 ? ~0ull : (1ull << N) - 1; }

static inline uint64_t fp_default_nan(int N)
{
    return N == 16 ? 0x7E00u : N == 32 ? 0x7FC00000u : 0x7FF8000000000000ull;
}

static inline uint64_t fp_zero(int sign, int N) { return (uint64_t)sign << (N - 1); }

static inline uint64_t fp_infinity(int sign, int N)
{
    int F = fp_fbits(N), E = fp_ebits(N);
    return fp_zero(sign, N) | ((((uint64_t)1 << E) - 1) << F);
}

static inline uint64_t fp_max_normal(int sign, int N)
{
    int F = fp_fbits(N), E = fp_ebits(N);
    return fp_zero(sign, N) | ((((uint64_t)1 << E) - 2) << F) | (((uint64_t)1 << F) - 1);
}

static inline int fp_rmode(uint32_t fpscr) { return (fpscr >> FPSCR_RMODE_SHIFT) & 3; }

/* FPUnpack: single and double denormals flush to zero under FZ (IDC);
 * half precision never flushes, and under AHP has no infinities or NaNs. */
static inline fp_unpacked fp_unpack(uint64_t x, int N, uint32_t *fpscr)
{
    fp_unpacked u;
    int F = fp_fbits(N), E = fp_ebits(N);
    int bias = (1 << (E - 1)) - 1;
    uint64_t frac = x & (((uint64_t)1 << F) - 1);
    int e = (int)((x >> F) & ((1u << E) - 1));
    u.sign = (int)((x >> (N - 1)) & 1);
    u.exp = 0;
    u.mant = 0;
    if (e == 0) {
        if (frac == 0) {
            u.type = FPT_ZERO;
        } else if (N != 16 && (*fpscr & FPSCR_FZ)) {
            u.type = FPT_ZERO;
            *fpscr |= FPSCR_IDC;
        } else {
            u.type = FPT_NONZERO;
            u.mant = frac;
            u.exp = 1 - bias - F;
        }
    } else if (e == (1 << E) - 1 && !(N == 16 && (*fpscr & FPSCR_AHP))) {
        if (frac == 0)
            u.type = FPT_INF;
        else
            u.type = (frac >> (F - 1)) & 1 ? FPT_QNAN : FPT_SNAN;
    } else {
        u.type = FPT_NONZERO;
        u.mant = frac | ((uint64_t)1 << F);
        u.exp = e - bias - F;
    }
    return u;
}

static inline int fp_is_nan(int type) { return type == FPT_QNAN || type == FPT_SNAN; }

/* FPProcessNaN: quiet a signalling NaN (IOC); DN gives the default NaN. */
static inline uint64_t fp_process_nan(int type, uint64_t x, int N, uint32_t *fpscr)
{
    if (type == FPT_SNAN) {
        x |= (uint64_t)1 << (fp_fbits(N) - 1);
        *fpscr |= FPSCR_IOC;
    }
    return (*fpscr & FPSCR_DN) ? fp_default_nan(N) : x;
}

/* FPProcessNaNs: 1 and *out set when an operand is a NaN. */
static inline int fp_process_nans(const fp_unpacked *a, const fp_unpacked *b, uint64_t xa,
                                  uint64_t xb, int N, uint32_t *fpscr, uint64_t *out)
{
    if (a->type == FPT_SNAN) *out = fp_process_nan(a->type, xa, N, fpscr);
    else if (b->type == FPT_SNAN) *out = fp_process_nan(b->type, xb, N, fpscr);
    else if (a->type == FPT_QNAN) *out = fp_process_nan(a->type, xa, N, fpscr);
    else if (b->type == FPT_QNAN) *out = fp_process_nan(b->type, xb, N, fpscr);
    else return 0;
    return 1;
}

static inline int fp_process_nans3(const fp_unpacked *a, const fp_unpacked *b,
                                   const fp_unpacked *c, uint64_t xa, uint64_t xb,
                                   uint64_t xc, int N, uint32_t *fpscr, uint64_t *out)
{
    if (a->type == FPT_SNAN) *out = fp_process_nan(a->type, xa, N, fpscr);
    else if (b->type == FPT_SNAN) *out = fp_process_nan(b->type, xb, N, fpscr);
    else if (c->type == FPT_SNAN) *out = fp_process_nan(c->type, xc, N, fpscr);
    else if (a->type == FPT_QNAN) *out = fp_process_nan(a->type, xa, N, fpscr);
    else if (b->type == FPT_QNAN) *out = fp_process_nan(b->type, xb, N, fpscr);
    else if (c->type == FPT_QNAN) *out = fp_process_nan(c->type, xc, N, fpscr);
    else return 0;
    return 1;
}

static inline int fp_msb128(vfp_u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    return hi ? 127 - __builtin_clzll(hi) : 63 - __builtin_clzll((uint64_t)x);
}

/* FPRound of the nonzero value mant * 2^exp (bit 0 may be a jammed sticky
 * bit) to an N-bit format, with the FPSCR's mode, FZ and AHP. */
static inline uint64_t fp_round_mode(int sign, int exp, vfp_u128 mant, int N, uint32_t *fpscr,
                                     int rmode)
{
    int F = fp_fbits(N), E = fp_ebits(N);
    int minimum_exp = 2 - (1 << (E - 1));
    int exponent = exp + fp_msb128(mant);
    int biased, sh, half, rest, round_up, overflow_to_inf;
    uint64_t int_mant, result;

    if ((*fpscr & FPSCR_FZ) && N != 16 && exponent < minimum_exp) {
        *fpscr |= FPSCR_UFC;
        return fp_zero(sign, N);
    }
    biased = exponent - minimum_exp + 1;
    if (biased < 0) biased = 0;
    sh = (exponent > minimum_exp ? exponent : minimum_exp) - F - exp;
    if (sh <= 0) {
        int_mant = (uint64_t)(mant << -sh);
        half = rest = 0;
    } else if (sh > 128) {
        int_mant = 0;
        half = 0;
        rest = 1;
    } else {
        int_mant = sh == 128 ? 0 : (uint64_t)(mant >> sh);
        half = (int)((mant >> (sh - 1)) & 1);
        rest = sh > 1 && (mant & ((((vfp_u128)1) << (sh - 1)) - 1)) != 0;
    }
    if (biased == 0 && (half || rest))
        *fpscr |= FPSCR_UFC;
    switch (rmode) {
    case RM_TIEEVEN:
        round_up = half && (rest || (int_mant & 1));
        overflow_to_inf = 1;
        break;
    case RM_PINF:
        round_up = (half || rest) && !sign;
        overflow_to_inf = !sign;
        break;
    case RM_MINF:
        round_up = (half || rest) && sign;
        overflow_to_inf = sign;
        break;
    default:
        round_up = 0;
        overflow_to_inf = 0;
    }
    if (round_up) {
        int_mant++;
        if (int_mant == (uint64_t)1 << F)          /* denormal rounded up to normal */
            biased = 1;
        if (int_mant == (uint64_t)1 << (F + 1)) {  /* to the next exponent */
            biased++;
            int_mant >>= 1;
        }
    }
    if (N != 16 || !(*fpscr & FPSCR_AHP)) {
        if (biased >= (1 << E) - 1) {
            *fpscr |= FPSCR_OFC | FPSCR_IXC;
            return overflow_to_inf ? fp_infinity(sign, N) : fp_max_normal(sign, N);
        }
    } else if (biased >= (1 << E)) {
        *fpscr |= FPSCR_IOC;                      /* AHP saturates, not inexact */
        return fp_zero(sign, N) | 0x7FFF;
    }
    result = fp_zero(sign, N) | ((uint64_t)biased << F) | (int_mant & (((uint64_t)1 << F) - 1));
    if (half || rest)
        *fpscr |= FPSCR_IXC;
    return result;
}

static inline uint64_t fp_round(int sign, int exp, vfp_u128 mant, int N, uint32_t *fpscr)
{
    return fp_round_mode(sign, exp, mant, N, fpscr, fp_rmode(*fpscr));
}

/* x shifted right by n with the dropped bits jammed into bit 0 */
static inline vfp_u128 fp_shr_jam(vfp_u128 x, int n)
{
    if (n <= 0) return x;
    if (n >= 128) return x != 0;
    return (x >> n) | ((x & ((((vfp_u128)1) << n) - 1)) != 0);
}

/* sign * ma * 2^ea + sign_b * mb * 2^eb, both nonzero, rounded; an exact
 * zero sum is +0 (-0 when rounding towards -inf). */
static inline uint64_t fp_add_values(int sa, int ea, vfp_u128 ma, int sb, int eb, vfp_u128 mb,
                                     int N, uint32_t *fpscr)
{
    int sh;
    vfp_u128 r;
    int sign;
    /* both with their top bit at 125: room for the carry */
    sh = 125 - fp_msb128(ma); ma <<= sh; ea -= sh;
    sh = 125 - fp_msb128(mb); mb <<= sh; eb -= sh;
    if (ea < eb || (ea == eb && ma < mb)) {
        vfp_u128 tm = ma; int te = ea, ts = sa;
        ma = mb; ea = eb; sa = sb;
        mb = tm; eb = te; sb = ts;
    }
    mb = fp_shr_jam(mb, ea - eb);
    if (sa == sb) {
        r = ma + mb;
        sign = sa;
    } else {
        r = ma - mb;
        sign = sa;
    }
    if (r == 0)
        return fp_zero(fp_rmode(*fpscr) == RM_MINF, N);
    return fp_round(sign, ea, r, N, fpscr);
}

/* FPAdd (negate_b: FPSub) */
static inline uint64_t fp_add(uint64_t xa, uint64_t xb, int negate_b, int N, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(xa, N, fpscr), b = fp_unpack(xb, N, fpscr);
    uint64_t out;
    if (fp_process_nans(&a, &b, xa, xb, N, fpscr, &out))
        return out;
    b.sign ^= negate_b;
    if (a.type == FPT_INF && b.type == FPT_INF && a.sign != b.sign) {
        *fpscr |= FPSCR_IOC;
        return fp_default_nan(N);
    }
    if (a.type == FPT_INF) return fp_infinity(a.sign, N);
    if (b.type == FPT_INF) return fp_infinity(b.sign, N);
    if (a.type == FPT_ZERO && b.type == FPT_ZERO) {
        if (a.sign == b.sign) return fp_zero(a.sign, N);
        return fp_zero(fp_rmode(*fpscr) == RM_MINF, N);
    }
    if (a.type == FPT_ZERO) return fp_round(b.sign, b.exp, b.mant, N, fpscr);
    if (b.type == FPT_ZERO) return fp_round(a.sign, a.exp, a.mant, N, fpscr);
    return fp_add_values(a.sign, a.exp, a.mant, b.sign, b.exp, b.mant, N, fpscr);
}

/* FPMul */
static inline uint64_t fp_mul(uint64_t xa, uint64_t xb, int N, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(xa, N, fpscr), b = fp_unpack(xb, N, fpscr);
    uint64_t out;
    int sign = a.sign ^ b.sign;
    if (fp_process_nans(&a, &b, xa, xb, N, fpscr, &out))
        return out;
    if ((a.type == FPT_INF && b.type == FPT_ZERO) || (a.type == FPT_ZERO && b.type == FPT_INF)) {
        *fpscr |= FPSCR_IOC;
        return fp_default_nan(N);
    }
    if (a.type == FPT_INF || b.type == FPT_INF) return fp_infinity(sign, N);
    if (a.type == FPT_ZERO || b.type == FPT_ZERO) return fp_zero(sign, N);
    return fp_round(sign, a.exp + b.exp, (vfp_u128)a.mant * b.mant, N, fpscr);
}

/* FPDiv */
static inline uint64_t fp_div(uint64_t xa, uint64_t xb, int N, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(xa, N, fpscr), b = fp_unpack(xb, N, fpscr);
    uint64_t out;
    int sign = a.sign ^ b.sign, k;
    vfp_u128 num, q;
    if (fp_process_nans(&a, &b, xa, xb, N, fpscr, &out))
        return out;
    if ((a.type == FPT_INF && b.type == FPT_INF) || (a.type == FPT_ZERO && b.type == FPT_ZERO)) {
        *fpscr |= FPSCR_IOC;
        return fp_default_nan(N);
    }
    if (a.type == FPT_INF || b.type == FPT_ZERO) {
        if (a.type != FPT_INF)
            *fpscr |= FPSCR_DZC;
        return fp_infinity(sign, N);
    }
    if (a.type == FPT_ZERO || b.type == FPT_INF) return fp_zero(sign, N);
    k = 127 - fp_msb128(a.mant);
    num = (vfp_u128)a.mant << k;
    q = num / b.mant;
    q |= (q * b.mant != num);
    return fp_round(sign, a.exp - k - b.exp, q, N, fpscr);
}

static inline vfp_u128 fp_isqrt128(vfp_u128 x, int *exact)
{
    vfp_u128 r = 0, bit = ((vfp_u128)1) << 126;
    while (bit > x) bit >>= 2;
    while (bit) {
        if (x >= r + bit) {
            x -= r + bit;
            r = (r >> 1) + bit;
        } else {
            r >>= 1;
        }
        bit >>= 2;
    }
    *exact = x == 0;
    return r;
}

/* FPSqrt */
static inline uint64_t fp_sqrt(uint64_t xa, int N, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(xa, N, fpscr);
    vfp_u128 m, r;
    int e, k, exact;
    if (fp_is_nan(a.type)) return fp_process_nan(a.type, xa, N, fpscr);
    if (a.type == FPT_ZERO) return fp_zero(a.sign, N);
    if (a.type == FPT_INF && !a.sign) return fp_infinity(0, N);
    if (a.sign) {
        *fpscr |= FPSCR_IOC;
        return fp_default_nan(N);
    }
    /* normalized (denormals too) to bit 54, the exponent made even: m <
     * 2^56, m * 2^70 < 2^126, a root of ~63 bits */
    k = 54 - fp_msb128(a.mant);
    m = (vfp_u128)a.mant << k;
    e = a.exp - k;
    if (e & 1) { m <<= 1; e -= 1; }
    m <<= 70;
    r = fp_isqrt128(m, &exact);
    return fp_round(0, e / 2 - 35, r | !exact, N, fpscr);
}

/* FPMulAdd(addend, op1, op2): addend + op1 * op2 with one rounding */
static inline uint64_t fp_muladd(uint64_t xa, uint64_t x1, uint64_t x2, int N, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(xa, N, fpscr), p1 = fp_unpack(x1, N, fpscr),
                p2 = fp_unpack(x2, N, fpscr);
    uint64_t out;
    int inf_zero = (p1.type == FPT_INF && p2.type == FPT_ZERO) ||
                   (p1.type == FPT_ZERO && p2.type == FPT_INF);
    int done = fp_process_nans3(&a, &p1, &p2, xa, x1, x2, N, fpscr, &out);
    int signp, infp, zerop;
    if (a.type == FPT_QNAN && inf_zero) {
        *fpscr |= FPSCR_IOC;
        return fp_default_nan(N);
    }
    if (done) return out;
    signp = p1.sign ^ p2.sign;
    infp = p1.type == FPT_INF || p2.type == FPT_INF;
    zerop = p1.type == FPT_ZERO || p2.type == FPT_ZERO;
    if (inf_zero || (a.type == FPT_INF && infp && a.sign != signp)) {
        *fpscr |= FPSCR_IOC;
        return fp_default_nan(N);
    }
    if (a.type == FPT_INF) return fp_infinity(a.sign, N);
    if (infp) return fp_infinity(signp, N);
    if (a.type == FPT_ZERO && zerop) {
        if (a.sign == signp) return fp_zero(a.sign, N);
        return fp_zero(fp_rmode(*fpscr) == RM_MINF, N);
    }
    if (zerop) return fp_round(a.sign, a.exp, a.mant, N, fpscr);
    if (a.type == FPT_ZERO)
        return fp_round(signp, p1.exp + p2.exp, (vfp_u128)p1.mant * p2.mant, N, fpscr);
    return fp_add_values(a.sign, a.exp, a.mant, signp, p1.exp + p2.exp,
                         (vfp_u128)p1.mant * p2.mant, N, fpscr);
}

static inline uint64_t fp_neg(uint64_t x, int N) { return x ^ ((uint64_t)1 << (N - 1)); }

/* FPCompare: the NZCV nibble (bits 31:28) */
static inline uint32_t fp_compare(uint64_t xa, uint64_t xb, int signal_qnan, int N,
                                  uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(xa, N, fpscr), b = fp_unpack(xb, N, fpscr);
    int64_t ka, kb;
    if (fp_is_nan(a.type) || fp_is_nan(b.type)) {
        if (a.type == FPT_SNAN || b.type == FPT_SNAN || signal_qnan)
            *fpscr |= FPSCR_IOC;
        return 0x3u << 28;
    }
    /* ordered keys: magnitudes (flushed denormals count as zero), signed */
    ka = a.type == FPT_ZERO ? 0 : (int64_t)(xa & (fp_mask(N) >> 1));
    kb = b.type == FPT_ZERO ? 0 : (int64_t)(xb & (fp_mask(N) >> 1));
    if (a.sign) ka = -ka;
    if (b.sign) kb = -kb;
    if (ka == kb) return 0x6u << 28;
    return ka < kb ? 0x8u << 28 : 0x2u << 28;
}

/* FPToFixed: to an M-bit (unsigned) integer with fraction_bits, rounding
 * per rmode; out of range saturates with IOC, NaN gives 0 with IOC. */
static inline uint64_t fp_to_fixed(uint64_t x, int N, int M, int frac_bits, int is_unsigned,
                                   int rmode, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(x, N, fpscr);
    int64_t lo = is_unsigned ? 0 : -((int64_t)1 << (M - 1));
    int64_t hi = is_unsigned ? (int64_t)(((uint64_t)1 << M) - 1) : ((int64_t)1 << (M - 1)) - 1;
    uint64_t mag, frac;
    int e, half = 0, rest = 0, up;
    int64_t r;
    if (fp_is_nan(a.type)) {
        *fpscr |= FPSCR_IOC;
        return 0;
    }
    if (a.type == FPT_ZERO) return 0;
    if (a.type == FPT_INF) {
        *fpscr |= FPSCR_IOC;
        return (uint64_t)(a.sign ? lo : hi) & fp_mask(M);
    }
    e = a.exp + frac_bits;
    if (e >= 0) {
        if (e > 64 - 53) {          /* |value| >= 2^64 > any M <= 32 */
            *fpscr |= FPSCR_IOC;
            return (uint64_t)(a.sign ? lo : hi) & fp_mask(M);
        }
        mag = a.mant << e;
    } else if (-e >= 64) {
        mag = 0;
        frac = a.mant;
        half = -e == 64 ? (int)(frac >> 63) : 0;
        rest = -e == 64 ? (frac & ~(1ull << 63)) != 0 : frac != 0;
    } else {
        mag = a.mant >> -e;
        frac = a.mant & ((1ull << -e) - 1);
        half = (int)((frac >> (-e - 1)) & 1);
        rest = (frac & ((1ull << (-e - 1)) - 1)) != 0;
    }
    switch (rmode) {
    case RM_TIEEVEN: up = half && (rest || (mag & 1)); break;
    case RM_PINF: up = (half || rest) && !a.sign; break;
    case RM_MINF: up = (half || rest) && a.sign; break;
    default: up = 0;
    }
    mag += up;
    if (mag > ((uint64_t)1 << 62)) {
        *fpscr |= FPSCR_IOC;
        return (uint64_t)(a.sign ? lo : hi) & fp_mask(M);
    }
    r = a.sign ? -(int64_t)mag : (int64_t)mag;
    if (r < lo || r > hi) {
        *fpscr |= FPSCR_IOC;
        return (uint64_t)(r < lo ? lo : hi) & fp_mask(M);
    }
    if (half || rest)
        *fpscr |= FPSCR_IXC;
    return (uint64_t)r & fp_mask(M);
}

/* FixedToFP: the M-bit (unsigned) integer x / 2^frac_bits, rounded per the FPSCR */
static inline uint64_t fp_from_fixed(uint64_t x, int M, int frac_bits, int is_unsigned, int N,
                                     uint32_t *fpscr)
{
    int sign = 0;
    uint64_t mag;
    x &= fp_mask(M);
    if (!is_unsigned && (x >> (M - 1)) & 1) {
        sign = 1;
        mag = (~x + 1) & fp_mask(M);
        if (mag == 0) mag = (uint64_t)1 << (M - 1);
    } else {
        mag = x;
    }
    if (mag == 0) return fp_zero(0, N);
    return fp_round(sign, -frac_bits, mag, N, fpscr);
}

/* FPSingleToDouble, FPDoubleToSingle, FPHalfToSingle, FPSingleToHalf */
static inline uint64_t fp_convert(uint64_t x, int from, int to, uint32_t *fpscr)
{
    fp_unpacked a = fp_unpack(x, from, fpscr);
    int Ff = fp_fbits(from), Ft = fp_fbits(to);
    if (fp_is_nan(a.type)) {
        uint64_t r;
        if (to == 16 && (*fpscr & FPSCR_AHP)) {
            /* no NaNs in the alternative format: a zero of the NaN's sign
             * (ARMv8 ARM FPConvert "FPZero(sign)"; QEMU does the same) */
            *fpscr |= FPSCR_IOC;
            return fp_zero(a.sign, 16);
        }
        if (a.type == FPT_SNAN)
            *fpscr |= FPSCR_IOC;
        if (*fpscr & FPSCR_DN)
            return fp_default_nan(to);
        /* sign, all-ones exponent, quiet bit, the top payload bits */
        r = fp_infinity(a.sign, to) | ((uint64_t)1 << (Ft - 1));
        if (Ft >= Ff)
            r |= (x & (((uint64_t)1 << (Ff - 1)) - 1)) << (Ft - Ff);
        else
            r |= (x & (((uint64_t)1 << (Ff - 1)) - 1)) >> (Ff - Ft);
        return r;
    }
    if (a.type == FPT_INF) {
        if (to == 16 && (*fpscr & FPSCR_AHP)) {
            *fpscr |= FPSCR_IOC;
            return fp_zero(a.sign, 16) | 0x7FFF;
        }
        return fp_infinity(a.sign, to);
    }
    if (a.type == FPT_ZERO) return fp_zero(a.sign, to);
    return fp_round(a.sign, a.exp, a.mant, to, fpscr);
}

/* ---- the functions of the IR op `vfp` ------------------------------------
 * regs = d | n << 8 | m << 16 | extra << 24: S or D register numbers. */
#define VFP_D(r) ((r) & 0xFF)
#define VFP_N(r) (((r) >> 8) & 0xFF)
#define VFP_M(r) (((r) >> 16) & 0xFF)
#define VFP_X(r) ((r) >> 24)

static inline uint64_t vfp_get(CPUARMState *env, unsigned r, int N)
{
    uint32_t w;
    if (N == 64) return env->vfp_d[r & 31];
    memcpy(&w, (char *)env->vfp_d + 4 * (r & 31), 4);
    return w;
}

static inline void vfp_put(CPUARMState *env, unsigned r, int N, uint64_t v)
{
    uint32_t w = (uint32_t)v;
    if (N == 64) { env->vfp_d[r & 31] = v; return; }
    memcpy((char *)env->vfp_d + 4 * (r & 31), &w, 4);
}

#define VFP_BINOP(name, expr)                                                              \
    static void vfp_##name##_s(CPUARMState *env, uint32_t r) { VFP_BODY(expr, 32) }         \
    static void vfp_##name##_d(CPUARMState *env, uint32_t r) { VFP_BODY(expr, 64) }
#define VFP_BODY(expr, NB)                                                                  \
    const int N = NB;                                                                       \
    uint64_t d = vfp_get(env, VFP_D(r), N), n = vfp_get(env, VFP_N(r), N),                  \
             m = vfp_get(env, VFP_M(r), N);                                                 \
    uint32_t *fpscr = &env->fpscr;                                                          \
    (void)d; (void)n;                                                                       \
    vfp_put(env, VFP_D(r), N, (expr));

/* A8.8.282 VADD .. A8.8.351 VSUB; VMLA/VMLS/VNMLA/VNMLS round twice
 * (FPMul then FPAdd of the negated operands), VFMA.. once (FPMulAdd). */
VFP_BINOP(add, fp_add(n, m, 0, N, fpscr))
VFP_BINOP(sub, fp_add(n, m, 1, N, fpscr))
VFP_BINOP(mul, fp_mul(n, m, N, fpscr))
VFP_BINOP(nmul, fp_neg(fp_mul(n, m, N, fpscr), N))
VFP_BINOP(div, fp_div(n, m, N, fpscr))
VFP_BINOP(mla, fp_add(d, fp_mul(n, m, N, fpscr), 0, N, fpscr))
VFP_BINOP(mls, fp_add(d, fp_neg(fp_mul(n, m, N, fpscr), N), 0, N, fpscr))
VFP_BINOP(nmla, fp_add(fp_neg(d, N), fp_neg(fp_mul(n, m, N, fpscr), N), 0, N, fpscr))
VFP_BINOP(nmls, fp_add(fp_neg(d, N), fp_mul(n, m, N, fpscr), 0, N, fpscr))
VFP_BINOP(fma, fp_muladd(d, n, m, N, fpscr))
VFP_BINOP(fms, fp_muladd(d, fp_neg(n, N), m, N, fpscr))
VFP_BINOP(fnma, fp_muladd(fp_neg(d, N), fp_neg(n, N), m, N, fpscr))
VFP_BINOP(fnms, fp_muladd(fp_neg(d, N), n, m, N, fpscr))
VFP_BINOP(sqrt, fp_sqrt(m, N, fpscr))

/* VCMP{E}: extra bit 0 = E (quiet NaNs signal too), bit 1 = compare with +0 */
#define VFP_CMP(suffix, NB)                                                                 \
    static void vfp_cmp_##suffix(CPUARMState *env, uint32_t r)                              \
    {                                                                                       \
        uint64_t a = vfp_get(env, VFP_D(r), NB);                                            \
        uint64_t b = (VFP_X(r) & 2) ? 0 : vfp_get(env, VFP_M(r), NB);                       \
        uint32_t nzcv = fp_compare(a, b, VFP_X(r) & 1, NB, &env->fpscr);                    \
        env->fpscr = (env->fpscr & 0x0FFFFFFFu) | nzcv;                                     \
    }
VFP_CMP(s, 32)
VFP_CMP(d, 64)

/* VCVT between single and double precision: D = double, M = single or back */
static void vfp_cvt_f64_f32(CPUARMState *env, uint32_t r)
{
    vfp_put(env, VFP_D(r), 64, fp_convert(vfp_get(env, VFP_M(r), 32), 32, 64, &env->fpscr));
}

static void vfp_cvt_f32_f64(CPUARMState *env, uint32_t r)
{
    vfp_put(env, VFP_D(r), 32, fp_convert(vfp_get(env, VFP_M(r), 64), 64, 32, &env->fpscr));
}

/* VCVTB/VCVTT: extra bit 0 = T (the top half of the single register) */
static void vfp_cvt_f32_f16(CPUARMState *env, uint32_t r)
{
    uint32_t src = (uint32_t)vfp_get(env, VFP_M(r), 32);
    uint64_t h = (VFP_X(r) & 1) ? src >> 16 : src & 0xFFFF;
    vfp_put(env, VFP_D(r), 32, fp_convert(h, 16, 32, &env->fpscr));
}

static void vfp_cvt_f16_f32(CPUARMState *env, uint32_t r)
{
    uint32_t h = (uint32_t)fp_convert(vfp_get(env, VFP_M(r), 32), 32, 16, &env->fpscr);
    uint32_t old = (uint32_t)vfp_get(env, VFP_D(r), 32);
    if (VFP_X(r) & 1)
        old = (old & 0xFFFFu) | (h << 16);
    else
        old = (old & 0xFFFF0000u) | h;
    vfp_put(env, VFP_D(r), 32, old);
}

/* VCVT integer <-> floating point: extra bit 0 = signed; to integer, bit 1
 * = round towards zero (VCVT) rather than the FPSCR mode (VCVTR).  The
 * integer is always a single register. */
#define VFP_INT(suffix, NB)                                                                 \
    static void vfp_itof_##suffix(CPUARMState *env, uint32_t r)                             \
    {                                                                                       \
        uint64_t x = vfp_get(env, VFP_M(r), 32);                                            \
        vfp_put(env, VFP_D(r), NB, fp_from_fixed(x, 32, 0, !(VFP_X(r) & 1), NB, &env->fpscr)); \
    }                                                                                       \
    static void vfp_ftoi_##suffix(CPUARMState *env, uint32_t r)                             \
    {                                                                                       \
        int rmode = (VFP_X(r) & 2) ? RM_ZERO : fp_rmode(env->fpscr);                        \
        uint64_t x = vfp_get(env, VFP_M(r), NB);                                            \
        vfp_put(env, VFP_D(r), 32, fp_to_fixed(x, NB, 32, 0, !(VFP_X(r) & 1), rmode,         \
                                               &env->fpscr));                               \
    }
VFP_INT(s, 32)
VFP_INT(d, 64)

/* VCVT floating point <-> fixed point, in place in D: extra bit 0 =
 * unsigned, bit 1 = 32-bit (else 16-bit) fixed point, bits 7:2 = fraction
 * bits.  To fixed rounds towards zero and extends to the register width;
 * from fixed reads the low bits and rounds per the FPSCR. */
#define VFP_FIXED(suffix, NB)                                                               \
    static void vfp_ftofix_##suffix(CPUARMState *env, uint32_t r)                           \
    {                                                                                       \
        int uns = VFP_X(r) & 1, size = (VFP_X(r) & 2) ? 32 : 16, fb = VFP_X(r) >> 2;        \
        uint64_t v = fp_to_fixed(vfp_get(env, VFP_D(r), NB), NB, size, fb, uns, RM_ZERO,     \
                                 &env->fpscr);                                              \
        if (!uns && (v >> (size - 1)) & 1)                                                  \
            v |= ~fp_mask(size);                                                            \
        vfp_put(env, VFP_D(r), NB, v & fp_mask(NB));                                        \
    }                                                                                       \
    static void vfp_fixtof_##suffix(CPUARMState *env, uint32_t r)                           \
    {                                                                                       \
        int uns = VFP_X(r) & 1, size = (VFP_X(r) & 2) ? 32 : 16, fb = VFP_X(r) >> 2;        \
        uint64_t x = vfp_get(env, VFP_D(r), NB);                                            \
        vfp_put(env, VFP_D(r), NB, fp_from_fixed(x, size, fb, uns, NB, &env->fpscr));       \
    }
VFP_FIXED(s, 32)
VFP_FIXED(d, 64)

#endif
