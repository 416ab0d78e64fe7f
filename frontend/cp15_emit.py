"""Translate-time access to the cp15/cp14 registers of runtime/cp15.py.

`emit_access(table, ctx, ...)` checks the static permission bits for the
block's privilege and emits UNDEF, an immediate, an inline ld_env/st_env
or a cp_read/cp_write call (the C functions of runtime/cp15_fns.pxi).
Writes that change translation state (END_TB) end the block.  The table
itself (rows, raw access, the C entries) stays in runtime/cp15.py: the
runtime does not depend on the IR.
"""

from runtime import cp15
from runtime.cp15 import CP15Table, CONST, NOP, END_TB, MASK32, permitted
from tcg.ir import NF, ZF, CF, VF


def _lo_hi(v):
    return v & MASK32, (v >> 32) & MASK32


def _set_flags_const(b, value):
    """MRC APSR_nzcv with a known value: bits 31..28 into the split flags."""
    b.movi(NF, value & 0x80000000)
    b.movi(ZF, 0 if value & 0x40000000 else 1)
    b.movi(CF, (value >> 29) & 1)
    b.movi(VF, (value << 3) & 0x80000000)


def _set_flags(b, t):
    """MRC APSR_nzcv: bits 31..28 of value t into the split flags."""
    z = b.temp()
    b.andi(z, t, 0x40000000)
    b.xori(ZF, z, 0x40000000)        # ZF == 0 means Z set
    c = b.temp()
    b.shri(c, t, 29)
    b.andi(CF, c, 1)
    b.shli(VF, t, 3)
    b.mov(NF, t)                     # last: t may be read above


def emit_read(table, ctx, idx, reg, rt, rt2):
    b = ctx.b
    to_flags = not reg.is64 and rt == 15
    if reg.type & CONST and not reg.accessfn:
        if reg.is64:
            lo, hi = _lo_hi(reg.reset)
            b.movi(rt, lo)
            b.movi(rt2, hi)
        elif to_flags:
            _set_flags_const(b, reg.reset)
        else:
            b.movi(rt, reg.reset)
        return
    dest = b.temp() if to_flags else rt
    inline = reg.field and not reg.readfn and not reg.accessfn
    if reg.is64:
        if inline:
            b.ld_env(rt, table.offset(reg.field))
            b.ld_env(rt2, table.offset(reg.field_hi))
        else:
            b.cp_read64(rt, rt2, idx)
        return
    if inline:
        b.ld_env(dest, table.offset(reg.field))
    else:
        b.cp_read(dest, idx)
    if to_flags:
        _set_flags(b, dest)


def _emit_store_masked(table, b, src, field, mask, reset):
    """field = (src & mask) | (reset & ~mask): the bits software cannot
    change always hold their reset value."""
    off = table.offset(field)
    fixed = reset & ~mask & MASK32
    if mask == MASK32:
        b.st_env(src, off)
        return
    t = b.temp()
    b.andi(t, src, mask)
    if fixed:
        b.ori(t, t, fixed)
    b.st_env(t, off)


def emit_write(table, ctx, idx, reg, rt, rt2):
    b = ctx.b
    if reg.accessfn or reg.writefn:
        if reg.is64:
            b.cp_write64(rt, rt2, idx)
        else:
            b.cp_write(rt, idx)
        return
    if reg.type & (CONST | NOP):
        return
    mlo, mhi = _lo_hi(reg.mask)
    rlo, rhi = _lo_hi(reg.reset)
    _emit_store_masked(table, b, rt, reg.field, mlo, rlo)
    if reg.is64:
        _emit_store_masked(table, b, rt2, reg.field_hi, mhi, rhi)


def emit_access(table, ctx, cp, opc1, crn, crm, opc2, is64, is_read, rt, rt2=0):
    """Emit IR for MRC/MCR/MRRC/MCRR through table (a CP15Table).  rt == 15
    on MRC writes the APSR flags."""
    hit = table.lookup(cp, opc1, crn, crm, opc2, is64)
    if hit is None or not permitted(hit[1], ctx.privileged, is_read):
        ctx.undef()
        return
    idx, reg = hit
    # Rt/Rt2 == PC is UNPREDICTABLE except for the MRC APSR_nzcv form.
    if (is64 and (rt == 15 or rt2 == 15)) or (not is64 and not is_read and rt == 15):
        ctx.undef()
        return
    if is_read:
        emit_read(table, ctx, idx, reg, rt, rt2)
    else:
        emit_write(table, ctx, idx, reg, rt, rt2)
        if reg.type & END_TB:
            ctx.exit_to_next()


def emit(ctx, cp, opc1, crn, crm, opc2, is64, is_read, rt, rt2=0):
    """The lifters' entry: access through the context's table (ctx.cp15: a
    CP15Table, or the runtime.cp15 module for the default Cortex-A15 one).
    Anything else is a stand-in emitter (tests) with its own emit_access."""
    t = ctx.cp15
    if t is cp15:
        t = cp15.TABLE
    if isinstance(t, CP15Table):
        emit_access(t, ctx, cp, opc1, crn, crm, opc2, is64, is_read, rt, rt2)
    else:
        t.emit_access(ctx, cp, opc1, crn, crm, opc2, is64, is_read, rt, rt2)
