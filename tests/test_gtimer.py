"""The generic timer (runtime/cp15.py GENERIC_TIMER, runtime/timer_fns.pxi,
runtime/devices/gtimer.py), the guest clock and deadlines (runtime/clock.py)
and WFI sleeping (tcg/emulator.py).

Expected values come from the ARM ARM DDI 0406C: B8 "The Generic Timer"
(B8.1.5 the timer condition, TVAL/CVAL), B4.1.21-B4.1.35 (the CNT*
registers), B3.18.1 (the c14 encodings).  Under `icount_shift=4` one
instruction is 16 ns = one tick of the 62.5 MHz count, which makes counts
easy to state; runs compare behaviour, never host timing.
"""

import struct

import pytest

from runtime import cp15
from runtime.clock import Clock
from tests.asm import assemble, have_toolchain
from tcg.emulator import Emulator

pytestmark = pytest.mark.skipif(not have_toolchain(), reason="arm-none-eabi-as missing")

CODE = 0x1000
DATA = 0x8000
MODE_USR, MODE_SVC, MODE_UND = 0x10, 0x13, 0x1B
M64 = (1 << 64) - 1

# ARM ARM B3.18.1 (VMSA CP15 c14 register summary): (opc1, CRn, CRm, opc2) or (opc1, CRm)
C14_ENCODINGS = {
    "CNTFRQ": (0, 14, 0, 0), "CNTKCTL": (0, 14, 1, 0),
    "CNTP_TVAL": (0, 14, 2, 0), "CNTP_CTL": (0, 14, 2, 1),
    "CNTV_TVAL": (0, 14, 3, 0), "CNTV_CTL": (0, 14, 3, 1),
    "CNTPCT": (0, 14), "CNTVCT": (1, 14), "CNTP_CVAL": (2, 14), "CNTV_CVAL": (3, 14),
    "CNTVOFF": (4, 14),
}


def emu_with(src, engine="interp", icount_shift=4, setup=None, mode=MODE_SVC):
    emu = Emulator(engine=engine, icount_shift=icount_shift)
    emu.map_ram(0, 0x10000)
    emu.mem_write(CODE, assemble(src))
    emu.reg_write("cpsr", mode | 0x1C0)
    if setup:
        setup(emu)
    emu.reg_write("pc", CODE)
    return emu


def run(src, count, **kw):
    """Run the snippet (ended by a branch to itself, so it is one block
    unless it branches) and a few turns of that loop."""
    emu = emu_with(src + "\n b .", **kw)
    emu.run(count=count + 10)
    return emu


def r(emu, n):
    return emu.reg_read("r%d" % n)


def words(emu, addr, n):
    return list(struct.unpack("<%dI" % n, emu.mem_read(addr, 4 * n)))


# -- the table -------------------------------------------------------------------

def test_c14_encodings_match_the_arm_arm():
    for name, enc in C14_ENCODINGS.items():
        reg = cp15.TABLE.regs[cp15.TABLE.by_name[name]]
        got = (reg.opc1, reg.crm) if reg.is64 else (reg.opc1, reg.crn, reg.crm, reg.opc2)
        assert (reg.cp, got) == (15, enc), name


def test_id_pfr1_advertises_the_generic_timer_only():
    # ID_PFR1 (B4.1.94): GenTimer 19:16 = 1; Security 7:4 and
    # Virtualization 15:12 = 0 (no Monitor or Hyp mode); ProgMod 3:0 = 1.
    v = cp15.TABLE.regs[cp15.TABLE.by_name["ID_PFR1"]].reset
    assert (v >> 16) & 0xF == 1 and (v >> 4) & 0xF == 0 and (v >> 12) & 0xF == 0
    assert v & 0xF == 1


# -- CNTFRQ, counters ------------------------------------------------------------

def test_cntfrq_reset_and_write():
    # QEMU virt resets CNTFRQ to 62.5 MHz; RW at PL1 without Security Ext (B4.1.21)
    emu = run("""
        mrc p15, 0, r0, c14, c0, 0
        ldr r1, =1000000
        mcr p15, 0, r1, c14, c0, 0
        mrc p15, 0, r2, c14, c0, 0
    """, count=4)
    assert r(emu, 0) == 62500000
    assert r(emu, 2) == 1000000


def test_cntpct_counts_instructions_under_icount():
    # -icount shift=4: 16 ns per instruction = 1 tick at 62.5 MHz.  A read
    # sees the instructions before its block (the count is taken at block
    # entry by every engine).  The first block starts at count 0.
    emu = run("""
        mrrc p15, 0, r0, r1, c14
        b 1f
    1:  nop
        nop
        mrrc p15, 0, r2, r3, c14
        b 2f
    2:  mrrc p15, 1, r4, r5, c14
    """, count=7)
    assert (r(emu, 0), r(emu, 1)) == (0, 0)
    assert (r(emu, 2), r(emu, 3)) == (2, 0)           # after mrrc, b
    assert (r(emu, 4), r(emu, 5)) == (6, 0)           # CNTVCT = CNTPCT (CNTVOFF 0)


def test_cntvct_is_cntpct_minus_cntvoff():
    # B8.1.3: virtual count = physical count - CNTVOFF (64-bit, wraps)
    def setup(emu):
        cp15.raw_write(emu.cpu, "CNTVOFF", 0x1_0000_0005)
    emu = run("""
        mrrc p15, 0, r0, r1, c14
        mrrc p15, 1, r2, r3, c14
    """, count=2, setup=setup)
    p = r(emu, 1) << 32 | r(emu, 0)
    v = r(emu, 3) << 32 | r(emu, 2)
    assert v == (p - 0x1_0000_0005) & M64


def test_cntvoff_is_not_reachable_without_hyp_mode():
    # CNTVOFF is accessible only from Hyp mode (B4.1.32); none here: UNDEF at PL1
    emu = run("mrrc p15, 4, r0, r1, c14", count=1)
    assert emu.reg_read("cpsr") & 0x1F == MODE_UND


# -- CVAL, TVAL, ISTATUS, IMASK --------------------------------------------------

def test_tval_is_cval_minus_count():
    # TVAL reads (CVAL - count)[31:0] (B8.1.5); one block, so one count
    emu = run("""
        mov r2, #1000
        mov r3, #0
        mcrr p15, 2, r2, r3, c14
        mrrc p15, 0, r4, r5, c14
        mrc p15, 0, r6, c14, c2, 0
    """, count=5)
    assert r(emu, 6) == (1000 - r(emu, 4)) & 0xFFFFFFFF


def test_tval_write_sets_cval_to_count_plus_signed_tval():
    # writing TVAL sets CVAL = count + SignExtend(TVAL) (B8.1.5)
    emu = run("""
        mvn r0, #4
        mrrc p15, 1, r4, r5, c14
        mcr p15, 0, r0, c14, c3, 0
        mrrc p15, 3, r6, r7, c14
    """, count=4)
    count = r(emu, 5) << 32 | r(emu, 4)
    assert r(emu, 7) << 32 | r(emu, 6) == (count - 5) & M64
    assert r(emu, 0) == 0xFFFFFFFB


class Sink:
    def __init__(self):
        self.levels = []

    def __call__(self, level):
        self.levels.append(level)


def test_istatus_imask_and_the_output():
    # ISTATUS = ENABLE && count >= CVAL; the output is ISTATUS && !IMASK
    # (B8.1.5, B4.1.26 CNTP_CTL); with ENABLE 0 ISTATUS reads 0 (UNKNOWN
    # in the ARM ARM, 0 in QEMU).
    src = """
        mov r0, #0
        mov r1, #0
        mcrr p15, 2, r0, r1, c14     @ CVAL = 0: the condition holds
        mov r2, #1
        mcr p15, 0, r2, c14, c2, 1   @ ENABLE
        b 1f
    1:  mrc p15, 0, r3, c14, c2, 1
        mov r2, #3
        mcr p15, 0, r2, c14, c2, 1   @ ENABLE | IMASK
        b 2f
    2:  mrc p15, 0, r4, c14, c2, 1
        mov r2, #0
        mcr p15, 0, r2, c14, c2, 1   @ disabled
        b 3f
    3:  mrc p15, 0, r5, c14, c2, 1
        mvn r0, #0
        mvn r1, #0
        mcrr p15, 2, r0, r1, c14     @ CVAL = 2^64-1: never
        mov r2, #1
        mcr p15, 0, r2, c14, c2, 1
        b 4f
    4:  mrc p15, 0, r6, c14, c2, 1
        b .
    """
    emu = emu_with(src)
    sink = Sink()
    emu.gtimer.phys_irq.connect(sink)
    emu.run(count=24)
    assert r(emu, 3) == 0b101        # ENABLE, ISTATUS
    assert r(emu, 4) == 0b111        # ENABLE, IMASK, ISTATUS
    assert r(emu, 5) == 0            # disabled
    assert r(emu, 6) == 0b001        # count < CVAL
    # level: 0 at connect, 1 when enabled, 0 when masked (then stays 0)
    assert sink.levels == [0, 1, 0]
    assert emu.gtimer.virt_irq.level == 0


def test_virtual_timer_compares_the_virtual_count():
    # CNTV_* compare against CNTVCT (B8.1.5): with CNTVOFF = 100, CVAL = 50
    # and a physical count below 100+50 the condition does not hold yet
    def setup(emu):
        cp15.raw_write(emu.cpu, "CNTVOFF", (-100) & M64)   # virtual = physical + 100
    emu = run("""
        mov r0, #50
        mov r1, #0
        mcrr p15, 3, r0, r1, c14
        mov r2, #1
        mcr p15, 0, r2, c14, c3, 1
        mrc p15, 0, r3, c14, c3, 1
        mrc p15, 0, r4, c14, c2, 1
    """, count=7, setup=setup)
    assert r(emu, 3) == 0b101         # virtual count 100+ >= 50
    assert r(emu, 4) == 0             # the physical timer is off


# -- PL0 access through CNTKCTL -----------------------------------------------------

def pl0_run(insn, cntkctl):
    def setup(emu):
        cp15.raw_write(emu.cpu, "CNTKCTL", cntkctl)
    emu = run(insn + "\nmov r9, #1", count=2, setup=setup, mode=MODE_USR)
    undef = emu.reg_read("cpsr") & 0x1F == MODE_UND
    return emu, undef


FRQ_BITS = 3     # CNTFRQ is readable at PL0 if PL0PCTEN or PL0VCTEN (B4.1.21)


@pytest.mark.parametrize("insn, enable_bits, gate_bits", [
    ("mrrc p15, 0, r0, r1, c14", 1 << 0, 1 << 0),        # CNTPCT: PL0PCTEN
    ("mrrc p15, 1, r0, r1, c14", 1 << 1, 1 << 1),        # CNTVCT: PL0VCTEN
    ("mrc p15, 0, r0, c14, c2, 1", 1 << 9, 1 << 9),      # CNTP_CTL: PL0PTEN
    ("mcr p15, 0, r0, c14, c2, 0", 1 << 9, 1 << 9),      # CNTP_TVAL write
    ("mrrc p15, 2, r0, r1, c14", 1 << 9, 1 << 9),        # CNTP_CVAL
    ("mrc p15, 0, r0, c14, c3, 1", 1 << 8, 1 << 8),      # CNTV_CTL: PL0VTEN
    ("mcrr p15, 3, r0, r1, c14", 1 << 8, 1 << 8),        # CNTV_CVAL write
    ("mrc p15, 0, r0, c14, c3, 0", 1 << 8, 1 << 8),      # CNTV_TVAL
    ("mrc p15, 0, r0, c14, c0, 0", 1 << 0, FRQ_BITS),    # CNTFRQ
    ("mrc p15, 0, r0, c14, c0, 0", 1 << 1, FRQ_BITS),
])
def test_cntkctl_gates_pl0(insn, enable_bits, gate_bits):
    # B4.1.27 CNTKCTL: PL0 access is UNDEF unless the matching enable is
    # set (every other bit set here, to show only that one matters)
    _, undef = pl0_run(insn, 0x3FF & ~gate_bits)
    assert undef
    emu, undef = pl0_run(insn, enable_bits)
    assert not undef and r(emu, 9) == 1


def test_cntkctl_gates_pl0_under_the_jit():
    # the same run-time check from compiled code (the accessfn is in C)
    try:
        import llvmlite  # noqa: F401
    except ImportError:
        pytest.skip("llvmlite missing")
    for kctl, want_undef in ((0, True), (2, False)):
        def setup(emu, kctl=kctl):
            cp15.raw_write(emu.cpu, "CNTKCTL", kctl)
        emu = run("mrrc p15, 1, r0, r1, c14\nmov r9, #1", count=2, setup=setup,
                  mode=MODE_USR, engine="jit")
        assert (emu.reg_read("cpsr") & 0x1F == MODE_UND) == want_undef
        emu.close()


@pytest.mark.parametrize("insn", [
    "mcr p15, 0, r0, c14, c0, 0",      # CNTFRQ write: PL1 only (B4.1.21)
    "mrc p15, 0, r0, c14, c1, 0",      # CNTKCTL: PL1 only (B4.1.27)
])
def test_pl1_only_registers_undef_at_pl0(insn):
    _, undef = pl0_run(insn, 0x3FF)
    assert undef


def test_cntkctl_keeps_its_ten_bits():
    # B4.1.27: bits 9:0 defined, the rest reserved (RAZ)
    emu = run("""
        mvn r0, #0
        mcr p15, 0, r0, c14, c1, 0
        mrc p15, 0, r1, c14, c1, 0
    """, count=3)
    assert r(emu, 1) == 0x3FF


# -- interrupts, WFI and deadlines ---------------------------------------------------

def irq_guest(tval, loops=1):
    """IRQ handler at VBAR + 0x18: record CNTVCT and CNTV_CTL at DATA,
    disable the virtual timer, count the interrupts in r10 and return.
    Main, `loops` times: arm the virtual timer TVAL ticks ahead (its CVAL
    at DATA + 0x100), unmask IRQs, WFI.  Then WFI with no timer armed:
    nothing can wake it, so the run halts."""
    return """
        b main
        .space 0x14
    irq:                                @ 0x1018 - 0x1000 = vector 0x18 at VBAR 0x1000
        mrrc p15, 1, r4, r5, c14
        mrc p15, 0, r6, c14, c3, 1
        ldr r7, =0x%x
        str r4, [r7], #4
        str r5, [r7], #4
        str r6, [r7], #4
        mov r6, #0
        mcr p15, 0, r6, c14, c3, 1      @ CNTV_CTL = 0: output low
        add r10, r10, #1
        subs pc, lr, #4
    main:
        ldr r0, =0x1000
        mcr p15, 0, r0, c12, c0, 0      @ VBAR
        ldr sp, =0x7000
        mov r10, #0
        mov r8, #%d
    again:
        ldr r0, =%d
        mcr p15, 0, r0, c14, c3, 0      @ CNTV_TVAL
        mrrc p15, 3, r2, r3, c14        @ the CVAL it set
        ldr r7, =0x%x
        str r2, [r7]
        mov r0, #1
        mcr p15, 0, r0, c14, c3, 1      @ ENABLE
        cpsie i
        wfi
        cpsid i
        subs r8, r8, #1
        bne again
        wfi                              @ nothing armed: halts
        b .
    """ % (DATA, loops, tval, DATA + 0x100)


def connect_virt_to_cpu(emu):
    emu.gtimer.virt_irq.connect(lambda level: emu.cpu.set_irq_line(1, level))


def test_timer_interrupt_wakes_wfi_under_icount():
    # The interrupt is taken once count >= CVAL (B8.1.5); WFI waits for it
    # (B1.8.13).  Under icount WFI skips guest time to the deadline, so the
    # guest executes far fewer instructions than the 100000 ticks it waited.
    emu = emu_with(irq_guest(100000))
    connect_virt_to_cpu(emu)
    stop = emu.run(count=10000)
    assert stop.kind == "halt"
    assert r(emu, 10) == 1
    cval = words(emu, DATA + 0x100, 1)[0]
    lo, hi, ctl = words(emu, DATA, 3)
    assert hi << 32 | lo >= cval            # taken with the condition true
    assert ctl == 0b101                     # ENABLE, ISTATUS, not masked
    assert emu.icount < 100


def test_timer_interrupt_wakes_wfi_under_host_time():
    # The same guest on host time: WFI sleeps until the alarm (1 ms of
    # ticks); the behaviour is the same, nothing is timed.
    emu = emu_with(irq_guest(62500), icount_shift=None)
    connect_virt_to_cpu(emu)
    stop = emu.run(count=10000)
    assert stop.kind == "halt"
    assert r(emu, 10) == 1
    cval = words(emu, DATA + 0x100, 1)[0]
    lo, hi, ctl = words(emu, DATA, 3)
    assert hi << 32 | lo >= cval and ctl == 0b101
    emu.close()


def test_timer_interrupt_without_wfi_under_icount_is_on_time():
    # A busy guest: the deadline lowers the instruction budget, so the
    # interrupt is taken at the first block after count reaches CVAL.
    src = irq_guest(500).replace("        wfi\n        cpsid i", "    spin: cmp r10, #0\n        beq spin\n        cpsid i", 1)
    emu = emu_with(src)
    connect_virt_to_cpu(emu)
    stop = emu.run(count=5000)
    assert stop.kind == "halt" and r(emu, 10) == 1
    cval = words(emu, DATA + 0x100, 1)[0]
    lo, hi, _ = words(emu, DATA, 3)
    # taken at count == CVAL: at a block boundary with a budget cut there
    assert hi << 32 | lo == cval


def test_wfi_with_nothing_armed_halts():
    emu = emu_with("wfi\nb .")
    assert emu.run(count=100).kind == "halt"


def test_masked_timer_does_not_wake_wfi_but_halts():
    # IMASK set: the output stays low (B4.1.30), so the WFI has nothing to
    # wait for once the deadline has passed
    emu = emu_with("""
        mov r0, #10
        mcr p15, 0, r0, c14, c3, 0
        mov r0, #3
        mcr p15, 0, r0, c14, c3, 1
        wfi
        wfi
        b .
    """)
    connect_virt_to_cpu(emu)
    assert emu.run(count=100).kind == "halt"
    assert emu.gtimer.virt_irq.level == 0


# -- icount determinism across engines ------------------------------------------------

def counts_guest():
    return irq_guest(300, loops=5).replace("        wfi\n        cpsid i", """
        mov r1, #0
        ldr r7, =0x%x
    spin:
        mrrc p15, 1, r4, r5, c14
        str r4, [r7], #4
        add r1, r1, #1
        tst r1, #3
        bne spin
        cmp r10, #0
        beq spin
        cpsid i
        mov r10, #0""" % (DATA + 0x200), 1)


def run_counts(engine):
    emu = emu_with(counts_guest(), engine=engine, icount_shift=2)
    connect_virt_to_cpu(emu)
    stop = emu.run(count=20000)
    out = (stop.kind, emu.icount, words(emu, DATA + 0x200, 1024), words(emu, DATA, 3))
    emu.close()
    return out


def test_icount_runs_are_identical_under_every_engine():
    engines = [e for e in Emulator.ENGINES if e in ("interp", "jit")]
    if "jit" not in engines:
        pytest.skip("no JIT in this build")
    try:
        import llvmlite  # noqa: F401
    except ImportError:
        pytest.skip("llvmlite missing")
    a = run_counts("interp")
    b = run_counts("jit")
    assert a == b
    assert a[0] == "halt"
    assert a[2][0] < a[2][1] < a[2][100]        # the count advanced while spinning


# -- the clock on its own --------------------------------------------------------------

def test_clock_deadlines_under_icount():
    emu = Emulator(icount_shift=3)
    clock = emu.clock
    assert clock.next_deadline() is None and clock.icount_limit() is None
    fired = []
    clock.set_deadline("a", 800, lambda: fired.append("a"))
    clock.set_deadline("b", 80, lambda: fired.append("b"))
    # 8 ns per instruction: 80 ns is reached at instruction 10
    assert clock.next_deadline() == 80 and clock.icount_limit() == 10
    clock.cancel("b")
    assert clock.icount_limit() == 100
    clock.service()
    assert fired == []
    assert clock.idle()                 # jumps guest time to 800 ns
    assert fired == ["a"] and clock.now_ns() == 800 and emu.icount == 0
    assert not clock.idle()             # nothing left to wait for


def test_clock_input_source_wakes_wfi():
    # host time, nothing armed, but an input source: WFI waits for its
    # notify() instead of halting; a stop request ends the next wait
    import threading, time
    emu = emu_with("wfi\nmov r9, #1\nwfi\nb .", icount_shift=None)
    notify = emu.clock.add_input_source()

    def device():
        while emu.reg_read("r9") != 1:      # input until the first WFI returned
            notify()
            time.sleep(0.01)
        emu.request_stop()

    threading.Thread(target=device).start()
    stop = emu.run(count=100)
    assert r(emu, 9) == 1 and stop.kind == "stop"
    emu.close()


def test_clock_host_alarm_requests_the_exec_loop():
    import threading
    emu = Emulator()
    clock = emu.clock
    fired = threading.Event()
    clock.set_deadline("x", clock.now_ns() + 1000, fired.set)
    assert clock.idle()                 # sleeps until the deadline, then serves it
    assert fired.is_set()
    emu.close()


# -- the polling sysguest, under armtcg and QEMU ---------------------------------------

TIMER_POLL_EXPECTED = "\n".join([
    "cntfrq 62500000",                         # QEMU virt's 62.5 MHz (B4.1.21)
    "id_pfr1 gentimer 1",                      # ID_PFR1[19:16] = 1 (B4.1.94)
    "cntvct monotonic 1",                      # the count never goes back (B8.1.1)
    "pct <= vct <= pct 1",                     # CNTVOFF = 0 without Hyp (B8.1.3)
    "armed ctl 3 tval>0 1",                    # ENABLE|IMASK, count < CVAL: ISTATUS 0
    "fired ctl 7 tval<=0 1 count>=cval 1",     # ISTATUS once count >= CVAL, masked or not (B8.1.5)
    "disabled ctl 2",                          # ENABLE 0: ISTATUS reads 0 (UNKNOWN; QEMU 0)
    "far cval ctl 3",                          # CVAL = 2^64-1: never
    "negative tval ctl 7 cval<count 1",        # CVAL = count + SignExtend(TVAL) (B8.1.5)
    "phys tval 0 ctl 7",                       # TVAL 0: CVAL = count, the condition holds
    "pl0 cntvct undef with cntkctl 0: 1",      # CNTKCTL.PL0VCTEN gates PL0 (B4.1.27)
    "pl0 cntvct undef with PL0VCTEN: 0",
    "pl0 cntvct undef with PL0PCTEN only: 1",  # PL0PCTEN is for CNTPCT only
]) + "\n"


def _timer_poll_elf():
    from tests.guestlib import build_sysguest
    try:
        return build_sysguest("timer_poll")
    except Exception as e:   # no cross gcc
        pytest.skip("cannot build the timer_poll guest: %s" % e)


@pytest.mark.parametrize("engine", ["interp", "auto"])
def test_timer_poll_guest_armtcg(engine):
    from tests.guestlib import run_armtcg, armtcg_engines
    if engine not in armtcg_engines():
        pytest.skip(engine + " not available")
    out, status, err = run_armtcg(_timer_poll_elf(), timeout=300, engine=engine)
    assert out.decode() == TIMER_POLL_EXPECTED, err.decode()
    assert status == 0


@pytest.mark.qemu
def test_timer_poll_guest_qemu():
    from tests.guestlib import run_qemu, have_qemu
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    out, status = run_qemu(_timer_poll_elf(), timeout=60)
    assert out.decode() == TIMER_POLL_EXPECTED
    assert status == 0


# -- -icount at system level: the same bytes under every engine -------------------------

def _run_icount_guest(engine):
    from tests.guestlib import build_sysguest, armtcg_command, run_command
    try:
        elf = build_sysguest("timer_icount")
    except Exception as e:
        pytest.skip("cannot build the timer_icount guest: %s" % e)
    cmd = armtcg_command(elf, engine) + ["-icount", "shift=3"]
    out, status, err = run_command(cmd, 300, cwd=str(elf.parents[3]))
    assert status == 0, err.decode()
    return out.decode()


def test_timer_icount_guest_is_identical_under_every_engine():
    from tests.guestlib import armtcg_engines
    outs = {e: _run_icount_guest(e) for e in armtcg_engines()}
    ref = outs["interp"]
    assert all(o == ref for o in outs.values()), outs
    lines = ref.splitlines()
    counts = [int(l.split()[1]) for l in lines[:8]]
    assert counts == sorted(counts) and counts[0] < counts[-1]   # the count advances
    assert int(lines[8].split()[-1]) > 0                         # PMCCNTR counted
    # WFI returned at the deadline (guest time skipped to it): count == CVAL,
    # so the condition holds, ISTATUS = 1 (B8.1.5)
    assert lines[9] == "wfi woke at cval+0 istatus 1"


# -- the timer_irq sysguest: the interrupt through a GIC, taken in WFI --------------------

TIMER_IRQ_EXPECTED = [
    # ISTATUS|ENABLE in the handler, never taken before count >= CVAL (B8.1.5)
    "round %d irqs %d ctl in irq 5 early 0" % (i, i + 1) for i in range(3)
] + ["spurious 0"]


def _timer_irq_elf():
    from tests.guestlib import build_sysguest
    try:
        return build_sysguest("timer_irq")
    except Exception as e:
        pytest.skip("cannot build the timer_irq guest: %s" % e)


@pytest.mark.parametrize("icount_shift", [None, 3])
def test_timer_irq_guest_armtcg(icount_shift):
    import io
    from tcg.emulator import virt_emulator
    out = io.BytesIO()
    emu = virt_emulator(128 << 20, uart_out=out, icount_shift=icount_shift)
    emu.board.load(str(_timer_irq_elf()))
    stop = emu.board.run(count=2_000_000)
    emu.close()
    assert out.getvalue().decode().splitlines() == TIMER_IRQ_EXPECTED
    assert stop.kind == "shutdown"
    if icount_shift is not None:
        # each WFI skipped guest time to the deadline: 3 ms of waiting took
        # far fewer instructions than 3 ms at 8 ns each (375000)
        assert emu.icount < 100000


@pytest.mark.qemu
def test_timer_irq_guest_qemu():
    from tests.guestlib import run_qemu, have_qemu
    if not have_qemu():
        pytest.skip("qemu-system-arm missing")
    out, status = run_qemu(_timer_irq_elf(), timeout=60)
    assert out.decode().splitlines() == TIMER_IRQ_EXPECTED
    assert status == 0


def test_clock_state_round_trip_under_icount():
    # guest time = (icount << shift) + bias: a snapshot keeps the bias
    emu = emu_with("wfi\nb .")
    emu.clock.set_deadline("x", 10_000, lambda: None)
    emu.run(count=5)                       # the WFI skips to 10000 ns
    st = emu.clock.state()
    assert st["bias_ns"] > 0
    other = emu_with("b .")
    other.clock.restore(st)
    assert other.clock.now_ns() - (other.icount << 4) == st["bias_ns"]
