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
                         TBF_SINGLE, TBF_IT_SHIFT, MODE_USR, CPSR_IT_0_1, CPSR_IT_2_7)


class FetchFault(Exception):
    """The instruction at this address cannot be fetched: args[0] is the
    fault status; `address` the faulting address (None: the instruction's)."""

    def __init__(self, fsr, address=None):
        super().__init__(fsr)
        self.address = address


class A32Context:
    """What a lifter sees: the instruction, the block's state, the builder."""

    thumb = False
    insn_size = 4
    it = 0              # ITSTATE of this instruction (T32 only)

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
        """Value of PC as an operand: this instruction + 8 in A32, + 4 in T32."""
        return (self.pc + (4 if self.thumb else 8)) & 0xFFFFFFFF

    @property
    def next_pc(self):
        return (self.pc + self.insn_size) & 0xFFFFFFFF

    @property
    def link_value(self):
        """What BL/BLX write to LR: the next instruction, bit 0 = Thumb."""
        return self.next_pc | int(self.thumb)

    def reg(self, r):
        """Value index holding register r's value as an operand.
        For r15 that is a fresh temp holding the PC read value."""
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
        """r = value index val.  Writing r15 here is LoadWritePC, which
        in ARMv7 interworks (BXWritePC) and ends the block."""
        if r == PC:
            self.b.bx(val)
        elif r != val:
            self.b.mov(r, val)

    def alu_write_pc(self, val):
        """ALUWritePC (ARM ARM A2.3.1): BXWritePC in ARM state (interworks),
        BranchWritePC in Thumb state (stays in Thumb, bit 0 ignored)."""
        if self.thumb:
            t = self.b.temp()
            self.b.ori(t, val, 1)
            val = t
        self.b.bx(val)

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


class T32Context(A32Context):
    """The Thumb state's view: 2- or 4-byte instructions, PC reads + 4,
    and the ITSTATE of the instruction (ARM ARM A2.5.2).  The translator
    sets it (this instruction's) and it_next (the next one's: ITAdvance,
    or what an IT instruction sets)."""

    thumb = True

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.insn_size = 2
        self.it = 0
        self.it_next = 0

    @property
    def in_it(self):
        return self.it & 0xF != 0

    @property
    def last_in_it(self):
        return self.it & 0xF == 0x8

    def write_itstate(self, it):
        """CPSR.IT = it (IT<1:0> in CPSR<26:25>, IT<7:2> in CPSR<15:10>)."""
        t = self.b.temp()
        self.b.movi(t, ((it & 3) << 25) | ((it >> 2) << 10))
        self.b.cpsr_write(t, CPSR_IT_0_1 | CPSR_IT_2_7)


def it_advance(it):
    """ITAdvance (ARM ARM A2.5.2)."""
    if it & 7 == 0:
        return 0
    return (it & 0xE0) | ((it << 1) & 0x1F)


class Block:
    """A translated block: IR plus what the runtime needs to install it.
    size is its bytes of code from pc; a T32 block may end with an
    instruction whose second halfword is on the next page (crosses_page)."""

    __slots__ = ("pc", "flags", "builder", "ninsns", "size", "insns")

    def __init__(self, pc, flags, builder, ninsns, insns, size=None):
        self.pc = pc
        self.flags = flags
        self.builder = builder
        self.ninsns = ninsns
        self.size = 4 * ninsns if size is None else size
        self.insns = insns  # [(pc, word)] for disassembly

    @property
    def crosses_page(self):
        return (self.pc % PAGE_SIZE) + self.size > PAGE_SIZE


_DECODERS = {}


def _decoder(name="a32"):
    # imported late, each set when first needed (building the T32 tables
    # costs ~0.1 s that an ARM-only guest need not pay)
    if name not in _DECODERS:
        if name == "a32":
            from frontend.a32 import DECODER
            _DECODERS["a32"] = DECODER
        else:
            from frontend import t32
            _DECODERS.update(t16=t32.DECODER16, t32=t32.DECODER32,
                             unconditional_in_it=t32.UNCONDITIONAL_IN_IT)
    return _DECODERS[name]


def _lift_conditional(ctx, cond, lift, fields):
    """Lift with a skip branch when condition cond may fail."""
    b = ctx.b
    if cond >= 0xE:
        lift(ctx, **fields)
        return
    skip = b.label()
    b.brcond(cond ^ 1, skip)
    lift(ctx, **fields)
    ended = b.last_is_terminal()
    b.place(skip)
    if ended:  # condition failed: fall through
        b.goto_tb(ctx.next_pc & 0xFFFFFFFF, FALLTHROUGH_SLOT)


def lift_a32(ctx, insn):
    """Lift one A32 instruction at ctx.pc into ctx.b."""
    hit = _decoder().decode(insn)
    if hit is None:
        ctx.undef()
        return
    pat, fields = hit
    _lift_conditional(ctx, insn >> 28 if pat.conditional else 0xE, pat.lift, fields)


def lift_t32(ctx, insn):
    """Lift one T32 instruction (16-bit: the halfword; 32-bit: hw1:hw2) at
    ctx.pc.  Inside an IT block its condition is ITSTATE<7:4> (BKPT is
    unconditional even there, A8.8.24)."""
    hit = _decoder("t32" if ctx.insn_size == 4 else "t16").decode(insn)
    if hit is None:
        ctx.undef()
        return
    pat, fields = hit
    always = _DECODERS["unconditional_in_it"]
    cond = ctx.it >> 4 if ctx.in_it and pat.name not in always else 0xE
    _lift_conditional(ctx, cond, pat.lift, fields)


def is_t32_wide(hw1):
    """A 32-bit T32 instruction starts with 0b11101, 0b11110 or 0b11111
    (ARM ARM A6.1)."""
    return hw1 >> 11 in (0b11101, 0b11110, 0b11111)


def translate_block(fetch32, pc, flags, semihosting=False, cp15=None,
                    max_insns=MAX_INSNS, fetch16=None, stop_before=()):
    """Translate the block at pc.  fetch32(addr) returns the A32 word,
    fetch16(addr) the T32 halfword, or they raise FetchFault; a fault on
    the first instruction propagates (the caller raises the prefetch
    abort), a later one ends the block.  stop_before: addresses (debugger
    breakpoints) the block must end before, so that the exec loop looks
    the next block up there (where the breakpoint is served)."""
    if flags & TBF_SINGLE:
        max_insns = 1
    if flags & TBF_THUMB:
        return _translate_t32(fetch16, pc, flags, semihosting, cp15, max_insns, stop_before)
    b = IRBuilder()
    ctx = A32Context(b, flags, semihosting, cp15)
    insns = []
    cur = pc
    while True:
        if insns and cur in stop_before:
            b.goto_tb(cur, FALLTHROUGH_SLOT)  # belongs to the last instruction
            break
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
        lift_a32(ctx, word)
        if b.last_is_terminal():
            break
        cur = (cur + 4) & 0xFFFFFFFF
        if len(insns) >= max_insns or cur % PAGE_SIZE == 0:
            b.goto_tb(cur, FALLTHROUGH_SLOT)  # belongs to the last instruction
            break
    return Block(pc, flags, b, len(insns), insns)


def _fetch_t32(fetch16, cur, first):
    """(insn, size) at cur, None when the block must end before it, or
    FetchFault.  A 32-bit instruction crossing a page starts a block of its
    own, so that a fault on its second halfword is the prefetch abort of
    that block's first instruction, reported at the halfword's address
    (IFAR) with the instruction's address as the return address."""
    try:
        hw1 = fetch16(cur)
    except FetchFault:
        if first:
            raise
        return None
    if not is_t32_wide(hw1):
        return hw1, 2
    nxt = (cur + 2) & 0xFFFFFFFF
    if nxt % PAGE_SIZE == 0 and not first:
        return None
    try:
        hw2 = fetch16(nxt)
    except FetchFault as fault:
        if first:
            raise FetchFault(fault.args[0], nxt)
        return None
    return (hw1 << 16) | hw2, 4


def _translate_t32(fetch16, pc, flags, semihosting, cp15, max_insns, stop_before=()):
    """The Thumb loop.  ITSTATE is known statically through the block:
    CPSR.IT is written at the start of each instruction whose ITSTATE is
    not the one CPSR holds (so an exception in it saves the right state,
    B1.8.x), and before each exit to another block (the next
    instruction's, so the next block is looked up with it)."""
    b = IRBuilder()
    ctx = T32Context(b, flags, semihosting, cp15)
    it = (flags >> TBF_IT_SHIFT) & 0xFF
    cpsr_it = [it]

    def write_next_it():
        if ctx.it_next != cpsr_it[0]:
            ctx.write_itstate(ctx.it_next)

    insns = []
    cur = pc
    size = 0
    ctx.it_next = it
    b.before_exit = write_next_it
    while True:
        got = None if insns and cur in stop_before else _fetch_t32(fetch16, cur, not insns)
        if got is None:
            b.goto_tb(cur, FALLTHROUGH_SLOT)  # belongs to the last instruction
            break
        insn, n = got
        b.start_insn(cur, len(insns))
        insns.append((cur, insn))
        ctx.pc, ctx.insn, ctx.insn_size = cur, insn, n
        ctx.it = it
        if it != cpsr_it[0]:
            ctx.write_itstate(it)
            cpsr_it[0] = it
        ctx.it_next = it_advance(it)
        lift_t32(ctx, insn)
        size += n
        it = ctx.it_next
        if b.last_is_terminal():
            break
        cur = (cur + n) & 0xFFFFFFFF
        if len(insns) >= max_insns or (cur ^ pc) & -PAGE_SIZE:  # next page
            b.goto_tb(cur, FALLTHROUGH_SLOT)  # belongs to the last instruction
            break
    b.before_exit = None
    return Block(pc, flags, b, len(insns), insns, size)
