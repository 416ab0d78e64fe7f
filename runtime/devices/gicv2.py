"""The GICv2 interrupt controller of QEMU 7.2's `virt` board, with the
virtualization extensions (GIC Architecture Specification v2.0, ARM IHI
0048B; "spec" below).  No Security Extensions (virt with secure=off): the
CPU sees the Secure register layout, Group 0 and Group 1 both usable.

One GICv2 object stands for the whole state; four MMIO views act on it:

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
sink(level) for IRQLine.connect.  Outputs, per CPU (GICOutput: level,
connect(sink) as an IRQLine): gic.irq[cpu], gic.fiq[cpu] (connect_cpu
drives the CPU's pins from C), gic.virq[cpu], gic.vfiq[cpu] (the virtual
interrupt pins) and gic.maintenance[cpu] (connect_cpu routes it to the
CPU's PPI 9, INTID 25).

The state and every register access are C (runtime/gic_fns.pxi, nogil):
the four views are CMMIO devices, so a guest access never enters Python,
and the outputs drive the CPU's IRQ/FIQ pins directly (connect_cpu) and
the maintenance interrupt its own PPI 9.  This module is the Python face:
the board API above, the STATE attributes (shaped as below, converted
to and from the C state), and Python sinks on the outputs for tests and
other wiring.  Slow devices (PL011, virtio...) still call the input sinks
from Python; the generic timer drives its PPIs from C (gtimer.py).

Interrupt sets are bitmaps indexed by INTID: the shared (SPI) part in 32
words, the banked SGI/PPI part (bits 0..31) per CPU (as Python ints in
STATE); selection walks only the set bits of pending & enabled & ~active.
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

from runtime import core
from runtime.abi import IRQ_LINE_FIQ, IRQ_LINE_IRQ   # CPU.set_irq_line(line, level)
from runtime.devices.base import Device

_C = core.GIC_CONSTANTS
MAX_CPUS = _C["MAX_CPUS"]
NUM_IRQ = 288                   # QEMU virt: 256 SPIs + 32 (GICD_TYPER.ITLinesNumber = 8)
PPI_MAINTENANCE = _C["PPI_MAINTENANCE"]   # INTID 25: connect_cpu routes gic.maintenance[cpu] here
SPURIOUS = _C["SPURIOUS"]
NUM_LRS = _C["NUM_LRS"]


class GICOutput:
    """One output of the GIC (gic.irq[cpu] & co): its level lives in C;
    connect(sink) adds a Python sink(level), called on every change (and
    once on connect), as IRQLine.connect."""

    __slots__ = ("gic", "cpu", "bit", "name")

    def __init__(self, gic, cpu, kind):
        self.gic, self.cpu, self.bit = gic, cpu, core.GIC_OUTPUTS[kind]
        self.name = "gic.%s%d" % (kind, cpu)

    @property
    def level(self):
        return self.gic.core.output(self.cpu, self.bit)

    def connect(self, sink):
        self.gic.core.connect_output(self.cpu, self.bit, sink)


class GICv2(Device):
    """The board-facing object; gic.dist / cpu_if / hyp_if / vcpu_if are
    the MMIO views.  current_cpu() names the CPU making a Python-side
    access (C-served accesses are the connected CPU's)."""

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
        self.core = core.GICCore(num_cpu, num_irq)
        self.current_cpu = current_cpu or (lambda: 0)
        for kind in ("irq", "fiq", "virq", "vfiq", "maintenance"):
            setattr(self, kind, [GICOutput(self, c, kind) for c in range(num_cpu)])
        super().__init__()
        self.dist = GICDistributor(self)
        self.cpu_if = GICCPUInterface(self)
        self.hyp_if = GICHypInterface(self)
        self.vcpu_if = GICVCPUInterface(self)

    def reset_state(self):
        self.core.reset()

    def post_load(self):
        """After the STATE attributes were restored (snapshot load): rebuild
        what is derived from them and drive the outputs again."""
        self.core.rebuild()

    def stats(self):
        """Counters of the C side (bench/irq_profile.py)."""
        return self.core.stats()

    # ---- board wiring ------------------------------------------------------------
    def mmio_views(self, virtualization):
        """[(virt_map region name, device)] to map, each at its region's
        base with device.SIZE; GICH/GICV only with virtualization=on."""
        views = [("gic_dist", self.dist), ("gic_cpu", self.cpu_if)]
        if virtualization:
            views += [("gic_hyp", self.hyp_if), ("gic_vcpu", self.vcpu_if)]
        return views

    def connect_cpu(self, cpu, target):
        """Wire CPU `cpu`'s outputs: target is the core.CPU (its IRQ/FIQ
        pins driven from C, and the C-served accesses are its) or a
        set_irq_line(line, level) callable (IRQ -> line 1, FIQ -> line 2,
        abi IRQ_LINE_IRQ/FIQ).  The maintenance interrupt goes to the CPU's
        own PPI 9 (as QEMU's virt board wires it).  The virtual pins
        gic.virq/vfiq[cpu] stay for a CPU with Hyp mode."""
        if isinstance(target, core.CPU):
            self.core.connect_cpu(cpu, target)
        else:
            self.irq[cpu].connect(lambda level: target(IRQ_LINE_IRQ, level))
            self.fiq[cpu].connect(lambda level: target(IRQ_LINE_FIQ, level))
        self.core.route_maintenance(cpu)

    # ---- inputs ----------------------------------------------------------------
    def input(self, intid):
        """The sink for SPI `intid` (32..num_irq-1): sink(level)."""
        if not 32 <= intid < self.num_irq:
            raise ValueError("GIC SPI input %r out of range 32..%d" % (intid, self.num_irq - 1))
        return self.core.input_sink(0, intid)

    def ppi_input(self, cpu, ppi):
        """The sink for PPI `ppi` (0..15, INTID 16 + ppi) of `cpu`."""
        if not 0 <= cpu < self.num_cpu or not 0 <= ppi < 16:
            raise ValueError("GIC PPI input (cpu %r, ppi %r) out of range" % (cpu, ppi))
        return self.core.input_sink(cpu, 16 + ppi)


def _state_property(name):
    return property(lambda self: self.core.get(name),
                    lambda self, value: self.core.set(name, value),
                    doc="STATE %r (a copy: assign to change it)" % name)


for _name in GICv2.STATE:
    setattr(GICv2, _name, _state_property(_name))


# ---------------------------------------------------------------------------
# MMIO views: C-served when the board maps them (core.GICView is a CMMIO
# device); read/write here are the Python callers' way in (tests, debuggers).

class _View(core.GICView):
    VIEW = None

    def __init__(self, gic):
        super().__init__(gic.core, self.VIEW)
        self.gic = gic

    def read(self, offset, size):
        return self.access_read(self.gic.current_cpu(), offset, size)

    def write(self, offset, size, value):
        self.access_write(self.gic.current_cpu(), offset, size, value & 0xFFFFFFFF)


class GICDistributor(_View):
    """GICD (spec 4.3, Table 4-1)."""
    NAME, SIZE, VIEW = "gicd", 0x1000, _C["VIEW_DIST"]


class GICCPUInterface(_View):
    """GICC (spec 4.4, Table 4-2); GICC_DIR at 0x1000."""
    NAME, SIZE, VIEW = "gicc", 0x2000, _C["VIEW_CPU"]


class GICHypInterface(_View):
    """GICH (spec ch. 5, GICH register map)."""
    NAME, SIZE, VIEW = "gich", 0x1000, _C["VIEW_HYP"]


class GICVCPUInterface(_View):
    """GICV (spec ch. 5): the GICC layout, every register a view of GICH state."""
    NAME, SIZE, VIEW = "gicv", 0x2000, _C["VIEW_VCPU"]
