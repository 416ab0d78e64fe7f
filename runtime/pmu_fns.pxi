# The Cortex-A15 PMU (PMUv2, 6 event counters + the cycle counter; A15 TRM
# DDI 0438 chapter 11, ARM ARM DDI 0406C C12) as cp15 functions in C.
#
# Included by runtime/cp15_fns.pxi.  Nothing counts per instruction: the
# counters hold their value at env.pm_sync_icount, and pm_sync() brings
# them up to env.icount before any read or any write that changes what
# counts.  Cycles are instructions (as QEMU with -icount); the events
# counted are SW_INCR (0x00, by PMSWINC), INST_RETIRED (0x08) and CPU_CYCLES
# (0x11), which PMCEID0 advertises.  Mode filtering (PMXEVTYPER bits 31:27)
# is held but not applied.
#
# A write that may change the overflow interrupt or when a counter next
# overflows sets EXIT_REQ_CLOCK; runtime/devices/pmu.py then updates the
# output and posts an instruction-count deadline at the next overflow.

cdef enum:
    PMU_N = 6                      # event counters (PMCR.N)
    PMU_CCNT = 1u << 31            # the cycle counter's bit in the set/clear masks
    PMU_ALL = 0x8000003F
    PMCR_E = 1 << 0
    PMCR_P = 1 << 1
    PMCR_C = 1 << 2
    PMCR_D = 1 << 3
    PMCR_KEEP = 0x39               # E D X DP are held; P and C are actions (read 0)
    EV_SW_INCR = 0x00
    EV_INST_RETIRED = 0x08
    EV_CPU_CYCLES = 0x11


cdef inline bint pm_counts_insns(uint32_t evtype) noexcept nogil:
    cdef uint32_t ev = evtype & 0xFF
    return ev == EV_INST_RETIRED or ev == EV_CPU_CYCLES


cdef void pm_sync(CPUARMState *env) noexcept nogil:
    """Count the instructions executed since the last sync."""
    cdef uint64_t insns = env.icount - env.pm_sync_icount
    cdef uint64_t ticks, v
    cdef int i
    env.pm_sync_icount = env.icount
    if insns == 0 or not (env.pmcr & PMCR_E):
        return
    if env.pmcnten & PMU_CCNT:
        ticks = insns
        if env.pmcr & PMCR_D:      # one count every 64 cycles
            ticks = insns + env.pmccntr_frac
            env.pmccntr_frac = <uint32_t>(ticks & 63)
            ticks >>= 6
        v = <uint64_t>env.pmccntr + ticks
        if v >> 32:
            env.pmovsr |= PMU_CCNT
        env.pmccntr = <uint32_t>v
    for i in range(PMU_N):
        if env.pmcnten & (1u << i) and pm_counts_insns(env.pmevtyper[i]):
            v = <uint64_t>env.pmevcntr[i] + insns
            if v >> 32:
                env.pmovsr |= 1u << i
            env.pmevcntr[i] = <uint32_t>v


cdef inline int pm_changed(CPUARMState *env) noexcept nogil:
    # the overflow output or the next overflow may differ: Python re-evaluates
    env.exit_request |= EXIT_REQ_CLOCK
    return 0


# -- registers (A15 TRM 11.4, ARM ARM C12.8) -------------------------------------

cdef int pm_pmcr_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    cdef int i
    pm_sync(env)
    cp_store_lo(env, &cp_slots[idx], val & PMCR_KEEP)
    if val & PMCR_P:               # reset every event counter (not PMCCNTR)
        for i in range(PMU_N):
            env.pmevcntr[i] = 0
    if val & PMCR_C:
        env.pmccntr = 0
        env.pmccntr_frac = 0
    return pm_changed(env)


cdef int pm_cnten_set(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    pm_sync(env)
    env.pmcnten |= val & PMU_ALL
    return pm_changed(env)


cdef int pm_cnten_clr(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    pm_sync(env)
    env.pmcnten &= ~val
    return pm_changed(env)


cdef int pm_ovs_clr(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    pm_sync(env)                   # an overflow up to now is recorded before the clear
    env.pmovsr &= ~val
    return pm_changed(env)


cdef int pm_ovs_set(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    env.pmovsr |= val & PMU_ALL
    return pm_changed(env)


cdef int pm_inten_set(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    env.pmintenset |= val & PMU_ALL
    return pm_changed(env)


cdef int pm_inten_clr(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    env.pmintenset &= ~val
    return pm_changed(env)


cdef int pm_swinc_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    # counters enabled and counting SW_INCR go up by one (C12.8.12)
    cdef int i
    if not (env.pmcr & PMCR_E):
        return 0
    for i in range(PMU_N):
        if val & (1u << i) and env.pmcnten & (1u << i) \
                and (env.pmevtyper[i] & 0xFF) == EV_SW_INCR:
            env.pmevcntr[i] += 1
            if env.pmevcntr[i] == 0:
                env.pmovsr |= 1u << i
    return pm_changed(env)


cdef int pm_ccnt_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    pm_sync(env)
    val[0] = env.pmccntr
    return 0


cdef int pm_ccnt_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    pm_sync(env)
    env.pmccntr = val
    return pm_changed(env)


cdef inline uint32_t pm_sel(CPUARMState *env) noexcept nogil:
    return env.pmselr & 0x1F


# PMSELR.SEL >= N: UNPREDICTABLE (C12.8.9); here RAZ/WI
cdef int pm_evtyper_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    val[0] = env.pmevtyper[pm_sel(env)] if pm_sel(env) < PMU_N else 0
    return 0


cdef int pm_evtyper_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    if pm_sel(env) < PMU_N:
        pm_sync(env)
        env.pmevtyper[pm_sel(env)] = val & 0xF80000FFu   # P U NSK NSU NSH, evtCount
    return pm_changed(env)


cdef int pm_evcntr_read(CPUARMState *env, uint32_t idx, uint32_t *val) noexcept nogil:
    pm_sync(env)
    val[0] = env.pmevcntr[pm_sel(env)] if pm_sel(env) < PMU_N else 0
    return 0


cdef int pm_evcntr_write(CPUARMState *env, uint32_t idx, uint32_t val) noexcept nogil:
    if pm_sel(env) < PMU_N:
        pm_sync(env)
        env.pmevcntr[pm_sel(env)] = val
    return pm_changed(env)


cdef int pm_pl0_access(CPUARMState *env, uint32_t idx, int is_read) noexcept nogil:
    # PL0 may use the PMU only with PMUSERENR.EN (C12.8.17)
    return 1 if gt_at_pl0(env) and not (env.pmuserenr & 1) else 0


cp_register_fns("pm_pmcr_write", NULL, pm_pmcr_write, NULL, NULL, NULL)
cp_register_fns("pm_cnten_set", NULL, pm_cnten_set, NULL, NULL, NULL)
cp_register_fns("pm_cnten_clr", NULL, pm_cnten_clr, NULL, NULL, NULL)
cp_register_fns("pm_ovs_clr", NULL, pm_ovs_clr, NULL, NULL, NULL)
cp_register_fns("pm_ovs_set", NULL, pm_ovs_set, NULL, NULL, NULL)
cp_register_fns("pm_inten_set", NULL, pm_inten_set, NULL, NULL, NULL)
cp_register_fns("pm_inten_clr", NULL, pm_inten_clr, NULL, NULL, NULL)
cp_register_fns("pm_swinc_write", NULL, pm_swinc_write, NULL, NULL, NULL)
cp_register_fns("pm_ccnt_read", pm_ccnt_read, NULL, NULL, NULL, NULL)
cp_register_fns("pm_ccnt_write", NULL, pm_ccnt_write, NULL, NULL, NULL)
cp_register_fns("pm_evtyper_read", pm_evtyper_read, NULL, NULL, NULL, NULL)
cp_register_fns("pm_evtyper_write", NULL, pm_evtyper_write, NULL, NULL, NULL)
cp_register_fns("pm_evcntr_read", pm_evcntr_read, NULL, NULL, NULL, NULL)
cp_register_fns("pm_evcntr_write", NULL, pm_evcntr_write, NULL, NULL, NULL)
cp_register_fns("pm_pl0_access", NULL, NULL, NULL, NULL, pm_pl0_access)


# -- Python side (runtime/devices/pmu.py) -------------------------------------------

def pmu_reset(CPU cpu):
    """The state the table's reset does not reach (the counter arrays)."""
    cdef int i
    for i in range(PMU_N):
        cpu.env.pmevtyper[i] = 0
        cpu.env.pmevcntr[i] = 0
    cpu.env.pmccntr_frac = 0
    cpu.env.pm_sync_icount = cpu.env.icount


def pmu_sync(CPU cpu):
    """Bring the counters up to now; returns (pmovsr, pmintenset, [instructions
    until each counting counter overflows])."""
    cdef CPUARMState *env = cpu.env
    cdef int i
    pm_sync(env)
    left = []
    if env.pmcr & PMCR_E:
        if env.pmcnten & PMU_CCNT:
            n = (1 << 32) - env.pmccntr
            left.append(n * 64 - env.pmccntr_frac if env.pmcr & PMCR_D else n)
        for i in range(PMU_N):
            if env.pmcnten & (1u << i) and pm_counts_insns(env.pmevtyper[i]):
                left.append((1 << 32) - env.pmevcntr[i])
    return env.pmovsr, env.pmintenset, left


def pmu_counters(CPU cpu):
    """(PMCCNTR, [PMXEVCNTR 0..5], [PMXEVTYPER 0..5], PMCR.D remainder) now."""
    cdef int i
    pm_sync(cpu.env)
    return (cpu.env.pmccntr, [cpu.env.pmevcntr[i] for i in range(PMU_N)],
            [cpu.env.pmevtyper[i] for i in range(PMU_N)], cpu.env.pmccntr_frac)


def pmu_set_counters(CPU cpu, uint32_t ccnt, evcntr, evtyper, uint32_t frac=0):
    """Load the counters (counting on from now)."""
    cdef int i
    if len(evcntr) != PMU_N or len(evtyper) != PMU_N:
        raise ValueError("PMU state needs %d event counters and types" % PMU_N)
    for i in range(PMU_N):
        cpu.env.pmevcntr[i] = evcntr[i]
        cpu.env.pmevtyper[i] = evtyper[i]
    cpu.env.pmccntr = ccnt
    cpu.env.pmccntr_frac = frac & 63
    cpu.env.pm_sync_icount = cpu.env.icount
