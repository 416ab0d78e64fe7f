"""Translating one guest basic block into IR.

`translate_block` walks guest instructions from a pc, decodes each with
the A32 decoder and calls its lifter with a context (`A32Context`) that
knows the instruction's pc, the block's translation flags and the IR
builder.  It wraps conditional instructions in a skip branch, and ends
the block at a terminal op, at a page boundary or after MAX_INSNS.
"""

from tcg import ir
from runtime.abi import EXCP_UDEF
from tcg.ir import IRBuilder, PC

MAX_INSNS = 64
PAGE_SIZE = 4096
# goto_tb chaining slots: a block's one constant branch target, and the
# instruction after its end.  Native code chains through a slot without
# re-checking the target, so each slot must always name one target.
BRANCH_SLOT = 0
FALLTHROUGH_SLOT = 1

# tb flags and modes (runtime/abi.py)
from runtime.abi import (TBF_MODE_MASK, TBF_THUMB, TBF_BE_DATA, TBF_ALIGN,  # noqa: E402,F401
                         TBF_SINGLE, MODE_USR)


class FetchFault(Exception):
    """The instruction at this address cannot be fetched."""


class A32Context:
    """What a lifter sees: the instruction, the block's state, the builder."""

    def __init__(self, b, flags, semihosting=False, cp15=None):
        self.b = b
        self.flags = flags
        self.mode = flags & TBF_MODE_MASK
        self.privileged = self.mode != MODE_USR
        self.be_data = bool(flags & TBF_BE_DATA)
        self.align = bool(flags & TBF_ALIGN)
        self.semihosting = semihosting
        self.cp15 = cp15
        self.pc = 0
        self.insn = 0

    # -- registers
    @property
    def pc_read(self):
        """Value of PC as an operand in A32: this instruction + 8."""
        return (self.pc + 8) & 0xFFFFFFFF

    @property
    def next_pc(self):
        return (self.pc + 4) & 0xFFFFFFFF

    def reg(self, r):
        """Value index holding register r's value as an operand.
        For r15 that is a fresh temp holding pc + 8."""
        if r == PC:
            t = self.b.temp()
            self.b.movi(t, self.pc_read)
            return t
        return r

    def reg_aligned_pc(self, r):
        """As reg(), but PC reads as Align(PC, 4) (literal loads, ADR)."""
        if r == PC:
            t = self.b.temp()
            self.b.movi(t, self.pc_read & ~3)
            return t
        return r

    def set_reg(self, r, val):
        """r = value index val.  Writing r15 is ALUWritePC/LoadWritePC,
        which in ARMv7 A32 interworks (BXWritePC) and ends the block."""
        if r == PC:
            self.b.bx(val)
        elif r != val:
            self.b.mov(r, val)

    def mem_aux(self, size_log2, signed=False, user=False, align=False):
        aux = size_log2
        if signed:
            aux |= ir.MO_SIGN
        if user:
            aux |= ir.MO_USER
        if self.be_data:
            aux |= ir.MO_BE
        if align:
            aux |= ir.MO_ALIGN
        return aux

    # -- block ends
    def branch(self, target):
        """BranchWritePC to a constant target, chaining slot 0."""
        self.b.goto_tb(target & 0xFFFFFFFF, BRANCH_SLOT)

    def exit_to_next(self):
        """End the block after an instruction that changed CPSR or state
        that translation depends on; continue at the next instruction."""
        self.b.exit_tb(self.next_pc)

    def undef(self):
        """This encoding is UNDEFINED (or not permitted here)."""
        self.b.raise_exc(EXCP_UDEF, 0)

    def raise_exc(self, excp, imm=0):
        self.b.raise_exc(excp, imm)


class Block:
    """A translated block: IR plus what the runtime needs to install it."""

    __slots__ = ("pc", "flags", "builder", "ninsns", "size", "insns")

    def __init__(self, pc, flags, builder, ninsns, insns):
        self.pc = pc
        self.flags = flags
        self.builder = builder
        self.ninsns = ninsns
        self.size = 4 * ninsns
        self.insns = insns  # [(pc, word)] for disassembly


_A32 = None


def _decoder():
    # imported late: the A32 tables import this module for A32Context
    global _A32
    if _A32 is None:
        from frontend.a32 import DECODER
        _A32 = DECODER
    return _A32


def lift_a32(ctx, insn):
    """Lift one A32 instruction at ctx.pc into ctx.b."""
    b = ctx.b
    hit = _decoder().decode(insn)
    if hit is None:
        ctx.undef()
        return
    pat, fields = hit
    cond = insn >> 28
    if pat.conditional and cond != 0xE:
        skip = b.label()
        b.brcond(cond ^ 1, skip)
        pat.lift(ctx, **fields)
        ended = b.last_is_terminal()
        b.place(skip)
        if ended:  # condition failed: fall through
            b.goto_tb(ctx.next_pc & 0xFFFFFFFF, FALLTHROUGH_SLOT)
    else:
        pat.lift(ctx, **fields)


def translate_block(fetch32, pc, flags, semihosting=False, cp15=None,
                    max_insns=MAX_INSNS):
    """Translate the block at pc.  fetch32(addr) returns the instruction
    word or raises FetchFault; a fault on the first instruction propagates
    (the caller raises the prefetch abort), a later one ends the block."""
    b = IRBuilder()
    ctx = A32Context(b, flags, semihosting, cp15)
    if flags & TBF_SINGLE:
        max_insns = 1
    insns = []
    cur = pc
    while True:
        try:
            word = fetch32(cur)
        except FetchFault:
            if not insns:
                raise
            b.goto_tb(cur, FALLTHROUGH_SLOT)  # belongs to the last instruction
            break
        b.start_insn(cur, len(insns))
        insns.append((cur, word))
        ctx.pc = cur
        ctx.insn = word
        if flags & TBF_THUMB:
            ctx.undef()  # Thumb decoding is not implemented yet
        else:
            lift_a32(ctx, word)
        if b.last_is_terminal():
            break
        cur = (cur + 4) & 0xFFFFFFFF
        if len(insns) >= max_insns or cur % PAGE_SIZE == 0:
            b.goto_tb(cur, FALLTHROUGH_SLOT)  # belongs to the last instruction
            break
    return Block(pc, flags, b, len(insns), insns)
