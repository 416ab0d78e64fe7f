"""cp14 debug registers, v7.1 Debug (runtime/cp15.py DEBUG,
runtime/debug_fns.pxi).

Expected values and masks are the ARM ARM's (DDI 0406C: C6.4 the CP14
interface and its PL0 access, C11.10 the register map, C11.11 the register
descriptions), written out here independently of the table.  The
debug_cp14 sysguest runs under armtcg and QEMU 7.2 with the same output
except QEMU's listed departures.  The comparators only hold values: no
breakpoint or watchpoint stops the guest yet, so nothing here tests that.
"""

import pytest

from runtime import cp15
from tests.asm import have_toolchain
from tests.test_gtimer import run, r, MODE_USR, MODE_UND

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

UDCCDIS, MDBGEN = 1 << 12, 1 << 15


def pl1(src, count, **kw):
    emu = run(src, count=count, **kw)
    assert emu.reg_read("cpsr") & 0x1F != MODE_UND, "UNDEF at PL1"
    return emu


def pl0_undef(insn, dscr=0):
    """Run insn in User mode; True if it took an UNDEF."""
    emu = run(insn + "\nmov r9, #1", count=2, mode=MODE_USR,
              setup=lambda e: cp15.raw_write(e.cpu, "DBGDSCRext", dscr))
    return emu.reg_read("cpsr") & 0x1F == MODE_UND


# -- identification --------------------------------------------------------------------

def test_id_dfr0_and_dbgdidr_advertise_v71_debug():
    # ID_DFR0 (B4.1.92): CopDbg (3:0) = 5, v7.1 Debug through CP14; no Secure
    # debug (7:4), memory-mapped debug (11:8) or trace; PerfMon 27:24 = 2.
    # DBGDIDR (C11.11): WRPs-1 31:28, BRPs-1 27:24, CTX_CMPs-1 23:20,
    # Version 19:16 = 5 (v7.1), DEVID_imp 15.  The A15 has 6 BRPs (2 with
    # context matching) and 4 WRPs (TRM DDI 0438 ch. 10).
    emu = pl1("""
        mrc p15, 0, r0, c0, c1, 2
        mrc p14, 0, r1, c0, c0, 0
        mrc p14, 0, r2, c7, c2, 7
    """, count=3)
    assert r(emu, 0) == 0x02000005
    didr = r(emu, 1)
    assert (didr >> 28, (didr >> 24) & 0xF, (didr >> 20) & 0xF) == (3, 5, 1)
    assert (didr >> 16) & 0xF == 5
    assert didr & (1 << 15)                          # DBGDEVID exists (read above)
    assert didr & (7 << 12) == 0                     # no SE_imp / PCSR_imp / nSUHD_imp
    # DBGDEVID: BPAddrMask 11:8 = 0xF (no breakpoint masking), WPAddrMask 7:4 = 1
    assert (r(emu, 2) >> 8) & 0xF == 0xF and (r(emu, 2) >> 4) & 0xF == 1


def test_drar_dsar_say_no_memory_mapped_debug():
    # DBGDRAR/DBGDSAR (C11.11): Valid (1:0) = 0b00, no ROM table or self
    # address; the 64-bit MRRC forms read the same (LPAE)
    emu = pl1("""
        mvn r0, #0
        mov r1, r0
        mov r2, r0
        mov r3, r0
        mrc p14, 0, r4, c1, c0, 0
        mrc p14, 0, r5, c2, c0, 0
        mrrc p14, 0, r0, r1, c1
        mrrc p14, 0, r2, r3, c2
    """, count=8)
    assert [r(emu, i) for i in range(6)] == [0] * 6


# -- DBGDSCR ---------------------------------------------------------------------------

def test_dscrext_mdbgen_and_udccdis_writable_int_is_a_read_only_view():
    # C11.11 DBGDSCR: MDBGen (15) and UDCCdis (12) are written through
    # DBGDSCRext; DBGDSCRint is the read-only internal view
    emu = pl1("""
        mvn r0, #0
        mcr p14, 0, r0, c0, c2, 2
        mrc p14, 0, r1, c0, c2, 2
        mrc p14, 0, r2, c0, c1, 0
        mov r0, #0
        mcr p14, 0, r0, c0, c2, 2
        mrc p14, 0, r3, c0, c1, 0
    """, count=7)
    assert r(emu, 1) == MDBGEN | UDCCDIS and r(emu, 2) == MDBGEN | UDCCDIS
    assert r(emu, 3) == 0


def test_dscrint_cannot_be_written():
    # DBGDSCRint has no MCR form (C6.4: the internal view is read-only)
    assert run("mcr p14, 0, r0, c0, c1, 0", count=1).reg_read("cpsr") & 0x1F == MODE_UND


# -- OS Lock and power-down (v7.1) ---------------------------------------------------

def test_os_lock_set_at_reset_and_by_the_key_only():
    # DBGOSLSR (C11.11): OSLM = 0b10 (bit 3), OSLK (1) set on reset;
    # DBGOSLAR: 0xC5ACCE55 sets the lock, any other value clears it
    emu = pl1("""
        mrc p14, 0, r0, c1, c1, 4
        ldr r3, =0xC5ACCE55
        mvn r4, r3
        mcr p14, 0, r4, c1, c0, 4
        mrc p14, 0, r1, c1, c1, 4
        mcr p14, 0, r3, c1, c0, 4
        mrc p14, 0, r2, c1, c1, 4
        b 1f
        .ltorg
    1:
    """, count=8)
    assert (r(emu, 0), r(emu, 1), r(emu, 2)) == (0xA, 0x8, 0xA)


def test_prsr_powered_up_sticky_reset_and_lock_copies():
    # DBGPRSR (C11.11): PU (0) = 1; SR (3) set by reset, cleared by a read;
    # OSLK (5) and DLK (6) show the OS Lock and OS Double Lock
    emu = pl1("""
        mrc p14, 0, r0, c1, c5, 4
        mrc p14, 0, r1, c1, c5, 4
        mov r2, #1
        mcr p14, 0, r2, c1, c3, 4
        mcr p14, 0, r2, c1, c0, 4
        mrc p14, 0, r3, c1, c5, 4
        mrc p14, 0, r4, c1, c3, 4
    """, count=7)
    assert r(emu, 0) == 1 | 8 | 0x20
    assert r(emu, 1) == 1 | 0x20
    assert r(emu, 3) == 1 | 0x40 and r(emu, 4) == 1


def test_prcr_holds_corenpdrq_only():
    # DBGPRCR (C11.11): CORENPDRQ (0) is held; the warm-reset request bits
    # are not modelled and read as zero
    emu = pl1("""
        mvn r0, #0
        mcr p14, 0, r0, c1, c4, 4
        mrc p14, 0, r1, c1, c4, 4
    """, count=3)
    assert r(emu, 1) == 1


def test_vcr_holds_the_vector_catch_bits():
    # DBGVCR (C11.11) without the Security Extensions: bits 7:6 and 4:0
    # (reset, undef, SVC, prefetch/data abort, IRQ, FIQ); bit 5 reserved
    emu = pl1("""
        mrc p14, 0, r0, c0, c7, 0
        mvn r1, #0
        mcr p14, 0, r1, c0, c7, 0
        mrc p14, 0, r2, c0, c7, 0
    """, count=4)
    assert r(emu, 0) == 0 and r(emu, 2) == 0xDF


# -- breakpoint and watchpoint register pairs ------------------------------------------

def _write_all_ones(crm, opc2):
    return pl1("""
        mvn r0, #0
        mcr p14, 0, r0, c0, c%d, %d
        mrc p14, 0, r1, c0, c%d, %d
    """ % (crm, opc2, crm, opc2), count=3)


@pytest.mark.parametrize("n", range(6))
def test_breakpoint_pair_writable_bits(n):
    # DBGBCR (C11.11): E 0, PMC 2:1, BAS 8:5, SSC 15:14, LBN 19:16, BT 22:20;
    # MASK 28:24 not implemented (DBGDEVID.BPAddrMask = 0xF), HMC 13 needs the
    # Virtualization Extensions: RAZ/WI.  DBGBVR: an address, bits 1:0
    # UNK/SBZP, except in the context-matching BRPs 4 and 5 (a Context ID).
    assert r(_write_all_ones(n, 5), 1) == 0x007FC1E7
    assert r(_write_all_ones(n, 4), 1) == (0xFFFFFFFF if n >= 4 else 0xFFFFFFFC)


@pytest.mark.parametrize("n", range(4))
def test_watchpoint_pair_writable_bits(n):
    # DBGWCR (C11.11): E, PAC 2:1, LSC 4:3, BAS 12:5 (8 bytes), SSC 15:14,
    # LBN 19:16, WT 20, MASK 28:24; HMC 13 RAZ/WI.  DBGWVR bits 1:0 UNK/SBZP.
    assert r(_write_all_ones(n, 7), 1) == 0x1F1FDFFF
    assert r(_write_all_ones(n, 6), 1) == 0xFFFFFFFC


def test_linux_get_max_wp_len_sees_8_bytes():
    # hw_breakpoint.c get_max_wp_len(): DBGWVR0 = 0, DBGWCR0 = BAS 0xff << 5
    # (ARM_BREAKPOINT_LEN_8); 8 bytes if the BAS bits read back
    emu = pl1("""
        mov r0, #0
        mcr p14, 0, r0, c0, c0, 6
        mov r1, #(0xff << 5)
        mcr p14, 0, r1, c0, c0, 7
        mrc p14, 0, r2, c0, c0, 7
    """, count=5)
    assert r(emu, 2) & 0x1FE0 == 0x1FE0


@pytest.mark.parametrize("insn", [
    "mrc p14, 0, r0, c0, c6, 4",     # DBGBVR6: only 6 BRPs
    "mrc p14, 0, r0, c0, c6, 5",     # DBGBCR6
    "mrc p14, 0, r0, c0, c4, 6",     # DBGWVR4: only 4 WRPs
    "mrc p14, 0, r0, c0, c4, 7",     # DBGWCR4
    "mrc p14, 0, r0, c1, c4, 1",     # DBGBXVR4: needs the Virtualization Extensions
    "mrc p14, 0, r0, c0, c5, 0",     # DBGDTRRXint: no DCC
])
def test_unimplemented_debug_registers_undef(insn):
    assert run(insn, count=1).reg_read("cpsr") & 0x1F == MODE_UND


def test_pairs_hold_values_across_the_table_raw_access():
    # raw access (snapshots, debugger) sees the guest's value
    emu = pl1("""
        ldr r0, =0x12345678
        mcr p14, 0, r0, c0, c3, 4
        b 1f
        .ltorg
    1:
    """, count=3)
    assert cp15.raw_read(emu.cpu, "DBGBVR3") == 0x12345678
    cp15.raw_write(emu.cpu, "DBGWVR2", 0xABCD0000)
    assert cp15.raw_read(emu.cpu, "DBGWVR2") == 0xABCD0000


# -- PL0 access (C6.4) -----------------------------------------------------------------

PL0_READABLE = [
    "mrc p14, 0, r0, c0, c0, 0",     # DBGDIDR
    "mrc p14, 0, r0, c1, c0, 0",     # DBGDRAR
    "mrc p14, 0, r0, c2, c0, 0",     # DBGDSAR
    "mrc p14, 0, r0, c0, c1, 0",     # DBGDSCRint
    "mrrc p14, 0, r0, r1, c1",       # DBGDRAR, 64-bit
]


@pytest.mark.parametrize("insn", PL0_READABLE)
def test_pl0_reads_follow_udccdis(insn):
    # C6.4: PL0 may read DBGDIDR, DBGDRAR, DBGDSAR and DBGDSCRint while
    # DBGDSCR.UDCCdis is 0; with UDCCdis 1 they are UNDEFINED at PL0
    assert not pl0_undef(insn)
    assert pl0_undef(insn, dscr=UDCCDIS)


@pytest.mark.parametrize("insn", [
    "mrc p14, 0, r0, c0, c2, 2",     # DBGDSCRext
    "mcr p14, 0, r0, c0, c2, 2",
    "mrc p14, 0, r0, c0, c0, 4",     # DBGBVR0
    "mcr p14, 0, r0, c0, c0, 5",     # DBGBCR0
    "mcr p14, 0, r0, c0, c0, 7",     # DBGWCR0
    "mcr p14, 0, r0, c1, c0, 4",     # DBGOSLAR
    "mrc p14, 0, r0, c1, c1, 4",     # DBGOSLSR
    "mrc p14, 0, r0, c0, c7, 0",     # DBGVCR
    "mrc p14, 0, r0, c1, c5, 4",     # DBGPRSR
])
def test_pl0_cannot_reach_the_other_debug_registers(insn):
    # C6.4: every other CP14 debug access from PL0 is UNDEFINED
    assert pl0_undef(insn)


def test_pl1_reads_ignore_udccdis():
    emu = pl1("mrc p14, 0, r0, c0, c0, 0", count=1,
              setup=lambda e: cp15.raw_write(e.cpu, "DBGDSCRext", UDCCDIS))
    assert (r(emu, 0) >> 16) & 0xF == 5


# -- the debug_cp14 sysguest, under armtcg and QEMU ------------------------------------

DEBUG_CP14_EXPECTED = [
    "didr wrps 4 brps 6 ctx 2 version 5",
    "drar 0 dsar 0",
    "drar64 0:0 dsar64 0:0",
    "reset dscr 0 oslsr a osdlr 0 vcr 0",          # OSLSR: OSLM 0b10, OSLK set
    "oslar other: oslsr 8",                        # any value but the key unlocks
    "oslar key: oslsr a",
    "mdbgen: dscrint 8000 dscrext 8000",
    *["brp%d %x 1e6" % (i, 0x8000 + 0x100 * i) for i in range(6)],
    *["wrp%d %x 1ffe" % (i, 0x9000 + 8 * i) for i in range(4)],   # BAS 8 bytes held
    "DBGDIDR undef pl1 0 pl0 0",
    "DBGDRAR undef pl1 0 pl0 0",
    "DBGDSAR undef pl1 0 pl0 0",
    "DBGDSCRint undef pl1 0 pl0 0",                # C6.4: PL0 may read it
    "DBGDSCRext undef pl1 0 pl0 1",
    "DBGVCR undef pl1 0 pl0 1",
    "DBGOSLSR undef pl1 0 pl0 1",
    "DBGOSDLR undef pl1 0 pl0 1",
    "DBGBVR0 undef pl1 0 pl0 1",
    "DBGBCR0 undef pl1 0 pl0 1",
    "DBGWVR0 undef pl1 0 pl0 1",
    "DBGWCR0 undef pl1 0 pl0 1",
    "DBGBVR6 undef pl1 1 pl0 1",                   # 6 BRPs
    "DBGBCR6 undef pl1 1 pl0 1",
    "DBGWVR4 undef pl1 1 pl0 1",                   # 4 WRPs
    "DBGWCR4 undef pl1 1 pl0 1",
    "DBGWFAR undef pl1 1 pl0 1",
    "DBGDTRint undef pl1 1 pl0 1",                 # no DCC
    "DBGDTRRXext undef pl1 1 pl0 1",
    "DBGDTRTXext undef pl1 1 pl0 1",
    "DBGBXVR4 undef pl1 1 pl0 1",                  # no Virtualization Extensions
    "udccdis: dscr 1000",
    "udccdis: pl0 didr 1 drar 1 dscrint 1",        # C6.4: UDCCdis closes PL0 access
]
# QEMU 7.2 registers DBGDSCRint as PL1-only (against C6.4, "PL0 can read
# DBGDSCRint" while UDCCdis is 0) and does not implement UDCCdis.
_QEMU = {"DBGDSCRint undef pl1 0 pl0 0": "DBGDSCRint undef pl1 0 pl0 1",
         "udccdis: pl0 didr 1 drar 1 dscrint 1": "udccdis: pl0 didr 0 drar 0 dscrint 1"}
DEBUG_CP14_QEMU = [_QEMU.get(line, line) for line in DEBUG_CP14_EXPECTED]


def _debug_cp14_elf():
    from tests.guestlib import build_sysguest
    try:
        return build_sysguest("debug_cp14")
    except Exception as e:
        pytest.skip("cannot build the debug_cp14 guest: %s" % e)


@pytest.mark.parametrize("engine", ["interp", "auto", "jit"])
def test_debug_cp14_guest_armtcg(engine):
    from tests.guestlib import run_armtcg, armtcg_engines
    if engine not in armtcg_engines():
        pytest.skip(engine + " not available")
    out, status, err = run_armtcg(_debug_cp14_elf(), timeout=300, engine=engine)
    assert out.decode().splitlines() == DEBUG_CP14_EXPECTED, err.decode()
    assert status == 0


@pytest.mark.qemu
def test_debug_cp14_guest_qemu():
    from tests.guestlib import run_qemu, have_qemu
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    out, status = run_qemu(_debug_cp14_elf(), timeout=60)
    assert out.decode().splitlines() == DEBUG_CP14_QEMU
    assert status == 0
