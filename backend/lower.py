"""IR -> LLVM IR text: one function per translation block.

A compiled block is `i32 @tb_<id>(ptr %env)` and honours the same contract
as the interpreter's interp_tb (tcg/interp.pyx): it returns a TB_EXIT_*
code with env->v, env->icount and the TB's counters updated.  In addition:

- Entry check: if an exit is requested (interrupt, stop) or the block
  would overrun the instruction budget, it returns TB_EXIT_REQUESTED
  having done nothing -- so native chains still stop within one block.
- Chaining: a goto_tb exit tail-calls (musttail) the native code of
  jmp_dest[slot] when the exec loop has linked one; exit_jc asks the
  exec loop's lookup (jit_lookup_native) for the next block.  Invalidation
  clears TB.native, which breaks every link into that block.
- Guest values live in allocas (promoted to SSA registers by LLVM): the
  globals a block reads are loaded once at entry, the ones it writes are
  stored back at every exit, so dead flag work within a block disappears.
  Calls that may look at or change the value file (CPSR, banked registers,
  cp15, DSP helpers) are bracketed by a store and a reload.
- Memory: the soft-TLB hit is inline (tag compare, addend add, load or
  store); a miss calls the C slow path, which raises the guest fault.  A
  faulting op leaves the state the interpreter would: globals written by
  earlier ops stored, pc and exception_pc = the faulting instruction,
  icount counting the instructions before it and the faulting one.
"""

import struct

from tcg.ir_ops import OPS
from runtime import core

# the constants shared with C (runtime/abi.py)
from runtime.abi import (NUM_GLOBALS, V_PC, V_NF, V_ZF, V_CF, V_VF, V_QF, V_GE,  # noqa: F401
                         V_EXCL_ADDR, V_EXCL_VAL, V_EXCL_HI, MO_SIZE_MASK, MO_SIGN, MO_USER,
                         MO_BE, MO_ALIGN, MODE_USR, TBF_MODE_MASK, TBF_ALIGN, MMU_IDX_PRIV,
                         MMU_IDX_USER, TB_EXIT_SLOT0, TB_EXIT_JC, TB_EXIT_NOCHAIN, TB_EXIT_EXC,
                         TB_EXIT_WFI, TB_EXIT_REQUESTED)
LAST_GLOBAL = V_EXCL_HI           # v[25..31] are unused
PAGE_MASK = 0xFFFFF000
TLB_SIZE = 256
EXIT_SLOT0, EXIT_JC, EXIT_NOCHAIN = TB_EXIT_SLOT0, TB_EXIT_JC, TB_EXIT_NOCHAIN
EXIT_EXC, EXIT_WFI, EXIT_REQUESTED = TB_EXIT_EXC, TB_EXIT_WFI, TB_EXIT_REQUESTED

ENV = core.env_fields()
TBF = {name: core.tb_field_offset(name) for name in ("native", "jmp_dest", "exec_count",
                                                     "insn_count")}
TLB_ENTRY_SIZE = ENV["sizeof_tlbentry"]
OP_STRUCT = struct.Struct("<HHHHHHI")

# C functions generated code calls (addresses: runtime.core.runtime_symbols,
# tcg.interp.runtime_symbols); prototypes follow runtime/core.pxd.
DECLARATIONS = """\
declare i32 @mem_load_slow(ptr, i32, i32, i32, i32, ptr)
declare i32 @mem_store_slow(ptr, i32, i32, i32, i32, i32)
declare i32 @raise_alignment_fault(ptr, i32, i32)
declare i32 @cpsr_read(ptr)
declare void @cpsr_write(ptr, i32, i32)
declare i32 @spsr_read(ptr)
declare void @spsr_write(ptr, i32, i32)
declare i32 @user_reg_read(ptr, i32)
declare void @user_reg_write(ptr, i32, i32)
declare i32 @banked_reg_read(ptr, i32)
declare void @banked_reg_write(ptr, i32, i32)
declare void @exception_return(ptr, i32, i32)
declare void @bx_write_pc(ptr, i32)
declare i32 @cp_read_dispatch(ptr, i32, ptr)
declare i32 @cp_write_dispatch(ptr, i32, i32)
declare i32 @cp_read64_dispatch(ptr, i32, ptr, ptr)
declare i32 @cp_write64_dispatch(ptr, i32, i32, i32)
declare ptr @jit_lookup_native(ptr)
declare void @jit_tier_up(ptr, ptr)
declare i32 @llvm.fshr.i32(i32, i32, i32)
declare i32 @llvm.ctlz.i32(i32, i1)
declare i32 @llvm.bswap.i32(i32)
declare i16 @llvm.bswap.i16(i16)
declare i32 @llvm.bitreverse.i32(i32)
!0 = !{!"branch_weights", i32 2000, i32 1}
!1 = !{!"branch_weights", i32 1, i32 2000}
"""


class LoweringError(Exception):
    pass


class BlockSource:
    """What the backend needs of a TB: its C address, key, size and IR."""

    __slots__ = ("tb_addr", "tb_id", "pc", "flags", "ninsns", "ops", "op_pc", "op_insn",
                 "tier_up")

    def __init__(self, tb_addr, tb_id, pc, flags, ninsns, packed_ops, op_pc, op_insn,
                 tier_up=0):
        # tier_up: baseline code, which calls jit_tier_up once the block has
        # run that many times (0: final code)
        self.tier_up = tier_up
        self.tb_addr = tb_addr
        self.tb_id = tb_id
        self.pc = pc
        self.flags = flags
        self.ninsns = ninsns
        self.ops = [OP_STRUCT.unpack_from(packed_ops, i)
                    for i in range(0, len(packed_ops), OP_STRUCT.size)]
        self.op_pc = op_pc
        self.op_insn = op_insn

    @classmethod
    def from_tbinfo(cls, info, tier_up=0):
        ops, op_pc, op_insn = info.block.builder.pack()
        return cls(info.addr, info.id, info.pc, info.flags, info.block.ninsns, ops, op_pc,
                   op_insn, tier_up)


def function_name(src):
    return "tb_%d" % src.tb_id


def module_text(sources):
    """The LLVM IR of one module holding a function per block."""
    parts = [DECLARATIONS]
    parts += ["declare i32 @helper_%d(ptr, i32, i32, i32)" % i
              for i in range(len(core.HELPER_NAMES))]
    parts += ["declare void @vfp_op_%d(ptr, i32)" % i for i in range(len(core.VFP_OP_NAMES))]
    for src in sources:
        parts.append(BlockLowering(src).function_text())
    return "\n".join(parts)


def _u32(x):
    return x & 0xFFFFFFFF


def _s32(x):
    """An i32 literal as LLVM prints it (signed)."""
    x &= 0xFFFFFFFF
    return x - (1 << 32) if x & 0x80000000 else x


class BlockLowering:
    """Lowers one block.  Globals written anywhere in the block are only
    known at the end, so exits and sync points are emitted as markers and
    expanded once the whole body exists."""

    def __init__(self, src):
        self.src = src
        self.name = function_name(src)
        self.lines = []
        self.n = 0
        self.written = set()     # globals the block writes
        self.used = set()        # globals it reads or writes
        self.temps = set()       # temporaries it uses
        self.targets = {op[6] for op in src.ops
                        if OPS[op[0]].kind == "branch"}
        self.mmu = (MMU_IDX_USER if (src.flags & TBF_MODE_MASK) == MODE_USR
                    else MMU_IDX_PRIV)
        self.align_all = 1 if src.flags & TBF_ALIGN else 0
        self.tb_const = "inttoptr (i64 %d to ptr)" % src.tb_addr
        self.open = True
        self.current = "loop"    # the basic block being emitted
        self.has_fault = False

    # -- plumbing
    def tmp(self):
        self.n += 1
        return "%%t%d" % self.n

    def label(self):
        self.n += 1
        return "L%d" % self.n

    def emit(self, line):
        self.lines.append("  " + line)

    def place(self, name):
        """Start basic block `name` (the code before it must have ended)."""
        self.lines.append("%s:" % name)
        self.current = name
        self.open = True

    def start_block(self, name):
        if self.open:
            self.emit("br label %%%s" % name)
        self.place(name)

    def end_block(self):
        self.open = False

    def op(self, text):
        """Emit `%tN = text` and return %tN."""
        t = self.tmp()
        self.emit("%s = %s" % (t, text))
        return t

    def env_ptr(self, offset):
        return self.op("getelementptr inbounds i8, ptr %%env, i64 %d" % offset)

    def slot(self, i):
        if i >= NUM_GLOBALS:
            self.temps.add(i)
        elif i > LAST_GLOBAL:
            raise LoweringError("%s: value v[%d] is not a guest global" % (self.name, i))
        else:
            self.used.add(i)
        return "%%v%d" % i

    def rd(self, i):
        return self.op("load i32, ptr %s" % self.slot(i))

    def wr(self, i, val):
        if i < NUM_GLOBALS:
            self.written.add(i)
        self.emit("store i32 %s, ptr %s" % (val, self.slot(i)))

    def const(self, x):
        return str(_s32(x))

    # -- exits and syncs (markers expanded in function_text)
    def store_globals(self):
        self.lines.append(("store",))

    def reload_globals(self):
        self.lines.append(("reload",))

    def store_env32(self, field_offset, val):
        p = self.env_ptr(field_offset)
        self.emit("store i32 %s, ptr %s" % (val, p))

    def set_pc(self, pc):
        self.store_env32(ENV["v"] + 4 * V_PC, self.const(pc))

    def add64(self, ptr, inc):
        old = self.op("load i64, ptr %s" % ptr)
        self.emit("store i64 %s, ptr %s" % (self.op("add i64 %s, %s" % (old, inc)), ptr))

    def count(self, executed):
        """icount and this TB's counters, for `executed` instructions (a
        constant or an i64 value)."""
        self.add64(self.env_ptr(ENV["icount"]), executed)
        for field, inc in (("exec_count", 1), ("insn_count", executed)):
            self.add64(self.op("getelementptr inbounds i8, ptr %s, i64 %d"
                               % (self.tb_const, TBF[field])), inc)

    def tier_up_check(self, append):
        """Baseline code: queue the block for the optimising tier once it
        has run tier_up times (jit_tier_up ignores repeats).  Made at entry
        and on each pass of a self-loop (a loop entered once and run many
        times); the lines go to append(line); returns the label after it."""
        def op(text):
            t = self.tmp()
            append("  %s = %s" % (t, text))
            return t

        n = op("load i64, ptr %s" % op("getelementptr inbounds i8, ptr %s, i64 %d"
                                       % (self.tb_const, TBF["exec_count"])))
        hot, on = self.label(), self.label()
        append("  br i1 %s, label %%%s, label %%%s, !prof !1"
               % (op("icmp uge i64 %s, %d" % (n, self.src.tier_up)), hot, on))
        append("%s:" % hot)
        append("  call void @jit_tier_up(ptr %%env, ptr %s)" % self.tb_const)
        append("  br label %%%s" % on)
        append("%s:" % on)
        return on

    def leave(self, code):
        p = self.env_ptr(ENV["last_tb"])
        self.emit("store ptr %s, ptr %s" % (self.tb_const, p))
        self.emit("ret i32 %d" % code)
        self.end_block()

    def exit(self, code, executed, pc=None):
        self.store_globals()
        if pc is not None:
            self.set_pc(pc)
        self.count(executed)
        self.leave(code)

    def chain_to(self, fnptr, code):
        """Tail-call native code at fnptr if non-null, else return code."""
        go, back = self.label(), self.label()
        isnull = self.op("icmp eq ptr %s, null" % fnptr)
        self.emit("br i1 %s, label %%%s, label %%%s" % (isnull, back, go))
        self.place(go)
        r = self.op("musttail call i32 %s(ptr %%env)" % fnptr)
        self.emit("ret i32 %s" % r)
        self.place(back)
        self.leave(code)

    def fault_exit(self, op_index):
        """Leave for a guest exception op op_index raised (the C function
        already recorded it).  All fault sites share one exit block: they
        pass the pc and instruction count in allocas that become phis."""
        self.emit("store i32 %s, ptr %%fault.pc" % self.const(self.src.op_pc[op_index]))
        # the faulting instruction counts, as in the interpreter (an exception
        # entered is an instruction: storms still meet the budget)
        self.emit("store i64 %d, ptr %%fault.n" % (self.src.op_insn[op_index] + 1))
        self.emit("br label %fault")
        self.end_block()
        self.has_fault = True

    def shared_fault_exit(self):
        self.place("fault")
        pc = self.op("load i32, ptr %fault.pc")
        n = self.op("load i64, ptr %fault.n")
        self.store_globals()
        self.store_env32(ENV["exception_pc"], pc)
        self.store_env32(ENV["v"] + 4 * V_PC, pc)
        self.count(n)
        self.leave(EXIT_EXC)

    def fault_if(self, bad, op_index, call=None):
        """Leave through the fault exit when i1 `bad` holds (after `call`,
        which raises the guest exception, if given)."""
        fault, ok = self.label(), self.label()
        self.emit("br i1 %s, label %%%s, label %%%s, !prof !0" % (bad, fault, ok))
        self.place(fault)
        if call is not None:
            self.emit(call)
        self.fault_exit(op_index)
        self.place(ok)

    def check_fault(self, rc, op_index):
        """Branch to the fault exit when a C call returned nonzero."""
        self.fault_if(self.op("icmp ne i32 %s, 0" % rc), op_index)

    # -- the function
    def check_slots(self):
        """Native chaining trusts that a goto_tb slot has one target."""
        targets = {}
        for op in self.src.ops:
            if OPS[op[0]].name == "goto_tb":
                if targets.setdefault(op[5], op[6]) != op[6]:
                    raise LoweringError("%s: goto_tb slot %d has two targets (0x%x, 0x%x)"
                                        % (self.name, op[5], targets[op[5]], op[6]))

    def function_text(self):
        self.check_slots()
        for i, op in enumerate(self.src.ops):
            if i in self.targets:
                self.start_block("op%d" % i)
            elif not self.open:
                self.start_block(self.label())
            self.i = i
            name = OPS[op[0]].name
            try:
                lower = LOWER[name]
            except KeyError:
                raise LoweringError("no lowering for IR op %s" % name) from None
            lower(self, *op[1:])
        if self.open:
            self.emit("unreachable")
        if self.has_fault:
            self.shared_fault_exit()
        return self.assemble()

    def run_check(self, append):
        """i1: no exit is requested and the budget covers the whole block
        (the entry check, also made on every pass of a self-loop).  The
        instructions go to append(line)."""
        def op(text):
            t = self.tmp()
            append("  %s = %s" % (t, text))
            return t

        def field(name):
            return op("getelementptr inbounds i8, ptr %%env, i64 %d" % ENV[name])

        quiet = op("icmp eq i32 %s, 0" % op("load volatile i32, ptr %s" % field("exit_request")))
        need = op("add i64 %s, %d" % (op("load i64, ptr %s" % field("icount")), self.src.ninsns))
        room = op("icmp ule i64 %s, %s" % (need, op("load i64, ptr %s" % field("icount_limit"))))
        return op("and i1 %s, %s" % (quiet, room))

    def assemble(self):
        out = ["define i32 @%s(ptr noalias %%env) {" % self.name, "entry:"]
        used = sorted(self.used)
        for i in used + sorted(self.temps):
            out.append("  %%v%d = alloca i32" % i)
        out.append("  %out = alloca i32")
        out.append("  %fault.pc = alloca i32")
        out.append("  %fault.n = alloca i64")
        out.append("  %out2 = alloca i32")
        go = self.run_check(out.append)
        out.append("  br i1 %s, label %%body, label %%requested, !prof !0" % go)
        out.append("requested:")
        out.append("  ret i32 %d" % EXIT_REQUESTED)
        out.append("body:")
        if self.src.tier_up:
            self.tier_up_check(out.append)
        out.extend(self.load_lines(used, "in"))
        for i in sorted(self.temps):
            out.append("  store i32 0, ptr %%v%d" % i)
        out.append("  br label %loop")
        out.append("loop:")
        k = 0
        for line in self.lines:
            if isinstance(line, tuple):
                k += 1
                if line[0] == "store":
                    out.extend(self.store_lines(sorted(self.written), "s%d" % k))
                else:
                    out.extend(self.load_lines(used, "r%d" % k))
            else:
                out.append(line)
        out.append("}")
        return "\n".join(out)

    @staticmethod
    def load_lines(indices, tag):
        out = []
        for i in indices:
            out.append("  %%%s.p%d = getelementptr inbounds i8, ptr %%env, i64 %d"
                       % (tag, i, ENV["v"] + 4 * i))
            out.append("  %%%s.%d = load i32, ptr %%%s.p%d" % (tag, i, tag, i))
            out.append("  store i32 %%%s.%d, ptr %%v%d" % (tag, i, i))
        return out

    @staticmethod
    def store_lines(indices, tag):
        out = []
        for i in indices:
            out.append("  %%%s.%d = load i32, ptr %%v%d" % (tag, i, i))
            out.append("  %%%s.p%d = getelementptr inbounds i8, ptr %%env, i64 %d"
                       % (tag, i, ENV["v"] + 4 * i))
            out.append("  store i32 %%%s.%d, ptr %%%s.p%d" % (tag, i, tag, i))
        return out

    # -- memory
    def tlb_entry(self, addr, mmu):
        idx = self.op("lshr i32 %s, 12" % addr)
        idx = self.op("and i32 %s, %d" % (idx, TLB_SIZE - 1))
        idx = self.op("zext i32 %s to i64" % idx)
        off = self.op("mul i64 %s, %d" % (idx, TLB_ENTRY_SIZE))
        off = self.op("add i64 %s, %d" % (off, ENV["tlb"] + mmu * TLB_SIZE * TLB_ENTRY_SIZE))
        return self.op("getelementptr inbounds i8, ptr %env, i64 " + off)

    def tlb_hit(self, entry, addr, size, aligned, tag_offset):
        """i1: the TLB entry maps addr for an access of size bytes on the
        fast path (same checks as the interpreter's mem_ld/mem_st)."""
        tp = self.op("getelementptr inbounds i8, ptr %s, i64 %d" % (entry, tag_offset))
        tag = self.op("load i32, ptr %s" % tp)
        if size > 1 and aligned:
            page = self.op("and i32 %s, %d" % (addr, _s32(PAGE_MASK)))
            same = self.op("icmp eq i32 %s, %s" % (page, tag))
            low = self.op("and i32 %s, %d" % (addr, size - 1))
            ok = self.op("icmp eq i32 %s, 0" % low)
            return self.op("and i1 %s, %s" % (same, ok))
        last = self.op("add i32 %s, %d" % (addr, size - 1)) if size > 1 else addr
        page = self.op("and i32 %s, %d" % (last, _s32(PAGE_MASK)))
        return self.op("icmp eq i32 %s, %s" % (page, tag))

    def host_ptr(self, entry, addr):
        ap = self.op("getelementptr inbounds i8, ptr %s, i64 16" % entry)
        addend = self.op("load i64, ptr %s" % ap)
        h = self.op("add i64 %s, %s" % (addend, self.op("zext i32 %s to i64" % addr)))
        return self.op("inttoptr i64 %s to ptr" % h)

    def access(self, aux):
        size_log2 = aux & MO_SIZE_MASK
        if size_log2 > 2:
            raise LoweringError("%s: 64-bit memory op" % self.name)
        mmu = MMU_IDX_USER if aux & MO_USER else self.mmu
        aligned = bool(aux & MO_ALIGN) or bool(self.align_all)
        return 1 << size_log2, mmu, aligned

    def load(self, addr, aux):
        """i32 value loaded from guest address addr (fault -> exit)."""
        size, mmu, aligned = self.access(aux)
        bits = size * 8
        entry = self.tlb_entry(addr, mmu)
        hit = self.tlb_hit(entry, addr, size, aligned, 0)
        fast, slow, join = self.label(), self.label(), self.label()
        self.emit("br i1 %s, label %%%s, label %%%s, !prof !0" % (hit, fast, slow))
        self.place(fast)
        x = self.op("load i%d, ptr %s, align 1" % (bits, self.host_ptr(entry, addr)))
        if bits > 8 and aux & MO_BE:
            x = self.op("call i%d @llvm.bswap.i%d(i%d %s)" % (bits, bits, bits, x))
        if bits < 32:
            x = self.op("%s i%d %s to i32" % ("sext" if aux & MO_SIGN else "zext", bits, x))
        fast_end = self.current
        self.emit("br label %%%s" % join)
        self.place(slow)
        rc = self.op("call i32 @mem_load_slow(ptr %%env, i32 %s, i32 %d, i32 %d, i32 %d, ptr %%out)"
                     % (addr, aux, mmu, self.align_all))
        self.check_fault(rc, self.i)
        y = self.op("load i32, ptr %out")
        slow_end = self.current
        self.emit("br label %%%s" % join)
        self.place(join)
        return self.op("phi i32 [ %s, %%%s ], [ %s, %%%s ]" % (x, fast_end, y, slow_end))

    def store(self, addr, val, aux):
        size, mmu, aligned = self.access(aux)
        bits = size * 8
        entry = self.tlb_entry(addr, mmu)
        hit = self.tlb_hit(entry, addr, size, aligned, 4)
        fast, slow, join = self.label(), self.label(), self.label()
        self.emit("br i1 %s, label %%%s, label %%%s, !prof !0" % (hit, fast, slow))
        self.place(fast)
        x = val if bits == 32 else self.op("trunc i32 %s to i%d" % (val, bits))
        if bits > 8 and aux & MO_BE:
            x = self.op("call i%d @llvm.bswap.i%d(i%d %s)" % (bits, bits, bits, x))
        self.emit("store i%d %s, ptr %s, align 1" % (bits, x, self.host_ptr(entry, addr)))
        self.emit("br label %%%s" % join)
        self.place(slow)
        rc = self.op("call i32 @mem_store_slow(ptr %%env, i32 %s, i32 %d, i32 %d, i32 %d, i32 %s)"
                     % (addr, aux, mmu, self.align_all, val))
        self.check_fault(rc, self.i)
        self.emit("br label %%%s" % join)
        self.place(join)

    def alignment_check(self, addr, mask, is_write):
        """Fault unless addr & mask == 0 (exclusives check this first)."""
        low = self.op("and i32 %s, %d" % (addr, mask))
        self.fault_if(self.op("icmp ne i32 %s, 0" % low), self.i,
                      call="call i32 @raise_alignment_fault(ptr %%env, i32 %s, i32 %d)"
                           % (addr, int(is_write)))

    # -- conditions
    def cond(self, cc):
        def flag(i):
            return self.rd(i)
        if cc == 14 or cc == 15:
            return "true"
        if cc in (0, 1):
            return self.op("icmp %s i32 %s, 0" % ("eq" if cc == 0 else "ne", flag(V_ZF)))
        if cc in (2, 3):
            return self.op("icmp %s i32 %s, 0" % ("ne" if cc == 2 else "eq", flag(V_CF)))
        if cc in (4, 5):
            return self.op("icmp %s i32 %s, 0" % ("slt" if cc == 4 else "sge", flag(V_NF)))
        if cc in (6, 7):
            return self.op("icmp %s i32 %s, 0" % ("slt" if cc == 6 else "sge", flag(V_VF)))
        if cc in (8, 9):
            c = self.op("icmp ne i32 %s, 0" % flag(V_CF))
            z = self.op("icmp ne i32 %s, 0" % flag(V_ZF))     # Z clear
            hi = self.op("and i1 %s, %s" % (c, z))
            return hi if cc == 8 else self.op("xor i1 %s, true" % hi)
        nv = self.op("xor i32 %s, %s" % (flag(V_NF), flag(V_VF)))
        ge = self.op("icmp sge i32 %s, 0" % nv)
        if cc == 10:
            return ge
        if cc == 11:
            return self.op("xor i1 %s, true" % ge)
        z = self.op("icmp ne i32 %s, 0" % flag(V_ZF))
        gt = self.op("and i1 %s, %s" % (z, ge))
        return gt if cc == 12 else self.op("xor i1 %s, true" % gt)


# ---------------------------------------------------------------------------
# One lowering per IR op.  Each takes (L, d, a, b, c, aux, imm) -- the IROp
# fields -- and mirrors the op's row in tcg/ir_ops.py and its case in
# tcg/interp.pyx.

LOWER = {}


def lowering(*names):
    def register(fn):
        for name in names:
            LOWER[name] = fn
        return fn
    return register


def binop(llop, imm_form=False):
    def lower(L, d, a, b, c, aux, imm):
        rhs = L.const(imm) if imm_form else L.rd(b)
        L.wr(d, L.op("%s i32 %s, %s" % (llop, L.rd(a), rhs)))
    return lower


for _name, _llop in (("add", "add"), ("sub", "sub"), ("and_", "and"), ("or_", "or"),
                     ("xor", "xor"), ("mul", "mul")):
    LOWER[_name] = binop(_llop)
for _name, _llop in (("addi", "add"), ("andi", "and"), ("ori", "or"), ("xori", "xor"),
                     ("shli", "shl"), ("shri", "lshr"), ("sari", "ashr")):
    LOWER[_name] = binop(_llop, imm_form=True)


@lowering("nop")
def _nop(L, d, a, b, c, aux, imm):
    pass


@lowering("movi")
def _movi(L, d, a, b, c, aux, imm):
    L.wr(d, L.const(imm))


@lowering("mov")
def _mov(L, d, a, b, c, aux, imm):
    L.wr(d, L.rd(a))


@lowering("rsbi")
def _rsbi(L, d, a, b, c, aux, imm):
    L.wr(d, L.op("sub i32 %s, %s" % (L.const(imm), L.rd(a))))


@lowering("andn")
def _andn(L, d, a, b, c, aux, imm):
    nb = L.op("xor i32 %s, -1" % L.rd(b))
    L.wr(d, L.op("and i32 %s, %s" % (L.rd(a), nb)))


@lowering("not_")
def _not(L, d, a, b, c, aux, imm):
    L.wr(d, L.op("xor i32 %s, -1" % L.rd(a)))


@lowering("adc")
def _adc(L, d, a, b, c, aux, imm):
    s = L.op("add i32 %s, %s" % (L.rd(a), L.rd(b)))
    L.wr(d, L.op("add i32 %s, %s" % (s, L.rd(V_CF))))


@lowering("sbc")
def _sbc(L, d, a, b, c, aux, imm):
    nb = L.op("xor i32 %s, -1" % L.rd(b))
    s = L.op("add i32 %s, %s" % (L.rd(a), nb))
    L.wr(d, L.op("add i32 %s, %s" % (s, L.rd(V_CF))))


def ror(L, x, n):
    return L.op("call i32 @llvm.fshr.i32(i32 %s, i32 %s, i32 %s)" % (x, x, n))


@lowering("rori")
def _rori(L, d, a, b, c, aux, imm):
    L.wr(d, ror(L, L.rd(a), str(imm & 31)))


@lowering("ror")
def _ror(L, d, a, b, c, aux, imm):
    L.wr(d, ror(L, L.rd(a), L.rd(b)))


def shift_amount(L, b):
    return L.op("and i32 %s, 255" % L.rd(b))


def _logical_shift(llop):
    def lower(L, d, a, b, c, aux, imm):
        n = shift_amount(L, b)
        sh = L.op("%s i32 %s, %s" % (llop, L.rd(a), L.op("and i32 %s, 31" % n)))
        small = L.op("icmp ult i32 %s, 32" % n)
        L.wr(d, L.op("select i1 %s, i32 %s, i32 0" % (small, sh)))
    return lower


LOWER["shl"] = _logical_shift("shl")
LOWER["shr"] = _logical_shift("lshr")


@lowering("sar")
def _sar(L, d, a, b, c, aux, imm):
    n = shift_amount(L, b)
    small = L.op("icmp ult i32 %s, 32" % n)
    n = L.op("select i1 %s, i32 %s, i32 31" % (small, n))
    L.wr(d, L.op("ashr i32 %s, %s" % (L.rd(a), n)))


@lowering("rrx")
def _rrx(L, d, a, b, c, aux, imm):
    hi = L.op("shl i32 %s, 31" % L.rd(V_CF))
    L.wr(d, L.op("or i32 %s, %s" % (hi, L.op("lshr i32 %s, 1" % L.rd(a)))))


def bit(L, x, n, shift="lshr"):
    """(x >> n) & 1 with a constant or value n."""
    return L.op("and i32 %s, 1" % L.op("%s i32 %s, %s" % (shift, x, n)))


@lowering("lsl_ci")
def _lsl_ci(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    L.wr(V_CF, bit(L, x, 32 - imm))
    L.wr(d, L.op("shl i32 %s, %d" % (x, imm)))


@lowering("lsr_ci")
def _lsr_ci(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    L.wr(V_CF, bit(L, x, imm - 1))
    L.wr(d, L.op("lshr i32 %s, %d" % (x, imm)) if imm < 32 else "0")


@lowering("asr_ci")
def _asr_ci(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    n = min(imm, 32)
    L.wr(V_CF, bit(L, x, n - 1, "ashr"))
    L.wr(d, L.op("ashr i32 %s, %d" % (x, min(n, 31))))


@lowering("ror_ci")
def _ror_ci(L, d, a, b, c, aux, imm):
    r = ror(L, L.rd(a), str(imm & 31))
    L.wr(V_CF, L.op("lshr i32 %s, 31" % r))
    L.wr(d, r)


@lowering("rrx_c")
def _rrx_c(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    hi = L.op("shl i32 %s, 31" % L.rd(V_CF))
    L.wr(d, L.op("or i32 %s, %s" % (hi, L.op("lshr i32 %s, 1" % x))))
    L.wr(V_CF, L.op("and i32 %s, 1" % x))


def select(L, cond, x, y):
    return L.op("select i1 %s, i32 %s, i32 %s" % (cond, x, y))


def shift_c(kind):
    """Shift by register with carry out (ARM ARM Shift_C; n = Rs[7:0])."""
    def lower(L, d, a, b, c, aux, imm):
        x = L.rd(a)
        cf = L.rd(V_CF)
        n = shift_amount(L, b)
        zero = L.op("icmp eq i32 %s, 0" % n)
        small = L.op("icmp ult i32 %s, 32" % n)
        n31 = L.op("and i32 %s, 31" % n)
        nm1 = L.op("and i32 %s, 31" % L.op("sub i32 %s, 1" % n))
        if kind == "lsl":
            r_small = L.op("shl i32 %s, %s" % (x, n31))
            c_small = bit(L, x, L.op("and i32 %s, 31" % L.op("sub i32 32, %s" % n)))
            is32 = L.op("icmp eq i32 %s, 32" % n)
            c_big = select(L, is32, L.op("and i32 %s, 1" % x), "0")
            r_big = "0"
        elif kind == "lsr":
            r_small = L.op("lshr i32 %s, %s" % (x, n31))
            c_small = bit(L, x, nm1)
            is32 = L.op("icmp eq i32 %s, 32" % n)
            c_big = select(L, is32, L.op("lshr i32 %s, 31" % x), "0")
            r_big = "0"
        else:   # asr
            r_small = L.op("ashr i32 %s, %s" % (x, n31))
            c_small = bit(L, x, nm1, "ashr")
            c_big = L.op("lshr i32 %s, 31" % x)
            r_big = L.op("ashr i32 %s, 31" % x)
        r = select(L, small, r_small, r_big)
        co = select(L, small, c_small, c_big)
        L.wr(V_CF, select(L, zero, cf, co))
        L.wr(d, select(L, zero, x, r))
    return lower


LOWER["lsl_c"] = shift_c("lsl")
LOWER["lsr_c"] = shift_c("lsr")
LOWER["asr_c"] = shift_c("asr")


@lowering("ror_c")
def _ror_c(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    cf = L.rd(V_CF)
    n = shift_amount(L, b)
    zero = L.op("icmp eq i32 %s, 0" % n)
    r = ror(L, x, n)
    L.wr(V_CF, select(L, zero, cf, L.op("lshr i32 %s, 31" % r)))
    L.wr(d, r)


def set_nzcv(L, r, cf, vf):
    L.wr(V_CF, cf)
    L.wr(V_VF, vf)
    L.wr(V_NF, r)
    L.wr(V_ZF, r)


def adds(imm_form):
    def lower(L, d, a, b, c, aux, imm):
        x = L.rd(a)
        y = L.const(imm) if imm_form else L.rd(b)
        r = L.op("add i32 %s, %s" % (x, y))
        cf = L.op("zext i1 %s to i32" % L.op("icmp ult i32 %s, %s" % (r, x)))
        t = L.op("xor i32 %s, %s" % (r, x))
        u = L.op("xor i32 %s, -1" % L.op("xor i32 %s, %s" % (x, y)))
        set_nzcv(L, r, cf, L.op("and i32 %s, %s" % (t, u)))
        L.wr(d, r)
    return lower


def subs(imm_form):
    def lower(L, d, a, b, c, aux, imm):
        x = L.rd(a)
        y = L.const(imm) if imm_form else L.rd(b)
        r = L.op("sub i32 %s, %s" % (x, y))
        cf = L.op("zext i1 %s to i32" % L.op("icmp uge i32 %s, %s" % (x, y)))
        t = L.op("xor i32 %s, %s" % (x, y))
        u = L.op("xor i32 %s, %s" % (x, r))
        set_nzcv(L, r, cf, L.op("and i32 %s, %s" % (t, u)))
        L.wr(d, r)
    return lower


LOWER["adds"] = adds(False)
LOWER["addsi"] = adds(True)
LOWER["subs"] = subs(False)
LOWER["subsi"] = subs(True)


def with_carry(subtract):
    """ADCS / SBCS: x + (y or ~y) + C in 64 bits (ARM ARM AddWithCarry)."""
    def lower(L, d, a, b, c, aux, imm):
        x = L.rd(a)
        y = L.rd(b)
        yy = L.op("xor i32 %s, -1" % y) if subtract else y
        w = L.op("add i64 %s, %s" % (L.op("zext i32 %s to i64" % x), L.op("zext i32 %s to i64" % yy)))
        w = L.op("add i64 %s, %s" % (w, L.op("zext i32 %s to i64" % L.rd(V_CF))))
        r = L.op("trunc i64 %s to i32" % w)
        cf = L.op("trunc i64 %s to i32" % L.op("lshr i64 %s, 32" % w))
        if subtract:
            vf = L.op("and i32 %s, %s" % (L.op("xor i32 %s, %s" % (x, y)),
                                          L.op("xor i32 %s, %s" % (x, r))))
        else:
            vf = L.op("and i32 %s, %s" % (L.op("xor i32 %s, %s" % (r, x)),
                                          L.op("xor i32 %s, -1" % L.op("xor i32 %s, %s" % (x, y)))))
        set_nzcv(L, r, cf, vf)
        L.wr(d, r)
    return lower


LOWER["adcs"] = with_carry(False)
LOWER["sbcs"] = with_carry(True)


@lowering("set_nz")
def _set_nz(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    L.wr(V_NF, x)
    L.wr(V_ZF, x)


def mul64(ext):
    def lower(L, d, a, b, c, aux, imm):
        x = L.op("%s i32 %s to i64" % (ext, L.rd(a)))
        y = L.op("%s i32 %s to i64" % (ext, L.rd(b)))
        w = L.op("mul i64 %s, %s" % (x, y))
        lo = L.op("trunc i64 %s to i32" % w)
        hi = L.op("trunc i64 %s to i32" % L.op("lshr i64 %s, 32" % w))
        L.wr(d, lo)
        L.wr(c, hi)
    return lower


LOWER["mulu64"] = mul64("zext")
LOWER["muls64"] = mul64("sext")


def pair64(L, hi, lo):
    h = L.op("shl i64 %s, 32" % L.op("zext i32 %s to i64" % hi))
    return L.op("or i64 %s, %s" % (h, L.op("zext i32 %s to i64" % lo)))


@lowering("add64")
def _add64(L, d, a, b, c, aux, imm):
    acc = pair64(L, L.rd(c), L.rd(d))
    w = L.op("add i64 %s, %s" % (acc, pair64(L, L.rd(b), L.rd(a))))
    L.wr(d, L.op("trunc i64 %s to i32" % w))
    L.wr(c, L.op("trunc i64 %s to i32" % L.op("lshr i64 %s, 32" % w)))


@lowering("udiv")
def _udiv(L, d, a, b, c, aux, imm):
    x, y = L.rd(a), L.rd(b)
    zero = L.op("icmp eq i32 %s, 0" % y)
    q = L.op("udiv i32 %s, %s" % (x, select(L, zero, "1", y)))
    L.wr(d, select(L, zero, "0", q))


@lowering("sdiv")
def _sdiv(L, d, a, b, c, aux, imm):
    x, y = L.rd(a), L.rd(b)
    zero = L.op("icmp eq i32 %s, 0" % y)
    ovf = L.op("and i1 %s, %s" % (L.op("icmp eq i32 %s, -2147483648" % x),
                                  L.op("icmp eq i32 %s, -1" % y)))
    unsafe = L.op("or i1 %s, %s" % (zero, ovf))
    q = L.op("sdiv i32 %s, %s" % (x, select(L, unsafe, "1", y)))
    q = select(L, ovf, "-2147483648", q)
    L.wr(d, select(L, zero, "0", q))


@lowering("clz")
def _clz(L, d, a, b, c, aux, imm):
    L.wr(d, L.op("call i32 @llvm.ctlz.i32(i32 %s, i1 false)" % L.rd(a)))


@lowering("rev")
def _rev(L, d, a, b, c, aux, imm):
    L.wr(d, L.op("call i32 @llvm.bswap.i32(i32 %s)" % L.rd(a)))


@lowering("rev16")
def _rev16(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    lo = L.op("shl i32 %s, 8" % L.op("and i32 %s, 16711935" % x))
    hi = L.op("and i32 %s, 16711935" % L.op("lshr i32 %s, 8" % x))
    L.wr(d, L.op("or i32 %s, %s" % (lo, hi)))


@lowering("revsh")
def _revsh(L, d, a, b, c, aux, imm):
    h = L.op("trunc i32 %s to i16" % L.rd(a))
    L.wr(d, L.op("sext i16 %s to i32" % L.op("call i16 @llvm.bswap.i16(i16 %s)" % h)))


@lowering("rbit")
def _rbit(L, d, a, b, c, aux, imm):
    L.wr(d, L.op("call i32 @llvm.bitreverse.i32(i32 %s)" % L.rd(a)))


def extend(kind, bits):
    def lower(L, d, a, b, c, aux, imm):
        t = L.op("trunc i32 %s to i%d" % (L.rd(a), bits))
        L.wr(d, L.op("%s i%d %s to i32" % (kind, bits, t)))
    return lower


LOWER["sext8"] = extend("sext", 8)
LOWER["sext16"] = extend("sext", 16)
LOWER["zext8"] = extend("zext", 8)
LOWER["zext16"] = extend("zext", 16)


@lowering("helper")
def _helper(L, d, a, b, c, aux, imm):
    # DSP helpers may read and set Q and GE in the value file
    args = (L.rd(a), L.rd(b), L.rd(c))
    for i in (V_QF, V_GE):
        L.store_env32(ENV["v"] + 4 * i, L.rd(i))
    r = L.op("call i32 @helper_%d(ptr %%env, i32 %s, i32 %s, i32 %s)" % ((imm,) + args))
    for i in (V_QF, V_GE):
        L.wr(i, L.op("load i32, ptr %s" % L.env_ptr(ENV["v"] + 4 * i)))
    L.wr(d, r)


@lowering("vfp")
def _vfp(L, d, a, b, c, aux, imm):
    # the VFP functions touch only env->vfp_d and env->fpscr, which no
    # lowering caches: no store or reload of the value file around the call
    L.emit("call void @vfp_op_%d(ptr %%env, i32 %s)" % (aux, L.const(imm)))


# -- control flow within the block

@lowering("br")
def _br(L, d, a, b, c, aux, imm):
    L.emit("br label %%op%d" % imm)
    L.end_block()


def cond_branch(L, cond, imm):
    fall = L.label()
    L.emit("br i1 %s, label %%op%d, label %%%s" % (cond, imm, fall))
    L.place(fall)


@lowering("brcond")
def _brcond(L, d, a, b, c, aux, imm):
    cond_branch(L, L.cond(aux), imm)


@lowering("brz")
def _brz(L, d, a, b, c, aux, imm):
    cond_branch(L, L.op("icmp eq i32 %s, 0" % L.rd(a)), imm)


@lowering("brnz")
def _brnz(L, d, a, b, c, aux, imm):
    cond_branch(L, L.op("icmp ne i32 %s, 0" % L.rd(a)), imm)


# -- memory

def address(L, a, imm):
    return L.op("add i32 %s, %s" % (L.rd(a), L.const(imm))) if imm else L.rd(a)


@lowering("ld")
def _ld(L, d, a, b, c, aux, imm):
    L.wr(d, L.load(address(L, a, imm), aux))


@lowering("st")
def _st(L, d, a, b, c, aux, imm):
    L.store(address(L, a, imm), L.rd(b), aux)


@lowering("ldex")
def _ldex(L, d, a, b, c, aux, imm):
    addr = L.rd(a)
    r = L.load(addr, aux | MO_ALIGN)
    L.wr(V_EXCL_ADDR, addr)
    L.wr(V_EXCL_VAL, r)
    L.wr(d, r)


@lowering("ldexd")
def _ldexd(L, d, a, b, c, aux, imm):
    addr = L.rd(a)
    L.alignment_check(addr, 7, False)        # LDREXD: doubleword alignment, always
    lo = L.load(addr, aux | MO_ALIGN)
    hi = L.load(L.op("add i32 %s, 4" % addr), aux)
    L.wr(V_EXCL_ADDR, addr)
    L.wr(V_EXCL_VAL, lo)
    L.wr(V_EXCL_HI, hi)
    L.wr(d, lo)
    L.wr(c, hi)


def store_exclusive(double):
    def lower(L, d, a, b, c, aux, imm):
        addr = L.rd(a)
        mask = 7 if double else (1 << (aux & MO_SIZE_MASK)) - 1
        if mask:
            L.alignment_check(addr, mask, True)   # checked before the monitor
        held = L.op("icmp eq i32 %s, %s" % (L.rd(V_EXCL_ADDR), addr))
        yes, no, done = L.label(), L.label(), L.label()
        L.emit("br i1 %s, label %%%s, label %%%s" % (held, yes, no))
        L.place(yes)
        L.store(addr, L.rd(b), aux | MO_ALIGN)
        if double:
            L.store(L.op("add i32 %s, 4" % addr), L.rd(c), aux)
        L.wr(d, "0")
        L.emit("br label %%%s" % done)
        L.place(no)
        L.wr(d, "1")
        L.emit("br label %%%s" % done)
        L.place(done)
        L.wr(V_EXCL_ADDR, "-1")
    return lower


LOWER["stex"] = store_exclusive(False)
LOWER["stexd"] = store_exclusive(True)


@lowering("clrex")
def _clrex(L, d, a, b, c, aux, imm):
    L.wr(V_EXCL_ADDR, "-1")


# -- system state: calls that see the value file are bracketed by a store
# of the written globals and a reload of the used ones

def sync_call(L, text, reload=True):
    L.store_globals()
    r = L.op(text) if not text.startswith("call void") else L.emit(text)
    if reload:
        L.reload_globals()
    return r


@lowering("cpsr_read")
def _cpsr_read(L, d, a, b, c, aux, imm):
    L.wr(d, sync_call(L, "call i32 @cpsr_read(ptr %env)", reload=False))


@lowering("cpsr_write")
def _cpsr_write(L, d, a, b, c, aux, imm):
    sync_call(L, "call void @cpsr_write(ptr %%env, i32 %s, i32 %s)" % (L.rd(a), L.const(imm)))


@lowering("spsr_read")
def _spsr_read(L, d, a, b, c, aux, imm):
    L.wr(d, L.op("call i32 @spsr_read(ptr %env)"))


@lowering("spsr_write")
def _spsr_write(L, d, a, b, c, aux, imm):
    L.emit("call void @spsr_write(ptr %%env, i32 %s, i32 %s)" % (L.rd(a), L.const(imm)))


def reg_read_call(cfn):
    """User-mode / banked register read: the C function may return a
    register of the current bank, so the value file is stored first."""
    def lower(L, d, a, b, c, aux, imm):
        L.wr(d, sync_call(L, "call i32 @%s(ptr %%env, i32 %d)" % (cfn, imm), reload=False))
    return lower


def reg_write_call(cfn):
    def lower(L, d, a, b, c, aux, imm):
        sync_call(L, "call void @%s(ptr %%env, i32 %d, i32 %s)" % (cfn, imm, L.rd(a)))
    return lower


LOWER["user_read"] = reg_read_call("user_reg_read")
LOWER["user_write"] = reg_write_call("user_reg_write")
LOWER["banked_read"] = reg_read_call("banked_reg_read")
LOWER["banked_write"] = reg_write_call("banked_reg_write")


@lowering("cp_read")
def _cp_read(L, d, a, b, c, aux, imm):
    rc = sync_call(L, "call i32 @cp_read_dispatch(ptr %%env, i32 %d, ptr %%out)" % imm)
    L.check_fault(rc, L.i)
    L.wr(d, L.op("load i32, ptr %out"))


@lowering("cp_write")
def _cp_write(L, d, a, b, c, aux, imm):
    rc = sync_call(L, "call i32 @cp_write_dispatch(ptr %%env, i32 %d, i32 %s)" % (imm, L.rd(a)))
    L.check_fault(rc, L.i)


@lowering("cp_read64")
def _cp_read64(L, d, a, b, c, aux, imm):
    rc = sync_call(L, "call i32 @cp_read64_dispatch(ptr %%env, i32 %d, ptr %%out, ptr %%out2)"
                   % imm)
    L.check_fault(rc, L.i)
    L.wr(d, L.op("load i32, ptr %out"))
    L.wr(c, L.op("load i32, ptr %out2"))


@lowering("cp_write64")
def _cp_write64(L, d, a, b, c, aux, imm):
    rc = sync_call(L, "call i32 @cp_write64_dispatch(ptr %%env, i32 %d, i32 %s, i32 %s)"
                   % (imm, L.rd(a), L.rd(b)))
    L.check_fault(rc, L.i)


def value_file_index(offset):
    """v[] index when an env offset falls in the value file, else None."""
    rel = offset - ENV["v"]
    if 0 <= rel < 4 * NUM_GLOBALS and rel % 4 == 0:
        return rel // 4
    return None


@lowering("ld_env")
def _ld_env(L, d, a, b, c, aux, imm):
    i = value_file_index(imm)
    L.wr(d, L.rd(i) if i is not None else L.op("load i32, ptr %s" % L.env_ptr(imm)))


@lowering("st_env")
def _st_env(L, d, a, b, c, aux, imm):
    i = value_file_index(imm)
    if i is not None:
        L.wr(i, L.rd(a))
    else:
        L.store_env32(imm, L.rd(a))


# -- block ends

def executed_here(L):
    return L.src.op_insn[L.i] + 1


def self_loop(L, aux):
    """goto_tb back to this block's own start: loop inside the function, so
    guest registers stay in host registers across iterations.  Each pass
    still checks what the entry check does, and that the block is still
    valid (a store may have invalidated it: self-modifying code)."""
    L.count(executed_here(L))
    nat = L.op("load ptr, ptr %s" % L.op("getelementptr inbounds i8, ptr %s, i64 %d"
                                          % (L.tb_const, TBF["native"])))
    if L.src.tier_up:
        # baseline code loops only while it is the block's code: once the
        # optimised code is installed (or the block invalidated) it leaves,
        # and the exec loop enters the new code
        valid = L.op("icmp eq ptr %s, @%s" % (nat, L.name))
        L.current = L.tier_up_check(L.lines.append)
    else:
        valid = L.op("icmp ne ptr %s, null" % nat)
    go = L.op("and i1 %s, %s" % (valid, L.run_check(L.lines.append)))
    leave = L.label()
    L.emit("br i1 %s, label %%loop, label %%%s, !prof !0" % (go, leave))
    L.place(leave)
    L.store_globals()
    L.set_pc(L.src.pc)
    L.leave(EXIT_SLOT0 + aux)


@lowering("goto_tb")
def _goto_tb(L, d, a, b, c, aux, imm):
    if imm == L.src.pc:
        return self_loop(L, aux)
    L.store_globals()
    L.set_pc(imm)
    L.count(executed_here(L))
    dp = L.op("getelementptr inbounds i8, ptr %s, i64 %d" % (L.tb_const, TBF["jmp_dest"] + 8 * aux))
    dest = L.op("load ptr, ptr %s" % dp)
    have, none = L.label(), L.label()
    L.emit("br i1 %s, label %%%s, label %%%s" % (L.op("icmp eq ptr %s, null" % dest), none, have))
    L.place(have)
    fn = L.op("load ptr, ptr %s" % L.op("getelementptr inbounds i8, ptr %s, i64 %d"
                                         % (dest, TBF["native"])))
    L.chain_to(fn, EXIT_SLOT0 + aux)
    L.place(none)
    L.leave(EXIT_SLOT0 + aux)


@lowering("exit_jc")
def _exit_jc(L, d, a, b, c, aux, imm):
    L.store_globals()
    L.count(executed_here(L))
    L.chain_to(L.op("call ptr @jit_lookup_native(ptr %env)"), EXIT_JC)


@lowering("exit_tb")
def _exit_tb(L, d, a, b, c, aux, imm):
    L.exit(EXIT_NOCHAIN, executed_here(L), pc=imm)


@lowering("bx")
def _bx(L, d, a, b, c, aux, imm):
    x = L.rd(a)
    L.store_globals()
    L.emit("call void @bx_write_pc(ptr %%env, i32 %s)" % x)
    L.count(executed_here(L))
    L.leave(EXIT_NOCHAIN)


@lowering("exc_return")
def _exc_return(L, d, a, b, c, aux, imm):
    x, y = L.rd(a), L.rd(b)
    L.store_globals()
    L.emit("call void @exception_return(ptr %%env, i32 %s, i32 %s)" % (x, y))
    L.count(executed_here(L))
    L.leave(EXIT_NOCHAIN)


@lowering("raise_exc")
def _raise_exc(L, d, a, b, c, aux, imm):
    pc = L.src.op_pc[L.i]
    L.store_globals()
    L.store_env32(ENV["exception_index"], str(aux))
    L.store_env32(ENV["exception_arg"], L.const(imm))
    L.store_env32(ENV["exception_pc"], L.const(pc))
    L.set_pc(pc)
    L.count(executed_here(L))
    L.leave(EXIT_EXC)


@lowering("wfi")
def _wfi(L, d, a, b, c, aux, imm):
    L.exit(EXIT_WFI, executed_here(L), pc=imm)


def missing_lowerings():
    """IR ops with no lowering (must be empty: tests check it)."""
    return [op.name for op in OPS if op.name not in LOWER]

