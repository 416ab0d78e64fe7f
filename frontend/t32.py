"""The T32 (Thumb-2) decoder: encoding tables and the T32 side of lifting.

ARM ARM DDI0406C chapter A6 (16-bit: A6.2, 32-bit: A6.3).  One table line
per encoding, in the decoder's data style (frontend/decoder.py): 16-bit
patterns have 16 characters, 32-bit ones 32 (hw1 then hw2).  The lifters
are the A32 ones wherever the operation is the same (they take decoded
operands); what is T32's own is here: the register restrictions (BadReg:
SP or PC is UNPREDICTABLE in most T32 encodings, lifted as UNDEF like
every UNPREDICTABLE case), ThumbExpandImm, setflags = !InITBlock() of the
16-bit data-processing forms, IT, CBZ/CBNZ, TBB/TBH and the branches.

The translator (frontend/translate.py) gives each instruction its
condition from ITSTATE and keeps CPSR.IT right at every exit.  Encodings
that are UNPREDICTABLE inside an IT block (B<c>, CBZ/CBNZ, IT, CPS,
SETEND) are UNDEF there, as QEMU does for B<c> and IT; a branch that is not
the last instruction of an IT block runs with ITSTATE advanced (as QEMU).

Coprocessor space for cp10/cp11 (VFP) and the Advanced SIMD spaces go
through one place, `lift_fp_simd`: their T32 encodings are the A32 ones
(A6.3.18, A7.4), so it looks the equivalent A32 word up in the A32 tables;
until those have VFP/NEON lines, that is UNDEF.
"""

from functools import partial

from frontend.decoder import Decoder, Encoding
from frontend import a32_dp as dp, a32_mem as mem, a32_sys as sy
from frontend.a32_dp import S_FIXED, _LOGIC, _dp, shift_imm, shift_reg
from runtime.abi import EXCP_SWI, EXCP_SEMIHOST, MODE_USR, MODE_SYS, MODE_HYP
from tcg.ir import SP, LR, PC, CF

UNCONDITIONAL_IN_IT = frozenset(("BKPT",))
THUMB_SEMIHOST_SVC = 0xAB


def bad(*regs):
    """BadReg(): SP or PC."""
    return any(r in (SP, PC) for r in regs)


def checked(lift, letters, sp_ok=""):
    """lift, UNDEF when a field in `letters` is PC, or SP unless in sp_ok."""
    def wrapper(ctx, **f):
        for k in letters:
            if f[k] == PC or (f[k] == SP and k not in sp_ok):
                return ctx.undef()
        return lift(ctx, **f)
    wrapper.__name__ = getattr(lift, "__name__", "lift")
    return wrapper


def _E(name, pattern, lift, *bound, priority=0):
    return Encoding(name, pattern, partial(lift, *bound) if bound else lift, priority)


def sign_extend(value, bits):
    return sy.sign_extend(value, bits)


# ---------------------------------------------------------------------------
# Data processing (A6.3.1-A6.3.3, A6.3.11, A6.3.12)

def thumb_expand_imm(imm12):
    """ThumbExpandImm_C (A6.3.2): (value, carry out or None), or None when
    UNPREDICTABLE (a zero byte replicated)."""
    imm8 = imm12 & 0xFF
    if imm12 >> 10 == 0:
        kind = (imm12 >> 8) & 3
        if kind and imm8 == 0:
            return None
        value = (imm8, imm8 * 0x00010001, imm8 * 0x01000100, imm8 * 0x01010101)[kind]
        return value, None
    unrotated = 0x80 | (imm12 & 0x7F)
    amount = imm12 >> 7
    value = ((unrotated >> amount) | (unrotated << (32 - amount))) & 0xFFFFFFFF
    return value, value >> 31


_TESTS = ("TST", "TEQ", "CMP", "CMN")


def dp_regs_ok(op, S, d, n, m=None):
    """The T32 register restrictions of the data-processing encodings
    (A8.8.*, T32 encodings): tests need n != PC (TST/TEQ: not SP either);
    MOV/MVN BadReg(d); ADD/SUB with Rn = SP are ADD/SUB (SP plus ...), where
    Rd may be SP; every other d, n BadReg; m BadReg."""
    if m is not None and bad(m):
        return False
    if op in _TESTS:
        return n != PC and not (op in ("TST", "TEQ") and n == SP)
    if op in ("MOV", "MVN"):
        return not bad(d)
    if op in ("ADD", "SUB") and n == SP:
        return d != PC
    return not bad(d, n)


def t32_dp_imm(op):
    """<op>{S}.W Rd, Rn, #ThumbExpandImm(i:imm3:imm8)."""
    def lift(ctx, S=S_FIXED[op], n=0, d=0, v=0):
        expanded = thumb_expand_imm(v)
        if not dp_regs_ok(op, S, d, n) or expanded is None:
            return ctx.undef()
        value, carry = expanded
        if S and op in _LOGIC and carry is not None:
            ctx.b.movi(CF, carry)
        _dp(ctx, op, "flags" if S else None, n, d, imm=value)
    lift.__name__ = "lift_t32_%s_imm" % op
    return lift


def t32_dp_reg(op):
    """<op>{S}.W Rd, Rn, Rm{, <shift> #imm3:imm2}."""
    def lift(ctx, S=S_FIXED[op], n=0, d=0, i=0, t=0, m=0):
        if op == "MOV" and not S and i == 0 and t == 0:
            ok = PC not in (d, m) and not (d == SP and m == SP)   # MOV.W may use SP
        elif op in ("ADD", "SUB") and n == SP:
            ok = d != PC and not bad(m) and (d != SP or (t == 0 and i <= 3))
        else:
            ok = dp_regs_ok(op, S, d, n, m)
        if not ok:
            return ctx.undef()
        carry = bool(S) and op in _LOGIC
        _dp(ctx, op, "flags" if S else None, n, d, operand=shift_imm(ctx, m, t, i, carry))
    lift.__name__ = "lift_t32_%s_reg" % op
    return lift


def lift_shift_reg(ctx, t, S, n, d, m):
    """LSL/LSR/ASR/ROR{S}.W Rd, Rn, Rm (MOV with a register-shifted register)."""
    if bad(d, n, m):
        return ctx.undef()
    _dp(ctx, "MOV", "flags" if S else None, 0, d, operand=shift_reg(ctx, n, t, m, bool(S)))


def lift_addw(sub, ctx, n, d, v):
    """ADDW/SUBW Rd, Rn, #imm12; Rn = PC is ADR (Align(PC, 4) +/- imm12),
    Rn = SP is ADD/SUB (SP plus immediate) T4/T3."""
    if d == PC or (d == SP and n != SP):
        return ctx.undef()
    b = ctx.b
    base = ctx.reg_aligned_pc(n)
    b.addi(d, base, (-v if sub else v) & 0xFFFFFFFF)


def lift_mov16(lift, ctx, k, v, d):
    """MOVW/MOVT: imm16 = imm4:i:imm3:imm8."""
    if bad(d):
        return ctx.undef()
    lift(ctx, v=(k << 12) | v, d=d)


_DP_IMM_OPS = [("AND", "0000"), ("BIC", "0001"), ("ORR", "0010"), ("ORN", "0011"),
               ("EOR", "0100"), ("ADD", "1000"), ("ADC", "1010"), ("SBC", "1011"),
               ("SUB", "1101"), ("RSB", "1110")]
# (test or unary, the op it specialises, which field is fixed to 1111)
_DP_SPECIAL = [("TST", "AND", "d"), ("TEQ", "EOR", "d"), ("CMN", "ADD", "d"),
               ("CMP", "SUB", "d"), ("MOV", "ORR", "n"), ("MVN", "ORN", "n")]


def _dp_encodings():
    out = []
    codes = dict(_DP_IMM_OPS)
    for op, bits in _DP_IMM_OPS:
        out += [
            Encoding(op + "_imm_w", "11110v0" + bits + "Snnnn0vvvddddvvvvvvvv", t32_dp_imm(op)),
            Encoding(op + "_reg_w", "1110101" + bits + "Snnnn0iiiddddiittmmmm", t32_dp_reg(op)),
        ]
    for op, base, fixed in _DP_SPECIAL:
        bits = codes[base]
        if fixed == "d":   # S = 1, Rd = 1111
            imm = "11110v0" + bits + "1nnnn0vvv1111vvvvvvvv"
            reg = "1110101" + bits + "1nnnn0iii1111iittmmmm"
        else:              # Rn = 1111
            imm = "11110v0" + bits + "S11110vvvddddvvvvvvvv"
            reg = "1110101" + bits + "S11110iiiddddiittmmmm"
        out += [Encoding(op + "_imm_w", imm, t32_dp_imm(op)),
                Encoding(op + "_reg_w", reg, t32_dp_reg(op))]
    return out


# ---------------------------------------------------------------------------
# 16-bit data processing (A6.2.1, A6.2.2, A6.2.3): setflags = !InITBlock()

def t16_dp(op, S_rule="outside_it"):
    """Rdn/Rd, Rn, Rm low-register forms.  S_rule: "outside_it" (the usual
    16-bit rule), "always" (tests, MOVS Rd, Rm of LSL #0)."""
    def lift(ctx, d=0, n=None, m=0, i=None, t=0, imm=None):
        S = 1 if S_rule == "always" else int(not ctx.in_it)
        effect = "flags" if S else None
        rn = d if n is None else n
        if imm is not None:
            _dp(ctx, op, effect, rn, d, imm=imm)
            return
        carry = bool(S) and op in _LOGIC
        operand = shift_imm(ctx, m, t, i or 0, carry)
        _dp(ctx, op, effect, rn, d, operand=operand)
    return lift


def lift_t16_shift_imm(ctx, t, i, m, d):
    """LSL/LSR/ASR Rd, Rm, #imm5 (LSR/ASR #0 mean #32); LSL #0 is MOVS Rd,
    Rm (T2), UNPREDICTABLE in an IT block."""
    if t == 0 and i == 0:
        if ctx.in_it:
            return ctx.undef()
        return t16_dp("MOV", "always")(ctx, d=d, m=m)
    t16_dp("MOV")(ctx, d=d, m=m, i=i, t=t)


def lift_t16_addsub(op, ctx, d, n, m=None, v=None):
    """ADD/SUB Rd, Rn, Rm / #imm3 (T1) and Rdn, #imm8 (T2)."""
    if v is not None:
        return t16_dp(op)(ctx, d=d, n=n, imm=v)
    t16_dp(op)(ctx, d=d, n=n, m=m)


def lift_t16_imm8(op, ctx, d, v):
    """MOV/CMP/ADD/SUB Rdn, #imm8 (MOV: C unchanged)."""
    rule = "always" if op == "CMP" else "outside_it"
    t16_dp(op, rule)(ctx, d=0 if op == "CMP" else d, n=d, imm=v)


def lift_t16_alu(op, ctx, m, d):
    """The A6.2.2 data-processing ops on Rdn, Rm."""
    if op in _TESTS:
        return t16_dp(op, "always")(ctx, d=0, n=d, m=m)
    if op in ("LSL", "LSR", "ASR", "ROR"):
        S = int(not ctx.in_it)
        t = ("LSL", "LSR", "ASR", "ROR").index(op)
        return _dp(ctx, "MOV", "flags" if S else None, 0, d,
                   operand=shift_reg(ctx, d, t, m, bool(S)))
    if op == "RSB":   # NEG: RSBS Rd, Rn, #0
        return t16_dp("RSB")(ctx, d=d, n=m, imm=0)
    if op == "MUL":   # MULS Rdm, Rn, Rdm
        dp.lift_mul(ctx, int(not ctx.in_it), d, d, m)
        return
    t16_dp(op)(ctx, d=d, m=m)


def lift_t16_add_hi(ctx, d, m):
    """ADD Rdn, Rm (any registers, no flags); Rd = PC is ALUWritePC."""
    if d == PC and m == PC:
        return ctx.undef()
    b = ctx.b
    if d != PC:
        b.add(d, ctx.reg(d), ctx.reg(m))
        return
    t = b.temp()
    b.add(t, ctx.reg(d), ctx.reg(m))
    ctx.alu_write_pc(t)


def lift_t16_cmp_hi(ctx, n, m):
    """CMP Rn, Rm (T2): two low registers or a PC are UNPREDICTABLE."""
    if (n < 8 and m < 8) or PC in (n, m):
        return ctx.undef()
    _dp(ctx, "CMP", "flags", n, 0, operand=m)


def lift_t16_mov_hi(ctx, d, m):
    """MOV Rd, Rm (T1, no flags); Rd = PC is ALUWritePC."""
    src = ctx.reg(m)
    if d == PC:
        ctx.alu_write_pc(src)
    else:
        ctx.b.mov(d, src)


def lift_adr(ctx, d, v):
    ctx.b.movi(d, ((ctx.pc_read & ~3) + v) & 0xFFFFFFFF)


def lift_add_sp_imm(ctx, d, v):
    """ADD Rd, SP, #imm8 << 2 (T1) and ADD/SUB SP, SP, #imm7 << 2."""
    ctx.b.addi(d, SP, v & 0xFFFFFFFF)


def lift_t16_extend(kind, ctx, m, d):
    dp.extend(kind, False)(ctx, d=d, r=0, m=m)


# ---------------------------------------------------------------------------
# Multiplies, divides, misc (A6.3.16-A6.3.17, A6.3.15, A6.3.13-14)

def no_s(lift):
    """A32 multiply lifters take S; the T32 32-bit forms never set flags."""
    def wrapper(ctx, **f):
        return lift(ctx, S=0, **f)
    return wrapper


# Parallel add/subtract: T32 op1 (hw1 bits 22:20) and prefix (hw2 bits 6:4)
# of each operation, mapped onto the A32 selector the helper decodes.
_PAR_T32_OP = {"ADD8": 0b000, "ADD16": 0b001, "ASX": 0b010, "SUB8": 0b100,
               "SUB16": 0b101, "SAX": 0b110}
_PAR_T32_PREFIX = {"S": 0b000, "Q": 0b001, "SH": 0b010, "U": 0b100, "UQ": 0b101, "UH": 0b110}


def _parallel_encodings():
    out = []
    for prefix, p in _PAR_T32_PREFIX.items():
        for op, o in _PAR_T32_OP.items():
            selector = dp._PARALLEL_PREFIX[prefix] << 3 | dp._PARALLEL_OP[op]
            pattern = "111110101%snnnn1111dddd0%smmmm" % (format(o, "03b"), format(p, "03b"))
            out.append(Encoding(prefix + op + "_w", pattern,
                                checked(dp.parallel(selector), "dnm")))
    return out


def lift_rev_family(lift, ctx, k, d, m):
    """REV/REV16/RBIT/REVSH/CLZ: Rm is encoded twice; they must agree."""
    if k != m:
        return ctx.undef()
    lift(ctx, d=d, m=m)


# ---------------------------------------------------------------------------
# Loads and stores (A6.2.4, A6.3.7-A6.3.10, A6.3.5, A6.3.6)

# T32 stores of PC are UNPREDICTABLE (STR allows it in A32 only).
T_STR = mem.STR._replace(pc_ok=False)
T_STRT = mem.STRT._replace(pc_ok=False)


def _t32_single_ok(acc, ctx, n, t, m=None):
    """T32 rules beyond the A32 ones: stores with Rn = PC are UNDEFINED;
    Rt = SP is UNPREDICTABLE except for word accesses; Rm BadReg."""
    if not acc.load and n == PC:
        return False
    if t == SP and acc.size != 2:
        return False
    return m is None or not bad(m)


def lift_ld_imm12(acc, ctx, n, t, v):
    if not _t32_single_ok(acc, ctx, n, t):
        return ctx.undef()
    mem._single(acc, ctx, n, t, index=True, add=True, wback=False, imm=v)


def lift_ld_imm8(acc, ctx, n, t, p, u, v, w=1):
    """imm8 forms: P U W = 1 U 1 (pre-indexed), 0 U 1 (post), 1 0 0 (negative offset)."""
    if not _t32_single_ok(acc, ctx, n, t):
        return ctx.undef()
    mem._single(acc, ctx, n, t, index=p == 1, add=u == 1, wback=w == 1, imm=v)


def lift_ld_user(acc, ctx, n, t, v):
    """LDRT & co. in T32: offset addressing, no writeback, unprivileged."""
    if not _t32_single_ok(acc, ctx, n, t) or n == PC:
        return ctx.undef()
    mem._single(acc, ctx, n, t, index=True, add=True, wback=False, imm=v)


def lift_ld_reg(acc, ctx, n, t, i, m):
    if not _t32_single_ok(acc, ctx, n, t, m):
        return ctx.undef()
    mem._single(acc, ctx, n, t, index=True, add=True, wback=False, m=m, typ=0, amount=i)


def lift_ld_lit(acc, ctx, u, t, v):
    if not _t32_single_ok(acc, ctx, PC, t):
        return ctx.undef()
    mem._single(acc, ctx, PC, t, index=True, add=u == 1, wback=False, imm=v)


def lift_t16_ld_imm(acc, scale, ctx, v, n, t):
    mem._single(acc, ctx, n, t, index=True, add=True, wback=False, imm=v << scale)


def lift_t16_ld_reg(acc, ctx, m, n, t):
    mem._single(acc, ctx, n, t, index=True, add=True, wback=False, m=m)


def lift_t16_ld_sp(acc, ctx, t, v):
    mem._single(acc, ctx, SP, t, index=True, add=True, wback=False, imm=v << 2)


def lift_t16_ld_lit(ctx, t, v):
    mem._single(mem.LDR, ctx, PC, t, index=True, add=True, wback=False, imm=v << 2)


def lift_hint(ctx, **_):
    """PLD/PLDW/PLI and the unallocated memory hints: NOPs here."""


def lift_dual_t32(load, ctx, p, u, w, n, t, k, v):
    """LDRD/STRD Rt, Rt2, [Rn, #+/-imm8 << 2]{!} and post-indexed; Rn = PC
    (loads) is the literal form (Align(PC, 4)), which has no writeback."""
    wback = w == 1
    # A8.8.72/A8.8.73/A8.8.210: "if wback && (n == t || n == t2)", "if n == 15
    # && wback" (literal: W must be 0), stores "if n == 15", "if BadReg(t) ||
    # BadReg(t2)", loads "if t == t2" UNPREDICTABLE.
    if bad(t, k) or (wback and n in (t, k, PC)) or (load and t == k) or (not load and n == PC):
        return ctx.undef()
    mem.dual_transfer(ctx, load, n, t, k, p == 1, u == 1, wback, imm=v << 2)


def _t32_reg_list(ctx, r, load, minimum=2):
    """T32 LDM/STM register lists: SP never; PC only for loads and then not
    with LR; at least `minimum` registers (A8.8.58-60, A8.8.199-200)."""
    regs = mem._reg_list(r)
    if len(regs) < minimum or SP in regs:
        return None
    if PC in regs and (not load or LR in regs):
        return None
    return regs


def lift_ldm_t32(am, ctx, w, n, r):
    if n == PC or _t32_reg_list(ctx, r, True) is None:
        return ctx.undef()
    mem.lift_ldm(am, ctx, w, n, r)


def lift_stm_t32(am, ctx, w, n, r):
    if n == PC or _t32_reg_list(ctx, r, False) is None or (w and r >> n & 1):
        return ctx.undef()
    mem.lift_stm(am, ctx, w, n, r)


def lift_t16_ldm(ctx, n, r):
    """LDM Rn{!}, {list}: writeback unless Rn is in the list."""
    if not r:
        return ctx.undef()
    mem.lift_ldm("IA", ctx, int(not r >> n & 1), n, r)


def lift_t16_stm(ctx, n, r):
    """STM Rn!, {list}; Rn in the list and not the lowest stores an UNKNOWN
    value (UNDEF here)."""
    if not r or (r >> n & 1 and r & ((1 << n) - 1)):
        return ctx.undef()
    mem.lift_stm("IA", ctx, 1, n, r)


def lift_push(ctx, M, r):
    regs = r | (M << LR)
    if not regs:
        return ctx.undef()
    mem.lift_stm("DB", ctx, 1, SP, regs)


def lift_pop(ctx, P, r):
    regs = r | (P << PC)
    if not regs:
        return ctx.undef()
    mem.lift_ldm("IA", ctx, 1, SP, regs)


def lift_ldrex_t32(size, ctx, n, t, v=0):
    if bad(t) or n == PC:
        return ctx.undef()
    mem.lift_ldrex(size, ctx, n, t, v << 2)


def lift_strex_t32(size, ctx, n, t, d, v=0):
    if bad(d, t) or n == PC:
        return ctx.undef()
    mem.lift_strex(size, ctx, n, d, t, v << 2)


def lift_ldrexd_t32(ctx, n, t, k):
    if bad(t, k) or t == k or n == PC:
        return ctx.undef()
    mem.exclusive_load_dual(ctx, n, t, k)


def lift_strexd_t32(ctx, n, t, k, d):
    if bad(d, t, k) or n == PC or d in (n, t, k):
        return ctx.undef()
    mem.exclusive_store_dual(ctx, n, d, t, k)


def lift_table_branch(ctx, n, H, m):
    """TBB/TBH [Rn, Rm{, LSL #1}]: PC = PC + 2 * the byte/halfword there."""
    if n == SP or bad(m):
        return ctx.undef()
    b = ctx.b
    addr = b.temp()
    if H:
        b.shli(addr, m, 1)
        b.add(addr, ctx.reg(n), addr)
    else:
        b.add(addr, ctx.reg(n), m)
    half = b.temp()
    b.ld(half, addr, 0, ctx.mem_aux(H))
    b.shli(half, half, 1)
    b.addi(half, half, ctx.pc_read)
    ctx.alu_write_pc(half)   # BranchWritePC


# ---------------------------------------------------------------------------
# Branches (A6.3.4, A6.2.6, A6.2.5)

def cond_branch(ctx, cond, target):
    b = ctx.b
    skip = b.label()
    b.brcond(cond ^ 1, skip)
    ctx.branch(target)
    b.place(skip)
    b.goto_tb(ctx.next_pc, 1)


def lift_b_cond16(ctx, c, v):
    if ctx.in_it:
        return ctx.undef()
    cond_branch(ctx, c, ctx.pc_read + sign_extend(v << 1, 9))


def lift_b16(ctx, v):
    ctx.branch(ctx.pc_read + sign_extend(v << 1, 12))


def lift_b_cond32(ctx, s, c, h, j, k, v):
    """B<c>.W (T3): imm32 = SignExtend(S:J2:J1:imm6:imm11:'0')."""
    if ctx.in_it or c >= 0xE:
        return ctx.undef()
    imm = (s << 20) | (k << 19) | (j << 18) | (h << 12) | (v << 1)
    cond_branch(ctx, c, ctx.pc_read + sign_extend(imm, 21))


def _branch24(s, j, k, v):
    """SignExtend(S:I1:I2:imm10:imm11:'0'), I1 = NOT(J1 EOR S), I2 = NOT(J2 EOR S)."""
    i1, i2 = 1 ^ j ^ s, 1 ^ k ^ s
    return sign_extend((s << 24) | (i1 << 23) | (i2 << 22) | (v << 1), 25)


def lift_b32(ctx, s, j, k, v):
    ctx.branch(ctx.pc_read + _branch24(s, j, k, v))


def lift_bl32(ctx, s, j, k, v):
    ctx.b.movi(LR, ctx.link_value)
    ctx.branch(ctx.pc_read + _branch24(s, j, k, v))


def lift_blx_imm32(ctx, s, j, k, v, H):
    """BLX <label> to ARM state: target = Align(PC, 4) + imm32; H == 1 is UNDEFINED."""
    if H:
        return ctx.undef()
    b = ctx.b
    t = b.temp()
    b.movi(t, ((ctx.pc_read & ~3) + _branch24(s, j, k, v << 1)) & 0xFFFFFFFC)
    b.movi(LR, ctx.link_value)
    b.bx(t)


def lift_cbz(nonzero, ctx, v, n):
    """CB{N}Z Rn, <label>: imm32 = ZeroExtend(i:imm5:'0')."""
    if ctx.in_it:
        return ctx.undef()
    b = ctx.b
    skip = b.label()
    (b.brz if nonzero else b.brnz)(n, skip)
    ctx.branch(ctx.pc_read + (v << 1))
    b.place(skip)
    b.goto_tb(ctx.next_pc, 1)


def lift_it(ctx, c, k):
    """IT{x{y{z}}} firstcond: ITSTATE for the next instructions.  In an IT
    block, firstcond 1111, or 1110 with more than one instruction, is
    UNPREDICTABLE (A8.8.54)."""
    if ctx.in_it or c == 0xF or (c == 0xE and bin(k).count("1") != 1):
        return ctx.undef()
    ctx.it_next = (c << 4) | k


def lift_svc16(ctx, v):
    """SVC: the exception saves ITSTATE advanced past the SVC (ARM ARM
    B1.9.4 TakeSVCException: ITAdvance() before the SPSR is written)."""
    if ctx.in_it:
        ctx.write_itstate(ctx.it_next)
    if ctx.semihosting and v == THUMB_SEMIHOST_SVC:
        return ctx.raise_exc(EXCP_SEMIHOST, v)
    ctx.raise_exc(EXCP_SWI, v)


def lift_subs_pc_lr(ctx, v):
    """SUBS PC, LR, #imm8 (B9.3.20); imm8 = 0 is ERET.  UNPREDICTABLE in
    User and System mode, UNDEFINED in Hyp mode (for imm8 != 0)."""
    if v == 0:
        return sy.lift_eret(ctx)
    if ctx.mode in (MODE_USR, MODE_SYS, MODE_HYP):
        return ctx.undef()
    b = ctx.b
    target, spsr = b.temp(), b.temp()
    b.addi(target, LR, -v & 0xFFFFFFFF)
    b.spsr_read(spsr)
    b.exc_return(target, spsr)


def not_in_it(lift):
    """Encodings that are UNPREDICTABLE inside an IT block (CPS, SETEND)."""
    def wrapper(ctx, **f):
        if ctx.in_it:
            return ctx.undef()
        return lift(ctx, **f)
    return wrapper


def lift_bx16(ctx, m):
    sy.lift_bx(ctx, m)


def lift_cps16(ctx, o, A, I, F):
    sy.lift_cps(ctx, o=0b10 | o, M=0, A=A, I=I, F=F, m=0)


# ---------------------------------------------------------------------------
# Coprocessor, VFP and Advanced SIMD (A6.3.18, A7)

FP_COPROCESSORS = (10, 11)


def a32_equivalent(insn):
    """The A32 word of a T32 VFP/Advanced SIMD encoding (A7.4, A7.7):
    coprocessor space 111x11xx... is A32's with cond = 1110; the data
    processing space 111U1111 is A32's 1111001U; element and structure
    loads/stores 11111001 are A32's 11110100."""
    top = insn >> 24
    if top & 0xEF == 0xEF:                    # 111U 1111
        u = (top >> 4) & 1
        return (0xF2 | u) << 24 | (insn & 0xFFFFFF)
    if top == 0xF9:
        return 0xF4 << 24 | (insn & 0xFFFFFF)
    return 0xE << 28 | (insn & 0x0FFFFFFF)


def lift_fp_simd(ctx, **_):
    """The hook for VFP and Advanced SIMD in T32: the A32 tables decide
    (frontend.a32); today they have no such encodings, so UNDEF."""
    from frontend.a32 import DECODER
    hit = DECODER.decode(a32_equivalent(ctx.insn))
    if hit is None:
        return ctx.undef()
    pat, fields = hit
    pat.lift(ctx, **fields)


def lift_coproc_other(ctx, **_):
    """LDC/STC/CDP and the 2-forms for coprocessors other than 10/11: UNDEF
    (no such coprocessors on Cortex-A15)."""
    ctx.undef()


# ---------------------------------------------------------------------------
# The tables

# fmt: off
ENCODINGS_16 = [
    # A6.2.1 shift (immediate), add, subtract, move, compare
    _E("LSL_imm16",  "00000iiiiimmmddd", lambda ctx, i, m, d: lift_t16_shift_imm(ctx, 0, i, m, d)),
    _E("LSR_imm16",  "00001iiiiimmmddd", lambda ctx, i, m, d: lift_t16_shift_imm(ctx, 1, i, m, d)),
    _E("ASR_imm16",  "00010iiiiimmmddd", lambda ctx, i, m, d: lift_t16_shift_imm(ctx, 2, i, m, d)),
    _E("ADD_reg16",  "0001100mmmnnnddd", lift_t16_addsub, "ADD"),
    _E("SUB_reg16",  "0001101mmmnnnddd", lift_t16_addsub, "SUB"),
    _E("ADD_imm3",   "0001110vvvnnnddd", lift_t16_addsub, "ADD"),
    _E("SUB_imm3",   "0001111vvvnnnddd", lift_t16_addsub, "SUB"),
    _E("MOV_imm16",  "00100dddvvvvvvvv", lift_t16_imm8, "MOV"),
    _E("CMP_imm16",  "00101dddvvvvvvvv", lift_t16_imm8, "CMP"),
    _E("ADD_imm8",   "00110dddvvvvvvvv", lift_t16_imm8, "ADD"),
    _E("SUB_imm8",   "00111dddvvvvvvvv", lift_t16_imm8, "SUB"),
    # A6.2.2 data processing
] + [
    _E(op + "_alu16", "010000%smmmddd" % format(k, "04b"), lift_t16_alu, op)
    for k, op in enumerate(["AND", "EOR", "LSL", "LSR", "ASR", "ADC", "SBC", "ROR",
                            "TST", "RSB", "CMP", "CMN", "ORR", "MUL", "BIC", "MVN"])
] + [
    # A6.2.3 special data instructions and branch and exchange
    _E("ADD_hi",     "01000100dmmmmddd", lift_t16_add_hi),
    _E("CMP_hi",     "01000101nmmmmnnn", lift_t16_cmp_hi),
    _E("MOV_hi",     "01000110dmmmmddd", lift_t16_mov_hi),
    _E("BX16",       "010001110mmmm000", lift_bx16),
    _E("BLX_reg16",  "010001111mmmm000", sy.lift_blx_reg),
    # A6.2.4 load/store single data item
    _E("LDR_lit16",  "01001tttvvvvvvvv", lift_t16_ld_lit),
    _E("STR_reg16",  "0101000mmmnnnttt", lift_t16_ld_reg, T_STR),
    _E("STRH_reg16", "0101001mmmnnnttt", lift_t16_ld_reg, mem.STRH),
    _E("STRB_reg16", "0101010mmmnnnttt", lift_t16_ld_reg, mem.STRB),
    _E("LDRSB_reg16", "0101011mmmnnnttt", lift_t16_ld_reg, mem.LDRSB),
    _E("LDR_reg16",  "0101100mmmnnnttt", lift_t16_ld_reg, mem.LDR),
    _E("LDRH_reg16", "0101101mmmnnnttt", lift_t16_ld_reg, mem.LDRH),
    _E("LDRB_reg16", "0101110mmmnnnttt", lift_t16_ld_reg, mem.LDRB),
    _E("LDRSH_reg16", "0101111mmmnnnttt", lift_t16_ld_reg, mem.LDRSH),
    _E("STR_imm16",  "01100vvvvvnnnttt", lift_t16_ld_imm, T_STR, 2),
    _E("LDR_imm16",  "01101vvvvvnnnttt", lift_t16_ld_imm, mem.LDR, 2),
    _E("STRB_imm16", "01110vvvvvnnnttt", lift_t16_ld_imm, mem.STRB, 0),
    _E("LDRB_imm16", "01111vvvvvnnnttt", lift_t16_ld_imm, mem.LDRB, 0),
    _E("STRH_imm16", "10000vvvvvnnnttt", lift_t16_ld_imm, mem.STRH, 1),
    _E("LDRH_imm16", "10001vvvvvnnnttt", lift_t16_ld_imm, mem.LDRH, 1),
    _E("STR_sp16",   "10010tttvvvvvvvv", lift_t16_ld_sp, T_STR),
    _E("LDR_sp16",   "10011tttvvvvvvvv", lift_t16_ld_sp, mem.LDR),
    # A6.2.5 PC/SP-relative addresses, A6.2.5 miscellaneous 16-bit
    _E("ADR16",      "10100dddvvvvvvvv", lambda ctx, d, v: lift_adr(ctx, d, v << 2)),
    _E("ADD_sp16",   "10101dddvvvvvvvv", lambda ctx, d, v: lift_add_sp_imm(ctx, d, v << 2)),
    _E("ADD_spsp",   "101100000vvvvvvv", lambda ctx, v: lift_add_sp_imm(ctx, SP, v << 2)),
    _E("SUB_spsp",   "101100001vvvvvvv", lambda ctx, v: lift_add_sp_imm(ctx, SP, -(v << 2))),
    _E("CBZ",        "101100v1vvvvvnnn", lift_cbz, False),
    _E("CBNZ",       "101110v1vvvvvnnn", lift_cbz, True),
    _E("SXTH16",     "1011001000mmmddd", lift_t16_extend, "SXTH"),
    _E("SXTB16",     "1011001001mmmddd", lift_t16_extend, "SXTB"),
    _E("UXTH16",     "1011001010mmmddd", lift_t16_extend, "UXTH"),
    _E("UXTB16",     "1011001011mmmddd", lift_t16_extend, "UXTB"),
    _E("PUSH16",     "1011010Mrrrrrrrr", lift_push),
    _E("SETEND16",   "101101100101E000", not_in_it(sy.lift_setend)),
    _E("CPS16",      "10110110011o0AIF", not_in_it(lift_cps16)),
    _E("REV16_",     "1011101000mmmddd", lambda ctx, m, d: ctx.b.rev(d, m)),
    _E("REV16_16",   "1011101001mmmddd", lambda ctx, m, d: ctx.b.rev16(d, m)),
    _E("REVSH16",    "1011101011mmmddd", lambda ctx, m, d: ctx.b.revsh(d, m)),
    _E("POP16",      "1011110Prrrrrrrr", lift_pop),
    _E("BKPT",       "10111110vvvvvvvv", sy.lift_bkpt),
    _E("IT",         "10111111cccckkkk", lift_it),
    _E("NOP16",      "1011111100000000", sy.lift_nop),
    _E("YIELD16",    "1011111100010000", sy.lift_nop),
    _E("WFE16",      "1011111100100000", sy.lift_nop),
    _E("WFI16",      "1011111100110000", lambda ctx: sy.lift_wfi(ctx)),
    _E("SEV16",      "1011111101000000", sy.lift_nop),
    _E("HINT16",     "10111111----0000", sy.lift_nop),   # unallocated hints
    # A6.2.6 load/store multiple, conditional branch and SVC, B
    _E("STM16",      "11000nnnrrrrrrrr", lift_t16_stm),
    _E("LDM16",      "11001nnnrrrrrrrr", lift_t16_ldm),
    _E("B_cond16",   "1101ccccvvvvvvvv", lift_b_cond16),
    _E("UDF16",      "11011110vvvvvvvv", sy.lift_udf),
    _E("SVC16",      "11011111vvvvvvvv", lift_svc16),
    _E("B16",        "11100vvvvvvvvvvv", lift_b16),
]

_LS_SIZES = [  # (name, hw1 bits 24:20 without U, load Access)
    ("STRB", "00000", mem.STRB), ("STRH", "00010", mem.STRH), ("STR", "00100", T_STR),
    ("LDRB", "00001", mem.LDRB), ("LDRH", "00011", mem.LDRH), ("LDR", "00101", mem.LDR),
    ("LDRSB", "10001", mem.LDRSB), ("LDRSH", "10011", mem.LDRSH),
]
_LS_USER = {"STRB": mem.STRBT, "STRH": mem.STRHT, "STR": T_STRT, "LDRB": mem.LDRBT,
            "LDRH": mem.LDRHT, "LDR": mem.LDRT, "LDRSB": mem.LDRSBT, "LDRSH": mem.LDRSHT}
# Rt = 1111 of byte/halfword loads: PLD (LDRB), PLDW (LDRH), PLI (LDRSB),
# unallocated memory hint (LDRSH) -- all NOPs (A6.3.7-A6.3.9)


def _ls_encodings():
    out = []
    for name, bits, acc in _LS_SIZES:
        s, size, load = bits[0], bits[1:4], bits[4]
        head = "1111100" + s
        out += [
            _E(name + "_imm12", head + "1" + size[1:] + load + "nnnnttttvvvvvvvvvvvv", lift_ld_imm12, acc),
            _E(name + "_imm8", head + "0" + size[1:] + load + "nnnntttt1pu1vvvvvvvv", lift_ld_imm8, acc),
            _E(name + "_neg8", head + "0" + size[1:] + load + "nnnntttt1100vvvvvvvv",
               lambda ctx, n, t, v, acc=acc: lift_ld_imm8(acc, ctx, n, t, 1, 0, v, 0)),
            _E(name + "T", head + "0" + size[1:] + load + "nnnntttt1110vvvvvvvv", lift_ld_user,
               _LS_USER[name]),
            _E(name + "_reg_w", head + "0" + size[1:] + load + "nnnntttt000000iimmmm", lift_ld_reg, acc),
        ]
        if load == "1":
            out.append(_E(name + "_lit_w", head + "u" + size[1:] + "11111ttttvvvvvvvvvvvv",
                          lift_ld_lit, acc, priority=1))
            if name != "LDR":
                out += [
                    _E(name + "_hint12", head + "1" + size[1:] + "1nnnn1111------------", lift_hint),
                    _E(name + "_hint8", head + "0" + size[1:] + "1nnnn11111100--------", lift_hint),
                    _E(name + "_hintr", head + "0" + size[1:] + "1nnnn1111000000--mmmm",
                       checked(lift_hint, "m")),
                    _E(name + "_hintl", head + "-" + size[1:] + "111111111------------", lift_hint,
                       priority=1),
                ]
    return out


ENCODINGS_32 = _dp_encodings() + [
    # A6.3.12 register-shifted MOV, A6.3.3 plain binary immediate
    _E("SHIFT_reg_w", "111110100ttSnnnn1111dddd0000mmmm", lift_shift_reg),
    _E("ADDW",       "11110v100000nnnn0vvvddddvvvvvvvv", lift_addw, False),
    _E("SUBW",       "11110v101010nnnn0vvvddddvvvvvvvv", lift_addw, True),
    _E("MOVW_w",     "11110v100100kkkk0vvvddddvvvvvvvv", lift_mov16, dp.lift_movw),
    _E("MOVT_w",     "11110v101100kkkk0vvvddddvvvvvvvv", lift_mov16, dp.lift_movt),
    _E("SSAT_w",     "1111001100s0nnnn0iiiddddii0wwwww", checked(dp.saturate(True), "dn")),
    _E("SSAT16_w",   "111100110010nnnn0000dddd0000wwww", checked(dp.saturate16(True), "dn")),
    _E("USAT_w",     "1111001110s0nnnn0iiiddddii0wwwww", checked(dp.saturate(False), "dn")),
    _E("USAT16_w",   "111100111010nnnn0000dddd0000wwww", checked(dp.saturate16(False), "dn")),
    _E("SBFX_w",     "111100110100nnnn0llldddd ll0wwwww", checked(dp.bitfield_extract(True), "dn")),
    _E("UBFX_w",     "111100111100nnnn0llldddd ll0wwwww", checked(dp.bitfield_extract(False), "dn")),
    _E("BFI_w",      "111100110110nnnn0llldddd ll0kkkkk", checked(dp.lift_bfi, "dn")),
    _E("BFC_w",      "1111001101101111 0llldddd ll0kkkkk", checked(dp.lift_bfc, "d")),
    _E("PKH_w",      "111010101100nnnn0iiiddddii00mmmm", checked(dp.lift_pkhbt, "dnm")),
    _E("PKHTB_w",    "111010101100nnnn0iiiddddii10mmmm", checked(dp.lift_pkhtb, "dnm")),

    # A6.3.15 register extends (Rn = 1111: no accumulate)
    _E("SXTH_w",     "11111010000011111111dddd10rrmmmm", checked(dp.extend("SXTH", False), "dm")),
    _E("SXTAH_w",    "111110100000nnnn1111dddd10rrmmmm", checked(dp.extend("SXTH", True), "dmn")),
    _E("UXTH_w",     "11111010000111111111dddd10rrmmmm", checked(dp.extend("UXTH", False), "dm")),
    _E("UXTAH_w",    "111110100001nnnn1111dddd10rrmmmm", checked(dp.extend("UXTH", True), "dmn")),
    _E("SXTB16_w",   "11111010001011111111dddd10rrmmmm", checked(dp.extend16(True, False), "dm")),
    _E("SXTAB16_w",  "111110100010nnnn1111dddd10rrmmmm", checked(dp.extend16(True, True), "dmn")),
    _E("UXTB16_w",   "11111010001111111111dddd10rrmmmm", checked(dp.extend16(False, False), "dm")),
    _E("UXTAB16_w",  "111110100011nnnn1111dddd10rrmmmm", checked(dp.extend16(False, True), "dmn")),
    _E("SXTB_w",     "11111010010011111111dddd10rrmmmm", checked(dp.extend("SXTB", False), "dm")),
    _E("SXTAB_w",    "111110100100nnnn1111dddd10rrmmmm", checked(dp.extend("SXTB", True), "dmn")),
    _E("UXTB_w",     "11111010010111111111dddd10rrmmmm", checked(dp.extend("UXTB", False), "dm")),
    _E("UXTAB_w",    "111110100101nnnn1111dddd10rrmmmm", checked(dp.extend("UXTB", True), "dmn")),

    # A6.3.16 miscellaneous operations
    _E("QADD_w",     "111110101000nnnn1111dddd1000mmmm", checked(dp.saturating_add("qadd"), "dnm")),
    _E("QDADD_w",    "111110101000nnnn1111dddd1001mmmm", checked(dp.saturating_add("qdadd"), "dnm")),
    _E("QSUB_w",     "111110101000nnnn1111dddd1010mmmm", checked(dp.saturating_add("qsub"), "dnm")),
    _E("QDSUB_w",    "111110101000nnnn1111dddd1011mmmm", checked(dp.saturating_add("qdsub"), "dnm")),
    _E("REV_w",      "111110101001kkkk1111dddd1000mmmm", lift_rev_family, checked(dp.unary("rev"), "dm")),
    _E("REV16_w",    "111110101001kkkk1111dddd1001mmmm", lift_rev_family, checked(dp.unary("rev16"), "dm")),
    _E("RBIT_w",     "111110101001kkkk1111dddd1010mmmm", lift_rev_family, checked(dp.unary("rbit"), "dm")),
    _E("REVSH_w",    "111110101001kkkk1111dddd1011mmmm", lift_rev_family, checked(dp.unary("revsh"), "dm")),
    _E("SEL_w",      "111110101010nnnn1111dddd1000mmmm", checked(dp.lift_sel, "dnm")),
    _E("CLZ_w",      "111110101011kkkk1111dddd1000mmmm", lift_rev_family, checked(dp.unary("clz"), "dm")),

    # A6.3.16/A6.3.17 multiplies, divides
    _E("MUL_w",      "111110110000nnnn1111dddd0000mmmm", checked(no_s(dp.lift_mul), "dnm")),
    _E("MLA_w",      "111110110000nnnnaaaadddd0000mmmm", checked(no_s(dp.lift_mla), "dnma")),
    _E("MLS_w",      "111110110000nnnnaaaadddd0001mmmm", checked(dp.lift_mls, "dnma")),
    _E("SMULxy_w",   "111110110001nnnn1111dddd00xymmmm", checked(dp.lift_smulxy, "dnm")),
    _E("SMLAxy_w",   "111110110001nnnnaaaadddd00xymmmm", checked(dp.lift_smlaxy, "dnma")),
    _E("SMUAD_w",    "111110110010nnnn1111dddd000Mmmmm", checked(dp.dual_multiply(False), "dnm")),
    _E("SMLAD_w",    "111110110010nnnnaaaadddd000Mmmmm", checked(dp.dual_multiply(False), "dnma")),
    _E("SMULWy_w",   "111110110011nnnn1111dddd000ymmmm", checked(dp.lift_smulwy, "dnm")),
    _E("SMLAWy_w",   "111110110011nnnnaaaadddd000ymmmm", checked(dp.lift_smlawy, "dnma")),
    _E("SMUSD_w",    "111110110100nnnn1111dddd000Mmmmm", checked(dp.dual_multiply(True), "dnm")),
    _E("SMLSD_w",    "111110110100nnnnaaaadddd000Mmmmm", checked(dp.dual_multiply(True), "dnma")),
    _E("SMMUL_w",    "111110110101nnnn1111dddd000Mmmmm", checked(dp.most_significant_multiply(False), "dnm")),
    _E("SMMLA_w",    "111110110101nnnnaaaadddd000Mmmmm", checked(dp.most_significant_multiply(False), "dnma")),
    _E("SMMLS_w",    "111110110110nnnnaaaadddd000Mmmmm", checked(dp.most_significant_multiply(True), "dnma")),
    _E("USAD8_w",    "111110110111nnnn1111dddd0000mmmm", checked(dp.lift_usad8, "dnm")),
    _E("USADA8_w",   "111110110111nnnnaaaadddd0000mmmm", checked(dp.lift_usad8, "dnma")),
    _E("SMULL_w",    "111110111000nnnnllllhhhh0000mmmm", checked(no_s(dp.long_multiply(True, False)), "lhnm")),
    _E("SDIV_w",     "111110111001nnnn1111dddd1111mmmm", checked(dp.divide(True), "dnm")),
    _E("UMULL_w",    "111110111010nnnnllllhhhh0000mmmm", checked(no_s(dp.long_multiply(False, False)), "lhnm")),
    _E("UDIV_w",     "111110111011nnnn1111dddd1111mmmm", checked(dp.divide(False), "dnm")),
    _E("SMLAL_w",    "111110111100nnnnllllhhhh0000mmmm", checked(no_s(dp.long_multiply(True, True)), "lhnm")),
    _E("SMLALxy_w",  "111110111100nnnnllllhhhh10xymmmm", checked(dp.lift_smlalxy, "lhnm")),
    _E("SMLALD_w",   "111110111100nnnnllllhhhh110Mmmmm", checked(dp.dual_multiply_long(False), "lhnm")),
    _E("SMLSLD_w",   "111110111101nnnnllllhhhh110Mmmmm", checked(dp.dual_multiply_long(True), "lhnm")),
    _E("UMLAL_w",    "111110111110nnnnllllhhhh0000mmmm", checked(no_s(dp.long_multiply(False, True)), "lhnm")),
    _E("UMAAL_w",    "111110111110nnnnllllhhhh0110mmmm", checked(dp.lift_umaal, "lhnm")),

    # A6.3.4 branches and miscellaneous control
    _E("B_cond_w",   "11110scccchhhhhh10j0kvvvvvvvvvvv", lift_b_cond32),
    _E("B_w",        "11110svvvvvvvvvv10j1kvvvvvvvvvvv", lift_b32),
    _E("BL",         "11110svvvvvvvvvv11j1kvvvvvvvvvvv", lift_bl32),
    _E("BLX_imm",    "11110svvvvvvvvvv11j0kvvvvvvvvvvH", lift_blx_imm32),
    _E("MSR_w",      "11110011100Rnnnn1000mmmm00000000", checked(sy.lift_msr_reg, "n")),
    _E("MSR_banked_w", "11110011100Rnnnn1000mmmm001M0000", checked(sy.lift_msr_banked, "n")),
    _E("CPS_w",      "1111001110101111 10000ooMAIFmmmmm", not_in_it(sy.lift_cps)),
    _E("NOP_w",      "1111001110101111 1000000000000000", sy.lift_nop),
    _E("YIELD_w",    "1111001110101111 1000000000000001", sy.lift_nop),
    _E("WFE_w",      "1111001110101111 1000000000000010", sy.lift_nop),
    _E("WFI_w",      "1111001110101111 1000000000000011", lambda ctx: sy.lift_wfi(ctx)),
    _E("SEV_w",      "1111001110101111 1000000000000100", sy.lift_nop),
    _E("DBG_w",      "1111001110101111 100000001111oooo", sy.lift_nop),
    _E("HINT_w",     "1111001110101111 10000000--------", sy.lift_nop),
    _E("CLREX_w",    "1111001110111111 1000111100101111", lambda ctx: sy.lift_clrex(ctx)),
    _E("DSB_w",      "1111001110111111 100011110100oooo", sy.lift_nop),
    _E("DMB_w",      "1111001110111111 100011110101oooo", sy.lift_nop),
    _E("ISB_w",      "1111001110111111 100011110110oooo", sy.lift_isb),
    _E("BXJ_w",      "111100111100mmmm 1000111100000000", checked(sy.lift_bx, "m")),
    _E("SUBS_pc_lr", "1111001111011110 10001111vvvvvvvv", lift_subs_pc_lr),
    _E("MRS_w",      "11110011111R1111 1000dddd00000000", checked(sy.lift_mrs, "d")),
    _E("MRS_banked_w", "11110011111Rmmmm 1000dddd001M0000", checked(sy.lift_mrs_banked, "d")),
    _E("SMC_w",      "111101111111vvvv 1000000000000000", sy.lift_smc),
    _E("HVC_w",      "111101111110vvvv 1000vvvvvvvvvvvv", sy.lift_hvc),
    _E("UDF_w",      "111101111111vvvv 1010vvvvvvvvvvvv", sy.lift_udf),

    # A6.3.5 load/store multiple, SRS, RFE
    _E("STM_w",      "1110100010w0nnnnrrrrrrrrrrrrrrrr", lift_stm_t32, "IA"),
    _E("LDM_w",      "1110100010w1nnnnrrrrrrrrrrrrrrrr", lift_ldm_t32, "IA"),
    _E("STMDB_w",    "1110100100w0nnnnrrrrrrrrrrrrrrrr", lift_stm_t32, "DB"),
    _E("LDMDB_w",    "1110100100w1nnnnrrrrrrrrrrrrrrrr", lift_ldm_t32, "DB"),
    _E("SRSDB_w",    "1110100000W01101 11000000000mmmmm", lambda ctx, W, m: sy.lift_srs(ctx, 1, 0, W, m)),
    _E("SRSIA_w",    "1110100110W01101 11000000000mmmmm", lambda ctx, W, m: sy.lift_srs(ctx, 0, 1, W, m)),
    _E("RFEDB_w",    "1110100000W1nnnn 1100000000000000", lambda ctx, W, n: sy.lift_rfe(ctx, 1, 0, W, n)),
    _E("RFEIA_w",    "1110100110W1nnnn 1100000000000000", lambda ctx, W, n: sy.lift_rfe(ctx, 0, 1, W, n)),

    # A6.3.6 load/store dual, exclusive, table branch
    _E("STRD_post",  "11101000u110nnnnttttkkkkvvvvvvvv", lambda ctx, u, n, t, k, v:
       lift_dual_t32(False, ctx, 0, u, 1, n, t, k, v)),
    _E("LDRD_post",  "11101000u111nnnnttttkkkkvvvvvvvv", lambda ctx, u, n, t, k, v:
       lift_dual_t32(True, ctx, 0, u, 1, n, t, k, v)),
    _E("STRD_pre",   "11101001u1w0nnnnttttkkkkvvvvvvvv", lambda ctx, u, w, n, t, k, v:
       lift_dual_t32(False, ctx, 1, u, w, n, t, k, v)),
    _E("LDRD_pre",   "11101001u1w1nnnnttttkkkkvvvvvvvv", lambda ctx, u, w, n, t, k, v:
       lift_dual_t32(True, ctx, 1, u, w, n, t, k, v)),
    _E("STREX_w",    "111010000100nnnnttttddddvvvvvvvv", lift_strex_t32, 2),
    _E("LDREX_w",    "111010000101nnnntttt1111vvvvvvvv", lift_ldrex_t32, 2),
    _E("STREXB_w",   "111010001100nnnntttt11110100dddd", lift_strex_t32, 0),
    _E("STREXH_w",   "111010001100nnnntttt11110101dddd", lift_strex_t32, 1),
    _E("STREXD_w",   "111010001100nnnnttttkkkk0111dddd", lift_strexd_t32),
    _E("TBB",        "111010001101nnnn11110000000Hmmmm", lift_table_branch),
    _E("LDREXB_w",   "111010001101nnnntttt111101001111", lift_ldrex_t32, 0),
    _E("LDREXH_w",   "111010001101nnnntttt111101011111", lift_ldrex_t32, 1),
    _E("LDREXD_w",   "111010001101nnnnttttkkkk01111111", lift_ldrexd_t32),

    # A6.3.18 coprocessor: cp14/cp15 as in A32 (frontend/cp15_emit.py);
    # cp10/cp11 and the Advanced SIMD spaces are VFP/NEON (lift_fp_simd)
    _E("MCR_MRC_w",  "11101110aaaLnnnnttttppppbbb1mmmm", sy.lift_mcr_mrc),
    _E("MCRR_MRRC_w", "11101100010Luuuuttttppppaaaammmm", sy.lift_mcrr_mrrc),
    _E("COPROC_w",   "111-11--------------------------", lift_coproc_other, priority=-1),
    _E("FP_ldst_w",  "1110110---------" "----101---------", lift_fp_simd, priority=1),
    _E("FP_dp_w",    "11101110--------" "----101---------", lift_fp_simd, priority=1),
    _E("SIMD_dp_w",  "111-1111--------" "----------------", lift_fp_simd),
    _E("SIMD_ldst_w", "11111001---0----" "----------------", lift_fp_simd),
] + _ls_encodings() + _parallel_encodings()
# fmt: on

T16_KEY_BITS = list(range(15, 5, -1))
T32_KEY_BITS = list(range(28, 19, -1)) + [15, 14, 12]
DECODER16 = Decoder(ENCODINGS_16, width=16, key_bits=T16_KEY_BITS, cond_prefix=False)
DECODER32 = Decoder(ENCODINGS_32, width=32, key_bits=T32_KEY_BITS, cond_prefix=False)
