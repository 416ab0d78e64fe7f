"""The IR is defined once: every op of tcg/ir_ops.py is handled by the
interpreter and printable, and the builder packs ops the C side reads."""

import os
import re

from tcg import ir
from tcg.ir_ops import OPS, check_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_table_is_well_formed():
    check_table()


def test_interpreter_handles_every_op():
    src = open(os.path.join(ROOT, "tcg", "interp.pyx")).read()
    handled = set(re.findall(r"opc == OP_([A-Z0-9_]+)", src))
    missing = [op.name for op in OPS if op.name.rstrip("_").upper() not in handled]
    assert missing == []


def test_every_op_prints():
    for i, op in enumerate(OPS):
        text = ir.format_op([i, 32, 1, 2, 3, 0, 0x10])
        assert text.startswith(op.name)


def test_labels_resolve_forward_and_backward():
    b = ir.IRBuilder()
    b.start_insn(0x1000, 0)
    top = b.label()
    b.place(top)
    fwd = b.label()
    b.brz(0, fwd)
    b.br(top)
    b.place(fwd)
    b.goto_tb(0x2000, 0)
    assert b.ops[0][6] == 2 and b.ops[1][6] == 0
    packed, op_pc, op_insn = b.pack()
    assert len(packed) == 16 * 3 and op_pc == [0x1000] * 3


def test_temps_are_per_instruction():
    b = ir.IRBuilder()
    b.start_insn(0, 0)
    t0 = b.temp()
    b.start_insn(4, 1)
    assert b.temp() == t0 == ir.NUM_GLOBALS
