# The guest clock and the generic timer's cp15 registers, in C.
#
# Included by runtime/cp15_fns.pxi (so by runtime/core.pyx).  The count is
# read here without Python (Linux reads CNTVCT on every clock read):
#
#   host time:  ns = CLOCK_MONOTONIC - clock_base_ns (the emulator's creation)
#   -icount N:  ns = (icount << N) + clock_bias_ns   (bias: idle time WFI skipped)
#   count = ns / 16   (62.5 MHz, QEMU virt's fixed counter frequency)
#
# A write to CNTx_CTL/CVAL/TVAL runs gt_service() here: the outputs
# (ISTATUS && !IMASK, level-sensitive) go straight to their GIC PPI inputs
# (env.gt_sink, wired by runtime/devices/gtimer.py), and the next time a
# timer condition turns true becomes the CPU's deadline: under -icount an
# instruction count that lowers icount_limit (the exec loop serves it in
# C when it is reached), under host time a HostAlarm thread
# (include/host_alarm.h) that sets EXIT_REQ_TIMER, which the exec loop
# serves in C too.  Nothing is checked per block and no Python runs; an
# output without a C sink changes through Python (EXIT_REQ_CLOCK ->
# GenericTimer.update()).
#
# ARM ARM DDI 0406C B8 (The Generic Timer), B4.1.21-B4.1.35 (CNT* registers).

from libc.stdint cimport uint64_t, int64_t
from posix.time cimport clock_gettime, timespec, CLOCK_MONOTONIC

cdef extern from "<time.h>" nogil:
    int clock_nanosleep(int clock_id, int flags, const timespec *request, timespec *remain)
    int TIMER_ABSTIME

cdef extern from "<sys/prctl.h>" nogil:
    int prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4,
              unsigned long arg5)
    int PR_SET_TIMERSLACK

cdef extern from "host_alarm.h" nogil:
    ctypedef struct HostAlarm:
        pass
    uint64_t HOST_ALARM_NONE
    HostAlarm *host_alarm_new(volatile uint32_t *word, uint32_t bit)
    void host_alarm_set(HostAlarm *a, uint64_t target)
    void host_alarm_free(HostAlarm *a)

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
    # WFI waits in C for a timer deadline at most this far ahead (host
    # time), in slices so that a stop request (console input, Ctrl-C) is
    # seen within one; longer waits are runtime/clock.py's
    GT_IDLE_MAX_NS = 100000000
    GT_IDLE_SLICE_NS = 1000000
    # a deadline nearer than this is closer than a thread wakes (host
    # time): WFI spins for it, and a running guest checks it at block
    # boundaries (EXIT_REQ_TIMER at once) instead of waiting for the alarm
    GT_NEAR_NS = 20000

cdef uint64_t GT_NEVER = <uint64_t>-1     # no deadline (gt_deadline_ns/icount)


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
    gt_service(env)


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
    gt_service(env)
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


# -- outputs and deadline (B8.1.5: ISTATUS = ENABLE && count >= CVAL,
#    output = ISTATUS && !IMASK, level-sensitive) ---------------------------

cdef void gt_set_output(CPUARMState *env, uint32_t t, bint level) noexcept nogil:
    cdef uint32_t bit = 1u << t
    if ((env.gt_level & bit) != 0) == level:
        return
    env.gt_level ^= bit
    if env.gt_sink[t] != NULL:
        env.gt_sink[t](env.gt_sink_opaque[t], env.gt_sink_arg[t], level)
    else:
        exit_request_set(&env.exit_request, EXIT_REQ_CLOCK)   # Python drives the line


cdef uint64_t gt_due_ns(CPUARMState *env, uint32_t t, uint64_t pcount) noexcept nogil:
    """Guest ns at which timer t's condition turns true, GT_NEVER if it holds
    now, the timer is off, or it lies past 2^64 ns."""
    cdef uint32_t ctl = gt_ctl(env, t)[0]
    cdef uint64_t count = pcount
    cdef uint64_t cval = gt_cval(env, t)
    if t == GT_VIRT:
        count = pcount - ((<uint64_t>env.cntvoff_hi << 32) | env.cntvoff_lo)
    if not ctl & GT_CTL_ENABLE or count >= cval:
        return GT_NEVER
    if cval - count >= GT_NEVER // GT_NS_PER_TICK - pcount:
        return GT_NEVER
    return (pcount + (cval - count)) * GT_NS_PER_TICK


cdef void gt_arm(CPUARMState *env, uint64_t due) noexcept nogil:
    """The CPU's timer deadline: an instruction count under -icount (the
    budget is cut there), else the host alarm."""
    cdef uint64_t left
    env.gt_deadline_ns = due
    if env.clock_shift >= 0:
        env.gt_deadline_icount = GT_NEVER
        if due != GT_NEVER:
            left = due - env.clock_bias_ns if due > env.clock_bias_ns else 0
            env.gt_deadline_icount = (left + (<uint64_t>1 << env.clock_shift) - 1) >> env.clock_shift
        env.icount_limit = min(env.icount_limit_run, env.gt_deadline_icount)
        return
    if due != GT_NEVER and due <= clock_ns(env) + GT_NEAR_NS:
        exit_request_set(&env.exit_request, EXIT_REQ_TIMER)
    if env.host_alarm == NULL and due != GT_NEVER:
        env.host_alarm = host_alarm_new(&env.exit_request, EXIT_REQ_TIMER)
    if env.host_alarm != NULL:
        host_alarm_set(<HostAlarm *>env.host_alarm,
                       HOST_ALARM_NONE if due == GT_NEVER else due + env.clock_base_ns)


cdef void gt_service(CPUARMState *env) noexcept nogil:
    cdef uint64_t p = gt_pcount(env)
    cdef uint64_t due = GT_NEVER
    cdef uint32_t t, ctl
    exit_request_take(&env.exit_request, EXIT_REQ_TIMER)
    for t in range(2):
        ctl = gt_ctl(env, t)[0]
        due = min(due, gt_due_ns(env, t, p))
        gt_set_output(env, t, (ctl & GT_CTL_ENABLE) != 0 and (ctl & GT_CTL_IMASK) == 0
                      and gt_count_of(env, t) >= gt_cval(env, t))
    gt_arm(env, due)


cdef void gt_reset_run_state(CPUARMState *env) noexcept nogil:
    env.gt_deadline_ns = GT_NEVER
    env.gt_deadline_icount = GT_NEVER
    env.py_deadline_ns = GT_NEVER
    env.icount_limit_run = env.icount_limit


cdef bint gt_idle(CPUARMState *env) noexcept nogil:
    """WFI with nothing pending, when the timer's deadline comes before any
    of runtime/clock.py's: under -icount skip guest time to it (only with
    no Python deadline, whose instruction budgets assume the bias), under
    host time sleep until it (if within GT_IDLE_MAX_NS); then serve it.
    0: Clock.idle() decides (as it does the same, only slower)."""
    cdef uint64_t due = env.gt_deadline_ns, now, wake
    cdef timespec ts
    if due == GT_NEVER or due >= env.py_deadline_ns:
        return 0
    now = clock_ns(env)
    if env.clock_shift >= 0:
        if env.py_deadline_ns != GT_NEVER:
            return 0
        if due > now:
            env.clock_bias_ns += due - now
        gt_service(env)
        return 1
    if due > now + GT_IDLE_MAX_NS:
        return 0
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0)     # this thread wakes at the deadline, not 50 us late
    while now + GT_NEAR_NS < due:
        if env.exit_request & (EXIT_REQ_STOP | EXIT_REQ_FLUSH | EXIT_REQ_CLOCK):
            return 1                    # the exec loop returns to Python
        wake = min(due - GT_NEAR_NS, now + GT_IDLE_SLICE_NS) + env.clock_base_ns
        ts.tv_sec = wake // 1000000000
        ts.tv_nsec = wake % 1000000000
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)
        now = clock_ns(env)
    while now < due:                    # the last few us: spin
        now = clock_ns(env)
    gt_service(env)
    return 1


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
    gt_arm(cpu.env, GT_NEVER)       # the next gt_service() arms it in this clock


def clock_set_py_deadline(CPU cpu, ns):
    """runtime/clock.py's earliest deadline (None: none), for gt_idle()."""
    cpu.env.py_deadline_ns = GT_NEVER if ns is None else ns


def gt_serve(CPU cpu):
    """Timer outputs and deadline from the registers now (Clock.service)."""
    gt_service(cpu.env)


def gt_stop_alarm(CPU cpu):
    """End the host alarm thread (Clock.close); a later deadline makes a new one."""
    if cpu.env.host_alarm != NULL:
        host_alarm_free(<HostAlarm *>cpu.env.host_alarm)
        cpu.env.host_alarm = NULL


def gt_deadline_ns(CPU cpu):
    """The next guest time (ns) a timer condition turns true, or None."""
    return None if cpu.env.gt_deadline_ns == GT_NEVER else cpu.env.gt_deadline_ns


def gt_output(CPU cpu, uint32_t t):
    """Timer t's output level (ISTATUS && !IMASK) as last evaluated."""
    return (cpu.env.gt_level >> t) & 1


def gt_connect(CPU cpu, uint32_t t, sink):
    """Timer t's output goes to sink, a GICInput (served in C from now on),
    or None (Python's GenericTimer drives the line)."""
    cdef GICInput inp
    if t > GT_VIRT:
        raise ValueError("generic timer %r: 0 (physical) or 1 (virtual)" % t)
    cpu.env.gt_sink[t] = NULL
    if sink is not None:
        inp = <GICInput?>sink
        inp.core.keep_cpu(cpu)
        cpu.env.gt_sink_opaque[t] = <void *>inp.core.s
        cpu.env.gt_sink_arg[t] = (inp.cpu << 16) | inp.intid
        cpu.env.gt_sink[t] = gic_irq_input
        gic_irq_input(<void *>inp.core.s, cpu.env.gt_sink_arg[t], (cpu.env.gt_level >> t) & 1)


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
