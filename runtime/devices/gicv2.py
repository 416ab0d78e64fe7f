"""The GICv2 interrupt controller of QEMU 7.2's `virt` board, with the
virtualization extensions (GIC Architecture Specification v2.0, ARM IHI
0048B; "spec" below).  No Security Extensions (virt with secure=off): the
CPU sees the Secure register layout, Group 0 and Group 1 both usable.

One GICv2 object holds the whole state; four MMIO views act on it:

    gic.dist      GICD  Distributor              0x08000000 (4 KiB)
    gic.cpu_if    GICC  CPU interface            0x08010000 (8 KiB: GICC_DIR at 0x1000)
    gic.hyp_if    GICH  virtual interface control 0x08030000 (4 KiB)
    gic.vcpu_if   GICV  virtual CPU interface    0x08040000 (8 KiB)

The board maps GICH/GICV only with virtualization=on.  GICV holds no state
of its own: GICV_CTLR/PMR/BPR/ABPR are fields of GICH_VMCR, GICV_IAR/EOIR/
HPPIR/RPR/APR act on the list registers and GICH_APR (spec ch. 5), and
GICH_EISR/ELRSR/MISR are computed from the list registers and GICH_HCR.

Inputs: gic.input(intid) (an SPI, intid 32..num_irq-1) and
gic.ppi_input(cpu, ppi) (ppi 0..15 = INTID 16..31) return sinks
sink(level) for IRQLine.connect.  Outputs, per CPU (IRQLine):
gic.irq[cpu], gic.fiq[cpu] (to cpu.set_irq_line(1/2, level)),
gic.virq[cpu], gic.vfiq[cpu] (the virtual interrupt pins) and
gic.maintenance[cpu] (wire to gic.ppi_input(cpu, 9), INTID 25).

Interrupt sets are Python ints used as bitmaps indexed by INTID: the
shared (SPI) part in one int, the banked SGI/PPI part (bits 0..31) per
CPU, so update() only walks the few bits that are pending and enabled.
Priorities have 8 bits as in QEMU (GIC-400 has 5); the active priorities
are the GICC_APR/NSAPR bits, one per preemption level (spec GICC_APRn and
3.3 "Preemption").

Choices where the spec leaves room, and QEMU 7.2 (all checked by running
tests/sysguest/gic_irq.c on qemu-system-arm 7.2):
  * one CPU interface: every GICD_ITARGETSR is RAZ/WI (spec GICD_ITARGETSRn,
    uniprocessor); QEMU does the same.  With several CPUs ITARGETSR0-7 read
    the reading CPU's bit, SPI fields are RW.
  * SGIs always enabled (ISENABLER0[15:0] RAO/WI), PPIs' ICFGR writable,
    IIDRs and ID registers: as QEMU.
  * GICC_AIAR/AEOIR/AHPPIR are the Group 1 view (spec 4.4.9-4.4.11);
    QEMU 7.2 does not implement them (they read as 0).
"""

from runtime.abi import IRQ_LINE_FIQ, IRQ_LINE_IRQ   # CPU.set_irq_line(line, level)
from runtime.devices.base import Device, IRQLine, _size_mask

MAX_CPUS = 8
NUM_IRQ = 288                   # QEMU virt: 256 SPIs + 32 (GICD_TYPER.ITLinesNumber = 8)
PPI_MAINTENANCE = 9             # INTID 25: the board wires gic.maintenance[cpu] here
SPURIOUS = 1023
GROUP1_WITH_ACKCTL0 = 1022      # spec 4.4.4: Group 1 pending, Secure read, AckCtl = 0
PRIV_MASK = 0xFFFFFFFF          # INTIDs 0..31, banked per CPU
SGI_MASK = 0xFFFF
IDLE_PRIORITY = 0x100           # running priority with nothing active (RPR reads 0xFF)

# Identification, as QEMU 7.2 reports them (hw/intc/arm_gic.c).  A GIC-400
# reports GICD_IIDR 0x0200143B and GICC_IIDR 0x0202143B instead.
GICD_IIDR = 0x0000043B          # JEP106 ARM (0x43B), nothing else
GICC_IIDR = 0x0002043B          # ArchitectureVersion 2, JEP106 ARM
# GICD 0xFD0..0xFFC: PIDR4-7, PIDR0-3, CIDR0-3 (the GIC-400 values, as QEMU)
GICD_ID_REGS = (0x04, 0x00, 0x00, 0x00, 0x90, 0xB4, 0x2B, 0x00, 0x0D, 0xF0, 0x05, 0xB1)

# GICD_CTLR / GICC_CTLR bits (spec 4.3.1, 4.4.1, Secure copy layout)
EN_GRP0, EN_GRP1 = 1, 2
CTLR_ACKCTL, CTLR_FIQEN, CTLR_CBPR = 1 << 2, 1 << 3, 1 << 4
CTLR_EOIMODE = 1 << 9
GICC_CTLR_MASK = EN_GRP0 | EN_GRP1 | CTLR_ACKCTL | CTLR_FIQEN | CTLR_CBPR | CTLR_EOIMODE

# Virtualization: GICH_VTR (spec ch. 5): ListRegs - 1, PREbits - 1, PRIbits - 1
NUM_LRS = 4
VIRT_PRI_BITS = 5
GICH_VTR = ((VIRT_PRI_BITS - 1) << 29) | ((VIRT_PRI_BITS - 1) << 26) | (NUM_LRS - 1)
VIRT_MIN_BPR, VIRT_MIN_ABPR = 2, 3   # 5 priority bits (spec 3.3, binary point)
# GICH_HCR (spec ch. 5)
HCR_EN, HCR_UIE, HCR_LRENPIE, HCR_NPIE = 1, 2, 4, 8
HCR_VGRP0EIE, HCR_VGRP0DIE, HCR_VGRP1EIE, HCR_VGRP1DIE = 16, 32, 64, 128
HCR_EOICOUNT_SHIFT = 27
HCR_MASK = 0xF80000FF
# GICH_VMCR (spec ch. 5) <-> GICV_CTLR, PMR, BPR, ABPR
VMCR_CTLR_MASK = 0x21F          # VMGrp0En VMGrp1En VMAckCtl VMFIQEn VMCBPR, VEM (bit 9)
VMCR_ABP_SHIFT, VMCR_BP_SHIFT, VMCR_PMR_SHIFT = 18, 21, 27
VMCR_MASK = 0xF8FC021F
# GICH_LRn (spec ch. 5)
LR_VID_MASK = 0x3FF
LR_PID_SHIFT = 10
LR_EOI = 1 << 19                # HW = 0: maintenance interrupt on deactivation
LR_PRI_SHIFT = 23
LR_STATE_SHIFT = 28
LR_PENDING, LR_ACTIVE = 1 << 28, 1 << 29
LR_GRP1 = 1 << 30
LR_HW = 1 << 31
LR_MASK = 0xFFFFFFFF & ~(0x7 << 20)   # bits 22:20 reserved
# GICH_MISR bits (spec ch. 5), in HCR enable order from bit 4 up
MISR_EOI, MISR_U, MISR_LRENP, MISR_NP = 1, 2, 4, 8


def _bits(mask):
    """INTIDs of the set bits, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def group_priority_mask(bpr):
    """Mask giving the group priority for binary point bpr (spec 3.3, GICC_BPR)."""
    return (0xFF << ((bpr & 7) + 1)) & 0xFF


class GICv2(Device):
    """The state and behaviour; gic.dist / cpu_if / hyp_if / vcpu_if are
    the MMIO views.  current_cpu() names the CPU making an access."""

    NAME = "gic"
    STATE = (
        # distributor
        "ctlr", "enabled", "group", "pend_latch", "active", "level", "edge", "priority",
        "targets", "priv_enabled", "priv_group", "priv_pend_latch", "priv_active",
        "priv_level", "priv_edge", "priv_priority", "sgi_sources",
        # CPU interfaces
        "cpu_ctlr", "pmr", "bpr", "abpr", "apr", "nsapr",
        # virtual interfaces
        "hcr", "vmcr", "vapr", "lrs",
    )

    def __init__(self, num_cpu=1, num_irq=NUM_IRQ, current_cpu=None):
        if not 1 <= num_cpu <= MAX_CPUS:
            raise ValueError("a GICv2 serves 1..%d CPUs, not %r" % (MAX_CPUS, num_cpu))
        if num_irq % 32 or not 32 < num_irq <= 1020 + 4:
            raise ValueError("num_irq must be a multiple of 32 in 64..1024, not %r" % num_irq)
        self.num_cpu = num_cpu
        self.num_irq = num_irq
        self.spi_mask = ((1 << num_irq) - 1) & ~PRIV_MASK
        self.current_cpu = current_cpu or (lambda: 0)
        self.irq = [IRQLine("gic.irq%d" % c) for c in range(num_cpu)]
        self.fiq = [IRQLine("gic.fiq%d" % c) for c in range(num_cpu)]
        self.virq = [IRQLine("gic.virq%d" % c) for c in range(num_cpu)]
        self.vfiq = [IRQLine("gic.vfiq%d" % c) for c in range(num_cpu)]
        self.maintenance = [IRQLine("gic.maint%d" % c) for c in range(num_cpu)]
        super().__init__()
        self.dist = GICDistributor(self)
        self.cpu_if = GICCPUInterface(self)
        self.hyp_if = GICHypInterface(self)
        self.vcpu_if = GICVCPUInterface(self)

    def reset_state(self):
        n, ncpu = self.num_irq, self.num_cpu
        self.ctlr = 0
        # shared (SPI) bitmaps: bits 32..num_irq-1
        self.enabled = self.group = self.pend_latch = self.active = self.level = 0
        self.edge = 0                      # ICFGR: level-sensitive at reset (QEMU)
        self.priority = [0] * n            # SPIs (indices < 32 unused)
        self.targets = [1 if ncpu == 1 else 0] * n
        # banked (SGI/PPI) bitmaps, per CPU
        self.priv_enabled = [SGI_MASK] * ncpu   # SGIs always enabled (GIC-400, QEMU)
        self.priv_group = [0] * ncpu
        self.priv_pend_latch = [0] * ncpu
        self.priv_active = [0] * ncpu
        self.priv_level = [0] * ncpu
        self.priv_edge = [SGI_MASK] * ncpu      # SGIs are edge-triggered (spec 4.3.13)
        self.priv_priority = [[0] * 32 for _ in range(ncpu)]
        self.sgi_sources = [[0] * 16 for _ in range(ncpu)]   # [target][sgi] = source CPU mask
        # CPU interfaces
        self.cpu_ctlr = [0] * ncpu
        self.pmr = [0] * ncpu
        self.bpr = [0] * ncpu              # 8 priority bits: minimum BPR 0, ABPR 1
        self.abpr = [1] * ncpu
        self.apr = [0] * ncpu              # active priorities, Group 0 (bit = preemption level)
        self.nsapr = [0] * ncpu            # Group 1
        # virtual interfaces
        self.hcr = [0] * ncpu
        self.vmcr = [(VIRT_MIN_BPR << VMCR_BP_SHIFT) | (VIRT_MIN_ABPR << VMCR_ABP_SHIFT)] * ncpu
        self.vapr = [0] * ncpu
        self.lrs = [[0] * NUM_LRS for _ in range(ncpu)]
        self._rebuild_target_map()
        self.update()
        for cpu in range(ncpu):
            self.update_virtual(cpu)

    def post_load(self):
        """After the STATE attributes were restored (snapshot load): rebuild
        what is derived from them and drive the outputs again."""
        self._rebuild_target_map()
        self.update()
        for cpu in range(self.num_cpu):
            self.update_virtual(cpu)

    # ---- board wiring ------------------------------------------------------------
    def mmio_views(self, virtualization):
        """[(virt_map region name, device)] to map, each at its region's
        base with device.SIZE; GICH/GICV only with virtualization=on."""
        views = [("gic_dist", self.dist), ("gic_cpu", self.cpu_if)]
        if virtualization:
            views += [("gic_hyp", self.hyp_if), ("gic_vcpu", self.vcpu_if)]
        return views

    def connect_cpu(self, cpu, set_irq_line):
        """Wire CPU `cpu`'s outputs: IRQ -> set_irq_line(1, level), FIQ ->
        set_irq_line(2, level) (cpu.h IRQ_LINE_IRQ/FIQ), and the maintenance
        interrupt to the CPU's own PPI 9 (as QEMU's virt board wires it).
        The virtual pins gic.virq/vfiq[cpu] stay for a CPU with Hyp mode."""
        self.irq[cpu].connect(lambda level: set_irq_line(IRQ_LINE_IRQ, level))
        self.fiq[cpu].connect(lambda level: set_irq_line(IRQ_LINE_FIQ, level))
        self.maintenance[cpu].connect(self.ppi_input(cpu, PPI_MAINTENANCE))

    # ---- inputs ----------------------------------------------------------------
    def input(self, intid):
        """The sink for SPI `intid` (32..num_irq-1): sink(level)."""
        if not 32 <= intid < self.num_irq:
            raise ValueError("GIC SPI input %r out of range 32..%d" % (intid, self.num_irq - 1))
        bit = 1 << intid

        def sink(level):
            self.set_spi_level(bit, level)
        return sink

    def ppi_input(self, cpu, ppi):
        """The sink for PPI `ppi` (0..15, INTID 16 + ppi) of `cpu`."""
        if not 0 <= cpu < self.num_cpu or not 0 <= ppi < 16:
            raise ValueError("GIC PPI input (cpu %r, ppi %r) out of range" % (cpu, ppi))
        bit = 1 << (16 + ppi)

        def sink(level):
            self.set_ppi_level(cpu, bit, level)
        return sink

    def set_spi_level(self, bit, level):
        old = self.level
        self.level = old | bit if level else old & ~bit
        # edge-triggered: a rising edge latches the pending state (spec 1.4)
        if level and not old & bit and self.edge & bit:
            self.pend_latch |= bit
        self.update()

    def set_ppi_level(self, cpu, bit, level):
        old = self.priv_level[cpu]
        self.priv_level[cpu] = old | bit if level else old & ~bit
        if level and not old & bit and self.priv_edge[cpu] & bit:
            self.priv_pend_latch[cpu] |= bit
        self.update()

    # ---- per-CPU views of the interrupt sets -----------------------------------
    def _rebuild_target_map(self):
        """target_map[cpu]: bitmap of the SPIs whose ITARGETSR names cpu."""
        maps = [0] * self.num_cpu
        for intid in range(32, self.num_irq):
            t = self.targets[intid]
            for c in range(self.num_cpu):
                if t >> c & 1:
                    maps[c] |= 1 << intid
        self.target_map = maps

    def pending(self, cpu):
        """Bitmap of the INTIDs pending on `cpu` (spec 1.4: a level-sensitive
        interrupt is pending while its input is asserted)."""
        spi = (self.pend_latch | (self.level & ~self.edge)) & self.target_map[cpu]
        priv = self.priv_pend_latch[cpu] | (self.priv_level[cpu] & ~self.priv_edge[cpu])
        return spi | (priv & ~SGI_MASK) | self._sgi_pending(cpu)

    def _sgi_pending(self, cpu):
        srcs = self.sgi_sources[cpu]
        if not any(srcs):
            return 0
        return sum(1 << s for s, src in enumerate(srcs) if src)

    def active_map(self, cpu):
        return self.active | self.priv_active[cpu]

    def group_map(self, cpu):
        return self.group | self.priv_group[cpu]

    def enabled_map(self, cpu):
        return self.enabled | self.priv_enabled[cpu]

    def priority_of(self, cpu, intid):
        return self.priv_priority[cpu][intid] if intid < 32 else self.priority[intid]

    def in_group1(self, cpu, intid):
        return (self.group_map(cpu) >> intid) & 1

    def group_priority(self, cpu, intid):
        """Group priority of intid under the binary points (spec GICC_BPR, GICC_ABPR):
        Group 1 uses GICC_ABPR unless CBPR (then GICC_BPR)."""
        if self.in_group1(cpu, intid) and not self.cpu_ctlr[cpu] & CTLR_CBPR:
            mask = group_priority_mask(self.abpr[cpu] - 1)
        else:
            mask = group_priority_mask(self.bpr[cpu])
        return self.priority_of(cpu, intid) & mask

    def running_priority(self, cpu):
        """The group priority of the highest-priority active interrupt: the
        lowest set bit of GICC_APR/NSAPR (one bit per level, spec GICC_APRn)."""
        aprs = self.apr[cpu] | self.nsapr[cpu]
        if not aprs:
            return IDLE_PRIORITY
        return ((aprs & -aprs).bit_length() - 1) << 1

    # ---- selection and outputs -------------------------------------------------
    def highest_pending(self, cpu):
        """(intid, priority) of the highest-priority pending interrupt that the
        Distributor forwards to cpu and the CPU interface has enabled, with
        priority above the priority mask; (SPURIOUS, IDLE_PRIORITY) if none.
        Active interrupts are not forwarded again (spec 3.2, the state machine)."""
        ctlr = self.ctlr & self.cpu_ctlr[cpu]
        if not ctlr & (EN_GRP0 | EN_GRP1):
            return SPURIOUS, IDLE_PRIORITY
        cand = self.pending(cpu) & self.enabled_map(cpu) & ~self.active_map(cpu)
        if not cand:
            return SPURIOUS, IDLE_PRIORITY
        group = self.group_map(cpu)
        if not ctlr & EN_GRP0:
            cand &= group
        if not ctlr & EN_GRP1:
            cand &= ~group
        best, best_prio = SPURIOUS, IDLE_PRIORITY
        priv = self.priv_priority[cpu]
        shared = self.priority
        for intid in _bits(cand):
            prio = priv[intid] if intid < 32 else shared[intid]
            if prio < best_prio:
                best, best_prio = intid, prio
        if best_prio >= self.pmr[cpu]:       # only priorities above the mask (spec GICC_PMR)
            return SPURIOUS, IDLE_PRIORITY
        return best, best_prio

    def update(self):
        """Recompute every CPU's IRQ/FIQ outputs.  (The virtual pins depend
        on GICH/GICV state only: update_virtual() follows their writes.)"""
        for cpu in range(self.num_cpu):
            irq = fiq = 0
            best, _ = self.highest_pending(cpu)
            if best != SPURIOUS and self.group_priority(cpu, best) < self.running_priority(cpu):
                # Group 0 is signalled as FIQ when FIQEn is set (spec GICC_CTLR.FIQEn)
                if not self.in_group1(cpu, best) and self.cpu_ctlr[cpu] & CTLR_FIQEN:
                    fiq = 1
                else:
                    irq = 1
            self.irq[cpu].set(irq)
            self.fiq[cpu].set(fiq)

    # ---- CPU interface behaviour -----------------------------------------------
    def pending_id(self, cpu, alias):
        """What GICC_HPPIR (alias: GICC_AHPPIR) reports (spec 4.4.7, 4.4.11)."""
        best, _ = self.highest_pending(cpu)
        if best == SPURIOUS:
            return SPURIOUS
        g1 = self.in_group1(cpu, best)
        if alias:
            return self._with_source(cpu, best) if g1 else SPURIOUS
        if g1 and not self.cpu_ctlr[cpu] & CTLR_ACKCTL:
            return GROUP1_WITH_ACKCTL0
        return self._with_source(cpu, best)

    def _with_source(self, cpu, intid):
        """An SGI's ID carries its lowest pending source CPU in bits 12:10."""
        if intid < 16:
            src = self.sgi_sources[cpu][intid]
            return intid | (((src & -src).bit_length() - 1) << 10)
        return intid

    def acknowledge(self, cpu, alias):
        """A GICC_IAR (alias: GICC_AIAR, Group 1 only) read (spec 3.2, 4.4.4)."""
        best, _ = self.highest_pending(cpu)
        if best == SPURIOUS:
            return SPURIOUS
        g1 = self.in_group1(cpu, best)
        if alias and not g1:
            return SPURIOUS
        if not alias and g1 and not self.cpu_ctlr[cpu] & CTLR_ACKCTL:
            return GROUP1_WITH_ACKCTL0
        gprio = self.group_priority(cpu, best)
        if gprio >= self.running_priority(cpu):
            return SPURIOUS                     # no preemption: nothing to acknowledge
        value = best
        bit = 1 << best
        if best < 16:
            src_mask = self.sgi_sources[cpu][best]
            src = (src_mask & -src_mask).bit_length() - 1
            self.sgi_sources[cpu][best] = src_mask & ~(1 << src)
            value |= src << 10
            self.priv_active[cpu] |= bit
        elif best < 32:
            self.priv_pend_latch[cpu] &= ~bit
            self.priv_active[cpu] |= bit
        else:
            self.pend_latch &= ~bit
            self.active |= bit
        level = 1 << (gprio >> 1)
        if g1:
            self.nsapr[cpu] |= level
        else:
            self.apr[cpu] |= level
        self.update()
        return value

    def end_of_interrupt(self, cpu, value, alias):
        """GICC_EOIR (alias: GICC_AEOIR): priority drop, and deactivation
        unless EOImode = 1 (spec 3.2, 4.4.5)."""
        intid = value & 0x3FF
        if intid >= self.num_irq:
            return                      # spurious IDs are ignored (spec 4.4.5)
        if alias and not self.in_group1(cpu, intid):
            return                      # AEOIR only completes Group 1 interrupts
        aprs = self.apr[cpu] | self.nsapr[cpu]
        if aprs:
            low = aprs & -aprs          # the highest active priority drops
            self.apr[cpu] &= ~low
            self.nsapr[cpu] &= ~low
        if not self.cpu_ctlr[cpu] & CTLR_EOIMODE:
            self._deactivate(cpu, intid)
        self.update()

    def deactivate(self, cpu, value):
        """GICC_DIR (spec 4.4.15): only acts when EOImode = 1."""
        intid = value & 0x3FF
        if intid < self.num_irq and self.cpu_ctlr[cpu] & CTLR_EOIMODE:
            self._deactivate(cpu, intid)
            self.update()

    def _deactivate(self, cpu, intid):
        if intid < 32:
            self.priv_active[cpu] &= ~(1 << intid)
        else:
            self.active &= ~(1 << intid)

    def send_sgi(self, cpu, value):
        """GICD_SGIR (spec 4.3.15): TargetListFilter 0 = the list, 1 = all
        but self, 2 = self, 3 reserved (ignored)."""
        sgi = value & 0xF
        filt = (value >> 24) & 3
        if filt == 0:
            targets = (value >> 16) & 0xFF
        elif filt == 1:
            targets = ((1 << self.num_cpu) - 1) & ~(1 << cpu)
        elif filt == 2:
            targets = 1 << cpu
        else:
            return
        for t in range(self.num_cpu):
            if targets >> t & 1:
                self.sgi_sources[t][sgi] |= 1 << cpu
        self.update()

    # ---- virtual CPU interface (list registers) ---------------------------------
    def _vpriority(self, lr):
        return ((lr >> LR_PRI_SHIFT) & 0x1F) << 3

    def _vgroup_priority(self, cpu, lr):
        vmcr = self.vmcr[cpu]
        if lr & LR_GRP1 and not vmcr & CTLR_CBPR:
            bpr = ((vmcr >> VMCR_ABP_SHIFT) & 7) - 1
        else:
            bpr = (vmcr >> VMCR_BP_SHIFT) & 7
        return self._vpriority(lr) & group_priority_mask(bpr)

    def vrunning_priority(self, cpu):
        apr = self.vapr[cpu]
        if not apr:
            return IDLE_PRIORITY
        return ((apr & -apr).bit_length() - 1) << 3    # one bit per 5-bit group priority

    def vhighest_pending(self, cpu):
        """Index of the list register with the highest-priority pending
        interrupt of an enabled group above the virtual priority mask, or -1."""
        if not self.hcr[cpu] & HCR_EN:
            return -1           # the virtual CPU interface signals nothing (GICH_HCR.En)
        vmcr = self.vmcr[cpu]
        pmr = ((vmcr >> VMCR_PMR_SHIFT) & 0x1F) << 3
        best, best_prio = -1, IDLE_PRIORITY
        for i, lr in enumerate(self.lrs[cpu]):
            if (lr >> LR_STATE_SHIFT) & 3 != 1:        # pending (not active)
                continue
            if not vmcr & (EN_GRP1 if lr & LR_GRP1 else EN_GRP0):
                continue
            prio = self._vpriority(lr)
            if prio < best_prio:
                best, best_prio = i, prio
        if best < 0 or best_prio >= pmr:
            return -1
        return best

    def _vid(self, lr):
        vid = lr & LR_VID_MASK
        if vid < 16 and not lr & LR_HW:
            vid |= lr & (7 << LR_PID_SHIFT)        # CPUID of a virtual SGI
        return vid

    def vpending_id(self, cpu, alias):
        i = self.vhighest_pending(cpu)
        if i < 0:
            return SPURIOUS
        lr = self.lrs[cpu][i]
        if alias:
            return self._vid(lr) if lr & LR_GRP1 else SPURIOUS
        if lr & LR_GRP1 and not self.vmcr[cpu] & CTLR_ACKCTL:
            return GROUP1_WITH_ACKCTL0
        return self._vid(lr)

    def vacknowledge(self, cpu, alias):
        """GICV_IAR: pending -> active in the list register, its group
        priority into GICH_APR (spec ch. 5)."""
        i = self.vhighest_pending(cpu)
        if i < 0:
            return SPURIOUS
        lrs = self.lrs[cpu]
        lr = lrs[i]
        if alias and not lr & LR_GRP1:
            return SPURIOUS
        if not alias and lr & LR_GRP1 and not self.vmcr[cpu] & CTLR_ACKCTL:
            return GROUP1_WITH_ACKCTL0
        gprio = self._vgroup_priority(cpu, lr)
        if gprio >= self.vrunning_priority(cpu):
            return SPURIOUS
        lrs[i] = (lr & ~(3 << LR_STATE_SHIFT)) | LR_ACTIVE
        self.vapr[cpu] |= 1 << (gprio >> 3)
        self.update_virtual(cpu)
        return self._vid(lr)

    def vend_of_interrupt(self, cpu, value, alias):
        apr = self.vapr[cpu]
        if apr:
            self.vapr[cpu] = apr & (apr - 1)       # drop the highest active priority
        if not self.vmcr[cpu] & CTLR_EOIMODE:
            self._vdeactivate(cpu, value)
        self.update_virtual(cpu)

    def vdeactivate(self, cpu, value):
        if self.vmcr[cpu] & CTLR_EOIMODE:
            self._vdeactivate(cpu, value)
            self.update_virtual(cpu)

    def _vdeactivate(self, cpu, value):
        """Deactivate the list register holding this virtual ID; with HW = 1
        also the physical interrupt it names (spec GICH_LRn.HW).  No match:
        GICH_HCR.EOICount counts it (spec GICH_HCR)."""
        vid = value & LR_VID_MASK
        lrs = self.lrs[cpu]
        for i, lr in enumerate(lrs):
            if lr & LR_ACTIVE and lr & LR_VID_MASK == vid:
                lrs[i] = lr & ~LR_ACTIVE
                if lr & LR_HW:
                    pid = (lr >> LR_PID_SHIFT) & 0x3FF
                    if pid < self.num_irq:
                        self._deactivate(cpu, pid)
                        self.update()
                return
        hcr = self.hcr[cpu]
        count = ((hcr >> HCR_EOICOUNT_SHIFT) + 1) & 0x1F
        self.hcr[cpu] = (hcr & ~(0x1F << HCR_EOICOUNT_SHIFT)) | (count << HCR_EOICOUNT_SHIFT)

    def eisr(self, cpu):
        """GICH_EISR: LRs whose interrupt was deactivated and asks for an EOI
        maintenance interrupt: state invalid, HW = 0, EOI = 1 (spec GICH_EISRn)."""
        mask = 0
        for i, lr in enumerate(self.lrs[cpu]):
            if not lr & (LR_PENDING | LR_ACTIVE | LR_HW) and lr & LR_EOI:
                mask |= 1 << i
        return mask

    def elrsr(self, cpu):
        """GICH_ELRSR: LRs holding no interrupt (state invalid) and not
        waiting for an EOI maintenance interrupt (spec GICH_ELRSRn)."""
        mask = 0
        for i, lr in enumerate(self.lrs[cpu]):
            if not lr & (LR_PENDING | LR_ACTIVE) and (lr & LR_HW or not lr & LR_EOI):
                mask |= 1 << i
        return mask

    def misr(self, cpu):
        """GICH_MISR (spec ch. 5), from the LRs, GICH_HCR and GICH_VMCR."""
        hcr, vmcr, lrs = self.hcr[cpu], self.vmcr[cpu], self.lrs[cpu]
        misr = MISR_EOI if self.eisr(cpu) else 0
        valid = sum(1 for lr in lrs if lr & (LR_PENDING | LR_ACTIVE))
        if hcr & HCR_UIE and valid <= 1:
            misr |= MISR_U
        if hcr & HCR_LRENPIE and hcr >> HCR_EOICOUNT_SHIFT:
            misr |= MISR_LRENP
        if hcr & HCR_NPIE and not any((lr >> LR_STATE_SHIFT) & 3 == 1 for lr in lrs):
            misr |= MISR_NP
        # MISR.VGrp{0,1}{E,D} (bits 7:4) sit where their HCR enables are
        state = ((HCR_VGRP0EIE if vmcr & EN_GRP0 else HCR_VGRP0DIE)
                 | (HCR_VGRP1EIE if vmcr & EN_GRP1 else HCR_VGRP1DIE))
        return misr | (hcr & state)

    def update_virtual(self, cpu):
        """The virtual IRQ/FIQ pins and the maintenance interrupt."""
        hcr = self.hcr[cpu]
        virq = vfiq = 0
        i = self.vhighest_pending(cpu)
        if i >= 0:
            lr = self.lrs[cpu][i]
            if self._vgroup_priority(cpu, lr) < self.vrunning_priority(cpu):
                if not lr & LR_GRP1 and self.vmcr[cpu] & CTLR_FIQEN:
                    vfiq = 1
                else:
                    virq = 1
        self.virq[cpu].set(virq)
        self.vfiq[cpu].set(vfiq)
        self.maintenance[cpu].set(1 if hcr & HCR_EN and self.misr(cpu) else 0)


# ---------------------------------------------------------------------------
# MMIO views.  Word registers take any access size: a narrower read returns
# the addressed bytes, a narrower write changes only them (the spec allows
# byte access only to the byte-wide arrays; elsewhere it is UNPREDICTABLE).

class _View(Device):
    def __init__(self, gic):
        self.gic = gic
        super().__init__()

    def read(self, offset, size):
        cpu = self.gic.current_cpu()
        if self.BYTE_RANGE[0] <= offset < self.BYTE_RANGE[1]:
            value = 0
            for i in range(size if size < 4 else 4):
                value |= self.read_byte(cpu, offset + i) << (8 * i)
            return value
        shift = (offset & 3) * 8
        return (self.read_word(cpu, offset & ~3) >> shift) & _size_mask(size)

    def write(self, offset, size, value):
        cpu = self.gic.current_cpu()
        if self.BYTE_RANGE[0] <= offset < self.BYTE_RANGE[1]:
            for i in range(size if size < 4 else 4):
                self.write_byte(cpu, offset + i, (value >> (8 * i)) & 0xFF)
            self.gic.update()
            return
        shift = (offset & 3) * 8
        mask = _size_mask(size) << shift
        self.write_word(cpu, offset & ~3, (value << shift) & mask, mask & 0xFFFFFFFF)

    BYTE_RANGE = (0, 0)

    def read_byte(self, cpu, offset):
        return 0

    def write_byte(self, cpu, offset, value):
        pass


class GICDistributor(_View):
    """GICD (spec 4.3, Table 4-1)."""

    NAME = "gicd"
    SIZE = 0x1000
    BYTE_RANGE = (0x400, 0xC00)        # GICD_IPRIORITYR, GICD_ITARGETSR

    # bitmap registers: base -> (kind, attribute); kind: set, clear or rw
    BITMAPS = (
        (0x080, "rw", "group"),
        (0x100, "set", "enabled"), (0x180, "clear", "enabled"),
        (0x200, "set", "pend_latch"), (0x280, "clear", "pend_latch"),
        (0x300, "set", "active"), (0x380, "clear", "active"),
    )

    def read_word(self, cpu, off):
        gic = self.gic
        if off == 0x000:
            return gic.ctlr
        if off == 0x004:        # GICD_TYPER (spec 4.3.2): ITLinesNumber, CPUNumber
            return (gic.num_irq // 32 - 1) | ((gic.num_cpu - 1) << 5)
        if off == 0x008:
            return GICD_IIDR
        if 0x080 <= off < 0x400:
            return self._read_bitmap(cpu, off)
        if 0xC00 <= off < 0xD00:
            return self._read_icfgr(cpu, off)
        if 0xF10 <= off < 0xF30:       # GICD_CPENDSGIR / SPENDSGIR: byte per SGI
            first = (off & 0xF)
            return sum(gic.sgi_sources[cpu][first + i] << (8 * i) for i in range(4))
        if 0xFD0 <= off <= 0xFFC:
            return GICD_ID_REGS[(off - 0xFD0) >> 2]
        return 0

    def write_word(self, cpu, off, value, mask):
        gic = self.gic
        if off == 0x000:
            gic.ctlr = (gic.ctlr & ~mask | value) & (EN_GRP0 | EN_GRP1)
        elif 0x080 <= off < 0x400:
            self._write_bitmap(cpu, off, value, mask)
        elif 0xC00 <= off < 0xD00:
            self._write_icfgr(cpu, off, value, mask)
        elif off == 0xF00:
            if mask == 0xFFFFFFFF:      # GICD_SGIR is write-only, word access
                gic.send_sgi(cpu, value)
            return
        elif 0xF10 <= off < 0xF30:
            first = off & 0xF
            for i in range(4):
                byte = (value >> (8 * i)) & 0xFF
                srcs = gic.sgi_sources[cpu]
                if off < 0xF20:
                    srcs[first + i] &= ~byte          # CPENDSGIR clears (spec 4.3.16)
                else:
                    srcs[first + i] |= byte & ((1 << gic.num_cpu) - 1)   # SPENDSGIR
        else:
            return
        gic.update()

    # -- ISENABLER & co: one bit per INTID; bits 0..31 banked per CPU
    def _bitmap_row(self, off):
        for base, kind, attr in reversed(self.BITMAPS):
            if off >= base:
                return base, kind, attr
        raise AssertionError(off)

    def _read_bitmap(self, cpu, off):
        gic = self.gic
        base, kind, attr = self._bitmap_row(off)
        first = (off - base) * 8
        if first >= gic.num_irq:
            return 0
        if first == 0:
            if attr == "pend_latch":
                return gic.pending(cpu) & PRIV_MASK
            return getattr(gic, "priv_" + attr)[cpu]
        if attr == "pend_latch":
            word = gic.pend_latch | (gic.level & ~gic.edge)
        else:
            word = getattr(gic, attr)
        return (word >> first) & 0xFFFFFFFF

    def _write_bitmap(self, cpu, off, value, mask):
        gic = self.gic
        base, kind, attr = self._bitmap_row(off)
        first = (off - base) * 8
        if first >= gic.num_irq:
            return
        if first == 0:
            value, mask = self._priv_writable(attr, value, mask)
            table = getattr(gic, "priv_" + attr)
            table[cpu] = _apply(kind, table[cpu], value, mask)
        else:
            setattr(gic, attr, _apply(kind, getattr(gic, attr), value << first, mask << first))

    @staticmethod
    def _priv_writable(attr, value, mask):
        """SGI bits: enables RAO/WI (GIC-400, QEMU), pending set/clear WI in
        GICv2 (spec 4.3.7: use GICD_SPENDSGIR/CPENDSGIR)."""
        if attr in ("enabled", "pend_latch"):
            return value & ~SGI_MASK, mask & ~SGI_MASK
        return value, mask

    # -- GICD_ICFGR: 2 bits per INTID, bit 1 = edge; SGIs read-only edge
    def _read_icfgr(self, cpu, off):
        gic = self.gic
        first = (off - 0xC00) * 4
        if first >= gic.num_irq:
            return 0
        edge = gic.priv_edge[cpu] if first < 32 else gic.edge
        return sum(2 << (2 * i) for i in range(16) if edge >> (first + i) & 1)

    def _write_icfgr(self, cpu, off, value, mask):
        gic = self.gic
        first = (off - 0xC00) * 4
        if first == 0 or first >= gic.num_irq:
            return              # GICD_ICFGR0 (SGIs) is read-only (spec 4.3.13)
        set_bits = clr_bits = 0
        for i in range(16):
            if mask >> (2 * i + 1) & 1:
                bit = 1 << (first + i)
                if value >> (2 * i + 1) & 1:
                    set_bits |= bit
                else:
                    clr_bits |= bit
        if first < 32:
            gic.priv_edge[cpu] = (gic.priv_edge[cpu] | set_bits) & ~clr_bits
        else:
            gic.edge = (gic.edge | set_bits) & ~clr_bits

    # -- byte arrays: GICD_IPRIORITYR, GICD_ITARGETSR
    def read_byte(self, cpu, offset):
        gic = self.gic
        if offset < 0x800:
            intid = offset - 0x400
            if intid >= gic.num_irq:
                return 0
            return gic.priority_of(cpu, intid)
        intid = offset - 0x800
        if gic.num_cpu == 1 or intid >= gic.num_irq:
            return 0    # uniprocessor: ITARGETSR RAZ/WI (spec 4.3.12)
        if intid < 32:
            return 1 << cpu   # banked, read-only: the reading CPU (spec 4.3.12)
        return gic.targets[intid]

    def write_byte(self, cpu, offset, value):
        gic = self.gic
        if offset < 0x800:
            intid = offset - 0x400
            if intid < 32:
                gic.priv_priority[cpu][intid] = value
            elif intid < gic.num_irq:
                gic.priority[intid] = value
            return
        intid = offset - 0x800
        if gic.num_cpu > 1 and 32 <= intid < gic.num_irq:
            gic.targets[intid] = value & ((1 << gic.num_cpu) - 1)
            bit = 1 << intid
            for c in range(gic.num_cpu):
                gic.target_map[c] = (gic.target_map[c] | bit) if value >> c & 1 \
                    else (gic.target_map[c] & ~bit)


def _apply(kind, old, value, mask):
    if kind == "set":
        return old | (value & mask)
    if kind == "clear":
        return old & ~(value & mask)
    return (old & ~mask) | (value & mask)


class GICCPUInterface(_View):
    """GICC (spec 4.4, Table 4-2)."""

    NAME = "gicc"
    SIZE = 0x2000

    def read_word(self, cpu, off):
        gic = self.gic
        if off == 0x00:
            return gic.cpu_ctlr[cpu]
        if off == 0x04:
            return gic.pmr[cpu]
        if off == 0x08:
            return gic.bpr[cpu]
        if off == 0x0C:
            return gic.acknowledge(cpu, alias=False)
        if off == 0x14:         # GICC_RPR (spec 4.4.6): 0xFF when idle
            return min(gic.running_priority(cpu), 0xFF)
        if off == 0x18:
            return gic.pending_id(cpu, alias=False)
        if off == 0x1C:
            return gic.abpr[cpu]
        if off == 0x20:
            return gic.acknowledge(cpu, alias=True)
        if off == 0x28:
            return gic.pending_id(cpu, alias=True)
        if 0xD0 <= off < 0xE0:  # GICC_APRn: 128 preemption levels in 4 words
            return (gic.apr[cpu] >> (8 * (off - 0xD0))) & 0xFFFFFFFF
        if 0xE0 <= off < 0xF0:
            return (gic.nsapr[cpu] >> (8 * (off - 0xE0))) & 0xFFFFFFFF
        if off == 0xFC:
            return GICC_IIDR
        return 0

    def write_word(self, cpu, off, value, mask):
        gic = self.gic
        if off == 0x00:
            gic.cpu_ctlr[cpu] = (gic.cpu_ctlr[cpu] & ~mask | value) & GICC_CTLR_MASK
        elif off == 0x04:
            gic.pmr[cpu] = (gic.pmr[cpu] & ~mask | value) & 0xFF
        elif off == 0x08:
            gic.bpr[cpu] = (gic.bpr[cpu] & ~mask | value) & 7
        elif off == 0x10:
            gic.end_of_interrupt(cpu, value, alias=False)
            return
        elif off == 0x1C:       # minimum ABPR = minimum BPR + 1 (spec GICC_ABPR)
            gic.abpr[cpu] = max((gic.abpr[cpu] & ~mask | value) & 7, 1)
        elif off == 0x24:
            gic.end_of_interrupt(cpu, value, alias=True)
            return
        elif 0xD0 <= off < 0xF0:
            attr = gic.apr if off < 0xE0 else gic.nsapr
            shift = 8 * ((off - 0xD0) & 0xF)
            attr[cpu] = (attr[cpu] & ~(mask << shift)) | ((value & mask) << shift)
        elif off == 0x1000:
            gic.deactivate(cpu, value)
            return
        else:
            return
        gic.update()


class GICHypInterface(_View):
    """GICH (spec ch. 5, GICH register map)."""

    NAME = "gich"
    SIZE = 0x1000

    def read_word(self, cpu, off):
        gic = self.gic
        if off == 0x00:
            return gic.hcr[cpu]
        if off == 0x04:
            return GICH_VTR
        if off == 0x08:
            return gic.vmcr[cpu]
        if off == 0x10:
            return gic.misr(cpu)
        if off == 0x20:
            return gic.eisr(cpu)
        if off == 0x30:
            return gic.elrsr(cpu)
        if off == 0xF0:
            return gic.vapr[cpu]
        if 0x100 <= off < 0x100 + 4 * NUM_LRS:
            return gic.lrs[cpu][(off - 0x100) >> 2]
        return 0                # EISR1, ELRSR1 (no LRs 32..63), reserved: RAZ

    def write_word(self, cpu, off, value, mask):
        gic = self.gic
        if off == 0x00:
            gic.hcr[cpu] = (gic.hcr[cpu] & ~mask | value) & HCR_MASK
        elif off == 0x08:
            gic.vmcr[cpu] = (gic.vmcr[cpu] & ~mask | value) & VMCR_MASK
        elif off == 0xF0:
            gic.vapr[cpu] = gic.vapr[cpu] & ~mask | value
        elif 0x100 <= off < 0x100 + 4 * NUM_LRS:
            i = (off - 0x100) >> 2
            gic.lrs[cpu][i] = (gic.lrs[cpu][i] & ~mask | value) & LR_MASK
        else:
            return
        gic.update_virtual(cpu)


class GICVCPUInterface(_View):
    """GICV (spec ch. 5): the GICC layout, every register a view of GICH state."""

    NAME = "gicv"
    SIZE = 0x2000

    def read_word(self, cpu, off):
        gic = self.gic
        vmcr = gic.vmcr[cpu]
        if off == 0x00:
            return vmcr & VMCR_CTLR_MASK
        if off == 0x04:
            return ((vmcr >> VMCR_PMR_SHIFT) & 0x1F) << 3
        if off == 0x08:
            return (vmcr >> VMCR_BP_SHIFT) & 7
        if off == 0x0C:
            return gic.vacknowledge(cpu, alias=False)
        if off == 0x14:
            return min(gic.vrunning_priority(cpu), 0xFF)
        if off == 0x18:
            return gic.vpending_id(cpu, alias=False)
        if off == 0x1C:
            return (vmcr >> VMCR_ABP_SHIFT) & 7
        if off == 0x20:
            return gic.vacknowledge(cpu, alias=True)
        if off == 0x28:
            return gic.vpending_id(cpu, alias=True)
        if off == 0xD0:
            return gic.vapr[cpu]
        if off == 0xFC:
            return GICC_IIDR
        return 0

    def write_word(self, cpu, off, value, mask):
        gic = self.gic
        vmcr = gic.vmcr[cpu]
        if off == 0x00:
            vmcr = (vmcr & ~(mask & VMCR_CTLR_MASK)) | (value & VMCR_CTLR_MASK)
        elif off == 0x04:
            pmr = (((vmcr >> VMCR_PMR_SHIFT) & 0x1F) << 3 & ~mask | value) & 0xF8
            vmcr = (vmcr & ~(0x1F << VMCR_PMR_SHIFT)) | (pmr >> 3 << VMCR_PMR_SHIFT)
        elif off in (0x08, 0x1C):
            shift, least = (VMCR_BP_SHIFT, VIRT_MIN_BPR) if off == 0x08 \
                else (VMCR_ABP_SHIFT, VIRT_MIN_ABPR)
            bp = max((((vmcr >> shift) & 7) & ~mask | value) & 7, least)
            vmcr = (vmcr & ~(7 << shift)) | (bp << shift)
        elif off == 0x10:
            gic.vend_of_interrupt(cpu, value, alias=False)
            return
        elif off == 0x24:
            gic.vend_of_interrupt(cpu, value, alias=True)
            return
        elif off == 0xD0:
            gic.vapr[cpu] = gic.vapr[cpu] & ~mask | value
        elif off == 0x1000:
            gic.vdeactivate(cpu, value)
            return
        else:
            return
        gic.vmcr[cpu] = vmcr
        gic.update_virtual(cpu)
