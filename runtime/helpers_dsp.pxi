# DSP helpers for frontend/a32_dp.py: saturation, the Q flag, the GE flags,
# parallel add/subtract, SEL, USAD8 and the dual 16-bit multiplies.
# Included into runtime/core.pyx, which provides CPUARMState (cpu.h),
# V_QF/V_GE, the libc.stdint types and register_helper().
# Each helper is `d = helper(env, a, b, c)`; the lifter documents which
# operands it passes.  Semantics follow the ARM ARM (DDI0406C) pseudocode
# named in each comment.


cdef inline int64_t dsp_signed_sat(CPUARMState *env, int64_t x, int n) noexcept nogil:
    """SignedSatQ(x, n); Q set when x is out of range."""
    cdef int64_t hi = (<int64_t>1 << (n - 1)) - 1
    if x > hi:
        env.v[V_QF] = 1
        return hi
    if x < -hi - 1:
        env.v[V_QF] = 1
        return -hi - 1
    return x


cdef inline int64_t dsp_unsigned_sat(CPUARMState *env, int64_t x, int n) noexcept nogil:
    """UnsignedSatQ(x, n); Q set when x is out of range."""
    cdef int64_t hi = (<int64_t>1 << n) - 1
    if x > hi:
        env.v[V_QF] = 1
        return hi
    if x < 0:
        env.v[V_QF] = 1
        return 0
    return x


cdef inline int64_t dsp_s32(uint32_t x) noexcept nogil:
    return <int64_t><int32_t>x


cdef inline int64_t dsp_s16(uint32_t x) noexcept nogil:
    return <int64_t><int16_t>(x & 0xFFFF)


# -- QADD/QSUB/QDADD/QDSUB Rd, Rm, Rn: a = R[m], b = R[n]

cdef uint32_t helper_qadd(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    return <uint32_t>dsp_signed_sat(env, dsp_s32(a) + dsp_s32(b), 32)


cdef uint32_t helper_qsub(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    return <uint32_t>dsp_signed_sat(env, dsp_s32(a) - dsp_s32(b), 32)


cdef uint32_t helper_qdadd(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    cdef int64_t doubled = dsp_signed_sat(env, 2 * dsp_s32(b), 32)
    return <uint32_t>dsp_signed_sat(env, dsp_s32(a) + doubled, 32)


cdef uint32_t helper_qdsub(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    cdef int64_t doubled = dsp_signed_sat(env, 2 * dsp_s32(b), 32)
    return <uint32_t>dsp_signed_sat(env, dsp_s32(a) - doubled, 32)


cdef uint32_t helper_add_setq(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    """a + b (signed), Q set on overflow: SMLA<x><y>, SMLAW<y>."""
    cdef int64_t r = dsp_s32(a) + dsp_s32(b)
    if r != dsp_s32(<uint32_t>r):
        env.v[V_QF] = 1
    return <uint32_t>r


# -- SSAT/USAT: a = shifted operand, b = saturate_to (1..32 / 0..31)

cdef uint32_t helper_ssat(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    return <uint32_t>dsp_signed_sat(env, dsp_s32(a), <int>b)


cdef uint32_t helper_usat(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    return <uint32_t>dsp_unsigned_sat(env, dsp_s32(a), <int>b)


cdef uint32_t helper_ssat16(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    cdef uint32_t lo = <uint32_t>dsp_signed_sat(env, dsp_s16(a), <int>b) & 0xFFFF
    cdef uint32_t hi = <uint32_t>dsp_signed_sat(env, dsp_s16(a >> 16), <int>b) & 0xFFFF
    return lo | (hi << 16)


cdef uint32_t helper_usat16(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    cdef uint32_t lo = <uint32_t>dsp_unsigned_sat(env, dsp_s16(a), <int>b) & 0xFFFF
    cdef uint32_t hi = <uint32_t>dsp_unsigned_sat(env, dsp_s16(a >> 16), <int>b) & 0xFFFF
    return lo | (hi << 16)


# -- SMLAD/SMLSD (SMUAD/SMUSD with c = 0): a = R[n], b = R[m] (already
#    swapped for the X forms), c = R[a].  Q set if the exact result does not
#    fit in 32 bits.

cdef inline uint32_t dsp_dual(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c, int sub) noexcept nogil:
    cdef int64_t p1 = dsp_s16(a) * dsp_s16(b)
    cdef int64_t p2 = dsp_s16(a >> 16) * dsp_s16(b >> 16)
    cdef int64_t r = (p1 - p2 if sub else p1 + p2) + dsp_s32(c)
    if r != dsp_s32(<uint32_t>r):
        env.v[V_QF] = 1
    return <uint32_t>r


cdef uint32_t helper_smlad(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    return dsp_dual(env, a, b, c, 0)


cdef uint32_t helper_smlsd(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    return dsp_dual(env, a, b, c, 1)


# -- parallel add/subtract (A5.4.1, A5.4.2): a = R[n], b = R[m],
#    c = selector (U:op1) << 3 | op2 (instruction bits 22:20 and 7:5).
#    op1: 1 = modular with GE, 2 = saturating, 3 = halving.
#    op2: 0 ADD16, 1 ASX, 2 SAX, 3 SUB16, 4 ADD8, 7 SUB8.

cdef inline int64_t dsp_lane(uint32_t v, int i, int width, bint signed_) noexcept nogil:
    cdef uint32_t u = (v >> (width * i)) & ((1u << width) - 1)
    if signed_ and (u >> (width - 1)):
        return <int64_t>u - (<int64_t>1 << width)
    return u


cdef uint32_t helper_parallel_addsub(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    cdef bint unsigned_ = (c >> 5) & 1
    cdef int kind = (c >> 3) & 3
    cdef int op = c & 7
    cdef int width = 8 if op >= 4 else 16
    cdef int lanes = 4 if width == 8 else 2
    cdef int64_t top = (<int64_t>1 << width) - 1     # unsigned lane maximum
    cdef int64_t x, y, r, lo, hi
    cdef uint32_t result = 0, ge = 0
    cdef int i, j, sub
    for i in range(lanes):
        # ASX: lane 0 = n.lo - m.hi, lane 1 = n.hi + m.lo; SAX the reverse
        j = 1 - i if (op == 1 or op == 2) else i
        sub = (op == 3 or op == 7 or (op == 1 and i == 0) or (op == 2 and i == 1))
        x = dsp_lane(a, i, width, not unsigned_)
        y = dsp_lane(b, j, width, not unsigned_)
        r = x - y if sub else x + y
        if kind == 1:
            # GE: signed result >= 0; unsigned: carry out of an add, no borrow of a sub
            if (r >= 0) if (not unsigned_ or sub) else (r > top):
                ge |= (1u if width == 8 else 3u) << (i * (width >> 3))
        elif kind == 2:                  # saturate without touching Q
            lo = 0 if unsigned_ else -((top + 1) >> 1)
            hi = top if unsigned_ else top >> 1
            r = lo if r < lo else (hi if r > hi else r)
        else:
            r = r >> 1                   # halving: exact result <width:1>
        result |= (<uint32_t>r & <uint32_t>top) << (width * i)
    if kind == 1:
        env.v[V_GE] = ge
    return result


cdef uint32_t helper_sel(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    """SEL: byte i from a (Rn) if GE[i] else from b (Rm)."""
    cdef uint32_t ge = env.v[V_GE]
    cdef uint32_t mask = 0
    cdef int i
    for i in range(4):
        if (ge >> i) & 1:
            mask |= 0xFFu << (8 * i)
    return (a & mask) | (b & ~mask)


cdef uint32_t helper_usad8(CPUARMState *env, uint32_t a, uint32_t b, uint32_t c) noexcept nogil:
    """USAD8: sum of |a.byte[i] - b.byte[i]|."""
    cdef uint32_t total = 0
    cdef int i, x, y
    for i in range(4):
        x = (a >> (8 * i)) & 0xFF
        y = (b >> (8 * i)) & 0xFF
        total += <uint32_t>(x - y if x > y else y - x)
    return total


cdef void register_dsp_helpers():
    register_helper(b"qadd", helper_qadd)
    register_helper(b"qsub", helper_qsub)
    register_helper(b"qdadd", helper_qdadd)
    register_helper(b"qdsub", helper_qdsub)
    register_helper(b"add_setq", helper_add_setq)
    register_helper(b"ssat", helper_ssat)
    register_helper(b"usat", helper_usat)
    register_helper(b"ssat16", helper_ssat16)
    register_helper(b"usat16", helper_usat16)
    register_helper(b"smlad", helper_smlad)
    register_helper(b"smlsd", helper_smlsd)
    register_helper(b"parallel_addsub", helper_parallel_addsub)
    register_helper(b"sel", helper_sel)
    register_helper(b"usad8", helper_usad8)
