"""Address translation operations (ARM ARM DDI 0406C B4.2.3) and the MMU
rules the system guests (tests/sysguest/mmu_*.c) do not reach: who may
issue ATS, PAR with the MMU off, WXN/UWXN, the order of Access flag and
domain checks, external aborts on walks, and the FSR format of a BKPT."""

import struct

import pytest

from tcg.emulator import Emulator
from tests.asm import assemble, have_toolchain

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

MODE_SVC, MODE_ABT, MODE_UND = 0x13, 0x17, 0x1B
B_SELF = struct.pack("<I", 0xEAFFFFFE)
L1 = 0x4000
L2 = 0x8000
NS = 1 << 9


def mode(emu):
    return emu.reg_read("cpsr") & 0x1F


def make(code, mmu=True, ident_ap=3):
    """RAM at 0, vectors branch-to-self, code at 0x1000; with mmu, VA 0-1 MB
    is an identity section (Normal, AP = ident_ap, domain 0)."""
    emu = Emulator()
    emu.map_ram(0, 0x100000)
    emu.mem_write(0, B_SELF * 8)
    emu.mem_write(0x1000, assemble(code))
    emu.reg_write("pc", 0x1000)
    if mmu:
        emu.mem_write(L1, struct.pack("<I", section(0, ident_ap)))
        emu.reg_write("ttbr0_lo", L1)
        emu.reg_write("ttbcr", 0)
        emu.reg_write("dacr", 0x55)
        emu.reg_write("sctlr", emu.reg_read("sctlr") | 1)
    return emu


NORMAL = (1 << 12) | (1 << 3) | (1 << 2)     # TEX=001 C=1 B=1


def section(pa, ap, domain=0, extra=NORMAL):
    return (pa & 0xFFF00000) | ((ap >> 2) << 15) | ((ap & 3) << 10) | (domain << 5) | extra | 2


def put_l1(emu, index, desc):
    emu.mem_write(L1 + 4 * index, struct.pack("<I", desc))


# -- who may issue an ATS operation --------------------------------------------

def test_ats_at_pl0_is_undefined():
    # ATS1CPR is PL1-only (B4.2.3): UNDEF from User mode
    emu = make("mcr p15, 0, r0, c7, c8, 0", mmu=False)
    emu.reg_write("cpsr", 0x10)
    emu.run(count=1)
    assert mode(emu) == MODE_UND and emu.reg_read("pc") == 0x4


@pytest.mark.parametrize("opc2", [4, 5, 6, 7])
def test_ats12nso_undefined_without_security_extensions(opc2):
    # ATS12NSO* exist only with the Security Extensions (B4.1.12); ID_PFR1
    # says this CPU has none, and QEMU's virt A15 (no EL3) UNDEFs them too
    emu = make("mcr p15, 0, r0, c7, c8, %d" % opc2, mmu=False)
    emu.run(count=1)
    assert mode(emu) == MODE_UND


# -- PAR contents ----------------------------------------------------------------

def test_ats_with_mmu_off_is_flat_strongly_ordered():
    # MMU off: PA = VA; data accesses are Strongly-ordered (B3.2.1), so PAR
    # has Inner = 0b001 and SH = 1 (B4.1.113); NS = 1 (no Security Extensions)
    emu = make("mcr p15, 0, r0, c7, c8, 0\nmrc p15, 0, r1, c7, c4, 0", mmu=False)
    emu.reg_write("r0", 0x12345678)
    emu.run(count=2)
    assert emu.reg_read("r1") == 0x12345000 | NS | 1 << 7 | 0b001 << 4


def test_ats_with_mmu_off_lpae_format():
    # TTBCR.EAE = 1 selects the 64-bit PAR: LPAE = bit 11, ATTR 0x00
    # (Strongly-ordered), SH = 0b10 (outer shareable)
    emu = make("mcr p15, 0, r0, c7, c8, 1\nmrrc p15, 0, r1, r2, c7", mmu=False)
    emu.reg_write("ttbcr", 1 << 31)
    emu.reg_write("r0", 0x87654321)
    emu.run(count=2)
    assert emu.reg_read("r1") == 0x87654000 | 1 << 11 | NS | 2 << 7
    assert emu.reg_read("r2") == 0


def test_ats_fault_raises_nothing_and_keeps_fault_registers():
    # an ATS that faults reports in PAR only (B4.2.3): no abort, DFSR kept
    emu = make("mcr p15, 0, r0, c7, c8, 0\nmrc p15, 0, r1, c7, c4, 0\nmov r2, #1")
    emu.reg_write("dfsr", 0x123)
    emu.reg_write("r0", 0x80000000)
    emu.run(count=3)
    assert mode(emu) == MODE_SVC and emu.reg_read("r2") == 1
    assert emu.reg_read("r1") == (0x05 << 1) | 1        # F, FS = section translation fault
    assert emu.reg_read("dfsr") == 0x123


def test_par_is_writable():
    emu = make("mcr p15, 0, r0, c7, c4, 0\nmrc p15, 0, r1, c7, c4, 0", mmu=False)
    emu.reg_write("r0", 0xABCDE001)
    emu.run(count=2)
    assert emu.reg_read("r1") == 0xABCDE001


# -- permission rules ---------------------------------------------------------------

def test_wxn_makes_writable_regions_execute_never():
    # SCTLR.WXN (B3.7.3): a region writable at this level is XN -> permission
    # fault; the code itself runs from a PL1 read-only section (AP=101)
    emu = make("blx r0", ident_ap=5)
    put_l1(emu, 0x800, section(0, 3))
    emu.mem_write(0x2000, assemble("mov r0, #7\nbx lr"))
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 << 19)
    emu.reg_write("r0", 0x80002000)
    emu.run(count=2)
    assert mode(emu) == MODE_ABT and emu.reg_read("ifsr") == 0x00D
    assert emu.reg_read("ifar") == 0x80002000


def test_uwxn_makes_pl0_writable_regions_pxn():
    # SCTLR.UWXN: PL1 may not execute where PL0 can write (AP=011); a PL0
    # read-only region (AP=010) stays executable at PL1
    for ap, faults in ((3, True), (2, False)):
        emu = make("blx r0", ident_ap=5)
        put_l1(emu, 0x800, section(0, ap))
        emu.mem_write(0x2000, assemble("mov r0, #7\nbx lr"))
        emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 << 20)
        emu.reg_write("r0", 0x80002000)
        emu.run(count=3)
        if faults:
            assert mode(emu) == MODE_ABT and emu.reg_read("ifsr") == 0x00D
        else:
            assert emu.reg_read("r0") == 7 and mode(emu) == MODE_SVC


def test_access_flag_fault_comes_before_domain_fault():
    # The walk checks AF before the domain (ARM ARM pseudocode
    # TranslationTableWalkSD, then TranslateAddressV's CheckDomain): AF = 0 in a
    # no-access domain is an Access flag fault, FS 00011.  (The walk has not
    # read the section's domain yet: DFSR.Domain is UNKNOWN, not checked.)
    # QEMU 7.2 reports the domain fault instead.
    emu = make("ldr r1, [r0]")
    put_l1(emu, 0x800, section(0, 2, domain=3))        # AP[0] = 0
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 << 29)
    emu.reg_write("dacr", 0x15)                          # domain 3: no access
    emu.reg_write("r0", 0x80000000)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0xC0F == 0x003


def test_manager_domain_still_checks_the_access_flag():
    emu = make("ldr r1, [r0]")
    put_l1(emu, 0x800, section(0, 2, domain=3))
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1 << 29)
    emu.reg_write("dacr", 0x15 | 3 << 6)                 # domain 3: manager
    emu.reg_write("r0", 0x80000000)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") & 0xC0F == 0x003


# -- external aborts on walks and the FSR formats --------------------------------------

def test_short_walk_external_abort_level1_and_level2():
    # B3-23: 01100 external abort on the 1st level walk (domain invalid);
    # 01110 on the 2nd level (domain valid)
    emu = make("ldr r1, [r0]")
    emu.reg_write("ttbr0_lo", 0x40000000)             # nothing there: the fetch faults
    emu.run(count=1)
    assert emu.reg_read("ifsr") == 0x00C and emu.reg_read("ifar") == 0x1000
    emu = make("ldr r1, [r0]")
    put_l1(emu, 0x800, 0x40000000 | 2 << 5 | 1)        # page table in domain 2, at no RAM
    emu.reg_write("r0", 0x80000000)
    emu.run(count=1)
    assert emu.reg_read("dfsr") == 0x02E


def test_lpae_walk_external_abort_level1():
    # TTBR0 above 4 GB: Table B3-24 0101LL, level 1 -> 0x15 with LPAE (bit 9)
    emu = make("ldr r1, [r0]", mmu=False)
    emu.reg_write("ttbcr", 1 << 31)
    emu.reg_write("ttbr0_lo", 0)
    emu.reg_write("ttbr0_hi", 1)
    emu.reg_write("sctlr", emu.reg_read("sctlr") | 1)
    emu.reg_write("r0", 0x80000000)
    emu.run(count=1)
    # the fetch of the code itself faults first: a prefetch abort at 0x1000
    assert mode(emu) == MODE_ABT
    assert emu.reg_read("ifsr") == 0x215 and emu.reg_read("ifar") == 0x1000


@pytest.mark.parametrize("eae, ifsr", [(0, 0x002), (1, 0x222)])
def test_bkpt_debug_event_fsr_format(eae, ifsr):
    # a BKPT is a debug event: FS 00010 (B3-23) or STATUS 100010 with LPAE (B3-24)
    emu = make("bkpt #0", mmu=False)
    emu.reg_write("ttbcr", eae << 31)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT and emu.reg_read("ifsr") == ifsr


def test_alignment_fault_fsr_format_follows_ttbcr_eae():
    emu = make("ldr r1, [r0]", mmu=False)              # MMU off: unaligned faults
    emu.reg_write("ttbcr", 1 << 31)
    emu.reg_write("r0", 0x101)
    emu.run(count=1)
    assert emu.reg_read("dfsr") == 0x221               # LPAE | alignment fault


def test_translate_address_reports_the_fsr():
    emu = make("nop")
    assert emu.cpu.translate_address(0x123) == (0x123, None)
    assert emu.cpu.translate_address(0x80000000) == (None, 0x005)


def test_dacr_write_drops_the_entries_of_the_changed_domain():
    # DACR is not cached in TLB entries (B3.7.3): once domain 1 is no access,
    # the cached translation of its section faults; domain 0 is untouched
    emu = make("ldr r1, [r0]\nldr r2, [r3]\nmcr p15, 0, r4, c3, c0, 0\nldr r5, [r3]\nldr r1, [r0]")
    put_l1(emu, 0x800, section(0, 3, domain=1))
    emu.mem_write(0x3010, struct.pack("<I", 0xCAFE))
    emu.reg_write("r0", 0x80003010)
    emu.reg_write("r3", 0x3010)
    emu.reg_write("r4", 0x01)                            # domain 0 client, 1 no access
    emu.run(count=5)
    assert emu.reg_read("r1") == 0xCAFE and emu.reg_read("r5") == 0xCAFE
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") == 0x019   # section domain fault, domain 1
    assert emu.reg_read("dfar") == 0x80003010


class _Reg:
    def read(self, offset, size):
        return 0x5A

    def write(self, offset, size, value):
        pass


def test_mmio_translation_leaves_the_cached_entry_in_its_slot_alone():
    # VA 0x80000000 (RAM, domain 1) and 0x80100000 (MMIO, domain 0) share a
    # soft TLB slot; the MMIO access caches nothing, and must not change what
    # the RAM entry depends on: a later DACR change of domain 1 still applies
    emu = make("ldr r1, [r0]\nldr r2, [r3]\nmcr p15, 0, r4, c3, c0, 0\nldr r1, [r0]")
    emu.cpu.map_mmio(0x200000, 0x4000, _Reg())
    put_l1(emu, 0x800, section(0, 3, domain=1))
    put_l1(emu, 0x801, section(0x200000, 3, domain=0, extra=1 << 2))
    emu.mem_write(0x3010, struct.pack("<I", 0xCAFE))
    emu.reg_write("r0", 0x80003010)
    emu.reg_write("r3", 0x80100000 | 0x3000)
    emu.reg_write("r4", 0x01)                            # domain 1: no access
    emu.run(count=4)
    assert emu.reg_read("r1") == 0xCAFE and emu.reg_read("r2") == 0x5A
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") == 0x019


def test_unaligned_device_access_alignment_fault_before_domain_fault():
    # pseudocode TranslateAddressV: the walk, then the alignment check for
    # Device/Strongly-ordered memory, then CheckDomain: FS 00001, not 01001
    emu = make("ldr r1, [r0]")
    put_l1(emu, 0x800, section(0, 3, domain=3, extra=1 << 2))   # Shareable Device
    emu.reg_write("dacr", 0x15)                                  # domain 3: no access
    emu.reg_write("r0", 0x80000101)
    emu.run(count=1)
    assert mode(emu) == MODE_ABT and emu.reg_read("dfsr") == 0x001
    emu = make("ldr r1, [r0]")
    put_l1(emu, 0x800, section(0, 3, domain=3, extra=1 << 2))
    emu.reg_write("dacr", 0x15)
    emu.reg_write("r0", 0x80000100)                              # aligned: the domain fault
    emu.run(count=1)
    assert emu.reg_read("dfsr") == 0x039
