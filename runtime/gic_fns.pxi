# The GICv2 in C: distributor, CPU interfaces (up to 8) and virtual
# interfaces (GICH; GICV is a view of GICH state, GICH_EISR/ELRSR/MISR are
# computed).  runtime/devices/gicv2.py is the Python face (board wiring,
# state save/load) and carries the spec citations and QEMU notes; the
# rules here follow it one for one (GIC Architecture Specification v2.0,
# ARM IHI 0048B, "spec").
#
# Included by runtime/core.pyx.  The four MMIO views are CMMIO devices:
# the CPU's memory slow path calls gic_mmio_read/write, no Python.  The
# outputs drive the connected CPU's pins directly (env.irq_lines and
# EXIT_REQ_IRQ, as CPU.set_irq_line), the maintenance interrupt the CPU's
# own PPI 9; an output with a Python sink (tests, other wiring) calls it
# with the GIL.  Each register map is a table of GICReg rows.  Every access
# comes from the emulator's thread (device state belongs to it: input
# threads only queue, runtime/chardev.py), so the state takes no lock.

cimport cython
from libc.stdint cimport uint8_t, uint32_t, uint64_t
from libc.string cimport memset

cdef extern from *:
    """
    #define GIC_LR_HW 0x80000000u
    #define GIC_LR_GRP1 0x40000000u
    #define GIC_LR_ACTIVE 0x20000000u
    #define GIC_LR_PENDING 0x10000000u
    #define GIC_LR_MASK 0xFF8FFFFFu          /* bits 22:20 reserved */
    #define GIC_HCR_MASK 0xF80000FFu
    #define GIC_VMCR_MASK 0xF8FC021Fu
    #define GICH_VTR_VALUE 0x90000003u       /* PRIbits-1 = PREbits-1 = 4, ListRegs-1 = 3 */
    static inline unsigned gic_ctz(uint32_t v) { return (unsigned)__builtin_ctz(v); }
    """
    const uint32_t GIC_LR_HW, GIC_LR_GRP1, GIC_LR_ACTIVE, GIC_LR_PENDING, GIC_LR_MASK
    const uint32_t GIC_HCR_MASK, GIC_VMCR_MASK, GICH_VTR_VALUE
    uint32_t gic_ctz(uint32_t v) nogil

cdef enum:
    GIC_MAX_CPUS = 8
    GIC_MAX_IRQ = 1024
    GIC_WORDS = 32                 # GIC_MAX_IRQ / 32
    GIC_NUM_LRS = 4
    GIC_SPURIOUS = 1023
    GIC_GROUP1_ACKCTL0 = 1022      # spec 4.4.4: Group 1 pending, AckCtl = 0
    GIC_IDLE_PRIORITY = 0x100      # running priority with nothing active
    GIC_SGI_MASK = 0xFFFF
    GIC_PPI_MAINTENANCE = 9        # INTID 25
    # GICD_CTLR / GICC_CTLR (spec 4.3.1, 4.4.1)
    GIC_EN_GRP0 = 1
    GIC_EN_GRP1 = 2
    GIC_CTLR_ACKCTL = 1 << 2
    GIC_CTLR_FIQEN = 1 << 3
    GIC_CTLR_CBPR = 1 << 4
    GIC_CTLR_EOIMODE = 1 << 9
    GICC_CTLR_MASK = 0x21F
    GICD_IIDR_VALUE = 0x0000043B   # QEMU 7.2
    GICC_IIDR_VALUE = 0x0002043B
    # GICH_HCR, GICH_VMCR, GICH_LRn, GICH_MISR (spec ch. 5)
    GIC_HCR_EN = 1
    GIC_HCR_UIE = 2
    GIC_HCR_LRENPIE = 4
    GIC_HCR_NPIE = 8
    GIC_HCR_VGRP0EIE = 16
    GIC_HCR_VGRP0DIE = 32
    GIC_HCR_VGRP1EIE = 64
    GIC_HCR_VGRP1DIE = 128
    GIC_HCR_EOICOUNT_SHIFT = 27
    GIC_VMCR_CTLR_MASK = 0x21F
    GIC_VMCR_ABP_SHIFT = 18
    GIC_VMCR_BP_SHIFT = 21
    GIC_VMCR_PMR_SHIFT = 27
    GIC_VIRT_MIN_BPR = 2
    GIC_VIRT_MIN_ABPR = 3
    GIC_LR_VID_MASK = 0x3FF
    GIC_LR_PID_SHIFT = 10
    GIC_LR_EOI = 1 << 19
    GIC_LR_PRI_SHIFT = 23
    GIC_LR_STATE_SHIFT = 28
    GIC_MISR_EOI = 1
    GIC_MISR_U = 2
    GIC_MISR_LRENP = 4
    GIC_MISR_NP = 8
    # the per-INTID bitmaps: GICState.spi[kind][word], GICCpu.ppi[kind]
    GIC_ENABLED = 0
    GIC_GROUP = 1
    GIC_PEND = 2                   # the pending latch (edge, ISPENDR)
    GIC_ACTIVE = 3
    GIC_LEVEL = 4                  # input levels
    GIC_EDGE = 5                   # GICD_ICFGR: edge-triggered
    GIC_NKINDS = 6
    # outputs, a bit each in GICCpu.out
    GIC_OUT_IRQ = 1
    GIC_OUT_FIQ = 2
    GIC_OUT_VIRQ = 4
    GIC_OUT_VFIQ = 8
    GIC_OUT_MAINT = 16
    # MMIO views
    GIC_VIEW_DIST = 0
    GIC_VIEW_CPU = 1
    GIC_VIEW_HYP = 2
    GIC_VIEW_VCPU = 3
    GIC_NVIEWS = 4
    # bitmap register rows: how a write applies
    GIC_OP_RW = 0
    GIC_OP_SET = 1
    GIC_OP_CLEAR = 2

ctypedef struct GICCpu:
    uint32_t ppi[GIC_NKINDS]       # INTIDs 0..31, banked
    uint8_t priv_priority[32]
    uint8_t sgi_sources[16]        # [sgi] = bitmap of the source CPUs
    uint32_t target_map[GIC_WORDS] # SPIs whose GICD_ITARGETSR names this CPU
    # CPU interface
    uint32_t ctlr, pmr, bpr, abpr
    uint32_t apr[4]                # active priorities, Group 0: bit = preemption level
    uint32_t nsapr[4]              # Group 1
    # virtual interface
    uint32_t hcr, vmcr, vapr
    uint32_t lrs[GIC_NUM_LRS]
    # outputs and where they go
    uint32_t out                   # GIC_OUT_* levels
    uint32_t py_outs               # outputs with a Python sink
    uint32_t maint_to_ppi          # maintenance -> own PPI 9 (connect_cpu)
    CPUARMState *env               # IRQ/FIQ pins, or NULL

ctypedef struct GICViewCtx:        # a region's opaque pointer
    void *s                        # GICState
    uint32_t view

ctypedef struct GICState:
    uint32_t num_cpu, num_irq
    uint32_t mmio_cpu              # the CPU making C-served MMIO accesses
    uint32_t ctlr
    uint32_t spi[GIC_NKINDS][GIC_WORDS]   # word 0 unused: banked in GICCpu.ppi
    uint8_t priority[GIC_MAX_IRQ]
    uint8_t targets[GIC_MAX_IRQ]
    GICCpu cpu[GIC_MAX_CPUS]
    GICViewCtx views[GIC_NVIEWS]
    uint64_t stat_reads, stat_writes, stat_acks
    void *owner                    # the GICCore (which owns this struct)

ctypedef uint32_t (*gic_rd_fn)(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil
ctypedef void (*gic_wr_fn)(GICState *s, uint32_t cpu, uint32_t off, uint32_t value,
                           uint32_t mask) noexcept nogil

ctypedef struct GICReg:
    uint32_t start, end            # byte offsets [start, end)
    uint32_t bytewise              # byte-wide array: rd/wr per byte (value, mask 0xFF)
    gic_rd_fn rd                   # NULL: RAZ
    gic_wr_fn wr                   # NULL: WI

ctypedef struct GICBitmapRow:
    uint32_t base, kind, op


# ---- small pieces -------------------------------------------------------------

cdef inline uint32_t *gic_bits(GICState *s, uint32_t cpu, uint32_t kind, uint32_t w) noexcept nogil:
    """Word w of bitmap kind as CPU cpu sees it (word 0 is banked)."""
    if w == 0:
        return &s.cpu[cpu].ppi[kind]
    return &s.spi[kind][w]


cdef inline uint32_t gic_group_priority_mask(uint32_t bpr) noexcept nogil:
    return (0xFFu << ((bpr & 7) + 1)) & 0xFF


cdef inline uint32_t gic_size_mask(int size) noexcept nogil:
    return 0xFFFFFFFFu if size >= 4 else (1u << (8 * size)) - 1


cdef inline uint32_t gic_sgi_pending(GICCpu *c) noexcept nogil:
    cdef uint32_t i, bits = 0
    for i in range(16):
        if c.sgi_sources[i]:
            bits |= 1u << i
    return bits


cdef inline uint32_t gic_pending_word(GICState *s, uint32_t cpu, uint32_t w) noexcept nogil:
    """INTIDs 32w.. pending on cpu (spec 1.4: a level-sensitive interrupt is
    pending while its input is asserted)."""
    cdef GICCpu *c = &s.cpu[cpu]
    if w == 0:
        return ((c.ppi[GIC_PEND] | (c.ppi[GIC_LEVEL] & ~c.ppi[GIC_EDGE])) & ~(<uint32_t>GIC_SGI_MASK)) \
            | gic_sgi_pending(c)
    return (s.spi[GIC_PEND][w] | (s.spi[GIC_LEVEL][w] & ~s.spi[GIC_EDGE][w])) & c.target_map[w]


cdef inline uint32_t gic_priority_of(GICState *s, uint32_t cpu, uint32_t intid) noexcept nogil:
    return s.cpu[cpu].priv_priority[intid] if intid < 32 else s.priority[intid]


cdef inline bint gic_in_group1(GICState *s, uint32_t cpu, uint32_t intid) noexcept nogil:
    return (gic_bits(s, cpu, GIC_GROUP, intid >> 5)[0] >> (intid & 31)) & 1


cdef uint32_t gic_group_priority(GICState *s, uint32_t cpu, uint32_t intid) noexcept nogil:
    """Group 1 uses GICC_ABPR unless CBPR (then GICC_BPR)."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t mask
    if gic_in_group1(s, cpu, intid) and not c.ctlr & GIC_CTLR_CBPR:
        mask = gic_group_priority_mask(c.abpr - 1)
    else:
        mask = gic_group_priority_mask(c.bpr)
    return gic_priority_of(s, cpu, intid) & mask


cdef uint32_t gic_running_priority(GICState *s, uint32_t cpu) noexcept nogil:
    """The lowest set bit of GICC_APR/NSAPR (a bit per preemption level)."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t w, bits
    for w in range(4):
        bits = c.apr[w] | c.nsapr[w]
        if bits:
            return (w * 32 + gic_ctz(bits)) << 1
    return GIC_IDLE_PRIORITY


# ---- selection and outputs ----------------------------------------------------

cdef uint32_t gic_highest_pending(GICState *s, uint32_t cpu) noexcept nogil:
    """The highest-priority pending interrupt the Distributor forwards to cpu
    with its group enabled on both sides and priority above GICC_PMR;
    SPURIOUS if none.  Active interrupts are not forwarded again."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t ctlr = s.ctlr & c.ctlr
    cdef uint32_t best = GIC_SPURIOUS, best_prio = GIC_IDLE_PRIORITY
    cdef uint32_t w, cand, group, intid, prio
    if not ctlr & (GIC_EN_GRP0 | GIC_EN_GRP1):
        return GIC_SPURIOUS
    for w in range(s.num_irq >> 5):
        cand = gic_pending_word(s, cpu, w) & gic_bits(s, cpu, GIC_ENABLED, w)[0] \
            & ~gic_bits(s, cpu, GIC_ACTIVE, w)[0]
        if not cand:
            continue
        group = gic_bits(s, cpu, GIC_GROUP, w)[0]
        if not ctlr & GIC_EN_GRP0:
            cand &= group
        if not ctlr & GIC_EN_GRP1:
            cand &= ~group
        while cand:
            intid = w * 32 + gic_ctz(cand)
            cand &= cand - 1
            prio = gic_priority_of(s, cpu, intid)
            if prio < best_prio:
                best, best_prio = intid, prio
    if best_prio >= c.pmr:
        return GIC_SPURIOUS
    return best


cdef void gic_notify_python(GICState *s, uint32_t cpu, uint32_t bit, int level) noexcept with gil:
    try:
        (<GICCore>s.owner)._notify(cpu, bit, level)
    except BaseException as e:
        _report_device_error(e)


cdef void gic_set_out(GICState *s, uint32_t cpu, uint32_t bit, bint level) noexcept nogil:
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t line
    if ((c.out & bit) != 0) == level:
        return
    c.out ^= bit
    if c.env != NULL and bit & (GIC_OUT_IRQ | GIC_OUT_FIQ):
        line = IRQ_LINE_IRQ if bit == GIC_OUT_IRQ else IRQ_LINE_FIQ
        if level:
            c.env.irq_lines |= line
        else:
            c.env.irq_lines &= ~line
        exit_request_set(&c.env.exit_request, EXIT_REQ_IRQ)
    if bit == GIC_OUT_MAINT and c.maint_to_ppi:
        gic_set_input(s, cpu, 16 + GIC_PPI_MAINTENANCE, level)
    if c.py_outs & bit:
        gic_notify_python(s, cpu, bit, level)


cdef void gic_update_cpu(GICState *s, uint32_t cpu) noexcept nogil:
    cdef bint irq = False, fiq = False
    cdef uint32_t best = gic_highest_pending(s, cpu)
    if best != GIC_SPURIOUS and gic_group_priority(s, cpu, best) < gic_running_priority(s, cpu):
        # Group 0 is signalled as FIQ when FIQEn is set (spec GICC_CTLR.FIQEn)
        if not gic_in_group1(s, cpu, best) and s.cpu[cpu].ctlr & GIC_CTLR_FIQEN:
            fiq = True
        else:
            irq = True
    gic_set_out(s, cpu, GIC_OUT_IRQ, irq)
    gic_set_out(s, cpu, GIC_OUT_FIQ, fiq)


cdef void gic_update(GICState *s) noexcept nogil:
    cdef uint32_t cpu
    for cpu in range(s.num_cpu):
        gic_update_cpu(s, cpu)


cdef void gic_set_input(GICState *s, uint32_t cpu, uint32_t intid, bint level) noexcept nogil:
    """An input changed: SPI intid (32..), or PPI/SGI intid of cpu.  A rising
    edge of an edge-triggered input latches the pending state (spec 1.4)."""
    cdef uint32_t w = intid >> 5, bit = 1u << (intid & 31)
    cdef uint32_t *lvl = gic_bits(s, cpu, GIC_LEVEL, w)
    cdef uint32_t old = lvl[0]
    lvl[0] = (old | bit) if level else (old & ~bit)
    if level and not old & bit and gic_bits(s, cpu, GIC_EDGE, w)[0] & bit:
        gic_bits(s, cpu, GIC_PEND, w)[0] |= bit
    if intid < 32:
        gic_update_cpu(s, cpu)
    else:
        gic_update(s)


cdef void gic_irq_input(void *opaque, uint32_t arg, int level) noexcept nogil:
    """irq_input_fn of a GIC input (the generic timer's sink): arg = cpu << 16 | intid."""
    gic_set_input(<GICState *>opaque, arg >> 16, arg & 0xFFFF, level != 0)


# ---- CPU interface behaviour --------------------------------------------------

cdef inline uint32_t gic_with_source(GICState *s, uint32_t cpu, uint32_t intid) noexcept nogil:
    """An SGI's ID carries its lowest pending source CPU in bits 12:10."""
    cdef uint32_t src
    if intid < 16:
        src = s.cpu[cpu].sgi_sources[intid]
        if src:
            return intid | (gic_ctz(src) << 10)
    return intid


cdef uint32_t gic_pending_id(GICState *s, uint32_t cpu, bint alias) noexcept nogil:
    """GICC_HPPIR (alias: GICC_AHPPIR)."""
    cdef uint32_t best = gic_highest_pending(s, cpu)
    cdef bint g1
    if best == GIC_SPURIOUS:
        return GIC_SPURIOUS
    g1 = gic_in_group1(s, cpu, best)
    if alias:
        return gic_with_source(s, cpu, best) if g1 else GIC_SPURIOUS
    if g1 and not s.cpu[cpu].ctlr & GIC_CTLR_ACKCTL:
        return GIC_GROUP1_ACKCTL0
    return gic_with_source(s, cpu, best)


cdef uint32_t gic_acknowledge(GICState *s, uint32_t cpu, bint alias) noexcept nogil:
    """A GICC_IAR (alias: GICC_AIAR, Group 1 only) read (spec 3.2, 4.4.4)."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t best = gic_highest_pending(s, cpu)
    cdef uint32_t gprio, value, bit, src, level
    cdef bint g1
    if best == GIC_SPURIOUS:
        return GIC_SPURIOUS
    g1 = gic_in_group1(s, cpu, best)
    if alias and not g1:
        return GIC_SPURIOUS
    if not alias and g1 and not c.ctlr & GIC_CTLR_ACKCTL:
        return GIC_GROUP1_ACKCTL0
    gprio = gic_group_priority(s, cpu, best)
    if gprio >= gic_running_priority(s, cpu):
        return GIC_SPURIOUS                 # no preemption: nothing to acknowledge
    value = best
    bit = 1u << (best & 31)
    if best < 16:
        src = gic_ctz(c.sgi_sources[best])
        c.sgi_sources[best] &= ~(1u << src)
        value |= src << 10
        c.ppi[GIC_ACTIVE] |= bit
    elif best < 32:
        c.ppi[GIC_PEND] &= ~bit
        c.ppi[GIC_ACTIVE] |= bit
    else:
        s.spi[GIC_PEND][best >> 5] &= ~bit
        s.spi[GIC_ACTIVE][best >> 5] |= bit
    level = gprio >> 1
    if g1:
        c.nsapr[level >> 5] |= 1u << (level & 31)
    else:
        c.apr[level >> 5] |= 1u << (level & 31)
    s.stat_acks += 1
    gic_update(s)
    return value


cdef inline void gic_deactivate_id(GICState *s, uint32_t cpu, uint32_t intid) noexcept nogil:
    gic_bits(s, cpu, GIC_ACTIVE, intid >> 5)[0] &= ~(1u << (intid & 31))


cdef void gic_end_of_interrupt(GICState *s, uint32_t cpu, uint32_t value, bint alias) noexcept nogil:
    """GICC_EOIR (alias: GICC_AEOIR): priority drop, and deactivation unless
    EOImode = 1 (spec 3.2, 4.4.5)."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t intid = value & 0x3FF, w, bits, low
    if intid >= s.num_irq:
        return                      # spurious IDs are ignored
    if alias and not gic_in_group1(s, cpu, intid):
        return                      # AEOIR only completes Group 1 interrupts
    for w in range(4):              # the highest active priority drops
        bits = c.apr[w] | c.nsapr[w]
        if bits:
            low = bits & (~bits + 1)
            c.apr[w] &= ~low
            c.nsapr[w] &= ~low
            break
    if not c.ctlr & GIC_CTLR_EOIMODE:
        gic_deactivate_id(s, cpu, intid)
    gic_update(s)


cdef void gic_send_sgi(GICState *s, uint32_t cpu, uint32_t value) noexcept nogil:
    """GICD_SGIR (spec 4.3.15): TargetListFilter 0 = the list, 1 = all but
    self, 2 = self, 3 reserved (ignored)."""
    cdef uint32_t sgi = value & 0xF, filt = (value >> 24) & 3, targets, t
    if filt == 0:
        targets = (value >> 16) & 0xFF
    elif filt == 1:
        targets = ((1u << s.num_cpu) - 1) & ~(1u << cpu)
    elif filt == 2:
        targets = 1u << cpu
    else:
        return
    for t in range(s.num_cpu):
        if targets >> t & 1:
            s.cpu[t].sgi_sources[sgi] |= 1u << cpu
    gic_update(s)


# ---- virtual CPU interface (list registers) -----------------------------------

cdef inline uint32_t gic_vpriority(uint32_t lr) noexcept nogil:
    return ((lr >> GIC_LR_PRI_SHIFT) & 0x1F) << 3


cdef uint32_t gic_vgroup_priority(GICCpu *c, uint32_t lr) noexcept nogil:
    cdef uint32_t bpr
    if lr & GIC_LR_GRP1 and not c.vmcr & GIC_CTLR_CBPR:
        bpr = ((c.vmcr >> GIC_VMCR_ABP_SHIFT) & 7) - 1
    else:
        bpr = (c.vmcr >> GIC_VMCR_BP_SHIFT) & 7
    return gic_vpriority(lr) & gic_group_priority_mask(bpr)


cdef inline uint32_t gic_vrunning_priority(GICCpu *c) noexcept nogil:
    if not c.vapr:
        return GIC_IDLE_PRIORITY
    return gic_ctz(c.vapr) << 3      # a bit per 5-bit group priority


cdef int gic_vhighest_pending(GICCpu *c) noexcept nogil:
    """Index of the LR with the highest-priority pending interrupt of an
    enabled group above the virtual priority mask, or -1."""
    cdef uint32_t pmr = ((c.vmcr >> GIC_VMCR_PMR_SHIFT) & 0x1F) << 3
    cdef uint32_t best_prio = GIC_IDLE_PRIORITY, lr, prio
    cdef int best = -1, i
    if not c.hcr & GIC_HCR_EN:
        return -1               # the virtual CPU interface signals nothing (GICH_HCR.En)
    for i in range(GIC_NUM_LRS):
        lr = c.lrs[i]
        if (lr >> GIC_LR_STATE_SHIFT) & 3 != 1:        # pending (not active)
            continue
        if not c.vmcr & (GIC_EN_GRP1 if lr & GIC_LR_GRP1 else GIC_EN_GRP0):
            continue
        prio = gic_vpriority(lr)
        if prio < best_prio:
            best, best_prio = i, prio
    if best < 0 or best_prio >= pmr:
        return -1
    return best


cdef inline uint32_t gic_vid(uint32_t lr) noexcept nogil:
    cdef uint32_t vid = lr & GIC_LR_VID_MASK
    if vid < 16 and not lr & GIC_LR_HW:
        vid |= lr & (7u << GIC_LR_PID_SHIFT)       # CPUID of a virtual SGI
    return vid


cdef uint32_t gic_vpending_id(GICCpu *c, bint alias) noexcept nogil:
    cdef int i = gic_vhighest_pending(c)
    cdef uint32_t lr
    if i < 0:
        return GIC_SPURIOUS
    lr = c.lrs[i]
    if alias:
        return gic_vid(lr) if lr & GIC_LR_GRP1 else GIC_SPURIOUS
    if lr & GIC_LR_GRP1 and not c.vmcr & GIC_CTLR_ACKCTL:
        return GIC_GROUP1_ACKCTL0
    return gic_vid(lr)


cdef uint32_t gic_vacknowledge(GICState *s, uint32_t cpu, bint alias) noexcept nogil:
    """GICV_IAR: pending -> active in the LR, its group priority into GICH_APR."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef int i = gic_vhighest_pending(c)
    cdef uint32_t lr, gprio
    if i < 0:
        return GIC_SPURIOUS
    lr = c.lrs[i]
    if alias and not lr & GIC_LR_GRP1:
        return GIC_SPURIOUS
    if not alias and lr & GIC_LR_GRP1 and not c.vmcr & GIC_CTLR_ACKCTL:
        return GIC_GROUP1_ACKCTL0
    gprio = gic_vgroup_priority(c, lr)
    if gprio >= gic_vrunning_priority(c):
        return GIC_SPURIOUS
    c.lrs[i] = (lr & ~(3u << GIC_LR_STATE_SHIFT)) | GIC_LR_ACTIVE
    c.vapr |= 1u << (gprio >> 3)
    gic_update_virtual(s, cpu)
    return gic_vid(lr)


cdef void gic_vdeactivate_id(GICState *s, uint32_t cpu, uint32_t value) noexcept nogil:
    """Deactivate the LR holding this virtual ID; with HW = 1 also the
    physical interrupt it names.  No match: GICH_HCR.EOICount counts it."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t vid = value & GIC_LR_VID_MASK, lr, pid, count
    cdef int i
    for i in range(GIC_NUM_LRS):
        lr = c.lrs[i]
        if lr & GIC_LR_ACTIVE and lr & GIC_LR_VID_MASK == vid:
            c.lrs[i] = lr & ~GIC_LR_ACTIVE
            if lr & GIC_LR_HW:
                pid = (lr >> GIC_LR_PID_SHIFT) & 0x3FF
                if pid < s.num_irq:
                    gic_deactivate_id(s, cpu, pid)
                    gic_update(s)
            return
    count = ((c.hcr >> GIC_HCR_EOICOUNT_SHIFT) + 1) & 0x1F
    c.hcr = (c.hcr & ~(0x1Fu << GIC_HCR_EOICOUNT_SHIFT)) | (count << GIC_HCR_EOICOUNT_SHIFT)


cdef void gic_vend_of_interrupt(GICState *s, uint32_t cpu, uint32_t value) noexcept nogil:
    cdef GICCpu *c = &s.cpu[cpu]
    if c.vapr:
        c.vapr &= c.vapr - 1            # drop the highest active priority
    if not c.vmcr & GIC_CTLR_EOIMODE:
        gic_vdeactivate_id(s, cpu, value)
    gic_update_virtual(s, cpu)


cdef uint32_t gic_eisr(GICCpu *c) noexcept nogil:
    """LRs invalid with HW = 0 and EOI = 1: they ask for an EOI maintenance interrupt."""
    cdef uint32_t mask = 0, lr
    cdef int i
    for i in range(GIC_NUM_LRS):
        lr = c.lrs[i]
        if not lr & (GIC_LR_PENDING | GIC_LR_ACTIVE | GIC_LR_HW) and lr & GIC_LR_EOI:
            mask |= 1u << i
    return mask


cdef uint32_t gic_elrsr(GICCpu *c) noexcept nogil:
    """LRs holding no interrupt and not waiting for an EOI maintenance interrupt."""
    cdef uint32_t mask = 0, lr
    cdef int i
    for i in range(GIC_NUM_LRS):
        lr = c.lrs[i]
        if not lr & (GIC_LR_PENDING | GIC_LR_ACTIVE) and (lr & GIC_LR_HW or not lr & GIC_LR_EOI):
            mask |= 1u << i
    return mask


cdef uint32_t gic_misr(GICCpu *c) noexcept nogil:
    """GICH_MISR from the LRs, GICH_HCR and GICH_VMCR."""
    cdef uint32_t misr = GIC_MISR_EOI if gic_eisr(c) else 0
    cdef uint32_t valid = 0, no_pending = 1, state
    cdef int i
    for i in range(GIC_NUM_LRS):
        if c.lrs[i] & (GIC_LR_PENDING | GIC_LR_ACTIVE):
            valid += 1
        if (c.lrs[i] >> GIC_LR_STATE_SHIFT) & 3 == 1:
            no_pending = 0
    if c.hcr & GIC_HCR_UIE and valid <= 1:
        misr |= GIC_MISR_U
    if c.hcr & GIC_HCR_LRENPIE and c.hcr >> GIC_HCR_EOICOUNT_SHIFT:
        misr |= GIC_MISR_LRENP
    if c.hcr & GIC_HCR_NPIE and no_pending:
        misr |= GIC_MISR_NP
    # MISR.VGrp{0,1}{E,D} (bits 7:4) sit where their HCR enables are
    state = (GIC_HCR_VGRP0EIE if c.vmcr & GIC_EN_GRP0 else GIC_HCR_VGRP0DIE) \
        | (GIC_HCR_VGRP1EIE if c.vmcr & GIC_EN_GRP1 else GIC_HCR_VGRP1DIE)
    return misr | (c.hcr & state)


cdef void gic_update_virtual(GICState *s, uint32_t cpu) noexcept nogil:
    """The virtual IRQ/FIQ pins and the maintenance interrupt."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef bint virq = False, vfiq = False
    cdef int i = gic_vhighest_pending(c)
    cdef uint32_t lr
    if i >= 0:
        lr = c.lrs[i]
        if gic_vgroup_priority(c, lr) < gic_vrunning_priority(c):
            if not lr & GIC_LR_GRP1 and c.vmcr & GIC_CTLR_FIQEN:
                vfiq = True
            else:
                virq = True
    gic_set_out(s, cpu, GIC_OUT_VIRQ, virq)
    gic_set_out(s, cpu, GIC_OUT_VFIQ, vfiq)
    gic_set_out(s, cpu, GIC_OUT_MAINT, (c.hcr & GIC_HCR_EN) != 0 and gic_misr(c) != 0)


# ---- GICD registers (spec 4.3, Table 4-1) -------------------------------------

cdef GICBitmapRow GICD_BITMAPS[7]
GICD_BITMAPS[:] = [
    {"base": 0x080, "kind": GIC_GROUP, "op": GIC_OP_RW},        # GICD_IGROUPR
    {"base": 0x100, "kind": GIC_ENABLED, "op": GIC_OP_SET},     # GICD_ISENABLER
    {"base": 0x180, "kind": GIC_ENABLED, "op": GIC_OP_CLEAR},   # GICD_ICENABLER
    {"base": 0x200, "kind": GIC_PEND, "op": GIC_OP_SET},        # GICD_ISPENDR
    {"base": 0x280, "kind": GIC_PEND, "op": GIC_OP_CLEAR},      # GICD_ICPENDR
    {"base": 0x300, "kind": GIC_ACTIVE, "op": GIC_OP_SET},      # GICD_ISACTIVER
    {"base": 0x380, "kind": GIC_ACTIVE, "op": GIC_OP_CLEAR},    # GICD_ICACTIVER
]

# GICD 0xFD0..0xFFC: PIDR4-7, PIDR0-3, CIDR0-3 (the GIC-400 values, as QEMU)
cdef uint8_t GICD_ID_REGS[12]
GICD_ID_REGS[:] = [0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1]


cdef uint32_t gicd_ctlr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.ctlr

cdef void gicd_ctlr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.ctlr = ((s.ctlr & ~m) | v) & (GIC_EN_GRP0 | GIC_EN_GRP1)

cdef uint32_t gicd_typer_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return (s.num_irq // 32 - 1) | ((s.num_cpu - 1) << 5)     # ITLinesNumber, CPUNumber

cdef uint32_t gicd_iidr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return GICD_IIDR_VALUE

cdef GICBitmapRow *gicd_bitmap_row(uint32_t off) noexcept nogil:
    cdef int i = 6
    while GICD_BITMAPS[i].base > off:
        i -= 1
    return &GICD_BITMAPS[i]

cdef uint32_t gicd_bitmap_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    cdef GICBitmapRow *row = gicd_bitmap_row(off)
    cdef uint32_t w = (off - row.base) >> 2
    if w * 32 >= s.num_irq:
        return 0
    if row.kind == GIC_PEND:
        if w == 0:
            return gic_pending_word(s, cpu, 0)
        return s.spi[GIC_PEND][w] | (s.spi[GIC_LEVEL][w] & ~s.spi[GIC_EDGE][w])
    return gic_bits(s, cpu, row.kind, w)[0]

cdef void gicd_bitmap_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef GICBitmapRow *row = gicd_bitmap_row(off)
    cdef uint32_t w = (off - row.base) >> 2
    cdef uint32_t *word
    if w * 32 >= s.num_irq:
        return
    if w == 0 and (row.kind == GIC_ENABLED or row.kind == GIC_PEND):
        # SGI bits: enables RAO/WI (GIC-400, QEMU), pending set/clear WI
        # in GICv2 (spec 4.3.7: GICD_SPENDSGIR/CPENDSGIR)
        v &= ~(<uint32_t>GIC_SGI_MASK)
        m &= ~(<uint32_t>GIC_SGI_MASK)
    word = gic_bits(s, cpu, row.kind, w)
    if row.op == GIC_OP_SET:
        word[0] |= v & m
    elif row.op == GIC_OP_CLEAR:
        word[0] &= ~(v & m)
    else:
        word[0] = (word[0] & ~m) | (v & m)

cdef uint32_t gicd_icfgr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    """2 bits per INTID, bit 1 = edge."""
    cdef uint32_t first = (off - 0xC00) * 4, edge, value = 0, i
    if first >= s.num_irq:
        return 0
    edge = gic_bits(s, cpu, GIC_EDGE, first >> 5)[0] >> (first & 31)
    for i in range(16):
        if edge >> i & 1:
            value |= 2u << (2 * i)
    return value

cdef void gicd_icfgr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t first = (off - 0xC00) * 4, i, bit
    cdef uint32_t *edge
    if first == 0 or first >= s.num_irq:
        return              # GICD_ICFGR0 (SGIs) is read-only (spec 4.3.13)
    edge = gic_bits(s, cpu, GIC_EDGE, first >> 5)
    for i in range(16):
        if m >> (2 * i + 1) & 1:
            bit = 1u << ((first + i) & 31)
            if v >> (2 * i + 1) & 1:
                edge[0] |= bit
            else:
                edge[0] &= ~bit

cdef uint32_t gicd_ipriorityr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    cdef uint32_t intid = off - 0x400
    return gic_priority_of(s, cpu, intid) if intid < s.num_irq else 0

cdef void gicd_ipriorityr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t intid = off - 0x400
    if intid < 32:
        s.cpu[cpu].priv_priority[intid] = v
    elif intid < s.num_irq:
        s.priority[intid] = v

cdef uint32_t gicd_itargetsr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    cdef uint32_t intid = off - 0x800
    if s.num_cpu == 1 or intid >= s.num_irq:
        return 0            # uniprocessor: ITARGETSR RAZ/WI (spec 4.3.12)
    if intid < 32:
        return 1u << cpu    # banked, read-only: the reading CPU
    return s.targets[intid]

cdef void gicd_itargetsr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t intid = off - 0x800, c, bit = 1u << (intid & 31)
    if s.num_cpu > 1 and 32 <= intid < s.num_irq:
        s.targets[intid] = v & ((1u << s.num_cpu) - 1)
        for c in range(s.num_cpu):
            if v >> c & 1:
                s.cpu[c].target_map[intid >> 5] |= bit
            else:
                s.cpu[c].target_map[intid >> 5] &= ~bit

cdef void gicd_sgir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    if m == 0xFFFFFFFFu:        # GICD_SGIR is write-only, word access
        gic_send_sgi(s, cpu, v)

cdef uint32_t gicd_sgi_pend_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    """GICD_CPENDSGIR / SPENDSGIR: a byte per SGI, a bit per source CPU."""
    cdef uint32_t first = off & 0xF, value = 0, i
    for i in range(4):
        value |= <uint32_t>s.cpu[cpu].sgi_sources[first + i] << (8 * i)
    return value

cdef void gicd_cpendsgir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t first = off & 0xF, i
    for i in range(4):
        s.cpu[cpu].sgi_sources[first + i] &= ~((v >> (8 * i)) & 0xFF)      # spec 4.3.16

cdef void gicd_spendsgir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t first = off & 0xF, i
    for i in range(4):
        s.cpu[cpu].sgi_sources[first + i] |= (v >> (8 * i)) & 0xFF & ((1u << s.num_cpu) - 1)

cdef uint32_t gicd_id_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return GICD_ID_REGS[(off - 0xFD0) >> 2]


# ---- GICC registers (spec 4.4, Table 4-2) -------------------------------------

cdef uint32_t gicc_ctlr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].ctlr

cdef void gicc_ctlr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].ctlr = ((s.cpu[cpu].ctlr & ~m) | v) & GICC_CTLR_MASK

cdef uint32_t gicc_pmr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].pmr

cdef void gicc_pmr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].pmr = ((s.cpu[cpu].pmr & ~m) | v) & 0xFF        # 8 priority bits (QEMU)

cdef uint32_t gicc_bpr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].bpr

cdef void gicc_bpr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].bpr = ((s.cpu[cpu].bpr & ~m) | v) & 7

cdef uint32_t gicc_abpr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].abpr

cdef void gicc_abpr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].abpr = max(((s.cpu[cpu].abpr & ~m) | v) & 7, 1)   # minimum BPR + 1

cdef uint32_t gicc_iar_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_acknowledge(s, cpu, off == 0x20)                  # 0x20: GICC_AIAR

cdef void gicc_eoir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    gic_end_of_interrupt(s, cpu, v, off == 0x24)                 # 0x24: GICC_AEOIR

cdef uint32_t gicc_rpr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return min(gic_running_priority(s, cpu), 0xFF)               # 0xFF when idle (4.4.6)

cdef uint32_t gicc_hppir_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_pending_id(s, cpu, off == 0x28)                   # 0x28: GICC_AHPPIR

cdef uint32_t gicc_apr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    """GICC_APRn / NSAPRn: 128 preemption levels in 4 words."""
    if off < 0xE0:
        return s.cpu[cpu].apr[(off - 0xD0) >> 2]
    return s.cpu[cpu].nsapr[(off - 0xE0) >> 2]

cdef void gicc_apr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t *word
    if off < 0xE0:
        word = &s.cpu[cpu].apr[(off - 0xD0) >> 2]
    else:
        word = &s.cpu[cpu].nsapr[(off - 0xE0) >> 2]
    word[0] = (word[0] & ~m) | (v & m)

cdef uint32_t gicc_iidr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return GICC_IIDR_VALUE

cdef void gicc_dir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    """GICC_DIR (spec 4.4.15): only acts when EOImode = 1."""
    cdef uint32_t intid = v & 0x3FF
    if intid < s.num_irq and s.cpu[cpu].ctlr & GIC_CTLR_EOIMODE:
        gic_deactivate_id(s, cpu, intid)


# ---- GICH registers (spec ch. 5) ----------------------------------------------

cdef uint32_t gich_hcr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].hcr

cdef void gich_hcr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].hcr = ((s.cpu[cpu].hcr & ~m) | v) & GIC_HCR_MASK

cdef uint32_t gich_vtr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return GICH_VTR_VALUE

cdef uint32_t gich_vmcr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].vmcr

cdef void gich_vmcr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].vmcr = ((s.cpu[cpu].vmcr & ~m) | v) & GIC_VMCR_MASK

cdef uint32_t gich_misr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_misr(&s.cpu[cpu])

cdef uint32_t gich_eisr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_eisr(&s.cpu[cpu])

cdef uint32_t gich_elrsr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_elrsr(&s.cpu[cpu])

cdef uint32_t gich_apr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].vapr

cdef void gich_apr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    s.cpu[cpu].vapr = (s.cpu[cpu].vapr & ~m) | v

cdef uint32_t gich_lr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].lrs[(off - 0x100) >> 2]

cdef void gich_lr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef uint32_t *lr = &s.cpu[cpu].lrs[(off - 0x100) >> 2]
    lr[0] = ((lr[0] & ~m) | v) & GIC_LR_MASK


# ---- GICV registers (spec ch. 5): the GICC layout over GICH state --------------

cdef inline uint32_t gicv_field(GICCpu *c, uint32_t shift) noexcept nogil:
    return (c.vmcr >> shift) & 7

cdef uint32_t gicv_ctlr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return s.cpu[cpu].vmcr & GIC_VMCR_CTLR_MASK

cdef void gicv_ctlr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef GICCpu *c = &s.cpu[cpu]
    c.vmcr = (c.vmcr & ~(m & GIC_VMCR_CTLR_MASK)) | (v & GIC_VMCR_CTLR_MASK)

cdef uint32_t gicv_pmr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return ((s.cpu[cpu].vmcr >> GIC_VMCR_PMR_SHIFT) & 0x1F) << 3

cdef void gicv_pmr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t pmr = (((((c.vmcr >> GIC_VMCR_PMR_SHIFT) & 0x1F) << 3) & ~m) | v) & 0xF8
    c.vmcr = (c.vmcr & ~(0x1Fu << GIC_VMCR_PMR_SHIFT)) | ((pmr >> 3) << GIC_VMCR_PMR_SHIFT)

cdef uint32_t gicv_bpr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gicv_field(&s.cpu[cpu], GIC_VMCR_BP_SHIFT if off == 0x08 else GIC_VMCR_ABP_SHIFT)

cdef void gicv_bpr_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    """GICV_BPR (0x08) / GICV_ABPR (0x1C): minimum 2 / 3 with 5 priority bits."""
    cdef GICCpu *c = &s.cpu[cpu]
    cdef uint32_t shift = GIC_VMCR_BP_SHIFT if off == 0x08 else GIC_VMCR_ABP_SHIFT
    cdef uint32_t least = GIC_VIRT_MIN_BPR if off == 0x08 else GIC_VIRT_MIN_ABPR
    cdef uint32_t bp = max(((gicv_field(c, shift) & ~m) | v) & 7, least)
    c.vmcr = (c.vmcr & ~(7u << shift)) | (bp << shift)

cdef uint32_t gicv_iar_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_vacknowledge(s, cpu, off == 0x20)

cdef void gicv_eoir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    gic_vend_of_interrupt(s, cpu, v)

cdef uint32_t gicv_rpr_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return min(gic_vrunning_priority(&s.cpu[cpu]), 0xFF)

cdef uint32_t gicv_hppir_rd(GICState *s, uint32_t cpu, uint32_t off) noexcept nogil:
    return gic_vpending_id(&s.cpu[cpu], off == 0x28)

cdef void gicv_dir_wr(GICState *s, uint32_t cpu, uint32_t off, uint32_t v, uint32_t m) noexcept nogil:
    if s.cpu[cpu].vmcr & GIC_CTLR_EOIMODE:
        gic_vdeactivate_id(s, cpu, v)


# ---- the register maps ---------------------------------------------------------

cdef enum:
    GIC_MAP_ROWS = 16

cdef GICReg GIC_MAPS[GIC_NVIEWS][GIC_MAP_ROWS]
cdef uint32_t GIC_MAP_LEN[GIC_NVIEWS]
cdef uint32_t GIC_VIEW_SIZES[GIC_NVIEWS]
GIC_VIEW_SIZES[:] = [0x1000, 0x2000, 0x1000, 0x2000]


cdef void gic_reg(uint32_t view, uint32_t start, uint32_t end, uint32_t bytewise,
                  gic_rd_fn rd, gic_wr_fn wr) noexcept:
    cdef GICReg *row = &GIC_MAPS[view][GIC_MAP_LEN[view]]
    row.start, row.end, row.bytewise, row.rd, row.wr = start, end, bytewise, rd, wr
    GIC_MAP_LEN[view] += 1

# GICD
gic_reg(GIC_VIEW_DIST, 0x000, 0x004, 0, gicd_ctlr_rd, gicd_ctlr_wr)   # GICD_CTLR
gic_reg(GIC_VIEW_DIST, 0x004, 0x008, 0, gicd_typer_rd, NULL)   # GICD_TYPER
gic_reg(GIC_VIEW_DIST, 0x008, 0x00C, 0, gicd_iidr_rd, NULL)   # GICD_IIDR
gic_reg(GIC_VIEW_DIST, 0x080, 0x400, 0, gicd_bitmap_rd, gicd_bitmap_wr)   # IGROUPR..ICACTIVER
gic_reg(GIC_VIEW_DIST, 0x400, 0x800, 1, gicd_ipriorityr_rd, gicd_ipriorityr_wr)   # IPRIORITYR
gic_reg(GIC_VIEW_DIST, 0x800, 0xC00, 1, gicd_itargetsr_rd, gicd_itargetsr_wr)   # ITARGETSR
gic_reg(GIC_VIEW_DIST, 0xC00, 0xD00, 0, gicd_icfgr_rd, gicd_icfgr_wr)   # GICD_ICFGR
gic_reg(GIC_VIEW_DIST, 0xF00, 0xF04, 0, NULL, gicd_sgir_wr)   # GICD_SGIR
gic_reg(GIC_VIEW_DIST, 0xF10, 0xF20, 0, gicd_sgi_pend_rd, gicd_cpendsgir_wr)   # GICD_CPENDSGIR
gic_reg(GIC_VIEW_DIST, 0xF20, 0xF30, 0, gicd_sgi_pend_rd, gicd_spendsgir_wr)   # GICD_SPENDSGIR
gic_reg(GIC_VIEW_DIST, 0xFD0, 0x1000, 0, gicd_id_rd, NULL)   # PIDR/CIDR

# GICC
gic_reg(GIC_VIEW_CPU, 0x00, 0x04, 0, gicc_ctlr_rd, gicc_ctlr_wr)   # GICC_CTLR
gic_reg(GIC_VIEW_CPU, 0x04, 0x08, 0, gicc_pmr_rd, gicc_pmr_wr)   # GICC_PMR
gic_reg(GIC_VIEW_CPU, 0x08, 0x0C, 0, gicc_bpr_rd, gicc_bpr_wr)   # GICC_BPR
gic_reg(GIC_VIEW_CPU, 0x0C, 0x10, 0, gicc_iar_rd, NULL)   # GICC_IAR
gic_reg(GIC_VIEW_CPU, 0x10, 0x14, 0, NULL, gicc_eoir_wr)   # GICC_EOIR
gic_reg(GIC_VIEW_CPU, 0x14, 0x18, 0, gicc_rpr_rd, NULL)   # GICC_RPR
gic_reg(GIC_VIEW_CPU, 0x18, 0x1C, 0, gicc_hppir_rd, NULL)   # GICC_HPPIR
gic_reg(GIC_VIEW_CPU, 0x1C, 0x20, 0, gicc_abpr_rd, gicc_abpr_wr)   # GICC_ABPR
gic_reg(GIC_VIEW_CPU, 0x20, 0x24, 0, gicc_iar_rd, NULL)   # GICC_AIAR
gic_reg(GIC_VIEW_CPU, 0x24, 0x28, 0, NULL, gicc_eoir_wr)   # GICC_AEOIR
gic_reg(GIC_VIEW_CPU, 0x28, 0x2C, 0, gicc_hppir_rd, NULL)   # GICC_AHPPIR
gic_reg(GIC_VIEW_CPU, 0xD0, 0xF0, 0, gicc_apr_rd, gicc_apr_wr)   # GICC_APRn, NSAPRn
gic_reg(GIC_VIEW_CPU, 0xFC, 0x100, 0, gicc_iidr_rd, NULL)   # GICC_IIDR
gic_reg(GIC_VIEW_CPU, 0x1000, 0x1004, 0, NULL, gicc_dir_wr)   # GICC_DIR

# GICH
gic_reg(GIC_VIEW_HYP, 0x00, 0x04, 0, gich_hcr_rd, gich_hcr_wr)   # GICH_HCR
gic_reg(GIC_VIEW_HYP, 0x04, 0x08, 0, gich_vtr_rd, NULL)   # GICH_VTR
gic_reg(GIC_VIEW_HYP, 0x08, 0x0C, 0, gich_vmcr_rd, gich_vmcr_wr)   # GICH_VMCR
gic_reg(GIC_VIEW_HYP, 0x10, 0x14, 0, gich_misr_rd, NULL)   # GICH_MISR
gic_reg(GIC_VIEW_HYP, 0x20, 0x24, 0, gich_eisr_rd, NULL)   # GICH_EISR0 (EISR1 RAZ)
gic_reg(GIC_VIEW_HYP, 0x30, 0x34, 0, gich_elrsr_rd, NULL)   # GICH_ELRSR0 (ELRSR1 RAZ)
gic_reg(GIC_VIEW_HYP, 0xF0, 0xF4, 0, gich_apr_rd, gich_apr_wr)   # GICH_APR
gic_reg(GIC_VIEW_HYP, 0x100, 0x100 + 4 * GIC_NUM_LRS, 0, gich_lr_rd, gich_lr_wr)   # GICH_LRn

# GICV
gic_reg(GIC_VIEW_VCPU, 0x00, 0x04, 0, gicv_ctlr_rd, gicv_ctlr_wr)   # GICV_CTLR: GICH_VMCR bits
gic_reg(GIC_VIEW_VCPU, 0x04, 0x08, 0, gicv_pmr_rd, gicv_pmr_wr)   # GICV_PMR: VMCR.VMPriMask
gic_reg(GIC_VIEW_VCPU, 0x08, 0x0C, 0, gicv_bpr_rd, gicv_bpr_wr)   # GICV_BPR: VMCR.VMBP
gic_reg(GIC_VIEW_VCPU, 0x0C, 0x10, 0, gicv_iar_rd, NULL)   # GICV_IAR
gic_reg(GIC_VIEW_VCPU, 0x10, 0x14, 0, NULL, gicv_eoir_wr)   # GICV_EOIR
gic_reg(GIC_VIEW_VCPU, 0x14, 0x18, 0, gicv_rpr_rd, NULL)   # GICV_RPR
gic_reg(GIC_VIEW_VCPU, 0x18, 0x1C, 0, gicv_hppir_rd, NULL)   # GICV_HPPIR
gic_reg(GIC_VIEW_VCPU, 0x1C, 0x20, 0, gicv_bpr_rd, gicv_bpr_wr)   # GICV_ABPR: VMCR.VMABP
gic_reg(GIC_VIEW_VCPU, 0x20, 0x24, 0, gicv_iar_rd, NULL)   # GICV_AIAR
gic_reg(GIC_VIEW_VCPU, 0x24, 0x28, 0, NULL, gicv_eoir_wr)   # GICV_AEOIR
gic_reg(GIC_VIEW_VCPU, 0x28, 0x2C, 0, gicv_hppir_rd, NULL)   # GICV_AHPPIR
gic_reg(GIC_VIEW_VCPU, 0xD0, 0xD4, 0, gich_apr_rd, gich_apr_wr)   # GICV_APR0 = GICH_APR
gic_reg(GIC_VIEW_VCPU, 0xFC, 0x100, 0, gicc_iidr_rd, NULL)   # GICV_IIDR
gic_reg(GIC_VIEW_VCPU, 0x1000, 0x1004, 0, NULL, gicv_dir_wr)   # GICV_DIR


cdef GICReg *gic_find_reg(uint32_t view, uint32_t off) noexcept nogil:
    cdef GICReg *row = GIC_MAPS[view]
    cdef uint32_t i
    for i in range(GIC_MAP_LEN[view]):
        if row[i].start <= off < row[i].end:
            return &row[i]
    return NULL


# ---- accesses ------------------------------------------------------------------
# Word registers take any access size: a narrower read returns the addressed
# bytes, a narrower write changes only them (the spec allows byte access
# only to the byte-wide arrays; elsewhere it is UNPREDICTABLE).

cdef uint32_t gic_view_read(GICState *s, uint32_t view, uint32_t cpu, uint32_t off,
                            int size) noexcept nogil:
    cdef GICReg *row = gic_find_reg(view, off)
    cdef uint32_t value = 0
    cdef int i
    s.stat_reads += 1
    if row == NULL or row.rd == NULL:
        return 0
    if row.bytewise:
        for i in range(min(size, 4)):
            if off + i < row.end:
                value |= (row.rd(s, cpu, off + i) & 0xFF) << (8 * i)
        return value
    return (row.rd(s, cpu, off & ~3u) >> ((off & 3) * 8)) & gic_size_mask(size)


cdef void gic_view_write(GICState *s, uint32_t view, uint32_t cpu, uint32_t off, int size,
                         uint32_t value) noexcept nogil:
    cdef GICReg *row = gic_find_reg(view, off)
    cdef uint32_t shift = (off & 3) * 8, mask
    cdef int i
    s.stat_writes += 1
    if row == NULL or row.wr == NULL:
        return
    if row.bytewise:
        for i in range(min(size, 4)):
            if off + i < row.end:
                row.wr(s, cpu, off + i, (value >> (8 * i)) & 0xFF, 0xFF)
    else:
        mask = gic_size_mask(size) << shift
        row.wr(s, cpu, off & ~3u, (value << shift) & mask, mask)
    if view == GIC_VIEW_DIST or view == GIC_VIEW_CPU:
        gic_update(s)
    else:
        gic_update_virtual(s, cpu)


cdef int gic_mmio_read(void *opaque, uint32_t offset, int size, uint32_t *val) noexcept nogil:
    cdef GICViewCtx *ctx = <GICViewCtx *>opaque
    cdef GICState *s = <GICState *>ctx.s
    val[0] = gic_view_read(s, ctx.view, s.mmio_cpu, offset, size)
    return 0


cdef int gic_mmio_write(void *opaque, uint32_t offset, int size, uint32_t val) noexcept nogil:
    cdef GICViewCtx *ctx = <GICViewCtx *>opaque
    cdef GICState *s = <GICState *>ctx.s
    gic_view_write(s, ctx.view, s.mmio_cpu, offset, size, val)
    return 0


# ---- Python side (runtime/devices/gicv2.py) ------------------------------------

cdef class CMMIO:
    """An MMIO device served in C: CPU.map_mmio installs c_read/c_write
    with c_opaque instead of calling read()/write() in Python."""
    cdef mmio_read_fn c_read
    cdef mmio_write_fn c_write
    cdef void *c_opaque


_GIC_SPI_KINDS = {"enabled": GIC_ENABLED, "group": GIC_GROUP, "pend_latch": GIC_PEND,
                  "active": GIC_ACTIVE, "level": GIC_LEVEL, "edge": GIC_EDGE}
_GIC_CPU_FIELDS = ("cpu_ctlr", "pmr", "bpr", "abpr", "hcr", "vmcr", "vapr")
GIC_OUTPUTS = {"irq": GIC_OUT_IRQ, "fiq": GIC_OUT_FIQ, "virq": GIC_OUT_VIRQ,
               "vfiq": GIC_OUT_VFIQ, "maintenance": GIC_OUT_MAINT}
GIC_CONSTANTS = {"MAX_CPUS": GIC_MAX_CPUS, "MAX_IRQ": GIC_MAX_IRQ, "NUM_LRS": GIC_NUM_LRS,
                 "SPURIOUS": GIC_SPURIOUS, "PPI_MAINTENANCE": GIC_PPI_MAINTENANCE,
                 "VIEW_DIST": GIC_VIEW_DIST, "VIEW_CPU": GIC_VIEW_CPU,
                 "VIEW_HYP": GIC_VIEW_HYP, "VIEW_VCPU": GIC_VIEW_VCPU}


@cython.no_gc_clear          # __dealloc__ needs self.cpus (unhooks the timer sinks)
cdef class GICCore:
    """The C state of one GICv2 and its Python entry points."""
    cdef GICState *s
    cdef object sinks           # (cpu, output bit) -> sink(level)
    cdef object cpus            # CPUs whose env the state points at (kept alive)

    def __cinit__(self, uint32_t num_cpu, uint32_t num_irq):
        cdef int v
        if not 1 <= num_cpu <= GIC_MAX_CPUS or num_irq % 32 or not 32 < num_irq <= GIC_MAX_IRQ:
            raise ValueError("GICv2 of %r CPUs, %r interrupts" % (num_cpu, num_irq))
        self.s = <GICState *>calloc(1, sizeof(GICState))
        if self.s == NULL:
            raise MemoryError()
        self.s.num_cpu = num_cpu
        self.s.num_irq = num_irq
        self.s.owner = <void *>self
        for v in range(GIC_NVIEWS):
            self.s.views[v].s = <void *>self.s
            self.s.views[v].view = v
        self.sinks = {}
        self.cpus = []

    def __dealloc__(self):
        cdef CPU cpu
        cdef int t
        if self.s == NULL:
            return
        for cpu in self.cpus:           # the timer must not drive a freed GIC
            for t in range(2):
                if cpu.env.gt_sink_opaque[t] == <void *>self.s:
                    cpu.env.gt_sink[t] = NULL
                    cpu.env.gt_sink_opaque[t] = NULL
        free(self.s)
        self.s = NULL

    def reset(self):
        cdef GICState *s = self.s
        cdef GICCpu *c
        cdef uint32_t i
        s.ctlr = 0
        memset(s.spi, 0, sizeof(s.spi))         # ICFGR: level-sensitive at reset (QEMU)
        memset(s.priority, 0, sizeof(s.priority))
        memset(s.targets, 1 if s.num_cpu == 1 else 0, sizeof(s.targets))
        for i in range(s.num_cpu):
            c = &s.cpu[i]
            memset(c.ppi, 0, sizeof(c.ppi))
            c.ppi[GIC_ENABLED] = GIC_SGI_MASK   # SGIs always enabled (GIC-400, QEMU)
            c.ppi[GIC_EDGE] = GIC_SGI_MASK      # SGIs are edge-triggered (spec 4.3.13)
            memset(c.priv_priority, 0, sizeof(c.priv_priority))
            memset(c.sgi_sources, 0, sizeof(c.sgi_sources))
            c.ctlr = c.pmr = c.bpr = 0          # 8 priority bits: minimum BPR 0, ABPR 1
            c.abpr = 1
            memset(c.apr, 0, sizeof(c.apr))
            memset(c.nsapr, 0, sizeof(c.nsapr))
            c.hcr = c.vapr = 0
            c.vmcr = (GIC_VIRT_MIN_BPR << GIC_VMCR_BP_SHIFT) | (GIC_VIRT_MIN_ABPR << GIC_VMCR_ABP_SHIFT)
            memset(c.lrs, 0, sizeof(c.lrs))
        self.rebuild()

    def rebuild(self):
        """Derived routing (target maps) from GICD_ITARGETSR, then every output."""
        cdef GICState *s = self.s
        cdef uint32_t i, c
        for c in range(s.num_cpu):
            memset(s.cpu[c].target_map, 0, sizeof(s.cpu[c].target_map))
        for i in range(32, s.num_irq):
            for c in range(s.num_cpu):
                if s.targets[i] >> c & 1:
                    s.cpu[c].target_map[i >> 5] |= 1u << (i & 31)
        gic_update(s)
        for c in range(s.num_cpu):
            gic_update_virtual(s, c)

    cdef uint32_t _cpu(self, cpu) except? 0xFFFFFFFF:
        if not 0 <= cpu < self.s.num_cpu:
            raise ValueError("GIC CPU interface %r out of range 0..%d" % (cpu, self.s.num_cpu - 1))
        return cpu

    # -- accesses and inputs
    def read(self, uint32_t view, cpu, uint32_t offset, int size):
        if view >= GIC_NVIEWS or offset >= GIC_VIEW_SIZES[view]:
            return 0
        return gic_view_read(self.s, view, self._cpu(cpu), offset, size)

    def write(self, uint32_t view, cpu, uint32_t offset, int size, uint32_t value):
        if view < GIC_NVIEWS and offset < GIC_VIEW_SIZES[view]:
            gic_view_write(self.s, view, self._cpu(cpu), offset, size, value)

    def set_input(self, cpu, uint32_t intid, bint level):
        """SPI intid (cpu ignored) or PPI/SGI intid < 32 of cpu."""
        if intid >= self.s.num_irq:
            raise ValueError("GIC input %r out of range" % intid)
        gic_set_input(self.s, self._cpu(cpu), intid, level)

    def input_sink(self, cpu, uint32_t intid):
        return GICInput(self, self._cpu(cpu), intid)

    def update(self):
        gic_update(self.s)

    # -- outputs
    def output(self, cpu, uint32_t bit):
        return 1 if self.s.cpu[self._cpu(cpu)].out & bit else 0

    def connect_output(self, cpu, uint32_t bit, sink):
        """A Python sink(level) for output bit (GIC_OUTPUTS) of cpu."""
        cdef uint32_t c = self._cpu(cpu)
        self.sinks[c, bit] = sink
        self.s.cpu[c].py_outs |= bit
        sink(1 if self.s.cpu[c].out & bit else 0)

    def connect_cpu(self, cpu, CPU target):
        """cpu's IRQ/FIQ outputs drive target's pins in C; its C-served MMIO
        accesses are cpu's (one CPU per emulator)."""
        cdef uint32_t c = self._cpu(cpu)
        self.keep_cpu(target)
        self.s.cpu[c].env = target.env
        self.s.mmio_cpu = c
        for bit, line in ((GIC_OUT_IRQ, IRQ_LINE_IRQ), (GIC_OUT_FIQ, IRQ_LINE_FIQ)):
            target.set_irq_line(line, self.s.cpu[c].out & bit)

    def route_maintenance(self, cpu):
        """The maintenance interrupt of cpu to its own PPI 9 (INTID 25), in C."""
        cdef uint32_t c = self._cpu(cpu)
        self.s.cpu[c].maint_to_ppi = 1
        gic_set_input(self.s, c, 16 + GIC_PPI_MAINTENANCE, self.s.cpu[c].out & GIC_OUT_MAINT)

    def keep_cpu(self, CPU cpu):
        if not any(c is cpu for c in self.cpus):
            self.cpus.append(cpu)

    def _notify(self, uint32_t cpu, uint32_t bit, int level):
        sink = self.sinks.get((cpu, bit))
        if sink is not None:
            sink(level)

    def stats(self):
        return {"GIC MMIO reads": self.s.stat_reads, "GIC MMIO writes": self.s.stat_writes,
                "GIC interrupts acknowledged": self.s.stat_acks}

    # -- state (the attribute names and shapes of runtime/devices/gicv2.py STATE)
    def get(self, str name):
        cdef GICState *s = self.s
        cdef uint32_t n = s.num_cpu, w, i
        cdef int k
        if name == "ctlr":
            return s.ctlr
        if name in _GIC_SPI_KINDS:
            k = _GIC_SPI_KINDS[name]
            return sum(<object>s.spi[k][w] << (32 * w) for w in range(1, s.num_irq >> 5))
        if name.startswith("priv_") and name[5:] in _GIC_SPI_KINDS:
            k = _GIC_SPI_KINDS[name[5:]]
            return [s.cpu[i].ppi[k] for i in range(n)]
        if name == "priority":
            return [s.priority[i] for i in range(s.num_irq)]
        if name == "targets":
            return [s.targets[i] for i in range(s.num_irq)]
        if name == "priv_priority":
            return [[s.cpu[i].priv_priority[w] for w in range(32)] for i in range(n)]
        if name == "sgi_sources":
            return [[s.cpu[i].sgi_sources[w] for w in range(16)] for i in range(n)]
        if name in ("apr", "nsapr"):
            return [sum(<object>(s.cpu[i].apr[w] if name == "apr" else s.cpu[i].nsapr[w]) << (32 * w)
                        for w in range(4)) for i in range(n)]
        if name == "lrs":
            return [[s.cpu[i].lrs[w] for w in range(GIC_NUM_LRS)] for i in range(n)]
        if name in _GIC_CPU_FIELDS:
            return [self._cpu_field(i, name)[0] for i in range(n)]
        raise KeyError(name)

    def set(self, str name, value):
        """Store a STATE attribute (call rebuild() after the last one)."""
        cdef GICState *s = self.s
        cdef uint32_t n = s.num_cpu, w, i
        cdef int k
        if name == "ctlr":
            s.ctlr = value
        elif name in _GIC_SPI_KINDS:
            k = _GIC_SPI_KINDS[name]
            for w in range(1, s.num_irq >> 5):
                s.spi[k][w] = (value >> (32 * w)) & 0xFFFFFFFF
        elif name.startswith("priv_") and name[5:] in _GIC_SPI_KINDS:
            k = _GIC_SPI_KINDS[name[5:]]
            for i in range(n):
                s.cpu[i].ppi[k] = value[i]
        elif name in ("priority", "targets"):
            for i in range(s.num_irq):
                if name == "priority":
                    s.priority[i] = value[i]
                else:
                    s.targets[i] = value[i]
        elif name == "priv_priority":
            for i in range(n):
                for w in range(32):
                    s.cpu[i].priv_priority[w] = value[i][w]
        elif name == "sgi_sources":
            for i in range(n):
                for w in range(16):
                    s.cpu[i].sgi_sources[w] = value[i][w]
        elif name in ("apr", "nsapr"):
            for i in range(n):
                for w in range(4):
                    word = (value[i] >> (32 * w)) & 0xFFFFFFFF
                    if name == "apr":
                        s.cpu[i].apr[w] = word
                    else:
                        s.cpu[i].nsapr[w] = word
        elif name == "lrs":
            for i in range(n):
                for w in range(GIC_NUM_LRS):
                    s.cpu[i].lrs[w] = value[i][w]
        elif name in _GIC_CPU_FIELDS:
            for i in range(n):
                self._cpu_field(i, name)[0] = value[i]
        else:
            raise KeyError(name)

    cdef uint32_t *_cpu_field(self, uint32_t i, str name):
        cdef GICCpu *c = &self.s.cpu[i]
        if name == "cpu_ctlr":
            return &c.ctlr
        if name == "pmr":
            return &c.pmr
        if name == "bpr":
            return &c.bpr
        if name == "abpr":
            return &c.abpr
        if name == "hcr":
            return &c.hcr
        if name == "vmcr":
            return &c.vmcr
        return &c.vapr


cdef class GICInput:
    """sink(level) of one GIC input (for IRQLine.connect); the generic
    timer recognises it and drives it from C."""
    cdef readonly GICCore core
    cdef readonly uint32_t cpu, intid

    def __cinit__(self, GICCore core, uint32_t cpu, uint32_t intid):
        self.core = core
        self.cpu = cpu
        self.intid = intid

    def __call__(self, level):
        gic_set_input(self.core.s, self.cpu, self.intid, bool(level))


cdef class GICView(CMMIO):
    """One MMIO view (GIC_VIEW_*) of a GICCore: C-served when mapped;
    access(cpu, ...) for Python callers."""
    cdef readonly GICCore core
    cdef readonly uint32_t view

    def __init__(self, GICCore core, uint32_t view):
        if view >= GIC_NVIEWS:
            raise ValueError("GIC view %r" % view)
        self.core = core
        self.view = view
        self.c_read = gic_mmio_read
        self.c_write = gic_mmio_write
        self.c_opaque = <void *>&core.s.views[view]

    def access_read(self, cpu, uint32_t offset, int size):
        return self.core.read(self.view, cpu, offset, size)

    def access_write(self, cpu, uint32_t offset, int size, uint32_t value):
        self.core.write(self.view, cpu, offset, size, value)
