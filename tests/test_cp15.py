"""cp15 registers: the table (runtime/cp15.py), its translate-time emission,
the C dispatch (runtime/cp15_fns.pxi) and guest-visible behaviour.

Expected values are the Cortex-A15 r4p0 TRM's (DDI 0438) and the ARM ARM's
(DDI 0406C), written out here independently of the table; QEMU 7.2 and
unicorn serve as cross-checks with their known differences listed.
"""

import functools
import os
import re
import shutil
import struct
import subprocess
import tempfile

import pytest

from runtime import cp15
from runtime.cp15 import CP15Table, R, PL1_R, PL1_RW, CONST
from frontend import cp15_emit
from frontend.cp15_emit import emit_access
from frontend.translate import A32Context, MODE_USR
from tcg.ir import IRBuilder, NF, ZF, CF, VF, EXCP_UDEF
from tcg.ir_ops import OPS

HERE = os.path.dirname(os.path.abspath(__file__))
CPU_H = os.path.join(HERE, "..", "runtime", "include", "cpu.h")
MODE_SVC = 0x13

# -- independent truth ---------------------------------------------------------

# Reset values from the Cortex-A15 TRM (r4p0) chapter 4 / ARM ARM.
TRM_RESET = {
    "MIDR": 0x414FC0F0, "CTR": 0x8444C004, "TCMTR": 0, "TLBTR": 0,
    "MPIDR": 0x80000000, "REVIDR": 0,
    "ID_PFR0": 0x00001131, "ID_AFR0": 0,
    "ID_MMFR0": 0x10201105, "ID_MMFR1": 0x20000000, "ID_MMFR2": 0x01240000,
    "ID_MMFR3": 0x02102211, "ID_ISAR0": 0x02101110, "ID_ISAR1": 0x13112111,
    "ID_ISAR2": 0x21232041, "ID_ISAR3": 0x11112131, "ID_ISAR4": 0x10011142,
    "ID_ISAR5": 0, "CLIDR": 0x0A200023, "AIDR": 0, "CSSELR": 0,
    "SCTLR": 0x00C50078, "ACTLR": 0, "VBAR": 0,
    "PRRR": 0x00098AA4, "NMRR": 0x44E048E0,
    "TTBCR": 0, "CONTEXTIDR": 0, "TPIDRURW": 0, "TPIDRURO": 0, "TPIDRPRW": 0,
}
# Deliberate departures from the TRM (see runtime/cp15.py): features we do not
# implement are not advertised.
# ID_DFR0: cp14 v7.1 debug and the PMU only (no Secure, memory-mapped debug or trace).
# CPACR: no Advanced SIMD yet, so ASEDIS is RAO/WI (ARM ARM B4.1.40; the TRM's
# reset value 0 is with NEON): runtime/vfp.py, tests/test_vfp.py.
NOT_IMPLEMENTED = {"ID_PFR1": (0x00011011, 0x00010001), "ID_DFR0": (0x02010555, 0x02000005),
                   "CPACR": (0, 0x80000000)}

# A15 caches (TRM 6.1, 7.1): (size, ways, line bytes); L2 size is a build
# option (512KB..4MB), we model 4MB.
A15_CACHES = {0: (32 << 10, 2, 64), 1: (32 << 10, 2, 64), 2: (4 << 20, 16, 64)}

# (cp, opc1, CRn, CRm, opc2) of some registers, from the ARM ARM B3.17 summary.
ENC = {
    "MIDR": (15, 0, 0, 0, 0), "CCSIDR": (15, 1, 0, 0, 0), "CSSELR": (15, 2, 0, 0, 0),
    "SCTLR": (15, 0, 1, 0, 0), "VBAR": (15, 0, 12, 0, 0), "TPIDRURW": (15, 0, 13, 0, 2),
    "TPIDRURO": (15, 0, 13, 0, 3), "TPIDRPRW": (15, 0, 13, 0, 4), "TLBIALL": (15, 0, 8, 7, 0),
    "ICIALLU": (15, 0, 7, 5, 0), "CP15DMB": (15, 0, 7, 10, 5), "DFSR": (15, 0, 5, 0, 0),
    "TTBR0": (15, 0, 2, 0, 0), "CONTEXTIDR": (15, 0, 13, 0, 1), "CLIDR": (15, 1, 0, 0, 1),
}
UNKNOWN_ENC = (15, 0, 15, 15, 7)


# the debug register pairs are arrays in cpu.h; the table names each word
_ARRAY_FIELD = re.compile(r"(dbg[bw][vc]r)(\d)$")


def c_member(field):
    return _ARRAY_FIELD.sub(r"\1[\2]", field)


@functools.lru_cache(None)
def c_offsets():
    """offsetof() of every CPUARMState field the table names, from gcc on cpu.h."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc not available")
    fields = sorted({f for r in cp15.CORTEX_A15 for f in (r.field, r.field_hi) if f})
    src = ['#include <stdio.h>', '#include "cpu.h"', "int main(void) {"]
    src += ['printf("%s %%zu\\n", offsetof(CPUARMState, %s));' % (f, c_member(f)) for f in fields]
    src.append("return 0; }")
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "off.c")
        with open(c, "w") as fh:
            fh.write("\n".join(src))
        exe = os.path.join(d, "off")
        subprocess.run(["gcc", "-I", os.path.dirname(CPU_H), c, "-o", exe], check=True,
                       capture_output=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
    return {k: int(v) for k, v in (line.split() for line in out.splitlines())}


def a15_table():
    return CP15Table(cp15.CORTEX_A15, offset_of=lambda f: c_offsets()[f])


# -- a tiny evaluator for the IR the emitter produces ---------------------------

class MiniEnv:
    """Runs the handful of ops cp15 emission uses, on a dict-backed state."""

    def __init__(self, table):
        self.v = {}
        self.mem = {}          # byte offset -> 32-bit value
        self.table = table
        self.calls = []
        self.exc = None

    def run(self, b):
        for opc, d, a, bb, c, aux, imm in b.ops:
            name = OPS[opc].name
            v = self.v
            if name == "movi":
                v[d] = imm
            elif name == "mov":
                v[d] = v.get(a, 0)
            elif name in ("andi", "ori", "xori", "shri", "shli"):
                x = v.get(a, 0)
                v[d] = {"andi": x & imm, "ori": x | imm, "xori": x ^ imm,
                        "shri": x >> imm, "shli": (x << imm) & 0xFFFFFFFF}[name]
            elif name == "ld_env":
                v[d] = self.mem.get(imm, 0)
            elif name == "st_env":
                self.mem[imm] = v.get(a, 0)
            elif name in ("cp_read", "cp_write", "cp_read64", "cp_write64"):
                self.calls.append((name, imm))
            elif name == "raise_exc":
                self.exc = aux
                return
            elif name == "exit_tb":
                return
            else:
                raise AssertionError("unexpected op " + name)


def ctx_for(privileged=True):
    return A32Context(IRBuilder(), MODE_SVC if privileged else MODE_USR)


def op_names(ctx):
    return [OPS[rec[0]].name for rec in ctx.b.ops]


def emit(table, ctx, name, is_read, rt=0, rt2=1, enc=None):
    cp, opc1, crn, crm, opc2 = enc or ENC[name]
    emit_access(table, ctx, cp, opc1, crn, crm, opc2, False, is_read, rt, rt2)


# -- the table -------------------------------------------------------------------

def test_encodings_and_names_unique():
    regs = cp15.CORTEX_A15
    keys = [cp15.encoding_key(r.cp, r.opc1, r.crn, r.crm, r.opc2, r.is64) for r in regs]
    assert len(set(keys)) == len(keys)
    assert len({r.name for r in regs}) == len(regs)
    with pytest.raises(ValueError):
        CP15Table([R("A", "p15, 0, c9, c9, 0", PL1_R, CONST), R("B", "p15, 0, c9, c9, 0", PL1_R, CONST)])


def test_encodings_match_the_arm_arm():
    t = cp15.TABLE
    for name, enc in ENC.items():
        hit = t.lookup(*enc, False)
        assert hit and hit[1].name == name, name
    assert t.lookup(15, 0, 0, 2, 0, True)[1].name == "TTBR0_64"     # MRRC p15, 0, c2
    assert t.lookup(15, 1, 0, 2, 0, True)[1].name == "TTBR1_64"     # MRRC p15, 1, c2
    assert t.lookup(15, 0, 0, 7, 0, True)[1].name == "PAR_64"       # MRRC p15, 0, c7


def test_every_field_exists_in_cpu_h():
    offs = c_offsets()   # gcc fails to compile if a field is missing
    for r in cp15.CORTEX_A15:
        for f in (r.field, r.field_hi):
            if f:
                assert f in offs


def test_reset_values_match_the_trm():
    t = cp15.TABLE
    for name, value in TRM_RESET.items():
        assert t.regs[t.by_name[name]].reset == value, name
    for name, (trm, ours) in NOT_IMPLEMENTED.items():
        assert t.regs[t.by_name[name]].reset == ours, name


def test_ccsidr_geometry_matches_clidr_and_ctr():
    reg = cp15.TABLE.regs[cp15.TABLE.by_name["CCSIDR"]]
    clidr = TRM_RESET["CLIDR"]
    assert clidr & 7 == 3 and (clidr >> 3) & 7 == 4   # L1 separate I+D, L2 unified
    for sel, (size, ways, line) in A15_CACHES.items():
        v = reg.values[sel]
        sets = ((v >> 13) & 0x7FFF) + 1
        assoc = ((v >> 3) & 0x3FF) + 1
        line_bytes = 4 << ((v & 7) + 2)
        assert (sets * assoc * line_bytes, assoc, line_bytes) == (size, ways, line), sel
    assert set(reg.values) == set(A15_CACHES)
    # CTR DminLine/IminLine (log2 words) agree with the L1 line size
    ctr = TRM_RESET["CTR"]
    assert 4 << ((ctr >> 16) & 0xF) == 64 and 4 << (ctr & 0xF) == 64


def test_raw_access_needs_state():
    for r in cp15.CORTEX_A15:
        if not r.type & cp15.NO_RAW:
            assert r.type & CONST or r.field, r.name


# -- permission checks and emission ----------------------------------------------

def test_pl0_access_to_pl1_register_is_undef():
    t = a15_table()
    for name in ("MIDR", "SCTLR", "VBAR", "TPIDRPRW"):
        ctx = ctx_for(privileged=False)
        emit(t, ctx, name, is_read=True)
        assert op_names(ctx) == ["raise_exc"] and ctx.b.ops[0][5] == EXCP_UDEF, name


def test_tpidruro_pl0_read_ok_write_undef():
    t = a15_table()
    ctx = ctx_for(privileged=False)
    emit(t, ctx, "TPIDRURO", is_read=False, rt=3)
    assert op_names(ctx) == ["raise_exc"]
    ctx = ctx_for(privileged=False)
    emit(t, ctx, "TPIDRURO", is_read=True, rt=3)
    env = MiniEnv(t)
    env.mem[c_offsets()["tpidruro"]] = 0x1234
    env.run(ctx.b)
    assert env.exc is None and env.v[3] == 0x1234
    # PL1 may write it, PL0 TPIDRURW both ways
    ctx = ctx_for()
    emit(t, ctx, "TPIDRURO", is_read=False, rt=3)
    assert "raise_exc" not in op_names(ctx)
    for is_read in (True, False):
        ctx = ctx_for(privileged=False)
        emit(t, ctx, "TPIDRURW", is_read=is_read, rt=3)
        assert "raise_exc" not in op_names(ctx)


def test_unknown_readonly_writeonly_are_undef():
    t = a15_table()
    cases = [(UNKNOWN_ENC, True), (ENC["MIDR"], False), (ENC["TLBIALL"], True),
             (ENC["CLIDR"], False)]
    for enc, is_read in cases:
        ctx = ctx_for()
        emit_access(t, ctx, *enc, False, is_read, 0, 0)
        assert op_names(ctx) == ["raise_exc"], enc
    ctx = ctx_for()
    # cp14 debug: no DCC (DBGDTRRXint, ARM ARM C11.10) and no DBGBVR6 (6 BRPs)
    emit_access(t, ctx, 14, 0, 0, 5, 0, False, True, 0, 0)
    assert op_names(ctx) == ["raise_exc"]
    ctx = ctx_for()
    emit_access(t, ctx, 14, 0, 0, 6, 4, False, True, 0, 0)
    assert op_names(ctx) == ["raise_exc"]


def test_const_read_is_an_immediate():
    t = a15_table()
    ctx = ctx_for()
    emit(t, ctx, "CLIDR", is_read=True, rt=5)
    assert op_names(ctx) == ["movi"]
    env = MiniEnv(t)
    env.run(ctx.b)
    assert env.v[5] == 0x0A200023


def test_mrc_apsr_nzcv_form():
    # NZCV = 1010 from a CONST, and 0101 from a field, through rt == 15
    t = CP15Table([R("K", "p15, 0, c15, c0, 0", PL1_R, CONST, reset=0xA0000000),
                   R("F", "p15, 0, c15, c0, 1", PL1_RW, field="tpidrprw")],
                  offset_of=lambda f: c_offsets()[f])
    ctx = ctx_for()
    emit_access(t, ctx, 15, 0, 15, 0, 0, False, True, 15, 0)
    env = MiniEnv(t)
    env.run(ctx.b)
    assert 15 not in env.v
    assert env.v[NF] >> 31 == 1 and env.v[ZF] != 0 and env.v[CF] == 1 and env.v[VF] >> 31 == 0
    ctx = ctx_for()
    emit_access(t, ctx, 15, 0, 15, 0, 1, False, True, 15, 0)
    env = MiniEnv(t)
    env.mem[c_offsets()["tpidrprw"]] = 0x5000_00FF
    env.run(ctx.b)
    assert 15 not in env.v
    assert env.v[NF] >> 31 == 0 and env.v[ZF] == 0 and env.v[CF] == 0 and env.v[VF] >> 31 == 1


def test_vbar_write_keeps_bits_31_5():
    t = a15_table()
    ctx = ctx_for()
    emit(t, ctx, "VBAR", is_read=False, rt=2)
    assert "cp_write" not in op_names(ctx)     # inline
    env = MiniEnv(t)
    env.v[2] = 0xFFFFFFFF
    env.run(ctx.b)
    assert env.mem[c_offsets()["vbar"]] == 0xFFFFFFE0


def test_csselr_keeps_level_and_ind():
    t = a15_table()
    ctx = ctx_for()
    emit(t, ctx, "CSSELR", is_read=False, rt=2)
    env = MiniEnv(t)
    env.v[2] = 0xFFFFFFFF
    env.run(ctx.b)
    assert env.mem[c_offsets()["csselr"]] == 0xF


def test_function_registers_and_block_ends():
    t = a15_table()
    ctx = ctx_for()
    emit(t, ctx, "SCTLR", is_read=False, rt=0)
    assert op_names(ctx) == ["cp_write", "exit_tb"]
    assert ctx.b.ops[0][6] == t.by_name["SCTLR"]
    ctx = ctx_for()
    emit(t, ctx, "SCTLR", is_read=True, rt=0)
    assert op_names(ctx) == ["ld_env"]
    ctx = ctx_for()
    emit(t, ctx, "CCSIDR", is_read=True, rt=4)
    assert op_names(ctx) == ["cp_read"] and ctx.b.ops[0][6] == t.by_name["CCSIDR"]
    for name in ("TLBIALL", "TTBR0", "CONTEXTIDR"):
        ctx = ctx_for()
        emit(t, ctx, name, is_read=False, rt=0)
        assert op_names(ctx) == ["cp_write", "exit_tb"], name
    ctx = ctx_for()
    emit(t, ctx, "DFSR", is_read=False, rt=0)
    assert op_names(ctx) == ["st_env"]


def test_nop_writes_emit_nothing():
    t = a15_table()
    for name in ("ICIALLU", "CP15DMB"):
        ctx = ctx_for()
        emit(t, ctx, name, is_read=False, rt=0)
        assert op_names(ctx) == [], name
    ctx = ctx_for(privileged=False)        # barriers are PL0-accessible
    emit(t, ctx, "CP15DMB", is_read=False, rt=0)
    assert op_names(ctx) == []


def test_64bit_forms():
    t = a15_table()
    ctx = ctx_for()
    emit_access(t, ctx, 15, 0, 0, 2, 0, True, True, 4, 5)      # MRRC p15, 0, r4, r5, c2
    env = MiniEnv(t)
    env.mem[c_offsets()["ttbr0_lo"]] = 0x80004000
    env.mem[c_offsets()["ttbr0_hi"]] = 0x00010000
    env.run(ctx.b)
    assert (env.v[4], env.v[5]) == (0x80004000, 0x00010000)
    ctx = ctx_for()
    emit_access(t, ctx, 15, 0, 0, 2, 0, True, False, 4, 5)     # MCRR: flushes, ends block
    assert op_names(ctx) == ["cp_write64", "exit_tb"]
    ctx = ctx_for()
    emit_access(t, ctx, 15, 0, 0, 2, 0, True, False, 15, 5)    # Rt == PC: UNPREDICTABLE
    assert op_names(ctx) == ["raise_exc"]


def test_module_level_emit_uses_ctx_table():
    t = CP15Table([R("K", "p15, 0, c15, c0, 0", PL1_R, CONST, reset=7)])
    ctx = ctx_for()
    ctx.cp15 = t
    cp15_emit.emit(ctx, 15, 0, 15, 0, 0, False, True, 1)
    assert op_names(ctx) == ["movi"]


# -- the C side (runtime.core) -----------------------------------------------------

def _core():
    return pytest.importorskip("runtime.core")


def test_env_field_offsets_agree_with_gcc():
    core = _core()
    core.CPU()   # offsets are recorded when the first CPU is made
    for f, off in c_offsets().items():
        assert core.env_field_offset(f) == off, f


def test_c_dispatch_and_raw_access():
    core = _core()
    cpu = core.CPU()
    t = cp15.TABLE
    cp15.install(t)
    cp15.reset(cpu)
    idx = t.by_name
    assert cp15.raw_read(cpu, "MIDR") == 0x414FC0F0
    assert cp15.raw_read(cpu, "SCTLR") == 0x00C50078
    assert core.cp15_dispatch_read(cpu, idx["MIDR"]) == 0x414FC0F0
    assert core.cp15_dispatch_read(cpu, idx["MIDR_7"]) == 0x414FC0F0
    assert core.cp15_dispatch_read(cpu, idx["ID_MMFR0"]) == 0x10201105
    for sel, (size, ways, line) in A15_CACHES.items():
        assert core.cp15_dispatch_write(cpu, idx["CSSELR"], sel)
        v = core.cp15_dispatch_read(cpu, idx["CCSIDR"])
        assert (((v >> 13) & 0x7FFF) + 1) * (((v >> 3) & 0x3FF) + 1) * (16 << (v & 7)) == size
    assert core.cp15_dispatch_write(cpu, idx["SCTLR"], 0)   # RAO bits stay set
    assert cp15.raw_read(cpu, "SCTLR") == 0x00C50058
    assert core.cp15_dispatch_write(cpu, idx["TTBR0_64"], 0x0001_0000_8000_4000)
    assert cp15.raw_read(cpu, "TTBR0_64") == 0x0001_0000_8000_4000
    assert cp15.raw_read(cpu, "TTBR0") == 0x8000_4000
    assert core.cp15_dispatch_read(cpu, idx["TLBIALL"]) is None      # write-only: UNDEF
    assert core.cp15_dispatch_write(cpu, idx["MIDR"], 0) is False    # read-only: UNDEF
    cp15.raw_write(cpu, "DFAR", 0xDEADBEEF)
    assert core.cp15_dispatch_read(cpu, idx["DFAR"]) == 0xDEADBEEF
    with pytest.raises(ValueError):
        cp15.raw_read(cpu, "TLBIALL")


# -- guest-visible, through the emulator -------------------------------------------

def mrc(opc1, crn, crm, opc2, rt, cond=0xE):
    return (cond << 28) | 0x0E100010 | (opc1 << 21) | (crn << 16) | (rt << 12) | (15 << 8) | (opc2 << 5) | crm


def mcr(opc1, crn, crm, opc2, rt, cond=0xE):
    return mrc(opc1, crn, crm, opc2, rt, cond) & ~(1 << 20)


def _emulator():
    mod = pytest.importorskip("tcg.emulator")
    try:
        emu = mod.Emulator()
    except Exception as e:   # the runtime may not be complete yet
        pytest.skip("Emulator unavailable: %s" % e)
    return emu


def run_code(words, count=None, setup=None):
    emu = _emulator()
    emu.map_ram(0, 0x10000)
    emu.mem_write(0x1000, b"".join(struct.pack("<I", w) for w in words))
    if setup:
        setup(emu)
    emu.reg_write("pc", 0x1000)
    emu.run(count=count if count is not None else len(words))
    return emu


def test_emulator_mrc_midr_and_ccsidr():
    words = [mrc(0, 0, 0, 0, 0)]                     # r0 = MIDR
    for sel, rt in ((0, 1), (1, 2), (2, 3)):
        words += [0xE3A0C000 | sel,                  # mov r12, #sel
                  mcr(2, 0, 0, 0, 12),               # CSSELR = r12
                  mrc(1, 0, 0, 0, rt)]               # rt = CCSIDR
    emu = run_code(words)
    assert emu.reg_read("r0") == 0x414FC0F0
    for sel, rt in ((0, 1), (1, 2), (2, 3)):
        v = emu.reg_read("r%d" % rt)
        size, ways, line = A15_CACHES[sel]
        assert (((v >> 13) & 0x7FFF) + 1) * (((v >> 3) & 0x3FF) + 1) * (16 << (v & 7)) == size
        assert ((v >> 3) & 0x3FF) + 1 == ways


def test_emulator_vbar_round_trip():
    words = [0xE3E00000,              # mvn r0, #0
             mcr(0, 12, 0, 0, 0),     # VBAR = r0
             mrc(0, 12, 0, 0, 1)]     # r1 = VBAR
    emu = run_code(words)
    assert emu.reg_read("r1") == 0xFFFFFFE0


def mrrc(opc1, crm, rt, rt2):
    return 0xEC500F00 | (rt2 << 16) | (rt << 12) | (opc1 << 4) | crm


def mcrr(opc1, crm, rt, rt2):
    return mrrc(opc1, crm, rt, rt2) & ~(1 << 20)


def test_emulator_sctlr_ttbr_and_tlb_ops():
    words = [0xE3A00000,                 # mov r0, #0
             mcr(0, 1, 0, 0, 0),         # SCTLR = 0: the RAO bits stay set
             mrc(0, 1, 0, 0, 1),         # r1 = SCTLR
             0xE3A02A05,                 # mov r2, #0x5000
             0xE3A03001,                 # mov r3, #1
             mcrr(0, 2, 2, 3),           # TTBR0 = r3:r2
             mcr(0, 8, 7, 0, 0),         # TLBIALL (ends the block)
             mrrc(0, 2, 4, 5),           # r4, r5 = TTBR0 low, high
             mrc(0, 2, 0, 0, 6),         # r6 = TTBR0 (32-bit view)
             mcr(0, 7, 10, 5, 0),        # CP15DMB
             0xE3A07007]                 # mov r7, #7
    emu = run_code(words)
    assert emu.reg_read("r1") == 0x00C50058     # RAO bits 3,4,6,16,18,22,23 (ARM ARM B4.1.130)
    assert (emu.reg_read("r4"), emu.reg_read("r5"), emu.reg_read("r6")) == (0x5000, 1, 0x5000)
    assert emu.reg_read("r7") == 7 and emu.reg_read("pc") == 0x1000 + 4 * len(words)


def test_emulator_unknown_register_is_undef():
    # UNDEF: mode Undefined, LR_und = address of the instruction + 4,
    # SPSR_und = the old CPSR, pc = vector 0x4 (SCTLR.V = 0, VBAR = 0).
    cpsr_before = 0x600001D3                   # SVC, A I F masked, Z C set
    emu = run_code([0xE1A00000,                # nop (mov r0, r0)
                    mrc(0, 15, 15, 7, 0)],     # unknown
                   setup=lambda e: e.reg_write("cpsr", cpsr_before))
    assert emu.reg_read("cpsr") & 0x1F == 0x1B
    assert emu.reg_read("pc") == 0x4
    assert emu.reg_read("lr") == 0x1008
    assert emu.reg_read("spsr") == cpsr_before


def test_emulator_user_mode_tpidruro():
    words = [mrc(0, 13, 0, 3, 0),               # r0 = TPIDRURO (allowed at PL0)
             mcr(0, 13, 0, 3, 0)]               # TPIDRURO = r0: UNDEF at PL0
    emu = _emulator()
    emu.map_ram(0, 0x10000)
    emu.mem_write(0x1000, b"".join(struct.pack("<I", w) for w in words))
    cp15.raw_write(emu.cpu, "TPIDRURO", 0xCAFE)
    emu.reg_write("cpsr", 0x10)
    emu.reg_write("pc", 0x1000)
    emu.run(count=2)
    assert emu.reg_read("r0") == 0xCAFE
    assert emu.reg_read("cpsr") & 0x1F == 0x1B and emu.reg_read("pc") == 0x4
    assert emu.reg_read("lr") == 0x1008


# -- cross-checks against other emulators --------------------------------------------

# Where QEMU 7.2 `-M virt -cpu cortex-a15` differs from us, and why.
QEMU_DIFFERENCES = {
    "REVIDR": "QEMU reads c0,c0,6 as a MIDR alias; the A15 implements REVIDR (0)",
    "ID_DFR0": "QEMU 7.2 also advertises memory-mapped debug and trace (0x02010505); "
               "we implement cp14 v7.1 debug only (0x02000005)",
    "L2CTLR": "QEMU 7.2 returns 0x00800000; one core, no ECC is 0",
    "DBGDIDR": "QEMU 7.2's 0x3515f021 has nSUHD_imp/PCSR_imp/SE_imp set; without the "
               "Security Extensions or PC sampling they are 0 here (0x35158021)",
    "ACTLR": "QEMU's is RAZ/WI; we hold SMP (bit 6) -- equal at reset (0)",
    "PRRR": "QEMU resets it to 0, the TRM to 0x00098AA4",
    "NMRR": "QEMU resets it to 0, the TRM to 0x44E048E0",
}


# UNDEF under QEMU 7.2 (it registers PMCEID0/1 only for v8 CPUs; the A15's
# PMUv2 has them, A15 TRM table 11-1): left out of the QEMU run
QEMU_UNDEF = {"PMCEID0", "PMCEID1",
              # v7.1 debug registers QEMU 7.2 does not register (ARM ARM C11.10
              # lists them): tests/test_cp14_debug.py checks them against the spec
              "DBGDEVID", "DBGDEVID1", "DBGPRCR"}


def _readable_32(table):
    # IO rows (the timer's TVAL) read the time: no fixed value to compare
    return [r for r in table.regs if not r.is64 and r.access & PL1_R and r.name != "CCSIDR"
            and not r.type & cp15.IO]


def _value_after_reset(table, r):
    if r.type & cp15.ALIAS and r.field:    # shares a primary's state
        prim = [p for p in table.regs if p.field == r.field and not p.type & cp15.ALIAS]
        return prim[0].reset if prim else 0
    return r.reset


def test_cross_check_unicorn_id_registers():
    unicorn = pytest.importorskip("unicorn")
    from unicorn.arm_const import UC_ARM_REG_R0, UC_CPU_ARM_CORTEX_A15
    t = cp15.TABLE
    # unicorn models the A15 r2p1 and keeps the Security/Virtualization and debug
    # fields; REVIDR and c0,c0,4/7 read as MIDR there; L2CTLR as in QEMU_DIFFERENCES.
    skip = {"MIDR", "MIDR_4", "MIDR_7", "REVIDR", "ID_PFR1", "ID_DFR0", "L2CTLR",
            "DBGDIDR"}   # unicorn reads its DBGDIDR as a MIDR-like 0x412fc0f1
    diffs = {}
    for r in t.regs:
        if r.is64 or not r.type & CONST or not r.access & PL1_R or r.name in skip:
            continue
        if r.cp == 14:      # unicorn's cp14 reads are not the debug registers (DBGDRAR
            continue        # gives SCTLR); tests/test_cp14_debug.py checks them
        uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_ARM)
        uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_A15)
        uc.mem_map(0x1000, 0x1000)
        uc.mem_write(0x1000, struct.pack("<I", mrc(r.opc1, r.crn, r.crm, r.opc2, 0)))
        try:
            uc.emu_start(0x1000, 0x1004)
        except unicorn.UcError:
            continue   # not modelled there
        if uc.reg_read(UC_ARM_REG_R0) != r.reset:
            diffs[r.name] = (hex(r.reset), hex(uc.reg_read(UC_ARM_REG_R0)))
    assert diffs == {}


def _puthex_guest(table, regs):
    lines = [".arch armv7-a", ".arch_extension virt", ".global _start", "_start:",
             "ldr sp, =0x40100000"]
    for r in regs:
        lines += ["mrc p%d, %d, r0, c%d, c%d, %d" % (r.cp, r.opc1, r.crn, r.crm, r.opc2),
                  "bl puthex"]
    for sel in sorted(A15_CACHES):
        lines += ["mov r0, #%d" % sel, "mcr p15, 2, r0, c0, c0, 0",
                  "mrc p15, 1, r0, c0, c0, 0", "bl puthex"]
    lines += ["ldr r0, =0x84000008", "hvc #0", "1: b 1b",            # PSCI SYSTEM_OFF
              "puthex: ldr r1, =0x09000000", "mov r2, #28",          # PL011 data register
              "2: lsr r3, r0, r2", "and r3, r3, #15", "cmp r3, #10", "addlt r3, r3, #'0'",
              "addge r3, r3, #('a' - 10)", "str r3, [r1]", "subs r2, r2, #4", "bge 2b",
              "mov r3, #'\\n'", "str r3, [r1]", "bx lr"]
    return "\n".join(lines) + "\n"


def test_cross_check_qemu_virt_cortex_a15():
    for tool in ("arm-none-eabi-gcc", "qemu-system-arm"):
        if shutil.which(tool) is None:
            pytest.skip(tool + " not available")
    t = cp15.TABLE
    regs = [r for r in _readable_32(t) if r.name not in QEMU_UNDEF]
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "g.S"), "w") as fh:
            fh.write(_puthex_guest(t, regs))
        subprocess.run(["arm-none-eabi-gcc", "-nostdlib", "-Ttext=0x40010000", "g.S", "-o", "g.elf"],
                       cwd=d, check=True, capture_output=True)
        out = subprocess.run(["qemu-system-arm", "-M", "virt", "-cpu", "cortex-a15", "-nographic",
                              "-monitor", "none", "-serial", "stdio", "-kernel", "g.elf"],
                             cwd=d, capture_output=True, text=True, timeout=60).stdout.split()
    assert len(out) == len(regs) + len(A15_CACHES)
    diffs = {}
    for r, text in zip(regs, out):
        if int(text, 16) != _value_after_reset(t, r) and r.name not in QEMU_DIFFERENCES:
            # QEMU lacks the feature too (ID_PFR1), or has it (CPACR: NEON)
            if r.name in NOT_IMPLEMENTED and int(text, 16) in NOT_IMPLEMENTED[r.name]:
                continue
            diffs[r.name] = (hex(_value_after_reset(t, r)), text)
    ccsidr = t.regs[t.by_name["CCSIDR"]].values
    for sel, text in zip(sorted(A15_CACHES), out[len(regs):]):
        # QEMU's L2 value 0x711fe07a has NumSets 2304, a typo of 0x71ffe07a (4MB)
        if int(text, 16) != ccsidr[sel] and (sel, text) != (2, "711fe07a"):
            diffs["CCSIDR%d" % sel] = (hex(ccsidr[sel]), text)
    assert diffs == {}


def test_accessfn_forces_a_run_time_call():
    t = CP15Table([R("G", "p15, 0, c15, c0, 0", PL1_RW, field="tpidrprw", accessfn="gate")],
                  offset_of=lambda f: c_offsets()[f])
    for is_read, op in ((True, "cp_read"), (False, "cp_write")):
        ctx = ctx_for()
        emit_access(t, ctx, 15, 0, 15, 0, 0, False, is_read, 1, 0)
        assert op_names(ctx) == [op]


def test_install_rejects_unknown_functions():
    core = _core()
    core.CPU()
    bad = CP15Table([R("X", "p15, 0, c15, c0, 0", PL1_R, cp15.NO_RAW, readfn="no_such_fn")])
    try:
        with pytest.raises(ValueError):
            cp15.install(bad)
    finally:
        cp15.install()
