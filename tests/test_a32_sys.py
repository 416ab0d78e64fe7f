"""frontend/a32_sys.py: decoding, lifting and execution of the A32 system
instructions.

Instruction words come from the GNU assembler (independent of our tables);
expected execution results come from unicorn or from the ARM ARM
(DDI0406C) written out here, never from our own emulator.
"""

import functools
import os
import shutil
import struct
import subprocess
import tempfile

import pytest

from frontend.decoder import Decoder
from frontend.a32_sys import ENCODINGS_SYS, BANKED_REGS, banked_access_ok
from frontend.translate import A32Context
from tcg.ir import IRBuilder, LR, SP, EXCP_UDEF, EXCP_SWI, EXCP_SEMIHOST, EXCP_BKPT
from tcg.ir import EXCP_HVC, EXCP_SMC
from tcg.ir_ops import OPS

AS = shutil.which("arm-none-eabi-as")
LD = shutil.which("arm-none-eabi-ld")
OBJCOPY = shutil.which("arm-none-eabi-objcopy")
needs_binutils = pytest.mark.skipif(not (AS and LD and OBJCOPY), reason="arm-none-eabi binutils missing")

USR, FIQ, IRQ, SVC, MON, ABT, HYP, UND, SYS = 0x10, 0x11, 0x12, 0x13, 0x16, 0x17, 0x1A, 0x1B, 0x1F

SYS_DECODER = Decoder(ENCODINGS_SYS)


# ---- assembling -------------------------------------------------------------

@functools.lru_cache(maxsize=None)
def assemble(src, base=0):
    """Assemble A32 source at `base`; the image as bytes."""
    with tempfile.TemporaryDirectory() as d:
        s, o, elf, binf = (os.path.join(d, n) for n in ("t.s", "t.o", "t.elf", "t.bin"))
        with open(s, "w") as f:
            f.write(".syntax unified\n.arm\n.global _start\n_start:\n" + src + "\n")
        for cmd in ([AS, "-march=armv7ve", "-o", o, s],
                    [LD, "-Ttext=0x%x" % base, "-o", elf, o],
                    [OBJCOPY, "-O", "binary", "-j", ".text", elf, binf]):
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError("%s failed:\n%s" % (cmd[0], r.stderr))
        with open(binf, "rb") as f:
            return f.read()


def words_of(lines):
    image = assemble("\n".join(lines))
    return list(struct.unpack("<%dI" % (len(image) // 4), image))


# ---- decoding -----------------------------------------------------------------
# (assembly, encoding name, expected fields or None to skip the field check)
DECODE_CASES = [
    ("b .+0x100", "B", {"v": 0x3E}),
    ("bl .-8", "BL", {"v": 0xFFFFFC}),
    ("blx .+0x10a", "BLX_imm", {"H": 1, "v": 0x40}),
    ("bx r3", "BX", {"m": 3}),
    ("bxj r4", "BXJ", {"m": 4}),
    ("blxne r5", "BLX_reg", {"m": 5}),
    ("mrs r1, apsr", "MRS", {"R": 0, "d": 1}),
    ("mrs r2, spsr", "MRS", {"R": 1, "d": 2}),
    ("mrs r0, r8_usr", "MRS_banked", {"R": 0, "m": 0, "M": 0, "d": 0}),
    ("mrs r2, spsr_fiq", "MRS_banked", {"R": 1, "m": 0xE, "M": 0, "d": 2}),
    ("mrs r4, sp_irq", "MRS_banked", {"R": 0, "m": 1, "M": 1, "d": 4}),
    ("msr elr_hyp, r3", "MSR_banked", {"R": 0, "m": 0xE, "M": 1, "n": 3}),
    ("msr sp_hyp, r1", "MSR_banked", {"R": 0, "m": 0xF, "M": 1, "n": 1}),
    ("msr spsr_svc, r6", "MSR_banked", {"R": 1, "m": 2, "M": 1, "n": 6}),
    ("msr cpsr_fc, r1", "MSR_reg", {"R": 0, "m": 9, "n": 1}),
    ("msr spsr_fsxc, r2", "MSR_reg", {"R": 1, "m": 15, "n": 2}),
    ("msr APSR_nzcvq, r7", "MSR_reg", {"R": 0, "m": 8, "n": 7}),
    ("msr APSR_g, r7", "MSR_reg", {"R": 0, "m": 4, "n": 7}),
    ("msr APSR_nzcvq, #0xf0000000", "MSR_imm", {"R": 0, "m": 8, "r": 2, "v": 0xF}),
    ("msr cpsr_c, #0xd3", "MSR_imm", {"R": 0, "m": 1, "r": 0, "v": 0xD3}),
    ("msr spsr_x, #0x200", "MSR_imm", {"R": 1, "m": 2}),
    ("cpsid aif, #0x13", "CPS", {"o": 3, "M": 1, "A": 1, "I": 1, "F": 1, "m": 0x13}),
    ("cpsie i", "CPS", {"o": 2, "M": 0, "A": 0, "I": 1, "F": 0, "m": 0}),
    ("cps #0x1f", "CPS", {"o": 0, "M": 1, "m": 0x1F}),
    ("setend be", "SETEND", {"E": 1}),
    ("setend le", "SETEND", {"E": 0}),
    ("srsdb sp!, #0x12", "SRS", {"P": 1, "U": 0, "W": 1, "m": 0x12}),
    ("srsia sp, #0x13", "SRS", {"P": 0, "U": 1, "W": 0, "m": 0x13}),
    ("rfeia r0!", "RFE", {"P": 0, "U": 1, "W": 1, "n": 0}),
    ("rfedb r1", "RFE", {"P": 1, "U": 0, "W": 0, "n": 1}),
    ("eret", "ERET", {}),
    ("svc #0x123456", "SVC", {"v": 0x123456}),
    ("svceq #1", "SVC", {"v": 1}),
    ("bkpt #0xabcd", "BKPT", {"v": 0xABCD}),
    ("hvc #0x1234", "HVC", {"v": 0x1234}),
    ("smc #5", "SMC", {"v": 5}),
    ("udf #0x1234", "UDF", {"v": 0x1234}),
    ("nop", "NOP", {}),
    ("yield", "YIELD", {}),
    ("wfe", "WFE", {}),
    ("wfi", "WFI", {}),
    ("sev", "SEV", {}),
    ("dbg #7", "DBG", {"o": 7}),
    (".inst 0xe320f005", "MSR_imm", {"R": 0, "m": 0}),  # SEVL: unallocated hint in v7
    ("clrex", "CLREX", {}),
    ("dsb sy", "DSB", {"o": 15}),
    ("dmb ish", "DMB", {"o": 11}),
    ("isb sy", "ISB", {"o": 15}),
    ("mrc p15, 0, r0, c1, c0, 0", "MCR_MRC", {"a": 0, "L": 1, "n": 1, "t": 0, "p": 15, "b": 0, "m": 0}),
    ("mcr p15, 0, r1, c7, c5, 6", "MCR_MRC", {"a": 0, "L": 0, "n": 7, "t": 1, "p": 15, "b": 6, "m": 5}),
    ("mrc p15, 0, APSR_nzcv, c7, c14, 3", "MCR_MRC", {"L": 1, "t": 15, "n": 7, "m": 14, "b": 3}),
    ("mrrc p15, 1, r0, r1, c2", "MCRR_MRRC", {"L": 1, "t": 0, "u": 1, "p": 15, "a": 1, "m": 2}),
    ("mcrr p15, 0, r2, r3, c2", "MCRR_MRRC", {"L": 0, "t": 2, "u": 3, "p": 15, "a": 0, "m": 2}),
]

# Words that belong to other families or are UNDEFINED: none of our lines
# may claim them.
NOT_OURS = [
    "add r0, r1, r2", "movs pc, lr", "tst r0, #1", "cmp r1, r2", "clz r0, r1",
    "qadd r0, r1, r2", "smlabb r0, r1, r2, r3", "mul r0, r1, r2", "ldr r0, [r1]",
    "strex r0, r1, [r2]", "pld [r0]", "ldm r0, {r1, r2}", "usat r0, #3, r1",
    "ldc p5, c1, [r0]", "cdp p5, 1, c1, c2, c3, 4", "mcr2 p15, 0, r0, c1, c0, 0",
    "stc2 p5, c1, [r0]", "movw r0, #0x1234", "movt r0, #0x1234",
    ".inst 0xe12ffe13",   # BX r3 with a should-be-one bit clear
    ".inst 0xe10f0001",   # MRS with a should-be-zero bit set
]


@needs_binutils
def test_decode_every_form():
    words = words_of([c[0] for c in DECODE_CASES])
    assert len(words) == len(DECODE_CASES)
    for (asm, name, fields), word in zip(DECODE_CASES, words):
        hit = SYS_DECODER.decode(word)
        assert hit is not None, asm
        pat, got = hit
        assert pat.name == name, (asm, hex(word))
        for k, v in fields.items():
            assert got[k] == v, (asm, k, got)


@needs_binutils
def test_no_claim_on_other_families():
    for asm, word in zip(NOT_OURS, words_of(NOT_OURS)):
        assert SYS_DECODER.decode(word) is None, (asm, hex(word))


def test_own_table_has_no_ambiguity():
    assert SYS_DECODER.ambiguities() == []


def _overlap(p, q):
    if (p.value ^ q.value) & p.mask & q.mask:
        return False
    # a conditional pattern never matches cond == 1111
    for cond_fixed, other in ((p, q), (q, p)):
        if cond_fixed.conditional and other.mask >> 28 == 0xF and other.value >> 28 == 0xF:
            return False
    return True


def test_merged_tables_do_not_overlap_ours():
    """Every other family's pattern that can match a word of one of our
    patterns is a problem: the more specific one silently wins."""
    pytest.importorskip("frontend.a32")
    from frontend.a32 import DECODER
    ours = {e.name for e in ENCODINGS_SYS}
    assert DECODER.ambiguities() == []
    mine = [p for p in DECODER.patterns if p.name in ours]
    others = [p for p in DECODER.patterns if p.name not in ours]
    clashes = [(p.name, q.name) for p in mine for q in others if _overlap(p, q)
               and not _vfp_space(q)]
    assert clashes == []
    # the exception: MCR/MRC and MCRR/MRRC with coproc = 101x are VFP (A5.6:
    # "coproc == 101x: see Advanced SIMD and Floating-point Extensions", A7)
    assert {p.name for p in mine for q in others if _overlap(p, q)} <= {"MCR_MRC", "MCRR_MRRC"}


def _vfp_space(q):
    from frontend.a32_vfp import ENCODINGS_VFP
    return q.name in {e.name for e in ENCODINGS_VFP} and (q.mask >> 9 & 7) == 7 \
        and (q.value >> 9 & 7) == 0b101


# ---- lifting (IR-level, translate-time decisions) ----------------------------

class FakeCp15:
    def __init__(self):
        self.calls = []

    def emit_access(self, ctx, cp, opc1, crn, crm, opc2, is64, is_read, rt, rt2):
        self.calls.append((cp, opc1, crn, crm, opc2, is64, is_read, rt, rt2))


def lift(word, mode=SVC, semihosting=False):
    """IR of one instruction as [(op name, {field: value})]."""
    b = IRBuilder()
    cp15 = FakeCp15()
    ctx = A32Context(b, mode, semihosting, cp15)
    ctx.pc, ctx.insn = 0x1000, word
    b.start_insn(0x1000, 0)
    pat, fields = SYS_DECODER.decode(word)
    pat.lift(ctx, **fields)
    out = []
    for opc, d, a, bb, c, aux, imm in b.ops:
        op = OPS[opc]
        vals = {"d": d, "a": a, "b": bb, "c": c, "aux": aux, "imm": imm}
        out.append((op.name, {f: vals[f] for f in op.fields.split()}))
    lift.cp15_calls = cp15.calls
    return out


def names(ops):
    return [n for n, _ in ops]


def is_undef(ops):
    return ops == [("raise_exc", {"aux": EXCP_UDEF, "imm": 0})]


def w(asm):
    return words_of([asm])[0]


@needs_binutils
def test_branch_targets():
    ops = lift(w("bl .+0x100"))
    assert ("movi", {"d": LR, "imm": 0x1004}) in ops
    assert ops[-1] == ("goto_tb", {"imm": 0x1100, "aux": 0})
    ops = lift(w("b .-0x1000"))
    assert ops == [("goto_tb", {"imm": 0x0, "aux": 0})]
    ops = lift(w("blx .+0x10a"))  # to Thumb at 0x110a
    assert ("movi", {"d": LR, "imm": 0x1004}) in ops
    assert ops[-1][0] == "bx"
    assert any(n == "movi" and f["imm"] == 0x110B for n, f in ops)


@needs_binutils
def test_blx_reg_reads_target_before_writing_lr():
    ops = lift(w("blx lr"))
    assert names(ops) == ["mov", "movi", "bx"]
    t = ops[0][1]["d"]
    assert ops[0][1]["a"] == LR and ops[2][1]["a"] == t
    assert is_undef(lift(w("blx pc")))


@needs_binutils
@pytest.mark.parametrize("asm", ["mrs r0, spsr", "msr spsr_c, r0", "srsdb sp!, #0x13",
                                 "mrs r0, sp_irq", "hvc #1", "smc #1", "eret", "rfeia r0"])
def test_undef_in_user_mode(asm):
    assert is_undef(lift(w(asm), mode=USR))


@needs_binutils
def test_cps_is_nop_in_user_mode_and_ends_block_when_privileged():
    assert lift(w("cpsid i"), mode=USR) == []
    ops = lift(w("cpsid aif, #0x1f"), mode=SVC)
    assert ops[-2] == ("cpsr_write", {"a": ops[0][1]["d"], "imm": 0x1DF})
    assert ops[0][1]["imm"] == 0x1DF
    assert ops[-1] == ("exit_tb", {"imm": 0x1004})
    ops = lift(w("cpsie if"), mode=SVC)
    assert ops[0][1]["imm"] == 0 and ops[1][1]["imm"] == 0xC0


@needs_binutils
def test_msr_masks_by_privilege():
    # User mode: flags, GE and E only; no block end for flags-only writes.
    assert lift(w("msr cpsr_fsxc, r1"), mode=USR) == [
        ("cpsr_write", {"a": 1, "imm": 0xF80F0200}), ("exit_tb", {"imm": 0x1004})]
    assert lift(w("msr APSR_nzcvq, r1"), mode=USR) == [("cpsr_write", {"a": 1, "imm": 0xF8000000})]
    assert lift(w("msr cpsr_c, r1"), mode=USR) == []
    assert lift(w("msr cpsr_fsxc, r1"), mode=SVC)[0] == ("cpsr_write", {"a": 1, "imm": 0xF80F03DF})
    assert lift(w("msr spsr_fx, r2"), mode=IRQ) == [("spsr_write", {"a": 2, "imm": 0xFF00FF00})]


@needs_binutils
def test_mrs_masks_execution_state_bits():
    assert lift(w("mrs r3, cpsr")) == [("cpsr_read", {"d": 3}),
                                       ("andi", {"d": 3, "a": 3, "imm": 0xF8FF03DF})]


def test_banked_access_rules():
    # own-mode registers and the shared r8-r12 outside FIQ mode are UNPREDICTABLE
    assert not banked_access_ok(IRQ, 0, 0x11)          # SP_irq from IRQ
    assert banked_access_ok(SVC, 0, 0x11)              # SP_irq from SVC
    assert not banked_access_ok(SVC, 0, 0x00)          # r8_usr from SVC
    assert banked_access_ok(FIQ, 0, 0x00)              # r8_usr from FIQ
    assert not banked_access_ok(SYS, 0, 0x05)          # SP_usr from System
    assert banked_access_ok(SVC, 0, 0x05)
    assert not banked_access_ok(FIQ, 1, 0x0E)          # SPSR_fiq from FIQ
    assert not banked_access_ok(SVC, 0, 0x1F)          # SP_hyp only from Monitor
    assert banked_access_ok(MON, 0, 0x1F)
    assert banked_access_ok(HYP, 0, 0x1E)              # ELR_hyp from Hyp
    assert not banked_access_ok(SVC, 0, 0x07)          # unallocated
    assert not banked_access_ok(USR, 0, 0x11)
    assert len(BANKED_REGS) == 7 + 7 + 5 * 2 + 2 + 7


@needs_binutils
def test_svc_and_semihosting():
    assert lift(w("svc #0x123456")) == [("raise_exc", {"aux": EXCP_SWI, "imm": 0x123456})]
    assert lift(w("svc #0x123456"), semihosting=True) == [
        ("raise_exc", {"aux": EXCP_SEMIHOST, "imm": 0x123456})]
    assert lift(w("bkpt #0x12"), mode=USR) == [("raise_exc", {"aux": EXCP_BKPT, "imm": 0x12})]
    assert lift(w("hvc #0xbeef")) == [("raise_exc", {"aux": EXCP_HVC, "imm": 0xBEEF})]
    assert lift(w("smc #3")) == [("raise_exc", {"aux": EXCP_SMC, "imm": 3})]
    assert is_undef(lift(w("udf #1")))


@needs_binutils
def test_hints_and_barriers():
    for asm in ("nop", "yield", "wfe", "sev", ".inst 0xe320f005", "dbg #3", "dmb", "dsb"):
        assert lift(w(asm)) == [], asm
    assert lift(w("wfi")) == [("wfi", {"imm": 0x1004})]
    assert lift(w("isb")) == [("exit_tb", {"imm": 0x1004})]
    assert lift(w("clrex")) == [("clrex", {})]


@needs_binutils
def test_coprocessor_routing():
    ops = lift(w("mrc p15, 0, r2, c0, c0, 5"))
    assert lift.cp15_calls == [(15, 0, 0, 0, 5, False, True, 2, 0)]
    lift(w("mrc p15, 0, APSR_nzcv, c7, c14, 3"))   # cp15 turns rt 15 into flags
    assert lift.cp15_calls == [(15, 0, 7, 14, 3, False, True, 15, 0)]
    lift(w("mrc p14, 0, r1, c0, c0, 0"))           # DBGDIDR: cp15 table decides
    assert lift.cp15_calls == [(14, 0, 0, 0, 0, False, True, 1, 0)]
    lift(w("mcrr p15, 0, r2, r3, c2"))
    assert lift.cp15_calls == [(15, 0, 0, 2, 0, True, False, 2, 3)]
    for asm in ("mrc p10, 7, r0, c0, c0, 0", "mcr p11, 0, r0, c0, c0, 0",
                "mcr p15, 0, pc, c7, c5, 0", ".inst 0xec511f02"):
        assert is_undef(lift(w(asm))), asm
        assert lift.cp15_calls == []


@needs_binutils
def test_srs_rfe_ir_shape():
    ops = lift(w("srsdb sp!, #0x12"), mode=SVC)
    assert names(ops) == ["banked_read", "spsr_read", "addi", "st", "st", "addi", "banked_write"]
    assert ops[0][1]["imm"] == 0x11 and ops[-1][1]["imm"] == 0x11
    assert ops[2][1]["imm"] == 0xFFFFFFF8                 # DB: base - 8
    ops = lift(w("srsia sp!, #0x13"), mode=SVC)   # own mode: plain SP
    assert "banked_read" not in names(ops) and ops[-1] == ("mov", {"d": SP, "a": ops[-2][1]["d"]})
    ops = lift(w("rfeia r0!"), mode=SYS)
    assert names(ops) == ["addi", "ld", "ld", "addi", "exc_return"]


# ---- execution ---------------------------------------------------------------

def _emulator():
    try:
        from tcg.emulator import Emulator
    except ImportError as e:
        pytest.skip("runtime not built: %s" % e)
    return Emulator


REGS = ["r%d" % i for i in range(13)] + ["sp", "lr", "pc", "cpsr"]
RAM = 0x10000


def run_ours(image, count, cpsr=0x1D3, pc=0, kind="count", **options):
    emu = _emulator()(**options)
    emu.map_ram(0, RAM)
    emu.mem_write(0, image)
    emu.reg_write("cpsr", cpsr)
    emu.reg_write("pc", pc)
    r = emu.run(count=count)
    assert r.kind == kind, r
    emu.stop = r
    return emu


def run_unicorn(image, count, cpsr=0x1D3):
    from unicorn import Uc, UC_ARCH_ARM, UC_MODE_ARM
    from unicorn import arm_const as A
    mu = Uc(UC_ARCH_ARM, UC_MODE_ARM)
    mu.ctl_set_cpu_model(A.UC_CPU_ARM_CORTEX_A15)
    mu.mem_map(0, RAM)
    mu.mem_write(0, image)
    mu.reg_write(A.UC_ARM_REG_CPSR, cpsr)
    mu.emu_start(0, 0xFFFFFFFF, count=count)
    ids = [getattr(A, "UC_ARM_REG_" + n.upper()) for n in REGS]
    return mu, {n: mu.reg_read(i) for n, i in zip(REGS, ids)}


def compare_with_unicorn(src, count, cpsr=0x1D3, mem=()):
    image = assemble(src)
    emu = run_ours(image, count, cpsr)
    mu, want = run_unicorn(image, count, cpsr)
    got = {n: emu.reg_read(n) for n in REGS}
    assert got == want, {n: (hex(got[n]), hex(want[n])) for n in REGS if got[n] != want[n]}
    for addr, n in mem:
        assert emu.mem_read(addr, n) == bytes(mu.mem_read(addr, n)), hex(addr)
    return got


@needs_binutils
def test_exec_branches_and_links():
    src = """
        mov r0, #0
        bl f1
        add r0, r0, #1
        adr r3, f2
        blx r3
        add r0, r0, #0x10
        b done
    f1: mov r1, lr
        bx lr
    f2: mov r2, lr
        msr APSR_nzcvq, #0x40000000   @ Z
        bxne lr
        bxeq lr
        mov r0, #0x55
    done: subs r4, r0, #0x11
        bne done
        b .
    """
    got = compare_with_unicorn(src, 16)
    assert got["r0"] == 0x11 and got["r1"] == 8 and got["r2"] == 20


@needs_binutils
def test_exec_conditional_branch_loops():
    """Taken and fall-through exits of one block, each run several times
    (chaining must keep the two targets apart)."""
    src = """
        mov r0, #5
        mov r1, #0
        mov r3, #0
    loop:
        add r1, r1, #1
        subs r0, r0, #1
        blne count
        bne loop
        mov r2, #9
        b .
    count:
        add r3, r3, #2
        bx lr
    """
    got = compare_with_unicorn(src, 3 + 5 * 4 + 4 * 2 + 3)
    assert (got["r1"], got["r2"], got["r3"]) == (5, 9, 8)


@needs_binutils
def test_exec_mode_switches_banked_sp_lr():
    src = """
        cps #0x12
        mov sp, #0x3000
        mov lr, #0x33
        cps #0x11
        mov r8, #0x88
        mov sp, #0x1100
        cps #0x13
        mov sp, #0x4000
        mov r8, #0x99
        mrs r0, cpsr
        orr r0, r0, #0x1f
        msr cpsr_c, r0
        mov sp, #0x5000
        mov lr, #0x55
        cps #0x12
        mov r4, sp
        mov r5, lr
        cps #0x11
        mov r6, r8
        mov r7, sp
        msr cpsr_c, #0x1f
        mov r9, sp
        msr cpsr_c, #0x10
        mov r10, sp
        cps #0x13
        msr cpsr_c, #0xd3
        mrs r11, cpsr
        mov r12, r8
        b .
    """
    got = compare_with_unicorn(src, 30)
    assert got["cpsr"] & 0x1F == USR
    assert (got["r4"], got["r5"], got["r6"], got["r7"]) == (0x3000, 0x33, 0x88, 0x1100)
    assert (got["r9"], got["r10"], got["r12"]) == (0x5000, 0x5000, 0x99)


@needs_binutils
def test_exec_spsr_round_trip_and_banked_msr_mrs():
    src = """
        ldr r1, =0xf80f0213
        msr spsr_fsxc, r1
        mrs r2, spsr
        mov r3, #0x40000000
        msr spsr_f, r3
        mrs r4, spsr
        ldr r5, =0x1234
        msr sp_irq, r5
        msr spsr_irq, r1
        cps #0x12
        mov r6, sp
        mrs r7, spsr
        mrs r8, sp_svc
        mrs r9, spsr_svc
        b .
        .ltorg
    """
    got = compare_with_unicorn(src, 15)
    assert got["r2"] == 0xF80F0213 and got["r4"] == 0x400F0213
    assert got["r6"] == 0x1234 and got["r7"] == 0xF80F0213 and got["r9"] == 0x400F0213


@needs_binutils
@pytest.mark.parametrize("am", ["ia", "ib", "da", "db"])
@pytest.mark.parametrize("wb", ["!", ""])
def test_exec_srs_rfe(am, wb):
    src = """
        cps #0x12
        mov sp, #0x3000
        cps #0x13
        ldr lr, =target
        ldr r0, =0x60000010
        msr spsr_fsxc, r0
        srs%(am)s sp%(wb)s, #0x12
        cps #0x12
        mov r1, sp
        mov r4, #0x3000
        rfe%(am)s r4%(wb)s
    target:
        mov r2, #7
        mov r3, sp
        b .
        .ltorg
    """ % {"am": am, "wb": wb}
    got = compare_with_unicorn(src, 15, mem=[(0x2FF0, 0x20)])
    assert got["cpsr"] & 0xF000001F == 0x60000010 and got["r2"] == 7
    step = {"ia": 8, "ib": 8, "da": -8, "db": -8}[am] if wb else 0
    assert got["r1"] == 0x3000 + step


SVC_PROGRAM = """
        b reset
        b .            @ 0x4 undef
        b svc_entry    @ 0x8
        b .
        b .
        b .
        b .
        b .
    reset:
        mov sp, #0x8000
        msr cpsr_c, #0x10     @ to User mode
        mov sp, #0x6000
        mov r0, #1
        msr APSR_nzcvq, #0x80000000
    call:
        svc #0x42
        add r0, r0, #1
        mrs r9, cpsr
        b .
    svc_entry:
        mrs r5, spsr
        mov r6, lr
        ldr r7, [lr, #-4]
        mrs r8, cpsr
        mov r10, sp
        movs pc, lr
"""


@needs_binutils
def test_exec_svc_entry_and_exception_return():
    image = assemble(SVC_PROGRAM)
    emu = run_ours(image, 18)
    call = image.index(words_of(["svc #0x42"])[0].to_bytes(4, "little"))
    r = {n: emu.reg_read(n) for n in REGS + ["r9"]}
    # ARM ARM B1.9.4 TakeSVCException: LR_svc = address of SVC + 4,
    # SPSR_svc = CPSR before, mode SVC, I = 1, T = 0, vector VBAR + 8.
    # CPSR before: reset 0x1d3, then CPSR_c = 0x10 keeps A (bit 8), N set
    assert r["r5"] == 0x80000110
    assert r["r6"] == call + 4
    assert r["r7"] & 0xFFFFFF == 0x42
    assert r["r8"] & 0x1F == SVC and r["r8"] & 0x80 and not r["r8"] & 0x20
    assert r["r10"] == 0x8000
    # MOVS pc, lr restored User mode and its SP
    assert r["r9"] & 0xF00001FF == 0x80000110
    assert r["sp"] == 0x6000 and r["r0"] == 2 and r["pc"] == call + 12


@needs_binutils
def test_exec_setend_changes_data_endianness():
    src = """
        ldr r0, =word
        setend be
        ldr r1, [r0]
        mrs r3, cpsr
        setend le
        ldr r2, [r0]
        b .
    word: .word 0x11223344
        .ltorg
    """
    got = compare_with_unicorn(src, 7)
    assert got["r1"] == 0x44332211 and got["r2"] == 0x11223344 and got["r3"] & 0x200


# Exception entry (ARM ARM B1.9): the instruction at 0x20 runs in User mode
# (CPSR 0x10, NZCV = 0b0100); the vectors hold `b .`.
VECTORS = "\n".join(["b ."] * 8) + "\n"
ENTRY_CASES = [
    # (instruction, vector, mode entered, CPSR bits set on entry)
    ("svc #0x42", 0x08, SVC, 0x080),
    ("udf #7", 0x04, UND, 0x080),
    ("bkpt #1", 0x0C, ABT, 0x180),              # prefetch abort: A and I
    ("mrs r0, spsr", 0x04, UND, 0x080),         # UNPREDICTABLE in User: UNDEF
    ("hvc #1", 0x04, UND, 0x080),               # UNDEF in User mode
    ("mcr p10, 7, r0, c8, c0, 0", 0x04, UND, 0x080),  # VMSR: VFP not yet
    ("ldc p5, c1, [r0]", 0x04, UND, 0x080),
]


@needs_binutils
@pytest.mark.parametrize("asm,vector,mode,bits", ENTRY_CASES)
def test_exec_exception_entry(asm, vector, mode, bits):
    image = assemble(VECTORS + asm + "\nb .\n")
    emu = run_ours(image, 2, cpsr=0x40000010, pc=0x20)
    assert emu.reg_read("pc") == vector
    assert emu.reg_read("cpsr") == 0x40000000 | bits | mode
    assert emu.reg_read("lr") == 0x24           # preferred return + 4 / next insn
    assert emu.reg_read("spsr") == 0x40000010


@needs_binutils
def test_exec_svc_semihosting_traps_to_handler():
    image = assemble(VECTORS + "mov r0, #0x18\nsvc #0x123456\nmov r1, #1\nb .\n")
    seen = []
    emu = _emulator()(semihosting=True)
    emu.map_ram(0, RAM)
    emu.mem_write(0, image)
    emu.reg_write("cpsr", 0x1D3)
    emu.reg_write("pc", 0x20)
    emu.semihost_handler = lambda e: seen.append(e.reg_read("r0"))
    r = emu.run(count=4)
    assert seen == [0x18] and r.kind == "count"
    assert emu.reg_read("r1") == 1 and emu.reg_read("pc") == 0x2C


@needs_binutils
def test_exec_hvc_handler_and_wfi_halt():
    image = assemble(VECTORS + "hvc #0x77\nmov r1, #1\nwfi\nmov r2, #2\n")
    emu = _emulator()()
    emu.map_ram(0, RAM)
    emu.mem_write(0, image)
    emu.reg_write("cpsr", 0x1D3)   # SVC, IRQ and FIQ masked: nothing wakes WFI
    emu.reg_write("pc", 0x20)
    calls = []
    emu.hvc_handler = lambda e, imm: calls.append(imm) or True
    r = emu.run(count=100)
    assert calls == [0x77] and r.kind == "halt"
    assert emu.reg_read("r1") == 1 and emu.reg_read("r2") == 0
    assert emu.reg_read("pc") == 0x2C           # WFI's next instruction


def test_msr_spsr_leaves_the_reserved_bits():
    """SPSRWriteByInstr (ARM ARM B1.3.3): the s byte writes GE (19:16) only,
    bits 23:20 are reserved and keep their value; f, x and c write their
    whole byte."""
    from frontend.a32_sys import spsr_write_mask
    assert spsr_write_mask(0b1111) == 0xFF0FFFFF
    assert spsr_write_mask(0b0100) == 0x000F0000
    assert spsr_write_mask(0b1000) == 0xFF000000
    assert spsr_write_mask(0b0011) == 0x0000FFFF
