# The guest clock and the generic timer's cp15 registers, in C.
#
# Included by runtime/cp15_fns.pxi (so by runtime/core.pyx).  The count is
# read here without Python (Linux reads CNTVCT on every clock read):
#
#   host time:  ns = CLOCK_MONOTONIC - clock_base_ns (the emulator's creation)
#   -icount N:  ns = (icount << N) + clock_bias_ns   (bias: idle time WFI skipped)
#   count = ns / 16   (62.5 MHz, QEMU virt's fixed counter frequency)
#
# A write to CNTx_CTL/CVAL/TVAL sets EXIT_REQ_CLOCK: the exec loop returns
# to Python at the next block, where runtime/devices/gtimer.py re-evaluates
# the outputs and re-arms the deadline (runtime/clock.py).  Nothing is
# checked per block.
#
# ARM ARM DDI 0406C B8 (The Generic Timer), B4.1.21-B4.1.35 (CNT* registers).

from libc.stdint cimport uint64_t, int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

cdef enum:
    GT_NS_PER_TICK = 16        # 1e9 / 62.5e6
    GT_PHYS = 0
    GT_VIRT = 1
    # CNTx_CTL (B4.1.26/B4.1.30)
    GT_CTL_ENABLE = 1
    GT_CTL_IMASK = 2
    GT_CTL_ISTATUS = 4
    # CNTKCTL (B4.1.27)
    CNTKCTL_PL0PCTEN = 1 << 0
    CNTKCTL_PL0VCTEN = 1 << 1
    CNTKCTL_PL0VTEN = 1 << 8
    CNTKCTL_PL0PTEN = 1 << 9


cdef inline uint64_t clock_ns(CPUARMState *env) noexcept nogil:
    cdef timespec ts
    if env.clock_shift >= 0:
        return (env.icount << env.clock_shift) + env.clock_bias_ns
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return <uint64_t>ts.tv_sec * 1000000000u + <uint64_t>ts.tv_nsec - env.clock_base_ns


cdef inline uint64_t gt_pcount(CPUARMState *env) noexcept nogil:
    return clock_ns(env) // GT_NS_PER_TICK


cdef inline uint64_t gt_vcount(CPUARMState *env) noexcept nogil:
    return gt_pcount(env) - ((<uint64_t>env.cntvoff_hi << 32) | env.cntvoff_lo)


cdef inline uint64_t gt_count_of(CPUARMState *env, uint32_t t) noexcept nogil:
    return gt_vcount(env) if t == GT_VIRT else gt_pcount(env)


cdef inline uint32_t *gt_ctl(CPUARMState *env, uint32_t t) noexcept nogil:
    return &env.cntv_ctl if t == GT_VIRT else &env.cntp_ctl


cdef inline uint64_t gt_cval(CPUARMState *env, uint32_t t) noexcept nogil:
    if t == GT_VIRT:
        return (<uint64_t>env.cntv_cval_hi << 32) | env.cntv_cval_lo
    return (<uint64_t>env.cntp_cval_hi << 32) | env.cntp_cval_lo


cdef inline void gt_set_cval(CPUARMState *env, uint32_t t, uint64_t v) noexcept nogil:
    if t == GT_VIRT:
        env.cntv_cval_lo, env.cntv_cval_hi = <uint32_t>v, <uint32_t>(v >> 32)
    else:
        env.cntp_cval_lo, env.cntp_cval_hi = <uint32_t>v, <uint32_t>(v >> 32)
    env.exit_request |= EXIT_REQ_CLOCK


cdef inline uint32_t gt_timer_of(uint32_t idx) noexcept nogil:
    # the row's values[0] says which timer (GT_PHYS/GT_VIRT)
    return cp_slots[idx].values[0]


cdef inline bint gt_at_pl0(CPUARMState *env) noexcept nogil:
    return (env.uncached_cpsr & CPSR_M) == MODE_USR


# -- counters (B4.1.33 CNTPCT, B4.1.34 CNTVCT) -------------------------------

cdef int gt_cntpct_read64(CPUARMState *env, uint32_t idx,
                          uint32_t *lo, uint32_t *hi) noexcept nogil:
    cdef uint64_t c = gt_pcount(env)
    lo[0], hi[0] = <uint32_t>c, <uint32_t>(c >> 32)
    return 0


cdef int gt_cntvct_read64(CPUARMState *env, uint32_t idx,
                          uint32_t *lo, uint32_t *hi) noexcept nogil:
    cdef uint64_t c = gt_vcount(env)
    lo[0], hi[0] = <uint32_t>c, <uint32_t>(c >> 32)
    return 0


# -- timers (B8.1.5 "Timers": the condition is count - CVAL >= 0) -----------

cdef int gt_ctl_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    # ISTATUS: the timer condition.  With ENABLE 0 it is UNKNOWN (B4.1.26);
    # QEMU reads 0 then, and so do we.
    cdef uint32_t t = gt_timer_of(idx)
    cdef uint32_t ctl = gt_ctl(env, t)[0] & (GT_CTL_ENABLE | GT_CTL_IMASK)
    if ctl & GT_CTL_ENABLE and gt_count_of(env, t) >= gt_cval(env, t):
        ctl |= GT_CTL_ISTATUS
    val[0] = ctl
    return 0


cdef int gt_ctl_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    gt_ctl(env, gt_timer_of(idx))[0] = val & (GT_CTL_ENABLE | GT_CTL_IMASK)
    env.exit_request |= EXIT_REQ_CLOCK
    return 0


cdef int gt_cval_write64(CPUARMState *env, uint32_t idx, uint32_t lo, uint32_t hi) noexcept nogil:
    gt_set_cval(env, gt_timer_of(idx), (<uint64_t>hi << 32) | lo)
    return 0


cdef int gt_tval_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    # TVAL is the signed 32-bit view CVAL - count (B8.1.5)
    cdef uint32_t t = gt_timer_of(idx)
    val[0] = <uint32_t>(gt_cval(env, t) - gt_count_of(env, t))
    return 0


cdef int gt_tval_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # CVAL = count + SignExtend(TVAL) (B8.1.5)
    cdef uint32_t t = gt_timer_of(idx)
    gt_set_cval(env, t, gt_count_of(env, t) + <uint64_t><int64_t><int32_t>val)
    return 0


# -- PL0 access through CNTKCTL (B4.1.27); 0 = allowed ------------------------

cdef inline int gt_pl0_needs(CPUARMState *env, uint32_t bits) noexcept nogil:
    return 1 if gt_at_pl0(env) and not (env.cntkctl & bits) else 0


cdef int gt_frq_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    # CNTFRQ is readable at PL0 when either counter is (B4.1.21)
    return gt_pl0_needs(env, CNTKCTL_PL0PCTEN | CNTKCTL_PL0VCTEN)


cdef int gt_pct_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    return gt_pl0_needs(env, CNTKCTL_PL0PCTEN)


cdef int gt_vct_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    return gt_pl0_needs(env, CNTKCTL_PL0VCTEN)


cdef int gt_ptimer_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    return gt_pl0_needs(env, CNTKCTL_PL0PTEN)


cdef int gt_vtimer_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    return gt_pl0_needs(env, CNTKCTL_PL0VTEN)


cp_register_fns("gt_cntpct_read", NULL, NULL, gt_cntpct_read64, NULL, NULL)
cp_register_fns("gt_cntvct_read", NULL, NULL, gt_cntvct_read64, NULL, NULL)
cp_register_fns("gt_ctl_read", gt_ctl_read, NULL, NULL, NULL, NULL)
cp_register_fns("gt_ctl_write", NULL, gt_ctl_write, NULL, NULL, NULL)
cp_register_fns("gt_cval_write", NULL, NULL, NULL, gt_cval_write64, NULL)
cp_register_fns("gt_tval_read", gt_tval_read, NULL, NULL, NULL, NULL)
cp_register_fns("gt_tval_write", NULL, gt_tval_write, NULL, NULL, NULL)
cp_register_fns("gt_frq_access", NULL, NULL, NULL, NULL, gt_frq_access)
cp_register_fns("gt_pct_access", NULL, NULL, NULL, NULL, gt_pct_access)
cp_register_fns("gt_vct_access", NULL, NULL, NULL, NULL, gt_vct_access)
cp_register_fns("gt_ptimer_access", NULL, NULL, NULL, NULL, gt_ptimer_access)
cp_register_fns("gt_vtimer_access", NULL, NULL, NULL, NULL, gt_vtimer_access)


# -- Python side (runtime/clock.py, runtime/devices/gtimer.py) ----------------

def clock_setup(CPU cpu, int shift, uint64_t base_ns, uint64_t bias_ns=0):
    """shift: -icount shift, or -1 for host time counted from base_ns
    (time.monotonic_ns() at the emulator's creation)."""
    cpu.env.clock_shift = shift
    cpu.env.clock_base_ns = base_ns
    cpu.env.clock_bias_ns = bias_ns


def clock_add_bias(CPU cpu, uint64_t ns):
    """-icount: the guest slept ns in WFI (its clock jumps, icount does not)."""
    cpu.env.clock_bias_ns += ns


def clock_now_ns(CPU cpu):
    """Guest time in ns, as the counter sees it."""
    return clock_ns(cpu.env)


def clock_request(CPU cpu):
    """Ask the exec loop to serve the clock (any thread; the loop runs nogil)."""
    cpu.env.exit_request |= EXIT_REQ_CLOCK


def clock_irq_pending(CPU cpu):
    """An interrupt line is asserted (WFI would not sleep)."""
    return cpu.env.irq_lines != 0


def clock_take_request(CPU cpu):
    """Clear EXIT_REQ_CLOCK; True if it was set."""
    cdef uint32_t r = cpu.env.exit_request
    cpu.env.exit_request = r & ~(<uint32_t>EXIT_REQ_CLOCK)
    return bool(r & EXIT_REQ_CLOCK)


def gt_state(CPU cpu, uint32_t t):
    """(ctl, cval, count, pcount) of timer t (0 physical, 1 virtual): ctl
    without ISTATUS, count in that timer's view, pcount the physical count
    of the same instant."""
    cdef uint64_t p = gt_pcount(cpu.env)
    cdef uint64_t c = p
    if t == GT_VIRT:
        c = p - ((<uint64_t>cpu.env.cntvoff_hi << 32) | cpu.env.cntvoff_lo)
    return (gt_ctl(cpu.env, t)[0], gt_cval(cpu.env, t), c, p)


cdef _record_timer_fields(CPUARMState *e, dict f):
    """env_field_offset() names of the fields above (cp15 rows name them)."""
    cdef char *base = <char *>e
    f["cntfrq"] = <char *>&e.cntfrq - base
    f["cntkctl"] = <char *>&e.cntkctl - base
    f["cntp_ctl"] = <char *>&e.cntp_ctl - base
    f["cntv_ctl"] = <char *>&e.cntv_ctl - base
    f["cntp_cval_lo"] = <char *>&e.cntp_cval_lo - base
    f["cntp_cval_hi"] = <char *>&e.cntp_cval_hi - base
    f["cntv_cval_lo"] = <char *>&e.cntv_cval_lo - base
    f["cntv_cval_hi"] = <char *>&e.cntv_cval_hi - base
    f["cntvoff_lo"] = <char *>&e.cntvoff_lo - base
    f["cntvoff_hi"] = <char *>&e.cntvoff_hi - base
    f["pmcr"] = <char *>&e.pmcr - base
    f["pmcnten"] = <char *>&e.pmcnten - base
    f["pmovsr"] = <char *>&e.pmovsr - base
    f["pmintenset"] = <char *>&e.pmintenset - base
    f["pmselr"] = <char *>&e.pmselr - base
    f["pmuserenr"] = <char *>&e.pmuserenr - base
    f["pmevtyper"] = <char *>&e.pmevtyper[0] - base
    f["pmevcntr"] = <char *>&e.pmevcntr[0] - base
    f["pmccntr"] = <char *>&e.pmccntr - base
    f["pm_sync_icount"] = <char *>&e.pm_sync_icount - base
    f["teecr"] = <char *>&e.teecr - base
    f["teehbr"] = <char *>&e.teehbr - base
    _record_debug_fields(e, f)      # runtime/debug_fns.pxi
    f["clock_shift"] = <char *>&e.clock_shift - base
    f["clock_base_ns"] = <char *>&e.clock_base_ns - base
    f["clock_bias_ns"] = <char *>&e.clock_bias_ns - base
