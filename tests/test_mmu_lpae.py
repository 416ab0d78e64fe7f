"""The long-descriptor (LPAE) MMU through the system guest
tests/sysguest/mmu_lpae.c, on armtcg and on QEMU 7.2, against ARM ARM DDI 0406C:

  B3.6   long-descriptor format: TTBCR.EAE, T0SZ/T1SZ (Table B3-7), EPDn,
         level 1 (1 GB) / level 2 (2 MB) blocks, level 3 pages, table
         descriptors' APTable/XNTable/PXNTable
  B3.7   AP[2:1] (Table B3-9), AF (no hardware update: AF = 0 faults), XN/PXN
  B3.8.4 MAIR0/MAIR1 attribute indexes
  B3.9   ASID in TTBR0[55:48] with nG entries; B3.10 TLB maintenance
  B3.12.4 long-descriptor DFSR/IFSR: STATUS[5:0], LPAE (bit 9) = 1, WnR (bit 11);
         STATUS encodings of Table B3-24
  B4.1.113 PAR, 64-bit format (LPAE = bit 11)
"""

import struct

import pytest

import guestlib
from tcg.emulator import Emulator
from tests.asm import assemble
from test_mmu_short import check, dabt, pabt, word

LPAE = 0x200
WNR = 0x800


# Table B3-24 (long-descriptor STATUS), level in bits 1:0
def xlat(level):
    return LPAE | 0x04 | level


def af(level):
    return LPAE | 0x08 | level


def perm(level):
    return LPAE | 0x0C | level


EXTERNAL = LPAE | 0x10                    # synchronous external abort, not on a walk


def external_walk(level):
    return LPAE | 0x14 | level


ALIGN = LPAE | 0x21


def par64(value):
    return "%016x" % value


# PAR 64-bit success form: ATTR[63:56], PA[39:12], LPAE[11], NS[9], SH[8:7], F = 0
def par_ok(pa, attr, sh):
    return par64(attr << 56 | pa | 1 << 11 | 1 << 9 | sh << 7)


# fault form: LPAE[11], FS[6:1] = the STATUS, F = 1
def par_fault(status):
    return par64(1 << 11 | (status & 0x3F) << 1 | 1)


EXPECTED = [
    ("mmu_on", "1 ttbcr 80000000"),
    ("block_l2", word(0x11110001)),                       # 2 MB block: OA[39:21] | VA[20:0]
    ("page_l3", word(0x44440000)),
    ("block_l1", word(0x11110001)),                       # 1 GB block at level 1
    ("block_l1_pl0", dabt(perm(1), 0xC4000104)),          # AP[2:1] = 00: PL1 only
    ("xlat_l3", dabt(xlat(3), 0x80201000)),
    ("xlat_l3_reserved", dabt(xlat(3), 0x80208000)),      # 0b01 at level 3 is invalid
    ("xlat_l2", dabt(xlat(2), 0x80400000)),
    ("af_l3", dabt(af(3), 0x80202020)),
    ("af_l2", dabt(af(2), 0x80600104)),
    ("perm_l3_ro_write", dabt(perm(3) | WNR, 0x80203000)),   # AP[2:1] = 11: RO at both
    ("perm_l3_ro_read_pl0", word(0x44440000)),
    ("perm_l3_priv_pl0", dabt(perm(3), 0x80204020)),
    ("perm_l2_ro_write", dabt(perm(2) | WNR, 0x80800000)),
    ("exec_l3", word(7)),
    ("exec_l3_xn", pabt(perm(3), 0x80205000)),
    ("exec_l3_pxn", pabt(perm(3), 0x80207000)),
    # APTable[1] = 1: no writes below; APTable[0] = 1: no PL0 access below;
    # XNTable / PXNTable: XN / PXN below (B3.6.1)
    ("aptable_ro_read", word(0x44440000)),
    ("aptable_ro_write", dabt(perm(3) | WNR, 0x80A00000)),
    ("aptable_ro_read_pl0", word(0x44440000)),
    ("aptable_nopl0_read", word(0x44440000)),
    ("aptable_nopl0_read_pl0", dabt(perm(3), 0x80C00020)),
    ("xntable_exec", pabt(perm(3), 0x80E00000)),
    ("pxntable_exec", pabt(perm(3), 0x81000000)),
    ("pxn_block_exec", pabt(perm(2), 0x81200000)),
    # MAIR0 attr 1 = Device: unaligned accesses fault (A3.2.1); SCTLR.A too
    ("device_unaligned", dabt(ALIGN, 0x81400101)),
    ("normal_unaligned", word(0x01111100)),
    ("sctlr_a_unaligned", dabt(ALIGN, 0x80000101)),
    # output address 0x1_0000_0000: our bus decodes 32 bits, nothing answers
    ("above_4g_read", dabt(EXTERNAL, 0x81800000)),
    ("walk_above_4g", dabt(external_walk(3), 0x81A00000)),   # the level 3 table is there
    # B4.1.113: ATTR is the MAIR byte of AttrIndx, SH the descriptor's
    ("ats_block", par_ok(0x44000000, 0xFF, 3)),
    ("ats_par32", word(0x44000000 | 1 << 11 | 1 << 9 | 3 << 7)),   # MRC: PAR[31:0]
    ("ats_page", par_ok(0x44200000, 0xFF, 3)),
    ("ats_block_l1", par_ok(0x44000000, 0xFF, 3)),
    ("ats_device", par_ok(0x44000000, 0x04, 2)),           # Device is Outer Shareable
    ("ats_mair1", par_ok(0x44000000, 0xBB, 2)),           # AttrIndx 4 = MAIR1[7:0]
    ("ats_above_4g", par_ok(0x100000000, 0xFF, 3)),       # PAR holds the 40-bit PA
    ("ats_cpw_ro", par_fault(perm(2))),
    ("ats_cur_priv", par_fault(perm(3))),
    ("ats_cuw_ro", par_fault(perm(3))),
    ("ats_cur_ro", par_ok(0x44200000, 0xFF, 3)),
    ("ats_xlat_l2", par_fault(xlat(2))),
    ("ats_af_l3", par_fault(af(3))),
    # Table B3-7: T0SZ = T1SZ = 1 splits at 2 GB; T1SZ = 2 leaves [2 GB, 3 GB)
    # to neither (level 1 translation fault); TTBR1 then starts at level 2
    ("t1sz1_ttbr1", word(0x55550001)),
    ("t1sz1_ttbr0", word(0xE59FF018)),                    # the vector table
    ("t1sz2_ttbr1", word(0x55550001)),
    ("t1sz2_gap", dabt(xlat(1), 0x80000104)),
    ("epd1", dabt(xlat(1), 0xC0000104)),                  # EPD1: no walk through TTBR1
    ("t0sz0", word(0x11110001)),
] + [
    line for _ in range(2) for line in (
        ("asid1_data", word(0xA0A00000)), ("asid1_code", word(1)),
        ("asid2_data", word(0xB0B00000)), ("asid2_code", word(2)))
] + [
    ("tlb_before", word(0xC0C00000)),
    ("tlbimva", word(0xD0D00000)),
    ("tlbiasid", word(0xC0C00000)),
    ("tlbimvaa", word(0xD0D00000)),
    ("block_before", word(0xE0E00000)),
    ("block_tlbimva", word(0xF0F00000)),                  # the whole 2 MB entry went
    ("done", None),
]

QEMU_DIFFERS = {
    # QEMU (before 9.0) does not fault unaligned accesses to Device memory
    "device_unaligned": word(0x01111100),
    # QEMU reads the level 3 descriptor at PA 0x1_0000_0000 as 0 (a
    # translation fault) where nothing is mapped; the data access there is
    # an external abort on QEMU too
    "walk_above_4g": dabt(xlat(3), 0x81A00000),
}


test_mmu_lpae_on_armtcg, test_mmu_lpae_on_armtcg_engines, test_mmu_lpae_on_qemu = \
    guestlib.sysguest_tests("mmu_lpae", check, EXPECTED, QEMU_DIFFERS)


# -- table walks set up from Python, checked through CPU.translate_address ------------

def lpae_machine(ttbcr, ttbr0, ttbr1=0, sctlr_extra=0):
    emu = Emulator()
    emu.map_ram(0, 0x100000)
    emu.reg_write("ttbcr", 1 << 31 | ttbcr)
    emu.reg_write("ttbr0_lo", ttbr0)
    emu.reg_write("ttbr1_lo", ttbr1)
    emu.reg_write("prrr", 0xFF)                          # MAIR0 attr 0: Normal WB
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 | sctlr_extra)
    return emu


def put64(emu, addr, value, big=False):
    emu.mem_write(addr, struct.pack(">Q" if big else "<Q", value))


BLOCK_RW = (1 << 10) | (1 << 6) | 1                      # AF, AP[2:1] = 01, block


def test_t0sz2_starts_ttbr0_at_level2_and_ttbr1_takes_the_rest():
    # Table B3-7: T0SZ = 2, T1SZ = 0 -> TTBR0 for [0, 1 GB) with a level 2
    # start (B3.6.6), TTBR1 for [1 GB, 4 GB) with a level 1 start
    emu = lpae_machine(ttbcr=2, ttbr0=0x1000, ttbr1=0x2000)
    put64(emu, 0x1000 + 8 * 1, 0x00400000 | BLOCK_RW)      # VA 2 MB -> PA 4 MB
    put64(emu, 0x2000 + 8 * 2, 0x40000000 | BLOCK_RW)      # VA 2 GB -> PA 1 GB (level 1)
    assert emu.cpu.translate_address(0x00212345) == (0x00412345, None)
    assert emu.cpu.translate_address(0x80012345) == (0x40012345, None)
    assert emu.cpu.translate_address(0x00400000) == (None, LPAE | 0x06)   # level 2 translation
    assert emu.cpu.translate_address(0x40000000) == (None, LPAE | 0x05)   # level 1 translation


def test_epd0_disables_walks_through_ttbr0():
    emu = lpae_machine(ttbcr=1 | 1 << 7 | 1 << 16, ttbr0=0x1000, ttbr1=0x2000)
    put64(emu, 0x1000, 0x00000000 | BLOCK_RW)
    assert emu.cpu.translate_address(0x123) == (None, LPAE | 0x05)       # EPD0: level 1 fault


def test_big_endian_walk_lpae():
    # SCTLR.EE: translation tables are read big-endian (B3.6, B4.1.130)
    emu = lpae_machine(ttbcr=0, ttbr0=0x1000, sctlr_extra=1 << 25)
    put64(emu, 0x1000 + 8 * 1, 0x40000000 | BLOCK_RW, big=True)
    assert emu.cpu.translate_address(0x40001234) == (0x40001234, None)


def test_big_endian_walk_short():
    emu = Emulator()
    emu.map_ram(0, 0x100000)
    emu.mem_write(0x4000 + 4 * 0x800, struct.pack(">I", 0x00000C02))  # section, AP=011
    emu.reg_write("ttbr0_lo", 0x4000)
    emu.reg_write("dacr", 1)
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 | 1 << 25)
    assert emu.cpu.translate_address(0x80001234) == (0x00001234, None)


def test_device_memory_is_outer_shareable_in_par():
    # Device and Strongly-ordered memory is Outer Shareable whatever the
    # descriptor's SH (pseudocode TranslationTableWalkLD); PAR.SH = 0b10
    emu = lpae_machine(ttbcr=0, ttbr0=0x1000)
    emu.reg_write("prrr", 0x04FF)                          # attr 1: Device
    put64(emu, 0x1000, 0x00000000 | 1 << 2 | BLOCK_RW)     # AttrIndx 1, SH = 00
    emu.mem_write(0x2000, assemble("mcr p15, 0, r0, c7, c8, 0\nmrrc p15, 0, r1, r2, c7"))
    emu.reg_write("r0", 0x100)
    emu.reg_write("pc", 0x2000)
    emu.run(count=2)
    assert emu.reg_read("r1") == 1 << 11 | 1 << 9 | 2 << 7
    assert emu.reg_read("r2") == 0x04 << 24


def test_apt_table_limits_combine_over_levels():
    # APTable bits accumulate: level 1 says no PL0, level 2 says no writes
    emu = lpae_machine(ttbcr=0, ttbr0=0x1000)
    put64(emu, 0x1000 + 8 * 2, 0x2000 | 1 << 61 | 3)       # VA 2 GB: table, APTable[0]
    put64(emu, 0x2000, 0x3000 | 1 << 62 | 3)                # table, APTable[1]
    put64(emu, 0x3000, 0x5000 | (1 << 10) | (1 << 6) | 3)   # page, AP = 01 (RW at both)
    assert emu.cpu.translate_address(0x80000000) == (0x5000, None)
    assert emu.cpu.translate_address(0x80000000, 1) == (None, LPAE | 0x0F)
    assert emu.cpu.translate_address(0x80000000, 0, True) == (None, LPAE | 0x0F)
