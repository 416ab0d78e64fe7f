"""Building, printing and packing IR blocks.

An IRBuilder collects ops for one translation block.  Each op is recorded
with the guest pc and instruction index it belongs to, so a fault inside
the block can be reported at the precise instruction.  The builder gets
one method per op of tcg/ir_ops.py, taking the op's fields in table order:

    b.addi(t, 3, 8)          # t = r3 + 8
    skip = b.label()
    b.brcond(cc ^ 1, skip)   # skip the body when the condition fails
    ...
    b.place(skip)
"""

import struct

from tcg.ir_ops import OPS, OP_INDEX

# Value-file indices, memory-op bits and exception numbers: runtime/abi.py.
from runtime.abi import (  # noqa: F401  (re-exported for the frontend)
    NUM_GLOBALS, NUM_TEMPS, V_SP, V_LR, V_PC, V_NF, V_ZF, V_CF, V_VF, V_QF, V_GE,
    V_EXCL_ADDR, V_EXCL_VAL, V_EXCL_HI, MO_8, MO_16, MO_32, MO_64, MO_SIGN, MO_USER, MO_BE,
    MO_ALIGN, EXCP_UDEF, EXCP_SWI, EXCP_PREFETCH_ABORT, EXCP_DATA_ABORT, EXCP_IRQ, EXCP_FIQ,
    EXCP_BKPT, EXCP_HVC, EXCP_SMC, EXCP_HALTED, EXCP_SEMIHOST)

# Short names of the value-file globals, as the translators write them.
R = list(range(16))
SP, LR, PC = V_SP, V_LR, V_PC
NF, ZF, CF, VF, QF, GE = V_NF, V_ZF, V_CF, V_VF, V_QF, V_GE
EXCL_ADDR, EXCL_VAL, EXCL_HI = V_EXCL_ADDR, V_EXCL_VAL, V_EXCL_HI
GLOBAL_NAMES = ["r%d" % i for i in range(13)] + ["sp", "lr", "pc",
                "NF", "ZF", "CF", "VF", "QF", "GE", "excl_addr", "excl_val", "excl_hi"]

COND_NAMES = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc",
              "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"]

# ops that continue in another block (not raise_exc, exc_return: those set
# the whole CPSR themselves)
EXIT_OPS = frozenset(("goto_tb", "exit_jc", "exit_tb", "bx", "wfi"))

OP_STRUCT = struct.Struct("<HHHHHHI")  # IROp in cpu.h: 16 bytes


class Label:
    __slots__ = ("index", "uses")

    def __init__(self):
        self.index = None
        self.uses = []


class IRBuilder:
    def __init__(self):
        self.ops = []          # [opc, d, a, b, c, aux, imm]
        self.op_pc = []
        self.op_insn = []
        self.pc = 0
        self.insn = 0
        self._next_temp = NUM_GLOBALS
        # Called before each op that leaves the block for another one (the
        # T32 translator writes the next instruction's ITSTATE there).
        self.before_exit = None

    # -- instruction bookkeeping, driven by the translator
    def start_insn(self, pc, index):
        self.pc = pc
        self.insn = index
        self._next_temp = NUM_GLOBALS

    def temp(self):
        t = self._next_temp
        if t >= NUM_GLOBALS + NUM_TEMPS:
            raise RuntimeError("IR temporaries exhausted in one instruction")
        self._next_temp = t + 1
        return t

    # -- labels for in-block branches
    def label(self):
        return Label()

    def place(self, label):
        label.index = len(self.ops)
        for i in label.uses:
            self.ops[i][6] = label.index

    def emit(self, name, **fields):
        if self.before_exit is not None and name in EXIT_OPS:
            hook, self.before_exit = self.before_exit, None
            try:
                hook()
            finally:
                self.before_exit = hook
        rec = [OP_INDEX[name], fields.get("d", 0), fields.get("a", 0),
               fields.get("b", 0), fields.get("c", 0), fields.get("aux", 0) & 0xFFFF,
               0]
        imm = fields.get("imm", 0)
        if isinstance(imm, Label):
            if imm.index is None:
                imm.uses.append(len(self.ops))
                imm = 0
            else:
                imm = imm.index
        rec[6] = imm & 0xFFFFFFFF
        self.ops.append(rec)
        self.op_pc.append(self.pc)
        self.op_insn.append(self.insn)
        return len(self.ops) - 1

    def last_is_terminal(self):
        return bool(self.ops) and OPS[self.ops[-1][0]].kind == "term"

    def pack(self):
        """(ops bytes, op_pc list, op_insn list) for the C TB."""
        return (b"".join(OP_STRUCT.pack(*rec) for rec in self.ops),
                list(self.op_pc), list(self.op_insn))


def _make_method(op):
    names = op.fields.split()

    def method(self, *args):
        if len(args) != len(names):
            raise TypeError("%s takes %s" % (op.name, op.fields or "no operands"))
        return self.emit(op.name, **dict(zip(names, args)))

    method.__name__ = op.name
    method.__doc__ = "%s %s: %s" % (op.name, op.fields, op.doc)
    return method


for _op in OPS:
    setattr(IRBuilder, _op.name, _make_method(_op))


def value_name(i):
    return GLOBAL_NAMES[i] if i < len(GLOBAL_NAMES) else (
        "g%d" % i if i < NUM_GLOBALS else "t%d" % (i - NUM_GLOBALS))


def format_op(rec):
    """One op as text, for -d op and compare reports."""
    opc, d, a, b, c, aux, imm = rec
    op = OPS[opc]
    parts = []
    for f in op.fields.split():
        if f == "imm":
            parts.append("$0x%x" % imm)
        elif f == "aux":
            parts.append(COND_NAMES[aux] if op.name == "brcond" else "#%d" % aux)
        else:
            parts.append(value_name({"d": d, "a": a, "b": b, "c": c}[f]))
    return "%-11s %s" % (op.name, ", ".join(parts))


def format_block(ops, op_pc):
    out = []
    last = None
    for i, rec in enumerate(ops):
        if op_pc[i] != last:
            out.append(" ---- %08x" % op_pc[i])
            last = op_pc[i]
        out.append(" %4d: %s" % (i, format_op(rec)))
    return "\n".join(out)
