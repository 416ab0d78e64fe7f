"""The PMU (runtime/cp15.py PMU, runtime/pmu_fns.pxi, runtime/devices/pmu.py)
and the other cp15/cp14 registers a Cortex-A15 Linux touches (ThumbEE,
ACTLR, the ID registers that advertise them).

Expected values: Cortex-A15 TRM DDI 0438 chapter 11 (PMUv2: PMCR, 6
counters) and ARM ARM DDI 0406C C12 (the PMU registers: C12.8), A2.10
(ThumbEE: TEECR, TEEHBR), B4.1.92/B4.1.93 (ID_DFR0, ID_PFR0).  Cycles are
counted as instructions executed (as QEMU does under -icount); a counter
read in a block sees the instructions before that block.
"""

import pytest

from runtime import cp15
from tests.asm import have_toolchain
from tests.test_gtimer import emu_with, run, r, MODE_USR, MODE_UND

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

PMCR_E, PMCR_P, PMCR_C, PMCR_D = 1, 2, 4, 8
CCNT = 1 << 31


def reg(name):
    return cp15.TABLE.regs[cp15.TABLE.by_name[name]]


# -- identification ---------------------------------------------------------------------

def test_pmcr_reset_identifies_a15_pmu():
    # A15 TRM 11 (PMCR): IMP 0x41 (31:24), IDCODE 0x0F (23:16), N = 6 (15:11)
    emu = run("mrc p15, 0, r0, c9, c12, 0", count=1)
    v = r(emu, 0)
    assert v >> 24 == 0x41 and (v >> 16) & 0xFF == 0x0F and (v >> 11) & 0x1F == 6
    assert v & 0x3F == 0                    # E P C D X DP reset 0


def test_id_registers_advertise_what_exists():
    # ID_DFR0 (B4.1.92): PerfMon 27:24 = 2 (PMUv2); cp14 debug 3:0 = 5 (v7.1,
    # tests/test_cp14_debug.py).  ID_PFR0 (B4.1.93) State3 15:12 = 1:
    # ThumbEE, whose TEECR/TEEHBR exist.
    emu = run("""
        mrc p15, 0, r0, c0, c1, 2
        mrc p15, 0, r1, c0, c1, 0
    """, count=2)
    assert (r(emu, 0) >> 24) & 0xF == 2 and r(emu, 0) & 0xF == 5
    assert (r(emu, 1) >> 12) & 0xF == 1


def test_pmceid_lists_the_counted_events():
    # PMCEID0 bit n = common event n implemented (C12.8.x): SW_INCR 0x00,
    # INST_RETIRED 0x08, CPU_CYCLES 0x11
    emu = run("""
        mrc p15, 0, r0, c9, c12, 6
        mrc p15, 0, r1, c9, c12, 7
    """, count=2)
    assert r(emu, 0) == (1 << 0) | (1 << 8) | (1 << 0x11)
    assert r(emu, 1) == 0


# -- PMCR, enable sets ------------------------------------------------------------------

def test_pmcr_holds_e_d_and_reads_p_c_as_zero():
    # P and C are write-only actions (read 0); IMP/IDCODE/N read-only
    emu = run("""
        mvn r0, #0
        mcr p15, 0, r0, c9, c12, 0
        mrc p15, 0, r1, c9, c12, 0
    """, count=3)
    assert r(emu, 1) == 0x410F3000 | 0x39


def test_cnten_set_and_clr_are_one_bitmask():
    # PMCNTENSET/PMCNTENCLR (C12.8.3/C12.8.4): both read the enable mask;
    # writing 1s sets / clears; bits of counters that do not exist (N = 6) RAZ/WI
    emu = run("""
        mvn r0, #0
        mcr p15, 0, r0, c9, c12, 1
        mrc p15, 0, r1, c9, c12, 1
        mov r0, #5
        mcr p15, 0, r0, c9, c12, 2
        mrc p15, 0, r2, c9, c12, 1
        mrc p15, 0, r3, c9, c12, 2
    """, count=7)
    assert r(emu, 1) == 0x8000003F
    assert r(emu, 2) == r(emu, 3) == 0x8000003A


def test_overflow_set_and_clear_views():
    # PMOVSSET writes 1s to set, PMOVSR writes 1s to clear (C12.8.5, PMOVSSET)
    emu = run("""
        ldr r0, =0x80000003
        mcr p15, 0, r0, c9, c14, 3
        mrc p15, 0, r1, c9, c12, 3
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 3
        mrc p15, 0, r2, c9, c14, 3
    """, count=6)
    assert r(emu, 1) == 0x80000003
    assert r(emu, 2) == 0x80000002


def test_inten_set_and_clr():
    emu = run("""
        mvn r0, #0
        mcr p15, 0, r0, c9, c14, 1
        mov r0, #0x30
        mcr p15, 0, r0, c9, c14, 2
        mrc p15, 0, r1, c9, c14, 1
        mrc p15, 0, r2, c9, c14, 2
    """, count=6)
    assert r(emu, 1) == r(emu, 2) == 0x8000000F


# -- counting -------------------------------------------------------------------------------

ENABLE_CCNT = """
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 0       @ PMCR.E
        mov r0, #0x80000000
        mcr p15, 0, r0, c9, c12, 1       @ PMCNTENSET: cycle counter
        b 1f
    1:  .rept 10
        nop
        .endr
        b 2f
    2:  mrc p15, 0, r1, c9, c13, 0       @ PMCCNTR
"""


def test_pmccntr_counts_instructions():
    # the count starts at the enabling block (5 instructions) and covers the
    # 11 of the next: 16 when read at the start of the third
    emu = run(ENABLE_CCNT, count=17)
    assert r(emu, 1) == 16


def test_pmccntr_not_counting_without_pmcr_e():
    emu = run(ENABLE_CCNT.replace("mov r0, #1\n", "mov r0, #0\n", 1), count=17)
    assert r(emu, 1) == 0


def test_pmcr_d_counts_every_64th_cycle():
    # PMCR.D: PMCCNTR counts once every 64 clock cycles (C12.8.1)
    src = """
        mov r0, #(1 | 8)
        mcr p15, 0, r0, c9, c12, 0       @ E | D
        mov r0, #0x80000000
        mcr p15, 0, r0, c9, c12, 1
        mov r2, #200
    1:  subs r2, r2, #1
        bne 1b
        mrc p15, 0, r1, c9, c13, 0
    """
    emu = run(src, count=5 + 400 + 1)
    # 5 + 400 instructions before the read's block
    assert r(emu, 1) == 405 // 64


def test_pmcr_c_and_p_reset_counters():
    # C resets PMCCNTR, P the event counters only (C12.8.1)
    emu = run("""
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 0
        ldr r0, =0x80000001
        mcr p15, 0, r0, c9, c12, 1
        mov r0, #0
        mcr p15, 0, r0, c9, c12, 5       @ PMSELR = 0
        mov r0, #0x08
        mcr p15, 0, r0, c9, c13, 1       @ INST_RETIRED
        b 1f
    1:  nop
        nop
        b 2f
    2:  mov r0, #(1 | 2)
        mcr p15, 0, r0, c9, c12, 0       @ E | P
        mrc p15, 0, r3, c9, c13, 2       @ event counter 0: reset
        mrc p15, 0, r4, c9, c13, 0       @ PMCCNTR: kept
        mov r0, #(1 | 4)
        mcr p15, 0, r0, c9, c12, 0       @ E | C
        mrc p15, 0, r5, c9, c13, 0       @ PMCCNTR: reset
        mrc p15, 0, r6, c9, c13, 2
    """, count=19)
    assert r(emu, 3) == 0 and r(emu, 4) == 12
    assert r(emu, 5) == 0 and r(emu, 6) == 0


def test_event_counters_through_pmselr():
    # PMXEVTYPER/PMXEVCNTR reach the counter PMSELR.SEL selects (C12.8.9-11).
    # Counter 0 counts INST_RETIRED, 1 SW_INCR (PMSWINC), 2 an event not
    # implemented (0x04, L1D access), which does not count.
    emu = run("""
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 0
        mov r0, #7
        mcr p15, 0, r0, c9, c12, 1       @ counters 0 1 2
        mov r0, #0
        mcr p15, 0, r0, c9, c12, 5
        mov r0, #0x08
        mcr p15, 0, r0, c9, c13, 1
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 5
        mov r0, #0x00
        mcr p15, 0, r0, c9, c13, 1
        mov r0, #2
        mcr p15, 0, r0, c9, c12, 5
        mov r0, #0x04
        mcr p15, 0, r0, c9, c13, 1
        mov r0, #3
        mcr p15, 0, r0, c9, c12, 4       @ PMSWINC counters 0 and 1
        mcr p15, 0, r0, c9, c12, 4
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 5
        mrc p15, 0, r1, c9, c13, 2       @ counter 1: 2 software increments
        mrc p15, 0, r7, c9, c13, 1       @ its type
        mov r0, #2
        mcr p15, 0, r0, c9, c12, 5
        mrc p15, 0, r2, c9, c13, 2       @ counter 2: 0
        b 1f
    1:  mov r0, #0
        mcr p15, 0, r0, c9, c12, 5
        mrc p15, 0, r3, c9, c13, 2       @ counter 0: instructions (PMSWINC ignored)
    """, count=32)
    assert r(emu, 1) == 2 and r(emu, 7) == 0
    assert r(emu, 2) == 0
    # enabled in the first block (counted from its start), read at the next
    # block, after the first block's 27 instructions
    assert r(emu, 3) == 27


def test_counter_write_and_overflow_flag():
    # an overflow of counter n sets PMOVSR bit n (C12.8.5)
    emu = run("""
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 0
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 1
        mov r0, #0
        mcr p15, 0, r0, c9, c12, 5
        mov r0, #0x08
        mcr p15, 0, r0, c9, c13, 1
        mvn r0, #4
        mcr p15, 0, r0, c9, c13, 2       @ counter 0 = 2^32 - 5
        b 1f
    1:  .rept 8
        nop
        .endr
        b 2f
    2:  mrc p15, 0, r1, c9, c12, 3       @ PMOVSR
        mrc p15, 0, r2, c9, c13, 2
    """, count=23)
    assert r(emu, 1) == 1
    # 0xFFFFFFFB + (11 in the writing block... from its start) + 9 wraps
    assert r(emu, 2) == (0xFFFFFFFB + 11 + 9) & 0xFFFFFFFF


def test_overflow_interrupt_is_taken():
    # the PMU interrupt: PMOVSR & PMINTENSET (C12.6); here taken by the CPU
    # as soon as the counter wraps, through an instruction-count deadline
    src = """
        b main
        .space 0x14
    irq:
        mrc p15, 0, r4, c9, c12, 3       @ PMOVSR at the interrupt
        mrc p15, 0, r5, c9, c13, 0       @ PMCCNTR then
        mcr p15, 0, r4, c9, c12, 3       @ clear it: the output drops
        add r10, r10, #1
        subs pc, lr, #4
    main:
        ldr r0, =0x1000
        mcr p15, 0, r0, c12, c0, 0
        ldr sp, =0x7000
        mov r10, #0
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 0
        mov r0, #0x80000000
        mcr p15, 0, r0, c9, c14, 1       @ PMINTENSET: cycle counter
        mvn r0, #99
        mcr p15, 0, r0, c9, c13, 0       @ PMCCNTR = 2^32 - 100
        mov r0, #0x80000000
        mcr p15, 0, r0, c9, c12, 1
        cpsie i
    spin:
        cmp r10, #0
        beq spin
        cpsid i
        mrc p15, 0, r6, c9, c12, 3
    done:
        b done
    """
    emu = emu_with(src)
    emu.pmu.irq.connect(lambda level: emu.cpu.set_irq_line(1, level))
    emu.run(count=400)
    assert r(emu, 10) == 1
    assert r(emu, 4) == CCNT
    assert r(emu, 5) < 20                 # wrapped shortly before
    assert r(emu, 6) == 0 and emu.pmu.irq.level == 0


# -- PL0 access: PMUSERENR --------------------------------------------------------------

def pl0(insn, setup=None):
    emu = run(insn + "\nmov r9, #1", count=2, setup=setup, mode=MODE_USR)
    return emu.reg_read("cpsr") & 0x1F == MODE_UND, emu


def userenr(v):
    return lambda emu: cp15.raw_write(emu.cpu, "PMUSERENR", v)


@pytest.mark.parametrize("insn", [
    "mrc p15, 0, r0, c9, c12, 0",        # PMCR
    "mrc p15, 0, r0, c9, c13, 0",        # PMCCNTR
    "mcr p15, 0, r0, c9, c12, 4",        # PMSWINC
    "mrc p15, 0, r0, c9, c13, 2",        # PMXEVCNTR
])
def test_pmuserenr_en_gates_pl0(insn):
    # PMUSERENR.EN = 0: PL0 access UNDEF; 1: allowed (C12.8.17)
    assert pl0(insn)[0]
    undef, emu = pl0(insn, userenr(1))
    assert not undef and r(emu, 9) == 1


@pytest.mark.parametrize("insn", [
    "mcr p15, 0, r0, c9, c14, 0",        # PMUSERENR write: PL1 only
    "mrc p15, 0, r0, c9, c14, 1",        # PMINTENSET: PL1 only
    "mcr p15, 0, r0, c9, c14, 2",        # PMINTENCLR
])
def test_pl1_only_pmu_registers(insn):
    assert pl0(insn, userenr(1))[0]


def test_pmuserenr_readable_at_pl0():
    undef, emu = pl0("mrc p15, 0, r0, c9, c14, 0", userenr(1))
    assert not undef and r(emu, 0) == 1


# -- ThumbEE, ACTLR ------------------------------------------------------------------------

def teecr(v):
    return lambda emu: cp15.raw_write(emu.cpu, "TEECR", v)


def test_teehbr_pl0_access_follows_teecr_xed():
    # TEEHBR: PL0 access permitted when TEECR.XED == 0, UNDEF when 1 (A2.10)
    for insn in ("mrc p14, 6, r0, c1, c0, 0", "mcr p14, 6, r0, c1, c0, 0"):
        assert not pl0(insn, teecr(0))[0]
        assert pl0(insn, teecr(1))[0]


def test_teehbr_pl1_ignores_xed_and_keeps_handlerbase():
    # privileged access is always permitted; bits 1:0 are SBZ (A2.10)
    emu = run("""
        mov r0, #1
        mcr p14, 6, r0, c0, c0, 0        @ TEECR.XED
        mvn r0, #0
        mcr p14, 6, r0, c1, c0, 0
        mrc p14, 6, r1, c1, c0, 0
        mrc p14, 6, r2, c0, c0, 0
    """, count=6)
    assert r(emu, 1) == 0xFFFFFFFC and r(emu, 2) == 1


def test_teecr_pl0_read_ok_write_undef():
    # TEECR: unprivileged reads permitted, unprivileged writes UNDEFINED (A2.10)
    assert not pl0("mrc p14, 6, r0, c0, c0, 0")[0]
    assert pl0("mcr p14, 6, r0, c0, c0, 0")[0]


def test_actlr_smp_bit_is_writable():
    # A15 TRM 4.3.28 ACTLR.SMP (bit 6); the other bits are RAZ/WI here
    emu = run("""
        mrc p15, 0, r0, c1, c0, 1
        orr r0, r0, #(1 << 6)
        mcr p15, 0, r0, c1, c0, 1
        mrc p15, 0, r1, c1, c0, 1
        mvn r0, #0
        mcr p15, 0, r0, c1, c0, 1
        mrc p15, 0, r2, c1, c0, 1
    """, count=7)
    assert r(emu, 1) == 0x40 and r(emu, 2) == 0x40


def test_l2ctlr_reports_one_cpu():
    # A15 TRM 4.3.49 L2CTLR[25:24] = number of processors - 1 = 0
    emu = run("mrc p15, 1, r0, c9, c0, 2", count=1)
    assert (r(emu, 0) >> 24) & 3 == 0


# -- the pmu_basic sysguest, under armtcg and QEMU ---------------------------------------

PMU_BASIC_EXPECTED = [
    "pmcr imp 41 idcode f n 6 low 0",            # A15 TRM 11: PMCR reset
    "cntenset 8000003f cntenclr 8000003f",       # one mask, N = 6 counters + PMCCNTR
    "after clr 80000001",
    "ovsr 80000002",                             # PMOVSSET sets, PMOVSR reads
    "ovsr cleared 0",                            # PMOVSR write-1-to-clear
    "intenset 80000000",
    "pmccntr counts 1",                          # PMCR.E and PMCNTENSET[31]
    "pmccntr stopped 1",                         # PMCNTENCLR[31] stops it
    "pmccntr after C 0",                         # PMCR.C resets it
    "pmccntr write 1234",
    "swinc counter 1 type 0 ovsr 2",             # 0xfffffffe + 3 SW_INCR wraps: PMOVSR[1]
    "stopped counter 0",                         # disabled: no count
    "after P 0",                                 # PMCR.P resets the event counters
    "pl0 pmccntr undef 1, pmuserenr undef 0",    # PMUSERENR.EN 0 (C12.8.17)
    "EN: pl0 pmccntr undef 0, pmintenset undef 1",   # PMINTENSET is PL1 only
    "xed 0: teehbr read undef 0 write undef 0",  # A2.10 TEEHBR
    "xed 1: teehbr read undef 1 write undef 1",
    "teecr pl0 read undef 0 write undef 1",      # A2.10: PL0 may read TEECR
]
# QEMU 7.2 registers TEECR as PL1_RW, so a PL0 read UNDEFs -- against A2.10
# ("unprivileged reads ... are permitted").
PMU_BASIC_QEMU = PMU_BASIC_EXPECTED[:-1] + ["teecr pl0 read undef 1 write undef 1"]


def _pmu_basic_elf():
    from tests.guestlib import build_sysguest
    try:
        return build_sysguest("pmu_basic")
    except Exception as e:
        pytest.skip("cannot build the pmu_basic guest: %s" % e)


@pytest.mark.parametrize("engine", ["interp", "auto"])
def test_pmu_basic_guest_armtcg(engine):
    from tests.guestlib import run_armtcg, armtcg_engines
    if engine not in armtcg_engines():
        pytest.skip(engine + " not available")
    out, status, err = run_armtcg(_pmu_basic_elf(), timeout=300, engine=engine)
    assert out.decode().splitlines() == PMU_BASIC_EXPECTED, err.decode()
    assert status == 0


@pytest.mark.qemu
def test_pmu_basic_guest_qemu():
    from tests.guestlib import run_qemu, have_qemu
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    out, status = run_qemu(_pmu_basic_elf(), timeout=60)
    assert out.decode().splitlines() == PMU_BASIC_QEMU
    assert status == 0


def test_pmu_state_round_trip():
    # the counters travel through PMU.state()/restore(), counting on from
    # the restore point
    emu = run("""
        mov r0, #1
        mcr p15, 0, r0, c9, c12, 0
        ldr r0, =0x80000001
        mcr p15, 0, r0, c9, c12, 1
        mov r0, #0
        mcr p15, 0, r0, c9, c12, 5
        mov r0, #0x11
        mcr p15, 0, r0, c9, c13, 1      @ counter 0: CPU_CYCLES
    """, count=8)
    st = emu.pmu.state()
    assert st["pmevtyper"][0] == 0x11 and st["pmccntr"] == st["pmevcntr"][0] > 0
    other = emu_with("b .")
    other.pmu.restore(st)
    assert other.pmu.state() == st
    for name in ("PMCR", "PMCNTENSET"):
        cp15.raw_write(other.cpu, name, cp15.raw_read(emu.cpu, name))
    other.run(count=10)
    after = other.pmu.state()
    assert after["pmccntr"] == st["pmccntr"] + 10 and after["pmevcntr"][0] == st["pmevcntr"][0] + 10
