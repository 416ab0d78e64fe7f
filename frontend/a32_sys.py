"""A32 branches, status-register access, exceptions, hints, barriers and
coprocessor transfers (ARM ARM DDI0406C A5.2.12, A5.2.11, A5.5-A5.7, B9).

Each table line is an exact encoding: bits the ARM ARM marks (0)/(1)
("should be") are fixed here, so a mis-encoded word is not silently taken
for one of ours; it falls through to UNDEF.  UNPREDICTABLE forms are
UNDEF (QEMU makes the same choice).  Mode and privilege checks happen at
translate time from ctx.mode: a block is keyed by its mode.

Patterns starting with 1111 are in the unconditional space (ARM ARM table
A5-1: cond == 1111): BLX (immediate), SRS, RFE, CPS, SETEND, barriers,
CLREX.  MRC2/MCR2/CDP2/LDC2/STC2 and LDC/STC/CDP have no line here: the
decoder finds nothing and the translator raises UNDEF.
"""

from frontend import cp15_emit
from frontend.decoder import Encoding
from runtime.abi import EXCP_SWI, EXCP_BKPT, EXCP_HVC, EXCP_SMC, EXCP_SEMIHOST
from tcg.ir import LR, SP, PC

# ---- CPSR and modes (runtime/abi.py) --------------------------------------
from runtime.abi import (CPSR_M, CPSR_F, CPSR_I, CPSR_A, CPSR_E, CPSR_GE,  # noqa: E402
                         CPSR_Q, CPSR_NZCV, MODE_USR, MODE_FIQ, MODE_IRQ, MODE_SVC, MODE_MON,
                         MODE_ABT, MODE_HYP, MODE_UND, MODE_SYS)
CPSR_NZCVQ = CPSR_NZCV | CPSR_Q

# MRS reads the CPSR with the execution state bits other than E masked out
# (IT, J, T read as zero): ARM ARM B9.3.9.
MRS_CPSR_MASK = 0xF8FF03DF

VALID_MODES = {MODE_USR, MODE_FIQ, MODE_IRQ, MODE_SVC, MODE_MON, MODE_ABT,
               MODE_HYP, MODE_UND, MODE_SYS}

SEMIHOST_SVC = 0x123456


def sign_extend(value, bits):
    sign = 1 << (bits - 1)
    return (value & (sign - 1)) - (value & sign)


# ---- branches ------------------------------------------------------------

def lift_b(ctx, v):
    ctx.branch(ctx.pc_read + (sign_extend(v, 24) << 2))


def lift_bl(ctx, v):
    ctx.b.movi(LR, ctx.link_value)
    ctx.branch(ctx.pc_read + (sign_extend(v, 24) << 2))


def lift_blx_imm(ctx, H, v):
    # Switches to Thumb: the target's translation flags differ, so go
    # through `bx` (T = bit 0) instead of chaining.
    target = (ctx.pc_read + (sign_extend(v, 24) << 2) + (H << 1)) & 0xFFFFFFFF
    b = ctx.b
    t = b.temp()
    b.movi(t, target | 1)
    b.movi(LR, ctx.link_value)
    b.bx(t)


def lift_bx(ctx, m):
    ctx.b.bx(ctx.reg(m))


def lift_blx_reg(ctx, m):
    if m == PC:
        return ctx.undef()
    b = ctx.b
    t = b.temp()
    b.mov(t, m)  # read before LR is written: m may be LR
    b.movi(LR, ctx.link_value)
    b.bx(t)


# ---- status registers ----------------------------------------------------

def has_spsr(ctx):
    return ctx.mode not in (MODE_USR, MODE_SYS)


def lift_mrs(ctx, R, d):
    if d == PC:
        return ctx.undef()
    if R:
        if not has_spsr(ctx):
            return ctx.undef()
        ctx.b.spsr_read(d)
    else:
        ctx.b.cpsr_read(d)
        ctx.b.andi(d, d, MRS_CPSR_MASK)


def cpsr_write_mask(ctx, fields):
    """CPSR bits MSR may write for field mask `fields` (f s x c = bits 3..0),
    per CPSRWriteByInstr (ARM ARM B1.3.3) outside exception return: never
    IT, J or T; E is writable in User mode; A, I, F and M only privileged."""
    mask = 0
    if fields & 8:
        mask |= CPSR_NZCVQ
    if fields & 4:
        mask |= CPSR_GE
    if fields & 2:
        mask |= CPSR_E | (CPSR_A if ctx.privileged else 0)
    if fields & 1 and ctx.privileged:
        mask |= CPSR_I | CPSR_F | CPSR_M
    return mask


# SPSRWriteByInstr (ARM ARM B1.3.3): each field mask bit writes its byte,
# except bits 23:20 of the s byte (reserved, SBZP): those keep their value.
SPSR_BYTE_MASKS = (0x000000FF, 0x0000FF00, 0x000F0000, 0xFF000000)


def spsr_write_mask(fields):
    return sum(m for i, m in enumerate(SPSR_BYTE_MASKS) if fields >> i & 1)


def msr_plan(ctx, R, fields):
    """What MSR with field mask `fields` does here: None (UNDEF), () (no
    effect) or (IR op name, bit mask, ends block)."""
    if R:
        if not has_spsr(ctx):
            return None
        return ("spsr_write", spsr_write_mask(fields), False) if fields else ()
    # Mask 0 is UNPREDICTABLE (with R == 0 and MSR_imm: the unallocated
    # hints, NOP); in User mode CPSR_c writes nothing.
    mask = cpsr_write_mask(ctx, fields)
    if not mask:
        return ()
    # An invalid mode value is UNPREDICTABLE: the runtime's cpsr_write
    # ignores such a mode field and keeps the current mode.  Writes beyond
    # the flags may change the mode, E, A, I or F: end the block.
    return ("cpsr_write", mask, bool(mask & ~(CPSR_NZCVQ | CPSR_GE)))


def emit_msr(ctx, plan, src):
    op, mask, ends = plan
    getattr(ctx.b, op)(src, mask)
    if ends:
        ctx.exit_to_next()


def lift_msr_reg(ctx, R, m, n):
    plan = msr_plan(ctx, R, m)
    if plan is None or n == PC:
        return ctx.undef()
    if plan:
        emit_msr(ctx, plan, n)


def lift_msr_imm(ctx, R, m, r, v):
    plan = msr_plan(ctx, R, m)
    if plan is None:
        return ctx.undef()
    if plan:
        t = ctx.b.temp()
        rot = 2 * r
        ctx.b.movi(t, ((v >> rot) | (v << (32 - rot))) & 0xFFFFFFFF)
        emit_msr(ctx, plan, t)


# ---- banked registers (Virtualization Extensions, ARM ARM B9.2.3) ---------
# (R, SYSm) -> (mode the register belongs to, register: 8..14, "spsr", "elr")
BANKED_REGS = {}
for _i in range(7):
    BANKED_REGS[(0, _i)] = (MODE_USR, 8 + _i)
    BANKED_REGS[(0, 8 + _i)] = (MODE_FIQ, 8 + _i)
for _sysm, _mode in ((0x10, MODE_IRQ), (0x12, MODE_SVC), (0x14, MODE_ABT),
                     (0x16, MODE_UND), (0x1C, MODE_MON)):
    BANKED_REGS[(0, _sysm)] = (_mode, LR)
    BANKED_REGS[(0, _sysm + 1)] = (_mode, SP)
    BANKED_REGS[(1, _sysm)] = (_mode, "spsr")
BANKED_REGS[(0, 0x1E)] = (MODE_HYP, "elr")
BANKED_REGS[(0, 0x1F)] = (MODE_HYP, SP)
BANKED_REGS[(1, 0x1E)] = (MODE_HYP, "spsr")
BANKED_REGS[(1, 0x0E)] = (MODE_FIQ, "spsr")

# SYSm of the stack pointer of each mode (for SRS)
SP_SYSM = {MODE_USR: 0x05, MODE_SYS: 0x05, MODE_FIQ: 0x0D, MODE_IRQ: 0x11,
           MODE_SVC: 0x13, MODE_ABT: 0x15, MODE_UND: 0x17, MODE_MON: 0x1D,
           MODE_HYP: 0x1F}


def banked_access_ok(mode, R, sysm):
    """Whether MRS/MSR (banked) of (R, SYSm) is defined in `mode`; the
    UNPREDICTABLE cases (unallocated, the current mode's own register,
    Hyp registers from below Mon/Hyp) are UNDEF."""
    reg = BANKED_REGS.get((R, sysm))
    if reg is None or mode == MODE_USR:
        return False
    owner, which = reg
    if owner == MODE_USR:
        # r8-r12 are the current registers outside FIQ mode; r13/r14
        # in System mode; r14_usr is also Hyp mode's LR.
        if isinstance(which, int) and which < SP:
            return mode == MODE_FIQ
        return mode != MODE_SYS and not (which == LR and mode == MODE_HYP)
    if owner == MODE_HYP:
        return mode == MODE_MON or (which == "elr" and mode == MODE_HYP)
    return owner != mode


def lift_mrs_banked(ctx, R, m, M, d):
    sysm = (M << 4) | m
    if d == PC or not banked_access_ok(ctx.mode, R, sysm):
        return ctx.undef()
    ctx.b.banked_read(d, (R << 5) | sysm)


def lift_msr_banked(ctx, R, m, M, n):
    sysm = (M << 4) | m
    if n == PC or not banked_access_ok(ctx.mode, R, sysm):
        return ctx.undef()
    ctx.b.banked_write(n, (R << 5) | sysm)


# ---- CPS, SETEND -----------------------------------------------------------

def lift_cps(ctx, o, M, A, I, F, m):
    aif = (A << 2) | (I << 1) | F
    if ((m and not M) or (o >> 1) != bool(aif) or o == 1 or (o == 0 and not M)
            or (M and m not in VALID_MODES)):
        return ctx.undef()  # UNPREDICTABLE encodings
    if not ctx.privileged:
        return  # CPS is a NOP in User mode
    bits = (CPSR_A if A else 0) | (CPSR_I if I else 0) | (CPSR_F if F else 0)
    value = bits if o == 3 else 0  # 11: disable (set), 10: enable (clear)
    mask = bits
    if M:
        value |= m
        mask |= CPSR_M
    b = ctx.b
    t = b.temp()
    b.movi(t, value)
    b.cpsr_write(t, mask)
    ctx.exit_to_next()  # interrupts may be unmasked; the mode may change


def lift_setend(ctx, E):
    b = ctx.b
    t = b.temp()
    b.movi(t, E << 9)
    b.cpsr_write(t, CPSR_E)
    ctx.exit_to_next()  # data endianness keys the translation


# ---- SRS, RFE, ERET --------------------------------------------------------

def block_address(b, base, P, U):
    """Lowest address of the two words: IA base, IB base + 4, DA base - 4,
    DB base - 8 (ARM ARM: base - 8 when decrementing, + 4 when P == U)."""
    offset = (4 if P else 0) if U else (-8 if P else -4)
    t = b.temp()
    b.addi(t, base, offset & 0xFFFFFFFF)
    return t


def lift_srs(ctx, P, U, W, m):
    # UNDEF in Hyp (architecturally); UNPREDICTABLE in User/System (no
    # SPSR), to Hyp mode, or to an invalid mode.
    if ctx.mode in (MODE_USR, MODE_SYS, MODE_HYP) or m not in VALID_MODES or m == MODE_HYP:
        return ctx.undef()
    b = ctx.b
    same = SP_SYSM[m] == SP_SYSM.get(ctx.mode)
    if same:
        base = SP
    else:
        base = b.temp()
        b.banked_read(base, SP_SYSM[m])
    spsr = b.temp()
    b.spsr_read(spsr)
    addr = block_address(b, base, P, U)
    aux = ctx.mem_aux(2, align=True)
    b.st(addr, LR, 0, aux)
    b.st(addr, spsr, 4, aux)
    if W:
        nb = b.temp()
        b.addi(nb, base, (8 if U else -8) & 0xFFFFFFFF)
        if same:
            b.mov(SP, nb)
        else:
            b.banked_write(nb, SP_SYSM[m])


def lift_rfe(ctx, P, U, W, n):
    if ctx.mode in (MODE_USR, MODE_HYP) or n == PC:
        return ctx.undef()
    b = ctx.b
    addr = block_address(b, n, P, U)
    aux = ctx.mem_aux(2, align=True)
    new_pc, new_cpsr = b.temp(), b.temp()
    b.ld(new_pc, addr, 0, aux)
    b.ld(new_cpsr, addr, 4, aux)
    if W:
        b.addi(n, n, (8 if U else -8) & 0xFFFFFFFF)
    b.exc_return(new_pc, new_cpsr)


def lift_eret(ctx):
    # ARMv7 VE: returns from ELR_hyp in Hyp mode, from LR in the other
    # PL1 modes (as SUBS pc, lr, #0); User/System have no SPSR.
    if not has_spsr(ctx):
        return ctx.undef()
    b = ctx.b
    spsr = b.temp()
    b.spsr_read(spsr)
    if ctx.mode == MODE_HYP:
        target = b.temp()
        b.banked_read(target, 0x1E)  # ELR_hyp
    else:
        target = LR
    b.exc_return(target, spsr)


# ---- exception-generating instructions ------------------------------------

def lift_svc(ctx, v):
    if ctx.semihosting and v == SEMIHOST_SVC:
        return ctx.raise_exc(EXCP_SEMIHOST, v)
    ctx.raise_exc(EXCP_SWI, v)


def lift_bkpt(ctx, v):
    # A debug event taken as a prefetch abort; the runtime maps EXCP_BKPT.
    ctx.raise_exc(EXCP_BKPT, v)


def lift_hvc(ctx, v):
    if not ctx.privileged:
        return ctx.undef()
    ctx.raise_exc(EXCP_HVC, v)


def lift_smc(ctx, v):
    if not ctx.privileged:
        return ctx.undef()
    ctx.raise_exc(EXCP_SMC, v)


def lift_udf(ctx, v):
    ctx.undef()


# ---- hints, barriers --------------------------------------------------------

def lift_nop(ctx, **_):
    pass


def lift_wfi(ctx):
    ctx.b.wfi(ctx.next_pc)


def lift_isb(ctx, o):
    ctx.exit_to_next()  # later instructions are fetched (translated) again


def lift_clrex(ctx):
    ctx.b.clrex()


# ---- coprocessor register transfers ----------------------------------------
# cp15 and cp14 (debug) registers are rows of the table of runtime/cp15.py;
# frontend/cp15_emit.py checks permissions, UNDEFs unknown registers and turns
# MRC to Rt == 15 into the APSR_nzcv transfer.  cp10/cp11 (VFP, a later
# issue) and every other coprocessor are UNDEF.
SYSREG_COPROCESSORS = (14, 15)


def lift_mcr_mrc(ctx, a, L, n, t, p, b, m):
    if p not in SYSREG_COPROCESSORS or ctx.cp15 is None or (t == PC and not L):
        return ctx.undef()
    cp15_emit.emit(ctx, p, a, n, m, b, False, bool(L), t, 0)


def lift_mcrr_mrrc(ctx, L, u, t, p, a, m):
    if (p not in SYSREG_COPROCESSORS or ctx.cp15 is None or PC in (t, u)
            or (L and t == u)):
        return ctx.undef()
    cp15_emit.emit(ctx, p, a, 0, m, 0, True, bool(L), t, u)


# ---- the table ---------------------------------------------------------------
# fmt: off
ENCODINGS_SYS = [
    # branches
    Encoding("B",          "cccc1010vvvvvvvvvvvvvvvvvvvvvvvv", lift_b),
    Encoding("BL",         "cccc1011vvvvvvvvvvvvvvvvvvvvvvvv", lift_bl),
    Encoding("BLX_imm",    "1111101Hvvvvvvvvvvvvvvvvvvvvvvvv", lift_blx_imm),
    Encoding("BX",         "cccc000100101111111111110001mmmm", lift_bx),
    Encoding("BXJ",        "cccc000100101111111111110010mmmm", lift_bx),  # no Jazelle: BX
    Encoding("BLX_reg",    "cccc000100101111111111110011mmmm", lift_blx_reg),
    # status registers
    Encoding("MRS",        "cccc00010R001111dddd000000000000", lift_mrs),
    Encoding("MRS_banked", "cccc00010R00mmmmdddd001M00000000", lift_mrs_banked),
    Encoding("MSR_reg",    "cccc00010R10mmmm111100000000nnnn", lift_msr_reg),
    Encoding("MSR_banked", "cccc00010R10mmmm1111001M0000nnnn", lift_msr_banked),
    Encoding("MSR_imm",    "cccc00110R10mmmm1111rrrrvvvvvvvv", lift_msr_imm),
    Encoding("CPS",        "111100010000ooM00000000AIF0mmmmm", lift_cps),
    Encoding("SETEND",     "1111000100000001000000E000000000", lift_setend),
    Encoding("SRS",        "1111100PU1W0110100000101000mmmmm", lift_srs),
    Encoding("RFE",        "1111100PU0W1nnnn0000101000000000", lift_rfe),
    Encoding("ERET",       "cccc0001011000000000000001101110", lift_eret),
    # exception generation
    Encoding("SVC",        "cccc1111vvvvvvvvvvvvvvvvvvvvvvvv", lift_svc),
    Encoding("BKPT",       "cccc00010010vvvvvvvvvvvv0111vvvv", lift_bkpt),
    Encoding("HVC",        "cccc00010100vvvvvvvvvvvv0111vvvv", lift_hvc),
    Encoding("SMC",        "cccc000101100000000000000111vvvv", lift_smc),
    # permanently UNDEFINED for every cond (A5.4)
    Encoding("UDF",        "----01111111vvvvvvvvvvvv1111vvvv", lift_udf),
    # hints (A5.2.11); other hint numbers fall to MSR_imm's NOP
    Encoding("NOP",        "cccc0011001000001111000000000000", lift_nop),
    Encoding("YIELD",      "cccc0011001000001111000000000001", lift_nop),
    Encoding("WFE",        "cccc0011001000001111000000000010", lift_nop),
    Encoding("WFI",        "cccc0011001000001111000000000011", lift_wfi),
    Encoding("SEV",        "cccc0011001000001111000000000100", lift_nop),
    Encoding("DBG",        "cccc001100100000111100001111oooo", lift_nop),
    # barriers (A5.7.1): memory is sequentially consistent here
    Encoding("CLREX",      "11110101011111111111000000011111", lift_clrex),
    Encoding("DSB",        "1111010101111111111100000100oooo", lift_nop),
    Encoding("DMB",        "1111010101111111111100000101oooo", lift_nop),
    Encoding("ISB",        "1111010101111111111100000110oooo", lift_isb),
    # coprocessor register transfers (A5.6)
    Encoding("MCR_MRC",    "cccc1110aaaLnnnnttttppppbbb1mmmm", lift_mcr_mrc),
    Encoding("MCRR_MRRC",  "cccc1100010Luuuuttttppppaaaammmm", lift_mcrr_mrrc),
]
# fmt: on
