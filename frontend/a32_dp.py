"""A32 data-processing, multiply and media instructions.

ARM ARM DDI0406C A5.2 ("Data-processing and miscellaneous instructions")
and A5.4 ("Media instructions"), less the encodings of that space owned by
frontend/a32_mem.py (extra load/store, SWP/LDREX...) and frontend/a32_sys.py
(MRS/MSR, BX/BLX/BXJ, BKPT, SMC/HVC, ERET, hints).  Every pattern below is
exact, fixed SBZ/SBO bits included (as QEMU's a32.decode does), so the
patterns of those files never overlap ours.

Field letters: d n m a = Rd Rn Rm Ra, s = Rs (shift register), h l = RdHi
RdLo, S = set flags, i = imm5 shift amount, t = shift type, r = rotation,
v = imm8/imm12, x/y = which half of Rn/Rm (B=0, T=1), M = swap/round bit.

UNPREDICTABLE encodings are lifted as UNDEF (ctx.undef()); each check cites
the ARM ARM condition it implements.
"""

from frontend.decoder import Encoding
from tcg.ir import PC, NF, ZF, CF

from runtime.abi import MODE_USR, MODE_HYP, MODE_SYS  # noqa: E402

_helper_ids = None


def _helper(ctx, name, d, a, b=0, c=0):
    """d = C helper `name`(env, a, b, c) (runtime/helpers_dsp.pxi)."""
    global _helper_ids
    if _helper_ids is None:
        from runtime.core import HELPER_IDS  # built extension: import late
        _helper_ids = HELPER_IDS
    ctx.b.helper(d, a, b, c, _helper_ids[name])


def _const(ctx, value):
    t = ctx.b.temp()
    ctx.b.movi(t, value & 0xFFFFFFFF)
    return t


def _any_pc(*regs):
    return PC in regs


# ---------------------------------------------------------------------------
# Shifter operands (A8.4.3 Shift_C, DecodeImmShift; A5.2.4 ARMExpandImm_C)

_SHIFT_IMM_C = ("lsl_ci", "lsr_ci", "asr_ci", "ror_ci")
_SHIFT_IMM = ("shli", "shri", "sari", "rori")
_SHIFT_REG_C = ("lsl_c", "lsr_c", "asr_c", "ror_c")
_SHIFT_REG = ("shl", "shr", "sar", "ror")


def shift_imm(ctx, m, t, imm, carry):
    """Value index of Shift_C(R[m], DecodeImmShift(t, imm)); with carry,
    CF receives the shifter's carry out."""
    b = ctx.b
    src = ctx.reg(m)
    if t == 0 and imm == 0:           # LSL #0: value and C unchanged
        return src
    out = b.temp()
    if t == 3 and imm == 0:           # ROR #0 encodes RRX
        (b.rrx_c if carry else b.rrx)(out, src)
    elif carry:                       # LSR/ASR #0 encode #32
        getattr(b, _SHIFT_IMM_C[t])(out, src, imm or 32)
    elif t == 1 and imm == 0:         # LSR #32
        b.movi(out, 0)
    else:                             # ASR #32 gives the same value as #31
        getattr(b, _SHIFT_IMM[t])(out, src, imm or 31)
    return out


def shift_reg(ctx, m, t, s, carry):
    """Value index of Shift_C(R[m], t, UInt(R[s]<7:0>))."""
    out = ctx.b.temp()
    getattr(ctx.b, (_SHIFT_REG_C if carry else _SHIFT_REG)[t])(out, m, s)
    return out


def expand_imm(rot, imm8):
    """ARMExpandImm_C: (value, carry out or None when C is unchanged)."""
    amount = 2 * rot
    value = ((imm8 >> amount) | (imm8 << (32 - amount))) & 0xFFFFFFFF
    return value, (value >> 31 if rot else None)


# ---------------------------------------------------------------------------
# Data-processing: one lifter core for all 16 opcodes (A5.2.1-A5.2.3)

# Logical ops: (IR op on registers, IR op on an immediate, immediate transform).
# MOV/MVN ignore Rn.  Their S forms take C from the shifter.
_LOGIC = {
    "AND": ("and_", "andi", None), "EOR": ("xor", "xori", None),
    "ORR": ("or_", "ori", None), "BIC": ("andn", "andi", "invert"),
    "TST": ("and_", "andi", None), "TEQ": ("xor", "xori", None),
    "MOV": ("mov", "movi", None), "MVN": ("not_", "movi", "invert"),
    "ORN": ("orn", "ori", "invert"),   # T32 only
}
# Arithmetic ops: (IR op, IR op setting NZCV, operands reversed).
_ARITH = {
    "ADD": ("add", "adds", False), "SUB": ("sub", "subs", False),
    "RSB": ("sub", "subs", True), "ADC": ("adc", "adcs", False),
    "SBC": ("sbc", "sbcs", False), "RSC": ("sbc", "sbcs", True),
    "CMP": (None, "subs", False), "CMN": (None, "adds", False),
}
_TESTS = ("TST", "TEQ", "CMP", "CMN")
# The tests have S fixed to 1 in their encodings (no S field); Rd/Rn fields
# absent from a pattern default to 0 in the lifters.
S_FIXED = {op: int(op in _TESTS) for op in list(_LOGIC) + list(_ARITH)}
_UNARY = ("MOV", "MVN")


def _s_effect(ctx, op, S, d):
    """What the S bit does: None, "flags", "exc_return" or "undef".
    An S form with Rd = PC (not a test) is SUBS PC, LR and related (B9.3.20):
    CPSR = SPSR.  It is UNPREDICTABLE in User and System mode and UNDEFINED
    in Hyp mode: UNDEF in all three."""
    if not S:
        return None
    if d != PC or op in _TESTS:
        return "flags"
    return "undef" if ctx.mode in (MODE_USR, MODE_SYS, MODE_HYP) else "exc_return"


def _dp(ctx, op, effect, n, d, operand=None, imm=None):
    """Lift data-processing `op` with a shifter operand that is either a
    value index (`operand`) or a constant (`imm`).  Logical S forms expect
    the caller to have already set CF from the shifter."""
    b = ctx.b
    flags = effect == "flags"
    out = b.temp() if (op in _TESTS or d == PC) else d
    rn = None if op in _UNARY else ctx.reg(n)
    if op in _LOGIC:
        reg_op, imm_op, transform = _LOGIC[op]
        if operand is None:
            value = ~imm & 0xFFFFFFFF if transform == "invert" else imm
            if op in _UNARY:
                b.movi(out, value)
            else:
                getattr(b, imm_op)(out, rn, value)
        elif op in _UNARY:
            getattr(b, reg_op)(out, operand)
        elif reg_op == "orn":
            inverted = b.temp()
            b.not_(inverted, operand)
            b.or_(out, rn, inverted)
        else:
            getattr(b, reg_op)(out, rn, operand)
        if flags:
            b.set_nz(out)
    elif operand is None and (op in ("ADD", "SUB", "CMP", "CMN") or (op == "RSB" and not flags)):
        _dp_arith_imm(b, op, flags, out, rn, imm)
    else:
        plain, with_flags, reverse = _ARITH[op]
        if operand is None:
            operand = _const(ctx, imm)
        x, y = (operand, rn) if reverse else (rn, operand)
        getattr(b, with_flags if flags else plain)(out, x, y)
    if op in _TESTS or d != PC:
        return
    if effect == "exc_return":
        spsr = b.temp()
        b.spsr_read(spsr)
        b.exc_return(out, spsr)
    else:
        ctx.alu_write_pc(out)


def _dp_arith_imm(b, op, flags, out, rn, imm):
    """ADD/SUB/CMP/CMN (and RSB without S) with a constant: the IR's
    immediate forms."""
    if op == "RSB":
        b.rsbi(out, rn, imm)
    elif op in ("ADD", "CMN"):
        (b.addsi if flags else b.addi)(out, rn, imm)
    elif flags:
        b.subsi(out, rn, imm)
    else:
        b.addi(out, rn, -imm & 0xFFFFFFFF)


def dp_imm(op):
    """<op>{S} Rd, Rn, #const (A5.2.3)."""
    def lift(ctx, S=S_FIXED[op], n=0, d=0, r=0, v=0):
        effect = _s_effect(ctx, op, S, d)
        if effect == "undef":
            return ctx.undef()
        value, carry = expand_imm(r, v)
        if effect == "flags" and op in _LOGIC and carry is not None:
            ctx.b.movi(CF, carry)
        _dp(ctx, op, effect, n, d, imm=value)
    lift.__name__ = "lift_%s_imm" % op
    return lift


def dp_reg(op):
    """<op>{S} Rd, Rn, Rm{, <shift> #imm} (A5.2.1)."""
    def lift(ctx, S=S_FIXED[op], n=0, d=0, i=0, t=0, m=0):
        effect = _s_effect(ctx, op, S, d)
        if effect == "undef":
            return ctx.undef()
        carry = effect == "flags" and op in _LOGIC
        _dp(ctx, op, effect, n, d, operand=shift_imm(ctx, m, t, i, carry))
    lift.__name__ = "lift_%s_reg" % op
    return lift


def dp_rsr(op):
    """<op>{S} Rd, Rn, Rm, <shift> Rs (A5.2.2).  Rd, Rn, Rm or Rs = PC is
    UNPREDICTABLE (this also rules out the exception-return form)."""
    def lift(ctx, S=S_FIXED[op], n=0, d=0, s=0, t=0, m=0):
        if _any_pc(n, d, s, m):
            return ctx.undef()
        effect = _s_effect(ctx, op, S, d)
        carry = effect == "flags" and op in _LOGIC
        _dp(ctx, op, effect, n, d, operand=shift_reg(ctx, m, t, s, carry))
    lift.__name__ = "lift_%s_rsr" % op
    return lift


def lift_movw(ctx, v, d):
    """MOVW Rd, #imm16; d == 15 UNPREDICTABLE."""
    if d == PC:
        ctx.undef()
        return
    ctx.b.movi(d, v)


def lift_movt(ctx, v, d):
    """MOVT Rd, #imm16: R[d]<31:16> = imm16; d == 15 UNPREDICTABLE."""
    if d == PC:
        ctx.undef()
        return
    ctx.b.andi(d, d, 0xFFFF)
    ctx.b.ori(d, d, v << 16)


# ---------------------------------------------------------------------------
# Multiplies (A5.2.5).  Any operand register == 15 is UNPREDICTABLE, and so
# is RdHi == RdLo for the long forms.

def _set_nz64(b, lo, hi):
    """N and Z of a 64-bit result hi:lo (long multiplies, S forms)."""
    b.mov(NF, hi)
    b.or_(ZF, lo, hi)


def lift_mul(ctx, S, d, m, n):
    if _any_pc(d, n, m):
        return ctx.undef()
    ctx.b.mul(d, n, m)
    if S:
        ctx.b.set_nz(d)


def lift_mla(ctx, S, d, a, m, n):
    if _any_pc(d, n, m, a):
        return ctx.undef()
    b = ctx.b
    p = b.temp()
    b.mul(p, n, m)
    b.add(d, p, a)
    if S:
        b.set_nz(d)


def lift_mls(ctx, d, a, m, n):
    if _any_pc(d, n, m, a):
        return ctx.undef()
    b = ctx.b
    p = b.temp()
    b.mul(p, n, m)
    b.sub(d, a, p)


def _long_undef(h, l, *regs):
    return _any_pc(h, l, *regs) or h == l


def long_multiply(signed, accumulate):
    """UMULL/UMLAL/SMULL/SMLAL RdLo, RdHi, Rn, Rm."""
    def lift(ctx, S, h, l, m, n):
        if _long_undef(h, l, n, m):
            return ctx.undef()
        b = ctx.b
        mul64 = b.muls64 if signed else b.mulu64
        if accumulate:
            plo, phi = b.temp(), b.temp()
            mul64(plo, phi, n, m)
            b.add64(l, h, plo, phi)
        else:
            mul64(l, h, n, m)
        if S:
            _set_nz64(b, l, h)
    lift.__name__ = "lift_%smul%s" % ("s" if signed else "u", "al" if accumulate else "l")
    return lift


def lift_umaal(ctx, h, l, m, n):
    """UMAAL: RdHi:RdLo = Rn * Rm + RdHi + RdLo (unsigned, cannot overflow)."""
    if _long_undef(h, l, n, m):
        return ctx.undef()
    b = ctx.b
    plo, phi, zero = b.temp(), b.temp(), _const(ctx, 0)
    b.mulu64(plo, phi, n, m)
    b.add64(plo, phi, l, zero)
    b.add64(plo, phi, h, zero)
    b.mov(l, plo)
    b.mov(h, phi)


# -- signed halfword multiplies (A5.2.7)

def _half(ctx, r, top):
    """SInt of the top or bottom halfword of R[r]."""
    t = ctx.b.temp()
    if top:
        ctx.b.sari(t, r, 16)
    else:
        ctx.b.sext16(t, r)
    return t


def lift_smulxy(ctx, d, m, y, x, n):
    if _any_pc(d, n, m):
        return ctx.undef()
    ctx.b.mul(d, _half(ctx, n, x), _half(ctx, m, y))


def lift_smlaxy(ctx, d, a, m, y, x, n):
    """SMLA<x><y>: Q set if the accumulation overflows."""
    if _any_pc(d, n, m, a):
        return ctx.undef()
    p = ctx.b.temp()
    ctx.b.mul(p, _half(ctx, n, x), _half(ctx, m, y))
    _helper(ctx, "add_setq", d, p, a)


def _smulw(ctx, n, m, y):
    """(SInt(R[n]) * SInt(halfword of R[m]))<47:16>."""
    b = ctx.b
    lo, hi = b.temp(), b.temp()
    b.muls64(lo, hi, n, _half(ctx, m, y))
    b.shri(lo, lo, 16)
    b.shli(hi, hi, 16)
    b.or_(lo, lo, hi)
    return lo


def lift_smulwy(ctx, d, m, y, n):
    if _any_pc(d, n, m):
        return ctx.undef()
    ctx.b.mov(d, _smulw(ctx, n, m, y))


def lift_smlawy(ctx, d, a, m, y, n):
    """SMLAW<y>: Q set if (product >> 16) + Ra overflows 32 bits."""
    if _any_pc(d, n, m, a):
        return ctx.undef()
    _helper(ctx, "add_setq", d, _smulw(ctx, n, m, y), a)


def _add_signed64(b, lo, hi, v):
    """hi:lo += SInt(v) (64-bit)."""
    vhi = b.temp()
    b.sari(vhi, v, 31)
    b.add64(lo, hi, v, vhi)


def lift_smlalxy(ctx, h, l, m, y, x, n):
    if _long_undef(h, l, n, m):
        return ctx.undef()
    p = ctx.b.temp()
    ctx.b.mul(p, _half(ctx, n, x), _half(ctx, m, y))
    _add_signed64(ctx.b, l, h, p)


# -- dual 16-bit multiplies and most-significant-word multiplies (A5.4.4)

def _swapped(ctx, m, M):
    """Rm, or Rm with its halfwords swapped for the X forms."""
    if not M:
        return m
    t = ctx.b.temp()
    ctx.b.rori(t, m, 16)
    return t


def dual_multiply(subtract):
    """SMLAD/SMLSD (Ra != 15) and SMUAD/SMUSD (Ra == 15): Q on overflow."""
    def lift(ctx, d, m, M, n, a=PC):
        if _any_pc(d, n, m):
            return ctx.undef()
        acc = _const(ctx, 0) if a == PC else a
        _helper(ctx, "smlsd" if subtract else "smlad", d, n, _swapped(ctx, m, M), acc)
    lift.__name__ = "lift_sml%sd" % ("s" if subtract else "a")
    return lift


def dual_multiply_long(subtract):
    """SMLALD/SMLSLD: RdHi:RdLo += product1 +/- product2 (no Q)."""
    def lift(ctx, h, l, m, M, n):
        if _long_undef(h, l, n, m):
            return ctx.undef()
        b = ctx.b
        mm = _swapped(ctx, m, M)
        p1, p2 = b.temp(), b.temp()
        b.mul(p1, _half(ctx, n, 0), _half(ctx, mm, 0))
        b.mul(p2, _half(ctx, n, 1), _half(ctx, mm, 1))
        if subtract:
            b.rsbi(p2, p2, 0)  # |p2| <= 2**30: the negation fits in 32 bits
        _add_signed64(b, l, h, p1)
        _add_signed64(b, l, h, p2)
    lift.__name__ = "lift_sml%sld" % ("s" if subtract else "a")
    return lift


def most_significant_multiply(subtract):
    """SMMUL (Ra == 15), SMMLA, SMMLS: ((Ra << 32) +/- Rn * Rm
    [+ 0x80000000 when rounding])<63:32>.  SMMLS with Ra == 15 is
    UNPREDICTABLE."""
    def lift(ctx, d, m, M, n, a=PC):
        if _any_pc(d, n, m) or (subtract and a == PC):
            return ctx.undef()
        b = ctx.b
        lo, hi, zero = b.temp(), b.temp(), _const(ctx, 0)
        b.muls64(lo, hi, n, m)
        if subtract:  # negate the 64-bit product: ~x + 1
            b.not_(lo, lo)
            b.not_(hi, hi)
            b.add64(lo, hi, _const(ctx, 1), zero)
        if a != PC:
            b.add64(lo, hi, zero, a)
        if M:
            b.add64(lo, hi, _const(ctx, 0x80000000), zero)
        b.mov(d, hi)
    lift.__name__ = "lift_smml%s" % ("s" if subtract else "a")
    return lift


def divide(signed):
    """SDIV/UDIV Rd, Rn, Rm: division by zero gives 0 (no trap in v7-A)."""
    def lift(ctx, d, m, n):
        if _any_pc(d, n, m):
            return ctx.undef()
        (ctx.b.sdiv if signed else ctx.b.udiv)(d, n, m)
    lift.__name__ = "lift_%sdiv" % ("s" if signed else "u")
    return lift


# ---------------------------------------------------------------------------
# Miscellaneous (A5.2.12, A5.4.3, A5.4.5)

def unary(ir_op):
    """CLZ/REV/REV16/REVSH/RBIT Rd, Rm; d or m == 15 UNPREDICTABLE."""
    def lift(ctx, d, m):
        if _any_pc(d, m):
            return ctx.undef()
        getattr(ctx.b, ir_op)(d, m)
    lift.__name__ = "lift_" + ir_op
    return lift


def saturating_add(name):
    """QADD/QSUB/QDADD/QDSUB Rd, Rm, Rn (helpers take Rm, Rn)."""
    def lift(ctx, n, d, m):
        if _any_pc(d, n, m):
            return ctx.undef()
        _helper(ctx, name, d, m, n)
    lift.__name__ = "lift_" + name
    return lift


def _rotated(ctx, m, r):
    """ROR(R[m], 8 * rotation) of the extend instructions."""
    if r == 0:
        return m
    t = ctx.b.temp()
    ctx.b.rori(t, m, 8 * r)
    return t


# extend kind -> IR op extending the low byte/halfword
_EXTEND = {"SXTB": "sext8", "SXTH": "sext16", "UXTB": "zext8", "UXTH": "zext16"}


def extend(kind, accumulate):
    """SXTB/SXTH/UXTB/UXTH (Rn == 15) and SXTAB/.../UXTAH Rd, Rn, Rm, ROR #."""
    def lift(ctx, d, r, m, n=PC):
        if _any_pc(d, m):
            return ctx.undef()
        b = ctx.b
        if accumulate:
            t = b.temp()
            getattr(b, _EXTEND[kind])(t, _rotated(ctx, m, r))
            b.add(d, n, t)
        else:
            getattr(b, _EXTEND[kind])(d, _rotated(ctx, m, r))
    lift.__name__ = "lift_%s%s" % (kind.lower(), "_acc" if accumulate else "")
    return lift


def extend16(signed, accumulate):
    """SXTB16/UXTB16 and SXTAB16/UXTAB16: bytes 0 and 2 of the rotated Rm,
    extended into the two halfwords (and added to Rn's halfwords)."""
    def lift(ctx, d, r, m, n=PC):
        if _any_pc(d, m):
            return ctx.undef()
        b = ctx.b
        src = _rotated(ctx, m, r)
        lo, hi = b.temp(), b.temp()
        if signed:
            b.sext8(lo, src)
            b.shri(hi, src, 16)
            b.sext8(hi, hi)
            b.shli(hi, hi, 16)
        else:
            b.andi(lo, src, 0xFF)
            b.andi(hi, src, 0xFF0000)
        if accumulate:  # the high lane's carry out falls off bit 31
            nhi = b.temp()
            b.add(lo, lo, n)
            b.andi(nhi, n, 0xFFFF0000)
            b.add(hi, hi, nhi)
        b.andi(lo, lo, 0xFFFF)
        b.or_(d, lo, hi)
    lift.__name__ = "lift_%sxtb16%s" % ("s" if signed else "u", "_acc" if accumulate else "")
    return lift


def lift_bfc(ctx, k, d, l):
    """BFC Rd, #lsb, #width (k = msb).  d == 15 or msb < lsb UNPREDICTABLE."""
    if d == PC or k < l:
        return ctx.undef()
    mask = ((1 << (k + 1)) - 1) & ~((1 << l) - 1)
    ctx.b.andi(d, d, ~mask & 0xFFFFFFFF)


def lift_bfi(ctx, k, d, l, n):
    """BFI Rd, Rn, #lsb, #width (k = msb).  d == 15 or msb < lsb
    UNPREDICTABLE (Rn == 15 is BFC)."""
    if d == PC or k < l:
        return ctx.undef()
    b = ctx.b
    mask = ((1 << (k + 1)) - 1) & ~((1 << l) - 1)
    t = b.temp()
    b.shli(t, n, l)
    b.andi(t, t, mask)
    b.andi(d, d, ~mask & 0xFFFFFFFF)
    b.or_(d, d, t)


def bitfield_extract(signed):
    """SBFX/UBFX Rd, Rn, #lsb, #width (w = width - 1).  d or n == 15, or
    lsb + width > 32, UNPREDICTABLE."""
    def lift(ctx, w, d, l, n):
        width = w + 1
        if _any_pc(d, n) or l + width > 32:
            return ctx.undef()
        b = ctx.b
        if signed:
            t = b.temp()
            b.shli(t, n, 32 - l - width)
            b.sari(d, t, 32 - width)
        elif width == 32:
            b.mov(d, n)
        else:
            b.shri(d, n, l)
            b.andi(d, d, (1 << width) - 1)
    lift.__name__ = "lift_%sbfx" % ("s" if signed else "u")
    return lift


def _sat_operand(ctx, n, s, i):
    """The shifted operand of SSAT/USAT: LSL #i or ASR #i (#0 = #32)."""
    if i == 0 and s == 0:
        return n
    t = ctx.b.temp()
    if s:
        ctx.b.sari(t, n, i or 31)
    else:
        ctx.b.shli(t, n, i)
    return t


def saturate(signed):
    """SSAT Rd, #(w+1), Rn{, shift} / USAT Rd, #w, Rn{, shift}: Q set when
    saturating.  d or n == 15 UNPREDICTABLE."""
    def lift(ctx, w, d, i, s, n):
        if _any_pc(d, n):
            return ctx.undef()
        bits = _const(ctx, w + 1 if signed else w)
        _helper(ctx, "ssat" if signed else "usat", d, _sat_operand(ctx, n, s, i), bits)
    lift.__name__ = "lift_%ssat" % ("s" if signed else "u")
    return lift


def saturate16(signed):
    """SSAT16 Rd, #(w+1), Rn / USAT16 Rd, #w, Rn."""
    def lift(ctx, w, d, n):
        if _any_pc(d, n):
            return ctx.undef()
        bits = _const(ctx, w + 1 if signed else w)
        _helper(ctx, "ssat16" if signed else "usat16", d, n, bits)
    lift.__name__ = "lift_%ssat16" % ("s" if signed else "u")
    return lift


def lift_pkhbt(ctx, n, d, i, m):
    """PKHBT Rd, Rn, Rm, LSL #i: bottom half from Rn, top from shifted Rm."""
    if _any_pc(d, n, m):
        return ctx.undef()
    b = ctx.b
    lo, hi = b.temp(), b.temp()
    b.andi(lo, n, 0xFFFF)
    b.shli(hi, m, i)
    b.andi(hi, hi, 0xFFFF0000)
    b.or_(d, lo, hi)


def lift_pkhtb(ctx, n, d, i, m):
    """PKHTB Rd, Rn, Rm, ASR #i (#0 = #32): top half from Rn."""
    if _any_pc(d, n, m):
        return ctx.undef()
    b = ctx.b
    lo, hi = b.temp(), b.temp()
    b.sari(lo, m, i or 31)
    b.andi(lo, lo, 0xFFFF)
    b.andi(hi, n, 0xFFFF0000)
    b.or_(d, lo, hi)


def lift_sel(ctx, n, d, m):
    """SEL Rd, Rn, Rm: bytes from Rn where GE is set, else from Rm."""
    if _any_pc(d, n, m):
        return ctx.undef()
    _helper(ctx, "sel", d, n, m)


def lift_usad8(ctx, d, m, n, a=PC):
    """USAD8 (Ra == 15) / USADA8: sum of absolute byte differences."""
    if _any_pc(d, n, m):
        return ctx.undef()
    if a == PC:
        _helper(ctx, "usad8", d, n, m)
    else:
        t = ctx.b.temp()
        _helper(ctx, "usad8", t, n, m)
        ctx.b.add(d, t, a)


# -- parallel add/subtract (A5.4.1, A5.4.2)
# The helper's selector is (U:op1) << 3 | op2, i.e. instruction bits 22:20
# and 7:5; runtime/helpers_dsp.pxi decodes it the same way.
_PARALLEL_PREFIX = {"S": 0b001, "Q": 0b010, "SH": 0b011,
                    "U": 0b101, "UQ": 0b110, "UH": 0b111}
_PARALLEL_OP = {"ADD16": 0b000, "ASX": 0b001, "SAX": 0b010,
                "SUB16": 0b011, "ADD8": 0b100, "SUB8": 0b111}


def parallel(selector):
    """<prefix><op> Rd, Rn, Rm (SADD16, UQSUB8, ...).  Any PC UNPREDICTABLE."""
    def lift(ctx, n, d, m):
        if _any_pc(d, n, m):
            return ctx.undef()
        _helper(ctx, "parallel_addsub", d, n, m, _const(ctx, selector))
    lift.__name__ = "lift_parallel_%02o" % selector
    return lift


def _parallel_encodings():
    out = []
    for prefix, p in _PARALLEL_PREFIX.items():
        for op, o in _PARALLEL_OP.items():
            pattern = "cccc01100%s%snnnndddd1111%s1mmmm" % (
                format(p >> 2, "01b"), format(p & 3, "02b"), format(o, "03b"))
            out.append(Encoding(prefix + op, pattern, parallel(p << 3 | o)))
    return out


# ---------------------------------------------------------------------------
# The table

_DP_OPS = [  # (mnemonic, opcode bits 24:21) for A5.2.1-A5.2.3
    ("AND", "0000"), ("EOR", "0001"), ("SUB", "0010"), ("RSB", "0011"),
    ("ADD", "0100"), ("ADC", "0101"), ("SBC", "0110"), ("RSC", "0111"),
    ("TST", "1000"), ("TEQ", "1001"), ("CMP", "1010"), ("CMN", "1011"),
    ("ORR", "1100"), ("MOV", "1101"), ("BIC", "1110"), ("MVN", "1111"),
]


def _dp_encodings():
    """AND..MVN, each in immediate, register and register-shifted-register
    form.  Tests have S = 1 and Rd = 0000 (S = 0 is the misc space, A5.2);
    MOV/MVN have Rn = 0000.  LSL/LSR/ASR/ROR/RRX (imm and reg) are MOV."""
    out = []
    for op, bits in _DP_OPS:
        S = "1" if op in _TESTS else "S"
        rn = "0000" if op in _UNARY else "nnnn"
        rd = "0000" if op in _TESTS else "dddd"
        head = "cccc00%s" + bits + S + rn + rd
        out += [
            Encoding(op + "_imm", head % "1" + "rrrrvvvvvvvv", dp_imm(op)),
            Encoding(op + "_reg", head % "0" + "iiiiitt0mmmm", dp_reg(op)),
            Encoding(op + "_rsr", head % "0" + "ssss0tt1mmmm", dp_rsr(op)),
        ]
    return out


ENCODINGS_DP = _dp_encodings() + [
    Encoding("MOVW",     "cccc00110000vvvvddddvvvvvvvvvvvv", lift_movw),
    Encoding("MOVT",     "cccc00110100vvvvddddvvvvvvvvvvvv", lift_movt),

    # multiplies (A5.2.5)
    Encoding("MUL",      "cccc0000000Sdddd0000mmmm1001nnnn", lift_mul),
    Encoding("MLA",      "cccc0000001Sddddaaaammmm1001nnnn", lift_mla),
    Encoding("UMAAL",    "cccc00000100hhhhllllmmmm1001nnnn", lift_umaal),
    Encoding("MLS",      "cccc00000110ddddaaaammmm1001nnnn", lift_mls),
    Encoding("UMULL",    "cccc0000100Shhhhllllmmmm1001nnnn", long_multiply(False, False)),
    Encoding("UMLAL",    "cccc0000101Shhhhllllmmmm1001nnnn", long_multiply(False, True)),
    Encoding("SMULL",    "cccc0000110Shhhhllllmmmm1001nnnn", long_multiply(True, False)),
    Encoding("SMLAL",    "cccc0000111Shhhhllllmmmm1001nnnn", long_multiply(True, True)),

    # signed halfword multiplies (A5.2.7)
    Encoding("SMLAxy",   "cccc00010000ddddaaaammmm1yx0nnnn", lift_smlaxy),
    Encoding("SMLAWy",   "cccc00010010ddddaaaammmm1y00nnnn", lift_smlawy),
    Encoding("SMULWy",   "cccc00010010dddd0000mmmm1y10nnnn", lift_smulwy),
    Encoding("SMLALxy",  "cccc00010100hhhhllllmmmm1yx0nnnn", lift_smlalxy),
    Encoding("SMULxy",   "cccc00010110dddd0000mmmm1yx0nnnn", lift_smulxy),

    # signed multiplies, divide (A5.4.4); Ra == 1111 selects the non-accumulating form
    Encoding("SMUAD",    "cccc01110000dddd1111mmmm00M1nnnn", dual_multiply(False)),
    Encoding("SMLAD",    "cccc01110000ddddaaaammmm00M1nnnn", dual_multiply(False)),
    Encoding("SMUSD",    "cccc01110000dddd1111mmmm01M1nnnn", dual_multiply(True)),
    Encoding("SMLSD",    "cccc01110000ddddaaaammmm01M1nnnn", dual_multiply(True)),
    Encoding("SDIV",     "cccc01110001dddd1111mmmm0001nnnn", divide(True)),
    Encoding("UDIV",     "cccc01110011dddd1111mmmm0001nnnn", divide(False)),
    Encoding("SMLALD",   "cccc01110100hhhhllllmmmm00M1nnnn", dual_multiply_long(False)),
    Encoding("SMLSLD",   "cccc01110100hhhhllllmmmm01M1nnnn", dual_multiply_long(True)),
    Encoding("SMMUL",    "cccc01110101dddd1111mmmm00M1nnnn", most_significant_multiply(False)),
    Encoding("SMMLA",    "cccc01110101ddddaaaammmm00M1nnnn", most_significant_multiply(False)),
    Encoding("SMMLS",    "cccc01110101ddddaaaammmm11M1nnnn", most_significant_multiply(True)),

    # miscellaneous (A5.2.12), saturating add/subtract (A5.2.6)
    Encoding("CLZ",      "cccc000101101111dddd11110001mmmm", unary("clz")),
    Encoding("QADD",     "cccc00010000nnnndddd00000101mmmm", saturating_add("qadd")),
    Encoding("QSUB",     "cccc00010010nnnndddd00000101mmmm", saturating_add("qsub")),
    Encoding("QDADD",    "cccc00010100nnnndddd00000101mmmm", saturating_add("qdadd")),
    Encoding("QDSUB",    "cccc00010110nnnndddd00000101mmmm", saturating_add("qdsub")),

    # packing, unpacking, saturation and reversal (A5.4.3)
    Encoding("PKHBT",    "cccc01101000nnnnddddiiiii001mmmm", lift_pkhbt),
    Encoding("PKHTB",    "cccc01101000nnnnddddiiiii101mmmm", lift_pkhtb),
    Encoding("SXTB16",   "cccc011010001111ddddrr000111mmmm", extend16(True, False)),
    Encoding("SXTAB16",  "cccc01101000nnnnddddrr000111mmmm", extend16(True, True)),
    Encoding("SEL",      "cccc01101000nnnndddd11111011mmmm", lift_sel),
    Encoding("SSAT",     "cccc0110101wwwwwddddiiiiis01nnnn", saturate(True)),
    Encoding("SSAT16",   "cccc01101010wwwwdddd11110011nnnn", saturate16(True)),
    Encoding("SXTB",     "cccc011010101111ddddrr000111mmmm", extend("SXTB", False)),
    Encoding("SXTAB",    "cccc01101010nnnnddddrr000111mmmm", extend("SXTB", True)),
    Encoding("REV",      "cccc011010111111dddd11110011mmmm", unary("rev")),
    Encoding("SXTH",     "cccc011010111111ddddrr000111mmmm", extend("SXTH", False)),
    Encoding("SXTAH",    "cccc01101011nnnnddddrr000111mmmm", extend("SXTH", True)),
    Encoding("REV16",    "cccc011010111111dddd11111011mmmm", unary("rev16")),
    Encoding("UXTB16",   "cccc011011001111ddddrr000111mmmm", extend16(False, False)),
    Encoding("UXTAB16",  "cccc01101100nnnnddddrr000111mmmm", extend16(False, True)),
    Encoding("USAT",     "cccc0110111wwwwwddddiiiiis01nnnn", saturate(False)),
    Encoding("USAT16",   "cccc01101110wwwwdddd11110011nnnn", saturate16(False)),
    Encoding("UXTB",     "cccc011011101111ddddrr000111mmmm", extend("UXTB", False)),
    Encoding("UXTAB",    "cccc01101110nnnnddddrr000111mmmm", extend("UXTB", True)),
    Encoding("RBIT",     "cccc011011111111dddd11110011mmmm", unary("rbit")),
    Encoding("UXTH",     "cccc011011111111ddddrr000111mmmm", extend("UXTH", False)),
    Encoding("UXTAH",    "cccc01101111nnnnddddrr000111mmmm", extend("UXTH", True)),
    Encoding("REVSH",    "cccc011011111111dddd11111011mmmm", unary("revsh")),

    # A5.4 other media: USAD8, bit fields
    Encoding("USAD8",    "cccc01111000dddd1111mmmm0001nnnn", lift_usad8),
    Encoding("USADA8",   "cccc01111000ddddaaaammmm0001nnnn", lift_usad8),
    Encoding("SBFX",     "cccc0111101wwwwwddddlllll101nnnn", bitfield_extract(True)),
    Encoding("BFC",      "cccc0111110kkkkkddddlllll0011111", lift_bfc),
    Encoding("BFI",      "cccc0111110kkkkkddddlllll001nnnn", lift_bfi),
    Encoding("UBFX",     "cccc0111111wwwwwddddlllll101nnnn", bitfield_extract(False)),
] + _parallel_encodings()
