"""A32 loads and stores (ARM ARM DDI0406C, A5.3, A5.2.8-A5.2.10, A5.5, A5.7).

One table line per encoding; the lifters are short and shared by families:
`_single` for LDR/STR/LDRB/STRB/LDRH/STRH/LDRSB/LDRSH and their T forms,
`_dual` for LDRD/STRD, `_block` for LDM/STM, then the exclusives and hints.

Rules every lifter keeps (docs/CONTRACTS.md):
- precise exceptions: all memory accesses of an instruction come first,
  loading into temps; registers and base writeback are written only after
  the last access, so an abort leaves every register as it was;
- UNPREDICTABLE encodings are lifted as UNDEF (`_unpredictable`), each
  test citing the ARM ARM condition it implements;
- alignment: plain LDR/STR/LDRH... check alignment only when SCTLR.A is set
  (the runtime reads TBF_ALIGN); LDM/STM, LDRD/STRD and the exclusives
  always need it (MemA), hence align=True there;
- PUSH/POP are STMDB/LDM with SP! (or STR/LDR with SP pre/post-index), with
  identical semantics and UNPREDICTABLE cases, so they need no lines here.
"""

from collections import namedtuple
from functools import partial

from frontend.decoder import Encoding
from tcg.ir import PC

from runtime.abi import MODE_USR, MODE_FIQ, MODE_HYP, MODE_SYS  # noqa: E402


def _unpredictable(ctx):
    """Every UNPREDICTABLE case we meet is lifted as UNDEF."""
    ctx.undef()


# -- single transfers -----------------------------------------------------

# load: LDR* vs STR*; size: log2 bytes; signed: LDRSB/LDRSH; user: T forms
# (MO_USER); pc_ok: Rt == 15 is allowed (LDR: LoadWritePC, STR: stores PC+8;
# every other form says "if t == 15 then UNPREDICTABLE").
Access = namedtuple("Access", "load size signed user pc_ok")

LDR = Access(True, 2, False, False, True)
STR = Access(False, 2, False, False, True)
LDRB = Access(True, 0, False, False, False)
STRB = Access(False, 0, False, False, False)
LDRH = Access(True, 1, False, False, False)
STRH = Access(False, 1, False, False, False)
LDRSB = Access(True, 0, True, False, False)
LDRSH = Access(True, 1, True, False, False)
LDRT = Access(True, 2, False, True, False)
STRT = Access(False, 2, False, True, True)
LDRBT = Access(True, 0, False, True, False)
STRBT = Access(False, 0, False, True, False)
LDRHT = Access(True, 1, False, True, False)
STRHT = Access(False, 1, False, True, False)
LDRSBT = Access(True, 0, True, True, False)
LDRSHT = Access(True, 1, True, True, False)


def _shifted(ctx, m, typ, amount):
    """Shift(R[m], type, imm5) of the register-offset forms (DecodeImmShift:
    LSR/ASR #0 mean #32, ROR #0 means RRX).  Returns a value index, or None
    when the offset is the constant 0 (LSR #32)."""
    b = ctx.b
    if typ == 0 and amount == 0:
        return m
    if typ == 1 and amount == 0:
        return None
    t = b.temp()
    if typ == 0:
        b.shli(t, m, amount)
    elif typ == 1:
        b.shri(t, m, amount)
    elif typ == 2:
        b.sari(t, m, amount or 31)
    elif amount:
        b.rori(t, m, amount)
    else:
        b.rrx(t, m)
    return t


def _address_mode(ctx, n, index, add, imm, off):
    """The A32 addressing modes: (value index, displacement) of the address
    to access, and a function emitting the base writeback.  off is the value
    index of a register offset, or None for the immediate imm, which is
    folded into the memory op's displacement."""
    b = ctx.b
    base = ctx.reg_aligned_pc(n)  # PC as base: Align(PC, 4) == PC + 8 in A32
    if off is None:
        disp = (imm if add else -imm) & 0xFFFFFFFF
        writeback = (lambda: b.addi(n, n, disp)) if disp else (lambda: None)
        return base, (disp if index else 0), writeback
    if index:
        offset_addr = b.temp()
        (b.add if add else b.sub)(offset_addr, base, off)
        return offset_addr, 0, lambda: b.mov(n, offset_addr)
    # post-indexed (so wback, n != 15): the offset is added after the access
    return base, 0, lambda: (b.add if add else b.sub)(n, n, off)


def _single(acc, ctx, n, t, index, add, wback, imm=0, m=None, typ=0, amount=0):
    """LDR/STR and friends: address = Rn (+/-) offset, pre- or post-indexed.
    imm is the immediate offset, or m/typ/amount the shifted register one."""
    b = ctx.b
    # A8.8.* encoding notes: "if wback && (n == 15 || n == t) then
    # UNPREDICTABLE" (word LDR says n == t only, but its Rn == 15 forms are
    # LDR (literal) whose P/W bits are (1)/(0)); "if m == 15"; "if t == 15"
    # for all but LDR/STR/STRT; T forms are UNPREDICTABLE in Hyp mode.
    if wback and (n == PC or n == t):
        return _unpredictable(ctx)
    if m == PC or (t == PC and not acc.pc_ok):
        return _unpredictable(ctx)
    if acc.user and ctx.mode == MODE_HYP:
        return _unpredictable(ctx)
    aux = ctx.mem_aux(acc.size, acc.signed, acc.user)
    off = None if m is None else _shifted(ctx, m, typ, amount)
    addr, disp, writeback = _address_mode(ctx, n, index, add, imm, off)

    if acc.load:
        # An ld writes its destination only once the access succeeded, so
        # loading straight into Rt stays precise -- unless Rt is PC (which
        # must go through LoadWritePC) or a post-index offset still needs
        # the old Rt (m == t is allowed by the ARM ARM).
        if t != PC and not (wback and m == t):
            b.ld(t, addr, disp, aux)
            if wback:
                writeback()
            return
        val = b.temp()
        b.ld(val, addr, disp, aux)
        if wback:
            writeback()
        ctx.set_reg(t, val)  # t == 15: LoadWritePC (interworking), ends the block
    else:
        b.st(addr, ctx.reg(t), disp, aux)  # ctx.reg(15) = PC + 8 (PCStoreValue)
        if wback:
            writeback()


def lift_single_imm(acc, ctx, p, u, w, n, t, i):
    _single(acc, ctx, n, t, index=p == 1, add=u == 1, wback=p == 0 or w == 1, imm=i)


def lift_single_reg(acc, ctx, p, u, w, n, t, s, y, m):
    _single(acc, ctx, n, t, index=p == 1, add=u == 1, wback=p == 0 or w == 1,
            m=m, typ=y, amount=s)


def lift_single_lit(acc, ctx, u, t, i):
    _single(acc, ctx, PC, t, index=True, add=u == 1, wback=False, imm=i)


def lift_single_t_imm(acc, ctx, u, n, t, i):
    # LDRT & co.: always post-indexed with writeback
    _single(acc, ctx, n, t, index=False, add=u == 1, wback=True, imm=i)


def lift_single_t_reg(acc, ctx, u, n, t, m, s=0, y=0):
    _single(acc, ctx, n, t, index=False, add=u == 1, wback=True, m=m, typ=y, amount=s)


def lift_half_reg(acc, ctx, p, u, w, n, t, m):
    # the extra load/store register forms have no shift
    _single(acc, ctx, n, t, index=p == 1, add=u == 1, wback=p == 0 or w == 1, m=m)


# -- LDRD / STRD ----------------------------------------------------------

def _dual(load, ctx, p, u, w, n, t, imm=0, m=None):
    index, add, wback = p == 1, u == 1, p == 0 or w == 1
    t2 = t + 1
    # A8.8.72-74, A8.8.210-211: "if Rt<0> == '1'", "if P == '0' && W == '1'",
    # "if t2 == 15", "if m == 15" (loads also "m == t || m == t2"),
    # "if wback && (n == 15 || n == t || n == t2) then UNPREDICTABLE".
    if t & 1 or (p == 0 and w == 1) or t2 == PC or m == PC:
        return _unpredictable(ctx)
    if load and m in (t, t2):
        return _unpredictable(ctx)
    if wback and n in (PC, t, t2):
        return _unpredictable(ctx)
    dual_transfer(ctx, load, n, t, t2, index, add, wback, imm, m)


def dual_transfer(ctx, load, n, t, t2, index, add, wback, imm=0, m=None):
    """LDRD/STRD (A32 and T32, checks done): Rt at the address, Rt2 at + 4."""
    b = ctx.b
    aux = ctx.mem_aux(2, align=True)  # MemA[address, 4] twice: word aligned
    addr, disp, writeback = _address_mode(ctx, n, index, add, imm, m)
    if load:
        lo, hi = b.temp(), b.temp()
        b.ld(lo, addr, disp, aux)
        b.ld(hi, addr, (disp + 4) & 0xFFFFFFFF, aux)
        if wback:
            writeback()
        b.mov(t, lo)
        b.mov(t2, hi)
    else:
        b.st(addr, t, disp, aux)
        b.st(addr, t2, (disp + 4) & 0xFFFFFFFF, aux)
        if wback:
            writeback()


def lift_dual_imm(load, ctx, p, u, w, n, t, i):
    _dual(load, ctx, p, u, w, n, t, imm=i)


def lift_dual_reg(load, ctx, p, u, w, n, t, m):
    _dual(load, ctx, p, u, w, n, t, m=m)


def lift_dual_lit(load, ctx, u, t, i):
    _dual(load, ctx, 1, u, 0, PC, t, imm=i)


# -- LDM / STM ------------------------------------------------------------

# Addressing modes of the block transfers: (offset of the lowest word,
# base change) for n registers, both in units of 4 bytes.
BLOCK_MODES = {
    "IA": lambda k: (0, k),
    "IB": lambda k: (1, k),
    "DA": lambda k: (1 - k, -k),
    "DB": lambda k: (-k, -k),
}
_PU_MODE = {(0, 0): "DA", (0, 1): "IA", (1, 0): "DB", (1, 1): "IB"}


def _reg_list(bits):
    return [r for r in range(16) if bits >> r & 1]


def _banked_in(mode, r):
    """True if register r of the User bank is not the current mode's r."""
    return r in (13, 14) or (mode == MODE_FIQ and 8 <= r <= 12)


def _block_loads(ctx, n, am, regs):
    """Load each register of regs into a temp: [(r, temp)], lowest first."""
    b = ctx.b
    first, _ = BLOCK_MODES[am](len(regs))
    aux = ctx.mem_aux(2, align=True)
    out = []
    for k, r in enumerate(regs):
        val = b.temp()
        b.ld(val, n, ((first + k) * 4) & 0xFFFFFFFF, aux)
        out.append((r, val))
    return out


def _block_writeback(ctx, n, am, count):
    _, delta = BLOCK_MODES[am](count)
    ctx.b.addi(n, n, (delta * 4) & 0xFFFFFFFF)


def lift_ldm(am, ctx, w, n, r):
    regs = _reg_list(r)
    # A8.8.58-61: "if n == 15 || BitCount(registers) < 1" and
    # "if wback && registers<n> == '1' && ArchVersion() >= 7" UNPREDICTABLE.
    if n == PC or not regs or (w and n in regs):
        return _unpredictable(ctx)
    loaded = _block_loads(ctx, n, am, regs)
    for reg, val in loaded:
        if reg != PC:
            ctx.b.mov(reg, val)
    if w:
        _block_writeback(ctx, n, am, len(regs))
    if regs[-1] == PC:
        ctx.set_reg(PC, loaded[-1][1])  # LoadWritePC: interworking, ends the block


def lift_stm(am, ctx, w, n, r):
    regs = _reg_list(r)
    # A8.8.199-202: "if n == 15 || BitCount(registers) < 1" UNPREDICTABLE.
    # Base in the list with writeback stores the original base (the ARM ARM
    # stores it when n is the lowest register, UNKNOWN otherwise).
    if n == PC or not regs:
        return _unpredictable(ctx)
    b = ctx.b
    first, _ = BLOCK_MODES[am](len(regs))
    aux = ctx.mem_aux(2, align=True)
    for k, reg in enumerate(regs):
        b.st(n, ctx.reg(reg), ((first + k) * 4) & 0xFFFFFFFF, aux)  # PC: PC + 8
    if w:
        _block_writeback(ctx, n, am, len(regs))


def _user_bank_forbidden(ctx):
    # B9.3.5/B9.3.6/B9.3.15 (LDM/STM User registers, LDM exception return):
    # UNDEFINED in Hyp mode, UNPREDICTABLE in User and System modes.
    return ctx.mode in (MODE_USR, MODE_SYS, MODE_HYP)


def lift_stm_user(ctx, p, u, w, n, r):
    """STM (User registers): STM<mode> Rn, {list}^ stores User-bank registers."""
    regs = _reg_list(r)
    # "if n == 15 || BitCount(registers) < 1"; W is (0): W == 1 UNPREDICTABLE.
    if _user_bank_forbidden(ctx) or n == PC or not regs or w:
        return _unpredictable(ctx)
    b = ctx.b
    first, _ = BLOCK_MODES[_PU_MODE[p, u]](len(regs))
    aux = ctx.mem_aux(2, align=True)
    for k, reg in enumerate(regs):
        if _banked_in(ctx.mode, reg):
            val = b.temp()
            b.user_read(val, reg)
        else:
            val = ctx.reg(reg)
        b.st(n, val, ((first + k) * 4) & 0xFFFFFFFF, aux)


def lift_ldm_user(ctx, p, u, w, n, r):
    """LDM (User registers): LDM<mode> Rn, {list without PC}^."""
    regs = _reg_list(r)
    if _user_bank_forbidden(ctx) or n == PC or not regs or w:
        return _unpredictable(ctx)
    for reg, val in _block_loads(ctx, n, _PU_MODE[p, u], regs):
        if _banked_in(ctx.mode, reg):
            ctx.b.user_write(val, reg)
        else:
            ctx.b.mov(reg, val)


def lift_ldm_exc_return(ctx, p, u, w, n, r):
    """LDM (exception return): LDM<mode> Rn{!}, {list with PC}^: the
    registers are loaded in the current mode, then CPSR = SPSR and the
    branch to the loaded PC."""
    regs = _reg_list(r | 1 << 15)
    # "if n == 15", "if wback && registers<n> == '1'" UNPREDICTABLE.
    if _user_bank_forbidden(ctx) or n == PC or (w and n in regs):
        return _unpredictable(ctx)
    b = ctx.b
    am = _PU_MODE[p, u]
    loaded = _block_loads(ctx, n, am, regs)
    for reg, val in loaded[:-1]:
        b.mov(reg, val)
    if w:
        _block_writeback(ctx, n, am, len(regs))
    spsr = b.temp()
    b.spsr_read(spsr)
    b.exc_return(loaded[-1][1], spsr)


# -- exclusives -------------------------------------------------------------

def _exclusive_address(ctx, n, offset):
    """Rn, or Rn + offset (T32 LDREX/STREX have an imm8 << 2 offset)."""
    if not offset:
        return n
    t = ctx.b.temp()
    ctx.b.addi(t, n, offset)
    return t


def lift_ldrex(size, ctx, n, t, offset=0):
    # A8.8.75-78: "if t == 15 || n == 15 then UNPREDICTABLE"
    if t == PC or n == PC:
        return _unpredictable(ctx)
    val = ctx.b.temp()
    ctx.b.ldex(val, _exclusive_address(ctx, n, offset), ctx.mem_aux(size, align=True))
    ctx.b.mov(t, val)


def lift_strex(size, ctx, n, d, t, offset=0):
    # A8.8.212-215: "if d == 15 || t == 15 || n == 15", "if d == n || d == t"
    if PC in (d, t, n) or d in (n, t):
        return _unpredictable(ctx)
    status = ctx.b.temp()
    ctx.b.stex(status, _exclusive_address(ctx, n, offset), t, ctx.mem_aux(size, align=True))
    ctx.b.mov(d, status)


def lift_ldrexd(ctx, n, t):
    # A8.8.77: "if Rt<0> == '1' || Rt == '1110' || n == 15 then UNPREDICTABLE"
    if t & 1 or t == 14 or n == PC:
        return _unpredictable(ctx)
    exclusive_load_dual(ctx, n, t, t + 1)


def exclusive_load_dual(ctx, n, t, t2):
    lo, hi = ctx.b.temp(), ctx.b.temp()
    # MemA[address, 8]: doubleword alignment.  aux carries the size of each
    # word, as the interpreter's ldexd/stexd expect (they check only word
    # alignment so far).
    ctx.b.ldexd(lo, hi, n, ctx.mem_aux(2, align=True))
    ctx.b.mov(t, lo)
    ctx.b.mov(t2, hi)


def lift_strexd(ctx, n, d, t):
    # A8.8.214: "if d == 15 || Rt<0> == '1' || Rt == '1110' || n == 15",
    # "if d == n || d == t || d == t2 then UNPREDICTABLE"
    if d == PC or t & 1 or t == 14 or n == PC or d in (n, t, t + 1):
        return _unpredictable(ctx)
    exclusive_store_dual(ctx, n, d, t, t + 1)


def exclusive_store_dual(ctx, n, d, t, t2):
    status = ctx.b.temp()
    ctx.b.stexd(status, n, t, t2, ctx.mem_aux(2, align=True))
    ctx.b.mov(d, status)


def lift_swp(ctx, **_):
    # SWP/SWPB: UNDEFINED when the Virtualization Extensions are present
    # (Cortex-A15), A8.8.229.
    ctx.undef()


# -- hints --------------------------------------------------------------------

def lift_hint(ctx, **_):
    """PLD, PLI and the unallocated memory hints: no-ops for an emulator."""


def lift_pldw_imm(ctx, u, n, i):
    # A8.8.127: PLDW with Rn == 1111 is UNPREDICTABLE (no PLDW literal form)
    if n == PC:
        return _unpredictable(ctx)


def lift_preload_reg(is_pldw, ctx, u, n, s, y, m):
    # A8.8.129/A8.8.131: "if m == 15 || (n == 15 && is_pldw) then UNPREDICTABLE"
    if m == PC or (is_pldw and n == PC):
        return _unpredictable(ctx)


# -- the table ----------------------------------------------------------------
# Field letters: p u w (P U W bits), n Rn, t Rt, d Rd (status), m Rm,
# i immediate (imm12, or imm4H:imm4L), s/y shift amount/type, r register list.

def _E(name, pattern, lift, *bound):
    return Encoding(name, pattern, partial(lift, *bound) if bound else lift)


# fmt: off
ENCODINGS_MEM = [
    # A5.3 load/store word and unsigned byte
    _E("STR_imm",    "cccc010pu0w0nnnnttttiiiiiiiiiiii", lift_single_imm, STR),
    _E("LDR_imm",    "cccc010pu0w1nnnnttttiiiiiiiiiiii", lift_single_imm, LDR),
    _E("STRB_imm",   "cccc010pu1w0nnnnttttiiiiiiiiiiii", lift_single_imm, STRB),
    _E("LDRB_imm",   "cccc010pu1w1nnnnttttiiiiiiiiiiii", lift_single_imm, LDRB),
    _E("LDR_lit",    "cccc0101u0011111ttttiiiiiiiiiiii", lift_single_lit, LDR),
    _E("LDRB_lit",   "cccc0101u1011111ttttiiiiiiiiiiii", lift_single_lit, LDRB),
    _E("STR_reg",    "cccc011pu0w0nnnnttttsssssyy0mmmm", lift_single_reg, STR),
    _E("LDR_reg",    "cccc011pu0w1nnnnttttsssssyy0mmmm", lift_single_reg, LDR),
    _E("STRB_reg",   "cccc011pu1w0nnnnttttsssssyy0mmmm", lift_single_reg, STRB),
    _E("LDRB_reg",   "cccc011pu1w1nnnnttttsssssyy0mmmm", lift_single_reg, LDRB),
    _E("STRT_imm",   "cccc0100u010nnnnttttiiiiiiiiiiii", lift_single_t_imm, STRT),
    _E("LDRT_imm",   "cccc0100u011nnnnttttiiiiiiiiiiii", lift_single_t_imm, LDRT),
    _E("STRBT_imm",  "cccc0100u110nnnnttttiiiiiiiiiiii", lift_single_t_imm, STRBT),
    _E("LDRBT_imm",  "cccc0100u111nnnnttttiiiiiiiiiiii", lift_single_t_imm, LDRBT),
    _E("STRT_reg",   "cccc0110u010nnnnttttsssssyy0mmmm", lift_single_t_reg, STRT),
    _E("LDRT_reg",   "cccc0110u011nnnnttttsssssyy0mmmm", lift_single_t_reg, LDRT),
    _E("STRBT_reg",  "cccc0110u110nnnnttttsssssyy0mmmm", lift_single_t_reg, STRBT),
    _E("LDRBT_reg",  "cccc0110u111nnnnttttsssssyy0mmmm", lift_single_t_reg, LDRBT),

    # A5.2.8 extra load/store (register forms: bits 11:8 are (0)(0)(0)(0))
    _E("STRH_imm",   "cccc000pu1w0nnnnttttiiii1011iiii", lift_single_imm, STRH),
    _E("LDRH_imm",   "cccc000pu1w1nnnnttttiiii1011iiii", lift_single_imm, LDRH),
    _E("LDRSB_imm",  "cccc000pu1w1nnnnttttiiii1101iiii", lift_single_imm, LDRSB),
    _E("LDRSH_imm",  "cccc000pu1w1nnnnttttiiii1111iiii", lift_single_imm, LDRSH),
    _E("LDRH_lit",   "cccc0001u1011111ttttiiii1011iiii", lift_single_lit, LDRH),
    _E("LDRSB_lit",  "cccc0001u1011111ttttiiii1101iiii", lift_single_lit, LDRSB),
    _E("LDRSH_lit",  "cccc0001u1011111ttttiiii1111iiii", lift_single_lit, LDRSH),
    _E("STRH_reg",   "cccc000pu0w0nnnntttt00001011mmmm", lift_half_reg, STRH),
    _E("LDRH_reg",   "cccc000pu0w1nnnntttt00001011mmmm", lift_half_reg, LDRH),
    _E("LDRSB_reg",  "cccc000pu0w1nnnntttt00001101mmmm", lift_half_reg, LDRSB),
    _E("LDRSH_reg",  "cccc000pu0w1nnnntttt00001111mmmm", lift_half_reg, LDRSH),
    _E("LDRD_imm",   "cccc000pu1w0nnnnttttiiii1101iiii", lift_dual_imm, True),
    _E("STRD_imm",   "cccc000pu1w0nnnnttttiiii1111iiii", lift_dual_imm, False),
    _E("LDRD_lit",   "cccc0001u1001111ttttiiii1101iiii", lift_dual_lit, True),
    _E("LDRD_reg",   "cccc000pu0w0nnnntttt00001101mmmm", lift_dual_reg, True),
    _E("STRD_reg",   "cccc000pu0w0nnnntttt00001111mmmm", lift_dual_reg, False),
    # A5.2.9 extra load/store unprivileged (P=0 W=1)
    _E("STRHT_imm",  "cccc0000u110nnnnttttiiii1011iiii", lift_single_t_imm, STRHT),
    _E("LDRHT_imm",  "cccc0000u111nnnnttttiiii1011iiii", lift_single_t_imm, LDRHT),
    _E("LDRSBT_imm", "cccc0000u111nnnnttttiiii1101iiii", lift_single_t_imm, LDRSBT),
    _E("LDRSHT_imm", "cccc0000u111nnnnttttiiii1111iiii", lift_single_t_imm, LDRSHT),
    _E("STRHT_reg",  "cccc0000u010nnnntttt00001011mmmm", lift_single_t_reg, STRHT),
    _E("LDRHT_reg",  "cccc0000u011nnnntttt00001011mmmm", lift_single_t_reg, LDRHT),
    _E("LDRSBT_reg", "cccc0000u011nnnntttt00001101mmmm", lift_single_t_reg, LDRSBT),
    _E("LDRSHT_reg", "cccc0000u011nnnntttt00001111mmmm", lift_single_t_reg, LDRSHT),

    # A5.5 block data transfer (PUSH = STMDB SP!, POP = LDM SP!)
    _E("STMDA",      "cccc100000w0nnnnrrrrrrrrrrrrrrrr", lift_stm, "DA"),
    _E("STM",        "cccc100010w0nnnnrrrrrrrrrrrrrrrr", lift_stm, "IA"),
    _E("STMDB",      "cccc100100w0nnnnrrrrrrrrrrrrrrrr", lift_stm, "DB"),
    _E("STMIB",      "cccc100110w0nnnnrrrrrrrrrrrrrrrr", lift_stm, "IB"),
    _E("LDMDA",      "cccc100000w1nnnnrrrrrrrrrrrrrrrr", lift_ldm, "DA"),
    _E("LDM",        "cccc100010w1nnnnrrrrrrrrrrrrrrrr", lift_ldm, "IA"),
    _E("LDMDB",      "cccc100100w1nnnnrrrrrrrrrrrrrrrr", lift_ldm, "DB"),
    _E("LDMIB",      "cccc100110w1nnnnrrrrrrrrrrrrrrrr", lift_ldm, "IB"),
    _E("STM_usr",    "cccc100pu1w0nnnnrrrrrrrrrrrrrrrr", lift_stm_user),
    _E("LDM_usr",    "cccc100pu1w1nnnn0rrrrrrrrrrrrrrr", lift_ldm_user),
    _E("LDM_eret",   "cccc100pu1w1nnnn1rrrrrrrrrrrrrrr", lift_ldm_exc_return),

    # A5.2.10 synchronization primitives (SBO bits exact, as QEMU decodes)
    _E("SWP",        "cccc00010-00------------1001----", lift_swp),
    _E("STREX",      "cccc00011000nnnndddd11111001tttt", lift_strex, 2),
    _E("LDREX",      "cccc00011001nnnntttt111110011111", lift_ldrex, 2),
    _E("STREXD",     "cccc00011010nnnndddd11111001tttt", lift_strexd),
    _E("LDREXD",     "cccc00011011nnnntttt111110011111", lift_ldrexd),
    _E("STREXB",     "cccc00011100nnnndddd11111001tttt", lift_strex, 0),
    _E("LDREXB",     "cccc00011101nnnntttt111110011111", lift_ldrex, 0),
    _E("STREXH",     "cccc00011110nnnndddd11111001tttt", lift_strex, 1),
    _E("LDREXH",     "cccc00011111nnnntttt111110011111", lift_ldrex, 1),

    # A5.7 memory hints (unconditional space); Rn == 1111 is PLD (literal)
    _E("PLD_imm",    "11110101u101nnnn1111iiiiiiiiiiii", lift_hint),
    _E("PLDW_imm",   "11110101u001nnnn1111iiiiiiiiiiii", lift_pldw_imm),
    _E("PLI_imm",    "11110100u101nnnn1111iiiiiiiiiiii", lift_hint),
    _E("PLD_reg",    "11110111u101nnnn1111sssssyy0mmmm", lift_preload_reg, False),
    _E("PLDW_reg",   "11110111u001nnnn1111sssssyy0mmmm", lift_preload_reg, True),
    _E("PLI_reg",    "11110110u101nnnn1111sssssyy0mmmm", lift_preload_reg, False),
    # "Unallocated memory hint (treat as NOP)"
    _E("HINT_mem",   "11110100-001--------------------", lift_hint),
    _E("HINT_mem_reg", "11110110-001---------------0----", lift_hint),
]
# fmt: on
