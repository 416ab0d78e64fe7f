"""Exceptions, memory faults, the MMU walk and translated-code
invalidation, checked against the ARM ARM (DDI0406C) rules:
B1.8 exception entry, B3.5 short-descriptor translation, B3.13 fault
status encodings."""

import struct

import pytest

from tcg.emulator import Emulator
from tests.asm import assemble, have_toolchain
from tests.mmu_util import flat_normal_memory

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

MODE_USR, MODE_FIQ, MODE_IRQ, MODE_SVC, MODE_ABT, MODE_UND = 0x10, 0x11, 0x12, 0x13, 0x17, 0x1B
B_SELF = struct.pack("<I", 0xEAFFFFFE)   # b .


def make(code_at=0x1000, code="", ram=0x100000):
    """RAM at 0 (vectors at 0 since VBAR = 0, SCTLR.V = 0), each vector a
    branch-to-self, code at code_at, SVC mode with interrupts masked."""
    emu = Emulator()
    emu.map_ram(0, ram)
    emu.mem_write(0, B_SELF * 8)
    if code:
        emu.mem_write(code_at, assemble(code))
    emu.reg_write("pc", code_at)
    return emu


def mode(emu):
    return emu.reg_read("cpsr") & 0x1F


def test_undefined_instruction_enters_undef_mode():
    emu = make(code="mov r0, #5\n.word 0xe7f000f0")   # UDF #0
    before = emu.reg_read("cpsr")
    emu.run(count=2)
    assert emu.reg_read("pc") == 0x04
    assert mode(emu) == MODE_UND
    assert emu.reg_read("lr") == 0x1004 + 4          # LR_und = insn + 4
    assert emu.reg_read("spsr") == before
    assert emu.reg_read("cpsr") & 0x80               # I set
    assert emu.reg_read("r0") == 5


def test_svc_enters_svc_mode_with_return_address():
    emu = make(code="msr cpsr_c, #0x10\nsvc #42")      # to User mode, then SVC
    emu.run(count=2)
    assert emu.reg_read("pc") == 0x08 and mode(emu) == MODE_SVC
    assert emu.reg_read("lr") == 0x1008
    assert emu.reg_read("spsr") & 0x1F == MODE_USR


def test_jump_to_unmapped_memory_is_a_prefetch_abort():
    emu = make()
    emu.reg_write("pc", 0x80000000)
    emu.run(count=1)
    assert emu.reg_read("pc") == 0x0C and mode(emu) == MODE_ABT
    assert emu.reg_read("lr") == 0x80000004
    assert emu.reg_read("ifar") == 0x80000000
    assert emu.reg_read("ifsr") & 0x40F == 0x008    # synchronous external abort


def test_load_from_unmapped_memory_is_a_data_abort():
    emu = make(code="mov r0, #7\nldr r0, [r1, #4]")
    emu.reg_write("r1", 0x90000000)
    # two instructions: the MOV, then the LDR, which enters the abort (an
    # exception entered counts as the instruction that raised it)
    emu.run(count=2)
    assert emu.icount == 2
    assert emu.reg_read("pc") == 0x10                # Data Abort vector, VBAR 0 (B1.8.1)
    assert mode(emu) == MODE_ABT
    assert emu.reg_read("lr") == 0x1004 + 8          # LR_abt = insn + 8
    assert emu.reg_read("dfar") == 0x90000004
    assert emu.reg_read("dfsr") & 0xC0F == 0x008     # external abort, read (WnR = 0)
    assert emu.reg_read("r0") == 7                   # destination untouched


def test_store_abort_sets_wnr():
    emu = make(code="str r0, [r1]")
    emu.reg_write("r1", 0xA0000000)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0x800


def normal_memory(emu):
    """Flat 1:1 MMU map of Normal memory (table at 0x80000)."""
    flat_normal_memory(emu, 0x80000)


def test_unaligned_access_faults_with_mmu_off():
    # MMU off: data memory is Strongly-ordered, and an unaligned access to
    # it is an alignment fault whatever SCTLR.A says (ARM ARM A3.2.1, B3.2.1).
    emu = make(code="mov r0, #9\nldr r0, [r2]")
    emu.reg_write("r2", 0x2001)
    emu.run(count=2)
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0x40F == 0x001
    assert emu.reg_read("dfar") == 0x2001 and emu.reg_read("r0") == 9


def test_alignment_rules_for_normal_memory():
    # Normal memory, SCTLR.A == 0: LDR may be unaligned (little-endian bytes);
    # LDRD needs word alignment regardless: alignment fault, FS = 0b00001.
    emu = make(code="ldr r0, [r2]\nldrd r4, r5, [r2]")
    normal_memory(emu)
    emu.mem_write(0x2000, bytes(range(16)))
    emu.reg_write("r2", 0x2001)
    emu.run(count=2)
    assert emu.reg_read("r0") == 0x04030201
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0x40F == 0x001
    assert emu.reg_read("dfar") == 0x2001


def test_sctlr_a_makes_every_unaligned_access_fault():
    emu = make(code="ldr r0, [r2]")
    normal_memory(emu)
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 2)
    emu.reg_write("r2", 0x2002)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0x40F == 0x001


def test_unaligned_access_across_a_page_boundary():
    emu = make(code="ldr r0, [r2]\nstr r1, [r3]")
    normal_memory(emu)
    emu.mem_write(0x2FFE, b"\x11\x22\x33\x44")
    emu.reg_write("r2", 0x2FFE)
    emu.reg_write("r3", 0x3FFD)
    emu.reg_write("r1", 0xAABBCCDD)
    emu.run(count=2)
    assert emu.reg_read("r0") == 0x44332211
    assert emu.mem_read(0x3FFD, 4) == bytes([0xDD, 0xCC, 0xBB, 0xAA])


def test_setend_be_swaps_data_accesses():
    emu = make(code="setend be\nldr r0, [r2]\nldrh r1, [r2]\nstr r0, [r2, #4]\nsetend le")
    emu.mem_write(0x2000, bytes([1, 2, 3, 4]))
    emu.reg_write("r2", 0x2000)
    emu.run(count=5)
    assert emu.reg_read("r0") == 0x01020304
    assert emu.reg_read("r1") == 0x0102
    assert emu.mem_read(0x2004, 4) == bytes([1, 2, 3, 4])
    assert not emu.reg_read("cpsr") & (1 << 9)


def test_guest_store_invalidates_translated_code():
    # Run a block, overwrite one of its instructions from the guest, run again.
    emu = make(code_at=0x1000, code="mov r0, #1\nb .")
    emu.run(count=2)
    assert emu.reg_read("r0") == 1
    patch = assemble("mov r0, #2")
    prog = assemble(".org 0\nstr r2, [r3]\nldr pc, =0x1000\n.ltorg")
    emu.mem_write(0x3000, prog)
    emu.reg_write("r2", struct.unpack("<I", patch)[0])
    emu.reg_write("r3", 0x1000)
    emu.reg_write("pc", 0x3000)
    emu.run(count=3)
    assert emu.reg_read("r0") == 2


def test_host_write_invalidates_translated_code():
    emu = make(code_at=0x1000, code="mov r0, #1\nb .")
    emu.run(count=2)
    emu.mem_write(0x1000, assemble("mov r0, #3"))
    emu.reg_write("pc", 0x1000)
    emu.run(count=1)
    assert emu.reg_read("r0") == 3


def test_exact_instruction_counts():
    emu = make(code="\n".join("add r0, r0, #1" for _ in range(40)) + "\nb .")
    r = emu.run(count=7)
    assert r.kind == "count" and emu.reg_read("r0") == 7 and emu.icount == 7
    emu.run(count=10)
    assert emu.reg_read("r0") == 17 and emu.reg_read("pc") == 0x1000 + 17 * 4


def test_irq_line_is_taken_when_unmasked():
    emu = make(code="cpsie i\nloop: add r0, r0, #1\nb loop")
    emu.mem_write(0x18, B_SELF)
    emu.cpu.set_irq_line(1, True)
    emu.run(count=10)
    assert mode(emu) == MODE_IRQ and emu.reg_read("pc") == 0x18
    # LR_irq = address of the next instruction to execute + 4
    assert emu.reg_read("lr") == 0x1004 + 4
    assert emu.reg_read("spsr") & 0x80 == 0


# -- MMU: short-descriptor translation (ARM ARM B3.5)

L1 = 0x4000       # 16 KiB aligned first-level table
L2 = 0x8000


def section(pa, ap, domain=0, xn=0):
    return (pa & 0xFFF00000) | ((ap >> 2) << 15) | ((ap & 3) << 10) | (domain << 5) | (xn << 4) | 2


def small_page(pa, ap, xn=0):
    return (pa & 0xFFFFF000) | ((ap >> 2) << 9) | ((ap & 3) << 4) | 2 | xn


def mmu_machine(code):
    emu = make(code=code)
    emu.mem_write(L1, struct.pack("<I", section(0, 3)))                       # VA 0 -> PA 0
    emu.mem_write(L1 + 4 * 0x800, struct.pack("<I", section(0x00000000, 3)))  # 0x80000000 -> 0
    emu.mem_write(L1 + 4 * 0x801, struct.pack("<I", section(0x00000000, 1)))  # priv only
    emu.mem_write(L1 + 4 * 0x802, struct.pack("<I", L2 | (1 << 5) | 1))       # page table, domain 1
    emu.mem_write(L2 + 4 * 3, struct.pack("<I", small_page(0x0000B000, 3)))  # 0x80203000 -> 0xB000
    emu.reg_write("ttbr0_lo", L1)
    emu.reg_write("ttbcr", 0)
    emu.reg_write("dacr", 0x1 | (0x1 << 2))    # domains 0 and 1: client
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1)
    return emu


def test_mmu_section_and_small_page_translation():
    emu = mmu_machine("ldr r0, [r1]\nldr r4, [r3]")
    emu.mem_write(0x0010, struct.pack("<I", 0x12345678))
    emu.mem_write(0xB024, struct.pack("<I", 0xCAFEF00D))
    emu.reg_write("r1", 0x80000010)
    emu.reg_write("r3", 0x80203024)
    emu.run(count=2)
    assert emu.reg_read("r0") == 0x12345678
    assert emu.reg_read("r4") == 0xCAFEF00D


def test_mmu_translation_fault():
    emu = mmu_machine("ldr r0, [r1]")
    emu.reg_write("r1", 0x90000000)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT
    assert emu.reg_read("dfsr") & 0x40F == 0x005     # section translation fault
    assert emu.reg_read("dfar") == 0x90000000


def test_mmu_page_translation_fault_reports_domain():
    emu = mmu_machine("ldr r0, [r1]")
    emu.reg_write("r1", 0x80204000)                    # L2 entry 4 is empty
    emu.run(count=1)
    assert emu.reg_read("dfsr") & 0x4FF == 0x017       # page translation fault, domain 1


def test_mmu_permission_fault_on_unprivileged_access():
    emu = mmu_machine("ldr r0, [r1]\nldrt r2, [r1]")
    emu.reg_write("r1", 0x80100000)
    emu.run(count=2)
    assert mode(emu) == MODE_ABT                       # the LDRT (User access) faulted
    assert emu.reg_read("lr") == 0x1004 + 8
    assert emu.reg_read("dfsr") & 0x40F == 0x00D       # section permission fault


def test_mmu_domain_no_access():
    emu = mmu_machine("ldr r0, [r1]")
    emu.reg_write("dacr", 0x1)                         # domain 1: no access
    emu.reg_write("r1", 0x80203000)
    emu.run(count=1)
    assert emu.reg_read("dfsr") & 0x4FF == 0x01B       # page domain fault, domain 1


def test_data_stores_next_to_code_keep_translations():
    # A loop storing to data in its own page must not re-translate itself;
    # a store over its code must.
    emu = make(code_at=0x1000, code="loop: str r0, [r1]\nadd r0, r0, #1\ncmp r0, #100\nbne loop\nb .")
    emu.reg_write("r1", 0x1800)                      # same 4 KiB page as the code
    emu.run(count=4 * 100)
    assert emu.reg_read("r0") == 100
    assert emu.translations[(0x1000, emu.cpu.tb_flags())] == 1
    assert emu.mem_read(0x1800, 4) == struct.pack("<I", 99)
    # a patcher in the same page stores over "add r0, r0, #1", then jumps back
    emu.mem_write(0x1100, assemble(".org 0\nstr r2, [r3]\nldr pc, =0x1000\n.ltorg"))
    emu.reg_write("r2", struct.unpack("<I", assemble("add r0, r0, #2"))[0])
    emu.reg_write("r3", 0x1004)
    emu.reg_write("r0", 0)
    emu.reg_write("pc", 0x1100)
    emu.run(count=4)                                 # str, ldr pc, str, add
    assert emu.translations[(0x1000, emu.cpu.tb_flags())] == 2
    assert emu.reg_read("r0") == 2


def test_mmu_device_memory_faults_unaligned_normal_memory_does_not():
    # Section 0x800 is TEX=000 C=0 B=0: Strongly-ordered; section 0x803 is
    # TEX=001 C=1 B=1: Normal.  Unaligned LDR with SCTLR.A == 0 (A3.2.1).
    emu = mmu_machine("ldr r0, [r1]\nldr r2, [r3]")
    normal = section(0, 3) | (1 << 12) | (1 << 3) | (1 << 2)
    emu.mem_write(L1 + 4 * 0x803, struct.pack("<I", normal))
    emu.mem_write(0x10, bytes(range(8)))
    emu.reg_write("r1", 0x80300011)
    emu.reg_write("r3", 0x80000011)
    emu.run(count=2)
    assert emu.reg_read("r0") == 0x04030201
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0x40F == 0x001
    assert emu.reg_read("dfar") == 0x80000011


def test_mmu_tex_remap_uses_prrr():
    # SCTLR.TRE: TEX[0]:C:B = 0 selects PRRR.TR0; TR0 = 0b10 makes it Normal,
    # so the unaligned access to the (otherwise Strongly-ordered) section works.
    emu = mmu_machine("ldr r0, [r1]")
    emu.reg_write("prrr", 0b10)
    emu.reg_write("sctlr", emu.reg_read("sctlr") | (1 << 28))
    emu.mem_write(0x10, bytes(range(8)))
    emu.reg_write("r1", 0x80000011)
    emu.run(count=1)
    assert emu.reg_read("r0") == 0x04030201 and mode(emu) == MODE_SVC
